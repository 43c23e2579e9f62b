"""Link discovery on list pages: the rules as data, and the spider applying them."""

import dataclasses

import pytest
from scrapy.http import HtmlResponse, Request, Response

from parknews.crawler import discovery
from parknews.crawler.listreading import list_links
from parknews.crawler.sites import parse_sites
from parknews.crawler.spiders.park import ParkSpider, is_html

SITE = parse_sites("""
[[sites]]
id = "yx"
name = "云溪经开区"
start_urls = ["http://www.yx.gov.cn/xwzx/yqdt/index.html"]
""")[0]


@pytest.mark.parametrize(
    "url, family",
    [
        ("http://a.cn/xwzx/yqdt/202207/t20220705_1234.html", "trs"),
        ("http://a.cn/art/2016/11/22/art_1621004_30332664.html", "hanweb"),
        ("http://a.cn/a/news/20220705/88.html", "dedecms"),
        ("http://a.cn/news/show-123.html", "destoon"),
        ("http://a.cn/szgyyq/mtjj/202608/610189585dd940898eb31b456e71351c.shtml", "suzhou"),
        ("http://a.cn/2024/05/13/park-opens/", "wordpress"),
        ("http://a.cn/xwzx/index.html", None),
        ("http://a.cn/news/list-5-2.html", None),
    ],
)
def test_article_url_rules(url, family):
    assert discovery.article_family(url) == family


@pytest.mark.parametrize(
    "url, text, expected",
    [
        ("http://a.cn/xwzx/index_1.html", "2", True),
        ("http://a.cn/xwzx/index_1.html", "下一页", True),
        ("http://a.cn/xwzx/index_9.html", "尾页", True),
        ("http://a.cn/xwzx/list.html?page=3", "3", True),
        ("http://a.cn/other/index_1.html", "下一页", False),  # another column's directory
        ("http://a.cn/xwzx/202207/t20220705_1.html", "下一页", False),  # an article
        ("http://a.cn/xwzx/about.html", "关于我们", False),
    ],
)
def test_pagination_stays_in_the_list(url, text, expected):
    assert discovery.is_pagination(url, text, "http://a.cn/xwzx/index.html") is expected


LIST_PAGE = """<html><head><meta charset="utf-8"></head><body>
<div class="nav"><a href="/">首页</a><a href="/xwzx/tzgg/index.html">通知公告</a>
<a href="http://other.example.cn/news/show-1.html">友情链接的一篇长标题文章不该抓取</a></div>
<ul class="list">
 <li><a href="./202207/t20220705_11.html" title="云溪经开区签约十二个重点项目">云溪经开区签约…</a>
     <span>2022-07-05</span></li>
 <li><a href="./202207/t20220701_10.html">园区企业服务月活动启动</a><span>2022-07-01</span></li>
 <li><a href="/xwzx/yqdt/detail.jsp?id=9">青梧高新区举办人才招聘周活动</a>
     <span>2022年6月28日</span></li>
 <li><a href="./P020220705123.pdf">关于申报专项资金的通知附件</a><span>2022-06-20</span></li>
 <li><a href="javascript:void(0)">分享</a></li>
</ul>
<div class="pager"><a href="index.html">首页</a><a href="index_1.html">下一页</a>
<a href="index_1.html">2</a><a href="index_4.html">尾页</a></div>
<div class="footer"><a href="https://beian.miit.gov.cn/">苏ICP备12345678号-1 版权所有</a></div>
</body></html>"""


def spider_for(site=SITE):
    spider = ParkSpider(site=site)
    return spider


