"""Datasette plugin of parknews: the archive as something to read.

Registered through the ``datasette`` entry point in pyproject.toml, so any Datasette that
has parknews installed (``parknews serve`` or plain ``datasette``) uses it. On every
database that is a parknews archive it gives an article page (row template of
``articles``: title, one meta line, the body at a readable measure, images and
attachments, links to the original, its capture and earlier versions, and the other
members of its repost cluster), an articles table of titles (``_table.html``), the facets
site, park, 来源 and month summed from the archive's counts (``facets``), dates in China
time, the search page ``/-/search`` (a reposted story one result: ``grouping``),
``/-/health`` and ``/-/capture`` (an article's WARC record as inert text). On databases
holding the Chinese search index (archive/search.py) the plugin names the index to
Datasette (``get_metadata``: plain ``datasette archive.db`` finds it too), and the table
search box and ``?_search=`` cut queries into bigrams as the index was cut; on an archive
without the index ``?_search=`` shows no rows and says why.

Bodies and every other value are escaped text, never markup: archived HTML and script
stay inert.

A published archive is read-only: every write action is denied (to root too), the write
API's URLs answer 403, and the plugin's own pages run under ``sql_time_limit_ms`` and
check Datasette's view permissions for the tables they read. Every request passes the
bounds of ``bounds`` (an ASGI wrapper: query size, list filters, rows per page, bytes per
answer, one request at a time per visitor) and every answer carries its security headers;
``/-/databases`` names files, not the server's paths.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import markupsafe
from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import sqlite_timelimit, tilde_encode, urlsafe_components
from datasette.utils.asgi import Response

from parknews.archive import search
from parknews.archive.datasette_plugin import article as article_page
from parknews.archive.datasette_plugin import bounds, capture, facets, grouping, reading

CSS_PATH = "/-/parknews.css"
CSS = (Path(__file__).parent / "static" / "parknews.css").read_text(encoding="utf-8")

# (table, column) pairs whose text is shown as paragraphs.
PARAGRAPH_COLUMNS = frozenset({("articles", "body"), ("articles", "summary")})


paragraphs_html = reading.paragraphs_html


# ------------------------------------------------------------------ which databases

@dataclass(frozen=True)
class Archive:
    """What the plugin knows of a database that is a parknews archive."""

    searchable: bool  # holds the Chinese search index


def _describe(conn: sqlite3.Connection) -> Archive | None:
    tables = {row[0] for row in conn.execute(
        "select name from sqlite_master where type = 'table'")}
    if not {"articles", "sites"} <= tables:
        return None
    columns = {row[1] for row in conn.execute("pragma table_info(articles)")}
    if not {"url", "site_id", "title", "body", "published_at"} <= columns:
        return None
    return Archive(searchable=_has_index(conn))


def archive_of(datasette, name: str | None) -> Archive | None:
    """The Archive a database is, or None (not an archive, or no such database). Read
    once per database file and remembered."""
    if not name:
        return None
    db = datasette.databases.get(name)
    if db is None or db.is_memory or not db.path:
        return None
    known = datasette.__dict__.setdefault("_parknews_archives", {})
    key = (name, str(db.path))
    if key not in known:
        try:
            conn = db.connect()
            try:
                known[key] = _describe(conn)
            finally:
                conn.close()
        except sqlite3.Error:
            known[key] = None
    return known[key]


# ------------------------------------------------------------------ cells

@hookimpl
def render_cell(value, column, table, database, datasette):
    if (table, column) in PARAGRAPH_COLUMNS and isinstance(value, str) and value.strip():
        # whole on the row page; cut as Datasette cuts other cells everywhere else
        limit = datasette.setting("truncate_cells_html")
        if limit and len(value) > limit and not bounds.is_row_page(bounds.CURRENT_PATH.get()):
            value = value[:limit] + "\u2026"
        return paragraphs_html(value)
    if column in reading.TIME_COLUMNS and isinstance(value, str) and \
            archive_of(datasette, database):
        return reading.time_html(value, column)
    return None


@hookimpl
def asgi_wrapper(datasette):
    """Request bounds, the response size cap and security headers (bounds.py)."""
    return lambda app: bounds.wrap(app, datasette)


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
            (r"^/-/health$", health_page), (r"^/-/capture$", capture_page),
            (r"^/-/databases(?P<as_json>\.json)?$", databases_page),
            (WRITE_URLS, refuse_write)]


async def databases_page(request, datasette):
    """Datasette's /-/databases with each file's name only, not the server's path."""
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    data = [{"name": db.name, "route": db.route,
             "path": Path(db.path).name if db.path else None, "size": db.size,
             "is_mutable": db.is_mutable, "is_memory": db.is_memory, "hash": db.hash}
            for name, db in datasette.databases.items() if name != "_internal"]
    if request.url_vars.get("as_json"):
        return Response.json(data)
    return Response.html(await datasette.render_template("show_json.html", {
        "filename": "databases.json", "data_json": json.dumps(data, indent=4)},
        request=request))


