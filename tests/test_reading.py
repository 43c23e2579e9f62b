"""The archive as a reader meets it in Datasette (archive/datasette_plugin): the article
page, its capture, and the articles table with its facets."""

from __future__ import annotations

import re
import sqlite3
from html import unescape

import pytest
from datasette.utils import tilde_encode

from parknews.archive import counts
from parknews.archive.publish import make_datasette
from parknews.archive.store import ArchiveWriter, open_archive
from parknews.archive.warc import CaptureWriter, Exchange

STORY = ("青梧科技园举办“专精特新”企业培育政策宣讲会，邀请青梧高新区经济发展局、市中小企业服务中心"
         "相关负责人，为园区80余家企业详细解读认定标准和扶持政策。\n"
         "宣讲会上，政策解读人员从专业化、精细化、特色化、创新能力四个维度逐项讲解了省级认定指标。\n"
         "据了解，青梧科技园目前已有国家级专精特新“小巨人”企业5家、省级企业38家。")
ORIGINAL = "http://qw.example/news/2024/0510/1.html"
REPOST = "http://portal.example/news/show-1191.html"
SECOND_REPOST = "http://city.example/zw/t20240512_7.html"
HOSTILE_PAGE = (b"<html><head><title>t</title><script>window.__pwned=1</script></head>"
                b"<body><p>\xe5\x9b\xad\xe5\x8c\xba</p><img src=x onerror=alert(1)></body></html>")
SITES = [
    {"id": "qw", "name": "青梧科技园", "park": "青梧高新区", "region": "浙江",
     "start_urls": ["http://qw.example/"], "updated_at": "t"},
    {"id": "portal", "name": "园创科技网", "park": None, "region": None,
     "start_urls": ["http://portal.example/"], "updated_at": "t"},
    {"id": "city", "name": "青梧市政府", "park": "青梧高新区", "region": "浙江",
     "start_urls": ["http://city.example/"], "updated_at": "t"},
]


def _other_articles() -> list[dict]:
    rows = []
    for i in range(12):
        site = ("qw", "portal", "city")[i % 3]
        rows.append({
            "url": f"http://{site}.example/other/{i}.html", "site_id": site,
            "title": f"{'园区' if i % 2 else '开发区'}新闻第{i}号：新材料项目签约",
            "body": f"第{i}则新闻。项目总投资{i + 3}亿元。",
            "published_at": f"2024-0{3 + i % 3}-{10 + i:02d}T08:00:00",
            "source": ("青梧日报", "新华社", None)[i % 3],
            "fetched_at": "2024-06-01T00:00:00+00:00"})
    return rows


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """An archive with one story on three sites (clustered, the original on qw), an
    article with an earlier version, a capture of the original, and a dozen others."""
    tmp = tmp_path_factory.mktemp("reading")
    path = tmp / "parks.db"
    warc_dir = tmp / "parks-warc"
    with CaptureWriter(warc_dir, "20240601T000000Z", "qw") as warc:
        capture = warc.write_exchange(Exchange(
            url=ORIGINAL, status=200, response_body=HOSTILE_PAGE,
            response_headers=[("Content-Type", "text/html; charset=utf-8")],
            fetched_at="2024-06-01T00:00:00+00:00"))
    db = open_archive(path)
    writer = ArchiveWriter(db, batch_size=1, dedup=True)
    writer.upsert_sites(SITES)
    pointer = {f"warc_{key}": value for key, value in capture.pointer().items()
               if key in ("file", "offset", "length", "record_id")}
    writer.add_article({
        "url": ORIGINAL, "site_id": "qw", "title": "园区举办“专精特新”企业培育政策宣讲会",
        "body": "初稿：" + STORY, "published_at": "2024-05-10T09:48:00", "source": "青梧科技园",
        "author": "企业服务部", "editor": "林小禾", "fetched_at": "2024-05-31T00:00:00+00:00",
        "content_hash": "v1"})
    writer.add_article({
        "url": ORIGINAL, "site_id": "qw", "title": "园区举办“专精特新”企业培育政策宣讲会",
        "body": STORY, "published_at": "2024-05-10T09:48:00", "source": "青梧科技园",
        "author": "企业服务部", "editor": "林小禾", "summary": "八十余家企业听取政策解读。",
        "fetched_at": "2024-06-01T00:00:00+00:00", "content_hash": "v2",
        "images": [{"src": "http://qw.example/img/1.png", "caption": "宣讲会现场"},
                   {"src": "javascript:alert(1)", "caption": "坏图"}],
        "attachments": [{"name": "认定办法.pdf", "url": "http://qw.example/files/rules.pdf"}],
        **pointer})
    writer.add_article({
        "url": REPOST, "site_id": "portal", "title": "青梧科技园举办“专精特新”企业培育政策宣讲会",
        "body": STORY, "published_at": "2024-05-11", "source": "青梧科技园",
        "fetched_at": "2024-06-01T00:00:00+00:00"})
    writer.add_article({
        "url": SECOND_REPOST, "site_id": "city", "title": "专精特新政策宣讲会在青梧科技园举行",
        "body": STORY, "published_at": "2024-05-13T10:00:00", "source": "青梧科技园",
        "fetched_at": "2024-06-01T00:00:00+00:00"})
    for row in _other_articles():
        writer.add_article(row)
    writer.close()
    db.close()
    return path


