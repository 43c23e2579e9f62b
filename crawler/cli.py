"""The ``parknews`` command: crawl, extract, serve, demo."""

from __future__ import annotations

import atexit
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from parknews.archive.store import ArchiveError, check_db_path, open_archive
from parknews.crawler.scheduler import LOCKED_EXIT, default_lock_dir
from parknews.crawler.sites import SitesError, load_sites, select_sites


def _fail(message: str) -> None:
    raise click.ClickException(message)


def parse_set(values: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="--set")
        overrides[key.strip()] = setting
    return overrides


def print_summary(results) -> None:
    click.echo("")
    click.echo(f"{'site':<16} {'pages':>6} {'lists':>6} {'new':>5} {'changed':>8} "
               f"{'same':>5} {'gone':>5} {'skipped':>8} {'failed':>7} {'empty':>6}  finish")
    for r in results:
        click.echo(f"{r.site_id:<16} {r.pages:>6} {r.list_pages:>6} {r.articles_new:>5} "
                   f"{r.articles_changed:>8} {r.articles_unchanged:>5} "
                   f"{r.articles_withdrawn:>5} {r.skipped_known:>8} {r.failures:>7} "
                   f"{r.empty:>6}  {r.finish_reason}")
    notes = [(r.site_id, note) for r in results for note in getattr(r, "notes", ())]
    if notes:  # anti-bot walls, lists drawn by JavaScript (crawler/runner.py site_notes)
        click.echo("")
        for site_id, note in notes:
            click.echo(f"{site_id}: {note}")


def take_site_locks(lock_dir: str | Path, site_ids: list[str]) -> tuple[list, list[str]]:
    """Take the lock of each site that no other process holds: (the locks taken, the ids
    of the sites skipped). Each skipped site is reported on standard error with its
    holder's pid and start time when the lock file tells them."""
    from parknews.crawler.scheduler import SiteLock

    locks, skipped = [], []
    for site_id in sorted(set(site_ids)):  # the order crawl-locked takes them in
        lock = SiteLock(lock_dir, site_id)
        try:
            taken = lock.acquire()
        except OSError as exc:
            release_site_locks(locks)
            _fail(f"cannot take the lock of site {site_id} in {lock_dir}: {exc.strerror or exc}"
                  f" (choose another --lock-dir, or --no-lock)")
        if taken:
            locks.append(lock)
            continue
        skipped.append(site_id)
        holder = lock.read_info() or {}
        pid = holder.get("pid")
        since = f" since {holder['started_at']}" if holder.get("started_at") else ""
        who = f"pid {pid}{since}" if pid else "pid unknown"
        click.echo(f"parknews: site {site_id}: another crawl of it is running ({who}; lock "
                   f"{lock.path}): skipped", err=True)
    return locks, skipped


def release_site_locks(locks: list) -> None:
    for lock in reversed(locks):
        lock.release()


FAILURES_SHOWN = 10  # failed URLs listed per site after a crawl (all are in the pages table)


def print_failures(db_path: str, since: str, site_ids: list[str]) -> None:
    """Each URL that failed in this run, with its reason, a few per site."""
    from sqlite_utils import Database

    db = Database(db_path)
    if "pages" not in db.table_names():
        return
    shown_header = False
    for site_id in site_ids:
        rows = list(db.query(
            "select url, status, error from pages where site_id = ? and fetched_at >= ?"
            " and error is not null order by fetched_at, url", [site_id, since]))
        if not rows:
            continue
        if not shown_header:
            click.echo("")
            click.echo("failures (url: reason):")
            shown_header = True
        for row in rows[:FAILURES_SHOWN]:
            click.echo(f"  {site_id}  {row['url']}: {row['error']}")
        if len(rows) > FAILURES_SHOWN:
            click.echo(f"  {site_id}  … and {len(rows) - FAILURES_SHOWN} more: "
                       f"select * from pages where site_id = '{site_id}' and error is not null")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="parknews")
def main() -> None:
    """parknews: crawl Chinese industrial-park news into a SQLite archive and publish it.

    \b
    Quick start (offline, against bundled mock sites):
      parknews demo
    """


@main.command()
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
@click.option("--progress/--no-progress", default=None,
              help="A progress line per site every few seconds. Default: on when standard "
                   "error is a terminal (then the log shows warnings only), off under cron.")
