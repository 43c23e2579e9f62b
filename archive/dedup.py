"""Repost detection: which article was reposted where, and which came first.

Exact duplicates share the hash of their normalised body. Near duplicates (a new 来源
line, a rewritten lead, a dropped paragraph) are found with MinHash signatures over
character n-grams of the normalised body (hashed and permuted with numpy: ``SHINGLE_HASH``,
3-4 times faster than datasketch's own hashing; ``MinHash`` holds them, estimating the
Jaccard as datasketch's does, without datasketch, which brings scipy) and a
banded LSH index of our own (numpy arrays, ~1 KB an article with the signatures;
datasketch's MinHashLSH took ~10 KB), then confirmed by the exact Jaccard similarity of
the two bodies' n-gram sets, so the LSH only proposes candidates.

Hard negatives stay apart: the same notice template in another year, weekly reports
with the same frame, short items. Two bodies are only duplicates when the numbers they
state (years, dates, amounts: runs of digits) largely agree, as a repost copies its
facts; bodies shorter than ``MIN_CHARS`` are never clustered.

Clusters are assigned incrementally as articles are stored: each new or changed article
is compared with the LSH candidates, joins (or merges) their clusters, and the cluster's
original is re-chosen: the earliest ``published_at``, then the earliest ``fetched_at``.
Signatures are stored (``dedup_signatures``), so the LSH index is rebuilt quickly at the
start of a run instead of recomputing anything.

What keeps assignment cheap as the archive grows: the LSH is set low (it must miss almost
nothing), so it also proposes many unrelated articles sharing some boilerplate; a bucket
proposes only its ``BUCKET_CAP`` newest members, so the proposals per new article stay
bounded however large the archive; the signatures are kept in memory as well (one uint32
matrix), and a candidate whose MinHash
estimate of the Jaccard is far below ``THRESHOLD`` (``ESTIMATE_MARGIN``) is dropped before
any text is read. Most of those left are the same frame with other facts (a notice of
another year, the next weekly report), so the digit runs of every indexed body are kept
too (in memory and in ``dedup_signatures.numbers``) and the facts rule is applied before
a body is read; only the few that pass are compared in full (``same_story``). The
normalised text and n-grams of recent bodies are cached, the MinHash permutations are
made once, the traditional-character fold is skipped for texts it cannot change, and a
cluster that gains a member which is not its new original only gets that member's row.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

logger = logging.getLogger(__name__)

NGRAM = 5  # characters per shingle
NUM_PERM = 128
THRESHOLD = 0.45  # Jaccard of n-gram sets from which two bodies are the same story
LIST_THRESHOLD = 0.85  # ... when both are lists (名单: most lines short names, no sentences)
LSH_THRESHOLD = 0.3  # the LSH is set well below, so that it misses (almost) nothing
# LSH candidates whose MinHash estimate of the Jaccard is below THRESHOLD - ESTIMATE_MARGIN
# are dropped unread: with 128 permutations the estimate's standard deviation is at most
# 0.044, so a pair at THRESHOLD falls that low with a probability of about 3e-4 (and the
# LSH itself misses about 3 % of the pairs right at THRESHOLD); most candidates it drops
# share only boilerplate.
ESTIMATE_MARGIN = 0.15
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
    return _text_of(unicodedata.normalize("NFKC", body or ""))


def _text_of(nfkc: str) -> str:
    """``normalize_body`` of a body already in NFKC (which costs ~0.15 ms a body: done
    once for this and ``numbers``)."""
    lines = _fold(nfkc).splitlines()
    kept = [line for line in lines if not ATTRIBUTION_LINE.match(line)]
    return NOT_TEXT.sub("", "".join(kept)).lower()


def _fold(nfkc: str) -> str:
    """The search index's folding (NFKC, lower case, traditional -> simplified) of a text
    already in NFKC, without the converter when no key of its tables that changes
    anything occurs in the text (the converter, pure Python, costs milliseconds a body;
    nearly all bodies are simplified)."""
    from parknews.archive.search import normalize  # tables loaded once

    folded = nfkc.lower()
    if not _may_convert(folded):
        return folded
    return normalize(nfkc, fold_traditional=True)


def _may_convert(text: str) -> bool:
    """Whether a key of the t2s tables whose conversion differs from it occurs in the text
    (when none does, the converter returns the text unchanged). The keys are found by one
    of their characters that the conversion does not keep."""
    keys_by_char = _t2s_changing_keys()
    hits = keys_by_char.keys() & set(text)
    return any(key in text for char in hits for key in keys_by_char[char])


@cache
def _t2s_changing_keys() -> dict[str, tuple[str, ...]]:
    """The keys of the tables of opencc's ``t2s`` conversion (the one archive.search
    uses) that convert to something else, by a character of the key absent from its
    conversion (or by their first character)."""
    import opencc

    package = Path(opencc.__file__).parent
    config = json.loads((package / "config" / "t2s.json").read_text(encoding="utf-8"))
    files: list[str] = []

    def collect(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "txt" and node.get("file"):
                files.append(node["file"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(config)
    keys: dict[str, list[str]] = {}
    for name in dict.fromkeys(files):
        for line in (package / "dictionary" / name).read_text(encoding="utf-8").splitlines():
            key, _, values = line.strip().partition("\t")
            if not key or key == values.split(" ")[0]:
                continue
            marker = next((c for c in key if c not in values), key[0])
            keys.setdefault(marker, []).append(key)
    return {char: tuple(found) for char, found in keys.items()}


def shingles(text: str) -> set[str]:
    return {text[i:i + NGRAM] for i in range(len(text) - NGRAM + 1)}


def numbers(body: str | None) -> set[str]:
    """The digit runs a body states, outside its attribution and date lines."""
    return _digit_runs(unicodedata.normalize("NFKC", body or ""))


def _digit_runs(nfkc: str) -> set[str]:
    lines = nfkc.splitlines()
    return set(DIGITS.findall("\n".join(line for line in lines
                                        if not ATTRIBUTION_LINE.match(line))))


def jaccard(a: set, b: set) -> float:
    # |a | b| = |a| + |b| - |a & b|: the union is not built (two bodies' n-gram sets:
    # ~40 us in the crawl process, issue 22)
    if not (a or b):
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


# How a signature is made: one vectorised pass over the text's code points hashes every
# NGRAM window (a polynomial rolling hash, then the splitmix64 finaliser, the high 32
# bits kept), and each of the NUM_PERM permutations is a multiply-shift hash of those
# (odd a, any b: ((a * h + b) mod 2**64) >> 32) whose minimum is kept: 0.10 + 0.1 ms for
# a body of 800 characters where datasketch's SHA-1 per n-gram and its modulo-prime
# permutations take 1.4 ms. Stored signatures name the scheme (``dedup_state``); an
# archive signed another way is re-signed from its bodies when opened.
SHINGLE_HASH = "utf32-poly-splitmix64-multiplyshift-v1"
_ROLL = np.uint64(0x100000001B3)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_HASH_CHUNK = 2048  # n-grams permuted at once (bounds the temporary matrix: 2 MB)
EMPTY_HASH = np.uint64(2**32 - 1)  # the value of a permutation no n-gram reached


def shingle_hashes(text: str) -> np.ndarray:
    """The distinct 32-bit hashes of the text's NGRAM-character windows (texts shorter
    than NGRAM: none)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - NGRAM + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        rolled = np.zeros(count, dtype=np.uint64)
        for offset in range(NGRAM):
            rolled = rolled * _ROLL + codes[offset:offset + count]
        rolled ^= rolled >> np.uint64(30)
        rolled *= _MIX1
        rolled ^= rolled >> np.uint64(27)
        rolled *= _MIX2
        rolled ^= rolled >> np.uint64(31)
    return np.unique(rolled >> np.uint64(32))


