"""Templates of the DedeCMS-style park company site (青梧科技园), served as GBK bytes.

The HTML declares ``charset=gb2312`` while the HTTP header is a bare ``text/html``, and some
articles contain characters outside GB2312 (but inside GBK), as old Dede installs do.
Lists ``/a/news/list_1_N.html`` with ``div.dede_pages > ul.pagelist``; articles
``/a/news/YYYYMMDD/<aid>.html`` with ``.title h2``, ``.info``, ``.content``, prenext.

Further columns (``data/columns/dede.toml``) follow the same shapes in their own folder
with their own typeid (``/a/meiti/list_4_N.html``, ``/a/meiti/YYYYMMDD/<aid>.html``). The
home page (``/``) is a DedeCMS index: a ``dl.tbox`` per column with its 更多... link, a
快速通道 written by ``document.write``; ``/a/zhaoshang/`` (招商服务 in the menu) is a
single-page column.
"""

from __future__ import annotations

import logging
from string import Template
from typing import NamedTuple

from .common import BuildContext, build_further_columns, esc, html_page, script
from .corpus import (
    Entry,
    MockColumn,
    SiteConfig,
    column_of,
    is_heading,
    paginate,
    text_of,
)
from .model import ExpectedArticle, SiteBuild

logger = logging.getLogger(__name__)

COLUMN = "/a/news/"

PAGE = Template("""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>$title_tag</title>
<meta name="keywords" content="$keywords" />
<meta name="description" content="$description" />
<link href="/templets/default/style/dedecms.css" rel="stylesheet" media="screen" type="text/css"
/>
<script language="javascript" type="text/javascript" src="/include/dedeajax2.js"></script>
</head>
<body class="$body_class">
<div class="header_top"><div class="w960 center">
<span class="time">欢迎访问$name官方网站！</span>
<div class="toplinks"><a href="/plus/heightsearch.php" target="_blank">高级搜索</a>|
<a href="/data/sitemap.html" target="_blank">网站地图</a>|<a href="/tags.php">TAG标签</a>|
<a href="/data/rssmap.html" class="rss">RSS订阅</a></div>
</div></div>
<div class="header"><div class="top w960 center">
<div class="title"><h1><a href="/">
<img src="/templets/default/images/logo.gif" height="54" width="216" alt="$name" /></a></h1></div>
</div>
<div class="module blue mT10 wrapper w963"><div id="navMenu"><ul>
$menu</ul></div>
<div class="search"><form name="formsearch" action="/plus/search.php">
<input type="hidden" name="kwtype" value="0" />
<input name="q" type="text" class="search-keyword" id="search-keyword" value="在这里搜索..." />
<button type="submit" class="search-submit">搜索</button></form></div>
</div></div>
$place<div class="w960 center clear mt1">
<div class="pleft">
$main
</div>
<div class="pright">
$side</div>
</div>
<div class="footer w960 center mt1 clear">
<div class="footer_body">
<p class="powered">Powered by <a href="http://www.dedecms.com"
target="_blank">DedeCMS</a> &copy; 2004-2024</p>
<div class="copyright">Copyright &copy; 2015-2024 $company 版权所有&nbsp;&nbsp;<a
href="https://beian.miit.gov.cn/" target="_blank">$icp</a><br />
地址：$address&nbsp;&nbsp;电话：$phone</div>
</div>
</div>
</body>
</html>
""")

SIDE = Template('<div class="commend mt1"><dl class="tbox light"><dt class="light">'
                """<strong>热门文章</strong></dt>
<dd class="light"><ul class="c1 ico2">
$hot</ul></dd></dl></div>
<div class="hot mt1"><dl class="tbox light"><dt class="light"><strong>最新文章</strong></dt>
<dd class="light"><ul class="c1 ico2">
$latest</ul></dd></dl></div>
""")

