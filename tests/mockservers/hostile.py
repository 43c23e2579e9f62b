"""A hostile mock site: every way a web server can hurt a crawler, on loopback.

``serve_hostile()`` starts four small servers (one thread each, on their own loopback
addresses) and yields a :class:`HostileSites` describing them:

- ``hostile`` (127.0.0.101): one list page linking to every bad case of :data:`CASES` and
  to a few good articles. Pages that lie (binary bytes as ``text/html``, an empty 200, a
  10 MiB page, 10,000 nested tags, invalid UTF-8 and GBK bytes, a charset header that says
  UTF-8 over GBK bytes), bodies that never end or grow (a gzip bomb, an endless chunked
  response), a peer that accepts and never answers or answers one byte a second, redirect
  loops and chains (short and too long), a redirect to another host, 429 with Retry-After
  (short and too long), 503 bursts and a permanent 503;
- ``robots_slow`` (127.0.0.102): a small site whose robots.txt never answers;
- ``robots_huge`` (127.0.0.103): a small site whose robots.txt is 2 MiB, with one
  ``Disallow`` rule at the top and ``Disallow: /`` at its very end;
- ``elsewhere`` (127.0.0.104): the other host a redirect points to (nothing may reach it).

The sites start in *good* mode: every linked URL answers a plain, healthy article (and the
robots files are ordinary), so a first crawl stores them all. :meth:`HostileSites.turn`
switches to *hostile* mode: the same URLs misbehave, and the list adds the cases that only
make sense as new links (odd encodings, recoveries). A second crawl then shows what the
crawler keeps of what it had.

Every request is logged (:meth:`HostileSites.hits`), and the raw-socket behaviours record
what happened on the wire (:meth:`HostileSites.events`: how long the client waited, how
many bytes were sent before it hung up). All handler threads wait on one stop event and
notice a client that went away, so leaving the context manager stops them at once.

    with serve_hostile() as hostile:
        Path("sites.toml").write_text(hostile.sites_toml())
        ...  # crawl (good), hostile.turn(), crawl again
"""

from __future__ import annotations

import random
import select
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOSTS = {
    "hostile": "127.0.0.101",
    "robots_slow": "127.0.0.102",
    "robots_huge": "127.0.0.103",
    "elsewhere": "127.0.0.104",
}
LIST_PATH = "/news/list.html"
BIG_PAGE_BYTES = 10 * 2**20  # the "10 MB page"
BOMB_EXPANDED_BYTES = 200 * 2**20  # what the gzip bomb inflates to
NESTING = 10_000  # depth of the nested-tags page
HUGE_ROBOTS_BYTES = 2 * 2**20
CHAIN_HOPS_LONG = 25  # redirects before the article: more than REDIRECT_MAX_TIMES
CHAIN_HOPS_SHORT = 3
RETRY_AFTER_SHORT = 2  # seconds a 429 asks for, then the page answers
RETRY_AFTER_LONG = 3600  # seconds: more than any crawl should wait
BURST_503 = 2  # 503 answers before the page comes
IDLE_TIMEOUT = 10  # seconds a kept-alive connection may idle before the server drops it


@dataclass(frozen=True)
class Case:
    """One bad case: where it is linked and what it does in hostile mode."""

    name: str
    number: int  # its article URL: /a/news/2024MMDD/<number>.html
    does: str  # what the server does, for docs and messages
    # True: a healthy article in good mode, turning bad (a stored article at risk);
    # False: linked in hostile mode only (an odd but usable page, or a recovery)
    turncoat: bool = True

    @property
    def path(self) -> str:
        month, day = divmod(self.number, 28)
        return f"/a/news/2024{3 + month:02d}{1 + day:02d}/{self.number}.html"


