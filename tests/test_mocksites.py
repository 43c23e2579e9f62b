"""The mock park sites (crawler.mocksites): what they serve and what they promise."""

from __future__ import annotations

import html
import http.client
import re
import socket
import tomllib
import urllib.robotparser
from collections.abc import Iterator
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html
import pytest
from w3lib.url import safe_url_string

from parknews.crawler.mocksites import ExpectedArticle, RunningSite, serve_mock_sites, sites_toml
from parknews.crawler.mocksites.__main__ import parse_args
from parknews.crawler.mocksites.corpus import is_heading, load_corpus
from parknews.crawler.sites import parse_sites

Response = tuple[int, dict[str, str], bytes]

ORIGINAL = ("trs", "dede", "destoon")
NEW = ("hanweb", "province", "wordpress", "asp")
FORM = "application/x-www-form-urlencoded"
CDATA_RECORD = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)


def fetch(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None
) -> Response:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def post_form(url: str, form: dict[str, str]) -> Response:
    return fetch(url, "POST", urlencode(form).encode(), {"Content-Type": FORM})


def text_of(site: RunningSite, url: str) -> str:
    status, _, body = fetch(url)
    assert status == 200, url
    return body.decode(site.encoding)


def absolute(site: RunningSite, base: str, href: str) -> str:
    """An href as a crawler requests it: joined, query encoded in the page's encoding."""
    encoding = "gb18030" if site.encoding.lower().startswith("gb") else site.encoding
    return safe_url_string(urljoin(base, href.strip()), encoding=encoding)


def links_in(site: RunningSite, url: str, text: str) -> set[str]:
    doc = lxml.html.fromstring(text)
    return {absolute(site, url, href) for href in doc.xpath("//a/@href")}


def links(site: RunningSite, url: str) -> set[str]:
    return links_in(site, url, text_of(site, url))


def record_links(site: RunningSite, url: str) -> set[str]:
    """Links inside Hanweb XML records (script text to an HTML parser)."""
    return {
        link
        for fragment in CDATA_RECORD.findall(text_of(site, url))
        for link in links_in(site, url, f"<ul>{fragment}</ul>")
    }


def list_links(site: RunningSite) -> set[str]:
    """Every link of the site's list pages, record links included."""
    return set().union(*(links(site, u) | record_links(site, u) for u in site.list_urls))


def full_text(site: RunningSite, article: ExpectedArticle) -> str:
    """An article's text over all its pages."""
    urls = [article.url, *site.continuation_urls.get(article.url, [])]
    return "".join(html.unescape(text_of(site, url)) for url in urls)


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, RunningSite]]:
    with serve_mock_sites() as running:
        yield {site.id: site for site in running}


def all_articles(sites: dict[str, RunningSite]) -> list[tuple[RunningSite, ExpectedArticle]]:
    return [(site, art) for site in sites.values() for art in site.articles.values()]


def test_sites_on_different_loopback_hosts(sites):
    assert set(sites) == {*ORIGINAL, *NEW}
    assert {s.family for s in sites.values()} == {
        "trs", "dedecms", "destoon", "hanweb", "province", "wordpress", "asp"
    }
    hosts = {urlsplit(s.base_url).hostname for s in sites.values()}
    assert len(hosts) == len(sites)
    assert all(host.startswith("127.") for host in hosts)
    for site in sites.values():
        assert len(site.articles) >= (6 if site.id in NEW else 5)
        assert len(site.list_urls) >= 2
        assert site.start_urls == site.list_urls[:1]
        assert all(url.startswith(site.base_url + "/") for url in site.articles)
    assert len(sites["hanweb"].list_urls) >= 3


