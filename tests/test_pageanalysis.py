"""Pages told apart by their structure (crawler/pageanalysis.py, linkblocks.py,
columns.py): lists whose items have no date or odd URL shapes, hubs with their news
columns, articles; on small pages of our own in the shapes real sites use."""

from __future__ import annotations

import pytest
from lxml import html

from parknews.crawler.columns import select_columns
from parknews.crawler.linkblocks import url_template
from parknews.crawler.pageanalysis import analyse

BASE = "http://www.qingwu.gov.cn"


def page(body: str, head: str = "") -> html.HtmlElement:
    return html.document_fromstring(
        f"<html><head><meta charset='utf-8'><title>青梧高新区</title>{head}</head>"
        f"<body>{body}</body></html>")


NAV = ("<ul class='nav'><li><a href='/'>首页</a></li><li><a href='/yqgk/'>园区概况</a></li>"
       "<li><a href='/xwzx/'>新闻中心</a></li><li><a href='/hdjl/'>互动交流</a></li>"
       "<li><a href='/bsfw/'>办事服务</a></li><li><a href='/login.html'>用户登录</a></li></ul>")
TITLES = ["青梧高新区召开2024年重点项目建设推进会", "园区企业服务专员制度全面推行",
          "新材料产业园二期工程主体结构封顶", "青梧高新区举办人才招聘周活动",
          "智能装备产业链招商推介会在深圳举行", "青梧高新区获评省级绿色园区",
          "生物医药孵化器新入驻企业12家"]


def _urls(links) -> list[str]:
    return [link.url for link in links]


def test_a_list_of_div_rows_without_dates_and_odd_urls():
    rows = "".join(f"<div class='row'><h3><a href='/news/detail?no={n}'>{t}</a></h3>"
                   f"<p>{t}。园区相关负责人介绍了有关情况。</p></div>"
                   for n, t in enumerate(TITLES))
    pager = ("<div class='pages'><a href='/news/list?from=0'>1</a><a href='/news/list?from=7'>"
             "2</a><a href='/news/list?from=7'>下一页&gt;&gt;</a></div>")
    result = analyse(page(NAV + f"<div class='list'>{rows}</div>{pager}"),
                     f"{BASE}/news/list?from=0")
    assert result.kind == "list"
    assert _urls(result.articles) == [f"{BASE}/news/detail?no={n}" for n in range(7)]
    assert _urls(result.pagers) == [f"{BASE}/news/list?from=7"]


def test_a_ranking_table_with_click_counts_and_pdf_notices():
    rows = "".join(f"<tr><td>{n + 1}</td><td><a href='/tzgg/{9000 + n}.htm'>{t}</a></td>"
                   f"<td>{300 - n}</td></tr>" for n, t in enumerate(TITLES[:5]))
    files = "".join(f"<div class='file'><a href='/upload/notice{n}.pdf'>关于申报2024年度"
                    f"专项资金的通知（第{n}批）</a><span>2024-05-0{n + 1}</span></div>"
                    for n in range(3))
    result = analyse(page(NAV + f"<table class='ranking'>{rows}</table>"), f"{BASE}/tzgg/")
    assert _urls(result.articles) == [f"{BASE}/tzgg/{9000 + n}.htm" for n in range(5)]
    files_result = analyse(page(NAV + f"<div class='files'>{files}</div>"), f"{BASE}/tzgg/")
    assert _urls(files_result.attachments) == [
        f"{BASE}/upload/notice{n}.pdf" for n in range(3)]


def test_a_sidebar_ranking_is_not_the_main_list():
    main = "".join(f"<li><a href='/a/{n}.html'>{t}</a><span>2024-05-{10 + n}</span></li>"
                   for n, t in enumerate(TITLES))
    side = "".join(f"<li><a href='/a/{50 + n}.html'>{t}</a></li>" for n, t in enumerate(TITLES))
    body = (NAV + f"<div class='main'><ul>{main}</ul></div>"
            f"<div class='right'><h3>点击排行</h3><ul>{side}</ul></div>")
    result = analyse(page(body), f"{BASE}/a/")
    assert _urls(result.articles) == [f"{BASE}/a/{n}.html" for n in range(7)]


def _home(extra: str = "", head: str = "") -> html.HtmlElement:
    def block(name, more, prefix, dated=True, img=False):
        items = "".join(
            f"<li><a href='{prefix}{2024050 + n}.html'>{t}</a>"
            + (f"<span>2024-05-0{n + 1}</span>" if dated else "") + "</li>"
            for n, t in enumerate(TITLES[:4]))
        link = (f"<a href='{more}'><img src='/images/more.gif'></a>" if img
                else f"<a href='{more}' class='more'>更多&gt;&gt;</a>")
        return (f"<div class='box'><div class='hd'><span>{name}</span>{link}</div>"
                f"<ul>{items}</ul></div>")

    body = (NAV + block("园区要闻", "/xwzx/yqyw/", "/xwzx/yqyw/t")
            + block("媒体聚焦", "/xwzx/mtjj/", "/xwzx/mtjj/t", dated=False, img=True)
            + block("办事指南", "/bszn/", "/bszn/t") + block("企业风采", "/qyfc/", "/qyfc/t")
            + extra)
    return page(body, head)


