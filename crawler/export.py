"""Feed exports of the crawl's articles, Scrapy's way: ``scrapy crawl park -a site=ID
-O items.jsonl`` (or ``.json``, ``.csv``, ``.xml``) writes every article the crawl
stored, its fields as text.

The spider's items are pages (``FetchedPage``: raw bytes, list pages, failures too);
what a feed gets of one is ``FetchedPage.article_record()``. Two components, set in
crawler/settings.py:

- ``ArticleFeeds``, an add-on (``ADDONS``): every feed that names no ``item_filter`` of
  its own gets ``ArticleFilter``, so that a feed counts and receives only the pages
  that stored an article;
- the exporters of ``FEED_EXPORTERS`` (Scrapy's own, for each format), which write a
  page's article record; the CSV one writes lists and tables (attachments, images,
  extras) as JSON text.
"""

from __future__ import annotations

import json
from typing import Any

from scrapy.exporters import (
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    XmlItemExporter,
)
from scrapy.extensions.feedexport import ItemFilter

from parknews.pipelines.items import FetchedPage

ARTICLE_FILTER = "parknews.crawler.export.ArticleFilter"


def exported(item: Any) -> Any:
    """What a feed writes of an item: a page's article record (None for a page that
    stored none); any other item as it is."""
    return item.article_record() if isinstance(item, FetchedPage) else item


class ArticleFilter(ItemFilter):
    """A feed's item filter: the pages that stored an article (other items pass)."""

    def accepts(self, item: Any) -> bool:
        return exported(item) is not None and super().accepts(item)


class ArticleFeeds:
    """Add-on: feeds without an ``item_filter`` get ``ArticleFilter``."""

    def update_settings(self, settings) -> None:
        feeds = settings.getdict("FEEDS")
        if not feeds:
            return
        for options in feeds.values():
            options.setdefault("item_filter", ARTICLE_FILTER)
        settings.set("FEEDS", feeds, priority=settings.getpriority("FEEDS"))


class _Articles:
    """Mixin for an exporter: export a page's article record, skip other pages."""

    def export_item(self, item: Any) -> None:
        record = exported(item)
        if record is not None:
            super().export_item(record)  # type: ignore[misc]


class JsonLinesArticleExporter(_Articles, JsonLinesItemExporter):
    pass


class JsonArticleExporter(_Articles, JsonItemExporter):
    pass


class XmlArticleExporter(_Articles, XmlItemExporter):
    pass


class CsvArticleExporter(_Articles, CsvItemExporter):
    """Lists and tables as JSON text (a CSV cell holds text)."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False)
        return super().serialize_field(field, name, value)

