"""Article metadata from Chinese pages: title, date, 来源, 作者, 责任编辑, 核心提示.

Evidence comes from three places, in this order of trust:

1. visible lines: the info line under the headline ("发布时间：… 来源：…"), the lines
   after the body ("责任编辑：…"), and meta lines inside the body itself;
2. hidden search-engine spans (``#source_baidu``) and ``<meta>`` tags (``PubDate``,
   ``ContentSource``, ``og:title``…), which are often stale or empty on gov.cn pages;
3. trafilatura's own metadata (the caller's last resort).

The patterns and tables are in ``rules``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Iterator

from lxml import etree

from . import rules
from .boilerplate import block_text, chrome_rule, normalize_space, text_of

logger = logging.getLogger(__name__)

_EDITOR_SUFFIX = re.compile(
    r"\s*[（(【\[]\s*(?:责任编辑|责编|编辑)\s*[:：]\s*(?P<value>[^）)】\]]{1,30})[）)】\]]\s*$"
)
_PUNCT = re.compile(r"[\W_]+")
_SOURCE_SUFFIX = re.compile(
    r"\s*[（(【\[]\s*(?:信息来源|文章来源|稿件来源|来源于|来源|稿源|出处)\s*[:：]\s*"
    r"(?P<value>[^）)】\]]{1,30})[）)】\]]\s*$"
)
_MARKUP = re.compile(r"<[^>]{0,200}>")  # tags a CMS left inside a meta value
_COLON = re.compile(r"[:：]")  # a name holding a colon ran into an unknown label
SHORT_VALUE = 40


# ----------------------------------------------------------------------- helpers


def parse_date(text: str | None) -> str | None:
    """The first date in ``text`` as ISO 8601 ("2022-07-05" or "2022-07-05T09:30:00");
    numeric forms first, then month names ("Nov 6, 2009", "十一月 6th, 2009")."""
    if not text:
        return None
    for m in rules.DATE_RE.finditer(text):
        date = _iso(m)
        if date:
            return date
    for pattern in rules.MONTH_DATE_RES:
        for m in pattern.finditer(text):
            month = rules.MONTH_NAMES.get(m["mon"].lower())
            day = int(m["d"])
            if month and 1 <= day <= 31:
                return f"{int(m['y']):04d}-{month:02d}-{day:02d}"
    return None


def parse_roc_date(text: str | None) -> str | None:
    """A Minguo-calendar date at the start of a labelled value ("113-05-14" is
    2024-05-14), as ISO 8601."""
    m = rules.ROC_DATE_RE.match((text or "").strip())
    return _iso(m, rules.ROC_YEAR_OFFSET) if m else None


def _iso(m: re.Match[str], year_offset: int = 0) -> str | None:
    y, mo, d = int(m["y"]) + year_offset, int(m["m"]), int(m["d"])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    date = f"{y:04d}-{mo:02d}-{d:02d}"
    if m["H"] is not None:
        hh, mm, ss = int(m["H"]), int(m["M"]), int(m["S"] or 0)
        if hh < 24 and mm < 60 and ss < 60:
            date += f"T{hh:02d}:{mm:02d}:{ss:02d}"
    return date


def clean_value(value: str | None, max_len: int = 40) -> str | None:
    """Strip brackets, colons and placeholders from a field value."""
    if not value:
        return None
    if max_len <= SHORT_VALUE:  # a name: hit counters or toolbars may have run into it
        value = rules.TOOLBAR_TAIL.sub("", rules.COUNTER.sub(" ", value).strip())
    value = balance_brackets(normalize_space(value).strip(" :：,，;；、|｜丨-—\"'"))
    if value.lower() in rules.EMPTY_VALUES or len(value) > max_len:
        return None
    if value in rules.LABEL_FIELDS:
        return None  # a bare label whose value a script was meant to fill
    if max_len <= SHORT_VALUE and _COLON.search(value):
        return None
    return value


def balance_brackets(value: str) -> str:
    """Outer brackets off, unless they pair with one inside: "《人民日报》" is 人民日报,
    "人民网-《人民日报" is 人民网-《人民日报》, "（北京）新华社" stays."""
    pairs = rules.BRACKET_PAIRS
    closers = {c: o for o, c in pairs.items()}
    while value and value[0] in pairs and value.endswith(pairs[value[0]]):
        value = value[1:-1].strip()
    while value and value[-1] in closers and closers[value[-1]] not in value:
        value = value[:-1].rstrip()
    while value and value[0] in pairs and pairs[value[0]] not in value:
        value = value[1:].lstrip()
    for opener, closer in pairs.items():
        if value.count(opener) > value.count(closer) and value.rfind(opener) > 0:
            value += closer
    return value


def strip_roles(value: str | None) -> str | None:
    """An author value without role words (记者, 通讯员…) and the outlet before them."""
    if not value:
        return None
    first = rules.AUTHOR_ROLE.search(value)
    if first and first.start() and (first.start() > rules.OUTLET_MAX or rules.OUTLET_HINT.search(
            value[:first.start()].strip() + " ")):
        value = value[first.start():]
    value = normalize_space(rules.AUTHOR_ROLE.sub(" ", value)).strip(" /、，,")
    return value or None


@functools.lru_cache(maxsize=8192)
def squash(text: str) -> str:
    """Text reduced to its word characters, for comparisons (cached: the page's lines
    are compared with several needles)."""
    return _PUNCT.sub("", text or "").lower()


def cut_value(raw: str) -> str:
    """A field value up to the next label, date, bracket, wide gap or toolbar word."""
    stop = rules.VALUE_STOP.search(raw)
    return raw[: stop.start()] if stop else raw


def label_values(line: str) -> Iterator[tuple[str, str, str]]:
    """``(field, raw value, label)`` for every "label：value" in a line, in order."""
    matches = list(rules.LABEL_RE.finditer(line))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        raw = line[m.end():end]
        label = m["label"] or m["short"]
        opened = raw.lstrip()[:1]
        if opened in "[【" and opened:  # "来源：[ 人民网 ]"
            raw = raw.lstrip()[1:]
        field = rules.LABEL_FIELDS[label]
        date = (rules.DATE_RE.match(raw.lstrip()) or rules.ROC_DATE_RE.match(raw.lstrip())
                if field == "date" else None)
        if date:
            raw = raw[: len(raw) - len(raw.lstrip()) + date.end()]
        elif field != "summary":
            raw = cut_value(raw)
        yield field, raw.strip(), label


def line_fields(line: str) -> dict[str, str]:
    """Fields a single info line holds; of two labels for one field the likelier wins
    ("责任编辑" over "编辑")."""
    found: dict[str, tuple[int, str]] = {}
    if len(line) > rules.INFO_LINE_MAX and not rules.LABEL_RE.match(line):
        return {}
    for field, raw, label in label_values(line):
        rank = rules.LABEL_RANK[label]
        if field in found and found[field][0] <= rank:
            continue
        if field == "date":
            value = parse_date(raw) or parse_roc_date(raw)
        else:
            value = clean_value(raw, rules.FIELD_MAX[field])
            if value and field == "author":
                value = strip_roles(value)
        if value and field in rules.NAME_FIELDS and rules.SENTENCE_PUNCT.search(value):
            value = None  # a sentence, not a name
        if value:
            found[field] = (rank, value)
    return {field: value for field, (_, value) in found.items()}


def is_meta_line(line: str) -> bool:
    """True when the line is nothing but labelled fields, dates, counters and toolbars."""
    if rules.TOOLBAR_LINE.match(line):
        return True
    labelled = list(label_values(line))
    if labelled and labelled[0][0] == "summary" and rules.LABEL_RE.match(line):
        return True
    if len(line) > rules.INFO_LINE_MAX:
        return False
    if any(field in rules.NAME_FIELDS and rules.SENTENCE_PUNCT.search(raw)
           for field, raw, _ in labelled):
        return False  # "记者：你们怎样获取这些信息？" is a question, not a byline
    if any(field == "date" and raw and not (parse_date(raw) or parse_roc_date(raw))
           for field, raw, _ in labelled):
        return False  # "时间：就是效益" is no date
    rest = line
    for _, raw, _ in labelled:
        rest = rest.replace(raw, " ", 1) if raw else rest
    rest = rules.DATE_RE.sub(" ", rules.LABEL_RE.sub(" ", rest))
    noise = 0
    for pattern in rules.INFO_NOISE:
        rest, found = pattern.subn(" ", rest)
        noise += found
    return bool(labelled or noise) and not squash(rest).strip("0123456789")


# -------------------------------------------------------------------- the page


def meta_fields(root: etree._Element) -> dict[str, list[str]]:
    """Values of the known ``<meta>`` tags, by field, in rule order."""
    found: dict[str, list[str]] = {}
    metas = list(root.iter("meta"))
    for rule in rules.META_RULES:
        for meta in metas:
            if meta.get(rule.attr) in rule.names:
                value = normalize_space(_MARKUP.sub("", meta.get("content") or ""))
                if value:
                    found.setdefault(rule.field, []).append(value)
    return found


_BAIDU_XPATH = etree.XPath(rules.BAIDU_XPATH)


def baidu_fields(root: etree._Element, source: str | None = None) -> dict[str, str]:
    """The hidden ``#pubtime_baidu``-style spans, read before hidden blocks are dropped
    (not looked for when the page ``source`` names none)."""
    found: dict[str, str] = {}
    by_id: dict[str, list[etree._Element]] = {}
    if source is not None and rules.BAIDU_CUE not in source:
        return found
    for el in _BAIDU_XPATH(root):
        by_id.setdefault(el.get("id"), []).append(el)
    for field, ident in rules.BAIDU_FIELDS:
        for el in by_id.get(ident, []):
            text = text_of(el)
            if field == "date":
                value = parse_date(text)
            else:
                parsed = line_fields(text)
                value = parsed.get(field) or clean_value(text)
            if value:
                found[field] = value
                break
    return found


def markup_fields(root: etree._Element, source: str | None = None) -> dict[str, str]:
    """Fields named by markup alone (``rel="author"`` bylines), first match per field
    (rules whose cue the page ``source`` lacks are skipped)."""
    found: dict[str, str] = {}
    for field, xpath, cue in rules.MARKUP_FIELDS:
        if field in found or (source is not None and cue not in source):
            continue
        for el in root.xpath(xpath):
            value = clean_value(text_of(el), rules.FIELD_MAX[field])
            if value:
                found[field] = value
                break
    return found


def html_title(root: etree._Element) -> str | None:
    """``<title>`` without its " - column - site" suffixes."""
    el = root.find(".//title")
    return strip_site_suffix(text_of(el)) if el is not None else None


def strip_site_suffix(text: str) -> str | None:
    """A page title without its " - column - site" parts."""
    if not text:
        return None
    parts = [p for p in rules.TITLE_SEPARATORS.split(text) if p.strip()]
    if not parts:
        return None
    if len(parts[0].strip()) >= rules.TITLE_MIN:
        return parts[0].strip()
    return max(parts, key=len).strip()


def cut_title(text: str) -> str:
    """A headline without an info line run into it ("标题 发布时间：2014-07-15"): cut at a
    date/来源/author label only when all from there on is an info line."""
    for m in rules.LABEL_RE.finditer(text):
        label = m["label"] or m["short"]
        if rules.LABEL_FIELDS[label] in ("date", "source", "author", "editor", "hits") and (
                m.start() >= rules.TITLE_MIN) and is_meta_line(text[m.start():]):
            return text[: m.start()].strip()
    return text


def site_names(root: etree._Element, metas: dict[str, list[str]]) -> set[str]:
    """Squashed names the site calls itself: ``SiteName``/``og:site_name`` and the parts
    of ``<title>`` but its longest (the headline, first or last)."""
    names = {squash(v) for v in metas.get("site_name", [])}
    el = root.find(".//title")
    if el is not None:
        parts = [p for p in rules.TITLE_SEPARATORS.split(text_of(el)) if p.strip()]
        if len(parts) > 1:  # the first part or the longest is the headline
            longest = max(parts, key=len)
            names.update(squash(p) for p in parts[1:] if p is not longest)
    names.discard("")
    return names


def is_chrome_title(text: str, names: set[str]) -> bool:
    """A breadcrumb or the site's own name where a headline was looked for."""
    return bool(rules.BREADCRUMB.search(text)) or squash(text) in names


