"""Templates of the Hanweb 大汉 JCMS park portal (泽川高新区管委会), UTF-8.

Column ``/col/col<colid>/index.html``: the list items are not HTML but XML records in a
script, ``<div id="<unitid>"><script type="text/xml"><datastore><nextgroup>…</nextgroup>
<recordset><record><![CDATA[<li>…</li>]]></record>…``, holding the first page only; the
jpage script beside it carries the paging parameters (totalRecord, perPage, groupSize,
proxyUrl, ajaxParam with webid/columnid/unitid). Pages 2..N are served two ways:

- GET ``index.html?uid=<unitid>&pageNum=N``: the column page with page N's records;
- POST ``/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=9&perpage=3`` with the
  form ``col=1&appid=1&webid=…&path=/&columnid=…&sourceContentType=1&unitid=…&webname=…
  &permissiontype=0``: the XML ``<datastore><totalrecord>…<recordset>…`` of records
  startrecord..endrecord (1-based, inclusive; a group is groupSize pages). GET works too,
  and ``page=N`` (the nextgroup link's form) gives page N.

Articles ``/art/YYYY/M/D/art_<colid>_<artid>.html`` (month and day not zero-padded) with
``p.con-title``, ``div.small-title`` (发布日期/浏览次数/信息来源), ``div#zoom`` wrapped in the
``<!--<$[信息内容]>begin-->`` / ZJEG_RSS / ContentStart markers, 打印/关闭, and the hidden
"Produced By 大汉网络" link. One list record points at a deleted article (404).

The home page ``/`` (issue 19) shows a block per column with a 更多>> link (园区要闻, the
further columns of ``data/columns/hanweb.toml``: 通知公告, 媒体聚焦 without dates, the
办事指南 a news crawler must skip) and a 快速通道 menu written by ``document.write`` (政策解读,
linked nowhere else); its menu's 新闻中心 (col1229370) is a channel page of the news
columns' blocks, 政务公开 (col1229380) a short page. Every column has the main column's
templates: its own column id, the records in a script, jpage paging by ``?uid=&pageNum=``
and by the data proxy (which answers by ``columnid``; the list unit, as on real JCMS
sites, is one unit id for every column of the template).

Evidence for the paging (public crawler code, found with find_string/search; the pages
themselves were not fetched):
- ``?uid=…&pageNum=N`` column URLs: a crawler resolving article links against
  ``http://zskjj.zhoushan.gov.cn/col/col1312724/index.html?uid=4271661&pageNum=4``, and a
  Zhejiang spider sending ``Referer: …/col/col1228972439/index.html?uid=7543749&pageNum=3``.
- dataproxy POST: Scrapy spiders for scjg.hangzhou.gov.cn, cnipa.gov.cn and
  hc.jiangxi.gov.cn POST to ``/module/web/jpage/dataproxy.jsp?startrecord={s}&endrecord={e}
  &perpage=15`` with ``col=1, appid=1, webid, path=/, columnid, sourceContentType=1, unitid,
  webname, permissiontype=0``; batches of 45 = groupSize 3 x perPage 15
  (startrecord=(page-1)*45+1); responses are parsed by stripping ``<![CDATA[…]]>``.
- the inline jpage call, from a saved 南通 page: ``$('#49468').jpage({themeName:'default',
  showMode:'full',totalRecord:1418,…,groupSize:3,proxyUrl:'/module/jslib/jquery/jpage/
  dataproxy.jsp',perPage:25,…,ajaxParam:{col:1,appid:'1',webid:60,path:'/',columnid:30067,
  unitid:'49468',…,permissiontype:0}})``; a Zhejiang spider reads ``totalRecord:(\\d+)``.
- the XML answer with ``<totalrecord>``/``<totalpage>`` before ``<recordset>``: notes on
  jshrss.jiangsu.gov.cn, which also GETs ``dataproxy.jsp?page=1&…&unitid=…``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from string import Template

from . import traps
from .common import BuildContext, build_further_columns, esc, html_page, route_key, script, xml_doc
from .corpus import Entry, MockColumn, SiteConfig, is_heading, paginate, site_columns, text_of
from .model import ExpectedArticle, Handler, ListPost, MockRequest, Route, SiteBuild

logger = logging.getLogger(__name__)

COL_ID = 1229371
UNIT_ID = 7562804
WEB_ID = 3287
GROUP_SIZE = 3  # jpage pages per dataproxy call
COLUMN = f"/col/col{COL_ID}/index.html"
PARENT = "/col/col1229370/index.html"  # 新闻中心, the main column's channel
OPEN = "/col/col1229380/index.html"  # 政务公开
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
XML_TYPE = "text/xml;charset=UTF-8"

PAGE = Template("""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<script language="javascript" src="/module/jslib/urite/urite.min.js"></script>
<link href="/script/page.css" type="text/css" rel="stylesheet">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>$title_tag</title>
$metas<link rel="stylesheet" type="text/css" href="/images/$web_id/hanweb.css">
</head>
<body>
<div class="top"><div class="w1200">
<span class="welcome">您好，欢迎访问$site_name！</span>
<span class="top-links"><a href="javascript:void(0);" id="barrierfree">无障碍</a> |
<a href="javascript:void(0);" id="oldman">长者模式</a> | <a href="$search">$search_label</a></span>
</div></div>
<div class="header"><div class="w1200">
<a class="logo" href="/"><img src="/images/$web_id/logo.png" alt="$site_name"></a>
<form class="search" action="/jsearchfront/search.do" method="get" target="_blank">
<input type="hidden" name="websiteid" value="$website_id"><input type="hidden" name="tpl"
value="1"><input type="text" name="q" placeholder="请输入关键词"><button
type="submit">搜索</button></form>
</div></div>
<div class="nav"><ul class="w1200">
$menu</ul></div>
<div class="main w1200">
$main
</div>
<div class="links w1200"><h3>友情链接</h3><ul>
$friends</ul></div>
<div class="footer"><div class="w1200">
<p><a href="/col/col1229420/index.html">网站地图</a> | <a
href="/col/col1229421/index.html">联系我们</a> | <a
href="/col/col1229422/index.html">隐私声明</a></p>
<p>主办单位：$sponsor&nbsp;&nbsp;承办单位：$operator</p>
<p>网站标识码：$site_code&nbsp;&nbsp;<a href="https://beian.miit.gov.cn/"
target="_blank">$icp</a>&nbsp;&nbsp;<a
href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=$police_code"
target="_blank">$police</a></p>
<script type="text/javascript">document.write(unescape("%3Cspan id='_ideConac'%3E%3C/span%3E"
  + "%3Cscript src='https://dcs.conac.cn/js/33/000/0000/60599921/CA330000000605999210001.js'"
  + " type='text/javascript'%3E%3C/script%3E"));</script>
