"""Raw page bytes in, one clean ``Article`` out: a pure function, no Scrapy.

    from parknews.pipelines.extract import extract
    article = extract(raw_bytes, "https://example.gov.cn/art/2022/7/5/art_1_2.html")

Steps: decode (``encoding.decode_html``); parse; read metas and hidden search-engine
spans; drop non-text tags and hidden elements; drop chrome blocks (related news, dated
link lists, statements); take the body from a known CMS container (``rules.CONTAINERS``)
or, failing that, from the generic extractors: trafilatura (favor_precision, tables as
rows) and readability-lxml (taught to count Chinese commas) both answer and ``vote``
keeps one; drop chrome lines; move meta lines (info line, 核心提示, 责任编辑) out of the
body into fields; read the fields from the lines around the body, then from metas.

The body is one paragraph per line, no blank lines. A page with no article gives an
``Article`` with an empty body; ``extract`` never raises on bad input.
"""

from __future__ import annotations

import copy
import logging
import re
from collections import Counter
from dataclasses import dataclass

import trafilatura
from htmldate import find_date
from lxml import etree, html
from readability import Document as ReadabilityDocument
from trafilatura import metadata as trafilatura_metadata

from . import media, rules
from . import metadata as md
from .boilerplate import (
    block_text,
    filter_lines,
    link_density,
    remove_chrome_blocks,
    remove_element,
    remove_hidden,
    tree_lines,
    trim_edge_lists,
    unwrap_inline_blocks,
)
from .encoding import decode_html
from .items import Article

logger = logging.getLogger(__name__)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_TAG = re.compile(r"<(?:[a-zA-Z][\w:-]*|!|/[a-zA-Z])")
BINARY_SNIFF, BINARY_MAX_CONTROL = 1024, 0.01  # bytes looked at, share of control bytes
# Larger pages are not articles (data dumps, endless generated pages): not parsed at all,
# which bounds the time and memory one page can take.
MAX_PAGE_BYTES = 5 * 2**20
MIN_BODY_CHARS = 50  # a shorter generic answer counts as no answer
AGREEMENT = 0.8  # share of the shorter answer found in the longer: they agree


@dataclass
class _Body:
    lines: list[str]
    method: str


# ------------------------------------------------------------------------ parsing


def looks_binary(data: bytes) -> bool:
    """Images, PDFs, archives and other bytes that no decoding turns into a page."""
    head = data.lstrip()[:BINARY_SNIFF]
    if head.startswith(_BINARY_MAGIC):
        return True
    return len(_CONTROL_BYTES.findall(head)) > len(head) * BINARY_MAX_CONTROL


def parse_html(text: str) -> html.HtmlElement | None:
    """Parse decoded text as an HTML document; None when it is not one."""
    text = _CONTROL.sub("", _XML_DECL.sub("", text, count=1))
    if not _TAG.search(text[:2048]):
        return None
    try:
        root = html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        logger.debug("unparsable page: %s", exc)
        return None
    return root if root is not None and len(root) else None


def _chars(el: etree._Element) -> int:
    return len(block_text(el).replace(" ", ""))


def _cjk_share(text: str) -> float:
    cjk, latin = len(media.CJK.findall(text)), len(media.LATIN.findall(text))
    return cjk / (cjk + latin) if cjk + latin else 0.0


def find_container(root: etree._Element, source: str | None = None
                   ) -> tuple[rules.ContainerRule, etree._Element] | None:
    """The first CMS body container that holds an article-sized, non-list text.

    With the page ``source``, rules whose cue (class name, id, comment) it lacks are
    skipped without walking the tree."""
    for rule in rules.CONTAINERS:
        if source is not None and rule.cue not in source:
            continue
        best, best_chars = None, 0
        for el in root.xpath(rule.xpath):
            chars = _chars(el)
            if chars < rule.min_chars or chars <= best_chars:
                continue
            if link_density(el) > rule.max_link_density:
                continue
            text = block_text(el)
            if any(m in text for m in rules.PAGE_CHROME_MARKERS):
                continue
            if not rule.trusted and _cjk_share(text) < rules.CONTAINER_UNTRUSTED_MIN_CJK:
                continue
            best, best_chars = el, chars
        if best is not None:
            return rule, best
    return None


# --------------------------------------------------------------------- body paths


