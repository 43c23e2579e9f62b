"""A page's links and the repeated blocks they sit in, found by structure.

A *block* is a container whose children repeat: three or more sibling elements of one
tag, each holding one to a few links (``<li>`` of a ``<ul>``, ``<tr>`` of a table,
``<div>``/``<p>``/``<h3>`` rows, or bare ``<a>`` siblings). Each such child is an *item*;
its *main link* is the one whose URL has the shape most items' links share (so an
item's category badge or "详情" link is not taken for its headline). Blocks are then
told apart by what their items say: pagers (page numbers, 下一页), headline lists
(long titles, dates) and menus (short names). No selector of any site: the numbers
and words are in :mod:`parknews.crawler.linkrules`.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape as html_escape
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree, html

from parknews.crawler import discovery
from parknews.crawler import linkrules as rules

IGNORED_HREF = ("javascript:", "mailto:", "tel:", "#", "data:", "about:", "sms:")
HEX_ID = re.compile(r"(?=[0-9a-f]*\d)[0-9a-f]+")
# A menu held in a script variable: objects with a name and a URL, in either order
# (``var menus = [{name: "通知公告", url: "/tzgg/"}, …]``).
_NAME_KEYS = r"(?:name|title|text|label|catname|channelName|columnName)"
_URL_KEYS = r"(?:url|href|link|path|linkUrl)"
SCRIPT_MENU_ITEMS = (
    re.compile(rf"""\{{[^{{}}]*?["']?\b{_NAME_KEYS}["']?\s*:\s*(["'])(?P<name>[^"'<>]{{1,40}})\1"""
               rf"""[^{{}}]*?["']?\b{_URL_KEYS}["']?\s*:\s*(["'])(?P<url>[^"'<>\s]{{1,300}})\3""",
               re.S),
    re.compile(rf"""\{{[^{{}}]*?["']?\b{_URL_KEYS}["']?\s*:\s*(["'])(?P<url>[^"'<>\s]{{1,300}})\1"""
               rf"""[^{{}}]*?["']?\b{_NAME_KEYS}["']?\s*:\s*(["'])(?P<name>[^"'<>]{{1,40}})\3""",
               re.S),
)
MIN_SCRIPT_MENU_ITEMS = 2
DOCUMENT_WRITE = re.compile(r"document\.write(?:ln)?\(\s*(['\"])(.*?)(?<!\\)\1\s*\)", re.S)


@dataclass(eq=False)
class Link:
    """One ``<a href>`` of the page, resolved."""

    url: str
    text: str  # the anchor's text, else its image's alt or its title attribute
    title: str  # the title attribute when longer than the text (a cut headline's whole)
    element: etree._Element
    image_only: bool = False
    from_script: bool = False
    order: int = 0
    more: bool = False  # a box's link to its whole column (更多, MORE+, an arrow image)

    @property
    def label(self) -> str:
        return self.title or self.text


@dataclass(eq=False)
class Item:
    element: etree._Element
    links: list[Link]
    main: Link | None = None
    text: str = ""
    dated: bool = False


@dataclass(eq=False)
class Block:
    """A container of repeated items, and what they look like."""

    container: etree._Element
    items: list[Item]
    kind: str = "other"  # "headline", "pager", "nav" or "other"
    template: str = ""  # the URL shape most main links share
    median_weight: float = 0.0
    dated_share: float = 0.0
    side: bool = False  # inside a sidebar, ranking or footer box
    heading: str = ""  # the text just before the block (its box's title)
    extra: list[etree._Element] = field(default_factory=list)  # merged sibling containers
    page_more_links: list[Link] = field(default_factory=list)  # the page's "more" links

    @property
    def main_links(self) -> list[Link]:
        return [item.main for item in self.items if item.main is not None]

    @property
    def elements(self) -> list[etree._Element]:
        return [self.container, *self.extra]


# -- text measures ---------------------------------------------------------------------


def squash(text: str) -> str:
    return " ".join(text.split())


def weight(text: str) -> int:
    """A text's length as a reader weighs a title: a CJK character 1, a Latin word 2."""
    text = rules.FULL_DATE.sub("", text)
    return len(rules.CJK.findall(text)) + 2 * len(rules.LATIN_WORD.findall(text))


@lru_cache(maxsize=8192)  # a page asks for each link's shape several times
def url_template(url: str) -> str:
    """The shape of a URL: host and path with digit runs as ``0``, query keys kept.

    ``/info/1057/8920.htm`` → ``/info/0/0.htm``; a segment of hex digits with a digit in it
    is an id too (``/28/e4/c21558a534756/page.htm`` → ``/0/0/0/page.htm``).
    """
    parts = urlsplit(url)
    segments = []
    for segment in parts.path.lower().split("/"):
        stem, dot, ext = segment.partition(".")
        if HEX_ID.fullmatch(stem):
            stem = "0"  # an id, in hex or decimal: e4, c21558a534756, 3f87f4…
        segments.append(re.sub(r"\d+", "0", stem) + dot + ext)
    path = "/".join(segments)
    keys = "&".join(sorted(p.split("=", 1)[0] for p in parts.query.split("&") if p))
    return f"{parts.netloc.lower()}{path}" + (f"?{keys}" if keys else "")


def class_words(element: etree._Element) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}".lower()


