#!/usr/bin/env python3
"""Crawl throughput: raw Scrapy, our extraction, the whole pipeline and re-extraction.

Everything runs against one generated park news site (``tests/mockservers/generated.py``:
a TRS-style column of ``--articles`` articles of 6-15 KB, lists of ``--per-page``),
served by a small asyncio HTTP/1.1 server with keep-alive from pre-rendered pages, in its
own process, so that the server is not what limits the crawl. Each stage runs in a fresh
process; its peak memory is sampled from /proc: the proportional set sizes (PSS) of the
process and its children, summed (pages the forked workers share with their parent
count once).

- (a) raw Scrapy: a bare spider follows every link of the site (lists and articles) and
  does nothing else; pages/s = responses / Scrapy's elapsed time.
- (b) extraction alone, one core: ``parknews.pipelines.workers.extract_page`` over every article
  page's bytes (taken from the rendered site, no HTTP), in one process. Measured twice,
  before (c) and again just before (d), and averaged: the machine's speed drifts by
  ±10 % over minutes on a shared host, and the ratios below divide by (b).
- (b2) extraction alone on every core: the same pages split between one forked process
  per core, nothing else running and nothing passed between processes; wall time. The
  ceiling of any pipeline on this machine: what the cores give when they only extract.
- (c) the pipeline: ``parknews crawl`` of the site into a fresh archive (WARC capture,
  extraction, repost detection, search index, SQLite), extraction in worker processes
  (the default: one per core); and (c0) the same with ``PARKNEWS_EXTRACT_WORKERS=0``,
  everything in the crawl process as before. pages/s = article pages / the run's time
  in ``crawl_runs`` (``started_at`` to ``finished_at``).
- (d) ``parknews reextract`` of the archive (c) made: articles / the time reextract
  reports for its work (as (c) uses the run's own time; the wall time of the command,
  interpreter start and imports included, is in the table too).

Politeness is off for all (no delay, no AutoThrottle, 16 requests at once to the host).

Targets (issue 9): (c) ≥ 0.75 × 2 × (b) and ≥ 1.5 × (c0); (d) ≥ 1.7 × (b); a crawl of
``--memory-articles`` (50 000) pages under 1 GB peak RSS. Issue 22 restates them against
(b2): (c) ≥ 0.7 × (b2), (d) ≥ 0.9 × (b2).

The CPU breakdown: each piece of an article page's work (Scrapy's request and response
handling, from (a); the WARC write; pickling the page to a worker and the article back;
the search index's tokens; the repost signature; the content hash; the SQLite, FTS and
repost-cluster writes) timed alone on up to 1,000 of the site's article pages, in one
process, against the CPU (c) spent an article in its crawl process and its workers; what
(c)'s crawl process spent beyond the pieces is item plumbing, link following and the rest.

Examples:

    python benchmarks/throughput.py                          # 5 000 articles, a few minutes
    python benchmarks/throughput.py --articles 1000          # a quick run
    python benchmarks/throughput.py --memory-articles 50000  # and the 50 000-page crawl

Progress goes to stderr, the Markdown report to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/mockservers

HOST = "127.0.0.95"
ARTICLE_URL = re.compile(r"/t\d{8}_\d+\.html$")  # the generated site's article pages
POLITENESS_OFF = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=0",
                  "CONCURRENT_REQUESTS=16", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                  "LOG_LEVEL=WARNING"]


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------- the server

def serve(port_file: Path, articles: int, per_page: int, page_kb: int) -> None:
    """Serve the generated site on HOST (ephemeral port, written to ``port_file``)."""
    from mockservers.generated import build_routes

    async def main() -> None:
        routes: dict[str, bytes] = {}

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    path = head.split(b" ", 2)[1].split(b"?", 1)[0].decode("latin-1")
                    writer.write(routes.get(path) or routes["404"])
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError, IndexError,
                    asyncio.LimitOverrunError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(answer, HOST, 0)
        base_url = f"http://{HOST}:{server.sockets[0].getsockname()[1]}"
        pages, _, _ = build_routes(base_url, articles, per_page, page_kb=page_kb)
        for path, (status, headers, body) in pages.items():
            lines = [f"HTTP/1.1 {status} OK"] + [f"{k}: {v}" for k, v in headers.items()]
            lines += [f"Content-Length: {len(body)}", "Connection: keep-alive", "", ""]
            routes[path] = "\r\n".join(lines).encode() + body
        routes["404"] = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        port_file.write_text(base_url)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --------------------------------------------------------------------- stages in processes

def raw_scrapy(start_url: str, out: Path) -> None:
    """(a): a bare spider that follows every link of the host and does nothing else."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    host = urlsplit(start_url).netloc

    class Bare(scrapy.Spider):
        name = "bare"
        start_urls = [start_url]

        def parse(self, response):
            if ARTICLE_URL.search(response.url):
                return  # an article page: nothing to follow
            for href in response.xpath("//a/@href").getall():
                url = response.urljoin(href)
                if urlsplit(url).netloc == host:
                    yield scrapy.Request(url)

    settings = {k: v for k, v in (s.split("=", 1) for s in POLITENESS_OFF)}
    settings.update(ROBOTSTXT_OBEY=False, TELNETCONSOLE_ENABLED=False,
                    COOKIES_ENABLED=False, USER_AGENT="parknews-benchmark")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Bare)
    process.crawl(crawler)
    cpu = time.process_time()
    process.start()
    stats = crawler.stats.get_stats()
    out.write_text(json.dumps({"pages": stats.get("response_received_count", 0),
                               "seconds": stats.get("elapsed_time_seconds", 0),
                               "cpu": time.process_time() - cpu}))


