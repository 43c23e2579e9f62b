"""What a page of a site is, and what it leads to: one pure function, :func:`analyse`.

A page is a *list* (a main block of headline items, maybe a pager), a *hub* (blocks of
several columns, "more" links, a menu of news columns), an *article* (a long text
outside links) or *other*. URL shapes are evidence among others; the structure decides
when they are silent (see :mod:`parknews.crawler.linkblocks`). The spider follows what this
returns (read with the page's links by :mod:`parknews.crawler.listreading`), and
``parknews discover`` prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from parknews.crawler import discovery
from parknews.crawler import linkrules as rules
from parknews.crawler.columns import Column, find_columns, is_inside
from parknews.crawler.linkblocks import (
    Block,
    Link,
    find_blocks,
    is_pager_text,
    page_links,
    url_template,
)


@dataclass
class PageAnalysis:
    url: str
    kind: str  # "list", "hub", "article" or "other"
    articles: list[Link] = field(default_factory=list)  # the main list's items
    attachments: list[Link] = field(default_factory=list)  # files listed as items
    pagers: list[Link] = field(default_factory=list)  # other pages of this list
    columns: list[Column] = field(default_factory=list)  # news columns (hubs)
    hub_articles: list[Link] = field(default_factory=list)  # items of a hub's news blocks
    blocks: list[Block] = field(default_factory=list)
    main: list[Block] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)  # every usable link of the page
    dates: dict[str, str] = field(default_factory=dict)  # article URL -> its item's date
    root: etree._Element | None = field(default=None, repr=False)
    page_count: int | None = None  # "共49页", when the page says it
    script_pager: bool = False  # a pager written by a script (createPageHTML, jpage)
    article_chars: int = 0
    why: str = ""  # the evidence for the kind, in words


def host_scope(url: str) -> Callable[[str], bool]:
    """The default scope: the page's host and its sub-domains."""
    host = (urlsplit(url).hostname or "").lower()

    def in_scope(other: str) -> bool:
        other_host = (urlsplit(other).hostname or "").lower()
        return other_host == host or other_host.endswith("." + host)

    return in_scope


def _score(block: Block) -> float:
    mains = block.main_links
    same = sum(url_template(link.url) == block.template for link in mains) / len(mains)
    score = len(mains) * (1 + block.dated_share) * same
    return score * (0.25 if block.side else 1.0)


def main_blocks(blocks: list[Block], in_scope: Callable[[str], bool]) -> list[Block]:
    """The page's main list: the best headline block, with the blocks continuing it (the
    same list split over sibling containers of the same shape)."""
    candidates = [b for b in blocks if b.kind == "headline"
                  and sum(in_scope(link.url) for link in b.main_links) * 2 > len(b.items)]
    if not candidates:
        return []
    best = max(candidates, key=_score)
    same = [b for b in candidates if b is not best and not b.side
            and b.template == best.template
            and b.container.tag == best.container.tag
            and (b.container.get("class") or "") == (best.container.get("class") or "")]
    return [best, *same]


def _item_links(block: Block) -> list[Link]:
    """Each item's main link, and its other links of the main link's shape that read as
    headlines (two stories in one row)."""
    out = []
    for item in block.items:
        if item.main is None:
            continue
        out.append(item.main)
        shape = url_template(item.main.url)
        out.extend(link for link in item.links
                   if link is not item.main and link.url != item.main.url
                   and url_template(link.url) == shape
                   and len(link.label) >= rules.HEADLINE_MIN_WEIGHT)
    return out


def _pager_links(links: list[Link], blocks: list[Block], url: str,
                 in_scope: Callable[[str], bool]) -> list[Link]:
    in_pager = {id(link) for b in blocks if b.kind == "pager" for link in b.main_links}
    out, seen = [], {url}
    for link in links:
        if link.url in seen or not in_scope(link.url):
            continue
        if id(link) in in_pager and not discovery.article_family(link.url) and (
                urlsplit(link.url).path.startswith(discovery.list_scope(url))):
            pass
        elif not discovery.is_pagination(link.url, link.text, url):
            continue
        if not (is_pager_text(link.text) or id(link) in in_pager
                or discovery.match_rule(link.url, discovery.PAGINATION_URL_RULES)):
            continue
        seen.add(link.url)
        out.append(link)
    return out