def title_elements(root: etree._Element, source: str | None = None) -> list[tuple]:
    """``(rule, element, text, cut)`` of every headline-like element, in rule order
    (``cut``: an info line was cut off its text). With the page ``source``, rules whose
    class or id name it lacks are skipped without walking the tree."""
    return list(_title_elements(root, source))


_TITLE_XPATHS = {rule.xpath: (etree.XPath(rule.xpath), rule.cues) for rule in rules.TITLE_RULES}


def _title_elements(root: etree._Element, source: str | None = None):
    walked: dict[str, list] = {}
    for rule in rules.TITLE_RULES:
        xpath, cues = _TITLE_XPATHS[rule.xpath]
        if source is not None and cues and not any(cue in source for cue in cues):
            continue
        if rule.xpath not in walked:
            walked[rule.xpath] = xpath(root)
        for el in walked[rule.xpath]:
            if rule.marks is not None and not rule.marks.search(
                    f"{el.get('class') or ''} {el.get('id') or ''}"):
                continue
            if len(block_text(el)) > rules.TITLE_MAX * 2:
                continue  # a wrapper, not a headline (measured fast, before text_of)
            full = text_of(el)
            text = cut_title(full)
            if rules.TITLE_MIN <= len(text) <= rules.TITLE_MAX and squash(text):
                yield rule, el, text, text != full


