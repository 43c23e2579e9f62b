"""Running crawls from Python: one Scrapy crawler for all the sites of a crawl.

Used by the ``parknews crawl`` and ``parknews demo`` commands. Every site is crawled by
one crawler (``crawler/manysites.py``), but a site with ``render = true``, which gets a
crawler of its own (its pages go through the browser); a crawl of many sites is split
across one crawl process per core (``crawler/shards.py``). A process can run ``run_crawl``
once (Twisted's reactor cannot restart), so tests call the CLI in a subprocess.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from parknews.archive.warc import new_run_id
from parknews.crawler import logs, oslimits, shards
from parknews.crawler.manysites import ManySitesSpider
from parknews.crawler.sites import Site

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


    @classmethod
    def not_crawled(cls, site: Site, reason: str) -> SiteResult:
        """A site whose crawl process ended before telling its results (``reason``)."""
        return cls(site.id, site.name, 0, 0, 0, 0, 0, 0, 0, 0, 0, reason)


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
    settings = crawl_settings(db_path, overrides)
    count = shards.process_count(settings, sites)
    oslimits.check_open_file_limit(settings.getint("CONCURRENT_REQUESTS"),
                                   settings.getint("PARKNEWS_IDLE_CONNECTIONS_MAX"))
    if count > 1:  # one crawl process per core (crawler/shards.py)
        groups = shards.split_sites([site for site in sites if not site.render], count)
        groups[0] += [site for site in sites if site.render]
        results = {result.site_id: result for result in shards.run_in_processes(
            groups, db_path, overrides, extraction_workers(settings), _run_here,
            SiteResult.not_crawled, settings.getbool("PARKNEWS_DEDUP_ENABLED", True))}
        return [results[site.id] for site in sites if site.id in results]
    return _run_here(sites, db_path, overrides)


def _run_here(sites: list[Site], db_path: str | Path, overrides: dict[str, Any]
              ) -> list[SiteResult]:
    """:func:`run_crawl` in this process: one crawler for the sites (and one for each
    site with ``render = true``)."""
    settings = crawl_settings(db_path, overrides)
    start_extraction_workers(settings)  # before the crawl's big structures exist
    try:
        return _crawl_here(sites, settings)
    finally:  # also when the crawl never took the workers (its pipeline failed to open)
        stop_extraction_workers()


def _crawl_here(sites: list[Site], settings: Settings) -> list[SiteResult]:
    process = CrawlerProcess(settings)
    logs.keep_levels()  # Scrapy's logging set up: no record below the crawl's level
    plain = [site for site in sites if not site.render]
    groups = ([plain] if plain else []) + [[site] for site in sites if site.render]
    crawlers = []
    for group in groups:
        crawler = process.create_crawler(ManySitesSpider)
        if group[0].render:  # this site's crawler only: the browser never serves other sites
            _set_up_rendering(crawler, group[0])
        process.crawl(crawler, sites=group)
        crawlers.append((group, crawler))
    process.start()
    results = {}
    for group, crawler in crawlers:
        spider = crawler.spider
        for site in group:
            stats = spider.stats_of_site(site.id) if spider is not None else None
            results[site.id] = SiteResult.from_stats(site, stats.get_stats() if stats else {})
    return [results[site.id] for site in sites]


def start_extraction_workers(settings: Settings) -> None:
    """Start the extraction worker processes now, while the crawl process is small (they
    are forked: a fork copies the parent as it is)."""
    from parknews.pipelines.workers import ExtractionPool

    workers = extraction_workers(settings)
    if workers > 0:
        ExtractionPool.prestart(workers)


def stop_extraction_workers() -> None:
    """Stop this process's extraction workers if the crawl left them running (its
    pipeline stops them when it closes; a process that exits with workers running waits
    for them forever)."""
    from parknews.pipelines.workers import ExtractionPool

    ExtractionPool.stop_current()


def extraction_workers(settings: Settings) -> int:
    """How many extraction worker processes the crawl has (0: extraction is off or in
    the crawl process)."""
    from parknews.pipelines.workers import default_workers

    if not settings.getbool("EXTRACTION_ENABLED", True):
        return 0
    return settings.getint("PARKNEWS_EXTRACT_WORKERS", default_workers())
