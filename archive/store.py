"""Writing the archive: one SQLite file, batched transactional upserts via sqlite-utils.

Knows nothing of Scrapy: it takes plain dicts. The storage pipeline in ``pipelines/`` is
its Scrapy-facing side.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import PrimaryKeyRequired, jsonify_if_needed

from parknews.archive import search
from parknews.archive.dedup import Deduplicator, presign
from parknews.archive.schema import migrate

logger = logging.getLogger(__name__)

CAPTURE = ("warc_file", "warc_offset", "warc_length", "warc_record_id", "warc_digest")
ARTICLE_COLUMNS = (
    "url", "site_id", "title", "body", "published_at", "source", "author", "summary",
    "editor", "fetched_at", "content_hash", "encoding", "extras", "language", "attachments",
    "images", "etag", "last_modified", "body_truncated", *CAPTURE,
)
# The columns of an article row as written: a stored article's fetch (its first_seen_at
# stays), a new one's.
STORED_ARTICLE_COLUMNS = (*ARTICLE_COLUMNS, "checked_at", "status", "withdrawn_at", "version")
NEW_ARTICLE_COLUMNS = (*STORED_ARTICLE_COLUMNS, "first_seen_at")
JSON_COLUMNS = ("extras", "attachments", "images")
PAGE_COLUMNS = (
    "url", "site_id", "kind", "status", "content_type", "bytes", "error", "fetched_at",
    "referer", "etag", "last_modified", "run_id", *CAPTURE,
)
# What an article version keeps of the row it was (besides url, version, replaced_at).
VERSION_COLUMNS = ("title", "body", "published_at", "source", "content_hash", "fetched_at",
                   "body_truncated", *CAPTURE)
# No body is stored longer than this many characters (a hostile page can hold millions):
# a longer one is cut here and its full length kept in ``body_truncated``. Its content
# hash and the WARC capture are of the whole page.
MAX_BODY_CHARS = 200_000


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


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock at once (``BEGIN IMMEDIATE``), so
    that the busy timeout covers the wait for it. sqlite-utils' ``atomic()`` begins a
    deferred transaction: one that reads first (sqlite-utils reads the schema before an
    upsert) and writes after another crawl's commit fails at once with "database is
    locked", busy timeout or not. Nested, it is ``atomic()``'s savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.execute("COMMIT")


def open_archive(path: str | Path, check_search_index: bool = True) -> Database:
    """Open (creating if needed) the archive and bring its schema up to date; refuse one
    whose search index was cut by other rules (``parknews reindex`` rebuilds it)."""
    path = check_db_path(path)
    try:
        db = Database(path)
        db.execute("PRAGMA busy_timeout = 10000")  # before WAL: two crawls may open it at once
        db.enable_wal()
        migrate(db)
        version = search.index_version(db.conn)
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot use {path} as an archive: {exc}") from None
    if check_search_index and version != search.INDEX_VERSION:
        raise ArchiveError(f"the search index of {path} was built by another version "
                           f"({version}, now {search.INDEX_VERSION}): run "
                           f"`parknews reindex --db {path}` first")
    return db


# The hot path's statements, written by hand (issue 22): per batch ``Table.insert_all``
# and ``upsert_all`` inspect the table (``PRAGMA table_info``), build their SQL, convert
# every value in Python and wrap each chunk of 999 variables in a savepoint (and each
# savepoint or statement makes the FTS5 index write out the tokens it holds: a batch's new
# articles go in one statement here). Measured with benchmarks/store_write.py (3,000
# articles, as many other pages): pages rows 0.095 -> 0.036 ms an article, the article
# insert 0.57 -> 0.53 (nearly all of it the FTS5 index itself); docs/benchmarks.md,
# "Writing the archive". The statements are sqlite-utils 4's own (its upsert is INSERT
# ... ON CONFLICT DO UPDATE of the given columns), the values bound as it binds them
# (``_sql_value``); sqlite-utils still makes the schema and writes everything else.
_PLAIN_TYPES = frozenset({str, int, float, bytes, type(None)})


def _sql_value(value: Any) -> Any:
    """The value sqlite-utils would bind (``jsonify_if_needed``: lists and dicts as JSON,
    dates as ISO text ...), without a call for the plain types."""
    return value if type(value) in _PLAIN_TYPES else jsonify_if_needed(value)


def _insert_sql(table: str, columns: tuple[str, ...], rows: int, pk: str | None = None
                ) -> str:
    """``INSERT INTO table (columns) VALUES (...) x rows``; with ``pk`` an upsert: on a
    conflict every other given column takes the new value (as sqlite-utils' upsert)."""
    marks = "(" + ", ".join("?" * len(columns)) + ")"
    sql = (f"insert into {table} ({', '.join(columns)}) values "
           + ", ".join([marks] * rows))
    if pk is not None:
        others = [c for c in columns if c != pk]
        sql += (f" on conflict({pk}) do update set "
                + ", ".join(f"{c} = excluded.{c}" for c in others) if others
                else f" on conflict({pk}) do nothing")
    return sql


def _rows_per_statement(conn: sqlite3.Connection, columns: tuple[str, ...]) -> int:
    """How many rows one statement may hold: the connection's limits on variables and on
    the length of a statement (``(?, ?, …), `` is 3 characters a column and 4; 1,000 for
    the rest)."""
    by_variables = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns)
    by_length = ((conn.getlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH) - 1000 - 40 * len(columns))
                 // (3 * len(columns) + 4))
    return max(1, min(by_variables, by_length))


