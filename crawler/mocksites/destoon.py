"""Templates of the DESTOON-style industry portal (园创科技网) that reposts park news, UTF-8.

Lists ``/news/list-<catid>-<page>.html``, articles ``/news/show-<id>.html``; hrefs are
absolute, as DESTOON writes them. Article chrome: slogan, menu, hot tags, ``h1.title#title``,
``.info`` with ``span#hits``, ``.introduce`` 核心提示, ``#article.content``, 免责声明,
同类资讯 and the 推荐图文/推荐资讯/点击排行 sidebars (all linking to articles of this site).

Further columns (``data/columns/destoon.toml``) are other catids of a module: the news
module's ``/news/list-7-<page>.html`` with articles ``/news/show-<id>.html`` like the main
column's, or another module's (招聘: ``/job/list-31-1.html``, ``/job/show-<id>.html``); a
column's pages and sidebars show its own articles only. The home page (``/``) has a box
per column (``span.f_r`` 更多» before the ``strong`` title, as DESTOON writes it) and a
快捷导航 written by ``document.write``; ``/policy/`` (政策 in the menu) is a channel page
with the 政策解读 box.
"""

from __future__ import annotations

import logging
from string import Template
from typing import NamedTuple
from urllib.parse import quote

from .common import BuildContext, binary, build_further_columns, esc, html_page, png_stub
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

PAGE = Template("""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html;charset=UTF-8"/>
<title>$title_tag</title>
<meta name="keywords" content="$keywords"/>
<meta name="description" content="$description"/>
<meta name="generator" content="DESTOON B2B"/>
<link rel="stylesheet" type="text/css" href="$base/skin/default/style.css"/>
<script type="text/javascript" src="$base/lang/zh-cn/lang.js"></script>
<script type="text/javascript" src="$base/file/script/config.js"></script>
</head>
<body>
<div class="head" id="head">
<div class="slogan">$slogan</div>
<div class="top"><a href="$base/" class="logo"><img src="$base/file/upload/logo.png" alt="$name"/>
</a>
<form action="$base/news/search.php" method="get"><input type="text" name="kw" value=""/>
<input type="submit" value="搜索"/></form></div>
<div class="menu"><ul>
$menu</ul></div>
<div class="tags">热门标签：$tags</div>
</div>
<div class="m">
$main
</div>
<div class="foot">
<div class="foot_page"><a href="$base/">网站首页</a> | <a
href="$base/about/index.html">关于我们</a>
 | <a href="$base/about/contact.html">联系方式</a> | <a
href="$base/about/agreement.html">使用协议</a>
 | <a href="$base/about/privacy.html">隐私政策</a> | <a href="$base/sitemap/">网站地图</a>
 | <a href="$base/guestbook/">网站留言</a></div>
<div class="copyright">&copy; 2016-2024 $name 版权所有<br/>
<a href="https://beian.miit.gov.cn/" target="_blank">$icp</a>
&nbsp;&nbsp;<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=$police_code"
target="_blank">$police</a></div>
</div>
</body>
</html>
""")

ARTICLE_MAIN = Template("""<div class="nav">
<a href="$base/">首页</a> <i>&gt;</i> <a href="$module_url">$module</a> <i>&gt;</i> <a
href="$list_url">$column</a> <i>&gt;</i> 正文</div>
<div class="left_box">
<h1 class="title" id="title">$title</h1>
<div
class="info">发布日期：$date&nbsp;&nbsp;&nbsp;&nbsp;来源：$source&nbsp;&nbsp;&nbsp;&nbsp;
$author浏览次数：<span id="hits">$hits</span></div>
<div class="introduce">核心提示：$intro</div>
<div id="content"><div class="content" id="article">
$body
</div></div>
$original<div class="disclaimer">$disclaimer</div>
<div class="more"><a href="$list_url">更多&gt;同类$module</a></div>
<div class="box_head">同类$module</div>
<ul class="related">
$same</ul>
</div>
<div class="right_box">
<div class="box_head">推荐图文</div><ul class="thumb">
$pictures</ul>
<div class="box_head">推荐$module</div><ul>
$recommended</ul>
<div class="box_head">点击排行</div><ol class="rank">
$ranking</ol>
</div>
<script type="text/javascript"
src="$base/api/task.js.php?moduleid=$module_id&amp;html=show&amp;itemid=$doc_id"></script>""")

