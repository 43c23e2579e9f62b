"""Templates of the TRS WCM-style government portal (云溪经开区管委会), UTF-8.

Column ``/xwzx/yqdt/``: lists ``index.html``, ``index_1.html`` (0-based, TRS style) with
relative ``./YYYYMM/tYYYYMMDD_<id>.html`` items, a static pager plus ``createPageHTML``;
articles with gov metas, ``div.TRS_Editor`` (inline ``<style>`` first), 上一篇/下一篇, footer.
An article with page breaks continues on ``tYYYYMMDD_<id>_1.html`` …; every page calls
``createPageHTML(2, i, "tYYYYMMDD_<id>", "html")`` and, as on real TRS pages (#01, #05), has
no static link to the other page: the pager exists only as that call.
"""

from __future__ import annotations

import logging
from string import Template

from .common import BuildContext, binary, build_further_columns, esc, html_page, jpeg_stub, pdf_stub
from .corpus import Entry, MockColumn, SiteConfig, is_heading, paginate, site_columns, text_of
from .model import ExpectedArticle, SiteBuild

logger = logging.getLogger(__name__)

COLUMN = "/xwzx/yqdt/"

PAGE = Template("""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<title>$title_tag</title>
<meta name="SiteName" content="$site_name">
<meta name="SiteDomain" content="$domain">
<meta name="SiteIDCode" content="$site_code">
<meta name="ColumnName" content="$column">
<meta name="ColumnType" content="$column">
$metas<link href="${root}images/common.css" rel="stylesheet" type="text/css">
<script type="text/javascript" src="${root}images/jquery-1.12.4.min.js"></script>
<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var html = "";
  for(var i = 0; i < _nPageCount; i++){
    var name = (i == 0) ? _sPageName : _sPageName + "_" + i;
    html += (i == _nCurrIndex) ? "<span>" + (i + 1) + "</span>"
      : "<a href=\\"" + name + "." + _sPageExt + "\\">" + (i + 1) + "</a>";
  }
  document.getElementById("jsPager").innerHTML = html;
}
</script>
</head>
<body>
<div class="topbar"><div class="w1200">
<span class="welcome">欢迎访问$site_name门户网站</span>
<span class="tools"><a href="${root}wza/index.html">无障碍浏览</a>
 | <a href="javascript:;" id="oldMode">长者模式</a> | <a
href="${root}yw/index.html">English</a></span>
</div></div>
<div class="header"><div class="w1200">
<a class="logo" href="${root}"><img src="${root}images/logo.png" alt="$site_name"></a>
<form class="search" action="${root}search/index.html" method="get">
<input type="text" name="searchword" placeholder="请输入关键字"><button
type="submit">搜索</button></form>
</div></div>
<div class="nav"><ul class="w1200">
$menu</ul></div>
<div class="main w1200">
$main
</div>
<div class="footer"><div class="w1200">
<div class="footer-links"><a href="${root}wzgl/gywm/index.html">关于我们</a>
 | <a href="${root}wzgl/wzdt/index.html">网站地图</a> | <a
href="${root}wzgl/lxwm/index.html">联系我们</a>
 | <a href="${root}wzgl/wzsm/index.html">网站声明</a></div>
<div class="conac">
<script
type="text/javascript">document.write(unescape("%3Cspan id='_ideConac'%3E%3C/span%3E"
  + "%3Cscript src='https://dcs.conac.cn/js/27/390/0000/60718231/CA273900000607182310001.js'"
  + " type='text/javascript'%3E%3C/script%3E"));</script></div>
<p>主办：$sponsor&nbsp;&nbsp;&nbsp;承办：$operator</p>
<p>网站标识码：$site_code&nbsp;&nbsp;<a href="https://beian.miit.gov.cn/" target="_blank">$icp</a>
&nbsp;&nbsp;<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=$police_code"
target="_blank"><img src="${root}images/gaba.png" alt="">$police</a></p>
<p>建议使用1366×768分辨率、IE10以上版本浏览器浏览本网站</p>
<script id="_jiucuo_" sitecode="$site_code" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js">
</script>
</div></div>
</body>
</html>
""")