def _insert_rows(conn: sqlite3.Connection, table: str, columns: tuple[str, ...],
                 rows: list[tuple], pk: str | None = None) -> None:
    """``rows`` (tuples of values in ``columns`` order) in as few statements as the
    connection's limits allow: one for a batch."""
    per_statement = _rows_per_statement(conn, columns)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        conn.execute(_insert_sql(table, columns, len(chunk), pk),
                     [value for row in chunk for value in row])


def _upsert_pages(conn: sqlite3.Connection, rows: list[dict]) -> None:
    """sqlite-utils' ``upsert_all(rows, pk="url")`` of ``pages`` rows, each row's given
    columns only (a full row names them all), in the same order."""
    order: list[tuple[tuple[str, ...], list[tuple]]] = []
    for row in rows:
        if row.get("url") is None:
            raise PrimaryKeyRequired("upsert() requires a value for the primary key column: "
                                     "url")
        columns = tuple(row)
        values = tuple(_sql_value(v) for v in row.values())
        if order and order[-1][0] == columns:
            order[-1][1].append(values)
        else:
            order.append((columns, [values]))
    for columns, values in order:
        conn.executemany(_insert_sql("pages", columns, 1, pk="url"), values)


def _row(record: dict, columns: Iterable[str], partial: bool = False) -> dict:
    row = {c: record.get(c) for c in columns if not partial or c in record}
    for column in JSON_COLUMNS:
        if isinstance(row.get(column), dict | list):
            row[column] = json.dumps(row[column], ensure_ascii=False) if row[column] else None
    return row


@dataclass(frozen=True)
class Prepared:
    """Work an extraction worker did ahead for the archive writer, for one article: the
    search index's tokens of its texts, and the body's repost signature and content hash
    (each used only while the article's body is the one it was computed for)."""

    body: str
    index: tuple[tuple[str, str], ...] = ()  # (text, search.index_text(text))
    presigned: tuple[Any, Any] | None = None  # dedup.presign(body)
    content_hash: str | None = None


def prepare(title: str | None, body: str, source: str | None,
            content_hash: str | None = None) -> Prepared:
    """The writer's work for an article, done where the article was extracted."""
    return Prepared(body=body,
                    index=tuple((text, search.index_text(text))
                                for text in (title, body, source) if text),
                    presigned=presign(body), content_hash=content_hash)