LIST_MAIN = Template("""<div class="nav">
<a href="$base/">首页</a> <i>&gt;</i> <a href="$first">$module</a> <i>&gt;</i> $column</div>
<div class="left_box">
<div class="catlist"><ul>
$items</ul></div>
<div class="pages">$pager</div>
</div>""")


MODULE_IDS = {"/news/": 21, "/job/": 9}  # DESTOON's moduleid of each module folder


class Channel(NamedTuple):
    """A DESTOON column: a catid of a module (its folder and name)."""

    path: str  # the module's folder: "/news/"
    cat_id: int
    name: str
    module: str = "资讯"


def main_channel(site: SiteConfig) -> Channel:
    return Channel("/news/", int(site.get("cat_id", 5)), site.column)


def _channel(column: MockColumn) -> Channel:
    return Channel(column.path, int(column.get("cat_id")), column.name,
                   column.get("module") or "资讯")


def column_path(entry: Entry) -> str:
    """The module folder of an entry's column (``/news/`` for the main column)."""
    column = column_of(entry)
    return "/news/" if column is None else column.path


def article_path(entry: Entry) -> str:
    return f"{column_path(entry)}show-{entry.doc_id}.html"


def list_path(site: SiteConfig, number: int, channel: Channel | None = None) -> str:
    channel = channel or main_channel(site)
    return f"{channel.path}list-{channel.cat_id}-{number}.html"


def module_url(site: SiteConfig, ctx: BuildContext, channel: Channel) -> str:
    """Where a page's breadcrumb sends its module's name: the news module's main list
    (资讯), another module's column."""
    if channel.path == main_channel(site).path:
        return ctx.absolute(list_path(site, 1))
    return ctx.absolute(list_path(site, 1, channel))


def image_path(entry: Entry) -> str:
    return f"/file/upload/{entry.ymd[:6]}/{entry.ymd[6:]}/{entry.doc_id}1.png"


def hits(entry: Entry) -> int:
    return entry.doc_id * 53 % 700 + 12


def _page(
    site: SiteConfig, ctx: BuildContext, title_tag: str, main: str, description: str = ""
) -> str:
    base = ctx.base_url
    menu = "".join(
        f'<li><a href="{base}{esc(href)}">{esc(label)}</a></li>\n'
        for label, href in site.get("menu", [])
    )
    tags = " ".join(
        f'<a href="{base}/news/search.php?kw={quote(tag)}">{esc(tag)}</a>'
        for tag in site.get("hot_tags", [])
    )
    return PAGE.substitute(
        title_tag=esc(title_tag),
        keywords=esc(",".join(site.get("hot_tags", [])[:4])),
        description=esc(description),
        base=base,
        slogan=esc(site.get("slogan")),
        name=esc(site.name),
        menu=menu,
        tags=tags,
        main=main,
        icp=esc(site.get("icp")),
        police=esc(site.get("police")),
        police_code=site.get("police_code"),
    )


def _link(ctx: BuildContext, entry: Entry, extra: str = "") -> str:
    url = ctx.absolute(article_path(entry))
    return f'<li><a href="{url}" title="{esc(entry.title)}">{extra}{esc(entry.title)}</a></li>\n'


def _body(entry: Entry, ctx: BuildContext) -> str:
    out = []
    for number, paragraph in enumerate(entry.paragraphs):
        if is_heading(paragraph):
            out.append(
                f'<p style="text-align:center"><strong>{esc(text_of(paragraph))}</strong></p>'
            )
        else:
            out.append(f"<p>{esc(paragraph)}</p>")
        if number == 0:
            out.append(f'<p><img src="{ctx.absolute(image_path(entry))}" alt="image.png"/></p>')
    return "\n".join(out)


