"""Templates of a park sub-site on a provincial 集约化 platform (川陵新区管委会), UTF-8.

Gansu-style static files: channel list ``/clxq/c118402/list.shtml`` with
``li > a[title] + b(date)`` items, no pager links in the HTML, only
``<div id="page_div"></div>`` filled by ``createPageHTML('page_div',3, 1,'list','shtml',7)``
(div id, page count, current page from 1, base name, extension, record count) from
``/clxq/xhtml/js/page.js``. Page 1 is ``list.shtml``, page k > 1 is ``list_k.shtml``.
Documents ``/clxq/c118402/YYYYMM/<id>.shtml`` with h1, ``div.info`` (日期：… 来源：…),
``#detailContent``, 扫一扫, a hidden 相关链接 block; metas channelId/code/others as #09/#11.
One list item's document answers 500; the 旧版网站 link is a redirect loop; a 内部管理
link goes to a document-shaped URL under a robots.txt-disallowed directory.

The home page (``/`` and ``/clxq/index.shtml``, issue 19) shows a block per column with a
更多+ link (新区动态, the further columns of ``data/columns/province.toml``: 通知公告,
媒体聚焦 without dates, the 办事指南 a news crawler must skip) and a 快捷入口 menu written by
``document.write`` (工作动态, linked nowhere else); its menu's 新闻动态 (c118400) is a
channel page of its news columns' blocks, 政务公开 (c118410) a short page. Every column is
a channel of its own (``/clxq/c<id>/list.shtml``, list_2.shtml …, createPageHTML pager).

Evidence for the paging URLs (the 6-argument createPageHTML, unlike TRS's 4-argument one):
- realpages #09 (jyt.gansu.gov.cn/jyt/c110634/zwgklist.shtml) calls
  ``createPageHTML('page_div',10, 1,'zwgklist','shtml',200)`` after loading
  ``/jyt/xhtml/js/page.js``; its first page is ``zwgklist.shtml`` and its current index is 1.
- a public copy of that page.js (``function createPageHTML(divName,_nPageCount, _nCurrIndex,
  _sPageName, _sPageExt,_nPageSum)``, found with find_string) writes page k as
  ``_sPageName + (k > 1 ? "_" + k : "") + "." + _sPageExt`` and 下一页 as
  ``_sPageName + "_" + (nCurrIndex+1)``: 1-based, so page 2 is ``zwgklist_2.shtml``.
- crawlers of sites using the same call agree: Kunshan ``common_list_${page}.shtml`` for
  page >= 2 next to ``createPageHTML('page_div',22,1,'common_list','shtml',325)``; gfex
  ``/gfex/bsyw/list_yw_%d.shtml`` for ``createPageHTML('page_div',…,1,'list_yw','shtml',25)``;
  Shaoyang notes "createPageHTML('page_div',10, 1,'xlist','shtml',189) → 分页为后缀式
  xlist_N.shtml"; a CSRC plan ``createPageHTML('page_div', 5, 1, 'fg', 'shtml', 89)``.
  (One namoc.cn crawler assumes ``dc_list_1.shtml`` for page 2; the page.js says otherwise.)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from string import Template

from . import traps
from .common import BuildContext, build_further_columns, esc, html_page, script
from .corpus import Entry, MockColumn, SiteConfig, is_heading, paginate, site_columns, text_of
from .model import ExpectedArticle, SiteBuild

logger = logging.getLogger(__name__)

SITE_DIR = "/clxq/"
CHANNEL = "c118402"
COLUMN = f"{SITE_DIR}{CHANNEL}/"
PAGE_JS = f"{SITE_DIR}xhtml/js/page.js"
NEWS = f"{SITE_DIR}c118400/list.shtml"  # 新闻动态, the main column's channel
OPEN = f"{SITE_DIR}c118410/list.shtml"  # 政务公开

# Our own page.js, behaving as the platform's does (pages from 1; page k is name_k.ext).
PAGE_SCRIPT = """function createPageHTML(divName, _nPageCount, _nCurrIndex, _sPageName,
    _sPageExt, _nPageSum) {
  if (_nPageCount == null || _nPageCount < 1) { return; }
  function name(k) { return _sPageName + (k > 1 ? "_" + k : "") + "." + _sPageExt; }
  var html = "<span><a href=\\"" + name(1) + "\\">首页</a></span>";
  if (_nCurrIndex > 1) {
    html += "<span><a href=\\"" + name(_nCurrIndex - 1) + "\\">上一页</a></span>";
  }
  for (var k = 1; k <= _nPageCount; k++) {
    html += (k == _nCurrIndex) ? "<span class=\\"index_num\\">" + k + "</span>"
      : "<span><a href=\\"" + name(k) + "\\">" + k + "</a></span>";
  }
  if (_nCurrIndex < _nPageCount) {
    html += "<span><a href=\\"" + name(_nCurrIndex + 1) + "\\">下一页</a></span>";
  }
  html += "<span>共 " + _nPageSum + " 条 共 " + _nPageCount + " 页</span>";
  document.getElementById(divName).innerHTML = html;
}
"""

PAGE = Template("""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta name="channelId" content="$channel_uuid">
<meta name="code" content="$channel">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<meta name="SiteName" content="$site_name"/>
<meta name="SiteDomain" content="$domain"/>
<meta name="SiteIDCode" content="$site_code"/>
<meta name="ColumnName" content="$column"/>
$metas<meta name="template,templategroup,version" content="6712,default,1.6"/>
<title>$title_tag</title>
<link rel="stylesheet" type="text/css" href="${site_dir}xhtml/css/common.css"/>
<script type="text/javascript" src="${site_dir}xhtml/js/jquery.min.js"></script>
</head>
<body>
<div class="top_box"><div class="top_con">
<span class="fl">$site_name</span>
<span class="fr"><a href="$old_site">旧版网站</a> | <a href="javascript:;"
id="wza">无障碍</a></span>
</div></div>
<div class="nav_box"><ul class="nav">
$menu</ul></div>
<div class="main_box">
$main
</div>
<div class="links_box"><span>相关网站：</span>
$friends</div>
<div class="foot_box"><div class="foot_con">
<div class="foot_left">
<script type="text/javascript">
document.write(unescape("%3Cspan id='_ideConac' %3E%3C/span%3E%3Cscript "
  + "src='https://dcs.conac.cn/js/28/000/0000/60619479/CA280000000606199990001.js' "
  + "type='text/javascript'%3E%3C/script%3E"));
