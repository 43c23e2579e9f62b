"""Downloader middlewares of a distributed crawl's workers (``crawler/distributed.py``
puts them in ``WORKER_SETTINGS``):

- ``HostSlotMiddleware`` (990, the last before the download): a request is sent only
  once its host's last request, from any worker, is ``PARKNEWS_HOST_DELAY`` old.
- ``SharedRobotsTxtMiddleware`` (95, before robots.txt is checked at 100): one fetch of
  a host's robots.txt serves every worker, kept in Redis.
- ``SiteOffsiteMiddleware`` (50, in place of Scrapy's ``OffsiteMiddleware``): the
  offsite filter by each request's own site, so a site seeded after the worker started
  is crawled too.
"""

from __future__ import annotations

import pickle
import time
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from twisted.internet import task

from parknews.crawler.frontier import (
    Frontier,
    frontier_from_settings,
    host_of,
    redis_from_settings,
    worker_name,
)
from parknews.pipelines.redisqueue import Keys, keys_from_settings


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


class SiteOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter, judged by each request's own site (``meta["site_id"]``),
    so that a site seeded after the worker started is crawled too."""

    def should_follow(self, request: Request, spider) -> bool:
        site_id = request.meta.get("site_id")  # none on Scrapy's own robots.txt requests
        hosts = spider.site_hosts(site_id) if site_id else spider.allowed_domains or ()
        host = (urlsplit(request.url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in hosts)


class SharedRobotsTxtMiddleware:
    """Downloader middleware, before robots.txt is checked (``SafeRobotsTxtMiddleware``,
    100): one fetch of a host's robots.txt serves every worker. The first worker to need
    it fetches it (holding a short lock in Redis) and keeps the answer there for
    ``PARKNEWS_ROBOTS_CACHE_TTL`` seconds; the others wait for that answer instead of
    fetching it again (else each host would be asked for it once per worker). Answers
    of 5xx and failed fetches are not kept."""

    LOCK_MS = 15_000

    def __init__(self, server, keys: Keys, ttl: float, worker: str):
        self.server = server
        self.keys = keys
        self.ttl_ms = int(ttl * 1000)
        self.worker = worker

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        ttl = settings.getfloat("PARKNEWS_ROBOTS_CACHE_TTL", 3600)
        if ttl <= 0:
            raise NotConfigured("PARKNEWS_ROBOTS_CACHE_TTL is 0")
        return cls(redis_from_settings(settings), keys_from_settings(settings), ttl,
                   settings.get("PARKNEWS_WORKER_ID") or worker_name())

    @staticmethod
    def _is_robots(request: Request) -> bool:
        return request.method == "GET" and urlsplit(request.url).path == "/robots.txt"

    def _key(self, request: Request) -> str:
        return f"{self.keys.prefix}:robots:{request.url}"

    def _cached(self, request: Request):
        raw = self.server.get(self._key(request))
        if raw is None:
            return None
        from scrapy.responsetypes import responsetypes

        status, headers, body = pickle.loads(raw)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=status, headers=headers, body=body,
                   request=request, flags=["shared"])

    async def process_request(self, request: Request, spider=None):
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor

        if not self._is_robots(request):
            return None
        lock = self._key(request) + ":lock"
        deadline = time.monotonic() + self.LOCK_MS / 1000
        while True:
            cached = self._cached(request)
            if cached is not None:
                return cached
            if self.server.set(lock, self.worker, nx=True, px=self.LOCK_MS):
                request.meta["parknews_robots_lock"] = True
                return None  # fetch it; process_response keeps it
            holder = self.server.get(lock)
            if holder is None:
                continue  # just released: the answer is kept, or the fetch failed
            if _text(holder) == self.worker or time.monotonic() > deadline:
                return None  # this worker is fetching it (or the fetcher went quiet)
            await maybe_deferred_to_future(task.deferLater(reactor, 0.1, lambda: None))

    def process_response(self, request: Request, response, spider=None):
        if request.meta.pop("parknews_robots_lock", False):
            key = self._key(request)
            if response.status < 500 and "shared" not in response.flags:
                record = (response.status, response.headers.to_unicode_dict(),
                          response.body)
                self.server.set(key, pickle.dumps(record), px=self.ttl_ms)
            self.server.delete(key + ":lock")
        return response

    def process_exception(self, request: Request, exception, spider=None):
        if request.meta.pop("parknews_robots_lock", False):
            self.server.delete(self._key(request) + ":lock")
        return None


class HostSlotMiddleware:
    """Downloader middleware, last before the download: a request waits until its host's
    last request *sent* by any worker is ``PARKNEWS_HOST_DELAY`` seconds old. The frontier
    spaces hand-outs; this spaces sends, which a worker may delay after the hand-out (a
    robots.txt fetched first, a full local slot). robots.txt fetches wait their turn too."""

    def __init__(self, frontier: Frontier):
        self.frontier = frontier

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        frontier = frontier_from_settings(crawler.settings)
        if frontier.delay_ms <= 0:
            raise NotConfigured("PARKNEWS_HOST_DELAY is 0")
        return cls(frontier)

    async def process_request(self, request: Request, spider=None) -> None:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor

        host = host_of(request.url)
        while True:
            wait = self.frontier.send_wait(host)
            if wait <= 0:
                return None
            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
