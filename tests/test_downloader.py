"""A host with no delay gets at most CONCURRENT_REQUESTS_PER_DOMAIN requests at once
(crawler/downloader.py): Scrapy's own downloader sent every queued request together."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time

import pytest
from conftest import run_cli, serve_handler
from sqlite_utils import Database

ARTICLES = 24
PARAGRAPH = "园区举行重点项目集中签约仪式，涉及新材料、智能制造和生物医药等领域，总投资{n}亿元。"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - the http.server name
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.most = max(server.most, server.in_flight)
        try:
            time.sleep(0.05)  # long enough for requests sent together to overlap
            if self.path == "/robots.txt":
                body, ctype = b"User-agent: *\nDisallow:\n", "text/plain"
            elif self.path in ("/", "/news/index.html"):
                items = "".join(f'<li><a href="/news/2024/t20240501_{n}.html">第{n}号项目集中'
                                f"签约仪式举行</a><span>2024-05-01</span></li>"
                                for n in range(ARTICLES))
                body = f"<html><body><ul>{items}</ul></body></html>".encode()
                ctype = "text/html; charset=utf-8"
            elif self.path.startswith("/news/2024/"):
                n = self.path.rsplit("_", 1)[1].split(".")[0]
                text = "".join(f"<p>{PARAGRAPH.format(n=int(n) * 10 + k)}</p>" for k in range(4))
                body = (f"<html><body><h1>第{n}号项目集中签约仪式举行</h1>"
                        f"<div>发布时间：2024-05-01</div><div class='content'>{text}</div>"
                        "</body></html>").encode()
                ctype = "text/html; charset=utf-8"
            else:
                body, ctype = b"", "text/plain"
                self.send_response(404)
            if body or ctype != "text/plain":
                self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with server.lock:
                server.in_flight -= 1

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _counting_server(address: str):
    """The mock site on ``address`` (an ephemeral port), counting requests in flight."""
    with serve_handler(address, _Handler, lock=threading.Lock(), in_flight=0,
                       most=0) as server:
        yield server


@pytest.fixture()
def counting_server():
    with _counting_server("127.0.0.93") as server:
        yield server


def test_a_host_without_delay_gets_at_most_its_concurrency(counting_server, tmp_path):
    base = f"http://127.0.0.93:{counting_server.server_address[1]}"
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[sites]]\nid = "bound"\nname = "bound"\n'
                     f'start_urls = ["{base}/news/index.html"]\n', encoding="utf-8")
    result = run_cli("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"),
                     "--no-lock", "--set", "DOWNLOAD_DELAY=0", "--set",
                     "AUTOTHROTTLE_ENABLED=False", "--set", "CONCURRENT_REQUESTS=64",
                     "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert Database(tmp_path / "a.db")["articles"].count == ARTICLES
    assert counting_server.most == 2  # reached, never passed


# -- idle connections kept alive (IdleClosingHTTPDownloadHandler) -------------------------

IDLE_SITES = 24
IN_FLIGHT = 4  # CONCURRENT_REQUESTS: requests in flight, and as many robots.txt fetches


def _crawl_counting_connections(tmp_path, first: int, idle_max: int) -> tuple[int, int]:
    """Crawl IDLE_SITES small sites with no delay; (articles stored, the most connections
    the sites' server had open at once)."""
    from mockservers.scale import serve_scale_sites

    with serve_scale_sites(IDLE_SITES, articles=2, first=first) as (sites, server):
        sites_file = tmp_path / f"sites-{idle_max}.toml"
        sites_file.write_text("\n".join(site.toml() for site in sites), encoding="utf-8")
        db_path = tmp_path / f"idle-{idle_max}.db"
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path),
                         "--no-lock", "--set", "DOWNLOAD_DELAY=0",
                         "--set", "AUTOTHROTTLE_ENABLED=False",
                         "--set", f"CONCURRENT_REQUESTS={IN_FLIGHT}",
                         "--set", f"PARKNEWS_IDLE_CONNECTIONS_MAX={idle_max}", timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        return Database(db_path)["articles"].count, server.most_open_connections


def test_idle_connections_are_capped_across_hosts(tmp_path):
    """Twisted keeps a host's connection open 240 s after its last request, so a crawl of
    many small sites held a socket for every host it had touched (2,606 open files at
    2,500 sites: past a cron job's 1,024, connections then failed with 'Too many open
    files'). With at most 2 idle, the sites' server never sees more than the requests in
    flight, their robots.txt fetches and those 2 open at once."""
    capped_articles, capped = _crawl_counting_connections(tmp_path, 7000, idle_max=2)
    loose_articles, loose = _crawl_counting_connections(tmp_path, 7100, idle_max=1000)
    assert capped_articles == loose_articles == IDLE_SITES * 2
    assert capped <= 2 * IN_FLIGHT + 2, capped
    assert loose > 2 * IN_FLIGHT + 2, loose  # the bound is the cap's doing



