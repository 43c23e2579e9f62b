"""Distributed crawling on Redis: a local redis-server, workers and the one ingester.

The mock park sites are served on 127.0.0.141-147 and two slow generated sites on
127.0.0.148-149; Redis on 127.0.0.1 (a private redis-server started here, no persistence,
stopped at the end; ``scripts/install-redis`` installs Debian's package). Each test uses
its own key prefix.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from conftest import FAST, REPO, free_port, run_cli
from mockservers.generated import serve_generated_site
from mockservers.jsapi import serve_jsapi
from sqlite_utils import Database

from parknews.crawler.mocksites import DEFAULT_HOSTS, serve_mock_sites, sites_toml
from parknews.crawler.sites import load_sites

HOSTS = {site_id: f"127.0.0.{141 + i}" for i, site_id in enumerate(DEFAULT_HOSTS)}
JSAPI_HOSTS = {"hanweb": "127.0.0.160", "shell": "127.0.0.161", "jiasule": "127.0.0.162",
               "ruishu": "127.0.0.163"}
HOST_DELAY = 0.25  # seconds between two requests to one host, across all workers
WORKER = ["--set", "RETRY_TIMES=0", "--set", "DOWNLOAD_TIMEOUT=10",
          "--set", "PARKNEWS_EXTRACT_WORKERS=0", "--set", "PARKNEWS_HEARTBEAT=0.5",
          "--set", "PARKNEWS_WORKER_TIMEOUT=3", "--log-level", "INFO"]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: run `sh scripts/install-redis` (Debian's package)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
         "no", "--dir", str(workdir), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    """The mock park sites, and the sites of lists drawn by JavaScript and anti-bot walls
    (JSON list APIs, POST paging, 521/412 walls) on 127.0.0.160-163."""
    workdir = tmp_path_factory.mktemp("distributed")
    with serve_mock_sites(hosts=HOSTS) as sites, serve_jsapi(hosts=JSAPI_HOSTS) as js:
        sites_file = workdir / "sites.toml"
        sites_file.write_text(sites_toml(sites) + js.sites_toml(), encoding="utf-8")
        yield {"sites": {site.id: site for site in sites}, "file": sites_file,
               "dir": workdir, "ids": {site.id for site in load_sites(sites_file)}}


def start_worker(redis_url: str, prefix: str, warc_dir: Path, log: Path, *extra: str):
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "parknews.crawler.cli", "worker", "--redis", redis_url,
             "--prefix", prefix, "--warc-dir", str(warc_dir), *WORKER, *extra],
            cwd=REPO, env=dict(os.environ, PYTHONWARNINGS="ignore"),
            stdout=subprocess.DEVNULL, stderr=out)


def wait_all(procs, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(timeout=max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"{proc.args[3]} did not end")
    return codes


def kill_when(proc: subprocess.Popen, holding, timeout: float = 40) -> int:
    """SIGKILL ``proc`` at a moment ``holding()`` is positive, checked while it is
    stopped (SIGSTOP), so what it held is what it loses; returns that amount."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        proc.send_signal(signal.SIGSTOP)
        held = holding()
        if held:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return held
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.03)
    pytest.fail("it never held anything")


def articles(db_path: Path) -> list[str]:
    return [row["url"] for row in Database(db_path).query("select url from articles")]


@pytest.fixture(scope="module")
def crawled(mock, redis_url):
    """A single-machine crawl and a distributed one (two workers, one ingester) of the
    mock sites, one after the other."""
    workdir = mock["dir"]
    single = workdir / "single.db"
    result = run_cli("crawl", "--sites", str(mock["file"]), "--db", str(single), *FAST,
                     "--no-lock")
    assert result.returncode == 0, result.stderr[-3000:]
    for site in mock["sites"].values():
        site.request_log.clear()
    db_path = workdir / "dist.db"
    seeded = run_cli("seed", "--sites", str(mock["file"]), "--db", str(db_path), "--redis",
                     redis_url, "--prefix", "same", "--set", f"PARKNEWS_HOST_DELAY={HOST_DELAY}")
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert not db_path.exists()  # seed only reads the archive
    warc_dir = workdir / "dist-warc"
    workers = [start_worker(redis_url, "same", warc_dir, workdir / f"worker{i}.log",
                            "--set", f"PARKNEWS_HOST_DELAY={HOST_DELAY}", "--concurrency", "2")
               for i in range(2)]
    ingest = run_cli("ingest", "--db", str(db_path), "--redis", redis_url, "--prefix", "same",
                     timeout=120)
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert wait_all(workers) == [0, 0]
    return {"single": single, "dist": db_path, "warc": warc_dir, "seed": seeded.stdout,
            "logs": [(workdir / f"worker{i}.log").read_text() for i in range(2)]}


