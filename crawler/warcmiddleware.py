"""Downloader middleware: every request/response pair of a crawl written to WARC files.

``WarcCaptureMiddleware`` writes each response Scrapy downloads, with its request, through
:class:`parknews.archive.warc.CaptureWriter` and leaves the capture pointer (``file``, ``offset``,
``length``, ``record_id``, ``payload_digest``) in ``response.meta["warc"]`` for the
pipelines. A redirected request carries the pointer of its 3xx until its final response
replaces it.

Settings: ``PARKNEWS_WARC_DIR`` (the directory; empty disables capture),
``PARKNEWS_WARC_MAX_BYTES`` (rotation size, default 100 MiB), ``PARKNEWS_RUN_ID`` (names
the files; default: the crawler's start time in UTC, ``20261127T082541Z`` — set it once
for all the crawlers of one run). The site id in the file names is the spider's
``site.id``, else its name. A crawler of many sites (``crawler/manysites.py``) writes each
site's exchanges to files of its own while it crawls at most
``PARKNEWS_WARC_SITE_FILES`` sites (default 100); beyond that its sites share files named
by the spider (``parks``): thousands of sites would otherwise hold thousands of files
open, each with a few records.
Stats: ``warc/records`` (responses captured, each with its request record),
``warc/bytes`` (compressed bytes written), ``warc/errors``, ``warc/files``.

Its place, ``PRIORITY`` = 660 in ``DOWNLOADER_MIDDLEWARES``: ``process_response`` runs
from the highest number down (the downloader's side first): 900 HttpCache, 850
DownloaderStats, 750 HttpProxy, 700 Cookies, **660 this**, 650 RedirectLoopMiddleware,
600 RedirectMiddleware, 590 HttpCompressionMiddleware, 580 MetaRefresh, 550 Retry. No
number sees a response both decompressed by 590 and before 600 follows a redirect, since
600 runs first. At 585 the 3xx hops of every redirect, the 3xx that closes a loop (650
raises) and a response 590 drops as too large would never be captured. So it sits above
650, sees every response as downloaded (retried attempts included), and does the
decompression itself with Scrapy's own HttpCompressionMiddleware (an instance of its own,
same settings), passing the decoded response on so that 590 finds nothing left to do:
the WARC holds exactly the bytes the parser gets, decompressed once. A body Scrapy would
not fully decode (unknown encoding, over DOWNLOAD_MAXSIZE, corrupt) is stored as received
with its Content-Encoding header, and the response goes on untouched for 590 to handle as
usual.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from parknews.archive.warc import (
    DEFAULT_MAX_BYTES,
    CaptureWriter,
    Exchange,
    default_warc_dir,
    new_run_id,
)
from parknews.pipelines.storage import captures_needed

logger = logging.getLogger(__name__)

PRIORITY = 660  # see the module doc
COMPRESSION_PATH = "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"
SCHEMES = ("http://", "https://")  # what is captured


class WarcCaptureMiddleware:
    def __init__(self, crawler, directory: str, max_bytes: int, run_id: str,
                 site_files: int = 100):
        self.crawler = crawler
        self.site_files = site_files
        self.writers: dict[str, CaptureWriter] = {}  # per site, with many sites
        self.per_site = False
        self.stats = crawler.stats
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.run_id = run_id
        self.writer: CaptureWriter | None = None
        self.compression = self._compression(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("PARKNEWS_WARC_ENABLED", True):
            raise NotConfigured("PARKNEWS_WARC_ENABLED is off")
        directory = settings.get("PARKNEWS_WARC_DIR")
        if not directory and settings.get("ARCHIVE_DB"):
            directory = default_warc_dir(settings.get("ARCHIVE_DB"))
        if not directory:
            raise NotConfigured("neither PARKNEWS_WARC_DIR nor ARCHIVE_DB is set")
        middleware = cls(crawler, str(directory),
                         settings.getint("PARKNEWS_WARC_MAX_BYTES", DEFAULT_MAX_BYTES),
                         settings.get("PARKNEWS_RUN_ID") or new_run_id(),
                         settings.getint("PARKNEWS_WARC_SITE_FILES", 100))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.sync, signal=captures_needed)
        return middleware

    def sync(self) -> None:
        """fsync every WARC file with records not yet durable (before a commit)."""
        for writer in [self.writer, *self.writers.values()]:
            if writer is None:
                continue
            try:
                writer.sync()
            except OSError as exc:
                logger.error("could not sync the WARC file: %s", exc)
                self.stats.inc_value("warc/errors")

    @staticmethod
    def _compression(crawler) -> HttpCompressionMiddleware | None:
        """Scrapy's decompression, when the crawl would decompress at all."""
        if crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES").get(COMPRESSION_PATH) is None:
            return None
        try:
            return HttpCompressionMiddleware.from_crawler(crawler)
        except NotConfigured:  # COMPRESSION_ENABLED = False
            return None

    # -- signals --------------------------------------------------------------------

    def spider_opened(self, spider) -> None:
        site = getattr(spider, "site", None)
        site_id = getattr(site, "id", None) or getattr(spider, "warc_name", spider.name)
        self.writer = CaptureWriter(self.directory, self.run_id, site_id,
                                    max_bytes=self.max_bytes)
        sites = getattr(spider, "sites", None) or ()
        self.per_site = site is None and 1 < len(sites) <= self.site_files

    def _writer_for(self, request: Request) -> CaptureWriter | None:
        """The writer of the request's site (files per site), else the crawler's."""
        if not self.per_site or self.writer is None:
            return self.writer
        site_id = self.crawler.spider.site_of_request(request)
        if not site_id:
            return self.writer
        writer = self.writers.get(site_id)
        if writer is None:
            writer = self.writers[site_id] = CaptureWriter(
                self.directory, self.run_id, site_id, max_bytes=self.max_bytes)
        return writer

    def spider_closed(self, spider) -> None:
        if self.writer is None:
            return
        files: list[str] = []
        for writer in [self.writer, *self.writers.values()]:
            try:
                writer.close()
            except OSError as exc:
                logger.error("could not close the WARC file: %s", exc)
                self.stats.inc_value("warc/errors")
            files += writer.files
        self.stats.set_value("warc/files", len(files))
        if files:
            logger.info("WARC files in %s: %s", self.directory, ", ".join(files))
        self.writer = None
        self.writers = {}

    # -- responses ------------------------------------------------------------------

    def process_response(self, request: Request, response: Response) -> Response:
        writer = self._writer_for(request)
        if writer is None or not response.url.startswith(SCHEMES) or (
                "replayed" in response.flags):  # captured when it was fetched
            return response
        served = request.meta.pop("render_served", None)  # crawler/render.py
        decoded = self._decoded(request, response) if served is None else None
        stored = decoded if decoded is not None else response
        before = writer.bytes_written
        ip = str(response.ip_address) if response.ip_address else None
        try:
            if served is not None:  # what the server sent, then the DOM the browser drew
                headers = served.get("headers") or {}
                capture = writer.write_exchange(Exchange(
                    response.url, served.get("status") or response.status,
                    served.get("body") or b"", headers, request_method=request.method,
                    request_headers=request.headers, request_body=request.body, ip=ip,
                    content_decoded=any(k.lower() == "content-encoding" for k in headers),
                    rendered=response.body,
                    rendered_type=f"text/html; charset={getattr(response, 'encoding', 'utf-8')}",
                ))
            else:
                capture = writer.write_exchange(Exchange(
                    response.url, response.status, stored.body, response.headers,
                    request_method=request.method, request_headers=request.headers,
                    request_body=request.body, http_version=response.protocol or "HTTP/1.1",
                    ip=ip, content_decoded=decoded is not None,
                ))
        except Exception:  # noqa: BLE001 - a failed capture must not stop the crawl
            logger.exception("could not write %s to the WARC file", response.url)
            self.stats.inc_value("warc/errors")
            return stored
        request.meta["warc"] = capture.pointer()  # the same dict as response.meta
        self.stats.inc_value("warc/records")
        self.stats.inc_value("warc/bytes", writer.bytes_written - before)
        return stored

    def _decoded(self, request: Request, response: Response) -> Response | None:
        """The response as HttpCompressionMiddleware would pass it on, or None when it
        would not decode it fully (then the response goes on untouched)."""
        if self.compression is None or not response.headers.getlist("Content-Encoding"):
            return None
        try:  # on a copy: Scrapy's middleware edits the headers of what it is given
            decoded = _call(self.compression.process_response, request, response.replace(),
                            self.crawler.spider)
        except Exception:  # noqa: BLE001 - too large, corrupt: 590 will say so again
            return None
        if not isinstance(decoded, Response) or decoded.headers.getlist("Content-Encoding"):
            return None
        return decoded


def _call(method, request: Request, response: Response, spider):
    """A middleware method, with ``spider`` only where the installed Scrapy requires it."""
    parameter = inspect.signature(method).parameters.get("spider")
    if parameter is not None and parameter.default is inspect.Parameter.empty:
        return method(request, response, spider)
    return method(request, response)
