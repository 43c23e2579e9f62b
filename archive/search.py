"""Chinese full-text search: a contentless FTS5 index over overlapping character bigrams.

SQLite's own tokenizers fail on Chinese: ``unicode61`` takes a whole run of Han characters
as one token (a search for 园区 misses 园区招商), ``trigram`` cannot match a 1-2
character query (most Chinese words have two) and falls back to a full scan. So the
archive indexes text it has cut itself:

- the text is NFKC-normalised (full-width letters and digits become half-width) and
  lower-cased, and, when the archive is set so (``parknews reindex --fold-traditional``),
  folded from traditional to simplified characters;
- every run of CJK characters becomes its overlapping bigrams plus the run's last
  character alone (``园区招商`` → ``园区 区招 招商 商``), every run of letters and digits
  one word (``5g``, ``park``);
- a query cuts its terms the same way: ``开发区`` becomes the phrase ``"开发 发区"``, a
  one-character term ``氢`` the prefix query ``"氢"*`` (it matches every bigram starting
  with 氢 and the lone last characters), so every article holding the term's characters
  in a row is found, and no other.

The index is ``articles_fts`` (contentless: the text lives in ``articles`` only), kept in
step by triggers that call the SQL function ``parknews_index_text()``; every connection
that writes articles must have it registered (``register_functions``; ``open_archive``
does it, and so does the Datasette plugin). ``INDEX_VERSION`` is stored in ``search_meta``:
when the cutting rules change, ``parknews reindex`` rebuilds the index.
"""

from __future__ import annotations

import html
import json
import math
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

INDEX_VERSION = "bigram-1"
FTS_TABLE = "articles_fts"
INDEXED_COLUMNS = ("title", "body", "source")  # in this order in the index
RANK_WEIGHTS = (10.0, 1.0, 2.0)  # bm25 weight of a match in title, body, source
INDEX_FUNCTION = "parknews_index_text"
MATCH_FUNCTION = "parknews_match"
MAX_QUERY_CHARS = 200  # longer queries are cut here (a clear note says so)
MAX_TERMS = 16

# CJK ideographs (with extension A and compatibility ideographs), kana and hangul: cut
# into bigrams. Letters and digits of other scripts: kept as words.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
SEGMENT = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
QUOTED = re.compile(r'"([^"]*)"')

_T2S = None  # the traditional -> simplified converter, made on first use


def _to_simplified(text: str) -> str:
    global _T2S
    if _T2S is None:
        from opencc import OpenCC  # opencc-python-reimplemented: pure Python tables

        _T2S = OpenCC("t2s")
    return _T2S.convert(text)


def normalize(text: str, fold_traditional: bool = False) -> str:
    """NFKC (full-width to half-width and the like) and lower case; traditional to
    simplified characters when asked (園區 → 园区)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _to_simplified(text) if fold_traditional else text


def _segments(text: str) -> list[tuple[str, str]]:
    """("cjk" | "word", text) runs of a normalised text, in order."""
    return [("cjk", m["cjk"]) if m["cjk"] else ("word", m["word"])
            for m in SEGMENT.finditer(text)]


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_text(text: str | None, fold_traditional: bool = False) -> str:
    """The tokens stored in the index for a text, space-separated."""
    if not text:
        return ""
    tokens: list[str] = []
    for kind, run in _segments(normalize(text, fold_traditional)):
        if kind == "word":
            tokens.append(run)
        else:
            tokens.extend(_bigrams(run))
            tokens.append(run[-1])
    return " ".join(tokens)


@dataclass(frozen=True)
class Query:
    """A user's query as an FTS5 MATCH expression, with what to highlight."""

    match: str | None  # None: nothing to search for
    terms: tuple[str, ...]  # normalised terms, for highlighting
    note: str | None = None  # something the user should know (a cut query)
    phrases: tuple[str, ...] = ()  # each term's FTS5 phrase (``match`` is their AND)


