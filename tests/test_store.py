import sqlite3

import pytest
from sqlite_utils import Database

from archive.schema import migrate, migrations
from archive.store import ArchiveError, ArchiveWriter, check_db_path, open_archive


@pytest.fixture
def db():
    database = Database(memory=True)
    migrate(database)
    return database


def site_row(ident="yx"):
    return {"id": ident, "name": "云溪", "park": None, "region": None,
            "start_urls": ["http://yx/"], "updated_at": "2026-01-01T00:00:00+00:00"}


def article(url, fetched_at, title="标题", body="正文"):
    return {"url": url, "site_id": "yx", "title": title, "body": body,
            "fetched_at": fetched_at, "extras": {"column": "园区动态"}}


def test_migrations_create_the_interface_columns_and_are_idempotent(db):
    migrate(db)
    assert [m.name for m in migrations.applied(db)] == [
        "m001_sites_articles_pages", "m002_article_language_attachments_images"]
    cols = set(db["articles"].columns_dict)
    assert {"url", "site_id", "title", "body", "published_at", "source", "author",
            "fetched_at", "content_hash", "language", "attachments", "images"} <= cols
    assert db["articles"].pks == ["url"]
    assert db["articles"].foreign_keys[0].other_table == "sites"


def test_writer_batches_and_keeps_first_seen(db):
    writer = ArchiveWriter(db, batch_size=2)
    writer.upsert_sites([site_row()])
    writer.add_article(article("http://yx/1", "t1"))
    assert db["articles"].count == 0  # still buffered
    writer.add_article(article("http://yx/1", "t2", title="新标题"))
    assert db["articles"].count == 1  # a batch of two rows, one URL
    writer.add_article(article("http://yx/1", "t3"))
    writer.add_page({"url": "http://yx/", "site_id": "yx", "kind": "list", "status": 200,
                     "fetched_at": "t3"})
    writer.close()
    row = db["articles"].get("http://yx/1")
    assert row["first_seen_at"] == "t1" and row["fetched_at"] == "t3"
    assert row["extras"] == '{"column": "园区动态"}'
    assert writer.counts == {"pages": 1, "articles_new": 1, "articles_updated": 1}
    assert db["pages"].get("http://yx/")["kind"] == "list"


def test_a_failing_batch_writes_nothing(db):
    writer = ArchiveWriter(db, batch_size=10)
    writer.upsert_sites([site_row()])
    writer.add_page({"url": "http://yx/", "site_id": "yx", "kind": "list", "fetched_at": "t"})
    writer.add_article({"url": None, "site_id": "yx", "body": "x", "fetched_at": "t"})
    with pytest.raises(sqlite3.IntegrityError):
        writer.flush()
    assert db["pages"].count == 0  # the page row of the failed batch was rolled back


def test_bad_paths_get_clear_errors(tmp_path):
    with pytest.raises(ArchiveError, match="directory does not exist"):
        check_db_path(tmp_path / "missing" / "a.db")
    with pytest.raises(ArchiveError, match="is a directory"):
        check_db_path(tmp_path)
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("these are not the droids" * 100)
    with pytest.raises(ArchiveError, match="cannot use"):
        open_archive(not_sqlite)
    assert not_sqlite.read_text().startswith("these are not")
