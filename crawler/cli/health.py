"""``parknews health`` (which sites broke, with alerts) and ``parknews dedup-report``
(which article was reposted where)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from parknews.crawler.cli.common import check_health, existing_archive, fail, open_archive_read_only
from parknews.crawler.sites import SitesError, load_sites_file


@click.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The archive whose crawl runs are judged.")
@click.option("--sites", "sites_file", default=None, type=click.Path(dir_okay=False),
              help="A sites file whose [[alerts]] targets are told about changes, and "
                   "whose timezone the times are shown in.")
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="Only these sites.")
@click.option("--alert/--no-alert", default=True, show_default=True,
              help="Send alerts for sites that turned unhealthy or recovered.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def health(db_path, sites_file, site_ids, alert, as_json):
    """Which sites broke: host down, list layout changed (article links per list page
    halved, or none), articles removed (most rechecked ones answer 404/410), empty
    bodies, lost dates, articles stored as empty page shells, error rate up, no new
    article for longer than usual. Alerts (generic JSON, DingTalk and Feishu signed
    with their secret, WeCom, e-mail and more through apprise URLs) go out when a site
    turns unhealthy or recovers, not on every check. Times are shown in the sites
    file's `timezone` (Asia/Shanghai without --sites).

    \b
    Example:
      parknews health --db parknews.db --sites sites.toml
    """
    from dataclasses import asdict

    from parknews.archive.store import ArchiveError

    existing_archive(db_path)
    try:
        loaded = load_sites_file(sites_file) if sites_file else None
        results = check_health(db_path, loaded.alerts if loaded else (),
                               list(site_ids) or None, alert, loaded and loaded.zone)
    except (SitesError, ArchiveError) as exc:
        fail(str(exc))
    for item in results:
        if as_json:
            click.echo(json.dumps(asdict(item), ensure_ascii=False))
            continue
        click.echo(f"{item.site_id:<16} {item.status:<10} since {item.since or '-'}")
        for problem in item.problems:
            click.echo(f"{'':<16} - {problem['message']}")


@click.command("dedup-report")
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

    db = open_archive_read_only(db_path, check_search_index=False)
    text = FORMATS[fmt](db.conn, site)
    db.close()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


COMMANDS = (health, dedup_report)
