"""Running crawls from Python: one Scrapy crawler per site, all in one process.

Used by the ``parknews crawl`` and ``parknews demo`` commands. A process can run
``run_crawl`` once (Twisted's reactor cannot restart), so tests call the CLI in a
subprocess.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.warc import new_run_id
from crawler.sites import Site
from crawler.spiders.park import ParkSpider

logger = logging.getLogger(__name__)

# Settings for crawling the bundled mock sites on loopback: no need to be gentle.
LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 0,
}


@dataclass
class SiteResult:
    site_id: str
    name: str
    pages: int
    list_pages: int
    articles_new: int
    articles_changed: int
    articles_unchanged: int
    articles_withdrawn: int
    skipped_known: int
    failures: int
    empty: int
    finish_reason: str

    @classmethod
    def from_stats(cls, site: Site, stats: dict[str, Any]) -> SiteResult:
        return cls(
            site_id=site.id,
            name=site.name,
            pages=stats.get("archive/pages", 0),
            list_pages=stats.get("discovery/list_pages", 0),
            articles_new=stats.get("archive/articles_new", 0),
            articles_changed=stats.get("archive/articles_changed", 0),
            articles_unchanged=stats.get("archive/articles_unchanged", 0),
            articles_withdrawn=stats.get("archive/articles_withdrawn", 0),
            skipped_known=stats.get("discovery/known_skipped", 0),
            failures=stats.get("discovery/failed", 0),
            empty=stats.get("extraction/empty", 0) + stats.get("discovery/unusable_article", 0),
            finish_reason=str(stats.get("finish_reason", "unknown")),
        )


def crawl_settings(db_path: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(
    sites: list[Site], db_path: str | Path, overrides: dict[str, Any] | None = None
) -> list[SiteResult]:
    """Crawl every site concurrently into ``db_path``; block until all are done."""
    overrides = dict(overrides or {})
    overrides.setdefault("PARKNEWS_RUN_ID", new_run_id())  # one id for all sites of the run
    process = CrawlerProcess(crawl_settings(db_path, overrides))
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(ParkSpider)
        process.crawl(crawler, site=site)
        crawlers.append((site, crawler))
    process.start()
    return [SiteResult.from_stats(site, crawler.stats.get_stats()) for site, crawler in crawlers]
