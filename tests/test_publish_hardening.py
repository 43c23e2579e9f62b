"""The published Datasette is safe by default: the archive is served immutable or read-only,
writes are refused to everyone (root too), arbitrary SQL is off unless switched on, every
query has a time limit and a row limit, and ``parknews serve`` binds to loopback."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3

import pytest
from conftest import closed_port, run_cli
from datasette.utils import tilde_encode

from parknews.archive.datasette_plugin import bounds
from parknews.archive.publish import (
    DEFAULT_HOST,
    SETTINGS,
    PublishError,
    ServeOptions,
    checkpoint_for_immutable,
    is_loopback,
    make_datasette,
)
from parknews.archive.store import ArchiveWriter, open_archive
from parknews.crawler.cli.publish import ServeArgs, serve_options

ARTICLES = 30
# An endless recursive query: only the time limit stops it.
SLOW_SQL = ("with recursive c(x) as (select 1 union all select x + 1 from c) "
            "select count(*) from c")
# Passes Datasette's "must be a SELECT" check, yet writes: the connection must refuse it.
WRITES_DISGUISED = [
    "with x as (select 1) delete from articles",
    "with x as (select 1) update articles set title = 'pwned'",
    "with x as (select 1) insert into sites (id, name) values ('evil', 'evil')",
]
WRITES_PLAIN = [
    "update articles set title = 'pwned'",
    "delete from articles",
    "drop table articles",
    "insert into sites (id, name) values ('evil', 'evil')",
    "attach database '/tmp/evil.db' as evil",
    "pragma journal_mode = delete",
]


def _url(i: int) -> str:
    return f"http://yx.example/news/{i}.html"


@pytest.fixture
def archive_path(tmp_path):
    path = tmp_path / "parks.db"
    db = open_archive(path)
    writer = ArchiveWriter(db, batch_size=100)
    writer.upsert_sites([{"id": "yx", "name": "云溪经开区", "park": "云溪", "region": "江苏",
                          "start_urls": ["http://yx.example/"], "updated_at": "t"}])
    for i in range(ARTICLES):
        writer.add_article({"url": _url(i), "site_id": "yx", "title": f"云溪园区新闻{i}",
                            "body": f"园区签约项目{i}个。\n第二段。",
                            "published_at": f"2024-05-{1 + i % 28:02d}", "source": "园区日报",
                            "fetched_at": "2024-06-01T00:00:00+00:00", "content_hash": str(i)})
    writer.close()
    db.close()
    return path


def _state(path) -> tuple[str, int, int, list]:
    """The file's hash and what it holds, to prove nothing was written."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        articles = conn.execute("select count(*) from articles").fetchone()[0]
        sites = conn.execute("select count(*) from sites").fetchone()[0]
        titles = conn.execute("select title from articles order by url").fetchall()
    finally:
        conn.close()
    return digest, articles, sites, titles


def _root_cookie(ds) -> dict:
    return {"ds_actor": ds.sign({"a": {"id": "root"}}, "actor")}


# ------------------------------------------------------------------ arbitrary SQL


@pytest.mark.asyncio
@pytest.mark.parametrize("immutable", [False, True])
async def test_arbitrary_sql_is_refused_by_default_even_to_root(archive_path, immutable):
    ds = make_datasette(archive_path, immutable=immutable)
    for cookies in ({}, _root_cookie(ds)):
        response = await ds.client.get("/parks.json", params={"sql": "select 1"},
                                       cookies=cookies)
        assert response.status_code == 403
        page = await ds.client.get("/parks", params={"sql": "select title from articles"},
                                   cookies=cookies)
        assert page.status_code == 403
        where = await ds.client.get("/parks/articles.json", params={"_where": "1 = 1"},
                                    cookies=cookies)
        assert where.status_code == 403
        assert not await ds.permission_allowed(cookies and {"id": "root"} or None,
                                               "execute-sql", "parks")
    database_page = await ds.client.get("/parks")
    assert database_page.status_code == 200
    assert "<textarea" not in database_page.text  # no SQL editor offered


