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
"""

from __future__ import annotations

from scrapy.core import downloader as scrapy_downloader
from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.defer import _schedule_coro


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
