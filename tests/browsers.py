"""The headless Chromium the browser tests drive (Debian's, installed by
scripts/install-browser): one launch a test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# As the machine's docs ask: without the background-networking flags Chromium keeps trying
# hosts this closed network refuses. Playwright adds --headless and --no-sandbox itself and
# starts every launch with a fresh, empty --user-data-dir of its own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 10_000


def launched_chromium() -> Iterator:
    """A launched headless Chromium (a fixture's body); a missing browser fails the test
    with how to install it, never skips it."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium."
                    " Install it with `sh scripts/install-browser` (as root), then rerun.",
                    pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()
