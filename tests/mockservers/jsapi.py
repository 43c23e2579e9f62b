"""Mock sites whose lists need JavaScript, and sites behind anti-bot walls, on loopback.

``serve_jsapi()`` starts four small servers (one thread each, their own loopback
addresses, ephemeral ports) and yields a :class:`JsApiSites` describing them:

- ``hanweb`` (127.0.0.131): a new-generation Hanweb column (modelled on the structure of
  realpages #10, written for this project): the static column page holds a Handlebars
  template and ``var params = {unitid, webSiteCode, channelCode, perPage}; loadPageData(
  params, …)`` and no item at all; the items come from ``POST /queryList`` with a JSON body
  (``current``, ``pageSize``, ``webSiteCode``, ``channelCode``), answering ``{"success":
  true, "data": {"total": N, "data": [{"title", "pubDate" (epoch ms), "urls": "{\\"pc\\":
  …}"}]}}``, several pages of it. Articles are static ``/content/content_<19 digits>.html``.
  A second column's list is a JSON API a sites file must declare (``json_lists``): POST form
  ``pageNo``/``size``/``column`` to ``/cjgxq/api/notice.do``, answering ``{"code": 0,
  "result": {"count": N, "list": [{"link", "name", "time"}]}}``.
- ``shell`` (127.0.0.132): an AngularJS-style site (modelled on realpages #19): every list
  and article page is the same empty shell (``ng-app``, ``ng-controller``) whose script
  fetches JSON (``/wh/api/list?page=N``, ``/wh/api/doc?docId=N``) and draws the list
  (with a 下一页 link) or the article into the page. Without a browser there is nothing.
- ``jiasule`` (127.0.0.133): every URL (robots.txt too) answers HTTP 521 with a 加速乐-style
  page whose script sets a clearance cookie and reloads.
- ``ruishu`` (127.0.0.134): every URL answers HTTP 412 with a 瑞数-style challenge
  (``<meta … r='m'>``, an obfuscated ``$_ts`` script).

Every request is logged (:meth:`JsApiSites.hits`) with its method and body.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from parknews.crawler.mocksites.common import esc

HOSTS = {
    "hanweb": "127.0.0.131",
    "shell": "127.0.0.132",
    "jiasule": "127.0.0.133",
    "ruishu": "127.0.0.134",
}
CHINA = timezone(timedelta(hours=8))

HANWEB_COLUMN = "/cjgxq/col/col5101/index.html"
HANWEB_UNIT = "5101001"
HANWEB_SITE_CODE = "cjgxq"
HANWEB_CHANNEL = "col5101"
HANWEB_PER_PAGE = 4
NOTICE_API = "/cjgxq/api/notice.do"
NOTICE_COLUMN = "tzgg"
NOTICE_PER_PAGE = 3
SHELL_LIST = "/wh/view/pages/ItemList.html"
SHELL_DETAIL = "/wh/view/pages/ItemDetail.html"
SHELL_PER_PAGE = 4

TOPICS = ("智能制造产业园", "氢能装备基地", "跨境电商服务中心", "新材料中试平台",
          "集成电路封测项目", "生物医药孵化器", "数字经济产业园", "绿色低碳工厂",
          "人才公寓二期", "冷链物流枢纽", "科创金融服务站", "工业互联网平台",
          "新能源汽车零部件", "企业服务驿站")
ACTIONS = ("签约落地", "正式投产", "开工建设", "通过验收", "揭牌运营", "完成扩建")


@dataclass(frozen=True)
class MockArticle:
    number: int
    title: str
    date: str  # YYYY-MM-DD
    source: str
    paragraphs: tuple[str, ...]

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def _articles(park: str, source: str, count: int, start: int, day0: datetime
              ) -> list[MockArticle]:
    """``count`` articles, newest first, each with its own title, date and paragraphs."""
    out = []
    for i in range(count):
        topic, action = TOPICS[(start + i) % len(TOPICS)], ACTIONS[(start + i) % len(ACTIONS)]
        date = (day0 - timedelta(days=3 * i)).strftime("%Y-%m-%d")
        n = start + i
        paragraphs = (
            f"{date[:4]}年{int(date[5:7])}月{int(date[8:])}日，{park}{topic}项目{action}，"
            f"项目总投资{12 + n}亿元，预计年产值{30 + 2 * n}亿元。",
            f"{park}管委会负责人介绍，该项目第{n}批入驻企业已有{3 + n % 5}家完成注册，"
            f"园区将提供厂房代建、人才引进和政策兑现等全流程服务。",
            f"下一步，{park}将围绕{topic}延链补链，力争在{int(date[:4]) + 1}年形成"
            f"百亿级产业集群，带动就业{800 + 40 * n}人。",
        )
        out.append(MockArticle(n, f"{park}{topic}{action}（第{n}期）", date, source,
                               paragraphs))
    return out


HANWEB_PARK = "澄江高新区"
SHELL_PARK = "望湖经开区"
HANWEB_ARTICLES = _articles(HANWEB_PARK, "澄江高新区管委会", 11, 1,
                            datetime(2025, 6, 20, tzinfo=CHINA))
NOTICE_ARTICLES = _articles(HANWEB_PARK, "澄江高新区经济发展局", 7, 31,
                            datetime(2025, 5, 30, tzinfo=CHINA))
SHELL_ARTICLES = _articles(SHELL_PARK, "望湖经开区党群工作部", 9, 61,
                           datetime(2025, 6, 18, tzinfo=CHINA))
# Two more new-Hanweb columns on the same /queryList: one answering as the platform's own
# front-end script reads it (``data.results``, each item's fields under ``source``, ``urls``
# JSON text with ``pc`` and ``h5``), one in a shape no recipe knows, which the sites file
# declares (``json_lists``) so that the recipe's failed guess must not be reported.
RESULTS_CHANNEL, RESULTS_UNIT = "col5103", "5103001"
RESULTS_ARTICLES = _articles(HANWEB_PARK, "澄江高新区融媒体中心", 6, 41,
                             datetime(2025, 6, 12, tzinfo=CHINA))
OWN_CHANNEL, OWN_UNIT = "col5104", "5104001"
OWN_ARTICLES = _articles(HANWEB_PARK, "澄江高新区投资促进局", 5, 51,
                         datetime(2025, 6, 8, tzinfo=CHINA))


def hanweb_path(article: MockArticle) -> str:
    return f"/cjgxq/col/col5101/content/content_17950000000000{article.number:05d}.html"


def notice_path(article: MockArticle) -> str:
    return f"/cjgxq/col/col5102/content/content_17960000000000{article.number:05d}.html"


def channel_path(channel: str, article: MockArticle) -> str:
    number = f"1797{channel[-1]}00000000{article.number:05d}"
    return f"/cjgxq/col/{channel}/content/content_{number}.html"


def shell_path(article: MockArticle) -> str:
    return f"{SHELL_DETAIL}?docId={900000 + article.number}"


# -- pages -------------------------------------------------------------------------------

HANWEB_LIST = """<!doctype html>
<html>
<head>
<meta name="SiteName" content="澄江高新区管理委员会">
<meta name="ColumnName" content="园区动态">
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>园区动态 - 澄江高新区管理委员会</title>
<script type="text/javascript" src="/cjgxq/images/jquery.min.js"></script>
</head>
<body>
<div class="head"><a href="/cjgxq/index.html">首页</a>
<a href="/cjgxq/col/col5100/index.html">新闻中心</a>
<a href="/cjgxq/col/col5102/index.html">通知公告</a></div>
<div class="position">当前位置：<a href="/cjgxq/index.html">首页</a> &gt; 园区动态</div>
<div class="list-box">
  <h2><span class="tit">园区动态</span></h2>
  <div id="__UNIT__"></div>
  <script id="div__UNIT__" type="text/x-handlebars-template">
    <ul class='List_list'>
      {{#each data}}{{#with this}}<li><a href='{{pcUrl}}' target='_blank'
        title='{{title}}'>{{title}}</a><span class='list_span'>{{formatDate pubDate
        'YYYY-MM-DD'}}</span></li>{{/with}}{{/each}}
    </ul>
  </script>
  <script src="commonfiles/jquery.jpage.js"></script>
  <script src="commonfiles/utils.js"></script>
  <script>
    var params = {
      current: 1,
      unitid: '__UNIT__',
      webSiteCode: ['__SITE__'],
      channelCode: ['__CHANNEL__'],
      perPage: '__PER__',
      showMode: 'normal',
      groupSize: 1,
      templateContainerId: 'div__UNIT__',
      themeName: 'lucidity'
    };
    loadPageData(params, '__UNIT__');
  </script>
</div>
<div class="foot">主办单位：澄江高新区管理委员会　网站标识码：3209990001</div>
</body>
</html>
"""


def hanweb_list_html(channel: str = HANWEB_CHANNEL, unit: str = HANWEB_UNIT) -> bytes:
    return (HANWEB_LIST.replace("__UNIT__", unit).replace("__SITE__", HANWEB_SITE_CODE)
            .replace("__CHANNEL__", channel).replace("__PER__", str(HANWEB_PER_PAGE))
            ).encode("utf-8")


NOTICE_COLUMN_PAGE = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>通知公告 - 澄江高新区管理委员会</title>
<script type="text/javascript" src="/cjgxq/images/jquery.min.js"></script></head>
<body>
<div class="position">当前位置：<a href="/cjgxq/index.html">首页</a> &gt; 通知公告</div>
<ul class="notice-list" id="notices"></ul>
<div class="pager" id="pager"></div>
<script>
  function loadNotices(pageNo) {{
    $.post('{NOTICE_API}', {{column: '{NOTICE_COLUMN}', pageNo: pageNo, size: {NOTICE_PER_PAGE}}},
      function (res) {{
        $('#notices').html($.map(res.result.list, function (x) {{
          return '<li><a href="' + x.link + '">' + x.name + '</a><span>' + x.time + '</span></li>';
        }}).join(''));
      }}, 'json');
  }}
  loadNotices(1);
</script>
</body></html>
""".encode()


def article_html(article: MockArticle, column: str) -> bytes:
    paragraphs = "\n".join(f"<p>{esc(p)}</p>" for p in article.paragraphs)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{esc(article.title)} - 澄江高新区管理委员会</title>
<meta name="ArticleTitle" content="{esc(article.title)}">
<meta name="PubDate" content="{article.date} 09:30">
<meta name="ContentSource" content="{esc(article.source)}">
</head><body>
<div class="position">当前位置：<a href="/cjgxq/index.html">首页</a> &gt; {esc(column)}</div>
<div class="article">
<h1 class="art-title">{esc(article.title)}</h1>
<div class="art-info">发布时间：{article.date} 09:30　来源：{esc(article.source)}</div>
<div class="art-content" id="zoom">
{paragraphs}
</div>
<div class="art-tools"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="foot">主办单位：澄江高新区管理委员会　网站标识码：3209990001</div>
</body></html>
""".encode()


SHELL_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>望湖经开区</title>
<script src="/wh/static/app.js"></script>
</head>
<body>
<div class="main" ng-app="parkApp">
<div class="nav"><a href="/wh/index.html">首页</a> <a href="ItemList.html">园区新闻</a></div>
<div ng-controller="__CTRL__" data-view="__VIEW__">
<h1 id="title" ng-bind="doc.title"></h1>
<div class="info" id="info"></div>
<div class="content" id="content"></div>
<ul class="list" id="list"><li ng-repeat="x in items"><a
 ng-href="ItemDetail.html?docId={{x.docId}}">{{x.title}}</a><span>{{x.date}}</span></li></ul>
<div class="pager" id="pager"></div>
</div>
</div>
<div class="foot">望湖经济技术开发区管理委员会 主办</div>
</body></html>
"""

# Vanilla script standing in for the AngularJS app: it draws the list or the article from
# the JSON API once the page has loaded.
SHELL_SCRIPT = r"""
(function () {
  function get(url, done) {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', url);
    xhr.onload = function () { done(JSON.parse(xhr.responseText)); };
    xhr.send();
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c];
    });
  }
  function param(name) {
    var m = new RegExp('[?&]' + name + '=(\\d+)').exec(location.search);
    return m ? m[1] : null;
  }
  document.addEventListener('DOMContentLoaded', function () {
    var view = document.querySelector('[data-view]').getAttribute('data-view');
    var list = document.getElementById('list');
    list.innerHTML = '';
    if (view === 'list') {
      var page = parseInt(param('page') || '1', 10);
      get('/wh/api/list?page=' + page, function (data) {
        var html = '';
        data.items.forEach(function (x) {
          html += '<li><a href="ItemDetail.html?docId=' + x.docId + '" title="' +
            esc(x.title) + '">' + esc(x.title) + '</a><span class="date">' + x.date +
            '</span></li>';
        });
        list.innerHTML = html;
        if (page < data.pages) {
          document.getElementById('pager').innerHTML =
            '<a href="ItemList.html?page=' + (page + 1) + '">下一页</a>';
        }
      });
    } else {
      get('/wh/api/doc?docId=' + param('docId'), function (doc) {
        document.title = doc.title + ' - 望湖经开区';
        document.getElementById('title').textContent = doc.title;
        document.getElementById('info').textContent =
          '发布日期：' + doc.date + '　来源：' + doc.source;
        document.getElementById('content').innerHTML = doc.paragraphs.map(function (p) {
          return '<p>' + esc(p) + '</p>';
        }).join('');
      });
    }
  });
})();
"""


def shell_html(view: str) -> bytes:
    ctrl = "listCtrl" if view == "list" else "itemDetailCtrl"
    return SHELL_PAGE.replace("__CTRL__", ctrl).replace("__VIEW__", view).encode("utf-8")


JIASULE_PAGE = (b"<html><script>document.cookie=('_')+('_j')+('sl_clearance_s=1764230000.52|0|')"
                b"+(function(){var a=['Xq','9r'];return a.join('')})()+('%3D;max-age=3600;path=/');"
                b"location.href=location.pathname+location.search</script></html>")
RUISHU_PAGE = (b"<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html;"
               b" charset=utf-8\"><meta content=\"kqGfA7bN0Zx.c2Lw9pVyQe3TrS1mUo8HdJi4KaEg5Wn6"
               b"BsF\" r='m'><script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];"
               b"if(!$_ts)$_ts={};$_ts.nsd=48213;$_ts.cd=\"qXlrrpAlDGqrcqAqr\";</script>"
               b"<script type=\"text/javascript\" charset=\"utf-8\" src=\"/Xk2p9Qb/aT7s.b4c1e.js\""
               b" r='m'></script></head><body></body></html>")


# -- the servers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    host: str
    method: str
    path: str  # path and query as requested
    body: bytes


class JsApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], name: str, sites: JsApiSites):
        super().__init__(address, JsApiHandler)
        self.name = name
        self.sites = sites