@pytest.mark.asyncio
async def test_arbitrary_sql_works_with_the_switch(archive_path):
    ds = make_datasette(archive_path, immutable=True, allow_sql=True)
    response = await ds.client.get(
        "/parks.json", params={"sql": "select count(*) as n from articles", "_shape": "array"})
    assert response.status_code == 200
    assert response.json() == [{"n": ARTICLES}]
    where = await ds.client.get("/parks/articles.json",
                                params={"_where": "title like '%新闻1%'", "_shape": "array"})
    assert where.status_code == 200 and len(where.json()) == 11  # 1 and 10-19


@pytest.mark.asyncio
async def test_canned_queries_work_with_sql_off(archive_path):
    ds = make_datasette(archive_path, immutable=True)
    for path, params in [("/parks/repost_clusters.json", {"site": ""}),
                         ("/parks/repost_matrix.json", {}),
                         ("/parks/most_reposted.json", {}),
                         ("/parks/versions.json", {"url": _url(3)})]:
        response = await ds.client.get(path, params={**params, "_shape": "array"})
        assert response.status_code == 200, (path, response.text[:500])
    rows = (await ds.client.get("/parks/versions.json",
                                params={"url": _url(3), "_shape": "array"})).json()
    assert [row["title"] for row in rows] == ["云溪园区新闻3"]
    html = await ds.client.get("/parks/versions", params={"url": _url(3)})
    assert html.status_code == 200 and "云溪园区新闻3" in html.text


# ------------------------------------------------------------------ writes