ARTICLE_MAIN = Template("""<div class="viewbox">
<div class="title"><h2>$title</h2></div>
<div class="info">
<small>时间：</small>$time<small>来源：</small>$source
<small>作者：</small>$author <small>点击：</small>
<script src="/plus/count.php?view=yes&amp;aid=$aid&amp;mid=1" type="text/javascript"
language="javascript"></script>次</div>
$intro<div class="content"><table width="100%"><tr><td>
$body
</td></tr></table></div>
<div class="dede_pages"><ul class="pagelist"></ul></div>
<div class="boxoff"><strong>------分隔线----------------------------</strong></div>
<div class="handle">
<div class="context"><ul>
<li>上一篇：$prev </li>
<li>下一篇：$next </li>
</ul></div>
<div class="actbox"><ul>
<li id="act-fav"><a href="/plus/stow.php?aid=$aid" target="_blank">收藏</a></li>
<li id="act-err"><a href="/plus/erraddsave.php?aid=$aid" target="_blank">挑错</a></li>
<li id="act-pus"><a href="/plus/recommend.php?aid=$aid" target="_blank">推荐</a></li>
<li id="act-pnt"><a href="#" onclick="window.print();">打印</a></li>
</ul></div>
</div>
</div>""")

LIST_MAIN = Template("""<div class="listbox"><ul class="e2">
$items</ul></div>
<div class="dede_pages"><ul class="pagelist">
$pager</ul></div>""")


PLACE = Template("""<div class="channel-nav w960 center clear"><div class="place">
<strong>当前位置：</strong> <a href="/">主页</a> &gt; <a
href="$list_url">$column</a> &gt; </div></div>
""")


class Channel(NamedTuple):
    """A DedeCMS column (栏目) as its pages show it: folder, typeid and name."""

    path: str  # "/a/news/"
    type_id: int
    name: str


def main_channel(site: SiteConfig) -> Channel:
    return Channel(COLUMN, int(site.get("type_id", 1)), site.column)


def _channel(column: MockColumn) -> Channel:
    return Channel(column.path, int(column.get("type_id")), column.name)


def column_path(entry: Entry) -> str:
    """The folder of an entry's column: the main column, or a further one's ``path``."""
    column = column_of(entry)
    return COLUMN if column is None else column.path


def article_path(entry: Entry) -> str:
    return f"{column_path(entry)}{entry.ymd}/{entry.doc_id}.html"


def list_path(site: SiteConfig, number: int, channel: Channel | None = None) -> str:
    channel = channel or main_channel(site)
    return f"{channel.path}list_{channel.type_id}_{number}.html"


def hits(entry: Entry) -> int:
    return entry.doc_id * 37 % 900 + 50


def _li(entry: Entry) -> str:
    title = esc(entry.title)
    return f'<li><a href="{article_path(entry)}" title="{title}">{title}</a></li>\n'


def _page(
    site: SiteConfig,
    entries: list[Entry],
    title_tag: str,
    main: str,
    description: str = "",
    body_class: str = "articlelist",
    channel: Channel | None = None,
    side: str | None = None,
) -> str:
    """A page of the site; ``channel`` the column it belongs to (its breadcrumb and
    keywords), None for the home page and single pages (no breadcrumb); the sidebars
    show ``entries`` (热门文章, 最新文章), or are ``side``."""
    by_hits = sorted(entries, key=hits, reverse=True)[:5]
    if side is None:
        side = SIDE.substitute(hot="".join(_li(e) for e in by_hits),
                               latest="".join(_li(e) for e in entries[:5]))
    menu = "".join(
        f"<li><a href='{esc(href)}'><span>{esc(label)}</span></a></li>\n"
        for label, href in site.get("menu", [])
    )
    place = "" if channel is None else PLACE.substitute(
        list_url=list_path(site, 1, channel), column=esc(channel.name))
    return PAGE.substitute(
        title_tag=esc(title_tag),
        keywords=esc(channel.name if channel else site.column),
        description=esc(description),
        name=esc(site.name),
        menu=menu,
        place=place,
        main=main,
        side=side,
        company=esc(site.get("company")),
        icp=esc(site.get("icp")),
        address=esc(site.get("address")),
        phone=esc(site.get("phone")),
        body_class=body_class,
    )


def _pager(site: SiteConfig, number: int, pages: int, total: int, channel: Channel) -> str:
    def item(target: int, label: str) -> str:
        href = list_path(site, target, channel)[len(channel.path) :]
        return f"<li><a href='{href}'>{label}</a></li>\n"

    info = (f'<li><span class="pageinfo">共 <strong>{pages}</strong>页'
            f"<strong>{total}</strong>条</span></li>\n")
    if pages <= 1:
        return info  # as Dede writes a one-page list: the count only
    out = [item(1, "首页") if number > 1 else "<li><a>首页</a></li>\n"]
    if number > 1:
        out.append(item(number - 1, "上一页"))
    for target in range(1, pages + 1):
        out.append(
            f'<li class="thisclass">{target}</li>\n'
            if target == number
            else item(target, str(target))
        )
    if number < pages:
        out.append(item(number + 1, "下一页"))
    out.append(item(pages, "末页"))
    out.append(info)
    return "".join(out)