def test_url_layouts(sites):
    targets = {
        sid: [u[len(s.base_url) :] for u in s.list_urls] for sid, s in sites.items()
    }
    assert targets["trs"] == ["/xwzx/yqdt/index.html", "/xwzx/yqdt/index_1.html"]
    assert targets["dede"] == ["/a/news/list_1_1.html", "/a/news/list_1_2.html"]
    assert targets["destoon"] == ["/news/list-5-1.html", "/news/list-5-2.html"]
    assert targets["hanweb"] == [
        "/col/col1229371/index.html",
        "/col/col1229371/index.html?uid=7562804&pageNum=2",
        "/col/col1229371/index.html?uid=7562804&pageNum=3",
    ]
    assert targets["province"] == [
        "/clxq/c118402/list.shtml", "/clxq/c118402/list_2.shtml", "/clxq/c118402/list_3.shtml"
    ]
    assert targets["wordpress"] == [
        "/category/news/", "/category/news/page/2/", "/category/news/page/3/"
    ]
    lb = "%D4%B0%C7%F8%D0%C2%CE%C5"  # 园区新闻 in GBK
    assert targets["asp"] == [f"/news.asp?lb={lb}&page=1", f"/news.asp?lb={lb}&page=2"]
    patterns = {
        "trs": r"/xwzx/yqdt/\d{6}/t\d{8}_\d+\.html",
        "dede": r"/a/news/\d{8}/\d+\.html",
        "destoon": r"/news/show-\d+\.html",
        "hanweb": r"/art/\d{4}/[1-9]\d?/[1-9]\d?/art_1229371_\d+\.html",
        "province": r"/clxq/c118402/\d{6}/\d{9}\.shtml",
        "wordpress": r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/",
        "asp": r"/ShowArticle\.asp\?ArticleID=\d+",
    }
    for sid, site in sites.items():
        for url in site.articles:
            assert re.fullmatch(patterns[sid], url[len(site.base_url) :]), url


@pytest.mark.parametrize("site_id", ["trs", "destoon", "hanweb", "province", "wordpress"])
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
        page = full_text(site, article)
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


@pytest.mark.parametrize("site_id", ["trs", "dede", "destoon", "wordpress", "asp"])
def test_page_one_links_to_page_two_with_plain_anchor(sites, site_id):
    site = sites[site_id]
    first, second = site.list_urls[:2]
    assert second in links(site, first)
    assert first in links(site, second)


@pytest.mark.parametrize("site_id", ["hanweb", "province"])
def test_script_pagers_have_no_anchor_to_further_pages(sites, site_id):
    site = sites[site_id]
    for url in site.list_urls:  # (the breadcrumb links page 1)
        assert not (links(site, url) | record_links(site, url)) & set(site.list_urls[1:])


def test_trs_list_keeps_createpagehtml_script(sites):
    page = text_of(sites["trs"], sites["trs"].list_urls[0])
    assert 'createPageHTML(2, 0, "index", "html")' in page


def test_dede_pager_markup(sites):
    page = text_of(sites["dede"], sites["dede"].list_urls[0])
    doc = lxml.html.fromstring(page)
    assert doc.xpath('//div[@class="dede_pages"]/ul[@class="pagelist"]/li[@class="thisclass"]')
    assert "共 <strong>2</strong>页" in page
    assert doc.xpath('//ul[@class="pagelist"]//a[text()="下一页"]/@href') == ["list_1_2.html"]


ARTICLE_SHAPED = re.compile(
    r"/(t\d{8}_\d+|\d+|show-\d+|art_\d+_\d+)\.s?html$|/\d{4}/\d{2}/\d{2}/[\w-]+/$"
    r"|ShowArticle\.asp\?ArticleID=\d+$"
)


def test_list_pages_link_every_article(sites):
    for site in sites.values():
        linked = list_links(site)
        assert set(site.articles) - set(site.sitemap_only_urls) <= linked, site.id
        assert not set(site.sitemap_only_urls) & linked
        on_site = {u for u in linked if u.startswith(site.base_url)}
        detail = {u for u in on_site if ARTICLE_SHAPED.search(u)}
        known = set(site.articles) | set(site.failing_urls) | set(site.disallowed_urls)
        assert detail <= known, detail - known


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