WRITE_REQUESTS = [
    ("/parks/articles/-/insert", {"row": {"url": "http://evil/", "title": "evil"}}),
    ("/parks/articles/-/upsert", {"rows": [{"url": _url(0), "title": "pwned"}]}),
    ("/parks/articles/" + tilde_encode(_url(1)) + "/-/update", {"update": {"title": "pwned"}}),
    ("/parks/articles/" + tilde_encode(_url(2)) + "/-/delete", {}),
    ("/parks/articles/-/drop", {"confirm": True}),
    ("/parks/-/create", {"table": "evil", "columns": [{"name": "id"}]}),
    ("/-/create-token", {}),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("immutable", [False, True])
async def test_write_api_is_refused_with_and_without_an_actor(archive_path, immutable):
    before = _state(archive_path)
    ds = make_datasette(archive_path, immutable=immutable, allow_sql=True)
    root = _root_cookie(ds)
    for path, body in WRITE_REQUESTS:
        for headers, cookies in [({}, {}),
                                 ({"Authorization": "Bearer dstok_forged"}, {}),
                                 ({"Authorization": "Bearer dstok_forged"}, root)]:
            response = await ds.client.post(path, json=body, headers=headers, cookies=cookies)
            assert response.status_code == 403, (path, response.status_code)
            assert "read-only" in response.json()["errors"][0]
        # A cookie without a token never gets past the CSRF check either.
        response = await ds.client.post(path, json=body, cookies=root)
        assert response.status_code == 403
    for action in ("insert-row", "update-row", "delete-row", "create-table", "drop-table",
                   "alter-table"):
        for actor in (None, {"id": "root"}):
            assert await ds.permission_allowed(actor, action, ("parks", "articles"),
                                               default=True) is False
    # Datasette 0.65's table and row pages take no POST (it answers with an error: only
    # canned queries are POSTed to, and none of the archive's writes).
    for path in ("/parks/articles", "/parks/articles/" + tilde_encode(_url(0))):
        response = await ds.client.post(path, json={"title": "pwned"})
        assert response.status_code >= 400
    assert _state(archive_path) == before


@pytest.mark.asyncio
@pytest.mark.parametrize("immutable", [False, True])
async def test_sql_that_writes_never_changes_the_file(archive_path, immutable):
    before = _state(archive_path)
    ds = make_datasette(archive_path, immutable=immutable, allow_sql=True)
    root = _root_cookie(ds)
    for sql in WRITES_DISGUISED + WRITES_PLAIN:
        for cookies in ({}, root):
            response = await ds.client.get("/parks.json", params={"sql": sql},
                                           cookies=cookies)
            assert response.status_code >= 400, sql
            body = response.json()
            assert body["ok"] is False, sql
            assert any(word in body["error"].lower()
                       for word in ("readonly", "read-only", "must be a select",
                                    "disallowed pragma")), (sql, body["error"])
    assert _state(archive_path) == before


def test_a_canned_write_query_is_refused(archive_path):
    from parknews.archive.publish import locked_metadata

    metadata = {"databases": {"parks": {"queries": {
        "wipe": {"sql": "delete from articles", "write": True}}}}}
    with pytest.raises(PublishError, match="wipe"):
        locked_metadata(metadata)


# ------------------------------------------------------------------ limits


@pytest.mark.asyncio
async def test_defaults_are_the_documented_limits(archive_path):
    ds = make_datasette(archive_path, immutable=True)
    assert ds.setting("sql_time_limit_ms") == SETTINGS["sql_time_limit_ms"] == 3000
    assert ds.setting("max_returned_rows") == SETTINGS["max_returned_rows"] == 1000
    assert ds.setting("default_allow_sql") is False
    assert ds.setting("allow_csv_stream") is False
    settings = (await ds.client.get("/-/settings.json")).json()
    assert settings["sql_time_limit_ms"] == 3000 and settings["max_returned_rows"] == 1000
    assert not ds.databases["parks"].is_mutable


@pytest.mark.asyncio
async def test_a_slow_query_is_stopped_by_the_time_limit(archive_path, monkeypatch):
    ds = make_datasette(archive_path, immutable=True, allow_sql=True,
                        settings={"sql_time_limit_ms": 100})
    response = await ds.client.get("/parks.json", params={"sql": SLOW_SQL})
    assert response.status_code == 400
    assert "too long" in response.json()["error"]
    assert "sql_time_limit_ms" in response.json()["error"]
    # The same limit holds for the plugin's search page, which runs its own SQL: here a
    # search that never ends.
    from parknews.archive import search

    def endless_search(conn, *args, **kwargs):
        conn.execute(SLOW_SQL).fetchall()
        raise AssertionError("the time limit did not stop the search")

    monkeypatch.setattr(search, "search", endless_search)
    page = await ds.client.get("/-/search", params={"q": "园区签约"})
    assert page.status_code == 400 and "sql_time_limit_ms = 100 ms" in page.text


@pytest.mark.asyncio
async def test_max_returned_rows_caps_tables_and_queries(archive_path):
    ds = make_datasette(archive_path, immutable=True, allow_sql=True,
                        settings={"max_returned_rows": 7})
    table = (await ds.client.get("/parks/articles.json",
                                 params={"_size": "max", "_shape": "objects"})).json()
    assert len(table["rows"]) == 7 and table["next"]
    too_big = await ds.client.get("/parks/articles.json", params={"_size": "100"})
    assert too_big.status_code == 400
    query = (await ds.client.get("/parks.json",
                                 params={"sql": "select url from articles"})).json()
    assert len(query["rows"]) == 7 and query["truncated"] is True
    stream = await ds.client.get("/parks/articles.csv", params={"_stream": "1"})
    assert stream.status_code == 400  # CSV streaming (all rows) is off
    assert _url(20) not in stream.text


# ------------------------------------------------------------------ immutable files


def test_committed_rows_in_the_wal_are_checkpointed_before_serving_immutable(archive_path,
                                                                            tmp_path):
    # What a crawl killed after a commit leaves: the file, and committed rows in its WAL.
    conn = sqlite3.connect(archive_path)  # the archive is in WAL mode
    conn.execute("update sites set name = '新名字' where id = 'yx'")
    conn.commit()
    killed = tmp_path / "killed.db"
    for suffix in ("", "-wal"):
        killed.with_name(killed.name + suffix).write_bytes(
            archive_path.with_name(archive_path.name + suffix).read_bytes())
    conn.close()
    wal = killed.with_name(killed.name + "-wal")
    assert wal.stat().st_size > 0
    immutable = sqlite3.connect(f"file:{killed}?immutable=1", uri=True)
    assert immutable.execute("select name from sites").fetchone() != ("新名字",)  # unseen
    immutable.close()

    checkpoint_for_immutable(killed)
    assert not wal.exists()
    immutable = sqlite3.connect(f"file:{killed}?immutable=1", uri=True)
    assert immutable.execute("select name from sites").fetchone() == ("新名字",)
    immutable.close()


def test_a_file_a_crawl_is_writing_is_not_served_immutable(archive_path):
    crawl = sqlite3.connect(archive_path, isolation_level=None)
    crawl.execute("update sites set name = 'x'")  # committed, in the WAL
    crawl.execute("begin immediate")  # and now holding the write lock
    crawl.execute("update sites set name = 'y'")
    try:
        with pytest.raises(PublishError, match="--live"):
            checkpoint_for_immutable(archive_path)
    finally:
        crawl.execute("rollback")
    # Idle, but still open: checkpointed, with a warning that it may write again.
    warning = checkpoint_for_immutable(archive_path)
    assert warning and "another process" in warning and "--live" in warning
    crawl.close()
    assert checkpoint_for_immutable(archive_path) is None  # the crawl is over
    immutable = sqlite3.connect(f"file:{archive_path}?immutable=1", uri=True)
    assert immutable.execute("select name from sites").fetchone() == ("x",)
    immutable.close()


def test_a_rollback_journal_is_not_served_immutable(archive_path):
    archive_path.with_name(archive_path.name + "-journal").write_bytes(b"\0" * 512)
    with pytest.raises(PublishError, match="journal"):
        checkpoint_for_immutable(archive_path)


# ------------------------------------------------------------------ the serve command


def test_serve_options_are_safe_by_default(archive_path):
    options = serve_options(ServeArgs(archive_path, host=DEFAULT_HOST))
    assert options.host == "127.0.0.1" and not options.exposed
    assert options.immutable and not options.allow_sql
    settings = options.datasette_settings()
    assert settings["default_allow_sql"] is False
    assert settings["sql_time_limit_ms"] == 3000 and settings["max_returned_rows"] == 1000
    metadata = options.metadata()
    assert metadata["allow_sql"] is False
    assert metadata["databases"]["parks"]["allow_sql"] is False
    assert "repost_clusters" in metadata["databases"]["parks"]["queries"]
    command = options.datasette_command("m.json")
    assert command[:4] == ["datasette", "serve", "-i", str(archive_path)]
    assert command[command.index("-h") + 1] == "127.0.0.1"


def test_serve_options_follow_the_switches(archive_path):
    options = serve_options(ServeArgs(
        archive_path, host="0.0.0.0", port=9000, live=True, allow_sql=True,
        sql_time_limit_ms=500, max_returned_rows=200,
        settings=(("facet_time_limit_ms", "100"), ("allow_download", "off"))))
    assert options.exposed and not options.immutable and options.allow_sql
    settings = options.datasette_settings()
    assert settings["default_allow_sql"] is True
    assert settings["sql_time_limit_ms"] == 500 and settings["max_returned_rows"] == 200
    assert settings["facet_time_limit_ms"] == 100 and settings["allow_download"] is False
    assert "allow_sql" not in options.metadata()
    assert "-i" not in options.datasette_command()


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
    ("example.org", False),
])
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback
    assert ServeOptions(__file__, host=host).exposed is not loopback


