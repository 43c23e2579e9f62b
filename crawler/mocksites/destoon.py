"""Templates of the DESTOON-style industry portal (园创科技网) that reposts park news, UTF-8.

Lists ``/news/list-<catid>-<page>.html``, articles ``/news/show-<id>.html``; hrefs are
absolute, as DESTOON writes them. Article chrome: slogan, menu, hot tags, ``h1.title#title``,
``.info`` with ``span#hits``, ``.introduce`` 核心提示, ``#article.content``, 免责声明,
同类资讯 and the 推荐图文/推荐资讯/点击排行 sidebars (all linking to articles of this site).
"""

from __future__ import annotations

import logging
from string import Template
from urllib.parse import quote

from .common import BuildContext, binary, esc, html_page, png_stub
from .corpus import Entry, SiteConfig, is_heading, paginate, text_of
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
<a href="$base/">首页</a> <i>&gt;</i> <a href="$list_url">资讯</a> <i>&gt;</i> <a
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
<div class="more"><a href="$list_url">更多&gt;同类资讯</a></div>
<div class="box_head">同类资讯</div>
<ul class="related">
$same</ul>
</div>
<div class="right_box">
<div class="box_head">推荐图文</div><ul class="thumb">
$pictures</ul>
<div class="box_head">推荐资讯</div><ul>
$recommended</ul>
<div class="box_head">点击排行</div><ol class="rank">
$ranking</ol>
</div>
<script type="text/javascript"
src="$base/api/task.js.php?moduleid=21&amp;html=show&amp;itemid=$doc_id"></script>""")

LIST_MAIN = Template("""<div class="nav">
<a href="$base/">首页</a> <i>&gt;</i> <a href="$first">资讯</a> <i>&gt;</i> $column</div>
<div class="left_box">
<div class="catlist"><ul>
$items</ul></div>
<div class="pages">$pager</div>
</div>""")


def article_path(entry: Entry) -> str:
    return f"/news/show-{entry.doc_id}.html"


def list_path(site: SiteConfig, number: int) -> str:
    return f"/news/list-{site.get('cat_id', 5)}-{number}.html"


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
    site: SiteConfig, ctx: BuildContext, entries: list[Entry], entry: Entry
) -> tuple[str, ExpectedArticle]:
    others = [e for e in entries if e is not entry]
    ranking = sorted(others, key=hits, reverse=True)[:5]
    must_not = [
        site.get("slogan"),
        "核心提示",
        "免责声明",
        "推荐资讯",
        "推荐图文",
        "同类资讯",
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
        list_url=ctx.absolute(list_path(site, 1)),
        column=esc(site.column),
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
    text = _page(site, ctx, f"{entry.title}-资讯-{site.name}", main, entry.intro)
    url = ctx.absolute(article_path(entry))
    expected = entry.expected(url, must_not, entry.intro, repost_of=original_url)
    return text, expected


def _pager(site: SiteConfig, ctx: BuildContext, number: int, pages: int, total: int) -> str:
    def link(target: int, label: str) -> str:
        return f'<a href="{ctx.absolute(list_path(site, target))}">&nbsp;{label}&nbsp;</a>'

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


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={})
    pages = paginate(entries, site.per_page)
    for number, chunk in enumerate(pages, start=1):
        rows = "".join(
            f'<li class="catlist_li"><span class="f_r">{e.date}</span>'
            f'<a href="{ctx.absolute(article_path(e))}" target="_blank" '
            f'title="{esc(e.title)}">{esc(e.title)}</a></li>\n'
            for e in chunk
        )
        main = LIST_MAIN.substitute(
            base=ctx.base_url,
            first=ctx.absolute(list_path(site, 1)),
            column=esc(site.column),
            items=rows,
            pager=_pager(site, ctx, number, len(pages), len(entries)),
        )
        text = _page(site, ctx, f"{site.column}-资讯-{site.name}", main)
        out.routes[list_path(site, number)] = html_page(text)
        out.list_urls.append(ctx.absolute(list_path(site, number)))
    for entry in entries:
        text, expected = _article(site, ctx, entries, entry)
        out.routes[article_path(entry)] = html_page(text)
        out.articles[expected.url] = expected
        out.routes[image_path(entry)] = binary("image/png", png_stub())
    home = (
        f'<div class="left_box"><div class="box_head">{esc(site.column)}</div>'
        f'<p><a href="{ctx.absolute(list_path(site, 1))}">更多资讯</a></p></div>'
    )
    out.routes["/"] = html_page(_page(site, ctx, site.name, home))
    logger.debug("built destoon site: %s routes", len(out.routes))
    return out
