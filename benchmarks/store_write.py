#!/usr/bin/env python3
"""Measure the CPU the crawl process spends writing the archive, per article and page.

What a crawl's ``StoragePipeline`` does with each page, in one process and without
Scrapy: ``--articles`` generated park-news articles (``benchmarks/dedup_pairs.py``'s
corpus: Chinese bodies of ~900 characters, 12 % reposts of recent stories with portal
edits, notice/report/list families, short items) are prepared as the extraction workers
prepare them (``archive.store.prepare``: search tokens, repost signature, content hash),
passed through a pickle round trip as they come back from a worker (the process's
caches of ``archive/dedup.py`` are emptied, as the crawl process never computed them),
then fed, timed with ``time.process_time()``, through ``ArchiveWriter(db,
ARCHIVE_BATCH_SIZE 50, dedup=True)`` into a fresh archive file (``open_archive``: WAL,
the migrations), as ``StoragePipeline.process_item`` feeds it: a ``pages`` row for every
article page (capture columns, validators), ``--other-pages`` pages rows an article that
are not articles (list pages with validators, a sitemap 404 with its error, hub pages),
and the article row with its ``Prepared``.

The CPU is split, per article, into:

- pages rows: ``ArchiveWriter.flush`` minus the pieces below (the ``pages`` upserts);
- article insert: ``_write_articles`` minus ``dedup assign`` (reading the stored rows of
  the batch's URLs, the insert, which fires the FTS5 index trigger, with tokens handed
  over by ``Precut``, and the article-count triggers);
- dedup assign: ``Deduplicator.assign`` (LSH candidates, the facts rule, the signature
  row, clusters);
- commit: the ``COMMIT`` of each batch's transaction (``store.write_transaction``);
- buffering: ``add_page`` / ``add_article`` themselves (everything outside ``flush``).

``--recheck``: the timed pass is a second one, of the same pages and articles, into the
archive an untimed first pass wrote: every article is stored again, unchanged (an upsert
whose search-index trigger deletes the old row's tokens and inserts the new's), as when
a re-check fetches it and the server sends no validators.

Each of ``--repeat`` runs writes a fresh archive; the report gives the median run's
figures per piece (and the spread). The articles are generated and prepared once,
untimed. Checks after each run: rows, clusters and members are counted and, with
``--digest``, a hash of every written table's rows (rowids included for ``articles``)
and of the search index's content (``fts5vocab``: every term, document, column and
position; not the layout of its segments) printed, so that two commits can be shown to
write the same archive.

Examples:

    python benchmarks/store_write.py                      # 3,000 articles, 3 runs
    python benchmarks/store_write.py --articles 1000 --repeat 1 --digest
    python benchmarks/store_write.py --other-pages 1.5    # 10 pages a 4 articles
    python benchmarks/store_write.py --recheck            # every article stored again
    python benchmarks/store_write.py --profile /tmp/store.prof   # cProfile one run

The Markdown report goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import hashlib
import os
import pickle
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import dedup_pairs  # noqa: E402
from serve import head_commit  # noqa: E402

from parknews.archive import dedup, store  # noqa: E402
from parknews.archive.store import ArchiveWriter, open_archive, prepare  # noqa: E402
from parknews.pipelines.fingerprint import content_hash  # noqa: E402

PIECES = ("pages rows", "article insert", "dedup assign", "commit", "buffering")
RUN_ID = "20261207T180000-bench"


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def capture(number: int) -> dict:
    """The capture columns ``_capture_columns`` gives an item with a WARC record."""
    return {"warc_file": f"parknews-{RUN_ID}-site-{number // 5000:05d}.warc.gz",
            "warc_offset": 1000 + 4096 * number, "warc_length": 3000 + number % 997,
            "warc_record_id": f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>",
            "warc_digest": f"sha1:{hashlib.sha1(str(number).encode()).hexdigest()[:32].upper()}"}


def article_page(row: dict, number: int) -> dict:
    """The ``pages`` row of an article page (``process_item``'s full row)."""
    return {"url": row["url"], "site_id": row["site_id"], "kind": "article", "status": 200,
            "content_type": "text/html; charset=utf-8",
            "bytes": 40_000 + 3 * len(row["body"]), "error": None,
            "fetched_at": row["fetched_at"],
            "referer": f"http://{row['site_id']}.example.cn/news/list_{number // 20}.html",
            "etag": None, "last_modified": "Mon, 07 Dec 2026 10:00:00 GMT",
            "run_id": RUN_ID, **capture(number)}


def other_page(row: dict, number: int, which: int) -> dict:
    """A page that is not an article: list pages with validators, now and then a
    sitemap that answered 404, a hub page."""
    site = row["site_id"]
    kind = ("list", "list", "hub", "sitemap")[which % 4]
    status = 404 if kind == "sitemap" else 200
    return {"url": f"http://{site}.example.cn/{kind}/{number}_{which}.html", "site_id": site,
            "kind": kind, "status": status, "content_type": "text/html",
            "bytes": 25_000 if status == 200 else 512,
            "error": "HTTP 404" if status == 404 else None, "fetched_at": row["fetched_at"],
            "referer": f"http://{site}.example.cn/", "etag": f'"{number:x}-{which}"'
            if kind == "list" else None, "last_modified": None, "run_id": RUN_ID,
            **capture(10_000_000 + 10 * number + which)}


def article_row(row: dict, number: int, prepared) -> dict:
    """``process_item``'s article row: the extracted ``Article`` as a dict, and the
    fetch's columns."""
    return {"url": row["url"], "title": row["title"], "body": row["body"],
            "published_at": row["published_at"], "source": row["source"],
            "author": "张三" if number % 3 == 0 else None, "summary": None,
            "editor": "李四" if number % 2 == 0 else None, "encoding": "utf-8",
            "language": "zh",
            "attachments": [{"name": "附件1.pdf", "url": row["url"] + ".pdf"}]
            if number % 7 == 0 else [],
            "images": [], "extras": {"method": "rules", "column": "园区动态"},
            "site_id": row["site_id"], "fetched_at": row["fetched_at"],
            "content_hash": prepared.content_hash, "etag": None,
            "last_modified": "Mon, 07 Dec 2026 10:00:00 GMT", **capture(number)}


def build_stream(count: int, other_pages: float, seed: int) -> list[tuple]:
    """The pipeline's calls, in order: ("page", row) and ("article", pickled (row,
    prepared)) as a worker hands an article back."""
    calls: list[tuple] = []
    owed = 0.0
    for number, row in enumerate(dedup_pairs.corpus(count, seed=seed)):
        owed += other_pages
        which = 0
        while owed >= 1:
            calls.append(("page", other_page(row, number, which)))
            owed -= 1
            which += 1
        prepared = prepare(row["title"], row["body"], row["source"],
                           content_hash(row["body"]))
        calls.append(("page", article_page(row, number)))
        calls.append(("article", pickle.dumps((article_row(row, number, prepared),
                                               prepared), protocol=5)))
    return calls


class Timers:
    """process_time() spent in the writer's pieces (wrapping its methods)."""

    def __init__(self, writer: ArchiveWriter) -> None:
        self.spent = dict.fromkeys(("flush", "articles", "dedup", "commit"), 0.0)
        self.batches = 0
        self._wrap(writer, "flush", "flush")
        self._wrap(writer, "_write_articles", "articles")
        if writer.dedup is not None:
            self._wrap(writer.dedup, "assign", "dedup")

    def reset(self) -> None:
        self.spent = dict.fromkeys(self.spent, 0.0)
        self.batches = 0

    def _wrap(self, owner, name: str, key: str) -> None:
        method = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.spent[key] += time.process_time() - start

        setattr(owner, name, timed)

    @contextlib.contextmanager
    def transaction(self, db, write_transaction=store.write_transaction):
        """``store.write_transaction`` itself, the time of its end (the COMMIT) counted."""
        outermost = not db.conn.in_transaction
        manager = write_transaction(db)
        manager.__enter__()
        try:
            yield db
        except BaseException:
            if not manager.__exit__(*sys.exc_info()):
                raise
            return
        start = time.process_time()
        manager.__exit__(None, None, None)
        if outermost:
            self.spent["commit"] += time.process_time() - start
            self.batches += 1


def _feed(writer: ArchiveWriter, items: list) -> None:
    """The pages and articles to the writer as the storage pipeline hands them, then the
    last batch written."""
    for kind, value in items:
        if kind == "page":
            writer.add_page(value)
        else:
            writer.add_article(*value)
    writer.flush()


def digest(conn) -> dict[str, str]:
    """A hash of each written table's rows, in a fixed order (what two commits must
    agree on; ``updated_at`` of clusters is the wall clock and left out)."""
    tables = {
        "articles": "select rowid, * from articles order by url",
        "pages": "select * from pages order by url",
        # what the search index holds (its segments' layout depends on how the rows
        # were written: that is not compared)
        "articles_fts": "select term, doc, col, offset from temp.store_write_vocab "
                        "order by term, doc, col, offset",
        "articles_fts_docsize": "select * from articles_fts_docsize order by id",
        "dedup_signatures": "select * from dedup_signatures order by url",
        "clusters": "select cluster_id, original_url, size, sites, first_published_at "
                    "from clusters order by cluster_id",
        "cluster_members": "select * from cluster_members order by url",
        "article_counts_by_month": "select * from article_counts_by_month order by 1, 2",
        "article_counts_by_source": "select * from article_counts_by_source order by 1, 2",
    }
    conn.execute("create virtual table if not exists temp.store_write_vocab using "
                 "fts5vocab(main, articles_fts, instance)")
    out = {}
    for name, sql in tables.items():
        h = hashlib.sha256()
        for row in conn.execute(sql):
            h.update(repr(tuple(row)).encode())
        out[name] = h.hexdigest()[:16]
    return out


def one_run(calls: list[tuple], workdir: Path, number: int, want_digest: bool,
            profile: str | None, recheck: bool = False) -> dict:
    path = workdir / f"run{number}.db"
    dedup._SHARED_INDEXES.clear()
    db = open_archive(path)
    writer = ArchiveWriter(db, batch_size=50, dedup=True)
    writer.upsert_sites(dedup_pairs.sites())
    timers = Timers(writer)
    original_transaction = store.write_transaction
    store.write_transaction = timers.transaction
    # what the crawl process has: the worker's results, none of its own caches
    dedup._prepare.cache_clear()
    dedup._grams.cache_clear()
    items = [(kind, value) if kind == "page" else (kind, pickle.loads(value))
             for kind, value in calls]
    if recheck:  # the archive holds them all already: the timed pass stores them again
        _feed(writer, items)
        timers.reset()
        writer.counts = dict.fromkeys(writer.counts, 0)
        items = [(kind, value) if kind == "page" else (kind, pickle.loads(value))
                 for kind, value in calls]
    gc.collect()
    profiler = cProfile.Profile(time.process_time) if profile else None
    try:
        if profiler:
            profiler.enable()
        start = time.process_time()
        _feed(writer, items)
        total = time.process_time() - start
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
    finally:
        store.write_transaction = original_transaction
    conn = db.conn
    spent = timers.spent
    result = {
        "total": total,
        "pages rows": spent["flush"] - spent["articles"] - spent["commit"],
        "article insert": spent["articles"] - spent["dedup"],
        "dedup assign": spent["dedup"],
        "commit": spent["commit"],
        "buffering": total - spent["flush"],
        "batches": timers.batches,
        "rows": {table: conn.execute(f"select count(*) from {table}").fetchone()[0]
                 for table in ("articles", "pages", "clusters", "cluster_members",
                               "dedup_signatures")},
        "counts": dict(writer.counts),
    }
    if want_digest:
        result["digest"] = digest(conn)
    db.close()
    dedup._SHARED_INDEXES.clear()
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the module docstring for what each piece holds.")
    parser.add_argument("--articles", type=int, default=3000,
                        help="articles written per run (default 3000)")
    parser.add_argument("--other-pages", type=float, default=1.0,
                        help="pages rows an article that are not articles: lists, hubs, "
                             "a sitemap 404 (default 1.0)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs, each into a fresh archive; the median is reported "
                             "(default 3)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--recheck", action="store_true",
                        help="time a second pass of the same pages and articles into the "
                             "archive the first (untimed) wrote: every article stored "
                             "again as unchanged, as a re-check finds it")
    parser.add_argument("--digest", action="store_true",
                        help="print a hash of each table's rows after each run")
    parser.add_argument("--profile", metavar="FILE",
                        help="cProfile the first run into FILE (pstats format)")
    args = parser.parse_args(argv)

    commit = head_commit()
    log(f"generating and preparing {args.articles} articles (untimed)")
    calls = build_stream(args.articles, args.other_pages, args.seed)
    pages = sum(1 for kind, _ in calls if kind == "page")
    runs = []
    with tempfile.TemporaryDirectory(prefix="store-write-") as tmp:
        for number in range(args.repeat):
            runs.append(one_run(calls, Path(tmp), number, args.digest,
                                args.profile if number == 0 else None, args.recheck))
            log(f"run {number + 1}: {runs[-1]['total']:.2f} s CPU, {runs[-1]['rows']}")
    articles = args.articles
    median = sorted(runs, key=lambda r: r["total"])[len(runs) // 2]
    print(f"## Writing the archive: CPU per article ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n")
    command = " ".join(["python benchmarks/store_write.py",
                        *(sys.argv[1:] if argv is None else argv)])
    print(f"- commit `{commit}`; command `{command}`")
    print(f"- {articles} articles, {pages} pages rows ({pages - articles} not articles), "
          f"{median['batches']} batches of 50; runs: {len(runs)}, the median one shown "
          f"(load average {os.getloadavg()[0]:.2f})")
    print(f"- rows: {median['rows']}; writer counts: {median['counts']}\n")
    print("| piece | ms an article | ms a page | share | runs (ms an article) |")
    print("|---|---:|---:|---:|---|")
    for piece in (*PIECES, "total"):
        value = median[piece]
        spread = ", ".join(f"{1000 * r[piece] / articles:.3f}" for r in runs)
        print(f"| {piece if piece != 'total' else 'in all'} | {1000 * value / articles:.3f} "
              f"| {1000 * value / pages:.3f} | {100 * value / median['total']:.0f} % "
              f"| {spread} |")
    if args.digest:
        print()
        for number, run in enumerate(runs):
            print(f"- digest of run {number + 1}: {run['digest']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
