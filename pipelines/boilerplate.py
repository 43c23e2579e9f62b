"""Page chrome: strip it from the tree, turn a tree into lines, drop chrome lines.

The tables of markers live in ``rules``; this module only applies them.

- ``clean_tree`` removes non-text tags, hidden elements and chrome blocks in place;
- ``tree_lines`` renders an element as one line per paragraph (table rows as
  ``cell | cell`` lines), whitespace normalised;
- ``filter_lines`` drops toolbar, footer and navigation lines and cuts the text at a
  trailing "相关新闻"-style heading.
"""

from __future__ import annotations

import logging
import re

from lxml import etree, html

from . import rules

logger = logging.getLogger(__name__)

BLOCK_TAGS = frozenset({
    # HTML
    "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "thead", "tfoot", "tr", "td", "th", "ul", "caption", "body", "html",
    # trafilatura's output tree
    "head", "list", "item", "quote", "code", "row", "doc",
})
CELL_TAGS = frozenset({"td", "th", "cell"})
ROW_TAGS = frozenset({"tr", "row"})
BREAK_TAGS = frozenset({"br", "lb"})
SKIP_TAGS = frozenset({"graphic", "img", "head_title"})
ROW_MAX_CHARS = 300  # a longer row is layout, not data: its cells become blocks

_SPACES = re.compile(r"[\s\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff]+")
_CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r]*\n[ \t\r\n]*(?=[{_CJK}])")


def normalize_space(text: str) -> str:
    """Collapse all whitespace (full-width and no-break spaces included) to one space."""
    return _SPACES.sub(" ", text).strip()


def unwrap_cjk(text: str) -> str:
    """Drop line wraps between two CJK characters of one text node (source wrapping)."""
    return _CJK_BREAK.sub("", text)


def text_of(el: etree._Element) -> str:
    """The element's text content, whitespace normalised ("" for comments)."""
    if not isinstance(el.tag, str):
        return ""
    return normalize_space("".join(unwrap_cjk(t) for t in el.itertext()))


_STRING_VALUE = etree.XPath("string()")


def block_text(el: etree._Element) -> str:
    """A faster ``text_of`` for measuring blocks: the subtree's text with whitespace runs
    (full-width and no-break spaces, line wraps) collapsed to one space, in C."""
    if not isinstance(el.tag, str):
        return ""
    return " ".join(_STRING_VALUE(el).split())


def next_element(el: etree._Element) -> etree._Element | None:
    """The next sibling that is an element (comments skipped)."""
    nxt = el.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    return nxt


def link_density(el: etree._Element) -> float:
    """Share of the element's characters that sit inside links."""
    total = len(block_text(el).replace(" ", ""))
    if not total:
        return 0.0
    linked = sum(len(block_text(a).replace(" ", "")) for a in el.iter("a"))
    return min(1.0, linked / total)


def remove_element(el: etree._Element) -> None:
    """Remove an element but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if isinstance(el, html.HtmlElement):
        el.drop_tree()
    else:
        parent.remove(el)


def _is_hidden(el: etree._Element) -> bool:
    if el.get("hidden") is not None or (el.get("type") or "").lower() == "hidden":
        return True
    return bool(rules.HIDDEN_STYLE.search(el.get("style") or ""))


def remove_hidden(root: etree._Element) -> None:
    """Drop non-text tags and elements hidden by attribute or inline style."""
    etree.strip_elements(root, *rules.DROP_TAGS, with_tail=False)
    for el in list(root.iter(etree.Element)):
        if el is not root and el.getparent() is not None and _is_hidden(el):
            remove_element(el)


_MARKER_RES: dict[tuple[str, ...], re.Pattern[str]] = {}


def _marker_re(markers: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled alternation per marker table (longest first, so the match is the
    marker a loop in table order would find for prefix-free tables)."""
    pattern = _MARKER_RES.get(markers)
    if pattern is None:
        alternatives = sorted(markers, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(m) for m in alternatives))
        _MARKER_RES[markers] = pattern
    return pattern


