"""Item pipeline: write pages and articles to the SQLite archive in batched transactions.

Settings: ``ARCHIVE_DB`` (the file; empty disables storage), ``ARCHIVE_BATCH_SIZE``.
``PARKNEWS_RUN_ID`` (the run's id, shared by the sites of one ``parknews crawl``).
Stats: ``archive/pages``, ``archive/articles_new``, ``archive/articles_changed``,
``archive/articles_unchanged``, ``archive/articles_withdrawn``. At the end of each site's
crawl one ``crawl_runs`` row is written.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import fields
from datetime import UTC, datetime

from scrapy import signals
from scrapy.exceptions import NotConfigured

from parknews.archive.store import MAX_BODY_CHARS, ArchiveWriter, Prepared, open_archive
from parknews.archive.warc import new_run_id
from parknews.pipelines.crawlstop import stop_crawl
from parknews.pipelines.fingerprint import content_hash
from parknews.pipelines.items import FetchedPage
from parknews.pipelines.sitestats import site_stats

logger = logging.getLogger(__name__)

# Sent (Scrapy signal) before each commit of the archive's rows: whoever writes the
# captures they point at (the WARC middleware) makes them durable first.
captures_needed = object()
WRITE_FAILED = "archive_write_failed"  # the finish reason of a crawl the archive refused


class CommittingWriter(ArchiveWriter):
    """The archive writer of a crawl: before each batch is committed, the signal
    ``captures_needed`` (one fsync per WARC file per batch, not per row)."""

    def __init__(self, crawler, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crawler = crawler

    def flush(self) -> None:
        self.crawler.signals.send_catch_log(signal=captures_needed)
        super().flush()


class StoragePipeline:
    def __init__(self, crawler, db_path: str, batch_size: int, run_id: str):
        self.crawler = crawler
        self.run_id = run_id
        self.db_path = db_path
        self.batch_size = batch_size
        self.writer: ArchiveWriter | None = None
        self.write_error: str | None = None  # the archive refused a write: the crawl stops
        self.last_item_at: dict[str, str] = {}  # site -> when its last page was stored

    @classmethod
    def from_crawler(cls, crawler):
        db_path = crawler.settings.get("ARCHIVE_DB")
        if not db_path:
            raise NotConfigured("ARCHIVE_DB is not set")
        pipeline = cls(crawler, db_path, crawler.settings.getint("ARCHIVE_BATCH_SIZE", 50),
                       crawler.settings.get("PARKNEWS_RUN_ID") or new_run_id())
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        dedup = self.crawler.settings.getbool("PARKNEWS_DEDUP_ENABLED", True)
        max_body = self.crawler.settings.getint("PARKNEWS_MAX_BODY_CHARS", MAX_BODY_CHARS)
        self.writer = CommittingWriter(self.crawler, open_archive(self.db_path),
                                       self.batch_size, dedup=dedup, max_body_chars=max_body)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.writer.upsert_sites([{
            "id": site.id,
            "name": site.name,
            "park": site.park,
            "region": site.region,
            "start_urls": list(site.start_urls),
            "updated_at": now,
        } for site in _sites_of(self.crawler.spider)])

    def process_item(self, item):
        if not isinstance(item, FetchedPage) or self.writer is None:
            return item
        if self.write_error is not None:  # the crawl is stopping: nothing more is written
            return item
        try:
            self._store(item)
        except sqlite3.Error as exc:
            self._stop(exc)
        return item

    def _refused(self, exc: sqlite3.Error) -> None:
        """Record and tell that the archive refused a write (once)."""
        if self.write_error is not None:
            return
        self.write_error = f"{type(exc).__name__}: {exc}"
        self.crawler.stats.set_value("archive/write_error", self.write_error)
        logger.error("the archive %s could not be written (%s): the crawl stops; the pages "
                     "fetched since its last write are not stored, the next run fetches "
                     "them again", self.db_path, self.write_error)

    def _stop(self, exc: sqlite3.Error) -> None:
        """The archive refused a write (disk full, a lock held past the busy timeout, no
        file left to open): the rows of that write are lost, so the crawl stops at once
        rather than fetch pages it cannot keep; its runs record why
        (``archive_write_failed``), the command exits with an error, and the next run
        fetches again what was not stored."""
        self._refused(exc)
        stop_crawl(self.crawler, WRITE_FAILED)

    def _store(self, item: FetchedPage) -> None:
        capture = _capture_columns(item.warc)
        self.last_item_at[item.site_id] = datetime.now(UTC).isoformat(timespec="seconds")
        if item.status == 304:  # not modified: the stored row and its capture stand
            self.writer.add_page({"url": item.url, "site_id": item.site_id, "kind": item.kind,
                                  "status": 304, "fetched_at": item.fetched_at,
                                  "error": None, "run_id": self.run_id}, partial=True)
            if item.kind == "article":
                self.writer.article_not_modified(item.url, item.fetched_at, item.site_id)
            return
        self.writer.add_page({
            "url": item.url,
            "site_id": item.site_id,
            "kind": item.kind,
            "status": item.status,
            "content_type": item.content_type,
            "bytes": len(item.body),
            "error": item.error,
            "fetched_at": item.fetched_at,
            "referer": item.referer,
            "etag": item.etag,
            "last_modified": item.last_modified,
            "run_id": self.run_id,
            **capture,
        })
        if item.kind == "article" and item.status in GONE_STATUSES:
            self.writer.article_gone(item.url, item.fetched_at, item.site_id)
        article = item.article
        if article is not None and article.body.strip():
            row = article_row(article)
            row.update(
                url=item.url,
                site_id=item.site_id,
                fetched_at=item.fetched_at,
                content_hash=_content_hash(article.body, item.prepared),
                etag=item.etag,
                last_modified=item.last_modified,
                **capture,
            )
            self.writer.add_article(row, item.prepared)

    def close_spider(self) -> None:
        """Write what is buffered; the run's row waits for spider_closed and its reason."""
        if self.writer is not None and self.write_error is None:
            try:
                self.writer.flush()
            except sqlite3.Error as exc:
                self._refused(exc)  # (the crawl is closing already)

    def spider_closed(self, spider, reason: str) -> None:
        """One ``crawl_runs`` row per site, from the site's own stats (``stats_of_site``
        of a spider crawling many sites) or the crawler's (a spider of one site); when
        the archive refused a write, every site's run finished ``archive_write_failed``."""
        if self.writer is None:
            return
        if self.write_error is not None:
            reason = WRITE_FAILED
        try:
            self._record_runs(reason)
        except sqlite3.Error as exc:
            self._refused(exc)
            for site in _sites_of(self.crawler.spider):
                own = site_stats(self.crawler, site.id)
                (own if own is not None else self.crawler.stats).set_value(
                    "finish_reason", WRITE_FAILED)
            self.crawler.stats.set_value("finish_reason", WRITE_FAILED)
        finally:
            self.writer.db.close()

    def _record_runs(self, reason: str) -> None:
        self.writer.flush()
        spider = self.crawler.spider
        now = datetime.now(UTC).isoformat(timespec="seconds")
        runs, finished = [], []
        for site in _sites_of(spider):
            own = site_stats(self.crawler, site.id)
            stats_collector = own if own is not None else self.crawler.stats
            stats = stats_collector.get_stats()
            counts = (dict(self.writer.site_counts.get(site.id) or {}) if own is not None
                      else self.writer.counts)
            counts = {key: counts.get(key, 0) for key in self.writer.counts}
            runs.append({
                "run_id": self.run_id,
                "site_id": site.id,
                "started_at": _iso(stats.get("start_time")),
                # with many sites in one crawler: when the site's last page was stored
                "finished_at": (self.last_item_at.get(site.id) or now) if own is not None
                else now,
                "finish_reason": str(reason),
                "full_pass": int(bool(_full_pass(spider, site.id))),
                "requests": stats.get("downloader/request_count", 0),
                "responses": {key.rsplit("/", 1)[-1]: value for key, value in stats.items()
                              if key.startswith("downloader/response_status_count/")},
                "bytes": stats.get("downloader/response_bytes", 0),
                **run_counts(counts, stats, stats.get("extraction/empty", 0)),
                "notes": run_notes(stats),
            })
            finished.append((stats_collector, counts))
        self.writer.add_runs(runs)  # one transaction for all the sites' rows
        for stats_collector, counts in finished:
            for key, value in counts.items():
                stats_collector.set_value(f"archive/{key}", value)
            stats_collector.set_value("finish_reason", reason)
        self.writer.close()
        for key, value in self.writer.counts.items():
            self.crawler.stats.set_value(f"archive/{key}", value)