@pytest.fixture
def ds(archive):
    return make_datasette(archive, immutable=True)


def _page(url: str) -> str:
    return "/parks/articles/" + tilde_encode(url)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


# ------------------------------------------------------------------ the article page


@pytest.mark.asyncio
async def test_the_article_page_reads_as_an_article(ds):
    response = await ds.client.get(_page(ORIGINAL))
    assert response.status_code == 200
    html = response.text
    assert '<h1 class="pn-title">园区举办“专精特新”企业培育政策宣讲会</h1>' in html
    byline = re.search(r'<p class="pn-byline">(.*?)</p>', html, re.S)[1]
    text = _text(byline)
    for shown in ("2024-05-10 09:48", "来源：青梧科技园", "作者：企业服务部", "编辑：林小禾",
                  "青梧科技园", "青梧高新区"):
        assert shown in text, shown
    body = re.search(r'<div class="pn-text">(.*?)</div>', html, re.S)[1]
    assert re.findall(r"<p>(.*?)</p>", body) == STORY.splitlines()
    assert '<div class="pn-text pn-summary"><p>八十余家企业听取政策解读。</p></div>' in html
    # images and attachments listed as links, a javascript: one as text only
    assert '<a href="http://qw.example/img/1.png" rel="noopener noreferrer nofollow"' in html
    assert ">宣讲会现场</a>" in html and "坏图" in html
    assert 'href="javascript:' not in html
    assert '<a href="http://qw.example/files/rules.pdf"' in html and "认定办法.pdf" in html
    # the links: original, capture, versions (one earlier), every column, JSON
    assert f'class="pn-original-link" href="{ORIGINAL}"' in html
    assert "/-/capture?db=parks&amp;url=" in html
    assert "/parks/versions?url=" in html and "另有 1 个旧版本" in html
    assert 'href="?_raw=1"' in html
    assert f'href="/parks/articles/{tilde_encode(ORIGINAL)}.json"' in html
    assert "2024-06-01 08:00" in html  # fetched, in China time


@pytest.mark.asyncio
async def test_also_published_by_lists_the_cluster_with_the_original_marked(ds):
    html = (await ds.client.get(_page(ORIGINAL))).text
    also = re.search(r'<section class="pn-also" id="pn-also">(.*?)</section>', html, re.S)[1]
    assert "同一报道共 3 篇" in also and "原发 original" in _text(also)
    items = re.findall(r"<li(?: class=\"pn-original\")?>(.*?)</li>", also, re.S)
    assert [re.search(r'<a href="[^"]+">([^<]+)</a>', item)[1] for item in items] == [
        "园创科技网", "青梧市政府"]
    assert "2024-05-11" in items[0] and "14 小时后" in items[0]  # lag after the original
    assert "2024-05-13 10:00" in items[1] and "3 天后" in items[1]

    html = (await ds.client.get(_page(REPOST))).text
    also = re.search(r'<section class="pn-also" id="pn-also">(.*?)</section>', html, re.S)[1]
    first = re.search(r'<li class="pn-original">(.*?)</li>', also, re.S)[1]
    assert "原发 original" in first and f'href="{_page(ORIGINAL)}"' in first
    assert "青梧科技园" in first and "2024-05-10 09:48" in first
    assert "转载 repost" in _text(also) and "青梧市政府" in also