</script>
<script id="_jiucuo_" sitecode='$site_code' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'>
</script>
</div>
<div class="foot_middle">
<p>主办单位：$sponsor　　制作维护：$maintainer</p>
<p>地址：$address　　联系电话：$phone</p>
<p>网站标识码：$site_code　<a href="https://beian.miit.gov.cn/" target="_blank">$icp</a>　<a
href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=$police_code"
target="_blank">$police</a></p>
</div>
</div></div>
</body>
</html>
""")

LIST_MAIN = Template("""<div class="position">您当前的位置：<a
href="${site_dir}index.shtml">首页</a>
&gt; <a href="$parent_path">$parent</a> &gt; <a
href="${column_dir}list.shtml">$column</a></div>
<div class="side_box"><h2>$parent</h2><ul class="side_nav">
$sub_menu</ul>
<div class="side_links"><h3>相关栏目</h3><ul>
$internal</ul></div></div>
<div class="list_box">
<div class="list_title"><a style="cursor: default;">$column</a></div>
<div class="list_con">
<input id="page" type="hidden" value="$current">
<input id="pageSize" type="hidden" value="$per_page">
<ul class="list">
$items</ul>
</div>
<div class="fenye"><div class="page">
<div id="page_div"></div>
</div></div>
<script type="text/javascript" src="$page_js"></script>
<script>createPageHTML('page_div',$pages, $current,'list','shtml',$total);</script>
</div>""")

ARTICLE_MAIN = Template("""<div class="position">您当前的位置：<a
href="${site_dir}index.shtml">首页</a>
&gt; <a href="$parent_path">$parent</a> &gt; <a
href="${column_dir}list.shtml">$column</a></div>
<div class="main mt8">
<h1>$title</h1>
<div class="info clearbox">
<p>日期：$pubdate　来源：$source</p>
<div class="m-share"><span class="fl fxd">分享：</span><a class="share-wechat"
href="javascript:;"></a><a class="share-weibo" href="javascript:;"></a></div>
<div class="font-size">字号：<a href="javascript:;" class="big">大</a> <a href="javascript:;"
class="middle">中</a> <a href="javascript:;" class="small">小</a></div>
<div class="clear"></div>
</div>
<div class="detailContent" id="detailContent">
$body
</div>
<div class="print"><a href="javascript:window.print();">打印本页</a> <a
href="javascript:window.close();">关闭窗口</a></div>
<div id="div_div"><div id="qr_container">扫一扫在手机打开当前页</div></div>
<div class="xxgk_xglj" style="display:none;">
<h2>相关链接</h2>
<ul class="xggj">
$related</ul>
</div>
</div>""")


@dataclass(frozen=True)
class Column:
    """A channel as the templates need it: its code, name, parent channel and side menu."""

    channel: str  # "c118402"
    name: str
    parent: str
    parent_path: str
    sub_menu: tuple[tuple[str, str], ...] = ()

    @property
    def folder(self) -> str:
        return f"{SITE_DIR}{self.channel}/"


def main_column(site: SiteConfig) -> Column:
    return Column(CHANNEL, site.column, site.get("parent_column"), NEWS,
                  tuple((label, href) for label, href in site.get("sub_menu")))


def _further(site: SiteConfig, mock: MockColumn) -> Column:
    """A further column: beside the main one in its channel (the same side menu), or
    alone in another channel."""
    parent_path = mock.get("parent_path")
    if parent_path == NEWS:
        sub_menu = main_column(site).sub_menu
    else:
        sub_menu = ((mock.name, f"{mock.path}list.shtml"),)
    channel = mock.path.removeprefix(SITE_DIR).strip("/")
    return Column(channel, mock.name, mock.get("parent"), parent_path, sub_menu)


def column_path(entry: Entry) -> str:
    """The folder of an entry's channel: the main column's, or a further one's ``path``."""
    if not entry.column:
        return COLUMN
    return next(c.path for c in site_columns(entry.site) if c.key == entry.column)