CASES: tuple[Case, ...] = (
    Case("binary", 11, "200 text/html with 64 KiB of random bytes"),
    Case("empty", 12, "200 text/html with an empty body"),
    Case("big_page", 13, "200 text/html, a valid 10 MiB page"),
    Case("nested", 14, "an article inside 10,000 nested <div> tags"),
    Case("bad_utf8", 15, "UTF-8 article with invalid UTF-8 bytes in its text", False),
    Case("bad_gbk", 16, "GBK article with invalid GBK bytes in its text", False),
    Case("lying_charset", 17, "header and meta say utf-8, the bytes are GBK", False),
    Case("gzip_bomb", 18, "Content-Encoding: gzip, ~200 KiB inflating to 200 MiB"),
    Case("endless_chunked", 19, "a chunked body that never ends"),
    Case("never_answers", 20, "accepts, reads the request, never answers"),
    Case("one_byte_a_second", 21, "the response dripped one byte a second"),
    Case("redirect_loop", 22, "302 to a second URL that 302s back"),
    Case("redirect_chain_long", 23, f"a chain of {CHAIN_HOPS_LONG} redirects"),
    Case("redirect_chain_short", 24, f"a chain of {CHAIN_HOPS_SHORT} redirects, then "
         "the article", False),
    Case("redirect_offsite", 25, "302 to a page on another host"),
    Case("retry_after_short", 26, f"429 with Retry-After: {RETRY_AFTER_SHORT}, then the "
         "article", False),
    Case("retry_after_long", 27, f"429 with Retry-After: {RETRY_AFTER_LONG}"),
    Case("burst_503", 28, f"503 {BURST_503} times, then the article", False),
    Case("always_503", 29, "503 on every request"),
)
GOOD_NUMBERS = (1, 2, 3)  # healthy articles on the hostile site, in both modes
CASE_BY_NAME = {case.name: case for case in CASES}
CASE_BY_PATH = {case.path: case for case in CASES}
# The robots.txt sites: list and articles under /a/news/, one under a directory the huge
# robots.txt disallows in its first lines.
ROBOTS_ARTICLES = ("/a/news/20240401/41.html", "/a/news/20240402/42.html",
                   "/a/private/20240403/43.html")
DISALLOWED_DIR = "/a/private/"


# -- page bytes --------------------------------------------------------------------------


def title_of(key: str) -> str:
    """The headline of the healthy article behind ``key`` (a case name or article path)."""
    return f"青梧园区第{abs(hash_key(key)) % 9000 + 1000}号工作简报（{key.split('/')[-1]}）"


def hash_key(key: str) -> int:
    return zlib.crc32(key.encode("utf-8"))


def paragraphs_of(key: str) -> list[str]:
    seed = hash_key(key) % 97
    return [f"简报{seed}第{n}段：园区管委会召开专题会议，研究部署企业服务、项目建设和安全生产"
            f"等重点工作，要求各部门压实责任、细化措施，确保第{n}季度目标任务按期完成。"
            for n in range(1, 5)]


def article_html(key: str, charset: str = "utf-8", body_html: str | None = None) -> str:
    title = title_of(key)
    body = body_html if body_html is not None else "".join(
        f"<p>{p}</p>" for p in paragraphs_of(key))
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>'
            f'</head><body><div class="title"><h2>{title}</h2></div>'
            f'<div class="info">时间：2024-03-01 来源：青梧园区管委会</div>'
            f'<div class="content">{body}</div></body></html>')


def article_bytes(key: str) -> bytes:
    return article_html(key).encode("utf-8")


def list_html(items: list[tuple[str, str]]) -> bytes:
    lis = "".join(f'<li><a href="{href}">{title}</a> <span>2024-03-01</span></li>'
                  for href, title in items)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>园区动态</title>'
            f'</head><body><ul class="list">{lis}</ul></body></html>').encode()


@cache
def big_page() -> bytes:
    """A valid HTML page of exactly BIG_PAGE_BYTES bytes."""
    head = article_html("big_page").encode("utf-8").split(b"</div></body>")[0]
    filler = "<p>园区大数据平台每日生成的监测记录，供内部核对使用。</p>".encode()
    tail = b"</div></body></html>"
    count = (BIG_PAGE_BYTES - len(head) - len(tail)) // len(filler)
    page = head + filler * count
    return page + b" " * (BIG_PAGE_BYTES - len(page) - len(tail)) + tail


@cache
def gzip_bomb() -> bytes:
    """A gzip stream of ~200 KiB that inflates to BOMB_EXPANDED_BYTES of HTML."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    parts = [packer.compress(b"<!DOCTYPE html><html><body><p>")]
    block = b" " * 2**20
    parts += [packer.compress(block) for _ in range(BOMB_EXPANDED_BYTES // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


@cache
def huge_robots() -> bytes:
    head = f"User-agent: *\nDisallow: {DISALLOWED_DIR}\n".encode()
    tail = b"User-agent: *\nDisallow: /\n"
    line = b"# padding: this robots.txt is generated by a broken CMS plugin\n"
    return head + line * ((HUGE_ROBOTS_BYTES - len(head) - len(tail)) // len(line)) + tail


def nested_page() -> bytes:
    inner = "".join(f"<p>{p}</p>" for p in paragraphs_of("nested"))
    body = "<div>" * NESTING + inner + "</div>" * NESTING
    return article_html("nested", body_html=body).encode("utf-8")


def spoiled(text: str, charset: str, junk: bytes) -> bytes:
    """The page encoded in ``charset`` with ``junk`` (invalid there) before paragraph 2."""
    data = text.encode(charset)
    marker = "第2段".encode(charset)
    return data.replace(marker, junk + marker, 1)


# -- request log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One request as a server received it."""

    host: str  # the HOSTS key
    path: str
    time: float  # time.monotonic() at arrival
    mode: str  # "good" or "hostile"


