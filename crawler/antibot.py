"""Anti-bot walls recognised, as data, so that a site behind one is reported as blocked
instead of looking empty or down.

``ANTIBOT_SIGNS`` holds the signatures, most specific first: the statuses a wall answers
with and markers of its challenge page. 加速乐 (Jiasule, Knownsec's CDN) answers HTTP 521
with a tiny page whose script sets a ``__jsl_clearance`` cookie and reloads; 瑞数 (Riversecurity)
answers 202 or 412 with an obfuscated script, a ``$_ts`` object and a ``<meta … r='m'>``
carrying the challenge. parknews does not solve challenges: it names the wall.

``AntiBotMiddleware`` (downloader middleware, 640: after the WARC capture at 660 has kept
the challenge page as served) checks every response against the signatures. A page behind
a wall fails with :class:`AntiBotBlocked` (the spider records it ``blocked: …`` and
counts it in ``antibot/<sign name>`` with its site's stats, which a distributed worker
keeps per site); a robots.txt behind one is treated as absent (it was never served), so
the pages themselves are tried and recorded as blocked.
Stats: ``antibot/blocked`` (pages, all sites), ``antibot/<sign name>`` (pages, counted by
the spider, and robots.txt files, counted here).
"""

from __future__ import annotations

import logging
import re
from typing import NamedTuple

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

PRIORITY = 640  # see the module doc
SNIFF_BYTES = 64 * 1024  # challenge pages are small: only the start of a body is searched


class AntiBotSign(NamedTuple):
    name: str
    label: str  # for people: the wall and how it shows
    statuses: frozenset[int]  # answers that may carry it (empty: any)
    markers: tuple[re.Pattern[bytes], ...]  # all must be found in the body's start


def _re(pattern: bytes) -> re.Pattern[bytes]:
    return re.compile(pattern, re.I | re.S)


ANTIBOT_SIGNS: tuple[AntiBotSign, ...] = (
    AntiBotSign("jiasule", "加速乐 anti-bot challenge (HTTP 521: a script sets a cookie and "
                "reloads)", frozenset({521}),
                (_re(rb"<script"), _re(rb"document\.cookie|__jsl_clearance"))),
    AntiBotSign("jiasule", "加速乐 anti-bot challenge (a script sets __jsl_clearance and "
                "reloads)", frozenset(), (_re(rb"__jsl_clearance"), _re(rb"<script"))),
    AntiBotSign("ruishu", "瑞数 anti-bot challenge (obfuscated script with $_ts and a meta "
                "challenge)", frozenset({202, 400, 412}),
                (_re(rb"\$_ts\s*=|\$_ts\["), _re(rb"<meta[^>]+\br=['\"]?m['\"]?"))),
    AntiBotSign("ruishu", "瑞数 anti-bot challenge (obfuscated script with $_ts)",
                frozenset({202, 412}), (_re(rb"\$_ts\s*=|\$_ts\["),)),
)


def antibot_sign(status: int, body: bytes) -> AntiBotSign | None:
    """The wall a response comes from, or None."""
    head = body[:SNIFF_BYTES]
    for sign in ANTIBOT_SIGNS:
        if sign.statuses and status not in sign.statuses:
            continue
        if all(marker.search(head) for marker in sign.markers):
            return sign
    return None


class AntiBotBlocked(IgnoreRequest):
    """A response that is an anti-bot challenge, not the page asked for."""

    def __init__(self, sign: AntiBotSign, status: int):
        super().__init__(f"blocked by an anti-bot wall: {sign.label}, HTTP {status}")
        self.sign = sign
        self.status = status


class AntiBotMiddleware:
    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PARKNEWS_ANTIBOT_ENABLED", True):
            raise NotConfigured("PARKNEWS_ANTIBOT_ENABLED is off")
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        sign = antibot_sign(response.status, response.body)
        if sign is None:
            return response
        if request.url.endswith("/robots.txt"):
            self.stats.inc_value(f"antibot/{sign.name}")
            logger.warning("robots.txt %s is an anti-bot challenge (%s): read as absent",
                           request.url, sign.name)
            return response.replace(status=404, body=b"")
        self.stats.inc_value("antibot/blocked")
        logger.warning("blocked: %s answers a %s", request.url, sign.label)
        raise AntiBotBlocked(sign, response.status)