<script id="_jiucuo_" sitecode="$site_code" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js">
</script>
</div></div>
<a href="http://www.hanweb.com" style="display:none">Produced By 大汉网络 大汉版通发布系统</a>
<script language="javascript" src="/script/web_front.js"></script>
</body>
</html>
""")

LIST_MAIN = Template("""<div class="position">当前位置：<a href="/">首页</a> &gt; <a
href="$parent_path">$parent</a> &gt; <a href="$column_path">$column</a></div>
<div class="list-box">
<div class="list-title"><span>$column</span></div>
<div id="$unit_id"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="$nextgroup"></a>]]></nextgroup>
<recordset>
$records</recordset>
</datastore></script></div>
<script language="javascript" src="/module/web/jpage/jquery.jpage.js"></script>
<script type="text/javascript">
$$(function(){$$('#$unit_id').jpage({themeName:'default',showMode:'full',totalRecord:$total,
openCookies:false,dataBefore:'<ul class="list">',dataStore:$$('#$unit_id script[type="text/xml"]'),
dataAfter:'</ul>',groupSize:$group_size,proxyUrl:'$dataproxy',perPage:$per_page,
barPosition:'bottom',ajaxParam:{col:1,appid:'1',webid:$web_id,path:'/',columnid:$col_id,
sourceContentType:1,unitid:'$unit_id',webname:'$webname',permissiontype:0}});});
</script>
</div>""")

ARTICLE_MAIN = Template("""<div class="position">当前位置：<a href="/">首页</a> &gt; <a
href="$parent_path">$parent</a> &gt; <a href="$column_path">$column</a></div>
<div class="con">
<p class="con-title"><!--<$$[标题]>begin-->$title<!--<$$[标题]>end--></p>
<!--上部小标题 start-->
<div class="small-title clearfix">
<span>发布日期：$date</span>
<span>浏览次数：<script language="javascript"
src="/module/visitcount/articlehits.jsp?colid=$col_id&amp;artid=$art_id"></script></span>
<span>信息来源：<!--<$$[信息来源]>begin-->$source<!--<$$[信息来源]>end--></span>
$author</div>
<!--上部小标题 end-->
<div class="font-size">字体：[<a href="javascript:doZoom(20)">大</a> <a
href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>]</div>
<!--正文 start-->
<div class="main-txt" id="zoom">
<!--<$$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">$body
<meta name="ContentEnd"><!--ZJEG_RSS.content.end--><!--<$$[信息内容]>end-->
</div>
<!--正文 end-->
<div class="main-word">
<span class="printer"><a href="javascript:window.print()">【打印本页】</a></span>
<span class="close"><a href="javascript:window.close()">【关闭窗口】</a></span>
</div>
<div class="qrcode">扫一扫在手机打开当前页</div>
</div>""")


@dataclass(frozen=True)
class Column:
    """A column as the templates need it: its JCMS column id, name and channel."""

    col_id: int
    name: str
    parent: str
    parent_path: str

    @property
    def path(self) -> str:
        return f"/col/col{self.col_id}/index.html"


def column_id(path: str) -> int:
    """The column id of a column folder or page: 1229372 for ``/col/col1229372/``."""
    found = re.search(r"/col/col(\d+)/", path)
    if found is None:
        raise ValueError(f"not a Hanweb column path: {path}")
    return int(found[1])


def main_column(site: SiteConfig) -> Column:
    return Column(COL_ID, site.column, site.get("parent_column"), PARENT)


def _further(mock: MockColumn) -> Column:
    return Column(column_id(mock.path), mock.name, mock.get("parent"), mock.get("parent_path"))


def _entry_col_id(entry: Entry) -> int:
    if not entry.column:
        return COL_ID
    return next(column_id(c.path) for c in site_columns(entry.site) if c.key == entry.column)


def article_path(entry: Entry) -> str:
    return _path_of(entry.date, entry.doc_id, _entry_col_id(entry))


def _path_of(date: str, doc_id: int, col_id: int = COL_ID) -> str:
    year, month, day = (int(part) for part in date.split("-"))
    return f"/art/{year}/{month}/{day}/art_{col_id}_{doc_id}.html"


def list_url_path(number: int, column: str = COLUMN) -> str:
    """The GET URL path of list page ``number`` (from 1) of a column page."""
    return column if number == 1 else f"{column}?uid={UNIT_ID}&pageNum={number}"


def list_route(number: int, column: str = COLUMN) -> str:
    if number == 1:
        return column
    return route_key(column, {"uid": str(UNIT_ID), "pageNum": str(number)})


def ajax_form(site: SiteConfig, col_id: int = COL_ID) -> dict[str, str]:
    """The dataproxy.jsp form fields, as the column page's jpage ajaxParam gives them."""
    return {
        "col": "1",
        "appid": "1",
        "webid": str(WEB_ID),
        "path": "/",
        "columnid": str(col_id),
        "sourceContentType": "1",
        "unitid": str(UNIT_ID),
        "webname": site.short_name,
        "permissiontype": "0",
    }


