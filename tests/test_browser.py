"""The search UI in a real browser: headless Debian Chromium, driven by Playwright, against
``parknews serve`` on loopback. Home page → 全文搜索 → type a 2-character query → highlighted
results → open one. Archived markup and script in a body stay inert text.

Needs /usr/bin/chromium: ``sh scripts/install-browser`` installs it (the README's test
command runs it first, so CI always has it). Playwright's own browser download cannot work
here, so the system Chromium is launched through ``executable_path``.
"""

from __future__ import annotations

import pytest
from browsers import TIMEOUT_MS, launched_chromium
from conftest import serving
from playwright.sync_api import Page, expect

from parknews.archive.store import ArchiveWriter, open_archive

QUERY = "氢能"
XSS_TITLE = "园区安全提示 <img src=x onerror=alert('title')>"
XSS_BODY = ("园区发布氢能安全提示：<script>alert('xss')</script>\n"
            "附图 <img src=x onerror=alert('img')> 完。")


def _articles() -> list[dict]:
    """30 articles: 6 with the query in title and body, 4 in the body only, one hostile
    body holding it too, 19 without it."""
    rows = []
    for i in range(6):
        rows.append({"title": f"云溪{QUERY}产业园第{i + 1}期项目开工",
                     "body": f"第{i + 1}期{QUERY}项目总投资{10 + i}亿元。\n"
                             f"园区管委会表示，{QUERY}装备制造将成为新的增长点。"})
    for i in range(4):
        rows.append({"title": f"青梧高新区新材料企业签约{i + 1}家",
                     "body": f"签约企业中有{i + 1}家从事{QUERY}储运设备研发。\n项目明年投产。"})
    rows.append({"title": XSS_TITLE, "body": XSS_BODY})
    for i in range(19):
        rows.append({"title": f"开发区招商引资推介会第{i + 1}场举行",
                     "body": f"本场推介会签约数字经济项目{i + 2}个。\n企业代表参观了孵化器。"})
    return [dict(row, url=f"http://park{i % 2}.example/news/t2024_{i}.html",
                 site_id="yx" if i % 2 else "qw", published_at=f"2024-05-{1 + i % 28:02d}",
                 source="园区日报", fetched_at="2024-06-01T00:00:00+00:00",
                 content_hash=str(i))
            for i, row in enumerate(rows)]


ARTICLES = _articles()
HITS = [a for a in ARTICLES if QUERY in a["title"] + a["body"]]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``parknews serve`` on a small archive, on a free loopback port: its base URL."""
    tmp = tmp_path_factory.mktemp("browser")
    db_path = tmp / "parks.db"
    db = open_archive(db_path)
    writer = ArchiveWriter(db, batch_size=100)
    writer.upsert_sites([
        {"id": "yx", "name": "云溪经开区", "park": "云溪经济技术开发区", "region": "江苏省",
         "start_urls": ["http://park1.example/"], "updated_at": "t"},
        {"id": "qw", "name": "青梧科技园", "park": "青梧高新区", "region": "浙江省",
         "start_urls": ["http://park0.example/"], "updated_at": "t"}])
    for article in ARTICLES:
        writer.add_article(article)
    writer.close()
    db.close()

    with serving(db_path, tmp / "serve.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


@pytest.fixture
def dialogs() -> list[str]:
    return []


@pytest.fixture
def page(browser, dialogs):
    """A fresh page; any alert/confirm/prompt it opens is recorded, dismissed and fails
    the test."""
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()
    assert not dialogs, f"the page opened dialogs (script ran): {dialogs}"


def _search(page: Page, server: str, query: str) -> None:
    """From the home page, follow 全文搜索, type the query and submit it."""
    page.goto(server + "/")
    page.locator("a:visible", has_text="全文搜索").first.click()
    page.wait_for_url("**/-/search*")
    expect(page.locator("h1")).to_contain_text("全文搜索")
    box = page.locator("#pn-q")
    box.click()
    box.press_sequentially(query)
    with page.expect_navigation():
        page.get_by_role("button", name="搜索 Search").click()
    expect(page.locator(".pn-count")).to_be_visible()


def test_search_highlights_results_and_opens_an_article(page, dialogs, server):
    _search(page, server, QUERY)
    assert "q=" in page.url
    expect(page.locator("#pn-q")).to_have_value(QUERY)
    n = len(HITS)
    expect(page.locator(".pn-count")).to_contain_text(f"共 {n} 篇 · {n} articles")
    hits = page.locator(".pn-hit")
    expect(hits).to_have_count(n)
    for i in range(n):  # every result shows the query highlighted, in title or snippet
        expect(hits.nth(i).locator("mark").first).to_have_text(QUERY)
    marks = page.locator(".pn-hit mark")
    assert set(marks.all_inner_texts()) == {QUERY}
    background = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background == "rgb(255, 226, 138)"  # the page's highlight colour, really applied

    # Titles holding the query rank first: open the first result.
    link = hits.first.locator("h3 a")
    title = link.inner_text()
    article = next(a for a in ARTICLES if a["title"] == title)
    assert QUERY in article["title"]
    expect(link.locator("mark")).to_have_text(QUERY)
    with page.expect_navigation():
        link.click()
    assert "/parks/articles/" in page.url
    expect(page.locator("body")).to_contain_text(title)
    paragraphs = page.locator(".pn-text p")
    expect(paragraphs).to_have_text(article["body"].splitlines())
    assert not dialogs


def test_archived_script_and_onerror_stay_inert_text(page, dialogs, server):
    _search(page, server, QUERY)
    hit = page.locator(".pn-hit", has_text="园区安全提示")
    expect(hit).to_have_count(1)
    expect(hit.locator("h3 a")).to_have_text(XSS_TITLE)
    expect(hit.locator("p")).to_contain_text("<script>alert('xss')</script>")
    expect(hit.locator("p")).to_contain_text("onerror=alert('img')")
    assert hit.locator("script, img").count() == 0
    with page.expect_navigation():
        hit.locator("h3 a").click()
    body = page.locator(".pn-text")
    expect(body.locator("p")).to_have_text(XSS_BODY.splitlines())
    assert page.locator(".pn-text script, .pn-text img, img[onerror]").count() == 0
    expect(page.locator("body")).to_contain_text(XSS_TITLE)
    page.wait_for_timeout(200)  # give any injected handler a moment to fire
    assert not dialogs