def test_serve_dry_run_prints_a_loopback_immutable_command(archive_path, tmp_path):
    metadata = tmp_path / "metadata.json"
    result = run_cli("serve", "--db", str(archive_path), "--dry-run",
                     "--metadata-out", str(metadata))
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("datasette serve -i ")
    assert "-h 127.0.0.1 -p 8001" in line
    assert "--setting default_allow_sql off" in line
    assert "--setting sql_time_limit_ms 3000" in line
    assert "--setting max_returned_rows 1000" in line
    assert "warning" not in result.stderr
    written = json.loads(metadata.read_text(encoding="utf-8"))
    assert written["allow_sql"] is False and written["databases"]["parks"]["allow_sql"] is False

    exposed = run_cli("serve", "--db", str(archive_path), "--dry-run", "--host", "0.0.0.0",
                      "--allow-sql", "--live", "--sql-time-limit-ms", "800")
    assert exposed.returncode == 0, exposed.stderr
    assert "warning: binding to 0.0.0.0 exposes the archive" in exposed.stderr
    assert "-h 0.0.0.0" in exposed.stdout and " -i " not in exposed.stdout
    assert "--setting default_allow_sql on" in exposed.stdout
    assert "--setting sql_time_limit_ms 800" in exposed.stdout

    refused = run_cli("serve", "--db", str(archive_path), "--dry-run",
                      "--setting", "default_allow_sql", "on")
    assert refused.returncode == 2 and "--allow-sql" in refused.stderr
    unknown = run_cli("serve", "--db", str(archive_path), "--dry-run",
                      "--setting", "no_such_setting", "1")
    assert unknown.returncode == 2 and "no_such_setting" in unknown.stderr