def headline_candidates(root: etree._Element, metas: dict[str, list[str]],
                        elements: list[tuple] | None = None) -> list[str]:
    """Texts of headline-like elements (h1-h5, title/heading class vocabulary) still in
    the page (not dropped as hidden) that are not links, info lines, breadcrumbs or the
    site's name; for placing against the body."""
    names = site_names(root, metas)
    found: list[str] = []
    for _, el, text, cut in (title_elements(root) if elements is None else elements):
        if el is not root and root not in el.iterancestors():
            continue  # dropped (hidden) since the elements were listed
        if cut or el.find(".//a") is not None or el.tag == "a" or is_chrome_title(text, names):
            continue  # an info line, a link, a breadcrumb or the site's name
        if is_meta_line(text):
            continue
        if text not in found:
            found.append(text)
    return found


def find_title(root: etree._Element, metas: dict[str, list[str]],
               elements: list[tuple] | None = None) -> tuple[str | None, bool]:
    """The headline, and whether a reference title agrees with it.

    Candidates are title-like elements (``rules.TITLE_RULES``); they must agree with a
    reference title (``<title>``, ``ArticleTitle``, ``og:title``): the longest element
    text found inside one wins, else the shortest holding one. Without agreement the
    metas, then the first standalone place (an ``<h1>``, ``.title h2``…), then
    ``<title>`` minus its suffixes (the caller may still prefer the headline element
    nearest above the body: ``headline_candidates``). Breadcrumbs and the site's own
    name are never the headline.
    """
    page_title = root.find(".//title")
    refs = [text_of(page_title)] if page_title is not None else []
    refs += metas.get("title", [])
    keys = [(squash(r), squash(strip_site_suffix(r) or "")) for r in refs if squash(r)]
    names = site_names(root, metas)
    inside: str | None = None
    around: str | None = None
    fallback: str | None = None
    for rule, el, text, _ in (title_elements(root) if elements is None else elements):
        key = squash(text)
        if is_chrome_title(text, names):
            continue
        if any(key in full and len(key) * 2 >= len(head) for full, head in keys):
            if inside is None or len(key) > len(squash(inside)):
                inside = text
        elif any(head and head in key and len(key) <= len(head) * 6 // 5 + 4
                 for _, head in keys):
            if around is None or len(key) < len(squash(around)):
                around = text
        elif fallback is None and rule.standalone and el.find(".//a") is None:
            fallback = text
    if inside or around:
        return inside or around, True
    for value in metas.get("title", []):
        if rules.TITLE_MIN <= len(value) <= rules.TITLE_MAX:
            return strip_site_suffix(value), True
    if fallback:
        return fallback, False
    title = html_title(root)
    if title and is_chrome_title(title, names):
        title = None
    return title, False


