"""Downloader middlewares of parknews.

``RedirectLoopMiddleware`` turns a redirect back to a URL already in the chain
(A -> B -> A) into a failure with the whole chain as its reason. Without it Scrapy's
duplicate filter silently drops the second request for A, and the page vanishes from
the archive's record instead of being reported.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RedirectLoopError(IgnoreRequest):
    """A redirect chain that comes back to a URL it already visited."""


class RedirectLoopMiddleware:
    """Sits just outside Scrapy's RedirectMiddleware (a higher number in
    DOWNLOADER_MIDDLEWARES), so it sees each 3xx response first."""

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("REDIRECT_ENABLED", True):
            raise NotConfigured("redirects are not followed")
        if not crawler.settings.getbool("PARKNEWS_REDIRECT_LOOPS_FAIL", True):
            raise NotConfigured("PARKNEWS_REDIRECT_LOOPS_FAIL is off")
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in REDIRECT_STATUSES or "Location" not in response.headers:
            return response
        location = response.headers["Location"].decode("latin-1")
        target = urljoin(request.url, location)
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            self.stats.inc_value("parknews/redirect_loops")
            raise RedirectLoopError("redirect loop: " + " -> ".join([*chain, target]))
        return response