LIST_MAIN = Template("""<div class="side"><h2>$parent</h2><ul class="sub-nav">
$sub_menu</ul></div>
<div class="content-box">
<div class="position">当前位置：<a href="../../">首页</a> &gt; <a
href="../../xwzx/index.html">$parent</a> &gt; <a href="./index.html">$column</a></div>
<div class="list-title"><span>$column</span></div>
<ul class="list">
$items</ul>
<div class="page">
<script type="text/javascript">var countPage = $pages;</script>
<div id="jsPager"></div>
<script type="text/javascript">createPageHTML($pages, $current, "index", "html");</script>
<div class="pagebar">$pager</div>
</div>
</div>""")

ARTICLE_MAIN = Template("""<div class="position">当前位置：<a href="../../../">首页</a> &gt; <a
href="../../../xwzx/index.html">$parent</a> &gt; <a href="../index.html">$column</a> &gt; 正文</div>
<div class="article">
<h1 class="article-title">$title</h1>
<div class="article-info">
<span>发布时间：$pubdate</span><span>来源：$source</span>$author<span>浏览次数：<em
id="readCount"></em></span>
<span class="font-size">字号：<a href="javascript:doZoom(18);">大</a> <a
href="javascript:doZoom(16);">中</a> <a href="javascript:doZoom(14);">小</a></span>
</div>
<div class="article-content" id="zoom">
<div class="TRS_Editor"><style type="text/css">
.TRS_Editor P{margin-top:5px;margin-bottom:5px;line-height:2;font-family:宋体;font-size:12pt;}
.TRS_Editor DIV,.TRS_Editor TD,.TRS_Editor TH,.TRS_Editor SPAN,.TRS_Editor LI{
line-height:2;font-family:宋体;font-size:12pt;}
</style>
<div class="Custom_UnionStyle">
$body
</div></div>
<div class="page" id="jsPager"></div>
<script type="text/javascript">createPageHTML($page_count, $page_index, "$stem", "html");</script>
</div>
<div class="article-tools"><a href="javascript:window.print();">打印本页</a>
<a href="javascript:window.close();">关闭窗口</a></div>
<div class="prenext">
<p>上一篇：$prev</p>
<p>下一篇：$next</p>
</div>
<div class="related"><h3>相关链接</h3><ul>
$related</ul></div>
<div class="qrcode"><p>扫一扫在手机打开当前页</p><div id="qrcodeCanvas"></div></div>
</div>""")

def column_path(entry: Entry) -> str:
    """The folder of an entry's column: the main column, or a further one's ``path``."""
    if not entry.column:
        return COLUMN
    return next(c.path for c in site_columns(entry.site) if c.key == entry.column)


def article_path(entry: Entry, page: int = 0) -> str:
    """Page ``page`` (from 0) of an article: t…_<id>.html, then t…_<id>_1.html …"""
    suffix = f"_{page}" if page else ""
    return f"{column_path(entry)}{entry.ymd[:6]}/t{entry.ymd}_{entry.doc_id}{suffix}.html"


def list_path(index: int, column: str = COLUMN) -> str:
    return column + ("index.html" if index == 0 else f"index_{index}.html")


def _page(
    site: SiteConfig, ctx: BuildContext, root: str, title_tag: str, metas: str, main: str
) -> str:
    menu = "".join(
        f'<li><a href="{esc(root + href.removeprefix("../../"))}">{esc(label)}</a></li>\n'
        for label, href in site.get("menu", [])
    )
    return PAGE.substitute(
        title_tag=esc(title_tag),
        site_name=esc(site.name),
        domain=ctx.base_url[7:],
        site_code=site.get("site_code"),
        column=esc(site.column),
        metas=metas,
        root=root,
        menu=menu,
        main=main,
        sponsor=esc(site.get("sponsor")),
        operator=esc(site.get("operator")),
        icp=esc(site.get("icp")),
        police=esc(site.get("police")),
        police_code=site.get("police_code"),
    )