def test_two_workers_store_what_one_machine_stores(crawled):
    single, dist = articles(crawled["single"]), articles(crawled["dist"])
    assert len(dist) == len(set(dist)) > 40
    assert set(dist) == set(single)
    fields = "url, title, published_at, source, body"
    one = {r["url"]: r for r in Database(crawled["single"]).query(f"select {fields} from articles")}
    two = {r["url"]: r for r in Database(crawled["dist"]).query(f"select {fields} from articles")}
    assert one == two
    # every page tried, with the same outcome (404s, robots.txt refusals, the 500)
    outcome = "select url, kind, status, error from pages order by url"
    assert (list(Database(crawled["dist"]).query(outcome))
            == list(Database(crawled["single"]).query(outcome)))
    # both workers crawled, each into WARC files of its own, which the archive points to
    sent = [int(re.search(r"'redis/pages_sent': (\d+)", log)[1]) for log in crawled["logs"]]
    assert all(sent) and sum(sent) >= len(dist)
    files = {r["warc_file"] for r in Database(crawled["dist"]).query(
        "select warc_file from articles")}
    assert len(files) == 2 and None not in files
    from parknews.archive.warc import read_capture

    for row in Database(crawled["dist"]).query(
            "select url, warc_file, warc_offset, warc_record_id from articles"):
        status, _, body = read_capture(crawled["warc"], {
            "file": row["warc_file"], "offset": row["warc_offset"],
            "record_id": row["warc_record_id"]})
        assert status == 200 and body


def test_runs_are_recorded_per_site(crawled, mock):
    runs = {r["site_id"]: r for r in Database(crawled["dist"]).query("select * from crawl_runs")}
    assert set(runs) == mock["ids"]
    single = {r["site_id"]: r for r in Database(crawled["single"]).query(
        "select * from crawl_runs")}
    for site_id, run in runs.items():
        assert run["finish_reason"] == "finished"
        for column in ("pages", "articles_new", "list_pages", "links_found", "errors",
                       "blocked"):
            assert run[column] == single[site_id][column], (site_id, column)
    assert "js_lists" in json.loads(runs["shell"]["notes"])  # a list drawn by script


def test_politeness_holds_across_workers(crawled, mock):
    """From all workers together, a host never got two requests (robots.txt aside:
    Scrapy fetches it once per worker, outside the frontier) closer than the delay."""
    gaps = []
    for site in mock["sites"].values():
        times = sorted(r.time for r in site.requests() if not r.target.startswith("/robots"))
        gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) > 40
    assert min(gaps) >= HOST_DELAY * 0.6, sorted(gaps)[:5]
    assert statistics.median(gaps) >= HOST_DELAY * 0.95


def test_a_new_seed_revisits_the_sites(crawled, mock, redis_url):
    """Fingerprints do not outlive their run (scrapy-redis #84): seeding again fetches the
    list pages again, incrementally (known articles skipped), and records a second run."""
    workdir = mock["dir"]
    for site in mock["sites"].values():
        site.request_log.clear()
    seeded = run_cli("seed", "--sites", str(mock["file"]), "--db", str(crawled["dist"]),
                     "--redis", redis_url, "--prefix", "same", "--set", "PARKNEWS_HOST_DELAY=0")
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "incremental" in seeded.stdout
    worker = start_worker(redis_url, "same", crawled["warc"], workdir / "again.log",
                          "--set", "PARKNEWS_HOST_DELAY=0")
    ingest = run_cli("ingest", "--db", str(crawled["dist"]), "--redis", redis_url, "--prefix",
                     "same", timeout=120)
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert wait_all([worker]) == [0]
    for site in mock["sites"].values():
        fetched = {r.url for r in site.requests("GET")}
        assert site.start_urls[0] in fetched, site.id
        assert not fetched & set(site.articles), site.id  # known, not yet due
    db = Database(crawled["dist"])
    assert db.execute("select count(distinct run_id) from crawl_runs").fetchone()[0] == 2
    assert db.execute("select sum(skipped_known) from crawl_runs where run_id = (select max("
                      "run_id) from crawl_runs)").fetchone()[0] > 0