def test_serve_refuses_to_serve_immutable_a_file_being_written(archive_path):
    writer = sqlite3.connect(archive_path, isolation_level=None)
    writer.execute("update sites set name = 'x'")  # committed, in the WAL
    writer.execute("begin immediate")  # a crawl writing
    writer.execute("update sites set name = 'y'")
    try:
        result = run_cli("serve", "--db", str(archive_path), "--port", str(closed_port()),
                         timeout=60)
    finally:
        writer.execute("rollback")
        writer.close()
    assert result.returncode == 1
    assert "is being written" in result.stderr and "--live" in result.stderr


# ------------------------------------------------------------------ request bounds
# (archive/datasette_plugin/bounds.py: one visitor's request must not tie the server up)


def _with_long_bodies(path, chars: int = 5000) -> None:
    db = open_archive(path)  # with the search index's functions its triggers call
    db.execute("update articles set body = ?, summary = ?", ["长" * chars, "摘" * chars])
    db.conn.commit()
    db.close()


@pytest.mark.asyncio
async def test_long_list_filters_and_query_strings_are_refused_before_any_query(archive_path):
    ds = make_datasette(archive_path, immutable=True)
    most = bounds.LIMITS["max_filter_values"]
    ok = await ds.client.get("/parks/articles.json",
                             params={"site_id__in": ",".join(["yx"] * most)})
    assert ok.status_code == 200 and len(ok.json()["rows"]) == ARTICLES
    for params in ({"body__in": "," * most}, {"body__notin": "," * 200},
                   {"title__in": json.dumps(["a"] * (most + 1))},
                   {"_filter_column": "body", "_filter_op": "in",
                    "_filter_value": "," * (most + 5)}):
        refused = await ds.client.get("/parks/articles.json", params=params)
        assert refused.status_code == 400, params
        assert "max_filter_values" in refused.json()["error"]
    repeated = await ds.client.get("/parks/articles?" + "&".join(["title=x"] * (most + 1)))
    assert repeated.status_code == 400 and "max_filter_values" in repeated.text
    many = await ds.client.get("/parks/articles?" + "&".join(
        f"title__contains{i}=x" for i in range(bounds.LIMITS["max_params"] + 1)))
    assert many.status_code == 400 and "max_params" in many.text
    long = await ds.client.get("/parks/articles?title=" + "x" * 3000)
    assert long.status_code == 414 and "max_query_string_bytes" in long.text
    facets = await ds.client.get("/parks/articles?" + "&".join(
        "_facet=title&_facet=body&_facet=url&_facet=source" for _ in range(2)))
    assert facets.status_code == 400 and "max_facets" in facets.text


@pytest.mark.asyncio
async def test_raw_search_mode_is_refused(archive_path):
    ds = make_datasette(archive_path, immutable=True)
    response = await ds.client.get("/parks/articles.json",
                                   params={"_search": "a OR b", "_searchmode": "raw"})
    assert response.status_code == 400 and "_searchmode=raw" in response.json()["error"]


@pytest.mark.asyncio
async def test_search_pages_are_clamped(archive_path):
    ds = make_datasette(archive_path, immutable=True)
    response = await ds.client.get("/-/search", params={"q": "园区", "page": "9" * 25})
    assert response.status_code == 200


def test_settings_of_facet_suggestions_are_off():
    assert SETTINGS["suggest_facets"] is False


@pytest.mark.asyncio
async def test_exports_are_capped_in_rows_and_bytes(archive_path):
    _with_long_bodies(archive_path, 20_000)
    ds = make_datasette(archive_path, immutable=True)
    rows = (await ds.client.get("/parks/articles.json",
                                params={"_size": "max", "_shape": "objects"})).json()
    assert len(rows["rows"]) == ARTICLES  # 30 rows: under the cap
    capped = make_datasette(archive_path, immutable=True, plugin_limits={
        "max_page_rows": 7, "max_response_bytes": 2_000_000})
    page = (await capped.client.get("/parks/articles.json",
                                    params={"_size": "max", "_shape": "objects"})).json()
    assert len(page["rows"]) == 7 and page["next"]
    csv = await capped.client.get("/parks/articles.csv", params={"_size": "1000"})
    assert csv.status_code == 200 and csv.text.count("http://yx.example/") == 7
    html = await capped.client.get("/parks/articles", params={"_size": "max"})
    assert html.status_code == 200 and html.text.count('<td class="pn-col-title">') == 7
    small = make_datasette(archive_path, immutable=True, plugin_limits={
        "max_response_bytes": 500_000})
    over = await small.client.get("/parks/articles.json", params={"_col": "body"})
    assert over.status_code == 413
    assert "max_response_bytes" in over.json()["error"]
    assert len(over.content) < 1000
    html = await small.client.get("/parks/articles", params={"_col": "body", "_raw": "1"})
    assert html.status_code == 200