def test_unknown_paths_404_and_robots(sites):
    for site in sites.values():
        for path in ("/nope.html", "/xwzx/yqdt/index_7.html", "/news/show-1.html", "/a/about/"):
            status, _, _ = fetch(site.base_url + path)
            assert status == 404, (site.id, path)
        status, headers, body = fetch(site.base_url + "/robots.txt")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert b"User-agent: *" in body
        disallowed = re.findall(r"^Disallow: (\S+)$", body.decode("ascii"), re.M)
        assert disallowed == site.robots_disallow
        assert bool(disallowed) == (site.id in NEW)
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
    with serve_mock_sites(hosts=hosts, port=port, ids=ORIGINAL) as running:
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
        assert by_id[sid].get("max_pages") == site.max_pages
    assert by_id["trs"]["park"] == "云溪经济技术开发区"
    assert sites["wordpress"].max_pages  # the calendar trap's site bounds its list pages
    parsed = parse_sites(sites_toml(list(sites.values())))  # the crawler accepts every key
    assert [site.id for site in parsed] == list(sites)


def test_corpus_is_varied_chinese_park_news():
    corpus = load_corpus()
    # the main columns' articles (further columns hold short notices: data/columns/)
    originals = [e for e in corpus.values() if e.original is None and not e.column]
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
    for site_id in NEW:
        assert sum(e.site == site_id for e in originals) >= 6
    for entry in originals:
        if entry.site == "asp":  # the ASP site is strict GB2312
            "".join([entry.title, entry.source, entry.author or "", entry.body]).encode("gb2312")