def _nextgroup(site: SiteConfig, col_id: int = COL_ID) -> str:
    return (
        f"{DATAPROXY}?page=1&webid={WEB_ID}&path=/&columnid={col_id}&unitid={UNIT_ID}"
        f"&webname={site.short_name}&permissiontype=0"
    )


def _records(entries: list[Entry], failing: Sequence[dict] = ()) -> list[str]:
    """The <li> fragment of every list record, newest first; dead records included."""
    rows = [(e.date, e.doc_id, e.title, article_path(e)) for e in entries]
    for dead in failing:
        path = _path_of(dead["date"], dead["doc_id"])
        rows.append((dead["date"], dead["doc_id"], dead["title"], path))
    rows.sort(reverse=True)
    return [
        f'<li><a href="{path}" title="{esc(title)}" target="_blank">{esc(title)}</a>'
        f"<span>{date}</span></li>"
        for date, _, title, path in rows
    ]


def _cdata(records: list[str]) -> str:
    return "".join(f"<record><![CDATA[\n{r}\n]]></record>\n" for r in records)


def _metas(site: SiteConfig, ctx: BuildContext, pairs: list[tuple[str, str]],
           column: str | None = None) -> str:
    base = [
        ("SiteName", site.name),
        ("SiteDomain", ctx.base_url[7:]),
        ("SiteIDCode", site.get("site_code")),
        ("ColumnName", site.column if column is None else column),
        ("ColumnType", ""),
    ]
    return "".join(f'<meta name="{n}" content="{esc(v)}">\n' for n, v in base + pairs)


