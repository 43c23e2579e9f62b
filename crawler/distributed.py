"""Distributed crawling on Redis: scrapy-redis' scheduler with our frontier, for N workers.

The topology (docs/distributed.md): one Redis; ``parknews seed`` puts each
site's start requests, and what the archive knows of it, into Redis; any number of
``parknews worker`` processes (on any machines) crawl them; workers write no SQLite: every
page goes to a Redis stream that ``parknews ingest``, the one archive writer, consumes.

The shared frontier (scrapy-redis' scheduler with our queue class and duplicate filter)
is ``crawler/frontier.py``; here is the worker around it:

- ``DistributedParkSpider``: one spider for every seeded site; each response is handed to
  that site's :class:`~crawler.spiders.park.ParkSpider` (its history loaded from Redis),
  whose requests come back bound to this spider's methods of the same names.
- ``WorkerExtension``: heartbeat, reclaiming dead workers' leases, acknowledging a
  request once its scrape is done, and waking the engine while it waits for work.
- The worker's downloader middlewares are ``crawler/workermiddlewares.py`` (politeness
  at send time, one robots.txt fetch per host for all workers, offsite by site).
- ``WORKER_SETTINGS``, ``run_worker``: what ``parknews worker`` runs.

Every Redis key starts with ``PARKNEWS_REDIS_PREFIX`` (default ``parknews``).
"""

from __future__ import annotations

import inspect
import json
import logging
import pickle
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.request import request_from_dict
from twisted.internet import task
from twisted.python.failure import Failure

from parknews.crawler import logs
from parknews.crawler.frontier import (
    LEASE,
    frontier_from_settings,
    redis_from_settings,
    worker_name,
)
from parknews.crawler.manysites import SiteCrawler
from parknews.crawler.oslimits import check_open_file_limit
from parknews.crawler.sites import Site
from parknews.crawler.spiders.park import ParkSpider
from parknews.pipelines.crawlstop import stop_crawl
from parknews.pipelines.redisqueue import Keys, keys_from_settings

logger = logging.getLogger(__name__)

REDIS_LOST = "redis unreachable"  # the finish reason of a worker that lost Redis

# -- the spider --------------------------------------------------------------------------


class _SiteStats:
    """A site's view of the worker's stats: counted in the worker's stats and, per site,
    kept for the run's row until the next acknowledgement carries them to Redis."""

    def __init__(self, stats, pending: Counter, values: dict[str, Any], changed: set[str]):
        self._stats = stats
        self._pending = pending
        self._values = values  # stats set (not counted) for this site: js list hints, …
        self._changed = changed

    def inc_value(self, key: str, count: int = 1, start: int = 0, **kwargs: Any) -> None:
        self._stats.inc_value(key, count, start)
        self._pending[key] += count

    def set_value(self, key: str, value: Any, **kwargs: Any) -> None:
        self._stats.set_value(key, value)
        self._values[key] = value
        self._changed.add(key)

    def get_value(self, key: str, default: Any = None, **kwargs: Any) -> Any:
        if key in self._values:
            return self._values[key]
        return self._stats.get_value(key, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stats, name)


def _relay(name: str):
    def relay(self, result, *args: Any, **kwargs: Any):
        meta = result.request.meta if isinstance(result, Failure) else result.meta
        return self.relay(name, meta, result, *args, **kwargs)

    relay.__name__ = relay.__qualname__ = name
    return relay