@click.option("--log-level", default=None,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="Scrapy's log level. Default: INFO, or WARNING with progress lines.")
@click.option("--lock-dir", default=None, type=click.Path(file_okay=False),
              help="Where the per-site lock files are, shared with `parknews schedule` and "
                   "the `parknews cron` lines. Default: '<db name>-locks' beside the db.")
@click.option("--lock/--no-lock", "use_locks", default=True, show_default=True,
              help="Hold each site's lock while crawling it; --no-lock crawls even a site "
                   "another crawl is running.")
def crawl(sites_file, db_path, site_ids, settings, full, progress, log_level, lock_dir,
          use_locks):
    """Crawl the sites of a sites.toml into an archive; run it again to update.

    Each site's lock (<lock dir>/<id>.lock, the one scheduled and cron runs take) is held
    while it is crawled, so a crawl by hand and a scheduled one never crawl one site at
    once. A site another crawl holds is skipped, with a message naming it and that
    crawl's pid; the other sites are crawled.

    \b
    Exit status: 0 done; 1 bad input, or every site crawled failed;
    75 (EX_TEMPFAIL) some site was skipped because another crawl holds it.

    \b
    Example:
      parknews crawl --sites sites.toml --db parknews.db --site sipac
    """
    overrides = parse_set(settings)
    try:
        sites = select_sites(load_sites(sites_file), site_ids)
        from parknews.crawler.alerts import load_targets

        load_targets(sites_file)  # a bad [[alerts]] table is named before any fetch
        open_archive(db_path).close()  # fail now, before any fetch, on a bad path
    except (SitesError, ArchiveError) as exc:
        _fail(str(exc))
    locks: list = []
    skipped: list[str] = []
    if use_locks:  # before Scrapy is imported: a refused site costs a fraction of a second
        locks, skipped = take_site_locks(lock_dir or default_lock_dir(db_path),
                                         [site.id for site in sites])
        atexit.register(release_site_locks, locks)  # also the kernel's job at exit
        sites = [site for site in sites if site.id not in skipped]
        if not sites:
            click.echo(f"parknews: nothing crawled: every site is being crawled by another "
                       f"process (exit status {LOCKED_EXIT})", err=True)
            sys.exit(LOCKED_EXIT)
    from parknews.crawler.runner import run_crawl

    if progress is None:
        progress = sys.stderr.isatty()
    overrides.setdefault("PARKNEWS_PROGRESS", progress)
    overrides.setdefault("LOG_LEVEL", (log_level or ("WARNING" if progress else "INFO")).upper())
    if full:
        overrides.update(PARKNEWS_FULL_PASS=True, PARKNEWS_RECHECK_DAYS=0)
    started = datetime.now(UTC).isoformat(timespec="seconds")  # as pages.fetched_at
    results = run_crawl(sites, db_path, overrides)
    print_summary(results)
    print_failures(db_path, started, [site.id for site in sites])
    try:
        healths = check_health(db_path, sites_file, [site.id for site in sites], alert=True)
    except SitesError as exc:  # a bad [[alerts]] table must not hide the crawl's result
        click.echo(f"alerts not sent: {exc}", err=True)
    else:
        for item in healths:
            if item.status == "unhealthy":
                click.echo(f"unhealthy: {item.site_id}: "
                           + "; ".join(p["message"] for p in item.problems))
    release_site_locks(locks)
    if skipped:
        click.echo(f"skipped, being crawled by another process: {', '.join(skipped)}")
    if results and all(r.pages == r.failures for r in results):
        _fail("every site failed: nothing was fetched")
    if skipped:
        sys.exit(LOCKED_EXIT)