@pytest.mark.asyncio
async def test_every_column_stays_one_click_away(ds):
    raw = await ds.client.get(_page(ORIGINAL), params={"_raw": "1"})
    assert raw.status_code == 200
    assert 'class="rows-and-columns"' in raw.text and "content_hash" in raw.text
    assert "pn-article" not in raw.text
    data = (await ds.client.get(_page(ORIGINAL) + ".json")).json()
    assert data["rows"][0][0] == ORIGINAL and "warc_file" in data["columns"]


@pytest.mark.asyncio
async def test_the_capture_is_shown_as_inert_text(ds):
    response = await ds.client.get("/-/capture", params={"db": "parks", "url": ORIGINAL})
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "园区" in html  # decoded as the page's charset
    assert "200" in _text(html)
    missing = await ds.client.get("/-/capture", params={"url": "http://nowhere.example/"})
    assert missing.status_code == 404
    uncaptured = await ds.client.get("/-/capture", params={"url": REPOST})
    assert uncaptured.status_code == 404


@pytest.mark.asyncio
async def test_a_page_of_another_table_is_datasettes_own(ds):
    response = await ds.client.get("/parks/sites/qw")
    assert response.status_code == 200
    assert 'class="rows-and-columns"' in response.text and "pn-article" not in response.text


# ------------------------------------------------------------------ the articles table


@pytest.mark.asyncio
async def test_the_articles_table_lists_titles_first(ds):
    response = await ds.client.get("/parks/articles")
    assert response.status_code == 200
    html = response.text
    table = re.search(r'<table class="pn-articles">(.*?)</table>', html, re.S)[1]
    headers = re.findall(r"<th [^>]*>(.*?)</th>", table, re.S)
    assert _text(headers[0]).strip() == "标题 Title" and len(headers) == 5
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    assert len(rows) == 15
    row = next(row for row in rows if _page(SECOND_REPOST) in row)
    cells = re.findall(r'<td class="pn-col-(\w+)">(.*?)</td>', row, re.S)
    assert [name for name, _ in cells] == ["title", "site", "date", "source", "url"]
    assert f'<a href="{_page(SECOND_REPOST)}">专精特新政策宣讲会在青梧科技园举行</a>' in cells[0][1]
    assert "青梧市政府" in cells[1][1] and "2024-05-13 10:00" in cells[2][1]
    assert _text(cells[4][1]).strip() == "city.example/zw/t20240512_7.html"
    assert f'title="{SECOND_REPOST}"' in cells[4][1]
    # the glossary folded away, every column one click away
    assert '<details class="pn-glossary">' in html
    assert re.search(r'<details class="pn-glossary">\s*<summary>', html)
    assert "?_raw=1" in html
    raw = (await ds.client.get("/parks/articles", params={"_raw": "1"})).text
    assert 'class="rows-and-columns"' in raw and "pn-articles" not in raw.split("<section")[1]


def test_long_urls_are_shortened_to_host_and_last_part():
    from parknews.archive.datasette_plugin.reading import short_url

    url = "http://www.czgx.gov.cn/art/2024/5/3/art_1229371_58774409.html?from=list&page=2"
    assert short_url(url) == "www.czgx.gov.cn/…/art_1229371_58774409.…"
    assert len(short_url(url)) <= 40 and short_url("http://a.cn/x.html") == "a.cn/x.html"


@pytest.mark.asyncio
async def test_dates_are_shown_in_china_time_in_one_format(ds):
    html = (await ds.client.get("/parks/articles", params={"_raw": "1"})).text
    assert '<time datetime="2024-06-01T00:00:00+00:00"' in html  # fetched_at, UTC stored
    assert ">2024-06-01 08:00</time>" in html
    assert ">2024-05-11</time>" in html  # a date alone stays a date


async def _facets(ds, **params) -> dict:
    data = (await ds.client.get("/parks/articles.json",
                                params={"_extra": "facet_results", **params})).json()
    return {name: {v["value"]: v["count"] for v in info["results"]}
            for name, info in data["facet_results"].items()}


