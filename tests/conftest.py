"""Shared fixtures: the mock park sites on loopback, and helpers to run the CLI."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import unicodedata
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
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=cwd or REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )


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
    from crawler.mocksites import serve_mock_sites

    with serve_mock_sites() as running:
        yield {site.id: site for site in running}