@main.command()
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
    from parknews.crawler.sites import parse_sites

    parts = url.split("://", 1)
    if len(parts) != 2 or parts[0] not in ("http", "https") or not parts[1].strip("/"):
        _fail(f"not an http(s) URL: {url!r}")
    target = Path(save_to) if save_to else None
    existing = ""
    if target is not None:
        if target.exists():
            existing = target.read_text(encoding="utf-8")
        elif not target.parent.is_dir():
            _fail(f"cannot save to {target}: no directory {target.parent}")
    result = run_discover(url, max_pages=max_pages, samples=samples,
                          overrides=parse_set(settings))
    if as_json:
        click.echo(json.dumps(asdict(result), ensure_ascii=False, indent=1))
    else:
        click.echo(format_report(result))
    if not result.found:
        sys.exit(1)
    if target is None:
        return
    table = site_table(result, site_id, name)
    try:
        sites = parse_sites(existing + table, origin=str(target)) if existing.strip() else (
            parse_sites(table, origin=str(target)))
    except SitesError as exc:
        _fail(f"not saved: {exc} (choose another --id?)")
    with target.open("a", encoding="utf-8") as out:
        out.write(table)
    click.echo(f"saved site {sites[-1].id!r} to {target}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--url", default=None, help="The URL the page was served from (for relative links).")
def extract(files, url):
    """Extract the clean article from saved HTML files, one JSON object a line.

    Reads raw bytes and detects the encoding itself. Fields: path, url, title, body,
    published_at (ISO 8601), source (来源), author, and whatever else was found.

    \b
    Example:
      parknews extract page.html --url http://www.example.gov.cn/xwzx/t20220705_1.html
    """
    from parknews.pipelines.extract import extract as extract_article

    failed = 0
    for name in files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            click.echo(f"parknews extract: cannot read {name}: {exc.strerror}", err=True)
            failed += 1
            continue
        article = extract_article(data, url)
        record = {"path": name, **article.to_dict()}
        record["url"] = url or article.url
        click.echo(json.dumps(record, ensure_ascii=False))
    if failed:
        sys.exit(1)


@main.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The archive whose articles are extracted again.")
@click.option("--site", "site_ids", multiple=True, metavar="ID",
              help="Only this site's articles (repeatable). Default: all.")
@click.option("--warc-dir", default=None, type=click.Path(file_okay=False),
              help="Where the WARC files are. Default: '<db name>-warc' beside the db.")
@click.option("--sites", "sites_file", default=None, type=click.Path(dir_okay=False),
              help="A sites.toml whose encoding overrides apply, as in the crawl.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Extraction processes. Default: one per core; 0 or 1: this process.")
def reextract(db_path, site_ids, warc_dir, sites_file, workers):
    """Extract every stored article again from its WARC capture, without the network.

    Updates the rows whose extracted fields differ (in place: an article's version counts
    changes of the published text, not of the extractor) and reports how many changed.
    Damaged or missing WARC records are reported and skipped; the rest is processed.

    \b
    Example:
      parknews reextract --db parknews.db --site sipac
    """
    from sqlite_utils import Database

    from parknews.archive.warc import default_warc_dir
    from parknews.pipelines.reextract import reextract as run_reextract

    if not Path(db_path).is_file():
        _fail(f"no archive at {db_path}")
    try:
        db = open_archive(db_path)  # migrates an older schema first
        encodings = {}
        if sites_file:
            encodings = {s.id: s.encoding for s in load_sites(sites_file) if s.encoding}
    except (SitesError, ArchiveError) as exc:
        _fail(str(exc))
    assert isinstance(db, Database)
    warc_dir = Path(warc_dir) if warc_dir else default_warc_dir(db_path)
    if not warc_dir.is_dir():
        _fail(f"no WARC directory at {warc_dir} (give it with --warc-dir)")

    def progress(done: int, total: int) -> None:
        click.echo(f"  {done}/{total} articles", err=True)

    report = run_reextract(db, warc_dir, site_ids, encodings, progress, workers=workers)
    db.close()
    click.echo(f"{report.articles} articles: {report.changed} changed, "
               f"{report.unchanged} unchanged, {report.no_capture} without a capture, "
               f"{len(report.failed)} failed; {report.seconds:.1f} s, "
               f"{report.articles / max(report.seconds, 1e-9):.1f} articles/s")
    for url, reason in report.failed[:FAILURES_SHOWN]:
        click.echo(f"  {url}: {reason}")
    if len(report.failed) > FAILURES_SHOWN:
        click.echo(f"  … and {len(report.failed) - FAILURES_SHOWN} more (see the log)")


@main.command("search")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The archive to search.")
@click.argument("query")
@click.option("--site", default=None, metavar="ID", help="Only this site's articles.")
@click.option("--park", default=None, help="Only articles of sites of this park (园区).")
@click.option("--from", "date_from", default=None, metavar="YYYY-MM-DD",
              help="Published on or after this date.")
