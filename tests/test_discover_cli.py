"""``parknews discover URL``: the news columns a start page leads to, sample articles,
``--save``, and a clear "why not" when nothing is found (issue 19)."""

from __future__ import annotations

import http.server
import json

import pytest
from conftest import FAST, run_cli, serve_handler
from sqlite_utils import Database

from parknews.crawler.sites import load_sites

MOCK_IDS = ["trs", "dede", "destoon", "hanweb", "province", "wordpress", "asp"]

JS_LIST = ("<html><head><meta charset='utf-8'><title>园区动态_某某高新区</title></head><body>"
           "<div class='nav'><a href='/'>首页</a><a href='/about/'>园区概况</a></div>"
           "<ul id='list' v-for='item in items'></ul>"
           "<script>new Vue({el: '#list', data: {items: []}});</script></body></html>")


class JsListHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        body = JS_LIST.encode() if self.path.startswith("/news/") else b""
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def js_site():
    with serve_handler("127.0.0.22", JsListHandler) as server:
        yield f"http://127.0.0.22:{server.server_address[1]}"


def discover(*args: str):
    return run_cli("discover", *args, *FAST)


@pytest.mark.parametrize("site_id", MOCK_IDS)
def test_discover_lists_the_news_columns_and_nothing_else(mock_sites, site_id):
    site = mock_sites[site_id]
    result = discover(site.home_url, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout)
    assert found["kind"] == "hub"
    listed = {c["name"]: c for c in found["columns"] if c["items"]}
    assert set(listed) == set(site.column_lists)
    for name, column in listed.items():
        assert column["url"] == site.column_lists[name][0]
        assert column["kind"] == "list"
        for sample in column["samples"]:  # read by the extractor: title, date, 来源
            expected = site.home_articles[sample["url"]]
            assert sample["title"] == expected.title
            assert sample["published_at"][:10] == expected.published_at[:10]
            assert sample["source"] == expected.source
    skipped = set(site.skipped_urls)
    assert not {c["url"] for c in found["columns"]} & skipped


def test_discover_prints_columns_with_samples(mock_sites):
    site = mock_sites["trs"]
    result = discover(site.home_url)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "a hub page" in out
    for name, urls in site.column_lists.items():
        assert f"{name}  {urls[0]}" in out
    assert "pager: createPageHTML" in out
    first = next(iter(site.home_articles.values()))
    assert first.title in out and first.source in out


def test_discover_save_writes_a_site_the_crawl_accepts(mock_sites, tmp_path):
    site = mock_sites["trs"]
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text('[[sites]]\nid = "other"\nname = "另一个"\n'
                          'start_urls = ["http://127.0.0.99/"]\n', encoding="utf-8")
    result = discover(site.home_url, "--save", str(sites_file), "--id", "yunxi")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "saved site 'yunxi'" in result.stdout
    saved = {s.id: s for s in load_sites(sites_file)}
    assert saved["yunxi"].start_urls == (site.home_url,)
    assert saved["yunxi"].name == site.name
    again = discover(site.home_url, "--save", str(sites_file), "--id", "yunxi")
    assert again.returncode == 1 and "appears more than once" in again.stderr
    db = tmp_path / "archive.db"
    crawl = run_cli("crawl", "--sites", str(sites_file), "--db", str(db), "--site", "yunxi",
                    *FAST)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    stored = {row["url"] for row in Database(db)["articles"].rows}
    assert stored == set(site.home_articles)


def test_discover_says_why_when_a_list_is_drawn_by_javascript(js_site):
    result = discover(f"{js_site}/news/index.html")
    assert result.returncode == 1
    assert "Nothing to crawl found" in result.stdout
    assert "JavaScript" in result.stdout and "render = true" in result.stdout


def test_discover_says_why_when_the_page_cannot_be_fetched(js_site):
    result = discover(f"{js_site}/gone.html")
    assert result.returncode == 1
    assert "HTTP 404" in result.stdout


def test_discover_refuses_a_bad_url():
    result = discover("www.example.cn")
    assert result.returncode == 1 and "not an http(s) URL" in result.stderr
