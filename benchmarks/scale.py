#!/usr/bin/env python3
"""Scale: one ``parknews crawl`` of N small park sites, against one big site.

N generated park sites (``tests/mockservers/scale.py``: each on its own loopback address
127.x.y.1, a home page with two news boxes, two columns, ``--articles`` articles, list
pages of ``--per-page``) and one site holding the same N × ``--articles`` articles (lists
of 20) are served by one asyncio server in its own process. Three crawls, each a fresh
archive, each a ``parknews crawl`` in its own process:

- polite: the N sites with the shipped politeness (crawler/settings.py: delay,
  AutoThrottle, robots.txt);
- no delay: the N sites with DOWNLOAD_DELAY=0 and AutoThrottle off;
- one site: the big site with no delay, 16 requests at a time (the comparison: the same
  articles, one host, at full speed as in benchmarks/throughput.py).

For each: wall time of the command, time from its start to the first request the server
saw, the connections the server accepted (a kept-alive one serves several requests),
pages/s (requests served / wall time), peak memory of the crawl's process tree
(the sum of its processes' PSS, psutil's memory_full_info, sampled every 0.25 s), peak
open files of the tree, articles stored against articles served (and the served ones
not stored), failed pages (timeouts apart), the smallest interval between two
requests to one host (with the number of hosts asked twice within the delay), and the
CPU seconds of the crawl processes (the command's process, and those it split the crawl
into: ``crawler/shards.py``), of their extraction workers (psutil, last sample: which
of them limits the crawl) and of the sites' server (which shares the cores here, as a
real site's server does not), and how busy all of it kept the cores (their CPU over wall
time × cores: near 100 %, only less CPU makes a crawl faster). Below the table: how
long a crawl split across processes spent reconciling repost clusters once its crawl
processes were done (its log's line; the crawls run with ``--log-level info``, and with
``--workdir`` each crawl's output is kept as ``NAME.log``); last, the CPU of the polite
crawl against the one site's, round by round, and the most that CPU ratio may be for a
wall ratio of 1.25 with the cores as busy as they were.

The machine's cores are shared: absolute speeds are noisy, the ratios of one run mean
more (wall polite / wall one site is the target's: ≤ 1.25 at 2,500 sites × 4). Even
they drift (the same one-site crawl took 106.6 s and 76.4 s twenty minutes apart, the
ratio 1.50 and 1.75): ``--repeat N`` runs the crawls N times in turn and reports each
round's ratio and their median.

Examples:

    python benchmarks/scale.py --sites 300
    python benchmarks/scale.py --sites 300 1000 2500
    python benchmarks/scale.py --sites 10000 --skip nodelay
    python benchmarks/scale.py --sites 2500 --skip nodelay --repeat 3   # the median ratio
    python benchmarks/scale.py --sites 500 --skip nodelay one --profile /tmp/crawl.prof

Progress goes to stderr, the Markdown report to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/mockservers

BIG_PER_PAGE = 20
NO_DELAY = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False"]
# the one site at full speed (as benchmarks/throughput.py): not two requests at a time
ONE_SITE = [*NO_DELAY, "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------- the server process

def serve(sites: int, articles: int, per_page: int, info_file: Path, big_site: bool = True
          ) -> None:
    """Serve ``sites`` small sites and (``big_site``) one big site (index ``sites``)
    holding ``sites * articles`` articles; write what is served to ``info_file``; then, for
    each line ``PATH`` on standard input, write the request log so far to PATH (JSON)
    and empty it."""
    import asyncio
    import resource

    from mockservers.scale import ScaleServer, ScaleSite, build_site, site_address

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    small = [ScaleSite(i, site_address(i)) for i in range(sites)]
    big = ScaleSite(sites, site_address(sites))
    server = ScaleServer([*small, big])

    async def main() -> None:
        await server.start()
        for site in small:
            build_site(site, articles, per_page)
        build_site(big, sites * articles if big_site else 1, BIG_PER_PAGE)
        info_file.write_text(json.dumps({
            "sites": [[s.id, s.base_url, sorted(s.article_paths)] for s in small],
            "big": [big.id, big.base_url, sorted(big.article_paths)]}))
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            hits, server.hits = server.hits, []
            first, server.first_hit = server.first_hit, None
            connections, server.connections = server.connections, 0
            Path(line.strip()).write_text(json.dumps({
                "first": first, "connections": connections,
                "hits": [[h.host, h.time, h.path, h.status] for h in hits]}))
            print("ok", flush=True)

    asyncio.run(main())


class Served:
    def __init__(self, workdir: Path, sites: int, articles: int, per_page: int,
                 big_site: bool = True):
        self.info_file = workdir / f"served-{sites}.json"
        self.args = [sys.executable, __file__, "--stage", "serve", str(sites), str(articles),
                     str(per_page), str(self.info_file), "big" if big_site else "small"]

    def __enter__(self) -> Served:
        self.info_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        while not self.info_file.exists() or not self.info_file.read_text():
            if self.proc.poll() is not None:
                raise SystemExit("the sites' server did not start")
            time.sleep(0.2)
        time.sleep(0.2)
        self.info = json.loads(self.info_file.read_text())
        return self

    def hits(self, path: Path) -> dict:
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        self.proc.stdout.readline()
        return json.loads(path.read_text())

    def cpu_seconds(self) -> float:
        """The CPU the sites' server has used so far (it shares the cores with the
        crawl: a real site's server does not)."""
        import psutil

        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system

    def __exit__(self, *exc) -> None:
        self.proc.stdin.close()
        self.proc.terminate()
        self.proc.wait(timeout=20)


