"""Templates of an old ASP park site (北岭经济开发区), served as GB2312 bytes.

动易/科汛-era layout: nested ``<table>``s, ``<meta … charset=gb2312>`` and a bare
``text/html`` Content-Type (no charset in the header), as IIS with CodePage 936 sends.
Lists ``news.asp?lb=园区新闻&page=N``, articles ``ShowArticle.asp?ArticleID=N``, both
relative hrefs in the page. The 共N条 页次 pager is plain links (首页/上一页/下一页/尾页).

Query strings: the templates write the column name raw (``href="news.asp?lb=园区新闻&page=2"``)
in the GB2312 page, as ASP code concatenating ``lb`` does. A browser, and Scrapy (whose
``response.follow`` encodes the query with the page's encoding), send it percent-encoded
in GBK: ``?lb=%D4%B0%C7%F8%D0%C2%CE%C5&page=2``; ASP under CodePage 936 decodes that. So
the server reads query strings as GBK; a UTF-8 encoded ``lb`` is not 园区新闻 here (404).
``list_urls`` hold the GBK-encoded form (what a crawl requests and records).

Also: 园区风光 (404) and 下载中心 (500, an ODBC error page) in the menu, a 后台管理 link
under the robots.txt-disallowed /admin/, and 友情链接 to other hosts.

Further columns (issue 19, ``data/columns/asp.toml``) are other ``lb`` values of the same
``news.asp``, their articles the same ``ShowArticle.asp``. The home page ``index.asp`` has
a box per column (title linked, 更多>>; the 企业动态 box without dates, the 办事指南 box
one a news crawl must leave alone) and a 快速通道 row written by ``document.write``, the
only way to 政策解读. The list pages of the main column are as they were: no page of the
main column links another column.
"""

from __future__ import annotations

import logging
from string import Template
from urllib.parse import quote

from . import traps
from .common import BuildContext, build_further_columns, esc, html_page, route_key, script
from .corpus import Entry, MockColumn, SiteConfig, is_heading, paginate, site_columns, text_of
from .model import ExpectedArticle, SiteBuild

logger = logging.getLogger(__name__)

LIST_SCRIPT = "news.asp"
ARTICLE_SCRIPT = "ShowArticle.asp"
QUERY_ENCODING = "gbk"

PAGE = Template("""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>$title_tag</title>
<meta name="keywords" content="$name,园区新闻,招商引资">
<link href="Skin/DefaultSkin.css" rel="stylesheet" type="text/css">
<script language="JavaScript" src="js/menu.js"></script>
</head>
<body leftmargin="0" topmargin="0" marginwidth="0" marginheight="0">
<table width="778" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td><img src="Images/top_banner.jpg" width="778" height="120" alt="$name"></td></tr>
<tr><td class="menu_bg" height="28" align="center">
$menu</td></tr>
</table>
<table width="778" border="0" align="center" cellpadding="0" cellspacing="0" class="main_tdbg">
<tr>
<td width="190" valign="top" class="left_tdbg">
<table width="100%" border="0" cellpadding="0" cellspacing="0">
<tr><td class="left_title">栏目导航</td></tr>
<tr><td class="left_content"><a href="$first_list">$column</a><br>
<a href="$admin">$admin_label</a></td></tr>
<tr><td class="left_title">友情链接</td></tr>
<tr><td class="left_content">
$friends</td></tr>
</table>
</td>
<td width="588" valign="top">
$main
</td>
</tr>
</table>
<table width="778" border="0" align="center" cellpadding="0" cellspacing="0" class="bottom_tdbg">
<tr><td align="center" height="80">版权所有：$company&nbsp;&nbsp;地址：$address&nbsp;&nbsp;
电话：$phone<br>
<a href="https://beian.miit.gov.cn/" target="_blank">$icp</a>&nbsp;&nbsp;建议使用IE6.0以上版本、
1024×768分辨率浏览本站</td></tr>
</table>
</body>
</html>
""")

LIST_MAIN = Template("""<table width="100%" border="0" cellpadding="0" cellspacing="0">
<tr><td class="main_title_575">您现在的位置：&nbsp;<a
href="index.asp">$name</a>&nbsp;&gt;&gt;&nbsp;$column</td></tr>
<tr><td class="main_tdbg_575">
<table width="100%" border="0" cellpadding="2" cellspacing="0">
$rows</table>
<table width="100%" border="0" cellpadding="0" cellspacing="0">
<tr><td align="center" class="pager">$pager</td></tr>
</table>
</td></tr>
</table>""")