def extraction_alone(base_url: str, articles: int, per_page: int, page_kb: int,
                     out: Path, processes: int = 1) -> None:
    """(b): our extraction over every article page, one process, one core; (b2) with
    ``processes`` > 1: the pages split between that many forked processes."""
    from mockservers.generated import build_routes

    from parknews.pipelines.workers import extract_page

    routes, _, items = build_routes(base_url, articles, per_page, page_kb=page_kb)
    pages = [(routes[a.path][2], url) for url, a in items.items()]
    extract_page(pages[0][0], pages[0][1], "text/html; charset=utf-8", [], {})  # warm

    def extract_all(share: list[tuple[bytes, str]]) -> int:
        empty = 0
        for body, url in share:
            article = extract_page(body, url, "text/html; charset=utf-8", [], {})
            empty += not article.body
        return empty

    started, cpu = time.perf_counter(), time.process_time()
    if processes <= 1:
        empty = extract_all(pages)
    else:
        children = []
        for share in range(processes):
            pid = os.fork()
            if pid == 0:  # the child: its share, its count of empty extractions as status
                os._exit(min(extract_all(pages[share::processes]), 255))
            children.append(pid)
        empty = sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children)
    out.write_text(json.dumps({"pages": len(pages), "seconds": time.perf_counter() - started,
                               "cpu": time.process_time() - cpu, "empty": empty,
                               "processes": processes,
                               "kb": sum(len(b) for b, _ in pages) / len(pages) / 1024}))