IDLE_CAP = """
import sys
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from scrapy.utils.test import get_crawler
from parknews.crawler.downloader import IdleClosingHTTPDownloadHandler
crawler = get_crawler(settings_dict={"CONCURRENT_REQUESTS": 16, "TWISTED_REACTOR_ENABLED": True,
                                     "PARKNEWS_IDLE_CONNECTIONS_MAX": int(sys.argv[1])})
print(IdleClosingHTTPDownloadHandler(crawler)._pool.max_idle)
"""


def test_the_idle_cap_shrinks_to_fit_the_open_file_limit():
    """The pool keeps PARKNEWS_IDLE_CONNECTIONS_MAX idle connections at most, and no more
    than half of what the process's open-file limit leaves besides its requests in
    flight, their robots.txt fetches and its own files (here a process limited to 400)."""
    import resource
    import subprocess
    import sys

    from parknews.crawler.oslimits import BASE_FILES

    def cap(limit: int, wanted: int) -> int:
        def lower() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        result = subprocess.run([sys.executable, "-c", IDLE_CAP, str(wanted)],
                                preexec_fn=lower, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return int(result.stdout.split()[-1])

    shrunk = cap(400, 4096)
    assert 0 < shrunk <= (400 - 2 * 16 - BASE_FILES) // 2  # less what the process holds
    assert cap(400, 20) == 20  # room for all it asks
    assert cap(100, 4096) == 0  # no room: every connection closed once idle


# -- new connections straight to a known address (direct_endpoint) ------------------------

def test_a_connection_to_a_known_address_skips_the_name_resolution():
    """Twisted's HostnameEndpoint resolves and races addresses for every new connection;
    an address in the URL or in Scrapy's DNS cache is connected to directly, with the
    endpoint's port, timeout and local address, and HTTPS keeps its TLS layer."""
    from scrapy.resolver import dnscache
    from twisted.internet import reactor
    from twisted.internet.endpoints import HostnameEndpoint, TCP4ClientEndpoint, wrapClientTLS
    from twisted.internet.ssl import optionsForClientTLS

    from parknews.crawler.downloader import direct_endpoint

    literal = direct_endpoint(reactor, HostnameEndpoint(reactor, b"127.0.0.93", 8080, timeout=7,
                                                        bindAddress=("127.0.0.1", 0)))
    assert isinstance(literal, TCP4ClientEndpoint)
    assert (literal._host, literal._port, literal._timeout, literal._bindAddress) == (
        "127.0.0.93", 8080, 7, ("127.0.0.1", 0))

    unknown = HostnameEndpoint(reactor, b"park-never-resolved.invalid", 80)
    assert direct_endpoint(reactor, unknown) is unknown  # resolved the usual way
    other_twisted = HostnameEndpoint(reactor, b"127.0.0.93", 80)
    del other_twisted._hostText  # a Twisted that keeps the host otherwise
    assert direct_endpoint(reactor, other_twisted) is other_twisted

    dnscache["park-resolved.invalid"] = "127.0.0.94"
    try:
        cached = direct_endpoint(reactor, HostnameEndpoint(reactor, b"park-resolved.invalid", 80))
        assert isinstance(cached, TCP4ClientEndpoint) and cached._host == "127.0.0.94"
        tls = wrapClientTLS(optionsForClientTLS("park-resolved.invalid"),
                            HostnameEndpoint(reactor, b"park-resolved.invalid", 443))
        direct = direct_endpoint(reactor, tls)
        assert direct._wrapperFactory is tls._wrapperFactory  # same TLS, same name checked
        assert isinstance(direct._wrappedEndpoint, TCP4ClientEndpoint)
    finally:
        del dnscache["park-resolved.invalid"]


def test_a_site_named_by_host_name_is_crawled(tmp_path):
    """The first connection to a named host resolves it (filling Scrapy's DNS cache), the
    later ones go straight to the address: every article arrives either way."""
    with _counting_server("127.0.0.1") as server:  # localhost's address
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[sites]]\nid = "named"\nname = "named"\nstart_urls = '
                         f'["http://localhost:{server.server_address[1]}/news/index.html"]\n',
                         encoding="utf-8")
        result = run_cli("crawl", "--sites", str(sites), "--db", str(tmp_path / "n.db"),
                         "--no-lock", "--set", "DOWNLOAD_DELAY=0", "--set",
                         "AUTOTHROTTLE_ENABLED=False", "--set", "PARKNEWS_IDLE_CONNECTIONS_MAX=0")
    assert result.returncode == 0, result.stderr[-2000:]
    assert Database(tmp_path / "n.db")["articles"].count == ARTICLES
