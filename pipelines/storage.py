"""Item pipeline: write pages and articles to the SQLite archive in batched transactions.

Settings: ``ARCHIVE_DB`` (the file; empty disables storage), ``ARCHIVE_BATCH_SIZE``.
Stats: ``archive/pages``, ``archive/articles_new``, ``archive/articles_updated``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime

from scrapy.exceptions import NotConfigured

from archive.store import ArchiveWriter, open_archive
from pipelines.fingerprint import content_hash
from pipelines.items import FetchedPage

logger = logging.getLogger(__name__)


class StoragePipeline:
    def __init__(self, crawler, db_path: str, batch_size: int):
        self.crawler = crawler
        self.db_path = db_path
        self.batch_size = batch_size
        self.writer: ArchiveWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        db_path = crawler.settings.get("ARCHIVE_DB")
        if not db_path:
            raise NotConfigured("ARCHIVE_DB is not set")
        return cls(crawler, db_path, crawler.settings.getint("ARCHIVE_BATCH_SIZE", 50))

    def open_spider(self) -> None:
        self.writer = ArchiveWriter(open_archive(self.db_path), self.batch_size)
        site = getattr(self.crawler.spider, "site", None)
        if site is not None:
            self.writer.upsert_sites([{
                "id": site.id,
                "name": site.name,
                "park": site.park,
                "region": site.region,
                "start_urls": list(site.start_urls),
                "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }])

    def process_item(self, item):
        if not isinstance(item, FetchedPage) or self.writer is None:
            return item
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
        })
        article = item.article
        if article is not None and article.body.strip():
            row = asdict(article)
            row.update(
                url=item.url,
                site_id=item.site_id,
                fetched_at=item.fetched_at,
                content_hash=content_hash(article.body),
            )
            self.writer.add_article(row)
        return item

    def close_spider(self) -> None:
        if self.writer is None:
            return
        self.writer.close()
        for key, value in self.writer.counts.items():
            self.crawler.stats.set_value(f"archive/{key}", value)
        self.writer.db.close()
