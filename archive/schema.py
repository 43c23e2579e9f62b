"""The archive's schema, as ordered migrations (sqlite-utils ``Migrations``).

Never edit a migration that has shipped: add a new one at the end. ``migrate(db)`` is
safe to call on every start; it applies only what is pending.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from parknews.archive import counts, dedup, search

migrations = Migrations("parknews")


@migrations()
def m001_sites_articles_pages(db: Database) -> None:
    db["sites"].create(
        {
            "id": str,
            "name": str,
            "park": str,
            "region": str,
            "start_urls": str,  # JSON list
            "updated_at": str,
        },
        pk="id",
        not_null={"id", "name"},
    )
    db["articles"].create(
        {
            "url": str,
            "site_id": str,
            "title": str,
            "body": str,
            "published_at": str,  # ISO 8601
            "source": str,  # 来源
            "author": str,
            "summary": str,  # 核心提示 / 摘要
            "editor": str,  # 责任编辑
            "fetched_at": str,
            "first_seen_at": str,
            "content_hash": str,
            "encoding": str,
            "extras": str,  # JSON object
        },
        pk="url",
        not_null={"url", "site_id", "body"},
        foreign_keys=[("site_id", "sites", "id")],
    )
    db["pages"].create(
        {
            "url": str,
            "site_id": str,
            "kind": str,  # list, article, attachment, other
            "status": int,
            "content_type": str,
            "bytes": int,
            "error": str,  # why nothing usable came of the fetch
            "fetched_at": str,
            "referer": str,
        },
        pk="url",
        not_null={"url", "site_id", "kind"},
        foreign_keys=[("site_id", "sites", "id")],
    )
    db["articles"].create_index(["site_id"])
    db["articles"].create_index(["published_at"])
    db["articles"].create_index(["content_hash"])
    db["pages"].create_index(["site_id"])


@migrations()
def m002_article_language_attachments_images(db: Database) -> None:
    db["articles"].add_column("language", str)
    db["articles"].add_column("attachments", str)  # JSON list of {name, url}
    db["articles"].add_column("images", str)  # JSON list of {src, caption}


CAPTURE_COLUMNS = {  # where a fetch is kept in the WARC files (archive/warc.py)
    "warc_file": str,  # relative to the WARC directory
    "warc_offset": int,  # byte offset of the response record's gzip member
    "warc_length": int,
    "warc_record_id": str,  # WARC-Record-ID
    "warc_digest": str,  # WARC-Payload-Digest ("sha1:…")
}


@migrations()
def m003_captures_versions_runs(db: Database) -> None:
    """Archive of record: captures, conditional-request validators, versions, runs."""
    pages = db["pages"]
    for column, kind in {**CAPTURE_COLUMNS, "etag": str, "last_modified": str,
                         "run_id": str}.items():
        pages.add_column(column, kind)
    articles = db["articles"]
    for column, kind in {**CAPTURE_COLUMNS, "etag": str, "last_modified": str,
                         "status": str, "withdrawn_at": str, "checked_at": str,
                         "version": int}.items():
        articles.add_column(column, kind)
    db.execute("update articles set status = 'live' where status is null")
    db.execute("update articles set version = 1 where version is null")
    db.execute("update articles set checked_at = fetched_at where checked_at is null")
    db["article_versions"].create(
        {
            "id": int,
            "url": str,
            "version": int,  # the number this version had while it was current
            "title": str,
            "body": str,
            "published_at": str,
            "source": str,
            "content_hash": str,
            "fetched_at": str,  # when this version was fetched
            "replaced_at": str,  # when a newer version took its place
            **CAPTURE_COLUMNS,
        },
        pk="id",
        not_null={"url", "version"},
        foreign_keys=[("url", "articles", "url")],
    )
    db["article_versions"].create_index(["url", "version"], unique=True)
    db["crawl_runs"].create(
        {
            "run_id": str,
            "site_id": str,
            "started_at": str,
            "finished_at": str,
            "finish_reason": str,
            "full_pass": int,  # 1 when every list page was walked
            "requests": int,
            "responses": str,  # JSON {status: count}
            "bytes": int,
            "pages": int,
            "articles_new": int,
            "articles_changed": int,
            "articles_unchanged": int,
            "articles_withdrawn": int,
            "skipped_known": int,  # known articles not due for a recheck
            "errors": int,
        },
        pk=("run_id", "site_id"),
        foreign_keys=[("site_id", "sites", "id")],
    )
    db["crawl_runs"].create_index(["site_id", "started_at"])


@migrations()
def m004_chinese_search_index(db: Database) -> None:
    """The bigram FTS5 index over articles (archive/search.py), filled from the rows."""
    search.rebuild_index(db.conn)


@migrations()
def m005_dedup_clusters(db: Database) -> None:
    """Repost clusters (archive/dedup.py); filled as articles are stored."""
    dedup.create_tables(db.conn)


@migrations()
def m006_run_discovery_counts_and_health(db: Database) -> None:
    """What site health compares between runs, and each site's health state."""
    for column in ("list_pages", "lists_unchanged", "links_found", "empty", "undated"):
        db["crawl_runs"].add_column(column, int)
    db["site_health"].create(
        {
            "site_id": str,
            "status": str,  # healthy, unhealthy
            "problems": str,  # JSON list of {"rule", "message"}
            "since": str,  # when the current status began
            "checked_at": str,
            "alerted": str,  # the status last alerted about
        },
        pk="site_id",
    )


@migrations()
def m007_run_blocked_and_notes(db: Database) -> None:
    """Pages an anti-bot wall answered in a run, and the run's notes (JSON: walls met,
    lists drawn by JavaScript, rendering that was not possible) for site health."""
    db["crawl_runs"].add_column("blocked", int)
    db["crawl_runs"].add_column("notes", str)


@migrations()
def m008_article_parts_by_referer(db: Database) -> None:
    """Further pages of multi-page articles found by their first page's URL (reextract
    looks them up for every article: without an index a scan of ``pages``, 7 ms an
    article at 100 k pages)."""
    db.execute("create index if not exists pages_part_referer on pages(referer) "
               "where kind = 'part'")


@migrations()
def m009_reading_indexes_and_counts(db: Database) -> None:
    """What the published archive reads at a million articles: a site's articles newest
    first and its 来源 without reading the rows (``site_id, published_at`` replaces the
    index on ``site_id`` alone, ``site_id, source``), a 来源's articles by date
    (``source, published_at``), and the article counts by site and month and by site and
    来源 that the table page's facets sum (archive/counts.py)."""
    db.execute("create index if not exists articles_site_published "
               "on articles(site_id, published_at)")
    db.execute("create index if not exists articles_site_source on articles(site_id, source)")
    db.execute("create index if not exists articles_source_published "
               "on articles(source, published_at)")
    db.execute("drop index if exists idx_articles_site_id")
    counts.create(db.conn)


@migrations()
def m010_body_truncated(db: Database) -> None:
    """The length in characters of a body cut at the store's cap (``MAX_BODY_CHARS`` in
    archive/store.py), null for a body stored whole; kept by earlier versions too."""
    db["articles"].add_column("body_truncated", int)
    db["article_versions"].add_column("body_truncated", int)


def migrate(db: Database) -> None:
    """Apply pending migrations; also registers the search index's SQL functions on this
    connection, which every connection writing articles needs."""
    search.register_functions(db.conn)
    migrations.apply(db)