def test_cli_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as stop:
        parse_args(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and "--write-sites" in out and "--port" in out


# -- serving a subset --------------------------------------------------------------------


def test_serve_a_subset_of_sites():
    with serve_mock_sites(ids=["asp", "hanweb"]) as running:
        assert [site.id for site in running] == ["hanweb", "asp"]
        assert fetch(running[1].start_urls[0])[0] == 200
        # hanweb links an article of the province site, which is not served: still a URL
        assert any("127.0.0.15" in url for url in running[0].offsite_urls)
    with pytest.raises(ValueError, match="nope"), serve_mock_sites(ids=["trs", "nope"]):
        pass


# -- TRS: an article in two pages --------------------------------------------------------


def test_trs_two_page_article_is_one_expectation(sites):
    site = sites["trs"]
    assert len(site.continuation_urls) == 1
    ((first, (second,)),) = site.continuation_urls.items()
    stem = urlsplit(first).path.rsplit("/", 1)[1].removesuffix(".html")
    assert second == first.removesuffix(".html") + "_1.html"
    assert first in site.articles and second not in site.articles
    page_one, page_two = text_of(site, first), text_of(site, second)
    assert f'createPageHTML(2, 0, "{stem}", "html")' in page_one
    assert f'createPageHTML(2, 1, "{stem}", "html")' in page_two
    assert second not in links(site, first)  # the pager is the script call only
    assert second not in list_links(site)
    lines = site.articles[first].body.split("\n")
    on_one = [line for line in lines if line in html.unescape(page_one)]
    on_two = [line for line in lines if line in html.unescape(page_two)]
    assert on_one and on_two and on_one + on_two == lines  # split in order, nothing twice
    others = [u for u in site.articles if u != first]
    assert all('createPageHTML(1, 0, "' in text_of(site, u) for u in others)


# -- Hanweb: XML records and jpage paging ------------------------------------------------


def test_hanweb_list_items_are_xml_records_in_a_script(sites):
    site = sites["hanweb"]
    page = text_of(site, site.start_urls[0])
    assert '<div id="7562804"><script type="text/xml"><datastore>' in page
    assert "<nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&" in page
    doc = lxml.html.fromstring(page)
    assert not {absolute(site, site.start_urls[0], h) for h in doc.xpath("//a/@href")} & set(
        site.articles
    )  # an HTML parser sees no item links
    assert len(CDATA_RECORD.findall(page)) == 3
    for param in ("totalRecord:8", "perPage:3", "groupSize:3", "unitid:'7562804'",
                  "columnid:1229371", "webid:3287", "proxyUrl:'/module/web/jpage/dataproxy.jsp'"):
        assert param in page, param


def test_hanweb_get_pages_and_post_dataproxy_agree(sites):
    site = sites["hanweb"]
    by_page = [record_links(site, url) for url in site.list_urls]
    assert [len(links) for links in by_page] == [3, 3, 2]
    assert len(set().union(*by_page)) == 8
    expected = set(site.articles) | set(site.failing_urls)
    assert set().union(*by_page) == expected
    (post,) = site.list_posts
    assert "startrecord=1&endrecord=9&perpage=3" in post.url
    assert post.form["unitid"] == "7562804" and post.form["columnid"] == "1229371"
    assert {"col", "appid", "webid", "path", "sourceContentType", "permissiontype"} <= set(
        post.form
    )
    status, headers, body = post_form(post.url, post.form)
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    xml = body.decode("utf-8")
    assert "<totalrecord>8</totalrecord>" in xml and "<totalpage>3</totalpage>" in xml
    fragments = CDATA_RECORD.findall(xml)
    posted = set().union(*(links_in(site, post.url, f"<ul>{f}</ul>") for f in fragments))
    assert posted == expected
    # a window of records, and the nextgroup link's GET form
    window = post.url.replace("startrecord=1&endrecord=9", "startrecord=4&endrecord=6")
    assert len(CDATA_RECORD.findall(post_form(window, post.form)[2].decode())) == 3
    query = urlencode({**post.form, "page": 3, "perpage": 3})
    status, _, body = fetch(f"{site.base_url}/module/web/jpage/dataproxy.jsp?{query}")
    assert status == 200 and len(CDATA_RECORD.findall(body.decode())) == 2
    # another column's unitid gives no records
    status, _, body = post_form(post.url, {**post.form, "unitid": "1"})
    assert status == 200 and "<totalrecord>0</totalrecord>" in body.decode()
    assert not CDATA_RECORD.findall(body.decode())


def test_post_to_a_static_page_is_refused(sites):
    site = sites["hanweb"]
    assert post_form(site.start_urls[0], {"a": "1"})[0] == 405


def test_hanweb_article_markers(sites):
    site = sites["hanweb"]
    url = next(iter(site.articles))
    page = text_of(site, url)
    for marker in ('<p class="con-title"><!--<$[标题]>begin-->', '<div class="main-txt" id="zoom">',
                   "<!--ZJEG_RSS.content.begin--><meta name=\"ContentStart\">",
                   '<meta name="ContentEnd">', "Produced By 大汉网络", '<meta name="Maketime"'):
        assert marker in page, marker


# -- province (Gansu-style) --------------------------------------------------------------


def test_province_script_pager_and_items(sites):
    site = sites["province"]
    page = text_of(site, site.start_urls[0])
    assert "createPageHTML('page_div',3, 1,'list','shtml',7);" in page
    assert '<div id="page_div"></div>' in page
    assert "createPageHTML('page_div',3, 2,'list','shtml',7);" in text_of(site, site.list_urls[1])
    assert fetch(site.base_url + "/clxq/c118402/list_4.shtml")[0] == 404
    assert fetch(site.base_url + "/clxq/c118402/list_1.shtml")[0] == 404  # page 1 has no _1
    doc = lxml.html.fromstring(page)
    items = doc.xpath('//ul[@class="list"]/li')
    assert len(items) == 3
    for item in items:
        anchor, date = item.xpath("./a[@title]")[0], item.xpath("./a/following-sibling::b")[0]
        assert anchor.get("title") == anchor.text_content().strip()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date.text)
    status, headers, script = fetch(site.base_url + "/clxq/xhtml/js/page.js")
    assert status == 200 and b'"_" + k' in script
    article = text_of(site, next(iter(site.articles)))
    doc = lxml.html.fromstring(article)
    assert doc.xpath("//h1") and doc.xpath('//div[contains(@class, "info")]')
    assert doc.xpath('//div[@id="detailContent"]/p')


# -- WordPress: sitemap, feed, category pages --------------------------------------------