def article_path(entry: Entry) -> str:
    return f"{column_path(entry)}{entry.ymd[:6]}/{entry.doc_id}.shtml"


def _doc_path(date: str, doc_id: int) -> str:
    return f"{COLUMN}{date.replace('-', '')[:6]}/{doc_id}.shtml"


def list_path(number: int, column: str = COLUMN) -> str:
    """List page ``number`` (from 1): list.shtml, list_2.shtml, list_3.shtml …"""
    return f"{column}list.shtml" if number == 1 else f"{column}list_{number}.shtml"


def _page(
    site: SiteConfig,
    ctx: BuildContext,
    title_tag: str,
    metas: str,
    main: str,
    links: dict[str, list[tuple[str, str]]],
    channel: str = CHANNEL,
    column: str | None = None,
) -> str:
    menu = "".join(
        f'<li><a href="{esc(href)}">{esc(label)}</a></li>\n' for label, href in site.get("menu")
    )
    friends = "".join(
        f'<a href="{esc(url)}" target="_blank">{esc(label)}</a>\n'
        for label, url in links["offsite"]
    )
    return PAGE.substitute(
        channel_uuid=site.get("channel_uuid"),
        channel=channel,
        site_name=esc(site.name),
        domain=ctx.base_url[7:],
        site_code=site.get("site_code"),
        column=esc(site.column if column is None else column),
        metas=metas,
        title_tag=esc(title_tag),
        site_dir=SITE_DIR,
        old_site=esc(links["redirect"][0][1]),
        menu=menu,
        main=main,
        friends=friends,
        sponsor=esc(site.get("sponsor")),
        maintainer=esc(site.get("maintainer")),
        address=esc(site.get("address")),
        phone=esc(site.get("phone")),
        icp=esc(site.get("icp")),
        police=esc(site.get("police")),
        police_code=site.get("police_code"),
    )