def article_row(article) -> dict:
    """The article's fields as a dict: ``dataclasses.asdict`` without its deep copy of
    every list and dict (53 us an article in the crawl process, this 2; issue 22). The
    writer turns the lists and dicts into JSON text at once, changing nothing."""
    return {field.name: getattr(article, field.name) for field in fields(article)}


def _sites_of(spider) -> list:
    """The sites a spider crawls: ``sites`` (many in one crawler), else its ``site``."""
    sites = getattr(spider, "sites", None)
    if sites:
        return list(sites)
    site = getattr(spider, "site", None)
    return [site] if site is not None else []


def _full_pass(spider, site_id: str) -> bool:
    delegate = getattr(spider, "delegates", {}).get(site_id, spider)
    return getattr(delegate, "full_pass", True)


def run_counts(counts: dict, stats: dict, empty: int) -> dict:
    """The counts of a ``crawl_runs`` row: what the writer stored (``counts``) and what
    the crawl's stats say of discovery; ``empty``: article pages without text."""
    return {
        "pages": counts["pages"],
        "articles_new": counts["articles_new"],
        "articles_changed": counts["articles_changed"],
        "articles_unchanged": counts["articles_unchanged"],
        "articles_withdrawn": counts["articles_withdrawn"],
        "skipped_known": stats.get("discovery/known_skipped", 0),
        "errors": stats.get("discovery/failed", 0),
        "list_pages": stats.get("discovery/list_pages", 0),
        "lists_unchanged": stats.get("discovery/list_not_modified", 0),
        "links_found": stats.get("discovery/article_links", 0),
        "empty": empty + stats.get("discovery/unusable_article", 0),
        "undated": counts.get("undated", 0),
        "blocked": stats.get("discovery/blocked", 0),
    }


