"""A crawl of many sites split across crawl processes, one per core.

One crawl process drives Scrapy's loop on one core: downloading, following links, WARC
capture and the archive's writes for every site of the crawl. With thousands of small
sites that loop is what limits the crawl (``benchmarks/scale.py``: the crawl process busy
while the extraction workers idle), so a crawl of at least
``PARKNEWS_CRAWL_PROCESS_MIN_SITES`` sites is split into ``PARKNEWS_CRAWL_PROCESSES``
groups (0, the default: one per core), each crawled by a forked child process with its
own crawler and extraction workers (the workers divided between them), all writing to
the one archive (SQLite in WAL mode: their write transactions take turns) under the one
run id, each into WARC files of its own (``parks-1``, ``parks-2`` …).

- **Politeness holds.** Sites sharing a host are put in the same group
  (:func:`split_sites`), so each host's delay and concurrency are kept by one crawler.
- **Reposts across groups are found.** Each child's repost index knows the archive as it
  was when the child started and what the child itself stored; once every child is done,
  the parent re-assigns the run's articles whose likely reposts were stored by another
  group (:meth:`parknews.archive.dedup.Deduplicator.reconcile`).
- **Nothing is lost when a child dies.** Its sites' results say so (``finish_reason``
  ``crawl process died …``); what it stored is committed. SIGTERM and SIGINT reach every
  child: each stops as a single crawl does, writing what it has.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parknews.crawler.sites import Site
from parknews.pipelines.workers import on_parent_death

logger = logging.getLogger(__name__)

DEFAULT_MIN_SITES = 100  # a smaller crawl stays in one process


def process_count(settings, sites: list[Site]) -> int:
    """How many crawl processes this crawl gets: 1 below ``PARKNEWS_CRAWL_PROCESS_MIN_SITES``
    sites, else ``PARKNEWS_CRAWL_PROCESSES`` (0: one per core), never more than sites."""
    plain = [site for site in sites if not site.render]
    if len(plain) < max(2, settings.getint("PARKNEWS_CRAWL_PROCESS_MIN_SITES",
                                           DEFAULT_MIN_SITES)):
        return 1
    wanted = settings.getint("PARKNEWS_CRAWL_PROCESSES", 0) or (os.cpu_count() or 1)
    return max(1, min(wanted, len(plain)))


def split_sites(sites: list[Site], count: int) -> list[list[Site]]:
    """``sites`` in ``count`` groups of about as many sites, the sites that share a host
    (or a parent domain of one: ``a.gov.cn`` and ``www.a.gov.cn``) in one group, each
    group in the sites' order."""
    parent: dict[int, int] = {index: index for index in range(len(sites))}

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[str, int] = {}
    for index, site in enumerate(sites):
        for host in site.hosts:
            host = host.lower().removeprefix("www.")
            if host in owner:
                parent[root(index)] = root(owner[host])
            else:
                owner[host] = index
    families: dict[int, list[int]] = {}
    for index in range(len(sites)):
        families.setdefault(root(index), []).append(index)
    groups: list[list[int]] = [[] for _ in range(max(1, count))]
    for family in sorted(families.values(), key=len, reverse=True):
        min(groups, key=len).extend(family)  # the biggest families first, to balance
    return [[sites[index] for index in sorted(group)] for group in groups if group]


