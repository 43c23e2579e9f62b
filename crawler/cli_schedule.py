"""``parknews schedule`` (crawl each site on its cron schedule until stopped) and
``parknews cron`` (the same schedules as crontab lines). Registered on the ``parknews``
group by ``parknews.crawler.cli``; also ``python -m parknews.crawler.scheduler schedule|cron``."""

from __future__ import annotations

import logging
import re
import shlex
import sys
from pathlib import Path

import click

from parknews.crawler.scheduler import (
    DEFAULT_STOP_TIMEOUT,
    LOCKED_EXIT,
    Scheduler,
    default_lock_dir,
    site_trigger,
)
from parknews.crawler.sites import SITE_ID, SitesError, load_sites, select_sites

_SET = re.compile(r"^(?:(?P<site>[A-Za-z0-9][A-Za-z0-9_.-]*):)?(?P<name>[A-Za-z_][\w.]*)=")


def parse_settings(values: tuple[str, ...]) -> tuple[list[str], dict[str, list[str]]]:
    """``--set NAME=VALUE`` for every crawl, ``--set ID:NAME=VALUE`` for one site's."""
    common: list[str] = []
    per_site: dict[str, list[str]] = {}
    for value in values:
        match = _SET.match(value)
        if not match:
            raise click.BadParameter(f"expected NAME=VALUE or ID:NAME=VALUE, got {value!r}",
                                     param_hint="--set")
        setting = value[match.end("site") + 1:] if match["site"] else value
        if match["site"]:
            if not SITE_ID.match(match["site"]):
                raise click.BadParameter(f"{match['site']!r} is not a site id",
                                         param_hint="--set")
            per_site.setdefault(match["site"], []).extend(["--set", setting])
        else:
            common.extend(["--set", setting])
    return common, per_site


def _sites_options(func):
    func = click.option("--set", "settings", multiple=True, metavar="[ID:]NAME=VALUE",
                        help="Scrapy setting for the crawls (repeatable); with ID: for that "
                             "site's crawls only, e.g. --set sipac:DOWNLOAD_DELAY=5.")(func)
    func = click.option("--lock-dir", default=None, type=click.Path(file_okay=False),
                        help="Where the per-site lock files (shared with `parknews crawl`), "
                             "runs.jsonl and the crawl logs go. Default: '<db name>-locks' "
                             "beside the db.")(func)
    func = click.option("--site", "site_ids", multiple=True, metavar="ID",
                        help="Only this site (repeatable). Default: every site.")(func)
    func = click.option("--db", "db_path", default="parknews.db", show_default=True,
                        type=click.Path(dir_okay=False), help="The archive the crawls write.")(
        func)
    func = click.option("--sites", "sites_file", default="sites.toml", show_default=True,
                        type=click.Path(dir_okay=False),
                        help="The site registry (TOML), with each site's `schedule`.")(func)
    return func


@click.command("schedule")
@_sites_options
@click.option("--run-for", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Stop after this long (for trials). Default: run until "
                                      "Ctrl-C or SIGTERM.")
@click.option("--stop-timeout", type=click.FloatRange(min=0), default=DEFAULT_STOP_TIMEOUT,
              show_default=True, metavar="SECONDS",
              help="On stopping, how long running crawls get after SIGTERM before SIGKILL.")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def schedule_command(sites_file, db_path, site_ids, lock_dir, settings, run_for, stop_timeout,
                     log_level):
    """Crawl each site on its schedule (sites.toml `schedule`, else `default_schedule`),
    until Ctrl-C or SIGTERM.

    Each due crawl runs in its own process and holds the site's lock for its whole life;
    a site whose previous run (from here, from cron or by hand) is still going is skipped,
    and the skip logged. Each run's start, end, exit status and duration are logged on
    stderr and in <lock dir>/runs.jsonl; each crawl's output goes to <lock dir>/<id>.log.
    On Ctrl-C or SIGTERM, running crawls get SIGTERM and close gracefully (their
    crawl_runs row written); a second Ctrl-C kills them.

    \b
    Example:
      parknews schedule --sites sites.toml --db parknews.db
      parknews schedule --site sipac --set sipac:DOWNLOAD_DELAY=5 --run-for 3600
    """
    from parknews.archive.store import ArchiveError

    common, per_site = parse_settings(settings)
    try:
        scheduler = Scheduler(sites_file, db_path, site_ids, common, lock_dir,
                              site_args=per_site, stop_timeout=stop_timeout)
    except (SitesError, ArchiveError) as exc:
        raise click.ClickException(str(exc)) from None
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("parknews.crawler.scheduler").setLevel(log_level.upper())
    history = scheduler.run(run_for)
    counts: dict[str, int] = {}
    for record in history:
        counts[record.status] = counts.get(record.status, 0) + 1
    click.echo(", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
               or "no run was due", err=True)


