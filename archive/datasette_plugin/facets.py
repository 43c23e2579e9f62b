"""The articles table's facets (site, park, 来源, month) and the two filters they add
(``_park=``, ``_month=``), fast at a million articles.

A facet of the whole table, or of a site, a park, a month or a 来源, is summed from the
archive's article counts (``archive/counts.py``: by site and month, by site and 来源; a few
thousand rows) instead of counted from ``articles``; only what those counts cannot answer
(a search, another filter, the 来源 of one month, the months of one 来源) is counted from
the articles themselves, under ``facet_time_limit_ms`` as Datasette's own facets are.
"""

from __future__ import annotations

import re

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import path_with_added_args, path_with_removed_args

from parknews.archive import counts

FACET_TYPE = "parknews"
# dimension -> (request argument that filters by it, label)
DIMENSIONS = {
    "site": ("site_id", "站点 Site"),
    "park": ("_park", "园区 Park"),
    "source": ("source", "来源 Source"),
    "month": ("_month", "月份 Month"),
}
MONTH = re.compile(r"^\d{4}-\d{2}$")

# Arguments that do not change which articles are counted.
NEUTRAL_ARGS = frozenset({
    "_sort", "_sort_desc", "_next", "_size", "_facet_size", "_labels", "_label", "_raw",
    "_nocount", "_nofacet", "_nosuggest", "_col", "_nocol", "_trace", "_timelimit",
    "_context", "_shape", "_extra", "_json", "_nl", "_facet", "_dl", "_ttl", "_stream"})


def month_range(month: str) -> tuple[str, str]:
    """``published_at`` bounds of a month (``2024-05``): every value starting so."""
    return month, month + "\uffff"


def _single(request, name: str) -> str | None:
    values = request.args.getlist(name)
    if len(set(values)) != 1 or not values[0]:
        return None
    return values[0]


def counted_filters(request) -> dict[str, str] | None:
    """The request's filters when the article counts can answer for them (site, park,
    month, 来源, each at most one value), else None."""
    found = {}
    for key in request.args:
        if key in NEUTRAL_ARGS or key.startswith("_facet"):
            continue
        dimension = {"site_id": "site", "site_id__exact": "site", "_park": "park",
                     "source": "source", "source__exact": "source", "_month": "month"}.get(key)
        value = _single(request, key)
        if dimension is None or value is None or dimension in found:
            return None
        if dimension == "month" and not MONTH.match(value):
            return None
        found[dimension] = value
    return found


# A filter on the count tables (``r``: one of them), by the filter's name.
COUNT_FILTERS = {
    "site": "r.site_id = :site",
    "park": "r.site_id in (select id from sites where park = :park)",
    "month": "r.month = :month",
    "source": "r.source = :source",
}


def _counts_query(dimension: str, filters: dict[str, str], limit: int
                  ) -> tuple[str, dict] | None:
    """SQL over the article counts for one facet under ``filters``, or None when the
    counts cannot answer it (a 来源 and a month together, the 来源 of a month, the months
    of a 来源)."""
    by_month = "month" in filters or dimension == "month"
    by_source = "source" in filters or dimension == "source"
    if by_month and by_source:
        return None
    table = counts.BY_SOURCE if by_source else counts.BY_MONTH
    where = ["r.n > 0"] + [clause for name, clause in COUNT_FILTERS.items()
                           if name in filters]
    params = {name: filters[name] for name in COUNT_FILTERS if name in filters}
    if dimension == "site":
        select, join, order = "r.site_id", "", "count desc, value"
    elif dimension == "park":
        select, join, order = "s.park", " join sites s on s.id = r.site_id", "count desc, value"
        where.append("s.park is not null and s.park != ''")
    elif dimension == "source":
        select, join, order = "r.source", "", "count desc, value"
        where.append("r.source != ''")
    else:
        select, join, order = "r.month", "", "value desc"
        where.append("r.month != ''")
    sql = (f"select {select} as value, sum(r.n) as count from {table} r{join} "
           f"where {' and '.join(where)} group by {select} order by {order} limit {limit}")
    return sql, params