def beats_page_title(candidate: str, root: etree._Element) -> bool:
    """A headline element may replace ``<title>``'s headline: it shares most of its
    characters with ``<title>``, or ``<title>`` is no more than a site's name."""
    reference = html_title(root)
    if not reference:
        return True
    shown = squash(candidate)
    page = squash(text_of(root.find(".//title")))
    pairs = [shown[i:i + 2] for i in range(len(shown) - 1)]
    if pairs and sum(p in page for p in pairs) >= rules.TITLE_OVERLAP_MIN * len(pairs):
        return True
    return (len(reference) <= rules.SITE_NAME_MAX
            and bool(rules.SITE_NAME_END.search(reference.strip())))


def is_site_name(title: str | None, root: etree._Element, names: set[str]) -> bool:
    """The title found is no headline but the site's name: one of the names the site
    calls itself, or the whole ``<title>`` when that is short and reads as a name."""
    if not title:
        return True
    key = squash(title)
    if key in names:
        return True
    el = root.find(".//title")
    whole = squash(text_of(el)) if el is not None else ""
    return key == whole and (len(title) <= rules.SITE_NAME_MAX
                             and bool(rules.SITE_NAME_END.search(title.strip())))


def headline_line(lines: list[str], body_at: int | None, names: set[str]) -> str | None:
    """The headline-shaped line nearest above the body's first line: not an info line,
    a toolbar, a breadcrumb, a date or a sentence."""
    if body_at is None:
        return None
    for i in range(body_at - 1, max(-1, body_at - 1 - rules.HEADLINE_LINE_REACH), -1):
        line = lines[i]
        if not (rules.HEADLINE_LINE_MIN <= len(line) <= rules.TITLE_MAX):
            continue
        if (is_meta_line(line) or chrome_rule(line) or rules.DATE_RE.search(line)
                or is_chrome_title(line, names) or rules.PROSE_LINE.match(line)
                or "|" in line or "/" in line):
            continue
        return line
    return None