def test_wordpress_robots_names_the_sitemap_which_lists_every_post(sites):
    site = sites["wordpress"]
    robots = fetch(site.base_url + "/robots.txt")[2].decode()
    assert f"Sitemap: {site.sitemap_urls[0]}" in robots
    assert "Allow: /wp-admin/admin-ajax.php" in robots
    status, headers, index = fetch(site.sitemap_urls[0])
    assert status == 200 and "xml" in headers["Content-Type"]
    assert b"<sitemapindex" in index
    children = re.findall(r"<loc>(.*?)</loc>", index.decode())
    assert children == site.sitemap_urls[1:]
    posts = fetch(children[0])[2].decode()
    entries = re.findall(r"<url>\s*<loc>(.*?)</loc>\s*<lastmod>(.*?)</lastmod>", posts)
    assert {loc for loc, _ in entries} == set(site.articles)
    for loc, lastmod in entries:
        assert lastmod.startswith(site.articles[loc].published_at[:10]), loc
    pages = re.findall(r"<loc>(.*?)</loc>", fetch(children[1])[2].decode())
    assert pages and not set(pages) & set(site.articles)  # pages are not articles


def test_wordpress_sitemap_only_posts(sites):
    site = sites["wordpress"]
    assert len(site.sitemap_only_urls) >= 2
    assert set(site.sitemap_only_urls) <= set(site.articles)
    reachable = list_links(site) | links(site, site.base_url + "/")
    for url in site.articles:
        if url not in site.sitemap_only_urls:
            reachable |= links(site, url)
    feed = fetch(site.feed_urls[0])[2].decode()
    assert not set(site.sitemap_only_urls) & reachable
    assert not any(url in feed for url in site.sitemap_only_urls)
    for url in site.sitemap_only_urls:
        assert fetch(url)[0] == 200


def test_wordpress_feed_is_linked_and_lists_recent_posts(sites):
    site = sites["wordpress"]
    doc = lxml.html.fromstring(text_of(site, site.start_urls[0]))
    assert doc.xpath('//link[@rel="alternate"][@type="application/rss+xml"]/@href') == [
        site.feed_urls[0]
    ]
    status, headers, body = fetch(site.feed_urls[0])
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    items = re.findall(r"<item>\s*<title>.*?</title>\s*<link>(.*?)</link>", body.decode())
    assert items and set(items) <= set(site.articles)
    page_two = text_of(site, site.list_urls[1])
    assert "page-numbers current\">2</span>" in page_two


# -- ASP: GB2312 bytes, query-string routes ----------------------------------------------


def test_asp_is_gb2312_without_header_charset(sites):
    site = sites["asp"]
    assert site.encoding == "gb2312"
    for url in [*site.list_urls, *site.articles]:
        status, headers, body = fetch(url)
        assert status == 200 and headers["Content-Type"] == "text/html", url
        text = body.decode("gb2312")  # strictly GB2312
        assert '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' in text
        assert "<table" in text and "<div" not in text  # table layout
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")


def test_asp_query_routes(sites):
    site = sites["asp"]
    raw = fetch(site.start_urls[0])[2].decode("gb2312")
    assert 'href="news.asp?lb=园区新闻&page=2"' in raw  # written raw, as ASP concatenates
    assert 'href="ShowArticle.asp?ArticleID=' in raw
    second = site.list_urls[1]
    reordered = second.replace("lb=%D4%B0%C7%F8%D0%C2%CE%C5&page=2",
                               "page=2&lb=%D4%B0%C7%F8%D0%C2%CE%C5")
    assert fetch(reordered)[2] == fetch(second)[2]
    utf8 = second.replace("%D4%B0%C7%F8%D0%C2%CE%C5", "%E5%9B%AD%E5%8C%BA%E6%96%B0%E9%97%BB")
    assert fetch(utf8)[0] == 404  # the site reads its query strings as GBK
    assert fetch(site.base_url + "/news.asp?page=1")[0] == 404
    assert fetch(site.base_url + "/ShowArticle.asp?ArticleID=1")[0] == 404
    assert fetch(site.base_url + "/ShowArticle.asp")[0] == 404
    assert "更新时间：2024-5-14 16:48:00" in text_of(site, next(iter(site.articles)))


# -- traps: robots, failures, redirect loop, calendar, off-site --------------------------


def robots_of(site: RunningSite) -> urllib.robotparser.RobotFileParser:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(fetch(site.base_url + "/robots.txt")[2].decode().splitlines())
    return parser


def site_links(site: RunningSite) -> set[str]:
    """Links of the list pages and one article."""
    return list_links(site) | links(site, next(iter(site.articles)))