def cut_body(article: dict, max_chars: int) -> dict:
    """The article with its body cut at ``max_chars`` (and ``body_truncated`` its full
    length), or as it was when short enough (``body_truncated`` None)."""
    body = article.get("body")
    if not max_chars or not isinstance(body, str) or len(body) <= max_chars:
        return dict(article, body_truncated=None)
    return dict(article, body=body[:max_chars], body_truncated=len(body))


class ArchiveWriter:
    """Buffers rows and writes them in one transaction per batch.

    Articles are versioned: a fetch whose title or body hash differs from the stored row
    moves that row to ``article_versions`` first. A 304 answer only marks the article as
    checked; a 404/410 for a stored article marks it withdrawn (never deleted).
    """

    def __init__(self, db: Database, batch_size: int = 50, dedup: bool = False,
                 max_body_chars: int = MAX_BODY_CHARS):
        self.db = db
        self.max_body_chars = max_body_chars  # 0: no cap
        self.batch_size = max(1, batch_size)
        # repost clusters assigned in the same transaction as the articles they concern
        self.dedup = Deduplicator(db.conn) if dedup else None
        self.precut = search.Precut()  # tokens cut by the extraction workers, for this writer
        search.register_functions(db.conn, precut=self.precut)
        self._pages: list[dict] = []
        self._partial_pages: list[dict] = []  # rows updating only some columns
        self._articles: list[dict] = []
        self._checked: list[tuple[str, str, str | None]] = []  # (url, when, site) 304
        self._gone: list[tuple[str, str, str | None]] = []  # (url, when, site) 404/410
        self.counts = {"pages": 0, "articles_new": 0, "articles_changed": 0,
                       "articles_unchanged": 0, "articles_withdrawn": 0, "clustered": 0,
                       "undated": 0}
        # the same counts per site (a crawl of many sites writes one run row per site)
        self.site_counts: dict[str, Counter] = defaultdict(Counter)

    def upsert_sites(self, sites: Iterable[dict]) -> None:
        rows = [dict(s, start_urls=json.dumps(list(s["start_urls"]))) for s in sites]
        with write_transaction(self.db):
            self.db["sites"].upsert_all(rows, pk="id", alter=False)

    def add_page(self, page: dict, partial: bool = False) -> None:
        """A ``pages`` row; ``partial`` updates only the given columns of a stored row
        (a 304 answer keeps the row's capture and validators)."""
        row = _row(page, PAGE_COLUMNS, partial)
        (self._partial_pages if partial else self._pages).append(row)
        self._maybe_flush()

    def add_article(self, article: dict, prepared: Prepared | None = None) -> None:
        """Buffer an article row; ``prepared``: the work done ahead for it (used only if
        it was done for this row's body). A body over ``max_body_chars`` is cut, and its
        length recorded in ``body_truncated``."""
        article = cut_body(article, self.max_body_chars)
        if prepared is not None and prepared.body == article.get("body"):
            for text, tokens in prepared.index:
                self.precut.remember(text, tokens)
            if self.dedup is not None and prepared.presigned is not None:
                self.dedup.presigned.remember(prepared.body, *prepared.presigned)
        self._articles.append(_row(article, ARTICLE_COLUMNS))
        self._maybe_flush()

    def article_not_modified(self, url: str, when: str, site_id: str | None = None) -> None:
        """The server said 304: the stored article is current as of ``when``."""
        self._checked.append((url, when, site_id))
        self._maybe_flush()

    def article_gone(self, url: str, when: str, site_id: str | None = None) -> None:
        """The server said 404/410 for this URL: a stored article is withdrawn."""
        self._gone.append((url, when, site_id))
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        pending = (len(self._pages) + len(self._partial_pages) + len(self._articles)
                   + len(self._checked) + len(self._gone))
        if pending >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not (self._pages or self._partial_pages or self._articles or self._checked
                or self._gone):
            return
        pages, partial, articles = self._pages, self._partial_pages, self._articles
        checked, gone = self._checked, self._gone
        self._pages, self._partial_pages, self._articles = [], [], []
        self._checked, self._gone = [], []
        with write_transaction(self.db):
            if pages:
                _upsert_pages(self.db.conn, pages)
            if partial:
                _upsert_pages(self.db.conn, partial)
            if articles:
                self._write_articles(articles)
            for url, when, site in checked:
                cursor = self.db.execute(
                    "update articles set checked_at = ?, status = 'live', withdrawn_at = null"
                    " where url = ?", [when, url])
                self._count(site, "articles_unchanged", cursor.rowcount)
            for url, when, site in gone:
                cursor = self.db.execute(
                    "update articles set status = 'withdrawn', withdrawn_at = ?, checked_at = ?"
                    " where url = ? and status = 'live'", [when, when, url])
                self._count(site, "articles_withdrawn", cursor.rowcount)
        for row in pages + partial:
            self._count(row.get("site_id"), "pages")

    def _count(self, site_id: str | None, key: str, value: int = 1) -> None:
        self.counts[key] += value
        if site_id is not None:
            self.site_counts[site_id][key] += value

    def _write_articles(self, articles: list[dict]) -> None:
        first_fetch: dict[str, str] = {}
        latest: dict[str, dict] = {}
        for article in articles:  # the same URL twice in a batch: keep the last fetch
            first_fetch.setdefault(article["url"], article["fetched_at"])
            latest[article["url"]] = article
        urls = list(latest)
        marks = ",".join("?" * len(urls))
        columns = ", ".join(["url", "version", *VERSION_COLUMNS])
        stored = {row["url"]: row for row in self.db.query(
            f"select {columns} from articles where url in ({marks})", urls)}
        new, changed, unchanged, versions = [], [], [], []
        for url, article in latest.items():
            row = dict(article, checked_at=article["fetched_at"], status="live",
                       withdrawn_at=None)
            old = stored.get(url)
            if old is None:
                new.append(dict(row, first_seen_at=first_fetch[url], version=1))
            elif (old["content_hash"], old["title"]) != (row["content_hash"], row["title"]):
                version = old["version"] or 1
                versions.append({"url": url, "version": version,
                                 "replaced_at": row["fetched_at"],
                                 **{c: old[c] for c in VERSION_COLUMNS}})
                changed.append(dict(row, version=version + 1))
            else:
                unchanged.append(dict(row, version=old["version"] or 1))
            if old is not None:  # the index's update trigger cuts old and new texts
                for column in search.INDEXED_COLUMNS:
                    if old[column] == row[column]:
                        self.precut.twice(row[column])
        if versions:
            self.db["article_versions"].insert_all(versions, pk="id", replace=True)
        conn = self.db.conn
        if new:
            _insert_rows(conn, "articles", NEW_ARTICLE_COLUMNS,
                         [tuple(_sql_value(row[c]) for c in NEW_ARTICLE_COLUMNS)
                          for row in new])
        if changed or unchanged:
            _insert_rows(conn, "articles", STORED_ARTICLE_COLUMNS,
                         [tuple(_sql_value(row[c]) for c in STORED_ARTICLE_COLUMNS)
                          for row in changed + unchanged], pk="url")
        if self.dedup is not None and (new or changed):
            self.counts["clustered"] += self.dedup.assign([a["url"] for a in new + changed])
        for key, rows in (("articles_new", new), ("articles_changed", changed),
                          ("articles_unchanged", unchanged)):
            for row in rows:
                self._count(row.get("site_id"), key)
        for row in new + changed:
            if not row.get("published_at"):
                self._count(row.get("site_id"), "undated")

    def add_run(self, run: dict) -> None:
        """One ``crawl_runs`` row (written at once, with whatever is still buffered)."""
        self.add_runs([run])

    def add_runs(self, runs: list[dict]) -> None:
        """``crawl_runs`` rows, written at once in one transaction (with whatever is still
        buffered): a crawl of thousands of sites ends with one write, not one a site."""
        self.flush()
        rows = [dict(run) for run in runs]
        for row in rows:
            if isinstance(row.get("responses"), dict):
                row["responses"] = json.dumps(row["responses"], sort_keys=True)
        if not rows:
            return
        with write_transaction(self.db):
            self.db["crawl_runs"].upsert_all(rows, pk=("run_id", "site_id"))

    def close(self) -> None:
        self.flush()