def _articles_query(dimension: str, sql: str, limit: int) -> str:
    """SQL counting one facet from the articles the page shows (``sql``)."""
    if dimension == "site":
        return (f"select site_id as value, count(*) as count from ({sql}) "
                f"where site_id is not null group by site_id order by count desc, value "
                f"limit {limit}")
    if dimension == "park":
        return (f"select s.park as value, count(*) as count from ({sql}) t "
                f"join sites s on s.id = t.site_id where s.park is not null and s.park != '' "
                f"group by s.park order by count desc, value limit {limit}")
    if dimension == "source":
        return (f"select source as value, count(*) as count from ({sql}) "
                f"where source is not null and source != '' group by source "
                f"order by count desc, value limit {limit}")
    return (f"select substr(published_at, 1, 7) as value, count(*) as count from ({sql}) "
            f"where published_at is not null and published_at != '' group by value "
            f"order by value desc limit {limit}")


class ArticleFacet(Facet):
    """``{"parknews": "site" | "park" | "source" | "month"}`` in a table's facets."""

    type = FACET_TYPE

    async def suggest(self):
        return []

    async def facet_results(self):
        results, timed_out = [], []
        configs = [c["config"].get("simple") for c in self.get_configs()]
        dimensions = [d for d in configs if d in DIMENSIONS]
        if not dimensions:
            return results, timed_out
        db = self.ds.get_database(self.database)
        filters = counted_filters(self.request)
        use_counts = filters is not None and await db.execute_fn(counts.present)
        size = self.get_facet_size()
        labels = {}
        for dimension in dimensions:
            counted = _counts_query(dimension, filters, size + 1) if use_counts else None
            try:
                if counted is not None:
                    rows = (await self.ds.execute(self.database, counted[0], counted[1],
                                                  truncate=False)).rows
                else:
                    rows = (await self.ds.execute(
                        self.database, _articles_query(dimension, self.sql, size + 1),
                        self.params, truncate=False,
                        custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows
            except QueryInterrupted:
                timed_out.append(dimension)
                continue
            if dimension == "site" and rows and not labels:
                labels = await self._site_names([row["value"] for row in rows])
            results.append(self._info(dimension, rows[:size], len(rows) > size, labels))
        return results, timed_out

    async def _site_names(self, ids: list[str]) -> dict[str, str]:
        rows = await self.ds.execute(
            self.database, "select id, name from sites where id in "
            "(select value from json_each(:ids))", {"ids": _json(ids)})
        return {row["id"]: row["name"] for row in rows}

    def _info(self, dimension: str, rows, truncated: bool, labels: dict) -> dict:
        argument, label = DIMENSIONS[dimension]
        chosen = self.request.args.get(argument)
        values = []
        for row in rows:
            value = str(row["value"])
            selected = chosen == value
            if selected:
                path = path_with_removed_args(self.request, {argument: value})
            else:
                path = path_with_added_args(self.request, {argument: value, "_next": None})
            values.append({
                "value": value,
                "label": labels.get(value, value) if dimension == "site" else value,
                "count": row["count"],
                "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                "selected": selected,
            })
        return {"name": dimension, "label": label, "type": self.type, "hideable": False,
                "toggle_url": "", "results": values, "truncated": truncated}


def _json(values: list) -> str:
    import json

    return json.dumps(values, ensure_ascii=False)


def extra_filters(request) -> tuple[list[str], dict, list[str]]:
    """The where clauses, parameters and descriptions of ``_park=`` and ``_month=``."""
    where, params, described = [], {}, []
    park = request.args.get("_park")
    if park:
        where.append("site_id in (select id from sites where park = :parknews_park)")
        params["parknews_park"] = park
        described.append(f'园区 park is "{park}"')
    month = request.args.get("_month")
    if month:
        if MONTH.match(month):
            low, high = month_range(month)
            where.append("published_at >= :parknews_month and published_at < :parknews_month_end")
            params.update(parknews_month=low, parknews_month_end=high)
            described.append(f"月份 month is {month}")
        else:
            where.append("0")
            described.append(f"月份 month {month!r} is not YYYY-MM")
    return where, params, described