def _pager(current: int, pages: int, column: str = COLUMN) -> str:
    def link(index: int, label: str) -> str:
        return f'<a href="{list_path(index, column)[len(column) :]}">{label}</a>'

    parts = [f"共{pages}页"]
    parts.append(link(0, "首页") if current > 0 else "<span>首页</span>")
    parts.append(link(current - 1, "上一页") if current > 0 else "<span>上一页</span>")
    for index in range(pages):
        number = str(index + 1)
        parts.append(
            f'<span class="cur">{number}</span>' if index == current else link(index, number)
        )
    last = pages - 1
    parts.append(link(current + 1, "下一页") if current < last else "<span>下一页</span>")
    parts.append(link(last, "尾页") if current < last else "<span>尾页</span>")
    return "&nbsp;".join(parts)


def _relative(from_entry: Entry, to_entry: Entry) -> str:
    if from_entry.ymd[:6] == to_entry.ymd[:6]:
        return "./" + article_path(to_entry).rsplit("/", 1)[1]
    return "../" + article_path(to_entry)[len(column_path(to_entry)) :]


def _body(entry: Entry, page: int = 0) -> str:
    out = []
    indent_with_spaces = entry.doc_id % 2 == 0
    for number, paragraph in enumerate(entry.pages[page]):
        text = esc(text_of(paragraph))
        if is_heading(paragraph):
            out.append(f'<p style="text-indent: 2em;"><strong>{text}</strong></p>')
        elif indent_with_spaces:
            out.append(f"<p>\u3000\u3000{text}</p>")
        else:
            out.append(f'<p style="text-indent: 2em;">{text}</p>')
        if number == 0 and page == 0 and entry.image:
            out.append(
                f'<p style="text-align: center;"><img src="./{entry.image}" '
                f'oldsrc="{entry.image}" alt="" border="0"></p>'
            )
    return "\n".join(out)


def _article(
    site: SiteConfig, ctx: BuildContext, entries: list[Entry], index: int, page: int = 0
) -> tuple[str, ExpectedArticle]:
    """Page ``page`` of article ``index`` and the expectation (of the whole article)."""
    entry = entries[index]
    pubdate = f"{entry.date} {entry.time}".strip()
    neighbours = {"prev": index - 1, "next": index + 1}
    links = {}
    must_not = [
        "当前位置",
        "打印本页",
        "关闭窗口",
        "扫一扫在手机打开当前页",
        "相关链接",
        "网站标识码",
        site.get("icp"),
        site.get("police"),
        "字号",
        ".TRS_Editor P{margin-top:5px",
        f"主办：{site.get('sponsor')}",
        f"发布时间：{pubdate}",
        f"来源：{entry.source}",
    ]
    for name, other in neighbours.items():
        if 0 <= other < len(entries):
            target = entries[other]
            links[name] = f'<a href="{_relative(entry, target)}">{esc(target.title)}</a>'
            must_not.append(target.title)
        else:
            links[name] = "没有了"
    related = [entries[(index + step) % len(entries)] for step in (2, 3, 4)]
    related_html = "".join(
        f'<li><a href="{_relative(entry, r)}" target="_blank">{esc(r.title)}</a></li>\n'
        for r in related
        if r is not entry
    )
    metas = "".join(
        f'<meta name="{name}" content="{esc(value)}">\n'
        for name, value in (
            ("ArticleTitle", entry.title),
            ("PubDate", pubdate),
            ("ContentSource", entry.source),
            ("Keywords", ""),
            ("Author", entry.author or ""),
            ("Description", entry.summary or ""),
            ("Url", "./" + article_path(entry).rsplit("/", 1)[1]),
        )
    )
    main = ARTICLE_MAIN.substitute(
        parent=esc(site.get("parent_column")),
        column=esc(column_name(site, entry)),
        title=esc(entry.title),
        pubdate=pubdate,
        source=esc(entry.source),
        author=f"<span>作者：{esc(entry.author)}</span>" if entry.author else "",
        body=_body(entry, page),
        page_count=len(entry.pages),
        page_index=page,
        stem=f"t{entry.ymd}_{entry.doc_id}",
        prev=links["prev"],
        next=links["next"],
        related=related_html,
    )
    text = _page(site, ctx, "../../../", f"{entry.title}_{site.name}", metas, main)
    url = ctx.absolute(article_path(entry))
    expected = entry.expected(url, must_not, entry.summary)
    return text, expected