def _page(
    site: SiteConfig,
    ctx: BuildContext,
    title_tag: str,
    metas: str,
    main: str,
    links: dict[str, list[tuple[str, str]]],
) -> str:
    menu = "".join(
        f'<li><a href="{esc(href)}">{esc(label)}</a></li>\n' for label, href in site.get("menu")
    )
    friends = "".join(
        f'<li><a href="{esc(url)}" target="_blank">{esc(label)}</a></li>\n'
        for label, url in links["offsite"]
    )
    search_label, search = links["disallowed"][0]
    return PAGE.substitute(
        title_tag=esc(title_tag),
        metas=metas,
        web_id=WEB_ID,
        site_name=esc(site.name),
        search=esc(search),
        search_label=esc(search_label),
        website_id=site.get("website_id"),
        menu=menu,
        main=main,
        friends=friends,
        sponsor=esc(site.get("sponsor")),
        operator=esc(site.get("operator")),
        site_code=site.get("site_code"),
        icp=esc(site.get("icp")),
        police=esc(site.get("police")),
        police_code=site.get("police_code"),
    )


def _list_page(
    site: SiteConfig,
    ctx: BuildContext,
    records: list[str],
    total: int,
    links: dict[str, list[tuple[str, str]]],
    column: Column,
) -> str:
    main = LIST_MAIN.substitute(
        parent=esc(column.parent),
        parent_path=column.parent_path,
        column=esc(column.name),
        column_path=column.path,
        unit_id=UNIT_ID,
        nextgroup=_nextgroup(site, column.col_id),
        records=_cdata(records),
        total=total,
        group_size=GROUP_SIZE,
        dataproxy=DATAPROXY,
        per_page=site.per_page,
        web_id=WEB_ID,
        col_id=column.col_id,
        webname=site.short_name,
    )
    metas = _metas(site, ctx, [], column.name)
    return _page(site, ctx, f"{column.name} {site.name}", metas, main, links)


def _body(entry: Entry) -> str:
    return "\n".join(
        f'<p style="text-align: center;"><strong>{esc(text_of(p))}</strong></p>'
        if is_heading(p)
        else f'<p style="text-indent: 2em;">{esc(p)}</p>'
        for p in entry.paragraphs
    )


def _article(
    site: SiteConfig,
    ctx: BuildContext,
    entry: Entry,
    links: dict[str, list[tuple[str, str]]],
    column: Column,
) -> tuple[str, ExpectedArticle]:
    metas = _metas(
        site,
        ctx,
        [
            ("ArticleTitle", entry.title),
            ("PubDate", f"{entry.date} {entry.time}".strip()),
            ("ContentSource", entry.source),
            ("Keywords", ""),
            ("Author", entry.author or ""),
            ("Description", entry.summary or ""),
            ("Maketime", f"{entry.date} {entry.time}:00".strip()),
            ("Url", ctx.absolute(article_path(entry))),
        ],
        column.name,
    )
    main = ARTICLE_MAIN.substitute(
        parent=esc(column.parent),
        parent_path=column.parent_path,
        column=esc(column.name),
        column_path=column.path,
        title=esc(entry.title),
        date=entry.date,
        col_id=column.col_id,
        art_id=entry.doc_id,
        source=esc(entry.source),
        author=f"<span>作者：{esc(entry.author)}</span>\n" if entry.author else "",
        body=_body(entry),
    )
    text = _page(site, ctx, entry.title, metas, main, links)
    must_not = [
        "当前位置",
        f"发布日期：{entry.date}",
        "浏览次数",
        "信息来源：",
        "打印本页",
        "关闭窗口",
        "扫一扫在手机打开当前页",
        "Produced By 大汉网络",
        "网站标识码",
        "友情链接",
        site.get("icp"),
        site.get("police"),
        f"主办单位：{site.get('sponsor')}",
    ]
    url = ctx.absolute(article_path(entry))
    return text, entry.expected(url, must_not, entry.summary)