def join_subtitle(lines: list[str], at: int, title: str) -> str:
    """The headline with the "——subtitle" line shown under it, when there is one."""
    if at + 1 < len(lines):
        nxt = lines[at + 1]
        if rules.SUBTITLE_LEAD.match(nxt) and len(nxt) <= rules.SUBTITLE_MAX:
            return title + nxt
    return title


# --------------------------------------------------------------------- the lines


def locate(lines: list[str], needle: str | None, start: int = 0) -> int | None:
    """Index of the first line from ``start`` equal to (or led by) ``needle``."""
    if not needle:
        return None
    key = squash(needle)[:20]
    if not key:
        return None
    for i in range(start, len(lines)):
        if squash(lines[i]).startswith(key):
            return i
    return None


def is_list_line(line: str, linked) -> bool:
    """A line of a link list (related news, a sidebar): its text, dates aside, begins
    with the text of a link."""
    key = squash(rules.DATE_RE.sub(" ", line))
    return bool(key) and any(key.startswith(t) or t.startswith(key) for t in linked)


class LinkedTexts:
    """Squashed texts of the page's links long enough to be headlines, read from the
    page as it is now but only when first asked (most pages never need them)."""

    def __init__(self, root: etree._Element):
        self._links = list(root.iter("a"))
        self._texts: set[str] | None = None

    def __iter__(self):
        if self._texts is None:
            self._texts = set()
            for a in self._links:
                text = block_text(a)
                key = squash(text)
                if len(key) >= rules.LINK_TEXT_MIN and not rules.ADDRESS_TEXT.search(text):
                    self._texts.add(key)
        return iter(self._texts)


def linked_texts(root: etree._Element) -> LinkedTexts:
    return LinkedTexts(root)