def _trafilatura_lines(root: etree._Element, url: str | None,
                       recall: bool = False) -> list[str]:
    """trafilatura's body lines: precision mode, or recall mode with ``recall``."""
    tree = copy.deepcopy(root)
    etree.strip_tags(tree, etree.Comment)  # its readability fallback trips over comments
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=not recall,
        favor_recall=recall,
        fast=True,  # no internal readability/justext fallback: we run readability ourselves
        include_tables=True,
        include_images=False,
        include_comments=False,
        with_metadata=False,
    )
    body = getattr(doc, "body", None)
    return tree_lines(body) if body is not None else []


# readability-lxml scores paragraphs by their ASCII commas; Chinese text has none. It
# reads a copy where each "，" is "," plus an invisible joiner, undone afterwards.
_CJK_COMMA, _MARKED_COMMA = "\uff0c", ",\u2060"


# readability measures every element's text with whitespace regexes that crawl on long
# runs of blanks (40 ms a page on an archived capture): runs are folded once, per node.
_NEWLINE_RUN = re.compile(r"[^\S\n]*\n\s*")
_BLANK_RUN = re.compile(r"[^\S\n]{2,}")


def _for_readability(text: str) -> str:
    text = _BLANK_RUN.sub(" ", _NEWLINE_RUN.sub("\n", text))
    return text.replace(_CJK_COMMA, _MARKED_COMMA)


def _mark_commas(root: etree._Element) -> None:
    for el in root.iter():
        if el.text:
            el.text = _for_readability(el.text)
        if el.tail:
            el.tail = _for_readability(el.tail)


class _Readability(ReadabilityDocument):
    """readability-lxml reading a tree that is already clean (no scripts, styles,
    comments or hidden elements): its own cleaning pass would copy and walk the whole
    tree again. Each (re)parse gets a fresh copy, as its retry pass expects."""

    def _parse(self, input):  # noqa: A002 - the overridden method's signature
        return copy.deepcopy(input)


def _readability_lines(root: etree._Element) -> list[str]:
    marked = copy.deepcopy(root)
    etree.strip_tags(marked, etree.Comment, etree.ProcessingInstruction)
    _mark_commas(marked)
    try:
        summary = _Readability(marked).summary(html_partial=True)
        lines = tree_lines(html.fragment_fromstring(summary, create_parent="div"))
    except Exception:  # noqa: BLE001 - readability raises bare Exceptions on odd pages
        logger.debug("readability failed", exc_info=True)
        return []
    return [line.replace(_MARKED_COMMA, _CJK_COMMA).replace("\u2060", "") for line in lines]


def _figcaptions_as_paragraphs(root: etree._Element) -> None:
    for cap in root.iter("figcaption"):
        cap.tag = "p"


def _char_counts(lines: list[str]) -> Counter[str]:
    counts = Counter("".join(lines))  # counted in C; the few distinct keys filtered after
    for char in [c for c in counts if not c.isalnum()]:
        del counts[char]
    return counts


def _prose_density(lines: list[str]) -> float:
    text = "".join(lines)
    return len(rules.PROSE_PUNCT.findall(text)) / max(1, len(text))


def _share_inside(inner: list[str], outer: list[str]) -> float:
    """Share of ``inner``'s characters that ``outer`` also holds (1.0 for an empty inner)."""
    chars_in, chars_out = _char_counts(inner), _char_counts(outer)
    total = sum(chars_in.values())
    return sum((chars_in & chars_out).values()) / total if total else 1.0


def _extra(shorter: list[str], longer: list[str]) -> list[str]:
    """The lines of ``longer`` that ``shorter`` does not have."""
    known = set(shorter)
    return [line for line in longer if line not in known]


def _reads_as_story(extra: list[str], story: list[str]) -> bool:
    """Extra lines are more paragraphs of the same article: mostly long lines that read
    as prose (punctuation like the story's), not link titles, menus or captions."""
    extra_chars = sum(map(len, extra))
    if len(set(extra)) < len(extra):
        return False  # repeated lines: captions and teasers shown twice
    if _paragraph_chars(extra) < rules.VOTE_EXTRA_PROSE_SHARE * extra_chars:
        return False
    return _prose_density(extra) >= rules.VOTE_EXTRA_DENSITY * _prose_density(story)