def _expected(archive, where: str = "1", params=()) -> dict:
    conn = sqlite3.connect(archive)
    try:
        def grouped(expression, extra=""):
            return dict(conn.execute(
                f"select {expression}, count(*) from articles a left join sites s "
                f"on s.id = a.site_id where {where} and {expression} is not null "
                f"and {expression} != '' {extra} group by 1", params).fetchall())
        return {"site": grouped("a.site_id"), "park": grouped("s.park"),
                "source": grouped("a.source"),
                "month": grouped("substr(a.published_at, 1, 7)")}
    finally:
        conn.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("params, where, values", [
    ({}, "1", ()),
    ({"site_id": "qw"}, "a.site_id = ?", ("qw",)),
    ({"_park": "青梧高新区"}, "s.park = ?", ("青梧高新区",)),
    ({"_month": "2024-05"}, "a.published_at like ?", ("2024-05%",)),
    ({"source": "新华社"}, "a.source = ?", ("新华社",)),
    ({"source": "新华社", "_month": "2024-04"}, "a.source = ? and a.published_at like ?",
     ("新华社", "2024-04%")),
    ({"site_id": "city", "_month": "2024-05"}, "a.site_id = ? and a.published_at like ?",
     ("city", "2024-05%")),
    ({"_search": "园区"}, "a.rowid in (select rowid from articles_fts where articles_fts "
     "match '\"园区\"')", ()),
    ({"title__contains": "新材料"}, "a.title like ?", ("%新材料%",)),
])
async def test_facets_count_what_the_page_shows(ds, archive, params, where, values):
    assert await _facets(ds, **params) == _expected(archive, where, values)


@pytest.mark.asyncio
async def test_park_and_month_filter_the_table(ds):
    rows = (await ds.client.get("/parks/articles.json", params={
        "_park": "青梧高新区", "_month": "2024-05", "_shape": "array"})).json()
    conn = sqlite3.connect(ds.databases["parks"].path)
    expected = {url for (url,) in conn.execute(
        "select url from articles where site_id in (select id from sites where park = ?) "
        "and published_at like '2024-05%'", ["青梧高新区"])}
    conn.close()
    assert {row["url"] for row in rows} == expected and ORIGINAL in expected
    page = (await ds.client.get("/parks/articles", params={"_month": "2024-5"})).text
    assert "not YYYY-MM" in page and "pn-articles" not in page.split("</form>")[1]


def test_the_counts_follow_inserts_updates_and_deletes(tmp_path):
    db = open_archive(tmp_path / "a.db")
    writer = ArchiveWriter(db, batch_size=1)
    writer.upsert_sites(SITES)
    for row in _other_articles():
        writer.add_article(row)
    writer.add_article({**_other_articles()[0], "body": "改过的正文。", "source": "新来源",
                        "published_at": "2023-12-01", "content_hash": "x"})
    writer.close()
    conn = db.conn
    conn.execute("update articles set site_id = 'city' where url = ?",
                 ["http://qw.example/other/3.html"])
    conn.execute("delete from articles where url = ?", ["http://portal.example/other/1.html"])
    conn.execute("insert into articles(url, site_id, body) values ('u', 'qw', '无日期无来源')")
    conn.commit()

    def snapshot():
        return (sorted(conn.execute(f"select * from {counts.BY_MONTH}").fetchall()),
                sorted(conn.execute(f"select * from {counts.BY_SOURCE}").fetchall()))

    kept = snapshot()
    counts.refill(conn)
    assert snapshot() == kept
    assert ("qw", "", 1) in kept[0] and ("qw", "2023-12", 1) in kept[0]
    assert all(n > 0 for *_, n in kept[0] + kept[1])
    db.close()


@pytest.mark.asyncio
async def test_internal_tables_are_hidden_but_reachable(ds):
    home = (await ds.client.get("/")).text
    database = (await ds.client.get("/parks")).text
    for name in ("_sqlite_migrations", "dedup_signatures", "dedup_state", "search_meta",
                 counts.BY_MONTH, counts.BY_SOURCE):
        assert f'href="/parks/{name}"' not in home, name
        assert f'href="/parks/{name}"' not in database, name
        assert (await ds.client.get(f"/parks/{name}")).status_code == 200
    assert 'href="/parks/articles"' in database and 'href="/parks/articles"' in home



# ------------------------------------------------------------------ search, reposts grouped


def _hits(html: str) -> list[str]:
    return re.findall(r'<div class="pn-hit">(.*?)\n  </div>', html, re.S)


