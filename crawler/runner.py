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

from parknews.archive.warc import new_run_id
from parknews.crawler.sites import Site
from parknews.crawler.spiders.park import ParkSpider

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
    blocked: int = 0  # pages answered by an anti-bot wall (crawler/antibot.py)
    disallowed: int = 0  # URLs robots.txt disallows: not fetched, and not failures
    notes: tuple[str, ...] = ()  # what the summary says besides the counts

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
            blocked=stats.get("discovery/blocked", 0),
            disallowed=stats.get("discovery/robots_disallowed", 0),
            notes=site_notes(stats),
        )


def site_notes(stats: dict[str, Any]) -> tuple[str, ...]:
    """Anti-bot walls met, lists drawn by JavaScript, rendering that was not possible."""
    notes = []
    if stats.get("discovery/blocked"):
        walls = ", ".join(key.split("/", 1)[1] for key in sorted(stats)
                          if key.startswith("antibot/") and key != "antibot/blocked")
        count = stats["discovery/blocked"]
        notes.append(f"blocked: {count} {'page' if count == 1 else 'pages'} answered an "
                     f"anti-bot challenge ({walls or 'unknown wall'}); the site is not "
                     f"empty, it refuses crawlers")
    for flag in stats.get("jslist/hints") or ():
        notes.append(f"list drawn by JavaScript ({flag['sign']}): {flag['url']} gave no "
                     f"article link; {flag['hint']}")
    if stats.get("render/unavailable"):
        notes.append(f"render = true, but not rendered: {stats['render/unavailable']}")
    return tuple(notes)


def crawl_settings(db_path: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("parknews.crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def _set_up_rendering(crawler, site: Site) -> None:
    from parknews.crawler.render import render_problem, render_settings

    problem = render_problem(crawler.settings)
    if problem:
        logger.error("site %s: render = true, but %s", site.id, problem)
        crawler.settings.set("PARKNEWS_RENDER_PROBLEM", problem, priority="cmdline")
        return
    crawler.settings.setdict(render_settings(crawler.settings, site.hosts), priority="cmdline")


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
        if site.render:  # this site's crawler only: the browser never serves other sites
            _set_up_rendering(crawler, site)
        process.crawl(crawler, site=site)
        crawlers.append((site, crawler))
    process.start()
    return [SiteResult.from_stats(site, crawler.stats.get_stats()) for site, crawler in crawlers]