async def _ensure_view(datasette, request, database: str, tables=("articles",)) -> None:
    """Datasette's view checks for a page that reads ``tables`` of ``database``: 403
    (datasette.Forbidden) when the operator denies any of them."""
    for table in tables:
        await datasette.ensure_permissions(request.actor, [
            ("view-table", (database, table)), ("view-database", database),
            "view-instance"])


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
def get_metadata(datasette, key, database, table):
    """The search index of every archive, for any Datasette the plugin is installed in
    (plain ``datasette archive.db`` too): ``articles_fts`` is contentless, so Datasette
    would not find it itself and ``?_search=`` would be ignored, showing every row.
    Metadata given to Datasette (``parknews serve``'s, ``-m``) is applied over this."""
    found = {}
    for name in list(datasette.databases):
        described = archive_of(datasette, name)
        if described is not None and described.searchable:
            found[name] = {"tables": {"articles": {
                "fts_table": search.FTS_TABLE, "fts_pk": "rowid"}}}
    return {"databases": found} if found else {}


@hookimpl
def register_facet_classes():
    return [facets.ArticleFacet]


@hookimpl
def filters_from_request(request, database, table, datasette):
    """``_park=`` and ``_month=`` on an archive's articles."""
    described_archive = archive_of(datasette, database) if table == "articles" else None
    if described_archive is None:
        return None
    if not described_archive.searchable and _asks_search(request):
        # no index to search: no rows, and a word why (Datasette would show every row)
        return FilterArguments(["0"], {}, [NO_INDEX_NOTE], {
            "parknews_no_search_index": True})
    where, params, described = facets.extra_filters(request)
    if not where:
        return None
    return FilterArguments(where, params, described, {})


NO_INDEX_NOTE = ("没有搜索索引，无法搜索 (no search index: run parknews reindex; "
                 "see /-/search)")


def _asks_search(request) -> bool:
    """``?_search=`` or ``?_search_COLUMN=`` with something to search for."""
    return any((name == "_search" or name.startswith("_search_")) and request.args.get(name)
               for name in request.args.keys())


def _wants_default(request) -> bool:
    """Datasette's own row or table view was asked for (all columns, chosen columns)."""
    return request is not None and any(
        request.args.get(name) is not None for name in ("_raw", "_col", "_nocol"))


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    found = {"parknews_search_url": datasette.urls.path("/-/search")}
    if table != "articles" or _wants_default(request) or not archive_of(datasette, database):
        return found
    if template == "row.html" and view_name == "row":
        async def article_vars():
            return {**found, **await _article_vars(datasette, database, request)}
        return article_vars
    if template == "table.html" and view_name == "table":
        async def table_vars():
            return {**found, **await _table_vars(datasette, database)}
        return table_vars
    return found


async def _article_vars(datasette, database: str, request) -> dict:
    url = urlsafe_components(request.url_vars["pks"])[0]
    db = datasette.get_database(database)

    def read(conn):
        with sqlite_timelimit(conn, _time_limit(datasette)):
            return article_page.read_article(conn, url)

    article = await db.execute_fn(read)
    if article is None:
        return {}

    def row_url(other: str) -> str:
        return datasette.urls.row(database, "articles", tilde_encode(other))

    return {"parknews_article_template": "parknews_article.html",
            "article": article_page.page_context(article, database=database,
                                                 row_url=row_url, paths=datasette.urls)}


async def _table_vars(datasette, database: str) -> dict:
    db = datasette.get_database(database)
    sites = {row["id"]: (row["name"], row["park"]) for row in await db.execute(
        "select id, name, park from sites")}
    table_path = datasette.urls.table(database, "articles")

    def article_rows(rows) -> list[dict]:
        shown = []
        for row in rows:
            site_id = row["site_id"]
            if isinstance(site_id, dict):  # expanded by Datasette: {"value", "label"}
                site_id = site_id.get("value")
            name, park = sites.get(site_id, (None, None))
            shown.append({
                "title": row["title"] or "(无标题 untitled)",
                "page": datasette.urls.row(database, "articles", tilde_encode(row["url"])),
                "site_id": site_id, "site_name": name or site_id,
                "site_filter": table_path + "?" + urlencode({"site_id": site_id}),
                "park": park,
                "park_filter": table_path + "?" + urlencode({"_park": park}) if park else None,
                "date": reading.china_time(row["published_at"]) or "",
                "date_raw": row["published_at"] or "",
                "source": row["source"] or "",
                "url": row["url"], "href": reading.safe_href(row["url"]),
                "short_url": reading.short_url(row["url"]),
                "withdrawn": row["status"] == "withdrawn" if "status" in row.keys() else False,
            })
        return shown

    def sort_facets(results: list[dict]) -> list[dict]:
        order = list(facets.DIMENSIONS)
        return sorted(results, key=lambda info: (
            order.index(info["name"]) if info["name"] in order else len(order)))

    return {"parknews_articles_table": True, "parknews_article_rows": article_rows,
            "parknews_sort_facets": sort_facets}


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path("/-/search"), "label": "全文搜索 Search"},
            {"href": datasette.urls.path("/-/health"), "label": "站点健康 Site health"}]