@dataclass
class Event:
    """What a raw-socket behaviour saw on the wire."""

    host: str
    path: str
    started: float
    ended: float = 0.0
    sent: int = 0  # bytes written before the client went away (or the server stopped)
    how: str = ""  # "client closed", "stopped", "finished"


# -- the servers -----------------------------------------------------------------------------


class HostileServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], name: str, sites: HostileSites):
        super().__init__(address, HostileHandler)
        self.name = name
        self.sites = sites


class HostileHandler(BaseHTTPRequestHandler):
    server: HostileServer
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.sites.answer(self)

    # -- writing --------------------------------------------------------------------------

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              content_type: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the client hung up (a download bound hit): nothing to do
            self.close_connection = True

    def redirect(self, location: str, status: int = 302) -> None:
        self.reply(status, b"", {"Location": location}, content_type="")

    def raw(self, data: bytes, event: Event) -> bool:
        """Write bytes as they are; False once the client is gone."""
        try:
            self.connection.sendall(data)
        except OSError:
            event.how = "client closed"
            return False
        event.sent += len(data)
        return True

    def client_gone(self, wait: float) -> bool:
        """Wait up to ``wait`` seconds; True when the client closed its end."""
        try:
            readable, _, _ = select.select([self.connection], [], [], wait)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True


