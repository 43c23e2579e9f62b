"""The open-file limit a crawl runs under.

Every connection, WARC file and archive file is an open file. Cron jobs and many
services start with a soft limit of 1,024 whatever the hard limit allows, and a crawl of
thousands of sites that runs into it fails silently at the edges: connections refused by
the kernel (``Too many open files``, hosts skipped as if their robots.txt were down) and
the archive's writes failing (SQLite: ``unable to open database file``). So a crawl
raises its soft limit to the hard limit first (what the user may do with ``ulimit -n``
anyway; no privilege needed), and says so when even the hard limit looks short.
"""

from __future__ import annotations

import logging
import os

try:
    import resource
except ImportError:  # not POSIX
    resource = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# Open files a crawl process needs besides its connections and what it holds already:
# the archive and its WAL, the WARC files, the extraction workers' pipes, the event loop's.
BASE_FILES = 64
# Idle kept-alive connections a limit must leave room for, or the crawl warns: fewer
# cost a new connection for most requests of a crawl of many sites.
IDLE_CONNECTIONS_WARNED = 128

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


def open_file_limit() -> int | None:
    """This process's soft limit on open files (None: none here)."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0] if resource is not None else None


def open_files() -> int:
    """Files this process has open now (0 where that cannot be seen)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


def files_needed(concurrent_requests: int, idle_connections: int, open_now: int = 0) -> int:
    """Open files a crawl process may hold at once (the limit is per process): what it
    holds already (``open_now``: the sites' lock files, which its crawl processes
    inherit), its requests in flight and a robots.txt fetch for each (a host's first
    request waits for it), the idle connections it keeps alive
    (``PARKNEWS_IDLE_CONNECTIONS_MAX``) and its own files."""
    return open_now + 2 * concurrent_requests + idle_connections + BASE_FILES


def idle_connections_allowed(wanted: int, concurrent_requests: int,
                             soft: int | None = None, open_now: int | None = None) -> int:
    """How many idle kept-alive connections a crawl process may keep: ``wanted``
    (``PARKNEWS_IDLE_CONNECTIONS_MAX``), but at most half of what its open-file limit
    (``soft``, by default this process's) leaves after what it holds (``open_now``, by
    default what it has open now) and needs anyway (:func:`files_needed` with none idle);
    0 when that leaves nothing. The other half stays a margin."""
    soft = open_file_limit() if soft is None else soft
    if soft is None or (resource is not None and soft == resource.RLIM_INFINITY):
        return max(0, wanted)
    held = open_files() if open_now is None else open_now
    room = soft - files_needed(concurrent_requests, 0, held)
    return max(0, min(wanted, room // 2))


def check_open_file_limit(concurrent_requests: int, idle_connections: int) -> int | None:
    """Raise the limit (:func:`raise_open_file_limit`) and warn when it is still below
    what a crawl process may need with ``idle_connections`` kept alive (at most
    :data:`IDLE_CONNECTIONS_WARNED` counted: the pool keeps fewer when the limit leaves
    less room, :func:`idle_connections_allowed`); the soft limit now (None: no limits
    here)."""
    limits = raise_open_file_limit()
    if limits is None:
        return None
    soft, _ = limits
    held = open_files()
    idle_connections = min(idle_connections, IDLE_CONNECTIONS_WARNED)
    needed = files_needed(concurrent_requests, idle_connections, held)
    if soft < needed:
        logger.warning(
            "the open-file limit is %d, and each crawl process may need about %d "
            "(CONCURRENT_REQUESTS %d, %d idle kept-alive connections, %d files open "
            "already, such as the sites' locks): connections may fail with 'Too many "
            "open files'. Raise it (ulimit -n %d, or LimitNOFILE= for a systemd "
            "service) or lower CONCURRENT_REQUESTS.", soft, needed, concurrent_requests,
            idle_connections, held, needed)
    return soft
