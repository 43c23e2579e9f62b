"""The reading of a list or hub page: one pure function, :func:`read_list_page`.

Everything the spider needs from the parsed page when it treats it as a list page (a
start URL, a news column, a list's next page) is read here: the page's kind and why
(:mod:`parknews.crawler.pageanalysis`), then, as the kind and the spider's situation
decide, the columns a hub leads to and its own headlines, the column of a start URL that
is an article, or the classified links of a list (articles, attachments, its other
pages), its RSS/Atom feeds, the JSON list APIs its scripts call and the sign of a list
drawn by script. Plain data in, plain data out (:class:`ListReading`), so the reading can
run in an extraction worker process (``pipelines/workers.py``) while the crawl process
only follows what comes back; it runs in the crawl process when there is no pool.

What needs the spider's state (the URLs it knows, a full pass or not, the list pages it
took, the JSON lists it asked, its stats, its requests) stays in
:class:`~parknews.crawler.spiders.park.ParkSpider`: the counts the reading saw
(``trap_links``, ``structural_links``) go back for it to add to its stats.

The page is parsed once (lxml, through Scrapy's selector, as the spider did): the
analysis and the link classification walk the same tree.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from scrapy.http import HtmlResponse, TextResponse
from scrapy.selector import Selector
from scrapy.utils.response import get_base_url

from parknews.crawler import columns as column_rules
from parknews.crawler import discovery, jsonlists
from parknews.crawler.columns import Column
from parknews.crawler.pageanalysis import (
    PageAnalysis,
    analyse_response,
    column_prefix,
    hub_articles,
)
from parknews.crawler.sites import Site

# what a list page is taken as: a hub whose columns are followed, a start URL that is an
# article (stored, its column followed), or a list (its links followed)
HUB, START_ARTICLE, LIST = "hub", "start_article", "list"

_ANCHORS = etree.XPath("//a[@href]")
_SCRIPTS = etree.XPath("//script[not(@src)]/text()", smart_strings=False)
_HEAD_LINKS = etree.XPath("//link[@href]")
_CONTAINER = etree.XPath(
    "ancestor::*[self::li or self::tr or self::dd or self::dt or self::td][1]")
_TEXT = etree.XPath("string()", smart_strings=False)


@dataclass
class ListReading:
    """What a list or hub page holds for the spider, as plain data (picklable)."""

    action: str  # HUB, START_ARTICLE or LIST: how the spider takes the page
    kind: str | None = None  # the analysis's kind; None when the page has no HTML tree
    why: str = ""
    columns: list[Column] = field(default_factory=list)  # a hub's chosen columns
    hub_articles: list[tuple[str, str]] = field(default_factory=list)  # (url, label)
    start_column: tuple[str, str] | None = None  # a start article's column (url, label)
    links: list[dict] = field(default_factory=list)  # url, kind, hints[, page_no]
    feed_urls: list[str] = field(default_factory=list)
    json_lists: list[jsonlists.JsonList] = field(default_factory=list)  # recipes' APIs
    js_list_sign: jsonlists.JsListSign | None = None  # when no link is an item
    trap_links: int = 0  # links skipped as crawler traps
    structural_links: int = 0  # items only the page's structure showed
    pid: int = 0  # the process that read the page


def site_scope(site: Site) -> Callable[[str], bool]:
    """A URL on one of the site's hosts (or their sub-domains)."""
    hosts = site.hosts
    verdicts: dict[str, bool] = {}  # by host: a page's links share a few

    def in_scope(url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        verdict = verdicts.get(host)
        if verdict is None:
            verdict = verdicts[host] = any(host == h or host.endswith("." + h) for h in hosts)
        return verdict

    return in_scope


def read_list_page(body: bytes, url: str, encoding: str, site: Site, list_start: str,
                   role: str | None = None, *, was_list: bool = False,
                   hub_room: bool = True, want_links: bool = True,
                   response_class: type[TextResponse] = HtmlResponse) -> ListReading:
    """:func:`read_list` of a page given as its bytes and encoding (what a worker
    process gets): the response rebuilt as the crawl had it."""
    response = response_class(url=url, body=body, encoding=encoding)
    return read_list(response, site, list_start, role, was_list=was_list,
                     hub_room=hub_room, want_links=want_links)


def read_list(response: TextResponse, site: Site, list_start: str,
              role: str | None = None, *, was_list: bool = False, hub_room: bool = True,
              want_links: bool = True) -> ListReading:
    """Read a page fetched as a list page. ``role``: "start" (a start URL), "column"
    (linked as a news column) or None (a list's next page); ``was_list``: an earlier run
    read it as a list (it stays one); ``hub_room``: a hub here may still be followed
    (``PARKNEWS_MAX_HUB_DEPTH``); ``want_links``: its links are to be followed (not at
    the site's ``max_depth``)."""
    in_scope = site_scope(site)
    analysis = analyse_response(response, in_scope, expect_list=role == "column")
    reading = ListReading(LIST, pid=os.getpid())
    if analysis is not None:
        reading.kind, reading.why = analysis.kind, analysis.why
    if role in ("start", "column") and analysis is not None and not was_list:
        # (a page read as a list before stays one: emptied, it is a list gone wrong)
        if analysis.kind == "hub" and hub_room:
            reading.action = HUB
            chosen = column_rules.select_columns(
                analysis.columns, analysis.links, site.columns, site.skip_columns,
                response.url, in_scope)
            reading.columns = chosen
            reading.hub_articles = [(link.url, link.label) for link in
                                    hub_articles(analysis, chosen, in_scope)]
            return reading
        if role == "start" and analysis.kind == "article":
            reading.action = START_ARTICLE
            reading.start_column = start_column(response.url, analysis, site, in_scope)
            return reading
    if not want_links:
        return reading
    root = _root(response)
    scripts = [str(text) for text in _SCRIPTS(root)] if root is not None else []
    list_links(response, site, list_start, analysis, reading, root, scripts)
    if site.sitemaps and root is not None:
        reading.feed_urls = feed_urls(response, root, in_scope)
    reading.json_lists = jsonlists.recipe_lists(scripts, response.url)
    if not any(link["kind"] != "list" for link in reading.links):
        reading.js_list_sign = jsonlists.js_list_sign(response.text)
    return reading


def _root(response: TextResponse) -> etree._Element | None:
    """The page's parsed tree (Scrapy's selector's, parsed once for the response)."""
    try:
        root = response.selector.root
    except (AttributeError, ValueError, TypeError):
        return None
    return root if isinstance(getattr(root, "tag", None), str) else None


def start_column(url: str, analysis: PageAnalysis, site: Site,
                 in_scope: Callable[[str], bool]) -> tuple[str, str] | None:
    """The column a start URL that is an article sits in: the link whose directory
    holds it (as a breadcrumb gives), as (url, label)."""
    best, best_prefix = None, ""
    for link in analysis.links:
        prefix = column_prefix(link.url)
        if (prefix and url.startswith(prefix) and link.url != url
                and len(prefix) > len(best_prefix) and in_scope(link.url)
                and not is_article_url(site, link.url)
                and urlsplit(prefix).path not in ("", "/")):
            best, best_prefix = link, prefix
    return (best.url, best.label) if best is not None else None


def is_article_url(site: Site, url: str) -> bool:
    """An article by the site's own patterns or the built-in URL rules."""
    if discovery.is_attachment(url):
        return False
    return bool(site.matches(site.article_patterns, url) or discovery.article_family(url))


def list_links(response: TextResponse, site: Site, list_start: str,
               analysis: PageAnalysis | None = None, reading: ListReading | None = None,
               root: etree._Element | None = None,
               scripts: list[str] | None = None) -> ListReading:
    """Classify every in-scope link of a list page as article, attachment or list: by
    the URL rules and cues of :mod:`parknews.crawler.discovery`, and by the page's
    structure (:mod:`parknews.crawler.pageanalysis`: the items of its main list, its
    pager). The links go in ``reading.links``, with the counts of trap links skipped and
    of links only the structure showed."""
    reading = reading if reading is not None else ListReading(LIST, pid=os.getpid())
    in_scope = site_scope(site)
    root = root if root is not None else _root(response)
    if scripts is None:
        scripts = [str(text) for text in _SCRIPTS(root)] if root is not None else []
    links: dict[str, dict] = {}
    anchors = list(_ANCHORS(root)) if root is not None else []
    for fragment in discovery.script_records(scripts):  # Hanweb lists hidden in <script>
        anchors.extend(_ANCHORS(Selector(text=fragment).root))
    base = get_base_url(response)
    for anchor in anchors:
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = discovery.canonical_url(urldefrag(urljoin(base, href))[0])
        if url in links or url == response.url or not in_scope(url):
            continue
        if discovery.trap_reason(url):
            reading.trap_links += 1
            continue
        text = " ".join(_TEXT(anchor).split())
        title = (anchor.get("title") or "").strip() or text
        kind = classify(site, anchor, url, text, list_start)
        if kind:
            links[url] = {"url": url, "kind": kind, "hints": {"list_title": title}}
            if kind == "list" and discovery.PAGE_NUMBER.match("".join(text.split())):
                links[url]["page_no"] = int(text.strip("[] "))
            if kind == "article":
                date = nearby_date(anchor)
                if date:
                    links[url]["hints"]["list_date"] = date
    if analysis is not None:
        reading.structural_links += _add_structural(links, analysis, in_scope)
    pagers = discovery.script_pages(scripts, response.url)
    pagers += discovery.jpage_pages(scripts, list_start)
    for number, url in pagers:
        if url != response.url and in_scope(url):
            entry = links.setdefault(url, {"url": url, "kind": "list", "hints": {}})
            if entry["kind"] == "list":
                entry["page_no"] = number
    reading.links = list(links.values())
    return reading


def _add_structural(links: dict[str, dict], analysis: PageAnalysis,
                    in_scope: Callable[[str], bool]) -> int:
    """The main list's items and the pager the page's structure shows, where the URL
    rules said nothing (an unknown URL shape, a headline without a date beside it); how
    many items were added."""
    added = 0
    for link in analysis.articles + analysis.attachments:
        if link.url in links or not in_scope(link.url):
            continue
        kind = "attachment" if discovery.is_attachment(link.url) else "article"
        hints = {"list_title": link.label}
        if kind == "article" and analysis.dates.get(link.url):
            hints["list_date"] = analysis.dates[link.url]
        links[link.url] = {"url": link.url, "kind": kind, "hints": hints}
        added += 1
    for link in analysis.pagers:
        if link.url not in links and in_scope(link.url):
            links[link.url] = {"url": link.url, "kind": "list", "hints": {}}
    return added


def classify(site: Site, anchor: etree._Element, url: str, text: str,
             list_start: str) -> str | None:
    """A link's kind ("list", "article", "attachment") by the site's patterns, the URL
    rules and the headline cue of its list item, or None."""
    if site.matches(site.list_patterns, url):
        return "list"
    if site.matches(site.article_patterns, url):
        return "article"
    if discovery.is_pagination(url, text, list_start):
        return "list"
    if discovery.is_attachment(url):
        return "attachment" if _container(anchor) is not None else None
    if discovery.article_family(url):
        return "article"
    container = _container(anchor)
    context = _TEXT(container) if container is not None else ""
    tag = container.tag if container is not None else None
    if discovery.looks_like_headline(text, tag, context):
        return "article"
    return None


def _container(anchor: etree._Element) -> etree._Element | None:
    found = _CONTAINER(anchor)
    return found[0] if found else None


def nearby_date(anchor: etree._Element) -> str | None:
    """The date written in the link's list item (row, cell), if any."""
    container = _container(anchor)
    if container is None:
        return None
    match = discovery.DATE_NEARBY.search(_TEXT(container))
    return match.group(0) if match else None


def feed_urls(response: TextResponse, root: etree._Element,
              in_scope: Callable[[str], bool]) -> list[str]:
    """RSS/Atom feeds a page announces with ``<link rel="alternate">``, in scope."""
    links = [(el.get("rel", ""), el.get("type", ""), el.get("href"))
             for el in _HEAD_LINKS(root)]
    base = get_base_url(response)
    urls = [urljoin(base, href) for href in discovery.feed_links(links)]
    return [url for url in urls if in_scope(url)]