def column_name(site: SiteConfig, entry: Entry) -> str:
    if not entry.column:
        return site.column
    return next(c.name for c in site_columns(site.id) if c.key == entry.column)


def _lists(site: SiteConfig, ctx: BuildContext, out: SiteBuild, column: str, name: str,
           items: list[tuple[str, int, str, str]]) -> list[str]:
    """The list pages of one column (``column`` its folder), newest first; their URLs."""
    items = sorted(items, reverse=True)
    pages = paginate(items, site.per_page)
    sub_menu = "".join(
        f'<li><a href="{esc(h)}">{esc(label)}</a></li>\n' for label, h in site.get("sub_menu", [])
    )
    urls = []
    for index, page_items in enumerate(pages):
        rows = "".join(
            f'<li><a href="{href}" target="_blank" title="{esc(title)}">{esc(title)}</a>'
            f"<span>{date}</span></li>\n"
            for date, _, title, href in page_items
        )
        main = LIST_MAIN.substitute(
            parent=esc(site.get("parent_column")),
            column=esc(name),
            items=rows,
            sub_menu=sub_menu,
            pages=len(pages),
            current=index,
            pager=_pager(index, len(pages), column),
        )
        title_tag = f"{name}_{site.name}"
        root = "../" * (column.count("/") - 1)
        out.routes[list_path(index, column)] = html_page(
            _page(site, ctx, root, title_tag, "", main))
        urls.append(ctx.absolute(list_path(index, column)))
    return urls


def _articles(site: SiteConfig, ctx: BuildContext, out: SiteBuild, entries: list[Entry],
              into: dict[str, ExpectedArticle]) -> None:
    for index, entry in enumerate(entries):
        text, expected = _article(site, ctx, entries, index)
        out.routes[article_path(entry)] = html_page(text)
        into[expected.url] = expected
        for page in range(1, len(entry.pages)):
            more, _ = _article(site, ctx, entries, index, page)
            out.routes[article_path(entry, page)] = html_page(more)
            out.continuation_urls.setdefault(expected.url, []).append(
                ctx.absolute(article_path(entry, page))
            )
        if entry.image:
            image_path = article_path(entry).rsplit("/", 1)[0] + "/" + entry.image
            out.routes[image_path] = binary("image/jpeg", jpeg_stub())


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={})
    items = [(e.date, e.doc_id, e.title, "./" + article_path(e)[len(COLUMN) :]) for e in entries]
    for item in site.get("files", []):
        path = COLUMN + item["file"]
        data = pdf_stub(item["title"]) if path.endswith(".pdf") else jpeg_stub()
        kind = "application/pdf" if path.endswith(".pdf") else "image/jpeg"
        out.routes[path] = binary(kind, data)
        out.non_html_urls.append(ctx.absolute(path))
        items.append((item["date"], item["doc_id"], item["title"], "./" + item["file"]))
    out.list_urls = _lists(site, ctx, out, COLUMN, site.column, items)
    _articles(site, ctx, out, entries, out.articles)
    further = _further_columns(site, ctx, out)
    home = _home(site, entries, further)
    out.routes["/"] = html_page(_page(site, ctx, "./", site.name, "", home))
    out.routes["/xwzx/index.html"] = html_page(_page(
        site, ctx, "../", f"{site.get('parent_column')}_{site.name}", "",
        _news_centre(site, entries, further)))
    for path, title in (("/zsyz/index.html", "招商引资"), ("/zwgk/index.html", "政务公开")):
        out.routes[path] = html_page(_page(site, ctx, "../", f"{title}_{site.name}", "",
                                           INFO_MAIN.substitute(title=title,
                                                                name=esc(site.name))))
    logger.debug("built trs site: %s routes", len(out.routes))
    return out


