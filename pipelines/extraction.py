"""Item pipeline: cut each fetched article page down to its clean article.

The work is :func:`parknews.pipelines.workers.extract_page`, a pure function of the fetched
bytes. By default it runs in worker processes (``pipelines/workers.py``): this stage
hands the page over, waits without blocking the crawl, and records the outcome.
``PARKNEWS_EXTRACT_WORKERS = 0`` extracts in the crawl process instead.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredSemaphore
from twisted.python.failure import Failure

from parknews.archive.store import Prepared
from parknews.pipelines.items import Article, FetchedPage
from parknews.pipelines.sitestats import count
from parknews.pipelines.workers import (
    ExtractionPool,
    as_deferred,
    default_workers,
    extract_page,
    merge_part,
)

__all__ = ["ExtractionPipeline", "merge_part"]

logger = logging.getLogger(__name__)


class ExtractionPipeline:
    def __init__(self, stats, workers: int = 0, pending: int = 8, crawler=None):
        self.stats = stats
        self.crawler = crawler  # for each site's own stats (pipelines/sitestats.py)
        self.workers = max(0, workers)
        self.slots = DeferredSemaphore(max(1, pending))
        self.pool: ExtractionPool | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("EXTRACTION_ENABLED", True):
            raise NotConfigured("EXTRACTION_ENABLED is off")
        workers = settings.getint("PARKNEWS_EXTRACT_WORKERS", default_workers())
        pending = settings.getint("PARKNEWS_EXTRACT_PENDING", 4 * max(1, workers))
        return cls(crawler.stats, workers, pending, crawler)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.release()
            self.pool = None

    def process_item(self, item):
        if not isinstance(item, FetchedPage) or item.kind != "article":
            return item
        if item.error or not item.body:
            return item
        override = item.hints.get("encoding")
        content_type = f"text/html; charset={override}" if override else item.content_type
        args = (item.body, item.url, content_type, item.parts, item.hints)
        if not self.workers:
            try:
                article = extract_page(*args)
            except Exception:  # a bad page must never stop the crawl
                logger.exception("extraction failed on %s", item.url)
                return self._failed(item)
            return self._done(item, article)
        if self.pool is None:
            self.pool = ExtractionPool.acquire(self.workers)
        waiting = self.slots.run(self._in_worker, args)
        waiting.addCallbacks(lambda result: self._done(item, *result),
                             lambda failure: self._failed(item, failure))
        return _awaited(waiting)  # (Scrapy 2.14+ deprecates returning the Deferred)

    def _in_worker(self, args: tuple) -> Deferred:
        """The worker's answer, as a Deferred fired in the reactor's thread."""
        return as_deferred(self.pool.submit(*args))

    def _failed(self, item: FetchedPage, failure: Failure | None = None) -> FetchedPage:
        if failure is not None:
            logger.error("extraction failed on %s: %s", item.url, failure.getErrorMessage())
        self._count(item, "extraction/failed")
        item.error = "extraction failed"
        return item

    def _count(self, item: FetchedPage, key: str) -> None:
        if self.crawler is not None:
            count(self.crawler, item.site_id, key)
        else:
            self.stats.inc_value(key)

    def _done(self, item: FetchedPage, article: Article,
              prepared: Prepared | None = None) -> FetchedPage:
        if not article.body.strip():
            self._count(item, "extraction/empty")
            item.error = "no article text found"
        else:
            self._count(item, "extraction/articles")
        item.article = article
        item.prepared = prepared
        return item


async def _awaited(waiting: Deferred) -> FetchedPage:
    return await maybe_deferred_to_future(waiting)