def _agrees(container: list[str], generic: list[str]) -> bool:
    """An untrusted container agrees with the generic answer: it holds most of it and
    what it adds is little, or more paragraphs of the story (not a wrapper that also
    holds menus and related-news lists)."""
    if not generic:
        return True
    size_c, size_g = sum(map(len, container)), sum(map(len, generic))
    if _share_inside(generic, container) < rules.CONTAINER_AGREEMENT:
        return False
    if size_c > size_g * rules.CONTAINER_MAX_GROWTH + rules.CONTAINER_SLACK:
        return False
    extra = _extra(generic, container)
    return (sum(map(len, extra)) <= size_g * rules.CONTAINER_EXTRA_SHARE
            or _reads_as_story(extra, generic))


def _more_of_the_story(shorter: list[str], longer: list[str]) -> bool:
    """The longer of two agreeing answers adds a fair share of story paragraphs."""
    extra = _extra(shorter, longer)
    if sum(map(len, extra)) < rules.VOTE_EXTRA_MIN_SHARE * sum(map(len, shorter)):
        return False
    return _reads_as_story(extra, shorter)


def vote(first: _Body, second: _Body) -> _Body:
    """Choose between two extractors' bodies (already filtered).

    An empty (too short) answer loses. When the two agree (the shorter one's characters
    are mostly inside the longer one) the shorter, more precise answer wins; when they
    disagree, the one that reads more like prose (punctuation density) wins.
    """
    size_a, size_b = sum(map(len, first.lines)), sum(map(len, second.lines))
    if size_b < MIN_BODY_CHARS or size_a < MIN_BODY_CHARS:
        return first if size_a >= size_b else second
    shorter, longer = (first, second) if size_a <= size_b else (second, first)
    if _share_inside(shorter.lines, longer.lines) >= AGREEMENT:
        return longer if _more_of_the_story(shorter.lines, longer.lines) else shorter
    return first if _prose_density(first.lines) >= _prose_density(second.lines) else second


_NEVER_BODY_ROLES = etree.XPath(rules.NEVER_BODY_ROLES)


def body_from_page(root: etree._Element, url: str | None) -> _Body:
    """Body lines of a page with chrome already removed, by the generic extractors."""
    _figcaptions_as_paragraphs(root)
    etree.strip_elements(root, *rules.NEVER_BODY_TAGS, with_tail=False)
    for el in _NEVER_BODY_ROLES(root):
        remove_element(el)
    traf = _Body(filter_lines(_trafilatura_lines(root, url)), "trafilatura")
    read = _Body(filter_lines(_readability_lines(root)), "readability")
    body = vote(traf, read)
    if sum(map(len, body.lines)) < rules.WEAK_BODY_CHARS:  # see rules.WEAK_BODY_CHARS
        recall = _Body(filter_lines(_trafilatura_lines(root, url, recall=True)),
                       "trafilatura-recall")
        if (_paragraph_chars(recall.lines) >= max(rules.WEAK_BODY_CHARS,
                                                  2 * _paragraph_chars(body.lines))
                and _prose_density(recall.lines) >= rules.RECALL_MIN_DENSITY):
            body = vote(body, recall)  # only paragraphs the weak answer lacks may win
    return body


def _paragraph_chars(lines: list[str]) -> int:
    """Characters in lines long enough to be paragraphs (menus, teasers and notices are
    short lines)."""
    return sum(len(line) for line in lines if len(line) >= rules.VOTE_PARAGRAPH_CHARS)


# ------------------------------------------------------------------------ metadata


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def _pick_date(visible: str | None, hidden: str | None) -> str | None:
    """The visible date wins; a hidden one only lends it the time of the same day."""
    if visible and hidden and "T" not in visible and hidden.startswith(visible + "T"):
        return hidden
    return visible or hidden


def _fallback_metadata(root: etree._Element, url: str | None) -> tuple[str | None, str | None]:
    """Title and date by trafilatura's title rules and htmldate's quick search (no
    dateparser scan of the whole text: it cost ~0.2 s a page and rarely found more)."""
    title = date = None
    try:
        title = trafilatura_metadata.extract_title(root)
    except Exception:  # noqa: BLE001 - a metadata library failing must not lose the body
        logger.debug("trafilatura title failed", exc_info=True)
    try:
        date = find_date(root, extensive_search=False, original_date=True, url=url)
    except Exception:  # noqa: BLE001
        logger.debug("htmldate failed", exc_info=True)
    return title, date


# -------------------------------------------------------------------------- extract


