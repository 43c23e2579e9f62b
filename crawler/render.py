"""The headless-browser fallback: a site with ``render = true`` has its list and article
pages drawn by Chromium (through scrapy-playwright) before discovery and extraction read
them. Never on by default, never for other sites of the run.

- :func:`render_problem` says why rendering cannot work here (scrapy-playwright missing,
  no Chromium at ``PARKNEWS_CHROMIUM``), or None. A site asking for it is then crawled
  without a browser, with the reason in the crawl summary (``render/unavailable``).
- :func:`render_settings` are the settings of a rendering site's crawler: Playwright's
  download handler (only requests carrying ``meta["playwright"]`` go through it), the
  machine's Chromium (Playwright cannot download its own browser here), and sub-requests
  of the browser kept to the site's hosts and away from images, fonts and media.
- :class:`RenderDownloadHandler` is scrapy-playwright's handler that also keeps the
  response the server sent for the page (``meta["render_served"]``), so that the WARC
  holds what was served, with the rendered DOM beside it (crawler/warcmiddleware.py).

Settings: ``PARKNEWS_CHROMIUM`` (default ``/usr/bin/chromium``, or ``$PARKNEWS_CHROMIUM``),
``PARKNEWS_RENDER_WAIT`` (``networkidle``: the load state waited for after navigation),
``PARKNEWS_RENDER_TIMEOUT_MS`` (15000).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

DEFAULT_CHROMIUM = "/usr/bin/chromium"
HANDLER = "parknews.crawler.render.RenderDownloadHandler"
# As tests/test_browser.py: no background traffic out of a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})


def chromium_path(settings=None) -> str:
    configured = (settings.get("PARKNEWS_CHROMIUM") if settings is not None else None) or (
        os.environ.get("PARKNEWS_CHROMIUM") or DEFAULT_CHROMIUM)
    return shutil.which(configured) or configured


def render_problem(settings=None) -> str | None:
    """Why pages cannot be rendered in this installation, or None."""
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        return ("scrapy-playwright is not installed (pip install 'parknews[render]')")
    path = chromium_path(settings)
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        return f"no Chromium at {path} (sh scripts/install-browser, or set PARKNEWS_CHROMIUM)"
    return None


def abort_request(hosts: tuple[str, ...], request) -> bool:
    """Sub-requests of a rendered page: only the site's hosts, no images, fonts, media."""
    if request.resource_type in SKIPPED_RESOURCES:
        return True
    host = (urlsplit(request.url).hostname or "").lower()
    if request.url.startswith(("data:", "blob:")):
        return False
    return not any(host == h or host.endswith("." + h) for h in hosts)


def render_settings(settings, hosts: tuple[str, ...]) -> dict[str, Any]:
    """The settings that make a crawler render the requests marked for it."""
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium_path(settings),
                                      "headless": True, "args": CHROMIUM_ARGS},
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": settings.getint(
            "PARKNEWS_RENDER_TIMEOUT_MS", 15_000),
        "PLAYWRIGHT_ABORT_REQUEST": functools.partial(abort_request, hosts),
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
        "PARKNEWS_RENDER_ACTIVE": True,
    }


def render_meta(settings) -> dict[str, Any]:
    """Request meta that sends a request through the browser."""
    from scrapy_playwright.page import PageMethod

    wait = settings.get("PARKNEWS_RENDER_WAIT", "networkidle")
    return {"playwright": True,
            "playwright_page_methods": [PageMethod("wait_for_load_state", wait)]}


try:
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
except ImportError:  # rendering unavailable: render_problem() says so
    ScrapyPlaywrightDownloadHandler = None  # type: ignore[assignment,misc]


if ScrapyPlaywrightDownloadHandler is not None:

    class RenderDownloadHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc,valid-type]
        """Keeps the server's own answer to the page's navigation in
        ``request.meta["render_served"]`` (status, headers, body) for the WARC."""

        async def _get_response_and_download(self, request, page, spider):
            response, download = await super()._get_response_and_download(
                request, page, spider)
            if response is not None:
                try:
                    request.meta["render_served"] = {
                        "status": response.status,
                        "headers": await response.all_headers(),
                        "body": await response.body(),
                    }
                except Exception as exc:  # noqa: BLE001 - then the DOM alone is kept
                    logger.warning("served body of %s not available: %s", request.url, exc)
            return response, download
