"""Search hits grouped by repost cluster: a story reposted by several sites is one hit.

The hits come in the search's order (``archive/search.py``: ranked, then newest first).
A hit whose repost cluster (``cluster_members``, archive/dedup.py) already has a hit
higher up is folded into that one; the group stands where its best hit stood. Its
headline is the cluster's original when the original matched too, else its best hit; the
other members of the cluster (all of them, matched or not, the original first) are listed
under it. Pages count groups: page ``n`` is grouped from the first hit on, so a story
shown on page 1 is never shown again on page 2.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from parknews.archive.search import Hit

MAX_MEMBERS = 50  # members listed under a hit (a story reposted 200 times says "and N more")
MAX_HITS = 2000  # hits grouped at most, for the deepest page


@dataclass
class Member:
    """Another copy of a hit's story."""

    url: str
    site_id: str
    site_name: str
    title: str | None
    published_at: str | None
    original: bool
    lag_hours: float | None
    matched: bool  # it matched the query too


@dataclass
class Group:
    """One search result: a hit, and the other copies of its story."""

    hit: Hit
    cluster_id: int | None = None
    size: int = 1  # articles in the story's cluster
    original: bool = False  # the headline is the cluster's original
    members: list[Member] = field(default_factory=list)  # the others, original first
    folded: list[Hit] = field(default_factory=list)  # the cluster's other hits

    @property
    def others(self) -> int:
        return self.size - 1

    @property
    def unlisted(self) -> int:
        return max(0, self.size - 1 - len(self.members))


def _has_clusters(conn: sqlite3.Connection) -> bool:
    return conn.execute("select count(*) from sqlite_master where type = 'table' and "
                        "name in ('clusters', 'cluster_members')").fetchone()[0] == 2


def clusters_of(conn: sqlite3.Connection, urls: list[str]) -> dict[str, int]:
    """url -> cluster_id for the urls that are in a repost cluster."""
    if not urls or not _has_clusters(conn):
        return {}
    return dict(conn.execute(
        "select url, cluster_id from cluster_members where url in "
        "(select value from json_each(?))", [json.dumps(urls)]).fetchall())


def group_hits(hits: list[Hit], cluster_of: dict[str, int]) -> list[Group]:
    """The hits in groups, in their order: each cluster once, where its best hit stood,
    headed by its original when that is among the hits."""
    groups: list[Group] = []
    by_cluster: dict[int, Group] = {}
    for hit in hits:
        cluster_id = cluster_of.get(hit.url)
        if cluster_id is None:
            groups.append(Group(hit))
        elif cluster_id in by_cluster:
            by_cluster[cluster_id].folded.append(hit)
        else:
            group = Group(hit, cluster_id)
            by_cluster[cluster_id] = group
            groups.append(group)
    return groups


MEMBERS_SQL = f"""select cluster_id, url, is_original, lag_hours, site_id, site_name,
  published_at, title, size
from (
  select m.cluster_id, m.url, m.is_original, m.lag_hours, a.site_id, s.name as site_name,
    a.published_at, a.title, c.size,
    row_number() over (partition by m.cluster_id
                       order by m.is_original desc, a.published_at, m.url) as place
  from cluster_members m
  join clusters c on c.cluster_id = m.cluster_id
  join articles a on a.url = m.url
  left join sites s on s.id = a.site_id
  where m.cluster_id in (select value from json_each(:clusters))
)
where place <= {MAX_MEMBERS + 1}
order by cluster_id, place"""


def fill_members(conn: sqlite3.Connection, groups: list[Group]) -> None:
    """Each clustered group's headline (its original when that matched) and the other
    members of its cluster, original first."""
    clustered = {g.cluster_id: g for g in groups if g.cluster_id is not None}
    if not clustered:
        return
    rows: dict[int, list[tuple]] = {}
    for row in conn.execute(MEMBERS_SQL, {"clusters": json.dumps(list(clustered))}):
        rows.setdefault(row[0], []).append(row)
    for cluster_id, group in clustered.items():
        matched = {group.hit.url: group.hit}
        matched.update((hit.url, hit) for hit in group.folded)
        members = rows.get(cluster_id, [])
        group.size = members[0][8] if members else 1 + len(group.folded)
        original_url = next((r[1] for r in members if r[2]), None)
        if original_url in matched:
            group.hit = matched[original_url]
            group.original = True
        group.members = [
            Member(url=r[1], site_id=r[4], site_name=r[5] or r[4], title=r[7],
                   published_at=r[6], original=bool(r[2]), lag_hours=r[3],
                   matched=r[1] in matched)
            for r in members if r[1] != group.hit.url][:MAX_MEMBERS]


def grouped_page(conn: sqlite3.Connection, fetch: Callable[[int], tuple[list[Hit], int]],
                 page: int, page_size: int) -> tuple[list[Group], bool]:
    """Page ``page`` (from 1) of the grouped hits, and whether a next page exists.
    ``fetch(limit)`` gives the first ``limit`` hits and the count of matches; more are
    fetched until the page and one group beyond it are found (or MAX_HITS)."""
    want = page * page_size + 1
    limit = min(MAX_HITS, want * 2)
    while True:
        hits, total = fetch(limit)
        groups = group_hits(hits, clusters_of(conn, [h.url for h in hits]))
        if len(groups) >= want or len(hits) < limit or limit >= min(total, MAX_HITS):
            break
        limit = min(MAX_HITS, limit * 2)
    shown = groups[(page - 1) * page_size:page * page_size]
    fill_members(conn, shown)
    return shown, len(groups) > page * page_size