def test_spider_classifies_list_page_links():
    url = "http://www.yx.gov.cn/xwzx/yqdt/index.html"
    response = HtmlResponse(url, body=LIST_PAGE.encode(), encoding="utf-8",
                            request=Request(url))
    links = {link["url"]: link for link in list_links(response, SITE, url).links}
    base = "http://www.yx.gov.cn/xwzx/yqdt/"
    kinds = {u.removeprefix(base): link["kind"] for u, link in links.items()}
    assert kinds == {
        "202207/t20220705_11.html": "article",
        "202207/t20220701_10.html": "article",
        "detail.jsp?id=9": "article",  # no URL rule: the headline-with-date cue
        "P020220705123.pdf": "attachment",
        "index_1.html": "list",
        "index_4.html": "list",
    }
    first = links[base + "202207/t20220705_11.html"]["hints"]
    assert first == {"list_title": "云溪经开区签约十二个重点项目", "list_date": "2022-07-05"}


def test_in_scope_uses_allowed_domains_or_start_hosts():
    spider = spider_for()
    assert spider.in_scope("http://www.yx.gov.cn/a.html")
    assert not spider.in_scope("http://other.example.cn/a.html")
    wide = parse_sites(
        '[[sites]]\nid="w"\nname="w"\nstart_urls=["http://www.yx.gov.cn/"]\n'
        'allowed_domains=["yx.gov.cn"]\n'
    )[0]
    assert spider_for(wide).in_scope("http://news.yx.gov.cn/a.html")


def test_is_html_by_header_or_by_first_tag():
    assert is_html(Response("http://a/", headers={"Content-Type": "text/html; charset=gbk"}))
    assert not is_html(Response("http://a/", headers={"Content-Type": "application/pdf"},
                                body=b"%PDF-1.4"))
    assert is_html(Response("http://a/", body=b"  <!DOCTYPE html><html>"))
    assert not is_html(Response("http://a/", body=b"\x89PNG\r\n"))


TRS_JS_LIST = """<html><head><meta charset="utf-8"></head><body>
<ul><li><a href="./202405/t20240508_5123.html">云溪经开区一季度新签约项目27个</a>
<span>2024-05-08</span></li></ul>
<div class="page"><script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) { /* writes links */ }
var countPage = 5;
createPageHTML(5, 0, "index", "html");
</script></div></body></html>"""


def test_trs_script_pager_gives_every_list_page():
    url = "http://www.yx.gov.cn/xwzx/yqdt/index.html"
    response = HtmlResponse(url, body=TRS_JS_LIST.encode(), encoding="utf-8",
                            request=Request(url))
    links = list_links(response, SITE, url).links
    pages = sorted((link.get("page_no"), link["url"].rsplit("/", 1)[-1])
                   for link in links if link["kind"] == "list")
    assert pages == [(2, "index_1.html"), (3, "index_2.html"), (4, "index_3.html"),
                     (5, "index_4.html")]


def test_script_pager_of_an_article_is_not_a_list_pager():
    scripts = ['createPageHTML(3,0,"t20190918_693227","shtml")']
    list_url = "http://a.cn/yw/sxyw/index.html"
    assert discovery.script_pages(scripts, list_url) == []
    article = "http://a.cn/yw/sxyw/201909/t20190918_693227.shtml"
    assert [u for _, u in discovery.script_pages(scripts, article)] == [
        article, article.replace(".shtml", "_1.shtml"), article.replace(".shtml", "_2.shtml")]


HANWEB_LIST = """<html><head><meta charset="utf-8"></head><body>
<div id="4011"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=99
&unitid=4011">]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2024/5/8/art_99_5123.html" title="青梧高新区新签约项目12个">
青梧高新区新签约项目12个</a><span>2024-05-08</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2024/5/6/art_99_5117.html">高新区召开企业服务专员推进会</a>
<span>2024-05-06</span></li>]]></record>
</recordset></datastore></script></div>
<div class="nav"><a href="/col/col98/index.html">通知公告</a></div>
</body></html>"""


