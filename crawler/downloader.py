"""Scrapy's downloader, with each host's concurrency kept when the host has no delay.

Scrapy 2.19's ``Downloader._process_queue`` hands a host's queued requests to downloads
while ``slot.free_transfer_slots()`` is positive, but a request only counts as
transferring once the asyncio task that downloads it has started (``_download`` adds it),
and the task starts after the loop: with no ``DOWNLOAD_DELAY`` every request queued for
the host leaves at once, whatever ``CONCURRENT_REQUESTS_PER_DOMAIN`` says. With a delay
Scrapy sends one a turn, so the bug hides; with no delay (the one-site benchmarks, the
tests' mock sites, a user's ``DOWNLOAD_DELAY=0``) as many requests as
``CONCURRENT_REQUESTS`` went to one host at once: a small server then answered some after
the download timeout (measured: 2-6 of 150 articles lost to 10 s timeouts under load).

:class:`BoundedDownloader` counts a request as transferring as soon as it is handed on
(the ``DOWNLOADER`` setting).

:class:`IdleClosingHTTPDownloadHandler` is Scrapy's HTTP/1.1 download handler with its
kept-alive connections closed after ``PARKNEWS_IDLE_CONNECTION_TIMEOUT`` seconds idle
instead of Twisted's 240, and at most ``PARKNEWS_IDLE_CONNECTIONS_MAX`` idle at once, never
more than half of what the open-file limit leaves
(:func:`~parknews.crawler.oslimits.idle_connections_allowed`): a crawl of thousands of
small sites touches a hundred new hosts a second, and each host it had touched in the
last four minutes held an open socket (2,606 open files at 2,500 sites, past the 1,024
that cron jobs often get: their connections then failed with "Too many open files", and
the archive's writes with SQLite's "unable to open database file"). A fixed cap of 128
went too far the other way: a host's next request comes seconds later, after hundreds of
other hosts', so nearly every request opened a new connection.

The same pool opens each new connection to an address it already knows (an IP address in
the URL, or a host name Scrapy's DNS cache has resolved) straight to that address
(:func:`direct_endpoint`): Twisted's ``HostnameEndpoint`` resolves the name and races its
addresses for every connection, building a class and its interface declarations each
time: opening connections took 7.7 % of a 500-site crawl process's busy time, 1.8 %
after (``python benchmarks/scale.py --profile``); in such a crawl almost every request
opens one.
"""

from __future__ import annotations

from scrapy.core import downloader as scrapy_downloader
from scrapy.core.downloader import Downloader, Slot
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.resolver import dnscache
from scrapy.utils.defer import _schedule_coro
from twisted.internet.abstract import isIPAddress
from twisted.internet.endpoints import HostnameEndpoint, TCP4ClientEndpoint, _WrapperEndpoint
from twisted.web.client import HTTPConnectionPool

from parknews.crawler.oslimits import idle_connections_allowed


class BoundedDownloader(Downloader):
    """Scrapy's Downloader; a host with no delay gets at most its concurrency at once."""

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall or slot.download_delay():
            super()._process_queue(slot)  # one request a turn: bounded already
            return
        now = scrapy_downloader.monotonic()
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            # taken now, not when the task below starts (``_download`` adds it again,
            # to a set, and removes it when the download ends)
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))


IDLE_CONNECTION_TIMEOUT = 15.0  # seconds; PARKNEWS_IDLE_CONNECTION_TIMEOUT
IDLE_CONNECTIONS_MAX = 4096  # PARKNEWS_IDLE_CONNECTIONS_MAX


def known_address(host: str) -> str | None:
    """The IPv4 address ``host`` is, or Scrapy's DNS cache resolved it to; else None."""
    if isIPAddress(host):
        return host
    cached = dnscache.get(host)  # a str from Scrapy's default (IPv4) resolver
    return cached if isinstance(cached, str) and isIPAddress(cached) else None


def direct_endpoint(reactor, endpoint):
    """``endpoint``, or a plain TCP endpoint to the same place when Twisted's
    ``HostnameEndpoint`` would only find an address already known (:func:`known_address`);
    an HTTPS endpoint keeps its TLS layer (and the host name it checks) around it."""
    try:
        if type(endpoint) is _WrapperEndpoint:
            inner = direct_endpoint(reactor, endpoint._wrappedEndpoint)
            if inner is endpoint._wrappedEndpoint:
                return endpoint
            return _WrapperEndpoint(inner, endpoint._wrapperFactory)
        if type(endpoint) is not HostnameEndpoint or endpoint._badHostname:
            return endpoint
        address = known_address(endpoint._hostText)
        if address is None:  # resolved by HostnameEndpoint, which fills the cache
            return endpoint
        return TCP4ClientEndpoint(reactor, address, endpoint._port,
                                  timeout=endpoint._timeout,
                                  bindAddress=endpoint._bindAddress)
    except AttributeError:  # a Twisted whose endpoints keep these otherwise: as it is
        return endpoint


class CappedConnectionPool(HTTPConnectionPool):
    """Twisted's pool of kept-alive connections, holding at most ``max_idle`` idle ones
    in all: past that the one idle longest is closed (a host finished a while ago, in a
    crawl of many sites). Twisted bounds them only per host."""

    max_idle = IDLE_CONNECTIONS_MAX

    def _newConnection(self, key, endpoint):
        return super()._newConnection(key, direct_endpoint(self._reactor, endpoint))

    def _putConnection(self, key, connection):
        connection._parknews_pool_key = key
        super()._putConnection(key, connection)
        timeouts = getattr(self, "_timeouts", None)
        if not isinstance(timeouts, dict):  # a Twisted that keeps them otherwise
            return
        while len(timeouts) > self.max_idle:
            oldest = next(iter(timeouts))  # idle longest: dicts keep insertion order
            timeouts[oldest].cancel()
            self._removeConnection(oldest._parknews_pool_key, oldest)


class IdleClosingHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler; a connection kept alive for its host is closed once it
    has been idle ``PARKNEWS_IDLE_CONNECTION_TIMEOUT`` seconds (a host whose delay is
    longer gets a new connection for each request), or when more than
    ``PARKNEWS_IDLE_CONNECTIONS_MAX`` are idle (the one idle longest)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        from twisted.internet import reactor

        pool = CappedConnectionPool(reactor, persistent=True)
        pool.maxPersistentPerHost = self._pool.maxPersistentPerHost
        pool._factory = self._pool._factory
        pool.cachedConnectionTimeout = crawler.settings.getfloat(
            "PARKNEWS_IDLE_CONNECTION_TIMEOUT", IDLE_CONNECTION_TIMEOUT)
        pool.max_idle = idle_connections_allowed(
            crawler.settings.getint("PARKNEWS_IDLE_CONNECTIONS_MAX", IDLE_CONNECTIONS_MAX),
            crawler.settings.getint("CONCURRENT_REQUESTS"))
        self._pool = pool
