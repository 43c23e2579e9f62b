"""Chinese full-text search: the bigram index, query translation, ranking, the CLI and the
Datasette plugin (table search box and the /-/search page)."""

from __future__ import annotations

import random
import sqlite3

import pytest
from conftest import run_cli
from datasette.utils import tilde_encode

from parknews.archive import search
from parknews.archive.publish import make_datasette
from parknews.archive.store import ArchiveError, ArchiveWriter, Prepared, open_archive


def test_index_text_cuts_runs_into_bigrams_and_words():
    assert search.index_text("园区招商") == "园区 区招 招商 商"
    assert search.index_text("ＡＩ园区，５Ｇ基站 Park") == "ai 园区 区 5g 基站 站 park"
    assert search.index_text("氢") == "氢"
    assert search.index_text(None) == ""


@pytest.mark.parametrize("query, match", [
    ("开发区", '"开发 发区"'),
    ("氢", '"氢"*'),
    ("园区 招商", '"园区" AND "招商"'),
    ("5G基站", '"5g 基站"'),
    ("氢5G", '"氢 5g"'),
    ('"开发区 新闻"', '"开发 发区 区 新闻"'),
    ("Park", '"park"'),
    ("招商 招商", '"招商"'),
])
def test_queries_become_phrases_of_the_same_tokens(query, match):
    assert search.parse_query(query).match == match


@pytest.mark.parametrize("query", [
    "", "   ", '""', "，。！", "a OR b", "NEAR(园区 招商, 2)", "园区*", "^招商", "title:招商",
    "'; drop table articles; --", '"unbalanced', "x" * 10000, "\x00\x07招商\x1f",
    "招商 AND OR NOT", "(((", "-招商", "+招商",
])
def test_hostile_queries_never_fail(small_db, query):
    hits, total, parsed = search.search(small_db, query)
    assert total >= 0 and len(hits) <= total
    if len(query) > search.MAX_QUERY_CHARS:
        assert parsed.note and "cut" in parsed.note


CHARS = "园区招商开发高新技术产业氢能基站新材料数字经济企业项目签约投资建设"