@cache
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The multiply-shift parameters (a odd, b) of the ``num_perm`` permutations."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def minhash_values(text: str) -> np.ndarray:
    """The NUM_PERM minimum hash values of the text's n-grams (uint64, each < 2**32)."""
    a, b = _permutations(NUM_PERM, SEED)
    values = np.full(NUM_PERM, EMPTY_HASH, dtype=np.uint64)
    hashes = shingle_hashes(text)
    with np.errstate(over="ignore"):
        for start in range(0, len(hashes), _HASH_CHUNK):
            chunk = hashes[start:start + _HASH_CHUNK, None]
            permuted = (chunk * a + b) >> np.uint64(32)
            np.minimum(values, permuted.min(axis=0), out=values)
    return values


class MinHash:
    """A text's MinHash signature: for each of NUM_PERM permutations of its n-gram
    hashes, the least (below 2**32, as datasketch's values are). The share of equal
    values of two signatures estimates the Jaccard of the two n-gram sets."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues: np.ndarray):
        self.hashvalues = np.asarray(hashvalues, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self.hashvalues)

    def jaccard(self, other: MinHash) -> float:
        """The estimate of the Jaccard of the two texts' n-gram sets."""
        if len(other) != len(self):
            raise ValueError("signatures of different lengths cannot be compared")
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self)


def as_minhash(values: np.ndarray) -> MinHash:
    """Hash values as a signature."""
    return MinHash(values)


def signature(text: str) -> MinHash:
    """The text's MinHash."""
    return as_minhash(minhash_values(text))


@dataclass(frozen=True)
class _Prepared:
    """What ``same_story`` needs of one body."""

    text: str  # normalised
    numbers: frozenset[str]
    is_list: bool


@lru_cache(maxsize=2048)
def _prepare(body: str) -> _Prepared:
    nfkc = unicodedata.normalize("NFKC", body)
    return _Prepared(_text_of(nfkc), frozenset(_digit_runs(nfkc)), is_list(body))


def presign(body: str) -> tuple[_Prepared, np.ndarray | None]:
    """What the writer would compute for a new body: its prepared form and, when it is
    long enough to be clustered, its MinHash values (run in an extraction worker)."""
    prepared = _prepare(body)
    if len(prepared.text) < MIN_CHARS:
        return prepared, None
    return prepared, signature(prepared.text).hashvalues


class Presigned:
    """Work done ahead for one writer's deduplicator (by the crawl's extraction workers),
    by body text: what same_story needs of it, and its MinHash values (each used once)."""

    MAX = 1000  # entries kept; the oldest go first (the writer batches 50 articles)

    def __init__(self) -> None:
        self._prepared: dict[str, _Prepared] = {}
        self._signatures: dict[str, np.ndarray] = {}

    def remember(self, body: str, prepared: _Prepared, hashvalues: np.ndarray | None) -> None:
        """Hand over ``presign(body)`` computed elsewhere."""
        if not body:
            return
        self._prepared[body] = prepared
        if hashvalues is not None:
            self._signatures[body] = hashvalues
        for handed in (self._prepared, self._signatures):
            while len(handed) > self.MAX:
                del handed[next(iter(handed))]

    def prepared(self, body: str) -> _Prepared:
        handed = self._prepared.get(body)
        return handed if handed is not None else _prepare(body)

    def signature(self, body: str, text: str) -> MinHash:
        handed = self._signatures.pop(body, None)
        return as_minhash(handed) if handed is not None else signature(text)


@lru_cache(maxsize=256)  # a body's n-grams take ~100 KB: only the recent ones are kept
def _grams(text: str, ngram: int) -> frozenset[str]:
    return frozenset(shingles(text))