def breakdown(base_url: str, articles: int, per_page: int, page_kb: int, out: Path,
              sample: int) -> None:
    """Where the CPU outside extraction goes, per article page: each piece of the
    pipeline's work timed alone (CPU time, one process), on ``sample`` article pages of
    the site, in the order the pipeline does it."""
    import pickle
    import shutil

    from mockservers.generated import build_routes
    from scrapy.http import HtmlResponse, Request

    from parknews.archive import search
    from parknews.archive.dedup import presign
    from parknews.archive.store import ArchiveWriter, open_archive, prepare
    from parknews.archive.warc import CaptureWriter, Exchange
    from parknews.pipelines.fingerprint import content_hash
    from parknews.pipelines.items import FetchedPage
    from parknews.pipelines.storage import StoragePipeline
    from parknews.pipelines.workers import extract_page

    routes, _, items = build_routes(base_url, articles, per_page, page_kb=page_kb)
    urls = list(items)[:sample]
    pages = [(routes[items[url].path][2], url) for url in urls]
    ctype = "text/html; charset=utf-8"
    work = out.parent / "breakdown"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    timings: dict[str, float] = {}

    def timed(name: str, func) -> list:
        started = time.process_time()
        results = [func(*page) for page in pages]
        timings[name] = (time.process_time() - started) * 1000 / len(pages)
        return results

    timed("scrapy_response", lambda body, url: HtmlResponse(
        url, body=body, headers={"Content-Type": ctype}, request=Request(url)))
    articles_ = timed("extraction", lambda body, url: extract_page(body, url, ctype, [], {}))
    done = dict(zip(urls, articles_, strict=True))
    timings["pickle_to_worker"] = _per_page(pages, lambda body, url: pickle.loads(
        pickle.dumps((body, url, ctype, [], {}), protocol=pickle.HIGHEST_PROTOCOL)))
    tokens = timed("search_tokens", lambda body, url: [search.index_text(t) for t in (
        done[url].title, done[url].body, done[url].source) if t])
    del tokens
    timed("repost_signature", lambda body, url: presign(done[url].body))
    timed("content_hash", lambda body, url: content_hash(done[url].body))
    prepared = {url: prepare(done[url].title, done[url].body, done[url].source,
                             content_hash(done[url].body)) for url in urls}
    timings["pickle_from_worker"] = _per_page(pages, lambda body, url: pickle.loads(
        pickle.dumps((done[url], prepared[url]), protocol=pickle.HIGHEST_PROTOCOL)))
    writer = CaptureWriter(work, "bench", "breakdown")
    captures = {}
    for name, func in (("warc_write", lambda body, url: captures.__setitem__(
            url, writer.write_exchange(Exchange(url, 200, body, {"Content-Type": ctype},
                                                request_headers={"User-Agent": "x"}))
            .pointer())),):
        timed(name, func)
    writer.close()
    db = open_archive(work / "b.db")
    archive = ArchiveWriter(db, 50, dedup=True)

    def store(body, url):
        article = done[url]
        item = FetchedPage(url=url, site_id="generated", kind="article", fetched_at="2026",
                           status=200, content_type=ctype, body=body, warc=captures[url])
        item.article, item.prepared = article, prepared[url]
        return item

    fetched = timed("item_plumbing", store)
    pipeline = StoragePipeline(None, str(work / "b.db"), 50, "bench")  # (no crawler needed)
    pipeline.writer = archive
    started = time.process_time()
    for item in fetched:
        pipeline.process_item(item)
    archive.flush()
    timings["sqlite_fts_dedup_writes"] = (time.process_time() - started) * 1000 / len(pages)
    db.close()
    out.write_text(json.dumps({"pages": len(pages), "ms": timings}))


def _per_page(pages: list, func) -> float:
    started = time.process_time()
    for page in pages:
        func(*page)
    return (time.process_time() - started) * 1000 / len(pages)


# --------------------------------------------------------------------- measuring

def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(c) for c in handle.read().split()]
        except OSError:
            pass
    return pids


def _memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KiB; PSS shares the pages forked workers have in
    common with their parent among them, so a sum over processes counts each page once."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a running process so far."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Measured(NamedTuple):
    result: subprocess.CompletedProcess
    seconds: float  # wall
    tree_mb: float  # peak PSS of the process tree (the sum of its processes' PSS)
    main_mb: float  # peak RSS of the main process
    cpu: float  # CPU seconds of the process and all its children (exact: rusage)
    cpu_main: float  # CPU seconds of the main process alone (sampled: up to 0.2 s short)


def run_measured(command: list[str], label: str) -> Measured:
    """Run a command and measure its time, memory and CPU."""
    log(f"{label}: {' '.join(command[1:])[:150]}")
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    peak_tree = peak_main = 0
    cpu_main = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree, peak_main, cpu_main
        while not done.is_set():
            sizes = [_memory_kib(p) for p in _tree(proc.pid)]
            if sizes:
                peak_main = max(peak_main, sizes[0][0])
                peak_tree = max(peak_tree, sum(pss for _, pss in sizes))
            cpu_main = _cpu_seconds(proc.pid) or cpu_main
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the process, and the children
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)  # it reaped
    result = subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
    if proc.returncode != 0:
        log(f"  FAILED ({proc.returncode}): {stderr[-2000:]}")
    log(f"  {seconds:.1f} s, peak memory (PSS of all its processes) {peak_tree / 1024:.0f} MB,"
        f" CPU {cpu:.1f} s ({cpu_main:.1f} s in the main process)")
    return Measured(result, seconds, peak_tree / 1024, peak_main / 1024, cpu, cpu_main)


def _extraction_alone(command: list[str], workdir: Path, processes: int, label: str) -> dict:
    out = workdir / f"extract-{processes}.json"
    tree = run_measured([*command, str(out), str(processes)], label).tree_mb
    alone = json.loads(out.read_text())
    rate = alone["pages"] / alone["seconds"]
    log(f"  {rate:.1f} pages/s")
    return {**alone, "rate": rate, "rss": tree}


