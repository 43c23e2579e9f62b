"""Fingerprints of article text: pure functions, no Scrapy."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+")


def normalise_body(body: str) -> str:
    """NFKC (full-width → half-width), whitespace and punctuation folded away."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", body or "")).lower()


def content_hash(body: str) -> str | None:
    """A hash that two copies of the same text share whatever their spacing or punctuation."""
    norm = normalise_body(body)
    return hashlib.sha256(norm.encode("utf-8")).hexdigest() if norm else None