def test_a_home_page_is_a_hub_of_its_news_columns():
    result = analyse(_home(), f"{BASE}/")
    assert result.kind == "hub"
    columns = {c.url: c for c in result.columns}
    assert f"{BASE}/xwzx/yqyw/" in columns and columns[f"{BASE}/xwzx/yqyw/"].source == "more"
    assert columns[f"{BASE}/xwzx/mtjj/"].name == "媒体聚焦"  # an image "more" link
    assert f"{BASE}/xwzx/" in columns  # 新闻中心 in the menu
    for never in ("/bszn/", "/qyfc/", "/hdjl/", "/bsfw/", "/login.html", "/yqgk/", "/"):
        assert f"{BASE}{never}" not in columns, never
    hub_items = set(_urls(result.hub_articles))
    assert f"{BASE}/xwzx/mtjj/t2024050.html" in hub_items
    assert not {u for u in hub_items if "/bszn/" in u or "/qyfc/" in u}


def test_menus_written_by_script_are_read():
    written = ("<script>document.write('<ul class=\"sub\"><li><a href=\"/xwzx/tzgg/\">"
               "通知公告</a></li></ul>');</script>")
    variable = ("<script>var menus = [{name: '政策解读', url: '/zcjd/'}, "
                "{name: '网上办事', url: '/wsbs/'}];</script>")
    result = analyse(_home(written + variable), f"{BASE}/index.html")
    columns = {c.url for c in result.columns}
    assert {f"{BASE}/xwzx/tzgg/", f"{BASE}/zcjd/"} <= columns
    assert f"{BASE}/wsbs/" not in columns


def test_sites_toml_columns_and_skip_columns_choose():
    result = analyse(_home(), f"{BASE}/")
    only = select_columns(result.columns, result.links, ("要闻", "/qyfc/"), (), f"{BASE}/",
                          lambda url: url.startswith(BASE))
    assert {c.url for c in only} == {f"{BASE}/xwzx/yqyw/", f"{BASE}/qyfc/"}  # named: taken
    without = select_columns(result.columns, result.links, (), ("媒体",))
    assert f"{BASE}/xwzx/mtjj/" not in {c.url for c in without}


def test_an_article_page_is_an_article():
    text = "".join(f"<p>{t}。" + "园区坚持项目为王，推动重点项目早开工早投产，" * 3 + "</p>"
                   for t in TITLES)
    related = "".join(f"<li><a href='/a/{n}.html'>{t}</a></li>" for n, t in enumerate(TITLES))
    body = (NAV + f"<h1>{TITLES[0]}</h1><div class='content'>{text}</div>"
            f"<div class='related'><h3>相关新闻</h3><ul>{related}</ul></div>")
    assert analyse(page(body), f"{BASE}/xwzx/yqyw/2024/0501/123.shtml").kind == "article"


def test_a_list_drawn_by_script_is_a_list_not_a_hub():
    body = NAV + "<ul id='list' v-for='item in items'></ul><script>new Vue({});</script>"
    result = analyse(page(body), f"{BASE}/xwzx/yqyw/index.html")
    assert result.kind == "list" and "JavaScript" in result.why


def test_a_menu_of_years_is_not_a_pager():
    years = "".join(f"<li><a href='/zwgk/c{n}/list.shtml'>{2024 - n}</a></li>" for n in range(6))
    items = "".join(f"<li><a href='/zwgk/c9/{n}.shtml'>{t}</a><span>2024-05-0{n + 1}</span></li>"
                    for n, t in enumerate(TITLES))
    result = analyse(page(NAV + f"<ul class='years'>{years}</ul><ul>{items}</ul>"),
                     f"{BASE}/zwgk/c9/list.shtml")
    assert result.pagers == []


@pytest.mark.parametrize("url, shape", [
    ("http://a.cn/info/1057/8920.htm", "a.cn/info/0/0.htm"),
    ("http://a.cn/28/e4/c21558a534756/page.htm", "a.cn/0/0/0/page.htm"),
    ("http://a.cn/news/detail?no=3&x=1", "a.cn/news/detail?no&x"),
])
def test_url_templates(url, shape):
    assert url_template(url) == shape


def test_a_two_item_column_inside_a_page_of_three_parts_is_found():
    """breadcrumb, sidebar and list box are three siblings of one container: no list of
    three, but the two dated notices inside the box are the column's list."""
    items = "".join(f"<li><a href='/c9/2024050{n}/{n}.shtml'>关于做好2024年园区企业安全生产"
                    f"工作的通知（{n}）</a><span>2024-05-0{n}</span></li>" for n in (1, 2))
    body = (NAV + "<div class='main_box'><div class='position'><a href='/'>首页</a></div>"
            "<div class='side_box'><a href='/c8/list.shtml'>通知公告</a><a href='/c7/"
            "list.shtml'>工作动态</a></div>"
            f"<div class='list_box'><ul class='list'>{items}</ul></div></div>")
    result = analyse(page(body), f"{BASE}/c9/list.shtml", expect_list=True)
    assert result.kind == "list"
    assert _urls(result.articles) == [f"{BASE}/c9/2024050{n}/{n}.shtml" for n in (1, 2)]


def test_a_one_page_hanweb_column_is_a_list():
    records = "".join(f"<record><![CDATA[<li><a href='/art/2024/5/{n}/art_1_{n}.html'>"
                      f"园区举行第{n}场企业服务日活动</a><span>2024-05-0{n}</span></li>]]>"
                      "</record>" for n in (1, 2))
    script = (f"<div id='3001'><script type='text/xml'><datastore><recordset>{records}"
              "</recordset></datastore></script><script>$('#3001').jpage({dataStore: "
              "dataStore, totalRecord: 2, perPage: 15, unitid: '3001'});</script></div>")
    result = analyse(page(NAV + script), f"{BASE}/col/col9/index.html")
    assert result.kind == "list"
    assert len(result.articles) == 2