def _term_expression(term: str) -> str | None:
    """One term (a word, a run of characters, or a quoted phrase) as an FTS5 phrase."""
    segments = _segments(term)
    tokens: list[str] = []
    prefix = False
    for number, (kind, run) in enumerate(segments):
        last = number == len(segments) - 1
        if kind == "word":
            tokens.append(run)
        elif len(run) == 1:
            tokens.append(run)
            prefix = last  # a lone last character: any bigram starting with it
        else:
            tokens.extend(_bigrams(run))
            if not last:  # a run inside a term ends where the next segment begins
                tokens.append(run[-1])
    if not tokens:
        return None
    phrase = '"' + " ".join(tokens) + '"'  # tokens hold no quotes: letters, digits, CJK
    return phrase + "*" if prefix else phrase


def parse_query(query: str | None, fold_traditional: bool = False) -> Query:
    """Translate what a user typed into an FTS5 expression: every term must occur (AND);
    "quoted words" must occur together; operators and punctuation are plain text."""
    text = normalize(query or "", fold_traditional)
    note = None
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        note = f"the query was cut to its first {MAX_QUERY_CHARS} characters"
    terms: list[str] = []
    for number, piece in enumerate(QUOTED.split(text)):
        if number % 2:  # inside quotes: one phrase
            terms.append(piece)
        else:
            terms.extend(piece.replace('"', " ").split())
    expressions: list[str] = []
    kept: list[str] = []
    for term in terms:
        expression = _term_expression(term)
        if expression and expression not in expressions:
            expressions.append(expression)
            kept.append(term.strip())
    if len(expressions) > MAX_TERMS:
        expressions, kept = expressions[:MAX_TERMS], kept[:MAX_TERMS]
        note = f"only the first {MAX_TERMS} terms were used"
    if not expressions:
        return Query(None, (), note)
    return Query(" AND ".join(expressions), tuple(kept), note, tuple(expressions))


def match_expression(query: str | None, fold_traditional: bool = False) -> str:
    """The MATCH expression for a query; one that matches nothing when there is none
    (for Datasette's ``escape_fts``, which must return something)."""
    return parse_query(query, fold_traditional).match or '""'


# --------------------------------------------------------------------- the schema

def _index_sql(prefix: str) -> str:
    return ", ".join(f"{INDEX_FUNCTION}({prefix}.{column})" for column in INDEXED_COLUMNS)


TRIGGERS = {
    "articles_fts_insert": f"""
        create trigger if not exists articles_fts_insert after insert on articles begin
          insert into {FTS_TABLE}(rowid, {", ".join(INDEXED_COLUMNS)})
          values (new.rowid, {_index_sql("new")});
        end""",
    "articles_fts_delete": f"""
        create trigger if not exists articles_fts_delete after delete on articles begin
          insert into {FTS_TABLE}({FTS_TABLE}, rowid, {", ".join(INDEXED_COLUMNS)})
          values ('delete', old.rowid, {_index_sql("old")});
        end""",
    "articles_fts_update": f"""
        create trigger if not exists articles_fts_update
        after update of {", ".join(INDEXED_COLUMNS)} on articles begin
          insert into {FTS_TABLE}({FTS_TABLE}, rowid, {", ".join(INDEXED_COLUMNS)})
          values ('delete', old.rowid, {_index_sql("old")});
          insert into {FTS_TABLE}(rowid, {", ".join(INDEXED_COLUMNS)})
          values (new.rowid, {_index_sql("new")});
        end""",
}


def folds_traditional(conn: sqlite3.Connection) -> bool:
    """Whether this archive's index folds traditional characters to simplified."""
    try:
        row = conn.execute("select value from search_meta where key = 'fold_traditional'"
                           ).fetchone()
    except sqlite3.OperationalError:
        return False
    return bool(row) and row[0] == "1"


