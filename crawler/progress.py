"""Progress for people: a line per site every few seconds while an interactive crawl
runs (pages, articles, failures), nothing under cron.

A Scrapy extension, switched on by ``PARKNEWS_PROGRESS`` (``parknews crawl`` turns it on
when standard error is a terminal, unless ``--no-progress``); the interval is
``PARKNEWS_PROGRESS_INTERVAL`` seconds.
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
        site = getattr(getattr(self.crawler.spider, "site", None), "id", "?")
        pages = stats.get_value("response_received_count", 0)
        articles = stats.get_value("extraction/articles", 0)
        failed = stats.get_value("discovery/failed", 0)
        skipped = stats.get_value("discovery/known_skipped", 0)
        return (f"[{site}] {pages} pages · {articles} articles · {failed} failed"
                + (f" · {skipped} known, skipped" if skipped else "")
                + f" · {time.monotonic() - self.started:.0f} s")

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