class DistributedParkSpider(scrapy.Spider):
    """The worker's spider: every seeded site at once (``parknews worker``)."""

    name = "park-distributed"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.delegates: dict[tuple[str, str], ParkSpider] = {}
        self.pending_stats: dict[str, Counter] = {}
        self.site_values: dict[str, dict[str, Any]] = {}
        self.changed_values: dict[str, set[str]] = {}
        self.server = None
        self.keys = Keys()
        self.hosts: dict[str, tuple[str, ...]] = {}  # site -> its hosts

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.server = redis_from_settings(crawler.settings)
        spider.keys = keys_from_settings(crawler.settings)
        for site_id, raw in spider.server.hgetall(spider.keys.sites).items():
            spider.hosts[_text(site_id)] = load_site(raw).hosts
        return spider

    @property
    def allowed_domains(self) -> list[str] | None:
        """Every seeded site's hosts (a redirect elsewhere fails as offsite)."""
        return sorted({host for hosts in self.hosts.values() for host in hosts}) or None

    def site_hosts(self, site_id: str | None) -> tuple[str, ...]:
        """The hosts of a site, also of one seeded after this worker started."""
        if site_id and site_id not in self.hosts:
            raw = self.server.hget(self.keys.sites, site_id)
            if raw is not None:
                self.hosts[site_id] = load_site(raw).hosts
        return self.hosts.get(site_id or "", ())

    async def start(self) -> AsyncIterator[Any]:
        """Nothing of its own: the requests come from the frontier (``parknews seed``)."""
        return
        yield  # an async generator

    # -- sites ----------------------------------------------------------------------

    def delegate(self, site_id: str, run_id: str) -> ParkSpider:
        key = (site_id, run_id)
        spider = self.delegates.get(key)
        if spider is None:
            spider = self._load_delegate(site_id)
            self.delegates[key] = spider
        return spider

    def _load_delegate(self, site_id: str) -> ParkSpider:
        raw = self.server.hget(self.keys.sites, site_id)
        if raw is None:
            raise ValueError(f"site {site_id!r} was not seeded")
        run = json.loads(self.server.hget(self.keys.runs, site_id) or "{}")
        spider = ParkSpider(site=load_site(raw))
        self.hosts[site_id] = spider.site.hosts
        pending = self.pending_stats.setdefault(site_id, Counter())
        values = self.site_values.setdefault(site_id, {})
        changed = self.changed_values.setdefault(site_id, set())
        spider.crawler = SiteCrawler(self.crawler, _SiteStats(self.crawler.stats, pending,
                                                               values, changed))
        spider.settings = self.crawler.settings
        spider.known = {_text(url): json.loads(info) for url, info in
                        self.server.hgetall(self.keys.known(site_id)).items()}
        spider.full_pass = bool(run.get("full_pass", True))
        spider.recheck_before = run.get("recheck_before", "")
        if hasattr(spider, "_check_render"):  # render = true: not in a worker (said so)
            spider._check_render(self.crawler)
        logger.info("site %s: %d known URLs, %s", site_id, len(spider.known),
                    "full pass" if spider.full_pass else "incremental")
        return spider

    def site_stats(self, site_id: str) -> tuple[dict[str, int], dict[str, Any]]:
        """The site's stats counted, and those set, since the last acknowledgement."""
        pending = self.pending_stats.get(site_id)
        counts = dict(pending) if pending else {}
        if pending:
            pending.clear()
        changed = self.changed_values.get(site_id)
        values = {key: self.site_values[site_id][key] for key in changed} if changed else {}
        if changed:
            changed.clear()
        return counts, values

    # -- callbacks ------------------------------------------------------------------

    def relay(self, name: str, meta: dict, result: Any, *args: Any, **kwargs: Any):
        site_id, run_id = meta["site_id"], meta.get("run_id") or ""
        delegate = self.delegate(site_id, run_id)
        output = getattr(delegate, name)(result, *args, **kwargs)
        if output is None or isinstance(output, Failure):
            return output
        if isinstance(output, AsyncIterator):
            return self._adopt_async(output, site_id, run_id)
        if isinstance(output, Request) or not isinstance(output, Iterable):
            output = [output]
        return self._adopt(output, site_id, run_id)

    def _adopt(self, output: Iterable[Any], site_id: str, run_id: str):
        for obj in output:
            yield self.adopt(obj, site_id, run_id)

    async def _adopt_async(self, output: AsyncIterator[Any], site_id: str, run_id: str):
        async for obj in output:
            yield self.adopt(obj, site_id, run_id)

    def adopt(self, obj: Any, site_id: str, run_id: str) -> Any:
        """A site spider's request bound to this spider (so it can go through Redis),
        labelled with its site and run; an item labelled with its run."""
        if isinstance(obj, Request):
            obj.callback = self._bound(obj.callback)
            obj.errback = self._bound(obj.errback)
            obj.meta["site_id"] = site_id
            obj.meta["run_id"] = run_id
        elif obj is not None and hasattr(obj, "site_id"):
            try:
                obj.parknews_run_id = run_id
            except AttributeError:
                pass
        return obj

    def _bound(self, func):
        if func is None or not inspect.ismethod(func) or func.__self__ is self:
            return func
        name = func.__name__
        if not hasattr(type(self), name):  # a callback ParkSpider gained after import
            setattr(type(self), name, _relay(name))
        return getattr(self, name)