def _body(entry: Entry) -> str:
    return "\n".join(
        f"<p><strong>{esc(text_of(p))}</strong></p>"
        if is_heading(p)
        else f"<p>\u3000\u3000{esc(p)}</p>"
        for p in entry.paragraphs
    )


def _article(
    site: SiteConfig, ctx: BuildContext, entries: list[Entry], index: int, channel: Channel
) -> tuple[str, ExpectedArticle]:
    entry = entries[index]
    must_not = [
        "当前位置",
        "点击：",
        "热门文章",
        "最新文章",
        "上一篇",
        "下一篇",
        "版权所有",
        site.get("icp"),
        "Powered by",
        "收藏",
        "挑错",
        "分隔线",
        "时间：",
        "来源：",
    ]
    links = {}
    for name, other in (("prev", index + 1), ("next", index - 1)):  # prev = older, as Dede
        if 0 <= other < len(entries):
            target = entries[other]
            links[name] = f"<a href='{article_path(target)}'>{esc(target.title)}</a>"
            must_not.append(target.title)
        else:
            links[name] = "没有了"
    main = ARTICLE_MAIN.substitute(
        title=esc(entry.title),
        time=f"{entry.date} {entry.time}".strip(),
        source=esc(entry.source),
        author=esc(entry.author or ""),
        aid=entry.doc_id,
        intro=f'<div class="intro">{esc(entry.summary)}</div>\n' if entry.summary else "",
        body=_body(entry),
        prev=links["prev"],
        next=links["next"],
    )
    title_tag = f"{entry.title}_{channel.name}_{site.name}"
    text = _page(site, entries, title_tag, main, entry.summary or "", "articleview", channel)
    url = ctx.absolute(article_path(entry))
    expected = entry.expected(url, must_not, entry.summary)
    return text, expected


def _lists(site: SiteConfig, ctx: BuildContext, out: SiteBuild, channel: Channel,
           entries: list[Entry]) -> list[str]:
    """The list pages of one column, newest first (their sidebars show that column's
    articles only); their URLs."""
    pages = paginate(entries, site.per_page)
    urls = []
    for number, chunk in enumerate(pages, start=1):
        rows = "".join(
            f'<li><a href="{article_path(e)}" class="title">{esc(e.title)}</a>'
            f'<span class="info"><small>日期：</small>{e.date} {e.time}:00 '
            f"<small>点击：</small>{hits(e)} <small>好评：</small>0</span>"
            f'<p class="intro">{esc(e.lines[0][:48])}...</p></li>\n'
            for e in chunk
        )
        main = LIST_MAIN.substitute(
            items=rows, pager=_pager(site, number, len(pages), len(entries), channel)
        )
        title_tag = f"{channel.name}_{site.name}"
        text = _page(site, entries, title_tag, main, channel=channel)
        out.routes[list_path(site, number, channel)] = html_page(text, site.encoding, False)
        urls.append(ctx.absolute(list_path(site, number, channel)))
    return urls


def _articles(site: SiteConfig, ctx: BuildContext, out: SiteBuild, channel: Channel,
              entries: list[Entry], into: dict[str, ExpectedArticle]) -> None:
    for index, entry in enumerate(entries):
        text, expected = _article(site, ctx, entries, index, channel)
        out.routes[article_path(entry)] = html_page(text, site.encoding, False)
        into[expected.url] = expected


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={})
    main = main_channel(site)
    out.list_urls = _lists(site, ctx, out, main, entries)
    _articles(site, ctx, out, main, entries, out.articles)
    out.routes["/plus/count.php"] = script("document.write('1');")
    further = _further_columns(site, ctx, out)
    out.routes["/"] = html_page(
        _page(site, entries, site.name, _home(site, entries, further), body_class="index"),
        site.encoding, False,
    )
    out.routes[SINGLE_PAGE] = html_page(
        _page(site, entries, f"招商服务_{site.name}",
              SINGLE_MAIN.substitute(name=esc(site.name), phone=esc(site.get("phone"))),
              body_class="articleview",
              side=CONTACT_SIDE.substitute(address=esc(site.get("address")),
                                           phone=esc(site.get("phone")))),
        site.encoding, False,
    )
    logger.debug("built dede site: %s routes", len(out.routes))
    return out