def test_hanweb_records_inside_script_are_found():
    url = "http://www.qw.gov.cn/col/col99/index.html"
    site = parse_sites('[[sites]]\nid="qw"\nname="qw"\nstart_urls=["' + url + '"]\n')[0]
    response = HtmlResponse(url, body=HANWEB_LIST.encode(), encoding="utf-8",
                            request=Request(url))
    links = {link["url"]: link for link in list_links(response, site, url).links}
    assert set(links) == {"http://www.qw.gov.cn/art/2024/5/8/art_99_5123.html",
                          "http://www.qw.gov.cn/art/2024/5/6/art_99_5117.html"}
    first = links["http://www.qw.gov.cn/art/2024/5/8/art_99_5123.html"]
    assert first["kind"] == "article"
    assert first["hints"] == {"list_title": "青梧高新区新签约项目12个", "list_date": "2024-05-08"}


def test_provincial_script_pager_numbers_pages_from_one():
    scripts = ["createPageHTML('page_div',3, 1,'list','shtml',27);"]
    url = "http://a.cn/clxq/c118402/list.shtml"
    assert discovery.script_pages(scripts, url) == [
        (1, url), (2, "http://a.cn/clxq/c118402/list_2.shtml"),
        (3, "http://a.cn/clxq/c118402/list_3.shtml")]


def test_hanweb_jpage_call_gives_the_pagenum_pages():
    script = ("$('#7562804').jpage({themeName:'default',totalRecord:31,openCookies:false,"
              "groupSize:3,proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:15,"
              "ajaxParam:{col:1,appid:1,webid:3287,path:'/',columnid:1229371,"
              "unitid:'7562804',permissiontype:0}});")
    url = "http://a.cn/col/col1229371/index.html"
    assert discovery.jpage_pages([script], url) == [
        (2, url + "?uid=7562804&pageNum=2"), (3, url + "?uid=7562804&pageNum=3")]
    assert discovery.jpage_pages(["$('#1').jpage({perPage:15})"], url) == []


def test_article_parts_from_script_pager_and_from_pager_links():
    trs = "http://a.cn/xwzx/202405/t20240502_5109.html"
    assert discovery.article_parts(trs, ['createPageHTML(2,0,"t20240502_5109","html")'], []) == [
        "http://a.cn/xwzx/202405/t20240502_5109_1.html"]
    dede = "http://a.cn/a/news/20240101/1234.html"
    hrefs = ["1234.html", "1234_3.html", "/a/news/20240101/1234_2.html#top", "1235_2.html",
             "../20240102/1234_2.html", "1234_2.htm"]
    assert discovery.article_parts(dede, [], hrefs) == [
        "http://a.cn/a/news/20240101/1234_2.html", "http://a.cn/a/news/20240101/1234_3.html"]
    assert discovery.article_parts(dede, [], ["1235.html", "list_1_2.html"]) == []


def test_pages_without_parts_are_told_apart_before_parsing():
    """``may_have_parts`` is a necessary condition of ``article_parts`` finding
    anything: true for every page with parts, false for an ordinary article page."""
    trs = "http://a.cn/xwzx/202405/t20240502_5109.html"
    pager = '<script>createPageHTML(2,0,"t20240502_5109","html")</script>'
    assert discovery.may_have_parts(trs, f"<html><body>{pager}</body></html>")
    dede = "http://a.cn/a/news/20240101/1234.html"
    assert discovery.may_have_parts(dede, '<a href="1234_2.html">2</a>')
    menu = "".join(f'<a href="/a/news/2024010{n}/12{n}.html">{n}</a>' for n in range(9))
    plain = f'<div style="width:100%">{menu}<a href="1234.html">本页</a></div>'
    assert not discovery.may_have_parts(dede, plain)
    assert discovery.article_parts(dede, [], ["1234.html"]) == []
    # a stem that percent-encoding changes: an encoded link may name it
    chinese = "http://a.cn/news/园区新闻.html"
    encoded = '<a href="%E5%9B%AD%E5%8C%BA%E6%96%B0%E9%97%BB_2.html">2</a>'
    assert discovery.may_have_parts(chinese, encoded)
    assert not discovery.may_have_parts(chinese, menu)


