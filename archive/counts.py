"""Article counts by site and month and by site and 来源, kept in step by triggers.

The published archive's table page shows facets (site, park, 来源, month) over every
article. Counting them from ``articles`` reads the whole of an index per facet: at a
million articles about a second for the months alone. These two small tables hold the
same counts (one row per site and month, one per site and 来源: tens of thousands of rows
at a million articles), kept exact by triggers on ``articles`` (plain SQL: any writer
keeps them, the ``sqlite3`` shell too), so a facet of the whole table, of a site, a park,
a month or a 来源 is a sum over a few thousand rows (``datasette_plugin.facets``).

``month`` is the first seven characters of ``published_at`` (``2024-05``), ``''`` for an
undated article; ``source`` is ``''`` for an article without a 来源. Rows whose count
falls to zero are deleted.
"""

from __future__ import annotations

import sqlite3

BY_MONTH = "article_counts_by_month"
BY_SOURCE = "article_counts_by_source"

MONTH_OF = "coalesce(substr({row}.published_at, 1, 7), '')"
SOURCE_OF = "coalesce({row}.source, '')"

TABLES = f"""
create table if not exists {BY_MONTH} (
  site_id text not null,
  month text not null,
  n integer not null,
  primary key (site_id, month)
) without rowid;
create table if not exists {BY_SOURCE} (
  site_id text not null,
  source text not null,
  n integer not null,
  primary key (site_id, source)
) without rowid;
create index if not exists {BY_MONTH}_month on {BY_MONTH}(month);
create index if not exists {BY_SOURCE}_source on {BY_SOURCE}(source)
"""


def _add(row: str) -> str:
    return (f"insert into {BY_MONTH}(site_id, month, n) values ({row}.site_id, "
            f"{MONTH_OF.format(row=row)}, 1) on conflict(site_id, month) do update set n = n + 1;\n"
            f"insert into {BY_SOURCE}(site_id, source, n) values ({row}.site_id, "
            f"{SOURCE_OF.format(row=row)}, 1) on conflict(site_id, source) do update "
            f"set n = n + 1;")


def _remove(row: str) -> str:
    month, source = MONTH_OF.format(row=row), SOURCE_OF.format(row=row)
    return (f"update {BY_MONTH} set n = n - 1 where site_id = {row}.site_id and month = {month};\n"
            f"delete from {BY_MONTH} where site_id = {row}.site_id and month = {month} "
            f"and n <= 0;\n"
            f"update {BY_SOURCE} set n = n - 1 where site_id = {row}.site_id "
            f"and source = {source};\n"
            f"delete from {BY_SOURCE} where site_id = {row}.site_id and source = {source} "
            f"and n <= 0;")


TRIGGERS = {
    "article_counts_insert": f"""
        create trigger if not exists article_counts_insert after insert on articles begin
          {_add("new")}
        end""",
    "article_counts_delete": f"""
        create trigger if not exists article_counts_delete after delete on articles begin
          {_remove("old")}
        end""",
    "article_counts_update": f"""
        create trigger if not exists article_counts_update
        after update of site_id, published_at, source on articles begin
          {_remove("old")}
          {_add("new")}
        end""",
}


def create(conn: sqlite3.Connection) -> None:
    """The two tables and their triggers, filled from the articles already stored."""
    for statement in TABLES.split(";"):  # not executescript: it would commit
        if statement.strip():
            conn.execute(statement)
    for sql in TRIGGERS.values():
        conn.execute(sql)
    refill(conn)


def refill(conn: sqlite3.Connection) -> None:
    """Count again from ``articles`` (the triggers keep the counts; this is for repair)."""
    conn.execute(f"delete from {BY_MONTH}")
    conn.execute(f"delete from {BY_SOURCE}")
    conn.execute(f"insert into {BY_MONTH}(site_id, month, n) select site_id, "
                 f"{MONTH_OF.format(row='a')}, count(*) from articles a group by 1, 2")
    conn.execute(f"insert into {BY_SOURCE}(site_id, source, n) select site_id, "
                 f"{SOURCE_OF.format(row='a')}, count(*) from articles a group by 1, 2")


def present(conn: sqlite3.Connection) -> bool:
    """Whether this archive keeps the counts (archives from before the migration do not)."""
    names = {row[0] for row in conn.execute(
        "select name from sqlite_master where type = 'table' and name in (?, ?)",
        [BY_MONTH, BY_SOURCE])}
    return names == {BY_MONTH, BY_SOURCE}