@click.option("--to", "date_to", default=None, metavar="YYYY-MM-DD",
              help="Published on or before this date.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0))
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def search_command(db_path, query, site, park, date_from, date_to, limit, offset, as_json):
    """Search the archive in Chinese, English or both; best matches first.

    Every term must occur (AND); "quoted words" must occur together; a term of Chinese
    characters matches them in a row anywhere (开发区, 氢, 园区招商), a Latin word the
    whole word. Ranked by bm25, a match in the title above one in the source or body;
    of a large result set the newest 500 matches are ranked and older ones follow
    newest first; counts stop at "more than 10000".

    \b
    Example:
      parknews search --db parknews.db "氢能 产业园" --from 2024-01-01
    """
    from parknews.archive.search import search as run_search

    if not Path(db_path).is_file():
        _fail(f"no archive at {db_path}")
    try:
        db = open_archive(db_path)
    except ArchiveError as exc:
        _fail(str(exc))
    hits, total, parsed = run_search(db.conn, query, site=site, park=park,
                                     date_from=date_from, date_to=date_to, limit=limit,
                                     offset=offset)
    db.close()
    if parsed.note:
        click.echo(f"note: {parsed.note}", err=True)
    if parsed.match is None:
        _fail("nothing to search for: the query has no letters, digits or characters")
    if as_json:
        for hit in hits:
            click.echo(json.dumps({"url": hit.url, "site_id": hit.site_id, "title": hit.title,
                                   "published_at": hit.published_at, "source": hit.source,
                                   "rank": hit.rank}, ensure_ascii=False))
        return
    from parknews.archive.search import COUNT_CAP

    count = f"more than {COUNT_CAP}" if total > COUNT_CAP else str(total)
    click.echo(f"{count} articles match; {offset + 1 if hits else 0}-{offset + len(hits)}:")
    for hit in hits:
        date = (hit.published_at or "")[:10]
        click.echo(f"{date:<10}  {hit.site_id:<12} {hit.title or '(无标题)'}")
        click.echo(f"{'':<10}  {hit.url}")


@main.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The archive whose search index is rebuilt.")
@click.option("--fold-traditional/--no-fold-traditional", default=None,
              help="Fold traditional characters to simplified in the index and in queries "
                   "(園區 finds 园区). Default: keep the archive's setting (off at first).")
def reindex(db_path, fold_traditional):
    """Rebuild the Chinese search index from the articles (after an upgrade that changed
    how text is cut, or after a VACUUM, which may renumber rows).

    \b
    Example:
      parknews reindex --db parknews.db
    """
    import time

    from parknews.archive.search import (
        INDEX_VERSION,
        folds_traditional,
        rebuild_index,
        set_fold_traditional,
    )

    if not Path(db_path).is_file():
        _fail(f"no archive at {db_path}")
    try:
        db = open_archive(db_path, check_search_index=False)
    except ArchiveError as exc:
        _fail(str(exc))
    started = time.monotonic()
    click.echo("rebuilding the search index…", err=True)
    with db.conn:
        if fold_traditional is not None:
            set_fold_traditional(db.conn, fold_traditional)
        count = rebuild_index(db.conn)
        folded = folds_traditional(db.conn)
    db.close()
    click.echo(f"indexed {count} articles ({INDEX_VERSION}"
               f"{', traditional folded to simplified' if folded else ''}) in "
               f"{time.monotonic() - started:.1f} s")


def check_health(db_path: str, sites_file: str | None, site_ids: list[str] | None,
                 alert: bool) -> list:
    """Evaluate site health, and alert the sites file's targets about changes."""
    from parknews.archive.health import evaluate, mark_alerted
    from parknews.crawler.alerts import load_targets, send

    targets = load_targets(sites_file) if alert and sites_file else []
    db = open_archive(db_path)
    try:
        results = evaluate(db.conn, site_ids)
        names = dict(db.conn.execute("select id, name from sites"))
        for health in results:
            if not (health.changed and targets):
                continue
            errors = [e for e in (send(t, health, names.get(health.site_id))
                                  for t in targets) if e]
            if len(errors) < len(targets):
                mark_alerted(db.conn, health)
                click.echo(f"alert sent: {health.site_id} is {health.status}", err=True)
            for error in errors:
                click.echo(f"alert for {health.site_id} failed: {error}", err=True)
    finally:
        db.close()
    return results


@main.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The archive whose crawl runs are judged.")
@click.option("--sites", "sites_file", default=None, type=click.Path(dir_okay=False),
              help="A sites file whose [[alerts]] targets are told about changes.")
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="Only these sites.")
@click.option("--alert/--no-alert", default=True, show_default=True,
              help="Send alerts for sites that turned unhealthy or recovered.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def health(db_path, sites_file, site_ids, alert, as_json):
    """Which sites broke: host down, list layout changed (article links per list page
    halved, or none), articles removed (most rechecked ones answer 404/410), empty
    bodies, lost dates, error rate up, no new article for longer than usual. Alerts
    (generic JSON, DingTalk, WeCom, Feishu) go out when a site turns unhealthy or
    recovers, not on every check.

    \b
    Example:
      parknews health --db parknews.db --sites sites.toml
    """
    from dataclasses import asdict

    if not Path(db_path).is_file():
        _fail(f"no archive at {db_path}")
    try:
        results = check_health(db_path, sites_file, list(site_ids) or None, alert)
    except (SitesError, ArchiveError) as exc:
        _fail(str(exc))
    for item in results:
        if as_json:
            click.echo(json.dumps(asdict(item), ensure_ascii=False))
            continue
        click.echo(f"{item.site_id:<16} {item.status:<10} since {item.since or '-'}")
        for problem in item.problems:
            click.echo(f"{'':<16} - {problem['message']}")


@main.command("dedup-report")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The archive to report on.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "html"]), default="html",
              show_default=True, help="html: one standalone readable page.")