@pytest.mark.parametrize("url, expected", [
    ("http://a.cn/news/list.jsp;jsessionid=0A1B2C?page=2", "http://a.cn/news/list.jsp?page=2"),
    ("http://a.cn/show.php?PHPSESSID=abc123&id=7", "http://a.cn/show.php?id=7"),
    ("http://a.cn/show.php?id=7&sid=3", "http://a.cn/show.php?id=7&sid=3"),
    ("http://a.cn/a/news/20240101/1.html", "http://a.cn/a/news/20240101/1.html"),
])
def test_session_ids_are_cut_from_urls(url, expected):
    assert discovery.canonical_url(url) == expected


@pytest.mark.parametrize("url, reason", [
    ("http://a.cn/" + "x" * 600 + ".html", "longer than"),
    ("http://a.cn/cal.php?" + "&".join(f"p{i}=1" for i in range(9)), "query parameters"),
    ("http://a.cn/news/list/news/list/news/list/index.html", "repeats"),
    ("http://a.cn/xwzx/yqdt/index_3.html?page=2&size=20", None),
])
def test_trap_urls_are_recognised(url, reason):
    found = discovery.trap_reason(url)
    assert (found is None) if reason is None else (reason in found)


RSS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>http://a.cn/2024/05/01/a/</link></item>
<item><title>b</title><link> http://a.cn/2024/05/02/b/ </link></item></channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><link rel="alternate" href="http://a.cn/2024/05/03/c/"/>
<link rel="replies" href="http://a.cn/2024/05/03/c/#comments"/></entry></feed>"""


def test_feed_items_from_rss_and_atom_and_junk():
    assert discovery.feed_item_urls(RSS) == ["http://a.cn/2024/05/01/a/",
                                             "http://a.cn/2024/05/02/b/"]
    assert discovery.feed_item_urls(ATOM) == ["http://a.cn/2024/05/03/c/"]
    assert discovery.feed_item_urls(b"<html><body>not a feed") == []
    assert discovery.feed_item_urls(b"") == []
    links = [("alternate", "application/rss+xml", "/feed/"), ("stylesheet", "text/css", "/s.css"),
             ("alternate", "text/html", "/en/"), ("alternate", "application/atom+xml", "/atom")]
    assert discovery.feed_links(links) == ["/feed/", "/atom"]


def test_site_patterns_classify_links_the_rules_miss():
    url = "http://www.qw.gov.cn/odd/list.htm"
    site = parse_sites('[[sites]]\nid="qw"\nname="qw"\nstart_urls=["' + url + '"]\n'
                       'article_patterns = ["/odd/item\\\\?no=\\\\d+$"]\n'
                       'list_patterns = ["/odd/list\\\\.htm\\\\?from=\\\\d+$"]\n')[0]
    body = ('<html><body><a href="item?no=1">一</a><a href="list.htm?from=2">续</a>'
            '<a href="other.htm">别的</a></body></html>')
    response = HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))
    kinds = {link["url"]: link["kind"] for link in list_links(response, site, url).links}
    assert kinds == {"http://www.qw.gov.cn/odd/item?no=1": "article",
                     "http://www.qw.gov.cn/odd/list.htm?from=2": "list"}


def test_known_articles_are_skipped_until_due_then_asked_conditionally():
    from scrapy.utils.test import get_crawler

    spider = ParkSpider.from_crawler(get_crawler(ParkSpider, {"ARCHIVE_DB": ""}), site=SITE)
    due = "http://www.yx.gov.cn/xwzx/yqdt/202405/t20240501_1.html"
    fresh = "http://www.yx.gov.cn/xwzx/yqdt/202405/t20240502_2.html"
    spider.known = {
        due: {"kind": "article", "checked_at": "2024-05-01T00:00:00+00:00", "etag": '"e1"',
              "last_modified": "Wed, 01 May 2024 08:00:00 GMT", "status": "live"},
        fresh: {"kind": "article", "checked_at": "2999-01-01T00:00:00+00:00", "etag": None,
                "last_modified": None, "status": "live"},
    }
    spider.recheck_before = "2026-01-01T00:00:00+00:00"
    request = spider._article_request(due, None)
    assert request.headers.get("If-None-Match") == b'"e1"'
    assert request.headers.get("If-Modified-Since") == b"Wed, 01 May 2024 08:00:00 GMT"
    assert request.meta["handle_httpstatus_list"] == [304]
    assert spider._article_request(fresh, None) is None
    assert spider.due_rechecks() == [due]
    new = spider._article_request("http://www.yx.gov.cn/xwzx/yqdt/202405/t20240503_3.html", None)
    assert "If-None-Match" not in new.headers and "handle_httpstatus_list" not in new.meta


@pytest.mark.parametrize("url, list_url, expected", [
    ("http://a.cn/news/list-7-2.html", "http://a.cn/news/list-7-1.html", True),
    ("http://a.cn/news/list-5-1.html", "http://a.cn/news/list-7-1.html", False),  # a column
    ("http://a.cn/a/news/list_1_3.html", "http://a.cn/a/news/list_1_1.html", True),
    ("http://a.cn/news.asp?lb=%D4%B0&page=2", "http://a.cn/news.asp?lb=%D4%B0&page=1", True),
    ("http://a.cn/news.asp?lb=%C6%F3&page=1", "http://a.cn/news.asp?lb=%D4%B0&page=1", False),
    ("http://a.cn/gqxw1/yw/128.htm", "http://a.cn/gqxw1/yw.htm", True),  # VSB, backwards
])
def test_pages_of_this_list_not_of_a_sibling_column(url, list_url, expected):
    assert discovery.is_pagination(url, "下一页", list_url) is expected


def _spider(max_pages: int | None = None, role: str = "start"):
    from scrapy.utils.test import get_crawler

    text = ('[[sites]]\nid = "yx"\nname = "云溪"\nstart_urls = ["http://www.yx.gov.cn/"]\n'
            + (f"max_pages = {max_pages}\n" if max_pages else ""))
    (site,) = parse_sites(text)
    crawler = get_crawler(ParkSpider, {"ARCHIVE_DB": "", "PARKNEWS_WARC_ENABLED": False})
    spider = ParkSpider.from_crawler(crawler, site=site)
    spider.crawler.stats.open_spider()
    return spider


def _parse(spider, url: str, body: str, role: str = "start"):
    request = Request(url, meta={"kind": "list", "role": role, "list_start": url,
                                 "page_no": 1})
    response = HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)
    return list(spider.parse_list_here(response))


def test_max_pages_bounds_a_script_pager_naming_every_page():
    url = "http://www.yx.gov.cn/xwzx/yqdt/index.html"
    body = TRS_JS_LIST.replace("createPageHTML(5, 0", "createPageHTML(10, 0")
    out = _parse(_spider(max_pages=3), url, body)
    lists = sorted(r.url.rsplit("/", 1)[-1] for r in out
                   if isinstance(r, Request) and r.meta.get("kind") == "list")
    assert lists == ["index_1.html", "index_2.html"]  # with the first: 3 pages


def test_max_pages_bounds_the_distinct_pages_whatever_the_pager_says():
    """Pager links without page numbers (下一页, 尾页, », 末页) all look like "the next
    page" from page 1: the list still gets max_pages pages in all."""
    url = "http://www.yx.gov.cn/xwzx/yqdt/index.html"
    pager = ("<div class='page'><a href='index_1.html'>下一页</a><a href='index_2.html'>»</a>"
             "<a href='index_8.html'>末页</a><a href='index_9.html'>尾页</a></div>")
    body = TRS_JS_LIST.replace('createPageHTML(5, 0, "index", "html");', "").replace(
        "</body>", pager + "</body>")
    out = _parse(_spider(max_pages=3), url, body)
    lists = [r.url for r in out if isinstance(r, Request) and r.meta.get("kind") == "list"]
    assert len(lists) == 2 and len(set(lists)) == 2