# -- links -----------------------------------------------------------------------------


def base_url(root: etree._Element, url: str) -> str:
    """The page's ``<base href>`` when it has one (a bare ``<base target>`` is not one)."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(url, href)
    return url


def resolve(href: str | None, base: str) -> str | None:
    """The absolute URL of an href, or None for scripts, anchors, mail and broken ones."""
    href = (href or "").strip()
    if not href or href.lower().startswith(IGNORED_HREF) or "<" in href or ">" in href:
        return None
    try:
        url = urldefrag(urljoin(base, href))[0]
    except ValueError:  # an invalid IPv6 host and the like
        return None
    if not url.startswith(("http://", "https://")):
        return None
    return discovery.canonical_url(url)


def _anchor_text(anchor: etree._Element) -> tuple[str, bool]:
    text = squash("".join(anchor.itertext()))
    if text:
        return text, False
    for img in anchor.iter("img"):
        alt = squash(img.get("alt") or img.get("title") or "")
        if alt:
            return alt, True
    return squash(anchor.get("title") or ""), True


def script_fragments(root: etree._Element) -> list[etree._Element]:
    """HTML that scripts write: ``document.write("<a …>")`` strings and Hanweb's list
    records (``<record><![CDATA[<li>…]]></record>``), parsed as fragments."""
    out: list[etree._Element] = []
    for script in root.iter("script"):
        text = script.text or ""
        if not text or script.get("src"):
            continue
        pieces = [m.group(2) for m in DOCUMENT_WRITE.finditer(text)]
        pieces = [p.replace("\\'", "'").replace('\\"', '"').replace("\\/", "/")
                  for p in pieces if "<a" in p.lower()]
        pieces += discovery.script_records([text])
        pieces += script_menu(text)
        if not pieces:
            continue
        try:
            fragment = html.fragment_fromstring("".join(pieces), create_parent="div")
        except (etree.ParserError, ValueError):
            continue
        out.append(fragment)
    return out


def script_menu(text: str) -> list[str]:
    """``<li><a>`` items for the name/URL objects of a script (two at least: a menu)."""
    found: dict[str, str] = {}
    for pattern in SCRIPT_MENU_ITEMS:
        for match in pattern.finditer(text):
            url = match["url"].replace("\\/", "/")
            if url.lower().startswith(IGNORED_HREF):
                continue
            found.setdefault(url, match["name"].strip())
    if len(found) < MIN_SCRIPT_MENU_ITEMS:
        return []
    return ["<ul>" + "".join(f'<li><a href="{html_escape(url)}">{html_escape(name)}</a></li>'
                             for url, name in found.items()) + "</ul>"]


def page_links(root: etree._Element, url: str) -> list[Link]:
    """Every usable link of the page (its script-written HTML included), in page order."""
    base = base_url(root, url)
    links: list[Link] = []
    body = root.find("body")
    scope = body if body is not None else root
    sources = [(scope, False), *((frag, True) for frag in script_fragments(root))]
    for tree, from_script in sources:
        for anchor in tree.iter("a", "area"):
            target = resolve(anchor.get("href"), base)
            if target is None:
                continue
            text, image_only = _anchor_text(anchor)
            title = squash(anchor.get("title") or "")
            link = Link(url=target, text=text,
                        title=title if weight(title) > weight(text) else "",
                        element=anchor, image_only=image_only and not text,
                        from_script=from_script, order=len(links))
            link.more = is_more_link(link)
            links.append(link)
    return links


def is_more_link(link: Link) -> bool:
    """A box's link to its whole column: 更多>>, MORE+, 查看更多, a "more" class or image."""
    if link.text and rules.MORE_TEXT.match("".join(link.text.split()).lower()):
        return True
    classes = class_words(link.element)
    if any(word in classes for word in rules.MORE_CLASS_WORDS):
        return True
    if link.image_only or not link.text:
        for img in link.element.iter("img"):
            src = (img.get("src") or "").lower().rsplit("/", 1)[-1]
            if any(word in src for word in rules.MORE_IMAGE_WORDS):
                return True
    return False


