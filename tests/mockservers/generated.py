"""A generated TRS-style park news site of any size, for volume tests and benchmarks.

Unlike the hand-written mock sites (``serve_mock_sites``), nothing here is curated: the
column ``/xwzx/yqdt/`` of an invented park (澄湖高新区) holds ``articles`` articles, each
rendered deterministically from ``seed`` and its number (title, date, 来源, 4–10 Chinese
paragraphs; 6–15 KB of HTML with the portal's header, nav and footer). Pages, as on a TRS
WCM portal:

- lists ``/xwzx/yqdt/index.html``, ``index_1.html`` … (newest first, ``per_page`` items
  each) with a static pager (下一页/尾页/page numbers) and the script pager
  ``createPageHTML(N, i, "index", "html")``;
- articles ``/xwzx/yqdt/YYYYMM/tYYYYMMDD_ID.html`` whose body is a ``div.TRS_Editor``;
- ``/robots.txt`` allowing everything; anything else is a 404.

Every page is rendered once at start. The server is a ``ThreadingHTTPServer`` on a given
loopback address; it sends an ``ETag`` with each 200 and answers a matching
``If-None-Match`` with 304 (as ``server.py`` does), sleeps ``delay`` seconds before each
answer (changeable while it runs: ``site.delay = 0``), and logs every request
(``RequestRecord``: method, target, url, status, …)::

    with serve_generated_site(articles=60, delay=0.05) as site:
        Path("sites.toml").write_text(site.sites_toml())
        ...  # crawl site.start_url
        fetched = [r for r in site.requests("GET") if r.url in site.articles]
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from parknews.crawler.mocksites.common import esc
from parknews.crawler.mocksites.model import RequestRecord, Route

COLUMN = "/xwzx/yqdt/"
SITE_NAME = "澄湖高新技术产业开发区管委会"
PARK = "澄湖高新技术产业开发区"
FIRST_DAY = date(2021, 3, 1)  # the oldest article's date; later ones follow every ~1.4 days
FIRST_ID = 80001

# -- vocabulary (invented) --------------------------------------------------------------

INDUSTRIES = ["集成电路", "生物医药", "新能源汽车", "高端装备", "新材料", "人工智能",
              "智能网联", "节能环保", "数字经济", "现代物流", "医疗器械", "光电信息"]
UNITS = ["园区管委会", "招商服务中心", "科技创新局", "企业服务局", "经济发展局",
         "规划建设局", "生态环境分局", "人才服务中心", "行政审批局"]
FIRMS = ["澄芯", "瑞博", "恒泰", "华拓", "中科启", "启元", "博睿", "鼎晟", "安川", "星联",
         "润禾", "天衡", "沐光", "远航"]
TRADES = ["微电子", "生物科技", "精密机械", "新材料", "智能装备", "新能源", "信息技术",
          "医疗科技", "光电"]
PRODUCTS = ["功率芯片", "动力电池模组", "工业机器人", "医用导管", "光伏组件", "激光雷达",
            "伺服电机", "碳纤维复材", "储能变流器"]
SOURCES = ["澄湖高新区管委会", "澄湖日报", "园区融媒体中心", "澄湖高新区招商服务中心"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱马胡郭林何高罗"
GIVEN = ["晓明", "海燕", "建华", "思远", "雨桐", "立新", "文静", "志强", "嘉怡", "宏伟"]
SEASONS = ["春", "夏", "秋", "冬"]
QUARTERS = ["一", "二", "三", "四"]

TITLES = [
    "{park}举行{industry}产业项目集中签约仪式",
    "{park}召开{quarter}季度{industry}重点项目推进会",
    "{firm}年产{n}万套{product}项目在{park}开工",
    "{park}{k}个{industry}项目集中竣工投产",
    "{park}举办{industry}产业链供需对接会",
    "{firm}获批省级{industry}工程技术研究中心",
    "{park}出台支持{industry}高质量发展十条措施",
    "{park}{unit}开展{season}季安全生产大检查",
    "{firm}研发中心在{park}正式启用",
    "{park}{unit}召开优化营商环境推进会 {k}项举措落地",
    "{park}举办{season}季人才招聘会 提供岗位{n}个",
]

SENTENCES = [
    "{day}，{unit}在园区会议中心召开{industry}产业发展专题会议，{person}出席会议并讲话。",
    "会议指出，{industry}是园区着力培育的主导产业之一，要坚持项目为王，紧盯产业链关键环节，"
    "持续提升招商引资质效。",
    "今年以来，园区累计签约{industry}项目{n}个，总投资{m}亿元，其中超十亿元项目{k}个。",
    "{firm}负责人介绍，项目达产后预计年产值{m}亿元，新增就业岗位{n}个，可带动上下游配套企业"
    "{k}家。",
    "下一步，{unit}将围绕{industry}、{industry2}等重点领域，强化要素保障，做好全周期服务，"
    "推动项目早开工、早投产、早见效。",
    "据了解，{firm}成立于{year}年，是一家专注于{industry}领域研发、生产和销售的国家高新技术企业，"
    "先后获得发明专利{n}项。",
    "活动现场，{n}家企业与{k}所高校院所签订产学研合作协议，涵盖{industry}、{industry2}等方向。",
    "{unit}相关负责人表示，将持续深化“放管服”改革，推行“拿地即开工”“验收即拿证”等审批模式，"
    "为企业提供全流程帮办服务。",
    "截至{month}月底，园区实现规上工业总产值{m}亿元，同比增长{pct}%；固定资产投资同比增长"
    "{pct2}%。",
    "园区还将加快建设{industry}产业园二期、人才公寓和邻里中心等配套设施，进一步完善产城融合功能。",
    "与会人员实地察看了{firm}生产车间和研发中心，详细了解企业生产经营、技术创新和市场拓展情况。",
    "会上，{unit}通报了{quarter}季度重点项目建设进展情况，{n}个项目已开工建设，{k}个项目正在"
    "办理前期手续。",
    "{person}强调，各部门要压实责任、倒排工期，盯紧时间节点，确保全年目标任务圆满完成。",
    "该项目总用地面积约{n}亩，总建筑面积{m}万平方米，主要建设{product}生产线及配套仓储设施。",
]


@dataclass(frozen=True)
class GeneratedArticle:
    """One article of the generated site, as a crawler plus extractor should store it."""

    url: str
    path: str
    doc_id: int
    published_at: str  # "2024-05-16"
    title: str
    source: str
    author: str | None
    paragraphs: tuple[str, ...]

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def _fill(template: str, rng: random.Random, day: date) -> str:
    industry, industry2 = rng.sample(INDUSTRIES, 2)
    return template.format(
        park="澄湖高新区", industry=industry, industry2=industry2, unit=rng.choice(UNITS),
        firm=rng.choice(FIRMS) + rng.choice(TRADES) + rng.choice(["有限公司", "股份有限公司"]),
        product=rng.choice(PRODUCTS), person=f"园区党工委{rng.choice(['书记', '副书记'])}"
        f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}", n=rng.randint(3, 900),
        m=rng.randint(2, 300), k=rng.randint(2, 30), pct=round(rng.uniform(2, 25), 1),
        pct2=round(rng.uniform(2, 25), 1), year=rng.randint(2003, 2020), month=day.month,
        quarter=rng.choice(QUARTERS), season=rng.choice(SEASONS),
        day=f"{day.month}月{day.day}日",
    )


def make_article(seed: int, number: int, base_url: str) -> GeneratedArticle:
    """Article ``number`` (0 = the oldest), the same for the same seed every time."""
    rng = random.Random(f"parknews-generated:{seed}:{number}")
    day = FIRST_DAY + timedelta(days=number * 7 // 5)
    ymd = day.strftime("%Y%m%d")
    doc_id = FIRST_ID + number
    path = f"{COLUMN}{ymd[:6]}/t{ymd}_{doc_id}.html"
    paragraphs = tuple(
        "".join(_fill(t, rng, day) for t in rng.sample(SENTENCES, rng.randint(3, 6)))
        for _ in range(rng.randint(4, 10))
    )
    author = f"记者 {rng.choice(SURNAMES)}{rng.choice(GIVEN)}" if rng.random() < 0.6 else None
    return GeneratedArticle(
        url=base_url + path, path=path, doc_id=doc_id, published_at=day.isoformat(),
        title=_fill(rng.choice(TITLES), rng, day), source=rng.choice(SOURCES), author=author,
        paragraphs=paragraphs,
    )


# -- templates (the TRS portal's chrome, cut down from trs.py) ---------------------------

PAGER_SCRIPT = """<script type="text/javascript">
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
</script>"""

MENU = ["首页", "园区概况", "新闻中心", "政务公开", "投资园区", "企业服务", "互动交流"]


def _page(root: str, title_tag: str, metas: str, main: str) -> str:
    menu = "".join(f'<li><a href="{root}{"" if i == 0 else f"col{i}/index.html"}">{label}'
                   "</a></li>\n" for i, label in enumerate(MENU))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<title>{esc(title_tag)}</title>
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteIDCode" content="3205000071">
<meta name="ColumnName" content="园区动态">
{metas}<link href="{root}images/common.css" rel="stylesheet" type="text/css">
<script type="text/javascript" src="{root}images/jquery-1.12.4.min.js"></script>
{PAGER_SCRIPT}
</head>
<body>
<div class="topbar"><div class="w1200"><span class="welcome">欢迎访问{SITE_NAME}门户网站</span>
<span class="tools"><a href="{root}wza/index.html">无障碍浏览</a> | <a href="javascript:;"
id="oldMode">长者模式</a> | <a href="{root}yw/index.html">English</a></span></div></div>
<div class="header"><div class="w1200">
<a class="logo" href="{root}"><img src="{root}images/logo.png" alt="{SITE_NAME}"></a>
<form class="search" action="{root}search/index.html" method="get">
<input type="text" name="searchword" placeholder="请输入关键字"><button type="submit">搜索</button>
</form></div></div>
<div class="nav"><ul class="w1200">
{menu}</ul></div>
<div class="main w1200">
{main}
</div>
<div class="footer"><div class="w1200">
<div class="footer-links"><a href="{root}wzgl/gywm/index.html">关于我们</a> | <a
href="{root}wzgl/wzdt/index.html">网站地图</a> | <a href="{root}wzgl/lxwm/index.html">联系我们</a>
 | <a href="{root}wzgl/wzsm/index.html">网站声明</a></div>
<p>主办：{SITE_NAME}&nbsp;&nbsp;承办：澄湖高新区党政办公室</p>
<p>网站标识码：3205000071&nbsp;&nbsp;<a href="https://beian.miit.gov.cn/"
target="_blank">苏ICP备19000000号-1</a>&nbsp;&nbsp;<img src="{root}images/gaba.png" alt="">
苏公网安备 32050002000000号</p>
<p>建议使用1366×768分辨率、IE10以上版本浏览器浏览本网站</p>
</div></div>
</body>
</html>
"""


