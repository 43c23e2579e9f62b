import sqlite3

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from parknews.archive.schema import (
    m001_sites_articles_pages,
    m002_article_language_attachments_images,
    migrate,
    migrations,
)
from parknews.archive.store import (
    ArchiveError,
    ArchiveWriter,
    check_db_path,
    load_known,
    open_archive,
    run_count,
)


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
        "m001_sites_articles_pages", "m002_article_language_attachments_images",
        "m003_captures_versions_runs", "m004_chinese_search_index", "m005_dedup_clusters",
        "m006_run_discovery_counts_and_health", "m007_run_blocked_and_notes",
        "m008_article_parts_by_referer", "m009_reading_indexes_and_counts",
        "m010_body_truncated"]
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
    assert writer.counts == {"pages": 1, "articles_new": 1, "articles_changed": 1,
                             "articles_unchanged": 0, "articles_withdrawn": 0, "clustered": 0,
                             "undated": 2}  # no published_at given
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


def test_a_changed_article_keeps_its_old_version_with_its_capture(db):
    writer = ArchiveWriter(db, batch_size=1)
    writer.upsert_sites([site_row()])
    first = dict(article("http://yx/1", "t1", body="旧正文"), content_hash="h1",
                 warc_file="a.warc.gz", warc_offset=10, warc_record_id="<urn:uuid:1>")
    writer.add_article(first)
    writer.add_article(dict(first, fetched_at="t2", warc_offset=99))  # same text again
    assert db["articles"].get("http://yx/1")["version"] == 1
    writer.add_article(dict(first, fetched_at="t3", body="新正文", content_hash="h2",
                            warc_file="b.warc.gz", warc_offset=5))
    row = db["articles"].get("http://yx/1")
    assert (row["version"], row["body"], row["warc_file"]) == (2, "新正文", "b.warc.gz")
    (old,) = db["article_versions"].rows_where("url = ?", ["http://yx/1"])
    assert (old["version"], old["body"], old["fetched_at"], old["replaced_at"]) == (
        1, "旧正文", "t2", "t3")
    assert (old["warc_file"], old["warc_offset"]) == ("a.warc.gz", 99)
    assert writer.counts["articles_changed"] == 1 and writer.counts["articles_unchanged"] == 1


def test_not_modified_and_gone_articles(db):
    writer = ArchiveWriter(db, batch_size=1)
    writer.upsert_sites([site_row()])
    writer.add_article(dict(article("http://yx/1", "t1"), content_hash="h"))
    writer.article_not_modified("http://yx/1", "t2")
    assert db["articles"].get("http://yx/1")["checked_at"] == "t2"
    writer.article_gone("http://yx/1", "t3")
    writer.article_gone("http://yx/1", "t4")  # already withdrawn: counted once
    writer.article_gone("http://yx/never-stored", "t4")
    row = db["articles"].get("http://yx/1")
    assert (row["status"], row["withdrawn_at"], row["body"]) == ("withdrawn", "t3", "正文")
    assert writer.counts["articles_withdrawn"] == 1
    writer.add_article(dict(article("http://yx/1", "t5"), content_hash="h"))  # back again
    assert db["articles"].get("http://yx/1")["status"] == "live"


def test_runs_and_known_urls(db):
    writer = ArchiveWriter(db, batch_size=10)
    writer.upsert_sites([site_row()])
    writer.add_page({"url": "http://yx/list", "site_id": "yx", "kind": "list", "status": 200,
                     "fetched_at": "t1", "etag": '"abc"'})
    writer.add_article(dict(article("http://yx/1", "t1"), etag='"e1"'))
    writer.add_run({"run_id": "r1", "site_id": "yx", "started_at": "t0", "finished_at": "t1",
                    "responses": {"200": 2}, "articles_new": 1})
    assert run_count(db, "yx") == 1 and run_count(db, "other") == 0
    assert db["crawl_runs"].get(("r1", "yx"))["responses"] == '{"200": 2}'
    known = load_known(db, "yx")
    assert known["http://yx/list"]["kind"] == "list" and known["http://yx/list"]["etag"] == '"abc"'
    assert known["http://yx/1"] == {"kind": "article", "url": "http://yx/1", "checked_at": "t1",
                                    "etag": '"e1"', "last_modified": None, "status": "live"}