def test_disallowed_urls_are_linked_and_forbidden(sites):
    article_shaped = 0
    for site in sites.values():
        parser = robots_of(site)
        for url in site.disallowed_urls:
            assert url in site_links(site), url
            assert not parser.can_fetch("parknews", url), url
            assert fetch(url)[0] == 200  # served: fetching it would be a visible mistake
            article_shaped += bool(ARTICLE_SHAPED.search(url) or url.endswith(".shtml"))
        for url in [*site.list_urls, *site.articles]:
            assert parser.can_fetch("parknews", url), url
    assert article_shaped >= 2
    assert sum(bool(s.disallowed_urls) for s in sites.values()) == len(NEW)


def test_failing_urls_are_linked_and_answer_their_status(sites):
    statuses = set()
    for site in sites.values():
        linked = list_links(site)
        for url, status in site.failing_urls.items():
            assert url in linked, url
            assert fetch(url)[0] == status, url
            statuses.add(status)
    assert statuses == {404, 500}


def test_redirect_loop(sites):
    site = sites["province"]
    first, second = site.redirect_loop_urls
    assert first in site_links(site)
    status, headers, _ = fetch(first)
    assert status == 302 and headers["Location"] == second
    status, headers, _ = fetch(second)
    assert status == 302 and headers["Location"] == first


def test_calendar_trap_is_endless(sites):
    site = sites["wordpress"]
    assert site.trap_prefix == site.base_url + "/calendar/"
    start = next(u for u in site_links(site) if u.startswith(site.trap_prefix))
    url, seen = start, set()
    for _ in range(40):  # forty months on, still a page with a next month
        doc = lxml.html.fromstring(text_of(site, url))
        seen.add(url)
        url = absolute(site, url, doc.xpath('//a[@class="next"]/@href')[0])
        assert url.startswith(site.trap_prefix)
    assert len(seen) == 40
    back = absolute(site, start, lxml.html.fromstring(text_of(site, start)).xpath(
        '//a[@class="prev"]/@href')[0])
    assert back not in seen and fetch(back)[0] == 200
    assert fetch(site.trap_prefix + "?month=2024-13")[0] == 404
    assert fetch(site.trap_prefix + "?month=soon")[0] == 404


def test_offsite_links_point_to_other_hosts(sites):
    peers = {urlsplit(s.base_url).netloc: s for s in sites.values()}
    for site in sites.values():
        linked = site_links(site)
        for url in site.offsite_urls:
            assert url in linked, url
            netloc = urlsplit(url).netloc
            assert netloc != urlsplit(site.base_url).netloc
            if netloc in peers:  # another mock site: one of its articles
                assert url in peers[netloc].articles
    assert sum(bool(s.offsite_urls) for s in sites.values()) == len(NEW)


# -- the request log ---------------------------------------------------------------------


def test_request_log_records_every_request():
    with serve_mock_sites(ids=["hanweb", "asp"]) as (hanweb, asp):
        assert hanweb.requests() == [] and asp.requests() == []
        fetch(hanweb.start_urls[0], headers={"Referer": "http://example.test/", "User-Agent": "t"})
        fetch(hanweb.base_url + "/nope.html", method="HEAD")
        post = hanweb.list_posts[0]
        post_form(post.url, post.form)
        fetch(asp.list_urls[1])
        get, head, posted = hanweb.requests()
        assert (get.method, get.status, get.url) == ("GET", 200, hanweb.start_urls[0])
        assert get.referer == "http://example.test/" and get.user_agent == "t"
        assert (head.method, head.status, head.target) == ("HEAD", 404, "/nope.html")
        assert posted.method == "POST" and posted.url == post.url
        assert b"unitid=7562804" in posted.body
        assert get.time <= head.time <= posted.time
        assert hanweb.requests("POST") == [posted]
        (record,) = asp.requests()
        assert record.target == asp.list_urls[1][len(asp.base_url) :]  # as sent, encoded
        assert asp.requested_urls() == [asp.list_urls[1]]
        hanweb.clear_requests()
        assert hanweb.requests() == [] and len(asp.requests()) == 1