ARTICLE_MAIN = Template("""<table width="100%" border="0" cellpadding="0" cellspacing="0">
<tr><td class="main_title_575">您现在的位置：&nbsp;<a
href="index.asp">$name</a>&nbsp;&gt;&gt;&nbsp;<a
href="$first_list">$column</a>&nbsp;&gt;&gt;&nbsp;正文</td></tr>
<tr><td>
<table width="100%" border="0" cellpadding="0" cellspacing="5" class="border">
<tr><td height="50" align="center" class="main_ArticleTitle"><font
size="4"><b>$title</b></font></td></tr>
<tr><td align="center" class="main_ArticleInfo">作者：$author&nbsp;&nbsp;&nbsp;&nbsp;
文章来源：$source&nbsp;&nbsp;&nbsp;&nbsp;点击数：<script language="javascript"
src="GetHits.asp?ArticleID=$aid"></script>&nbsp;&nbsp;&nbsp;&nbsp;更新时间：$updated</td></tr>
<tr><td height="1" bgcolor="#CCCCCC"></td></tr>
<tr><td class="main_ArticleContent" style="font-size:14px;line-height:180%">
$body
</td></tr>
<tr><td align="right">【<a href="Comment.asp?ArticleID=$aid">发表评论</a>】【<a
href="javascript:window.print();">打印此文</a>】【<a
href="javascript:window.close();">关闭窗口</a>】</td></tr>
<tr><td>上一篇文章：$prev<br>下一篇文章：$next</td></tr>
</table>
</td></tr>
</table>""")

ODBC_ERROR = """<font face="宋体" size=2>
<p>Microsoft OLE DB Provider for ODBC Drivers</font> <font face="宋体" size=2>错误 '80004005'</font>
<p>
<font face="宋体" size=2>[Microsoft][ODBC Microsoft Access Driver]
常见错误 不能打开注册表关键字。</font>
<p>
<font face="宋体" size=2>/Inc/conn.asp</font><font face="宋体" size=2>，行 12</font>
"""


def article_path(entry: Entry) -> str:
    return f"/{ARTICLE_SCRIPT}?ArticleID={entry.doc_id}"


def column_lb(site: SiteConfig, entry: Entry) -> str:
    """The ``lb`` of an entry's column: the main column's name, or a further one's
    ``path``."""
    if not entry.column:
        return site.column
    return next(c.path for c in site_columns(site.id) if c.key == entry.column)


def list_href(site: SiteConfig, number: int, lb: str = "") -> str:
    """The href as written in the GB2312 page: the column name raw."""
    return f"{LIST_SCRIPT}?lb={lb or site.column}&page={number}"


def list_url_path(site: SiteConfig, number: int, lb: str = "") -> str:
    """The path and query a crawl requests for list page ``number``: GBK-encoded."""
    name = quote(lb or site.column, encoding=QUERY_ENCODING)
    return f"/{LIST_SCRIPT}?lb={name}&page={number}"


def list_route(site: SiteConfig, number: int, lb: str = "") -> str:
    return route_key(f"/{LIST_SCRIPT}", {"lb": lb or site.column, "page": str(number)})


def _asp_time(entry: Entry) -> str:
    """ASP's Now() as it prints: 2024-5-14 16:48:00."""
    year, month, day = (int(part) for part in entry.date.split("-"))
    return f"{year}-{month}-{day} {entry.time or '00:00'}:00"


def _page(site: SiteConfig, title_tag: str, main: str, parts: dict[str, str],
          lb: str = "") -> str:
    """A page in the site's frame; its 栏目导航 names the column ``lb`` (the main one by
    default)."""
    menu = "&nbsp;|&nbsp;\n".join(
        f'<a href="{href.lstrip("/")}" class="menu">{label}</a>' for label, href in site.get("menu")
    )
    return PAGE.substitute(
        title_tag=esc(title_tag),
        name=esc(site.name),
        menu=menu + "\n",
        first_list=list_href(site, 1, lb),
        column=esc(lb or site.column),
        main=main,
        company=esc(site.get("company")),
        address=esc(site.get("address")),
        phone=esc(site.get("phone")),
        icp=esc(site.get("icp")),
        **parts,
    )


