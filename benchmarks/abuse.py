#!/usr/bin/env python3
"""One visitor against the published archive: abusive requests from many clients while a
normal reader's pages are timed.

The archive: ``benchmarks/serve.py``'s generated park news (``--articles``, default
20 000, cached in ``benchmarks/cache/abuse/``) with ``--long`` articles (default 60) given
bodies of ``MAX_BODY_CHARS`` characters (200 000: the longest the store keeps) and
summaries of 20 000.

Each server runs in its own process (uvicorn on 127.0.0.1, a free port):

- ``parknews``: ``make_datasette`` (parknews serve: its settings, metadata and plugin,
  immutable);
- ``plain``: ``Datasette(immutables=[path])`` with Datasette's defaults and the parknews
  plugin unregistered (Datasette alone, as the issue measured it).

For ``--seconds`` (default 30) ``--clients`` (default 50) clients from one address
(127.0.0.1: one visitor) each send the abusive requests below in turn, each with a
``--client-timeout`` (default 10 s: the client gives up and sends the next one).
Meanwhile one reader (from 127.0.0.2) requests, in turn, an article page, the articles
table and ``/-/search?q=园区`` (plain: the table filtered with ``_search``),
each timed (a request that times out after 10 s counts as 10 s). When the load stops,
the reader asks for an article page every 0.1 s until one answers 200 within 1 s: that
wait is the recovery time. The server's peak resident memory (``VmHWM``) and the answers
with status 500 or more are reported.

Abusive requests: ``body__in=`` with 8 000 commas; ``_size=max`` as JSON; a 330-term
``_search`` with ``_searchmode=raw``; ``/-/search`` at page 10^25; the table page with
``_size=max``; ``_facet`` on ``body``, ``summary``, ``title`` and ``url``.

Examples:

    python benchmarks/abuse.py                                   # the issue's sizes
    python benchmarks/abuse.py --articles 2000 --clients 10 --seconds 5 --servers parknews

Progress goes to stderr; the Markdown report to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import serve as serve_bench  # noqa: E402

CACHE = ROOT / "benchmarks" / "cache" / "abuse"
SUMMARY_CHARS = 20_000
READER_ADDRESS = "127.0.0.2"  # the attackers come from 127.0.0.1: one visitor

SERVER = r"""
import sys, uvicorn
path, which, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if which == "plain":
    from datasette.app import Datasette
    from datasette.plugins import pm
    pm.unregister(name="parknews")
    ds = Datasette(immutables=[path])
else:
    from parknews.archive.publish import make_datasette
    ds = make_datasette(path, immutable=True)
