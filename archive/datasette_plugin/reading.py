"""How the published archive shows values to a reader: dates in China time in one format,
URLs shortened, links only to http(s), bodies as escaped paragraphs, lists of images and
attachments read from their JSON. Everything returned as markup is escaped here."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

import markupsafe

# China has kept UTC+8 all year since 1991; a fixed offset needs no tz database.
CHINA = timezone(timedelta(hours=8), "CST")

# Columns holding times, and whether parknews wrote them (UTC, with a zone) or the page
# gave them (the site's local time, China, usually without a zone).
RECORDED_TIMES = frozenset({
    "fetched_at", "first_seen_at", "checked_at", "withdrawn_at", "replaced_at",
    "started_at", "finished_at", "since", "updated_at"})
PAGE_TIMES = frozenset({"published_at", "first_published_at"})
TIME_COLUMNS = RECORDED_TIMES | PAGE_TIMES


def china_time(value: str | None, recorded: bool = False) -> str | None:
    """``2024-05-10 09:48`` (or ``2024-05-10`` for a date alone) in China time; a time
    with a zone is converted, one without is taken as China time (a page's own) or, for
    ``recorded`` columns, as UTC. None for what is not an ISO date."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(text) <= 10:  # a date alone
        return when.strftime("%Y-%m-%d")
    if when.tzinfo is None and recorded:
        when = when.replace(tzinfo=UTC)
    if when.tzinfo is not None:
        when = when.astimezone(CHINA)
    return when.strftime("%Y-%m-%d %H:%M")


def time_html(value: str | None, column: str) -> markupsafe.Markup | None:
    """A time column's cell: the China-time text in a ``<time>`` holding the stored
    value; None when the value is not a date (shown as Datasette shows it)."""
    shown = china_time(value, recorded=column in RECORDED_TIMES)
    if shown is None:
        return None
    return markupsafe.Markup('<time datetime="{}" title="{}">{}</time>').format(
        value, f"{value}（北京时间 {shown}）", shown)


def safe_href(url: str | None) -> str | None:
    """The URL when a link to it is harmless (http or https), else None."""
    if not url or not isinstance(url, str):
        return None
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in text for ch in "\x00\r\n\t"):
        return None
    return text


def short_url(url: str | None, limit: int = 40) -> str:
    """``host/…/last-part`` in at most ``limit`` characters (the whole URL in a title)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url[:limit]
    host = parts.netloc or ""
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    whole = host + path
    if len(whole) <= limit:
        return whole
    last = path.rstrip("/").rsplit("/", 1)[-1]
    shortened = f"{host}/…/{last}"
    if len(shortened) <= limit:
        return shortened
    return shortened[:limit - 1] + "…"


def link_html(url: str | None, text: str, title: str | None = None) -> markupsafe.Markup:
    """A link to an outside page (no referrer, no opener), or the text alone when the URL
    is not http(s)."""
    href = safe_href(url)
    if href is None:
        return markupsafe.Markup("<span>{}</span>").format(text)
    return markupsafe.Markup(
        '<a href="{}" rel="noopener noreferrer nofollow" title="{}">{}</a>'
    ).format(href, title or url, text)


def paragraphs(text: str | None) -> list[str]:
    """The non-empty lines of a text, stripped: its paragraphs."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def paragraphs_html(text: str, extra_class: str = "") -> markupsafe.Markup:
    inner = markupsafe.Markup("").join(
        markupsafe.Markup("<p>{}</p>").format(line) for line in paragraphs(text))
    classes = "pn-text" + (f" {extra_class}" if extra_class else "")
    return markupsafe.Markup('<div class="{}">{}</div>').format(classes, inner)


def json_items(text: str | None, key: str, label: str) -> list[dict]:
    """``[{"url", "label"}]`` from a JSON list of objects (``images``: src and caption;
    ``attachments``: url and name); anything else in the column is skipped."""
    try:
        items = json.loads(text) if text else []
    except (TypeError, ValueError):
        return []
    found = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            item = {key: item}
        if not isinstance(item, dict) or not isinstance(item.get(key), str):
            continue
        url = item[key]
        name = item.get(label) if isinstance(item.get(label), str) else ""
        found.append({"url": url, "href": safe_href(url),
                      "label": name.strip() or short_url(url, 60)})
    return found


def lag_text(hours: float | None) -> str:
    """How long after the original: ``14 小时后``, ``3 天后``; empty when unknown."""
    if hours is None:
        return ""
    if hours < 1:
        return "同时 same time" if hours > -1 else ""
    if hours < 48:
        return f"{hours:.0f} 小时后 {hours:.0f} h later"
    return f"{hours / 24:.0f} 天后 {hours / 24:.0f} days later"
