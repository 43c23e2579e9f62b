"""Pages through a Redis stream, for distributed crawling: many workers, one archive writer.

``RedisStreamPipeline`` (the workers' last item pipeline, in place of the storage
pipeline) adds every fetched page, extracted, to the stream ``<prefix>:items``: the page
record without its raw bytes (they are in the worker's WARC file, which the record points
to) but with its article and the work done ahead for the writer. Workers never open the
SQLite archive.

``Ingester`` (``parknews ingest``) is the one writer: it reads the stream as the consumer
group ``ingest`` (``XREADGROUP``), writes through the same storage pipeline and
``parknews.archive.store.ArchiveWriter`` as a single-machine crawl, and acknowledges and deletes the
entries (``XACK``, ``XDEL``) only after their transaction is committed. An ingester that
dies leaves its entries pending; the next one claims every pending entry first
(``XAUTOCLAIM``) and writes them again, which is harmless: pages are upserted and an
article written twice is "unchanged" the second time. Only one ingester runs per
deployment (a lock key in Redis, refreshed while it runs).

A ``run_end`` entry (added by the frontier when a site's last request is done, after all
of its pages) makes the ingester write the run's ``crawl_runs`` row.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from scrapy.exceptions import NotConfigured

from parknews.archive.store import ArchiveWriter, open_archive
from parknews.pipelines.items import FetchedPage
from parknews.pipelines.storage import StoragePipeline, run_counts, run_notes

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "parknews"
GROUP = "ingest"


class Keys:
    """The Redis key names of one deployment (every key starts with ``prefix``)."""

    def __init__(self, prefix: str = DEFAULT_PREFIX):
        p = self.prefix = prefix
        self.ready = f"{p}:ready"  # zset host -> ms when its next request may go
        self.queue_prefix = f"{p}:q:"  # + host: zset of encoded requests, score -priority
        self.hostlast = f"{p}:hostlast"  # hash host -> ms of its last hand-out
        self.hostsent = f"{p}:hostsent"  # hash host -> ms of its last request sent
        self.workers = f"{p}:workers"  # zset worker -> ms of its last heartbeat
        self.outstanding = f"{p}:outstanding"  # hash site -> requests queued or leased
        self.sites = f"{p}:sites"  # hash site -> JSON of the Site
        self.runs = f"{p}:runs"  # hash site -> JSON {run_id, started_at, full_pass, ...}
        self.stream = f"{p}:items"  # the pages, for the ingester
        self.ingest_lock = f"{p}:ingest-lock"

    def queue(self, host: str) -> str:
        return self.queue_prefix + host

    def leases(self, worker: str) -> str:
        return f"{self.prefix}:leases:{worker}"  # hash lease -> encoded request

    def lease_meta(self, worker: str) -> str:
        return f"{self.prefix}:leasemeta:{worker}"  # hash lease -> "score host"

    def seen(self, site_id: str) -> str:
        return f"{self.prefix}:seen:{site_id}"  # zset fingerprint -> expiry ms

    def known(self, site_id: str) -> str:
        return f"{self.prefix}:known:{site_id}"  # hash url -> JSON of what the archive knows

    def stats(self, site_id: str) -> str:
        return f"{self.prefix}:stats:{site_id}"  # hash stat -> count, for the run's row


def keys_from_settings(settings) -> Keys:
    return Keys(settings.get("PARKNEWS_REDIS_PREFIX") or DEFAULT_PREFIX)


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=30,
                                retry_on_timeout=True)


# -- the workers' side -----------------------------------------------------------------


class RedisStreamPipeline:
    """Item pipeline: each ``FetchedPage`` to the stream (``REDIS_URL``)."""

    def __init__(self, server, keys: Keys, stats):
        self.server = server
        self.keys = keys
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("REDIS_URL is not set")
        return cls(redis_client(url), keys_from_settings(crawler.settings), crawler.stats)

    def process_item(self, item):
        if not isinstance(item, FetchedPage):
            return item
        self.server.xadd(self.keys.stream, encode_page(item))
        self.stats.inc_value("redis/pages_sent")
        return item


def encode_page(item: FetchedPage) -> dict[str, bytes | str]:
    """A stream entry: the page without its raw bytes (in the WARC) or its parts' bytes."""
    slim = replace(item, body=b"", parts=[])
    return {"type": "page", "site": item.site_id,
            "run": getattr(item, "parknews_run_id", "") or "",
            "bytes": str(len(item.body)),
            "data": pickle.dumps(slim, protocol=pickle.HIGHEST_PROTOCOL)}


