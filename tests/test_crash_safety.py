"""Crash safety end to end: a crawl killed with SIGKILL at any point, then run again until
it completes, leaves the archive an uninterrupted crawl of the same site leaves.

The crawl runs in its own session (``start_new_session``) and the kill goes to its whole
process group, extraction workers included, the way ``parknews schedule`` stops a crawl
and the way a host's OOM killer or ``systemd`` takes a service down. Five kill points,
spread over a crawl by its progress (the archive is polled read-only while it runs, the
thresholds drawn from a seeded RNG inside bands): while only list pages are fetched, early,
mid and late among the article batches, and once every article is committed (the final
flush, the run's row, the health check). One point kills the restarted crawl too.

After each kill: no process of the crawl is left (no orphaned worker holds the database,
a WARC file or the site lock; the next crawl gets the lock), ``PRAGMA integrity_check``
is ok and every capture the rows point to reads back. After the last run: the same
articles as the reference crawl (title, body, date), each once, ``foreign_key_check``
empty, every WARC file iterable by warcio up to at least its last pointed-to record (a
file the kill left ``.open`` may end in a cut record that no row points to), and the
killed runs left no ``crawl_runs`` row (a run's row is written when it ends; nothing says
"running" forever), their pages carrying their run ids.

Then an incremental run (the site published news since the last run) is killed, or
stopped by SIGTERM, after storing the first list page and its news: the run after it must
still find the news on the second page (``load_known`` in archive/store.py treats what an
unfinished run fetched as unchecked). Last, SIGKILL to the main process alone: the lock is
free, the next crawl completes, and the extraction workers die with it (pipelines/workers.py
gives them PR_SET_PDEATHSIG and a parent watch).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from conftest import FAST, REPO
from mockservers.generated import GeneratedSite, build_routes, serve_generated_site
from warcio.archiveiterator import ArchiveIterator

from parknews.archive.warc import (
    OPEN_SUFFIX,
    WarcError,
    default_warc_dir,
    iter_responses,
    payload_digest,
    read_capture,
)
from parknews.crawler.locks import SiteLock, default_lock_dir

SEED = 20261127  # decides the kill thresholds
ARTICLES = 80
PER_PAGE = 20
BATCH = 6
SETTINGS = [*FAST, "--set", f"ARCHIVE_BATCH_SIZE={BATCH}",
            "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
            "--set", "PARKNEWS_EXTRACT_WORKERS=2",
            "--set", "PARKNEWS_WARC_MAX_BYTES=120000"]  # rotation happens during the crawl
DEADLINE = 40.0  # seconds a single crawl may take on a loaded machine


# -- watching and killing a crawl ------------------------------------------------------


def _progress(db_path: Path) -> tuple[int, int]:
    """(articles, crawl_runs rows) committed so far, read without writing; zeros while the
    file or its tables are being created or the database is busy."""
    if not db_path.exists():
        return 0, 0
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=0.2)) as conn:
            articles = conn.execute("select count(*) from articles").fetchone()[0]
            runs = conn.execute("select count(*) from crawl_runs").fetchone()[0]
            return articles, runs
    except sqlite3.OperationalError:  # no such table yet, database is locked, …
        return 0, 0


def _warc_started(warc_dir: Path) -> bool:
    """A WARC file of the running crawl holds a record beyond its warcinfo."""
    return any(p.stat().st_size > 1500 for p in warc_dir.glob("*" + OPEN_SUFFIX))


def _group_alive(pgid: int) -> list[int]:
    """Processes of a process group that are still running (zombies are dead)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp …
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


