"""Reports of who reposts whom: clusters with their members, as JSON, CSV or one
standalone HTML page, and the site × site repost matrix.

The SQL here is shared with the Datasette canned queries (archive/publish.py).
"""

from __future__ import annotations

import csv
import html
import io
import json
import sqlite3
from datetime import UTC, datetime

MEMBERS_SQL = """select c.cluster_id, c.size, c.sites, c.original_url,
  m.url, m.is_original, m.similarity, m.exact, m.lag_hours, m.source,
  m.credits_original, a.site_id, coalesce(s.name, a.site_id) as site_name, a.title,
  a.published_at
from clusters c
join cluster_members m on m.cluster_id = c.cluster_id
join articles a on a.url = m.url
left join sites s on s.id = a.site_id
where (coalesce(:site, '') = '' or c.cluster_id in (
  select m2.cluster_id from cluster_members m2 join articles a2 on a2.url = m2.url
  where a2.site_id = :site))
order by c.size desc, c.first_published_at desc, c.cluster_id, m.is_original desc,
  a.published_at, m.url"""

MATRIX_SQL = """select o.site_id as original_site, r.site_id as repost_site,
  count(*) as reposts, round(avg(m.lag_hours), 1) as mean_lag_hours
from cluster_members m
join clusters c on c.cluster_id = m.cluster_id
join articles o on o.url = c.original_url
join articles r on r.url = m.url
where m.is_original = 0
group by o.site_id, r.site_id
order by reposts desc, original_site, repost_site"""

MOST_REPOSTED_SQL = """select c.original_url as url, a.title, a.site_id, a.published_at,
  c.size - 1 as reposts, c.sites
from clusters c join articles a on a.url = c.original_url
order by reposts desc, a.published_at desc
limit 100"""

CSV_COLUMNS = ("cluster_id", "is_original", "url", "site_id", "site_name", "title",
               "published_at", "similarity", "exact", "lag_hours", "source",
               "credits_original")


def clusters(conn: sqlite3.Connection, site: str | None = None) -> list[dict]:
    """Every cluster (or those with an article of ``site``) with its members, original
    first."""
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(MEMBERS_SQL, {"site": site}).fetchall()
    finally:
        conn.row_factory = None
    found: dict[int, dict] = {}
    for row in rows:
        cluster = found.setdefault(row["cluster_id"], {
            "cluster_id": row["cluster_id"], "size": row["size"], "sites": row["sites"],
            "original_url": row["original_url"], "members": []})
        cluster["members"].append({
            "url": row["url"], "site_id": row["site_id"], "site_name": row["site_name"],
            "title": row["title"], "published_at": row["published_at"],
            "is_original": bool(row["is_original"]), "similarity": row["similarity"],
            "exact": bool(row["exact"]), "lag_hours": row["lag_hours"],
            "source": row["source"],
            "credits_original": None if row["credits_original"] is None
            else bool(row["credits_original"])})
    return list(found.values())


def matrix(conn: sqlite3.Connection) -> list[dict]:
    """(original site, repost site, reposts, mean lag) rows, most reposts first."""
    names = ("original_site", "repost_site", "reposts", "mean_lag_hours")
    return [dict(zip(names, row, strict=True)) for row in conn.execute(MATRIX_SQL)]


def as_json(conn: sqlite3.Connection, site: str | None = None) -> str:
    return json.dumps({"clusters": clusters(conn, site), "matrix": matrix(conn)},
                      ensure_ascii=False, indent=1)


def as_csv(conn: sqlite3.Connection, site: str | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for cluster in clusters(conn, site):
        for member in cluster["members"]:
            writer.writerow({"cluster_id": cluster["cluster_id"], **member})
    return out.getvalue()


STYLE = """body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em;
max-width:70em;line-height:1.5;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.orig{background:#fff8dc}.num{text-align:right}h2{margin-top:2em}
.muted{color:#777;font-size:.9em}"""


def _cell(value, numeric: bool = False) -> str:
    text = "" if value is None else str(value)
    cls = ' class="num"' if numeric else ""
    return f"<td{cls}>{html.escape(text)}</td>"


def as_html(conn: sqlite3.Connection, site: str | None = None) -> str:
    """One standalone, readable page: the repost matrix, then each cluster's members."""
    found = clusters(conn, site)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = ['<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">',
             "<title>转载关系报告 Repost report</title>", f"<style>{STYLE}</style></head><body>",
             "<h1>转载关系报告 <small>Repost report</small></h1>",
             f'<p class="muted">{len(found)} 组 clusters · {html.escape(now)}'
             + (f" · 站点 site {html.escape(site)}" if site else "") + "</p>",
             "<h2>站点转载矩阵 Who reposts whom</h2><table><tr><th>原发站点 Original site</th>"
             "<th>转载站点 Reposting site</th><th>篇数 Reposts</th>"
             "<th>平均滞后（小时）Mean lag (h)</th></tr>"]
    for row in matrix(conn):
        parts.append("<tr>" + _cell(row["original_site"]) + _cell(row["repost_site"])
                     + _cell(row["reposts"], True) + _cell(row["mean_lag_hours"], True)
                     + "</tr>")
    parts.append("</table>")
    for cluster in found:
        original = next(m for m in cluster["members"] if m["is_original"])
        parts.append(f"<h2>{html.escape(original['title'] or original['url'])}</h2>"
                     f'<p class="muted">{cluster["size"]} 篇 articles · {cluster["sites"]} '
                     f"个站点 sites</p><table><tr><th>站点 Site</th><th>标题 Title</th>"
                     "<th>发布 Published</th><th>滞后（小时）Lag (h)</th>"
                     "<th>相似度 Similarity</th><th>来源 Source</th></tr>")
        for member in cluster["members"]:
            row_class = ' class="orig"' if member["is_original"] else ""
            title = (f'<a href="{html.escape(member["url"], quote=True)}">'
                     f"{html.escape(member['title'] or member['url'])}</a>")
            label = "原发 original" if member["is_original"] else (
                "全文相同 exact" if member["exact"] else f"{member['similarity']:.2f}")
            parts.append(f"<tr{row_class}>" + _cell(member["site_name"]) + f"<td>{title}</td>"
                         + _cell((member["published_at"] or "")[:16])
                         + _cell(member["lag_hours"], True) + _cell(label)
                         + _cell(member["source"]) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


FORMATS = {"json": as_json, "csv": as_csv, "html": as_html}