def _dataproxy(site: SiteConfig, records_of: dict[int, list[str]]) -> Handler:
    """The jpage data proxy: records startrecord..endrecord (or page N) of the column
    ``columnid`` as XML; none for another list unit or an unknown column."""
    per_page = site.per_page

    def answer(request: MockRequest) -> Route | None:
        params = request.params
        column = params.get("columnid") or ""
        records = records_of.get(int(column)) if column.isdigit() else None
        if params.get("unitid") != str(UNIT_ID) or records is None:
            return _xml(site, [], 0, per_page)
        col_id = int(column)
        try:
            per = int(params.get("perpage") or per_page)
            if "startrecord" in params:
                first, last = int(params["startrecord"]), int(params["endrecord"])
            else:
                number = int(params.get("page") or 1)
                first, last = (number - 1) * per + 1, number * per
        except (KeyError, ValueError):
            return None
        if per < 1 or first < 1 or last < first:
            return None
        return _xml(site, records[first - 1 : last], len(records), per, col_id)

    return answer


def _xml(site: SiteConfig, records: list[str], total: int, per_page: int,
         col_id: int = COL_ID) -> Route:
    pages = -(-total // per_page) if total else 0
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
        f'<nextgroup><![CDATA[<a href="{_nextgroup(site, col_id)}"></a>]]></nextgroup>\n'
        f"<totalrecord>{total}</totalrecord>\n<totalpage>{pages}</totalpage>\n"
        f"<recordset>\n{_cdata(records)}</recordset>\n</datastore>\n"
    )
    return xml_doc(text, XML_TYPE)


def _list_posts(site: SiteConfig, ctx: BuildContext, total: int) -> list[ListPost]:
    batch = site.per_page * GROUP_SIZE
    return [
        ListPost(
            url=ctx.absolute(
                f"{DATAPROXY}?startrecord={first}&endrecord={first + batch - 1}"
                f"&perpage={site.per_page}"
            ),
            form=ajax_form(site),
        )
        for first in range(1, total + 1, batch)
    ]


def _lists(site: SiteConfig, ctx: BuildContext, out: SiteBuild, column: Column,
           records: list[str], links: dict[str, list[tuple[str, str]]]) -> list[str]:
    """The GET list pages of one column (page 1, then ``?uid=…&pageNum=N``); their URLs."""
    urls = []
    for number, chunk in enumerate(paginate(records, site.per_page), start=1):
        out.routes[list_route(number, column.path)] = html_page(
            _list_page(site, ctx, chunk, len(records), links, column)
        )
        urls.append(ctx.absolute(list_url_path(number, column.path)))
    return urls


def _articles(site: SiteConfig, ctx: BuildContext, out: SiteBuild, entries: list[Entry],
              links: dict[str, list[tuple[str, str]]], column: Column,
              into: dict[str, ExpectedArticle]) -> None:
    for entry in entries:
        text, expected = _article(site, ctx, entry, links, column)
        out.routes[article_path(entry)] = html_page(text)
        into[expected.url] = expected


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={})
    traps.add_robots(out, site)
    links = {
        "disallowed": traps.disallowed_links(out, site, ctx),
        "offsite": traps.offsite_links(out, site, ctx),
    }
    main = main_column(site)
    records = _records(entries, site.get("failing", []))
    out.list_urls = _lists(site, ctx, out, main, records, links)
    records_of = {COL_ID: records}
    out.list_posts = _list_posts(site, ctx, len(records))
    for dead in site.get("failing", []):
        path = _path_of(dead["date"], dead["doc_id"])
        traps.add_failing(out, ctx, path, dead["status"])
    _articles(site, ctx, out, entries, links, main, out.articles)
    further = _further_columns(site, ctx, out, links, records_of)
    out.handlers[DATAPROXY] = _dataproxy(site, records_of)
    out.routes["/module/visitcount/articlehits.jsp"] = script("document.write('1');")
    home = _home(site, entries, further)
    out.routes["/"] = html_page(_page(site, ctx, site.name, _metas(site, ctx, []), home, links))
    out.routes[PARENT] = html_page(_page(
        site, ctx, f"{main.parent} {site.name}", _metas(site, ctx, [], main.parent),
        _news_centre(site, entries, further), links))
    out.routes[OPEN] = html_page(_page(
        site, ctx, f"政务公开 {site.name}", _metas(site, ctx, [], "政务公开"),
        OPEN_MAIN.substitute(name=esc(site.name)), links))
    logger.debug("built hanweb site: %s routes", len(out.routes))
    return out


# -- the home page and the further columns (issue 19) --------------------------------