def _crawl(command: list[str], db_path: Path, kill_at: int | None,
           sig: int = signal.SIGKILL, on_kill=None) -> dict:
    """Run a crawl; with ``kill_at`` send ``sig`` to its process group once that many
    articles are committed (0: once the first list page is captured, before any article
    is stored), then call ``on_kill``. Returns what was seen: exit status, articles and
    run rows at the kill."""
    warc_dir = default_warc_dir(db_path)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + DEADLINE
    seen = {"killed": False, "articles": 0, "runs": 0}
    try:
        if kill_at is not None:
            while proc.poll() is None and time.monotonic() < deadline:
                articles, runs = _progress(db_path)
                if (articles >= kill_at if kill_at else _warc_started(warc_dir)):
                    os.killpg(proc.pid, sig)
                    seen.update(killed=True, articles=articles, runs=runs)
                    if on_kill is not None:
                        on_kill()
                    break
                time.sleep(0.01)
        _, stderr = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        seen["status"] = proc.returncode
        seen["stderr"] = stderr.decode("utf-8", "replace")[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if seen["killed"]:
        give_up = time.monotonic() + 10
        while _group_alive(proc.pid) and time.monotonic() < give_up:
            time.sleep(0.05)
        assert _group_alive(proc.pid) == [], "processes of the crawl survived its end"
    return seen


# -- checking an archive ---------------------------------------------------------------


def _check_archive(db_path: Path) -> dict[str, dict[str, int]]:
    """Integrity, foreign keys and every row's capture; returns the pointed-to records:
    {file: {offset: length}}."""
    warc_dir = default_warc_dir(db_path)
    with closing(sqlite3.connect(db_path)) as conn:  # opening it recovers the WAL
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = conn.execute(
            "select url, warc_file, warc_offset, warc_length, warc_record_id, warc_digest, 1"
            " from articles union all"
            " select url, warc_file, warc_offset, warc_length, warc_record_id, null, 0"
            " from pages where warc_file is not null").fetchall()
    pointed: dict[str, dict[str, int]] = {}
    for url, file, offset, length, record_id, digest, is_article in rows:
        assert file, f"article without a capture: {url}"
        pointer = {"file": file, "offset": offset, "record_id": record_id}
        status, _, body = read_capture(warc_dir, pointer)  # raises WarcError if damaged
        assert status == 200
        if is_article:
            assert digest == payload_digest(body)
        pointed.setdefault(file, {})[offset] = length
    return pointed


def _check_warcs(db_path: Path, pointed: dict[str, dict[str, int]]) -> list[str]:
    """Every WARC file reads with warcio up to (at least) its last pointed-to record; a
    closed file reads whole with the project's strict reader too. Returns the names of
    the files left ``.open``."""
    warc_dir = default_warc_dir(db_path)
    left_open = []
    files = sorted(warc_dir.iterdir())
    assert files
    names = {p.name.removesuffix(OPEN_SUFFIX) for p in files}
    assert set(pointed) <= names, "a row points to a WARC file that does not exist"
    for path in files:
        name = path.name.removesuffix(OPEN_SUFFIX)
        opened = path.name.endswith(OPEN_SUFFIX)
        if opened:
            left_open.append(name)
            assert not (warc_dir / name).exists()
        offsets = []
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            try:
                for record in records:
                    record.content_stream().read()
                    offsets.append(records.get_record_offset())
            except Exception:  # noqa: BLE001 - only a killed run's .open file may end cut
                assert opened, f"warcio cannot read the closed file {name}"
        assert offsets and offsets[0] == 0, f"{name} does not start with a record"
        last = max(pointed.get(name, {0: 0}))
        assert last in offsets, f"warcio does not reach the record at {last} of {name}"
        assert set(pointed.get(name, {})) <= set(offsets)
        if not opened:
            for _ in iter_responses(path):  # every record whole, the file ends at one
                pass
        else:
            try:
                for _ in iter_responses(path):
                    pass
            except WarcError as exc:  # a cut tail: after everything a row points to
                offset, length = last, pointed.get(name, {0: 0})[last]
                assert exc.offset is not None and exc.offset >= offset + length, exc
    return left_open


def _articles(db_path: Path) -> dict[str, tuple]:
    with closing(sqlite3.connect(db_path)) as conn:
        total, distinct = conn.execute(
            "select count(*), count(distinct url) from articles").fetchone()
        assert total == distinct, "duplicate article rows"
        return {url: rest for url, *rest in conn.execute(
            "select url, title, body, published_at, source from articles")}


def _runs(db_path: Path) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute("select run_id, finish_reason, full_pass, articles_new"
                            " from crawl_runs order by started_at").fetchall()


def _page_run_ids(db_path: Path) -> set[str]:
    with closing(sqlite3.connect(db_path)) as conn:
        return {run for (run,) in conn.execute("select distinct run_id from pages")}


def _command(sites_file: Path, db_path: Path) -> list[str]:
    return [sys.executable, "-m", "parknews.crawler.cli", "crawl", "--sites", str(sites_file),
            "--db", str(db_path), *SETTINGS]


def _kill_points(articles: int) -> list[tuple[str, list[int]]]:
    """Five kill points spread over a crawl, thresholds drawn in bands by a seeded RNG:
    (name, articles committed at each successive kill; 0 = during the list pages)."""
    rng = random.Random(SEED)

    def within(low: float, high: float) -> int:
        return rng.randint(max(1, int(articles * low)), int(articles * high))

    return [
        ("lists", [0]),
        ("early", [within(0.05, 0.25)]),
        ("mid, then the restart killed too", [within(0.4, 0.6), within(0.7, 0.8)]),
        ("late", [within(0.8, 0.95)]),
        ("final flush", [articles]),
    ]


# -- the tests -------------------------------------------------------------------------


def _kill_and_recover(command: list[str], db_path: Path, site_id: str,
                      kills: list[int]) -> dict:
    """Kill the crawl at each threshold in turn (checking the archive after each kill),
    then run it to the end; returns what was seen and the final archive's articles."""
    seen_at_kills = []
    for kill_at in kills:
        seen = _crawl(command, db_path, kill_at)
        seen_at_kills.append(seen)
        if not seen["killed"]:  # it finished before the threshold: only at the last
            assert kill_at == ARTICLES and seen["status"] == 0, seen  # point may it
            break
        assert seen["status"] == -signal.SIGKILL
        # the kill freed the site's lock, and what is stored is sound
        assert SiteLock(default_lock_dir(db_path), site_id).holder() is None
        left_open = _check_warcs(db_path, _check_archive(db_path))
        # at most one open WARC per killed writer (none when the kill came between a
        # rotation and the next capture, or after the final flush closed the file)
        assert len(left_open) <= len(seen_at_kills)
        assert all(run[1] == "finished" for run in _runs(db_path))
    stored_before = len(_articles(db_path))
    runs_before = _runs(db_path)
    killed_run_ids = _page_run_ids(db_path) - {r[0] for r in runs_before}

    final = _crawl(command, db_path, None)  # the same command, to the end
    assert final["status"] == 0, final["stderr"]

    pointed = _check_archive(db_path)
    left_open = _check_warcs(db_path, pointed)
    assert len(left_open) <= sum(s["killed"] for s in seen_at_kills)
    runs = _runs(db_path)
    assert all(run[1] == "finished" for run in runs)  # nothing "running" or stale
    assert runs[:len(runs_before)] == runs_before
    # the run that completed the archive: its row, with what was still missing
    assert len(runs) == len(runs_before) + 1
    last = runs[-1]
    assert last[3] == ARTICLES - stored_before
    if not runs_before:  # no run had finished: a full pass
        assert last[2] == 1
    # a killed run leaves no run row; what it stored carries its run id
    assert not killed_run_ids & {r[0] for r in runs}
    return {"at_kills": [(s["articles"], s["runs"]) for s in seen_at_kills],
            "stored_before": stored_before, "new_in_last_run": last[3],
            "left_open": len(left_open), "articles": _articles(db_path)}


def test_kill_9_at_five_points_then_restart_gives_the_uninterrupted_archive(tmp_path):
    points = _kill_points(ARTICLES)
    assert len(points) == 5
    with serve_generated_site(host="127.0.0.121", articles=ARTICLES, per_page=PER_PAGE,
                              delay=0.01) as site:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(site.sites_toml(), encoding="utf-8")
        reference_db = tmp_path / "reference" / "archive.db"
        dbs = [tmp_path / f"point{n}" / "archive.db" for n in range(len(points))]
        for db_path in [reference_db, *dbs]:
            db_path.parent.mkdir()

        def reference_crawl() -> dict[str, tuple]:
            done = _crawl(_command(sites_file, reference_db), reference_db, None)
            assert done["status"] == 0, done["stderr"]
            _check_warcs(reference_db, _check_archive(reference_db))
            assert [r[1:] for r in _runs(reference_db)] == [("finished", 1, ARTICLES)]
            return _articles(reference_db)

        # each archive on its own: three crawls at a time share the server
        with ThreadPoolExecutor(max_workers=3) as pool:
            reference_job = pool.submit(reference_crawl)
            jobs = [pool.submit(_kill_and_recover, _command(sites_file, db_path), db_path,
                                site.id, kills)
                    for db_path, (_, kills) in zip(dbs, points, strict=True)]
            reference = reference_job.result()
            results = [job.result() for job in jobs]

    assert set(reference) == set(site.article_urls)
    assert all(reference[url][0] == a.title for url, a in site.articles.items())
    for (name, _), result in zip(points, results, strict=True):
        recovered = result.pop("articles")
        assert set(recovered) == set(reference), name  # no article lost, none added
        assert recovered == reference, name  # the same title, body, date, source
    # the points really are spread: nothing stored at the first, all at the last
    stored = [result["stored_before"] for result in results]
    assert stored[0] < BATCH and stored[0] < stored[1] < stored[2] < stored[3] <= ARTICLES
    assert results[4]["at_kills"][0][0] == ARTICLES
    print("\nkill points: (articles, run rows) at each kill, articles before the last run,"
          " new in it, .open files left")
    for (name, kills), result in zip(points, results, strict=True):
        print(f"  {name} (thresholds {kills}): {result}")


class _HeldRoutes(dict):
    """A site's routes whose ``held`` paths are answered only once ``release`` is set,
    with a 404 while ``refuse`` is true."""

    def __init__(self, routes: dict, held: set[str]):
        super().__init__(routes)
        self.held = held
        self.release = threading.Event()
        self.refuse = True

    def get(self, path, default=None):
        if path in self.held:
            self.release.wait(timeout=30)
            if self.refuse:
                return default
        return super().get(path, default)


def _publish(site: GeneratedSite, articles: int, held: int = 0) -> _HeldRoutes:
    """The site now has ``articles`` articles (the newest first on its lists); the pages
    of the ``held`` oldest new ones hang until the routes' ``release`` is set."""
    old = set(site.articles)
    grown = GeneratedSite(site.base_url, *build_routes(site.base_url, articles, PER_PAGE),
                          delay=site.delay)
    new = [a for url, a in grown.articles.items() if url not in old]  # newest first
    routes = _HeldRoutes(grown.routes, {a.path for a in new[len(new) - held:]} if held
                         else set())
    site.etags, site.routes = grown.etags, routes
    site.articles, site.article_urls = grown.articles, grown.article_urls
    return routes


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
def test_an_interrupted_incremental_run_loses_no_new_article(tmp_path, sig):
    """The site published 30 articles since the last run: all 20 of its first list page
    and 10 on the second. The run fetching them is killed (SIGKILL: no run row) or stopped
    (SIGTERM, as ``parknews schedule`` stops a crawl: a ``shutdown`` row) once it has
    stored those of the first page (those of the second hang, then fail): the list page
    is stored with its new ETag and all its links are known. The next run, incremental,
    must neither take that page as unchanged (a 304) nor stop at it as "nothing new
    here"; it must reach the second."""
    before, after = 40, 70
    with serve_generated_site(host="127.0.0.122", articles=before, per_page=PER_PAGE,
                              delay=0.01) as site:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(site.sites_toml(), encoding="utf-8")
        db_path = tmp_path / "archive.db"
        # each row committed at once: the kill comes right after the first page's last
        command = [*_command(sites_file, db_path), "--set", "ARCHIVE_BATCH_SIZE=1"]
        assert _crawl(command, db_path, None)["status"] == 0

        routes = _publish(site, after, held=after - before - PER_PAGE)
        try:
            seen = _crawl(command, db_path, before + PER_PAGE, sig, routes.release.set)
        finally:
            routes.release.set()
        routes.refuse = False
        assert seen["killed"], seen
        if sig == signal.SIGKILL:
            assert seen["status"] == -signal.SIGKILL
        stored = set(_articles(db_path))
        assert stored == set(site.article_urls[:PER_PAGE]) | set(site.article_urls[-before:])
        with closing(sqlite3.connect(db_path)) as conn:  # the first list page, refreshed
            etag, = conn.execute("select etag from pages where url = ?",
                                 [site.start_url]).fetchone()
        assert etag == site.etags[site.start_url.removeprefix(site.base_url)]

        final = _crawl(command, db_path, None)
        assert final["status"] == 0, final["stderr"]
        rows = _articles(db_path)
        assert set(rows) == set(site.article_urls)
        assert all(rows[url][0] == a.title for url, a in site.articles.items())
        _check_warcs(db_path, _check_archive(db_path))
        runs = _runs(db_path)
        assert [r[1] for r in runs] == (["finished", "finished"] if sig == signal.SIGKILL
                                        else ["finished", "shutdown", "finished"])
        assert runs[-1][2] == 0  # incremental: the fix does not cost a full pass
        assert runs[-1][3] == after - len(stored)


def _open_files(pid: int) -> set[str]:
    files = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            files.add(os.readlink(fd))
        except OSError:
            continue
    return files


def test_kill_9_of_the_main_process_only_leaves_the_lock_free(tmp_path):
    """``kill -9 PID`` of the crawl alone (the OOM killer, ``timeout -s KILL``): the site
    lock is free at once and the next crawl completes the archive. Its extraction workers
    must not keep the lock (they close it when forked) and must not outlive it: they get
    SIGKILL when their parent dies (PR_SET_PDEATHSIG), or notice within a second."""
    with serve_generated_site(host="127.0.0.123", articles=30, per_page=PER_PAGE,
                              delay=0.01) as site:
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(site.sites_toml(), encoding="utf-8")
        db_path = tmp_path / "archive.db"
        command = _command(sites_file, db_path)
        lock = SiteLock(default_lock_dir(db_path), site.id)
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        proc = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + DEADLINE
            while _progress(db_path)[0] < BATCH and time.monotonic() < deadline:
                assert proc.poll() is None, "the crawl ended before it could be killed"
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)  # the main process only
            assert proc.wait(timeout=10) == -signal.SIGKILL
            time.sleep(0.5)  # time for workers noticing their parent's death to go
            orphans = {pid: _open_files(pid) for pid in _group_alive(proc.pid)}
            assert all(str(lock.path) not in files for files in orphans.values())
            assert lock.holder() is None
            final = _crawl(command, db_path, None)
            assert final["status"] == 0, final["stderr"]
        finally:
            if _group_alive(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)  # the orphans, if any
    assert set(_articles(db_path)) == set(site.article_urls)
    _check_warcs(db_path, _check_archive(db_path))
    held = sorted({Path(f).name for files in orphans.values() for f in files
                   if f.startswith(str(tmp_path))})
    assert not orphans, (f"{len(orphans)} extraction workers outlived the killed crawl, "
                         f"holding {', '.join(held)}")


