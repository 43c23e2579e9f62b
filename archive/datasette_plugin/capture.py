"""``/-/capture``: an article's archived capture (its WARC response record) shown as text.

The record is read with ``archive.warc.read_capture`` from the WARC files beside the
archive (``<db name>-warc/``, or the plugin setting ``warc_dir``) and shown escaped inside
``<pre>``: the archived page's markup and script are text, never run or loaded (the page
also carries a Content-Security-Policy that forbids scripts and outside requests). A long
page is cut at ``MAX_CHARS`` characters.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from parknews.archive.warc import WarcError, default_warc_dir, get_header, read_capture

MAX_CHARS = 400_000
CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'none'; frame-ancestors 'none'"


def pointer(conn: sqlite3.Connection, url: str, version: int | None) -> dict | None:
    """The capture of an article (its current version, or an earlier ``version``), or of a
    fetched page, with the encoding the article was read with; None when not captured."""
    columns = "warc_file as file, warc_offset as offset, warc_length as length, " \
              "warc_record_id as record_id"
    row = None
    if version is not None:
        row = conn.execute(f"select {columns}, null, version from article_versions "
                           "where url = ? and version = ?", [url, version]).fetchone()
    if row is None:
        row = conn.execute(f"select {columns}, encoding, version from articles where url = ?",
                           [url]).fetchone()
        if row is not None and version is not None and row[5] != version:
            row = None
    if row is None:
        row = conn.execute(f"select {columns}, null, null from pages where url = ?",
                           [url]).fetchone()
    if row is None or not row[0] or row[1] is None:
        return None
    if Path(row[0]).name != row[0] or row[0].startswith("."):  # a name in the WARC dir only
        return None
    return {"file": row[0], "offset": row[1], "length": row[2], "record_id": row[3],
            "encoding": row[4], "version": row[5]}


def warc_dir(db_path: str, configured: str | None) -> Path:
    return Path(configured) if configured else default_warc_dir(db_path)


def _charset(headers: list[tuple[str, str]]) -> str | None:
    content_type = get_header(headers, "Content-Type") or ""
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def decode(body: bytes, *candidates: str | None) -> str:
    for encoding in candidates:
        if not encoding:
            continue
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


async def read(directory: Path, found: dict) -> dict:
    """status, headers, text (cut at MAX_CHARS) and whether it was cut; ``error`` when
    the record cannot be read."""
    try:
        status, headers, body = await asyncio.to_thread(read_capture, directory, found)
    except (WarcError, OSError) as exc:
        return {"error": str(exc)}
    text = decode(body, found.get("encoding"), _charset(headers), "utf-8", "gb18030")
    return {"status": status, "headers": headers, "text": text[:MAX_CHARS],
            "cut": len(text) > MAX_CHARS, "chars": len(text), "bytes": len(body)}