def _article_chars(root: etree._Element, blocks: list[Block]) -> int:
    """CJK characters of text outside links and list items in the page's richest
    container: each piece of text counts for its nearest block element, a paragraph's
    for the paragraph's parent (the body of an article holds many)."""
    excluded = {item.element for block in blocks for item in block.items}
    nearest: dict[etree._Element, etree._Element | None] = {}

    def owner(element: etree._Element) -> etree._Element | None:
        if element in nearest:
            return nearest[element]
        found: etree._Element | None = None
        node, path = element, []
        while node is not None:
            if node in nearest:
                found = nearest[node]
                break
            path.append(node)
            if node in excluded or node.tag in rules.NOT_ARTICLE_TAGS:
                found = None
                break
            node = node.getparent()
        else:
            found = None
        if found is None and path and path[-1] not in excluded and (
                path[-1].tag not in rules.NOT_ARTICLE_TAGS):
            found = next((n for n in path if n.tag in rules.TEXT_BLOCK_TAGS), None)
        for node in path:
            nearest[node] = found
        return found

    totals: dict[etree._Element, int] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for text, holder in ((element.text, element), (element.tail, element.getparent())):
            if not text or holder is None:
                continue
            chars = len(rules.CJK.findall(text))
            if not chars:
                continue
            block = owner(holder)
            if block is None:
                continue
            key = block.getparent() if block.tag in rules.PARAGRAPH_TAGS else block
            if key is not None:
                totals[key] = totals.get(key, 0) + chars
    return max(totals.values(), default=0)


def _page_count(root: etree._Element) -> int | None:
    for text in root.itertext():
        match = rules.PAGE_OF_PAGES.search(text)
        if match:
            number = match.group(2) or match.group(3)
            return int(number) if number else None
    return None


def analyse_response(response, in_scope: Callable[[str], bool] | None = None,
                     expect_list: bool = False) -> PageAnalysis | None:
    """:func:`analyse` on a Scrapy text response (its parsed tree), or None when it holds
    no HTML tree."""
    try:
        root = response.selector.root
    except (AttributeError, ValueError, TypeError):
        return None
    if root is None or not isinstance(getattr(root, "tag", None), str):
        return None
    return analyse(root, response.url, in_scope, expect_list)


def analyse(root: etree._Element, url: str,
            in_scope: Callable[[str], bool] | None = None,
            expect_list: bool = False) -> PageAnalysis:
    """Classify a parsed page and list what it leads to. ``expect_list``: the page was
    linked as a column, so a main list of any length makes it a list (a column of two
    notices has no pager), unless its box points elsewhere with a 更多 link."""
    in_scope = in_scope or host_scope(url)
    links = page_links(root, url)
    blocks = find_blocks(links)
    result = PageAnalysis(url=url, kind="other", blocks=blocks, links=links, root=root)
    result.main = main_blocks(blocks, in_scope)
    for block in result.main:
        for item in block.items:
            date = rules.FULL_DATE.search(item.text) if item.dated else None
            for link in item.links:
                if date:
                    year, month, day = (int(g) for g in date.groups())
                    result.dates.setdefault(link.url, f"{year:04d}-{month:02d}-{day:02d}")
    items = [link for block in result.main for link in _item_links(block)]
    seen: set[str] = set()
    for link in items:
        if link.url in seen or not in_scope(link.url) or discovery.trap_reason(link.url):
            continue
        seen.add(link.url)
        (result.attachments if discovery.is_attachment(link.url) else result.articles).append(
            link)
    result.pagers = _pager_links(links, blocks, url, in_scope)
    scripts = [script.text or "" for script in root.iter("script") if not script.get("src")]
    # a pager call counts even when it names one page only (a column of two records)
    result.script_pager = any(rule.pattern.search(text) for text in scripts
                              for rule in discovery.SCRIPT_PAGER_RULES) or any(
        discovery.JPAGE_CALL.search(text) for text in scripts)
    pager_urls = {link.url for link in result.pagers}
    result.articles = [link for link in result.articles if link.url not in pager_urls]
    result.page_count = _page_count(root)
    result.columns = find_columns(links, blocks, url, in_scope)
    result.article_chars = _article_chars(root, blocks)
    result.kind, result.why = _kind(result, url, expect_list)
    if result.kind == "hub":
        result.hub_articles = hub_articles(result, result.columns, in_scope)
    if result.kind != "list":
        result.pagers = []  # only a list has other pages
    return result