@pytest.mark.asyncio
async def test_bodies_are_cut_on_table_pages_and_whole_on_the_row_page(archive_path):
    _with_long_bodies(archive_path, 5000)
    ds = make_datasette(archive_path, immutable=True)
    table = await ds.client.get("/parks/articles", params={"_col": "body", "_raw": "1"})
    assert table.status_code == 200
    assert "长" * 300 in table.text and "长" * 301 not in table.text
    assert "摘" * 301 not in table.text
    row = await ds.client.get("/parks/articles/" + tilde_encode(_url(1)),
                              params={"_raw": "1"})
    assert row.status_code == 200 and "长" * 5000 in row.text
    article = await ds.client.get("/parks/articles/" + tilde_encode(_url(1)))
    assert article.status_code == 200 and "长" * 5000 in article.text


# ------------------------------------------------------------------ permissions, headers


def _denying(path, database_or_table):
    """A Datasette whose operator's metadata denies everyone a table (or the whole
    database), otherwise what parknews serve gives."""
    from datasette.app import Datasette

    from parknews.archive.publish import datasette_settings, locked_metadata, metadata_for

    metadata = locked_metadata(metadata_for("parks"))
    database = metadata["databases"]["parks"]
    if database_or_table == "database":
        database["allow"] = False
    else:
        database["tables"][database_or_table]["allow"] = False
    return Datasette(immutables=[str(path)], metadata=metadata,
                     settings=datasette_settings())


@pytest.mark.asyncio
@pytest.mark.parametrize("denied", ["articles", "sites", "database"])
async def test_the_plugins_pages_check_datasettes_view_permissions(archive_path, denied):
    ds = make_datasette(archive_path, immutable=True)
    pages = [("/-/search", {"q": "园区"}), ("/-/health", {}),
             ("/-/capture", {"url": _url(1)})]
    before = {path: (await ds.client.get(path, params=params)).status_code
              for path, params in pages}
    assert before["/-/search"] == 200 and before["/-/health"] == 200
    ds = _denying(archive_path, denied)
    reads = {"articles": ["/-/search", "/-/capture"], "sites": ["/-/search", "/-/health"],
             "database": ["/-/search", "/-/health", "/-/capture"]}[denied]
    for path, params in pages:
        response = await ds.client.get(path, params=params)
        if path in reads:
            assert response.status_code == 403, (denied, path)
            assert "园区新闻" not in response.text
        else:
            assert response.status_code == before[path], (denied, path)
    if denied != "sites":
        row = await ds.client.get("/parks/articles/" + tilde_encode(_url(1)))
        assert row.status_code == 403  # Datasette's own page, for comparison


@pytest.mark.asyncio
async def test_every_answer_carries_the_security_headers(archive_path):
    ds = make_datasette(archive_path, immutable=True)
    for path in ("/", "/parks", "/parks/articles", "/parks/articles.json",
                 "/parks/articles/" + tilde_encode(_url(1)), "/-/search?q=园区", "/-/health",
                 "/parks/articles.json?body__in=" + "," * 100, "/no/such/page"):
        response = await ds.client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert response.headers["x-frame-options"] == "DENY", path
    # an answer with its own, stricter policy (/-/capture's) keeps it
    own = bounds.with_headers([(b"content-security-policy", b"default-src 'none'")])
    assert [v for k, v in own if k == b"content-security-policy"] == [b"default-src 'none'"]