# -- blocks ----------------------------------------------------------------------------


def _links_below(links: list[Link]) -> dict[etree._Element, list[Link]]:
    below: dict[etree._Element, list[Link]] = defaultdict(list)
    for link in links:
        element = link.element
        while element is not None:
            below[element].append(link)
            element = element.getparent()
    return below


def _signature(element: etree._Element) -> str:
    return f"{element.tag}.{(element.get('class') or '').strip()}"


def _candidate_groups(below: dict[etree._Element, list[Link]]):
    """(container, items) for each container with sibling items of one tag."""
    for parent in list(below):
        children = [child for child in parent
                    if isinstance(child.tag, str) and child.tag not in rules.SKIP_TAGS]
        if len(children) < 2:
            continue
        groups: dict[str, list[Item]] = defaultdict(list)
        for child in children:
            inside = below.get(child)
            if not inside:
                continue
            urls = {link.url for link in inside}
            if len(urls) > rules.MAX_ITEM_URLS:
                continue
            groups[child.tag].append(Item(child, list(inside)))
        yield from ((parent, items) for items in groups.values())


def _short_list(group: Block) -> bool:
    """One or two items of a list's last page: each a dated headline."""
    for item in group.items:
        text = squash("".join(item.element.itertext()))
        if not rules.ITEM_DATE.search(text) or max(
                weight(link.label) for link in item.links) < rules.HEADLINE_MIN_WEIGHT:
            return False
    return True


def _may_take(short: Block, owner: dict[int, Block], depth: dict[int, int]) -> bool:
    """A short group takes its links when no larger block holds them, or when it holds
    two or more and the blocks holding them are its ancestors (a two-item list inside a
    small page's one big block of page parts); a single dated link inside a larger list's
    row is that row's, not a list of its own."""
    links = [link for item in short.items for link in item.links]
    holders = {id(owner[id(link)]): owner[id(link)] for link in links if id(link) in owner}
    if not holders:
        return True
    return len(short.items) >= 2 and all(depth[id(h)] < depth[id(short)]
                                         for h in holders.values())


def _assign(groups: list[Block], owner: dict[int, Block], depth: dict[int, int]) -> None:
    for group in groups:
        for item in group.items:
            for link in item.links:
                current = owner.get(id(link))
                if current is None or depth[id(current)] < depth[id(group)]:
                    owner[id(link)] = group


def find_blocks(links: list[Link]) -> list[Block]:
    """The repeated blocks of the page, each link in its innermost block, classified.

    Short groups (one or two dated headlines: the last page of a list) only take links
    no block of three or more items holds (see :func:`_may_take`). A group left with
    too few items of its own is dropped, and its links go to the next group holding them
    (a page's three parts — breadcrumb, sidebar, list box — are no list, the list inside
    the box is)."""
    below = _links_below(links)
    sizes = {element: len({link.url for link in inside}) for element, inside in below.items()}
    groups = [Block(parent, items) for parent, items in _candidate_groups(below)
              if len(items) >= 2 or items[0].element.tag != "a"]
    groups = _merge_siblings(groups, sizes)
    full = [group for group in groups if len(group.items) >= rules.MIN_ITEMS]
    short = [group for group in groups if len(group.items) < rules.MIN_ITEMS
             and _short_list(group)]
    depth = {id(group): _depth(group.container) for group in full + short}
    while True:
        owner: dict[int, Block] = {}  # id(link) -> its innermost group
        _assign(full, owner, depth)
        _assign([g for g in short if _may_take(g, owner, depth)], owner, depth)
        kept = {id(group): _own_items(group, owner) for group in full + short}
        dropped = {id(g) for g in full + short if len(kept[id(g)]) < min(
            rules.MIN_ITEMS, len(g.items)) and any(owner.get(id(link)) is g
                                                   for item in g.items for link in item.links)}
        if not dropped:
            break
        full = [g for g in full if id(g) not in dropped]
        short = [g for g in short if id(g) not in dropped]
    blocks: list[Block] = []
    for group in full + short:
        if len(kept[id(group)]) >= min(rules.MIN_ITEMS, len(group.items)):
            group.items = kept[id(group)]
            describe(group)
            blocks.append(group)
    blocks.sort(key=lambda block: block.items[0].links[0].order)
    return blocks