def _similarity(text_a: str, text_b: str) -> float:
    return 1.0 if text_a == text_b else jaccard(_grams(text_a, NGRAM), _grams(text_b, NGRAM))


def same_story(body_a: str, body_b: str) -> float | None:
    """The Jaccard similarity of two bodies when they are the same story, else None.
    (The cheap rules first; recent bodies' normalised text and n-grams are cached.)"""
    return _same_prepared(_prepare(body_a or ""), _prepare(body_b or ""))


def _same_prepared(a: _Prepared, b: _Prepared) -> float | None:
    """``same_story`` of two bodies' prepared forms."""
    if len(a.text) < MIN_CHARS or len(b.text) < MIN_CHARS:
        return None
    if not facts_agree(a.numbers, b.numbers):
        return None  # the same frame with other facts: another year, week or number
    needed = LIST_THRESHOLD if a.is_list and b.is_list else THRESHOLD
    similarity = _similarity(a.text, b.text)
    if similarity < needed:
        return None  # (two lists of mostly the same firms are different lists)
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


def facts_agree(nums_a: set[str] | frozenset[str], nums_b: set[str] | frozenset[str],
                years_a: frozenset[str] | None = None,
                years_b: frozenset[str] | None = None) -> bool:
    """A repost states the facts of its original: the years of one are among the years
    of the other, and most numbers of the shorter are in the longer (a dropped
    paragraph takes its numbers with it; a new year or new figures mean another text).
    ``years_a``, ``years_b``: ``years(nums_a)``, ``years(nums_b)`` when already known."""
    years_a = years(nums_a) if years_a is None else years_a
    years_b = years(nums_b) if years_b is None else years_b
    if years_a and years_b and not (years_a <= years_b or years_b <= years_a):
        return False
    return containment(nums_a, nums_b) >= NUMBERS_AGREEMENT


def years(nums: Iterable[str]) -> frozenset[str]:
    """The digit runs that are years (``YEAR``; the runs hold digits only)."""
    return frozenset(n for n in nums if len(n) == 4 and YEAR.fullmatch(n))


# ------------------------------------------------------------------------ the tables

SCHEMA = """
create table if not exists dedup_signatures (
  url text primary key references articles(url),
  minhash blob not null,
  chars integer not null,
  numbers text
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
create table if not exists dedup_state (
  key text primary key,
  value text
);
"""


def create_tables(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):  # not executescript: it would commit
        if statement.strip():
            conn.execute(statement)
    columns = {row[1] for row in conn.execute("pragma table_info(dedup_signatures)")}
    if "numbers" not in columns:  # an archive from before the column: filled as needed
        conn.execute("alter table dedup_signatures add column numbers text")
    row = conn.execute("select value from dedup_state where key = 'shingle_hash'").fetchone()
    if row is None or row[0] != SHINGLE_HASH:
        resign(conn)


RESIGN_PROGRESS = 10_000  # articles between progress lines when re-signing


def resign(conn: sqlite3.Connection) -> int:
    """Compute every stored signature again from its body, the current way (an archive
    signed with another n-gram hash: its signatures cannot be compared with new ones).
    Returns how many were re-signed."""
    total = conn.execute("select count(*) from dedup_signatures").fetchone()[0]
    if total:
        logger.warning("dedup: re-signing %d stored articles (n-gram hash now %s)", total,
                       SHINGLE_HASH)
    done = 0
    rows = conn.execute("select s.url, a.body from dedup_signatures s "
                        "left join articles a on a.url = s.url").fetchall()
    for url, body in rows:
        text = _prepare(body or "").text
        if len(text) < MIN_CHARS:  # (cannot happen unless the body changed unseen)
            conn.execute("delete from dedup_signatures where url = ?", [url])
        else:
            conn.execute("update dedup_signatures set minhash = ? where url = ?",
                         [signature(text).hashvalues.astype(np.uint64).tobytes(), url])
        done += 1
        if done % RESIGN_PROGRESS == 0:
            logger.warning("dedup: re-signed %d / %d", done, total)
    conn.execute("insert or replace into dedup_state (key, value) values ('shingle_hash', ?)",
                 [SHINGLE_HASH])
    return done


def _stored_numbers(numbers: Iterable[str]) -> str:
    return " ".join(sorted(numbers))


def _parse_numbers(stored: str) -> _Facts:
    return _facts(stored.split())


class _Facts(NamedTuple):
    """An indexed body's digit runs (each once) and the years among them, for the facts
    rule."""

    numbers: tuple[str, ...]
    years: frozenset[str]

    def agree_with(self, digits: frozenset[str], digit_years: frozenset[str]) -> bool:
        """``facts_agree(digits, set(self.numbers), digit_years, self.years)``, without
        making the set (this runs for every candidate the index proposes)."""
        if digit_years and self.years and not (digit_years <= self.years
                                               or self.years <= digit_years):
            return False
        small = min(len(digits), len(self.numbers))
        return not small or len(digits.intersection(self.numbers)) / small >= NUMBERS_AGREEMENT


_YEAR_SETS: dict[frozenset[str], frozenset[str]] = {}  # one object per distinct set


def _facts(numbers: Iterable[str]) -> _Facts:
    # interned: the same digit runs (years, small counts) recur in thousands of bodies
    runs = tuple(sys.intern(n) for n in dict.fromkeys(numbers))
    found = years(runs)
    return _Facts(runs, _YEAR_SETS.setdefault(found, found))


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value[:19] if len(value) >= 19 else value[:10])
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