class JsApiHandler(BaseHTTPRequestHandler):
    server: JsApiServer
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.sites.answer(self, "GET", b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 65536)) if length else b""
        self.server.sites.answer(self, "POST", body)

    def reply(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8"
              ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _json(data) -> tuple[int, bytes, str]:
    return 200, json.dumps(data, ensure_ascii=False).encode("utf-8"), (
        "application/json;charset=UTF-8")


NOT_FOUND = (404, b"<html><body><h1>404 Not Found</h1></body></html>",
             "text/html; charset=utf-8")
BAD_REQUEST = (400, b'{"success":false,"message":"bad request"}', "application/json")


class JsApiSites:
    """The running servers: addresses, URLs, the request log."""

    def __init__(self, hosts: dict[str, str] | None = None) -> None:
        self.hosts = dict(HOSTS) | (hosts or {})
        self.servers: dict[str, JsApiServer] = {}
        self._lock = threading.Lock()
        self._hits: list[Hit] = []

    def base(self, host: str) -> str:
        address, port = self.servers[host].server_address[:2]
        return f"http://{address}:{port}"

    # -- what a crawl must find -------------------------------------------------------

    @property
    def hanweb_start(self) -> str:
        return self.base("hanweb") + HANWEB_COLUMN

    @property
    def shell_start(self) -> str:
        return self.base("shell") + SHELL_LIST

    def hanweb_urls(self) -> dict[str, MockArticle]:
        return {self.base("hanweb") + hanweb_path(a): a for a in HANWEB_ARTICLES}

    def notice_urls(self) -> dict[str, MockArticle]:
        return {self.base("hanweb") + notice_path(a): a for a in NOTICE_ARTICLES}

    def results_urls(self) -> dict[str, MockArticle]:
        return {self.base("hanweb") + channel_path(RESULTS_CHANNEL, a): a
                for a in RESULTS_ARTICLES}

    def own_urls(self) -> dict[str, MockArticle]:
        return {self.base("hanweb") + channel_path(OWN_CHANNEL, a): a for a in OWN_ARTICLES}

    def shell_urls(self) -> dict[str, MockArticle]:
        return {self.base("shell") + shell_path(a): a for a in SHELL_ARTICLES}

    def sites_toml(self, shell_render: bool = False) -> str:
        """``[[sites]]`` entries for the five sites: the new-Hanweb column, the declared
        notice API, the shell site (``render`` as asked) and the two walls."""
        return f"""
[[sites]]
id = "hanweb-new"
name = "澄江高新区 园区动态"
start_urls = ["{self.hanweb_start}"]
sitemaps = false

[[sites]]
id = "declared"
name = "澄江高新区 通知公告"
start_urls = ["{self.base("hanweb")}/cjgxq/col/col5102/index.html"]
sitemaps = false
json_lists = [{self.notice_json_list()}]

[[sites]]
id = "hanweb-results"
name = "澄江高新区 媒体聚焦"
start_urls = ["{self.base("hanweb")}/cjgxq/col/{RESULTS_CHANNEL}/index.html"]
sitemaps = false

[[sites]]
id = "hanweb-own"
name = "澄江高新区 招商动态"
start_urls = ["{self.base("hanweb")}/cjgxq/col/{OWN_CHANNEL}/index.html"]
sitemaps = false
[[sites.json_lists]]
url = "{self.base("hanweb")}/queryList"
body = {{ webSiteCode = ["{HANWEB_SITE_CODE}"], channelCode = ["{OWN_CHANNEL}"] }}
page_param = "current"
per_page = 2
per_page_param = "pageSize"
items = "data.page.content"
item_url = "info.link"
item_title = "info.headline"
item_date = "info.day"
total = "data.total"

[[sites]]
id = "shell"
name = "望湖经开区 园区新闻"
start_urls = ["{self.shell_start}"]
sitemaps = false
render = {"true" if shell_render else "false"}

[[sites]]
id = "jiasule"
name = "加速乐后面的站点"
start_urls = ["{self.base("jiasule")}/news/index.html"]

[[sites]]
id = "ruishu"
name = "瑞数后面的站点"
start_urls = ["{self.base("ruishu")}/xwzx/index.shtml"]
"""

    def notice_json_list(self) -> str:
        """The ``json_lists`` entry (TOML inline table) declaring the notice API."""
        return ('{ url = "' + self.base("hanweb") + NOTICE_API + '", method = "POST", '
                'body_format = "form", body = { column = "' + NOTICE_COLUMN + '" }, '
                'page_param = "pageNo", per_page = ' + str(NOTICE_PER_PAGE) + ', '
                'per_page_param = "size", items = "result.list", item_url = "link", '
                'item_title = "name", item_date = "time", total = "result.count" }')

    # -- the log ----------------------------------------------------------------------

    def hits(self, host: str, path: str | None = None, method: str | None = None
             ) -> list[Hit]:
        with self._lock:
            return [h for h in self._hits if h.host == host
                    and (path is None or h.path.split("?")[0] == path)
                    and (method is None or h.method == method)]

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()

    # -- answers ----------------------------------------------------------------------

    def answer(self, handler: JsApiHandler, method: str, body: bytes) -> None:
        host = handler.server.name
        with self._lock:
            self._hits.append(Hit(host, method, handler.path, body))
        if host == "jiasule":
            handler.reply(521, JIASULE_PAGE)
            return
        if host == "ruishu":
            handler.reply(412, RUISHU_PAGE)
            return
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = self._hanweb if host == "hanweb" else self._shell
        status, payload, content_type = route(parts.path, query, method, body, handler)
        handler.reply(status, payload, content_type)

    def _hanweb(self, path, query, method, body, handler) -> tuple[int, bytes, str]:
        if path == "/robots.txt":
            return 200, b"User-agent: *\nDisallow: /cjgxq/search/\n", "text/plain"
        if path == HANWEB_COLUMN and method == "GET":
            return 200, hanweb_list_html(), "text/html; charset=utf-8"
        if path == "/queryList" and method == "POST":
            return self._query_list(body, handler.headers.get("Content-Type") or "")
        for channel, unit in ((RESULTS_CHANNEL, RESULTS_UNIT), (OWN_CHANNEL, OWN_UNIT)):
            if path == f"/cjgxq/col/{channel}/index.html" and method == "GET":
                return 200, hanweb_list_html(channel, unit), "text/html; charset=utf-8"
        for channel, articles in ((RESULTS_CHANNEL, RESULTS_ARTICLES),
                                  (OWN_CHANNEL, OWN_ARTICLES)):
            for article in articles:
                if path == channel_path(channel, article):
                    return 200, article_html(article, "园区动态"), "text/html; charset=utf-8"
        if path == "/cjgxq/col/col5102/index.html" and method == "GET":
            return 200, NOTICE_COLUMN_PAGE, "text/html; charset=utf-8"
        if path == NOTICE_API and method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            if form.get("column") != NOTICE_COLUMN:
                return BAD_REQUEST
            try:
                page, size = int(form["pageNo"]), int(form.get("size") or NOTICE_PER_PAGE)
            except (KeyError, ValueError):
                return BAD_REQUEST
            chunk = NOTICE_ARTICLES[(page - 1) * size: page * size] if page >= 1 else []
            return _json({"code": 0, "result": {"count": len(NOTICE_ARTICLES), "list": [
                {"link": notice_path(a), "name": a.title, "time": a.date} for a in chunk]}})
        for article in HANWEB_ARTICLES:
            if path == hanweb_path(article):
                return 200, article_html(article, "园区动态"), "text/html; charset=utf-8"
        for article in NOTICE_ARTICLES:
            if path == notice_path(article):
                return 200, article_html(article, "通知公告"), "text/html; charset=utf-8"
        return NOT_FOUND

    @staticmethod
    def _query_list(body: bytes, content_type: str) -> tuple[int, bytes, str]:
        """``POST /queryList``: a JSON body naming the column, page ``current`` of
        ``pageSize`` items; ``urls`` is JSON text, as the real API sends it."""
        if "json" not in content_type.lower():
            return BAD_REQUEST
        try:
            query = json.loads(body.decode("utf-8"))
            page, size = int(query["current"]), int(query["pageSize"])
        except (ValueError, KeyError, TypeError):
            return BAD_REQUEST
        channel = query.get("channelCode")
        if channel not in ([HANWEB_CHANNEL], [RESULTS_CHANNEL], [OWN_CHANNEL]) or query.get(
                "webSiteCode") != [HANWEB_SITE_CODE] or page < 1 or size < 1:
            return BAD_REQUEST
        if channel == [RESULTS_CHANNEL]:
            return JsApiSites._results(RESULTS_ARTICLES, page, size)
        if channel == [OWN_CHANNEL]:
            chunk = OWN_ARTICLES[(page - 1) * size: page * size]
            return _json({"success": True, "data": {"total": len(OWN_ARTICLES), "page": {
                "content": [{"info": {"headline": a.title, "link": channel_path(OWN_CHANNEL, a),
                                      "day": a.date}} for a in chunk]}}})
        chunk = HANWEB_ARTICLES[(page - 1) * size: page * size]
        items = []
        for article in chunk:
            moment = datetime.strptime(article.date + " 09:30", "%Y-%m-%d %H:%M").replace(
                tzinfo=CHINA)
            items.append({"title": article.title, "pubDate": int(moment.timestamp() * 1000),
                          "contentSource": article.source, "channelCode": HANWEB_CHANNEL,
                          "urls": json.dumps({"pc": hanweb_path(article)})})
        return _json({"success": True, "data": {"total": len(HANWEB_ARTICLES),
                                                "current": page, "pageSize": size,
                                                "data": items}})

    @staticmethod
    def _results(articles: list[MockArticle], page: int, size: int
                 ) -> tuple[int, bytes, str]:
        """The platform's other answer: ``data.results``, fields under ``source``."""
        items = []
        for article in articles[(page - 1) * size: page * size]:
            moment = datetime.strptime(article.date + " 10:00", "%Y-%m-%d %H:%M").replace(
                tzinfo=CHINA)
            url = channel_path(RESULTS_CHANNEL, article)
            items.append({"id": article.number, "source": {
                "title": article.title, "pubDate": int(moment.timestamp() * 1000),
                "urls": json.dumps({"pc": url, "h5": "/h5" + url})}})
        return _json({"success": True, "data": {"total": len(articles), "results": items}})

    def _shell(self, path, query, method, body, handler) -> tuple[int, bytes, str]:
        if path == "/robots.txt":
            return 200, b"User-agent: *\nDisallow:\n", "text/plain"
        if path == SHELL_LIST:
            return 200, shell_html("list"), "text/html; charset=utf-8"
        if path == SHELL_DETAIL:
            return 200, shell_html("detail"), "text/html; charset=utf-8"
        if path == "/wh/static/app.js":
            return 200, SHELL_SCRIPT.encode("utf-8"), "application/javascript"
        if path == "/wh/api/list":
            page = int(query.get("page") or 1)
            pages = -(-len(SHELL_ARTICLES) // SHELL_PER_PAGE)
            chunk = SHELL_ARTICLES[(page - 1) * SHELL_PER_PAGE: page * SHELL_PER_PAGE]
            return _json({"pages": pages, "items": [
                {"docId": 900000 + a.number, "title": a.title, "date": a.date}
                for a in chunk]})
        if path == "/wh/api/doc":
            for article in SHELL_ARTICLES:
                if query.get("docId") == str(900000 + article.number):
                    return _json({"title": article.title, "date": article.date,
                                  "source": article.source,
                                  "paragraphs": list(article.paragraphs)})
        return NOT_FOUND


@contextmanager
def serve_jsapi(hosts: dict[str, str] | None = None, port: int = 0) -> Iterator[JsApiSites]:
    """Start the four servers and yield them; stop them on exit."""
    sites = JsApiSites(hosts)
    threads: list[threading.Thread] = []
    try:
        for name, address in sites.hosts.items():
            server = JsApiServer((address, port), name, sites)
            sites.servers[name] = server
            thread = threading.Thread(target=server.serve_forever,
                                      kwargs={"poll_interval": 0.05},
                                      name=f"jsapi-{name}", daemon=True)
            thread.start()
            threads.append(thread)
        yield sites
    finally:
        for server in sites.servers.values():
            server.shutdown()
        for thread in threads:
            thread.join(timeout=5)
        for server in sites.servers.values():
            server.server_close()


def main() -> None:
    """``python tests/mockservers/jsapi.py [SITES_FILE]``: serve the four servers until
    Ctrl-C, writing a sites file for them (the shell site with ``render = true``)."""
    import sys
    import time

    with serve_jsapi() as sites:
        text = sites.sites_toml(shell_render=True)
        if len(sys.argv) > 1:
            with open(sys.argv[1], "w", encoding="utf-8") as fh:
                fh.write(text)
            print(f"wrote {sys.argv[1]}")
        else:
            print(text)
        print("serving; press Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
