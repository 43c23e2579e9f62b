"""The mock park sites (crawler.mocksites): what they serve and what they promise."""

from __future__ import annotations

import html
import http.client
import re
import socket
import tomllib
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from crawler.mocksites import ExpectedArticle, RunningSite, serve_mock_sites, sites_toml
from crawler.mocksites.__main__ import parse_args
from crawler.mocksites.corpus import is_heading, load_corpus

Response = tuple[int, dict[str, str], bytes]


def fetch(url: str, method: str = "GET") -> Response:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""))
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def text_of(site: RunningSite, url: str) -> str:
    status, _, body = fetch(url)
    assert status == 200, url
    return body.decode(site.encoding)


def links(site: RunningSite, url: str) -> set[str]:
    doc = lxml.html.fromstring(text_of(site, url))
    return {urljoin(url, href.strip()) for href in doc.xpath("//a/@href")}


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, RunningSite]]:
    with serve_mock_sites() as running:
        yield {site.id: site for site in running}


def all_articles(sites: dict[str, RunningSite]) -> list[tuple[RunningSite, ExpectedArticle]]:
    return [(site, art) for site in sites.values() for art in site.articles.values()]


def test_three_sites_on_different_loopback_hosts(sites):
    assert set(sites) == {"trs", "dede", "destoon"}
    assert {s.family for s in sites.values()} == {"trs", "dedecms", "destoon"}
    hosts = {urlsplit(s.base_url).hostname for s in sites.values()}
    assert len(hosts) == 3
    assert all(host.startswith("127.") for host in hosts)
    for site in sites.values():
        assert len(site.articles) >= 5
        assert len(site.list_urls) == 2
        assert site.start_urls == site.list_urls[:1]
        assert all(url.startswith(site.base_url + "/") for url in site.articles)


def test_url_layouts(sites):
    paths = {sid: [urlsplit(u).path for u in s.list_urls] for sid, s in sites.items()}
    assert paths["trs"] == ["/xwzx/yqdt/index.html", "/xwzx/yqdt/index_1.html"]
    assert paths["dede"] == ["/a/news/list_1_1.html", "/a/news/list_1_2.html"]
    assert paths["destoon"] == ["/news/list-5-1.html", "/news/list-5-2.html"]
    patterns = {
        "trs": r"/xwzx/yqdt/\d{6}/t\d{8}_\d+\.html",
        "dede": r"/a/news/\d{8}/\d+\.html",
        "destoon": r"/news/show-\d+\.html",
    }
    for sid, site in sites.items():
        for url in site.articles:
            assert re.fullmatch(patterns[sid], urlsplit(url).path), url


@pytest.mark.parametrize("site_id", ["trs", "destoon"])
def test_utf8_sites_declare_charset_in_header(sites, site_id):
    site = sites[site_id]
    for url in [*site.list_urls, *site.articles]:
        status, headers, body = fetch(url)
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        body.decode("utf-8")


def test_dede_is_gbk_without_header_charset(sites):
    site = sites["dede"]
    assert site.encoding == "gbk"
    strict_gb2312_failures = 0
    for url in [*site.list_urls, *site.articles]:
        status, headers, body = fetch(url)
        assert status == 200
        assert headers["Content-Type"] == "text/html"
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text = body.decode("gbk")
        assert '<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />' in text
        try:
            body.decode("gb2312")
        except UnicodeDecodeError:
            strict_gb2312_failures += 1
    assert strict_gb2312_failures >= 1


def test_articles_show_title_and_every_paragraph(sites):
    for site, article in all_articles(sites):
        page = html.unescape(text_of(site, article.url))
        assert article.title in page
        lines = article.body.split("\n")
        assert len(lines) >= 2
        for line in lines:
            assert line and line in page, (article.url, line[:20])


def test_must_not_contain_are_real_negatives(sites):
    for site, article in all_articles(sites):
        raw = text_of(site, article.url)
        assert len(article.must_not_contain) >= 8
        for item in article.must_not_contain:
            assert item in raw, (article.url, item)
            assert item not in article.body, (article.url, item)