HOME_BLOCK = Template("""<div class="news-box $cls">
<div class="news-hd"><span class="news-title">$name</span><a class="more" href="$more"
target="_blank">更多&gt;&gt;</a></div>
<ul class="news-list">
$items</ul>
</div>
""")

HOME_MAIN = Template("""<div class="index-top clearfix">
<div class="kstd"><h3>快速通道</h3>
<ul class="kstd-list">
<script type="text/javascript">
$script_menu</script>
<li><a href="/col/col1229360/index.html" target="_blank">走进高新</a></li>
<li><a href="/col/col1229390/index.html" target="_blank">投资高新</a></li>
</ul></div>
</div>
<div class="index-news clearfix">
$blocks</div>""")

CHANNEL_MAIN = Template("""<div class="position">当前位置：<a href="/">首页</a> &gt; <a
href="$path">$name</a></div>
<div class="channel-box clearfix">
$blocks</div>""")

OPEN_MAIN = Template("""<div class="position">当前位置：<a href="/">首页</a> &gt; <a
href="/col/col1229380/index.html">政务公开</a></div>
<div class="con">
<p class="con-title">政务公开</p>
<div class="main-txt">
<p>$name坚持以公开为常态、不公开为例外，依法主动公开机构职能、规划计划、
财政预决算和重大建设项目等政府信息，接受社会监督。</p>
<p>公民、法人和其他组织可以通过本网站、管委会政务服务中心的查阅点获取已公开的政府信息，
也可以依法提出政府信息公开申请。</p>
<p>政府信息公开工作机构：管委会党政办公室，办公时间为工作日上午八时半至下午五时。</p>
</div></div>""")


def _further_columns(site: SiteConfig, ctx: BuildContext, out: SiteBuild,
                     links: dict[str, list[tuple[str, str]]], records_of: dict[int, list[str]]
                     ) -> list[tuple[MockColumn, list[Entry]]]:
    """Build every further column of the site (list pages, data proxy records, articles)."""
    def one(mock: MockColumn, entries: list[Entry]):
        column = _further(mock)
        records = _records(entries)
        records_of[column.col_id] = records
        urls = _lists(site, ctx, out, column, records, links)
        expected: dict[str, ExpectedArticle] = {}
        _articles(site, ctx, out, entries, links, column, expected)
        return urls, expected

    return build_further_columns(site, out, one)


def _home_items(entries: list[Entry], dated: bool) -> str:
    rows = []
    for entry in entries[:5]:
        date = f"<span>{entry.date}</span>" if dated else ""
        rows.append(f'<li><a href="{article_path(entry)}" target="_blank" '
                    f'title="{esc(entry.title)}">{esc(entry.title)}</a>{date}</li>\n')
    return "".join(rows)


def _blocks(site: SiteConfig, entries: list[Entry],
            further: list[tuple[MockColumn, list[Entry]]]) -> str:
    blocks = [HOME_BLOCK.substitute(cls="yqyw", name=esc(site.column), more=COLUMN,
                                    items=_home_items(entries, True))]
    for mock, column_entries in further:
        if mock.menu != "block":
            continue
        blocks.append(HOME_BLOCK.substitute(
            cls=mock.key, name=esc(mock.name), more=_further(mock).path,
            items=_home_items(column_entries, mock.dated)))
    return "".join(blocks)


def _script_menu(further: list[tuple[MockColumn, list[Entry]]]) -> str:
    """``document.write`` calls writing the menu items of columns linked nowhere else."""
    return "".join(
        f"document.write('<li><a href=\"{_further(mock).path}\" target=\"_blank\">"
        f"{esc(mock.name)}</a></li>');\n"
        for mock, _ in further if mock.menu == "script")


def _home(site: SiteConfig, entries: list[Entry],
          further: list[tuple[MockColumn, list[Entry]]]) -> str:
    return HOME_MAIN.substitute(script_menu=_script_menu(further),
                                blocks=_blocks(site, entries, further))


def _news_centre(site: SiteConfig, entries: list[Entry],
                 further: list[tuple[MockColumn, list[Entry]]]) -> str:
    """The 新闻中心 channel page: the blocks of its news columns (not the script-only one,
    not the columns of other channels)."""
    news = [(m, e) for m, e in further
            if m.news and m.menu == "block" and m.get("parent_path") == PARENT]
    return CHANNEL_MAIN.substitute(path=PARENT, name=esc(site.get("parent_column")),
                                   blocks=_blocks(site, entries, news))