def _run_seconds(db_path: Path) -> tuple[float, int, int]:
    """The crawl's own time (crawl_runs) and its article and page counts."""
    conn = sqlite3.connect(db_path)
    started, finished = conn.execute(
        "select min(started_at), max(finished_at) from crawl_runs").fetchone()
    seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)
               ).total_seconds()
    articles = conn.execute("select count(*) from articles").fetchone()[0]
    pages = conn.execute("select count(*) from pages").fetchone()[0]
    conn.close()
    return seconds, articles, pages


def crawl(workdir: Path, name: str, sites_file: Path, workers: int | None,
          expected: int) -> dict:
    db_path = workdir / f"{name}.db"
    command = [sys.executable, "-m", "parknews.crawler.cli", "crawl", "--sites", str(sites_file),
               "--db", str(db_path)]
    for setting in POLITENESS_OFF:
        command += ["--set", setting]
    if workers is not None:
        command += ["--set", f"PARKNEWS_EXTRACT_WORKERS={workers}"]
    run = run_measured(command, name)
    seconds, articles, pages = _run_seconds(db_path)
    if articles != expected:
        log(f"  {name}: {articles} articles stored, {expected} expected")
    return {"name": name, "db": str(db_path), "seconds": seconds, "wall": run.seconds,
            "articles": articles, "pages": pages, "rate": articles / seconds,
            "rss": run.tree_mb, "rss_main": run.main_mb, "cpu": run.cpu,
            "cpu_main": run.cpu_main, "ok": run.result.returncode == 0}


# --------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=5000, help="articles of the site (5000)")
    ap.add_argument("--per-page", type=int, default=50, help="articles per list page (50)")
    ap.add_argument("--page-kb", type=int, default=40,
                    help="portal furniture added to each article page, KB (40: pages of "
                         "about 50 KB, the median of ../shared/realpages)")
    ap.add_argument("--memory-articles", type=int, default=0, metavar="N",
                    help="also crawl a site of N articles and report its peak RSS (0: no)")
    ap.add_argument("--workdir", type=Path, help="where the archives go (default: temporary)")
    ap.add_argument("--stage", nargs="+", help=argparse.SUPPRESS)  # internal
    args = ap.parse_args(argv)
    if args.stage:
        kind, *rest = args.stage
        if kind == "serve":
            serve(Path(rest[0]), int(rest[1]), int(rest[2]), int(rest[3]))
        elif kind == "raw":
            raw_scrapy(rest[0], Path(rest[1]))
        elif kind == "breakdown":
            breakdown(rest[0], int(rest[1]), int(rest[2]), int(rest[3]), Path(rest[4]),
                      int(rest[5]))
        elif kind == "extract":
            extraction_alone(rest[0], int(rest[1]), int(rest[2]), int(rest[3]), Path(rest[4]),
                             int(rest[5]))
        return 0

    started = datetime.now(UTC)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="parknews-throughput-"))
    workdir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    results: dict[str, dict] = {}
    memory = None
    with Served(workdir, args.articles, args.per_page, args.page_kb) as base_url:
        sites_file = workdir / "sites.toml"
        sites_file.write_text(_sites_toml(base_url, args.articles, args.per_page),
                              encoding="utf-8")
        out = workdir / "raw.json"
        tree = run_measured([sys.executable, __file__, "--stage", "raw",
                             base_url + "/xwzx/yqdt/index.html", str(out)], "(a) raw").tree_mb
        raw = json.loads(out.read_text())
        results["a"] = {**raw, "rate": raw["pages"] / raw["seconds"], "rss": tree}
        extraction = [sys.executable, __file__, "--stage", "extract", base_url,
                      str(args.articles), str(args.per_page), str(args.page_kb)]
        results["b1"] = _extraction_alone(extraction, workdir, 1, "(b) extraction alone")
        results["c"] = crawl(workdir, "pipeline", sites_file, None, args.articles)
        results["c0"] = crawl(workdir, "single", sites_file, 0, args.articles)
        results["b2nd"] = _extraction_alone(extraction, workdir, 1,
                                            "(b) extraction alone, again")
        results["b2"] = _extraction_alone(extraction, workdir, os.cpu_count() or 1,
                                          "(b2) extraction alone, every core")
        out = workdir / "breakdown.json"
        run_measured([sys.executable, __file__, "--stage", "breakdown", base_url,
                      str(args.articles), str(args.per_page), str(args.page_kb), str(out),
                      str(min(args.articles, 1000))], "CPU breakdown, each piece alone")
        results["bd"] = json.loads(out.read_text())
        results["bd"]["startup_cpu"] = run_measured(
            [sys.executable, "-c", "import parknews.crawler.cli.crawl, parknews.crawler.runner,"
             " parknews.pipelines.workers, parknews.pipelines.storage"],
            "start-up: the crawl command's imports").cpu
    b1, b2nd = results["b1"], results["b2nd"]
    results["b"] = {**b1, "rate": (b1["rate"] + b2nd["rate"]) / 2,
                    "seconds": (b1["seconds"] + b2nd["seconds"]) / 2,
                    "rss": max(b1["rss"], b2nd["rss"])}
    run = run_measured(
        [sys.executable, "-m", "parknews.crawler.cli", "reextract", "--db", results["c"]["db"]],
        "(d) reextract")
    stdout = run.result.stdout
    summary = stdout.strip().splitlines()[-1:] if stdout else []
    own = re.search(r"; ([\d.]+) s, ", summary[0]) if summary else None
    seconds = float(own.group(1)) if own else run.seconds
    results["d"] = {"seconds": seconds, "wall": run.seconds, "cpu": run.cpu,
                    "cpu_main": run.cpu_main, "rate": results["c"]["articles"] / seconds,
                    "rss": run.tree_mb, "out": summary}
    if args.memory_articles:
        big = workdir / "big"
        big.mkdir(exist_ok=True)
        with Served(big, args.memory_articles, args.per_page, args.page_kb) as base_url:
            sites_file = big / "sites.toml"
            sites_file.write_text(_sites_toml(base_url, args.memory_articles, args.per_page),
                                  encoding="utf-8")
            memory = crawl(big, "memory", sites_file, None, args.memory_articles)
    print(report(results, memory, args, started, load))
    return 0


