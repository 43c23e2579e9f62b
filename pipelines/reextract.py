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
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from parknews.archive.dedup import Deduplicator
from parknews.archive.store import write_transaction
from parknews.archive.warc import WarcError, get_header, read_capture
from parknews.pipelines.extract import extract
from parknews.pipelines.fingerprint import content_hash
from parknews.pipelines.items import Article
from parknews.pipelines.workers import default_workers, merge_part, new_pool

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
    seconds: float = 0.0  # the work's own time (opening the archive, imports not counted)


def _pointer(row: dict, prefix: str = "warc_") -> dict:
    return {"file": row[f"{prefix}file"], "offset": row[f"{prefix}offset"],
            "length": row.get(f"{prefix}length"), "record_id": row[f"{prefix}record_id"]}


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
              progress: Callable[[int, int], None] | None = None,
              workers: int | None = None) -> ReextractReport:
    """Re-extract the articles of ``site_ids`` (all when empty) from their captures.

    ``encodings`` gives sites' charset overrides ({site id: encoding}) as sites.toml does
    for the crawl; ``progress(done, total)`` is called every ``BATCH`` articles.
    ``workers``: extraction processes (default: one per core; 0 or 1: this process).
    This process finds where the captures are, compares and writes; the workers read the
    WARC records and extract, ``BATCH`` articles at a time, so memory stays bounded
    whatever the archive's size."""
    report = ReextractReport()
    started = time.perf_counter()
    sites = list(site_ids)
    where = f"site_id in ({','.join('?' * len(sites))})" if sites else "1 = 1"
    urls = [r["url"] for r in db.query(f"select url from articles where {where} "
                                       f"order by url", sites)]
    workers = default_workers() if workers is None else workers
    pool = (new_pool(workers) if workers > 1 and len(urls) >= 2 * workers else None)
    encodings = encodings or {}
    # Pipelined: the workers extract batch k while this process reads batch k + 1's
    # captures and then compares and writes batch k (so neither side waits on the other;
    # two batches in memory at most).
    submitted: tuple[list, Any] | None = None
    try:
        for low in range(0, len(urls), BATCH):
            jobs = _read_batch(db, Path(warc_dir), urls[low:low + BATCH], encodings, report)
            args = [job for _, job in jobs]
            results = (pool.map(_extract_job, args, chunksize=4) if pool
                       else map(_extract_job, args))
            if submitted is not None:
                _finish(db, *submitted, report)
                if progress:
                    progress(low, len(urls))
            submitted = (jobs, results)
        if submitted is not None:
            _finish(db, *submitted, report)
            if progress:
                progress(len(urls), len(urls))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    report.seconds = time.perf_counter() - started
    return report


def _read_batch(db: Database, warc_dir: Path, batch: list[str], encodings: dict[str, str],
                report: ReextractReport) -> list[tuple[dict, tuple]]:
    """(row, extraction job) of each article of the batch that has a readable capture."""
    marks = ",".join("?" * len(batch))
    jobs = []
    for row in db.query(f"select * from articles where url in ({marks}) order by url", batch):
        report.articles += 1
        if not row.get("warc_file"):
            report.no_capture += 1
            continue
        jobs.append((row, _read_job(db, warc_dir, row, encodings.get(row["site_id"]))))
    return jobs


def _finish(db: Database, jobs: list[tuple[dict, tuple]], results: Iterable,
            report: ReextractReport) -> None:
    """Compare a batch's extractions with the stored rows and write the changes."""
    pending = [update for (row, _), result in zip(jobs, results, strict=True)
               if (update := _compare(row, result, report)) is not None]
    _write(db, pending)


# The further pages of a multi-page article (index: schema m008_article_parts_by_referer)
PARTS_SQL = ("select url, warc_file, warc_offset, warc_length, warc_record_id from pages"
             " where kind = 'part' and referer = ? and warc_file is not null"
             " order by fetched_at, url")


def _read_job(db: Database, warc_dir: Path, row: dict, override: str | None) -> tuple:
    """What extraction needs of one article: where its capture and its further pages'
    captures are (the worker reads them: decompressing is most of this process's work
    otherwise)."""
    parts = [(part["url"], _pointer(part)) for part in db.query(PARTS_SQL, [row["url"]])]
    return str(warc_dir), _pointer(row), row["url"], override, parts


class _Unreadable(str):
    """Why a capture could not be read (a failure reported apart from extraction's)."""


def _extract_job(job: tuple) -> Article | str:
    """The article, or why there is none (runs in a worker process)."""
    warc_dir, pointer, url, override, part_pointers = job
    try:
        _, headers, body = read_capture(warc_dir, pointer)
        parts = []
        for part_url, part_pointer in part_pointers:
            _, part_headers, part_body = read_capture(warc_dir, part_pointer)
            parts.append({"url": part_url, "body": part_body,
                          "content_type": _content_type(part_headers, override)})
    except (WarcError, OSError) as exc:
        return _Unreadable(str(exc))
    try:
        article = extract(body, url, content_type=_content_type(headers, override))
        for part in parts:
            merge_part(article, part)
    except Exception as exc:  # one bad capture costs only itself
        return f"extraction failed: {exc}"
    return article


def _compare(row: dict, article: Article | str, report: ReextractReport) -> dict | None:
    url = row["url"]
    if isinstance(article, str):
        report.failed.append((url, str(article)))
        if isinstance(article, _Unreadable):
            logger.warning("cannot re-extract %s: %s", url, article)
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
    with write_transaction(db):
        for update in updates:
            db["articles"].update(update["url"], {k: v for k, v in update.items()
                                                  if k != "url"})
        Deduplicator(db.conn).assign(update["url"] for update in updates)
