"""Extraction in worker processes loses and duplicates nothing.

The same generated site (served on its own address, 127.0.0.91) is crawled with the
default worker pool and with extraction in the crawl process; both archives must hold
exactly the site's articles, once each, with the same extracted fields.
"""

from __future__ import annotations

import pytest
from conftest import FAST, run_cli
from mockservers.generated import serve_generated_site
from sqlite_utils import Database

ARTICLES = 150
FIELDS = "url, title, published_at, source, body, content_hash"


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("parallel")
    with serve_generated_site(host="127.0.0.91", articles=ARTICLES, per_page=25) as site:
        sites_file = workdir / "sites.toml"
        sites_file.write_text(site.sites_toml(), encoding="utf-8")
        out = {"site": site}
        for workers in ("2", "0"):
            db_path = workdir / f"w{workers}.db"
            result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path),
                             *FAST, "--set", f"PARKNEWS_EXTRACT_WORKERS={workers}",
                             "--set", "PARKNEWS_EXTRACT_PENDING=3", "--set", "LOG_LEVEL=INFO")
            assert result.returncode == 0, result.stderr[-3000:]
            out[workers] = (Database(db_path), result.stderr)
        yield out


def test_workers_store_exactly_the_sites_articles(crawls):
    site = crawls["site"]
    db, log = crawls["2"]
    assert "extraction: 2 worker processes" in log
    urls = [row["url"] for row in db.query("select url from articles")]
    assert len(urls) == len(set(urls)) == ARTICLES
    assert set(urls) == set(site.articles)
    for row in db.query("select url, title, body from articles"):
        expected = site.articles[row["url"]]
        assert row["title"] == expected.title
        assert expected.paragraphs[0] in row["body"]


def test_workers_extract_what_the_crawl_process_extracts(crawls):
    with_workers, log = crawls["2"]
    in_process, log0 = crawls["0"]
    assert "worker processes" not in log0
    rows = {r["url"]: r for r in with_workers.query(f"select {FIELDS} from articles")}
    assert rows == {r["url"]: r for r in in_process.query(f"select {FIELDS} from articles")}