def _items(entries: list[Entry], failing: Sequence[dict] = ()) -> list[str]:
    """The list items, newest first, a failing document among them by date."""
    rows = [(e.date, e.doc_id, e.title, article_path(e)) for e in entries]
    for item in failing:
        rows.append(
            (item["date"], item["doc_id"], item["title"], _doc_path(item["date"], item["doc_id"]))
        )
    rows.sort(reverse=True)
    return [
        f'<li>\n<a target="_blank" href="{path}" title="{esc(title)}">\n{esc(title)}\n</a>\n'
        f"<b>{date}</b>\n</li>\n"
        for date, _, title, path in rows
    ]


def _list_page(
    site: SiteConfig,
    ctx: BuildContext,
    chunk: list[str],
    number: int,
    pages: int,
    total: int,
    links: dict[str, list[tuple[str, str]]],
    column: Column,
) -> str:
    sub_menu = "".join(
        f'<li><a href="{esc(href)}">{esc(label)}</a></li>\n' for label, href in column.sub_menu
    )
    internal = "".join(
        f'<li><a href="{esc(path)}" target="_blank">{esc(label)}</a></li>\n'
        for label, path in links["disallowed"]
    )
    main = LIST_MAIN.substitute(
        site_dir=SITE_DIR,
        parent=esc(column.parent),
        parent_path=column.parent_path,
        column_dir=column.folder,
        column=esc(column.name),
        sub_menu=sub_menu,
        internal=internal,
        current=number,
        per_page=site.per_page,
        items="\n".join(chunk),
        page_js=PAGE_JS,
        pages=pages,
        total=total,
    )
    metas = '<meta name="others" content="页面生成时间 2024-05-17 18:30:12"/>\n'
    return _page(site, ctx, f"{column.name}-{site.name}", metas, main, links, column.channel,
                 column.name)


def _body(entry: Entry) -> str:
    out = []
    for paragraph in entry.paragraphs:
        if is_heading(paragraph):
            out.append(
                '<p style="margin-top: 0px; margin-bottom: 0px; text-indent: 2em;">'
                f"<strong>{esc(text_of(paragraph))}</strong></p>"
            )
        else:
            out.append(
                '<p align="" style="margin-top: 0px; margin-bottom: 0px; text-indent: 2em; '
                f'text-align: justify;">{esc(paragraph)}</p>'
            )
    return "\n".join(out)


def _article(
    site: SiteConfig,
    ctx: BuildContext,
    entries: list[Entry],
    index: int,
    links: dict[str, list[tuple[str, str]]],
    column: Column,
) -> tuple[str, ExpectedArticle]:
    entry = entries[index]
    pubdate = f"{entry.date} {entry.time}".strip()
    related = [entries[(index + step) % len(entries)] for step in (1, 2)]
    related_html = "".join(
        f"<li>\n<a href='{article_path(r)}' target=\"_blank\">{esc(r.title)}</a>\n</li>\n"
        for r in related
        if r is not entry
    )
    metas = "".join(
        f'<meta name="{name}" content="{esc(value)}"/>\n'
        for name, value in (
            ("ArticleTitle", entry.title),
            ("PubDate", pubdate),
            ("ContentSource", entry.source),
            ("Keywords", ""),
            ("Description", entry.summary or ""),
            ("others", f"页面生成时间 {entry.date} {entry.time or '09:00'}:36"),
        )
    )
    main = ARTICLE_MAIN.substitute(
        site_dir=SITE_DIR,
        parent=esc(column.parent),
        parent_path=column.parent_path,
        column_dir=column.folder,
        column=esc(column.name),
        title=esc(entry.title),
        pubdate=pubdate,
        source=esc(entry.source),
        body=_body(entry),
        related=related_html,
    )
    text = _page(site, ctx, entry.title, metas, main, links, column.channel, column.name)
    must_not = [
        "您当前的位置",
        f"日期：{pubdate}",
        f"来源：{entry.source}",
        "分享：",
        "字号：",
        "打印本页",
        "扫一扫在手机打开当前页",
        "相关链接",
        "网站标识码",
        "旧版网站",
        site.get("icp"),
        site.get("police"),
        f"主办单位：{site.get('sponsor')}",
        *(r.title for r in related if r is not entry),
    ]
    url = ctx.absolute(article_path(entry))
    return text, entry.expected(url, must_not, entry.summary)


