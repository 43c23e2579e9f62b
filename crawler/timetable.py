"""The sites' crawl timetable: each site of a sites.toml crawled on its own cron schedule.

``Scheduler`` runs one APScheduler job per site (``parknews schedule``); each due run
starts a fresh process, ``python -m parknews.crawler.cli crawl-locked …`` (Scrapy's
reactor cannot restart in one process), so one site's crawl never blocks another's.
``cron_entry`` writes the same runs as crontab lines (``parknews cron``).

Never two crawls of one site at once: ``crawl-locked`` holds the site's lock
(``parknews.crawler.locks``) for its whole life, all its sites or none. A due run whose
lock is held (a run of the site still going: from this scheduler, from another one, from
cron, from a manual ``parknews crawl`` or ``crawl-locked``) is refused and logged:
``site X: previous run still going (pid N since T), skipped``.

This module imports no Scrapy and no archive code at import time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from parknews.crawler.locks import LOCKED_EXIT, SiteBusy, SiteLock, default_lock_dir
from parknews.crawler.sites import (
    Site,
    SitesError,
    cron_trigger,
    load_sites,
    load_sites_file,
    select_sites,
)

logger = logging.getLogger(__name__)

RUNS_LOG = "runs.jsonl"  # one JSON object per run (or refused run), in the lock directory
DEFAULT_MISFIRE_GRACE = 60  # a run due while the scheduler was busy or asleep still starts
DEFAULT_STOP_TIMEOUT = 30.0  # seconds a crawl gets to stop after SIGTERM before SIGKILL
CLI_MODULE = "parknews.crawler.cli"  # what `python -m` runs: cron has no PATH


# --- schedules -----------------------------------------------------------------------

def site_trigger(expression: str, timezone: tzinfo | None = None):
    """The APScheduler trigger of a cron expression (5 fields, or 6 with seconds first),
    with weekday numbers read as crontab reads them (0 = Sunday), in ``timezone`` (the
    sites file's; default: the machine's). ValueError if invalid."""
    return cron_trigger(expression, timezone)


def schedule_trigger(site: Site, timezone: tzinfo | None = None):
    """The trigger of a site's schedule, in ``timezone``; ``SitesError`` naming the site
    if invalid."""
    try:
        return site_trigger(site.schedule or "", timezone)
    except ValueError as exc:
        raise SitesError(f"site {site.id!r}: schedule {site.schedule!r} is not a valid cron "
                         f"expression ({exc})") from None


def locked_site_ids(sites_file: str | Path, site_ids: Sequence[str]) -> list[str]:
    """The sites a locked crawl locks: those named, else every site of the sites file
    (none when the file cannot be read: the crawl itself then reports it)."""
    if site_ids:
        return list(site_ids)
    try:
        return [site.id for site in load_sites(sites_file)]
    except SitesError:
        return []


def crawl_locked_argv(site_id: str, lock_dir: str | Path, sites_file: str | Path,
                      db_path: str | Path, extra_args: Sequence[str] = (),
                      python: str = sys.executable) -> list[str]:
    """The command of one locked crawl of a site: ``parknews crawl-locked`` run as
    ``<python> -m parknews.crawler.cli`` (cron has no PATH; the interpreter is the one
    running now)."""
    return [python, "-m", CLI_MODULE, "crawl-locked", "--lock-dir", str(lock_dir),
            "--sites", str(sites_file), "--db", str(db_path), "--site", site_id,
            *extra_args]


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

    def to_json(self, timezone: tzinfo | None = None) -> dict:
        """The record as a JSON object, its times also as ISO 8601 in ``timezone``
        (default: the machine's)."""
        data = asdict(self)
        del data["signalled"]
        for key in ("scheduled_at", "started_at", "finished_at"):
            value = data[key]
            data[key + "_iso"] = (_moment(value, timezone).isoformat(timespec="milliseconds")
                                  if value else None)
        data["duration"] = None if self.duration is None else round(self.duration, 3)
        return data


def _moment(ts: float, timezone: tzinfo | None = None) -> datetime:
    return datetime.fromtimestamp(ts, timezone) if timezone else (
        datetime.fromtimestamp(ts).astimezone())


def _stamp(ts: float | None, timezone: tzinfo | None = None) -> str:
    if ts is None:
        return "?"
    return _moment(ts, timezone).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SchedulerOptions:
    """How a ``Scheduler`` runs, beside its sites file and archive.

    ``site_ids``: only these sites (default: every site of the file). ``extra_args`` go
    to every crawl (``("--set", "DOWNLOAD_DELAY=2")``), ``site_args`` to one site's crawls
    (``{"sipac": ("--set", "DOWNLOAD_DELAY=5")}``). ``lock_dir`` defaults to
    ``<db name>-locks`` beside the archive, ``log_dir`` to the lock directory. ``python``
    runs the crawls, in ``cwd`` (default: the current directory).
    """

    site_ids: Sequence[str] = ()
    extra_args: Sequence[str] = ()
    site_args: Mapping[str, Sequence[str]] = field(default_factory=dict)
    lock_dir: str | Path | None = None
    log_dir: str | Path | None = None
    python: str = sys.executable
    cwd: str | Path | None = None
    misfire_grace_time: int = DEFAULT_MISFIRE_GRACE
    stop_timeout: float = DEFAULT_STOP_TIMEOUT


class Scheduler:
    """Crawl each site on its schedule until stopped; see the module docstring and
    ``SchedulerOptions``.

    Schedules fire in the sites file's ``timezone`` (default Asia/Shanghai), whatever the
    machine's zone; the times logged are that zone's too. Each crawl's output is appended
    to ``<log_dir>/<site id>.log`` and each run to ``<lock_dir>/runs.jsonl``. Raises
    ``SitesError`` for a bad sites file, an invalid schedule or an unknown site id, and
    ``parknews.archive.store.ArchiveError`` for a database path that cannot hold the archive (the
    archive is created, or migrated, before any crawl starts).

    Stopping (``stop()``, SIGINT or SIGTERM in ``run()``, the end of ``run_for``): no
    new run starts, running crawls get SIGTERM (Scrapy then closes the crawl gracefully:
    in-flight requests finish and the crawl_runs row is written; a crawl still starting
    up just exits), and SIGKILL after ``stop_timeout`` seconds or at a second signal.
    """

    def __init__(self, sites_file: str | Path, db_path: str | Path,
                 options: SchedulerOptions | None = None):
        options = options or SchedulerOptions()
        self.sites_file = Path(sites_file).resolve()
        self.db_path = Path(db_path).resolve()
        sites_file = load_sites_file(self.sites_file)
        self.timezone = sites_file.zone
        self.sites = select_sites(sites_file.sites, tuple(options.site_ids))
        self.triggers = {site.id: schedule_trigger(site, self.timezone) for site in self.sites}
        known = {site.id for site in self.sites}
        unknown = [s for s in options.site_args if s not in known]
        if unknown:
            raise SitesError(f"unknown site id(s): {', '.join(unknown)} "
                             f"(scheduled: {', '.join(sorted(known))})")
        from parknews.archive.store import open_archive

        # create and migrate the archive now: a bad path fails here, and crawls starting
        # together never race to create it (``database is locked``)
        open_archive(self.db_path).close()
        self.extra_args = tuple(options.extra_args)
        self.site_args = {k: tuple(v) for k, v in options.site_args.items()}
        self.lock_dir = Path(options.lock_dir or default_lock_dir(self.db_path)).resolve()
        self.log_dir = Path(options.log_dir).resolve() if options.log_dir else self.lock_dir
        self.runs_log = self.lock_dir / RUNS_LOG
        self.python = options.python
        self.cwd = Path(options.cwd) if options.cwd else Path.cwd()
        self.misfire_grace_time = options.misfire_grace_time
        self.stop_timeout = options.stop_timeout
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
        return crawl_locked_argv(site_id, self.lock_dir, self.sites_file, self.db_path,
                                    [*self.extra_args, *self.site_args.get(site_id, ())],
                                    self.python)

    def start(self) -> None:
        """Start scheduling in background threads (returns at once)."""
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self.lock_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        _quiet_apscheduler()
        self._aps = BackgroundScheduler(
            timezone=self.timezone,
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
        logger.info("scheduler started: %d site(s), times in %s, locks in %s, crawl logs "
                    "in %s", len(self.sites), self.timezone.key, self.lock_dir, self.log_dir)
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
        """The crawl's output reaches its log as it is written."""
        return dict(os.environ, PYTHONUNBUFFERED="1")

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
                log.write(f"\n=== {_stamp(now, self.timezone)} run of {site_id} (due "
                          f"{_stamp(record.scheduled_at, self.timezone)})\n".encode())
                log.flush()
                process = subprocess.Popen(
                    self.command(site_id), cwd=self.cwd, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    env=self._child_env(),
                )
            record.pid = process.pid
            self._running[site_id] = (record, process)
        logger.info("site %s: run started (pid %d, due %s)", site_id, process.pid,
                    _stamp(record.scheduled_at, self.timezone))
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
        holder = ({"pid": running[0].pid,
                   "started_at": _stamp(running[0].started_at, self.timezone)}
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
                    out.write(json.dumps(record.to_json(self.timezone), ensure_ascii=False)
                              + "\n")
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


# --- cron lines ----------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_CRON_DAYS = {name.lower(): i for i, name in enumerate(_DAY_NAMES)}


def _calendar_field(spec: str, kind: str) -> str | None:
    """One cron field as systemd OnCalendar writes it, or None if not simple."""
    low = {"sec": 0, "min": 0, "hour": 0, "day": 1, "month": 1}[kind]
    out = []
    for part in spec.lower().split(","):
        if kind == "month":
            part = re.sub(r"[a-z]{3}", lambda m: str(_MONTHS.index(m[0]) + 1)
                          if m[0] in _MONTHS else m[0], part)
        if part == "*":
            out.append("*")
        elif re.fullmatch(r"\d+", part):
            out.append(f"{int(part):02d}")
        elif m := re.fullmatch(r"(\d+)-(\d+)", part):
            out.append(f"{int(m[1]):02d}..{int(m[2]):02d}")
        elif m := re.fullmatch(r"(\*|\d+)/(\d+)", part):
            out.append(f"{low if m[1] == '*' else int(m[1]):02d}/{m[2]}")
        elif m := re.fullmatch(r"(\d+)-(\d+)/(\d+)", part):
            out.extend(f"{v:02d}" for v in range(int(m[1]), int(m[2]) + 1, int(m[3])))
        else:
            return None
    return ",".join(out) if "*" not in out or len(out) == 1 else None


def _calendar_weekdays(spec: str) -> str | None:
    if spec == "*":
        return ""
    days: list[int] = []
    for part in spec.lower().split(","):
        part = re.sub(r"[a-z]{3}", lambda m: str(_CRON_DAYS.get(m[0], m[0])), part)
        m = re.fullmatch(r"(\*|\d+)(?:-(\d+))?(?:/(\d+))?", part)
        if not m:
            return None
        first = 0 if m[1] == "*" else int(m[1])
        last = 6 if m[1] == "*" else int(m[2]) if m[2] else (7 if m[3] else first)
        if last > 7 or first > last:
            return None
        days.extend(d % 7 for d in range(first, last + 1, int(m[3] or 1)))
    order = sorted(set(days), key=lambda d: (d + 6) % 7)  # Mon first, as systemd
    return ",".join(_DAY_NAMES[d] for d in order) + " "


def oncalendar(expression: str, timezone: str | None = None) -> str | None:
    """The systemd OnCalendar= equivalent of a cron expression (5 fields, or 6 with
    seconds first), in ``timezone`` (an IANA name, appended as systemd reads it) or the
    machine's, or None when there is no simple one (cron reads a restricted day of month
    and a restricted weekday as either, systemd as both)."""
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        return None
    sec, minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        return None
    parts = [_calendar_field(sec, "sec"), _calendar_field(minute, "min"),
             _calendar_field(hour, "hour"), _calendar_field(day, "day"),
             _calendar_field(month, "month"), _calendar_weekdays(weekday)]
    if any(p is None for p in parts):
        return None
    sec, minute, hour, day, month, weekday = parts
    return f"{weekday}*-{month}-{day} {hour}:{minute}:{sec}" + (
        f" {timezone}" if timezone else "")


_CRON_ATOM = r"(?:\*|\d+|[a-z]{3})"
# what crontab(5) reads in one field (APScheduler also takes 'last', '2nd fri', 'xth', …)
_CRONTAB_FIELD = re.compile(rf"{_CRON_ATOM}(?:-{_CRON_ATOM})?(?:/\d+)?"
                            rf"(?:,{_CRON_ATOM}(?:-{_CRON_ATOM})?(?:/\d+)?)*", re.I)


def cron_workdir() -> Path:
    """Where the cron lines ``cd`` to: the source checkout this package runs from (where
    scrapy.cfg is), else the current directory."""
    repo = Path(__file__).resolve().parents[1]
    return repo if (repo / "scrapy.cfg").is_file() else Path.cwd()


def _cron_quote(value: str) -> str:
    return shlex.quote(value).replace("%", r"\%")  # cron turns a bare % into a newline


def cron_timezone_lines(timezone: str) -> list[str]:
    """The lines that make cron read the schedules in ``timezone`` (an IANA name):
    ``CRON_TZ=``, which cronie honours (Fedora, RHEL, Arch …) for the lines after it,
    with a comment saying so and what a cron that ignores it does."""
    if _machine_keeps(timezone):
        note = "the machine's clock keeps that zone too, so any cron reads them right."
    else:
        note = (f"a cron without CRON_TZ (Debian's, Ubuntu's) reads them in the machine's "
                f"zone ({time.tzname[0]}): set the machine's zone to {timezone}, or use "
                f"`parknews schedule`.")
    return [f"# The schedules are {timezone} times (the sites file's timezone). CRON_TZ "
            f"makes cronie read the lines after it so; {note}",
            f"CRON_TZ={timezone}"]


def _machine_keeps(timezone: str) -> bool:
    """The machine's local time has the zone's offsets, winter and summer, this year."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    year = datetime.now().year
    for month in (1, 7):
        moment = datetime(year, month, 1, 12)
        if moment.astimezone().utcoffset() != moment.replace(tzinfo=zone).utcoffset():
            return False
    return True


def cron_entry(site: Site, command: Sequence[str], lock_dir: Path, workdir: Path,
               timezone: str | None = None) -> list[str]:
    """The crontab line that runs ``command`` (a site's locked crawl) on the site's
    schedule, in ``workdir``, its output appended to ``<lock_dir>/<id>.log``. Cron has no
    seconds nor APScheduler's extras: such a schedule gives comment lines saying so,
    with the systemd OnCalendar= equivalent (in ``timezone``) when there is a simple one."""
    line = (f"cd {_cron_quote(str(workdir))} && mkdir -p {_cron_quote(str(lock_dir))} && "
            f"{' '.join(_cron_quote(c) for c in command)} >> "
            f"{_cron_quote(str(lock_dir / (site.id + '.log')))} 2>&1")
    schedule = site.schedule or ""
    if len(schedule.split()) == 5 and all(map(_CRONTAB_FIELD.fullmatch, schedule.split())):
        return [f"{schedule} {line}"]
    calendar = oncalendar(schedule, timezone)
    why = ("has seconds, which cron cannot do" if len(schedule.split()) == 6 else
           "uses APScheduler syntax that cron does not read")
    lines = [f"# site {site.id}: schedule {schedule!r} {why}."]
    if calendar:
        lines += [f"#   systemd timer: OnCalendar={calendar} with AccuracySec=1s, "
                  f"running the command below;",
                  "#   or run it with `parknews schedule`."]
    else:
        lines.append("#   No simple systemd OnCalendar= equivalent: run it with "
                     "`parknews schedule`.")
    return [*lines, f"# {line}"]