@dataclass(frozen=True)
class SiteHistory:
    """What earlier runs stored of a site, for an incremental crawl."""

    known: dict[str, dict]  # load_known: its articles and list pages
    runs: int  # crawl runs recorded


def site_history(path: str | Path | None, site_id: str) -> SiteHistory:
    """The history of ``site_id`` in the archive at ``path``: nothing when there is no
    archive yet. The file is opened and closed here (the crawl's writer has its own)."""
    if not path or not Path(path).is_file():
        return SiteHistory({}, 0)
    db = Database(path)
    try:
        return SiteHistory(load_known(db, site_id), run_count(db, site_id))
    finally:
        db.close()


def load_known(db: Database, site_id: str) -> dict[str, dict]:
    """What the archive knows of a site's URLs, for incremental crawling:
    {url: {"kind", "checked_at", "etag", "last_modified", "status"}} for its articles
    and its list pages.

    A run killed before its end (SIGKILL, OOM, power loss) writes no ``crawl_runs`` row,
    and one stopped early (SIGTERM) drops its pending requests, but their committed
    batches stay: list pages with fresh validators, and some of the articles they link
    to, not all. Left as they are, the next run, if incremental, would get a 304 for such
    a list page or stop at it as "all known", never reaching the articles the run did
    not store. So what was last fetched by a run that did not finish counts for less:
    its list pages come without validators (fetched in full and walked), and, once the
    site has a recorded run (before that the next run is a full pass anyway), its
    articles are left out (fetched again, stored as unchanged)."""
    known: dict[str, dict] = {}
    unfinished = _fetched_by_unfinished_runs(db, site_id)
    if "pages" in db.table_names():
        for row in db.query("select url, kind, fetched_at, etag, last_modified from pages"
                            " where site_id = ? and kind = 'list' and error is null",
                            [site_id]):
            trusted = row["url"] not in unfinished
            known[row["url"]] = {"kind": "list", "checked_at": row["fetched_at"],
                                 "etag": row["etag"] if trusted else None,
                                 "last_modified": row["last_modified"] if trusted else None,
                                 "status": "live"}
    hide = unfinished if unfinished and run_count(db, site_id) else set()
    if "articles" in db.table_names():
        for row in db.query("select url, checked_at, etag, last_modified, status from articles"
                            " where site_id = ?", [site_id]):
            if row["url"] not in hide:
                known[row["url"]] = dict(row, kind="article")
    return known


def _fetched_by_unfinished_runs(db: Database, site_id: str) -> set[str]:
    """URLs of a site whose stored page was last fetched by a run that did not finish:
    killed (no ``crawl_runs`` row) or stopped early (SIGTERM, a CLOSESPIDER limit: a
    ``finish_reason`` other than ``finished``). A run still going (under ``--no-lock``)
    counts as unfinished too, which only costs fetches."""
    if not {"pages", "crawl_runs"} <= set(db.table_names()):
        return set()
    return {url for (url,) in db.execute(
        "select url from pages where site_id = ? and run_id is not null and run_id not in"
        " (select run_id from crawl_runs where site_id = ? and finish_reason = 'finished')",
        [site_id, site_id])}


def run_count(db: Database, site_id: str) -> int:
    """How many crawl runs of a site the archive has recorded."""
    if "crawl_runs" not in db.table_names():
        return 0
    return db.execute("select count(*) from crawl_runs where site_id = ?", [site_id]).fetchone()[0]