def extract(html_bytes: bytes, url: str | None = None, *, content_type: str | None = None
            ) -> Article:
    """Extract the article of one page; see the module docstring."""
    article = Article(url=url)
    data = html_bytes or b""
    if len(data) > MAX_PAGE_BYTES:
        article.extras["error"] = (f"page too large ({len(data) / 2**20:.1f} MiB > "
                                   f"{MAX_PAGE_BYTES / 2**20:.0f} MiB)")
        return article
    if looks_binary(data):
        article.extras["error"] = "not html"
        return article
    text, article.encoding = decode_html(data, content_type)
    root = parse_html(text)
    if root is None:
        article.extras["error"] = "not html"
        return article
    try:
        _extract_tree(root, url, article, text)
    except Exception:  # noqa: BLE001 - one odd page must never stop a crawl
        logger.exception("extraction failed for %s", url)
        article.extras["error"] = "extraction failed"
    if not article.body and "error" not in article.extras:
        article.extras["error"] = "no main text found"
    return article


def _add_media(root: html.HtmlElement, container: etree._Element | None, lines: list[str],
               url: str | None, article: Article) -> None:
    """Images, attachments and language; a failure here never costs the body."""
    try:
        scope = container
        if scope is None and lines:
            scope = media.body_scope(root, lines[0], lines[-1])
        article.images = media.find_images(scope, url)
        article.attachments = media.find_attachments(root, url, scope)
        article.language = media.detect_language(root, "\n".join(lines))
    except Exception:  # noqa: BLE001 - media are extras; keep the article
        logger.exception("media extraction failed for %s", url)


def _nearest(page_lines: list[str], values: list[tuple[str, str]], title_at: int | None
             ) -> str | None:
    """Of ``(value, text)`` pairs from field-named elements, the value whose line sits
    nearest after the headline (else nearest before it; else the first)."""
    if not values:
        return None
    if title_at is None:
        return values[0][0]
    best: tuple[int, str] | None = None
    for value, text in values:
        at = md.locate(page_lines, text)
        if at is None or abs(at - title_at) > 3 * rules.INFO_ZONE_LINES:
            at = md.locate_inside(page_lines, text, title_at, 3 * rules.INFO_ZONE_LINES)
        if at is None:
            continue
        if at < title_at - rules.FIELD_ABOVE_TITLE_LINES:
            continue
        distance = at - title_at if at > title_at else rules.INFO_ZONE_LINES + title_at - at
        if distance <= 3 * rules.INFO_ZONE_LINES and (best is None or distance < best[0]):
            best = (distance, value)
    return best[1] if best else None


