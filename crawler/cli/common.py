"""What the ``parknews`` commands share: ``--set NAME=VALUE`` read one way, one way to
fail (``parknews: MESSAGE`` on standard error, exit status 1, or 75 when another process
holds what the command needs), the archive that must exist, the crawl summary and the
health check run after a crawl.

Only this module is imported by the command modules of the package; the archive, Scrapy
and the rest are imported inside the functions that need them, so that a command starts
(and ``crawl-locked`` takes its locks) within a fraction of a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import click

from parknews.crawler.sites import SITE_ID

LOG_LEVELS = click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False)
FAILURES_SHOWN = 10  # failed URLs listed per site after a crawl (all are in the pages table)
SHORT_LISTING_PER_SITE = 3  # --summary short: failed URLs listed per site,
SHORT_LISTING_IN_ALL = 30  # and in all (the rest are counted, with the command listing them)
SUMMARY_MODES = ("auto", "full", "short")  # parknews crawl --summary
SUMMARY_FULL_UP_TO = 30  # --summary auto: a line per site up to this many sites, short above


# --- failing -------------------------------------------------------------------------


class CommandError(click.ClickException):
    """A command's failure, for its user: ``parknews: MESSAGE`` on standard error, then
    exit status ``exit_code``. (Bad options are click's usage errors: exit status 2.)"""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"parknews: {self.format_message()}", file=file, err=file is None)


def fail(message: str, exit_code: int = 1) -> NoReturn:
    raise CommandError(message, exit_code)


# --- --set NAME=VALUE ----------------------------------------------------------------

_SET = re.compile(r"^\s*(?:(?P<site>[A-Za-z0-9][A-Za-z0-9_.-]*):)?(?P<name>[A-Za-z_][\w.]*)\s*=")


@dataclass(frozen=True)
class Overrides:
    """The settings of ``--set``: for every crawl, and (``ID:NAME=VALUE``) for one site's."""

    common: dict[str, str] = field(default_factory=dict)
    per_site: dict[str, dict[str, str]] = field(default_factory=dict)

    def args(self, site_id: str | None = None, *, common: bool = True) -> list[str]:
        """As options of a crawl's command line: the common ones (unless not ``common``),
        then those of the site."""
        settings = [*(self.common.items() if common else ()),
                    *self.per_site.get(site_id or "", {}).items()]
        return [arg for name, value in settings for arg in ("--set", f"{name}={value}")]


def parse_set(values: Iterable[str], *, per_site: bool = False) -> Overrides:
    """Read ``--set NAME=VALUE`` options (the last of a name wins); with ``per_site``,
    also ``--set ID:NAME=VALUE`` for one site's crawls. A value that is not of that form
    is a usage error."""
    expected = "NAME=VALUE or ID:NAME=VALUE" if per_site else "NAME=VALUE"
    overrides = Overrides()
    for value in values:
        match = _SET.match(value)
        if not match or (match["site"] and not per_site):
            raise click.BadParameter(f"expected {expected}, got {value!r}", param_hint="--set")
        setting = value[match.end():]
        if not match["site"]:
            overrides.common[match["name"]] = setting
            continue
        if not SITE_ID.match(match["site"]):
            raise click.BadParameter(f"{match['site']!r} is not a site id", param_hint="--set")
        overrides.per_site.setdefault(match["site"], {})[match["name"]] = setting
    return overrides


# --- the archive ---------------------------------------------------------------------


def existing_archive(db_path: str, hint: str = "") -> Path:
    """The path of a parknews archive that must exist already, else the command fails:
    ``no archive at PATH`` (and ``hint``), or ``PATH is not a parknews archive`` for a
    file that is not one (looked at read-only: the file is left as it was)."""
    path = Path(db_path)
    if not path.is_file():
        fail(f"no archive at {db_path}{hint}")
    # immutable when no -wal file is beside it: then the file holds every committed row,
    # and a read-only look at a WAL archive leaves no empty -wal and -shm files behind
    conn = _read_only(path, immutable=not path.with_name(path.name + "-wal").exists())
    try:
        problem = _not_an_archive(conn)
    finally:
        conn.close()
    if problem:
        fail(f"{db_path} is not a parknews archive ({problem}); nothing was written to it")
    return path


def _read_only(path: Path, immutable: bool = False):
    """A connection that cannot write to ``path`` (SQLite's ``mode=ro`` URI; with
    ``immutable``, one that takes no lock and opens no -wal or -shm file either)."""
    import sqlite3
    from urllib.parse import quote

    uri = f"file:{quote(str(path.resolve()))}?mode=ro{'&immutable=1' if immutable else ''}"
    try:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        fail(f"cannot open {path} read-only: {exc}")


def _not_an_archive(conn) -> str | None:
    """Why the database is no parknews archive, or None: an archive has the ``articles``
    table and the parknews migrations recorded in ``_sqlite_migrations``."""
    import sqlite3

    from parknews.archive.schema import migrations

    try:
        tables = {name for (name,) in conn.execute(
            "select name from sqlite_master where type = 'table'")}
        missing = [what for what, table in (("articles table", "articles"),
                                             ("parknews migrations", migrations.migrations_table))
                   if table not in tables]
        if missing:
            return "no " + " and no ".join(missing)
        (count,) = conn.execute(f"select count(*) from {migrations.migrations_table} "
                                f"where migration_set = ?", [migrations.name]).fetchone()
    except sqlite3.DatabaseError as exc:
        return f"not a SQLite database: {exc}"
    return None if count else "no parknews migrations"


def open_existing_archive(db_path: str, **options):
    """Open an archive that must exist already (``existing_archive``), its schema
    brought up to date, for a command that writes to it; ``options`` go to
    ``open_archive``."""
    from parknews.archive.store import ArchiveError, open_archive

    existing_archive(db_path)
    try:
        return open_archive(db_path, **options)
    except ArchiveError as exc:
        fail(str(exc))


def open_archive_read_only(db_path: str, check_search_index: bool = True):
    """Open an archive that must exist already (``existing_archive``) read-only (SQLite's
    ``mode=ro``), for a command that only reads it (search, dedup-report). An archive
    written by an older parknews, with migrations pending, is first brought up to date
    (that is the one write); one whose search index was cut by other rules is refused
    (``parknews reindex`` rebuilds it)."""
    from sqlite_utils import Database

    from parknews.archive import search
    from parknews.archive.schema import migrations

    path = existing_archive(db_path)
    conn = _read_only(path)
    if migrations.pending(Database(conn)):
        conn.close()
        open_existing_archive(db_path, check_search_index=False).close()
        conn = _read_only(path)
    search.register_functions(conn)
    version = search.index_version(conn)
    if check_search_index and version != search.INDEX_VERSION:
        conn.close()
        fail(f"the search index of {db_path} was built by another version ({version}, "
             f"now {search.INDEX_VERSION}): run `parknews reindex --db {db_path}` first")
    return Database(conn)


# --- dates ---------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?年?$")


class DateParam(click.ParamType):
    """A date option (``--from``, ``--to``): YYYY-MM-DD, or a month (YYYY-MM) or a year
    (YYYY); 2024/05/01, 2024.5.1 and 2024年5月1日 are read too and normalised to ISO
    (2024-05-01). Anything else, or a day that does not exist, is a usage error: a date
    that cannot be read must not silently match nothing."""

    name = "date"

    def convert(self, value, param, ctx):
        from datetime import date

        match = _DATE.match(str(value).strip())
        parts = [int(part) for part in match.groups() if part] if match else []
        try:
            if parts:
                date(*(parts + [1, 1])[:3])
        except ValueError:
            parts = []
        if not parts:
            self.fail(f"{value!r} is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY)",
                      param, ctx)
        return "-".join([f"{parts[0]:04d}", *(f"{part:02d}" for part in parts[1:])])


DATE = DateParam()


# --- after a crawl -------------------------------------------------------------------


def summary_mode(requested: str, site_count: int) -> str:
    """What a crawl of ``site_count`` sites prints as its summary: ``full`` or ``short``
    (``requested`` is a value of --summary; ``auto`` is full up to SUMMARY_FULL_UP_TO
    sites, short above)."""
    if requested != "auto":
        return requested
    return "full" if site_count <= SUMMARY_FULL_UP_TO else "short"


def needs_a_look(result) -> bool:
    """Whether a site's crawl should be read by a person: it had failures (so also when
    every page failed), fetched no page, did not finish normally, or has notes."""
    return bool(result.failures or not result.pages or result.finish_reason != "finished"
                or getattr(result, "notes", ()))


def print_summary(results, mode: str = "auto") -> None:
    """The crawl's summary: with ``mode`` full, a line per site (``print_site_table``) and
    the sites' notes; short, the totals, only the sites that need a look with their
    notes, and how many others were fine; auto, one or the other by the number of
    sites (``summary_mode``)."""
    results = list(results)
    if summary_mode(mode, len(results)) == "short":
        print_short_summary(results)
        return
    click.echo("")
    print_site_table(results)
    print_notes(results)


def print_site_table(results) -> None:
    """A line per site: pages, list pages, new, changed, unchanged and withdrawn articles,
    known articles skipped, failures, URLs robots.txt disallows (not failures), empty
    pages, and how the crawl finished."""
    click.echo(f"{'site':<16} {'pages':>6} {'lists':>6} {'new':>5} {'changed':>8} "
               f"{'same':>5} {'gone':>5} {'skipped':>8} {'failed':>7} {'robots':>7} "
               f"{'empty':>6}  finish")
    for r in results:
        click.echo(f"{r.site_id:<16} {r.pages:>6} {r.list_pages:>6} {r.articles_new:>5} "
                   f"{r.articles_changed:>8} {r.articles_unchanged:>5} "
                   f"{r.articles_withdrawn:>5} {r.skipped_known:>8} {r.failures:>7} "
                   f"{getattr(r, 'disallowed', 0):>7} {r.empty:>6}  {r.finish_reason}")


def print_notes(results) -> None:
    """The sites' notes, a line each: anti-bot walls, lists drawn by JavaScript,
    rendering that was not possible (crawler/runner.py site_notes)."""
    notes = [(r.site_id, note) for r in results for note in getattr(r, "notes", ())]
    if notes:
        click.echo("")
        for site_id, note in notes:
            click.echo(f"{site_id}: {note}")


def summary_totals(results) -> list[tuple[str, int]]:
    """The crawl's totals, (label, number) in the order of the per-site table."""
    return [
        ("pages", sum(r.pages for r in results)),
        ("list pages", sum(r.list_pages for r in results)),
        ("new articles", sum(r.articles_new for r in results)),
        ("changed articles", sum(r.articles_changed for r in results)),
        ("same articles", sum(r.articles_unchanged for r in results)),
        ("gone articles", sum(r.articles_withdrawn for r in results)),
        ("known articles skipped", sum(r.skipped_known for r in results)),
        ("failed pages", sum(r.failures for r in results)),
        ("disallowed by robots.txt", sum(getattr(r, "disallowed", 0) for r in results)),
        ("empty pages", sum(r.empty for r in results)),
        ("sites not finished normally", sum(r.finish_reason != "finished" for r in results)),
    ]


def print_short_summary(results) -> None:
    """The totals of every site, then the table and notes of only the sites that need a
    look (``needs_a_look``), then how many other sites were fine."""
    click.echo("")
    click.echo(f"{_sites(len(results))} crawled:")
    totals = summary_totals(results)
    width = max(len(label) for label, _ in totals) + 2
    for label, number in totals:
        click.echo(f"  {label:<{width}}{number:>8}")
    flagged = [r for r in results if needs_a_look(r)]
    if flagged:
        click.echo("")
        click.echo(f"{_sites(len(flagged))} to look at (failures, no pages, notes, or a "
                   f"finish other than 'finished'):")
        print_site_table(flagged)
    click.echo("")
    click.echo(f"{_the_others(len(results) - len(flagged), bool(flagged))}; "
               f"`--summary full` shows every site.")
    print_notes(flagged)


def _the_others(fine: int, any_flagged: bool) -> str:
    """What the short summary says of the sites it does not list."""
    if not any_flagged:
        return "no site needs a look"
    return f"{fine} other {'site was' if fine == 1 else 'sites were'} fine"


def _sites(count: int) -> str:
    """``1 site``, ``3 sites``."""
    return f"{count} site{'' if count == 1 else 's'}"


def _say(message: str, event: str, **fields) -> None:
    click.echo(message, err=True)


def check_health(db_path: str, targets, site_ids: list[str] | None,
                 alert: bool, zone=None, say=_say) -> list:
    """Evaluate site health, and alert ``targets`` (the sites file's ``[[alerts]]``: a
    SitesFile's ``alerts``) about changes; the times of the results and of the alerts
    are shown in ``zone`` (the sites file's time zone; default its default). What was
    sent or failed is told through ``say(message, event, **fields)`` (default: on
    standard error)."""
    from zoneinfo import ZoneInfo

    from parknews.archive.health import evaluate, in_zone, mark_alerted
    from parknews.archive.store import open_archive
    from parknews.crawler.alerts import send
    from parknews.crawler.sites import DEFAULT_TIMEZONE

    targets = list(targets) if alert else []
    zone = zone or ZoneInfo(DEFAULT_TIMEZONE)
    db = open_archive(db_path)
    try:
        results = [in_zone(health, zone) for health in evaluate(db.conn, site_ids)]
        names = dict(db.conn.execute("select id, name from sites"))
        for health in results:
            if not (health.changed and targets):
                continue
            errors = [e for e in (send(t, health, names.get(health.site_id))
                                  for t in targets) if e]
            if len(errors) < len(targets):
                mark_alerted(db.conn, health)
                say(f"alert sent: {health.site_id} is {health.status}", "alert_sent",
                    site=health.site_id, status=health.status)
            for error in errors:
                say(f"alert for {health.site_id} failed: {error}", "alert_failed",
                    site=health.site_id, error=error)
    finally:
        db.close()
    return results