# --------------------------------------------------------------------- measuring

def _open_file_limit(limit: tuple[int, int] | None):
    """What sets a started command's (soft, hard) open-file limit, or None."""
    if limit is None:
        return None
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, limit)


def run_measured(command: list[str], label: str,
                 nofile: tuple[int, int] | None = None) -> dict:
    """Run a command (under the open-file limit ``nofile``: soft, hard); its wall time,
    start time, peak PSS and open files of its tree."""
    import psutil

    log(f"{label}: {' '.join(command[3:])[:200]}")
    started_at = time.time()
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, preexec_fn=_open_file_limit(nofile))
    peak = {"pss": 0, "fds": 0, "procs": 0}
    cpu: dict[int, float] = {}  # pid -> its CPU seconds when last seen
    parents: set[int] = {proc.pid}  # the crawl processes: those with children (workers)
    done = threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            pss = fds = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for member in tree:
                try:
                    pss += member.memory_full_info().pss
                    fds += member.num_fds()
                    times = member.cpu_times()
                    cpu[member.pid] = times.user + times.system
                    parents.add(member.ppid())
                except psutil.Error:
                    pass
            peak["pss"] = max(peak["pss"], pss)
            peak["fds"] = max(peak["fds"], fds)
            peak["procs"] = max(peak["procs"], len(tree))
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        log(f"  exit status {proc.returncode}: {stderr[-1500:]}")
    crawl_cpu = sum(seconds for pid, seconds in cpu.items() if pid in parents)
    workers_cpu = sum(seconds for pid, seconds in cpu.items() if pid not in parents)
    log(f"  {seconds:.1f} s, peak PSS {peak['pss'] / 2**20:.0f} MB, "
        f"{peak['fds']} open files at most, CPU s: crawl processes {crawl_cpu:.1f}, "
        f"workers {workers_cpu:.1f}")
    return {"wall": seconds, "cpu_crawl": crawl_cpu, "cpu_workers": workers_cpu,
            "started_at": started_at, "pss_mb": peak["pss"] / 2**20,
            "fds": peak["fds"], "procs": peak["procs"], "status": proc.returncode,
            "stdout": stdout, "stderr": stderr}


def min_gap(hits: list[list]) -> tuple[float | None, dict[str, float]]:
    last: dict[str, float] = {}
    gaps: dict[str, float] = {}
    for host, moment, _path, _status in sorted(hits, key=lambda h: h[1]):
        if host in last:
            gap = moment - last[host]
            gaps[host] = min(gap, gaps.get(host, gap))
        last[host] = moment
    return (min(gaps.values()) if gaps else None), gaps


