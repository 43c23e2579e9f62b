"""``parknews crawl`` (the sites into the archive, each site's lock held while it is
crawled) and ``parknews discover`` (what a site's start page leads to, before its first
crawl)."""

from __future__ import annotations

import atexit
import json
import logging
import shlex
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click

from parknews.crawler.cli.common import (
    FAILURES_SHOWN,
    LOG_LEVELS,
    SHORT_LISTING_IN_ALL,
    SHORT_LISTING_PER_SITE,
    SUMMARY_FULL_UP_TO,
    SUMMARY_MODES,
    check_health,
    fail,
    parse_set,
    print_summary,
    summary_mode,
)
from parknews.crawler.locks import (
    LOCKED_EXIT,
    LockDirError,
    SiteLock,
    default_lock_dir,
    release_locks,
    take_free_locks,
)
from parknews.crawler.sites import SitesError, SitesFile, load_sites_file, select_sites


@dataclass(frozen=True)
class CrawlArgs:
    """The options of ``parknews crawl`` (the names of its click parameters)."""

    sites_file: str = "sites.toml"
    db_path: str = "parknews.db"
    site_ids: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    full: bool = False
    summary: str = "auto"
    progress: bool | None = None
    log_level: str | None = None
    verbose: bool = False
    log_file: str | None = None
    log_format: str = "text"
    lock_dir: str | None = None
    use_locks: bool = True


@click.command()
@click.option("--sites", "sites_file", default="sites.toml", show_default=True,
              type=click.Path(dir_okay=False), help="The site registry (TOML).")
@click.option("--db", "db_path", default="parknews.db", show_default=True,
              type=click.Path(dir_okay=False), help="The SQLite archive to write (created if new).")
@click.option("--site", "site_ids", multiple=True, metavar="ID",
              help="Crawl only this site (repeatable). Default: every site in the file.")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. --set DOWNLOAD_DELAY=2.")
@click.option("--full", is_flag=True,
              help="Walk every list page and recheck every known article now (a full pass).")
@click.option("--summary", default="auto", show_default=True,
              type=click.Choice(SUMMARY_MODES),
              help="What the crawl prints at its end. full: a line per site and the "
                   f"failed URLs, {FAILURES_SHOWN} per site. short, for the cron mail of a "
                   "big crawl: the totals, only the sites that need a look (failures, no "
                   "pages, notes, a finish other than 'finished'), how many others were "
                   f"fine, and at most {SHORT_LISTING_IN_ALL} failed URLs with the command "
                   f"that lists the rest. auto: full up to {SUMMARY_FULL_UP_TO} sites, "
                   "short above.")
@click.option("--progress/--no-progress", default=None,
              help="A progress line per site every few seconds. Default: on when standard "
                   "error is a terminal and the log is text, off under cron.")
@click.option("-v", "--verbose", is_flag=True,
              help="Scrapy's INFO log too (its settings, each site's start, its stats). "
                   "Default: warnings and errors only.")
@click.option("--log-level", default=None, type=LOG_LEVELS,
              help="The log's level (wins over -v). Default: WARNING.")
@click.option("--log-file", default=None, type=click.Path(dir_okay=False),
              help="Append the log to this file instead of standard error (the summary "
                   "still goes to standard output).")
@click.option("--log-format", default="text", show_default=True,
              type=click.Choice(["text", "json"]),
              help="json: one JSON object a line (time, level, site, event, message, url), "
                   "with the run's summary, unhealthy sites and alerts as events, for log "
                   "collectors.")
@click.option("--lock-dir", default=None, type=click.Path(file_okay=False),
              help="Where the per-site lock files are, shared with `parknews schedule` and "
                   "the `parknews cron` lines. Default: '<db name>-locks' beside the db.")
@click.option("--lock/--no-lock", "use_locks", default=True, show_default=True,
              help="Hold each site's lock while crawling it; --no-lock crawls even a site "
                   "another crawl is running.")
