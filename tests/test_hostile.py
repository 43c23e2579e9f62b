"""Hostile sites: every bad case of tests/mockservers/hostile.py, crawled with the default
bounds of crawler/settings.py (only DOWNLOAD_TIMEOUT shortened to 3 s, to keep this fast).

One module fixture crawls the hostile sites and a normal mock site (TRS) twice in one
``parknews crawl``: first in good mode (every URL a healthy article, all stored), then in
hostile mode with every known article due for its recheck, so that each bad answer meets
an article the archive already holds. Each case then has its test: the page has its
recorded reason, a bound applied (size, time, hops, retries), and what was stored stays.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FAST, run_cli
from mockservers import hostile as hs
from sqlite_utils import Database

from parknews.crawler import settings as defaults
from parknews.crawler.middlewares import retry_after_seconds
from parknews.crawler.mocksites import serve_mock_sites, sites_toml
from parknews.pipelines.extract import MAX_PAGE_BYTES, extract

TIMEOUT = 3  # DOWNLOAD_TIMEOUT of these crawls
ROBOTS_TIMEOUT = 2  # PARKNEWS_ROBOTSTXT_TIMEOUT of these crawls: below DOWNLOAD_TIMEOUT
RETRIES = defaults.RETRY_TIMES  # the default, which FAST turns off
SETTINGS = [*FAST, "--set", f"DOWNLOAD_TIMEOUT={TIMEOUT}", "--set", f"RETRY_TIMES={RETRIES}",
            "--set", f"PARKNEWS_ROBOTSTXT_TIMEOUT={ROBOTS_TIMEOUT}"]
TRS_HOST = "127.0.0.105"
HOSTILE_SITES = ("hostile", "robots-slow", "robots-huge")


def _articles(db: Database) -> dict[str, dict]:
    return {row["url"]: row for row in db.query(
        "select url, site_id, title, body, content_hash, status from articles")}


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hostile")
    with hs.serve_hostile() as hostile, serve_mock_sites(
            ids=["trs"], hosts={"trs": TRS_HOST}) as (trs,):
        sites_file = workdir / "sites.toml"
        sites_file.write_text(sites_toml([trs]) + hostile.sites_toml(), encoding="utf-8")
        db_path = workdir / "archive.db"
        crawl = ("crawl", "--sites", str(sites_file), "--db", str(db_path), *SETTINGS)
        good = run_cli(*crawl, timeout=120)
        assert good.returncode == 0, good.stderr[-3000:]
        before = _articles(Database(db_path))
        hostile.turn()
        trs.clear_requests()
        started = time.monotonic()
        bad = run_cli(*crawl, "--set", "PARKNEWS_RECHECK_DAYS=0", timeout=120)
        elapsed = time.monotonic() - started
        yield {"hostile": hostile, "trs": trs, "good": good, "bad": bad, "elapsed": elapsed,
               "before": before, "db": Database(db_path)}


def page(crawls, key: str, host: str = "hostile") -> dict:
    return crawls["db"]["pages"].get(crawls["hostile"].url(key, host))


def hits(crawls, key: str, host: str = "hostile") -> list:
    path = hs.CASE_BY_NAME[key].path if key in hs.CASE_BY_NAME else key
    return crawls["hostile"].hits(host, path, mode="hostile")


def assert_kept(crawls, key: str, host: str = "hostile") -> None:
    """The article stored by the good crawl is still there, unchanged and live."""
    url = crawls["hostile"].url(key, host)
    before, after = crawls["before"][url], _articles(crawls["db"])[url]
    assert after == before and after["status"] == "live", url


def assert_stored(crawls, url: str, key: str) -> dict:
    """The healthy article behind ``key`` is stored at ``url``, title and text (each
    paragraph from its 第N段 on: junk bytes go just before it in the spoiled pages)."""
    row = crawls["db"]["articles"].get(url)
    assert row["title"] == hs.title_of(key) and row["status"] == "live", url
    for paragraph in hs.paragraphs_of(key):
        assert paragraph[paragraph.index("第"):] in row["body"], (url, paragraph)
    return row


# -- the crawls as a whole -------------------------------------------------------------------


def test_both_crawls_finish_every_site_within_the_bounds(crawls):
    for result in (crawls["good"], crawls["bad"]):
        assert result.returncode == 0, result.stderr[-3000:]
        for site_id in ("trs", *HOSTILE_SITES):
            assert site_id in result.stdout
    runs = list(crawls["db"]["crawl_runs"].rows)
    assert len(runs) == 2 * 4 and {r["finish_reason"] for r in runs} == {"finished"}
    # the slowest cases (3 attempts of 3 s each) bound the run, nothing waits forever
    assert crawls["elapsed"] < 60


def test_second_site_in_the_same_crawl_completes_normally(crawls):
    trs, db = crawls["trs"], crawls["db"]
    stored = {row["url"] for row in db["articles"].rows_where("site_id = 'trs'")}
    assert stored == set(trs.articles)
    assert not db["pages"].count_where("site_id = 'trs' and error is not null")
    assert trs.requests()  # it was crawled again, beside the hostile sites


def test_good_articles_are_stored(crawls):
    hostile = crawls["hostile"]
    for url in hostile.good_urls:
        assert_stored(crawls, url, urlsplit(url).path)
    for path in hs.ROBOTS_ARTICLES[:2]:  # robots-huge: allowed by the part that was read
        assert len(hits(crawls, path, "robots_huge")) == 1
        assert page(crawls, path, "robots_huge")["error"] is None
        assert_stored(crawls, hostile.url(path, "robots_huge"), path)


def test_nothing_already_stored_is_lost(crawls):
    before, after = crawls["before"], _articles(crawls["db"])
    turncoats = [crawls["hostile"].url(c.name) for c in hs.CASES if c.turncoat]
    assert set(turncoats) <= set(before)  # each bad case met a stored article
    for url, row in before.items():
        assert after[url] == row, url
        assert after[url]["status"] == "live", url


# -- pages that lie ---------------------------------------------------------------------------


def test_binary_bytes_as_html(crawls):
    row = page(crawls, "binary")
    assert row["status"] == 200 and row["error"] == "not HTML (binary content)"
    assert row["bytes"] == 64 * 1024  # recorded, never parsed
    assert_kept(crawls, "binary")


def test_empty_200(crawls):
    row = page(crawls, "empty")
    assert row["status"] == 200 and row["bytes"] == 0 and row["error"] == "empty page"
    assert_kept(crawls, "empty")


def test_ten_megabyte_page(crawls):
    row = page(crawls, "big_page")
    # fetched (under DOWNLOAD_MAXSIZE, kept in the WARC) but never parsed: over the
    # extractor's limit
    assert hs.BIG_PAGE_BYTES > MAX_PAGE_BYTES and hs.BIG_PAGE_BYTES < defaults.DOWNLOAD_MAXSIZE
    assert row["status"] == 200 and row["bytes"] == hs.BIG_PAGE_BYTES
    assert row["error"] == f"page too large (10.0 MiB > {MAX_PAGE_BYTES / 2**20:g} MiB)"
    assert row["warc_file"] and row["warc_length"] > 0
    assert_kept(crawls, "big_page")


def test_ten_thousand_nested_tags(crawls):
    row = page(crawls, "nested")
    assert row["status"] == 200 and row["bytes"] == len(hs.nested_page())
    assert row["error"] == "no article text found"
    # the bound is the parser's: libxml2 stops building the tree at its depth limit,
    # so the text nested below it is never reached, quickly
    started = time.monotonic()
    article = extract(hs.nested_page(), "http://x/a/news/20240315/14.html")
    assert time.monotonic() - started < 10 and not article.body
    assert_kept(crawls, "nested")


def test_invalid_utf8_bytes(crawls):
    row = assert_stored(crawls, crawls["hostile"].url("bad_utf8"), "bad_utf8")
    assert row["encoding"] == "utf-8" and page(crawls, "bad_utf8")["error"] is None


def test_invalid_gbk_bytes(crawls):
    row = assert_stored(crawls, crawls["hostile"].url("bad_gbk"), "bad_gbk")
    assert row["encoding"] == "gb18030" and page(crawls, "bad_gbk")["error"] is None


def test_charset_header_that_lies(crawls):
    row = assert_stored(crawls, crawls["hostile"].url("lying_charset"), "lying_charset")
    assert row["encoding"] == "gb18030"  # the bytes won over the header and the meta


# -- bodies that grow ---------------------------------------------------------------------------


def test_gzip_bomb(crawls):
    row = page(crawls, "gzip_bomb")
    assert row["status"] is None and row["error"].startswith("IgnoreRequest: Ignored response")
    assert f"exceeded DOWNLOAD_MAXSIZE ({defaults.DOWNLOAD_MAXSIZE} B) during decompression" \
        in row["error"]
    assert len(hits(crawls, "gzip_bomb")) == 1  # refused, not retried
    assert len(hs.gzip_bomb()) < 2**20 < hs.BOMB_EXPANDED_BYTES // 100
    assert_kept(crawls, "gzip_bomb")


def test_endless_chunked_response(crawls):
    row = page(crawls, "endless_chunked")
    limit = defaults.DOWNLOAD_MAXSIZE
    match = re.fullmatch(rf"DownloadTooLargeError: body larger than the download size limit "
                         rf"\({limit} B\): cancelled after (\d+) B", row["error"])
    assert match and limit < int(match[1]) < limit + 2**20
    (event,) = crawls["hostile"].events(path=hs.CASE_BY_NAME["endless_chunked"].path)
    assert event.how in ("client closed", "stopped")
    assert event.sent < 3 * limit  # the client stopped reading (socket buffers aside)
    assert len(hits(crawls, "endless_chunked")) == 1
    assert_kept(crawls, "endless_chunked")


# -- peers that stall ---------------------------------------------------------------------------


def _timed_out(crawls, case: str) -> list:
    url = crawls["hostile"].url(case)
    assert page(crawls, case)["error"] == (
        f"DownloadTimeoutError: Getting {url} took longer than {TIMEOUT:.1f} seconds.")
    # 1 + RETRIES attempts, each cut at the timeout (Scrapy's clock starts when it sends:
    # arrival times at the server are no measure, a kept-alive connection may hold an
    # attempt back behind a large answer) and the whole run bounded (first test)
    assert len(hits(crawls, case)) == 1 + RETRIES
    return crawls["hostile"].events(path=hs.CASE_BY_NAME[case].path)


def test_server_that_never_answers(crawls):
    events = _timed_out(crawls, "never_answers")
    assert len(events) == 1 + RETRIES and all(e.sent == 0 for e in events)
    assert_kept(crawls, "never_answers")


def test_server_answering_one_byte_a_second(crawls):
    events = _timed_out(crawls, "one_byte_a_second")
    assert len(events) == 1 + RETRIES and all(e.how != "finished" for e in events)
    assert min(e.sent for e in events) <= TIMEOUT + 1
    assert_kept(crawls, "one_byte_a_second")


# -- redirects ---------------------------------------------------------------------------------


def test_redirect_loop(crawls):
    hostile = crawls["hostile"]
    url = hostile.url("redirect_loop")
    back = url.rsplit("/", 1)[0] + "/loop-back.html"
    assert page(crawls, "redirect_loop")["error"] == (
        f"RedirectLoopError: redirect loop: {url} -> {back} -> {url}")
    assert len(hits(crawls, "redirect_loop")) == 1
    assert_kept(crawls, "redirect_loop")


def _hops(crawls, case: str) -> list:
    prefix = f"/go/{hs.CASE_BY_NAME[case].number}/"
    return [h for h in crawls["hostile"].hits(mode="hostile") if h.path.startswith(prefix)]


def test_long_redirect_chain(crawls):
    assert page(crawls, "redirect_chain_long")["error"] == (
        "IgnoreRequest: max redirections reached")
    assert hs.CHAIN_HOPS_LONG > defaults.REDIRECT_MAX_TIMES
    assert len(_hops(crawls, "redirect_chain_long")) == defaults.REDIRECT_MAX_TIMES
    assert_kept(crawls, "redirect_chain_long")


def test_short_redirect_chain_is_followed(crawls):
    case = hs.CASE_BY_NAME["redirect_chain_short"]
    assert len(_hops(crawls, "redirect_chain_short")) == hs.CHAIN_HOPS_SHORT
    final = f"/a/news/20240330/{case.number}0.html"
    assert_stored(crawls, crawls["hostile"].url(final), final)
    assert page(crawls, final)["error"] is None


def test_redirect_to_another_host(crawls):
    hostile = crawls["hostile"]
    url = hostile.url("redirect_offsite")
    target = hostile.url(hs.CASE_BY_NAME["redirect_offsite"].path, "elsewhere")
    assert page(crawls, "redirect_offsite")["error"] == (
        f"OffsiteRedirectError: redirect to another host: {url} -> {target}")
    assert hostile.hits("elsewhere") == []  # never followed
    assert_kept(crawls, "redirect_offsite")


# -- servers that push back ---------------------------------------------------------------------


def test_429_with_a_short_retry_after_is_waited_for(crawls):
    first, second = hits(crawls, "retry_after_short")
    assert second.time - first.time >= hs.RETRY_AFTER_SHORT - 0.05
    assert_stored(crawls, crawls["hostile"].url("retry_after_short"), "retry_after_short")
    assert page(crawls, "retry_after_short")["status"] == 200


def test_429_with_a_long_retry_after_is_not_retried(crawls):
    assert hs.RETRY_AFTER_LONG > defaults.PARKNEWS_RETRY_AFTER_MAX
    row = page(crawls, "retry_after_long")
    assert row["status"] == 429 and row["error"] == "HTTP 429"
    assert len(hits(crawls, "retry_after_long")) == 1  # neither waited for nor hammered
    assert_kept(crawls, "retry_after_long")


def test_503_burst_is_retried_until_the_page_comes(crawls):
    assert hs.BURST_503 <= RETRIES
    assert len(hits(crawls, "burst_503")) == hs.BURST_503 + 1
    assert_stored(crawls, crawls["hostile"].url("burst_503"), "burst_503")


def test_permanent_503_stops_after_the_retries(crawls):
    row = page(crawls, "always_503")
    assert row["status"] == 503 and row["error"] == "HTTP 503"
    assert len(hits(crawls, "always_503")) == 1 + RETRIES
    assert_kept(crawls, "always_503")


# -- robots.txt ---------------------------------------------------------------------------------


def test_robots_txt_that_times_out(crawls):
    hostile = crawls["hostile"]
    netloc = hostile.base("robots_slow").removeprefix("http://")
    rows = list(crawls["db"]["pages"].rows_where("site_id = 'robots-slow'"))
    assert len(rows) == 1 + len(hs.ROBOTS_ARTICLES)  # the list and the rechecks
    for row in rows:  # refused before fetching, with the reason
        assert row["error"].startswith(
            f"RobotsTxtUnreachable: robots.txt of {netloc} unreachable (DownloadTimeoutError: "
            f"Getting http://{netloc}/robots.txt took longer than {ROBOTS_TIMEOUT:.1f} seconds.)")
    asked = {h.path for h in hostile.hits("robots_slow", mode="hostile")}
    assert asked == {"/robots.txt"}  # nothing else was fetched from the host
    attempts = hits(crawls, "/robots.txt", "robots_slow")
    assert len(attempts) == 1 + RETRIES
    gaps = [b.time - a.time for a, b in zip(attempts, attempts[1:], strict=False)]
    assert min(gaps) >= ROBOTS_TIMEOUT / 2
    for path in hs.ROBOTS_ARTICLES:
        assert_kept(crawls, path, "robots_slow")


def test_huge_robots_txt(crawls):
    assert len(hs.huge_robots()) > 4 * defaults.PARKNEWS_ROBOTSTXT_MAX_BYTES
    private = hs.ROBOTS_ARTICLES[2]
    assert private.startswith(hs.DISALLOWED_DIR)
    # the rule in the part read applies (also to requests that waited for the file) ...
    assert page(crawls, private, "robots_huge")["error"] == "IgnoreRequest: Forbidden by robots.txt"
    assert hits(crawls, private, "robots_huge") == []
    assert_kept(crawls, private, "robots_huge")
    # ... the "Disallow: /" past PARKNEWS_ROBOTSTXT_MAX_BYTES does not (see
    # test_good_articles_are_stored), and the cut is in the log
    assert "only its first" in crawls["bad"].stderr


# -- Retry-After values ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "seconds"), [
    (b"120", 120.0), ("0", 0.0), (" 7 ", 7.0),
    ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),  # an HTTP-date, 30 s after "now"
    ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past
    ("soon", None), ("-5", None), ("", None), (None, None),
])
def test_retry_after_values(value, seconds):
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert retry_after_seconds(value, now=now) == seconds


def test_documented_defaults():
    assert defaults.DOWNLOAD_MAXSIZE > MAX_PAGE_BYTES  # pages the extractor refuses: kept
    assert defaults.DOWNLOAD_WARNSIZE < defaults.DOWNLOAD_MAXSIZE
    assert 429 in defaults.RETRY_HTTP_CODES and 503 in defaults.RETRY_HTTP_CODES
    table = (Path(__file__).resolve().parents[1] / "docs" / "reliability.md").read_text(
        encoding="utf-8")
    for case in hs.CASES:  # one row per case
        assert f"`{case.name}`" in table, case.name
    assert "`robots_timeout`" in table and "`robots_huge`" in table
