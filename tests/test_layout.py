"""The published demo archive as a person sees it: headless Chromium at 1280 px and at
390 px (a phone) on the article page, the articles table and the search page, checking
the layout itself (measured boxes, characters per line), not only the text.

The archive is the demo's (``parknews demo --no-serve``: the seven mock sites, crawled from
their home pages, with their repost clusters), served by ``parknews serve``. A
screenshot of each page at each width is written to ``tests/artifacts/layout/``
(git-ignored; ``<page>-<width>.png`` the whole page, ``…-first-screen.png`` what the
window shows first) for a person to look at.

Needs /usr/bin/chromium (``sh scripts/install-browser``), as tests/test_browser.py.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from browsers import TIMEOUT_MS, launched_chromium
from conftest import REPO, run_cli, serving
from datasette.utils import tilde_encode
from playwright.sync_api import expect

ARTIFACTS = REPO / "tests" / "artifacts" / "layout"
WIDTHS = {"desktop": 1280, "phone": 390}
HEIGHT = 900

# Characters on each line of the elements matched: a list per element, a count per line
# (a new line where a character's box starts lower than the line's first by half a line).
LINE_COUNTS_JS = """(selector) => {
  const out = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const lines = [];
    let top = null, node;
    while ((node = walker.nextNode())) {
      for (let i = 0; i < node.length; i++) {
        if (/\\s/.test(node.data[i])) continue;
        const range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect || !rect.width) continue;
        if (top === null || rect.top > top + rect.height / 2) {
          lines.push(0); top = rect.top;
        }
        lines[lines.length - 1] += 1;
      }
    }
    out.push(lines);
  }
  return out;
}"""

BOXES_JS = """(selector) => [...document.querySelectorAll(selector)]
  .filter(e => e.offsetParent !== null || e.getClientRects().length)
  .map(e => { const r = e.getBoundingClientRect();
              return {tag: e.tagName + (e.className ? "." + e.className : ""),
                      left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })"""


# ------------------------------------------------------------------ the demo archive


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``parknews demo --no-serve`` into a fresh archive: (its output, the archive)."""
    tmp = tmp_path_factory.mktemp("layout")
    db = tmp / "demo.db"
    result = run_cli("demo", "--db", str(db), "--no-serve", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, db


@pytest.fixture(scope="module")
def server(demo, tmp_path_factory):
    with serving(demo[1], tmp_path_factory.mktemp("layout-serve") / "serve.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


def _page(browser, width: int):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": HEIGHT})
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _article_path(url: str) -> str:
    return "/demo/articles/" + tilde_encode(url)


def _cluster(db: Path) -> tuple[list[str], str]:
    """The members of a repost cluster of the demo (the original first) and a phrase of
    the original's body that every member's body holds."""
    conn = sqlite3.connect(db)
    try:
        cluster_id = conn.execute("select cluster_id from clusters order by size desc, "
                                  "cluster_id limit 1").fetchone()[0]
        rows = conn.execute(
            "select m.url, a.body from cluster_members m join articles a using (url) "
            "where m.cluster_id = ? order by m.is_original desc, m.url", [cluster_id]
        ).fetchall()
    finally:
        conn.close()
    original = rows[0][1]
    for start in range(0, len(original) - 12):
        phrase = original[start:start + 12]
        if re.fullmatch(r"[\u4e00-\u9fff]{12}", phrase) and all(phrase in b for _, b in rows):
            return [url for url, _ in rows], phrase
    raise AssertionError("no phrase common to the cluster's bodies")


def test_the_demo_checks_health_warns_of_its_broken_sites_and_opens_on_search(demo):
    result, _ = demo
    out = result.stdout
    assert "Some mock sites break on purpose" in out
    breakage = out.split("break on purpose", 1)[1].split("\n\nsite ")[0]
    assert re.search(r"\n  \w+ +1 link answering 404", breakage)
    assert "answering 500" in breakage and "robots.txt disallows" in breakage
    health = out.split("Site health (parknews health):\n", 1)[1].split("\n\n")[0]
    sites = {line.split()[0]: line.split()[1] for line in health.splitlines()
             if line.startswith("  ") and not line.strip().startswith("-")}
    assert set(sites) == {"trs", "dede", "destoon", "hanweb", "province", "wordpress", "asp"}
    assert set(sites.values()) <= {"healthy", "unhealthy", "unknown"}
    assert "http://127.0.0.1:8001/-/search" in out.splitlines()[-1]


def test_a_mock_repost_cluster_is_one_search_hit_and_also_published_on_each_page(
        browser, demo, server):
    members, phrase = _cluster(demo[1])
    assert len(members) >= 2
    context, page = _page(browser, WIDTHS["desktop"])
    try:
        page.goto(server + "/-/search")
        page.locator("#pn-q").fill(phrase)
        with page.expect_navigation():
            page.get_by_role("button", name="搜索 Search").click()
        hits = page.locator(".pn-hit")
        paths = {_article_path(url) for url in members}
        holding = [i for i in range(hits.count())
                   if {a.get_attribute("href") for a in hits.nth(i).locator("a").all()}
                   & paths]
        assert len(holding) == 1  # the story once
        hit = hits.nth(holding[0])
        expect(hit.locator("h3 a")).to_have_attribute("href", _article_path(members[0]))
        summary = hit.locator("details.pn-reposts summary")
        expect(summary).to_contain_text(f"另有 {len(members) - 1} 家转载")
        expect(hit.locator("details.pn-reposts li").first).not_to_be_visible()
        summary.click()  # unfolds
        listed = hit.locator("details.pn-reposts li a")
        expect(listed).to_have_count(len(members) - 1)
        assert [a.get_attribute("href") for a in listed.all()] == [
            _article_path(url) for url in members[1:]]
        _shoot(page, "search-cluster", WIDTHS["desktop"])
        for number, url in enumerate(members):
            page.goto(server + _article_path(url))
            _shoot(page, f"article-cluster-member{number}", WIDTHS["desktop"])
            also = page.locator("#pn-also li a")
            assert {a.get_attribute("href") for a in also.all()} == paths - {
                _article_path(url)}
            original = page.locator("#pn-also li.pn-original a")
            if url == members[0]:
                expect(page.locator("#pn-also .pn-this")).to_contain_text("原发 original")
                expect(original).to_have_count(0)
            else:
                expect(original).to_have_attribute("href", _article_path(members[0]))
    finally:
        context.close()


# ------------------------------------------------------------------ layout


def _longest_article(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select url from articles order by length(body) desc, url "
                            "limit 1").fetchone()[0]
    finally:
        conn.close()


def _no_horizontal_scroll(page) -> None:
    scroll, inner = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"the page scrolls sideways: {scroll} px wide in {inner} px"


def _content_width(page) -> float:
    return page.evaluate(
        "() => document.querySelector('section.content').getBoundingClientRect().width")


def _full_lines(counts: list[list[int]]) -> list[int]:
    """Every line of every paragraph but its last (which may be short)."""
    return [n for lines in counts for n in lines[:-1]]


def _shoot(page, name: str, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}-first-screen.png"))


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_article_page_reads_at_a_readable_measure(browser, demo, server, width):
    context, page = _page(browser, width)
    try:
        page.goto(server + _article_path(_longest_article(demo[1])))
        _shoot(page, "article", width)
        _no_horizontal_scroll(page)
        title = page.locator("h1.pn-title").bounding_box()
        assert title["width"] >= 0.6 * _content_width(page)
        lines = _full_lines(page.evaluate(LINE_COUNTS_JS, ".pn-article .pn-text p"))
        assert len(lines) >= 3, lines
        assert min(lines) >= 25, lines
        if width >= 1280:
            assert max(lines) <= 46, lines  # about 40 a line, not the screen's width
        # the meta line and links wrap inside the page
        for selector in ("p.pn-byline", "p.pn-sources"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_articles_table_gives_the_titles_room(browser, server, width):
    context, page = _page(browser, width)
    try:
        page.goto(server + "/demo/articles")
        _shoot(page, "articles", width)
        _no_horizontal_scroll(page)
        titles = page.locator("table.pn-articles td.pn-col-title")
        assert titles.count() >= 20
        table = page.locator("table.pn-articles").bounding_box()
        assert table["x"] >= 0 and table["x"] + table["width"] <= width
        cell = titles.first.bounding_box()
        # the title column is the widest: at least 40 % of the table (all of it on a phone)
        assert cell["width"] >= (0.4 if width >= 1280 else 0.9) * table["width"]
        lines = _full_lines(page.evaluate(LINE_COUNTS_JS,
                                          "table.pn-articles td.pn-col-title a"))
        assert not lines or min(lines) >= 15, lines  # titles wrap by words, not by letters
        # the facets sit beside each other without overlapping
        _assert_apart(page.evaluate(BOXES_JS, ".facet-results > .facet-info"))
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_search_page_form_does_not_overlap(browser, server, width):
    context, page = _page(browser, width)
    try:
        page.goto(server + "/-/search?" + "q=%E5%9B%AD%E5%8C%BA")  # 园区
        expect(page.locator(".pn-hit").first).to_be_visible()
        details = page.locator("details.pn-reposts")
        if details.count():
            details.first.locator("summary").click()
        _shoot(page, "search", width)
        _no_horizontal_scroll(page)
        fields = page.evaluate(BOXES_JS, "form.pn-search-form > label, "
                                         "form.pn-search-form > button")
        assert len(fields) == 6
        _assert_apart(fields)
        for field in fields:
            assert field["left"] >= 0 and field["right"] <= width, field
        # each control inside its own label, and wide enough to use (44 px: a finger)
        for label in page.locator("form.pn-search-form > label").all():
            outer = label.bounding_box()
            inner = label.locator("input, select").bounding_box()
            assert inner["x"] >= outer["x"] - 0.5
            assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
            assert inner["width"] >= 100 and inner["height"] >= 20
        words = page.locator("#pn-q").bounding_box()
        assert words["width"] >= (300 if width >= 1280 else 0.8 * _content_width(page))
        lines = _full_lines(page.evaluate(LINE_COUNTS_JS, ".pn-hit > p"))
        assert not lines or min(lines) >= 20, lines
    finally:
        context.close()


def _assert_apart(boxes: list[dict]) -> None:
    """No two boxes overlap (by more than a pixel's rounding)."""
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap_x = min(a["right"], b["right"]) - max(a["left"], b["left"])
            overlap_y = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            assert overlap_x <= 1 or overlap_y <= 1, f"{a} overlaps {b}"