def _corpus(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        body = "".join(rng.choice(CHARS + "，。 ") for _ in range(rng.randint(20, 80)))
        rows.append({"url": f"http://yx/{i}.html", "site_id": "yx" if i % 2 else "qw",
                     "title": "".join(rng.choice(CHARS) for _ in range(rng.randint(4, 12))),
                     "body": body, "source": rng.choice(["园区日报", "管委会", None]),
                     "published_at": f"2024-0{1 + i % 9}-1{i % 10}",
                     "fetched_at": "t", "content_hash": str(i)})
    return rows


@pytest.fixture
def small_db(tmp_path):
    db = open_archive(tmp_path / "s.db")
    writer = ArchiveWriter(db, batch_size=100)
    writer.upsert_sites([{"id": "yx", "name": "云溪经开区", "park": "云溪经开区",
                          "region": None, "start_urls": ["http://yx/"], "updated_at": "t"},
                         {"id": "qw", "name": "青梧科技园", "park": "青梧高新区",
                          "region": None, "start_urls": ["http://qw/"], "updated_at": "t"}])
    for row in _corpus(300):
        writer.add_article(row)
    writer.close()
    return db.conn


def test_every_query_length_finds_exactly_the_articles_holding_it(small_db):
    rng = random.Random(3)
    rows = small_db.execute("select url, title, body, source from articles").fetchall()
    texts = {url: [search.normalize(t or "") for t in (title, body, source)]
             for url, title, body, source in rows}
    checked = 0
    for length in (1, 2, 3, 4):
        for _ in range(25):
            url, title, body, _ = rng.choice(rows)
            text = (body or "").replace("，", "").replace("。", "").replace(" ", "")
            start = rng.randrange(0, max(1, len(text) - length))
            term = text[start:start + length]
            if len(term) < length:
                continue
            expected = {u for u, cols in texts.items() if any(term in c for c in cols)}
            hits, total, _ = search.search(small_db, term, limit=1000)
            assert {h.url for h in hits} == expected, term
            assert total == len(expected)
            checked += 1
    assert checked >= 90


def test_two_terms_and_filters(small_db):
    hits, total, _ = search.search(small_db, "园区 招商", limit=1000)
    for hit in hits:
        row = small_db.execute("select title, body, source from articles where url = ?",
                               [hit.url]).fetchone()
        text = " ".join(t or "" for t in row)
        assert "园区" in text and "招商" in text
    only_yx, n_yx, _ = search.search(small_db, "园区", site="yx", limit=1000)
    assert only_yx and {h.site_id for h in only_yx} == {"yx"}
    by_park, n_park, _ = search.search(small_db, "园区", park="青梧高新区", limit=1000)
    assert {h.site_id for h in by_park} == {"qw"}
    assert n_yx + n_park == search.search(small_db, "园区")[1]
    dated, _, _ = search.search(small_db, "园区", date_from="2024-03-01", date_to="2024-04-30",
                                limit=1000)
    assert dated and all("2024-03-01" <= h.published_at <= "2024-04-30" for h in dated)
    page2, _, _ = search.search(small_db, "园区", limit=5, offset=5)
    page1, _, _ = search.search(small_db, "园区", limit=5)
    assert not {h.url for h in page1} & {h.url for h in page2}


def test_title_matches_rank_above_body_matches(tmp_path):
    db = open_archive(tmp_path / "r.db")
    writer = ArchiveWriter(db, batch_size=10)
    writer.upsert_sites([{"id": "yx", "name": "云溪", "park": None, "region": None,
                          "start_urls": ["http://yx/"], "updated_at": "t"}])
    filler = "园区企业稳步发展，" * 20
    writer.add_article({"url": "http://yx/body", "site_id": "yx", "title": "园区新闻",
                        "body": filler + "氢能产业链项目落地。", "fetched_at": "t"})
    writer.add_article({"url": "http://yx/title", "site_id": "yx", "title": "氢能产业园开工",
                        "body": filler, "fetched_at": "t"})
    writer.close()
    hits, total, _ = search.search(db.conn, "氢能")
    assert total == 2 and [h.url for h in hits] == ["http://yx/title", "http://yx/body"]
    assert hits[0].title_html == "<mark>氢能</mark>产业园开工"
    assert "<mark>氢能</mark>" in hits[1].snippet and hits[1].snippet.startswith("…")


def _fts5_scores(conn, query: str) -> dict[str, float]:
    """SQLite's own bm25() (same weights) of every match, for comparison."""
    weights = ", ".join(map(str, search.RANK_WEIGHTS))
    return dict(conn.execute(
        f"select a.url, bm25(articles_fts, {weights}) from articles_fts join articles a "
        f"on a.rowid = articles_fts.rowid where articles_fts match ?",
        [search.parse_query(query).match]))


@pytest.mark.parametrize("query", ["氢能", "园区 招商", "技术", "数字 企业"])
def test_own_bm25_ranks_like_sqlites(small_db, query):
    """The archive ranks itself (FTS5's bm25 counts every match first): the same formula
    and weights put at the top the articles SQLite's bm25 scores best over the whole
    result set (lengths are characters here, tokens there: near ties may swap)."""
    hits, total, _ = search.search(small_db, query, limit=1000)
    theirs = _fts5_scores(small_db, query)
    assert total == len(theirs) == len(hits) > 2
    assert {h.url for h in hits} == set(theirs)
    assert [h.rank for h in hits] == sorted(h.rank for h in hits)
    best = sorted(theirs.values())
    for position, hit in enumerate(hits[:5]):
        assert theirs[hit.url] == pytest.approx(best[position], rel=0.03)


def test_large_result_sets_rank_the_newest_and_page_through_the_rest(small_db,
                                                                      monkeypatch):
    everything = search.search(small_db, "园区", limit=1000)[0]
    monkeypatch.setattr(search, "RANK_WINDOW", 10)
    monkeypatch.setattr(search, "COUNT_CAP", 50)
    expected = {h.url for h in everything}
    assert len(expected) > 60
    pages = []
    for offset in range(0, len(expected) + 20, 7):  # pages straddle the window's end
        hits, total, _ = search.search(small_db, "园区", limit=7, offset=offset)
        assert total == 51  # "more than 50"
        pages += [h.url for h in hits]
    assert len(pages) == len(set(pages)) and set(pages) == expected  # each match once
    rowid = dict(small_db.execute("select url, rowid from articles"))
    newest = sorted(expected, key=rowid.get, reverse=True)
    assert set(pages[:10]) == set(newest[:10])  # the window: the 10 newest, ranked
    ranks = [h.rank for h in search.search(small_db, "园区", limit=10)[0]]
    assert ranks == sorted(ranks)
    assert pages[10:] == newest[10:]  # then newest first


def test_counts_stop_at_the_cap(small_db, monkeypatch):
    exact = search.search(small_db, "园区")[1]
    monkeypatch.setattr(search, "COUNT_CAP", exact - 1)
    assert search.search(small_db, "园区")[1] == exact  # the cap + 1: "more than"
    monkeypatch.setattr(search, "COUNT_CAP", exact)
    assert search.search(small_db, "园区")[1] == exact


def test_index_follows_inserts_updates_and_deletes(small_db):
    conn = small_db
    before = search.search(conn, "独一无二")[1]
    assert before == 0
    conn.execute("update articles set body = body || '独一无二' where url = 'http://yx/5.html'")
    assert [h.url for h in search.search(conn, "独一无二")[0]] == ["http://yx/5.html"]
    conn.execute("update articles set title = '氘氚聚变' where url = 'http://yx/6.html'")
    assert [h.url for h in search.search(conn, "氘氚")[0]] == ["http://yx/6.html"]
    conn.execute("delete from articles where url = 'http://yx/5.html'")
    assert search.search(conn, "独一无二")[1] == 0
    conn.commit()
    assert conn.execute("insert into articles_fts(articles_fts) values('integrity-check')"
                        ) is not None


def test_an_outdated_index_asks_for_reindex(tmp_path):
    path = tmp_path / "old.db"
    db = open_archive(path)
    ArchiveWriter(db).upsert_sites([{"id": "yx", "name": "云溪", "park": None, "region": None,
                                     "start_urls": ["http://yx/"], "updated_at": "t"}])
    db.execute("update search_meta set value = 'bigram-0' where key = 'index_version'")
    db.conn.commit()
    db.close()
    with pytest.raises(ArchiveError, match="parknews reindex"):
        open_archive(path)
    result = run_cli("reindex", "--db", str(path))
    assert result.returncode == 0 and "indexed 0 articles (bigram-1)" in result.stdout
    open_archive(path)  # fine again


def test_cli_search_prints_ranked_results_and_json(tmp_path, small_db):
    path = tmp_path / "s.db"
    small_db.commit()
    result = run_cli("search", "--db", str(path), "开发", "--limit", "3")
    assert result.returncode == 0, result.stderr
    total = search.search(small_db, "开发")[1]
    assert result.stdout.startswith(f"{total} articles match; 1-3:")
    as_json = run_cli("search", "--db", str(path), "开发", "--json", "--site", "yx")
    assert as_json.returncode == 0 and '"site_id": "yx"' in as_json.stdout
    empty = run_cli("search", "--db", str(path), "，。")
    assert empty.returncode == 1 and "nothing to search for" in empty.stderr


@pytest.mark.asyncio
async def test_datasette_table_search_and_search_page(tmp_path, small_db):
    small_db.commit()
    ds = make_datasette(tmp_path / "s.db")
    expected = search.search(small_db, "招商", limit=1000)[1]
    data = (await ds.client.get("/s/articles.json?_search=招商&_size=max&_shape=objects")
            ).json()
    assert len(data["rows"]) == expected > 0
    # (a query string over 2048 bytes is refused before any query: 414, bounds.py)
    for query in ("", '"', "NEAR(", "x" * 1500, "'; drop table articles; --"):
        response = await ds.client.get("/s/articles", params={"_search": query})
        assert response.status_code == 200, query
    too_long = await ds.client.get("/s/articles", params={"_search": "x" * 10000})
    assert too_long.status_code == 414 and "max_query_string_bytes" in too_long.text
    page = await ds.client.get("/-/search", params={"q": "招商", "site": "yx"})
    assert page.status_code == 200
    assert "全文搜索" in page.text and "<mark>招商</mark>" in page.text
    first = search.search(small_db, "招商", site="yx")[0][0]
    assert tilde_encode(first.url) in page.text
    for query in ("", "，", "x" * 1500, '"unbalanced', "\x01"):
        response = await ds.client.get("/-/search", params={"q": query})
        assert response.status_code == 200, query
    home = await ds.client.get("/")
    assert "/-/search" in home.text


def test_connections_without_the_functions_cannot_corrupt_the_index(small_db, tmp_path):
    small_db.commit()
    plain = sqlite3.connect(tmp_path / "s.db")
    with pytest.raises(sqlite3.OperationalError, match="parknews_index_text"):
        plain.execute("update articles set body = 'x' where url = 'http://yx/1.html'")
    plain.close()


def test_traditional_folding_is_an_option_of_the_archive(tmp_path):
    path = tmp_path / "t.db"
    db = open_archive(path)
    writer = ArchiveWriter(db, batch_size=10)
    writer.upsert_sites([{"id": "tw", "name": "北嵐", "park": None, "region": None,
                          "start_urls": ["http://tw/"], "updated_at": "t"}])
    writer.add_article({"url": "http://tw/1", "site_id": "tw", "title": "北嵐產業園區擴建",
                        "body": "污水處理廠完成擴建。", "fetched_at": "t"})
    writer.add_article({"url": "http://tw/2", "site_id": "tw", "title": "北岚产业园区新闻",
                        "body": "园区招商。", "fetched_at": "t"})
    writer.close()
    assert {h.url for h in search.search(db.conn, "园区")[0]} == {"http://tw/2"}
    db.close()
    result = run_cli("reindex", "--db", str(path), "--fold-traditional")
    assert result.returncode == 0 and "traditional folded to simplified" in result.stdout
    db = open_archive(path)
    assert {h.url for h in search.search(db.conn, "园区")[0]} == {"http://tw/1", "http://tw/2"}
    assert {h.url for h in search.search(db.conn, "園區")[0]} == {"http://tw/1", "http://tw/2"}
    ArchiveWriter(db, batch_size=1).add_article(
        {"url": "http://tw/3", "site_id": "tw", "title": "處理廠", "body": "擴建完成。",
         "fetched_at": "t"})  # new rows are folded by the triggers too
    assert {h.url for h in search.search(db.conn, "处理")[0]} == {"http://tw/1", "http://tw/3"}


def test_index_text_cut_ahead_is_used_once_and_only_for_its_text(tmp_path, monkeypatch):
    """Extraction workers hand the writer each text's tokens; the index trigger takes them
    instead of cutting again (a marker token proves it), once, and only for that text."""
    db = open_archive(tmp_path / "p.db")
    writer = ArchiveWriter(db, batch_size=10)
    writer.upsert_sites([{"id": "yx", "name": "云溪", "park": None, "region": None,
                          "start_urls": ["http://yx/"], "updated_at": "t"}])
    body = "园区招商引资项目签约。" * 3
    prepared = Prepared(body=body, index=((body, search.index_text(body) + " precutmarker"),))
    writer.add_article({"url": "http://yx/1", "site_id": "yx", "title": "签约",
                        "body": body, "fetched_at": "t"}, prepared)
    writer.add_article({"url": "http://yx/2", "site_id": "yx", "title": "签约",
                        "body": body, "fetched_at": "t"})  # same text: cut afresh
    stale = Prepared(body="another body", index=(("别的", "precutmarker"),))
    writer.add_article({"url": "http://yx/3", "site_id": "yx", "title": "别的",
                        "body": "别的正文。", "fetched_at": "t"}, stale)  # not for this body
    writer.close()
    assert [h.url for h in search.search(db.conn, "precutmarker")[0]] == ["http://yx/1"]
    assert search.search(db.conn, "招商引资")[1] == 2
    monkeypatch.setattr(search.Precut, "MAX", 2)
    precut = search.Precut()
    for number in range(5):
        precut.remember(f"text {number}", "x")
    assert [precut.take(f"text {n}") for n in range(5)] == [None, None, None, "x", "x"]
    other = ArchiveWriter(open_archive(tmp_path / "q.db"), batch_size=10)
    assert other.precut is not writer.precut  # each writer's connection has its own