# -- the home page and the further columns (issue 19) --------------------------------

SINGLE_PAGE = "/a/zhaoshang/"  # 招商服务 in the menu: a single-page column (单页文档)

SINGLE_MAIN = Template("""<div class="viewbox">
<div class="title"><h2>招商服务</h2></div>
<div class="content">
<p>\u3000\u3000$name位于青梧高新区核心区，现有孵化器、加速器和标准厂房等各类载体，
重点面向集成电路设计、工业软件和生物检测等领域的科技型企业招商。</p>
<p>\u3000\u3000园区为入驻企业提供工商注册代办、政策申报辅导、人才招聘和投融资对接等服务，
符合条件的初创企业可申请房租减免和孵化基金支持。</p>
<p>\u3000\u3000招商热线：$phone（工作日上午九时至下午五时）</p>
</div></div>""")

CONTACT_SIDE = Template("""<div class="contact mt1"><dl class="tbox light"><dt
class="light"><strong>联系方式</strong></dt>
<dd class="light"><p>地址：$address</p><p>招商热线：$phone</p></dd></dl></div>
""")

HOME_BOX = Template("""<dl class="tbox $cls">
<dt><strong><a href="$more">$name</a></strong><span class="more"><a
href="$more">更多...</a></span></dt>
<dd><ul class="d1 ico3">
$items</ul></dd></dl>
""")


def _further_columns(site: SiteConfig, ctx: BuildContext, out: SiteBuild
                     ) -> list[tuple[MockColumn, list[Entry]]]:
    """Build every further column of the site (list pages and articles). A column whose
    folder the menu links also gets that default page (a copy of its first list page, as
    Dede writes ``index.html``)."""
    menu = {href for _, href in site.get("menu", [])}

    def one(column: MockColumn, entries: list[Entry]):
        channel = _channel(column)
        urls = _lists(site, ctx, out, channel, entries)
        if column.path in menu:
            out.routes[column.path] = out.routes[list_path(site, 1, channel)]
            urls.append(ctx.absolute(column.path))
        expected: dict[str, ExpectedArticle] = {}
        _articles(site, ctx, out, channel, entries, expected)
        return urls, expected

    return build_further_columns(site, out, one)


def _box(site: SiteConfig, channel: Channel, cls: str, entries: list[Entry],
         dated: bool) -> str:
    rows = []
    for entry in entries[:5]:
        date = f'<span class="date">{entry.date[5:]}</span>' if dated else ""
        title = esc(entry.title)
        rows.append(f'<li>{date}<a href="{article_path(entry)}" title="{title}">'
                    f"{title}</a></li>\n")
    return HOME_BOX.substitute(cls=cls, more=list_path(site, 1, channel),
                               name=esc(channel.name), items="".join(rows))


def _quick_menu(site: SiteConfig, further: list[tuple[MockColumn, list[Entry]]]) -> str:
    """快速通道 written by ``document.write``: the script columns (reachable from nowhere
    else), with the menu's non-news folders and the guestbook."""
    links = [(list_path(site, 1, _channel(c)), c.name) for c, _ in further
             if c.menu == "script"]
    links += [(c.path, c.name) for c, _ in further if not c.news and c.path in {
        href for _, href in site.get("menu", [])}]
    links.append(("/plus/guestbook.php", "在线留言"))
    items = " | ".join(f"<a href='{href}'>{esc(name)}</a>" for href, name in links)
    return (f'<div class="quick"><strong>快速通道：</strong><script type="text/javascript">'
            f'document.write("{items}");</script></div>\n')


def _home(site: SiteConfig, entries: list[Entry],
          further: list[tuple[MockColumn, list[Entry]]]) -> str:
    boxes = [_box(site, main_channel(site), "news", entries, True)]
    for column, column_entries in further:
        if column.menu == "block":
            boxes.append(_box(site, _channel(column), column.key, column_entries,
                              column.dated))
    return ('<div class="index-main">\n' + _quick_menu(site, further)
            + '<div class="listbox">\n' + "".join(boxes) + "</div></div>")