@pytest.mark.asyncio
async def test_the_host_header_is_not_reflected(archive_path):
    ds = make_datasette(archive_path, immutable=True)
    evil = {"Host": "evil.example"}
    table = await ds.client.get("/parks/articles.json", params={"_size": "5"}, headers=evil)
    assert table.json()["next_url"] and "evil.example" not in table.json()["next_url"]
    html = await ds.client.get("/parks/articles", params={"_size": "5"}, headers=evil)
    assert "evil.example" not in html.text
    public = make_datasette(archive_path, immutable=True,
                            public_url="https://parks.example.org")
    table = await public.client.get("/parks/articles.json", params={"_size": "5"},
                                    headers=evil)
    assert table.json()["next_url"].startswith("https://parks.example.org/parks/articles")
    with pytest.raises(PublishError):
        make_datasette(archive_path, public_url="https://parks.example.org/sub?x=1")


@pytest.mark.asyncio
async def test_databases_json_names_no_server_path(archive_path):
    ds = make_datasette(archive_path, immutable=True)
    for path in ("/-/databases.json", "/-/databases"):
        response = await ds.client.get(path)
        assert response.status_code == 200
        assert str(archive_path.parent) not in response.text
        assert "parks.db" in response.text
    data = (await ds.client.get("/-/databases.json")).json()
    assert [entry["path"] for entry in data] == ["parks.db"]


def test_demo_warns_as_serve_does_when_exposed(tmp_path):
    # --db in a directory that does not exist: the demo stops before crawling, after its
    # exposure check
    exposed = run_cli("demo", "--db", str(tmp_path / "no" / "demo.db"), "--host", "0.0.0.0")
    assert exposed.returncode == 1
    assert "parknews demo: warning: binding to 0.0.0.0 exposes the archive" in exposed.stderr
    loopback = run_cli("demo", "--db", str(tmp_path / "no" / "demo.db"), "--host", "127.0.0.1")
    assert loopback.returncode == 1 and "warning" not in loopback.stderr


def test_serve_takes_a_public_url(archive_path, tmp_path):
    metadata = tmp_path / "metadata.json"
    result = run_cli("serve", "--db", str(archive_path), "--dry-run", "--metadata-out",
                     str(metadata), "--public-url", "https://parks.example.org/")
    assert result.returncode == 0, result.stderr
    written = json.loads(metadata.read_text(encoding="utf-8"))
    assert written["plugins"]["parknews"]["public_url"] == "https://parks.example.org"
    bad = run_cli("serve", "--db", str(archive_path), "--dry-run",
                  "--public-url", "parks.example.org/x")
    assert bad.returncode == 2 and "--public-url" in bad.stderr


# ------------------------------------------------------------------ body cap at store time


def test_a_long_body_is_cut_when_stored_and_the_cut_recorded(tmp_path):
    from parknews.archive.store import MAX_BODY_CHARS

    db = open_archive(tmp_path / "cut.db")
    writer = ArchiveWriter(db, batch_size=1)
    writer.upsert_sites([{"id": "yx", "name": "云溪", "start_urls": [], "updated_at": "t"}])
    long_body = "园区" * MAX_BODY_CHARS  # twice the cap
    writer.add_article({"url": _url(1), "site_id": "yx", "title": "长文", "body": long_body,
                        "fetched_at": "2024-06-01T00:00:00+00:00", "content_hash": "a"})
    writer.add_article({"url": _url(2), "site_id": "yx", "title": "短文", "body": "短。",
                        "fetched_at": "2024-06-01T00:00:00+00:00", "content_hash": "b"})
    rows = {row["url"]: row for row in db.query(
        "select url, length(body) as chars, body_truncated from articles")}
    assert rows[_url(1)]["chars"] == MAX_BODY_CHARS == 200_000
    assert rows[_url(1)]["body_truncated"] == 2 * MAX_BODY_CHARS
    assert rows[_url(2)]["chars"] == 2 and rows[_url(2)]["body_truncated"] is None
    # the article is in the search index (the cut text indexed, not refused)
    assert db.execute("select count(*) from articles_fts where articles_fts match "
                      "'\"园区\"'").fetchone()[0] == 1
    # a new, short version replaces it: the earlier version keeps its note
    writer.add_article({"url": _url(1), "site_id": "yx", "title": "长文", "body": "改短了。",
                        "fetched_at": "2024-06-02T00:00:00+00:00", "content_hash": "c"})
    assert db.execute("select body_truncated from articles where url = ?",
                      [_url(1)]).fetchone()[0] is None
    assert db.execute("select body_truncated, length(body) from article_versions "
                      "where url = ?", [_url(1)]).fetchone() == (2 * MAX_BODY_CHARS,
                                                                 MAX_BODY_CHARS)
    small = ArchiveWriter(db, batch_size=1, max_body_chars=3)
    small.add_article({"url": _url(3), "site_id": "yx", "title": "t", "body": "一二三四五",
                       "fetched_at": "2024-06-01T00:00:00+00:00", "content_hash": "d"})
    assert db.execute("select body, body_truncated from articles where url = ?",
                      [_url(3)]).fetchone() == ("一二三", 5)
    writer.close()
    db.close()