@click.option("--site", default=None, metavar="ID",
              help="Only clusters with an article of this site.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Write here instead of standard output.")
def dedup_report(db_path, fmt, site, output):
    """Which article was reposted where, and which came first: repost clusters (the
    original, then each copy with its site, date, lag and similarity) and the site ×
    site repost matrix.

    \b
    Example:
      parknews dedup-report --db parknews.db --format html -o reposts.html
    """
    from parknews.archive.dedup_report import FORMATS

    if not Path(db_path).is_file():
        _fail(f"no archive at {db_path}")
    try:
        db = open_archive(db_path)
    except ArchiveError as exc:
        _fail(str(exc))
    text = FORMATS[fmt](db.conn, site)
    db.close()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def serve_options(db_path, host, port, live, allow_sql, sql_time_limit_ms,
                  max_returned_rows, settings):
    """The ServeOptions of ``parknews serve``'s options (Datasette's settings checked)."""
    from parknews.archive.publish import PublishError, ServeOptions, parse_setting

    overrides = {}
    try:
        for name, value in settings:
            overrides[name] = parse_setting(name, value)
        if sql_time_limit_ms is not None:
            overrides["sql_time_limit_ms"] = sql_time_limit_ms
        if max_returned_rows is not None:
            overrides["max_returned_rows"] = max_returned_rows
        options = ServeOptions(Path(db_path), host=host, port=port, immutable=not live,
                               allow_sql=allow_sql, settings=overrides)
        options.datasette_settings()  # refuses default_allow_sql
    except PublishError as exc:
        raise click.BadParameter(str(exc), param_hint="--setting") from None
    return options


@main.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The archive to publish.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind; 0.0.0.0 exposes it to the network (with a warning).")
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--live", is_flag=True,
              help="Open the archive read-only instead of immutable, for a file that crawls "
                   "still write while it is served.")
@click.option("--allow-sql", is_flag=True,
              help="Let visitors run arbitrary (read-only) SQL. Off: only tables, search "
                   "and the canned queries.")
@click.option("--sql-time-limit-ms", type=click.IntRange(min=1), default=None,
              help="Time limit of each query in milliseconds. Default: 3000.")
@click.option("--max-returned-rows", type=click.IntRange(min=1), default=None,
              help="Most rows a page or JSON answer returns. Default: 1000.")
@click.option("--setting", "settings", multiple=True, type=(str, str),
              metavar="NAME VALUE", help="Any other Datasette setting (repeatable).")
@click.option("--metadata-out", type=click.Path(dir_okay=False), default=None,
              help="Write the Datasette metadata (titles, canned queries, permissions) "
                   "to this file, for plain `datasette` or `datasette publish`.")
