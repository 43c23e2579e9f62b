"""``parknews schedule`` (crawl each site on its cron schedule until stopped),
``parknews cron`` (the same schedules as crontab lines) and ``parknews crawl-locked``
(``parknews crawl`` holding all its sites' locks: what the scheduler and the cron lines
run). The timetable itself is ``parknews.crawler.timetable``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from parknews.crawler.cli.common import LOG_LEVELS, fail, parse_set
from parknews.crawler.locks import (
    LOCKED_EXIT,
    LockDirError,
    SiteBusy,
    default_lock_dir,
    hold_site_locks,
)
from parknews.crawler.sites import SitesError, load_sites_file, select_sites
from parknews.crawler.timetable import (
    DEFAULT_STOP_TIMEOUT,
    Scheduler,
    SchedulerOptions,
    crawl_locked_argv,
    cron_entry,
    cron_timezone_lines,
    cron_workdir,
    locked_site_ids,
    schedule_trigger,
)
from parknews.crawler.timetable import logger as timetable_logger


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
@click.option("--log-level", default="INFO", show_default=True, type=LOG_LEVELS,
              help="The log level of the scheduler itself.")
def schedule_command(sites_file, db_path, site_ids, lock_dir, settings, run_for, stop_timeout,
                     log_level):
    """Crawl each site on its schedule (sites.toml `schedule`, else `default_schedule`,
    in its `timezone`, Asia/Shanghai by default), until Ctrl-C or SIGTERM.

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

    overrides = parse_set(settings, per_site=True)
    options = SchedulerOptions(
        site_ids=site_ids, extra_args=overrides.args(), lock_dir=lock_dir,
        site_args={site_id: overrides.args(site_id, common=False)
                   for site_id in overrides.per_site},
        stop_timeout=stop_timeout)
    try:
        scheduler = Scheduler(sites_file, db_path, options)
    except (SitesError, ArchiveError) as exc:
        fail(str(exc))
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    timetable_logger.setLevel(log_level.upper())
    history = scheduler.run(run_for)
    counts: dict[str, int] = {}
    for record in history:
        counts[record.status] = counts.get(record.status, 0) + 1
    click.echo(", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
               or "no run was due", err=True)


@click.command("cron")
@_sites_options
def cron_command(sites_file, db_path, site_ids, lock_dir, settings):
    """Print the sites' schedules as crontab lines (one per site), for cron or systemd
    timers instead of `parknews schedule`.

    Each line runs the crawl through `python -m parknews.crawler.cli crawl-locked`, which
    holds the site's lock as `parknews schedule` does: a run due while the previous one
    is still going exits at once with status 75. Output is appended to <lock dir>/<id>.log.
    Cron has no seconds: a 6-field schedule is printed as a comment with the systemd
    OnCalendar= equivalent when there is a simple one.

    The times are the sites file's `timezone` (Asia/Shanghai by default): a CRON_TZ= line
    before the sites' lines makes cronie read them so (it applies to the lines after it,
    so put these lines after your others); a comment says what a cron without CRON_TZ
    does.

    \b
    Example:
      parknews cron --sites sites.toml --db parknews.db >> my.crontab
      (crontab -l; parknews cron --db /srv/parknews/parknews.db) | crontab -
    """
    overrides = parse_set(settings, per_site=True)
    try:
        loaded = load_sites_file(sites_file)
        sites = select_sites(loaded.sites, site_ids)
        for site in sites:
            schedule_trigger(site, loaded.zone)
        unknown = [s for s in overrides.per_site if s not in {site.id for site in sites}]
        if unknown:
            raise SitesError(f"unknown site id(s) in --set: {', '.join(unknown)}")
    except SitesError as exc:
        fail(str(exc))
    sites_path = Path(sites_file).resolve()
    db = Path(db_path).resolve()
    locks = Path(lock_dir).resolve() if lock_dir else default_lock_dir(db)
    workdir = cron_workdir()
    click.echo(f"# parknews: crawls of {sites_path} into {db} (printed by `parknews cron`).")
    click.echo(f"# Each run holds {locks}/<id>.lock; a run due while the previous one is "
               f"still going exits with status {LOCKED_EXIT}.")
    for line in cron_timezone_lines(loaded.timezone):
        click.echo(line)
    for site in sites:
        command = crawl_locked_argv(site.id, locks, sites_path, db, overrides.args(site.id))
        for line in cron_entry(site, command, locks, workdir, loaded.timezone):
            click.echo(line)


@click.command("crawl-locked", context_settings={"ignore_unknown_options": True},
               short_help="Run `parknews crawl` holding all its sites' locks, or exit 75.")
@click.option("--lock-dir", default=None, type=click.Path(file_okay=False),
              help="Where the per-site lock files are. Default: '<db name>-locks' beside "
                   "the db.")
@click.argument("crawl_args", nargs=-1, type=click.UNPROCESSED, metavar="[CRAWL OPTIONS]")
@click.pass_context
def crawl_locked_command(ctx, lock_dir, crawl_args):
    """Run `parknews crawl CRAWL OPTIONS` holding the locks of all its sites (those of
    --site, else every site of --sites), or crawl nothing. `parknews schedule` and the
    `parknews cron` lines run it as `<python> -m parknews.crawler.cli crawl-locked`.

    The locks are taken within a fraction of a second of starting, all or none. If any
    is held (a run of the site still going: scheduled, from cron or by hand), nothing
    is crawled and the exit status is 75. A plain `parknews crawl` takes the same locks
    but crawls the sites it could lock and skips the others.

    \b
    Exit status: as `parknews crawl`; 75 (EX_TEMPFAIL) a site's lock is held.

    \b
    Example:
      parknews crawl-locked --sites sites.toml --db parknews.db --site sipac
    """
    # the group's `crawl`, looked up rather than imported (a command module imports no
    # other command module)
    crawl = ctx.find_root().command.get_command(ctx, "crawl")
    crawl_ctx = crawl.make_context("crawl", [*crawl_args, "--no-lock"], parent=ctx.parent)
    params = crawl_ctx.params
    site_ids = locked_site_ids(params["sites_file"], params["site_ids"])
    try:
        # the crawl runs with --no-lock: the locks are held here already (an flock taken
        # through a second descriptor would conflict with this one)
        with hold_site_locks(lock_dir or default_lock_dir(params["db_path"]), site_ids), \
                crawl_ctx:
            crawl.invoke(crawl_ctx)
    except SiteBusy as exc:
        fail(str(exc), LOCKED_EXIT)
    except LockDirError as exc:
        fail(str(exc))


COMMANDS = (schedule_command, cron_command, crawl_locked_command)
