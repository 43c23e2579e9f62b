"""Progress for people: a line per site every few seconds while an interactive crawl
runs (pages, articles, failures), nothing under cron.

A Scrapy extension, switched on by ``PARKNEWS_PROGRESS`` (``parknews crawl`` turns it on
when standard error is a terminal, unless ``--no-progress``); the interval is
``PARKNEWS_PROGRESS_INTERVAL`` seconds. A crawler of many sites (``crawler/manysites.py``)
prints one line for them all, with how many sites there are (and, when the crawl is split
across processes, ``crawler/shards.py``, a line for each process, which it names).
"""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressExtension:
    def __init__(self, crawler, interval: float, stream=None):
        self.crawler = crawler
        self.interval = interval
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PARKNEWS_PROGRESS"):
            raise NotConfigured()  # off is the usual case (no terminal): said nowhere
        extension = cls(crawler, crawler.settings.getfloat("PARKNEWS_PROGRESS_INTERVAL", 3))
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def line(self) -> str:
        stats = self.crawler.stats
        spider = self.crawler.spider
        sites = getattr(spider, "sites", None) or ()
        site = getattr(getattr(spider, "site", None), "id", None)
        label = site or (f"{len(sites)} sites" if sites else "?")
        shard = self.crawler.settings.get("PARKNEWS_CRAWL_SHARD")
        if shard:  # one of the processes a crawl of many sites is split into
            label += f", process {shard}"
        pages = stats.get_value("response_received_count", 0)
        articles = stats.get_value("extraction/articles", 0)
        failed, skipped = (self._site_sum(spider, key) for key in
                           ("discovery/failed", "discovery/known_skipped"))
        return (f"[{label}] {pages} pages · {articles} articles · {failed} failed"
                + (f" · {skipped} known, skipped" if skipped else "")
                + f" · {time.monotonic() - self.started:.0f} s")

    def _site_sum(self, spider, key: str) -> int:
        """A count the spider keeps per site (summed), or the crawler's."""
        per_site = getattr(spider, "stats_by_site", None)
        if per_site:
            return sum(stats.get_value(key, 0) for stats in per_site.values())
        return self.crawler.stats.get_value(key, 0)

    def report(self) -> None:
        print(self.line(), file=self.stream, flush=True)

    def opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def closed(self, spider, reason) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        print(self.line() + f" · done ({reason})", file=self.stream, flush=True)