class Precut:
    """Text cut ahead of time, off the writer's thread (by the crawl's extraction
    workers): text -> its index tokens (no traditional folding), each used once by the
    index trigger of the one connection it was registered on (:func:`register_functions`)."""

    MAX = 1000  # entries kept; the oldest go first (the writer batches 50 articles)

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}
        self._twice: set[str] = set()  # texts whose tokens are taken twice

    def remember(self, text: str | None, tokens: str) -> None:
        if not text:
            return
        self._tokens[text] = tokens
        while len(self._tokens) > self.MAX:
            self._twice.discard(next(iter(self._tokens)))
            del self._tokens[next(iter(self._tokens))]

    def twice(self, text: str | None) -> None:
        """The text's tokens, if remembered, will be asked for twice: an article stored
        again keeps its text, and the index's update trigger cuts the old row's text (to
        delete its tokens) and then the new row's (issue 22: the body was cut again in the
        crawl process, ~0.4 ms an article stored again)."""
        if text and text in self._tokens:
            self._twice.add(text)

    def take(self, text: str) -> str | None:
        tokens = self._tokens.pop(text, None)
        if tokens is not None and text in self._twice:
            self._twice.discard(text)
            self._tokens[text] = tokens  # once more
        return tokens


def register_functions(conn: sqlite3.Connection, fold_traditional: bool | None = None,
                       precut: Precut | None = None) -> None:
    """Register the index and query functions on a connection (deterministic), cutting
    text as this archive's index does (its ``fold_traditional`` setting by default);
    ``precut``: tokens cut ahead of time for this connection's writer (archives that fold
    traditional characters cut their text themselves)."""
    fold = folds_traditional(conn) if fold_traditional is None else fold_traditional

    def cut(text: str | None) -> str:
        if text and not fold and precut is not None:
            tokens = precut.take(text)
            if tokens is not None:
                return tokens
        return index_text(text, fold)

    conn.create_function(INDEX_FUNCTION, 1, cut, deterministic=True)
    conn.create_function(MATCH_FUNCTION, 1, lambda query: match_expression(query, fold),
                         deterministic=True)


def set_fold_traditional(conn: sqlite3.Connection, fold: bool) -> None:
    """Record the folding option; the index must then be rebuilt (``rebuild_index``)."""
    conn.execute("create table if not exists search_meta (key text primary key, value text)")
    conn.execute("insert or replace into search_meta values ('fold_traditional', ?)",
                 ["1" if fold else "0"])
    register_functions(conn, fold)


def create_index(conn: sqlite3.Connection) -> None:
    """The FTS table, its triggers and the version row (no rows indexed yet)."""
    columns = ", ".join(INDEXED_COLUMNS)
    conn.execute(f"create virtual table if not exists {FTS_TABLE} using fts5("
                 f"{columns}, content='', tokenize='unicode61 remove_diacritics 0',"
                 f" prefix='1')")
    conn.execute("create table if not exists search_meta (key text primary key, value text)")
    for sql in TRIGGERS.values():
        conn.execute(sql)
    conn.execute("insert or replace into search_meta values ('index_version', ?)",
                 [INDEX_VERSION])


def rebuild_index(conn: sqlite3.Connection) -> int:
    """Drop and rebuild the index from ``articles``; returns how many rows were indexed.
    Needs ``register_functions`` on the connection."""
    for name in TRIGGERS:
        conn.execute(f"drop trigger if exists {name}")
    conn.execute(f"drop table if exists {FTS_TABLE}")
    create_index(conn)
    conn.execute(f"insert into {FTS_TABLE}(rowid, {', '.join(INDEXED_COLUMNS)}) "
                 f"select rowid, {_index_sql('articles')} from articles")
    return conn.execute("select count(*) from articles").fetchone()[0]