def run_notes(stats: dict) -> str | None:
    """What a run met besides its counts, for site health (JSON): anti-bot walls by name
    (``antibot/<name>``), list pages drawn by JavaScript, rendering not possible, the news
    columns of its hub pages (name, hub, article links on the first page)."""
    notes: dict = {}
    walls = {key.split("/", 1)[1]: value for key, value in stats.items()
             if key.startswith("antibot/") and key != "antibot/blocked"}
    if walls:
        notes["antibot"] = walls
    if stats.get("jslist/hints"):
        notes["js_lists"] = list(stats["jslist/hints"])
    if stats.get("render/unavailable"):
        notes["render_unavailable"] = str(stats["render/unavailable"])
    if stats.get("discovery/column_facts"):  # the news columns its hub pages led to
        notes["columns"] = dict(stats["discovery/column_facts"])
    return json.dumps(notes, ensure_ascii=False) if notes else None


GONE_STATUSES = frozenset({404, 410})  # a stored article answering these is withdrawn


def _capture_columns(warc: dict | None) -> dict:
    if not warc:
        return {}
    return {f"warc_{key}": warc.get(key) for key in
            ("file", "offset", "length", "record_id")} | {"warc_digest": warc.get(
                "payload_digest")}


def _iso(value) -> str | None:
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.isoformat(timespec="seconds")
    return str(value) if value else None


def _content_hash(body: str, prepared: Prepared | None) -> str | None:
    """The body's content hash, as the extraction worker computed it when it did."""
    if prepared is not None and prepared.body == body and prepared.content_hash:
        return prepared.content_hash
    return content_hash(body)
