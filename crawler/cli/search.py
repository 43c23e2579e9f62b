"""``parknews search`` (the archive searched in Chinese, English or both) and
``parknews reindex`` (its search index rebuilt)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import click

from parknews.crawler.cli.common import DATE, fail, open_archive_read_only, open_existing_archive


@dataclass(frozen=True)
class SearchArgs:
    """The options of ``parknews search`` (the names of its click parameters)."""

    db_path: str
    query: str
    site: str | None = None
    park: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    limit: int = 20
    offset: int = 0
    as_json: bool = False


@click.command("search")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The archive to search.")
@click.argument("query")
@click.option("--site", default=None, metavar="ID", help="Only this site's articles.")
@click.option("--park", default=None, help="Only articles of sites of this park (园区).")
@click.option("--from", "date_from", default=None, metavar="YYYY-MM-DD", type=DATE,
              help="Published on or after this date (a month YYYY-MM or a year YYYY: from "
                   "its start; 2024/05/01 and 2024年5月1日 are read as 2024-05-01).")
@click.option("--to", "date_to", default=None, metavar="YYYY-MM-DD", type=DATE,
              help="Published on or before this date (a month or a year: to its end).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="Results shown.")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0),
              help="Results skipped first (the next page: --offset 20).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def search_command(**options):
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
    run_search_command(SearchArgs(**options))


def run_search_command(args: SearchArgs) -> None:
    from parknews.archive.search import COUNT_CAP
    from parknews.archive.search import search as run_search

    if args.date_from and args.date_to and args.date_from[:len(args.date_to)] > args.date_to:
        raise click.BadParameter(f"--from {args.date_from} is after --to {args.date_to}",
                                 param_hint="--from")
    db = open_archive_read_only(args.db_path)
    hits, total, parsed = run_search(db.conn, args.query, site=args.site, park=args.park,
                                     date_from=args.date_from, date_to=args.date_to,
                                     limit=args.limit, offset=args.offset)
    db.close()
    if parsed.note:
        click.echo(f"note: {parsed.note}", err=True)
    if parsed.match is None:
        fail("nothing to search for: the query has no letters, digits or characters")
    if args.as_json:
        for hit in hits:
            click.echo(json.dumps({"url": hit.url, "site_id": hit.site_id, "title": hit.title,
                                   "published_at": hit.published_at, "source": hit.source,
                                   "rank": hit.rank}, ensure_ascii=False))
        return
    count = f"more than {COUNT_CAP}" if total > COUNT_CAP else str(total)
    click.echo(f"{count} articles match; {args.offset + 1 if hits else 0}-"
               f"{args.offset + len(hits)}:")
    for hit in hits:
        date = (hit.published_at or "")[:10]
        click.echo(f"{date:<10}  {hit.site_id:<12} {hit.title or '(无标题)'}")
        click.echo(f"{'':<10}  {hit.url}")


@click.command()
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
    from parknews.archive.search import (
        INDEX_VERSION,
        folds_traditional,
        rebuild_index,
        set_fold_traditional,
    )

    db = open_existing_archive(db_path, check_search_index=False)
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


COMMANDS = (search_command, reindex)