# --- cron ------------------------------------------------------------------------------

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


def oncalendar(expression: str) -> str | None:
    """The systemd OnCalendar= equivalent of a cron expression (5 fields, or 6 with
    seconds first), or None when there is no simple one (cron reads a restricted day of
    month and a restricted weekday as either, systemd as both)."""
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
    return f"{weekday}*-{month}-{day} {hour}:{minute}:{sec}"


_CRON_ATOM = r"(?:\*|\d+|[a-z]{3})"
# what crontab(5) reads in one field (APScheduler also takes 'last', '2nd fri', 'xth', …)
_CRONTAB_FIELD = re.compile(rf"{_CRON_ATOM}(?:-{_CRON_ATOM})?(?:/\d+)?"
                            rf"(?:,{_CRON_ATOM}(?:-{_CRON_ATOM})?(?:/\d+)?)*", re.I)


def _repo_or_cwd() -> Path:
    """The source checkout this package runs from (where scrapy.cfg is), else the cwd."""
    repo = Path(__file__).resolve().parents[1]
    return repo if (repo / "scrapy.cfg").is_file() else Path.cwd()


def _cron_quote(value: str) -> str:
    return shlex.quote(value).replace("%", r"\%")  # cron turns a bare % into a newline


@click.command("cron")
@_sites_options
def cron_command(sites_file, db_path, site_ids, lock_dir, settings):
    """Print the sites' schedules as crontab lines (one per site), for cron or systemd
    timers instead of `parknews schedule`.

    Each line runs the crawl through `python -m parknews.crawler.scheduler crawl-locked`, which
    holds the site's lock as `parknews schedule` does: a run due while the previous one
    is still going exits at once with status 75. Output is appended to <lock dir>/<id>.log.
    Cron has no seconds: a 6-field schedule is printed as a comment with the systemd
    OnCalendar= equivalent when there is a simple one.

    \b
    Example:
      parknews cron --sites sites.toml --db parknews.db >> my.crontab
      (parknews cron --db /srv/parknews/parknews.db; crontab -l) | crontab -
    """
    common, per_site = parse_settings(settings)
    try:
        sites = select_sites(load_sites(sites_file), site_ids)
        for site in sites:
            try:
                site_trigger(site.schedule or "")
            except ValueError as exc:
                raise SitesError(f"site {site.id!r}: schedule {site.schedule!r} is not a "
                                 f"valid cron expression ({exc})") from None
        unknown = [s for s in per_site if s not in {site.id for site in sites}]
        if unknown:
            raise SitesError(f"unknown site id(s) in --set: {', '.join(unknown)}")
    except SitesError as exc:
        raise click.ClickException(str(exc)) from None
    sites_path = Path(sites_file).resolve()
    db = Path(db_path).resolve()
    locks = Path(lock_dir).resolve() if lock_dir else default_lock_dir(db)
    workdir = _repo_or_cwd()
    click.echo(f"# parknews: crawls of {sites_path} into {db} (printed by `parknews cron`).")
    click.echo(f"# Each run holds {locks}/<id>.lock; a run due while the previous one is "
               f"still going exits with status {LOCKED_EXIT}.")
    for site in sites:
        command = [sys.executable, "-m", "parknews.crawler.scheduler", "crawl-locked",
                   "--lock-dir", str(locks), "--sites", str(sites_path), "--db", str(db),
                   "--site", site.id, *common, *per_site.get(site.id, [])]
        line = (f"cd {_cron_quote(str(workdir))} && mkdir -p {_cron_quote(str(locks))} && "
                f"{' '.join(_cron_quote(c) for c in command)} >> "
                f"{_cron_quote(str(locks / (site.id + '.log')))} 2>&1")
        schedule = site.schedule or ""
        if len(schedule.split()) == 5 and all(map(_CRONTAB_FIELD.fullmatch, schedule.split())):
            click.echo(f"{schedule} {line}")
            continue
        calendar = oncalendar(schedule)
        why = ("has seconds, which cron cannot do" if len(schedule.split()) == 6 else
               "uses APScheduler syntax that cron does not read")
        click.echo(f"# site {site.id}: schedule {schedule!r} {why}.")
        if calendar:
            click.echo(f"#   systemd timer: OnCalendar={calendar} with AccuracySec=1s, "
                       f"running the command below;")
            click.echo("#   or run it with `parknews schedule`.")
        else:
            click.echo("#   No simple systemd OnCalendar= equivalent: run it with "
                       "`parknews schedule`.")
        click.echo(f"# {line}")
