"""``parknews serve`` (an archive published with Datasette, safe by default) and
``parknews demo`` (the bundled mock sites crawled into a fresh archive and served)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import click

from parknews.crawler.cli.common import existing_archive, fail, print_summary


@dataclass(frozen=True)
class ServeArgs:
    """The options of ``parknews serve`` (the names of its click parameters)."""

    db_path: str | Path
    host: str = "127.0.0.1"
    port: int = 8001
    live: bool = False
    allow_sql: bool = False
    sql_time_limit_ms: int | None = None
    max_returned_rows: int | None = None
    settings: tuple[tuple[str, str], ...] = ()
    metadata_out: str | None = None
    dry_run: bool = False
    public_url: str | None = None


def serve_options(args: ServeArgs):
    """The ServeOptions of ``parknews serve``'s options (Datasette's settings checked)."""
    from parknews.archive.publish import (
        PublishError,
        ServeOptions,
        check_public_url,
        parse_setting,
    )

    overrides = {}
    try:
        for name, value in args.settings:
            overrides[name] = parse_setting(name, value)
        if args.sql_time_limit_ms is not None:
            overrides["sql_time_limit_ms"] = args.sql_time_limit_ms
        if args.max_returned_rows is not None:
            overrides["max_returned_rows"] = args.max_returned_rows
        options = ServeOptions(Path(args.db_path), host=args.host, port=args.port,
                               immutable=not args.live, allow_sql=args.allow_sql,
                               settings=overrides)
        options.datasette_settings()  # refuses default_allow_sql
    except PublishError as exc:
        raise click.BadParameter(str(exc), param_hint="--setting") from None
    if args.public_url:
        try:
            public_url = check_public_url(args.public_url)
        except PublishError as exc:
            raise click.BadParameter(str(exc), param_hint="--public-url") from None
        options = replace(options, public_url=public_url)
    return options


def warn_if_exposed(command: str, host: str) -> None:
    """The warning of ``serve`` and ``demo`` when ``host`` lets other machines in."""
    from parknews.archive.publish import is_loopback

    if not is_loopback(host):
        click.echo(f"parknews {command}: warning: binding to {host} exposes the archive to "
                   "other machines; publish it behind a reverse proxy (docs/publishing.md)",
                   err=True)


@click.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The archive to publish.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind; 0.0.0.0 exposes it to the network (with a warning).")
@click.option("--port", default=8001, show_default=True, type=int,
              help="The port Datasette listens on.")
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
@click.option("--public-url", default=None, metavar="URL",
              help="The address visitors use (http(s)://host[:port]): absolute links "
                   "point there, whatever Host header a request carries. Default: the "
                   "address the server listens on.")
def serve(**options):
    """Publish an archive with Datasette (search, facets, readable articles).

    Safe by default: immutable file, no writes, no arbitrary SQL, queries limited in
    time and rows, bound to 127.0.0.1. See docs/publishing.md.

    \b
    Example:
      parknews serve --db parknews.db --port 8001
      parknews serve --db parknews.db --metadata-out metadata.json --dry-run
    """
    run_serve_command(ServeArgs(**options))


def run_serve_command(args: ServeArgs) -> None:
    existing_archive(args.db_path, f": run `parknews crawl --db {args.db_path}` first")
    from parknews.archive.publish import PublishError, database_name
    from parknews.archive.publish import serve as run_server

    options = serve_options(args)
    if args.metadata_out:
        Path(args.metadata_out).write_text(
            json.dumps(options.metadata(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8")
        click.echo(f"wrote {args.metadata_out}", err=True)
    warn_if_exposed("serve", args.host)
    if args.dry_run:
        click.echo(options.shell_command(args.metadata_out or "metadata.json"))
        return
    mode = "immutable" if options.immutable else "read-only, live"
    sql = "arbitrary SQL allowed" if args.allow_sql else "arbitrary SQL off"
    click.echo(f"Serving {args.db_path} ({mode}, {sql}) at "
               f"http://{args.host}:{args.port}/{database_name(args.db_path)}/articles")
    try:
        run_server(args.db_path, options=options)
    except PublishError as exc:
        fail(str(exc))


@click.command()
@click.option("--db", "db_path", default="parknews-demo.db", show_default=True,
              type=click.Path(dir_okay=False), help="The demo archive (recreated each run).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address Datasette listens on (loopback unless you mean otherwise).")
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette's port.")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="Serve the archive in Datasette after the crawl.")
def demo(db_path, host, port, serve):
    """Crawl the bundled mock park sites into a fresh archive and serve it, all offline.

    Starts seven mock sites on loopback (a TRS government portal, a GBK DedeCMS park
    company site, a DESTOON portal that reposts park news, a Hanweb portal, a provincial
    platform, a WordPress site with a sitemap and an old GB2312 ASP site), crawls each
    from its home page (its news columns found as a real crawl finds them), runs the site
    health check, then serves the archive in Datasette until Ctrl-C, opening on the
    search page. Some mock sites break on purpose (dead links, robots.txt rules, a
    redirect loop): the failures the crawl prints are expected.

    \b
    Example:
      parknews demo --port 8001
    """
    from parknews.archive.store import ArchiveError, check_db_path
    from parknews.crawler.mocksites import serve_mock_sites, sites_toml
    from parknews.crawler.runner import LOOPBACK_SETTINGS, run_crawl
    from parknews.crawler.sites import parse_sites

    if serve:
        warn_if_exposed("demo", host)
    try:
        path = check_db_path(db_path)
    except ArchiveError as exc:
        fail(str(exc))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with serve_mock_sites() as running:
        text = sites_toml(running, start="home")
        sites_path = path.with_suffix(".sites.toml")
        sites_path.write_text(text, encoding="utf-8")
        for site in running:
            click.echo(f"mock site {site.id:<8} {site.home_url}  ({site.name})")
        breakage = deliberate_breakage(running)
        if breakage:
            click.echo("\nSome mock sites break on purpose, as real sites do (a crawl from "
                       "the home page meets some of these, not all): the failures and "
                       "warnings the crawl prints for them are expected.")
            for line in breakage:
                click.echo(f"  {line}")
        results = run_crawl(parse_sites(text, str(sites_path)), path,
                            dict(LOOPBACK_SETTINGS, LOG_LEVEL="WARNING"))
        print_summary(results)
    click.echo("\nSite health (parknews health):")
    print_health(path)
    click.echo(f"\nArchive: {path}  (sites file: {sites_path})")
    search_url = f"http://{host}:{port}/-/search"
    if not serve:
        click.echo(f"Serve it with `parknews serve --db {path} --port {port}` and open "
                   f"{search_url}")
        return
    from parknews.archive.publish import serve as run_server

    click.echo(f"Open {search_url}  (Ctrl-C stops)")
    run_server(path, host=host, port=port)


def deliberate_breakage(running) -> list[str]:
    """A line per mock site that breaks on purpose: which of its links fail and why."""
    lines = []
    for site in running:
        parts = []
        statuses = sorted(site.failing_urls.values())
        for status in sorted(set(statuses)):
            count = statuses.count(status)
            parts.append(f"{count} link{'s' if count > 1 else ''} answering {status}")
        if site.disallowed_urls:
            count = len(site.disallowed_urls)
            parts.append(f"{count} link{'s' if count > 1 else ''} robots.txt disallows "
                         "(skipped, not a failure)")
        if site.redirect_loop_urls:
            parts.append("a redirect loop")
        if site.trap_prefix:
            parts.append("an endless calendar")
        if parts:
            lines.append(f"{site.id:<10} " + ", ".join(parts))
    return lines


def print_health(path: Path) -> None:
    """Each site's health after the crawl (no alerts sent: the demo has no sites file
    targets)."""
    from parknews.crawler.cli.common import check_health

    for item in check_health(str(path), (), None, alert=False):
        click.echo(f"  {item.site_id:<10} {item.status}")
        for problem in item.problems:
            click.echo(f"  {'':<10} - {problem['message']}")


COMMANDS = (serve, demo)
