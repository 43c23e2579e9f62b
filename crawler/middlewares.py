"""Downloader middlewares of parknews.

``RedirectLoopMiddleware`` turns a redirect back to a URL already in the chain
(A -> B -> A) into a failure with the whole chain as its reason. Without it Scrapy's
duplicate filter silently drops the second request for A, and the page vanishes from
the archive's record instead of being reported.

``OffsiteRedirectMiddleware`` does the same for a redirect to a host outside the site's
``allowed_domains``: Scrapy's offsite filter would drop the redirected request when it is
scheduled, with no errback, so the page as linked would keep no trace of this run.

``SiteOffsiteMiddleware`` and ``SiteDownloaderStatsMiddleware`` serve a crawl of many
sites in one crawler (``crawler/manysites.py``): the offsite filter by each request's own
site, and the downloader's counts (requests, answers by status, bytes) kept per site too.

``SafeRobotsTxtMiddleware`` replaces Scrapy's RobotsTxtMiddleware, whose requests waiting
for a host's robots.txt (Scrapy 2.13+) share one Deferred through ``asFuture()``: only the
first waiter gets the parser, every other one gets None and is let through unchecked.
It also keeps each host's robots.txt answer (up to ``ROBOTS_REPLAY_MAX_BYTES``) for the
spider's own request for it (``meta["kind"] == "robots"``: the spider reads its
``Sitemap:`` lines) and answers that request with it: one fetch of robots.txt a host,
not two (a crawl of 2,500 small sites made 2,500 requests fewer).

``DownloadSizeMiddleware`` names a download cancelled because its body passed
DOWNLOAD_MAXSIZE while coming in (Scrapy's own failure has no message).

``RetryAfterMiddleware`` honours ``Retry-After`` on 429 and 503 answers (Scrapy's
RetryMiddleware retries at once): the retry waits as long as the server asks, up to
``PARKNEWS_RETRY_AFTER_MAX`` seconds; a longer wait is not retried this run at all.

``RobotsTxtBoundsMiddleware`` bounds robots.txt fetches in time
(``PARKNEWS_ROBOTSTXT_TIMEOUT``) and size (``PARKNEWS_ROBOTSTXT_MAX_BYTES``: only the
first bytes are read and parsed, as RFC 9309 allows) and, with
``PARKNEWS_ROBOTSTXT_UNREACHABLE_DISALLOW``, treats a host whose robots.txt could not be
fetched (timeout, dropped connection, 5xx) as disallowing everything for the run (RFC 9309
section 2.3.1.4) instead of Scrapy's "allow all": each request to it fails with the reason.
"""

from __future__ import annotations

import logging
import re
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from scrapy import exceptions, signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.downloadermiddlewares.stats import DownloaderStats, get_header_size, get_status_size
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.python import global_object_name
from scrapy.utils.request import request_httprepr
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionRefusedError, DNSLookupError

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RedirectLoopError(IgnoreRequest):
    """A redirect chain that comes back to a URL it already visited."""


class RedirectLoopMiddleware:
    """Sits just outside Scrapy's RedirectMiddleware (a higher number in
    DOWNLOADER_MIDDLEWARES), so it sees each 3xx response first."""

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("REDIRECT_ENABLED", True):
            raise NotConfigured("redirects are not followed")
        if not crawler.settings.getbool("PARKNEWS_REDIRECT_LOOPS_FAIL", True):
            raise NotConfigured("PARKNEWS_REDIRECT_LOOPS_FAIL is off")
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in REDIRECT_STATUSES or "Location" not in response.headers:
            return response
        location = response.headers["Location"].decode("latin-1")
        target = urljoin(request.url, location)
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            self.stats.inc_value("parknews/redirect_loops")
            raise RedirectLoopError("redirect loop: " + " -> ".join([*chain, target]))
        return response



class OffsiteRedirectError(IgnoreRequest):
    """A redirect to a host the site does not cover."""


class OffsiteRedirectMiddleware:
    """Next to RedirectLoopMiddleware (outside RedirectMiddleware, 600): a 3xx whose target
    is outside the spider's ``allowed_domains`` fails with the hop as its reason."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("REDIRECT_ENABLED", True):
            raise NotConfigured("redirects are not followed")
        if not crawler.settings.getbool("PARKNEWS_REDIRECT_OFFSITE_FAIL", True):
            raise NotConfigured("PARKNEWS_REDIRECT_OFFSITE_FAIL is off")
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in REDIRECT_STATUSES or "Location" not in response.headers:
            return response
        domains = _site_domains(self.crawler.spider, request)
        if not domains or request.dont_filter or request.meta.get("allow_offsite"):
            return response
        target = urljoin(request.url, response.headers["Location"].decode("latin-1"))
        host = (urlsplit(target).hostname or "").lower()
        if not target.startswith(("http://", "https://")) or any(
                host == domain.lower() or host.endswith("." + domain.lower())
                for domain in domains):
            return response
        self.stats.inc_value("parknews/redirects_offsite")
        chain = [*request.meta.get("redirect_urls", []), request.url, target]
        raise OffsiteRedirectError("redirect to another host: " + " -> ".join(chain))


def _site_domains(spider, request: Request):
    """The hosts of the request's own site when the spider crawls many sites
    (``site_hosts``), else the spider's ``allowed_domains``."""
    site_hosts = getattr(spider, "site_hosts", None)
    site_id = request.meta.get("site_id")
    if site_hosts is not None and site_id:
        return site_hosts(site_id)
    return getattr(spider, "allowed_domains", None)


class SiteOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter, judged by each request's own site (``meta["site_id"]``):
    with many sites in one crawler, a link from one site to another's host stays out.

    Scrapy judges each request twice (when it is scheduled and before it is downloaded),
    and a crawl of many small sites asks about the same few hosts of a site again and
    again, so each (site, host) verdict is kept (at most :attr:`VERDICTS_MAX`, then
    forgotten all at once): a site's hosts do not change during a crawl."""

    VERDICTS_MAX = 100_000

    def __init__(self, stats) -> None:
        super().__init__(stats)
        self._verdicts: dict[tuple[str, str], bool] = {}

    def should_follow(self, request: Request, spider) -> bool:
        site_id = request.meta.get("site_id")
        if not site_id:  # Scrapy's own robots.txt requests
            return super().should_follow(request, spider)
        host = (urlparse_cached(request).hostname or "").lower()
        key = (site_id, host)
        verdict = self._verdicts.get(key)
        if verdict is None:
            hosts = _site_domains(spider, request) or ()
            verdict = any(host == h or host.endswith("." + h) for h in hosts)
            if len(self._verdicts) >= self.VERDICTS_MAX:
                self._verdicts.clear()
            self._verdicts[key] = verdict
        return verdict


class QuickMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware (``<meta http-equiv="refresh" content="0;url=…">``,
    as many a park portal's root page is), without reading the pages that cannot hold
    one. Scrapy decodes every HTML page and runs w3lib's regular expressions over its
    first 4,096 characters; the tag must spell ``refresh`` there (in any case), so a page
    whose first :attr:`WINDOW` bytes do not (4,096 characters of UTF-8 or GB18030 are at
    most that many) is passed on unread. A page in UTF-16 or UTF-32 (a NUL byte among
    its first bytes) goes through Scrapy's check as before."""

    WINDOW = 4 * 4096
    REFRESH = re.compile(rb"refresh", re.IGNORECASE)

    def process_response(self, request: Request, response: Response, spider=None):
        if isinstance(response, HtmlResponse):
            body = response.body
            if body.find(b"\0", 0, 64) < 0 and not self.REFRESH.search(body, 0, self.WINDOW):
                return response
        return super().process_response(request, response)


class SiteDownloaderStatsMiddleware(DownloaderStats):
    """Scrapy's DownloaderStats (``downloader/request_count``, ``…/response_status_count/N``,
    ``…/response_bytes`` …), counted in the crawl's stats and again in the stats of the
    request's site, when the spider keeps stats per site (``stats_of_site``): a site's
    ``crawl_runs`` row says what its own crawler's stats said. It takes DownloaderStats'
    place (850) and measures each request and response once for both: beside it, the
    sizes were worked out twice (``python benchmarks/scale.py --profile``: 1.1 % of a
    many-site crawl's busy time, 0.7 % once)."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler.stats)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("DOWNLOADER_STATS", True):
            raise NotConfigured("DOWNLOADER_STATS is off")
        return cls(crawler)

    def _both(self, request: Request) -> tuple:
        """The crawl's stats, and the request's site's when the spider keeps them."""
        spider = self.crawler.spider
        stats_of = getattr(spider, "stats_of_site", None)
        own = stats_of(spider.site_of_request(request)) if stats_of is not None else None
        return (self.stats,) if own is None else (self.stats, own)

    def process_request(self, request: Request, spider=None):
        size = len(request_httprepr(request))
        for stats in self._both(request):
            stats.inc_value("downloader/request_count")
            stats.inc_value(f"downloader/request_method_count/{request.method}")
            stats.inc_value("downloader/request_bytes", size)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        size = (len(response.body) + get_header_size(response.headers)
                + get_status_size(response.status) + 4)  # as DownloaderStats counts
        for stats in self._both(request):
            stats.inc_value("downloader/response_count")
            stats.inc_value(f"downloader/response_status_count/{response.status}")
            stats.inc_value("downloader/response_bytes", size)
        return response

    def process_exception(self, request: Request, exception: Exception, spider=None):
        name = global_object_name(exception.__class__)
        for stats in self._both(request):
            stats.inc_value("downloader/exception_count")
            stats.inc_value(f"downloader/exception_type_count/{name}")


ROBOTS_REPLAY_MAX_BYTES = 64 * 1024  # a larger robots.txt is fetched again when asked for
REPLAYED = "replayed"  # the flag of a response answered from one fetched before


class SafeRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, with every request that waited for the robots.txt
    of its host checked against it, and the spider's own request for a robots.txt
    answered with the one fetched for the rules (see the module doc)."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self._answers: dict[str, Response] = {}  # netloc -> its robots.txt, until asked for

    async def process_request(self, request: Request) -> Response | None:
        if request.meta.get("kind") == "robots" and not request.meta.get(
                "dont_obey_robotstxt"):
            await self.robot_parser(request)  # fetched for the rules (once a host)
            answer = self._answers.pop(urlparse_cached(request).netloc, None)
            if answer is not None:
                self._stats.inc_value("robotstxt/replayed")
                return answer.replace(request=request, flags=[*answer.flags, REPLAYED])
        return await super().process_request(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if len(response.body) <= ROBOTS_REPLAY_MAX_BYTES:
            self._answers[netloc] = response
        await super()._parse_robots(response, netloc, request)

    async def robot_parser(self, request: Request):
        parser = await super().robot_parser(request)
        if parser is None:  # perhaps only a later waiter of the shared Deferred
            settled = self._parsers.get(urlparse_cached(request).netloc)
            if settled is not None and not isinstance(settled, Deferred):
                return settled
        return parser


# -- size ---------------------------------------------------------------------------------

_RECEIVED = "parknews_bytes_received"  # meta: body bytes received so far


class DownloadTooLargeError(Exception):
    """A body that passed the download size limit while it was coming in."""


class DownloadSizeMiddleware:
    """Names the failure of a download Scrapy cancels because its body passed
    DOWNLOAD_MAXSIZE (no Content-Length, e.g. an endless chunked body): Scrapy reports a
    bare ``DownloadCancelledError`` with no message; the archive records
    ``DownloadTooLargeError`` with the limit and the bytes received instead."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler):
        maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        if not maxsize:
            raise NotConfigured("DOWNLOAD_MAXSIZE is 0 (no limit)")
        middleware = cls(maxsize)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def bytes_received(self, data: bytes, request: Request, **kwargs) -> None:
        request.meta[_RECEIVED] = request.meta.get(_RECEIVED, 0) + len(data)

    def process_exception(self, request: Request, exception: Exception) -> None:
        limit = request.meta.get("download_maxsize", self.maxsize)
        received = request.meta.get(_RECEIVED, 0)
        if (type(exception).__name__ == "DownloadCancelledError" and limit
                and received > limit):
            raise DownloadTooLargeError(
                f"body larger than the download size limit ({limit} B): cancelled after "
                f"{received} B") from exception

# -- Retry-After --------------------------------------------------------------------------

RETRY_AFTER_STATUSES = frozenset({429, 503})
_RETRY_AT = "parknews_retry_at"  # meta: time.monotonic() before which a retry may not go


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP-date), or
    None when there is no usable value. A date in the past means 0."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


async def _sleep(seconds: float) -> None:
    try:
        from scrapy.utils.asyncio import sleep  # Scrapy >= 2.18: any reactor
    except ImportError:  # pragma: no cover - older Scrapy
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))
        return
    await sleep(seconds)


class RetryAfterMiddleware:
    """Sits outside RetryMiddleware (550), so it sees a 429/503 first. With a usable
    ``Retry-After`` it makes the retry itself (same count, ``RETRY_TIMES``) and holds it
    back until the time has passed; without one, RetryMiddleware retries as usual."""

    def __init__(self, crawler, max_wait: float, statuses: frozenset[int]) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_wait = max_wait
        self.statuses = statuses

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED", True):
            raise NotConfigured("retries are off")
        codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        statuses = RETRY_AFTER_STATUSES & codes
        if not statuses:
            raise NotConfigured("neither 429 nor 503 is retried")
        return cls(crawler, settings.getfloat("PARKNEWS_RETRY_AFTER_MAX", 60), frozenset(statuses))

    async def process_request(self, request: Request) -> None:
        until = request.meta.pop(_RETRY_AT, None)
        if until is not None and until > time.monotonic():
            await _sleep(until - time.monotonic())

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.statuses or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response
        if wait > self.max_wait:
            self.stats.inc_value("parknews/retry_after/too_long")
            logger.warning("not retrying %s: Retry-After %.0f s is over PARKNEWS_RETRY_AFTER_MAX"
                           " (%.0f s)", request.url, wait, self.max_wait)
            request.meta["dont_retry"] = True  # RetryMiddleware: no immediate retries either
            return response
        retry = get_retry_request(request, spider=self.crawler.spider,
                                  reason=f"{response.status} with Retry-After")
        if retry is None:  # retries used up (logged by Scrapy); not again by RetryMiddleware
            request.meta["dont_retry"] = True
            return response
        retry.meta[_RETRY_AT] = time.monotonic() + wait
        self.stats.inc_value("parknews/retry_after/waited")
        logger.info("retrying %s in %.1f s (Retry-After)", request.url, wait)
        return retry


# -- robots.txt bounds ------------------------------------------------------------------------

_ROBOTS_BYTES = "parknews_robotstxt_bytes"  # meta: bytes of a robots.txt received so far


NO_SERVER: tuple[type[Exception], ...] = (ConnectionRefusedError, DNSLookupError,
                                          *(getattr(exceptions, name) for name in (
                                              "DownloadConnectionRefusedError",
                                              "CannotResolveHostError")
                                            if hasattr(exceptions, name)))


class RobotsTxtUnreachable(IgnoreRequest):
    """A request to a host whose robots.txt could not be fetched this run."""


class RobotsTxtBoundsMiddleware:
    """Its place (360): after DownloadTimeoutMiddleware (350) has set the request's
    timeout, and inside RetryMiddleware (550), so it sees a robots.txt failure only once
    retries are used up. Requests to a host wait in RobotsTxtMiddleware (100) until its
    robots.txt is settled, so the verdict is known when they reach this one."""

    def __init__(self, crawler, timeout: float, max_bytes: int, disallow: bool) -> None:
        self.stats = crawler.stats
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.disallow = disallow and crawler.settings.getbool("ROBOTSTXT_OBEY")
        self.unreachable: dict[str, str] = {}  # netloc -> why its robots.txt failed

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        middleware = cls(crawler, settings.getfloat("PARKNEWS_ROBOTSTXT_TIMEOUT", 10),
                         settings.getint("PARKNEWS_ROBOTSTXT_MAX_BYTES", 500 * 1024),
                         settings.getbool("PARKNEWS_ROBOTSTXT_UNREACHABLE_DISALLOW", True))
        if middleware.max_bytes:
            crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    @staticmethod
    def is_robots(request: Request) -> bool:
        return urlparse_cached(request).path == "/robots.txt"

    @staticmethod
    def _for_rules(request: Request) -> bool:
        """The fetch RobotsTxtMiddleware makes (not the spider's own, for Sitemap lines)."""
        return bool(request.meta.get("dont_obey_robotstxt"))

    def process_request(self, request: Request) -> None:
        if self.is_robots(request):
            if self.timeout:
                current = request.meta.get("download_timeout") or self.timeout
                request.meta["download_timeout"] = min(current, self.timeout)
            return
        if not self.disallow or request.meta.get("dont_obey_robotstxt"):
            return
        netloc = urlparse_cached(request).netloc
        reason = self.unreachable.get(netloc)
        if reason is not None:
            self.stats.inc_value("parknews/robotstxt/unreachable_refused")
            raise RobotsTxtUnreachable(
                f"robots.txt of {netloc} unreachable ({reason}): nothing fetched from this "
                "host this run")

    def bytes_received(self, data: bytes, request: Request, **kwargs) -> None:
        if not self.is_robots(request):
            return
        received = request.meta.get(_ROBOTS_BYTES, 0) + len(data)
        request.meta[_ROBOTS_BYTES] = received
        if received > self.max_bytes:
            raise StopDownload(fail=False)  # the response goes on with what came so far

    def process_response(self, request: Request, response: Response) -> Response:
        if not self.is_robots(request):
            return response
        if "download_stopped" in response.flags or len(response.body) > self.max_bytes > 0:
            body = response.body[: self.max_bytes]
            body = body[: body.rfind(b"\n") + 1] or body  # no half rule at the cut
            self.stats.inc_value("parknews/robotstxt/truncated")
            logger.warning("robots.txt %s is larger than PARKNEWS_ROBOTSTXT_MAX_BYTES (%d): "
                           "only its first %d bytes are used", request.url, self.max_bytes,
                           len(body))
            response = response.replace(body=body)
        if response.status >= 500 and self._for_rules(request):
            self._failed(request, f"HTTP {response.status}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        # A host that refuses connections or has no address fails every request on its
        # own, with that reason: only a server that is there but does not answer counts.
        if self.is_robots(request) and self._for_rules(request) and not isinstance(
                exception, (IgnoreRequest, *NO_SERVER)):
            self._failed(request, f"{type(exception).__name__}: {exception}")

    def _failed(self, request: Request, reason: str) -> None:
        self.stats.inc_value("parknews/robotstxt/unreachable")
        if self.disallow:
            netloc = urlparse_cached(request).netloc
            self.unreachable[netloc] = reason
            logger.warning("robots.txt %s unreachable (%s): the host is skipped this run",
                           request.url, reason)
