"""Datasette plugin of parknews: article bodies shown as readable paragraphs.

Registered through the ``datasette`` entry point in pyproject.toml, so any Datasette that
has parknews installed (``parknews serve`` or plain ``datasette``) uses it. Bodies are
escaped text, never markup: archived HTML and script stay inert. On databases holding the
Chinese search index (archive/search.py) it makes the table search box and ``?_search=``
cut queries into bigrams, and it serves the search page ``/-/search``.

A published archive is read-only: every write action is denied (to root too), the write
API's URLs answer 403, and the plugin's own pages run under ``sql_time_limit_ms``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import markupsafe
from datasette import hookimpl
from datasette.utils import sqlite_timelimit, tilde_encode
from datasette.utils.asgi import Response

from parknews.archive import search

CSS_PATH = "/-/parknews.css"
CSS = (Path(__file__).parent / "static" / "parknews.css").read_text(encoding="utf-8")

# (table, column) pairs whose text is shown as paragraphs.
PARAGRAPH_COLUMNS = frozenset({("articles", "body"), ("articles", "summary")})


def paragraphs_html(text: str) -> markupsafe.Markup:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    inner = markupsafe.Markup("").join(
        markupsafe.Markup("<p>{}</p>").format(line) for line in lines
    )
    return markupsafe.Markup('<div class="pn-text">{}</div>').format(inner)


@hookimpl
def render_cell(value, column, table):
    if (table, column) in PARAGRAPH_COLUMNS and isinstance(value, str) and value.strip():
        return paragraphs_html(value)
    return None


@hookimpl
def extra_css_urls():
    return [CSS_PATH]


async def _css(request):
    return Response(CSS, content_type="text/css; charset=utf-8")


# ------------------------------------------------------------------ read-only

# Datasette's write actions (the JSON write API and table changes of Datasette 1.0, which
# older versions do not have): never allowed on an archive, whoever asks.
WRITE_ACTIONS = frozenset({"insert-row", "upsert-row", "update-row", "delete-row",
                           "create-table", "alter-table", "drop-table", "execute-write"})

# The write API's URLs: /db/table/-/insert|upsert|drop|alter, /db/table/pk/-/update|delete,
# /db/-/create, /-/create-token. Answered here, before Datasette routes them.
WRITE_URLS = (r"^/[^/]+/[^/]+/-/(?:insert|upsert|drop|alter)$|"
              r"^/[^/]+/[^/]+/[^/]+/-/(?:update|delete)$|^/[^/]+/-/create$|"
              r"^/-/create-token$")


@hookimpl
def permission_allowed(action):
    """Deny writes. Called after Datasette's own checks, so this answer wins."""
    if action in WRITE_ACTIONS:
        return False
    return None


async def refuse_write(request):
    return Response.json({"ok": False, "errors": ["这个档案是只读的。 This archive is "
                                                  "read-only: writes are refused."]},
                         status=403)


@hookimpl
def register_routes():
    return [(r"^/-/parknews\.css$", _css), (r"^/-/search$", search_page),
            (r"^/-/health$", health_page), (WRITE_URLS, refuse_write)]


def _time_limit(datasette) -> int:
    return datasette.setting("sql_time_limit_ms")


def _too_slow(datasette) -> Response:
    return Response.html(
        "<p>查询超时。 The query took longer than the time limit "
        f"(sql_time_limit_ms = {_time_limit(datasette)} ms): try fewer or longer words, "
        "or a site or date filter.</p>", status=400)


# ------------------------------------------------------------------ Chinese search

def _has_index(conn) -> bool:
    return search.index_version(conn) is not None


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    """On databases holding the bigram index: its SQL functions, and an ``escape_fts``
    that cuts a query as the index was cut (Datasette's own quotes whole words, which
    finds nothing in Chinese). Runs last so that it replaces Datasette's."""
    if not _has_index(conn):
        return
    search.register_functions(conn)
    fold = search.folds_traditional(conn)
    conn.create_function("escape_fts", 1, lambda query: search.match_expression(query, fold),
                         deterministic=True)


@hookimpl
def extra_template_vars(datasette):
    return {"parknews_search_url": datasette.urls.path("/-/search")}


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path("/-/search"), "label": "全文搜索 Search"},
            {"href": datasette.urls.path("/-/health"), "label": "站点健康 Site health"}]


CHART_RUNS = 30  # runs drawn per site
BAR_WIDTH, CHART_HEIGHT = 8, 40