# -- the home page and the further columns (issue 19) --------------------------------

HOME_BLOCK = Template("""<div class="index-box $cls"><div class="index-box-hd"><h3>$name</h3>
<a class="more" href="$more">更多&gt;&gt;</a></div>
<ul class="index-list">
$items</ul></div>
""")

INFO_MAIN = Template("""<div class="position">当前位置：<a href="../">首页</a> &gt; $title</div>
<div class="info-page"><h2>$title</h2>
<p>$name欢迎各类企业前来考察洽谈。园区位于城市东部，交通便利，水电气热和通信等基础设施完善，
可为入驻企业提供一站式服务。</p>
<p>园区重点发展新材料、智能装备、生物医药和现代物流等产业，设有专门的服务团队，
协调解决企业在项目建设和生产经营中遇到的问题。</p>
<p>联系电话：0000-8888 1234（工作日上午九时至下午五时）</p></div>""")


def _further_columns(site: SiteConfig, ctx: BuildContext, out: SiteBuild
                     ) -> list[tuple[MockColumn, list[Entry]]]:
    """Build every further column of the site (list pages and articles)."""
    def one(column: MockColumn, entries: list[Entry]):
        items = [(e.date, e.doc_id, e.title, "./" + article_path(e)[len(column.path):])
                 for e in entries]
        urls = _lists(site, ctx, out, column.path, column.name, items)
        expected: dict[str, ExpectedArticle] = {}
        _articles(site, ctx, out, entries, expected)
        return urls, expected

    return build_further_columns(site, out, one)


def _home_items(entries: list[Entry], dated: bool, root: str) -> str:
    rows = []
    for entry in entries[:5]:
        date = f"<span class=\"date\">{entry.date}</span>" if dated else ""
        rows.append(f'<li><a href="{root}{article_path(entry)[1:]}" target="_blank" '
                    f'title="{esc(entry.title)}">{esc(entry.title)}</a>{date}</li>\n')
    return "".join(rows)


def _blocks(site: SiteConfig, entries: list[Entry],
            further: list[tuple[MockColumn, list[Entry]]], root: str) -> str:
    blocks = [HOME_BLOCK.substitute(cls="yqdt", name=esc(site.column),
                                    more=f"{root}{COLUMN[1:]}index.html",
                                    items=_home_items(entries, True, root))]
    for column, column_entries in further:
        if column.menu != "block":
            continue
        blocks.append(HOME_BLOCK.substitute(
            cls=column.key, name=esc(column.name), more=f"{root}{column.path[1:]}index.html",
            items=_home_items(column_entries, column.dated, root)))
    return "".join(blocks)


def _script_menu(further: list[tuple[MockColumn, list[Entry]]], root: str) -> str:
    """Menu items written by ``document.write``: columns reachable from nowhere else."""
    items = "".join(f"<li><a href=\\\"{root}{column.path[1:]}index.html\\\">{column.name}</a></li>"
                    for column, _ in further if column.menu == "script")
    if not items:
        return ""
    return (f'<ul class="quick-menu"><script type="text/javascript">'
            f'document.write("{items}");</script></ul>\n')


def _home(site: SiteConfig, entries: list[Entry],
          further: list[tuple[MockColumn, list[Entry]]]) -> str:
    return ('<div class="home">\n' + _script_menu(further, "")
            + _blocks(site, entries, further, "") + "</div>")


def _news_centre(site: SiteConfig, entries: list[Entry],
                 further: list[tuple[MockColumn, list[Entry]]]) -> str:
    news = [(c, e) for c, e in further if c.news and c.menu == "block"]
    return (f'<div class="position">当前位置：<a href="../">首页</a> &gt; '
            f'{esc(site.get("parent_column"))}</div>\n<div class="news-centre">'
            + _blocks(site, entries, news, "../") + "</div>")