def crawl(**options):
    """Crawl the sites of a sites.toml into an archive; run it again to update.

    Each site's lock (<lock dir>/<id>.lock, the one scheduled and cron runs take) is held
    while it is crawled, so a crawl by hand and a scheduled one never crawl one site at
    once. A site another crawl holds is skipped, with a message naming it and that
    crawl's pid; the other sites are crawled.

    It prints a summary per site (URLs robots.txt disallows counted apart from the
    failures), the URLs that failed, and unhealthy sites; its log holds warnings and
    errors (-v: Scrapy's INFO too). A crawl of many sites prints the totals and only
    the sites that need a look instead (--summary).

    \b
    Exit status: 0 done; 1 bad input, every site crawled failed, or the archive could
    not be written (the crawl stops at once);
    75 (EX_TEMPFAIL) some site was skipped because another crawl holds it.

    \b
    Example:
      parknews crawl --sites sites.toml --db parknews.db --site sipac
    """
    run_crawl_command(CrawlArgs(**options))


def run_crawl_command(args: CrawlArgs) -> None:
    from parknews.crawler import logs

    overrides = dict(parse_set(args.settings).common)
    sites_file = _checked_sites_file(args)
    sites = select_sites(sites_file.sites, args.site_ids)
    options = _log_options(args, overrides, sites_file)
    try:
        handler = logs.install(options)
    except OSError as exc:
        fail(f"cannot write the log file {options.file}: {exc.strerror or exc}")
    say = _sayer(options)
    try:
        _crawl(args, overrides, sites_file, sites, say)
    finally:
        logs.uninstall(handler)


def _crawl(args: CrawlArgs, overrides: dict, sites_file: SitesFile, sites: list,
           say) -> None:
    locks: list[SiteLock] = []
    skipped: list[str] = []
    if args.use_locks:  # before Scrapy is imported: a refused site costs a fraction of a second
        locks, skipped = _take_site_locks(args.lock_dir or default_lock_dir(args.db_path),
                                          [site.id for site in sites], say)
        atexit.register(release_locks, locks)  # also the kernel's job at exit
        sites = [site for site in sites if site.id not in skipped]
        if not sites:
            say(f"parknews: nothing crawled: every site is being crawled by another "
                f"process (exit status {LOCKED_EXIT})", "nothing_crawled", logging.ERROR)
            sys.exit(LOCKED_EXIT)
    from parknews.crawler.runner import run_crawl

    started = datetime.now(UTC).isoformat(timespec="seconds")  # as pages.fetched_at
    results = run_crawl(sites, args.db_path, _crawl_settings(args, overrides))
    summary = summary_mode(args.summary, len(results))
    print_summary(results, summary)
    _summary_events(results)
    print_failures(args.db_path, started, [site.id for site in sites],
                   short=summary == "short")
    _report_health(args, sites_file, [site.id for site in sites], say,
                   short=summary == "short")
    release_locks(locks)
    if skipped:
        click.echo(f"skipped, being crawled by another process: {', '.join(skipped)}")
    _fail_if_archive_refused(results)
    if results and all(r.pages == r.failures + r.disallowed for r in results):
        fail("every site failed: nothing was fetched")
    if skipped:
        sys.exit(LOCKED_EXIT)


def _fail_if_archive_refused(results) -> None:
    """Exit with an error when the archive refused a write and the crawl stopped
    (pipelines/storage.py): a scheduled run must not look done."""
    from parknews.pipelines.storage import WRITE_FAILED

    if any(r.finish_reason == WRITE_FAILED for r in results):
        fail("the archive could not be written, so the crawl stopped early (the log says "
             "why); what it fetched since the archive's last write is not stored, and the "
             "next run fetches it again")


def _log_options(args: CrawlArgs, overrides: dict, sites_file: SitesFile):
    """Where the log goes and what it holds: --set LOG_LEVEL / LOG_FILE as before, then
    --log-level, -v, --log-file, --log-format."""
    from parknews.crawler.logs import LogOptions, site_hosts

    level = (str(overrides.get("LOG_LEVEL") or "").strip() or args.log_level
             or ("INFO" if args.verbose else "WARNING")).upper()
    return LogOptions(level=level, file=args.log_file or overrides.get("LOG_FILE") or None,
                      format=args.log_format, timezone=sites_file.zone,
                      hosts=site_hosts(sites_file.sites))