def _pager(site: SiteConfig, number: int, pages: int, total: int, lb: str = "") -> str:
    def link(target: int, label: str) -> str:
        return f'<a href="{list_href(site, target, lb)}">{label}</a>'

    out = [f"共 <b>{total}</b> 篇文章&nbsp;&nbsp;"]
    out.append(link(1, "首页") if number > 1 else "首页")
    out.append(link(number - 1, "上一页") if number > 1 else "上一页")
    out.append(link(number + 1, "下一页") if number < pages else "下一页")
    out.append(link(pages, "尾页") if number < pages else "尾页")
    out.append(f"&nbsp;页次：<b>{number}</b>/{pages}页&nbsp;<b>{site.per_page}</b>篇文章/页")
    return "&nbsp;".join(out)


def _list_page(
    site: SiteConfig, chunk: list[Entry], number: int, pages: int, total: int,
    parts: dict[str, str], lb: str = "",
) -> str:
    lb = lb or site.column
    rows = "".join(
        f'<tr><td width="10"><img src="Images/article_common.gif"></td><td><a '
        f'href="{article_path(e)[1:]}" title="文章标题：{esc(e.title)}" target="_blank">'
        f'{esc(e.title)}</a></td><td width="80" align="right">[{e.date}]</td></tr>\n'
        for e in chunk
    )
    main = LIST_MAIN.substitute(
        name=esc(site.name),
        column=esc(lb),
        rows=rows,
        pager=_pager(site, number, pages, total, lb),
    )
    return _page(site, f"{site.name}--{lb}", main, parts, lb)


def _body(entry: Entry) -> str:
    return "\n".join(
        f"<p align=center><b>{esc(text_of(p))}</b></p>"
        if is_heading(p)
        else f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{esc(p)}</p>"
        for p in entry.paragraphs
    )


def _article(
    site: SiteConfig, ctx: BuildContext, entries: list[Entry], index: int, parts: dict[str, str]
) -> tuple[str, ExpectedArticle]:
    entry = entries[index]
    lb = column_lb(site, entry)
    must_not = [
        "您现在的位置",
        "文章来源：",
        "点击数：",
        "更新时间：",
        "发表评论",
        "打印此文",
        "关闭窗口",
        "上一篇文章",
        "下一篇文章",
        "版权所有",
        "友情链接",
        site.get("icp"),
    ]
    links = {}
    for name, other in (("prev", index + 1), ("next", index - 1)):  # prev = older
        if 0 <= other < len(entries):
            target = entries[other]
            links[name] = f'<a href="{article_path(target)[1:]}">{esc(target.title)}</a>'
            must_not.append(target.title)
        else:
            links[name] = "没有了"
    main = ARTICLE_MAIN.substitute(
        name=esc(site.name),
        first_list=list_href(site, 1, lb),
        column=esc(lb),
        title=esc(entry.title),
        author=esc(entry.author or "佚名"),
        source=esc(entry.source),
        aid=entry.doc_id,
        updated=_asp_time(entry),
        body=_body(entry),
        prev=links["prev"],
        next=links["next"],
    )
    text = _page(site, f"{site.name}--{entry.title}", main, parts, lb)
    url = ctx.absolute(article_path(entry))
    return text, entry.expected(url, must_not, entry.summary)


def _parts(out: SiteBuild, site: SiteConfig, ctx: BuildContext) -> dict[str, str]:
    (admin_label, admin), *_ = traps.disallowed_links(out, site, ctx, site.encoding)
    friends = traps.offsite_links(out, site, ctx)
    return {
        "admin": admin.lstrip("/"),
        "admin_label": esc(admin_label),
        "friends": "".join(
            f'<a href="{esc(url)}" target="_blank">{esc(label)}</a><br>\n' for label, url in friends
        ),
    }


def _lists(site: SiteConfig, ctx: BuildContext, out: SiteBuild, lb: str,
           entries: list[Entry], parts: dict[str, str]) -> list[str]:
    """The list pages of the column ``lb`` (its ``entries`` newest first); their URLs as
    a crawl requests them (GBK-encoded)."""
    pages = paginate(entries, site.per_page)
    urls = []
    for number, chunk in enumerate(pages, start=1):
        text = _list_page(site, chunk, number, len(pages), len(entries), parts, lb)
        out.routes[list_route(site, number, lb)] = _served(site, text)
        urls.append(ctx.absolute(list_url_path(site, number, lb)))
    return urls


