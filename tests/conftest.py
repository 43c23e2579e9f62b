"""Shared fixtures: the mock park sites on loopback, and helpers to run the CLI."""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Settings for crawling loopback mock sites fast and deterministically.
FAST = ["--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=False",
        "--set", "RETRY_TIMES=0", "--set", "DOWNLOAD_TIMEOUT=10"]


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 180):
    """Run ``parknews ARGS`` in a fresh process (Scrapy's reactor cannot restart)."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run(
        [sys.executable, "-m", "parknews.crawler.cli", *args],
        cwd=cwd or REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )


@contextlib.contextmanager
def serve_handler(address: str, handler: type[http.server.BaseHTTPRequestHandler], **attributes):
    """A ThreadingHTTPServer of ``handler`` on ``address`` and an ephemeral port, with
    ``attributes`` set on it before it serves (state the handler reads), until the block
    ends: a small mock site for one test module."""
    server = http.server.ThreadingHTTPServer((address, 0), handler)
    for name, value in attributes.items():
        setattr(server, name, value)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(db_path: Path, log_path: Path):
    """``parknews serve --db DB`` (its defaults) on a free loopback port, until the
    ``with`` ends; yields its base URL once it answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "parknews.crawler.cli", "serve", "--db", str(db_path),
             "--port", str(port)],
            cwd=REPO, env=dict(os.environ, PYTHONWARNINGS="ignore"),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/-/versions.json", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("parknews serve did not answer:\n"
                            + log_path.read_text(errors="replace"))
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def closed_port() -> int:
    """A loopback port that nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_NONWORD = re.compile(r"[\W_]+")


def char_f1(predicted: str, gold: str) -> float:
    """Character-level F1 as ../shared/eval/score.py computes it (NFKC, no punctuation)."""
    def chars(text):
        return Counter(_NONWORD.sub("", unicodedata.normalize("NFKC", text or "")))

    p, g = chars(predicted), chars(gold)
    total = sum(p.values()) + sum(g.values())
    return 2 * sum((p & g).values()) / total if total else 1.0


@pytest.fixture(scope="session")
def mock_sites():
    from parknews.crawler.mocksites import serve_mock_sites

    with serve_mock_sites() as running:
        yield {site.id: site for site in running}