@pytest.mark.asyncio
async def test_a_reposted_story_is_one_search_hit_headed_by_its_original(ds):
    response = await ds.client.get("/-/search", params={"q": "专精特新"})
    assert response.status_code == 200
    hits = _hits(response.text)
    # the story is on three sites, all three match: one hit, the original's
    assert len(hits) == 1, hits
    hit = hits[0]
    assert f'<a href="{_page(ORIGINAL)}">' in hit.split("</h3>")[0]
    meta = _text(re.search(r'<div class="pn-meta">(.*?)</div>', hit, re.S)[1])
    assert "青梧科技园" in meta and "qw" not in meta.split()  # the site's name, not its id
    assert "2024-05-10 09:48" in meta and "原发 original" in meta
    details = re.search(r'<details class="pn-reposts">(.*?)</details>', hit, re.S)[1]
    assert "另有 2 家转载" in re.search(r"<summary>(.*?)</summary>", details, re.S)[1]
    members = re.findall(r"<li[^>]*>(.*?)</li>", details, re.S)
    assert [re.search(r'<a href="([^"]+)">', m)[1] for m in members] == [
        _page(REPOST), _page(SECOND_REPOST)]
    assert "园创科技网" in members[0] and "14 小时后" in members[0]
    assert "青梧市政府" in members[1] and "3 天后" in members[1]
    assert "共 3 篇" in response.text  # the count is of articles, the hits of stories


@pytest.mark.asyncio
async def test_the_original_comes_first_when_a_repost_heads_the_hit(ds):
    # only the city's copy has these words in its title: it heads the hit
    response = await ds.client.get("/-/search", params={"q": "专精特新政策宣讲会在"})
    hits = _hits(response.text)
    assert len(hits) == 1
    hit = hits[0]
    assert f'<a href="{_page(SECOND_REPOST)}">' in hit.split("</h3>")[0]
    assert "原发 original" not in _text(re.search(r'<div class="pn-meta">(.*?)</div>',
                                                   hit, re.S)[1])
    members = re.findall(r"<li([^>]*)>(.*?)</li>", hit, re.S)
    assert members[0][0] == ' class="pn-original"' and "原发 original" in members[0][1]
    assert f'href="{_page(ORIGINAL)}"' in members[0][1]
    assert f'href="{_page(REPOST)}"' in members[1][1]


@pytest.mark.asyncio
async def test_search_pages_count_stories_and_never_repeat_one(ds, archive, monkeypatch):
    # 园区 matches the story (three copies) and others: page through them, 2 hits a page
    import parknews.archive.datasette_plugin as plugin
    from parknews.archive import search as archive_search

    conn = sqlite3.connect(archive)
    archive_search.register_functions(conn)
    matching = {hit.url for hit in archive_search.search(conn, "园区", limit=100)[0]}
    conn.close()
    assert {ORIGINAL, REPOST, SECOND_REPOST} <= matching
    monkeypatch.setattr(plugin, "PAGE_SIZE", 2)
    seen, pages = [], 0
    while True:
        pages += 1
        html = (await ds.client.get("/-/search", params={"q": "园区", "page": pages})).text
        hits = _hits(html)
        assert 1 <= len(hits) <= 2
        for hit in hits:
            seen.append(re.search(r'<h3><a href="([^"]+)">', hit)[1])
            seen.extend(re.findall(r'<li[^>]*>.*?<a href="([^"]+)">', hit, re.S))
        if "下一页 Next" not in html:
            break
    assert len(seen) == len(set(seen))  # no article twice, across pages
    assert set(seen) == {_page(url) for url in matching}
    stories = len(matching) - 2  # the three copies are one hit
    assert pages == -(-stories // 2)


def test_hits_are_grouped_where_their_best_hit_stood():
    from parknews.archive.datasette_plugin.grouping import group_hits
    from parknews.archive.search import Hit

    def hit(url):
        return Hit(url=url, site_id="s", title=url, published_at=None, source=None,
                   snippet="", title_html=url, rank=0.0)

    hits = [hit(u) for u in ("a", "repost-of-x", "b", "x", "other-repost-of-x", "c",
                             "y1", "y2")]
    clusters = {"repost-of-x": 1, "x": 1, "other-repost-of-x": 1, "y1": 2, "y2": 2}
    groups = group_hits(hits, clusters)
    assert [g.hit.url for g in groups] == ["a", "repost-of-x", "b", "c", "y1"]
    assert [h.url for h in groups[1].folded] == ["x", "other-repost-of-x"]
    assert [h.url for h in groups[4].folded] == ["y2"]
    assert all(not g.folded for g in (groups[0], groups[2], groups[3]))
    assert [g.cluster_id for g in groups] == [None, 1, None, None, 2]