def _sayer(options):
    """How the crawl tells what is not in its summary (a site skipped, an alert sent):
    on standard error, or as an event of the JSON log."""
    from parknews.crawler.logs import event

    def say(message: str, name: str, level: int = logging.WARNING, **fields) -> None:
        if options.format == "json":
            event(level, message.removeprefix("parknews: "), name, **fields)
        else:
            click.echo(message, err=True)

    return say


def _summary_events(results) -> None:
    """The summary, a JSON log event per site (what print_summary prints)."""
    from parknews.crawler.logs import event

    for r in results:
        event(logging.INFO, f"site {r.site_id}: {r.pages} pages, {r.articles_new} new, "
              f"{r.failures} failed, {r.disallowed} disallowed by robots.txt", "summary",
              site=r.site_id, pages=r.pages, list_pages=r.list_pages, new=r.articles_new,
              changed=r.articles_changed, unchanged=r.articles_unchanged,
              withdrawn=r.articles_withdrawn, skipped_known=r.skipped_known,
              failed=r.failures, robots_disallowed=r.disallowed, empty=r.empty,
              blocked=r.blocked, finish_reason=r.finish_reason, notes=list(r.notes))


def _checked_sites_file(args: CrawlArgs) -> SitesFile:
    """The sites file, read once (sites and [[alerts]]); a bad file, an unknown site id or
    a bad database path is named before any fetch."""
    from parknews.archive.store import ArchiveError, open_archive

    try:
        sites_file = load_sites_file(args.sites_file)
        select_sites(sites_file.sites, args.site_ids)
        open_archive(args.db_path).close()
    except (SitesError, ArchiveError) as exc:
        fail(str(exc))
    return sites_file


def _crawl_settings(args: CrawlArgs, overrides: dict) -> dict:
    from parknews.crawler.logs import crawl_log_settings

    progress = (sys.stderr.isatty() and args.log_format == "text" if args.progress is None
                else args.progress)
    overrides.setdefault("PARKNEWS_PROGRESS", progress)
    overrides.update(crawl_log_settings())  # the log is ours (crawler/logs.py)
    if args.full:
        overrides.update(PARKNEWS_FULL_PASS=True, PARKNEWS_RECHECK_DAYS=0)
    return overrides


def _report_health(args: CrawlArgs, sites_file: SitesFile, site_ids: list[str],
                   say, short: bool = False) -> None:
    """Check the crawled sites' health (alerting as the sites file says); each unhealthy
    one is a log event, and a line of the output (``short``: at most
    SHORT_LISTING_IN_ALL lines, then how many more and the command listing them)."""
    from parknews.crawler.logs import event

    healths = check_health(args.db_path, sites_file.alerts, site_ids, alert=True,
                           zone=sites_file.zone, say=say)
    unhealthy = [item for item in healths if item.status == "unhealthy"]
    for item in unhealthy:
        problems = "; ".join(p["message"] for p in item.problems)
        event(logging.WARNING, f"site {item.site_id} is unhealthy: {problems}",
              "unhealthy", site=item.site_id, since=item.since, problems=item.problems)
    print_unhealthy(unhealthy, args.db_path, short)


def print_unhealthy(unhealthy: list, db_path: str, short: bool) -> None:
    """A line for each unhealthy site with its problems; ``short`` (the summary of a big
    crawl): at most SHORT_LISTING_IN_ALL, then how many more and how to see them."""
    shown = unhealthy[:SHORT_LISTING_IN_ALL] if short else unhealthy
    for item in shown:
        problems = "; ".join(p["message"] for p in item.problems)
        click.echo(f"unhealthy: {item.site_id}: {problems}")
    if len(unhealthy) > len(shown):
        click.echo(f"… and {len(unhealthy) - len(shown)} more unhealthy sites: "
                   f"parknews health --db {shlex.quote(str(db_path))} --no-alert | "
                   f"grep unhealthy")


def _take_site_locks(lock_dir: str | Path, site_ids: list[str], say
                     ) -> tuple[list, list[str]]:
    """Take the lock of each site that no other process holds: (the locks taken, the ids
    of the sites skipped). Each skipped site is told through ``say`` (standard error, or
    the JSON log) with its holder's pid and start time when the lock file tells them."""
    try:
        locks, busy = take_free_locks(lock_dir, site_ids)
    except LockDirError as exc:
        fail(f"{exc} (choose another --lock-dir, or --no-lock)")
    for lock in busy:
        holder = lock.read_info() or {}
        pid = holder.get("pid")
        since = f" since {holder['started_at']}" if holder.get("started_at") else ""
        who = f"pid {pid}{since}" if pid else "pid unknown"
        message = (f"parknews: site {lock.site_id}: another crawl of it is running ({who}; "
                   f"lock {lock.path}): skipped")
        say(message, "site_locked", site=lock.site_id, holder_pid=pid)
    return locks, [lock.site_id for lock in busy]


