import json
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from conftest import free_port, run_cli
from datasette.app import Datasette
from datasette.utils import tilde_encode
from sqlite_utils import Database

from parknews.archive.publish import make_datasette, metadata_for
from parknews.archive.store import ArchiveWriter, open_archive

BODY = "第一段：园区签约项目12个。\n第二段 <script>alert(1)</script> 继续。"


@pytest.fixture
def archive_path(tmp_path):
    path = tmp_path / "parks.db"
    writer = ArchiveWriter(open_archive(path))
    writer.upsert_sites([{"id": "yx", "name": "云溪经开区", "park": "云溪", "region": "江苏",
                          "start_urls": ["http://yx/"], "updated_at": "t"}])
    for i, (date, source) in enumerate([("2022-07-05", "云溪日报"), ("2023-01-02", "管委会")]):
        writer.add_article({"url": f"http://yx/{i}.html", "site_id": "yx",
                            "title": f"云溪新闻{i}", "body": BODY, "published_at": date,
                            "source": source, "fetched_at": "2026-11-27T00:00:00+00:00"})
    writer.close()
    writer.db.close()
    return path


@pytest.mark.asyncio
async def test_articles_table_has_titles_facets_and_site_labels(archive_path):
    ds = make_datasette(archive_path)
    response = await ds.client.get("/parks/articles")
    assert response.status_code == 200
    html = response.text
    assert "文章 Articles" in html
    assert "云溪新闻0" in html and "云溪新闻1" in html
    assert "云溪经开区" in html  # the site's name, not its id
    data = (await ds.client.get("/parks/articles.json?_extra=facet_results")).json()
    facets = data["facet_results"]
    assert list(facets) == ["site", "park", "source", "month"]
    sources = {v["value"] for v in facets["source"]["results"]}
    assert sources == {"云溪日报", "管委会"}
    assert [v["label"] for v in facets["site"]["results"]] == ["云溪经开区"]
    assert [v["value"] for v in facets["month"]["results"]] == ["2023-01", "2022-07"]


@pytest.mark.asyncio
async def test_row_page_shows_body_as_inert_paragraphs(archive_path):
    ds = make_datasette(archive_path)
    response = await ds.client.get("/parks/articles/" + tilde_encode("http://yx/0.html"))
    assert response.status_code == 200
    html = response.text
    assert '<div class="pn-text"><p>第一段：园区签约项目12个。</p>' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    css = await ds.client.get("/-/parknews.css")
    assert css.status_code == 200 and ".pn-text" in css.text
    assert "/-/parknews.css" in html


@pytest.mark.asyncio
async def test_sorted_newest_first_and_bilingual_metadata(archive_path):
    ds = make_datasette(archive_path)
    data = (await ds.client.get("/parks/articles.json?_shape=array")).json()
    assert [row["published_at"] for row in data] == ["2023-01-02", "2022-07-05"]
    meta = metadata_for("parks")
    assert "园区新闻档案" in meta["title"]
    assert "Park news" in meta["databases"]["parks"]["title"]
    index = await ds.client.get("/")
    assert "parknews 园区新闻档案" in index.text


def test_archive_file_is_plain_sqlite(archive_path):
    db = Database(archive_path)
    assert db["articles"].count == 2


@pytest.mark.asyncio
async def test_versions_query_shows_current_and_earlier_versions(tmp_path):
    path = tmp_path / "parks.db"
    writer = ArchiveWriter(open_archive(path), batch_size=1)
    writer.upsert_sites([{"id": "yx", "name": "云溪经开区", "park": None, "region": None,
                          "start_urls": ["http://yx/"], "updated_at": "t"}])
    for when, body in (("t1", "初版正文。"), ("t2", "修改后的正文。")):
        writer.add_article({"url": "http://yx/1.html", "site_id": "yx", "title": "云溪新闻",
                            "body": body, "content_hash": body, "fetched_at": when})
    writer.close()
    writer.db.close()
    ds = make_datasette(path)
    rows = (await ds.client.get("/parks/versions.json?_shape=array&url=http://yx/1.html")).json()
    assert [(r["state"], r["version"], r["body"]) for r in rows] == [
        ("current", 2, "修改后的正文。"), ("earlier", 1, "初版正文。")]
    page = await ds.client.get("/parks/versions?url=http://yx/1.html")
    assert page.status_code == 200 and "Versions of an article" in page.text
    runs = await ds.client.get("/parks/crawl_runs")
    assert runs.status_code == 200 and "Crawl runs" in runs.text


