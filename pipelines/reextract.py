"""Re-extraction from the archive's WARC files alone: no network.

An improved extractor can reprocess everything: for each stored article (and the
further pages of a multi-page one) the response record its row points to is read from
the WARC files, extracted again, and the row is updated when the result differs. The
update is in place: the article's ``version`` counts changes of the published text, not
of our extractor. A missing, truncated or corrupt WARC record is reported and skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlite_utils import Database

from archive.dedup import Deduplicator
from archive.warc import WarcError, get_header, read_capture
from pipelines.extract import extract
from pipelines.extraction import merge_part
from pipelines.fingerprint import content_hash

logger = logging.getLogger(__name__)

# The extracted fields compared and rewritten (JSON ones are compared as stored text).
FIELDS = ("title", "body", "published_at", "source", "author", "summary", "editor",
          "language", "attachments", "images", "encoding")
JSON_FIELDS = ("attachments", "images", "extras")
BATCH = 200  # rows updated per transaction


@dataclass
class ReextractReport:
    articles: int = 0
    changed: int = 0
    unchanged: int = 0
    no_capture: int = 0  # rows stored before WARC capture existed
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


def _pointer(row: dict, prefix: str = "warc_") -> dict:
    return {"file": row[f"{prefix}file"], "offset": row[f"{prefix}offset"],
            "record_id": row[f"{prefix}record_id"]}


def _content_type(headers: list[tuple[str, str]], override: str | None) -> str | None:
    if override:
        return f"text/html; charset={override}"
    return get_header(headers, "Content-Type")


def _stored(value):
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False) if value else None
    return value


def reextract(db: Database, warc_dir: str | Path, site_ids: Iterable[str] = (),
              encodings: dict[str, str] | None = None,
              progress: Callable[[int, int], None] | None = None) -> ReextractReport:
    """Re-extract the articles of ``site_ids`` (all when empty) from their captures.

    ``encodings`` gives sites' charset overrides ({site id: encoding}) as sites.toml does
    for the crawl; ``progress(done, total)`` is called every ``BATCH`` articles."""
    report = ReextractReport()
    sites = list(site_ids)
    where = f"site_id in ({','.join('?' * len(sites))})" if sites else "1 = 1"
    rows = list(db.query(f"select * from articles where {where} order by url", sites))
    pending: list[dict] = []
    for number, row in enumerate(rows, 1):
        report.articles += 1
        if not row.get("warc_file"):
            report.no_capture += 1
        else:
            update = _reextract_row(db, Path(warc_dir), row, (encodings or {}).get(
                row["site_id"]), report)
            if update is not None:
                pending.append(update)
        if len(pending) >= BATCH or number == len(rows):
            _write(db, pending)
            pending = []
        if progress and (number % BATCH == 0 or number == len(rows)):
            progress(number, len(rows))
    return report


def _reextract_row(db: Database, warc_dir: Path, row: dict, override: str | None,
                   report: ReextractReport) -> dict | None:
    url = row["url"]
    try:
        _, headers, body = read_capture(warc_dir, _pointer(row))
        article = extract(body, url, content_type=_content_type(headers, override))
        parts = db.query("select url, warc_file, warc_offset, warc_record_id from pages"
                         " where kind = 'part' and referer = ? and warc_file is not null"
                         " order by fetched_at, url", [url])
        for part in parts:
            _, part_headers, part_body = read_capture(warc_dir, _pointer(part))
            merge_part(article, {"url": part["url"], "body": part_body,
                                 "content_type": _content_type(part_headers, override)})
    except (WarcError, OSError) as exc:
        report.failed.append((url, str(exc)))
        logger.warning("cannot re-extract %s: %s", url, exc)
        return None
    if not article.body.strip():
        report.failed.append((url, article.extras.get("error", "no article text found")))
        return None
    fresh = asdict(article)
    fresh["title"] = fresh["title"] or row["title"]  # the list's headline was the fallback
    fresh["published_at"] = fresh["published_at"] or row["published_at"]
    values = {name: _stored(fresh[name]) for name in FIELDS}
    if all(values[name] == row.get(name) for name in FIELDS):
        report.unchanged += 1
        return None
    report.changed += 1
    return {"url": url, **values, "extras": _stored(fresh["extras"]),
            "content_hash": content_hash(article.body)}


def _write(db: Database, updates: list[dict]) -> None:
    """Update the rows, and the repost clusters of those whose body changed."""
    if not updates:
        return
    with db.atomic():
        for update in updates:
            db["articles"].update(update["url"], {k: v for k, v in update.items()
                                                  if k != "url"})
        Deduplicator(db.conn).assign(update["url"] for update in updates)