@dataclass(frozen=True)
class PageListing:
    """A block of URLs print_failures prints: the pages of the run matching ``condition``
    (SQL on ``pages``, where ``:robots`` is the error of a URL robots.txt disallows)."""

    header: str
    condition: str
    what: tuple[str, str]  # one URL and many, in "… and 12 more <what>"
    with_reason: bool  # each URL followed by its error


PAGE_LISTINGS = (
    PageListing("failures (url: reason):", "error is not null and error != :robots",
                ("failed URL", "failed URLs"), with_reason=True),
    PageListing("disallowed by robots.txt (not fetched, as the sites ask):",
                "error = :robots", ("URL disallowed by robots.txt",
                                    "URLs disallowed by robots.txt"), with_reason=False),
)


def print_failures(db_path: str, since: str, site_ids: list[str], short: bool = False
                   ) -> None:
    """Each URL that failed in this run, with its reason, a few per site; then, apart,
    the URLs robots.txt disallows (not fetched, as the site asks: no failure). With
    ``short`` (a short summary) a few per site and a few dozen in all, then how many
    more and the command that lists every one."""
    from sqlite_utils import Database

    db = Database(db_path)
    if "pages" not in db.table_names():
        return
    for listing in PAGE_LISTINGS:
        pages = _listed_pages(db, listing, since, site_ids)
        if not pages:
            continue
        click.echo("")
        click.echo(listing.header)
        if short:
            _print_listing_capped(listing, pages, db_path, since)
        else:
            _print_listing_per_site(listing, pages)


def _listed_pages(db, listing: PageListing, since: str, site_ids: list[str]
                  ) -> dict[str, list[dict]]:
    """The pages of ``listing`` fetched since ``since``, by site in the order of
    ``site_ids`` (only those sites, each in the order fetched)."""
    from parknews.crawler.spiders.park import ROBOTS_DISALLOWED

    by_site: dict[str, list[dict]] = {}
    for row in db.query(f"select site_id, url, status, error, run_id from pages where "
                        f"fetched_at >= :since and {listing.condition} order by fetched_at, url",
                        {"since": since, "robots": ROBOTS_DISALLOWED}):
        by_site.setdefault(row["site_id"], []).append(row)
    return {site_id: by_site[site_id] for site_id in site_ids if site_id in by_site}


def _listing_line(listing: PageListing, site_id: str, row: dict) -> str:
    reason = f": {row['error']}" if listing.with_reason else ""
    return f"  {site_id}  {row['url']}{reason}"


def _print_listing_per_site(listing: PageListing, pages: dict[str, list[dict]]) -> None:
    """FAILURES_SHOWN URLs of each site, then how many more and the SQL that lists them."""
    for site_id, rows in pages.items():
        for row in rows[:FAILURES_SHOWN]:
            click.echo(_listing_line(listing, site_id, row))
        if len(rows) > FAILURES_SHOWN:
            click.echo(f"  {site_id}  … and {len(rows) - FAILURES_SHOWN} more: select * from "
                       f"pages where site_id = '{site_id}' and {_sql_literal(listing.condition)}")


def _print_listing_capped(listing: PageListing, pages: dict[str, list[dict]], db_path: str,
                          since: str) -> None:
    """SHORT_LISTING_PER_SITE URLs of each site, SHORT_LISTING_IN_ALL in all, then how
    many more and the command that lists them all."""
    shown = 0
    for site_id, rows in pages.items():
        for row in rows[:min(SHORT_LISTING_PER_SITE, SHORT_LISTING_IN_ALL - shown)]:
            click.echo(_listing_line(listing, site_id, row))
            shown += 1
    hidden = sum(len(rows) for rows in pages.values()) - shown
    if hidden:
        click.echo(f"  … and {hidden} more {listing.what[hidden > 1]}: "
                   f"{_listing_command(listing, db_path, _this_run(pages, since))}")


