"""Breaking a running mock site as real sites break, and mending it (site-health tests).

Each function changes the live routes of a :class:`RunningSite` and returns a callable
that puts back exactly what was served before::

    mend = relayout_lists(site)      # the lists' article links become script-driven items
    ...                              # crawl: the crawler finds (almost) no article links
    mend()

- :func:`relayout_lists`: a redesign that turns the list items into ``<a
  href="javascript:void(0)" onclick="openArticle('…')">`` (as many government portals
  do), keeping the first ``keep`` links of each list page as plain links;
- :func:`empty_lists`: the list pages are served with no article link left;
- :func:`remove_articles`: every article page (and its continuation pages) answers 404;
- :func:`shell_articles`: every article page is served as an empty page shell (the site's
  name as its title, its menu, "内容加载中…" where a script would draw the article).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import urljoin

from parknews.crawler.mocksites.model import Route, RunningSite

ANCHOR = re.compile(r"<a\b(?P<attrs>[^>]*?)\bhref\s*=\s*(?P<q>[\"'])(?P<href>.*?)(?P=q)"
                    r"(?P<rest>[^>]*)>(?P<text>.*?)</a\s*>", re.I | re.S)


def _charset(route: Route, default: str) -> str:
    match = re.search(r"charset=([\w-]+)", route[1].get("Content-Type", ""), re.I)
    return match.group(1) if match else default


def _rewrite_lists(site: RunningSite, change: Callable[[str, str, int], str | None]
                   ) -> Callable[[], None]:
    """Apply ``change(href, text, n)`` to each anchor of each list page linking an article
    (n counts them from 0 per page; None keeps the anchor as it is)."""
    saved: dict[str, Route] = {}
    for url in site.list_urls:
        route = site.route(url)
        status, headers, body = route
        encoding = _charset(route, site.encoding)
        text = body.decode(encoding)
        count = 0

        def replace(match: re.Match, url: str = url) -> str:
            nonlocal count
            target = urljoin(url, html.unescape(match["href"]).strip())
            if target not in site.articles:
                return match.group(0)
            new = change(match["href"], match["text"], count)
            count += 1
            return match.group(0) if new is None else new

        changed = ANCHOR.sub(replace, text)
        if changed != text:
            saved[url] = route
            site.set_route(url, (status, dict(headers), changed.encode(encoding)))
    if not saved:
        raise ValueError(f"mock site {site.id}: no list page links an article")
    return _restorer(site, saved)


def _restorer(site: RunningSite, saved: dict[str, Route]) -> Callable[[], None]:
    def mend() -> None:
        for url, route in saved.items():
            site.set_route(url, route)

    return mend


def relayout_lists(site: RunningSite, keep: int = 1) -> Callable[[], None]:
    """A list redesign: article links become script-driven items that a crawler reading
    ``<a href>`` cannot follow, except the first ``keep`` of each list page."""
    def change(href: str, text: str, n: int) -> str | None:
        if n < keep:
            return None
        return (f'<a href="javascript:void(0)" class="news-item" '
                f'onclick="openArticle(\'{html.escape(href, quote=True)}\')">{text}</a>')

    return _rewrite_lists(site, change)


def empty_lists(site: RunningSite) -> Callable[[], None]:
    """The list pages stay, but link no article any more (their items are gone)."""
    return _rewrite_lists(site, lambda href, text, n: "")


def remove_articles(site: RunningSite) -> Callable[[], None]:
    """Every article page, and every further page of a multi-page article, answers 404."""
    urls = [*site.articles, *(u for parts in site.continuation_urls.values() for u in parts)]
    saved = {url: site.remove_route(url) for url in urls}
    return _restorer(site, saved)


SHELL = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{name}</title></head>
<body><div class="header"><a href="/">首页</a> <a href="/xwzx/">新闻中心</a>
<a href="/zwgk/">政务公开</a></div>
<div id="app"><div class="loading">内容加载中…</div></div>
<script src="/js/detail.js"></script>
<div class="footer">版权所有：{name}</div></body></html>
"""


def shell_articles(site: RunningSite) -> Callable[[], None]:
    """Every article page (and continuation page) is served as a page shell whose content
    a script would draw: the site's name as title, a menu, "内容加载中…", no date."""
    saved: dict[str, Route] = {}
    for url in [*site.articles, *(u for parts in site.continuation_urls.values() for u in parts)]:
        route = site.route(url)
        status, headers, _ = route
        encoding = _charset(route, site.encoding)
        saved[url] = route
        site.set_route(url, (status, dict(headers), SHELL.format(
            charset=encoding, name=html.escape(site.name)).encode(encoding)))
    return _restorer(site, saved)