class _Signatures:
    """The signatures of the indexed articles, in memory: one row of a uint32 matrix each
    (datasketch's hash values are below 2**32), 512 bytes an article. Rows are handed out
    in order and never reused (the banded index refers to them): an article indexed again
    (its body changed) gets a new row and its old one is marked dead."""

    def __init__(self, capacity: int = 1024):
        self.matrix = np.zeros((max(1, capacity), NUM_PERM), dtype=np.uint32)
        self.alive = np.zeros(max(1, capacity), dtype=bool)
        self.rows: dict[str, int] = {}
        self.urls: list[str | None] = []  # by row (None: dead)

    def add(self, url: str, hashvalues: np.ndarray) -> int:
        self.discard(url)
        row = len(self.urls)
        if row == len(self.matrix):
            self._grow(2 * len(self.matrix))
        self.matrix[row] = hashvalues
        self.alive[row] = True
        self.rows[url] = row
        self.urls.append(url)
        return row

    def add_many(self, urls: list[str], matrix: np.ndarray) -> None:
        """Index many new articles at once (loading an archive's stored signatures)."""
        start = len(self.urls)
        if start + len(urls) > len(self.matrix):
            self._grow(max(2 * len(self.matrix), start + len(urls)))
        self.matrix[start:start + len(urls)] = matrix
        self.alive[start:start + len(urls)] = True
        for offset, url in enumerate(urls):
            self.discard(url)
            self.rows[url] = start + offset
        self.urls.extend(urls)

    def _grow(self, capacity: int) -> None:
        grown = np.zeros((capacity, NUM_PERM), dtype=np.uint32)
        grown[:len(self.urls)] = self.matrix[:len(self.urls)]
        self.matrix = grown
        alive = np.zeros(capacity, dtype=bool)
        alive[:len(self.urls)] = self.alive[:len(self.urls)]
        self.alive = alive

    def discard(self, url: str) -> None:
        row = self.rows.pop(url, None)
        if row is not None:
            self.alive[row] = False
            self.urls[row] = None

    def estimates(self, hashvalues: np.ndarray, urls: list[str]) -> np.ndarray:
        """The MinHash estimate of the Jaccard of each of ``urls`` with ``hashvalues``
        (0 for a URL without a signature)."""
        rows = np.array([self.rows.get(url, -1) for url in urls], dtype=np.int64)
        return np.where(rows >= 0, self.row_estimates(hashvalues, rows), 0.0)

    def row_estimates(self, hashvalues: np.ndarray, rows: np.ndarray) -> np.ndarray:
        same = np.count_nonzero(self.matrix[rows] == hashvalues.astype(np.uint32), axis=1)
        return same / NUM_PERM


# The banded LSH: BANDS bands of ROWS hash values each, the (b, r) datasketch's MinHashLSH
# chooses for LSH_THRESHOLD 0.3 and 128 permutations: a pair at Jaccard s shares a band with
# probability 1 - (1 - s**3)**37, 0.97 at 0.45 and 0.9999 at 0.7.
BANDS, ROWS = 37, 3
# At most this many members of one bucket are proposed, the most recently indexed: a
# bucket this full is a band of boilerplate shared by a family of templated articles (a
# repost and its original share about 37 * s**3 buckets, 19 at s = 0.8, and one member of
# a cluster found is enough). Without the cap the proposals per new article grow with the
# archive (653 at 100 k on the generated corpus) and so does the cost of each.
BUCKET_CAP = 64
MERGE_AT = 4096  # articles indexed into the small buffer before it joins the sorted arrays
_BAND_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9],
                     dtype=np.uint64)[:ROWS]
_BAND_SALT = (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) * np.uint64(0xD6E8FEB86659FD93)


def band_keys(hashvalues: np.ndarray) -> np.ndarray:
    """One 64-bit key per band (the last axis: a signature, or a matrix of them): a mix of
    the band's hash values and its number (distinct value triples collide with a
    probability of about 2**-64; a collision only adds a candidate the estimate drops)."""
    values = np.asarray(hashvalues)[..., :BANDS * ROWS].astype(np.uint64)
    values = values.reshape(*values.shape[:-1], BANDS, ROWS)
    with np.errstate(over="ignore"):  # (modulo 2**64: a product of uint64 arrays wraps)
        # the sum of each band's products with _BAND_MIX: as a matrix product, 1.6 us a
        # signature where multiplying and summing took 5 (issue 22; the same keys)
        return (values @ _BAND_MIX) ^ _BAND_SALT