# Every method of ParkSpider can be a callback or errback: each gets a relay of its name
# here (request_to_dict stores callbacks by name; another worker must find them).
_NOT_CALLBACKS = {"closed", "start", "start_requests", "from_crawler"}
for _name, _func in inspect.getmembers(ParkSpider, inspect.isfunction):
    if (not _name.startswith("__") and _name not in _NOT_CALLBACKS
            and not hasattr(DistributedParkSpider, _name)):
        setattr(DistributedParkSpider, _name, _relay(_name))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else value


def dump_site(site: Site) -> bytes:
    """A site as kept in Redis: pickled, so every field (JSON list specs too) comes back
    as it was (seed and workers run the same parknews)."""
    return pickle.dumps(site, protocol=pickle.HIGHEST_PROTOCOL)


def load_site(raw: bytes) -> Site:
    return pickle.loads(raw)


# -- the worker's housekeeping -------------------------------------------------------------


class WorkerExtension:
    """Heartbeat and reclaim (every ``PARKNEWS_HEARTBEAT`` s), acknowledgement of each
    request once scraped, and a wake-up of the engine every ``PARKNEWS_POLL_INTERVAL`` s
    (Scrapy's own is 5 s) so an idle worker takes new work soon."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.frontier = frontier_from_settings(crawler.settings)
        self.interval = crawler.settings.getfloat("PARKNEWS_HEARTBEAT", 2.0)
        self.poll = crawler.settings.getfloat("PARKNEWS_POLL_INTERVAL", 0.2)
        self.loops: list[task.LoopingCall] = []
        self.failing_since = 0.0  # when the heartbeats began to fail (monotonic)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def engine_started(self) -> None:
        self.frontier.release()  # leases of a dead worker of the same name (a reused pid)
        self.frontier.heartbeat()
        scraper = self.crawler.engine.scraper
        original = scraper.enqueue_scrape

        def enqueue_scrape(result, request):
            scraped = original(result, request)
            scraped.addBoth(self._scraped, request)
            return scraped

        scraper.enqueue_scrape = enqueue_scrape
        beat = task.LoopingCall(self._beat)
        beat.start(self.interval, now=False)
        wake = task.LoopingCall(self._wake)
        wake.start(self.poll, now=False)
        self.loops = [beat, wake]

    def _scraped(self, result: Any, request: Request) -> Any:
        lease = request.meta.get(LEASE)
        if lease is not None:
            site_id = request.meta.get("site_id") or "-"
            try:
                self.frontier.ack(lease, site_id, *self.crawler.spider.site_stats(site_id))
            except Exception:  # noqa: BLE001 - the lease stays: redone after a restart
                logger.exception("could not acknowledge %s", request.url)
        return result

    def _beat(self) -> None:
        try:
            self.frontier.heartbeat()
            self.frontier.reclaim()
        except Exception:  # noqa: BLE001 - Redis away for a moment: try again next beat
            logger.exception("frontier heartbeat failed")
            now = time.monotonic()
            self.failing_since = self.failing_since or now
            if now - self.failing_since > self.frontier.timeout_ms / 1000:
                self._give_up()
        else:
            self.failing_since = 0.0

    def _give_up(self) -> None:
        """Redis unreachable for longer than PARKNEWS_WORKER_TIMEOUT: the others took this
        worker's requests back by now; it stops instead of waiting for ever."""
        logger.error("Redis unreachable for over %.0f s: this worker stops",
                     self.frontier.timeout_ms / 1000)
        for loop in self.loops:
            if loop.running:
                loop.stop()
        stop_crawl(self.crawler, REDIS_LOST)

    def _wake(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def spider_closed(self, spider, reason: str) -> None:
        for loop in self.loops:
            if loop.running:
                loop.stop()
        try:
            if reason == "finished" and not self.frontier.leased():
                self.frontier.leave()
            else:  # stopped early (SIGTERM, Ctrl-C): unfinished requests go back now
                self.frontier.release()
        except Exception:  # noqa: BLE001 - then they come back after the timeout
            logger.exception("could not hand the leases back")


def encode_request(request: Request, spider: DistributedParkSpider) -> bytes:
    return pickle.dumps(request.to_dict(spider=spider), protocol=pickle.HIGHEST_PROTOCOL)


def decode_request(payload: bytes, spider: DistributedParkSpider) -> Request:
    return request_from_dict(pickle.loads(payload), spider=spider)


# -- running a worker ----------------------------------------------------------------------

WORKER_SETTINGS: dict[str, Any] = {
    "SCHEDULER": "parknews.crawler.frontier.FrontierScheduler",
    "SCHEDULER_QUEUE_CLASS": "parknews.crawler.frontier.PoliteHostQueue",
    "DUPEFILTER_CLASS": "parknews.crawler.frontier.ExpiringDupeFilter",
    "SCHEDULER_PERSIST": True,  # one worker's end must not empty the others' frontier
    "ITEM_PIPELINES": {"parknews.pipelines.extraction.ExtractionPipeline": 300,
                       "parknews.pipelines.redisqueue.RedisStreamPipeline": 800},
    "ARCHIVE_DB": "",  # workers write no SQLite
    # politeness is the frontier's (PARKNEWS_HOST_DELAY across all workers)
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    # no local per-host queue between the host slot (HostSlotMiddleware) and the send
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


def worker_settings(redis_url: str, prefix: str, warc_dir: str,
                    overrides: dict[str, Any] | None = None):
    from scrapy.settings import Settings

    from parknews.archive.warc import new_run_id

    settings = Settings()
    settings.setmodule("parknews.crawler.settings", priority="project")
    worker = worker_name()
    base = dict(WORKER_SETTINGS, REDIS_URL=redis_url, PARKNEWS_REDIS_PREFIX=prefix,
                PARKNEWS_WARC_DIR=warc_dir, PARKNEWS_WORKER_ID=worker,
                PARKNEWS_RUN_ID=f"{new_run_id()}-{worker}")  # names this worker's WARC files
    for key, value in base.items():
        settings.set(key, value, priority="cmdline")
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["parknews.crawler.distributed.WorkerExtension"] = 510
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    # the last before sending
    middlewares["parknews.crawler.workermiddlewares.HostSlotMiddleware"] = 990
    middlewares["scrapy.downloadermiddlewares.offsite.OffsiteMiddleware"] = None
    middlewares["parknews.crawler.workermiddlewares.SiteOffsiteMiddleware"] = 50
    # before robots (100)
    middlewares["parknews.crawler.workermiddlewares.SharedRobotsTxtMiddleware"] = 95
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_worker(redis_url: str, prefix: str, warc_dir: str,
               overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl from the frontier until it is empty; the worker's stats."""
    from scrapy.crawler import CrawlerProcess

    settings = worker_settings(redis_url, prefix, warc_dir, overrides)
    check_open_file_limit(settings.getint("CONCURRENT_REQUESTS"),
                          settings.getint("PARKNEWS_IDLE_CONNECTIONS_MAX"))
    process = CrawlerProcess(settings)
    logs.keep_levels()  # Scrapy's logging set up: no record below the worker's level
    crawler = process.create_crawler(DistributedParkSpider)
    process.crawl(crawler)
    process.start()
    return crawler.stats.get_stats()