def _starts_with(text: str, markers: tuple[str, ...]) -> str | None:
    head = text[:12].lstrip("【[（(·>» ")
    found = _marker_re(markers).match(head)
    return found.group(0) if found else None


def _is_statement(text: str) -> bool:
    """A copyright or disclaimer notice ("版权与免责声明：…")."""
    if len(text) > rules.STATEMENT_MAX_CHARS:
        return False
    return _marker_re(rules.STATEMENT_MARKERS).search(text, 0, rules.STATEMENT_HEAD) is not None


def _is_link_list(el: etree._Element, text: str) -> bool:
    """A list of dated links (related news, rankings) rather than article text."""
    if _tag(el) not in rules.LINK_LIST_TAGS:
        return False
    dates = rules.DATE_RE.findall(text)
    if len(dates) < rules.LINK_LIST_MIN_DATES:
        return False
    link_texts = [t for t in (block_text(a) for a in el.iter("a")) if t]
    if len(link_texts) < rules.LINK_LIST_MIN_LINKS:
        return False
    undated = len(rules.DATE_RE.sub("", text).replace(" ", ""))
    linked = sum(len(t.replace(" ", "")) for t in link_texts)
    plain = undated - linked  # text outside links and dates: prose if there is much
    return linked >= undated * rules.LINK_LIST_DENSITY and plain <= rules.LINK_LIST_MAX_PLAIN


def _is_chrome_block(el: etree._Element, text: str) -> bool:
    if not text:
        return False
    heading = _starts_with(text, rules.BLOCK_HEADINGS)
    if heading and (len(text) <= len(heading) + 8 or link_density(el) > 0.5):
        return True
    if _is_statement(text):
        return True
    if _is_link_list(el, text):
        return True
    marks = " ".join(filter(None, (el.get("class"), el.get("id"))))
    return bool(marks and rules.CHROME_CLASS.search(marks)) and (
        len(text) < 200 or link_density(el) > 0.5
    )


def remove_chrome_blocks(root: etree._Element, keep: etree._Element | None = None) -> None:
    """Drop related-news boxes, dated link lists, statements and class-marked chrome.

    Walks top down and does not descend into what it drops. ``keep`` (the chosen body
    container) and its ancestors are never dropped, though chrome inside ``keep`` is.
    """
    protected = set() if keep is None else {keep, *keep.iterancestors()}

    def prune(el: etree._Element) -> None:
        for child in list(el):
            if not isinstance(child.tag, str):
                continue
            text = block_text(child)
            if not text:
                continue  # nothing inside to drop
            if child in protected or not _is_chrome_block(child, text):
                prune(child)
                continue
            nxt = next_element(child)
            if (_starts_with(text, rules.BLOCK_HEADINGS) and nxt is not None
                    and nxt not in protected and link_density(nxt) > 0.5):
                remove_element(nxt)  # the list under a bare "相关新闻" heading
            remove_element(child)

    prune(root)


def _is_edge_list(el: etree._Element) -> bool:
    """A block of links: related headlines, a ranking, a pager."""
    links = [a for a in el.iter("a") if block_text(a)]
    if len(links) < rules.EDGE_LIST_MIN_LINKS:
        return False
    if any(rules.ATTACHMENT_LINK.search(a.get("href") or "") for a in links):
        return False  # the article's attachments
    text = block_text(el)
    if any(word in text for word in rules.ATTACHMENT_WORDS):
        return False
    return link_density(el) >= rules.EDGE_LIST_DENSITY


def trim_edge_lists(container: etree._Element, depth: int = 0) -> None:
    """Drop link blocks that open or close the body container (and its first and last
    wrappers): evidence by link density, not by words."""
    if depth > rules.EDGE_LIST_DEPTH:
        return
    children = [c for c in container if isinstance(c.tag, str) and block_text(c)]
    while len(children) > 1 and _is_edge_list(children[-1]):
        remove_element(children.pop())
    while len(children) > 1 and _is_edge_list(children[0]):
        remove_element(children.pop(0))
    if children:
        trim_edge_lists(children[-1], depth + 1)
        if children[0] is not children[-1]:
            trim_edge_lists(children[0], depth + 1)