def _bars(values: list[int]) -> markupsafe.Markup:
    """An inline SVG bar chart of new articles per run, oldest left."""
    top = max(values + [1])
    bars = []
    for number, value in enumerate(values):
        height = max(1, round(value / top * (CHART_HEIGHT - 2))) if value else 1
        bars.append(markupsafe.Markup(
            '<rect x="{}" y="{}" width="{}" height="{}" class="{}"><title>{}</title></rect>'
        ).format(number * BAR_WIDTH, CHART_HEIGHT - height, BAR_WIDTH - 1, height,
                 "pn-bar" if value else "pn-bar pn-zero", value))
    width = max(1, len(values)) * BAR_WIDTH
    return markupsafe.Markup(
        '<svg width="{}" height="{}" role="img" aria-label="new articles per run">{}</svg>'
    ).format(width, CHART_HEIGHT, markupsafe.Markup("").join(bars))


async def health_page(request, datasette):
    """站点健康: each site's state and a chart of new articles per run."""
    db = _search_database(datasette, request.args.get("db"))
    if db is None:
        return Response.html("<p>没有数据库 No database.</p>", status=404)

    def read(conn):
        tables = {row[0] for row in conn.execute(
            "select name from sqlite_master where type = 'table'")}
        if "crawl_runs" not in tables:
            return []
        sites = conn.execute(
            "select s.id, s.name, h.status, h.since, h.problems from sites s "
            "left join site_health h on h.site_id = s.id order by s.id").fetchall()
        rows = []
        for site_id, name, status, since, problems in sites:
            runs = conn.execute(
                "select articles_new from (select started_at, articles_new from crawl_runs "
                "where site_id = ? order by started_at desc limit ?) order by started_at",
                [site_id, CHART_RUNS]).fetchall()
            rows.append({"id": site_id, "name": name, "status": status or "unknown",
                         "since": since, "problems": json.loads(problems or "[]"),
                         "chart": _bars([r[0] or 0 for r in runs]), "runs": len(runs)})
        return rows

    def limited(conn):
        with sqlite_timelimit(conn, _time_limit(datasette)):
            return read(conn)

    try:
        rows = await db.execute_fn(limited)
    except sqlite3.OperationalError as exc:
        if "interrupted" not in str(exc):
            raise
        return _too_slow(datasette)
    return Response.html(await datasette.render_template(
        "parknews_health.html", {"sites": rows, "database": db.name}, request=request))


PAGE_SIZE = 20


def _search_database(datasette, name: str | None):
    names = [name] if name else list(datasette.databases)
    for candidate in names:
        db = datasette.databases.get(candidate)
        if db is not None and not db.is_memory:
            return db
    return None


async def search_page(request, datasette):
    """全文搜索: ranked, highlighted results with filters by site, park and dates."""
    args = request.args
    db = _search_database(datasette, args.get("db"))
    if db is None:
        return Response.html("<p>没有可搜索的数据库 No database to search.</p>", status=404)
    query = (args.get("q") or "").strip()
    site, park = args.get("site") or None, args.get("park") or None
    date_from, date_to = args.get("from") or None, args.get("to") or None
    try:
        page = max(1, int(args.get("page") or 1))
    except ValueError:
        page = 1

    def run(conn):
        if not _has_index(conn):
            return None
        sites = conn.execute("select id, name, park from sites order by id").fetchall()
        hits, total, parsed = search.search(
            conn, query, site=site, park=park, date_from=date_from, date_to=date_to,
            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        return sites, hits, total, parsed

    def limited(conn):
        with sqlite_timelimit(conn, _time_limit(datasette)):
            return run(conn)

    try:
        result = await db.execute_fn(limited)
    except sqlite3.OperationalError as exc:
        if "interrupted" not in str(exc):
            raise
        return _too_slow(datasette)
    if result is None:
        return Response.html("<p>这个数据库没有搜索索引，请运行 parknews reindex。"
                             " This database has no search index: run parknews reindex.</p>",
                             status=404)
    sites, hits, total, parsed = result
    for hit in hits:
        hit.row_url = datasette.urls.row(db.name, "articles", tilde_encode(hit.url))
    pages = max(1, -(-total // PAGE_SIZE))
    keep = {k: v for k, v in {"q": query, "site": site, "park": park, "from": date_from,
                              "to": date_to, "db": args.get("db")}.items() if v}
    return Response.html(await datasette.render_template(
        "parknews_search.html",
        {
            "query": query, "site": site, "park": park, "date_from": date_from,
            "date_to": date_to, "sites": sites,
            "parks": sorted({row[2] for row in sites if row[2]}),
            "hits": hits, "total": total, "note": parsed.note, "searched": bool(parsed.match),
            "more_than": search.COUNT_CAP if total > search.COUNT_CAP else None,
            "ranked": search.RANK_WINDOW,
            "page": page, "pages": pages, "database": db.name,
            "prev_url": "?" + urlencode({**keep, "page": page - 1}) if page > 1 else None,
            "next_url": "?" + urlencode({**keep, "page": page + 1}) if page < pages else None,
        },
        request=request,
    ))