class HostileSites:
    """The running hostile servers: URLs, mode switch, request log and wire events."""

    def __init__(self, hosts: dict[str, str] | None = None) -> None:
        self.hosts = dict(HOSTS) | (hosts or {})
        self.servers: dict[str, HostileServer] = {}
        self.mode = "good"
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._hits: list[Hit] = []
        self._events: list[Event] = []
        self._counts: dict[tuple[str, str], int] = {}  # (host, path) -> hits this mode

    # -- addresses ------------------------------------------------------------------------

    def base(self, host: str) -> str:
        address, port = self.servers[host].server_address[:2]
        return f"http://{address}:{port}"

    def url(self, key: str, host: str = "hostile") -> str:
        """Absolute URL of a case name or a path on ``host``."""
        path = CASE_BY_NAME[key].path if key in CASE_BY_NAME else key
        return self.base(host) + path

    @property
    def good_urls(self) -> list[str]:
        return [self.url(f"/a/news/20240301/{n}.html") for n in GOOD_NUMBERS]

    def robots_urls(self, host: str) -> list[str]:
        return [self.url(path, host) for path in ROBOTS_ARTICLES]

    def sites_toml(self) -> str:
        """``[[sites]]`` entries for the three crawlable sites."""
        entries = [
            ("hostile", "敌意站点", "hostile", "false"),
            ("robots-slow", "robots.txt 不应答的站点", "robots_slow", "false"),
            ("robots-huge", "robots.txt 超大的站点", "robots_huge", "true"),
        ]
        return "".join(
            f'\n[[sites]]\nid = "{site_id}"\nname = "{name}"\n'
            f'start_urls = ["{self.base(host)}{LIST_PATH}"]\nsitemaps = {sitemaps}\n'
            for site_id, name, host, sitemaps in entries)

    # -- mode and logs ----------------------------------------------------------------------

    def turn(self, mode: str = "hostile") -> None:
        """Switch every server to ``mode`` ("hostile" or "good"); counters restart."""
        with self._lock:
            self.mode = mode
            self._counts.clear()

    def hits(self, host: str = "hostile", path: str | None = None,
             mode: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self._hits if h.host == host
                    and (path is None or h.path == path) and (mode is None or h.mode == mode)]

    def events(self, host: str = "hostile", path: str | None = None) -> list[Event]:
        with self._lock:
            return [e for e in self._events if e.host == host
                    and (path is None or e.path == path)]

    def _log(self, host: str, path: str) -> int:
        """Log a hit; the number of hits of (host, path) in this mode, this one included."""
        with self._lock:
            self._hits.append(Hit(host, path, time.monotonic(), self.mode))
            key = (host, path)
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]

    def _event(self, host: str, path: str) -> Event:
        event = Event(host, path, time.monotonic())
        with self._lock:
            self._events.append(event)
        return event

    # -- answering --------------------------------------------------------------------------

    def answer(self, handler: HostileHandler) -> None:
        host = handler.server.name
        path = handler.path.split("?", 1)[0]
        count = self._log(host, path)
        hostile = self.mode == "hostile"
        if host == "elsewhere":
            handler.reply(200, article_bytes(path))
        elif host == "robots_slow":
            self._robots_site(handler, path, hostile, slow=True)
        elif host == "robots_huge":
            self._robots_site(handler, path, hostile, slow=False)
        elif path == LIST_PATH:
            handler.reply(200, self._list(hostile))
        elif path == "/robots.txt":
            handler.reply(200, b"User-agent: *\nDisallow:\n", content_type="text/plain")
        elif path.startswith("/go/"):  # the hops of the redirect chains
            self._hop(handler, path)
        elif path in CASE_BY_PATH:
            case = CASE_BY_PATH[path]
            if hostile or not case.turncoat:
                BEHAVIOURS[case.name](self, handler, case, count)
            else:
                handler.reply(200, article_bytes(case.name))
        elif path.endswith("/loop-back.html"):  # the second URL of the redirect loop
            handler.redirect(CASE_BY_NAME["redirect_loop"].path)
        elif path.startswith("/a/news/"):
            handler.reply(200, article_bytes(path))
        else:
            handler.reply(404, b"<html><body>404 Not Found</body></html>")

    def _list(self, hostile: bool) -> bytes:
        items = [(f"/a/news/20240301/{n}.html", title_of(f"/a/news/20240301/{n}.html"))
                 for n in GOOD_NUMBERS]
        items += [(case.path, title_of(case.name)) for case in CASES
                  if hostile or case.turncoat]
        return list_html(items)

    def _robots_site(self, handler: HostileHandler, path: str, hostile: bool,
                     slow: bool) -> None:
        if path == "/robots.txt":
            if not hostile:
                handler.reply(200, b"User-agent: *\nDisallow:\n", content_type="text/plain")
            elif slow:
                never_answer(self, handler)
            else:
                handler.reply(200, huge_robots(), content_type="text/plain")
        elif path == LIST_PATH:
            handler.reply(200, list_html([(p, title_of(p)) for p in ROBOTS_ARTICLES]))
        elif path in ROBOTS_ARTICLES:
            handler.reply(200, article_bytes(path))
        else:
            handler.reply(404, b"<html><body>404 Not Found</body></html>")

    def _hop(self, handler: HostileHandler, path: str) -> None:
        """/go/<case number>/<hop>: redirect to the next hop, or to the final article."""
        _, _, number, hop = path.split("/")
        case = next(c for c in CASES if str(c.number) == number)
        hops = CHAIN_HOPS_LONG if case.name == "redirect_chain_long" else CHAIN_HOPS_SHORT
        if int(hop) < hops:
            handler.redirect(f"/go/{number}/{int(hop) + 1}")
        else:
            handler.redirect(f"/a/news/20240330/{number}0.html")


# -- behaviours of the cases in hostile mode -----------------------------------------------


def never_answer(sites: HostileSites, handler: HostileHandler) -> None:
    handler.close_connection = True
    event = sites._event(handler.server.name, handler.path)
    while not sites.stop.is_set():
        if handler.client_gone(0.1):
            event.how = "client closed"
            break
    else:
        event.how = "stopped"
    event.ended = time.monotonic()


def _binary(sites, handler, case, count):
    handler.reply(200, random.Random(case.number).randbytes(64 * 1024))


def _empty(sites, handler, case, count):
    handler.reply(200, b"")


def _big_page(sites, handler, case, count):
    handler.reply(200, big_page())


def _nested(sites, handler, case, count):
    handler.reply(200, nested_page())


def _bad_utf8(sites, handler, case, count):
    handler.reply(200, spoiled(article_html(case.name), "utf-8", b"\xff\xfe\xc3\x28\xe4\xb8"))


def _bad_gbk(sites, handler, case, count):
    handler.reply(200, spoiled(article_html(case.name, "gbk"), "gbk", b"\x81\x20\xff\x80"),
                  content_type="text/html; charset=gbk")