def crawl(served: Served, workdir: Path, name: str, sites: list[list], settings: list[str],
          max_pages: int | None = None, nofile: tuple[int, int] | None = None,
          profile: Path | None = None) -> dict:
    sites_file = workdir / f"{name}.toml"
    lines = []
    for site_id, base_url, _ in sites:
        lines += ["[[sites]]", f'id = "{site_id}"', f'name = "{site_id}"',
                  f'start_urls = ["{base_url}/"]']
        if max_pages:
            lines.append(f"max_pages = {max_pages}")
        lines.append("")
    sites_file.write_text("\n".join(lines), encoding="utf-8")
    db_path = workdir / f"{name}.db"
    for old in workdir.glob(f"{name}.db*"):  # a fresh archive each time
        old.unlink()
    shutil.rmtree(workdir / f"{name}-warc", ignore_errors=True)
    profiling = ["-m", "cProfile", "-o", str(profile)] if profile else []
    command = [sys.executable, *profiling, "-m", "parknews.crawler.cli", "crawl", "--sites",
               str(sites_file), "--db", str(db_path), "--no-lock", "--no-progress",
               "--log-level", "info"]  # (a few thousand lines: what the report reads)
    for setting in settings:
        command += ["--set", setting]
    server_before = served.cpu_seconds()
    run = run_measured(command, name, nofile)
    (workdir / f"{name}.log").write_text(run["stdout"] + run["stderr"], encoding="utf-8")
    server_cpu = served.cpu_seconds() - server_before
    log_ = served.hits(workdir / f"{name}-hits.json")
    hits = log_["hits"]
    served_urls: set[str] = set()
    by_host = {base_url.split("//")[1].split(":")[0]: (base_url, set(paths))
               for _, base_url, paths in sites}
    article_fetches = 0
    for host, _, path, status in hits:
        base_url, paths = by_host.get(host, ("", set()))
        if status == 200 and path in paths:
            served_urls.add(base_url + path)
            article_fetches += 1
    conn = sqlite3.connect(db_path)
    stored = {url for (url,) in conn.execute("select url from articles")}
    failed = conn.execute("select count(*) from pages where error is not null").fetchone()[0]
    timeouts = conn.execute("select count(*) from pages where error like '%imeout%'"
                            ).fetchone()[0]
    runs = conn.execute("select count(*) from crawl_runs").fetchone()[0]
    conn.close()
    smallest, gaps = min_gap(hits)
    first = log_["first"]
    result = {
        "name": name, "sites": len(sites), "wall": run["wall"],
        "first_request": (first - run["started_at"]) if first else None,
        "requests": len(hits), "connections": log_.get("connections", 0),
        "rate": len(hits) / run["wall"] if run["wall"] else 0,
        "pss_mb": run["pss_mb"], "fds": run["fds"], "procs": run["procs"],
        "served": len(served_urls), "article_fetches": article_fetches,
        "stored": len(stored), "missing": len(served_urls - stored),
        "failed": failed, "timeouts": timeouts, "runs": runs,
        "min_gap": smallest, "gaps": gaps, "status": run["status"],
        "cpu_crawl": run["cpu_crawl"], "cpu_workers": run["cpu_workers"],
        "cpu_server": server_cpu, "reconcile": reconcile_seconds(run["stderr"]),
    }
    log(f"  {len(hits)} requests, {result['stored']} articles stored of {result['served']} "
        f"served, {failed} failed pages ({timeouts} timeouts), first request after "
        f"{result['first_request'] or 0:.1f} s")
    return result


RECONCILE_LINE = re.compile(r"reposts across the crawl processes: .*\(([\d.]+) s\)")


def reconcile_seconds(log_text: str) -> float | None:
    """How long a split crawl's repost reconciliation took, after its crawl processes
    were done (crawler/shards.py logs it), or None (a crawl in one process)."""
    found = RECONCILE_LINE.search(log_text)
    return float(found.group(1)) if found else None