def shard_overrides(overrides: dict[str, Any], number: int, count: int,
                    workers: int) -> dict[str, Any]:
    """A child's settings: its WARC name, its share of the extraction workers, and repost
    assignment as usual (reconciled across children afterwards)."""
    child = dict(overrides)
    child["PARKNEWS_CRAWL_SHARD"] = f"{number}"
    child["PARKNEWS_CRAWL_PROCESSES"] = 1
    if workers > 0:
        child["PARKNEWS_EXTRACT_WORKERS"] = max(1, workers // count)
    return child


def run_in_processes(groups: list[list[Site]], db_path: str | Path,
                     overrides: dict[str, Any], workers: int,
                     run_here: Callable[[list[Site], str | Path, dict], list],
                     failed: Callable[[Site, str], Any], reconcile: bool = True) -> list:
    """Crawl each group in a forked child (``run_here(group, db_path, settings)`` there);
    the results of every site, in the groups' order. A child that dies gives its sites
    the result ``failed(site, reason)``. ``reconcile``: repost clusters are assigned
    (``PARKNEWS_DEDUP_ENABLED``), so those across children are reconciled after."""
    started = datetime.now(UTC).isoformat(timespec="seconds")  # as articles.first_seen_at
    context = multiprocessing.get_context("fork")
    children = []
    for number, group in enumerate(groups, start=1):
        receive, send = context.Pipe(duplex=False)
        child = context.Process(
            target=_child, name=f"parknews-crawl-{number}",
            args=(send, run_here, group, db_path,
                  shard_overrides(overrides, number, len(groups), workers)))
        child.start()
        send.close()
        children.append((group, child, receive))
    logger.info("crawl split across %d processes: %s", len(children),
                ", ".join(f"{len(group)} sites" for group, _, _ in children))
    results: dict[str, Any] = {}
    with _forwarded_signals([child for _, child, _ in children]):
        for group, child, receive in children:
            answer = None
            try:
                answer = receive.recv()
            except EOFError:  # it died before answering
                pass
            child.join()
            if isinstance(answer, list):
                results.update((result.site_id, result) for result in answer)
                continue
            reason = (f"crawl process died (exit status {child.exitcode})"
                      if not isinstance(answer, str) else f"crawl process failed: {answer}")
            logger.error("%s: %d sites not crawled to the end (%s)", child.name,
                         len(group), reason)
            for site in group:
                results[site.id] = failed(site, reason)
    if reconcile:
        reconcile_reposts(db_path, started, groups)
    return [results[site.id] for group in groups for site in group if site.id in results]


def _child(send, run_here, group: list[Site], db_path: str | Path,
           overrides: dict[str, Any]) -> None:
    # Signals come from the parent only, once (a terminal's Ctrl-C would otherwise reach
    # the child twice, directly and forwarded, and a second one stops Scrapy at once),
    # and the child stops as a crawl does if the parent dies, however it dies.
    os.setpgrp()
    on_parent_death(signal.SIGTERM)
    try:
        send.send(run_here(group, db_path, overrides))
    except BaseException as exc:  # noqa: BLE001 - told to the parent, then re-raised
        send.send(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        send.close()


class _forwarded_signals:
    """While the children run: SIGTERM and SIGINT given to this process are passed on to
    them (each stops its crawl as a single crawl would, keeping what it has), and this
    process waits for them instead of dying first."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, children) -> None:
        self.children = children
        self.previous: dict[int, Any] = {}

    def _forward(self, signum, frame) -> None:
        for child in self.children:
            if child.is_alive() and child.pid is not None:
                try:
                    os.kill(child.pid, signum)
                except ProcessLookupError:
                    pass

    def __enter__(self):
        for signum in self.SIGNALS:
            self.previous[signum] = signal.signal(signum, self._forward)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def reconcile_reposts(db_path: str | Path, started: str, groups: list[list[Site]]) -> int:
    """Re-assign the repost clusters of this run's new and changed articles whose likely
    reposts another group stored (:meth:`Deduplicator.reconcile`)."""
    from parknews.archive.dedup import Deduplicator
    from parknews.archive.store import open_archive, write_transaction

    group_of = {site.id: number for number, group in enumerate(groups) for site in group}
    moment = time.perf_counter()
    db = open_archive(db_path, check_search_index=False)
    try:
        rows = db.execute(
            "select url, site_id from articles where first_seen_at >= ? union "
            "select v.url, a.site_id from article_versions v join articles a using (url) "
            "where v.replaced_at >= ?", [started, started]).fetchall()
        run_urls = {url: group_of.get(site_id, -1) for url, site_id in rows}
        with write_transaction(db):
            joined = Deduplicator(db.conn).reconcile(run_urls)
    finally:
        db.close()
    logger.info("reposts across the crawl processes: %d of the run's %d articles re-assigned "
                "(%.1f s)", joined, len(run_urls), time.perf_counter() - moment)
    return joined
