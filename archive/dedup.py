"""Repost detection: which article was reposted where, and which came first.

Exact duplicates share the hash of their normalised body. Near duplicates (a new 来源
line, a rewritten lead, a dropped paragraph) are found with MinHash LSH (datasketch)
over character n-grams of the normalised body, then confirmed by the exact Jaccard
similarity of the two bodies' n-gram sets, so the LSH only proposes candidates.

Hard negatives stay apart: the same notice template in another year, weekly reports
with the same frame, short items. Two bodies are only duplicates when the numbers they
state (years, dates, amounts: runs of digits) largely agree, as a repost copies its
facts; bodies shorter than ``MIN_CHARS`` are never clustered.

Clusters are assigned incrementally as articles are stored: each new or changed article
is compared with the LSH candidates, joins (or merges) their clusters, and the cluster's
original is re-chosen: the earliest ``published_at``, then the earliest ``fetched_at``.
Signatures are stored (``dedup_signatures``), so the LSH index is rebuilt quickly at the
start of a run instead of recomputing anything.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from datasketch import MinHash, MinHashLSH

logger = logging.getLogger(__name__)

NGRAM = 5  # characters per shingle
NUM_PERM = 128
THRESHOLD = 0.45  # Jaccard of n-gram sets from which two bodies are the same story
LIST_THRESHOLD = 0.85  # ... when both are lists (名单: most lines short names, no sentences)
LSH_THRESHOLD = 0.3  # the LSH is set well below, so that it misses (almost) nothing
MIN_CHARS = 50  # shorter normalised bodies are never clustered
NUMBERS_AGREEMENT = 0.8  # share of the shorter's digit runs the longer must state
YEAR = re.compile(r"(?:19|20)\d{2}")
SEED = 1

# Lines that reposts add, drop or rewrite: who published and edited it, not the story.
ATTRIBUTION_LINE = re.compile(
    r"^\s*[【\[（(]?\s*(?:来源|來源|信息来源|文章来源|稿件来源|原标题|原文|转载|转自|编辑|责任编辑|"
    r"责编|作者|记者|通讯员|审核|校对|摄影|图片|供稿|发布时间|发布日期|发表时间|时间|日期|"
    r"浏览次数|点击)\s*[:：/]")
NOT_TEXT = re.compile(r"[\W_]+")
DIGITS = re.compile(r"\d+")


def normalize_body(body: str | None) -> str:
    """The body as compared: NFKC, traditional characters folded to simplified (a Hong
    Kong or Taiwan portal's copy is still a copy), attribution and date lines dropped,
    only letters, digits and characters kept (no whitespace or punctuation), lower case."""
    lines = _fold(unicodedata.normalize("NFKC", body or "")).splitlines()
    kept = [line for line in lines if not ATTRIBUTION_LINE.match(line)]
    return NOT_TEXT.sub("", "".join(kept)).lower()


def _fold(text: str) -> str:
    from archive.search import normalize  # the search index's folding, tables loaded once

    return normalize(text, fold_traditional=True)


def shingles(text: str) -> set[str]:
    return {text[i:i + NGRAM] for i in range(len(text) - NGRAM + 1)}


def numbers(body: str | None) -> set[str]:
    """The digit runs a body states, outside its attribution and date lines."""
    lines = unicodedata.normalize("NFKC", body or "").splitlines()
    return set(DIGITS.findall("\n".join(line for line in lines
                                        if not ATTRIBUTION_LINE.match(line))))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def signature(text: str) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch([s.encode("utf-8") for s in shingles(text)])
    return minhash


def same_story(body_a: str, body_b: str) -> float | None:
    """The Jaccard similarity of two bodies when they are the same story, else None."""
    text_a, text_b = normalize_body(body_a), normalize_body(body_b)
    if len(text_a) < MIN_CHARS or len(text_b) < MIN_CHARS:
        return None
    similarity = 1.0 if text_a == text_b else jaccard(shingles(text_a), shingles(text_b))
    needed = LIST_THRESHOLD if is_list(body_a) and is_list(body_b) else THRESHOLD
    if similarity < needed:
        return None  # (two lists of mostly the same firms are different lists)
    if not facts_agree(numbers(body_a), numbers(body_b)):
        return None  # the same frame with other facts: another year, week or number
    return similarity


LIST_MIN_LINES = 5
LIST_ITEM_CHARS = 40
LIST_SHARE = 0.6
SENTENCE_PUNCT = re.compile(r"[。，；！？,;!?]")


def is_list(body: str | None) -> bool:
    """A list (名单, 公示): most of its lines are short items without sentence punctuation."""
    lines = [line.strip() for line in (body or "").splitlines() if line.strip()]
    if len(lines) < LIST_MIN_LINES:
        return False
    items = [line for line in lines
             if len(line) <= LIST_ITEM_CHARS and not SENTENCE_PUNCT.search(line)]
    return len(items) >= LIST_SHARE * len(lines)


def containment(a: set, b: set) -> float:
    """Share of the smaller set found in the other (1.0 when one is empty)."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small) if small else 1.0


def facts_agree(nums_a: set[str], nums_b: set[str]) -> bool:
    """A repost states the facts of its original: the years of one are among the years
    of the other, and most numbers of the shorter are in the longer (a dropped
    paragraph takes its numbers with it; a new year or new figures mean another text)."""
    years_a, years_b = {n for n in nums_a if YEAR.fullmatch(n)}, {n for n in nums_b
                                                                 if YEAR.fullmatch(n)}
    if years_a and years_b and not (years_a <= years_b or years_b <= years_a):
        return False
    return containment(nums_a, nums_b) >= NUMBERS_AGREEMENT


# ------------------------------------------------------------------------ the tables

SCHEMA = """
create table if not exists dedup_signatures (
  url text primary key references articles(url),
  minhash blob not null,
  chars integer not null
);
create table if not exists clusters (
  cluster_id integer primary key,
  original_url text not null,
  size integer not null,
  sites integer not null,
  first_published_at text,
  updated_at text
);
create table if not exists cluster_members (
  url text primary key references articles(url),
  cluster_id integer not null references clusters(cluster_id),
  is_original integer not null,
  similarity real not null,
  exact integer not null,
  lag_hours real,
  source text,
  credits_original integer
);
create index if not exists cluster_members_cluster on cluster_members(cluster_id);
"""


def create_tables(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):  # not executescript: it would commit
        if statement.strip():
            conn.execute(statement)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value[:19] if len(value) >= 19 else value[:10])
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


