"""Writing the archive: one SQLite file, batched transactional upserts via sqlite-utils.

Knows nothing of Scrapy: it takes plain dicts. The storage pipeline in ``pipelines/`` is
its Scrapy-facing side.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

from archive.schema import migrate

logger = logging.getLogger(__name__)

ARTICLE_COLUMNS = (
    "url", "site_id", "title", "body", "published_at", "source", "author", "summary",
    "editor", "fetched_at", "content_hash", "encoding", "extras", "language", "attachments",
    "images",
)
JSON_COLUMNS = ("extras", "attachments", "images")
PAGE_COLUMNS = (
    "url", "site_id", "kind", "status", "content_type", "bytes", "error", "fetched_at",
    "referer",
)


class ArchiveError(RuntimeError):
    """The archive file cannot be opened or written; the message is for the user."""


def check_db_path(path: str | Path) -> Path:
    """Fail early, with a clear message, on a path that cannot hold the archive."""
    path = Path(path)
    if path.is_dir():
        raise ArchiveError(f"database path is a directory: {path}")
    if not path.parent.exists():
        raise ArchiveError(f"directory does not exist for the database: {path.parent}")
    return path


def open_archive(path: str | Path) -> Database:
    """Open (creating if needed) the archive and bring its schema up to date."""
    path = check_db_path(path)
    try:
        db = Database(path)
        db.enable_wal()
        db.execute("PRAGMA busy_timeout = 10000")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot use {path} as an archive: {exc}") from None
    return db


def _row(record: dict, columns: Iterable[str]) -> dict:
    row = {c: record.get(c) for c in columns}
    for column in JSON_COLUMNS:
        if isinstance(row.get(column), dict | list):
            row[column] = json.dumps(row[column], ensure_ascii=False) if row[column] else None
    return row


class ArchiveWriter:
    """Buffers rows and writes them in one transaction per batch."""

    def __init__(self, db: Database, batch_size: int = 50):
        self.db = db
        self.batch_size = max(1, batch_size)
        self._pages: list[dict] = []
        self._articles: list[dict] = []
        self.counts = {"pages": 0, "articles_new": 0, "articles_updated": 0}

    def upsert_sites(self, sites: Iterable[dict]) -> None:
        rows = [dict(s, start_urls=json.dumps(list(s["start_urls"]))) for s in sites]
        with self.db.atomic():
            self.db["sites"].upsert_all(rows, pk="id", alter=False)

    def add_page(self, page: dict) -> None:
        self._pages.append(_row(page, PAGE_COLUMNS))
        self._maybe_flush()

    def add_article(self, article: dict) -> None:
        self._articles.append(_row(article, ARTICLE_COLUMNS))
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if len(self._pages) + len(self._articles) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._pages and not self._articles:
            return
        pages, articles = self._pages, self._articles
        self._pages, self._articles = [], []
        with self.db.atomic():
            if pages:
                self.db["pages"].upsert_all(pages, pk="url")
            if articles:
                self._write_articles(articles)
        self.counts["pages"] += len(pages)

    def _write_articles(self, articles: list[dict]) -> None:
        first_fetch: dict[str, str] = {}
        latest: dict[str, dict] = {}
        for article in articles:  # the same URL twice in a batch: keep the last fetch
            first_fetch.setdefault(article["url"], article["fetched_at"])
            latest[article["url"]] = article
        urls = list(latest)
        marks = ",".join("?" * len(urls))
        sql = f"select url from articles where url in ({marks})"
        known = {row[0] for row in self.db.execute(sql, urls)}
        new = [dict(a, first_seen_at=first_fetch[u]) for u, a in latest.items() if u not in known]
        old = [a for u, a in latest.items() if u in known]
        if new:
            self.db["articles"].insert_all(new, pk="url")
        if old:
            self.db["articles"].upsert_all(old, pk="url")
        self.counts["articles_new"] += len(new)
        self.counts["articles_updated"] += len(old)

    def close(self) -> None:
        self.flush()