class _Bands:
    """The buckets of the banded LSH, compact: every (band key, signature row) pair of the
    index in two sorted numpy arrays (12 bytes a pair, 444 bytes an article), plus a
    small dict of the pairs added since the arrays were last merged. datasketch's
    MinHashLSH kept ~10 KB an article in Python sets and bytes keys (1 GB at 100 k)."""

    def __init__(self) -> None:
        self.keys = np.empty(0, dtype=np.uint64)
        self.rows = np.empty(0, dtype=np.uint32)
        # band key -> the rows indexed into its bucket since the last merge, in order: a
        # bucket of one row holds the row itself (nearly every bucket: a list each, 37 an
        # article, made the garbage collector run more often and walk them all)
        self.recent: dict[int, int | list[int]] = {}
        self.recent_articles = 0
        self._last_keys: tuple[np.ndarray, np.ndarray, list[int]] | None = None

    def build(self, matrix: np.ndarray, rows: np.ndarray) -> None:
        """Index these signature rows (the matrix's rows, in ``rows`` order) at once."""
        keys = band_keys(matrix).ravel()
        owners = np.repeat(rows.astype(np.uint32), BANDS)
        self._merge(keys, owners)

    def _keys(self, hashvalues: np.ndarray) -> tuple[np.ndarray, list[int]]:
        """The band keys of a signature, as an array and a list. A new article's are
        asked for twice, by the query for its candidates and when it is indexed: the
        second time they are the first's (the same array object: signatures are never
        changed in place). A numpy call costs 5-20 us amid the writer's SQLite work."""
        last = self._last_keys
        if last is not None and last[0] is hashvalues:
            return last[1], last[2]
        keys = band_keys(hashvalues)
        key_list = keys.tolist()
        self._last_keys = (hashvalues, keys, key_list)
        return keys, key_list

    def add(self, row: int, hashvalues: np.ndarray, alive: np.ndarray | None = None) -> None:
        recent, row = self.recent, int(row)
        for key in self._keys(hashvalues)[1]:
            bucket = recent.get(key)
            if bucket is None:
                recent[key] = row
            elif type(bucket) is int:
                recent[key] = [bucket, row]
            else:
                bucket.append(row)
        self.recent_articles += 1
        if self.recent_articles >= MERGE_AT:
            self.flush(alive)

    def flush(self, alive: np.ndarray | None = None) -> None:
        """Merge the recent pairs into the sorted arrays (dropping dead rows' pairs)."""
        buckets = [(key, [rows] if type(rows) is int else rows)
                   for key, rows in self.recent.items()]
        keys = [key for key, rows in buckets for _ in rows]
        owners = [row for _, rows in buckets for row in rows]
        self.recent, self.recent_articles = {}, 0
        self._merge(np.array(keys, dtype=np.uint64), np.array(owners, dtype=np.uint32),
                    alive)

    def _merge(self, keys: np.ndarray, owners: np.ndarray,
               alive: np.ndarray | None = None) -> None:
        # new rows are higher than every row already merged, so a stable sort by key
        # keeps each bucket's rows in indexing order
        new = np.lexsort((owners, keys))
        keys = np.concatenate([self.keys, keys[new]])
        owners = np.concatenate([self.rows, owners[new]])
        order = np.argsort(keys, kind="stable")
        self.keys, self.rows = keys[order], owners[order]
        if alive is not None:
            keep = alive[self.rows]
            self.keys, self.rows = self.keys[keep], self.rows[keep]

    def query(self, hashvalues: np.ndarray) -> np.ndarray:
        """The rows sharing a bucket with this signature: of each bucket the
        ``BUCKET_CAP`` most recently indexed (dead rows included: the caller drops them)."""
        keys, key_list = self._keys(hashvalues)
        get = self.recent.get
        recent_rows: list[int] = []
        for key in key_list:
            recent = get(key)
            if recent is None:
                continue
            if type(recent) is int:
                recent_rows.append(recent)
            else:
                recent_rows.extend(recent[-BUCKET_CAP:])
        if len(self.keys):  # only the bands whose bucket has merged members
            starts = np.searchsorted(self.keys, keys, side="left")
            ends = np.searchsorted(self.keys, keys, side="right")
            for band in np.flatnonzero(ends > starts).tolist():
                recent = get(key_list[band])
                held = 0 if recent is None else 1 if type(recent) is int else len(recent)
                room = BUCKET_CAP - min(BUCKET_CAP, held)
                if room:
                    start, end = int(starts[band]), int(ends[band])
                    recent_rows.extend(self.rows[max(start, end - room):end].tolist())
        # (a set of a few dozen ints: fewer numpy calls than unique() of an array)
        return np.array(sorted(set(recent_rows)), dtype=np.int64)


PAIRS_AT_ONCE = 2_000_000  # candidate pairs a step of _bucket_pairs holds (16 MB)


def _distinct(values: np.ndarray, counted: bool = False
              ) -> tuple[np.ndarray, np.ndarray | None]:
    """The distinct values, sorted, and (``counted``) how many times each came (np.unique
    hashes integers first: 4.5 s for the 4 M pairs of a 10,000-article crawl, where
    sorting takes 0.3)."""
    values = np.sort(values)
    if not len(values):
        return values, (np.zeros(0, dtype=np.int64) if counted else None)
    firsts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    counts = np.diff(np.concatenate([firsts, [len(values)]])) if counted else None
    return values[firsts], counts


def _sure_bands() -> int:
    """How many bands two signatures must share for their estimate to reach
    ``THRESHOLD - ESTIMATE_MARGIN`` whatever their other values (bands are disjoint: a
    shared band is ``ROWS`` equal values). Not cached: benchmarks/dedup.py tries other
    thresholds by setting the module's."""
    floor = THRESHOLD - ESTIMATE_MARGIN
    return next(shared for shared in range(BANDS + 2)
                if shared > BANDS or shared * ROWS / NUM_PERM >= floor)