def locate_inside(lines: list[str], needle: str, around: int, reach: int) -> int | None:
    """Index of the line holding ``needle`` (inside it, not only leading it) nearest to
    line ``around`` within ``reach`` lines."""
    key = squash(needle)
    if not key:
        return None
    for d in range(reach + 1):
        for i in (around + d, around - d):
            if 0 <= i < len(lines) and key in squash(lines[i]):
                return i
    return None


def locate_title(lines: list[str], title: str | None, before: int | None = None
                 ) -> int | None:
    """The headline's line: of the lines equal to it, the last one not after ``before``
    (the body's first line), else the first; else the first line it leads."""
    if not title:
        return None
    exact = title_lines(lines, title)
    if exact:
        usable = ([i for i in exact if before is None or i < before]
                  or [i for i in exact if i <= before])
        return usable[-1] if usable else exact[0]
    return locate(lines, title)


def title_lines(lines: list[str], title: str | None) -> list[int]:
    """Indexes of the lines that are the headline exactly."""
    key = squash(title or "")
    return [i for i, line in enumerate(lines) if key and squash(line) == key]


def zone_fields(lines: Iterable[str], unlabelled: bool = False,
                linked: LinkedTexts | None = None) -> dict[str, str]:
    """Fields from info lines (first value of each field wins). With ``unlabelled`` (the
    lines between headline and body) a short line holding a date is the info line even
    without a label, and an outlet after its date is the 来源; lines of link lists
    (``linked``) give no date."""
    found: dict[str, str] = {}
    unlabelled_date: str | None = None
    for line in lines:
        listed = (linked is not None and rules.DATE_RE.search(line) is not None
                  and is_list_line(line, linked))
        for field, value in line_fields(line).items():
            if not (listed and field == "date"):
                found.setdefault(field, value)
        m = rules.DATE_THEN_SOURCE.match(line) or (
            rules.SITE_DATE_SOURCE.match(line) if unlabelled else None)
        if m and not listed:
            unlabelled_date = unlabelled_date or _iso(m)
            source = clean_value(cut_value(m["source"]))
            if source and "source" not in found:
                found["source"] = source
                found["source_unlabelled"] = "1"  # may run into the next element's text
        elif unlabelled_date is None and not listed:
            limit = rules.INFO_DATE_LINE_MAX if unlabelled else 60
            date = parse_date(line) if len(line) <= limit else None
            if date and (unlabelled or rules.DATE_RE.match(line.strip())):
                unlabelled_date = date  # a labelled date anywhere in the zone beats it
    if unlabelled_date and "date" not in found:
        found["date"] = unlabelled_date
    return {k: v for k, v in found.items() if v}


def _name_tokens(el: etree._Element) -> set[str]:
    marks = " ".join(filter(None, (el.get("class"), el.get("id")))).lower()
    tokens = set(re.split(r"[\s_-]+", marks))
    tokens.update(marks.split())
    return tokens


_BARE_LABEL = re.compile(r"^(?:" + "|".join(sorted(rules.LABEL_FIELDS, key=len, reverse=True))
                         + r")\s+")
_FIELD_BY_NAME = {name: field for field, names in rules.FIELD_CLASS_NAMES.items()
                  for name in names}
_NAMED = etree.XPath("descendant-or-self::*[@class or @id]")
_DAYS = etree.XPath(rules.DAY_CLASS_XPATH)  # relative: inside the scope given


def class_fields(root: etree._Element) -> list[tuple[str, str, str]]:
    """``(field, value, text)`` of elements whose class or id names a field
    (``span.pubTime``, ``span#media_name``), in document order; dates never from a link
    or a list item."""
    found = split_dates(root)
    for el in _NAMED(root):
        marks = " ".join(filter(None, (el.get("class"), el.get("id"))))
        if not rules.FIELD_CLASS_RE.search(marks):
            continue
        tokens = _name_tokens(el)
        fields = {_FIELD_BY_NAME[t] for t in tokens if t in _FIELD_BY_NAME}
        if not fields or len(fields) > 1:
            continue
        field = fields.pop()
        text = block_text(el)
        if not text or len(text) > rules.FIELD_ELEMENT_MAX:
            continue
        if field == "date":
            if el.xpath("ancestor-or-self::a or ancestor::li or .//a"):
                continue
            value = parse_date(text)
        else:
            parsed = line_fields(text)
            if parsed:
                value = parsed.get(field)
            elif _COLON.search(text):
                continue  # another field's label
            else:  # "来源 某某网 张三": the bare label, then the outlet's one word
                bare = _BARE_LABEL.sub("", text, count=1)
                if field == "source":
                    bare = bare.split(" ", 1)[0]
                value = clean_value(cut_value(bare), rules.FIELD_MAX[field])
            if value and field == "author":
                value = strip_roles(value)
        if value:
            found.append((field, value, text))
    return found


