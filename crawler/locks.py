"""Per-site locks: never two crawls of one site at once, on one machine.

A crawl process holds ``<lock dir>/<site id>.lock`` with ``flock`` for its whole life
(``SiteLock``). The kernel drops the lock when the process ends, however it ends
(SIGKILL, OOM, a crash), so there is no stale lock to clean up. The file itself stays;
the holder writes one JSON line into it for humans (``cat parknews-locks/sipac.lock``):
``site``, ``pid``, ``started_at``, ``host`` and ``command``.

Who takes them: ``parknews crawl`` (the sites it can lock, skipping the others:
``take_free_locks``), ``parknews crawl-locked`` (all of its sites or none:
``hold_site_locks``), which is what the scheduler and the cron lines run
(``parknews.crawler.timetable``). Locks are local to one machine: keep the lock
directory off NFS.

This module imports nothing of Scrapy or of the archive: a crawl takes its locks within
a fraction of a second of starting.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from parknews.crawler.oslimits import open_file_limit, raise_open_file_limit

LOCKED_EXIT = 75  # EX_TEMPFAIL: a site's lock is held, the crawl did not start


def default_lock_dir(db_path: str | Path) -> Path:
    """``parknews.db`` keeps its locks (and the scheduler's logs) in ``parknews-locks/``."""
    db = Path(db_path)
    return db.with_name(db.stem + "-locks")


class SiteBusy(RuntimeError):
    """A site's lock is held by a live process (a run of the site is still going)."""

    def __init__(self, site_id: str, holder: dict | None):
        self.site_id = site_id
        self.holder = holder or {}
        pid = self.holder.get("pid", "?")
        since = self.holder.get("started_at", "?")
        super().__init__(f"site {site_id}: previous run still going (pid {pid} since {since}),"
                         f" skipped")


class LockDirError(RuntimeError):
    """A lock could not be taken for another reason than its holder (a lock directory
    that cannot be created or written)."""

    def __init__(self, site_id: str, lock_dir: str | Path, error: OSError):
        self.site_id = site_id
        advice = ""
        if error.errno == errno.EMFILE:  # a lock file a site, held for the whole crawl
            advice = (f" (the open-file limit is {open_file_limit()}; a crawl holds one "
                      "lock file a site: raise it with ulimit -n)")
        super().__init__(f"cannot take the lock of site {site_id} in {lock_dir}: "
                         f"{error.strerror or error}{advice}")


_HELD: set[SiteLock] = set()  # the locks this process holds


def _forget_locks_in_child() -> None:
    """In a forked child (extraction workers, …): close the inherited lock descriptors.
    An flock belongs to the open file description, which a fork shares: a child keeping
    it open would keep the lock held after its parent died, even by SIGKILL. Closing the
    child's copy leaves the parent's lock as it is."""
    for lock in list(_HELD):
        fd, lock._fd = lock._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


class SiteLock:
    """An exclusive, non-blocking per-site lock that cannot go stale.

    ``flock(LOCK_EX | LOCK_NB)`` on ``<lock_dir>/<site_id>.lock``, held through an open
    file descriptor of this process (not inherited by children, whether started by exec
    or forked): released by ``release()``, or by the kernel when the process dies, even
    by SIGKILL. The file is never deleted (deleting a lock file races with a process
    about to lock it).
    """

    def __init__(self, lock_dir: str | Path, site_id: str):
        self.site_id = site_id
        self.path = Path(lock_dir) / f"{site_id}.lock"
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if it is free (never waits); False if another process holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        info = {
            "site": self.site_id,
            "pid": os.getpid(),
            "started_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "command": " ".join(sys.argv),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info, ensure_ascii=False) + "\n").encode(), 0)
        self._fd = fd
        _HELD.add(self)
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _HELD.discard(self)
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def read_info(self) -> dict | None:
        """What the current (or, if the lock is free, the last) holder wrote in the file."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
            info = json.loads(text) if text else None
        except (OSError, ValueError):
            return None
        return info if isinstance(info, dict) else None

    def holder(self) -> dict | None:
        """The holder's info if another process holds the lock now, else None. Probes by
        taking the lock for an instant (so a crawl starting at that very instant could be
        refused: meant for people and tests, not for deciding whether to start)."""
        if self._fd is not None:
            return self.read_info()
        if not self.path.exists():
            return None
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return self.read_info() or {"site": self.site_id}
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def __enter__(self) -> SiteLock:
        if not self.acquire():
            raise SiteBusy(self.site_id, self.read_info())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"SiteLock({str(self.path)!r}, held={self.held})"


def release_locks(locks: Iterable[SiteLock]) -> None:
    """Release these locks, the last taken first."""
    for lock in reversed(list(locks)):
        lock.release()


def _acquire(lock: SiteLock, lock_dir: str | Path) -> bool:
    try:
        return lock.acquire()
    except OSError as exc:
        raise LockDirError(lock.site_id, lock_dir, exc) from exc


def take_free_locks(lock_dir: str | Path,
                    site_ids: Iterable[str]) -> tuple[list[SiteLock], list[SiteLock]]:
    """Take the lock of each site that no other process holds: (the locks taken, the
    locks another process holds, to be read with ``read_info()``). Raises
    ``LockDirError`` for a lock that cannot be taken at all, having released the others."""
    raise_open_file_limit()  # a lock file a site, held for the whole crawl
    taken: list[SiteLock] = []
    busy: list[SiteLock] = []
    try:
        for site_id in sorted(set(site_ids)):  # one order everywhere: no lock-order cycles
            lock = SiteLock(lock_dir, site_id)
            (taken if _acquire(lock, lock_dir) else busy).append(lock)
    except LockDirError:
        release_locks(taken)
        raise
    return taken, busy


@contextlib.contextmanager
def hold_site_locks(lock_dir: str | Path, site_ids: Iterable[str]) -> Iterator[list[SiteLock]]:
    """Hold the locks of these sites for the duration of the block, or raise ``SiteBusy``
    (naming the first busy site and its holder) or ``LockDirError``, having taken none
    of them."""
    raise_open_file_limit()  # a lock file a site, held for the whole crawl
    locks: list[SiteLock] = []
    try:
        for site_id in sorted(set(site_ids)):  # one order everywhere: no lock-order cycles
            lock = SiteLock(lock_dir, site_id)
            if not _acquire(lock, lock_dir):
                raise SiteBusy(site_id, lock.read_info())
            locks.append(lock)
        yield locks
    finally:
        release_locks(locks)