def _articles(site: SiteConfig, ctx: BuildContext, out: SiteBuild, entries: list[Entry],
              into: dict[str, ExpectedArticle], parts: dict[str, str]) -> None:
    """The articles of one column (newest first; 上一篇/下一篇 within it)."""
    for index, entry in enumerate(entries):
        text, expected = _article(site, ctx, entries, index, parts)
        out.routes[route_key(f"/{ARTICLE_SCRIPT}", {"ArticleID": str(entry.doc_id)})] = (
            _served(site, text))
        into[expected.url] = expected


def _served(site: SiteConfig, text: str):
    return html_page(text, site.encoding, header_charset=False)


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={}, query_encoding=QUERY_ENCODING)
    traps.add_robots(out, site)
    parts = _parts(out, site, ctx)
    out.list_urls = _lists(site, ctx, out, site.column, entries, parts)
    _articles(site, ctx, out, entries, out.articles, parts)
    for item in site.get("failing", []):
        error = traps.server_error(ODBC_ERROR, site.encoding, header_charset=False)
        traps.add_failing(
            out, ctx, item["path"], item["status"], error if item["status"] == 500 else None
        )
    out.routes["/GetHits.asp"] = script("document.write('1')")
    further = _further_columns(site, ctx, out, parts)
    home_text = _page(site, site.name, _home(site, entries, further), parts)
    out.routes["/index.asp"] = out.routes["/"] = _served(site, home_text)
    about = f"<p>{esc(site.name)}是经省人民政府批准设立的省级经济开发区。</p>"
    out.routes["/about.asp"] = _served(site, _page(site, f"{site.name}--开发区概况", about, parts))
    logger.debug("built asp site: %s routes", len(out.routes))
    return out


# -- the home page and the further columns (issue 19) --------------------------------

HOME_BOX = Template("""<table width="100%" border="0" cellpadding="0" cellspacing="0"
class="index_box">
<tr><td class="index_title" height="26">&nbsp;<a href="$more" class="title">$name</a></td>
<td class="index_more" align="right"><a href="$more">更多&gt;&gt;</a>&nbsp;</td></tr>
<tr><td colspan="2" class="index_content">
<table width="100%" border="0" cellpadding="2" cellspacing="0">
$rows</table>
</td></tr>
</table>
""")


def _further_columns(site: SiteConfig, ctx: BuildContext, out: SiteBuild,
                     parts: dict[str, str]) -> list[tuple[MockColumn, list[Entry]]]:
    """Build every further column of the site (list pages and articles)."""
    def one(column: MockColumn, entries: list[Entry]):
        urls = _lists(site, ctx, out, column.path, entries, parts)
        expected: dict[str, ExpectedArticle] = {}
        _articles(site, ctx, out, entries, expected, parts)
        return urls, expected

    return build_further_columns(site, out, one)


def _box(name: str, lb: str, entries: list[Entry], dated: bool, site: SiteConfig) -> str:
    rows = "".join(
        f'<tr><td width="10"><img src="Images/article_common.gif"></td><td><a '
        f'href="{article_path(e)[1:]}" title="{esc(e.title)}" target="_blank">'
        f"{esc(e.title)}</a></td>"
        + (f'<td width="80" align="right">[{e.date}]</td>' if dated else "")
        + "</tr>\n"
        for e in entries[:5]
    )
    return HOME_BOX.substitute(name=esc(name), more=list_href(site, 1, lb), rows=rows)


def _script_menu(site: SiteConfig, further: list[tuple[MockColumn, list[Entry]]]) -> str:
    """The 快速通道 row, written by ``document.write`` (menu.js style): the columns
    reachable from nowhere else, and 开发区概况."""
    links = [("about.asp", "开发区概况")] + [
        (list_href(site, 1, c.path), c.name) for c, _ in further if c.menu == "script"]
    if len(links) == 1:
        return ""
    items = "&nbsp;|&nbsp;".join(f"<a href='{href}' class='menu'>{label}</a>"
                                 for href, label in links)
    return ('<table width="100%" border="0" cellpadding="0" cellspacing="0">\n'
            '<tr><td class="quick_menu" height="26">&nbsp;快速通道：<script '
            f'language="JavaScript">document.write("{items}");</script></td></tr>\n'
            "</table>\n")


def _home(site: SiteConfig, entries: list[Entry],
          further: list[tuple[MockColumn, list[Entry]]]) -> str:
    boxes = [_box(site.column, site.column, entries, True, site)]
    boxes += [_box(c.name, c.path, column_entries, c.dated, site)
              for c, column_entries in further if c.menu == "block"]
    return _script_menu(site, further) + "".join(boxes)