def headline_scope(root: etree._Element, elements: list[tuple], title: str | None
                   ) -> etree._Element:
    """Where field-named elements are looked for: the block a few levels above the
    headline's element (the header with its info line, the article around it), or the
    whole page when the headline has no element of its own."""
    key = squash(title or "")
    for _, el, text, _ in elements:
        if key and squash(text) == key and (el is root or root in el.iterancestors()):
            scope = el
            for _ in range(rules.HEADLINE_SCOPE_LEVELS):
                parent = scope.getparent()
                if parent is None or parent.tag in ("body", "html"):
                    break
                scope = parent
            return scope
    return root


def split_dates(root: etree._Element) -> list[tuple[str, str, str]]:
    """``("date", value, text)`` of dates split over sibling elements: a day in one
    ("<div class="day">21</div>") and the year and month in the next ("2024年02月")."""
    found = []
    for el in _DAYS(root):
        day = (el.text or "").strip()
        if len(el) or not (day.isdigit() and 1 <= int(day) <= 31):
            continue
        if not (_name_tokens(el) & set(rules.DAY_CLASS_NAMES)):
            continue
        parent = el.getparent()
        if parent is None:
            continue
        for sib in parent:
            if sib is el or not isinstance(sib.tag, str):
                continue
            text = block_text(sib)
            m = rules.YEAR_MONTH_RE.fullmatch(text)
            if m and 1 <= int(m["m"]) <= 12:
                found.append(("date", f"{int(m['y']):04d}-{int(m['m']):02d}-{int(day):02d}",
                              text))
                break
    return found


def byline_author(line: str) -> str | None:
    """The names of a byline line ("光明日报记者 王建宏 张文攀", "新京报记者 彭冲 山东冠县报道",
    "（记者 张三）"), or None when the line is not one."""
    if len(line) > rules.BYLINE_MAX or rules.SENTENCE_PUNCT.search(line):
        return None
    if not rules.BYLINE_ROLE.search(line):
        return None
    bare = line.strip().strip(rules.BYLINE_MARKS)
    names = strip_roles(rules.BYLINE_EXTRAS.sub(" ", bare))
    if not names:
        return None
    parts = re.split(r"[\s、]+", names)
    if all(_is_name(p) for p in parts):
        return " ".join(parts)
    return None


def _is_name(part: str) -> bool:
    """A person's name: 2-5 CJK characters, no outlet word (社, 报, 网…), no sub-head word."""
    return (bool(rules.NAME.match(part)) and part not in rules.NOT_NAMES
            and not rules.OUTLET_HINT.search(part + " "))


def _closing_names(line: str) -> str | None:
    """"（张三）" or "（张三 李四）" closing a story: its writers."""
    m = rules.CLOSING_NAMES.match(line.strip())
    if not m:
        return None
    parts = re.split(r"[\s、]+", m.group(1))
    if not all(_is_name(p) for p in parts):
        return None  # "（完）", "（新华社）"
    return " ".join(parts)


def inline_author(lines: list[str]) -> str | None:
    """The author named by a byline inside the first or last paragraph (which stays in
    the body): "（记者 张三）", "（张三 报道）", a closing "（张三 李四）"."""
    if not lines:
        return None
    places = [lines[0][: rules.INLINE_BYLINE_HEAD], lines[-1][-rules.INLINE_BYLINE_HEAD:]]
    for text in places:
        for pattern in rules.INLINE_BYLINES:
            m = pattern.search(text)
            if m:
                parts = re.split(r"[\s、]+", m.group(1).strip())
                if all(_is_name(p) for p in parts):
                    return " ".join(parts)
    m = rules.CLOSING_INLINE_NAMES.search(lines[-1])
    if m:
        parts = re.split(r"[\s、]+", m.group(1).strip())
        if all(_is_name(p) for p in parts):
            return " ".join(parts)
    return None


