"""``parknews extract`` (the article of saved HTML files) and ``parknews reextract``
(every stored article extracted again from its WARC capture)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from parknews.crawler.cli.common import FAILURES_SHOWN, fail, open_existing_archive
from parknews.crawler.sites import SitesError, load_sites


@click.command()
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


@click.command()
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
    from parknews.archive.warc import default_warc_dir
    from parknews.pipelines.reextract import reextract as run_reextract

    db = open_existing_archive(db_path)  # migrates an older schema first
    try:
        encodings = {s.id: s.encoding for s in load_sites(sites_file) if s.encoding} if (
            sites_file) else {}
    except SitesError as exc:
        fail(str(exc))
    warc_dir = Path(warc_dir) if warc_dir else default_warc_dir(db_path)
    if not warc_dir.is_dir():
        fail(f"no WARC directory at {warc_dir} (give it with --warc-dir)")

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


COMMANDS = (extract, reextract)