class _Length(bytes):
    """An empty body that tells the storage pipeline how long the real one was."""

    def __new__(cls, length: int):
        obj = super().__new__(cls)
        obj.length = length
        return obj

    def __len__(self) -> int:
        return self.length


def decode_page(fields: dict) -> FetchedPage:
    item: FetchedPage = pickle.loads(fields[b"data"])
    item.body = _Length(int(fields.get(b"bytes") or 0))
    return item


# -- the writer's side -------------------------------------------------------------------


class IngestBusy(RuntimeError):
    """Another ingester holds the deployment's writer lock."""


@dataclass
class _Run:
    """One site's run as the ingester writes it."""

    storage: StoragePipeline
    tally: Counter = field(default_factory=Counter)
    responses: Counter = field(default_factory=Counter)


class Ingester:
    """The one archive writer of a distributed crawl (module doc)."""

    def __init__(self, server, keys: Keys, db_path: str, batch: int = 200,
                 dedup: bool = True, lock_ttl: float = 15.0):
        self.server = server
        self.keys = keys
        self.db_path = db_path
        self.batch = batch
        self.dedup = dedup
        self.lock_ttl = lock_ttl
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        self.lock_value = f"{socket.gethostname()} {os.getpid()} {_now()}"
        self.db = open_archive(db_path)
        self.runs: dict[tuple[str, str], _Run] = {}
        self.counts = Counter()

    # -- the writer lock --------------------------------------------------------------

    def acquire(self) -> None:
        ttl = int(self.lock_ttl * 1000)
        if self.server.set(self.keys.ingest_lock, self.lock_value, nx=True, px=ttl):
            return
        holder = (self.server.get(self.keys.ingest_lock) or b"").decode()
        host, _, rest = holder.partition(" ")
        pid = rest.split(" ", 1)[0]
        if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
            self.server.set(self.keys.ingest_lock, self.lock_value, px=ttl)  # died here
            return
        raise IngestBusy(f"another ingester is writing (host {host}, pid {pid}); "
                         f"one writer per deployment")

    def _refresh(self) -> None:
        if (self.server.get(self.keys.ingest_lock) or b"").decode() != self.lock_value:
            raise IngestBusy("the ingester lock was taken over by another ingester")
        self.server.pexpire(self.keys.ingest_lock, int(self.lock_ttl * 1000))

    def release(self) -> None:
        if (self.server.get(self.keys.ingest_lock) or b"").decode() == self.lock_value:
            self.server.delete(self.keys.ingest_lock)

    # -- the loop -----------------------------------------------------------------------

    def _ensure_group(self) -> None:
        import redis

        try:
            self.server.xgroup_create(self.keys.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _claim_pending(self) -> int:
        """Every entry a dead ingester read but did not acknowledge becomes ours."""
        claimed, start = 0, "0-0"
        while True:
            next_id, messages, *_ = self.server.xautoclaim(
                self.keys.stream, GROUP, self.consumer, min_idle_time=0, start_id=start,
                count=500)
            claimed += len(messages)
            start = next_id.decode() if isinstance(next_id, bytes) else next_id
            if start == "0-0":
                return claimed

    def run(self, follow: bool = False, block: float = 1.0,
            progress: Callable[[Counter], None] | None = None) -> Counter:
        """Write the stream into the archive until the crawl is over (no request queued
        or leased and nothing left to read), or for ever with ``follow``."""
        self.acquire()
        try:
            self._ensure_group()
            claimed = self._claim_pending()
            if claimed:
                logger.warning("ingest: %d entries left by an earlier ingester", claimed)
            backlog = True  # our pending entries first (id 0), then new ones (>)
            while True:
                self._refresh()
                finished = self.server.hlen(self.keys.outstanding) == 0
                answer = self.server.xreadgroup(
                    GROUP, self.consumer, {self.keys.stream: "0" if backlog else ">"},
                    count=self.batch, block=None if backlog else int(block * 1000))
                entries = answer[0][1] if answer else []
                if entries:
                    self._write(entries)
                    if progress:
                        progress(self.counts)
                elif backlog:
                    backlog = False
                elif finished and not follow:
                    return self.counts
        finally:
            self.close()
            self.release()

    def _write(self, entries: list) -> None:
        ids = []
        ends = []
        for entry_id, fields in entries:
            ids.append(entry_id)
            if not fields:  # deleted after it was read: nothing to do
                continue
            kind = fields.get(b"type", b"").decode()
            if kind == "page":
                self._page(fields)
            elif kind == "site":
                ArchiveWriter(self.db).upsert_sites([json.loads(fields[b"data"])])
            elif kind == "run_end":
                ends.append(fields)
        for run in self.runs.values():
            run.storage.writer.flush()  # committed: now the entries may go
        for fields in ends:
            self._run_end(fields)
        pipe = self.server.pipeline(transaction=True)
        pipe.xack(self.keys.stream, GROUP, *ids)
        pipe.xdel(self.keys.stream, *ids)
        pipe.execute()

    def _run(self, site_id: str, run_id: str) -> _Run:
        key = (site_id, run_id)
        if key not in self.runs:
            storage = StoragePipeline(None, self.db_path, self.batch, run_id)
            storage.writer = ArchiveWriter(self.db, self.batch, dedup=self.dedup)
            self.runs[key] = _Run(storage)
        return self.runs[key]

    def _page(self, fields: dict) -> None:
        item = decode_page(fields)
        run = self._run(item.site_id, fields.get(b"run", b"").decode())
        run.storage.process_item(item)
        self.counts["pages"] += 1
        if item.status is not None:
            run.tally["requests"] += 1
            run.responses[str(item.status)] += 1
        run.tally["bytes"] += len(item.body)
        if item.kind == "article" and item.error == "no article text found":
            run.tally["empty"] += 1

    def _run_end(self, fields: dict) -> None:
        site_id = fields[b"site"].decode()
        info = json.loads(fields.get(b"run") or b"{}")
        stats = json.loads(fields.get(b"stats") or b"{}")
        values = {key: json.loads(value) for key, value in
                  json.loads(fields.get(b"values") or b"{}").items()}
        run_id = info.get("run_id") or ""
        run = self.runs.pop((site_id, run_id), None) or self._run(site_id, run_id)
        self.runs.pop((site_id, run_id), None)
        writer = run.storage.writer
        writer.flush()
        exists = self.db.execute("select 1 from crawl_runs where run_id = ? and site_id = ?",
                                 [run_id, site_id]).fetchone() if "crawl_runs" in (
            self.db.table_names()) else None
        if exists:  # written before a crash, acknowledged after it: already done
            return
        counts = writer.counts
        writer.add_run({
            "run_id": run_id,
            "site_id": site_id,
            "started_at": info.get("started_at"),
            "finished_at": _now(),
            "finish_reason": "finished",
            "full_pass": int(bool(info.get("full_pass", True))),
            "requests": run.tally["requests"],
            "responses": dict(run.responses),
            "bytes": run.tally["bytes"],
            **run_counts(counts, stats, run.tally["empty"]),
            "notes": run_notes({**stats, **values}),
        })
        self.counts["runs"] += 1
        logger.info("ingest: run %s of %s finished: %d pages, %d new articles", run_id,
                    site_id, counts["pages"], counts["articles_new"])

    def close(self) -> None:
        for run in self.runs.values():
            run.storage.writer.flush()
        self.db.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