def _is_gov_meta_row(line: str) -> bool:
    """A row of a 信息公开 metadata table: "索 引 号： | 1122…/2022-00426 | 分 类： | …"."""
    cells = [c.strip() for c in line.split(" | ")]
    if len(cells) < 2:
        return False
    labels = [m["label"] for c in cells if (m := rules.GOV_META_CELL.match(c))]
    return bool(labels) and all(re.sub(r"\s+", "", lab) in rules.GOV_META_LABELS
                                for lab in labels)


def _drop_heading_block(body: list[str], title: str | None) -> list[str]:
    """Without the document's own header at the top of the body: a 信息公开 metadata
    table, the headline repeated (over a few lines) and the document number under it."""
    i = 0
    while i < len(body) and _is_gov_meta_row(body[i]):
        i += 1
    key = squash(title or "")
    if key:
        joined = ""
        for k in range(i, min(len(body), i + rules.TITLE_SPLIT_MAX_LINES)):
            joined += squash(body[k])
            if joined == key:
                i = k + 1
                if i < len(body) and rules.DOC_NUMBER.match(body[i].strip()):
                    i += 1
                break
            if not key.startswith(joined):
                break
    return body[i:]


def split_body_meta(lines: list[str], title: str | None) -> tuple[list[str], dict[str, str]]:
    """Move meta lines (headline, info line, 核心提示, 责任编辑, bylines, kickers) out of
    the body."""
    found: dict[str, str] = {}
    body = _drop_heading_block(list(lines), title)
    edge = rules.EDGE_LINES
    key = squash(title or "")
    kept: list[str] = []
    for i, line in enumerate(body):
        near_edge = i < edge or i >= len(body) - edge
        if i < edge and key and squash(line) == key:
            continue  # the headline again, under a kicker or a caption
        if near_edge and is_meta_line(line):
            for field, value in line_fields(line).items():
                found.setdefault(field, value)
            if "date" not in found and len(line) <= rules.INFO_DATE_LINE_MAX:
                date = parse_date(line)  # "2011年12月09日 18:52 来源：…"
                if date:
                    found["date"] = date
            continue
        if near_edge:
            author = byline_author(line)
            if author:
                found.setdefault("author", author)
                continue
            editor = rules.EDITOR_CREDIT.match(line.strip())
            if editor and i >= len(body) - edge:
                found.setdefault("editor", editor["value"])
                continue
            if i == 0 and rules.KICKER.match(line.strip()):
                continue
        kept.append(line)
    if kept:
        names = _closing_names(kept[-1])
        if names:
            found.setdefault("author", names)
            kept.pop()
    if kept:
        m = _EDITOR_SUFFIX.search(kept[-1])
        if m:
            found.setdefault("editor", clean_value(m["value"], 30) or "")
            kept[-1] = kept[-1][: m.start()].rstrip()
            if not kept[-1]:
                kept.pop()
    if kept:  # "…（来源：某某律师事务所）": the origin's attribution closing the story
        m = _SOURCE_SUFFIX.search(kept[-1])
        if m:
            found["tail_source"] = clean_value(m["value"]) or ""
            kept[-1] = kept[-1][: m.start()].rstrip()
            if not kept[-1]:
                kept.pop()
    return kept, {k: v for k, v in found.items() if v}


def real_lead(description: str | None, body: str, title: str | None) -> str | None:
    """The description meta when it is the article's own lead: it opens the body."""
    if not description or len(description) < rules.LEAD_MIN:
        return None
    key = squash(description.rstrip(".…"))
    if not key or key == squash(title or ""):
        return None
    return description if key[:12] in squash(body)[: rules.LEAD_WINDOW] else None
