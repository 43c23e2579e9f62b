"""Many small generated park sites at once, for the scale benchmark and the many-sites tests.

Site ``i`` lives on its own loopback address (:func:`site_address`: ``127.10.1.1``,
``127.10.2.1`` …, never the ``127.0.0.x`` addresses other tests use) and has, like a
small park portal:

- a home page ``/`` with a menu and two news boxes (园区动态, 通知公告), each with its
  first headlines and a 更多>> link to its column;
- two columns: ``/xwzx/yqdt/`` lists all the site's ``articles``, ``per_page`` a list
  page (``index.html``, ``index_1.html`` …, a 下一页 pager), ``/xwzx/tzgg/`` the newest
  ``per_page`` of them on one page;
- article pages ``<column>YYYYMM/tYYYYMMDD_ID.html`` (the texts of
  :func:`mockservers.generated.make_article`, different on every site);
- ``/robots.txt`` allowing everything; anything else is a 404.

:func:`serve_scale_sites` serves any number of them from one asyncio server (streams, HTTP/1.1
keep-alive, pages rendered once) in the calling thread's own event loop thread, logging
every request (host, time, path, status) so that a test or benchmark can check what was
served and how close two requests to one host came.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from mockservers.generated import GeneratedArticle, make_article
from parknews.crawler.mocksites.common import esc

COLUMNS = (("/xwzx/yqdt/", "园区动态"), ("/xwzx/tzgg/", "通知公告"))
OTHER_MENU = (("/yqgk/index.html", "园区概况"), ("/hdjl/index.html", "互动交流"))


def site_address(index: int) -> str:
    """The loopback address of site ``index`` (up to 62,500 sites)."""
    if not 0 <= index < 250 * 250:
        raise ValueError("site index out of range")
    return f"127.{10 + index // 250}.{1 + index % 250}.1"


@dataclass
class ScaleSite:
    index: int
    host: str
    port: int = 0
    routes: dict[str, bytes] = field(default_factory=dict)  # path -> whole HTTP answer
    article_paths: set[str] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def id(self) -> str:
        return f"park{self.index:05d}"

    def toml(self, **extra) -> str:
        lines = ["[[sites]]", f'id = "{self.id}"', f'name = "第{self.index}号园区管委会"',
                 f'park = "第{self.index}号高新区"', f'start_urls = ["{self.base_url}/"]']
        lines += [f"{key} = {value}" for key, value in extra.items()]
        return "\n".join(lines) + "\n"


def _page(name: str, title: str, main: str) -> str:
    menu = "".join(f'<li><a href="{path}">{label}</a></li>' for path, label in
                   (("/", "首页"), *((c + "index.html", n) for c, n in COLUMNS), *OTHER_MENU))
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{esc(title)}_{esc(name)}</title></head><body>\n"
            f'<div class="header"><a class="logo" href="/">{esc(name)}</a></div>\n'
            f'<div class="nav"><ul>{menu}</ul></div>\n<div class="main">\n{main}\n</div>\n'
            f'<div class="footer"><p>主办：{esc(name)}</p>'
            f'<p><a href="/wzgl/wzsm/index.html">网站声明</a></p></div>\n</body></html>\n')


def _list_path(column: str, index: int) -> str:
    return column + ("index.html" if index == 0 else f"index_{index}.html")


def _list_page(name: str, column: str, label: str, items: list[GeneratedArticle],
               current: int, pages: int) -> str:
    rows = "".join(f'<li><a href="{a.path}" title="{esc(a.title)}">{esc(a.title)}</a>'
                   f"<span>{a.published_at}</span></li>\n" for a in items)
    pager = [f"共{pages}页"]
    if current:
        pager.append(f'<a href="{_list_path(column, current - 1)}">上一页</a>')
    if current + 1 < pages:
        pager.append(f'<a href="{_list_path(column, current + 1)}">下一页</a>')
    main = (f'<div class="position">当前位置：<a href="/">首页</a> &gt; {label}</div>\n'
            f'<div class="list-title">{label}</div>\n<ul class="list">\n{rows}</ul>\n'
            f'<div class="page">{"&nbsp;".join(pager)}</div>')
    return _page(name, label, main)


def _article_page(name: str, label: str, column: str, article: GeneratedArticle) -> str:
    body = "\n".join(f"<p>{esc(p)}</p>" for p in article.paragraphs)
    author = f"<span>作者：{esc(article.author)}</span>" if article.author else ""
    main = (f'<div class="position">当前位置：<a href="/">首页</a> &gt; '
            f'<a href="{column}index.html">{label}</a> &gt; 正文</div>\n'
            f'<div class="article"><h1>{esc(article.title)}</h1>\n'
            f'<div class="info"><span>发布时间：{article.published_at} 09:30</span>'
            f"<span>来源：{esc(article.source)}</span>{author}</div>\n"
            f'<div class="content" id="zoom">\n{body}\n</div></div>')
    return _page(name, article.title, main)


def _home(name: str, heads: list[tuple[str, str, list[GeneratedArticle]]]) -> str:
    boxes = "".join(
        f'<div class="box"><div class="box-title"><span>{label}</span>'
        f'<a class="more" href="{column}index.html">更多&gt;&gt;</a></div><ul>'
        + "".join(f'<li><a href="{a.path}">{esc(a.title)}</a><span>{a.published_at}</span>'
                  "</li>" for a in items[:3])
        + "</ul></div>\n" for column, label, items in heads)
    return _page(name, "首页", f'<div class="banner">欢迎访问{esc(name)}</div>\n{boxes}')


def _answer(status: int, body: bytes, content_type: str = "text/html; charset=utf-8") -> bytes:
    reason = {200: "OK", 404: "Not Found"}.get(status, "OK")
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nServer: nginx\r\n\r\n").encode() + body


NOT_FOUND = _answer(404, b"<html><body><h1>404 Not Found</h1></body></html>")


def build_site(site: ScaleSite, articles: int, per_page: int = 3, seed: int = 0) -> None:
    """Render every page of ``site`` (its ``routes`` and ``article_paths``): the first
    column (园区动态) lists all ``articles``, newest first, ``per_page`` a list page (4
    articles, 3 a page: two list pages); the second (通知公告) lists the newest
    ``per_page`` of them on one page, as a notices column repeats the news."""
    name = f"第{site.index}号园区管委会"
    routes = {"/robots.txt": _answer(200, b"User-agent: *\nDisallow:\n", "text/plain")}
    column, label = COLUMNS[0]
    items = []
    for n in range(articles):
        article = make_article(seed * 100_003 + site.index, n, site.base_url)
        items.append(article)
        site.article_paths.add(article.path)
    items.reverse()  # newest first
    per_page = max(1, per_page)
    pages = max(1, -(-len(items) // per_page))
    for index in range(pages):
        chunk = items[index * per_page:(index + 1) * per_page]
        routes[_list_path(column, index)] = _answer(200, _list_page(
            name, column, label, chunk, index, pages).encode())
    for article in items:
        routes[article.path] = _answer(200, _article_page(name, label, column,
                                                          article).encode())
    second, second_label = COLUMNS[1]
    routes[_list_path(second, 0)] = _answer(200, _list_page(
        name, second, second_label, items[:per_page], 0, 1).encode())
    routes["/"] = routes["/index.html"] = _answer(200, _home(
        name, [(column, label, items), (second, second_label, items[1:4])]).encode())
    site.routes = routes


@dataclass(frozen=True)
class Hit:
    host: str
    time: float  # time.monotonic() when the request's head had arrived
    path: str
    status: int


class ScaleServer:
    """Serves many :class:`ScaleSite` on their addresses from one asyncio loop."""

    def __init__(self, sites: list[ScaleSite]):
        self.sites = {site.host: site for site in sites}
        self.hits: list[Hit] = []
        self.first_hit: float | None = None  # time.time() of the first request
        self.open_connections = 0  # connections open now, and the most at once
        self.most_open_connections = 0
        self.connections = 0  # connections accepted in all

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        site = self.sites.get(host)
        self.open_connections += 1
        self.connections += 1
        self.most_open_connections = max(self.most_open_connections, self.open_connections)
        try:
            while True:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                now = time.monotonic()
                if self.first_hit is None:
                    self.first_hit = time.time()
                path = head.split(b" ", 2)[1].split(b"?", 1)[0].decode("latin-1")
                payload = site.routes.get(path, NOT_FOUND) if site else NOT_FOUND
                self.hits.append(Hit(host, now, path, 404 if payload is NOT_FOUND else 200))
                writer.write(payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, TimeoutError,
                asyncio.LimitOverrunError):
            pass
        finally:
            self.open_connections -= 1
            writer.close()

    async def start(self) -> list[asyncio.base_events.Server]:
        servers = []
        for site in self.sites.values():
            server = await asyncio.start_server(self.answer, site.host, site.port or 0,
                                                backlog=64)
            site.port = server.sockets[0].getsockname()[1]
            servers.append(server)
        return servers


def min_intervals(hits: list[Hit]) -> dict[str, float]:
    """The smallest time between two requests to each host (hosts asked once: absent)."""
    last: dict[str, float] = {}
    smallest: dict[str, float] = {}
    for hit in sorted(hits, key=lambda h: h.time):
        if hit.host in last:
            gap = hit.time - last[hit.host]
            smallest[hit.host] = min(gap, smallest.get(hit.host, gap))
        last[hit.host] = hit.time
    return smallest


@contextmanager
def serve_scale_sites(count: int, articles: int = 4, per_page: int = 3, first: int = 0,
                      seed: int = 0) -> Iterator[tuple[list[ScaleSite], ScaleServer]]:
    """Serve ``count`` sites (indexes ``first`` …) from a thread running an asyncio loop;
    yield (the sites, the server with its request log)."""
    sites = [ScaleSite(i, site_address(i)) for i in range(first, first + count)]
    server = ScaleServer(sites)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    servers: list = []
    problem: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            servers.extend(loop.run_until_complete(server.start()))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            problem.append(exc)
        ready.set()
        if not problem:
            loop.run_forever()

    thread = threading.Thread(target=run, name="scale-sites", daemon=True)
    thread.start()
    ready.wait()
    if problem:
        raise problem[0]
    for site in sites:  # the ports are known now
        build_site(site, articles, per_page, seed)
    try:
        yield sites, server
    finally:
        async def stop() -> None:
            for srv in servers:
                srv.close()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
