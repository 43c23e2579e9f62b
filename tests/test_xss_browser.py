"""Archived markup never runs in the published archive, checked in headless Chromium.

Articles whose title, body, summary and 来源 hold script, event handlers, ``javascript:``
links, CSS and SVG are stored, the archive is served by ``parknews serve`` on a free
loopback port, and every page that shows them (home, database, table, facets, each row,
search results, a search that reflects a hostile query, site health) is opened: no script
may run (no ``window.__pwned``, no dialog), no hostile element may exist in the page, and
the hostile text must be visible as text.

Needs Playwright and Debian's Chromium (/usr/bin/chromium, installed by
``scripts/install-browser``, which CI runs first); skipped only when either is missing.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from browsers import TIMEOUT_MS, launched_chromium
from conftest import serving
from datasette.utils import tilde_encode
from playwright import sync_api

from parknews.archive.store import ArchiveWriter, open_archive

WORD = "园区安全"  # every hostile article holds it, so one search finds them all
PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '<a href="javascript:window.__pwned=1">点我</a>',
    "<style>body{display:none}</style>",
    '<svg onload="window.__pwned=1"><circle class="pwned" r="5"/></svg>',
    "<img src=x onerror=alert('img')>",
    '"><script>alert("attr")</script>',
    "'><svg/onload=alert('quote')>",
    '<iframe src="javascript:alert(\'frame\')"></iframe>',
    "<body onload=alert('body')>",
]

# Elements and attributes that only exist if the markup was parsed rather than shown.
HOSTILE_DOM = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) found.push(el.tagName + '[' + attr.name + ']');
      if (/^\\s*javascript:/i.test(attr.value)) found.push(el.tagName + '[' + attr.name + ']');
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (s.textContent.includes('__pwned') || s.textContent.includes('alert(')) found.push('script');
  }
  for (const s of document.querySelectorAll('style')) {
    if (s.textContent.includes('display:none')) found.push('style');
  }
  for (const el of document.querySelectorAll('iframe, img[src="x"], .pwned')) {
    found.push(el.tagName);
  }
  return found;
}"""


def _articles() -> list[dict]:
    rows = []
    for i, payload in enumerate(PAYLOADS):
        rows.append({
            "url": f"http://hostile.example/news/t2024_{i}.html", "site_id": "evil",
            "title": f"{WORD}提示{i} {payload}",
            "body": f"{WORD}提示正文{i}：{payload}\n第二段 {payload} 完。",
            "summary": f"摘要{i} {payload}",
            "source": f"来源{i}{payload}",
            "author": payload,
            "published_at": f"2024-05-{1 + i:02d}",
            "fetched_at": "2024-06-01T00:00:00+00:00", "content_hash": f"h{i}",
        })
    return rows


ARTICLES = _articles()
SITE_NAME = "<script>window.__pwned=1</script>恶意站点"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """``parknews serve`` (its defaults: immutable, loopback) on the hostile archive."""
    tmp = tmp_path_factory.mktemp("xss")
    db_path = tmp / "parks.db"
    db = open_archive(db_path)
    writer = ArchiveWriter(db, batch_size=100)
    writer.upsert_sites([{"id": "evil", "name": SITE_NAME, "park": SITE_NAME,
                          "region": "<b>江苏</b>", "start_urls": ["http://hostile.example/"],
                          "updated_at": "t"}])
    for article in ARTICLES:
        writer.add_article(article)
    writer.close()
    db.close()

    with serving(db_path, tmp / "serve.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


@pytest.fixture
def visit(browser, base_url):
    """Open a path, and check the page: no script ran, no hostile element, page shown."""
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    # Nothing but the archive's own server may be reached (an injected src= would try).
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(base_url) else route.abort())
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def check(path: str, params: dict | None = None) -> sync_api.Page:
        query = "?" + urllib.parse.urlencode(params) if params else ""
        response = page.goto(base_url + path + query)
        assert response is not None and response.status == 200, (path, response)
        page.wait_for_load_state("load")
        # Click every link that is the injected one (its text only 点我) or that points to
        # javascript: — if the markup had been parsed, clicking would run its script.
        links = page.locator('a[href^="javascript:" i]').or_(
            page.locator("a", has_text=re.compile(r"^\s*点我\s*$")))
        for i in range(links.count()):
            links.nth(i).click(no_wait_after=True)
        assert page.url.startswith(base_url + path), "a click left the page"
        page.wait_for_timeout(150)  # let any error/load handler fire
        assert page.evaluate("() => typeof window.__pwned") == "undefined", path
        assert not dialogs, f"{path}: a dialog opened, script ran: {dialogs}"
        assert page.evaluate(HOSTILE_DOM) == [], path
        sync_api.expect(page.locator("body")).to_be_visible()  # the <style> did not apply
        return page

    yield check
    context.close()
    assert not dialogs, dialogs


def _text(page) -> str:
    return page.locator("body").inner_text()


def test_home_database_and_health_pages_stay_inert(visit):
    for path in ("/", "/parks", "/-/health", "/parks/sites"):
        text = _text(visit(path))
        if path in ("/-/health", "/parks/sites"):
            assert SITE_NAME in text, path


def test_article_table_and_facets_show_markup_as_text(visit):
    page = visit("/parks/articles")
    text = _text(page)
    for article in ARTICLES:
        assert article["title"] in text
    visit("/parks/articles", {"_facet": "source"})
    text = _text(visit("/parks/articles", {"source": ARTICLES[0]["source"]}))
    assert ARTICLES[0]["source"] in text and ARTICLES[0]["title"] in text


@pytest.mark.parametrize("article", ARTICLES, ids=[f"payload{i}" for i in range(len(ARTICLES))])
def test_each_article_page_shows_markup_as_text(visit, article):
    page = visit("/parks/articles/" + tilde_encode(article["url"]))
    text = _text(page)
    for field in ("title", "source", "author"):
        assert article[field] in text, field
    paragraphs = page.locator(".pn-text p")
    body_lines = article["body"].splitlines()
    summary_lines = article["summary"].splitlines()
    texts = paragraphs.all_inner_texts()
    assert body_lines[0] in texts and body_lines[1] in texts and summary_lines[0] in texts


def test_search_results_show_markup_as_text(visit):
    page = visit("/-/search", {"q": WORD})
    hits = page.locator(".pn-hit")
    sync_api.expect(hits).to_have_count(len(ARTICLES))
    text = _text(page)
    for article in ARTICLES:
        assert article["title"] in text
        assert article["source"] in text
    # Follow a result to its article.
    with page.expect_navigation():
        hits.first.locator("h3 a").click()
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert "/parks/articles/" in page.url


@pytest.mark.parametrize("payload", PAYLOADS[:8], ids=[f"payload{i}" for i in range(8)])
def test_a_hostile_query_is_reflected_as_text(visit, payload):
    query = f"{WORD} {payload}"
    page = visit("/-/search", {"q": query})
    assert page.locator("#pn-q").input_value() == query
    visit("/parks/articles", {"_search": query})