def _kind(result: PageAnalysis, url: str, expect_list: bool = False) -> tuple[str, str]:
    headline_items = sum(len(b.items) for b in result.blocks
                         if b.kind == "headline" and not b.side)
    main_items = sum(len(b.items) for b in result.main)
    list_text = sum(len(link.label) for link in result.articles)
    home = urlsplit(url).path in rules.HOME_PATHS and not urlsplit(url).query
    # a page whose only list is a sidebar's (热门, 最新) is no list
    main = bool(result.main) and not result.main[0].side
    if not home and result.article_chars >= rules.ARTICLE_MIN_CHARS and (
            result.article_chars >= 2 * list_text):
        if (not result.pagers or discovery.article_family(url)
                or result.article_chars >= 4 * list_text):
            return "article", f"{result.article_chars} characters of text outside links"
    if main and (result.pagers or result.script_pager) and not home:
        return "list", f"a list of {main_items} items with a pager"
    preview = _previews_a_column(result)  # the block has its own 更多: a hub's block
    if main and not home and not preview and main_items >= rules.LIST_MIN_ITEMS and (
            main_items >= rules.LIST_MAIN_SHARE * headline_items):
        return "list", f"a list of {main_items} of the page's {headline_items} headlines"
    if expect_list and main and not home and not preview:
        return "list", f"a column's list of {main_items} items"
    if result.columns:
        drawn = _script_list_sign(result)
        if drawn and not any(b.kind == "headline" for b in result.blocks):
            return "list", f"a list drawn by JavaScript ({drawn})"
        return "hub", f"{len(result.columns)} news columns"
    if main:
        return "list", f"a list of {main_items} items"
    return "other", "no list, no columns, no article text"


def hub_articles(result: PageAnalysis, chosen: list[Column],
                 in_scope: Callable[[str], bool]) -> list[Link]:
    """Headlines of a hub's blocks that belong to one of the ``chosen`` columns: the
    block's "more" link or its items' category badges name that column, or the items
    lie in the column's directory."""
    more_links = [link for link in result.links if link.more]
    for block in result.blocks:
        block.page_more_links = more_links
    columns = {column.url for column in chosen}
    prefixes = [p for p in map(column_prefix, columns) if p]
    out, seen = [], set()
    for block in result.blocks:
        if block.kind != "headline":
            continue
        items = _item_links(block)
        more = block_more_link(block)
        badges = {link.url for item in block.items for link in item.links} & columns
        for link in items:
            if (link.url in seen or not in_scope(link.url) or discovery.is_attachment(link.url)
                    or looks_like_directory(link.url)):
                continue
            if (more is not None and more.url in columns) or badges or any(
                    link.url.startswith(p) for p in prefixes):
                seen.add(link.url)
                out.append(link)
    return out


def _script_list_sign(result: PageAnalysis) -> str | None:
    """The name of the first sign that the page's list is drawn by script (a Hanweb
    ``loadPageData`` call, a Vue or AngularJS list, a template …), or None."""
    from parknews.crawler import jsonlists  # noqa: PLC0415 - only for pages without headlines

    sign = jsonlists.js_list_sign(etree.tostring(result.root, encoding="unicode"))
    return sign.name if sign else None


def _previews_a_column(result: PageAnalysis) -> bool:
    """The main block sits in a box with its own "more" link to another page: it shows
    the head of a column kept elsewhere, as a hub's blocks do."""
    more_links = [link for link in result.links if link.more and link.url != result.url]
    for block in result.main:
        block.page_more_links = more_links
        if block_more_link(block) is not None:
            return True
    return False


def looks_like_directory(url: str) -> bool:
    """``/news/``, ``/about/jj``: a section, not an article (no file name, no number in
    the path; ``/2024/05/13/park-opens/`` is a post)."""
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rpartition("/")[2]
    return not parts.query and not any(ch.isdigit() for ch in parts.path) and (
        parts.path.endswith("/") or "." not in last)


def column_prefix(url: str) -> str | None:
    """The URL prefix a column's articles usually share: its directory (``/xwzx/yqdt/``
    for ``/xwzx/yqdt/index.html``), or for a column named by a file or a bare word at the
    top of the site, that name as a directory (``/news.html``, ``/ynxw`` → ``/news/``,
    ``/ynxw/``). None when that is the whole site."""
    parts = urlsplit(url)
    directory, _, name = parts.path.rpartition("/")
    if directory:
        return f"{parts.scheme}://{parts.netloc}{directory}/"
    stem = name.split(".", 1)[0]
    return f"{parts.scheme}://{parts.netloc}/{stem}/" if stem else None


def block_more_link(block: Block) -> Link | None:
    """The "more" link of a block's box: the one "more" link in the nearest ancestor that
    holds one (an ancestor holding two is a box of several blocks)."""
    element = block.container
    for _ in range(rules.BOX_TITLE_LEVELS):
        element = element.getparent()
        if element is None:
            return None
        found = [link for link in block.page_more_links if is_inside(link.element, element)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None
    return None
