"""End to end: crawl the mock park sites into an archive through the CLI, then read the db."""

from __future__ import annotations

import http.server
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FAST, char_f1, closed_port, run_cli, serve_handler
from sqlite_utils import Database

from parknews.crawler import discovery
from parknews.crawler.mocksites import sites_toml

# A small site of bad pages, served beside the mock park sites: an empty 200, a PDF and an
# image behind article-shaped URLs, and a list page linking to them.
BAD_PAGES = {
    "/news/list.html": ("text/html; charset=utf-8", (
        '<html><body><ul>'
        '<li><a href="/a/news/20240101/1.html">空白页面的一篇文章标题</a> 2024-01-01</li>'
        '<li><a href="/a/news/20240102/2.html">其实是PDF文件的文章标题</a> 2024-01-02</li>'
        '<li><a href="/a/news/20240103/3.html">其实是图片文件的文章标题</a> 2024-01-03</li>'
        '</ul></body></html>').encode()),
    "/a/news/20240101/1.html": ("text/html", b""),
    "/a/news/20240102/2.html": ("application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
    "/a/news/20240103/3.html": ("image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
}
# Article links that never give a page: a redirect loop and a server error.
BAD_STATUS = {
    "/a/news/20240104/4.html": (302, "/a/news/20240104/5.html"),
    "/a/news/20240104/5.html": (302, "/a/news/20240104/4.html"),
    "/a/news/20240105/6.html": (500, None),
}
BAD_PAGES["/news/list.html"] = (BAD_PAGES["/news/list.html"][0], BAD_PAGES["/news/list.html"][1]
                                .replace(b"</ul>", (
    '<li><a href="/a/news/20240104/4.html">转来转去的一篇文章标题</a> 2024-01-04</li>'
    '<li><a href="/a/news/20240105/6.html">服务器出错的一篇文章标题</a> 2024-01-05</li>'
    "</ul>").encode()))



def _js_list(page: int) -> bytes:
    item = (f'<li><a href="./202405/t2024050{page}_{page}.html">'
            f"经开区第{page}批项目集中开工仪式举行</a><span>2024-05-0{page}</span></li>")
    script = f'<script>createPageHTML(3, {page}, "index", "html");</script>'
    return f"<html><body><ul>{item}</ul>{script}</body></html>".encode()


def _js_article(page: int) -> bytes:
    paragraphs = "".join(
        f"<p>第{page}批项目第{n}段：园区集中开工重点项目，涉及新材料、智能装备和生物医药等领域，"
        f"总投资{page * 10 + n}亿元。</p>" for n in range(3))
    return (f'<html><head><meta charset="utf-8"></head><body><h1>经开区第{page}批项目集中开工</h1>'
            f'<div class="info">发布时间：2024-05-0{page} 来源：经开区</div>'
            f'<div class="TRS_Editor">{paragraphs}</div></body></html>').encode()


# A TRS column whose pager exists only as a createPageHTML() call (no <a> to page 2).
for _page in range(3):
    _name = "index.html" if _page == 0 else f"index_{_page}.html"
    BAD_PAGES[f"/js/{_name}"] = ("text/html; charset=utf-8", _js_list(_page + 1))
    BAD_PAGES[f"/js/202405/t2024050{_page + 1}_{_page + 1}.html"] = (
        "text/html; charset=utf-8", _js_article(_page + 1))


def _article(title: str, date: str, paragraphs: list[str], extra: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="title"><h2>{title}</h2></div><div class="info">时间：{date} '
            f'来源：青梧科技园</div><div class="content">{body}</div>{extra}'
            f"</body></html>").encode()


# A DedeCMS-style article on two pages (pagelist links, no script): one row expected.
DEDE_PAGE_1 = [f"青梧科技园二期工程第{n}段：厂房主体结构封顶，园区配套道路同步施工，"
               f"预计年内交付使用，可容纳企业{n * 10}家。" for n in range(1, 4)]
DEDE_PAGE_2 = [f"青梧科技园二期工程续第{n}段：园区同步建设人才公寓和食堂，"
               f"总建筑面积{n * 3}万平方米，配套服务一步到位。" for n in range(1, 4)]
_PAGER = ('<div class="dede_pages"><ul class="pagelist"><li><a>共2页:</a></li>'
          '<li><a href="77.html">1</a></li><li><a href="77_2.html">2</a></li>'
          '<li><a href="77_2.html">下一页</a></li></ul></div>')
BAD_PAGES["/a/news/20240110/77.html"] = ("text/html; charset=utf-8", _article(
    "青梧科技园二期工程主体封顶", "2024-01-10", DEDE_PAGE_1, _PAGER))
BAD_PAGES["/a/news/20240110/77_2.html"] = ("text/html; charset=utf-8", _article(
    "青梧科技园二期工程主体封顶", "2024-01-10", DEDE_PAGE_2, _PAGER))
BAD_PAGES["/news/list.html"] = (BAD_PAGES["/news/list.html"][0], BAD_PAGES["/news/list.html"][1]
                                .replace(b"</ul>", (
    '<li><a href="/a/news/20240110/77.html">青梧科技园二期工程主体封顶</a> 2024-01-10</li>'
    "</ul>").encode()))

# A site whose URL shapes no rule knows, crawled with sites.toml overrides:
# article_patterns, list_patterns and max_depth = 2 (item 4 is three links deep).
ODD_ITEMS = {1: "/odd/list.htm", 2: "/odd/list.htm", 3: "/odd/list.htm?from=2",
             4: "/odd/list.htm?from=3"}
for _no, _list in ODD_ITEMS.items():
    BAD_PAGES[f"/odd/item?no={_no}"] = ("text/html; charset=utf-8", _article(
        f"青梧园区第{_no}号通知的标题", f"2024-02-0{_no}",
        [f"第{_no}号通知正文：园区将于本月组织企业安全生产检查，请各企业做好自查工作。"] * 2))
for _list, _next in (("/odd/list.htm", "list.htm?from=2"),
                     ("/odd/list.htm?from=2", "list.htm?from=3"), ("/odd/list.htm?from=3", "")):
    _links = "".join(f'<p><a href="item?no={no}">第{no}号</a></p>'
                     for no, where in ODD_ITEMS.items() if where == _list)
    if _list == "/odd/list.htm":  # the same item again behind a session id
        _links += '<p><a href="item;jsessionid=9F8E7D?no=2">第2号</a></p>'
    _more = f'<a href="{_next}">续</a>' if _next else ""
    BAD_PAGES[_list] = ("text/html; charset=utf-8",
                        f"<html><body>{_links}{_more}</body></html>".encode())


ENDLESS_FETCHED: list[int] = []  # page numbers of the endless pager that were asked for
MAX_LIST_PAGES = 6  # PARKNEWS_MAX_LIST_PAGES for the crawl below


class BadHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path.startswith("/endless/list?page="):  # a pager that never ends
            number = int(self.path.rsplit("=", 1)[1])
            ENDLESS_FETCHED.append(number)
            body = (f'<html><body><p>第{number}页</p><a href="list?page={number + 1}">下一页</a>'
                    f"</body></html>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path in BAD_STATUS:
            status, location = BAD_STATUS[self.path]
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path not in BAD_PAGES:
            self.send_error(404)
            return
        ctype, body = BAD_PAGES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def bad_site():
    with serve_handler("127.0.0.21", BadHandler) as server:
        yield f"http://127.0.0.21:{server.server_address[1]}"


@pytest.fixture(scope="module")
def crawl(mock_sites, bad_site, tmp_path_factory):
    """One crawl of all mock sites, plus a refused host and the bad-pages site."""
    workdir = tmp_path_factory.mktemp("crawl")
    extra = (
        f'\n[[sites]]\nid = "down"\nname = "关停的站点"\n'
        f'start_urls = ["http://127.0.0.1:{closed_port()}/xwzx/index.html"]\n'
        f'\n[[sites]]\nid = "bad"\nname = "坏页面"\nstart_urls = ["{bad_site}/news/list.html"]\n'
        f'\n[[sites]]\nid = "js"\nname = "脚本翻页"\nstart_urls = ["{bad_site}/js/index.html"]\n'
        f'\n[[sites]]\nid = "odd"\nname = "怪网址"\nstart_urls = ["{bad_site}/odd/list.htm"]\n'
        'article_patterns = ["/odd/item\\\\?no=\\\\d+$"]\n'
        'list_patterns = ["/odd/list\\\\.htm\\\\?from=\\\\d+$"]\nmax_depth = 2\n'
        f'\n[[sites]]\nid = "endless"\nname = "无尽翻页"\n'
        f'start_urls = ["{bad_site}/endless/list?page=1"]\n'
    )
    sites_file = workdir / "sites.toml"
    sites_file.write_text(sites_toml(list(mock_sites.values())) + extra, encoding="utf-8")
    db_path = workdir / "archive.db"
    for site in mock_sites.values():
        site.clear_requests()
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path), *FAST,
                     "--set", f"PARKNEWS_MAX_LIST_PAGES={MAX_LIST_PAGES}")
    CRAWL_REQUESTS.clear()
    CRAWL_REQUESTS.update({site.id: list(site.request_log) for site in mock_sites.values()})
    return result, Database(db_path), sites_file, db_path


# What each mock server was asked during the crawl above (its request log).
CRAWL_REQUESTS: dict = {}
MOCK_IDS = ["trs", "dede", "destoon", "hanweb", "province", "wordpress", "asp"]


def test_crawl_finishes_every_site_despite_failures(crawl):
    result, db, _, _ = crawl
    assert result.returncode == 0, result.stderr[-3000:]
    extra = ("down", "bad", "js", "odd", "endless")
    for site_id in (*MOCK_IDS, *extra):
        assert site_id in result.stdout  # each site has its line in the summary
    assert {row["id"] for row in db["sites"].rows} == {*MOCK_IDS, *extra}


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_exact_article_urls_per_site(crawl, mock_sites, site_id):
    _, db, _, _ = crawl
    stored = {row["url"] for row in db["articles"].rows_where("site_id = ?", [site_id])}
    assert stored == set(mock_sites[site_id].articles)


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_articles_are_clean_with_metadata(crawl, mock_sites, site_id):
    _, db, _, _ = crawl
    for url, expected in mock_sites[site_id].articles.items():
        row = db["articles"].get(url)
        assert row["title"] == expected.title, url
        assert row["published_at"][:10] == expected.published_at[:10], url
        assert row["source"] == expected.source, url
        assert char_f1(row["body"], expected.body) >= 0.97, (url, row["body"])
        for marker in expected.must_not_contain:
            assert marker not in row["body"], (url, marker)
        assert row["content_hash"] and row["fetched_at"] and row["first_seen_at"]


def test_list_pages_and_attachments_are_recorded(crawl, mock_sites):
    _, db, _, _ = crawl
    for site in mock_sites.values():
        lists = {r["url"] for r in db["pages"].rows_where("site_id = ? and kind = 'list'",
                                                          [site.id])}
        assert lists == set(site.list_urls)
        for url in site.non_html_urls:
            page = db["pages"].get(url)
            assert page["kind"] == "attachment" and "html" not in page["content_type"]
            assert not db["articles"].count_where("url = ?", [url])


def test_refused_host_is_recorded(crawl):
    _, db, _, _ = crawl
    (page,) = list(db["pages"].rows_where("site_id = 'down'"))
    assert page["kind"] == "list" and page["status"] is None
    assert "refused" in page["error"].lower()


def test_empty_and_non_html_pages_are_recorded_not_stored(crawl, bad_site):
    _, db, _, _ = crawl
    errors = {r["url"].removeprefix(bad_site): r["error"]
              for r in db["pages"].rows_where("site_id = 'bad' and kind = 'article' and "
                                              "error is not null")}
    assert errors == {
        "/a/news/20240101/1.html": "empty page",
        "/a/news/20240102/2.html": "not HTML (application/pdf)",
        "/a/news/20240103/3.html": "not HTML (image/png)",
        "/a/news/20240104/4.html": ("RedirectLoopError: redirect loop: "
                                    f"{bad_site}/a/news/20240104/4.html -> "
                                    f"{bad_site}/a/news/20240104/5.html -> "
                                    f"{bad_site}/a/news/20240104/4.html"),
        "/a/news/20240105/6.html": "HTTP 500",
    }
    assert db["articles"].count_where("site_id = 'bad'") == 1  # only the two-page article


def test_second_crawl_updates_in_place(crawl, mock_sites):
    _, db, sites_file, db_path = crawl
    before = {r["url"]: r["first_seen_at"] for r in db["articles"].rows}
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path),
                     "--site", "dede", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    after = {r["url"]: r["first_seen_at"] for r in Database(db_path)["articles"].rows}
    assert after == before  # same rows, first_seen_at kept
    assert Path(db_path).exists()


