"""A crawl killed with SIGKILL midway leaves an intact archive, and the next run finishes
the work: no lost article, no duplicate row.

The crawl really is killed: ``parknews crawl`` runs in its own process against a generated
site slowed down to one request at a time with a small delay per answer; once the archive
holds some articles (its batched transactions are committing), the process gets SIGKILL.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from conftest import FAST, REPO, run_cli
from mockservers.generated import serve_generated_site

ARTICLES = 60
KILL_AFTER = 12  # articles stored before the kill
SLOW = ["--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "--set", "ARCHIVE_BATCH_SIZE=6"]


def _stored_articles(db_path: Path) -> int:
    """Articles committed so far, read without writing; 0 while the file or its tables
    are still being created or the database is busy."""
    if not db_path.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=0.5)) as conn:
            return conn.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.OperationalError:  # no such table yet, database is locked, …
        return 0


def _kill_midway(command: list[str], db_path: Path, deadline: float) -> tuple[int, int]:
    """Start the crawl, SIGKILL it once KILL_AFTER articles are stored; return (its exit
    status, articles stored when it was killed)."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            stored = _stored_articles(db_path)
            if stored >= KILL_AFTER:
                break
            time.sleep(0.02)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        return proc.wait(timeout=10), stored
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_crawl_killed_midway_is_finished_by_the_next_run(tmp_path):
    db_path = tmp_path / "archive.db"
    sites_file = tmp_path / "sites.toml"
    with serve_generated_site(host="127.0.0.42", articles=ARTICLES, per_page=20,
                              delay=0.05) as site:
        sites_file.write_text(site.sites_toml(), encoding="utf-8")
        command = [sys.executable, "-m", "parknews.crawler.cli", "crawl", "--sites",
                   str(sites_file), "--db", str(db_path), *FAST, *SLOW]
        status, stored = _kill_midway(command, db_path, time.monotonic() + 15)
        assert status == -signal.SIGKILL, "the crawl ended before it could be killed"
        assert KILL_AFTER <= stored < ARTICLES

        with closing(sqlite3.connect(db_path)) as conn:  # opening it recovers the WAL
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            runs = conn.execute("select count(*) from crawl_runs").fetchone()[0]
            kept = {url for (url,) in conn.execute("select url from articles")}
        assert runs == 0  # an interrupted run leaves no crawl_runs row
        assert KILL_AFTER <= len(kept) < ARTICLES

        site.delay = 0
        site.clear_requests()
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path), *FAST,
                         timeout=60)
        assert result.returncode == 0, result.stderr[-3000:]
        fetched = {r.url for r in site.requests("GET") if r.url in site.articles}

    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        total, distinct = conn.execute(
            "select count(*), count(distinct url) from articles").fetchone()
        rows = dict(conn.execute("select url, title from articles"))
        runs = conn.execute("select full_pass, finish_reason, articles_new from crawl_runs"
                            " where site_id = 'generated'").fetchall()
    assert (total, distinct) == (ARTICLES, ARTICLES)
    assert set(rows) == set(site.article_urls)
    assert all(rows[url] == article.title for url, article in site.articles.items())
    # the second run (a full pass: the first left no run row) fetched what was missing only
    assert runs == [(1, "finished", ARTICLES - len(kept))]
    assert fetched == set(site.article_urls) - kept