def index_version(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("select value from search_meta where key = 'index_version'"
                           ).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


# --------------------------------------------------------------------- searching

@dataclass
class Hit:
    url: str
    site_id: str
    title: str | None
    published_at: str | None
    source: str | None
    snippet: str  # HTML: escaped text with <mark> around the query's terms
    title_html: str
    rank: float


SNIPPET_CHARS = 120


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    pieces = sorted({t for t in terms if t}, key=len, reverse=True)
    if not pieces:
        return None
    return re.compile("|".join(re.escape(p) for p in pieces), re.I)


def highlight(text: str | None, terms: Iterable[str], limit: int | None = None) -> str:
    """Escaped ``text`` with each term in ``<mark>``; with ``limit``, a window of that
    many characters around the first match (… where cut)."""
    text = text or ""
    pattern = _term_pattern(terms)
    folded = text.lower()
    if len(folded) != len(text):  # (a few letters grow when lower-cased)
        folded = text
    first = pattern.search(folded) if pattern else None
    if pattern and first is None:  # perhaps written full-width or the like: NFKC
        normalized = normalize(text)
        if len(normalized) == len(text):  # (positions must still be the text's)
            folded = normalized
            first = pattern.search(folded)
    start, end = 0, len(text)
    if limit is not None and len(text) > limit:
        center = first.start() if first else 0
        start = max(0, center - limit // 3)
        end = min(len(text), start + limit)
    out: list[str] = ["…"] if start > 0 else []
    position = start
    if pattern:
        for match in pattern.finditer(folded, start, end):
            out.append(html.escape(text[position:match.start()]))
            out.append(f"<mark>{html.escape(text[match.start():match.end()])}</mark>")
            position = match.end()
    out.append(html.escape(text[position:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).replace("\n", " ")


# Ranking. FTS5's own bm25() counts, once per query, every row holding each term (its
# IDF): at a million articles that is 40-200 ms for a common word before any row is
# ranked. So the archive ranks itself, with the same formula and weights, over a bounded
# set: the RANK_WINDOW most recently stored matches (all of them when there are fewer);
# older matches follow, newest first. A term's document frequency (needed only when a
# query has several terms) is counted up to COUNT_CAP and estimated beyond, from how far
# back its COUNT_CAP-th newest match lies. Counts stop at COUNT_CAP: a larger result set
# is reported as COUNT_CAP + 1, "more than COUNT_CAP".
COUNT_CAP = 10_000
RANK_WINDOW = 500
BM25_K1, BM25_B = 1.2, 0.75
_ARTICLE_COLUMNS = "a.rowid, a.url, a.site_id, a.title, a.published_at, a.source, a.body"


def _filters(site: str | None, park: str | None, date_from: str | None,
             date_to: str | None) -> tuple[list[str], dict[str, object]]:
    where: list[str] = []
    params: dict[str, object] = {}
    if site:
        where.append("a.site_id = :site")
        params["site"] = site
    if park:
        where.append("a.site_id in (select id from sites where park = :park)")
        params["park"] = park
    if date_from:
        where.append("a.published_at >= :date_from")
        params["date_from"] = date_from
    if date_to:
        where.append("a.published_at < :date_to_end")
        params["date_to_end"] = date_to + "\uffff"  # the whole last day
    return where, params


def _document_frequency(conn: sqlite3.Connection, phrase: str, articles: int) -> float:
    """How many articles hold ``phrase``: counted up to COUNT_CAP, estimated beyond (the
    matches assumed spread over the archive as they are over its newest part). One pass
    over the phrase's matches, newest first, stopping at COUNT_CAP."""
    rowids = [r for (r,) in conn.execute(
        f"select rowid from {FTS_TABLE} where {FTS_TABLE} match ? order by rowid desc "
        f"limit {COUNT_CAP}", [phrase])]
    if len(rowids) < COUNT_CAP:
        return len(rowids)
    return min(articles, COUNT_CAP * articles / max(1, articles - rowids[-1] + 1))


def _phrase_tokens(phrase: str) -> list[str]:
    """The single-token queries of a phrase (``"开发 发区"`` → ``"开发"``, ``"发区"``;
    a prefix ``"氢"*`` stays as it is)."""
    prefix = phrase.endswith("*")
    tokens = phrase.rstrip("*").strip('"').split()
    return [f'"{token}"' + ("*" if prefix and number == len(tokens) - 1 else "")
            for number, token in enumerate(tokens)]


def _term_weights(conn: sqlite3.Connection, parsed: Query) -> list[float]:
    """Each term's IDF as bm25 has it (a term in most articles weighs next to nothing);
    with one term all weights are alike, so nothing is counted. A phrase's document
    frequency is taken as its rarest token's: matching the phrase itself can mean reading
    the whole of its common tokens' lists (tens of ms at a million articles), a single
    token's count stops at COUNT_CAP."""
    if len(parsed.phrases) < 2:
        return [1.0] * len(parsed.terms)
    articles = conn.execute("select max(rowid) from articles").fetchone()[0] or 0
    weights = []
    for phrase in parsed.phrases:
        df = min(_document_frequency(conn, token, articles)
                 for token in _phrase_tokens(phrase))
        weights.append(max(1e-6, math.log((articles - df + 0.5) / (df + 0.5))))
    return weights


def _occurrence_counter(term: str) -> Callable[[str], int]:
    """How often a term occurs in a text: its characters and words in order, anything
    but letters between words (as the index sees ``5G 园区`` and ``5G园区`` alike)."""
    runs = [run for _, run in _segments(term)] or [term]
    if len(runs) == 1 and not runs[0].isascii():
        return lambda text, run=runs[0]: text.count(run)  # Chinese: no case to fold
    pattern = re.compile(r"[\W_]*".join(re.escape(run) for run in runs), re.I)
    return lambda text: len(pattern.findall(text))


def _tf_and_length(title: str | None, source: str | None, body: str | None,
                   counters: list, fold: bool) -> tuple[list[float], int]:
    """Per term, the weighted count of its occurrences in title, body and source; and
    the article's length (characters of all three)."""
    w_title, w_body, w_source = RANK_WEIGHTS
    title, source, body = title or "", source or "", body or ""
    length = len(title) + len(source) + len(body)
    counts = [w_title * c(title) + w_body * c(body) + w_source * c(source) for c in counters]
    if not any(counts):  # matched through folding (full-width, traditional): fold
        title, source, body = (normalize(x, fold) for x in (title, source, body))
        counts = [w_title * c(title) + w_body * c(body) + w_source * c(source)
                  for c in counters]
    return counts, length


def _bm25(counts: list[float], length: int, weights: list[float],
          average_length: float) -> float:
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / max(1.0, average_length))
    return sum(weight * tf * (BM25_K1 + 1) / (tf + norm)
               for weight, tf in zip(weights, counts, strict=True) if tf)


def _score_rows(rows: list[tuple], parsed: Query, weights: list[float], fold: bool,
                average_length: float | None = None) -> list[tuple[float, tuple]]:
    """(bm25 score, row) for article rows ``(rowid, url, site, title, date, source,
    body)``: per term, the weighted count of its occurrences in title, body and source,
    saturated (k1) and normalised by the article's length (characters of all three)
    against the average (b; by default the average of these rows)."""
    counters = [_occurrence_counter(t) for t in parsed.terms]
    measured = [_tf_and_length(row[3], row[5], row[6], counters, fold) for row in rows]
    if average_length is None:
        lengths = [length for _, length in measured]
        average_length = sum(lengths) / len(lengths) if lengths else 1.0
    return [(_bm25(counts, length, weights, average_length), row)
            for row, (counts, length) in zip(rows, measured, strict=True)]


_WINDOW_COLUMNS = ("a.rowid, a.url, a.site_id, a.title, a.published_at, a.source, "
                   "parknews_search_tf(a.title, a.source, a.body)")


def _score_window(conn: sqlite3.Connection, rowids: list[int], parsed: Query,
                  weights: list[float], fold: bool) -> list[tuple[float, tuple]]:
    """_score_rows of the window's articles, their bodies read inside SQLite one at a
    time (a function of this connection counts the terms): only numbers come back, not
    the bodies of the whole window. The rows' last item is None (no body)."""
    counters = [_occurrence_counter(t) for t in parsed.terms]

    def tf(title, source, body) -> str:
        return json.dumps(_tf_and_length(title, source, body, counters, fold))

    conn.create_function("parknews_search_tf", 3, tf)
    rows = conn.execute(f"select {_WINDOW_COLUMNS} from articles a where a.rowid in "
                        "(select value from json_each(?))", [json.dumps(rowids)]).fetchall()
    measured = [json.loads(row[6]) for row in rows]
    lengths = [length for _, length in measured]
    average_length = sum(lengths) / len(lengths) if lengths else 1.0
    return [(_bm25(counts, length, weights, average_length), (*row[:6], None))
            for row, (counts, length) in zip(rows, measured, strict=True)]


def _with_bodies(conn: sqlite3.Connection, page: list[tuple[float, tuple]]
                 ) -> list[tuple[float, tuple]]:
    """The page's rows with their bodies, for the snippets (read for these rows only)."""
    missing = [row[0] for _, row in page if row[6] is None]
    if not missing:
        return page
    bodies = dict(conn.execute("select rowid, body from articles where rowid in "
                               "(select value from json_each(?))", [json.dumps(missing)]))
    return [(score, row if row[6] is not None else (*row[:6], bodies.get(row[0])))
            for score, row in page]


def _article_rows(conn: sqlite3.Connection, rowids: list[int]) -> list[tuple]:
    """The articles of these rowids (in no particular order)."""
    if not rowids:
        return []
    return conn.execute(f"select {_ARTICLE_COLUMNS} from articles a where a.rowid in "
                        f"(select value from json_each(?))", [json.dumps(rowids)]).fetchall()


def _average_length(conn: sqlite3.Connection) -> float:
    """The average article length (characters of title, source and body) over the
    newest 200 articles, for rows ranked beyond the window."""
    value = conn.execute(
        "select avg(coalesce(length(title), 0) + coalesce(length(source), 0) + "
        "coalesce(length(body), 0)) from (select title, source, body from articles "
        "order by rowid desc limit 200)").fetchone()[0]
    return float(value or 1.0)


def search(conn: sqlite3.Connection, query: str, *, site: str | None = None,
           park: str | None = None, date_from: str | None = None,
           date_to: str | None = None, limit: int = 20, offset: int = 0
           ) -> tuple[list[Hit], int, Query]:
    """Ranked hits, the count of matches (COUNT_CAP + 1 when there are more than
    COUNT_CAP) and the parsed query. The RANK_WINDOW newest matches are ranked by bm25
    (title above source above body); older matches follow, newest first."""
    fold = folds_traditional(conn)
    parsed = parse_query(query, fold)
    if parsed.match is None:
        return [], 0, parsed
    filters, params = _filters(site, park, date_from, date_to)
    params["match"] = parsed.match
    if filters:
        source = f"from {FTS_TABLE} join articles a on a.rowid = {FTS_TABLE}.rowid"
        where = " and ".join([f"{FTS_TABLE} match :match", *filters])
    else:
        source, where = f"from {FTS_TABLE}", f"{FTS_TABLE} match :match"
    matches = f"select {FTS_TABLE}.rowid {source} where {where} order by {FTS_TABLE}.rowid desc"
    # one pass over the matches, newest first: the count (up to the cap) and the window
    rowids = [r for (r,) in conn.execute(f"{matches} limit {COUNT_CAP + 1}", params)]
    total = len(rowids)
    offset, limit = max(0, offset), max(0, limit)
    if not total or not limit:
        return [], total, parsed
    weights = _term_weights(conn, parsed) if total > 1 else [1.0] * len(parsed.terms)
    page: list[tuple[float, tuple]] = []
    if offset < RANK_WINDOW:
        scored = _score_window(conn, rowids[:RANK_WINDOW], parsed, weights, fold)
        scored.sort(key=lambda item: (-item[0], -item[1][0]))  # ties: newest first
        page = _with_bodies(conn, scored[offset:offset + limit])
    missing = limit - len(page)
    if missing > 0 and total > RANK_WINDOW:  # beyond the window: newest first
        skip = RANK_WINDOW + max(0, offset - RANK_WINDOW)
        if skip + missing <= len(rowids):
            older = _article_rows(conn, rowids[skip:skip + missing])
            older.sort(key=lambda row: -row[0])
        else:  # past what was counted
            older = conn.execute(
                f"select {_ARTICLE_COLUMNS} from articles a join ({matches} limit :n "
                f"offset :skip) as m on a.rowid = m.rowid order by a.rowid desc",
                {**params, "n": missing, "skip": skip}).fetchall()
        page += _score_rows(older, parsed, weights, fold, _average_length(conn))
    hits = [Hit(url=row[1], site_id=row[2], title=row[3], published_at=row[4],
                source=row[5], snippet=highlight(row[6], parsed.terms, SNIPPET_CHARS),
                title_html=highlight(row[3], parsed.terms), rank=-score)
            for score, row in page]
    return hits, total, parsed
