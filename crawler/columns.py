"""News columns of a hub page (a home page, a 新闻中心 page): which links lead to lists
worth crawling.

Four kinds of evidence, strongest first (:data:`parknews.crawler.linkrules.MORE_LINK` …):

- the 更多/MORE link of a block, named by its box's title or by another link to the same
  URL (政务要闻 … 更多>>);
- category badges inside list items (``[新闻动态]`` before a headline);
- menu items named like a news or notice column (新闻, 动态, 公告 … or a news word in
  the URL path: ``/xwzx/``, ``/news/``, ``/tzgg/``);
- the other links of a menu sharing the URL shape of a column found by a "more" link or a
  badge (``channel-list-channel-161.html`` beside ``…-101976.html``).

A name with a word of :data:`parknews.crawler.linkrules.SKIP_COLUMN_WORDS` (login, search, 互动,
办事, downloads, 无障碍 …) is never a column, whatever else speaks for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from parknews.crawler import discovery
from parknews.crawler import linkrules as rules
from parknews.crawler.linkblocks import Block, Link, is_pager_text, squash, url_template, weight


@dataclass
class Column:
    url: str
    name: str
    source: str  # "more", "badge", "menu" or "sibling"
    strength: int


def compact(text: str) -> str:
    return "".join(text.split()).lower()


def is_skipped_name(name: str) -> bool:
    low = compact(name)
    return any(word in low for word in rules.SKIP_COLUMN_WORDS)


def is_news_name(name: str) -> bool:
    low = compact(name)
    return any(word in low for word in rules.NEWS_COLUMN_WORDS)


def path_words(url: str) -> list[str]:
    path = urlsplit(url).path.lower()
    words = []
    for segment in path.split("/"):
        stem = segment.rsplit(".", 1)[0]
        words.extend(w for w in re.split(r"[-_]", stem) if w)
    return words


def has_news_path(url: str) -> bool:
    return any(word in rules.NEWS_PATH_WORDS for word in path_words(url))


def has_skipped_path(url: str) -> bool:
    return any(word in rules.SKIP_PATH_WORDS for word in path_words(url))


def box_title(link: Link, in_items: set[etree._Element], more_links: set[etree._Element]
              ) -> str:
    """The title of the box a "more" link sits in: the nearest short text before it that
    is not a list item's, in the ancestors holding no other "more" link
    (``<div class="title"><span>新闻动态</span><a>更多</a></div>``, or a tab's name at
    the top of a tab panel)."""
    element = link.element
    for level in range(rules.BOX_TITLE_LEVELS):
        parent = element.getparent()
        if parent is None:
            break
        if any(other in more_links and other is not link.element
               for other in parent.iter("a")):
            break  # the box of several blocks: its texts name other columns
        texts = _texts_before(parent, link.element, in_items)
        if level < rules.BOX_TITLE_AFTER_LEVELS:  # <span><a>更多</a></span><strong>标题</strong>
            texts += _texts_after(parent, link.element, in_items)
        for text in texts:
            if 2 <= weight(text) <= rules.COLUMN_NAME_MAX_WEIGHT and not rules.MORE_TEXT.match(
                    compact(text)):
                return text
        element = parent
    return ""


def _texts_after(container, start, in_items: set[etree._Element]) -> list[str]:
    """Text pieces of ``container`` after the element ``start`` (and outside it), in
    order, up to the first list item."""
    pieces: list[str] = []
    after = False
    for node in container.iter():
        if node is start:
            after = True
            continue
        if not after or is_inside(node, start) or not isinstance(node.tag, str):
            continue
        if node in in_items or node.tag in rules.SKIP_TAGS or node.tag == "a" or (
                node.find(".//a") is not None):
            break  # the next box begins
        text = squash(node.text or "")
        if text:
            pieces.append(text)
    return pieces


def _texts_before(container, stop, in_items: set[etree._Element]) -> list[str]:
    """Text pieces of ``container`` before the element ``stop``, nearest first, without
    the texts of list items."""
    pieces: list[str] = []
    skip_until: etree._Element | None = None
    for node in container.iter():
        if node is stop:
            break
        if skip_until is not None:
            if is_inside(node, skip_until):
                continue
            skip_until = None
        if node in in_items and not is_inside(stop, node):
            skip_until = node
            continue
        if not isinstance(node.tag, str) or node.tag in rules.SKIP_TAGS:
            continue
        text = squash(node.text or "")
        if text:
            pieces.append(text)
        if node.tag == "img" and squash(node.get("alt") or ""):
            pieces.append(squash(node.get("alt") or ""))
    return list(reversed(pieces))


def is_inside(node: etree._Element, ancestor: etree._Element) -> bool:
    """``node`` is ``ancestor`` or lies within it."""
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def _usable(link: Link, page_url: str, in_scope: Callable[[str], bool]) -> bool:
    url = link.url
    if url.split("#")[0] == page_url or not in_scope(url) or has_skipped_path(url):
        return False
    if urlsplit(url).path in rules.HOME_PATHS and not urlsplit(url).query:
        return False
    return not (discovery.article_family(url) or discovery.is_attachment(url)
                or discovery.trap_reason(url))


def find_columns(links: list[Link], blocks: list[Block], page_url: str,
                 in_scope: Callable[[str], bool]) -> list[Column]:
    """The news columns a page links to, strongest evidence first, one per URL."""
    names: dict[str, list[str]] = {}
    for link in links:
        if link.text and not link.image_only:
            names.setdefault(link.url, []).append(link.text)
    block_of: dict[int, Block] = {}
    mains: set[int] = set()
    item_shapes: set[str] = set()  # URL shapes of headlines: articles, not columns
    in_items: set[etree._Element] = set()
    for block in blocks:
        for item in block.items:
            for link in item.links:
                block_of[id(link)] = block
        in_items.update(item.element for item in block.items)  # no box title in there
        if block.kind in ("headline", "pager"):
            mains.update(id(link) for link in block.main_links)
        if block.kind == "headline":
            item_shapes.add(block.template)
    more_links = {link.element for link in links if link.more}
    found: dict[str, Column] = {}

    def offer(link: Link, name: str, source: rules.ColumnSource) -> None:
        if is_skipped_name(name) or any(is_skipped_name(n) for n in names.get(link.url, [])):
            return
        current = found.get(link.url)
        if current is None or current.strength < source.strength:
            found[link.url] = Column(link.url, name, source.name, source.strength)

    for link in links:
        if not _usable(link, page_url, in_scope):
            continue
        if link.more:
            others = [n for n in names.get(link.url, []) if not rules.MORE_TEXT.match(compact(n))]
            title = box_title(link, in_items, more_links)  # the box's own name first
            name = title if is_news_name(title) or not others else others[0]
            says_news = is_news_name(rules.MORE_WORDS.sub("", link.text))  # 更多资讯
            if (is_news_name(name) or any(map(is_news_name, others)) or says_news
                    or has_news_path(link.url)):
                offer(link, name, rules.MORE_LINK)
            continue
        if id(link) in mains:
            continue
        label = link.label
        if (weight(label) > rules.COLUMN_NAME_MAX_WEIGHT or weight(label) < 2
                or is_pager_text(label)
                or url_template(link.url) in item_shapes):
            continue
        block = block_of.get(id(link))
        if block is not None and block.kind == "headline":
            if _is_badge(link, block):
                offer(link, label.strip("[]【】"), rules.BADGE)
        elif is_news_name(label) or has_news_path(link.url):
            offer(link, label, rules.MENU)
    _add_siblings(found, links, mains, page_url, in_scope, offer)
    ordered = sorted(found.values(), key=lambda column: -column.strength)
    return ordered[: rules.MAX_COLUMNS]


def _is_badge(link: Link, block: Block) -> bool:
    """A category link inside list items: several items name the same URL, or it has
    the shape of a column (no numbered file), not of an article."""
    sharing = sum(any(other.url == link.url for other in item.links) for item in block.items)
    return sharing >= 2 or not re.search(r"\d", link.url.rstrip("/").rsplit("/", 1)[-1])


def _add_siblings(found, links, mains, page_url, in_scope, offer) -> None:
    """Other links of the URL shape that "more" links or badges showed to be columns
    (a channel menu: ``channel-list-channel-161.html`` beside ``…-101976.html``)."""
    shapes = {url_template(c.url) for c in found.values()
              if c.strength >= rules.BADGE.strength and re.search(r"\d", c.url.rsplit("/", 1)[-1])}
    if not shapes:
        return
    for link in links:
        if (link.url in found or id(link) in mains or link.more
                or not _usable(link, page_url, in_scope)):
            continue  # (a 更多 link was judged with its box's name already)
        if url_template(link.url) in shapes and 1 <= weight(link.label) <= (
                rules.COLUMN_NAME_MAX_WEIGHT):
            offer(link, link.label, rules.SIBLING)


def _named(entry: str, name: str, url: str) -> bool:
    """A sites.toml ``columns`` entry names a column: part of its name, or a regular
    expression found in its URL."""
    if entry in name:
        return True
    try:
        return re.search(entry, url) is not None
    except re.error:
        return False


def select_columns(found: list[Column], links: list[Link], include: tuple[str, ...] = (),
                   skip: tuple[str, ...] = (), page_url: str = "",
                   in_scope: Callable[[str], bool] | None = None) -> list[Column]:
    """The columns to crawl: those found, or with ``include`` only those it names (links
    it names are columns even where no rule saw one), never those ``skip`` names."""
    chosen = list(found)
    if include:
        chosen = [c for c in found if any(_named(e, c.name, c.url) for e in include)]
        seen = {c.url for c in chosen}
        for link in links:
            if link.url in seen or (in_scope and not _usable(link, page_url, in_scope)):
                continue
            if any(_named(e, link.label, link.url) for e in include):
                seen.add(link.url)
                chosen.append(Column(link.url, link.label, "sites.toml", 9))
    return [c for c in chosen if not any(_named(e, c.name, c.url) for e in skip)]
