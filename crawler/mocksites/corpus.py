"""Load the mock sites' article corpus and site settings from the package data files."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .model import ExpectedArticle

logger = logging.getLogger(__name__)

HEADING_MARK = "## "


@dataclass(frozen=True)
class Entry:
    """One article as placed on one mock site (an original or a repost)."""

    key: str
    site: str
    doc_id: int
    title: str
    published_at: str  # "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM"
    source: str
    author: str | None
    summary: str | None
    paragraphs: tuple[str, ...]  # sub-headings keep their "## " marker
    image: str | None = None
    original: str | None = None  # key of the original article when this is a repost
    link_original: bool = False
    page_breaks: tuple[int, ...] = ()  # paragraph indexes where a further page begins
    slug: str = ""  # WordPress: the post name in its URL
    category: str = ""  # WordPress: the post's category slug
    column: str = ""  # key of the site's column it is listed in ("" = the main column)

    @property
    def pages(self) -> list[tuple[str, ...]]:
        """The paragraphs of each page of the article (one page unless it has breaks)."""
        cuts = [0, *self.page_breaks, len(self.paragraphs)]
        return [self.paragraphs[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]

    @property
    def lines(self) -> list[str]:
        """The clean body lines: paragraphs and sub-headings without markers."""
        return [text_of(p) for p in self.paragraphs]

    @property
    def body(self) -> str:
        return "\n".join(self.lines)

    def expected(self, url: str, must_not_contain: list[str], summary: str | None,
                 repost_of: str | None = None) -> ExpectedArticle:
        """What a clean extraction of this entry's page at ``url`` must give."""
        return ExpectedArticle(
            url=url, title=self.title, published_at=self.published_at, source=self.source,
            author=self.author, body=self.body, summary=summary,
            must_not_contain=must_not_contain, repost_of=repost_of,
        )

    @property
    def date(self) -> str:
        return self.published_at[:10]

    @property
    def time(self) -> str:
        """The time of day as "HH:MM", or "" when the corpus gives a date only."""
        return self.published_at[11:16]

    @property
    def ymd(self) -> str:
        return self.date.replace("-", "")

    @property
    def intro(self) -> str:
        """The summary, or the start of the first paragraph (as portals fill 核心提示)."""
        if self.summary:
            return self.summary
        return self.lines[0][:60]


@dataclass(frozen=True)
class SiteConfig:
    """Identity and chrome of one mock site (from data/sites.toml)."""

    id: str
    family: str
    name: str
    short_name: str
    park: str
    region: str
    host: str
    encoding: str
    per_page: int
    column: str
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = "") -> Any:
        return self.extra.get(key, default)


def is_heading(paragraph: str) -> bool:
    return paragraph.startswith(HEADING_MARK)


def text_of(paragraph: str) -> str:
    return paragraph[len(HEADING_MARK) :] if is_heading(paragraph) else paragraph


def _read(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_sites() -> list[SiteConfig]:
    sites = []
    for raw in _read("sites.toml")["sites"]:
        known = {k: raw[k] for k in SiteConfig.__dataclass_fields__ if k in raw and k != "extra"}
        extra = {k: v for k, v in raw.items() if k not in known}
        sites.append(SiteConfig(**known, extra=extra))
    return sites


def _original(raw: dict[str, Any]) -> Entry:
    return Entry(
        key=raw["id"],
        site=raw["site"],
        doc_id=int(raw["doc_id"]),
        title=raw["title"],
        published_at=raw["published_at"],
        source=raw["source"],
        author=raw.get("author") or None,
        summary=raw.get("summary") or None,
        paragraphs=tuple(raw["paragraphs"]),
        image=raw.get("image") or None,
        page_breaks=tuple(int(i) for i in raw.get("page_breaks", [])),
        slug=raw.get("slug", ""),
        category=raw.get("category", ""),
        column=raw.get("column", ""),
    )


def _repost(raw: dict[str, Any], original: Entry) -> Entry:
    drop = set(raw.get("drop", []))
    paragraphs = [p for i, p in enumerate(original.paragraphs) if i not in drop]
    lead = raw.get("lead")
    if lead:
        first = paragraphs[0]
        cut = first.find("。")
        paragraphs[0] = lead + (first[cut + 1 :] if cut >= 0 else "")
    return Entry(
        key=raw["id"],
        site=raw["site"],
        doc_id=int(raw["doc_id"]),
        title=raw.get("title") or original.title,
        published_at=raw["published_at"],
        source=raw["source"],
        author=raw.get("author") or None,
        summary=raw.get("summary") or None,
        paragraphs=tuple(paragraphs),
        original=original.key,
        link_original=bool(raw.get("link_original", False)),
    )


@dataclass(frozen=True)
class MockColumn:
    """A further column of a mock site (``data/columns/<site id>.toml``): a news column
    the crawl must find from the home page, or a column it must leave alone."""

    key: str  # "tzgg": its articles' ``column`` in the same file
    name: str  # "通知公告"
    news: bool  # a news or notice column (crawled), else one a crawler must skip
    path: str  # where the family puts its list pages ("/xwzx/tzgg/")
    dated: bool = True  # the home page's block shows its items' dates
    menu: str = "block"  # "block": a home block with a more link; "script": only in a
    #                      menu written by a script
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = "") -> Any:
        return self.extra.get(key, default)


def _column_files() -> list[tuple[str, dict[str, Any]]]:
    folder = resources.files(__package__).joinpath("data", "columns")
    if not folder.is_dir():
        return []
    return [(item.name.removesuffix(".toml"), tomllib.loads(item.read_text(encoding="utf-8")))
            for item in sorted(folder.iterdir(), key=lambda i: i.name)
            if item.name.endswith(".toml")]


def site_columns(site_id: str) -> list[MockColumn]:
    """The further columns of a site, in the order of its file."""
    for name, data in _column_files():
        if name == site_id:
            fields = set(MockColumn.__dataclass_fields__) - {"extra"}
            return [MockColumn(**{k: v for k, v in raw.items() if k in fields},
                               extra={k: v for k, v in raw.items() if k not in fields})
                    for raw in data.get("columns", [])]
    return []


def column_of(entry: Entry) -> MockColumn | None:
    """The further column an entry is listed in, or None for its site's main column."""
    if not entry.column:
        return None
    return next(c for c in site_columns(entry.site) if c.key == entry.column)


def load_corpus() -> dict[str, Entry]:
    """Every article, originals and reposts, keyed by corpus id (the articles of the
    further columns in ``data/columns/`` included, with their ``column``)."""
    data = _read("articles.toml")
    entries: dict[str, Entry] = {}
    for raw in data["articles"]:
        entries[raw["id"]] = _original(raw)
    for site_id, more in _column_files():
        for raw in more.get("articles", []):
            entry = _original({"site": site_id, **raw})
            if not entry.column:
                raise ValueError(f"columns/{site_id}.toml: article {entry.key} has no column")
            entries[entry.key] = entry
    for raw in data.get("reposts", []):
        entries[raw["id"]] = _repost(raw, entries[raw["of"]])
    logger.debug("loaded %s mock articles", len(entries))
    return entries


def site_entries(corpus: dict[str, Entry], site_id: str, column: str = "") -> list[Entry]:
    """A site's articles of one column (its main column by default), newest first (the
    order of its list pages)."""
    chosen = [e for e in corpus.values() if e.site == site_id and e.column == column]
    return sorted(chosen, key=lambda e: (e.published_at, e.doc_id), reverse=True)


def paginate(items: list[Any], per_page: int) -> list[list[Any]]:
    return [items[i : i + per_page] for i in range(0, len(items), per_page)] or [[]]