def _article(
    site: SiteConfig, ctx: BuildContext, entries: list[Entry], entry: Entry, channel: Channel
) -> tuple[str, ExpectedArticle]:
    """An article page; its sidebars show the other articles of its column."""
    others = [e for e in entries if e is not entry]
    ranking = sorted(others, key=hits, reverse=True)[:5]
    module = channel.module
    must_not = [
        site.get("slogan"),
        "核心提示",
        "免责声明",
        f"推荐{module}",
        "推荐图文",
        f"同类{module}",
        "点击排行",
        "隐私政策",
        "热门标签",
        site.get("icp"),
        site.get("police"),
        f"发布日期：{entry.date}",
        ranking[0].title,
    ]
    original_url = ctx.url_of[entry.original] if entry.original else None
    original = ""
    if original_url and entry.link_original:
        original = (
            f'<div class="original">原文链接：<a href="{original_url}" '
            f'target="_blank">{original_url}</a></div>\n'
        )
        must_not.append("原文链接")
    author = f"作者：{esc(entry.author)}&nbsp;&nbsp;&nbsp;&nbsp;" if entry.author else ""
    pictures = "".join(
        _link(ctx, e, f'<img src="{ctx.absolute(image_path(e))}" alt=""/>') for e in others[:2]
    )
    main = ARTICLE_MAIN.substitute(
        base=ctx.base_url,
        module_url=module_url(site, ctx, channel),
        module=esc(module),
        module_id=MODULE_IDS.get(channel.path, 21),
        list_url=ctx.absolute(list_path(site, 1, channel)),
        column=esc(channel.name),
        title=esc(entry.title),
        date=entry.date,
        source=esc(entry.source),
        author=author,
        hits=hits(entry),
        intro=esc(entry.intro),
        body=_body(entry, ctx),
        original=original,
        disclaimer=esc(site.get("disclaimer")),
        doc_id=entry.doc_id,
        same="".join(_link(ctx, e, f"<span>{e.date}</span>") for e in others[:5]),
        pictures=pictures,
        recommended="".join(_link(ctx, e) for e in others[-4:]),
        ranking="".join(_link(ctx, e) for e in ranking),
    )
    text = _page(site, ctx, f"{entry.title}-{module}-{site.name}", main, entry.intro)
    url = ctx.absolute(article_path(entry))
    expected = entry.expected(url, must_not, entry.intro, repost_of=original_url)
    return text, expected


def _pager(site: SiteConfig, ctx: BuildContext, number: int, pages: int, total: int,
           channel: Channel) -> str:
    def link(target: int, label: str) -> str:
        url = ctx.absolute(list_path(site, target, channel))
        return f'<a href="{url}">&nbsp;{label}&nbsp;</a>'

    out = [link(max(number - 1, 1), "&lsaquo;&nbsp;上一页")]
    for target in range(1, pages + 1):
        out.append(
            f"<strong>&nbsp;{target}&nbsp;</strong>"
            if target == number
            else link(target, str(target))
        )
    out.append(link(min(number + 1, pages), "下一页&nbsp;&rsaquo;"))
    out.append(f"<cite>共{total}条/{pages}页</cite>")
    return "&nbsp;".join(out)


def _lists(site: SiteConfig, ctx: BuildContext, out: SiteBuild, channel: Channel,
           entries: list[Entry]) -> list[str]:
    """The list pages of one column, newest first; their URLs. A one-page list has no
    pager (DESTOON writes none)."""
    pages = paginate(entries, site.per_page)
    urls = []
    for number, chunk in enumerate(pages, start=1):
        rows = "".join(
            f'<li class="catlist_li"><span class="f_r">{e.date}</span>'
            f'<a href="{ctx.absolute(article_path(e))}" target="_blank" '
            f'title="{esc(e.title)}">{esc(e.title)}</a></li>\n'
            for e in chunk
        )
        pager = (_pager(site, ctx, number, len(pages), len(entries), channel)
                 if len(pages) > 1 else "")
        main = LIST_MAIN.substitute(
            base=ctx.base_url,
            first=module_url(site, ctx, channel),
            module=esc(channel.module),
            column=esc(channel.name),
            items=rows,
            pager=pager,
        )
        text = _page(site, ctx, f"{channel.name}-{channel.module}-{site.name}", main)
        out.routes[list_path(site, number, channel)] = html_page(text)
        urls.append(ctx.absolute(list_path(site, number, channel)))
    return urls