def test_scrapy_commands_work_from_the_repo_root(mock_sites, tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO

    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites_toml([mock_sites["trs"]]), encoding="utf-8")
    db_path = tmp_path / "scrapy.db"
    scrapy = [sys.executable, "-m", "scrapy"]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    listed = subprocess.run([*scrapy, "list"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=60)
    assert listed.stdout.split() == ["park"]
    settings = ["-s", f"SITES_FILE={sites_file}", "-s", f"ARCHIVE_DB={db_path}",
                "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    result = subprocess.run([*scrapy, "crawl", "park", "-a", "site=trs", *settings],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    stored = {row["url"] for row in Database(db_path)["articles"].rows}
    assert stored == set(mock_sites["trs"].articles)


def test_script_only_pager_is_followed(crawl, bad_site):
    _, db, _, _ = crawl
    rows = db["pages"].rows_where("site_id = 'js' and kind = 'list'")
    lists = {r["url"].removeprefix(bad_site) for r in rows}
    assert lists == {"/js/index.html", "/js/index_1.html", "/js/index_2.html"}
    titles = {r["title"] for r in db["articles"].rows_where("site_id = 'js'")}
    assert titles == {f"经开区第{n}批项目集中开工" for n in (1, 2, 3)}


def _fetched(site_id: str) -> list[str]:
    return [r.url for r in CRAWL_REQUESTS[site_id]]


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_no_url_that_robots_txt_disallows_is_fetched(crawl, mock_sites, site_id):
    site = mock_sites[site_id]
    fetched = [urlsplit(u).path for u in _fetched(site_id)]
    for prefix in site.robots_disallow:
        assert not [p for p in fetched if p.startswith(prefix)], prefix
    assert not set(site.disallowed_urls) & set(_fetched(site_id))


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_robots_txt_is_fetched_once_a_host(crawl, site_id):
    """The rules and the spider's look for Sitemap: lines share one fetch (the middleware
    answers the spider's request with it); the sitemap it names is still read (below)."""
    robots = [u for u in _fetched(site_id) if urlsplit(u).path == "/robots.txt"]
    hosts = {urlsplit(u).netloc for u in _fetched(site_id)}
    assert robots and len(robots) == len(set(robots)) <= len(hosts), robots


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_fetched_non_article_pages_stay_within_twice_the_list_pages(crawl, mock_sites, site_id):
    site = mock_sites[site_id]
    articles = set(site.articles) | {u for parts in site.continuation_urls.values() for u in parts}
    other = [u for u in set(_fetched(site_id))
             if u not in articles and u not in site.list_urls
             and not u.endswith("/robots.txt") and u not in site.non_html_urls]
    assert len(other) <= 2 * len(site.list_urls), sorted(other)


def test_calendar_trap_is_bounded_by_max_pages(crawl, mock_sites):
    site = mock_sites["wordpress"]
    assert site.trap_prefix and site.max_pages
    trap = [u for u in _fetched("wordpress") if urlsplit(u).path.startswith(site.trap_prefix)]
    assert len(trap) <= site.max_pages


def test_two_page_article_is_one_row_with_both_pages(crawl, mock_sites):
    _, db, _, _ = crawl
    site = mock_sites["trs"]
    assert site.continuation_urls
    for url, parts in site.continuation_urls.items():
        row = db["articles"].get(url)
        assert char_f1(row["body"], site.articles[url].body) >= 0.97
        for part in parts:
            assert not db["articles"].count_where("url = ?", [part])
            assert db["pages"].get(part)["kind"] == "part"


def test_sitemap_only_posts_and_the_feed_are_used(crawl, mock_sites):
    _, db, _, _ = crawl
    site = mock_sites["wordpress"]
    assert site.sitemap_only_urls
    for url in site.sitemap_only_urls:
        assert db["articles"].get(url)["title"] == site.articles[url].title
    kinds = {r["url"]: r["kind"] for r in db["pages"].rows_where("site_id = 'wordpress'")}
    assert {kinds.get(u) for u in site.sitemap_urls} == {"sitemap"}
    assert {kinds.get(u) for u in site.feed_urls} == {"feed"}


def test_hanweb_pages_come_from_the_jpage_parameters(crawl, mock_sites):
    site = mock_sites["hanweb"]
    assert len(site.list_urls) >= 3
    assert set(site.list_urls) <= set(_fetched("hanweb"))


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_failing_links_are_recorded_with_their_status(crawl, mock_sites, site_id):
    _, db, _, _ = crawl
    fetched = set(_fetched(site_id))
    for url, status in mock_sites[site_id].failing_urls.items():
        if discovery.article_family(url):
            assert url in fetched, url  # article links are tried, whatever they answer
        if url in fetched:
            assert db["pages"].get(url)["error"] == f"HTTP {status}", url


def test_redirect_loop_and_server_error_are_reported(crawl, bad_site):
    result, db, _, _ = crawl
    assert "failures (url: reason):" in result.stdout
    assert f"bad  {bad_site}/a/news/20240105/6.html: HTTP 500" in result.stdout
    assert f"bad  {bad_site}/a/news/20240104/4.html: RedirectLoopError" in result.stdout
    assert "down  http://127.0.0.1:" in result.stdout  # the refused host, with its reason
    loop = db["pages"].get(f"{bad_site}/a/news/20240104/4.html")
    assert "redirect" in loop["error"].lower()
    assert db["pages"].get(f"{bad_site}/a/news/20240105/6.html")["error"] == "HTTP 500"
    assert not db["articles"].count_where("url like ?", [f"{bad_site}/a/news/20240104/%"])


def test_no_offsite_link_is_followed(crawl, mock_sites):
    for site in mock_sites.values():
        for url in site.offsite_urls:
            owner = next((s for s in mock_sites.values() if url.startswith(s.base_url)), None)
            if owner is not None:  # another mock site's page: not via this site's links
                referers = [r.referer for r in CRAWL_REQUESTS[owner.id] if r.url == url]
                assert not [r for r in referers if r and r.startswith(site.base_url)], url


def test_dede_pagelist_article_is_one_row_with_both_pages(crawl, bad_site):
    _, db, _, _ = crawl
    row = db["articles"].get(f"{bad_site}/a/news/20240110/77.html")
    assert row["body"].split("\n") == DEDE_PAGE_1 + DEDE_PAGE_2
    assert db["pages"].get(f"{bad_site}/a/news/20240110/77_2.html")["kind"] == "part"
    assert not db["articles"].count_where("url = ?", [f"{bad_site}/a/news/20240110/77_2.html"])


def test_site_overrides_find_odd_urls_within_max_depth(crawl, bad_site):
    _, db, _, _ = crawl
    stored = {r["url"] for r in db["articles"].rows_where("site_id = 'odd'")}
    assert stored == {f"{bad_site}/odd/item?no={no}" for no in (1, 2, 3)}
    lists = {r["url"] for r in db["pages"].rows_where("site_id = 'odd' and kind = 'list'")}
    assert lists == {f"{bad_site}/odd/list.htm", f"{bad_site}/odd/list.htm?from=2",
                     f"{bad_site}/odd/list.htm?from=3"}
    assert not db["pages"].count_where("url like '%jsessionid%'")


def test_endless_pager_stops_at_the_list_page_limit(crawl):
    _, db, _, _ = crawl
    assert sorted(ENDLESS_FETCHED) == list(range(1, MAX_LIST_PAGES + 1))
    assert db["pages"].count_where("site_id = 'endless' and kind = 'list'") == MAX_LIST_PAGES


def test_reposts_across_sites_are_clustered_with_their_original(crawl, mock_sites):
    _, db, _, _ = crawl
    reposts = [a for site in mock_sites.values() for a in site.articles.values()
               if a.repost_of]
    assert len(reposts) >= 3
    for article in reposts:
        member = db["cluster_members"].get(article.url)
        original = db["cluster_members"].get(article.repost_of)
        assert member["cluster_id"] == original["cluster_id"], article.url
        assert original["is_original"] == 1 and member["is_original"] == 0
        cluster = db["clusters"].get(member["cluster_id"])
        assert cluster["original_url"] == article.repost_of and cluster["sites"] >= 2
    clustered = {r["url"] for r in db["cluster_members"].rows}
    expected = {a.url for a in reposts} | {a.repost_of for a in reposts}
    assert clustered == expected  # nothing else in this corpus is a repost


def test_dedup_report_in_three_formats(crawl, mock_sites, tmp_path):
    _, db, _, db_path = crawl
    reposts = [a for site in mock_sites.values() for a in site.articles.values() if a.repost_of]
    done = run_cli("dedup-report", "--db", str(db_path), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["clusters"]) == len({a.repost_of for a in reposts})
    for cluster in report["clusters"]:
        assert cluster["members"][0]["is_original"] and cluster["members"][0]["url"] == (
            cluster["original_url"])
    pairs = {(r["original_site"], r["repost_site"]) for r in report["matrix"]}
    assert {("trs", "destoon"), ("dede", "destoon")} <= pairs
    done = run_cli("dedup-report", "--db", str(db_path), "--format", "csv", "--site", "dede")
    lines = done.stdout.splitlines()
    assert lines[0].startswith("cluster_id,is_original,url") and len(lines) >= 3
    page = tmp_path / "reposts.html"
    done = run_cli("dedup-report", "--db", str(db_path), "-o", str(page))
    assert done.returncode == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "转载关系报告" in text
    for article in reposts:
        assert mock_sites_title(mock_sites, article.repost_of) in text


def mock_sites_title(mock_sites, url):
    return next(s.articles[url].title for s in mock_sites.values() if url in s.articles)
