"""The records that flow through the pipelines.

``FetchedPage`` is what the spider yields for every response (and every failure);
``Article`` is what extraction makes of an article page. Both are plain dataclasses,
so Scrapy handles them through itemadapter and they pickle across processes. A page
holds raw bytes; what a feed export (``scrapy crawl park -O items.jsonl``) writes of it
is ``FetchedPage.article_record()``: the stored article's fields, text only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from parknews.archive.store import Prepared


@dataclass
class Article:
    """One clean article, as extraction returns it."""

    url: str | None = None
    title: str | None = None
    body: str = ""
    published_at: str | None = None  # ISO 8601: "2022-07-05" or "2022-07-05T09:30:00"
    source: str | None = None  # 来源: the outlet the text comes from
    author: str | None = None  # 作者 / 记者
    summary: str | None = None  # 核心提示 / 摘要
    editor: str | None = None  # 责任编辑
    encoding: str | None = None  # how the raw bytes were decoded
    language: str | None = None  # "zh", "en", …
    attachments: list[dict[str, str]] = field(default_factory=list)  # 附件: name, url
    images: list[dict[str, str]] = field(default_factory=list)  # src, caption
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FetchedPage:
    """One fetch of one URL by the spider: a response or a failure."""

    url: str
    site_id: str
    # "list", "article", "part" (page 2.. of an article), "attachment" (a linked file),
    # "sitemap", "feed", "other"
    kind: str
    fetched_at: str  # ISO 8601 UTC
    status: int | None = None
    content_type: str | None = None
    body: bytes = b""
    error: str | None = None  # why nothing usable came of it
    referer: str | None = None
    hints: dict[str, str] = field(default_factory=dict)  # list_title, list_date from the list
    article: Article | None = None  # filled in by the extraction pipeline
    # further pages of a multi-page article, in order: {"url", "body", "content_type"}
    parts: list[dict[str, Any]] = field(default_factory=list)
    etag: str | None = None  # validators for the next, conditional request
    last_modified: str | None = None
    warc: dict[str, Any] | None = None  # the capture: file, offset, length, record_id, digest
    # work done ahead for the archive writer by the extraction workers
    prepared: Prepared | None = None

    def article_record(self) -> dict[str, Any] | None:
        """The article this page stores in the archive (extracted, with text; not a 304,
        which keeps the stored row), as a record of text fields; None for any other page."""
        article = self.article
        if self.status == 304 or article is None or not article.body.strip():
            return None
        record = {"url": self.url, "site_id": self.site_id}
        record.update((name, value) for name, value in asdict(article).items()
                      if name not in EXPORT_SKIPPED)
        record.update(fetched_at=self.fetched_at, status=self.status, referer=self.referer)
        return record


# Article fields a record leaves out: the page's URL stands for the article's
EXPORT_SKIPPED = frozenset({"url"})
