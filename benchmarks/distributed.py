#!/usr/bin/env python3
"""Measure distributed crawling: 1, 2 and 4 workers on one Redis against throttled hosts.

Serves ``--hosts`` generated park news sites (``tests/mockservers/generated.py``), two per
loopback address on 127.0.0.150-169, each answering every request after ``--latency``
seconds (a slow government server), and a private redis-server on 127.0.0.1 (no
persistence). For each worker count: a fresh archive and an empty Redis, ``parknews seed``
of every site, then that many ``parknews worker`` processes (``--concurrency`` requests
in flight each, extraction in the worker's own process) and one ``parknews ingest``,
waited for. Politeness is on: a host gets one request per ``--host-delay`` seconds from
all workers together (``PARKNEWS_HOST_DELAY``), so hosts, not workers, cap the rate once
there are too few of them.

For each run it prints the pages the servers answered (robots.txt aside: the workers
share one fetch of it per host, ``SharedRobotsTxtMiddleware``), the crawl's span (first
request to last answer, start-up of the processes excluded), pages/s and its ratio to
one worker, the wall time of the whole run (start-up and ingest included), the articles
stored against those served, the smallest gap between two requests to one host across
all workers, and the robots.txt requests a host got.

Targets (issue 11): 2 workers ≥ 1.7× one worker, 4 workers ≥ 3×.

Examples:

    python benchmarks/distributed.py                      # 40 hosts, 6 articles each
    python benchmarks/distributed.py --workers 1,2 --hosts 20 --articles 4

Exits 0 whatever the figures (it measures, it does not judge); 1 when a run fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/mockservers
from mockservers.generated import serve_generated_site  # noqa: E402

ADDRESSES = [f"127.0.0.{n}" for n in range(150, 170)]
TARGETS = {2: 1.7, 4: 3.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_server(workdir: Path):
    import redis

    port = free_port()
    proc = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port",
         str(port), "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0", client
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "parknews.crawler.cli", *args]


def run(workers: int, sites, sites_file: Path, url: str, client, workdir: Path,
        args) -> dict:
    client.flushall()
    for site in sites:
        site.clear_requests()
    db_path = workdir / f"w{workers}.db"
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    delay = ["--set", f"PARKNEWS_HOST_DELAY={args.host_delay}"]
    started = time.perf_counter()
    seeded = subprocess.run(cli("seed", "--sites", str(sites_file), "--db", str(db_path),
                                "--redis", url, *delay), cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if seeded.returncode != 0:
        raise RuntimeError(seeded.stderr[-2000:])
    procs = [subprocess.Popen(
        cli("worker", "--redis", url, "--warc-dir", str(workdir / f"w{workers}-warc"),
            "--concurrency", str(args.concurrency), "--log-level", "WARNING", *delay,
            "--set", "PARKNEWS_EXTRACT_WORKERS=0", "--set", "RETRY_TIMES=0"),
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)]
    ingest = subprocess.run(cli("ingest", "--db", str(db_path), "--redis", url), cwd=ROOT,
                            env=env, capture_output=True, text=True)
    codes = [proc.wait() for proc in procs]
    wall = time.perf_counter() - started
    if ingest.returncode != 0 or any(codes):
        raise RuntimeError(f"workers {codes}, ingest {ingest.returncode}: "
                           f"{ingest.stderr[-2000:]}")
    arrivals, gaps = [], []
    robots = sum(1 for site in sites for r in site.requests("GET")
                 if r.target.startswith("/robots.txt"))
    for site in sites:
        times = sorted(r.time for r in site.requests("GET")
                       if not r.target.startswith("/robots.txt"))
        arrivals += times
        gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
    span = max(arrivals) + args.latency - min(arrivals)
    import sqlite3

    with contextlib.closing(sqlite3.connect(db_path)) as db:
        stored = db.execute("select count(*) from articles").fetchone()[0]
    return {"workers": workers, "pages": len(arrivals), "span_s": round(span, 2),
            "pages_per_s": round(len(arrivals) / span, 2), "wall_s": round(wall, 1),
            "articles": stored, "articles_served": sum(len(s.articles) for s in sites),
            "min_gap_s": round(min(gaps), 3) if gaps else None,
            "robots_per_host": round(robots / len(sites), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts (default 1,2,4)")
    parser.add_argument("--hosts", type=int, default=40, help="sites, one host each (≤ 40)")
    parser.add_argument("--articles", type=int, default=6, help="articles per site")
    parser.add_argument("--latency", type=float, default=1.0,
                        help="seconds each server takes to answer (default 1)")
    parser.add_argument("--host-delay", type=float, default=1.0,
                        help="PARKNEWS_HOST_DELAY: seconds between requests to a host")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="requests in flight per worker (default 4)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not 1 <= args.hosts <= 2 * len(ADDRESSES):
        parser.error(f"--hosts must be 1..{2 * len(ADDRESSES)}")
    workdir = Path(tempfile.mkdtemp(prefix="parknews-distributed-"))
    results = []
    try:
        with contextlib.ExitStack() as stack:
            sites = [stack.enter_context(serve_generated_site(
                host=ADDRESSES[i % len(ADDRESSES)], articles=args.articles, per_page=20,
                delay=args.latency, seed=i)) for i in range(args.hosts)]
            sites_file = workdir / "sites.toml"
            sites_file.write_text("\n".join(site.sites_toml(f"gen{i:02d}").split("\n", 2)[2]
                                            for i, site in enumerate(sites)), encoding="utf-8")
            url, client = stack.enter_context(redis_server(workdir))
            for workers in [int(n) for n in args.workers.split(",")]:
                result = run(workers, sites, sites_file, url, client, workdir, args)
                results.append(result)
                base = results[0]["pages_per_s"]
                result["speedup"] = round(result["pages_per_s"] / base, 2)
                if not args.json:
                    print(f"{workers} worker(s): {result['pages']} pages in "
                          f"{result['span_s']} s = {result['pages_per_s']} pages/s "
                          f"({result['speedup']}× one worker); wall {result['wall_s']} s; "
                          f"articles {result['articles']}/{result['articles_served']}; "
                          f"min gap per host {result['min_gap_s']} s; robots.txt "
                          f"{result['robots_per_host']} a host", flush=True)
    except RuntimeError as exc:
        print(f"run failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"\n{args.hosts} hosts × {args.articles} articles, latency {args.latency} s, "
              f"host delay {args.host_delay} s, {args.concurrency} requests in flight per "
              f"worker")
        for result in results:
            target = TARGETS.get(result["workers"])
            met = "met" if target and result["speedup"] >= target else "NOT met"
            verdict = f" (target ≥ {target}×: {met})" if target else ""
            print(f"  {result['workers']} workers: {result['speedup']}×{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