# ------------------------------------------------------------------ plain Datasette

SEARCH_BODIES = [
    ("园区招商推介会举行", "园区签约项目12个。"),          # in title and body
    ("开发区新闻", "今年园区招商引资成效明显。"),          # inside a longer run
    ("工业園區動態", "園區擴建。"),                      # traditional: not folded by default
    ("产业园动态", "全区产业发展良好，园 区之间有空格。"),  # the two characters apart
    ("ＡＩ园区", "Ａｉ产业。"),                           # full-width letters before it
    ("招商公告", "无关内容。"),
    ("Park news", "Zone and park English text."),
]


@pytest.fixture
def search_archive(tmp_path):
    path = tmp_path / "parks.db"
    writer = ArchiveWriter(open_archive(path))
    writer.upsert_sites([{"id": "yx", "name": "云溪经开区", "park": "云溪", "region": "江苏",
                          "start_urls": ["http://yx/"], "updated_at": "t"}])
    for i, (title, body) in enumerate(SEARCH_BODIES * 3):
        writer.add_article({"url": f"http://yx/{i}.html", "site_id": "yx", "title": title,
                            "body": body, "published_at": f"2024-01-{1 + i:02d}",
                            "source": "园区日报" if i == 5 else "云溪日报",
                            "fetched_at": "2026-11-27T00:00:00+00:00"})
    writer.close()
    writer.db.close()
    return path


def _cli_search(path, query: str) -> list[str]:
    result = run_cli("search", "--db", str(path), query, "--json", "--limit", "1000")
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["url"] for line in result.stdout.splitlines()]


def _all_rows(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("select count(*) from articles").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["园区", "园区招商", "园", "park"])
async def test_plain_datasette_searches_chinese_as_parknews_search(search_archive, query):
    expected = _cli_search(search_archive, query)
    assert expected and len(expected) < _all_rows(search_archive)
    ds = Datasette([str(search_archive)])  # no parknews metadata or settings: the plugin only
    response = await ds.client.get("/parks/articles.json", params={
        "_search": query, "_shape": "array", "_size": "max"})
    assert response.status_code == 200
    assert sorted(row["url"] for row in response.json()) == sorted(expected)
    page = await ds.client.get("/parks/articles", params={"_search": query})
    assert f"{len(expected)} row" in page.text


def test_the_datasette_command_searches_chinese(search_archive, tmp_path):
    """``datasette archive.db`` as a user runs it: the plugin is found by its entry point."""
    expected = _cli_search(search_archive, "园区")
    port = free_port()
    log = (tmp_path / "datasette.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(search_archive),
                             "-h", "127.0.0.1", "-p", str(port)],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    url = (f"http://127.0.0.1:{port}/parks/articles.json?"
           + urlencode({"_search": "园区", "_shape": "array", "_size": "max"}))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    rows = json.loads(response.read())
                break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("datasette did not answer: "
                                + (tmp_path / "datasette.log").read_text(errors="replace"))
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    assert sorted(row["url"] for row in rows) == sorted(expected)


@pytest.mark.asyncio
async def test_without_a_search_index_a_search_shows_no_rows_and_says_why(search_archive):
    conn = sqlite3.connect(search_archive)
    conn.execute("delete from search_meta where key = 'index_version'")
    conn.commit()
    conn.close()
    ds = Datasette([str(search_archive)])
    rows = (await ds.client.get("/parks/articles.json", params={
        "_search": "园区", "_shape": "array"})).json()
    assert rows == []  # never every row
    page = (await ds.client.get("/parks/articles", params={"_search": "园区"})).text
    assert "no Chinese search index" in page and 'href="/-/search"' in page
    assert "parknews reindex" in page
    unsearched = (await ds.client.get("/parks/articles.json", params={"_shape": "array"}))
    assert len(unsearched.json()) == _all_rows(search_archive)