def test_a_one_page_column_of_two_notices_is_read_as_a_list():
    items = "".join(f"<li><a href='/tzgg/{n}.htm'>关于开展2024年度园区安全生产检查的通知（第{n}号）"
                    f"</a><span>2024-05-0{n}</span></li>" for n in (1, 2))
    body = ("<html><body><ul class='nav'><li><a href='/'>首页</a></li><li><a href='/xwzx/'>"
            "新闻中心</a></li><li><a href='/tzgg/'>通知公告</a></li><li><a href='/hd/'>互动交流"
            f"</a></li></ul><div class='main'><ul>{items}</ul></div></body></html>")
    out = _parse(_spider(), "http://www.yx.gov.cn/tzgg/", body, role="column")
    articles = sorted(r.url for r in out if isinstance(r, Request)
                      and r.meta.get("kind") == "article")
    assert articles == ["http://www.yx.gov.cn/tzgg/1.htm", "http://www.yx.gov.cn/tzgg/2.htm"]
    pages = [p for p in out if not isinstance(p, Request)]
    assert [p.kind for p in pages] == ["list"]


def test_a_start_page_that_is_a_hub_leads_to_its_columns_not_its_skipped_ones():
    box = ("<div class='box'><div class='hd'><span>{name}</span><a class='more' href='{url}'>"
           "更多</a></div><ul>{items}</ul></div>")
    items = "".join(f"<li><a href='/x/{n}.html'>园区重点项目集中开工仪式隆重举行第{n}批</a>"
                    f"<span>2024-05-0{n}</span></li>" for n in range(1, 5))
    body = ("<html><body>" + box.format(name="园区动态", url="/yqdt/", items=items)
            + box.format(name="办事指南", url="/bszn/", items=items.replace("/x/", "/y/"))
            + "</body></html>")
    spider = _spider()
    spider.site = dataclasses.replace(spider.site, skip_columns=("动态",))
    out = _parse(spider, "http://www.yx.gov.cn/", body)
    assert [p.kind for p in out if not isinstance(p, Request)] == ["hub"]
    assert not [r for r in out if isinstance(r, Request)]  # 园区动态 skipped, 办事指南 never
    out = _parse(_spider(), "http://www.yx.gov.cn/", body)
    columns = [r for r in out if isinstance(r, Request) and r.meta.get("role") == "column"]
    assert [(r.url, r.meta["column"]) for r in columns] == [
        ("http://www.yx.gov.cn/yqdt/", "园区动态")]


@pytest.mark.parametrize("crawl", ["one site", "many sites", "distributed worker"])
def test_spider_middlewares_take_the_async_list_callback_as_it_is(crawl):
    """``parse_list`` is an async generator: a spider middleware without an async
    ``process_spider_output`` would make Scrapy downgrade its output (with a warning)."""
    import inspect

    from scrapy.utils.conf import build_component_list
    from scrapy.utils.misc import load_object

    from parknews.crawler.distributed import worker_settings
    from parknews.crawler.manysites import ManySitesSpider
    from parknews.crawler.runner import crawl_settings

    assert inspect.isasyncgenfunction(ParkSpider.parse_list)
    if crawl == "distributed worker":
        settings = worker_settings("redis://127.0.0.1:1/0", "t", "")
    else:
        settings = crawl_settings("")
        if crawl == "many sites":
            ManySitesSpider.update_settings(settings)
    middlewares = build_component_list(settings.getwithbase("SPIDER_MIDDLEWARES"))
    assert middlewares
    for path in middlewares:
        cls = load_object(path)
        output = getattr(cls, "process_spider_output", None)
        assert (output is None or inspect.isasyncgenfunction(output)
                or hasattr(cls, "process_spider_output_async")), path
