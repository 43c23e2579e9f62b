"""Serve the mock sites: one ThreadingHTTPServer per site, each on its own loopback address."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from .builder import build_sites
from .common import not_found, robots
from .corpus import load_sites
from .model import Route, RunningSite

logger = logging.getLogger(__name__)


class MockServer(ThreadingHTTPServer):
    """A threading HTTP server answering from a prebuilt ``{path: route}`` table."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site_id: str) -> None:
        super().__init__(address, MockHandler)
        self.site_id = site_id
        self.routes: dict[str, Route] = {}

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def lookup(self, target: str) -> Route:
        path = unquote(urlsplit(target).path) or "/"
        if path == "/robots.txt":
            return robots()
        return self.routes.get(path) or not_found()


class MockHandler(BaseHTTPRequestHandler):
    server: MockServer
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "nginx"

    def _answer(self, with_body: bool) -> None:
        status, headers, body = self.server.lookup(self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.server.site_id, format % args)


DEFAULT_HOSTS = {"trs": "127.0.0.11", "dede": "127.0.0.12", "destoon": "127.0.0.13"}


@contextmanager
def serve_mock_sites(
    hosts: dict[str, str] | None = None, port: int = 0
) -> Iterator[list[RunningSite]]:
    """Start the three mock sites and yield their descriptions; stop them on exit.

    ``hosts`` overrides the loopback address of some sites ({"trs": "127.0.0.21"});
    ``port`` 0 gives each server an ephemeral port, any other value is used for all of
    them (the addresses differ, so one port number can serve all three).
    """
    configs = load_sites()
    addresses = {site.id: site.host for site in configs} | (hosts or {})
    servers: list[tuple[MockServer, threading.Thread]] = []
    try:
        for site in configs:
            server = MockServer((addresses[site.id], port), site.id)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"mocksite-{site.id}",
                daemon=True,
            )
            servers.append((server, thread))
        base_urls = {
            site.id: f"http://{addresses[site.id]}:{server.port}"
            for site, (server, _) in zip(configs, servers, strict=True)
        }
        running = []
        for (server, thread), (site, built) in zip(
            servers, build_sites(configs, base_urls), strict=True
        ):
            server.routes = built.routes
            thread.start()
            running.append(site)
            logger.info("mock site %s serving at %s", site.id, site.base_url)
        yield running
    finally:
        for server, thread in servers:
            if thread.is_alive():
                server.shutdown()
                thread.join(timeout=5)
            server.server_close()
        logger.debug("mock sites stopped")