def test_a_killed_worker_and_a_killed_ingester_lose_nothing(redis_url, tmp_path):
    """SIGKILL one of two workers while it holds requests, and the ingester while it
    writes: the other worker gets the dead one's requests back, a new ingester writes what
    the dead one read, and the archive ends with every article once."""
    prefix = "kill"
    client = redis.Redis.from_url(redis_url)
    with serve_generated_site(host="127.0.0.148", articles=40, per_page=10, delay=0.15,
                              seed=1) as one, \
            serve_generated_site(host="127.0.0.149", articles=40, per_page=10, delay=0.15,
                                 seed=2) as two:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(one.sites_toml("one") + "\n" + two.sites_toml("two").split(
            "\n", 2)[2], encoding="utf-8")
        db_path = tmp_path / "kill.db"

        def seed(site_id: str) -> None:
            seeded = run_cli("seed", "--sites", str(sites_file), "--db", str(db_path),
                             "--redis", redis_url, "--prefix", prefix, "--site", site_id,
                             "--set", "PARKNEWS_HOST_DELAY=0")
            assert seeded.returncode == 0, seeded.stderr[-3000:]

        seed("one")
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        extra = ("--set", "PARKNEWS_HOST_DELAY=0", "--concurrency", "2")
        doomed = start_worker(redis_url, prefix, tmp_path / "warc", tmp_path / "w0.log", *extra)
        survivor = start_worker(redis_url, prefix, tmp_path / "warc", tmp_path / "w1.log",
                                *extra)
        ingester = subprocess.Popen(
            [sys.executable, "-m", "parknews.crawler.cli", "ingest", "--db", str(db_path),
             "--redis", redis_url, "--prefix", prefix, "--batch", "5"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            seed("two")  # while the workers run: they take it up too
            leases = f"{prefix}:leases:{socket.gethostname()}-{doomed.pid}"
            # frozen (SIGSTOP) at a moment it holds requests, then killed: a crash midway
            held = kill_when(doomed, lambda: client.hlen(leases) if len(
                one.requests()) + len(two.requests()) > 25 else 0)
            pending = kill_when(ingester, lambda: client.xpending(
                f"{prefix}:items", "ingest")["pending"])
            assert held > 0 and pending > 0
            ingest = run_cli("ingest", "--db", str(db_path), "--redis", redis_url, "--prefix",
                             prefix, timeout=120)
            assert ingest.returncode == 0, ingest.stderr[-3000:]
            assert wait_all([survivor]) == [0]
        finally:
            for proc in (doomed, survivor, ingester):
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
        expected = set(one.articles) | set(two.articles)
    stored = articles(db_path)
    assert len(stored) == len(set(stored)) == len(expected)
    assert set(stored) == expected
    for site in (one, two):  # robots.txt asked (and obeyed) on both hosts
        assert "/robots.txt" in {r.target for r in site.requests()}
    assert "back in the queue" in (tmp_path / "w1.log").read_text()
    assert not client.exists(leases)
    assert client.hlen(f"{prefix}:outstanding") == 0
    assert client.xlen(f"{prefix}:items") == 0  # written and acknowledged
    db = Database(db_path)
    assert db.execute("select count(*) from crawl_runs").fetchone()[0] == 2


def test_an_empty_frontier_ends_workers_and_ingester_at_once(redis_url, tmp_path):
    started = time.monotonic()
    worker = start_worker(redis_url, "empty", tmp_path / "warc", tmp_path / "w.log")
    ingest = run_cli("ingest", "--db", str(tmp_path / "e.db"), "--redis", redis_url,
                     "--prefix", "empty")
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    assert "ingested 0 pages" in ingest.stdout
    assert wait_all([worker], timeout=30) == [0]
    assert time.monotonic() - started < 30


def test_one_ingester_per_deployment(redis_url, tmp_path):
    client = redis.Redis.from_url(redis_url)
    client.set("busy:ingest-lock", "elsewhere.example 4242 2026-11-27T00:00:00+00:00", ex=30)
    result = run_cli("ingest", "--db", str(tmp_path / "b.db"), "--redis", redis_url,
                     "--prefix", "busy")
    assert result.returncode == 75
    assert "another ingester is writing (host elsewhere.example, pid 4242)" in result.stderr


def test_fingerprints_expire_and_can_be_dropped(redis_url):
    from scrapy import Request

    from parknews.crawler.frontier import ExpiringDupeFilter
    from parknews.pipelines.redisqueue import Keys

    client = redis.Redis.from_url(redis_url)
    dupefilter = ExpiringDupeFilter(client, "unused", ttl=0.3, keys=Keys("fp"))
    page = Request("http://127.0.0.141/news/index.html", meta={"site_id": "trs"})
    other_site = Request("http://127.0.0.141/news/index.html", meta={"site_id": "dede"})
    assert not dupefilter.request_seen(page)
    assert dupefilter.request_seen(page)
    assert not dupefilter.request_seen(other_site)  # fingerprints are per site
    time.sleep(0.35)
    assert not dupefilter.request_seen(page)  # expired
    assert dupefilter.forget(page)
    assert not dupefilter.request_seen(page)  # dropped
    dupefilter.clear_site("trs")
    assert not dupefilter.request_seen(page)


def test_a_site_still_being_crawled_is_not_seeded_again(redis_url, mock):
    client = redis.Redis.from_url(redis_url)
    client.hset("again:outstanding", "trs", 3)  # a run of trs with 3 requests to go
    result = run_cli("seed", "--sites", str(mock["file"]), "--db", str(mock["dir"] / "a.db"),
                     "--redis", redis_url, "--prefix", "again", "--site", "trs", "--site",
                     "dede")
    assert result.returncode == 75, result.stderr[-2000:]
    assert "site trs: its last run still has 3 requests queued or in flight" in result.stderr
    assert "seeded dede" in result.stdout and "seeded trs" not in result.stdout
    assert int(client.hget("again:outstanding", "trs")) == 3


def test_frontier_hands_out_hosts_politely_and_takes_back_dead_leases(redis_url):
    from parknews.crawler.frontier import Frontier
    from parknews.pipelines.redisqueue import Keys

    client = redis.Redis.from_url(redis_url)
    keys = Keys("unit")
    client.hset(keys.runs, "s", '{"run_id": "r1"}')
    dead = Frontier(client, keys, "dead-worker", host_delay=1.0)
    alive = Frontier(client, keys, "alive-worker", host_delay=1.0, worker_timeout=2.0)
    for n in range(3):
        dead.push(b"a%d" % n, 0, "a.example:80", "s")
    dead.push(b"b0", 0, "b.example:80", "s")
    dead.heartbeat()
    first = {dead.pop()[0], dead.pop()[0]}
    assert first == {b"a0", b"b0"}  # one request a host, then the host rests
    assert dead.pop() is None
    time.sleep(1.05)
    got = alive.pop()
    assert got[0] == b"a1"
    assert dead.leased() == 2 and alive.leased() == 1
    assert alive.reclaim() == 0  # the dead one's heartbeat is still fresh
    time.sleep(1.0)
    alive.heartbeat()
    assert alive.reclaim() == 2  # now its leases are back in the frontier
    assert dead.leased() == 0
    assert sum(alive.outstanding().values()) == 4  # queued or leased, none lost
    taken = []
    deadline = time.monotonic() + 5
    while len(taken) < 3 and time.monotonic() < deadline:
        popped = alive.pop()
        if popped:
            taken.append(popped)
        time.sleep(0.02)
    assert sorted(payload for payload, _ in taken) == [b"a0", b"a2", b"b0"]
    for _, lease in taken:
        assert alive.ack(lease, "s", {"discovery/list_pages": 1})
    assert not alive.ack(taken[0][1], "s")  # twice: nothing more
    assert not client.xlen(keys.stream)
    assert alive.ack(got[1], "s", values={"jslist/hints": ["x"]})  # the last one
    assert alive.done()
    (_, fields), = client.xrange(keys.stream)
    assert fields[b"type"] == b"run_end" and fields[b"site"] == b"s"
    assert b'"run_id": "r1"' in fields[b"run"]
    assert json.loads(fields[b"stats"]) == {"discovery/list_pages": 3}
    assert json.loads(fields[b"values"]) == {"jslist/hints": '["x"]'}
