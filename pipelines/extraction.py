"""Item pipeline: cut each fetched article page down to its clean article.

All the work is in :func:`pipelines.extract.extract`, a pure function of the raw bytes,
so that it can move to worker processes later. This stage only feeds it and falls back
on what the list page said (headline, date) when the page itself does not say.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

from pipelines.extract import extract
from pipelines.items import FetchedPage
from pipelines.metadata import parse_date

logger = logging.getLogger(__name__)


def merge_part(article, part: dict) -> None:
    """Append page 2.. of a multi-page article (``part``: url, body bytes, content_type):
    its body lines not already there, its attachments and images."""
    try:
        more = extract(part["body"], part["url"], content_type=part.get("content_type"))
    except Exception:  # a bad continuation page costs only itself
        logger.exception("extraction failed on %s", part["url"])
        return
    seen = set(article.body.split("\n"))
    lines = [line for line in more.body.split("\n") if line and line not in seen]
    if lines:
        article.body = "\n".join(filter(None, [article.body, *lines]))
    known = {a["url"] for a in article.attachments}
    article.attachments += [a for a in more.attachments if a["url"] not in known]
    known = {i["src"] for i in article.images}
    article.images += [i for i in more.images if i["src"] not in known]


class ExtractionPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("EXTRACTION_ENABLED", True):
            raise NotConfigured("EXTRACTION_ENABLED is off")
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, FetchedPage) or item.kind != "article":
            return item
        if item.error or not item.body:
            return item
        override = item.hints.get("encoding")
        content_type = f"text/html; charset={override}" if override else item.content_type
        try:
            article = extract(item.body, item.url, content_type=content_type)
        except Exception:  # a bad page must never stop the crawl
            logger.exception("extraction failed on %s", item.url)
            self.stats.inc_value("extraction/failed")
            item.error = "extraction failed"
            return item
        for part in item.parts:
            merge_part(article, part)
        if not article.title and item.hints.get("list_title"):
            article.title = item.hints["list_title"]
        if not article.published_at and item.hints.get("list_date"):
            article.published_at = parse_date(item.hints["list_date"])
        if not article.body.strip():
            self.stats.inc_value("extraction/empty")
            item.error = "no article text found"
        else:
            self.stats.inc_value("extraction/articles")
        item.article = article
        return item