def _extract_tree(root: html.HtmlElement, url: str | None, article: Article,
                  source: str | None = None) -> None:
    metas = md.meta_fields(root)
    baidu = md.baidu_fields(root, source)
    markup = md.markup_fields(root, source)
    headline_elements = md.title_elements(root, source)
    title, agreed = md.find_title(root, metas, headline_elements)
    names = md.site_names(root, metas)

    remove_hidden(root)
    unwrap_inline_blocks(root)
    headlines = [] if agreed else md.headline_candidates(root, metas, headline_elements)
    linked = md.linked_texts(root)
    page = root.find("body")
    page_lines = tree_lines(page if page is not None else root)
    found = find_container(root, source)
    remove_chrome_blocks(root, keep=found[1] if found else None)
    if found:
        rule, container = found
        trim_edge_lists(container)
        body = _Body(filter_lines(tree_lines(container)), f"container:{rule.family}")
        if not rule.trusted:
            generic = body_from_page(root, url)
            if not _agrees(body.lines, generic.lines):
                body = generic
    else:
        body = body_from_page(root, url)

    first_at = md.locate(page_lines, body.lines[0] if body.lines else None)
    if headlines:  # no reference agrees: the headline nearest above the body
        placed = [(md.locate_title(page_lines, text, first_at), text) for text in headlines]
        above = [(at, text) for at, text in placed
                 if at is not None and (first_at is None or at <= first_at)
                 and md.beats_page_title(text, root)]
        if above:
            title = max(above)[1]
    if md.is_site_name(title, root, names):  # no headline element: the line above the body
        title = md.headline_line(page_lines, first_at, names) or title
    title_at = md.locate_title(page_lines, title, first_at)
    if title and title_at is not None:
        title = md.join_subtitle(page_lines, title_at, title)

    lines, inline = md.split_body_meta(body.lines, title)
    body_text = "\n".join(lines)
    _add_media(root, found[1] if found and body.method.startswith("container:") else None,
               lines, url, article)

    after_title = 0 if title_at is None else title_at + 1
    body_at = md.locate(page_lines, lines[0] if lines else None, after_title)
    if body_at is None and len(lines) > 1:  # its first line sits elsewhere (a kicker)
        body_at = md.locate(page_lines, lines[1], after_title)
    if body_at is None:
        start = title_at + 1 if title_at is not None else 0
        head_zone = page_lines[start:start + rules.INFO_ZONE_LINES]
        tail_zone: list[str] = []
        tail_reach: list[str] = []
    else:
        start = title_at + 1 if title_at is not None and title_at < body_at else max(
            0, body_at - rules.INFO_ZONE_LINES)
        head_zone = page_lines[start:body_at][: rules.INFO_ZONE_LINES]
        end = md.locate(page_lines, lines[-1], body_at)
        end = body_at + len(lines) if end is None else end
        tail_zone = page_lines[end + 1:end + 1 + rules.INFO_ZONE_LINES]
        tail_reach = page_lines[end + 1:end + 1 + rules.TAIL_REACH_LINES]
    head = md.zone_fields(head_zone, unlabelled=title_at is not None, linked=linked)
    if "date" not in head and title_at is not None:
        # the headline shown more than once (e-papers): the info line may follow an
        # earlier copy
        for at in reversed([i for i in md.title_lines(page_lines, title) if i < title_at]):
            earlier = md.zone_fields(page_lines[at + 1:at + 1 + rules.INFO_ZONE_LINES],
                                     unlabelled=True, linked=linked)
            if "date" in earlier:
                head = {**earlier, **head}
                break
    tail = md.zone_fields(tail_zone, linked=linked)
    if ("date" not in head and "date" not in tail and len(tail_reach) > len(tail_zone)
            and any(rules.DATE_RE.search(line) for line in tail_reach[len(tail_zone):])):
        # a related-news list between the body and its info block: look past its items
        past = [line for line in tail_reach if not md.is_list_line(line, linked)]
        tail = {**md.zone_fields(past[: rules.INFO_ZONE_LINES], linked=linked), **tail}
    by_class: dict[str, str | None] = {}
    wanted = [field for field in ("date", "source", "author")
              if not any(field in zone for zone in (head, inline, tail))
              or (field == "source" and "source_unlabelled" in head)]
    if wanted and _cjk_share(body_text[: rules.FIELD_CLASS_SAMPLE]) >= rules.FIELD_CLASS_MIN_CJK:
        # elements named for a field, for fields no visible line gave (a vocabulary of
        # Chinese sites: not looked for on pages in other languages)
        named = md.class_fields(md.headline_scope(root, headline_elements, title))
        by_class = {field: _nearest(page_lines, [(v, t) for f, v, t in named if f == field],
                                    title_at) for field in wanted}

    hidden_date = _first(baidu.get("date"), *map(md.parse_date, metas.get("date", [])))
    article.title = title
    article.body = body_text
    article.published_at = _pick_date(_first(head.get("date"), inline.get("date"),
                                             tail.get("date"), by_class.get("date")), hidden_date)
    head_source = head.get("source")
    named_source = by_class.get("source")
    if head_source and named_source and "source_unlabelled" in head:
        if head_source != named_source and head_source.startswith(named_source):
            head_source = named_source  # "家电质量网张三": the outlet's own element ends it
        named_source = None
    own_name = head_source is not None and md.squash(head_source) in names
    article.source = _first(inline.get("tail_source"), None if own_name else head_source,
                            inline.get("source"), tail.get("source"), named_source,
                            baidu.get("source"),
                            *(md.clean_value(v) for v in metas.get("source", [])),
                            head_source)
    article.author = _first(head.get("author"), inline.get("author"), tail.get("author"),
                            by_class.get("author"), baidu.get("author"), markup.get("author"),
                            md.inline_author(lines))
    article.editor = _first(inline.get("editor"), tail.get("editor"), head.get("editor"),
                            baidu.get("editor"))
    article.summary = _first(head.get("summary"), inline.get("summary"),
                             md.real_lead(_first(*metas.get("summary", [])), body_text, title))
    if not article.title or not article.published_at:
        fb_title, fb_date = _fallback_metadata(root, url)
        article.title = article.title or fb_title
        article.published_at = article.published_at or md.parse_date(fb_date) or None

    extras = article.extras
    extras["method"] = body.method
    for key in ("site_name", "column", "keywords"):
        if metas.get(key):
            extras[key] = metas[key][0]