TOMCAT_500 = """<!doctype html><html lang="en"><head><title>HTTP Status 500 – Internal Server
Error</title></head><body><h1>HTTP Status 500 – Internal Server Error</h1><hr class="line" />
<p><b>Type</b> Exception Report</p><p><b>Message</b> Request processing failed</p>
<p><b>Description</b> The server encountered an unexpected condition that prevented it from
fulfilling the request.</p><hr class="line" /><h3>Apache Tomcat</h3></body></html>"""




def _lists(site: SiteConfig, ctx: BuildContext, out: SiteBuild, column: Column,
           items: list[str], links: dict[str, list[tuple[str, str]]]) -> list[str]:
    """The list pages of one channel (list.shtml, list_2.shtml …); their URLs."""
    pages = paginate(items, site.per_page)
    urls = []
    for number, chunk in enumerate(pages, start=1):
        text = _list_page(site, ctx, chunk, number, len(pages), len(items), links, column)
        out.routes[list_path(number, column.folder)] = html_page(text)
        urls.append(ctx.absolute(list_path(number, column.folder)))
    return urls


def _articles(site: SiteConfig, ctx: BuildContext, out: SiteBuild, entries: list[Entry],
              links: dict[str, list[tuple[str, str]]], column: Column,
              into: dict[str, ExpectedArticle]) -> None:
    for index, entry in enumerate(entries):
        text, expected = _article(site, ctx, entries, index, links, column)
        out.routes[article_path(entry)] = html_page(text)
        into[expected.url] = expected


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={})
    traps.add_robots(out, site)
    loop = traps.add_redirect_loop(out, site, ctx)
    links = {
        "disallowed": traps.disallowed_links(out, site, ctx),
        "offsite": traps.offsite_links(out, site, ctx),
        "redirect": [("旧版网站", loop or "/")],
    }
    main = main_column(site)
    out.list_urls = _lists(site, ctx, out, main, _items(entries, site.get("failing", [])),
                           links)
    out.routes[PAGE_JS] = script(PAGE_SCRIPT)
    for item in site.get("failing", []):
        path = _doc_path(item["date"], item["doc_id"])
        error = traps.server_error(TOMCAT_500) if item["status"] == 500 else None
        traps.add_failing(out, ctx, path, item["status"], error)
    _articles(site, ctx, out, entries, links, main, out.articles)
    further = _further_columns(site, ctx, out, links)
    home_text = _page(site, ctx, site.name, "", _home(site, entries, further), links)
    out.routes[f"{SITE_DIR}index.shtml"] = html_page(home_text)
    out.routes["/"] = html_page(home_text)
    out.routes[NEWS] = html_page(_page(
        site, ctx, f"{main.parent}-{site.name}", "", _news_centre(site, entries, further),
        links, "c118400", main.parent))
    out.routes[OPEN] = html_page(_page(
        site, ctx, f"政务公开-{site.name}", "", OPEN_MAIN.substitute(
            site_dir=SITE_DIR, open=OPEN, name=esc(site.name)), links, "c118410", "政务公开"))
    logger.debug("built province site: %s routes", len(out.routes))
    return out


# -- the home page and the further columns (issue 19) --------------------------------

HOME_BLOCK = Template("""<div class="index_news $cls">
<div class="index_title"><h2>$name</h2><span class="more"><a href="$more"
target="_blank">更多+</a></span></div>
<ul class="index_list">
$items</ul>
</div>
""")