class Served:
    """The site's server in its own process, for the duration of a ``with``."""

    def __init__(self, workdir: Path, articles: int, per_page: int, page_kb: int):
        self.port_file = workdir / f"server-{articles}.url"
        self.args = [sys.executable, __file__, "--stage", "serve", str(self.port_file),
                     str(articles), str(per_page), str(page_kb)]

    def __enter__(self) -> str:
        self.port_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen(self.args, cwd=ROOT)
        while not self.port_file.exists() or not self.port_file.read_text():
            if self.proc.poll() is not None:
                raise SystemExit("the site's server did not start")
            time.sleep(0.2)
        return self.port_file.read_text()

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _sites_toml(base_url: str, articles: int, per_page: int) -> str:
    # every list page is followed (the default limit, PARKNEWS_MAX_LIST_PAGES, is 500)
    list_pages = -(-articles // per_page)
    return ("[[sites]]\nid = \"generated\"\nname = \"澄湖高新区\"\n"
            f"start_urls = [\"{base_url}/xwzx/yqdt/index.html\"]\n"
            f"max_pages = {list_pages + 1}\n")


def _cpu_lines(b: dict, c: dict, c0: dict, d: dict, target_c: float) -> list[str]:
    """Where the CPU went: per article, from the rusage of each command's processes
    (start-up included), against what extraction alone costs."""
    cores = os.cpu_count() or 1
    per = {name: 1000 * run["cpu"] / c["articles"] for name, run in
           (("c", c), ("c0", c0), ("d", d))}
    main_c = 1000 * c["cpu_main"] / c["articles"]
    extraction = 1000 / b["rate"]
    budget = cores * 1000 / target_c
    return [
        f"- CPU per article (all the command's processes, start-up included): (c) "
        f"{per['c']:.1f} ms ({main_c:.1f} in the crawl process, {per['c'] - main_c:.1f} in "
        f"the extraction workers), (c0) {per['c0']:.1f} ms, (d) {per['d']:.1f} ms; "
        f"extraction alone (b) {extraction:.1f} ms",
        f"- (c) kept {c['cpu'] / c['wall']:.2f} of {cores} cores busy over its command's "
        f"wall time; at {per['c']:.1f} ms an article {cores} busy cores allow at most "
        f"{cores * 1000 / per['c']:.0f} articles/s. The (c) target needs ≤ {budget:.1f} ms "
        f"an article: fetching, WARC, search index, repost detection and SQLite in "
        f"{budget - extraction:.1f} ms besides extraction; they take "
        f"{per['c'] - extraction:.1f} ms here",
    ]


def _breakdown_lines(results: dict) -> list[str]:
    """The CPU of an article page, piece by piece (each timed alone on the same pages),
    against what (c) spent in its crawl process and its workers."""
    a, c, bd = results["a"], results["c"], results.get("bd")
    if not bd:
        return []
    ms = bd["ms"]
    pages_per_article = c["pages"] / c["articles"] if c["articles"] else 1
    scrapy_ms = 1000 * a.get("cpu", 0) / a["pages"] * pages_per_article if a["pages"] else 0
    main_ms = 1000 * c["cpu_main"] / c["articles"]
    worker_ms = 1000 * (c["cpu"] - c["cpu_main"]) / c["articles"]
    crawl_side = [
        ("Scrapy request and response handling (raw Scrapy's CPU a page, (a), × "
         f"{pages_per_article:.2f} pages an article)", scrapy_ms),
        ("WARC write (CaptureWriter.write_exchange)", ms["warc_write"]),
        ("pickling the page to a worker and the article back (both ends, round trip)",
         ms["pickle_to_worker"] + ms["pickle_from_worker"]),
        ("SQLite, FTS and repost lookup writes (StoragePipeline → ArchiveWriter, batches "
         "of 50)", ms["sqlite_fts_dedup_writes"]),
    ]
    worker_side = [
        ("extraction (extract_page)", ms["extraction"]),
        ("search tokens (index_text of title, body, 来源)", ms["search_tokens"]),
        ("repost signature (presign)", ms["repost_signature"]),
        ("content hash", ms["content_hash"]),
    ]
    crawl_side.append(("start-up: the crawl command's imports, spread over the articles",
                       1000 * bd.get("startup_cpu", 0) / c["articles"]))
    rest = main_ms - sum(v for _, v in crawl_side)
    lines = ["", f"CPU an article page, piece by piece (each timed alone on {bd['pages']} "
             "of the site's article pages; ms):", "",
             "| where | piece | ms |", "|---|---|---:|"]
    lines += [f"| crawl process | {name} | {value:.2f} |" for name, value in crawl_side]
    lines.append(f"| crawl process | item plumbing, link following, signals, the rest "
                 f"((c)'s crawl-process CPU {main_ms:.2f} ms an article less the above) "
                 f"| {rest:.2f} |")
    lines += [f"| worker | {name} | {value:.2f} |" for name, value in worker_side]
    lines.append(f"| worker | (c)'s workers in all, an article | {worker_ms:.2f} |")
    return lines + _floor_lines(results, crawl_side[:-1] + worker_side)


def _floor_lines(results: dict, pieces: list[tuple[str, float]]) -> list[str]:
    """How fast (c) could be if an article cost nothing but the pieces timed alone
    (no start-up, no item plumbing, no sharing of the cores): a ceiling on (c) / (b2)
    that no change outside these pieces can pass."""
    cores = os.cpu_count() or 1
    floor_ms = sum(value for _, value in pieces)
    others_ms = floor_ms - results["bd"]["ms"]["extraction"]
    best = cores * 1000 / floor_ms
    b2 = results["b2"]["rate"]
    return ["", f"The floor: an article page needs {floor_ms:.2f} ms of CPU in the pieces "
            f"above alone (extraction and {others_ms:.2f} ms besides, the site's server "
            f"not counted); {cores} cores busy with nothing else would run (c) at "
            f"{best:.1f} pages/s at most, {best / b2:.2f} × (b2). For (c) ≥ 0.7 × (b2) the "
            f"pieces besides extraction may cost at most "
            f"{cores * 1000 / (0.7 * b2) - results['bd']['ms']['extraction']:.2f} ms."]


def report(results: dict, memory: dict | None, args, started: datetime,
           load: tuple[float, float, float]) -> str:
    a, b, b2, c, c0, d = (results[k] for k in ("a", "b", "b2", "c", "c0", "d"))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    rows = [
        ("(a) raw Scrapy, no processing", f"{a['pages']:,} pages", a["seconds"], a["rate"],
         a["rss"]),
        ("(b) our extraction alone, one core (mean of two runs: "
         f"{results['b1']['rate']:.1f} before (c), {results['b2nd']['rate']:.1f} before (d))",
         f"{b['pages']:,} articles", b["seconds"], b["rate"], b["rss"]),
        (f"(b2) extraction alone, {b2['processes']} processes (the ceiling)",
         f"{b2['pages']:,} articles", b2["seconds"], b2["rate"], b2["rss"]),
        ("(c) crawl → WARC → extract (workers) → dedup → SQLite",
         f"{c['articles']:,} articles", c["seconds"], c["rate"], c["rss"]),
        ("(c0) the same, all in the crawl process", f"{c0['articles']:,} articles",
         c0["seconds"], c0["rate"], c0["rss"]),
        (f"(d) reextract of (c)'s archive (command's wall time {d['wall']:.1f} s)",
         f"{c['articles']:,} articles", d["seconds"], d["rate"], d["rss"]),
    ]
    out = [
        "# Throughput benchmark", "",
        f"- **Date:** {started:%Y-%m-%d %H:%M}–{datetime.now(UTC):%H:%M} UTC, commit "
        f"{commit}; {os.cpu_count()} cores; load average at the start "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        f"- **Command:** `{' '.join(['python benchmarks/throughput.py', *sys.argv[1:]])}`",
        f"- **Site:** {args.articles:,} generated articles of {b['kb']:.0f} KB on average "
        f"(`--page-kb {args.page_kb}`), {args.per_page} a list page, served from memory by "
        "an asyncio keep-alive server in its own process.", "",
        "| stage | work | seconds | pages/s | peak memory MB |", "|---|---:|---:|---:|---:|",
    ]
    out += [f"| {name} | {work} | {sec:.1f} | {rate:.1f} | {rss:.0f} |"
            for name, work, sec, rate, rss in rows]
    target_c = 0.75 * 2 * b["rate"]
    out += ["", "Ratios and targets:", "",
            f"- (c) / (b) = {c['rate'] / b['rate']:.2f}; (c) ≥ 0.75 × 2 × (b) = "
            f"{target_c:.1f} pages/s: {'met' if c['rate'] >= target_c else 'NOT met'}",
            f"- (c) / (c0) = {c['rate'] / c0['rate']:.2f} (target ≥ 1.5: "
            f"{'met' if c['rate'] >= 1.5 * c0['rate'] else 'NOT met'})",
            f"- (d) / (b) = {d['rate'] / b['rate']:.2f} (target ≥ 1.7: "
            f"{'met' if d['rate'] >= 1.7 * b['rate'] else 'NOT met'})",
            f"- (c) / (a) = {c['rate'] / a['rate']:.2f} (the share of raw Scrapy's rate)",
            f"- (b2) / (b) = {b2['rate'] / b['rate']:.2f}: what {b2['processes']} cores give "
            "extraction alone; (c) / (b2) = "
            f"{c['rate'] / b2['rate']:.2f}, (d) / (b2) = {d['rate'] / b2['rate']:.2f} (the "
            "shares of that ceiling)",
            *_cpu_lines(b, c, c0, d, target_c),
            f"- targets of issue 22: (c) ≥ 0.7 × (b2) = {0.7 * b2['rate']:.1f} pages/s: "
            f"{'met' if c['rate'] >= 0.7 * b2['rate'] else 'NOT met'}; (d) ≥ 0.9 × (b2) = "
            f"{0.9 * b2['rate']:.1f}: {'met' if d['rate'] >= 0.9 * b2['rate'] else 'NOT met'}",
            f"- articles stored: (c) {c['articles']:,}, (c0) {c0['articles']:,} of "
            f"{args.articles:,}; (b) empty extractions: {b['empty']}; (d): "
            f"{' '.join(d['out'])}"]
    out += _breakdown_lines(results)
    if memory:
        out.append(f"- {memory['articles']:,}-article crawl ({memory['pages']:,} pages) in "
                   f"{memory['seconds']:.0f} s ({memory['rate']:.1f} articles/s): peak "
                   f"memory {memory['rss']:.0f} MB for the crawl and its workers (sum of "
                   f"PSS), peak RSS {memory['rss_main']:.0f} MB of the crawl process "
                   f"(target < 1024 MB: {'met' if memory['rss'] < 1024 else 'NOT met'})")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
