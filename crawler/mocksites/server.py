"""Serve the mock sites: one ThreadingHTTPServer per site, each on its own loopback address.

A server answers from its site's prebuilt routes (keyed by path, or by path plus decoded
query, see :func:`common.route_key`), then from its dynamic handlers (calendar trap,
Hanweb ``dataproxy.jsp``), then from the bare path (a static file ignores its query
string), else 404. Every request is appended to the site's request log
(:meth:`RunningSite.requests`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from .builder import build_sites
from .common import method_not_allowed, not_found, robots, route_key, split_target
from .corpus import load_sites
from .model import Handler, MockRequest, RequestRecord, Route, RunningSite

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # request bodies beyond this are refused


class MockServer(ThreadingHTTPServer):
    """A threading HTTP server answering from a prebuilt route table, logging requests."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site_id: str) -> None:
        super().__init__(address, MockHandler)
        self.site_id = site_id
        self.routes: dict[str, Route] = {}
        self.handlers: dict[str, Handler] = {}
        self.query_encoding = "utf-8"
        self.site: RunningSite | None = None  # receives the request log

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def request_log(self) -> list[RequestRecord]:
        return self.site.request_log if self.site else []

    def lookup(self, target: str, method: str = "GET", body: bytes = b"") -> Route:
        try:
            path, pairs = split_target(target, self.query_encoding)
        except UnicodeDecodeError:  # a query in another encoding than the site reads
            return not_found()
        if pairs and method != "POST" and route_key(path, pairs) in self.routes:
            return self.routes[route_key(path, pairs)]
        handler = self.handlers.get(path)
        if handler is not None:
            params = dict(pairs) | dict(parse_qsl(body.decode("utf-8", "replace")))
            answer = handler(MockRequest(method, path, params, body))
            return answer if answer is not None else not_found()
        if path == "/robots.txt" and path not in self.routes:
            return robots()
        if path not in self.routes:
            return not_found()
        return method_not_allowed() if method == "POST" else self.routes[path]

    def record(self, record: RequestRecord) -> None:
        if self.site is not None:
            self.site.log_request(record)


class MockHandler(BaseHTTPRequestHandler):
    server: MockServer
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "nginx"

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _answer(self, method: str, with_body: bool = True) -> None:
        arrived = time.time()
        body = self._read_body() if method == "POST" else b""
        if body is None:
            status, headers, payload = 413, {"Content-Type": "text/plain"}, b"too large\n"
            self.close_connection = True
        else:
            status, headers, payload = self.server.lookup(self.path, method, body)
        if method in ("GET", "HEAD") and status == 200:
            # validators as nginx sends them for static files; a matching If-None-Match
            # gets 304 with no body
            etag = '"' + hashlib.sha1(payload).hexdigest()[:16] + '"'
            headers = {**headers, "ETag": etag}
            if self.headers.get("If-None-Match") == etag:
                status, payload = 304, b""
        self.server.record(  # before answering: a client that has the answer sees the entry
            RequestRecord(
                time=arrived,
                method=method,
                target=self.path,
                url=self._base_url() + self.path,
                status=status,
                body=body or b"",
                referer=self.headers.get("Referer"),
                user_agent=self.headers.get("User-Agent"),
            )
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if with_body:
            self.wfile.write(payload)

    def _base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def do_GET(self) -> None:  # noqa: N802
        self._answer("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer("HEAD", with_body=False)

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.server.site_id, format % args)


DEFAULT_HOSTS = {
    "trs": "127.0.0.11",
    "dede": "127.0.0.12",
    "destoon": "127.0.0.13",
    "hanweb": "127.0.0.14",
    "province": "127.0.0.15",
    "wordpress": "127.0.0.16",
    "asp": "127.0.0.17",
}


def _start(server: MockServer) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"mocksite-{server.site_id}",
        daemon=True,
    )
    thread.start()
    return thread


@contextmanager
def serve_mock_sites(
    hosts: dict[str, str] | None = None, port: int = 0, ids: Iterable[str] | None = None
) -> Iterator[list[RunningSite]]:
    """Start the mock sites and yield their descriptions; stop them on exit.

    ``hosts`` overrides the loopback address of some sites ({"trs": "127.0.0.21"});
    ``port`` 0 gives each server an ephemeral port, any other value is used for all of
    them (the addresses differ, so one port number can serve all). ``ids`` serves only
    those sites (in data order); links to a site not served (DESTOON's 原文链接) then
    point at its address with ``port``, or with no port when ``port`` is 0.
    """
    configs = load_sites()
    wanted = set(ids) if ids is not None else {site.id for site in configs}
    unknown = wanted - {site.id for site in configs}
    if unknown:
        raise ValueError(f"unknown mock site id(s): {', '.join(sorted(unknown))}")
    addresses = {site.id: site.host for site in configs} | (hosts or {})
    servers: dict[str, MockServer] = {}
    started: list[tuple[MockServer, threading.Thread]] = []
    try:
        for site in configs:
            if site.id in wanted:
                servers[site.id] = MockServer((addresses[site.id], port), site.id)
        base_urls = {
            site.id: f"http://{addresses[site.id]}"
            + (f":{servers[site.id].port}" if site.id in servers else (f":{port}" if port else ""))
            for site in configs
        }
        running = []
        for site, built in build_sites(configs, base_urls, only=wanted):
            server = servers[site.id]
            server.routes, server.handlers = built.routes, built.handlers
            server.query_encoding = built.query_encoding
            server.site = site
            site._routes, site._query_encoding = server.routes, server.query_encoding
            started.append((server, _start(server)))
            running.append(site)
            logger.info("mock site %s serving at %s", site.id, site.base_url)
        yield running
    finally:
        for server, _ in started:
            server.shutdown()
        for _, thread in started:
            thread.join(timeout=5)
        for server in servers.values():
            server.server_close()
        logger.debug("mock sites stopped")