def test_expected_metadata_is_well_formed(sites):
    for _, article in all_articles(sites):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?", article.published_at)
        assert article.source
        assert article.author is None or article.author.strip()
    assert sites["trs"].articles and all(
        "T" in a.published_at for a in sites["trs"].articles.values()
    )


def test_page_one_links_to_page_two_with_plain_anchor(sites):
    for site in sites.values():
        first, second = site.list_urls
        assert second in links(site, first)
        assert first in links(site, second)


def test_trs_list_keeps_createpagehtml_script(sites):
    page = text_of(sites["trs"], sites["trs"].list_urls[0])
    assert 'createPageHTML(2, 0, "index", "html")' in page


def test_dede_pager_markup(sites):
    page = text_of(sites["dede"], sites["dede"].list_urls[0])
    doc = lxml.html.fromstring(page)
    assert doc.xpath('//div[@class="dede_pages"]/ul[@class="pagelist"]/li[@class="thisclass"]')
    assert "共 <strong>2</strong>页" in page
    assert doc.xpath('//ul[@class="pagelist"]//a[text()="下一页"]/@href') == ["list_1_2.html"]


def test_list_pages_link_every_article(sites):
    for site in sites.values():
        linked = set().union(*(links(site, url) for url in site.list_urls))
        assert set(site.articles) <= linked
        on_site = {u for u in linked if u.startswith(site.base_url)}
        detail = {u for u in on_site if re.search(r"/(t\d{8}_\d+|\d+|show-\d+)\.html$", u)}
        assert detail <= set(site.articles), detail - set(site.articles)


def test_trs_list_items_are_relative_and_page_two_has_files(sites):
    site = sites["trs"]
    doc = lxml.html.fromstring(text_of(site, site.list_urls[1]))
    hrefs = doc.xpath('//ul[@class="list"]/li/a/@href')
    assert hrefs and all(h.startswith("./") for h in hrefs)
    targets = {urljoin(site.list_urls[1], h) for h in hrefs}
    files = [u for u in site.non_html_urls if u.endswith((".pdf", ".jpg"))]
    listed = [u for u in files if u in targets]
    assert any(u.endswith(".pdf") for u in listed)
    assert any(u.endswith(".jpg") for u in listed)


def test_non_html_urls_are_served_with_their_types(sites):
    magic = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8", "image/png": b"\x89PNG"}
    seen = set()
    for site in sites.values():
        for url in site.non_html_urls:
            status, headers, body = fetch(url)
            assert status == 200, url
            kind = headers["Content-Type"]
            assert body.startswith(magic[kind]), url
            seen.add(kind)
    assert {"application/pdf", "image/jpeg"} <= seen


def test_inline_images_are_served_but_not_listed(sites):
    for site_id, kind in (("trs", "image/jpeg"), ("destoon", "image/png")):
        site = sites[site_id]
        images = set()
        for url in site.articles:
            doc = lxml.html.fromstring(text_of(site, url))
            images |= {
                urljoin(url, src)
                for src in doc.xpath(
                    "//*[@id='article' or contains(@class, 'TRS_Editor')]//img/@src"
                )
            }
        assert images and not images & set(site.non_html_urls)
        for url in images:
            status, headers, _ = fetch(url)
            assert status == 200 and headers["Content-Type"] == kind, url


def test_unknown_paths_404_and_robots_allow_all(sites):
    for site in sites.values():
        for path in ("/nope.html", "/xwzx/yqdt/index_7.html", "/news/show-1.html", "/a/about/"):
            status, _, _ = fetch(site.base_url + path)
            assert status == 404, (site.id, path)
        status, headers, body = fetch(site.base_url + "/robots.txt")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert b"User-agent: *" in body and b"Disallow: /" not in body
        status, _, _ = fetch(site.base_url + "/")
        assert status == 200


