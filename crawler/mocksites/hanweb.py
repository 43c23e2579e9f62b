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
from string import Template

from . import traps
from .common import BuildContext, esc, html_page, route_key, script, xml_doc
from .corpus import Entry, SiteConfig, is_heading, paginate, text_of
from .model import ExpectedArticle, Handler, ListPost, MockRequest, Route, SiteBuild

logger = logging.getLogger(__name__)

COL_ID = 1229371
UNIT_ID = 7562804
WEB_ID = 3287
GROUP_SIZE = 3  # jpage pages per dataproxy call
COLUMN = f"/col/col{COL_ID}/index.html"
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
href="/col/col1229370/index.html">$parent</a> &gt; <a href="$column_path">$column</a></div>
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
href="/col/col1229370/index.html">$parent</a> &gt; <a href="$column_path">$column</a></div>
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


def article_path(entry: Entry) -> str:
    year, month, day = (int(part) for part in entry.date.split("-"))
    return f"/art/{year}/{month}/{day}/art_{COL_ID}_{entry.doc_id}.html"


def _path_of(date: str, doc_id: int) -> str:
    year, month, day = (int(part) for part in date.split("-"))
    return f"/art/{year}/{month}/{day}/art_{COL_ID}_{doc_id}.html"


def list_url_path(number: int) -> str:
    """The GET URL path of list page ``number`` (from 1)."""
    return COLUMN if number == 1 else f"{COLUMN}?uid={UNIT_ID}&pageNum={number}"


def list_route(number: int) -> str:
    if number == 1:
        return COLUMN
    return route_key(COLUMN, {"uid": str(UNIT_ID), "pageNum": str(number)})


def ajax_form(site: SiteConfig) -> dict[str, str]:
    """The dataproxy.jsp form fields, as the column page's jpage ajaxParam gives them."""
    return {
        "col": "1",
        "appid": "1",
        "webid": str(WEB_ID),
        "path": "/",
        "columnid": str(COL_ID),
        "sourceContentType": "1",
        "unitid": str(UNIT_ID),
        "webname": site.short_name,
        "permissiontype": "0",
    }


def _nextgroup(site: SiteConfig) -> str:
    return (
        f"{DATAPROXY}?page=1&webid={WEB_ID}&path=/&columnid={COL_ID}&unitid={UNIT_ID}"
        f"&webname={site.short_name}&permissiontype=0"
    )


def _records(site: SiteConfig, entries: list[Entry]) -> list[str]:
    """The <li> fragment of every list record, newest first; dead records included."""
    rows = [(e.date, e.doc_id, e.title, article_path(e)) for e in entries]
    for dead in site.get("failing", []):
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


def _metas(site: SiteConfig, ctx: BuildContext, pairs: list[tuple[str, str]]) -> str:
    base = [
        ("SiteName", site.name),
        ("SiteDomain", ctx.base_url[7:]),
        ("SiteIDCode", site.get("site_code")),
        ("ColumnName", site.column),
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
) -> str:
    main = LIST_MAIN.substitute(
        parent=esc(site.get("parent_column")),
        column=esc(site.column),
        column_path=COLUMN,
        unit_id=UNIT_ID,
        nextgroup=_nextgroup(site),
        records=_cdata(records),
        total=total,
        group_size=GROUP_SIZE,
        dataproxy=DATAPROXY,
        per_page=site.per_page,
        web_id=WEB_ID,
        col_id=COL_ID,
        webname=site.short_name,
    )
    return _page(site, ctx, f"{site.column} {site.name}", _metas(site, ctx, []), main, links)


def _body(entry: Entry) -> str:
    return "\n".join(
        f'<p style="text-align: center;"><strong>{esc(text_of(p))}</strong></p>'
        if is_heading(p)
        else f'<p style="text-indent: 2em;">{esc(p)}</p>'
        for p in entry.paragraphs
    )


def _article(
    site: SiteConfig, ctx: BuildContext, entry: Entry, links: dict[str, list[tuple[str, str]]]
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
    )
    main = ARTICLE_MAIN.substitute(
        parent=esc(site.get("parent_column")),
        column=esc(site.column),
        column_path=COLUMN,
        title=esc(entry.title),
        date=entry.date,
        col_id=COL_ID,
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


def _dataproxy(site: SiteConfig, records: list[str]) -> Handler:
    """The jpage data proxy: records startrecord..endrecord (or page N) as XML."""
    per_page = site.per_page

    def answer(request: MockRequest) -> Route | None:
        params = request.params
        if params.get("unitid") != str(UNIT_ID) or params.get("columnid") != str(COL_ID):
            return _xml(site, [], 0, per_page)
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
        return _xml(site, records[first - 1 : last], len(records), per)

    return answer


def _xml(site: SiteConfig, records: list[str], total: int, per_page: int) -> Route:
    pages = -(-total // per_page) if total else 0
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
        f'<nextgroup><![CDATA[<a href="{_nextgroup(site)}"></a>]]></nextgroup>\n'
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


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={})
    traps.add_robots(out, site)
    links = {
        "disallowed": traps.disallowed_links(out, site, ctx),
        "offsite": traps.offsite_links(out, site, ctx),
    }
    records = _records(site, entries)
    pages = paginate(records, site.per_page)
    for number, chunk in enumerate(pages, start=1):
        out.routes[list_route(number)] = html_page(
            _list_page(site, ctx, chunk, len(records), links)
        )
        out.list_urls.append(ctx.absolute(list_url_path(number)))
    out.handlers[DATAPROXY] = _dataproxy(site, records)
    out.list_posts = _list_posts(site, ctx, len(records))
    for dead in site.get("failing", []):
        path = _path_of(dead["date"], dead["doc_id"])
        traps.add_failing(out, ctx, path, dead["status"])
    for entry in entries:
        text, expected = _article(site, ctx, entry, links)
        out.routes[article_path(entry)] = html_page(text)
        out.articles[expected.url] = expected
    out.routes["/module/visitcount/articlehits.jsp"] = script("document.write('1');")
    home = f'<div class="home-news"><h2>{esc(site.column)}</h2><a href="{COLUMN}">更多</a></div>'
    out.routes["/"] = html_page(_page(site, ctx, site.name, _metas(site, ctx, []), home, links))
    logger.debug("built hanweb site: %s routes", len(out.routes))
    return out