def _own_items(group: Block, owner: dict[int, Block]) -> list[Item]:
    kept = []
    for item in group.items:
        mine = [link for link in item.links if owner.get(id(link)) is group and not link.more]
        if mine:
            kept.append(Item(item.element, mine))
    return kept


def _depth(element: etree._Element) -> int:
    depth = 0
    while element is not None:
        depth += 1
        element = element.getparent()
    return depth


def _merge_siblings(blocks: list[Block], sizes: dict[etree._Element, int]) -> list[Block]:
    """One list split over several sibling containers (``<ul>`` of five rows each) is one
    block. Containers small enough to be items themselves are left alone: the block of
    their parent holds them."""
    merged: dict[tuple, Block] = {}
    out: list[Block] = []
    for block in blocks:
        parent = block.container.getparent()
        key = (parent, _signature(block.container), block.items[0].element.tag)
        if sizes.get(block.container, 0) <= rules.MAX_ITEM_URLS or parent is None:
            out.append(block)
            continue
        if key in merged:
            first = merged[key]
            first.items.extend(block.items)
            first.extra.append(block.container)
            continue
        merged[key] = block
        out.append(block)
    return out


# -- describing a block ----------------------------------------------------------------


def is_pager_text(text: str) -> bool:
    """下一页, 尾页, 3, [4], »: a pager's link text (arrows around a word allowed:
    "下一页>>", "<<上一页")."""
    compact = "".join(text.split()).lower()
    if compact in rules.PAGER_TEXTS or rules.PAGER_NUMBER.match(compact):
        return True
    word = compact.strip(rules.PAGER_DECORATION)
    return bool(word) and (word in rules.PAGER_TEXTS or bool(rules.PAGER_NUMBER.match(word)))


def _choose_mains(block: Block) -> None:
    counts: Counter[str] = Counter()
    for item in block.items:
        counts.update({url_template(link.url) for link in item.links})
    for item in block.items:
        def rank(link: Link) -> tuple[int, int, int]:
            return (counts[url_template(link.url)], weight(link.label), -link.order)

        item.main = max(item.links, key=rank)
    mains = Counter(url_template(item.main.url) for item in block.items if item.main)
    block.template = mains.most_common(1)[0][0] if mains else ""


def _heading(block: Block) -> str:
    """The text right before the block: its box's title (最新文章, 点击排行 …)."""
    element = block.container
    for _ in range(3):
        previous = element.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()
        if previous is not None:
            text = squash("".join(previous.itertext()))
            if text:
                return text[:40]
        element = element.getparent()
        if element is None:
            break
    return ""


def _in_side_box(block: Block) -> bool:
    element = block.container
    for _ in range(6):
        if element is None:
            break
        words = class_words(element)
        if any(word in words for word in rules.SIDE_WORDS):
            return True
        element = element.getparent()
    return any(word in block.heading for word in rules.SIDE_HEADINGS)


def describe(block: Block) -> None:
    """Fill in a block's main links, template, text measures and kind."""
    _choose_mains(block)
    for item in block.items:
        item.text = squash("".join(item.element.itertext()))
        item.dated = bool(rules.ITEM_DATE.search(item.text))
    labels = [item.main.label for item in block.items if item.main]
    block.median_weight = statistics.median(weight(label) for label in labels)
    block.dated_share = sum(item.dated for item in block.items) / len(block.items)
    block.heading = _heading(block)
    block.side = _in_side_box(block)
    years = sum(bool(rules.YEAR_LABEL.match(label.strip())) for label in labels)
    pagerish = sum(is_pager_text(label) for label in labels
                   if years < 2 or not rules.YEAR_LABEL.match(label.strip()))
    if pagerish >= rules.PAGER_BLOCK_SHARE * len(labels):
        block.kind = "pager"
    elif block.median_weight >= rules.HEADLINE_MEDIAN_WEIGHT or (
            block.dated_share >= rules.DATED_BLOCK_SHARE
            and block.median_weight >= rules.DATED_MEDIAN_WEIGHT):
        block.kind = "headline"
    elif block.median_weight <= rules.SHORT_TEXT_WEIGHT:
        block.kind = "nav"