async def capture_page(request, datasette):
    """An article's archived capture (``?url=``, and ``&version=`` for an earlier one), its
    WARC record read back and shown escaped: the page's markup as text."""
    db = _search_database(datasette, request.args.get("db"))
    url = request.args.get("url") or ""
    if db is None or not url or archive_of(datasette, db.name) is None:
        return Response.html("<p>没有这篇存档 No such capture.</p>", status=404)
    try:
        version = int(request.args["version"]) if request.args.get("version") else None
    except ValueError:
        version = None

    def find(conn):
        with sqlite_timelimit(conn, _time_limit(datasette)):
            return capture.pointer(conn, url, version)

    await _ensure_view(datasette, request, db.name, ("articles", "article_versions", "pages"))
    found = await db.execute_fn(find)
    if found is None:
        return Response.html("<p>这个网址没有存档快照 No capture of this URL.</p>", status=404)
    plugin = datasette.plugin_config("parknews") or {}
    record = await capture.read(capture.warc_dir(db.path, plugin.get("warc_dir")), found)
    html = await datasette.render_template("parknews_capture.html", {
        "url": url, "database": db.name, "capture": found, "record": record,
        "limit": capture.MAX_CHARS,
        "article_url": datasette.urls.row(db.name, "articles", tilde_encode(url)),
    }, request=request)
    return Response.html(html, status=200 if "error" not in record else 404,
                         headers={"Content-Security-Policy": capture.CSP,
                                  "X-Content-Type-Options": "nosniff"})


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
    await _ensure_view(datasette, request, db.name, ("sites", "site_health", "crawl_runs"))

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
MAX_PAGE = grouping.MAX_HITS // PAGE_SIZE  # deeper pages are the last one


def _search_database(datasette, name: str | None):
    names = [name] if name else list(datasette.databases)
    for candidate in names:
        db = datasette.databases.get(candidate)
        if db is not None and not db.is_memory:
            return db
    return None


def _search_result(group: grouping.Group, names: dict, row_url) -> dict:
    """What the search template shows of one grouped hit."""
    hit = group.hit
    return {
        "url": hit.url, "row_url": row_url(hit.url), "title_html": hit.title_html,
        "untitled": not hit.title, "snippet": hit.snippet,
        "date": reading.china_time(hit.published_at) or "",
        "site_id": hit.site_id, "site_name": names.get(hit.site_id) or hit.site_id,
        "source": hit.source, "original": group.original, "others": group.others,
        "unlisted": group.unlisted,
        "members": [{
            "page": row_url(m.url), "site_name": m.site_name, "title": m.title or m.url,
            "date": reading.china_time(m.published_at) or "", "original": m.original,
            "lag": "" if m.original else reading.lag_text(m.lag_hours),
            "matched": m.matched,
        } for m in group.members],
    }


async def search_page(request, datasette):
    """全文搜索: ranked, highlighted results with filters by site, park and dates."""
    args = request.args
    db = _search_database(datasette, args.get("db"))
    if db is None:
        return Response.html("<p>没有可搜索的数据库 No database to search.</p>", status=404)
    await _ensure_view(datasette, request, db.name, ("articles", "sites"))
    query = (args.get("q") or "").strip()
    site, park = args.get("site") or None, args.get("park") or None
    date_from, date_to = args.get("from") or None, args.get("to") or None
    try:
        page = min(MAX_PAGE, max(1, int(args.get("page") or 1)))
    except ValueError:
        page = 1

    def run(conn):
        if not _has_index(conn):
            return None
        sites = conn.execute("select id, name, park from sites order by id").fetchall()
        found: dict = {}

        def fetch(limit: int):
            hits, total, parsed = search.search(
                conn, query, site=site, park=park, date_from=date_from, date_to=date_to,
                limit=limit, offset=0)
            found.update(total=total, parsed=parsed)
            return hits, total

        groups, more = grouping.grouped_page(conn, fetch, page, PAGE_SIZE)
        return sites, groups, more, found["total"], found["parsed"]

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
    sites, groups, more, total, parsed = result
    names = {row[0]: row[1] for row in sites}

    def row_url(url: str) -> str:
        return datasette.urls.row(db.name, "articles", tilde_encode(url))

    results = [_search_result(group, names, row_url) for group in groups]
    keep = {k: v for k, v in {"q": query, "site": site, "park": park, "from": date_from,
                              "to": date_to, "db": args.get("db")}.items() if v}
    return Response.html(await datasette.render_template(
        "parknews_search.html",
        {
            "query": query, "site": site, "park": park, "date_from": date_from,
            "date_to": date_to, "sites": sites,
            "parks": sorted({row[2] for row in sites if row[2]}),
            "results": results, "total": total, "note": parsed.note,
            "searched": bool(parsed.match),
            "more_than": search.COUNT_CAP if total > search.COUNT_CAP else None,
            "ranked": search.RANK_WINDOW,
            "page": page, "database": db.name,
            "prev_url": "?" + urlencode({**keep, "page": page - 1}) if page > 1 else None,
            "next_url": "?" + urlencode({**keep, "page": page + 1}) if more else None,
        },
        request=request,
    ))