@click.option("--dry-run", is_flag=True,
              help="Print the equivalent `datasette serve` command and exit.")
def serve(db_path, host, port, live, allow_sql, sql_time_limit_ms, max_returned_rows,
          settings, metadata_out, dry_run):
    """Publish an archive with Datasette (search, facets, readable articles).

    Safe by default: immutable file, no writes, no arbitrary SQL, queries limited in
    time and rows, bound to 127.0.0.1. See docs/reliability.md, "Publishing safely".

    \b
    Example:
      parknews serve --db parknews.db --port 8001
      parknews serve --db parknews.db --metadata-out metadata.json --dry-run
    """
    if not Path(db_path).is_file():
        _fail(f"no archive at {db_path}: run `parknews crawl --db {db_path}` first")
    from parknews.archive.publish import PublishError, database_name
    from parknews.archive.publish import serve as run_server

    options = serve_options(db_path, host, port, live, allow_sql, sql_time_limit_ms,
                            max_returned_rows, settings)
    if metadata_out:
        Path(metadata_out).write_text(
            json.dumps(options.metadata(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8")
        click.echo(f"wrote {metadata_out}", err=True)
    if options.exposed:
        click.echo(f"parknews serve: warning: binding to {host} exposes the archive to other "
                   "machines; publish it behind a reverse proxy (docs/reliability.md)",
                   err=True)
    if dry_run:
        click.echo(options.shell_command(metadata_out or "metadata.json"))
        return
    mode = "immutable" if options.immutable else "read-only, live"
    sql = "arbitrary SQL allowed" if allow_sql else "arbitrary SQL off"
    click.echo(f"Serving {db_path} ({mode}, {sql}) at "
               f"http://{host}:{port}/{database_name(db_path)}/articles")
    try:
        run_server(db_path, options=options)
    except PublishError as exc:
        _fail(str(exc))


@main.command()
@click.option("--db", "db_path", default="parknews-demo.db", show_default=True,
              type=click.Path(dir_okay=False), help="The demo archive (recreated each run).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette's port.")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="Serve the archive in Datasette after the crawl.")
def demo(db_path, host, port, serve):
    """Crawl the bundled mock park sites into a fresh archive and serve it, all offline.

    Starts seven mock sites on loopback (a TRS government portal, a GBK DedeCMS park
    company site, a DESTOON portal that reposts park news, a Hanweb portal, a provincial
    platform, a WordPress site with a sitemap and an old GB2312 ASP site), crawls each
    from its home page (its news columns found as a real crawl finds them), then serves
    the archive in Datasette until Ctrl-C.

    \b
    Example:
      parknews demo --port 8001
    """
    from parknews.crawler.mocksites import serve_mock_sites, sites_toml
    from parknews.crawler.runner import LOOPBACK_SETTINGS, run_crawl
    from parknews.crawler.sites import parse_sites

    try:
        path = check_db_path(db_path)
    except ArchiveError as exc:
        _fail(str(exc))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with serve_mock_sites() as running:
        text = sites_toml(running, start="home")
        sites_path = path.with_suffix(".sites.toml")
        sites_path.write_text(text, encoding="utf-8")
        for site in running:
            click.echo(f"mock site {site.id:<8} {site.home_url}  ({site.name})")
        results = run_crawl(parse_sites(text, str(sites_path)), path,
                            dict(LOOPBACK_SETTINGS, LOG_LEVEL="WARNING"))
        print_summary(results)
        click.echo(f"\nArchive: {path}  (sites file: {sites_path})")
        if serve:
            from parknews.archive.publish import database_name
            from parknews.archive.publish import serve as run_server

            click.echo(f"Open http://{host}:{port}/{database_name(path)}/articles  (Ctrl-C stops)")
            run_server(path, host=host, port=port)


from parknews.crawler.cli_schedule import cron_command, schedule_command  # noqa: E402

main.add_command(schedule_command)
main.add_command(cron_command)

from parknews.crawler.cli_distributed import (  # noqa: E402
    ingest_command,
    seed_command,
    worker_command,
)

main.add_command(seed_command)
main.add_command(worker_command)
main.add_command(ingest_command)


if __name__ == "__main__":
    main()
