"""An archive that refuses a write (disk full, a lock held past the busy timeout, no file
left to open): the crawl stops at once instead of fetching pages it cannot keep, its runs
say why, the command exits with an error, and the next run stores what was lost."""

from __future__ import annotations

from conftest import run_cli
from mockservers.scale import serve_scale_sites
from sqlite_utils import Database

from parknews.archive.store import open_archive

ARTICLES = 30
REFUSE_AFTER = 8  # pages rows; the archive refuses writes past them

REFUSE = f"""create trigger refuse_writes after insert on pages
             when (select count(*) from pages) > {REFUSE_AFTER}
             begin select raise(abort, 'database or disk is full (a test)'); end"""


def test_a_refused_write_stops_the_crawl_and_fails_the_command(tmp_path):
    db_path = tmp_path / "refusing.db"
    open_archive(db_path).conn.execute(REFUSE)
    with serve_scale_sites(1, articles=ARTICLES, per_page=5, first=6300) as (sites, server):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(sites[0].toml(), encoding="utf-8")
        crawl = ["crawl", "--sites", str(sites_file), "--db", str(db_path), "--no-lock",
                 "--set", "DOWNLOAD_DELAY=0.05", "--set", "AUTOTHROTTLE_ENABLED=False",
                 "--set", "ARCHIVE_BATCH_SIZE=4", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
        refused = run_cli(*crawl, timeout=300)
        fetched_while_refused = len(server.hits)
        assert refused.returncode == 1, refused.stderr[-3000:]
        assert "the archive could not be written" in refused.stderr
        assert "database or disk is full (a test)" in refused.stderr
        assert "archive_write_failed" in refused.stdout  # the site's summary line
        # stopped at once: far from the site's 30 articles, lists and probes
        assert fetched_while_refused < ARTICLES, fetched_while_refused
        db = Database(db_path)
        assert [row["finish_reason"] for row in db.query(
            "select finish_reason from crawl_runs")] == ["archive_write_failed"]

        db.execute("drop trigger refuse_writes")  # the disk has room again
        db.conn.commit()
        db.close()
        again = run_cli(*crawl, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
    stored = Database(db_path)["articles"].count
    assert stored == ARTICLES  # what the refused run lost was fetched again
