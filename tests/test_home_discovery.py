"""A site from its home page (issue 19): the crawl finds the news columns of each mock
site's home page (更多 links, menus, a menu written by a script), stores exactly the
articles of those columns, and fetches no page of a column it must skip."""

from __future__ import annotations

import json

import pytest
from conftest import FAST, run_cli
from sqlite_utils import Database

from parknews.crawler.mocksites import sites_toml

MOCK_IDS = ["trs", "dede", "destoon", "hanweb", "province", "wordpress", "asp"]
HOME_REQUESTS: dict[str, list[str]] = {}


@pytest.fixture(scope="module")
def home_crawl(mock_sites, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("home")
    sites_file = workdir / "sites.toml"
    sites_file.write_text(sites_toml(list(mock_sites.values()), start="home"),
                          encoding="utf-8")
    db_path = workdir / "archive.db"
    for site in mock_sites.values():
        site.clear_requests()
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path), *FAST)
    HOME_REQUESTS.clear()
    HOME_REQUESTS.update({site.id: site.requested_urls() for site in mock_sites.values()})
    return result, Database(db_path)


def test_the_home_crawl_succeeds(home_crawl):
    result, _ = home_crawl
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_exactly_the_news_columns_articles_are_stored(home_crawl, mock_sites, site_id):
    _, db = home_crawl
    stored = {row["url"] for row in db["articles"].rows_where("site_id = ?", [site_id])}
    assert stored == set(mock_sites[site_id].home_articles)


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_no_page_of_a_skipped_column_is_fetched(home_crawl, mock_sites, site_id):
    skipped = set(mock_sites[site_id].skipped_urls)
    assert not skipped & set(HOME_REQUESTS[site_id])


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_every_news_column_is_read_as_a_list(home_crawl, mock_sites, site_id):
    _, db = home_crawl
    site = mock_sites[site_id]
    lists = {r["url"] for r in db["pages"].rows_where("site_id = ? and kind = 'list'",
                                                      [site_id])}
    for name, urls in site.column_lists.items():
        assert set(urls) <= lists, name
    hubs = [r["url"] for r in db["pages"].rows_where("site_id = ? and kind = 'hub'",
                                                     [site_id])]
    assert site.home_url in hubs


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_non_article_fetches_stay_within_twice_the_list_pages(home_crawl, mock_sites,
                                                              site_id):
    site = mock_sites[site_id]
    articles = set(site.home_articles) | {
        u for parts in site.continuation_urls.values() for u in parts}
    lists = {u for urls in site.column_lists.values() for u in urls} | set(site.list_urls)
    other = [u for u in set(HOME_REQUESTS[site_id])
             if u not in articles and u not in lists and not u.endswith("/robots.txt")
             and u not in site.non_html_urls]
    assert len(other) <= 2 * len(lists), sorted(other)


def test_a_column_gone_from_the_home_page_is_reported_by_health(mock_sites, tmp_path):
    site = mock_sites["trs"]
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites_toml([site], start="home"), encoding="utf-8")
    db = tmp_path / "archive.db"
    crawl = ("crawl", "--sites", str(sites_file), "--db", str(db), *FAST)
    for _ in range(2):
        assert run_cli(*crawl).returncode == 0
    status, headers, body = site.route(site.home_url)
    text = body.decode("utf-8")
    start = text.index('<ul class="quick-menu">')  # 通知公告: linked from here only
    end = text.index("</ul>", start) + len("</ul>")
    site.set_route(site.home_url, (status, headers, (text[:start] + text[end:]).encode()))
    try:
        assert run_cli(*crawl).returncode == 0
    finally:
        site.set_route(site.home_url, (status, headers, body))
    report = run_cli("health", "--db", str(db), "--json", "--no-alert")
    (row,) = [json.loads(line) for line in report.stdout.splitlines() if line.strip()]
    assert row["status"] == "unhealthy"
    (problem,) = [p for p in row["problems"] if p["rule"] == "columns_changed"]
    assert problem["message"].startswith("column 通知公告 (")
    assert "is no longer linked from the hub page" in problem["message"]


def test_an_article_as_start_url_leads_to_its_column(mock_sites, tmp_path):
    """One article named by a person: it is stored, and the column it sits in (its
    breadcrumb's list) is crawled with its pagers."""
    site = mock_sites["trs"]
    article = sorted(site.articles)[0]
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text('[[sites]]\nid = "trs"\nname = "云溪"\n'
                          f'start_urls = ["{article}"]\n', encoding="utf-8")
    db_path = tmp_path / "archive.db"
    site.clear_requests()
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path), *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    db = Database(db_path)
    stored = {row["url"] for row in db["articles"].rows}
    assert stored == set(site.articles)  # the main column, every page of it
    lists = {r["url"] for r in db["pages"].rows_where("kind = 'list'")}
    assert lists == set(site.list_urls)
    requested = site.requested_urls()
    assert requested.count(article) == 1  # read once, as the start page
