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

import logging
import re
from collections.abc import Iterable, Iterator

from lxml import etree

from . import rules
from .boilerplate import block_text, normalize_space, text_of

logger = logging.getLogger(__name__)

_EDITOR_SUFFIX = re.compile(
    r"\s*[（(【\[]\s*(?:责任编辑|责编|编辑)\s*[:：]\s*(?P<value>[^）)】\]]{1,30})[）)】\]]\s*$"
)
_PUNCT = re.compile(r"[\W_]+")
_COLON = re.compile(r"[:：]")  # a name holding a colon ran into an unknown label
SHORT_VALUE = 40


# ----------------------------------------------------------------------- helpers


def parse_date(text: str | None) -> str | None:
    """The first date in ``text`` as ISO 8601 ("2022-07-05" or "2022-07-05T09:30:00")."""
    if not text:
        return None
    for m in rules.DATE_RE.finditer(text):
        date = _iso(m)
        if date:
            return date
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
    value = normalize_space(value).strip(" :：,，;；、|｜丨【】[]()（）<>《》\"'")
    if value.lower() in rules.EMPTY_VALUES or len(value) > max_len:
        return None
    if value in rules.LABEL_FIELDS:
        return None  # a bare label whose value a script was meant to fill
    if max_len <= SHORT_VALUE and _COLON.search(value):
        return None
    return value


def squash(text: str) -> str:
    """Text reduced to its word characters, for comparisons."""
    return _PUNCT.sub("", text or "").lower()


def label_values(line: str) -> Iterator[tuple[str, str, str]]:
    """``(field, raw value, label)`` for every "label：value" in a line, in order."""
    matches = list(rules.LABEL_RE.finditer(line))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        raw = line[m.end():end]
        label = m["label"] or m["short"]
        field = rules.LABEL_FIELDS[label]
        date = (rules.DATE_RE.match(raw.lstrip()) or rules.ROC_DATE_RE.match(raw.lstrip())
                if field == "date" else None)
        if date:
            raw = raw[: len(raw) - len(raw.lstrip()) + date.end()]
        elif field != "summary":
            stop = rules.VALUE_STOP.search(raw)
            raw = raw[: stop.start()] if stop else raw
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
                value = rules.AUTHOR_PREFIX.sub("", value) or None
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
                value = normalize_space(meta.get("content") or "")
                if value:
                    found.setdefault(rule.field, []).append(value)
    return found


_BAIDU_XPATH = etree.XPath(rules.BAIDU_XPATH)


def baidu_fields(root: etree._Element) -> dict[str, str]:
    """The hidden ``#pubtime_baidu``-style spans, read before hidden blocks are dropped."""
    found: dict[str, str] = {}
    by_id: dict[str, list[etree._Element]] = {}
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


def markup_fields(root: etree._Element) -> dict[str, str]:
    """Fields named by markup alone (``rel="author"`` bylines), first match per field."""
    found: dict[str, str] = {}
    for field, xpath in rules.MARKUP_FIELDS:
        if field in found:
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


def find_title(root: etree._Element, metas: dict[str, list[str]]) -> str | None:
    """The headline.

    Candidates are title-like elements (``rules.TITLE_RULES``); they must agree with a
    reference title (``<title>``, ``ArticleTitle``, ``og:title``): the longest element
    text found inside one wins, else the shortest holding one. Without agreement the
    metas, then the first standalone place (an ``<h1>``, ``.title h2``…), then
    ``<title>`` minus its suffixes.
    """
    page_title = root.find(".//title")
    refs = [text_of(page_title)] if page_title is not None else []
    refs += metas.get("title", [])
    keys = [(squash(r), squash(strip_site_suffix(r) or "")) for r in refs if squash(r)]
    inside: str | None = None
    around: str | None = None
    fallback: str | None = None
    for rule in rules.TITLE_RULES:
        for el in root.xpath(rule.xpath):
            if len(block_text(el)) > rules.TITLE_MAX * 2:
                continue  # a wrapper, not a headline (measured fast, before text_of)
            text = text_of(el)
            key = squash(text)
            if not (rules.TITLE_MIN <= len(text) <= rules.TITLE_MAX) or not key:
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
        return inside or around
    for value in metas.get("title", []):
        if rules.TITLE_MIN <= len(value) <= rules.TITLE_MAX:
            return strip_site_suffix(value)
    return fallback or html_title(root)


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


def zone_fields(lines: Iterable[str]) -> dict[str, str]:
    """Fields from info lines (first value of each field wins)."""
    found: dict[str, str] = {}
    for line in lines:
        for field, value in line_fields(line).items():
            found.setdefault(field, value)
        m = rules.DATE_THEN_SOURCE.match(line)
        if m:
            found.setdefault("date", _iso(m) or "")
            source = clean_value(m["source"])
            if source:
                found.setdefault("source", source)
        elif "date" not in found and len(line) <= 60:
            date = parse_date(line)
            if date and rules.DATE_RE.match(line.strip()):
                found["date"] = date
    return {k: v for k, v in found.items() if v}


def split_body_meta(lines: list[str], title: str | None) -> tuple[list[str], dict[str, str]]:
    """Move meta lines (headline, info line, 核心提示, 责任编辑) out of the body."""
    found: dict[str, str] = {}
    body = list(lines)
    if body and title and squash(body[0]) == squash(title):
        body.pop(0)
    kept: list[str] = []
    for i, line in enumerate(body):
        near_edge = i < 4 or i >= len(body) - 4
        if near_edge and is_meta_line(line):
            for field, value in line_fields(line).items():
                found.setdefault(field, value)
            continue
        kept.append(line)
    if kept:
        m = _EDITOR_SUFFIX.search(kept[-1])
        if m:
            found.setdefault("editor", clean_value(m["value"], 30) or "")
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