def test_what_an_unfinished_run_fetched_counts_as_unchecked(tmp_path):
    """``load_known`` (what an incremental run starts from) on an archive where run r1
    finished, r2 was killed (no row) and r3 was stopped (``shutdown``)."""
    from parknews.archive.store import ArchiveWriter, load_known, open_archive

    db = open_archive(tmp_path / "archive.db")
    writer = ArchiveWriter(db, batch_size=100)
    writer.upsert_sites([{"id": "s", "name": "S", "park": "P", "region": "R",
                          "start_urls": ["http://s/"]}])
    for url, kind, run in [("http://s/l1", "list", "r1"), ("http://s/l2", "list", "r2"),
                           ("http://s/l3", "list", "r3"), ("http://s/a1", "article", "r1"),
                           ("http://s/a2", "article", "r2"), ("http://s/a3", "article", "r3"),
                           ("http://s/a0", "article", None)]:
        writer.add_page({"url": url, "site_id": "s", "kind": kind, "status": 200,
                         "fetched_at": "t", "etag": '"e"', "run_id": run})
        if kind == "article":
            writer.add_article({"url": url, "site_id": "s", "title": url, "body": "正文",
                                "fetched_at": "t", "content_hash": "h", "etag": '"e"'})
    writer.flush()
    # before any run is recorded, the next run is a full pass: stored articles stand
    assert {u for u, k in load_known(db, "s").items() if k["kind"] == "article"} == {
        "http://s/a0", "http://s/a1", "http://s/a2", "http://s/a3"}
    writer.add_run({"run_id": "r1", "site_id": "s", "finish_reason": "finished"})
    writer.add_run({"run_id": "r3", "site_id": "s", "finish_reason": "shutdown"})
    known = load_known(db, "s")
    assert {u: k["etag"] for u, k in known.items() if k["kind"] == "list"} == {
        "http://s/l1": '"e"', "http://s/l2": None, "http://s/l3": None}
    assert {u for u, k in known.items() if k["kind"] == "article"} == {
        "http://s/a0", "http://s/a1"}  # a page with no run id (older archives) stands
    db.close()