def list_path(index: int) -> str:
    """List page ``index`` (from 0): index.html, index_1.html, …"""
    return COLUMN + ("index.html" if index == 0 else f"index_{index}.html")


def _pager(current: int, pages: int) -> str:
    def link(index: int, label: str) -> str:
        return f'<a href="{list_path(index)[len(COLUMN):]}">{label}</a>'

    last = pages - 1
    parts = [f"共{pages}页", link(0, "首页") if current else "<span>首页</span>",
             link(current - 1, "上一页") if current else "<span>上一页</span>"]
    parts += [f'<span class="cur">{i + 1}</span>' if i == current else link(i, str(i + 1))
              for i in range(max(0, current - 4), min(pages, current + 5))]
    parts.append(link(current + 1, "下一页") if current < last else "<span>下一页</span>")
    parts.append(link(last, "尾页") if current < last else "<span>尾页</span>")
    return "&nbsp;".join(parts)


def _list_page(items: list[GeneratedArticle], current: int, pages: int) -> str:
    rows = "".join(
        f'<li><a href="./{a.path[len(COLUMN):]}" target="_blank" title="{esc(a.title)}">'
        f"{esc(a.title)}</a><span>{a.published_at}</span></li>\n" for a in items)
    main = f"""<div class="side"><h2>新闻中心</h2><ul class="sub-nav">
<li><a href="../tzgg/index.html">通知公告</a></li>
<li><a href="./index.html">园区动态</a></li>
<li><a href="../mtbd/index.html">媒体报道</a></li></ul></div>
<div class="content-box">
<div class="position">当前位置：<a href="../../">首页</a> &gt; <a
href="../../xwzx/index.html">新闻中心</a> &gt; <a href="./index.html">园区动态</a></div>
<div class="list-title"><span>园区动态</span></div>
<ul class="list">
{rows}</ul>
<div class="page">
<script type="text/javascript">var countPage = {pages};</script>
<div id="jsPager"></div>
<script type="text/javascript">createPageHTML({pages}, {current}, "index", "html");</script>
<div class="pagebar">{_pager(current, pages)}</div>
</div>
</div>"""
    return _page("../../", f"园区动态_{SITE_NAME}", "", main)