import asyncio
asyncio.run(ds.invoke_startup())
uvicorn.run(ds.app(), host="127.0.0.1", port=port, log_level="error")
"""


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def build(count: int, long: int, cache: Path = CACHE) -> Path:
    """The cached archive: serve.py's rows, ``long`` of them with the longest bodies."""
    from parknews.archive.store import MAX_BODY_CHARS, open_archive

    path = cache / f"n{count}-long{long}" / "archive.db"
    if path.exists() and (path.parent / "done").exists():
        return path
    serve_bench.build(path, count)
    db = open_archive(path)  # the search index's functions, for its triggers
    words = "园区企业项目发展招商创新产业科技投资建设"
    body = (words * (MAX_BODY_CHARS // len(words) + 1))[:MAX_BODY_CHARS]
    with db.conn:
        db.execute("update articles set body = ?, summary = ? where rowid in "
                   "(select rowid from articles order by random() limit ?)",
                   [body, body[:SUMMARY_CHARS], long])
    db.conn.execute("pragma wal_checkpoint(truncate)")
    db.close()
    (path.parent / "done").write_text(datetime.now(UTC).isoformat() + "\n")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def abusive(db: str) -> list[str]:
    raw = " OR ".join(f"t{i}*" for i in range(330))
    return [
        f"/{db}/articles.json?body__in=" + "," * 8000,
        f"/{db}/articles.json?_size=max",
        f"/{db}/articles?_searchmode=raw&_search=" + raw,
        "/-/search?q=园区&page=" + "9" * 25,
        f"/{db}/articles?_size=max",
        f"/{db}/articles?_facet=body&_facet=summary&_facet=title&_facet=url",
    ]


def normal(path: Path, which: str) -> list[str]:
    from datasette.utils import tilde_encode

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        urls = [r[0] for r in conn.execute(
            "select url from articles where length(body) < 10000 order by rowid limit 50")]
    finally:
        conn.close()
    db = path.stem
    search = "/-/search?q=园区" if which == "parknews" else f"/{db}/articles?_search=园区"
    pages = []
    for url in urls:
        pages += [f"/{db}/articles/{tilde_encode(url)}", f"/{db}/articles", search]
    return pages


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)] if ordered else 0.0


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _wait_up(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(300):
            try:
                if (await client.get("/-/versions.json", timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server at {base} did not start")


async def _attack(base: str, paths: list[str], until: float, timeout: float,
                  statuses: dict) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:
        number = 0
        while time.monotonic() < until:
            path = paths[number % len(paths)]
            number += 1
            try:
                response = await client.get(path)
                key = response.status_code
            except httpx.TimeoutException:
                key = "timeout"
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            statuses[key] = statuses.get(key, 0) + 1


def _reader(base: str, timeout: float) -> httpx.AsyncClient:
    """A client from another address than the attackers' (127.0.0.2): another visitor."""
    return httpx.AsyncClient(base_url=base, timeout=timeout, transport=httpx.AsyncHTTPTransport(
        local_address=READER_ADDRESS))


async def _read(base: str, pages: list[str], until: float, timeout: float) -> dict:
    times: dict[str, list[float]] = {"article": [], "table": [], "search": []}
    bad = 0
    async with _reader(base, timeout) as client:
        number = 0
        while time.monotonic() < until:
            path = pages[number % len(pages)]
            kind = ("article", "table", "search")[number % 3]
            number += 1
            started = time.monotonic()
            try:
                response = await client.get(path)
                if response.status_code != 200:
                    bad += 1
            except httpx.HTTPError:
                bad += 1
            times[kind].append(time.monotonic() - started)
    return {"times": times, "bad": bad}


async def _recovery(base: str, page: str, limit: float = 300.0) -> float:
    started = time.monotonic()
    async with _reader(base, 1.0) as client:
        while time.monotonic() - started < limit:
            try:
                if (await client.get(page)).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    return float("inf")


async def _run(base: str, path: Path, which: str, args) -> dict:
    await _wait_up(base)
    pages = normal(path, which)
    statuses: dict = {}
    until = time.monotonic() + args.seconds
    attackers = [asyncio.create_task(_attack(base, abusive(path.stem), until,
                                             args.client_timeout, statuses))
                 for _ in range(args.clients)]
    read = await _read(base, pages, until, args.client_timeout)
    # the load stops: the attackers' requests still under way are dropped
    for task in attackers:
        task.cancel()
    await asyncio.gather(*attackers, return_exceptions=True)
    recovery = await _recovery(base, pages[0])
    return {"read": read, "statuses": statuses, "recovery": recovery}


def measure(path: Path, which: str, args) -> dict:
    port = free_port()
    server_log = path.parent / f"{which}-server.log"  # its tracebacks, not in the report
    with server_log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(path), which, str(port)],
                                  cwd=ROOT, env=dict(os.environ), stdout=out, stderr=out)
    try:
        log(f"{which}: {args.clients} clients for {args.seconds} s")
        result = asyncio.run(_run(f"http://127.0.0.1:{port}", path, which, args))
        result["rss_mb"] = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    times = result["read"]["times"]
    result["p95_ms"] = {k: round(p95(v) * 1000, 1) for k, v in times.items()}
    result["served"] = {k: len(v) for k, v in times.items()}
    log(f"{which}: p95 {result['p95_ms']} ms, peak RSS {result['rss_mb']:.0f} MB, "
        f"recovery {result['recovery']:.1f} s, abusive answers {result['statuses']}")
    return result


def report(results: dict, args, started: datetime) -> str:
    lines = [f"Abuse benchmark, {started:%Y-%m-%d %H:%M} UTC: {args.articles} articles "
             f"({args.long} with {200_000:,}-character bodies), {args.clients} clients for "
             f"{args.seconds} s, client timeout {args.client_timeout} s "
             f"(`python benchmarks/abuse.py {' '.join(sys.argv[1:])}`).", "",
             "| server | article p95 | table p95 | search p95 | reader's failed requests "
             "| peak RSS | recovery | abusive answers ≥ 500 |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for which, r in results.items():
        fives = sum(n for k, n in r["statuses"].items() if isinstance(k, int) and k >= 500)
        p = r["p95_ms"]
        lines.append(f"| {which} | {p['article']:.0f} ms | {p['table']:.0f} ms | "
                     f"{p['search']:.0f} ms | {r['read']['bad']} of "
                     f"{sum(r['served'].values())} | {r['rss_mb']:.0f} MB | "
                     f"{r['recovery']:.1f} s | {fives} |")
    lines += ["", "Abusive answers by status: " + "; ".join(
        f"{which} {json.dumps({str(k): v for k, v in r['statuses'].items()})}"
        for which, r in results.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--long", type=int, default=60, help="articles with the longest bodies")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--client-timeout", type=float, default=10.0)
    ap.add_argument("--servers", nargs="+", choices=("parknews", "plain"),
                    default=["parknews", "plain"])
    args = ap.parse_args(argv)
    started = datetime.now(UTC)
    path = build(args.articles, args.long)
    results = {which: measure(path, which, args) for which in args.servers}
    sys.stdout.write(report(results, args, started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