def _bucket_pairs(keys: np.ndarray, rows: np.ndarray, group: np.ndarray
                  ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs (q, c) of signature rows that :meth:`_Bands.query` of q's signature
    would propose, over every bucket of the sorted arrays (``keys``, ``rows``: each
    bucket's rows in indexing order) at once: c is among the ``BUCKET_CAP`` most recent
    of a bucket q is in, both rows are grouped (``group[row]`` ≥ 0) and their groups
    differ. Only the grouped rows' entries are looked at, and only in buckets holding
    two groups; in steps of at most about ``PAIRS_AT_ONCE`` pairs (a pair comes once
    from each band the two rows share)."""
    entry_group = group[rows]
    at = np.flatnonzero(entry_group >= 0)  # the grouped entries, in bucket order
    if len(at) < 2:
        return
    at_keys, at_group = keys[at], entry_group[at]
    starts = np.concatenate([[0], np.flatnonzero(at_keys[1:] != at_keys[:-1]) + 1])
    sizes = np.diff(np.concatenate([starts, [len(at)]]))
    mixed = ((sizes >= 2) & (np.minimum.reduceat(at_group, starts)
                             != np.maximum.reduceat(at_group, starts)))
    if not mixed.any():
        return
    keep = np.repeat(mixed, sizes)
    at, at_keys, at_group = at[keep], at_keys[keep], at_group[keep]
    starts, sizes = starts[mixed], sizes[mixed]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    bucket = np.repeat(np.arange(len(starts)), sizes)
    # a bucket's newest BUCKET_CAP entries, of all its rows, grouped or not, are proposed
    ends = np.searchsorted(keys, at_keys[starts], side="right")
    c_entries = np.flatnonzero(at >= ends[bucket] - BUCKET_CAP)  # (indexes into at)
    c_count = np.bincount(bucket[c_entries], minlength=len(starts))
    c_first = np.concatenate([[0], np.cumsum(c_count)[:-1]])
    per_q = c_count[bucket]  # the pairs each grouped entry makes (its own among them)
    done = 0
    while done < len(at):
        # as many q entries as make at most PAIRS_AT_ONCE pairs (at least one)
        total = np.cumsum(per_q[done:])
        step = max(1, int(np.searchsorted(total, PAIRS_AT_ONCE, side="right")))
        q_side = np.repeat(np.arange(done, min(done + step, len(at))),
                           per_q[done:done + step])
        counts = per_q[done:done + step]
        done += step
        offsets = np.arange(len(q_side)) - np.repeat(np.cumsum(counts) - counts, counts)
        c_side = c_entries[c_first[bucket[q_side]] + offsets]
        differ = at_group[q_side] != at_group[c_side]
        yield (rows[at[q_side[differ]]].astype(np.int64),
               rows[at[c_side[differ]]].astype(np.int64))


class _Index:
    """The LSH index of one archive and the signatures behind it."""

    def __init__(self) -> None:
        self.signatures = _Signatures()
        self.bands = _Bands()
        # the digit runs of each indexed body (``numbers``), for the facts rule; an
        # article is indexed again whenever its body changes
        self.numbers: dict[str, _Facts] = {}

    def load(self, rows: Iterable[tuple[str, bytes, str | None]]) -> int:
        urls: list[str] = []
        blobs: list[bytes] = []
        for url, blob, numbers in rows:
            urls.append(url)
            blobs.append(blob)
            if numbers is not None:
                self.numbers[url] = _parse_numbers(numbers)
        if urls:
            matrix = np.frombuffer(b"".join(blobs), dtype=np.uint64).reshape(len(urls),
                                                                               NUM_PERM)
            first = len(self.signatures.urls)
            self.signatures.add_many(urls, matrix.astype(np.uint32))
            self.bands.build(self.signatures.matrix[first:first + len(urls)],
                             np.arange(first, first + len(urls)))
        return len(urls)

    def add(self, url: str, minhash: MinHash | np.ndarray, numbers: Iterable[str]) -> None:
        hashvalues = _hashvalues(minhash)
        row = self.signatures.add(url, hashvalues)
        self.bands.add(row, hashvalues, self.signatures.alive)
        self.numbers[url] = _facts(numbers)

    def remove(self, url: str) -> None:
        self.signatures.discard(url)
        self.numbers.pop(url, None)

    def __contains__(self, url: str) -> bool:
        return url in self.signatures.rows

    def _proposed_rows(self, hashvalues: np.ndarray, url: str | None = None) -> np.ndarray:
        rows = self.bands.query(hashvalues)
        rows = rows[self.signatures.alive[rows]]
        own = self.signatures.rows.get(url) if url is not None else None
        return rows[rows != own] if own is not None else rows

    def query(self, minhash: MinHash | np.ndarray) -> list[str]:
        """The URLs the LSH proposes for this signature (datasketch's ``query``)."""
        urls = self.signatures.urls
        return [urls[row] for row in self._proposed_rows(_hashvalues(minhash)).tolist()]

    def candidates(self, url: str, minhash: MinHash | np.ndarray) -> list[str]:
        """What the LSH proposes, without those whose MinHash estimate is far below
        ``THRESHOLD``, the likeliest first."""
        hashvalues = _hashvalues(minhash)
        rows = self._proposed_rows(hashvalues, url)
        if not len(rows):
            return []
        estimates = self.signatures.row_estimates(hashvalues, rows).tolist()
        # in Python (a few dozen rows: each numpy call costs 5-20 us amid the writer's
        # SQLite work); sorted stably by falling estimate, as argsort(-estimates) did
        kept = [(estimate, row) for estimate, row in zip(estimates, rows.tolist(), strict=True)
                if estimate >= THRESHOLD - ESTIMATE_MARGIN]
        kept.sort(key=lambda pair: -pair[0])
        urls = self.signatures.urls
        return [urls[row] for _, row in kept]

    def cross_group_candidates(self, group: np.ndarray) -> dict[int, np.ndarray]:
        """For each signature row q with a group (``group[row]`` ≥ 0, by row) that has
        any, the rows of other groups among its :meth:`candidates` (proposed and not far
        below ``THRESHOLD``; in no particular order), found for every row at once: what a
        call of ``candidates`` for each would give, filtered by group. The pairs of every
        bucket come in a few numpy steps (a call of ``candidates`` costs about a
        millisecond on a templated corpus), and a pair sharing ``_sure_bands()`` bands
        needs no estimate: its signatures agree in three values a band. The index's
        recent pairs are merged first, as every ``MERGE_AT`` articles."""
        self.bands.flush(self.signatures.alive)
        matrix, alive = self.signatures.matrix, self.signatures.alive
        floor, width, sure = THRESHOLD - ESTIMATE_MARGIN, matrix.shape[1], _sure_bands()
        found: list[np.ndarray] = []
        for q_rows, c_rows in _bucket_pairs(self.bands.keys, self.bands.rows, group):
            live = alive[q_rows] & alive[c_rows]
            codes, shared = _distinct(q_rows[live] * len(matrix) + c_rows[live], True)
            found.append(codes[shared >= sure])
            codes = codes[shared < sure]
            for start in range(0, len(codes), PAIRS_AT_ONCE // 8):
                chunk = codes[start:start + PAIRS_AT_ONCE // 8]
                q, c = np.divmod(chunk, len(matrix))
                same = np.count_nonzero(matrix[q] == matrix[c], axis=1)
                found.append(chunk[same / width >= floor])
        if not found:
            return {}
        q, c = np.divmod(_distinct(np.concatenate(found))[0], len(matrix))
        if not len(q):
            return {}
        cuts = np.flatnonzero(q[1:] != q[:-1]) + 1
        firsts = np.concatenate([[0], cuts])
        return dict(zip(q[firsts].tolist(), np.split(c, cuts), strict=True))


def _hashvalues(minhash: MinHash | np.ndarray) -> np.ndarray:
    return np.asarray(getattr(minhash, "hashvalues", minhash))


def _stored_minhash(blob: bytes) -> MinHash:
    return as_minhash(np.frombuffer(blob, dtype=np.uint64))


# One index per archive file and process: the crawlers of a run (one per site, in one
# process and one thread) each write through their own connection, and a repost stored
# by one must be found by the others. Their transactions never overlap (one thread), so
# whichever of two copies is committed second finds the first.
_SHARED_INDEXES: dict[str, _Index] = {}


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

    def order(self) -> tuple[str, str, str]:
        """Earliest first: the cluster's original sorts first."""
        return (self.published_at or "9999", self.fetched_at or "9999", self.url)


ARTICLE_COLUMNS = "url, site_id, body, source, published_at, fetched_at"


class Deduplicator:
    """The LSH index of one archive, and cluster assignment for new or changed articles."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        create_tables(conn)
        path = _database_file(conn)
        index = _SHARED_INDEXES.get(path) if path else None
        if index is None:
            index = _Index()
            loaded = index.load(conn.execute(
                "select url, minhash, numbers from dedup_signatures"))
            logger.debug("dedup: %d signatures loaded", loaded)
            if path:
                _SHARED_INDEXES[path] = index
        self.index = index
        self.presigned = Presigned()  # what extraction workers computed for this writer

    @staticmethod
    def _minhash(blob: bytes) -> MinHash:
        return _stored_minhash(blob)

    def _article(self, url: str) -> _Article | None:
        row = self.conn.execute(f"select {ARTICLE_COLUMNS} from articles where url = ?",
                                [url]).fetchone()
        return _Article(*row) if row else None

    def _articles(self, urls: list[str]) -> list[_Article]:
        """These articles (those stored), in the order of ``urls``."""
        found: dict[str, _Article] = {}
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            for row in self.conn.execute(
                    f"select {ARTICLE_COLUMNS} from articles where url in "
                    f"({','.join('?' * len(chunk))})", chunk):
                found[row[0]] = _Article(*row)
        return [found[url] for url in urls if url in found]

    def assign(self, urls: Iterable[str]) -> int:
        """(Re)assign the clusters of these articles (new or changed); returns how many
        joined a cluster. Commits nothing: the caller's transaction holds the writes."""
        joined = 0
        for url in dict.fromkeys(urls):
            joined += self._assign_one(url)
        return joined

    def reconcile(self, run_urls: dict[str, int]) -> int:
        """After a crawl split across processes (``crawler/shards.py``), each of which
        assigned clusters knowing only the archive as it was and what it stored itself:
        ``run_urls`` maps the run's new and changed articles to the process that stored
        them. Those whose LSH candidates include an article another process stored this
        run are assigned again (as :meth:`assign`, now that the index holds every
        process's articles); returns how many joined a cluster."""
        if len(set(run_urls.values())) < 2:
            return 0
        signatures, known = self.index.signatures, self.index.numbers
        codes = {value: code for code, value in enumerate(dict.fromkeys(run_urls.values()))}
        group = np.full(len(signatures.urls), -1, dtype=np.int16)  # by row; -1: not in the run
        for url, value in run_urls.items():
            row = signatures.rows.get(url)
            if row is not None:  # (not indexed: too short to cluster)
                group[row] = codes[value]
        flagged = set()
        for row, other_rows in self.index.cross_group_candidates(group).items():
            url = signatures.urls[row]
            facts = known.get(url)
            if facts is None or self._any_facts_agree(
                    frozenset(facts.numbers), [signatures.urls[other]
                                               for other in other_rows.tolist()]):
                flagged.add(url)  # (the facts rule first, as assign applies it)
        again = [url for url in run_urls if url in flagged]
        return self.assign(again)

    def _forget(self, url: str) -> None:
        """Take an article out of the index and its cluster (it changed or is gone)."""
        self.index.remove(url)
        self.conn.execute("delete from dedup_signatures where url = ?", [url])
        row = self.conn.execute("select cluster_id, is_original from cluster_members "
                                "where url = ?", [url]).fetchone()
        if row:
            cluster_id, was_original = row
            self.conn.execute("delete from cluster_members where url = ?", [url])
            if was_original:
                self._refresh(cluster_id)  # another member is the original now
            else:
                self._update_counts(cluster_id)

    def _assign_one(self, url: str) -> int:
        self._forget(url)
        article = self._article(url)
        if article is None:
            return 0
        prepared = self.presigned.prepared(article.body or "")
        text = prepared.text
        if len(text) < MIN_CHARS:
            return 0
        minhash = self.presigned.signature(article.body, text)
        candidates = self._facts_agree(prepared.numbers, self.index.candidates(url, minhash))
        self.index.add(url, minhash, prepared.numbers)
        self.conn.execute(
            "insert or replace into dedup_signatures (url, minhash, chars, numbers) "
            "values (?, ?, ?, ?)", [url, minhash.hashvalues.astype(np.uint64).tobytes(),
                                    len(text), _stored_numbers(prepared.numbers)])
        # same_story, with the prepared forms the workers handed over (the crawl process
        # would prepare both bodies again: ~0.05 ms an article, issue 22)
        matches = [other.url for other in self._articles(candidates)
                   if _same_prepared(prepared, self.presigned.prepared(other.body or ""))
                   is not None]
        if not matches:
            return 0
        clustered = dict(self.conn.execute(
            f"select url, cluster_id from cluster_members where url in "
            f"({','.join('?' * len(matches))})", matches).fetchall())
        clusters = set(clustered.values())
        newcomers = [m for m in matches if m not in clustered] + [url]
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
        for member in newcomers:
            self.conn.execute(
                "insert or ignore into cluster_members (url, cluster_id, is_original, "
                "similarity, exact) values (?, ?, 0, 0, 0)", [member, cluster_id])
        if len(clusters) == 1:
            self._extend(cluster_id, newcomers)
        else:
            self._refresh(cluster_id)
        return 1

    def _facts_agree(self, digits: frozenset[str], candidates: list[str]) -> list[str]:
        """The candidates whose stored digit runs agree with ``digits`` (the facts rule
        of ``same_story``, before any body is read). Those indexed before the digit runs
        were stored have them computed once, here."""
        known = self.index.numbers
        missing = [url for url in candidates if url not in known]
        for other in self._articles(missing):
            found = numbers(other.body)
            known[other.url] = _facts(found)
            self.conn.execute("update dedup_signatures set numbers = ? where url = ?",
                              [_stored_numbers(found), other.url])
        digits, digit_years = frozenset(digits), years(digits)
        return [url for url in candidates
                if url in known and known[url].agree_with(digits, digit_years)]

    def _any_facts_agree(self, digits: frozenset[str], candidates: list[str]) -> bool:
        """Whether any of the candidates agrees with ``digits`` (:meth:`_facts_agree`,
        stopping at the first that does)."""
        known, digit_years = self.index.numbers, years(digits)
        if any(known[url].agree_with(digits, digit_years)
               for url in candidates if url in known):
            return True
        missing = [url for url in candidates if url not in known]
        return bool(missing) and bool(self._facts_agree(digits, missing))

    def _extend(self, cluster_id: int, newcomers: list[str]) -> None:
        """A cluster gained members: when none of them is earlier than its original, only
        their rows are computed (the others' figures are relative to the original, which
        stays); else the whole cluster is."""
        row = self.conn.execute("select original_url from clusters where cluster_id = ?",
                                [cluster_id]).fetchone()
        original = self._article(row[0]) if row else None
        added = self._articles(newcomers)
        if original is None or any(a.order() < original.order() for a in added):
            self._refresh(cluster_id)
            return
        self._write_members(original, added)
        self._update_counts(cluster_id)

    def _update_counts(self, cluster_id: int) -> None:
        """A cluster's size and sites after a member that is not its original came or
        went (fewer than two members: no cluster)."""
        size, sites = self.conn.execute(
            "select count(*), count(distinct a.site_id) from cluster_members m "
            "join articles a on a.url = m.url where m.cluster_id = ?", [cluster_id]).fetchone()
        if size < 2:
            self._dissolve(cluster_id)
            return
        self.conn.execute("update clusters set size = ?, sites = ?, updated_at = datetime('now') "
                          "where cluster_id = ?", [size, sites, cluster_id])

    def _dissolve(self, cluster_id: int) -> None:
        self.conn.execute("delete from cluster_members where cluster_id = ?", [cluster_id])
        self.conn.execute("delete from clusters where cluster_id = ?", [cluster_id])

    def _refresh(self, cluster_id: int) -> None:
        """Re-choose a cluster's original and recompute its members' figures."""
        urls = [row[0] for row in self.conn.execute(
            "select url from cluster_members where cluster_id = ?", [cluster_id])]
        articles = self._articles(urls)
        if len(articles) < 2:
            self._dissolve(cluster_id)
            return
        original = min(articles, key=_Article.order)
        self._write_members(original, articles)
        self.conn.execute(
            "update clusters set original_url = ?, size = ?, sites = ?, "
            "first_published_at = ?, updated_at = datetime('now') where cluster_id = ?",
            [original.url, len(articles), len({a.site_id for a in articles}),
             original.published_at, cluster_id])

    def _write_members(self, original: _Article, members: list[_Article]) -> None:
        """The figures of these members relative to the cluster's original."""
        original_text = self.presigned.prepared(original.body or "").text
        names = self._site_names(original.site_id)
        start = _parse_time(original.published_at or original.fetched_at)
        for member in members:
            text = self.presigned.prepared(member.body or "").text
            exact = text == original_text
            similarity = 1.0 if exact else _similarity(text, original_text)
            moment = _parse_time(member.published_at or member.fetched_at)
            lag = ((moment - start).total_seconds() / 3600 if moment and start else None)
            is_original = member.url == original.url
            credits = (None if is_original else
                       bool(member.source and any(n and n in member.source for n in names)))
            self.conn.execute(
                "update cluster_members set is_original = ?, similarity = ?, exact = ?, "
                "lag_hours = ?, source = ?, credits_original = ? where url = ?",
                [int(is_original), round(similarity, 4), int(exact),
                 None if lag is None else round(lag, 1), member.source,
                 None if credits is None else int(credits), member.url])

    def _site_names(self, site_id: str) -> list[str]:
        """Names a repost's 来源 line may give the original by: its site name and park."""
        row = self.conn.execute("select name, park from sites where id = ?",
                                [site_id]).fetchone()
        return [n for n in (row or ()) if n]