class _Settings:
    """What bounds.wrap reads of a Datasette."""

    def __init__(self, limits: dict):
        self.limits = limits

    def plugin_config(self, name):
        return {"limits": self.limits}

    def setting(self, name):
        return 1000


@pytest.mark.asyncio
async def test_one_client_waits_its_turn_and_cannot_take_every_turn():
    release = asyncio.Event()
    started: list[str] = []

    async def slow_app(scope, receive, send):
        started.append(scope["client"][0])
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = bounds.wrap(slow_app, _Settings({"max_requests_per_client": 1,
                                           "max_waiting_per_client": 2, "max_requests": 3}))

    async def get(address: str) -> int:
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        await app({"type": "http", "path": "/parks/articles", "query_string": b"",
                   "headers": [], "client": (address, 1234), "server": ("127.0.0.1", 8001)},
                  receive, send)
        return sent[0]["status"]

    one = [asyncio.create_task(get("10.0.0.1")) for _ in range(4)]
    await asyncio.sleep(0.05)
    assert started == ["10.0.0.1"]  # one at a time for this visitor, two waiting
    refused = [task for task in one if task.done()]
    assert len(refused) == 1 and refused[0].result() == 429  # the fourth: no room to wait
    others = [asyncio.create_task(get(f"10.0.0.{n}")) for n in (2, 3)]
    await asyncio.sleep(0.05)
    assert sorted(started) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]  # not held up by .1
    busy = await get("10.0.0.4")
    assert busy == 503  # three under way: max_requests
    release.set()
    results = await asyncio.gather(*one, *others)
    assert sorted(results) == [200] * 5 + [429]
    assert started.count("10.0.0.1") == 3


def test_search_reads_only_the_bodies_it_shows(archive_path):
    from parknews.archive import search

    conn = sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True)
    search.register_functions(conn)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    hits, total, _ = search.search(conn, "园区签约", limit=5)
    conn.close()
    assert total == ARTICLES and len(hits) == 5 and all(hit.snippet for hit in hits)
    reading = [sql for sql in statements if "body from articles" in sql]
    assert len(reading) == 1  # the page's bodies, for their snippets
    assert reading[0].count(",") <= 5 + 1  # five rowids in its json list, no more
    assert not [sql for sql in statements if "a.body from" in sql]  # not the window's


def test_the_crawl_setting_sets_the_body_cap(tmp_path):
    from scrapy.utils.test import get_crawler

    from parknews.crawler.sites import parse_sites
    from parknews.crawler.spiders.park import ParkSpider
    from parknews.pipelines.items import Article, FetchedPage
    from parknews.pipelines.storage import StoragePipeline

    site = parse_sites('[[sites]]\nid = "qw"\nname = "青梧"\nstart_urls = ["http://qw.cn/"]\n')
    db_path = tmp_path / "a.db"
    crawler = get_crawler(ParkSpider, settings_dict={"ARCHIVE_DB": str(db_path),
                                                      "PARKNEWS_MAX_BODY_CHARS": 4})
    crawler.spider = crawler._create_spider(site=site[0])
    pipeline = StoragePipeline.from_crawler(crawler)
    pipeline.open_spider()
    item = FetchedPage(url="http://qw.cn/a/1.html", site_id="qw", kind="article",
                       fetched_at="2026-11-27T00:00:00+00:00", status=200,
                       content_type="text/html", body=b"<html></html>")
    item.article = Article(title="标题", body="一二三四五六", source="来源")
    pipeline.process_item(item)
    pipeline.close_spider()
    pipeline.spider_closed(None, "finished")
    conn = sqlite3.connect(db_path)
    assert conn.execute("select body, body_truncated from articles").fetchone() == (
        "一二三四", 6)
    conn.close()
