"""The open-file limit a crawl runs under.

Every connection, WARC file and archive file is an open file. Cron jobs and many
services start with a soft limit of 1,024 whatever the hard limit allows, and a crawl of
thousands of sites that runs into it fails silently at the edges: connections refused by
the kernel (``Too many open files``, hosts skipped as if their robots.txt were down) and
SQLite unable to open its temporary files. So a crawl raises its soft limit to the hard
limit first (what the user may do with ``ulimit -n`` anyway; no privilege needed), and
says so when even the hard limit looks short for the crawl.
"""

from __future__ import annotations

import logging

try:
    import resource
except ImportError:  # not POSIX
    resource = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# Open files a crawl process needs besides its connections: the archive and its WAL, the
# WARC files, the extraction workers' pipes, the interpreter's own (measured: ~60 at rest).
BASE_FILES = 128


def raise_open_file_limit() -> tuple[int, int] | None:
    """Raise this process's soft limit on open files to its hard limit (children started
    after inherit it); the (soft, hard) limits now, or None where there are none."""
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as exc:  # e.g. above the kernel's nr_open
            logger.debug("open-file limit left at %d: %s", soft, exc)
    return soft, hard


def files_needed(concurrent_requests: int, processes: int, idle_connections: int) -> int:
    """Open files a crawl may hold at once: each crawl process its requests in flight
    and a robots.txt fetch for each (a host's first request waits for it), the idle
    connections it keeps alive (PARKNEWS_IDLE_CONNECTIONS_MAX), and its own files."""
    return processes * (2 * concurrent_requests + idle_connections + BASE_FILES)


def check_open_file_limit(concurrent_requests: int, processes: int,
                          idle_connections: int) -> int | None:
    """Raise the limit (:func:`raise_open_file_limit`) and warn when it is still below
    what the crawl may need; the soft limit now (None: no limits here)."""
    limits = raise_open_file_limit()
    if limits is None:
        return None
    soft, _ = limits
    needed = files_needed(concurrent_requests, processes, idle_connections)
    if soft < needed:
        logger.warning(
            "the open-file limit is %d, and this crawl may need about %d (%d crawl "
            "process(es), CONCURRENT_REQUESTS %d): connections may fail with 'Too many "
            "open files'. Raise it (ulimit -n %d, or LimitNOFILE= for a systemd "
            "service) or lower CONCURRENT_REQUESTS.", soft, needed, processes,
            concurrent_requests, needed)
    return soft