def unwrap_inline_blocks(root: etree._Element) -> None:
    """Turn inline wrappers holding paragraphs (``<font><p>…``) into ``<div>``.

    Old templates and Word pastes wrap whole bodies in ``<font>`` or ``<span>``; the
    generic extractors then score the body as inline text and lose it.
    """
    for el in root.iter(*rules.INLINE_WRAPPERS):
        if any(_tag(child) in rules.WRAPPED_BLOCKS for child in el):
            el.tag = "div"


def clean_tree(root: etree._Element, keep: etree._Element | None = None) -> None:
    """Remove hidden elements and chrome blocks from ``root`` in place."""
    remove_hidden(root)
    remove_chrome_blocks(root, keep)


# ------------------------------------------------------------------------ rendering


def _tag(el: etree._Element) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def _is_data_row(row: etree._Element) -> bool:
    cells = [c for c in row if _tag(c) in CELL_TAGS]
    if len(cells) < 2:
        return False
    if any(c.find(".//table") is not None for c in cells):
        return False
    return len(text_of(row)) <= ROW_MAX_CHARS


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buf: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self.buf.append(unwrap_cjk(text))

    def flush(self) -> None:
        line = normalize_space("".join(self.buf))
        self.buf = []
        if line:
            self.lines.append(line)


def _walk(el: etree._Element, out: _Lines) -> None:
    tag = _tag(el)
    if not tag:  # comment or processing instruction: only its tail is text
        out.add(el.tail)
        return
    if tag in SKIP_TAGS:
        out.add(el.tail)
        return
    if tag in BREAK_TAGS:
        out.flush()
        out.add(el.tail)
        return
    if tag in ROW_TAGS and _is_data_row(el):
        out.flush()
        cells = [" ".join(tree_lines(c)) for c in el if _tag(c) in CELL_TAGS]
        out.lines.append(" | ".join(c for c in cells if c) or "")
        if not out.lines[-1]:
            out.lines.pop()
        out.add(el.tail)
        return
    block = tag in BLOCK_TAGS
    if block:
        out.flush()
    out.add(el.text)
    for child in el:
        _walk(child, out)
    if block:
        out.flush()
    out.add(el.tail)


def tree_lines(el: etree._Element) -> list[str]:
    """Render ``el`` (its tail excluded) as one normalised line per block."""
    out = _Lines()
    tail, el.tail = el.tail, None
    try:
        _walk(el, out)
    finally:
        el.tail = tail
    out.flush()
    return out.lines


# --------------------------------------------------------------------------- lines


def chrome_rule(line: str) -> str | None:
    """The name of the rule that marks ``line`` as chrome, or None."""
    if rules.TOOLBAR_LINE.match(line):
        return "toolbar"
    for rule in rules.LINE_RULES:
        if len(line) <= rule.max_len and rule.pattern.search(line):
            if rule.soft and rules.PROSE_LINE.match(line):
                continue  # a sentence of the article that uses the word
            return rule.name
    return None


def is_trailing_heading(line: str) -> bool:
    """A "相关新闻"/"免责声明" heading line after which nothing belongs to the article."""
    marker = _starts_with(line, rules.BLOCK_HEADINGS)
    if marker and len(line) <= len(marker) + 8:
        return True
    return len(line) <= rules.STATEMENT_HEAD and any(m in line for m in rules.STATEMENT_MARKERS)


def filter_lines(lines: list[str]) -> list[str]:
    """Drop chrome lines; stop at a trailing related-news heading."""
    kept: list[str] = []
    for i, line in enumerate(lines):
        if i and is_trailing_heading(line):
            logger.debug("cut at %r", line)
            break
        rule = chrome_rule(line)
        if rule:
            logger.debug("dropped %s line %r", rule, line[:40])
            continue
        kept.append(line)
    return kept
