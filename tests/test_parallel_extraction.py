"""Extraction and list reading in worker processes lose and duplicate nothing.

The same generated site (served on its own address, 127.0.0.91) is crawled with the
default worker pool and with extraction in the crawl process; both archives must hold
exactly the site's articles, once each, with the same extracted fields, and the same
pages (its list pages read in the workers, or in the crawl process). A third crawl's
workers fail at every list page: each is read in the crawl process instead.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys

import pytest
from conftest import FAST, REPO, run_cli
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
        for workers in ("2", "0", "broken"):
            db_path = workdir / f"w{workers}.db"
            args = ("crawl", "--sites", str(sites_file), "--db", str(db_path), *FAST,
                    "--set", f"PARKNEWS_EXTRACT_WORKERS={2 if workers == 'broken' else workers}",
                    "--set", "PARKNEWS_EXTRACT_PENDING=3", "--set", "LOG_LEVEL=INFO")
            result = run_broken_reading(*args) if workers == "broken" else run_cli(*args)
            assert result.returncode == 0, result.stderr[-3000:]
            out[workers] = (Database(db_path), result.stderr)
        yield out


# parknews crawl, with the list reading a worker does failing (in the worker process:
# the function is pickled by name, and the forked worker has the same __main__)
BROKEN_READING = """
import sys
from parknews.crawler import listreading

def read_list_page(*args, **kwargs):
    raise RuntimeError("list reading broke")

listreading.read_list_page = read_list_page
sys.argv = ["parknews", *sys.argv[1:]]
from parknews.crawler.cli import main
main()
"""


def run_broken_reading(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-c", BROKEN_READING, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)


def stat(log: str, key: str) -> int | None:
    """A count in the crawl's stats as Scrapy logs them at the end."""
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match.group(1)) if match else None


PAGES = "select url, kind, status, error from pages order by url"


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


def test_list_pages_are_read_in_the_workers_with_the_same_outcome(crawls):
    with_workers, log = crawls["2"]
    in_process, log0 = crawls["0"]
    lists = with_workers.execute(
        "select count(*) from pages where kind in ('list', 'hub')").fetchone()[0]
    assert lists > 1
    assert stat(log, "discovery/lists_read_in_workers") == lists
    assert stat(log, "discovery/list_reading_failed") is None
    assert stat(log0, "discovery/lists_read_in_workers") is None
    assert list(with_workers.query(PAGES)) == list(in_process.query(PAGES))


def test_a_worker_failing_to_read_a_list_page_leaves_it_to_the_crawl_process(crawls):
    broken, log = crawls["broken"]
    in_process, _ = crawls["0"]
    assert "list reading broke" in log and "read in the crawl process" in log
    lists = broken.execute(
        "select count(*) from pages where kind in ('list', 'hub')").fetchone()[0]
    assert stat(log, "discovery/list_reading_failed") == lists
    assert stat(log, "discovery/lists_read_in_workers") is None
    assert list(broken.query(PAGES)) == list(in_process.query(PAGES))
    urls = {row["url"] for row in broken.query("select url from articles")}
    assert urls == set(crawls["site"].articles)


def test_a_pool_shut_down_leaves_the_reading_to_the_crawl_process():
    """The spider only borrows the pipeline's pool: one already shut down (its last
    user gone) is not used, and the list page is read in the crawl process."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from parknews.crawler.sites import parse_sites
    from parknews.crawler.spiders.park import ParkSpider
    from parknews.pipelines.workers import ExtractionPool

    url = "http://www.yx.gov.cn/xwzx/"
    (site,) = parse_sites(f'[[sites]]\nid="yx"\nname="yx"\nstart_urls=["{url}"]\n')
    crawler = get_crawler(ParkSpider, {"ARCHIVE_DB": "", "PARKNEWS_WARC_ENABLED": False})
    spider = ParkSpider.from_crawler(crawler, site=site)
    spider.crawler.stats.open_spider()
    items = "".join(f"<li><a href='/xwzx/202405/t20240508_{n}.html'>园区新闻第{n}条</a>"
                    f"<span>2024-05-0{n}</span></li>" for n in range(1, 6))
    body = f"<html><body><ul>{items}</ul></body></html>".encode()

    def response():
        request = Request(url, meta={"kind": "list", "role": "start", "list_start": url})
        return HtmlResponse(url, body=body, encoding="utf-8", request=request)

    async def collect(output):
        return [obj async for obj in output]

    pool = ExtractionPool(1)
    pool.executor.shutdown(wait=True)
    ExtractionPool._shared = pool
    try:
        out = asyncio.run(collect(spider.parse_list(response())))
    finally:
        ExtractionPool._shared = None
    assert spider.crawler.stats.get_value("discovery/list_reading_failed") == 1
    here = list(spider.parse_list_here(response()))
    assert [getattr(o, "url", None) for o in out] == [getattr(o, "url", None) for o in here]
    assert len([o for o in out if isinstance(o, Request)]) == 5