def _sql_literal(condition: str) -> str:
    """A listing's condition as SQL to paste, its ``:robots`` written out."""
    from parknews.crawler.spiders.park import ROBOTS_DISALLOWED

    return condition.replace(":robots", f"'{ROBOTS_DISALLOWED}'")


def _this_run(pages: dict[str, list[dict]], since: str) -> str:
    """SQL on ``pages`` for the rows of this run: its run id, which its pages share (not
    the pages another crawl fetched meanwhile); else those fetched since it started."""
    run_ids = {row["run_id"] for rows in pages.values() for row in rows}
    if len(run_ids) == 1 and None not in run_ids:
        return f"run_id = '{run_ids.pop()}'"
    return f"fetched_at >= '{since}'"


def _listing_command(listing: PageListing, db_path: str, this_run: str) -> str:
    """The sqlite-utils command (installed with parknews) that lists, as a table, every
    URL of the listing among the pages ``this_run`` selects."""
    sql = (f"select site_id, url, status, error from pages where {this_run} "
           f"and {_sql_literal(listing.condition)} order by site_id, fetched_at, url")
    return f'sqlite-utils query {shlex.quote(db_path)} "{sql}" --table'


@click.command()
@click.argument("url")
@click.option("--save", "save_to", default=None, type=click.Path(dir_okay=False),
              help="Append a [[sites]] table for this site to this sites file.")
@click.option("--id", "site_id", default=None, help="The saved site's id (default: its host).")
@click.option("--name", default=None, help="The saved site's name (default: from its title).")
@click.option("--max-pages", default=30, show_default=True, type=click.IntRange(1, 200),
              help="Pages fetched after the start page, at most.")
@click.option("--samples", default=3, show_default=True, type=click.IntRange(0, 10),
              help="Articles read per column.")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy or parknews setting (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="The findings as one JSON object.")
def discover(url, save_to, site_id, name, max_pages, samples, settings, as_json):
    """Show what a site's start page leads to, before its first crawl.

    Fetches URL (a home page, a column, a list or an article) and at most --max-pages
    more: each news column found (name, URL, pager, items on its first page, newest
    date) and a few of its articles as the extractor reads them (title, date, 来源).
    When nothing is found it says why (a list drawn by JavaScript, an anti-bot wall,
    robots.txt) and exits with status 1. --save appends a [[sites]] table that
    `parknews crawl` accepts.

    \b
    Example:
      parknews discover http://www.yunxi.gov.cn/ --save sites.toml
    """
    from dataclasses import asdict

    from parknews.crawler.scout import format_report, run_discover, site_table

    parts = url.split("://", 1)
    if len(parts) != 2 or parts[0] not in ("http", "https") or not parts[1].strip("/"):
        fail(f"not an http(s) URL: {url!r}")
    target = Path(save_to) if save_to else None
    existing = _existing_sites_text(target)
    result = run_discover(url, max_pages=max_pages, samples=samples,
                          overrides=dict(parse_set(settings).common))
    if as_json:
        click.echo(json.dumps(asdict(result), ensure_ascii=False, indent=1))
    else:
        click.echo(format_report(result))
    if not result.found:
        sys.exit(1)
    if target is not None:
        _save_site(target, existing, site_table(result, site_id, name))


def _existing_sites_text(target: Path | None) -> str:
    """What the sites file to save to holds already ('' if it is new); fails before any
    fetch when it cannot be written."""
    if target is None:
        return ""
    if target.exists():
        return target.read_text(encoding="utf-8")
    if not target.parent.is_dir():
        fail(f"cannot save to {target}: no directory {target.parent}")
    return ""


def _save_site(target: Path, existing: str, table: str) -> None:
    from parknews.crawler.sites import parse_sites

    try:
        sites = parse_sites(existing + table, origin=str(target)) if existing.strip() else (
            parse_sites(table, origin=str(target)))
    except SitesError as exc:
        fail(f"not saved: {exc} (choose another --id?)")
    with target.open("a", encoding="utf-8") as out:
        out.write(table)
    click.echo(f"saved site {sites[-1].id!r} to {target}")


COMMANDS = (crawl, discover)
