"""Scheduled crawls: each site of a sites.toml crawled on its own cron schedule.

``Scheduler`` runs one APScheduler job per site; each due run starts a fresh process
(``python -m parknews.crawler.scheduler crawl-locked …``: Scrapy's reactor cannot restart in one
process), so one site's crawl never blocks another's.

Never two crawls of one site at once: a crawl process holds ``<lock dir>/<site id>.lock``
with ``flock`` for its whole life (``SiteLock``, ``hold_site_locks``). The kernel drops the
lock when the process ends, however it ends (SIGKILL, OOM, a crash), so there is no stale
lock to clean up. The file itself stays; the holder writes its pid and start time into it
for humans (``cat parknews-locks/sipac.lock``). A due run whose lock is held (a run of the
site still going: from this scheduler, from another one, from cron, from a manual
``parknews crawl`` or ``crawl-locked``) is refused and logged: ``site X: previous run
still going (pid N since T), skipped``. A plain ``parknews crawl`` takes the same locks
(``parknews.crawler.cli``), so a crawl by hand and a scheduled one never overlap either. Locks are
local to one machine: keep the lock directory off NFS.

Entry points (``python -m parknews.crawler.scheduler …``):

    crawl-locked [--lock-dir DIR] CRAWL OPTIONS   takes the sites' locks (all or none),
                                                  then runs ``parknews crawl CRAWL
                                                  OPTIONS``; exit status 75 if a lock
                                                  is held
    schedule …  /  cron …                         the ``parknews schedule`` and
                                                  ``parknews cron`` commands

This module imports no Scrapy and no archive code at import time: ``crawl-locked`` takes
its locks within a fraction of a second of starting.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from parknews.crawler.sites import Site, SitesError, cron_trigger, load_sites, select_sites

logger = logging.getLogger(__name__)

LOCKED_EXIT = 75  # EX_TEMPFAIL: a site's lock is held, the crawl did not start
RUNS_LOG = "runs.jsonl"  # one JSON object per run (or refused run), in the lock directory
DEFAULT_MISFIRE_GRACE = 60  # a run due while the scheduler was busy or asleep still starts
DEFAULT_STOP_TIMEOUT = 30.0  # seconds a crawl gets to stop after SIGTERM before SIGKILL


def default_lock_dir(db_path: str | Path) -> Path:
    """``parknews.db`` keeps its locks (and the scheduler's logs) in ``parknews-locks/``."""
    db = Path(db_path)
    return db.with_name(db.stem + "-locks")


# --- locks ---------------------------------------------------------------------------


class SiteBusy(RuntimeError):
    """A site's lock is held by a live process (a run of the site is still going)."""

    def __init__(self, site_id: str, holder: dict | None):
        self.site_id = site_id
        self.holder = holder or {}
        pid = self.holder.get("pid", "?")
        since = self.holder.get("started_at", "?")
        super().__init__(f"site {site_id}: previous run still going (pid {pid} since {since}),"
                         f" skipped")


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


@contextlib.contextmanager
def hold_site_locks(lock_dir: str | Path, site_ids: Iterable[str]) -> Iterator[list[SiteLock]]:
    """Hold the locks of these sites for the duration of the block, or raise ``SiteBusy``
    (naming the first busy site and its holder) having taken none of them."""
    locks: list[SiteLock] = []
    try:
        for site_id in sorted(set(site_ids)):  # one order everywhere: no lock-order cycles
            lock = SiteLock(lock_dir, site_id)
            if not lock.acquire():
                raise SiteBusy(site_id, lock.read_info())
            locks.append(lock)
        yield locks
    finally:
        for lock in reversed(locks):
            lock.release()


# --- schedules -----------------------------------------------------------------------

def site_trigger(expression: str):
    """The APScheduler trigger of a cron expression (5 fields, or 6 with seconds first),
    with weekday numbers read as crontab reads them (0 = Sunday). ValueError if invalid."""
    return cron_trigger(expression)


def _trigger_for(site: Site):
    try:
        return site_trigger(site.schedule or "")
    except ValueError as exc:
        raise SitesError(f"site {site.id!r}: schedule {site.schedule!r} is not a valid cron "
                         f"expression ({exc})") from None


# --- the scheduler -------------------------------------------------------------------


@dataclass
class RunRecord:
    """One due run of a site: ``status`` is running, ok, failed, refused (a run of the
    site was still going) or stopped (ended by the scheduler's shutdown). Times are
    seconds since the epoch."""

    site_id: str
    status: str
    scheduled_at: float | None
    started_at: float
    finished_at: float | None = None
    pid: int | None = None
    returncode: int | None = None
    reason: str | None = None
    holder_pid: int | None = None  # for a refused run: who held the site
    log_file: str | None = None
    signalled: bool = field(default=False, repr=False)

    @property
    def duration(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.started_at

    def to_json(self) -> dict:
        data = asdict(self)
        del data["signalled"]
        for key in ("scheduled_at", "started_at", "finished_at"):
            value = data[key]
            data[key + "_iso"] = (datetime.fromtimestamp(value).astimezone()
                                  .isoformat(timespec="milliseconds") if value else None)
        data["duration"] = None if self.duration is None else round(self.duration, 3)
        return data


def _stamp(ts: float | None) -> str:
    if ts is None:
        return "?"
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


class Scheduler:
    """Crawl each site on its schedule until stopped; see the module docstring.

    ``extra_args`` go to every crawl (``["--set", "DOWNLOAD_DELAY=2"]``), ``site_args``
    to one site's crawls (``{"sipac": ["--set", "DOWNLOAD_DELAY=5"]}``). Each crawl's
    output is appended to ``<log_dir>/<site id>.log`` and each run to
    ``<lock_dir>/runs.jsonl``; ``log_dir`` defaults to the lock directory. Raises
    ``SitesError`` for a bad sites file, an invalid schedule or an unknown site id, and
    ``parknews.archive.store.ArchiveError`` for a database path that cannot hold the archive (the
    archive is created, or migrated, before any crawl starts).

    Stopping (``stop()``, SIGINT or SIGTERM in ``run()``, the end of ``run_for``): no
    new run starts, running crawls get SIGTERM (Scrapy then closes the crawl gracefully:
    in-flight requests finish and the crawl_runs row is written; a crawl still starting
    up just exits), and SIGKILL after ``stop_timeout`` seconds or at a second signal.
    """

    def __init__(
        self,
        sites_file: str | Path,
        db_path: str | Path,
        site_ids: Sequence[str] | None = None,
        extra_args: Sequence[str] = (),
        lock_dir: str | Path | None = None,
        *,
        site_args: Mapping[str, Sequence[str]] | None = None,
        log_dir: str | Path | None = None,
        python: str = sys.executable,
        cwd: str | Path | None = None,
        misfire_grace_time: int = DEFAULT_MISFIRE_GRACE,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
    ):
        self.sites_file = Path(sites_file).resolve()
        self.db_path = Path(db_path).resolve()
        self.sites = select_sites(load_sites(self.sites_file), tuple(site_ids or ()))
        self.triggers = {site.id: _trigger_for(site) for site in self.sites}
        known = {site.id for site in self.sites}
        site_args = dict(site_args or {})
        unknown = [s for s in site_args if s not in known]
        if unknown:
            raise SitesError(f"unknown site id(s): {', '.join(unknown)} "
                             f"(scheduled: {', '.join(sorted(known))})")
        from parknews.archive.store import open_archive

        # create and migrate the archive now: a bad path fails here, and crawls starting
        # together never race to create it (``database is locked``)
        open_archive(self.db_path).close()
        self.extra_args = tuple(extra_args)
        self.site_args = {k: tuple(v) for k, v in site_args.items()}
        self.lock_dir = Path(lock_dir or default_lock_dir(self.db_path)).resolve()
        self.log_dir = Path(log_dir).resolve() if log_dir else self.lock_dir
        self.runs_log = self.lock_dir / RUNS_LOG
        self.python = python
        self.cwd = Path(cwd) if cwd else Path.cwd()
        self.misfire_grace_time = misfire_grace_time
        self.stop_timeout = stop_timeout
        self.history: list[RunRecord] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running: dict[str, tuple[RunRecord, subprocess.Popen]] = {}
        self._stopping = False
        self._stop_requested = threading.Event()
        self._signals = 0  # SIGINT/SIGTERM received by run()
        self._aps = None

    # the command a due run starts
    def command(self, site_id: str) -> list[str]:
        return [self.python, "-m", "parknews.crawler.scheduler", "crawl-locked",
                "--lock-dir", str(self.lock_dir), "--sites", str(self.sites_file),
                "--db", str(self.db_path), "--site", site_id,
                *self.extra_args, *self.site_args.get(site_id, ())]

    def start(self) -> None:
        """Start scheduling in background threads (returns at once)."""
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self.lock_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        _quiet_apscheduler()
        self._aps = BackgroundScheduler(
            # a job thread waits for its crawl process: one thread per site, all may run
            executors={"default": ThreadPoolExecutor(max(1, len(self.sites)))},
            job_defaults={"max_instances": 1, "coalesce": True,
                          "misfire_grace_time": self.misfire_grace_time},
        )
        self._aps.add_listener(self._on_overlap, EVENT_JOB_MAX_INSTANCES)
        self._aps.add_listener(self._on_error, EVENT_JOB_ERROR)
        for site in self.sites:
            self._aps.add_job(self._run_site, self.triggers[site.id], args=[site.id],
                              id=site.id, name=f"crawl {site.id}")
        self._aps.start()
        logger.info("scheduler started: %d site(s), locks in %s, crawl logs in %s",
                    len(self.sites), self.lock_dir, self.log_dir)
        for job in self._aps.get_jobs():
            logger.info("site %s: schedule %r, next run %s", job.id,
                        self._schedule_of(job.id),
                        job.next_run_time.isoformat(timespec="seconds"))

    def run(self, run_for: float | None = None) -> list[RunRecord]:
        """Start, then block until SIGINT/SIGTERM (or ``run_for`` seconds), then stop.
        Call from the main thread for the signal handling."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            self.start()
            deadline = None if run_for is None else time.monotonic() + run_for
            while not self._signals and not self._stop_requested.is_set():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    logger.info("ran for %.0f s: stopping", run_for)
                    break
                self._stop_requested.wait(0.2 if left is None else min(0.2, left))
            self.stop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return self.history

    def request_stop(self) -> None:
        """Make ``run()`` return (thread-safe)."""
        self._stop_requested.set()

    def _on_signal(self, signum: int, frame: object) -> None:
        # takes no lock: it runs in the main thread, which may hold one at that moment
        self._signals += 1
        name = signal.Signals(signum).name
        if self._signals > 1:
            logger.warning("%s again: killing the running crawls", name)
            self._signal_all(signal.SIGKILL)
            return
        logger.info("%s: stopping (running crawls get SIGTERM; send it again to kill them)",
                    name)

    def stop(self, timeout: float | None = None) -> None:
        """Start no more runs; SIGTERM the running crawls, SIGKILL them after ``timeout``
        (default ``stop_timeout``) seconds; return once every run is recorded."""
        timeout = self.stop_timeout if timeout is None else timeout
        with self._lock:
            self._stopping = True
            self._stop_requested.set()
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        if self._signal_all(signal.SIGTERM):
            logger.info("waiting up to %.0f s for the running crawls to stop", timeout)
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._running and time.monotonic() < deadline:
                self._idle.wait(min(0.2, max(0.0, deadline - time.monotonic())))
        if self._running:
            self._signal_all(signal.SIGKILL)
            with self._idle:
                self._idle.wait_for(lambda: not self._running, timeout=10)
        logger.info("scheduler stopped")

    def _signal_all(self, signum: int) -> int:
        running = list(self._running.values())  # no lock: also called by signal handlers
        for record, process in running:
            record.signalled = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signum)  # its own session: the crawl and any children
        return len(running)

    @staticmethod
    def _child_env() -> dict[str, str]:
        """The crawl imports the same ``crawler`` package as this process, installed or
        not, whatever the working directory."""
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        here = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
        return env

    def _schedule_of(self, site_id: str) -> str | None:
        return next((s.schedule for s in self.sites if s.id == site_id), None)

    def _latest_fire_time(self, site_id: str, now: float) -> float | None:
        """The schedule tick this run is for: the last fire time at or before ``now``."""
        trigger = self.triggers[site_id]
        moment = datetime.fromtimestamp(now - self.misfire_grace_time - 1, trigger.timezone)
        latest = None
        fire = trigger.get_next_fire_time(None, moment)
        while fire is not None and fire.timestamp() <= now + 0.5:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        return latest.timestamp() if latest else None

    def _run_site(self, site_id: str) -> None:
        """The job: one crawl process of one site, waited for (so APScheduler's
        max_instances=1 refuses a tick that comes while it runs)."""
        now = time.time()
        log_path = self.log_dir / f"{site_id}.log"
        with self._lock:
            if self._stopping:
                return
            record = RunRecord(site_id, "running", self._latest_fire_time(site_id, now), now,
                               log_file=str(log_path))
            with open(log_path, "ab") as log:
                log.write(f"\n=== {_stamp(now)} run of {site_id} (due "
                          f"{_stamp(record.scheduled_at)})\n".encode())
                log.flush()
                process = subprocess.Popen(
                    self.command(site_id), cwd=self.cwd, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    env=self._child_env(),
                )
            record.pid = process.pid
            self._running[site_id] = (record, process)
        logger.info("site %s: run started (pid %d, due %s)", site_id, process.pid,
                    _stamp(record.scheduled_at))
        try:
            self._finish(record, process.wait(), log_path)
        finally:
            with self._idle:  # after the record is written: stop() returns with it
                self._running.pop(site_id, None)
                self._idle.notify_all()

    def _finish(self, record: RunRecord, returncode: int, log_path: Path) -> None:
        site_id = record.site_id
        record.finished_at = time.time()
        record.returncode = returncode
        if returncode == LOCKED_EXIT:
            holder = SiteLock(self.lock_dir, site_id).read_info() or {}
            record.status = "refused"
            record.holder_pid = holder.get("pid")
            record.reason = str(SiteBusy(site_id, holder))
            logger.warning("%s", record.reason)
        else:
            if record.signalled:
                record.status = "stopped"
                record.reason = "stopped by the scheduler's shutdown"
            elif returncode == 0:
                record.status = "ok"
            else:
                record.status = "failed"
                record.reason = f"exit status {returncode}; see {log_path}"
            level = logging.INFO if record.status != "failed" else logging.WARNING
            logger.log(level, "site %s: run ended: %s, exit status %d, %.1f s (pid %s)",
                       site_id, record.status, returncode, record.duration or 0, record.pid)
        self._record(record)

    def _on_overlap(self, event) -> None:
        """APScheduler refused a tick because this scheduler's run of the site is going."""
        site_id = event.job_id
        with self._lock:
            running = self._running.get(site_id)
        holder = ({"pid": running[0].pid, "started_at": _stamp(running[0].started_at)}
                  if running else None)
        scheduled = event.scheduled_run_times[-1].timestamp() if event.scheduled_run_times \
            else None
        now = time.time()
        busy = SiteBusy(site_id, holder)
        record = RunRecord(site_id, "refused", scheduled, now, now, reason=str(busy),
                           holder_pid=busy.holder.get("pid"))
        logger.warning("%s", record.reason)
        self._record(record)

    def _on_error(self, event) -> None:
        logger.error("site %s: the scheduler failed to run the crawl: %r", event.job_id,
                     event.exception)

    def _record(self, record: RunRecord) -> None:
        with self._lock:
            self.history.append(record)
            try:
                with open(self.runs_log, "a", encoding="utf-8") as out:
                    out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            except OSError as exc:
                logger.error("cannot write %s: %s", self.runs_log, exc)


class _DropOverlapWarning(logging.Filter):
    """APScheduler's own 'maximum number of running instances reached' warning: the
    scheduler logs the refusal itself, naming the run still going."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


def _quiet_apscheduler() -> None:
    aps = logging.getLogger("apscheduler")
    if aps.level == logging.NOTSET:
        aps.setLevel(logging.WARNING)  # not "Added job" / "Running job" at each tick
    scheduler_logger = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _DropOverlapWarning) for f in scheduler_logger.filters):
        scheduler_logger.addFilter(_DropOverlapWarning())


# --- python -m parknews.crawler.scheduler -----------------------------------------------------


def crawl_locked(argv: Sequence[str]) -> int:
    """``crawl-locked [--lock-dir DIR] CRAWL OPTIONS``: hold the locks of the sites named
    by ``--site`` (all sites of ``--sites`` when none is named), then run
    ``parknews crawl CRAWL OPTIONS --no-lock`` in this process. Exit status 75 if a lock
    is held, and then nothing is crawled (a plain ``parknews crawl`` takes the same locks
    but crawls the sites it could lock and skips the others)."""
    parser = argparse.ArgumentParser(
        prog="python -m parknews.crawler.scheduler crawl-locked", add_help=False,
        description="Run `parknews crawl` holding the sites' locks.")
    parser.add_argument("--lock-dir", default=None)
    own, rest = parser.parse_known_args(list(argv))
    peek = argparse.ArgumentParser(add_help=False)
    peek.add_argument("--sites", default="sites.toml")
    peek.add_argument("--db", default="parknews.db")
    peek.add_argument("--site", action="append", default=[])
    seen, _ = peek.parse_known_args(rest)
    lock_dir = own.lock_dir or default_lock_dir(seen.db)
    site_ids = seen.site
    if not site_ids:
        try:
            site_ids = [site.id for site in load_sites(seen.sites)]
        except SitesError:
            site_ids = []  # the crawl itself reports the bad sites file
    try:
        with hold_site_locks(lock_dir, site_ids):
            from parknews.crawler.cli import main

            # the locks are held here already: the crawl must not take them again (an
            # flock taken through a second descriptor would conflict with this one)
            main(["crawl", *rest, "--no-lock"], prog_name="parknews")
    except SiteBusy as exc:
        print(f"parknews: {exc}", file=sys.stderr)
        return LOCKED_EXIT
    return 0


def _main(argv: Sequence[str]) -> int:
    if argv and argv[0] == "crawl-locked":
        return crawl_locked(argv[1:])
    import click

    from parknews.crawler.cli_schedule import cron_command, schedule_command

    group = click.Group("python -m parknews.crawler.scheduler",
                        help="Scheduled crawls: `schedule`, `cron`, and `crawl-locked "
                             "[--lock-dir DIR] CRAWL OPTIONS` (parknews crawl holding the "
                             "sites' locks; exit status 75 if a run is still going).",
                        context_settings={"help_option_names": ["-h", "--help"]})
    group.add_command(schedule_command)
    group.add_command(cron_command)
    group.main(list(argv), prog_name="python -m parknews.crawler.scheduler")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