def _href(source: GeneratedArticle, target: GeneratedArticle) -> str:
    name = target.path.rsplit("/", 1)[1]
    if source.path.rsplit("/", 2)[1] == target.path.rsplit("/", 2)[1]:
        return "./" + name
    return "../" + target.path[len(COLUMN):]


_PORTALS = ["gov.cn", "jiangsu.gov.cn", "most.gov.cn", "miit.gov.cn", "ndrc.gov.cn",
            "mofcom.gov.cn", "stats.gov.cn", "sasac.gov.cn", "samr.gov.cn", "cnipa.gov.cn"]


def _furniture(kb: int, number: int) -> tuple[str, str]:
    """About ``kb`` KB of the furniture big portals wrap every article in (a mega menu of
    departments and services, an inline site config script, a 友情链接 block), split into
    what goes before and after the article; links lead to other hosts only."""
    if kb <= 0:
        return "", ""
    rng = random.Random(f"furniture:{number}")
    menu, links, size, n = [], [], 0, 0
    while size < kb * 700:
        host = _PORTALS[n % len(_PORTALS)]
        unit = UNITS[n % len(UNITS)]
        item = (f'<li class="menu-item"><a href="http://www.{host}/col/col{1000 + n}/'
                f'index.html" target="_blank" title="{unit}{n}">{unit}（{n}）</a></li>\n')
        menu.append(item)
        size += len(item.encode())
        n += 1
    for i in range(max(4, kb // 4)):
        links.append(f'<option value="http://www.{_PORTALS[i % len(_PORTALS)]}/">'
                     f'{PARK}{rng.choice(UNITS)}</option>')
    config = ",".join(f'"k{i}":"{rng.getrandbits(64):x}"' for i in range(kb * 8))
    before = (f'<div class="mega-menu"><ul>\n{"".join(menu)}</ul></div>\n'
              f'<script type="text/javascript">var siteConfig = {{{config}}};</script>\n')
    after = (f'<div class="friend-links"><select onchange="window.open(this.value)">'
             f'<option>友情链接</option>{"".join(links)}</select></div>')
    return before, after


def _article_page(article: GeneratedArticle, older: GeneratedArticle | None,
                  newer: GeneratedArticle | None, related: list[GeneratedArticle],
                  page_kb: int = 0) -> str:
    def neighbour(other: GeneratedArticle | None) -> str:
        return f'<a href="{_href(article, other)}">{esc(other.title)}</a>' if other else "没有了"

    body = "\n".join(f'<p style="text-indent: 2em;">{esc(p)}</p>' for p in article.paragraphs)
    author = f"<span>作者：{esc(article.author)}</span>" if article.author else ""
    related_html = "".join(f'<li><a href="{_href(article, r)}" target="_blank">'
                           f"{esc(r.title)}</a></li>\n" for r in related)
    metas = "".join(f'<meta name="{name}" content="{esc(value)}">\n' for name, value in (
        ("ArticleTitle", article.title), ("PubDate", f"{article.published_at} 09:30"),
        ("ContentSource", article.source), ("Author", article.author or "")))
    main = f"""<div class="position">当前位置：<a href="../../../">首页</a> &gt; <a
href="../../../xwzx/index.html">新闻中心</a> &gt; <a
href="../index.html">园区动态</a> &gt; 正文</div>
<div class="article">
<h1 class="article-title">{esc(article.title)}</h1>
<div class="article-info">
<span>发布时间：{article.published_at} 09:30</span><span>来源：{esc(article.source)}</span>{author}
<span>浏览次数：<em id="readCount"></em></span>
<span class="font-size">字号：<a href="javascript:doZoom(18);">大</a> <a
href="javascript:doZoom(16);">中</a> <a href="javascript:doZoom(14);">小</a></span>
</div>
<div class="article-content" id="zoom">
<div class="TRS_Editor"><style type="text/css">
.TRS_Editor P{{margin-top:5px;margin-bottom:5px;line-height:2;font-family:宋体;font-size:12pt;}}
</style>
<div class="Custom_UnionStyle">
{body}
</div></div>
</div>
<div class="article-tools"><a href="javascript:window.print();">打印本页</a>
<a href="javascript:window.close();">关闭窗口</a></div>
<div class="prenext">
<p>上一篇：{neighbour(newer)}</p>
<p>下一篇：{neighbour(older)}</p>
</div>
<div class="related"><h3>相关链接</h3><ul>
{related_html}</ul></div>
<div class="qrcode"><p>扫一扫在手机打开当前页</p><div id="qrcodeCanvas"></div></div>
</div>"""
    before, after = _furniture(page_kb, article.doc_id)
    return _page("../../../", f"{article.title}_{SITE_NAME}", metas, before + main + after)


def build_routes(base_url: str, articles: int, per_page: int, seed: int = 0,
                 page_kb: int = 0
                 ) -> tuple[dict[str, Route], list[str], dict[str, GeneratedArticle]]:
    """Every page of the site: (routes by path, list URLs in order, articles by URL,
    newest first). ``page_kb``: about that much more portal furniture on each article
    page (big portals' pages are 30-200 KB; the default adds none)."""
    items = [make_article(seed, n, base_url) for n in range(articles)][::-1]  # newest first
    html = {"Content-Type": "text/html; charset=utf-8"}
    routes: dict[str, Route] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n")}
    pages = max(1, -(-len(items) // per_page))
    list_urls = []
    for index in range(pages):
        chunk = items[index * per_page:(index + 1) * per_page]
        routes[list_path(index)] = (200, html, _list_page(chunk, index, pages).encode())
        list_urls.append(base_url + list_path(index))
    for i, article in enumerate(items):
        newer = items[i - 1] if i > 0 else None
        older = items[i + 1] if i + 1 < len(items) else None
        related = [items[(i + step) % len(items)] for step in (2, 3, 5) if len(items) > step]
        routes[article.path] = (200, html,
                                _article_page(article, older, newer, related,
                                              page_kb).encode())
    return routes, list_urls, {a.url: a for a in items}


# -- serving ----------------------------------------------------------------------------


class GeneratedSite:
    """The running generated site: its URLs, its articles and its request log."""

    def __init__(self, base_url: str, routes: dict[str, Route], list_urls: list[str],
                 articles: dict[str, GeneratedArticle], delay: float) -> None:
        self.id = "generated"
        self.name = f"{SITE_NAME} 园区动态（生成）"
        self.base_url = base_url
        self.start_url = list_urls[0]
        self.start_urls = [self.start_url]
        self.list_urls = list_urls
        self.articles = articles  # url -> GeneratedArticle, newest first
        self.article_urls = list(articles)
        self.delay = delay  # seconds slept before each answer; may be changed while serving
        self.routes = routes
        self.etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                      for path, (_, _, body) in routes.items()}
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()

    def log_request(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    def requests(self, method: str | None = None) -> list[RequestRecord]:
        """A copy of the request log so far (oldest first), optionally of one method."""
        with self._lock:
            records = list(self._log)
        return [r for r in records if method is None or r.method == method]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def sites_toml(self, site_id: str | None = None) -> str:
        """The sites.toml text with this site as its only ``[[sites]]`` entry."""
        return sites_toml(self, site_id)


def sites_toml(site: GeneratedSite, site_id: str | None = None) -> str:
    """A sites.toml text listing the generated site (id ``generated`` unless told)."""
    return "\n".join([
        "# A generated park news site served on loopback (test and benchmark data only).",
        "", "[[sites]]", f"id = {json.dumps(site_id or site.id)}",
        f"name = {json.dumps(site.name, ensure_ascii=False)}",
        f"park = {json.dumps(PARK, ensure_ascii=False)}", 'region = "江苏省"',
        f"start_urls = [{json.dumps(site.start_url)}]", ""])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    site: GeneratedSite


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "nginx"

    def _answer(self, with_body: bool) -> None:
        arrived = time.time()
        site = self.server.site
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        route = site.routes.get(path)
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if route is None:
            status, payload = 404, b"<html><body><h1>404 Not Found</h1></body></html>"
        else:
            status, headers, payload = route
            headers = {**headers, "ETag": site.etags[path]}
            if self.headers.get("If-None-Match") == site.etags[path]:
                status, payload = 304, b""
        if site.delay > 0:
            time.sleep(site.delay)
        site.log_request(RequestRecord(
            time=arrived, method=self.command, target=self.path, url=site.base_url + self.path,
            status=status, referer=self.headers.get("Referer"),
            user_agent=self.headers.get("User-Agent")))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if with_body:
            self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(with_body=False)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_generated_site(host: str = "127.0.0.41", articles: int = 200, per_page: int = 20,
                         delay: float = 0.0, port: int = 0, seed: int = 0
                         ) -> Iterator[GeneratedSite]:
    """Serve a generated site of ``articles`` articles on ``host`` (port 0: an ephemeral
    one) and yield it; stop the server on exit."""
    if articles < 1 or per_page < 1:
        raise ValueError("articles and per_page must be at least 1")
    server = _Server((host, port), _Handler)
    try:
        base_url = f"http://{host}:{server.server_address[1]}"
        site = GeneratedSite(base_url, *build_routes(base_url, articles, per_page, seed),
                             delay=delay)
        server.site = site
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name="mocksite-generated", daemon=True)
        thread.start()
        try:
            yield site
        finally:
            server.shutdown()
            thread.join(timeout=5)
    finally:
        server.server_close()