def test_the_runs_of_many_sites_are_written_together_with_what_is_buffered(db):
    """A crawl of thousands of sites ends with one write of their runs, after the pages
    still buffered; a site's run written again replaces its row."""
    writer = ArchiveWriter(db, batch_size=10)
    writer.upsert_sites([site_row(f"s{i}") for i in range(3)])
    writer.add_page({"url": "http://s0/list", "site_id": "s0", "kind": "list", "status": 200,
                     "fetched_at": "t1"})
    runs = [{"run_id": "r1", "site_id": f"s{i}", "finished_at": "t1",
             "responses": {"200": i}} for i in range(3)]
    writer.add_runs(runs)
    assert db["pages"].count == 1
    assert [row["responses"] for row in db["crawl_runs"].rows_where(order_by="site_id")] == [
        '{"200": 0}', '{"200": 1}', '{"200": 2}']
    writer.add_runs([dict(runs[1], finish_reason="shutdown")])
    assert db["crawl_runs"].count == 3
    assert db["crawl_runs"].get(("r1", "s1"))["finish_reason"] == "shutdown"
    writer.add_runs([])  # nothing to write: no error


def test_an_archive_of_an_older_schema_is_migrated_with_its_rows(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    shipped = Migrations("parknews")  # the schema as it shipped before m003
    shipped()(m001_sites_articles_pages)
    shipped()(m002_article_language_attachments_images)
    shipped.apply(old)
    old["sites"].insert({"id": "yx", "name": "云溪"})
    old["articles"].insert({"url": "http://yx/1", "site_id": "yx", "body": "正文",
                            "fetched_at": "t1"})
    old.close()
    db = open_archive(path)
    row = db["articles"].get("http://yx/1")
    assert (row["status"], row["version"], row["checked_at"]) == ("live", 1, "t1")
    assert "article_versions" in db.table_names() and "crawl_runs" in db.table_names()


def test_a_writer_waits_for_another_crawls_commit_instead_of_failing(tmp_path):
    """Two crawls write one archive: a write transaction that began by reading (a deferred
    BEGIN, as sqlite-utils' atomic() does) fails at once with "database is locked" when the
    other commits meanwhile; ours takes the write lock first and waits for it."""
    import threading

    path = tmp_path / "shared.db"
    writer = ArchiveWriter(open_archive(path), 10)
    other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("update sites set name = name")  # holds the write lock
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    writer.upsert_sites([{"id": "yx", "name": "云溪", "park": None, "region": None,
                          "start_urls": ["http://yx/"], "updated_at": "t"}])
    assert [r["id"] for r in writer.db["sites"].rows] == ["yx"]
    writer.close()
    other.close()


def test_reextract_finds_an_articles_further_pages_through_an_index(db):
    """reextract looks up every article's further pages: by index, not a scan of pages."""
    from parknews.pipelines.reextract import PARTS_SQL

    migrate(db)
    plan = " ".join(row[3] for row in db.execute(f"explain query plan {PARTS_SQL}", ["u"]))
    assert "pages_part_referer" in plan and "SCAN pages" not in plan


# The writer's hot path writes pages and articles with statements of its own (issue 22):
# they must write what sqlite-utils' upsert_all / insert_all wrote before.

def _page(url, fetched_at, **columns):
    return {"url": url, "site_id": "yx", "kind": "list", "status": 200, "content_type":
            "text/html", "bytes": 10, "error": None, "fetched_at": fetched_at,
            "referer": "http://yx/", "etag": '"v1"', "last_modified": "lm1",
            "run_id": "r1", "warc_file": "a.warc.gz", "warc_offset": 1, "warc_length": 2,
            "warc_record_id": "<urn:1>", "warc_digest": "sha1:X", **columns}


def test_a_page_upserted_twice_keeps_the_second_values_nulls_included(db):
    writer = ArchiveWriter(db, batch_size=100)
    writer.upsert_sites([site_row()])
    writer.add_page(_page("http://yx/a", "t1"))
    writer.add_page(_page("http://yx/a", "t2", etag=None, error="HTTP 500", status=500))
    writer.add_page(_page("http://yx/b", "t2"))
    writer.flush()  # both fetches of a in one batch
    row = db["pages"].get("http://yx/a")
    assert (row["fetched_at"], row["status"], row["error"], row["etag"]) == (
        "t2", 500, "HTTP 500", None)
    writer.add_page(_page("http://yx/a", "t3", warc_file=None, last_modified=None))
    writer.flush()  # and in the next
    row = db["pages"].get("http://yx/a")
    assert (row["fetched_at"], row["warc_file"], row["last_modified"], row["etag"]) == (
        "t3", None, None, '"v1"')
    assert db["pages"].count == 2 and writer.counts["pages"] == 4


def test_a_partial_page_row_updates_only_the_columns_it_names(db):
    writer = ArchiveWriter(db, batch_size=100)
    writer.upsert_sites([site_row()])
    writer.add_page(_page("http://yx/a", "t1"))
    writer.flush()
    writer.add_page({"url": "http://yx/a", "site_id": "yx", "kind": "list", "status": 304,
                     "fetched_at": "t2", "error": None, "run_id": "r2"}, partial=True)
    writer.add_page({"url": "http://yx/new", "site_id": "yx", "kind": "list", "status": 304,
                     "fetched_at": "t2", "error": None, "run_id": "r2"}, partial=True)
    writer.flush()
    row = db["pages"].get("http://yx/a")
    assert (row["status"], row["fetched_at"], row["run_id"]) == (304, "t2", "r2")
    assert (row["etag"], row["last_modified"], row["warc_file"], row["bytes"]) == (
        '"v1"', "lm1", "a.warc.gz", 10)  # kept: the 304 does not name them
    new = db["pages"].get("http://yx/new")
    assert (new["status"], new["etag"], new["warc_file"]) == (304, None, None)


def test_a_page_without_a_url_fails_its_batch_as_sqlite_utils_did(db):
    from sqlite_utils.db import PrimaryKeyRequired

    writer = ArchiveWriter(db, batch_size=100)
    writer.upsert_sites([site_row()])
    writer.add_page(_page("http://yx/a", "t1"))
    writer.add_page(_page(None, "t1"))
    with pytest.raises(PrimaryKeyRequired):
        writer.flush()
    assert db["pages"].count == 0


def _sqlite_utils_reference(rows_by_batch, pages_by_batch):
    """What the writer wrote through sqlite-utils before issue 22, for these batches:
    ``insert_all`` of new articles, ``upsert_all`` of stored ones and of pages."""
    from parknews.archive.store import ARTICLE_COLUMNS, PAGE_COLUMNS, _row

    ref = Database(memory=True)
    migrate(ref)
    ref["sites"].insert(dict(site_row(), start_urls='["http://yx/"]'))
    for articles, pages in zip(rows_by_batch, pages_by_batch, strict=True):
        with ref.conn:
            ref["pages"].upsert_all([_row(p, PAGE_COLUMNS) for p in pages], pk="url")
            for article_ in articles:
                row = dict(_row(article_, ARTICLE_COLUMNS), checked_at=article_["fetched_at"],
                           status="live", withdrawn_at=None)
                old = ref.execute("select version from articles where url = ?",
                                  [row["url"]]).fetchone()
                if old is None:
                    ref["articles"].insert_all(
                        [dict(row, first_seen_at=row["fetched_at"], version=1)], pk="url")
                else:
                    ref["articles"].upsert_all([dict(row, version=old[0])], pk="url")
    return ref


def test_the_writers_statements_write_what_sqlite_utils_wrote(db):
    """Articles new and stored again (unchanged), odd values (a list in a plain column,
    a tuple, a bool, an empty JSON list), pages full: the rows, the search index and the
    counts are those sqlite-utils' insert_all / upsert_all wrote."""
    first = [dict(article(f"http://yx/{n}", "t1", title=f"园区新闻{n}",
                          body=f"第{n}篇正文。园区招商"),
                  published_at=f"2024-0{n % 3 + 1}-01", source=["来源", n] if n == 2 else "云溪",
                  author=("张三", "李四") if n == 3 else None, attachments=[],
                  images=[{"src": "a.png", "caption": "图"}], body_truncated=None,
                  editor=True if n == 4 else None, content_hash=f"h{n}")
             for n in range(6)]
    again = [dict(a, fetched_at="t2", etag='"e2"') for a in first[:3]]
    pages = [[_page(a["url"], "t1", kind="article") for a in first],
             [_page(a["url"], "t2", kind="article", etag=None) for a in again]]
    writer = ArchiveWriter(db, batch_size=1000)
    writer.upsert_sites([site_row()])
    for batch, batch_pages in zip((first, again), pages, strict=True):
        for page, row in zip(batch_pages, batch, strict=True):
            writer.add_page(page)
            writer.add_article(row)
        writer.flush()
    assert writer.counts["articles_unchanged"] == 3
    ref = _sqlite_utils_reference([first, again], pages)

    def dump(database, sql):
        return [tuple(r) for r in database.execute(sql).fetchall()]

    for sql in ("select rowid, * from articles order by url", "select * from pages order by url",
                "select * from article_counts_by_month order by 1, 2",
                "select * from article_counts_by_source order by 1, 2",
                "select rowid from articles_fts where articles_fts match '园区' order by rowid",
                "select rowid from articles_fts where articles_fts match '\"招商\"' order by 1"):
        assert dump(db, sql) == dump(ref, sql), sql
    assert db["articles"].get("http://yx/2")["source"] == '["来源", 2]'
    assert db["articles"].get("http://yx/3")["author"] == '["张三", "李四"]'


def test_a_batch_beyond_the_variable_limit_is_written_in_several_statements(db):
    db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)  # 2 article rows a statement
    writer = ArchiveWriter(db, batch_size=1000)
    writer.upsert_sites([site_row()])
    for n in range(7):
        writer.add_article(article(f"http://yx/{n}", "t1", body=f"园区正文{n}"))
    writer.flush()
    assert db["articles"].count == 7
    assert db.execute("select count(*) from articles_fts where articles_fts match '园区'"
                      ).fetchone()[0] == 7
    assert db.execute("select sum(n) from article_counts_by_month").fetchone()[0] == 7
    db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32766)
    db.conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 1200)  # a row a statement
    for n in range(7, 20):
        writer.add_article(article(f"http://yx/{n}", "t1", body=f"园区正文{n}"))
    writer.flush()
    assert db["articles"].count == 20


