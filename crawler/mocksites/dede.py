"""Templates of the DedeCMS-style park company site (青梧科技园), served as GBK bytes.

The HTML declares ``charset=gb2312`` while the HTTP header is a bare ``text/html``, and some
articles contain characters outside GB2312 (but inside GBK), as old Dede installs do.
Lists ``/a/news/list_1_N.html`` with ``div.dede_pages > ul.pagelist``; articles
``/a/news/YYYYMMDD/<aid>.html`` with ``.title h2``, ``.info``, ``.content``, prenext.
"""

from __future__ import annotations

import logging
from string import Template

from .common import BuildContext, esc, html_page, script
from .corpus import Entry, SiteConfig, is_heading, paginate, text_of
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
<div class="channel-nav w960 center clear"><div class="place">
<strong>当前位置：</strong> <a href="/">主页</a> &gt; <a
href="/a/news/list_${type_id}_1.html">$column</a> &gt; </div></div>
<div class="w960 center clear mt1">
<div class="pleft">
$main
</div>
<div class="pright">
<div class="commend mt1"><dl class="tbox light"><dt class="light"><strong>热门文章</strong></dt>
<dd class="light"><ul class="c1 ico2">
$hot</ul></dd></dl></div>
<div class="hot mt1"><dl class="tbox light"><dt class="light"><strong>最新文章</strong></dt>
<dd class="light"><ul class="c1 ico2">
$latest</ul></dd></dl></div>
</div>
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


def article_path(entry: Entry) -> str:
    return f"{COLUMN}{entry.ymd}/{entry.doc_id}.html"


def list_path(site: SiteConfig, number: int) -> str:
    return f"{COLUMN}list_{site.get('type_id', 1)}_{number}.html"


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
) -> str:
    by_hits = sorted(entries, key=hits, reverse=True)[:5]
    menu = "".join(
        f"<li><a href='{esc(href)}'><span>{esc(label)}</span></a></li>\n"
        for label, href in site.get("menu", [])
    )
    return PAGE.substitute(
        title_tag=esc(title_tag),
        keywords=esc(site.column),
        description=esc(description),
        name=esc(site.name),
        menu=menu,
        type_id=site.get("type_id", 1),
        column=esc(site.column),
        main=main,
        hot="".join(_li(e) for e in by_hits),
        latest="".join(_li(e) for e in entries[:5]),
        company=esc(site.get("company")),
        icp=esc(site.get("icp")),
        address=esc(site.get("address")),
        phone=esc(site.get("phone")),
        body_class=body_class,
    )


def _pager(site: SiteConfig, number: int, pages: int, total: int) -> str:
    def item(target: int, label: str) -> str:
        href = list_path(site, target)[len(COLUMN) :]
        return f"<li><a href='{href}'>{label}</a></li>\n"

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
    out.append(
        f'<li><span class="pageinfo">共 <strong>{pages}</strong>页'
        f"<strong>{total}</strong>条</span></li>\n"
    )
    return "".join(out)


def _body(entry: Entry) -> str:
    return "\n".join(
        f"<p><strong>{esc(text_of(p))}</strong></p>"
        if is_heading(p)
        else f"<p>\u3000\u3000{esc(p)}</p>"
        for p in entry.paragraphs
    )


def _article(
    site: SiteConfig, ctx: BuildContext, entries: list[Entry], index: int
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
    title_tag = f"{entry.title}_{site.column}_{site.name}"
    text = _page(site, entries, title_tag, main, entry.summary or "", "articleview")
    url = ctx.absolute(article_path(entry))
    expected = entry.expected(url, must_not, entry.summary)
    return text, expected


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={})
    pages = paginate(entries, site.per_page)
    for number, chunk in enumerate(pages, start=1):
        rows = "".join(
            f'<li><a href="{article_path(e)}" class="title">{esc(e.title)}</a>'
            f'<span class="info"><small>日期：</small>{e.date} {e.time}:00 '
            f"<small>点击：</small>{hits(e)} <small>好评：</small>0</span>"
            f'<p class="intro">{esc(e.lines[0][:48])}...</p></li>\n'
            for e in chunk
        )
        main = LIST_MAIN.substitute(
            items=rows, pager=_pager(site, number, len(pages), len(entries))
        )
        title_tag = f"{site.column}_{site.name}"
        text = _page(site, entries, title_tag, main)
        out.routes[list_path(site, number)] = html_page(text, site.encoding, False)
        out.list_urls.append(ctx.absolute(list_path(site, number)))
    for index, entry in enumerate(entries):
        text, expected = _article(site, ctx, entries, index)
        out.routes[article_path(entry)] = html_page(text, site.encoding, False)
        out.articles[expected.url] = expected
    out.routes["/plus/count.php"] = script("document.write('1');")
    home = (
        f'<div class="listbox"><h3>{esc(site.column)}</h3>'
        f'<p><a href="{list_path(site, 1)}">更多{esc(site.column)}</a></p></div>'
    )
    out.routes["/"] = html_page(
        _page(site, entries, site.name, home, body_class="index"), site.encoding, False
    )
    logger.debug("built dede site: %s routes", len(out.routes))
    return out