HOME_MAIN = Template("""<div class="index_box">
<div class="index_left">
$blocks</div>
<div class="index_right">
<div class="kjrk"><div class="kjrk_title">快捷入口</div>
<ul class="kjrk_list">
<script type="text/javascript">
$script_menu</script>
<li><a href="${site_dir}c118390/list.shtml" target="_blank">新区概况</a></li>
</ul></div>
</div>
</div>""")

CHANNEL_MAIN = Template("""<div class="position">您当前的位置：<a
href="${site_dir}index.shtml">首页</a>
&gt; <a href="$path">$name</a></div>
<div class="channel_box">
$blocks</div>""")

OPEN_MAIN = Template("""<div class="position">您当前的位置：<a
href="${site_dir}index.shtml">首页</a>
&gt; <a href="$open">政务公开</a></div>
<div class="main mt8">
<h1>政务公开</h1>
<div class="detailContent">
<p>$name依法主动公开机构设置、发展规划、财政资金和重点项目等政府信息，
以公开促落实、促规范、促服务。</p>
<p>公民、法人和其他组织可通过本网站、新区政务服务中心信息查阅点获取已公开的政府信息，
或依法向新区管委会提出政府信息公开申请。</p>
<p>受理机构：新区管委会办公室，工作日上午九时至十二时、下午一时半至五时半。</p>
</div></div>""")


def _further_columns(site: SiteConfig, ctx: BuildContext, out: SiteBuild,
                     links: dict[str, list[tuple[str, str]]]
                     ) -> list[tuple[MockColumn, list[Entry]]]:
    """Build every further column of the site (list pages and documents)."""
    def one(mock: MockColumn, entries: list[Entry]):
        column = _further(site, mock)
        urls = _lists(site, ctx, out, column, _items(entries), links)
        expected: dict[str, ExpectedArticle] = {}
        _articles(site, ctx, out, entries, links, column, expected)
        return urls, expected

    return build_further_columns(site, out, one)


def _home_items(entries: list[Entry], dated: bool) -> str:
    rows = []
    for entry in entries[:5]:
        date = f'<span class="date">{entry.date[5:]}</span>' if dated else ""
        rows.append(f'<li><a href="{article_path(entry)}" target="_blank" '
                    f'title="{esc(entry.title)}">{esc(entry.title)}</a>{date}</li>\n')
    return "".join(rows)


def _blocks(site: SiteConfig, entries: list[Entry],
            further: list[tuple[MockColumn, list[Entry]]]) -> str:
    blocks = [HOME_BLOCK.substitute(cls="xqdt", name=esc(site.column), more=list_path(1),
                                    items=_home_items(entries, True))]
    for mock, column_entries in further:
        if mock.menu != "block":
            continue
        blocks.append(HOME_BLOCK.substitute(
            cls=mock.key, name=esc(mock.name), more=list_path(1, mock.path),
            items=_home_items(column_entries, mock.dated)))
    return "".join(blocks)


def _script_menu(further: list[tuple[MockColumn, list[Entry]]]) -> str:
    """``document.write`` calls writing the menu items of columns linked nowhere else."""
    return "".join(
        f'document.write("<li><a href=\\"{list_path(1, mock.path)}\\" target=\\"_blank\\">'
        f'{esc(mock.name)}</a></li>");\n'
        for mock, _ in further if mock.menu == "script")


def _home(site: SiteConfig, entries: list[Entry],
          further: list[tuple[MockColumn, list[Entry]]]) -> str:
    return HOME_MAIN.substitute(site_dir=SITE_DIR, script_menu=_script_menu(further),
                                blocks=_blocks(site, entries, further))


def _news_centre(site: SiteConfig, entries: list[Entry],
                 further: list[tuple[MockColumn, list[Entry]]]) -> str:
    """The 新闻动态 channel page: the blocks of its news columns (not the script-only one,
    not the columns of other channels)."""
    news = [(m, e) for m, e in further
            if m.news and m.menu == "block" and m.get("parent_path") == NEWS]
    return CHANNEL_MAIN.substitute(site_dir=SITE_DIR, path=NEWS,
                                   name=esc(site.get("parent_column")),
                                   blocks=_blocks(site, entries, news))
