"""A plain `parknews crawl` holds each site's lock (the one scheduled and cron runs take)
while it crawls the site: a site whose lock another process holds is skipped with a
message naming it and the holder's pid, nothing of it is fetched, the other sites are
crawled, and the exit status is 75 (EX_TEMPFAIL). `--lock-dir` and `--no-lock` work, and
a scheduled run (`crawl-locked`) is refused while a crawl by hand holds the site.

The TRS and DedeCMS mock sites are served on their own addresses (127.0.0.81/82).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from conftest import FAST, REPO, run_cli
from sqlite_utils import Database

from parknews.crawler.locks import LOCKED_EXIT, SiteLock
from parknews.crawler.mocksites import serve_mock_sites, sites_toml

HOSTS = {"trs": "127.0.0.81", "dede": "127.0.0.82"}
ENV = dict(os.environ, PYTHONWARNINGS="ignore")


@pytest.fixture(scope="module")
def mock():
    with serve_mock_sites(ids=list(HOSTS), hosts=HOSTS) as running:
        yield {site.id: site for site in running}


@pytest.fixture
def sites_file(mock, tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(sites_toml(list(mock.values())), encoding="utf-8")
    for site in mock.values():
        site.clear_requests()
    return path


def _crawled(db_path) -> dict[str, int]:
    """Articles stored per site, for the sites that have a crawl_runs row."""
    db = Database(db_path)
    if "crawl_runs" not in db.table_names():
        return {}
    runs = {row[0] for row in db.execute("select site_id from crawl_runs")}
    return {site_id: db["articles"].count_where("site_id = ?", [site_id]) for site_id in runs}


def test_a_locked_site_is_skipped_and_the_others_are_crawled(mock, sites_file, tmp_path):
    db = tmp_path / "archive.db"
    lock_dir = tmp_path / "archive-locks"  # the default beside archive.db, as `schedule`'s
    held = SiteLock(lock_dir, "trs")
    assert held.acquire()
    try:
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db), *FAST)
    finally:
        held.release()
    assert result.returncode == LOCKED_EXIT, result.stderr[-2000:]
    assert (f"parknews: site trs: another crawl of it is running (pid {os.getpid()} since "
            in result.stderr)
    assert f"lock {lock_dir / 'trs.lock'}): skipped" in result.stderr
    assert "skipped, being crawled by another process: trs" in result.stdout
    assert mock["trs"].requests() == []  # not even robots.txt
    assert mock["dede"].requests()
    assert _crawled(db) == {"dede": len(mock["dede"].articles)}
    # the crawl held dede's lock, wrote itself into it, and let it go
    dede = SiteLock(lock_dir, "dede")
    info = dede.read_info()
    assert info["pid"] not in (None, os.getpid()) and " crawl " in f" {info['command']} "
    assert dede.holder() is None

    # the lock released: the next crawl takes trs too
    again = run_cli("crawl", "--sites", str(sites_file), "--db", str(db), "--site", "trs",
                    *FAST)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "another crawl of it is running" not in again.stderr
    assert mock["trs"].requests()
    assert _crawled(db) == {"dede": len(mock["dede"].articles),
                            "trs": len(mock["trs"].articles)}
    assert SiteLock(lock_dir, "trs").holder() is None


def test_lock_dir_and_no_lock(mock, sites_file, tmp_path):
    db = tmp_path / "archive.db"
    elsewhere = tmp_path / "shared-locks"
    held = SiteLock(elsewhere, "trs")
    assert held.acquire()
    try:
        started = time.monotonic()
        refused = run_cli("crawl", "--sites", str(sites_file), "--db", str(db), "--site",
                          "trs", "--lock-dir", str(elsewhere), *FAST)
        took = time.monotonic() - started
        assert refused.returncode == LOCKED_EXIT, refused.stderr[-2000:]
        assert f"site trs: another crawl of it is running (pid {os.getpid()}" in refused.stderr
        assert "nothing crawled: every site is being crawled by another process" in (
            refused.stderr)
        assert took < 20  # refused before any crawl started
        assert mock["trs"].requests() == [] and _crawled(db) == {}
        assert not (tmp_path / "archive-locks").exists()  # the default dir was not used

        forced = run_cli("crawl", "--sites", str(sites_file), "--db", str(db), "--site",
                         "trs", "--lock-dir", str(elsewhere), "--no-lock", *FAST)
        assert forced.returncode == 0, forced.stderr[-2000:]
        assert mock["trs"].requests()
        assert _crawled(db) == {"trs": len(mock["trs"].articles)}
        assert held.read_info()["pid"] == os.getpid()  # --no-lock did not touch the lock
    finally:
        held.release()


def test_a_scheduled_run_is_refused_while_a_crawl_by_hand_holds_the_site(mock, sites_file,
                                                                          tmp_path):
    db = tmp_path / "archive.db"
    lock = SiteLock(tmp_path / "archive-locks", "dede")
    by_hand = subprocess.Popen(  # slowed down to be still going when the scheduled run comes
        [sys.executable, "-m", "parknews.crawler.cli", "crawl", "--sites", str(sites_file), "--db",
         str(db), "--site", "dede", *FAST, "--set", "DOWNLOAD_DELAY=0.3",
         "--set", "RANDOMIZE_DOWNLOAD_DELAY=False"],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while (lock.holder() or {}).get("pid") != by_hand.pid:
            assert time.monotonic() < deadline and by_hand.poll() is None, "lock never taken"
            time.sleep(0.05)
        scheduled = subprocess.run(
            [sys.executable, "-m", "parknews.crawler.cli", "crawl-locked", "--sites",
             str(sites_file), "--db", str(db), "--site", "dede", *FAST],
            cwd=REPO, env=ENV, capture_output=True, text=True, timeout=60)
        assert by_hand.poll() is None, "the crawl by hand ended too soon for this test"
        out, err = by_hand.communicate(timeout=120)
    finally:
        if by_hand.poll() is None:
            by_hand.kill()
            by_hand.communicate()
    assert scheduled.returncode == LOCKED_EXIT, scheduled.stderr[-2000:]
    assert f"site dede: previous run still going (pid {by_hand.pid} since" in scheduled.stderr
    assert by_hand.returncode == 0, err[-2000:]
    db_rows = Database(db)["crawl_runs"].count_where("site_id = 'dede'")
    assert db_rows == 1  # the refused run wrote nothing
    assert lock.holder() is None
