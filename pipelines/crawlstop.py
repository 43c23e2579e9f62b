"""Stopping a crawl from one of its components, with the reason its sites' runs record."""

from __future__ import annotations


def stop_crawl(crawler, reason: str) -> None:
    """Close the crawler's spider with ``reason`` (its ``finish_reason``), whichever
    Scrapy this is: ``close_spider_async`` since 2.14, ``close_spider`` before."""
    engine = crawler.engine
    if hasattr(engine, "close_spider_async"):
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=reason))
    else:  # Scrapy before 2.14
        engine.close_spider(crawler.spider, reason)