# One LSH index per archive file and process: the crawlers of a run (one per site, in one
# process and one thread) each write through their own connection, and a repost stored
# by one must be found by the others. Their transactions never overlap (one thread), so
# whichever of two copies is committed second finds the first.
_SHARED_LSH: dict[str, MinHashLSH] = {}


def _database_file(conn: sqlite3.Connection) -> str | None:
    for _, name, file in conn.execute("pragma database_list"):
        if name == "main":
            return file or None
    return None


@dataclass
class _Article:
    url: str
    site_id: str
    body: str
    source: str | None
    published_at: str | None
    fetched_at: str | None


class Deduplicator:
    """The LSH index of one archive, and cluster assignment for new or changed articles."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        create_tables(conn)
        path = _database_file(conn)
        shared = _SHARED_LSH.get(path) if path else None
        if shared is None:
            self.lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
            self._load()
            if path:
                _SHARED_LSH[path] = self.lsh
        else:
            self.lsh = shared

    def _load(self) -> None:
        """Rebuild the LSH from the stored signatures."""
        rows = self.conn.execute("select url, minhash from dedup_signatures").fetchall()
        with self.lsh.insertion_session() as session:
            for url, blob in rows:
                session.insert(url, self._minhash(blob), check_duplication=False)
        logger.debug("dedup: %d signatures loaded", len(rows))

    @staticmethod
    def _minhash(blob: bytes) -> MinHash:
        return MinHash(num_perm=NUM_PERM, seed=SEED,
                       hashvalues=np.frombuffer(blob, dtype=np.uint64))

    def _article(self, url: str) -> _Article | None:
        row = self.conn.execute(
            "select url, site_id, body, source, published_at, fetched_at from articles "
            "where url = ?", [url]).fetchone()
        return _Article(*row) if row else None

    def assign(self, urls: Iterable[str]) -> int:
        """(Re)assign the clusters of these articles (new or changed); returns how many
        joined a cluster. Commits nothing: the caller's transaction holds the writes."""
        joined = 0
        for url in dict.fromkeys(urls):
            joined += self._assign_one(url)
        return joined

    def _forget(self, url: str) -> None:
        """Take an article out of the index and its cluster (it changed or is gone)."""
        if url in self.lsh:
            self.lsh.remove(url)
        self.conn.execute("delete from dedup_signatures where url = ?", [url])
        row = self.conn.execute("select cluster_id from cluster_members where url = ?",
                                [url]).fetchone()
        if row:
            self.conn.execute("delete from cluster_members where url = ?", [url])
            self._refresh(row[0])

    def _assign_one(self, url: str) -> int:
        self._forget(url)
        article = self._article(url)
        if article is None:
            return 0
        text = normalize_body(article.body)
        if len(text) < MIN_CHARS:
            return 0
        minhash = signature(text)
        candidates = [c for c in self.lsh.query(minhash) if c != url]
        self.lsh.insert(url, minhash, check_duplication=False)
        self.conn.execute("insert or replace into dedup_signatures values (?, ?, ?)",
                          [url, minhash.hashvalues.astype(np.uint64).tobytes(), len(text)])
        matches = []
        for candidate in candidates:
            other = self._article(candidate)
            if other is not None and same_story(article.body, other.body) is not None:
                matches.append(candidate)
        if not matches:
            return 0
        clusters = {row[0] for row in self.conn.execute(
            f"select cluster_id from cluster_members where url in "
            f"({','.join('?' * len(matches))})", matches)}
        if clusters:
            cluster_id = min(clusters)
            for other_id in clusters - {cluster_id}:  # this article links two stories
                self.conn.execute("update cluster_members set cluster_id = ? "
                                  "where cluster_id = ?", [cluster_id, other_id])
                self.conn.execute("delete from clusters where cluster_id = ?", [other_id])
        else:
            cluster_id = self.conn.execute(
                "insert into clusters (original_url, size, sites) values (?, 0, 0)",
                [url]).lastrowid
        members = set(matches) | {url}
        for member in members:
            self.conn.execute(
                "insert or ignore into cluster_members (url, cluster_id, is_original, "
                "similarity, exact) values (?, ?, 0, 0, 0)", [member, cluster_id])
        self._refresh(cluster_id)
        return 1

    def _refresh(self, cluster_id: int) -> None:
        """Re-choose a cluster's original and recompute its members' figures."""
        urls = [row[0] for row in self.conn.execute(
            "select url from cluster_members where cluster_id = ?", [cluster_id])]
        articles = [a for a in map(self._article, urls) if a is not None]
        if len(articles) < 2:
            self.conn.execute("delete from cluster_members where cluster_id = ?",
                              [cluster_id])
            self.conn.execute("delete from clusters where cluster_id = ?", [cluster_id])
            return
        original = min(articles, key=lambda a: (a.published_at or "9999",
                                                a.fetched_at or "9999", a.url))
        original_text = normalize_body(original.body)
        original_shingles = shingles(original_text)
        names = self._site_names(original.site_id)
        start = _parse_time(original.published_at or original.fetched_at)
        for member in articles:
            text = normalize_body(member.body)
            exact = text == original_text
            similarity = 1.0 if exact else jaccard(shingles(text), original_shingles)
            moment = _parse_time(member.published_at or member.fetched_at)
            lag = ((moment - start).total_seconds() / 3600 if moment and start else None)
            credits = (None if member is original else
                       bool(member.source and any(n and n in member.source for n in names)))
            self.conn.execute(
                "update cluster_members set is_original = ?, similarity = ?, exact = ?, "
                "lag_hours = ?, source = ?, credits_original = ? where url = ?",
                [int(member is original), round(similarity, 4), int(exact),
                 None if lag is None else round(lag, 1), member.source,
                 None if credits is None else int(credits), member.url])
        self.conn.execute(
            "update clusters set original_url = ?, size = ?, sites = ?, "
            "first_published_at = ?, updated_at = datetime('now') where cluster_id = ?",
            [original.url, len(articles), len({a.site_id for a in articles}),
             original.published_at, cluster_id])

    def _site_names(self, site_id: str) -> list[str]:
        """Names a repost's 来源 line may give the original by: its site name and park."""
        row = self.conn.execute("select name, park from sites where id = ?",
                                [site_id]).fetchone()
        return [n for n in (row or ()) if n]