def test_an_article_stored_again_is_reindexed_with_the_tokens_handed_over(db, monkeypatch):
    """An article fetched again (unchanged, or changed) is upserted: the search index's
    update trigger cuts the old row's texts and the new row's. Where a text stayed the
    same, both take the tokens the worker handed over; none is cut in the writer."""
    from parknews.archive import search
    from parknews.archive.store import prepare

    writer = ArchiveWriter(db, batch_size=1)
    writer.upsert_sites([site_row()])
    body, title = "园区招商引资项目集中签约。" * 5, "园区签约"
    row = dict(article("http://yx/1", "t1", title=title, body=body), content_hash="h1",
               source="云溪日报")
    changed = "园区招商引资项目集中签约仪式举行。" * 5
    handed = [prepare(title, text, "云溪日报") for text in (body, body, changed)]
    writer.add_article(row, handed[0])
    cut = []
    original = search.index_text
    monkeypatch.setattr(search, "index_text", lambda text, fold=False: cut.append(text)
                        or original(text, fold))
    writer.add_article(dict(row, fetched_at="t2"), handed[1])
    assert writer.counts["articles_unchanged"] == 1 and cut == []
    writer.add_article(dict(row, fetched_at="t3", body=changed, content_hash="h2"),
                       handed[2])
    assert writer.counts["articles_changed"] == 1 and cut == [body]  # the old body only
    monkeypatch.undo()
    assert search.search(db.conn, "仪式")[1] == 1 and search.search(db.conn, "签约")[1] == 1
    assert db.execute("select count(*) from articles_fts where articles_fts match '集中'"
                      ).fetchone()[0] == 1
    precut = search.Precut()
    precut.remember("正文", "tokens")
    precut.twice("正文")
    precut.twice("never remembered")
    assert [precut.take("正文") for _ in range(3)] == ["tokens", "tokens", None]
    assert precut.take("never remembered") is None
