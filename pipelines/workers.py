"""Extraction off the crawl loop: a pool of worker processes shared by a crawl process.

Extracting a page costs 15-20 ms of CPU; done inside Scrapy's loop it caps a crawl at
one core and stalls downloading meanwhile. ``ExtractionPipeline`` hands each article
page to a worker process instead (``extract_page``: a pure function of the fetched
bytes) and awaits the result, so the loop only downloads, follows links and writes.

Bounds: at most ``PARKNEWS_EXTRACT_PENDING`` pages (default 4 per worker) are in the
workers' hands at once; further items wait in the pipeline, and Scrapy stops feeding
responses to a spider whose unfinished items pass ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``: the
crawl slows down instead of piling pages up in memory.

The spider borrows the same workers to read list and hub pages
(``crawler/listreading.py``, through :meth:`ExtractionPool.deferred`): any picklable
function can run there.

One pool per crawl process (several spiders share it), made before the crawl starts
(``ExtractionPool.prestart``; else at the first article page) and shut down when the last
spider using it closes. Workers are forked (the parent has everything imported, so they
start at once) while the crawl process is still small. ``PARKNEWS_EXTRACT_WORKERS``: how many
(default: the machine's cores); 0 extracts in the crawl process as before.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from parknews.archive.store import Prepared, prepare
from parknews.pipelines.extract import extract
from parknews.pipelines.fingerprint import content_hash
from parknews.pipelines.items import Article
from parknews.pipelines.metadata import parse_date

logger = logging.getLogger(__name__)


def merge_part(article: Article, part: dict) -> None:
    """Append page 2.. of a multi-page article (``part``: url, body bytes, content_type):
    its body lines not already there, its attachments and images."""
    try:
        more = extract(part["body"], part["url"], content_type=part.get("content_type"))
    except Exception:  # a bad continuation page costs only itself
        logger.exception("extraction failed on %s", part["url"])
        return
    seen = set(article.body.split("\n"))
    lines = [line for line in more.body.split("\n") if line and line not in seen]
    if lines:
        article.body = "\n".join(filter(None, [article.body, *lines]))
    known = {a["url"] for a in article.attachments}
    article.attachments += [a for a in more.attachments if a["url"] not in known]
    known = {i["src"] for i in article.images}
    article.images += [i for i in more.images if i["src"] not in known]


def extract_page(body: bytes, url: str, content_type: str | None,
                 parts: list[dict[str, Any]], hints: dict[str, str]) -> Article:
    """The clean article of one fetched article page and its further pages; the list
    page's headline and date fill in what the page does not say."""
    article = extract(body, url, content_type=content_type)
    for part in parts:
        merge_part(article, part)
    if not article.title and hints.get("list_title"):
        article.title = hints["list_title"]
    if not article.published_at and hints.get("list_date"):
        article.published_at = parse_date(hints["list_date"])
    return article


def extract_for_archive(body: bytes, url: str, content_type: str | None,
                        parts: list[dict[str, Any]], hints: dict[str, str]
                        ) -> tuple[Article, Prepared | None]:
    """``extract_page``, and work the archive writer would otherwise do in the crawl
    process: the search index's tokens of title, body and source, the body's repost
    signature and its content hash (:class:`parknews.archive.store.Prepared`)."""
    article = extract_page(body, url, content_type, parts, hints)
    if not article.body.strip():
        return article, None
    return article, prepare(article.title, article.body, article.source,
                            content_hash(article.body))


def default_workers() -> int:
    return os.cpu_count() or 1


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def on_parent_death(signum: int) -> bool:
    """Have the kernel send this process ``signum`` when its parent dies (Linux); whether
    it could."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)
    except (OSError, AttributeError):  # not Linux
        return False
    return True


def _worker_start(parent: int) -> None:
    """In each worker: die with the crawl process, however it ends (a SIGKILL of the
    crawl alone must not leave workers holding the archive's and WARC files open)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl process's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # (not Scrapy's handler, inherited)
    on_parent_death(signal.SIGKILL)  # else (not Linux) the watcher below does it, later
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:  # also when the parent thread that forked us is not the parent
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_start, initargs=(os.getpid(),))


class ExtractionPool:
    """A process pool with reference counting, one per crawl process."""

    _shared: ExtractionPool | None = None

    def __init__(self, workers: int):
        self.workers = workers
        self.users = 0
        self.executor = new_pool(workers)

    @classmethod
    def prestart(cls, workers: int) -> ExtractionPool:
        """Make the process's pool and start its workers now (``crawler.runner`` does,
        before building the crawl: a worker forked later would copy a crawl process
        holding every site's state). The first user then finds it ready."""
        if cls._shared is None:
            cls._shared = cls(workers)
            logger.info("extraction: %d worker processes", workers)
        cls._shared.executor.submit(int).result()  # a fork pool starts all its workers
        return cls._shared

    @classmethod
    def acquire(cls, workers: int) -> ExtractionPool:
        if cls._shared is None:
            cls._shared = cls(workers)
            logger.info("extraction: %d worker processes", workers)
        cls._shared.users += 1
        return cls._shared

    def release(self) -> None:
        self.users -= 1
        if self.users <= 0:
            if ExtractionPool._shared is self:
                ExtractionPool._shared = None
            self.executor.shutdown(wait=True, cancel_futures=True)

    @classmethod
    def stop_current(cls) -> None:
        """Shut the process's pool down, whoever still holds it (the end of a crawl)."""
        pool, cls._shared = cls._shared, None
        if pool is not None:
            pool.users = 0
            pool.executor.shutdown(wait=True, cancel_futures=True)

    @classmethod
    def current(cls) -> ExtractionPool | None:
        """The process's pool when there is one (prestarted, or made by the extraction
        pipeline), else None. Its lifetime is the pipeline's (``acquire``/``release``):
        another user that only borrows it (the spider reading list pages) must expect
        a call to fail once the pool is shut down."""
        return cls._shared

    def submit(self, *args: Any) -> Future:
        """``extract_for_archive(*args)`` in a worker."""
        return self.call(extract_for_archive, *args)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """``fn(*args, **kwargs)`` in a worker (a picklable function of picklable
        arguments); its future. Raises RuntimeError when the pool is shut down."""
        try:
            return self.executor.submit(fn, *args, **kwargs)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
            logger.error("extraction workers died; starting new ones")
            self.executor = new_pool(self.workers)
            return self.executor.submit(fn, *args, **kwargs)

    def deferred(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred:
        """:meth:`call`, as a Deferred fired in the reactor's thread (a crawl's callback
        awaits it with ``maybe_deferred_to_future``)."""
        return as_deferred(self.call(fn, *args, **kwargs))


def as_deferred(future: Future) -> Deferred:
    """A worker's future as a Deferred fired in the reactor's thread."""
    from twisted.internet import reactor  # (not at import: Scrapy installs the reactor)

    answer: Deferred = Deferred()

    def settle(done: Future) -> None:
        if done.cancelled():
            answer.errback(Failure(RuntimeError("cancelled")))
        elif done.exception() is not None:
            answer.errback(Failure(done.exception()))
        else:
            answer.callback(done.result())

    future.add_done_callback(lambda done: reactor.callFromThread(settle, done))
    return answer
