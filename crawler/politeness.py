"""The delay between two requests to a host, counted from the answer to the first.

Scrapy's downloader counts a host's ``DOWNLOAD_DELAY`` (and AutoThrottle's delay) from the
moment it hands the previous request over for sending. On a busy crawl loop (thousands of
sites, list pages parsed between two sends) that request may leave some time later, or
its connection be set up later, and the next one on time: the host then sees two
requests closer than the delay (measured: 0.13 s apart for a delay of 0.3 s, with 30
sites on two busy cores). This extension moves a host's download slot's "last seen" time
to the moment each answer arrived, so the next request waits its delay from there, and
lets a slot with a delay have one request in flight at a time (two in flight, the second
could leave before the first's answer, 0.22 s after it at the host): the host never gets
two requests closer than the delay, however late the loop is.

``PARKNEWS_DELAY_FROM_ANSWER`` (default True) switches it on; it does nothing for a slot
without a delay.
"""

from __future__ import annotations

import time

from scrapy import signals
from scrapy.core import downloader as scrapy_downloader
from scrapy.exceptions import NotConfigured

# the clock Scrapy's downloader keeps slot.lastseen in (monotonic since Scrapy 2.14)
_CLOCK = getattr(scrapy_downloader, "monotonic", time.time)


class DelayFromAnswerExtension:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PARKNEWS_DELAY_FROM_ANSWER", True):
            raise NotConfigured("PARKNEWS_DELAY_FROM_ANSWER is off")
        extension = cls(crawler)
        crawler.signals.connect(extension.answered, signal=signals.response_downloaded)
        return extension

    def answered(self, response, request, spider=None) -> None:
        """Sent by the downloader as an answer arrives, before it looks at the slot's
        queue for the next request."""
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None and slot.delay:
            slot.lastseen = max(slot.lastseen, _CLOCK())
            slot.concurrency = 1
