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
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
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
    return Query(" AND ".join(expressions), tuple(kept), note)


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


def register_functions(conn: sqlite3.Connection, fold_traditional: bool | None = None
                       ) -> None:
    """Register the index and query functions on a connection (deterministic), cutting
    text as this archive's index does (its ``fold_traditional`` setting by default)."""
    fold = folds_traditional(conn) if fold_traditional is None else fold_traditional
    conn.create_function(INDEX_FUNCTION, 1, lambda text: index_text(text, fold),
                         deterministic=True)
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
    folded = normalize(text)
    if len(folded) != len(text):  # NFKC changed the length: match on the text itself
        folded = text.lower()
    start, end = 0, len(text)
    first = pattern.search(folded) if pattern else None
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


def search(conn: sqlite3.Connection, query: str, *, site: str | None = None,
           park: str | None = None, date_from: str | None = None,
           date_to: str | None = None, limit: int = 20, offset: int = 0
           ) -> tuple[list[Hit], int, Query]:
    """Ranked hits (bm25, title above source above body), the total count, the query."""
    parsed = parse_query(query, folds_traditional(conn))
    if parsed.match is None:
        return [], 0, parsed
    where = [f"{FTS_TABLE} match :match"]
    params: dict[str, object] = {"match": parsed.match, "limit": limit, "offset": offset}
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
    weights = ", ".join(str(w) for w in RANK_WEIGHTS)
    columns = "a.url, a.site_id, a.title, a.published_at, a.source, a.body"
    if len(where) == 1:  # no filter: count and rank in the index alone, then join the page
        total = conn.execute(f"select count(*) from {FTS_TABLE} where {where[0]}",
                             params).fetchone()[0]
        rows = conn.execute(
            f"select {columns}, ranked.rank from (select rowid, bm25({FTS_TABLE}, {weights})"
            f" as rank from {FTS_TABLE} where {where[0]} order by rank limit :limit"
            f" offset :offset) as ranked join articles a on a.rowid = ranked.rowid"
            f" order by ranked.rank", params).fetchall()
    else:
        base = (f"from {FTS_TABLE} join articles a on a.rowid = {FTS_TABLE}.rowid "
                f"where {' and '.join(where)}")
        total = conn.execute(f"select count(*) {base}", params).fetchone()[0]
        rows = conn.execute(
            f"select {columns}, bm25({FTS_TABLE}, {weights}) as rank {base} order by rank "
            f"limit :limit offset :offset", params).fetchall()
    hits = [Hit(url=url, site_id=site_id, title=title, published_at=published,
                source=source, snippet=highlight(body, parsed.terms, SNIPPET_CHARS),
                title_html=highlight(title, parsed.terms), rank=rank)
            for url, site_id, title, published, source, body, rank in rows]
    return hits, total, parsed