def _lying_charset(sites, handler, case, count):
    handler.reply(200, article_html(case.name).encode("gbk"))  # says utf-8 twice


def _gzip_bomb(sites, handler, case, count):
    handler.reply(200, gzip_bomb(), {"Content-Encoding": "gzip"})


def _endless_chunked(sites, handler, case, count):
    handler.close_connection = True
    event = sites._event(handler.server.name, handler.path)
    head = (b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nc\r\n<html><body>\r\n")
    chunk = "<p>园区实时数据流，永不结束。</p>".encode() * 2048
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    if handler.raw(head, event):
        while not sites.stop.is_set() and handler.raw(frame, event):
            pass
        else:
            event.how = event.how or "stopped"
    event.ended = time.monotonic()


def _one_byte_a_second(sites, handler, case, count):
    handler.close_connection = True
    event = sites._event(handler.server.name, handler.path)
    body = article_bytes(case.name)
    data = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    for byte in data:
        if not handler.raw(bytes([byte]), event):
            break
        if sites.stop.wait(1.0):
            event.how = "stopped"
            break
    else:
        event.how = "finished"
    event.ended = time.monotonic()


def _redirect_loop(sites, handler, case, count):
    handler.redirect(case.path.rsplit("/", 1)[0] + "/loop-back.html")


def _redirect_chain(sites, handler, case, count):
    handler.redirect(f"/go/{case.number}/1")


def _redirect_offsite(sites, handler, case, count):
    handler.redirect(sites.base("elsewhere") + case.path)


def _retry_after_short(sites, handler, case, count):
    if count == 1:
        handler.reply(429, b"<html><body>Too Many Requests</body></html>",
                      {"Retry-After": str(RETRY_AFTER_SHORT)})
    else:
        handler.reply(200, article_bytes(case.name))


def _retry_after_long(sites, handler, case, count):
    handler.reply(429, b"<html><body>Too Many Requests</body></html>",
                  {"Retry-After": str(RETRY_AFTER_LONG)})


def _burst_503(sites, handler, case, count):
    if count <= BURST_503:
        handler.reply(503, b"<html><body>Service Unavailable</body></html>")
    else:
        handler.reply(200, article_bytes(case.name))


def _always_503(sites, handler, case, count):
    handler.reply(503, b"<html><body>Service Unavailable</body></html>")


Behaviour = Callable[[HostileSites, HostileHandler, Case, int], None]
BEHAVIOURS: dict[str, Behaviour] = {
    "binary": _binary,
    "empty": _empty,
    "big_page": _big_page,
    "nested": _nested,
    "bad_utf8": _bad_utf8,
    "bad_gbk": _bad_gbk,
    "lying_charset": _lying_charset,
    "gzip_bomb": _gzip_bomb,
    "endless_chunked": _endless_chunked,
    "never_answers": lambda sites, handler, case, count: never_answer(sites, handler),
    "one_byte_a_second": _one_byte_a_second,
    "redirect_loop": _redirect_loop,
    "redirect_chain_long": _redirect_chain,
    "redirect_chain_short": _redirect_chain,
    "redirect_offsite": _redirect_offsite,
    "retry_after_short": _retry_after_short,
    "retry_after_long": _retry_after_long,
    "burst_503": _burst_503,
    "always_503": _always_503,
}
assert set(BEHAVIOURS) == set(CASE_BY_NAME)


@contextmanager
def serve_hostile(hosts: dict[str, str] | None = None, port: int = 0
                  ) -> Iterator[HostileSites]:
    """Start the hostile servers (good mode) and yield them; stop every thread on exit.

    ``hosts`` overrides addresses ({"hostile": "127.0.0.111"}); ``port`` 0 gives each
    server an ephemeral port.
    """
    sites = HostileSites(hosts)
    big_page(), gzip_bomb(), huge_robots()  # built once, before any client waits on them
    threads: list[threading.Thread] = []
    try:
        for name, address in sites.hosts.items():
            server = HostileServer((address, port), name, sites)
            sites.servers[name] = server
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"hostile-{name}", daemon=True)
            thread.start()
            threads.append(thread)
        yield sites
    finally:
        sites.stop.set()  # raw behaviours return at once
        for server in sites.servers.values():
            server.shutdown()
        for thread in threads:
            thread.join(timeout=5)
        for server in sites.servers.values():
            server.server_close()  # joins the handler threads