def shipped_delay() -> float:
    from parknews.crawler import settings

    return float(settings.DOWNLOAD_DELAY)


# --------------------------------------------------------------------- report

def head_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()


TARGET_RATIO = 1.25  # issue 22: polite wall at 2,500 sites ≤ this × the one site's


def busy_share(row: dict) -> float:
    """How busy the crawl (and the sites' server) kept the machine's cores."""
    cpu = row["cpu_crawl"] + row["cpu_workers"] + row.get("cpu_server", 0.0)
    return cpu / (row["wall"] * (os.cpu_count() or 1)) if row["wall"] else 0.0


def report(rows: list[dict], args, started: datetime, load, commit: str) -> str:
    delay = shipped_delay()
    out = [
        "# Scale benchmark", "",
        f"- **Date:** {started:%Y-%m-%d %H:%M}–{datetime.now(UTC):%H:%M} UTC, commit "
        f"{commit}; {os.cpu_count()} cores (shared: absolute speeds are noisy, ratios "
        f"within one run mean more); load average at the start {load[0]:.2f} / "
        f"{load[1]:.2f} / {load[2]:.2f}.",
        f"- **Command:** `{' '.join(['python benchmarks/scale.py', *sys.argv[1:]])}`",
        f"- **Sites:** {args.articles} articles each, {args.per_page} a list page; the one "
        f"site holds the same articles, {BIG_PER_PAGE} a list page. Shipped delay "
        f"{delay:g} s.", "",
        "| crawl | sites | wall s | first request s | requests | connections | pages/s "
        "| peak PSS MB "
        "| open files | articles stored / served | lost | failed (timeouts) "
        "| min interval to a host s | hosts under the delay "
        "| CPU s: crawl / workers / sites' server | cores busy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        under = sum(1 for gap in row["gaps"].values() if gap < delay - 0.001)
        gap = f"{row['min_gap']:.3f}" if row["min_gap"] is not None else "–"
        first = f"{row['first_request']:.1f}" if row["first_request"] is not None else "–"
        name = row["name"] + (f" #{row['round']}" if args.repeat > 1 else "")
        out.append(
            f"| {name} | {row['sites']:,} | {row['wall']:.1f} | {first} | "
            f"{row['requests']:,} | {row['connections']:,} | {row['rate']:.1f} | "
            f"{row['pss_mb']:.0f} | {row['fds']:,} "
            f"| {row['stored']:,} / {row['served']:,} | {row['missing']} | {row['failed']} "
            f"({row['timeouts']}) | {gap} | "
            f"{under if row['name'].startswith('polite') else '–'} | "
            f"{row['cpu_crawl']:.0f} / {row['cpu_workers']:.0f} / {row['cpu_server']:.0f} | "
            f"{100 * busy_share(row):.0f} % |")
    reconciled = []
    for row in rows:
        if row.get("reconcile") is not None:
            name = row["name"] + (f" #{row['round']}" if args.repeat > 1 else "")
            reconciled.append(f"{name} {row['reconcile']:.1f} s")
    if reconciled:
        out += ["", "- Repost clusters reconciled across the crawl processes, once they were "
                "all done (in the wall time, on one core): " + ", ".join(reconciled) + "."]
    out += ["", f"- Cores busy: the CPU of the crawl's processes and of the sites' server "
            f"over the wall time and the machine's {os.cpu_count()} cores. Near 100 %, a "
            f"crawl goes faster only by using less CPU; the sites' server's share is the "
            f"benchmark's own (a real site's server runs elsewhere)."]
    for size in sorted({row["sites"] for row in rows if row["name"].startswith("polite")}):
        ratios, cpu_ratios, allowed = [], [], []
        for round_ in range(1, args.repeat + 1):
            this = {r["name"]: r for r in rows if r["round"] == round_}
            polite, one = this.get(f"polite-{size}"), this.get(f"one-site-{size}")
            if polite and one:
                ratios.append(polite["wall"] / one["wall"])
                cpu_one = busy_share(one) * one["wall"]  # core-seconds, as the share's
                if cpu_one and busy_share(polite):
                    cpu_ratios.append(busy_share(polite) * polite["wall"] / cpu_one)
                    # wall = CPU / (busy share × cores): the CPU ratio the target allows
                    allowed.append(TARGET_RATIO * busy_share(polite) / busy_share(one))
        if len(ratios) == 1:
            out.append(f"- {size:,} sites: polite wall / one site's wall = {ratios[0]:.2f} "
                       f"(target at 2,500 × 4: ≤ {TARGET_RATIO})")
        elif ratios:  # each round's polite crawl against the one-site crawl just before it
            out.append(f"- {size:,} sites: polite wall / one site's wall, round by round: "
                       f"{', '.join(f'{r:.2f}' for r in ratios)}; median "
                       f"{statistics.median(ratios):.2f} (target at 2,500 × 4: ≤ {TARGET_RATIO})")
        if cpu_ratios:
            out.append(f"- {size:,} sites: CPU (crawl, workers and the sites' server) polite / "
                       f"one site: {', '.join(f'{r:.2f}' for r in cpu_ratios)}; with the cores "
                       f"as busy as they were, a wall ratio of {TARGET_RATIO} allows at most "
                       f"{', '.join(f'{r:.2f}' for r in allowed)}")
    return "\n".join(out)


# --------------------------------------------------------------------- profile

# The pieces the profile report names: (label, file ending, function); a piece's share is
# that of its largest matching entry, with what it calls, of the process's busy time.
PROFILE_PIECES = [
    ("a request through Scrapy's downloader (middlewares, handler, response)",
     "scrapy/core/downloader/middleware.py", "download_async"),
    ("opening a connection (Twisted's pool)", "twisted/web/client.py", "_newConnection"),
    ("… resolving and racing addresses (Twisted's HostnameEndpoint)",
     "twisted/internet/endpoints.py", "startConnectionAttempts"),
    ("the WARC capture", "crawler/warcmiddleware.py", "process_response"),
    ("the archive's writes (StoragePipeline)", "pipelines/storage.py", "process_item"),
    ("… repost detection", "archive/dedup.py", "assign"),
    ("the sites' runs at the end", "pipelines/storage.py", "spider_closed"),
    ("reading list and hub pages (the spider's side)", "crawler/spiders/park.py",
     "parse_list"),
    ("Scrapy's signals", "scrapy/utils/signal.py", "send_catch_log"),
    ("log records made", "logging/__init__.py", "_log"),
    ("request sizes for the download stats", "scrapy/utils/request.py", "request_httprepr"),
    ("the scheduler's duplicate filter", "scrapy/dupefilters.py", "request_seen"),
    ("the offsite filter (when scheduled, and before download)",
     "scrapy/downloadermiddlewares/offsite.py", "process_request"),
    ("Scrapy's meta refresh parsing", "scrapy/utils/response.py", "get_meta_refresh"),
]
IDLE = ("~", "<method 'poll' of 'select.epoll' objects>")  # the loop waiting, not working


def profile_lines(path: Path, sites: int) -> list[str]:
    """Where the profiled crawl process's busy time went: the pieces of
    :data:`PROFILE_PIECES`, each with what it calls, and each package's own code."""
    import pstats

    stats = pstats.Stats(str(path)).stats
    idle = sum(entry[2] for (filename, _, function), entry in stats.items()
               if (filename, function) == IDLE)
    busy = (sum(entry[2] for entry in stats.values()) - idle) or 1.0
    out = ["", f"Where the polite crawl's process spent its busy time (`--profile`: cProfile, "
           f"{sites:,} sites in one crawl process, {busy:.1f} s busy and {idle:.1f} s "
           f"waiting; the extraction workers are not in it; profiling slows calls, so "
           f"shares, not times):", "", "| piece | calls | share of the busy time |",
           "|---|---:|---:|"]
    for label, ending, wanted in PROFILE_PIECES:
        found = [(entry[3], entry[1]) for (filename, _, function), entry in stats.items()
                 if function == wanted and filename.endswith(ending)]
        if found:
            cumulative, calls = max(found)
            out.append(f"| {label} | {calls:,} | {100 * cumulative / busy:.1f} % |")
        else:
            out.append(f"| {label} | 0 | – |")
    packages: dict[str, float] = {}
    for (filename, _, function), entry in stats.items():
        if (filename, function) == IDLE:
            continue
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif filename.startswith(str(ROOT)) or "/parknews/" in filename:
            package = "parknews"
        elif filename.startswith("~"):
            package = "built-in (C) calls"
        else:
            package = "standard library"
        packages[package] = packages.get(package, 0.0) + entry[2]
    out += ["", "| package (its own code only) | share of the busy time |", "|---|---:|"]
    out += [f"| {package} | {100 * own / busy:.1f} % |"
            for package, own in sorted(packages.items(), key=lambda item: -item[1])[:10]]
    return out


# --------------------------------------------------------------------- main

def _limits(text: str) -> tuple[int, int]:
    """``--nofile`` 512 or 1024:4096 as (soft, hard)."""
    soft, _, hard = text.partition(":")
    try:
        return int(soft), int(hard or soft)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not SOFT[:HARD]: {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, nargs="+", default=[300],
                    help="how many sites (several: one run each), default 300")
    ap.add_argument("--articles", type=int, default=4, help="articles a site (4)")
    ap.add_argument("--per-page", type=int, default=3, help="articles a list page (3)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["polite", "nodelay", "one"],
                    help="crawls to leave out")
    ap.add_argument("--workdir", type=Path,
                    help="where the archives and the crawls' logs go (default: temporary)")
    ap.add_argument("--set", dest="extra", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for the polite and no-delay crawls (repeatable), to try "
                         "one; the report names it")
    ap.add_argument("--nofile", type=_limits, metavar="SOFT[:HARD]",
                    help="run the polite and no-delay crawls under this open-file limit "
                         "(cron jobs often get 1024), as `ulimit -n` would")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="run the crawls N times in turn (one site, polite, no delay, then "
                         "again) and report each round's ratio and their median: a shared "
                         "machine's speed drifts between runs (default 1)")
    ap.add_argument("--profile", type=Path, metavar="FILE",
                    help="also run the polite crawl once more, in one crawl process under "
                         "cProfile (its stats to FILE), and report where its time went "
                         "(its speed is not reported: profiling slows it)")
    ap.add_argument("--stage", nargs="+", help=argparse.SUPPRESS)  # internal
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.stage:
        _, sites, articles, per_page, info, big = args.stage
        serve(int(sites), int(articles), int(per_page), Path(info), big == "big")
        return 0
    started = datetime.now(UTC)
    commit = head_commit()  # the code measured (others may commit while it runs)
    load = os.getloadavg()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="parknews-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    profiles: list[list[str]] = []
    for size in args.sites:
        log(f"serving {size} sites and one of {size * args.articles} articles")
        with Served(workdir, size, args.articles, args.per_page,
                    big_site="one" not in args.skip) as served:
            sites, big = served.info["sites"], served.info["big"]
            for round_ in range(1, args.repeat + 1):
                done = []
                if "one" not in args.skip:
                    pages = -(-len(big[2]) // BIG_PER_PAGE) + 1
                    done.append(crawl(served, workdir, f"one-site-{size}", [big], ONE_SITE,
                                      max_pages=pages))
                if "polite" not in args.skip:
                    done.append(crawl(served, workdir, f"polite-{size}", sites, args.extra,
                                      nofile=args.nofile))
                if "nodelay" not in args.skip:
                    done.append(crawl(served, workdir, f"nodelay-{size}", sites,
                                      NO_DELAY + args.extra, nofile=args.nofile))
                rows += [dict(row, round=round_) for row in done]
            if args.profile:
                crawl(served, workdir, f"profiled-{size}", sites,
                      [*args.extra, "PARKNEWS_CRAWL_PROCESSES=1"], profile=args.profile)
                profiles.append(profile_lines(args.profile, size))
    print(report(rows, args, started, load, commit))
    for lines in profiles:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
