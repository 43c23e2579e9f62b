"""Many sites, one crawler: the spider ``parknews crawl`` runs for any number of sites.

One Scrapy crawler (one engine, scheduler, downloader, middleware stack, WARC writer and
archive connection) serves every site of a crawl. Per site it keeps a
:class:`~parknews.crawler.spiders.park.ParkSpider`, the site's state: its config, its
history in the archive (known URLs, full pass or not), the list pages it took, and its
own :class:`SiteStats`, the counts its summary, its ``crawl_runs`` row and its health
are made of, exactly as when each site had a crawler of its own. Every request a site
makes carries its id (``meta["site_id"]``); its callbacks are that site's methods.

Politeness is per host, as before: Scrapy's download slots (one per host, with its delay
and AutoThrottle's adjustment) and :class:`HostRotationQueue`, Scrapy's
``DownloaderAwarePriorityQueue`` (the host with the fewest requests in progress next, the
hosts in turn) finding that host in constant time, so that thousands of hosts are
interleaved instead of waiting behind one another (:data:`MANY_SITES_SETTINGS`).

A site's history is read when its start requests are made (one archive connection for
all), so the first request leaves at once, whatever the number of sites.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.core import downloader as scrapy_downloader
from scrapy.pqueues import DownloaderAwarePriorityQueue
from sqlite_utils import Database

from parknews.archive.store import load_known, run_count
from parknews.crawler.sites import Site
from parknews.crawler.spiders.park import ParkSpider

logger = logging.getLogger(__name__)

# the clock Scrapy's downloader keeps slot.lastseen in (monotonic since Scrapy 2.14)
_CLOCK = getattr(scrapy_downloader, "monotonic", time.time)
SPIDER_PRIORITY = 30  # scrapy.settings.SETTINGS_PRIORITIES["spider"]

# What a crawl of many sites changes in the settings (ManySitesSpider.update_settings).
MANY_SITES_SETTINGS: dict[str, Any] = {
    # hosts taken in turn, an idle one whose delay has passed first (HostRotationQueue)
    "SCHEDULER_PRIORITY_QUEUE": "parknews.crawler.manysites.HostRotationQueue",
    # the offsite filter by each request's own site, not by all the sites' hosts at once
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
        "parknews.crawler.middlewares.SiteOffsiteMiddleware": 50,
        # the crawl's totals and each site's own, each request measured once
        "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
        "parknews.crawler.middlewares.SiteDownloaderStatsMiddleware": 850,
    },
}


class HostRotationQueue(DownloaderAwarePriorityQueue):
    """Scrapy's DownloaderAwarePriorityQueue (a priority queue per download slot, the
    host with the fewest requests in progress first, hosts in turn), with the next host
    found in constant time: the hosts with requests waiting stand in a rotation, and the
    first of them (at most :attr:`SCAN` looked at) with nothing in progress and its delay
    passed goes next, else the first with nothing in progress, else the least busy of
    those looked at. Scrapy's own compares every host at each request: with thousands of
    hosts that is most of the crawl's time (measured: 2.2 ms a request at 300 hosts). A
    host whose delay has not passed is passed over while another is ready, so that a
    request waiting out its host's delay does not hold one of the CONCURRENT_REQUESTS
    places."""

    SCAN = 64  # at most CONCURRENT_REQUESTS hosts are busy at once: an idle one is near

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._order: deque[str] = deque(self.pqueues)

    def push(self, request) -> None:
        slot = self._downloader_interface.get_slot_key(request)
        if slot not in self.pqueues:
            self.pqueues[slot] = self.pqfactory(slot)
            self._order.append(slot)
        self.pqueues[slot].push(request)

    def _choose(self) -> int | None:
        """The place in the rotation of the host to take a request from."""
        order = self._order
        if not order:
            return None
        slots = self._downloader_interface.downloader.slots
        now = _CLOCK()
        idle = None
        looked = min(len(order), self.SCAN)
        for index in range(looked):
            slot = slots.get(order[index])
            if slot is None:  # no request sent to it yet (or its slot was collected)
                return index
            if not slot.active:
                if now - slot.lastseen >= slot.delay:
                    return index
                if idle is None:
                    idle = index
        if idle is not None:
            return idle
        return min(range(looked), key=lambda i: len(slots[order[i]].active)
                   if order[i] in slots else 0)

    def pop(self):
        index = self._choose()
        if index is None:
            return None
        slot = self._order[index]
        del self._order[index]
        queue = self.pqueues[slot]
        request = queue.pop()
        if len(queue) == 0:
            del self.pqueues[slot]
            queue.close()
        else:
            self._order.append(slot)  # to the back of the rotation
        return request

    def peek(self):
        index = self._choose()
        return None if index is None else self.pqueues[self._order[index]].peek()

    def close(self) -> dict[str, list[int]]:
        self._order.clear()
        return super().close()


class SiteStats:
    """One site's stats: what its crawler's stats were when each site had a crawler
    (discovery/*, extraction/*, downloader/*, archive/*, start_time, finish_reason).
    Scrapy's StatsCollector interface, in a plain dict."""

    def __init__(self) -> None:
        self._stats: dict[str, Any] = {}

    def get_value(self, key: str, default: Any = None, *args: Any, **kwargs: Any) -> Any:
        return self._stats.get(key, default)

    def get_stats(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self._stats

    def set_value(self, key: str, value: Any, *args: Any, **kwargs: Any) -> None:
        self._stats[key] = value

    def set_stats(self, stats: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        self._stats = stats

    def inc_value(self, key: str, count: int = 1, start: int = 0, *args: Any,
                  **kwargs: Any) -> None:
        self._stats[key] = self._stats.setdefault(key, start) + count

    def max_value(self, key: str, value: Any, *args: Any, **kwargs: Any) -> None:
        self._stats[key] = max(self._stats.setdefault(key, value), value)

    def min_value(self, key: str, value: Any, *args: Any, **kwargs: Any) -> None:
        self._stats[key] = min(self._stats.setdefault(key, value), value)

    def clear_stats(self, *args: Any, **kwargs: Any) -> None:
        self._stats.clear()


class SiteCrawler:
    """What a site's ParkSpider sees as its crawler: the shared one (this crawl's, or a
    distributed worker's), with the site's own stats."""

    def __init__(self, crawler, stats):
        self._crawler = crawler
        self.stats = stats

    @property
    def crawl_stats(self):
        """The shared crawler's stats: what the crawl process did, for all its sites."""
        return self._crawler.stats

    def __getattr__(self, name: str) -> Any:
        return getattr(self._crawler, name)


class ManySitesSpider(scrapy.Spider):
    """Every site of a crawl in one crawler (``parknews crawl``; not a project spider:
    ``scrapy crawl park -a site=ID`` crawls one site)."""

    name = "parks"

    def __init__(self, sites: list[Site] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.sites: list[Site] = list(sites or ())
        # the site when there is one (names the WARC files, the progress line, the logs)
        self.site: Site | None = self.sites[0] if len(self.sites) == 1 else None
        self.delegates: dict[str, ParkSpider] = {}
        self.stats_by_site: dict[str, SiteStats] = {}
        self.hosts: dict[str, tuple[str, ...]] = {}  # site -> its hosts
        self._host_sites: dict[str, str] = {}  # host -> the first site with it

    @classmethod
    def update_settings(cls, settings) -> None:
        """:data:`MANY_SITES_SETTINGS` over the project's (a setting given on the command
        line still wins); the downloader middlewares added to the project's."""
        super().update_settings(settings)
        for key, value in MANY_SITES_SETTINGS.items():
            if isinstance(value, dict):
                merged = dict(settings.getdict(key))
                merged.update(value)
                settings.set(key, merged, priority=max(settings.getpriority(key) or 0,
                                                       SPIDER_PRIORITY))
            else:
                settings.set(key, value, priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        for site in spider.sites:
            stats = SiteStats()
            delegate = ParkSpider(site=site)
            delegate.crawler = SiteCrawler(crawler, stats)
            delegate.settings = crawler.settings
            delegate._check_render(crawler)
            spider.delegates[site.id] = delegate
            spider.stats_by_site[site.id] = stats
            spider.hosts[site.id] = tuple(site.hosts)
            for host in site.hosts:
                spider._host_sites.setdefault(host.lower(), site.id)
        # every site's hosts (what Scrapy's own components read)
        spider.allowed_domains = sorted(spider._host_sites)
        # the name of the WARC files the sites share: one set per crawl process
        shard = crawler.settings.get("PARKNEWS_CRAWL_SHARD")
        spider.warc_name = f"{cls.name}-{shard}" if shard else cls.name
        return spider

    # -- sites ----------------------------------------------------------------------

    def site_hosts(self, site_id: str | None) -> tuple[str, ...]:
        return self.hosts.get(site_id or "", ())

    def stats_of_site(self, site_id: str | None) -> SiteStats | None:
        return self.stats_by_site.get(site_id or "")

    def site_of_request(self, request) -> str | None:
        """The site a request is for: its ``site_id``, else (Scrapy's own robots.txt
        requests) the first site of its host."""
        site_id = request.meta.get("site_id")
        if site_id:
            return site_id
        host = (urlsplit(request.url).hostname or "").lower()
        while host:
            if host in self._host_sites:
                return self._host_sites[host]
            host = host.partition(".")[2]
        return None

    # -- requests -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """Each site's start requests, its history read just before."""
        db_path = self.settings.get("ARCHIVE_DB")
        db = Database(db_path) if db_path and _is_file(db_path) else None
        try:
            for site in self.sites:
                delegate = self.delegates[site.id]
                self._load_history(delegate, db)
                stats = self.stats_by_site[site.id]
                stats.set_value("start_time", datetime.now(UTC))
                async for request in delegate.start():
                    yield request
        finally:
            if db is not None:
                db.close()

    def _load_history(self, delegate: ParkSpider, db: Database | None) -> None:
        site_id = delegate.site.id
        known = load_known(db, site_id) if db is not None else {}
        runs = run_count(db, site_id) if db is not None else 0
        delegate.set_history(known, runs, self.settings)

    def closed(self, reason: str) -> None:
        for stats in self.stats_by_site.values():
            stats.set_value("finish_reason", reason)

    def parse(self, response, **kwargs: Any):  # every request has its site's callback
        raise NotImplementedError(f"no callback for {response.url}")


def _is_file(path: str) -> bool:
    from pathlib import Path

    return Path(path).is_file()