def test_head_request_has_no_body(sites):
    site = sites["trs"]
    status, headers, body = fetch(site.start_urls[0], method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) > 1000


def test_destoon_reposts_park_articles(sites):
    portal = sites["destoon"]
    originals = {**sites["trs"].articles, **sites["dede"].articles}
    reposts = [a for a in portal.articles.values() if a.repost_of]
    assert len(reposts) >= 3
    for article in reposts:
        original = originals[article.repost_of]
        mine, theirs = set(article.body.split("\n")), set(original.body.split("\n"))
        assert len(mine & theirs) >= 0.6 * len(theirs)
        assert article.body != original.body or article.published_at != original.published_at
        assert any(name in article.source for name in ("云溪", "青梧"))
    assert {urlsplit(a.repost_of).hostname for a in reposts} == {
        urlsplit(sites["trs"].base_url).hostname,
        urlsplit(sites["dede"].base_url).hostname,
    }


def test_destoon_original_link_points_off_host(sites):
    portal = sites["destoon"]
    found = []
    for url in portal.articles:
        doc = lxml.html.fromstring(text_of(portal, url))
        for href in doc.xpath('//div[@class="original"]/a/@href'):
            found.append(href)
            assert not href.startswith(portal.base_url)
            assert href in sites["trs"].articles or href in sites["dede"].articles
    assert found


def test_destoon_sidebars_stay_on_known_articles(sites):
    portal = sites["destoon"]
    for url in portal.articles:
        for link in links(portal, url):
            if re.search(r"/news/show-\d+\.html$", link) and link.startswith(portal.base_url):
                assert link in portal.articles, link


def test_servers_close_after_context_and_accept_overrides():
    probe = socket.socket()
    probe.bind(("127.0.0.21", 0))
    port = probe.getsockname()[1]
    probe.close()
    hosts = {"trs": "127.0.0.21", "dede": "127.0.0.22", "destoon": "127.0.0.23"}
    with serve_mock_sites(hosts=hosts, port=port) as running:
        addresses = [(urlsplit(s.base_url).hostname, urlsplit(s.base_url).port) for s in running]
        assert addresses == [(h, port) for h in hosts.values()]
        assert fetch(running[0].start_urls[0])[0] == 200
    for address in addresses:
        with pytest.raises(OSError):
            socket.create_connection(address, timeout=1).close()


def test_sites_toml_round_trips(sites):
    data = tomllib.loads(sites_toml(list(sites.values())))
    by_id = {entry["id"]: entry for entry in data["sites"]}
    assert set(by_id) == set(sites)
    for sid, site in sites.items():
        assert by_id[sid]["name"] == site.name
        assert by_id[sid]["start_urls"] == site.start_urls
    assert by_id["trs"]["park"] == "云溪经济技术开发区"


def test_corpus_is_varied_chinese_park_news():
    corpus = load_corpus()
    originals = [e for e in corpus.values() if e.original is None]
    assert len(originals) >= 16
    short = [e for e in originals if len(e.paragraphs) < 4]
    assert len(short) <= 1 and all(len(e.body) < 250 for e in short)
    for entry in originals:
        assert len(entry.paragraphs) <= 9
        for paragraph in entry.paragraphs:
            if is_heading(paragraph):
                assert len(paragraph) < 30
                continue
            assert 60 <= len(paragraph) <= 250, (entry.key, len(paragraph))
            assert not re.search(r"[,;:?!()\"]", paragraph), (entry.key, paragraph[:20])
            assert paragraph.endswith(("。", "”", "！", "？"))
    assert sum(any(is_heading(p) for p in e.paragraphs) for e in originals) >= 5
    assert sum("“" in e.body for e in originals) >= 10
    dede_text = "".join(e.body for e in originals if e.site == "dede")
    assert any(ch in dede_text for ch in "堃喆镕")


def test_cli_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as stop:
        parse_args(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and "--write-sites" in out and "--port" in out