def _articles(site: SiteConfig, ctx: BuildContext, out: SiteBuild, channel: Channel,
              entries: list[Entry], into: dict[str, ExpectedArticle]) -> None:
    for entry in entries:
        text, expected = _article(site, ctx, entries, entry, channel)
        out.routes[article_path(entry)] = html_page(text)
        into[expected.url] = expected
        out.routes[image_path(entry)] = binary("image/png", png_stub())


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={})
    main = main_channel(site)
    out.list_urls = _lists(site, ctx, out, main, entries)
    _articles(site, ctx, out, main, entries, out.articles)
    further = _further_columns(site, ctx, out)
    out.routes["/"] = html_page(_page(site, ctx, site.name, _home(site, ctx, entries, further)))
    out.routes[POLICY_PAGE] = html_page(_page(
        site, ctx, f"政策-{site.name}", _policy(site, ctx, further)))
    logger.debug("built destoon site: %s routes", len(out.routes))
    return out


# -- the home page and the further columns (issue 19) --------------------------------

POLICY_PAGE = "/policy/"  # 政策 in the menu: a channel page of the policy columns

HOME_BOX = Template("""<div class="box $cls">
<div class="box_head"><div><span class="f_r"><a href="$more">更多&raquo;</a></span><strong
>$name</strong></div></div>
<div class="box_body li_dot f_gray"><ul>
$items</ul></div>
</div>
""")


def _further_columns(site: SiteConfig, ctx: BuildContext, out: SiteBuild
                     ) -> list[tuple[MockColumn, list[Entry]]]:
    """Build every further column of the site (list pages and articles)."""
    def one(column: MockColumn, entries: list[Entry]):
        channel = _channel(column)
        urls = _lists(site, ctx, out, channel, entries)
        expected: dict[str, ExpectedArticle] = {}
        _articles(site, ctx, out, channel, entries, expected)
        return urls, expected

    return build_further_columns(site, out, one)


def _box(site: SiteConfig, ctx: BuildContext, channel: Channel, cls: str,
         entries: list[Entry], dated: bool) -> str:
    rows = []
    for entry in entries[:5]:
        date = f'<span class="f_r">{entry.date[5:]}</span>' if dated else ""
        rows.append(f'<li>{date}<a href="{ctx.absolute(article_path(entry))}" '
                    f'title="{esc(entry.title)}">{esc(entry.title)}</a></li>\n')
    return HOME_BOX.substitute(cls=cls, more=ctx.absolute(list_path(site, 1, channel)),
                               name=esc(channel.name), items="".join(rows))


def _quick_nav(site: SiteConfig, ctx: BuildContext,
               further: list[tuple[MockColumn, list[Entry]]]) -> str:
    """快捷导航 written by ``document.write``: the script columns (reachable from nowhere
    else), the other modules' columns and the guestbook."""
    links = [(ctx.absolute(list_path(site, 1, _channel(c))), c.name) for c, _ in further
             if c.menu == "script" or not c.news]
    links.append((ctx.absolute("/guestbook/"), "网站留言"))
    items = "&nbsp;|&nbsp;".join(f'<a href="{url}">{esc(name)}</a>' for url, name in links)
    return (f'<div class="quick_nav">快捷导航：<script type="text/javascript">'
            f"document.write('{items}');</script></div>\n")


def _home(site: SiteConfig, ctx: BuildContext, entries: list[Entry],
          further: list[tuple[MockColumn, list[Entry]]]) -> str:
    boxes = [_box(site, ctx, main_channel(site), "news", entries, True)]
    for column, column_entries in further:
        if column.menu == "block":
            boxes.append(_box(site, ctx, _channel(column), column.key, column_entries,
                              column.dated))
    return (_quick_nav(site, ctx, further) + '<div class="m_l f_l">\n' + "".join(boxes)
            + "</div>")


def _policy(site: SiteConfig, ctx: BuildContext,
            further: list[tuple[MockColumn, list[Entry]]]) -> str:
    """The 政策 channel: a short introduction and the box of each policy column."""
    boxes = "".join(_box(site, ctx, _channel(column), column.key, entries, column.dated)
                    for column, entries in further
                    if column.news and column.menu == "block" and "政策" in column.name)
    return (f'<div class="nav"><a href="{ctx.base_url}/">首页</a> <i>&gt;</i> 政策</div>\n'
            '<div class="left_box"><div class="channel_intro">本频道汇集各地开发区和'
            "高新区出台的产业扶持、人才引进和土地供应等方面的政策解读，帮助园区企业及时了解"
            "和用好惠企政策。</div>\n" + boxes + "</div>")
