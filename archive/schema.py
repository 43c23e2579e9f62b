"""The archive's schema, as ordered migrations (sqlite-utils ``Migrations``).

Never edit a migration that has shipped: add a new one at the end. ``migrate(db)`` is
safe to call on every start; it applies only what is pending.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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


def migrate(db: Database) -> None:
    migrations.apply(db)
