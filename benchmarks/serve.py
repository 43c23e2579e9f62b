#!/usr/bin/env python3
"""Measure the published archive's pages (Datasette + the parknews plugin) at 100 k and 1 M
articles.

Archives: the search benchmark's generated park news (``benchmarks/search_corpus.py``,
the same seed and rows as ``benchmarks/search.py``), written into an archive of our schema
(``open_archive``: the trigger-kept counts of the facets fill as rows go in), then the
Chinese index built in one pass (``search.rebuild_index``, as ``parknews reindex``), and
synthetic repost clusters added (every 20th article the original of a cluster of 2–4
consecutive articles: about 15 % of the archive in a cluster, as the mock sites have; the
dedup tables only, no MinHash computed). Each archive is built once and cached in
``--cache`` (default ``benchmarks/cache/serve/``, git-ignored), with ``build.json``
saying how long each step took; later runs reuse it.

Pages, each requested ``--repeat`` times after one untimed warm-up request, through
Datasette's in-process client (``ds.client``: the whole ASGI app, no network):

- ``article``: an article page (``/db/articles/<url>``), a different article each time;
- ``table``: the articles table with its facets (``/db/articles``);
- ``table site_id=``: the table filtered to one site, a different site each time;
- ``search``: ``/-/search?q=<2 characters>``, a different common 2-character term each
  time (reposts grouped, site names, 20 hits a page).

Servers: ``parknews`` (``make_datasette``: parknews' metadata and settings, immutable,
the plugin), ``live`` (the same, read-only instead of immutable: ``parknews serve
--live``, which counts the rows on every request) and, for the table pages and the
article page, ``plain`` (``Datasette([path])``: Datasette's own defaults, no parknews
metadata or settings; the plugin is installed, as ``datasette archive.db`` would load it)
and ``bare`` (the same with the parknews plugin unregistered: Datasette alone). Figures:
median and p95 (nearest rank) in ms.

Examples:

    python benchmarks/serve.py --sizes 20000 --repeat 10     # a quick run
    python benchmarks/serve.py                               # 100 000 and 1 000 000
    python benchmarks/serve.py --build-only --sizes 1000000  # just build (and cache)

Progress goes to stderr; the Markdown report to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search_corpus as corpus  # noqa: E402

from parknews.archive import search  # noqa: E402
from parknews.archive.store import open_archive  # noqa: E402

SEED = 1
CACHE = ROOT / "benchmarks" / "cache" / "serve"
BATCH = 5000
CLUSTER_EVERY = 20  # every 20th article starts a cluster
TARGET_MS = 300.0
TERMS = ("园区", "企业", "项目", "发展", "招商", "创新", "产业", "科技", "投资", "建设",
         "氢能", "芯片", "人才", "政策", "服务", "签约", "平台", "集群", "智能", "绿色")


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------- building

def _insert_rows(conn: sqlite3.Connection, count: int) -> None:
    columns = ", ".join(corpus.COLUMNS)
    insert = f"insert into articles({columns}) values ({', '.join('?' * len(corpus.COLUMNS))})"
    rows: list[tuple] = []
    for number, row in enumerate(corpus.articles(count, SEED), 1):
        rows.append(row)
        if len(rows) >= BATCH:
            with conn:
                conn.executemany(insert, rows)
            rows.clear()
        if number % 100_000 == 0:
            log(f"  generated {number}")
    with conn:
        conn.executemany(insert, rows)


def _add_clusters(conn: sqlite3.Connection, count: int) -> int:
    """Repost clusters of 2-4 consecutive articles, every CLUSTER_EVERY-th one the first:
    the earliest published is the original; lags in hours from it."""
    rng = random.Random(f"parknews-serve-clusters:{SEED}")
    members = 0
    with conn:
        for first in range(1, count + 1, CLUSTER_EVERY):
            size = rng.randint(2, 4)
            rows = conn.execute(
                "select url, site_id, published_at from articles where rowid between ? and ? "
                "order by published_at, url", [first, min(count, first + size - 1)]).fetchall()
            if len(rows) < 2:
                continue
            original_url, _, first_day = rows[0]
            cluster_id = conn.execute(
                "insert into clusters (original_url, size, sites, first_published_at, "
                "updated_at) values (?, ?, ?, ?, datetime('now'))",
                [original_url, len(rows), len({r[1] for r in rows}), first_day]).lastrowid
            for url, _, day in rows:
                lag = conn.execute("select (julianday(?) - julianday(?)) * 24",
                                   [day, first_day]).fetchone()[0]
                conn.execute(
                    "insert into cluster_members (url, cluster_id, is_original, similarity, "
                    "exact, lag_hours) values (?, ?, ?, ?, ?, ?)",
                    [url, cluster_id, int(url == original_url), 1.0 if url == original_url
                     else round(rng.uniform(0.8, 1.0), 3), 0, lag])
                members += 1
    return members


def build(path: Path, count: int) -> dict:
    """Build the archive of ``count`` generated articles at ``path``; returns the seconds
    of each step (also written to ``build.json`` beside it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    steps: dict[str, float] = {}
    started = time.perf_counter()
    db = open_archive(path)
    conn = db.conn
    with conn:  # rows first without the index (its triggers dropped), the index in one pass
        for name in search.TRIGGERS:
            conn.execute(f"drop trigger if exists {name}")
        conn.execute(f"drop table if exists {search.FTS_TABLE}")
        conn.executemany("insert into sites(id, name, park, region, start_urls) "
                         "values (?, ?, ?, ?, ?)", corpus.sites(SEED))
    log(f"{count}: generating and writing the rows")
    _insert_rows(conn, count)
    steps["rows"] = time.perf_counter() - started

    log(f"{count}: building the search index")
    mark = time.perf_counter()
    conn.execute("pragma wal_checkpoint(truncate)")
    # new pages need no rollback journal: far less written than through the WAL
    conn.execute("pragma journal_mode = delete")
    conn.execute("pragma cache_size = -400000")
    search.register_functions(conn)
    with conn:
        search.rebuild_index(conn)
    steps["index"] = time.perf_counter() - mark

    log(f"{count}: repost clusters")
    mark = time.perf_counter()
    steps["cluster_members"] = _add_clusters(conn, count)
    conn.execute("pragma journal_mode = wal")  # (no ANALYZE: parknews never runs it)
    db.close()
    steps["clusters"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - started
    info = {"articles": count, "seconds": {k: round(v, 1) for k, v in steps.items()
                                           if k != "cluster_members"},
            "cluster_members": steps["cluster_members"],
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": head_commit(), "bytes": path.stat().st_size}
    (path.parent / "build.json").write_text(json.dumps(info, indent=2) + "\n")
    log(f"{count}: built in {steps['total']:.0f} s ({info['seconds']})")
    return info


def head_commit() -> str:
    """The short hash of the checkout's HEAD (the code measured), or "unknown"."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def archive(count: int, cache: Path) -> tuple[Path, dict]:
    """The cached archive of ``count`` articles, built when missing."""
    path = cache / f"n{count}" / "archive.db"
    info_path = path.parent / "build.json"
    if path.exists() and info_path.exists():
        return path, json.loads(info_path.read_text())
    return path, build(path, count)


# --------------------------------------------------------------------- measuring

def _servers(path: Path, which: str):
    """A Datasette over the archive: ``parknews`` (make_datasette), ``live`` (the same
    with the file read-only instead of immutable, as ``parknews serve --live``), ``plain``
    (``Datasette([path])``: Datasette's defaults, the plugin installed) or ``bare`` (the
    same with the parknews plugin unregistered: Datasette alone)."""
    from datasette.app import Datasette

    from parknews.archive.publish import make_datasette

    if which in ("parknews", "live"):
        return make_datasette(path, immutable=which == "parknews")
    return Datasette([str(path)])


def _requests(path: Path, count: int, repeat: int) -> dict[str, list[str]]:
    """The paths requested for each page: a different article, site or term each time
    (``repeat + 1``: the first is the untimed warm-up)."""
    from datasette.utils import tilde_encode

    rng = random.Random(f"parknews-serve-requests:{SEED}:{count}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rowids = [rng.randint(1, count) for _ in range(repeat + 1)]
        urls = [conn.execute("select url from articles where rowid = ?", [r]).fetchone()[0]
                for r in rowids]
        sites = [r[0] for r in conn.execute("select id from sites order by id")]
    finally:
        conn.close()
    db = path.stem
    return {
        "article": [f"/{db}/articles/{tilde_encode(url)}" for url in urls],
        "table": [f"/{db}/articles"] * (repeat + 1),
        "table site_id=": [f"/{db}/articles?site_id={rng.choice(sites)}"
                           for _ in range(repeat + 1)],
        "search": [f"/-/search?q={TERMS[i % len(TERMS)]}" for i in range(repeat + 1)],
    }


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


async def _time_pages(ds, pages: dict[str, list[str]]) -> dict[str, tuple]:
    """(median, p95) ms of each page's requests and how many did not answer 200 (a
    query over the time limit); the first request of each is untimed."""
    await ds.invoke_startup()
    out = {}
    for name, paths in pages.items():
        times, failed = [], 0
        for number, request_path in enumerate(paths):
            started = time.perf_counter()
            response = await ds.client.get(request_path)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                log(f"    {request_path}: HTTP {response.status_code}: "
                    f"{response.text[:200]!r}")
                failed += 1
            if number:
                times.append(elapsed)
        out[name] = (statistics.median(times), p95(times), failed)
        log(f"    {name:<16} median {out[name][0]:7.1f} ms  p95 {out[name][1]:7.1f} ms"
            + (f"  ({failed} failed)" if failed else ""))
    return out


TABLE_PAGES = ("table", "table site_id=")
OURS = ("parknews", "live")  # parknews serve, immutable and --live


def measure(path: Path, count: int, args, which: str) -> dict:
    repeat = args.repeat if which in OURS else args.compare_repeat
    pages = _requests(path, count, repeat)
    if which not in OURS:  # the comparison: the table pages (and Datasette's row page)
        pages = {k: v for k, v in pages.items() if k in (*TABLE_PAGES, "article")}
    log(f"{count}: {which}")
    return asyncio.run(_time_pages(_servers(path, which), pages))


def report(results: list[tuple[int, dict, dict]], args, started: datetime) -> str:
    lines = [f"# Serving benchmark ({started:%Y-%m-%d %H:%M} UTC)", "",
             f"- **Command:** `{' '.join(['python benchmarks/serve.py', *args.argv])}`",
             f"- **Commit:** `{head_commit()}`; Python {sys.version.split()[0]}, "
             f"{os.cpu_count()} cores",
             "- timed requests per page (the requests column) after one untimed, "
             "through Datasette's in-process client (ds.client); \"not 200\": answers "
             "that were errors (a query over Datasette's time limit)", ""]
    head = ["articles", "page", "server", "requests", "median ms", "p95 ms", "not 200",
            f"p95 <= {TARGET_MS:.0f} ms"]
    rows = []
    for count, _, by_server in results:
        for server, timings in by_server.items():
            repeat = args.repeat if server in OURS else args.compare_repeat
            for page, (median, high, failed) in timings.items():
                rows.append([f"{count:,}", page, server, str(repeat), f"{median:.1f}",
                             f"{high:.1f}", str(failed),
                             "yes" if high <= TARGET_MS and not failed else "NO"])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
                 + " |")
    lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    for row in rows:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
                     + " |")
    lines.append("")
    for count, info, _ in results:
        lines.append(f"- {count:,} articles: built in {info['seconds']['total']:.0f} s "
                     f"({', '.join(f'{k} {v:.0f} s' for k, v in info['seconds'].items())}"
                     f"; {info['bytes'] / 1e9:.2f} GB; at `{info['commit']}`, "
                     f"{info['built_at']})")
    lines.append("- servers: parknews = `make_datasette` (parknews serve: its metadata, "
                 "settings, immutable); live = the same read-only instead of immutable "
                 "(parknews serve --live); plain = `Datasette([path])` (Datasette's defaults, "
                 "the parknews plugin installed, as `datasette archive.db`); bare = the "
                 "same with the parknews plugin unregistered (Datasette alone)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                    metavar="N", help="archive sizes in articles (default: 100000 1000000)")
    ap.add_argument("--repeat", type=int, default=40,
                    help="timed requests per page and server (default 40)")
    ap.add_argument("--cache", type=Path, default=CACHE,
                    help=f"where the built archives are kept (default {CACHE})")
    ap.add_argument("--compare-repeat", type=int, default=10,
                    help="timed requests per page of the plain and bare servers, whose "
                         "table pages take seconds (default 10)")
    ap.add_argument("--servers", nargs="+", choices=("parknews", "live", "plain", "bare"),
                    default=["parknews", "live", "plain", "bare"],
                    help="which servers to time (default all four)")
    ap.add_argument("--build-only", action="store_true", help="build (or find) and stop")
    args = ap.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    started = datetime.now(UTC)
    free = shutil.disk_usage(args.cache.parent if args.cache.parent.exists() else ROOT).free
    log(f"free disk: {free / 1e9:.1f} GB (1 M articles take about 10 GB)")
    built = []
    for count in args.sizes:
        path, info = archive(count, args.cache)
        log(f"{count}: {path} ({info['bytes'] / 1e9:.2f} GB, built in "
            f"{info['seconds']['total']:.0f} s)")
        built.append((count, path, info))
    if args.build_only:
        return 0
    results = []
    for count, path, info in built:
        by_server = {}
        for which in ("parknews", "live", "plain"):
            if which in args.servers:
                by_server[which] = measure(path, count, args, which)
        results.append((count, info, by_server))
    if "bare" in args.servers:  # last: the plugin is unregistered for good
        from datasette.plugins import pm

        pm.unregister(name="parknews")
        for count, path, _ in built:
            by_server = next(r[2] for r in results if r[0] == count)
            by_server["bare"] = measure(path, count, args, "bare")
    print(report(results, args, started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
