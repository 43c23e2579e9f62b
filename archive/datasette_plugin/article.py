"""The article page of the published archive: what it shows, read in one go from the
archive (the article with its site and park, its repost cluster, its earlier versions)."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlencode

from parknews.archive.datasette_plugin import reading

MAX_MEMBERS = 100  # "also published by" lists at most this many (and says how many more)

ARTICLE_SQL = """select a.url, a.site_id, a.title, a.body, a.published_at, a.source,
  a.author, a.editor, a.summary, a.images, a.attachments, a.status, a.withdrawn_at,
  a.version, a.fetched_at, a.first_seen_at, a.warc_file, s.name as site_name,
  s.park as site_park
from articles a left join sites s on s.id = a.site_id
where a.url = ?"""

MEMBERS_SQL = f"""select m.url, m.is_original, m.lag_hours, m.exact, m.similarity,
  a.site_id, s.name as site_name, a.published_at, a.title
from cluster_members m
join articles a on a.url = m.url
left join sites s on s.id = a.site_id
where m.cluster_id = ? and m.url != ?
order by m.is_original desc, a.published_at, m.url
limit {MAX_MEMBERS}"""


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute(
        "select name from sqlite_master where type = 'table'")}


def _dicts(cursor: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_article(conn: sqlite3.Connection, url: str) -> dict | None:
    """The article's row with ``site_name`` and ``site_park``, and ``cluster`` (its repost
    cluster: ``is_original``, ``lag_hours``, ``size``, ``members`` — the others, original
    first) and ``earlier_versions`` (how many); None when there is no such article."""
    found = _dicts(conn.execute(ARTICLE_SQL, [url]))
    if not found:
        return None
    article = found[0]
    tables = _tables(conn)
    article["cluster"] = None
    if {"cluster_members", "clusters"} <= tables:
        own = conn.execute("select m.cluster_id, m.is_original, m.lag_hours, c.size "
                           "from cluster_members m join clusters c using (cluster_id) "
                           "where m.url = ?", [url]).fetchone()
        if own is not None:
            cluster_id, is_original, lag, size = own
            members = _dicts(conn.execute(MEMBERS_SQL, [cluster_id, url]))
            article["cluster"] = {"id": cluster_id, "is_original": bool(is_original),
                                  "lag_hours": lag, "size": size, "members": members}
    article["earlier_versions"] = 0
    if "article_versions" in tables:
        article["earlier_versions"] = conn.execute(
            "select count(*) from article_versions where url = ?", [url]).fetchone()[0]
    return article


def page_context(article: dict, *, database: str, row_url, paths) -> dict:
    """What the article template shows: escaped values and ready links. ``row_url(url)``
    is the path of an article's page, ``paths`` Datasette's ``urls``."""
    meta = []
    shown = reading.china_time(article["published_at"])
    if shown:
        meta.append(("date", "", shown))
    for key, label in (("source", "来源"), ("author", "作者"), ("editor", "编辑")):
        if article.get(key):
            meta.append((key, label, article[key]))
    cluster = article["cluster"]
    members = []
    if cluster:
        for member in cluster["members"]:
            members.append({
                "title": member["title"] or member["url"],
                "page": row_url(member["url"]),
                "site_name": member["site_name"] or member["site_id"],
                "site_id": member["site_id"],
                "date": reading.china_time(member["published_at"]) or "",
                "original": bool(member["is_original"]),
                "lag": "" if member["is_original"] else reading.lag_text(member["lag_hours"]),
                "exact": bool(member["exact"]),
            })
    url = article["url"]
    links = {
        "original": reading.safe_href(url),
        "capture": (paths.path("/-/capture?" + urlencode({"db": database, "url": url}))
                    if article.get("warc_file") else None),
        "versions": paths.query(database, "versions") + "?" + urlencode({"url": url}),
        "raw": "?_raw=1",
        "json": paths.row(database, "articles", _tilde(url), format="json"),
        "site": paths.table(database, "articles") + "?" + urlencode(
            {"site_id": article["site_id"]}),
        "park": (paths.table(database, "articles") + "?" + urlencode(
            {"_park": article["site_park"]}) if article.get("site_park") else None),
    }
    return {
        "url": url,
        "short_url": reading.short_url(url, 60),
        "title": article["title"] or "(无标题 untitled)",
        "meta": meta,
        "site_name": article["site_name"] or article["site_id"],
        "site_park": article["site_park"],
        "summary_paragraphs": reading.paragraphs(article.get("summary")),
        "body_paragraphs": reading.paragraphs(article["body"]),
        "images": reading.json_items(article.get("images"), "src", "caption"),
        "attachments": reading.json_items(article.get("attachments"), "url", "name"),
        "withdrawn": article["status"] == "withdrawn",
        "withdrawn_at": reading.china_time(article.get("withdrawn_at"), recorded=True),
        "version": article.get("version") or 1,
        "earlier_versions": article["earlier_versions"],
        "fetched_at": reading.china_time(article.get("fetched_at"), recorded=True),
        "cluster": cluster and {
            "is_original": cluster["is_original"],
            "lag": reading.lag_text(cluster["lag_hours"]) if not cluster["is_original"]
            else "",
            "size": cluster["size"],
            "more": max(0, cluster["size"] - 1 - len(members)),
            "members": members,
        },
        "links": links,
    }


def _tilde(value: str) -> str:
    from datasette.utils import tilde_encode

    return tilde_encode(value)
