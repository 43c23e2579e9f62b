#!/usr/bin/env python3
"""Measure repost detection (``archive/dedup.py``): labelled pairs, LSH vs exact, scale.

1. Labelled set (``benchmarks/dedup_pairs.py``: 250 reposts with portal edits, 250 hard
   negatives of five kinds, all text generated): precision and recall of ``same_story``
   at the default settings; the PR curve over thresholds (each pair's Jaccard recomputed
   once, the MIN_CHARS and facts rules applied as ``same_story`` applies them; checked
   against ``same_story`` at the default threshold); every failing pair with the rule
   that decided it; then candidate changes, measured by monkeypatching the module
   (``NGRAM``, ``THRESHOLD``, ``NUMBERS_AGREEMENT``, and prototypes of a traditional-
   character fold, a facts rule that skips meta lines and dated years, and a rule for
   name lists). ``archive/dedup.py`` itself is never changed.
2. LSH vs exact: ``--exact`` articles (default 5 000; 20 % reposts, notice and report
   families) stored through ``ArchiveWriter(db, 50, dedup=True)``; the reference is the
   exact Jaccard of every pair (a sparse product of the n-gram incidence matrix) with
   ``same_story``'s rules (MIN_CHARS, THRESHOLD, facts). LSH recall: reference pairs the
   LSH proposes (a query with one's stored signature returns the other); candidate
   recall: reference pairs the module compares (proposed, and the MinHash estimate above
   ``THRESHOLD − ESTIMATE_MARGIN``; other margins shown); cluster recall: reference pairs
   that ended in one cluster.
3. Scale: for each of ``--sizes`` (default 10 000, 50 000, 100 000) a fresh process
   stores that many generated articles (12 % reposts, 6 % notice/report/list families,
   2 % short items) through ``ArchiveWriter(db, 50, dedup=True)`` into a temporary
   archive, as a crawl does (so the times include the rows and the search index; the
   time inside ``Deduplicator.assign`` is shown apart, wall clock and CPU). Then
   ``--add`` new articles (the same mix, reposts of recent stories among them) are
   added to the archive just built, and a new ``Deduplicator`` is made as at the start
   of a run (the index rebuilt from the stored signatures; its Python heap measured
   with tracemalloc). Peak RSS is that process's VmHWM after the build; the machine's
   load average is recorded, as other work may share it.

Examples:

    python benchmarks/dedup.py                      # everything
    python benchmarks/dedup.py --quick              # small sizes, a minute or two
    python benchmarks/dedup.py --sizes 10000 --exact 2000
    python benchmarks/dedup.py --sizes 0            # no scale runs

Progress goes to stderr, the Markdown report to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import dedup_pairs  # noqa: E402
from dedup_pairs import Pair  # noqa: E402

from parknews.archive import dedup  # noqa: E402
from parknews.archive.store import ArchiveWriter, open_archive  # noqa: E402

PR_THRESHOLDS = [round(0.30 + 0.05 * i, 2) for i in range(13)]  # 0.30 .. 0.90


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- labelled set

@dataclass
class Score:
    pair: Pair
    short: bool
    jaccard: float
    facts: bool
    reason: str  # why the rules call it different ("" when the same story)
    list_like: bool = False
    titles_agree: bool = True
    both_lists: bool = False  # the module's list rule (``is_list``) applies

    def same(self, threshold: float, list_rule: float | str | None = None) -> bool:
        """``list_rule`` (prototypes for name lists): a Jaccard threshold of their own, or
        "title" (the titles must agree as well); without one, the module's rule (two
        lists need ``LIST_THRESHOLD``)."""
        if self.short or not self.facts:
            return False
        if list_rule is not None and self.list_like:
            if list_rule == "title":
                return self.titles_agree and self.jaccard >= threshold
            return self.jaccard >= list_rule
        if list_rule is None and self.both_lists:
            return self.jaccard >= dedup.LIST_THRESHOLD
        return self.jaccard >= threshold


LIST_ITEM = re.compile(r"^\s*(?:\d{1,3}\s*[.、．)）]|[(（]\d{1,3}[)）])\s*\S")


def list_like(body: str) -> bool:
    """A name list: at least 8 numbered lines, half of the lines or more."""
    lines = [line for line in unicodedata.normalize("NFKC", body).splitlines() if line.strip()]
    items = sum(bool(LIST_ITEM.match(line)) for line in lines)
    return items >= 8 and items >= 0.5 * len(lines)


def titles_agree(pair: Pair, floor: float = 0.8) -> bool:
    """Most character bigrams of the shorter normalised title are in the other's."""
    a, b = (dedup.normalize_body(t) for t in (pair.title_a, pair.title_b))
    grams_a, grams_b = ({t[i:i + 2] for i in range(len(t) - 1)} for t in (a, b))
    return dedup.containment(grams_a, grams_b) >= floor


def score(pair: Pair) -> Score:
    """The pair's figures as ``same_story`` computes them, with the module's current
    functions and constants (so that a monkeypatched module is measured)."""
    text_a, text_b = dedup.normalize_body(pair.a), dedup.normalize_body(pair.b)
    short = len(text_a) < dedup.MIN_CHARS or len(text_b) < dedup.MIN_CHARS
    similarity = 1.0 if text_a == text_b else dedup.jaccard(dedup.shingles(text_a),
                                                            dedup.shingles(text_b))
    nums_a, nums_b = dedup.numbers(pair.a), dedup.numbers(pair.b)
    facts = dedup.facts_agree(nums_a, nums_b)
    reason = ""
    if short:
        reason = f"short ({min(len(text_a), len(text_b))} < {dedup.MIN_CHARS} chars)"
    elif similarity < dedup.THRESHOLD:
        reason = f"jaccard {similarity:.3f} < {dedup.THRESHOLD}"
    elif not facts:
        years_a = {n for n in nums_a if dedup.YEAR.fullmatch(n)}
        years_b = {n for n in nums_b if dedup.YEAR.fullmatch(n)}
        if years_a and years_b and not (years_a <= years_b or years_b <= years_a):
            reason = (f"years {sorted(years_a - years_b)} vs {sorted(years_b - years_a)} "
                      f"(of {sorted(years_a | years_b)})")
        else:
            reason = (f"numbers containment {dedup.containment(nums_a, nums_b):.2f} < "
                      f"{dedup.NUMBERS_AGREEMENT}")
    both_lists = dedup.is_list(pair.a) and dedup.is_list(pair.b)
    if not reason and both_lists and similarity < dedup.LIST_THRESHOLD:
        reason = f"two lists: jaccard {similarity:.3f} < {dedup.LIST_THRESHOLD}"
    return Score(pair, short, similarity, facts, reason,
                 list_like(pair.a) or list_like(pair.b), titles_agree(pair), both_lists)


def counts(scores: list[Score], threshold: float, list_rule: float | str | None = None
           ) -> tuple[int, int, int, int]:
    tp = fp = fn = tn = 0
    for s in scores:
        said = s.same(threshold, list_rule)
        if s.pair.label:
            tp, fn = tp + said, fn + (not said)
        else:
            fp, tn = fp + said, tn + (not said)
    return tp, fp, fn, tn


def precision_recall(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


# Prototypes of changes to the module, applied by monkeypatching ``parknews.archive.dedup``.

@cache
def _t2s_table() -> dict[int, str]:
    """Traditional -> simplified, character by character (OpenCC's TSCharacters)."""
    import opencc

    table = {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets:
            table[ord(source)] = targets.split()[0]
    return table


def fold_traditional(normalize):
    def normalize_body(body: str | None) -> str:
        return normalize((body or "").translate(_t2s_table()))
    return normalize_body


# What sites print above or below a body and extraction sometimes keeps: a publication
# time (with a source or a view count), a bare date line.
META_LINE = re.compile(
    r"^\s*(?:(?:发布|更新)?(?:时间|日期)\s*[:：]|(?:浏览|点击|阅读)(?:次数|量)?\s*[:：]|"
    r"\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s+\S{1,15})?\s*$)")
DATED_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?=[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2})")


def facts_of_kept_lines(body: str | None) -> set[str]:
    """Digit runs of the lines ``normalize_body`` keeps (no 来源/编辑/发布时间 lines);
    a year followed by a month and day is tagged as a date (``2024@date``), so that only
    standalone years (``2025年度``) enter the year rule."""
    text = unicodedata.normalize("NFKC", body or "")
    kept = "\n".join(line for line in text.splitlines()
                     if not dedup.ATTRIBUTION_LINE.match(line) and not META_LINE.match(line))
    kept = DATED_YEAR.sub(r"\1@date", kept)
    return set(re.findall(r"\d+(?:@date)?", kept))


ATTRIBUTION_OR_META = re.compile(f"(?:{dedup.ATTRIBUTION_LINE.pattern})|(?:{META_LINE.pattern})")


@contextlib.contextmanager
def patched(**changes):
    """Set attributes of ``parknews.archive.dedup`` for the duration."""
    saved = {name: getattr(dedup, name) for name in changes}
    try:
        for name, value in changes.items():
            setattr(dedup, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(dedup, name, value)


def variants() -> list[tuple[str, dict, float | str | None]]:
    """(name, module attributes to patch, list rule) of each measured change."""
    fold = {"normalize_body": fold_traditional(dedup.normalize_body)}
    facts = {"numbers": facts_of_kept_lines, "ATTRIBUTION_LINE": ATTRIBUTION_OR_META}
    return [
        ("default", {}, None),
        ("NGRAM = 4", {"NGRAM": 4}, None),
        ("NGRAM = 6", {"NGRAM": 6}, None),
        ("NUMBERS_AGREEMENT = 0.7", {"NUMBERS_AGREEMENT": 0.7}, None),
        ("THRESHOLD = 0.75", {"THRESHOLD": 0.75}, None),
        ("fold traditional (t2s table in normalize_body)", fold, None),
        ("facts: meta lines dropped, dated years", facts, None),
        ("lists: J ≥ 0.8 for name lists", {}, 0.8),
        ("lists: titles must agree too (bigram containment ≥ 0.8)", {}, "title"),
        ("fold + facts", {**fold, **facts}, None),
        ("fold + facts + lists (titles)", {**fold, **facts}, "title"),
        ("fold + facts + lists (titles), THRESHOLD = 0.45", {**fold, **facts, "THRESHOLD": 0.45},
         "title"),
        ("fold + facts + lists (titles), NGRAM = 4", {**fold, **facts, "NGRAM": 4}, "title"),
    ]


def labelled_report(pairs: list[Pair]) -> dict:
    log(f"labelled set: {len(pairs)} pairs")
    started = time.perf_counter()
    scores = [score(p) for p in pairs]
    per_pair_ms = 1000 * (time.perf_counter() - started) / len(pairs)
    mismatch = [s.pair.id for s in scores
                if s.same(dedup.THRESHOLD) != (dedup.same_story(s.pair.a, s.pair.b) is not None)]
    assert not mismatch, f"the recomputation disagrees with same_story on {mismatch}"
    tp, fp, fn, tn = counts(scores, dedup.THRESHOLD)
    precision, recall = precision_recall(tp, fp, fn)
    positives = sum(p.label for p in pairs)
    print("## 1. Labelled set\n")
    print(f"{positives} repost pairs, {len(pairs) - positives} hard negatives "
          f"(`benchmarks/dedup_pairs.py`, seed 7); defaults NGRAM={dedup.NGRAM}, "
          f"THRESHOLD={dedup.THRESHOLD}, MIN_CHARS={dedup.MIN_CHARS}, "
          f"NUMBERS_AGREEMENT={dedup.NUMBERS_AGREEMENT}; {per_pair_ms:.1f} ms a pair.\n")
    print(f"**At the default threshold: precision {precision:.3f}, recall {recall:.3f}** "
          f"(TP {tp}, FP {fp}, FN {fn}, TN {tn}; targets ≥ 0.99 and ≥ 0.95: "
          f"{'met' if precision >= 0.99 and recall >= 0.95 else 'NOT met'}).\n")

    print("| kind | pairs | called same | correct | J median | J min–max |")
    print("|---|---:|---:|---:|---:|---|")
    by_kind = defaultdict(list)
    for s in scores:
        by_kind[s.pair.kind].append(s)
    for kind, rows in by_kind.items():
        same = sum(s.same(dedup.THRESHOLD) for s in rows)
        correct = sum(s.same(dedup.THRESHOLD) == s.pair.label for s in rows)
        js = sorted(s.jaccard for s in rows)
        print(f"| {kind} | {len(rows)} | {same} | {correct} | {js[len(js) // 2]:.2f} | "
              f"{js[0]:.2f}–{js[-1]:.2f} |")
    edits = defaultdict(lambda: [0, 0])
    for s in by_kind["repost"]:
        for edit in s.pair.note.split(": ")[-1].split("+"):
            edits[edit][0] += 1
            edits[edit][1] += s.same(dedup.THRESHOLD)
    print("\nReposts by edit (a pair has 2–5): "
          + ", ".join(f"{e} {found}/{n}" for e, (n, found) in sorted(edits.items())) + ".\n")

    print("### PR curve (MIN_CHARS and facts rules applied at every threshold)\n")
    print("| threshold | TP | FP | FN | precision | recall | precision without facts rule |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for threshold in sorted({*PR_THRESHOLDS, dedup.THRESHOLD}):
        tp_t, fp_t, fn_t, _ = counts(scores, threshold)
        p_t, r_t = precision_recall(tp_t, fp_t, fn_t)
        loose = [s for s in scores if not s.short and s.jaccard >= threshold]
        p_loose = sum(s.pair.label for s in loose) / len(loose) if loose else 1.0
        mark = " (default)" if threshold == dedup.THRESHOLD else ""
        print(f"| {threshold:.2f}{mark} | {tp_t} | {fp_t} | {fn_t} | {p_t:.3f} | {r_t:.3f} | "
              f"{p_loose:.3f} |")

    failures = [s for s in scores if s.same(dedup.THRESHOLD) != s.pair.label]
    print(f"\n### Failing pairs at the default settings ({len(failures)})\n")
    print("| pair | label | J | decided by | what the pair is |")
    print("|---|---|---:|---|---|")
    for s in failures:
        rule = s.reason or (f"J {s.jaccard:.3f} ≥ {dedup.THRESHOLD}, facts agree"
                            + (" (a name list)" if s.list_like else ""))
        print(f"| {s.pair.id} | {'same' if s.pair.label else 'different'} | {s.jaccard:.3f} | "
              f"{rule} | {s.pair.note} |")

    print("\n### Candidate changes (module monkeypatched in this process only)\n")
    print("| change | precision | recall | FP | FN | failing kinds / edits |")
    print("|---|---:|---:|---:|---:|---|")
    results = {}
    for name, changes, list_rule in variants():
        with patched(**changes):
            variant = [score(p) for p in pairs]
            threshold = dedup.THRESHOLD
        tp_v, fp_v, fn_v, _ = counts(variant, threshold, list_rule)
        p_v, r_v = precision_recall(tp_v, fp_v, fn_v)
        failing = Counter()
        for s in variant:
            if s.same(threshold, list_rule) != s.pair.label:
                failing[s.pair.kind if not s.pair.label else
                        ("traditional" if "traditional" in s.pair.note else
                         s.reason.split(" ")[0] or "list rule")] += 1
        print(f"| {name} | {p_v:.3f} | {r_v:.3f} | {fp_v} | {fn_v} | "
              f"{', '.join(f'{k} {v}' for k, v in failing.most_common()) or '—'} |")
        results[name] = {"precision": p_v, "recall": r_v}
    print()
    return {"precision": precision, "recall": recall, "variants": results}


# ---------------------------------------------------------------------------- archive

def new_writer(path: Path) -> ArchiveWriter:
    dedup._SHARED_INDEXES.pop(str(path), None)
    writer = ArchiveWriter(open_archive(path), batch_size=50, dedup=True)
    writer.upsert_sites(dedup_pairs.sites())
    return writer


def timed_assign(writer: ArchiveWriter) -> list[float]:
    """Wrap the writer's ``Deduplicator.assign`` to add up its wall-clock seconds in
    ``[0]`` and the process's CPU seconds in ``[1]``."""
    spent = [0.0, 0.0]
    assign = writer.dedup.assign

    def wrapper(urls):
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return assign(urls)
        finally:
            spent[0] += time.perf_counter() - start
            spent[1] += time.process_time() - cpu

    writer.dedup.assign = wrapper
    return spent


def maxrss_mb() -> float:
    """Peak resident set of this process: VmHWM (Linux; getrusage's ru_maxrss would
    include the parent's resident set at the fork, as it survives execve)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---------------------------------------------------------------------- LSH vs exact

def exact_pairs(texts: list[str], floor: float) -> dict[tuple[int, int], float]:
    """Every pair (i < j) with n-gram Jaccard ≥ ``floor``, exactly: the incidence matrix
    of documents × n-grams times its transpose gives every intersection."""
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    indptr, indices = [0], []
    for text in texts:
        grams = dedup.shingles(text) if len(text) >= dedup.MIN_CHARS else set()
        indices.extend(vocabulary.setdefault(g, len(vocabulary)) for g in grams)
        indptr.append(len(indices))
    matrix = sparse.csr_matrix((np.ones(len(indices), dtype=np.int32), indices, indptr),
                               shape=(len(texts), len(vocabulary)))
    sizes = np.diff(matrix.indptr)
    transposed = matrix.T.tocsc()
    found = {}
    for start in range(0, len(texts), 500):
        block = (matrix[start:start + 500] @ transposed).toarray()
        rows = np.arange(start, min(start + 500, len(texts)))
        union = sizes[rows][:, None] + sizes[None, :] - block
        with np.errstate(divide="ignore", invalid="ignore"):
            similarity = np.where(union > 0, block / union, 0.0)
        similarity[np.arange(len(rows))[:, None] >= (np.arange(len(texts))[None, :] - start)] = 0
        for i, j in zip(*np.nonzero(similarity >= floor), strict=True):
            found[(int(rows[i]), int(j))] = float(similarity[i, j])
    return found


def lsh_report(count: int, seed: int) -> dict:
    log(f"LSH vs exact: {count} articles")
    rows = list(dedup_pairs.corpus(count, seed=seed + 100, reposts=0.2))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "exact.db"
        writer = new_writer(path)
        started = time.perf_counter()
        for row in rows:
            writer.add_article(row)
        writer.flush()
        store_seconds = time.perf_counter() - started
        conn = writer.db.conn
        cluster = dict(conn.execute("select url, cluster_id from cluster_members"))
        signatures = {url: writer.dedup._minhash(blob) for url, blob in
                      conn.execute("select url, minhash from dedup_signatures")}
        lsh = writer.dedup.index
        started = time.perf_counter()
        texts = [dedup.normalize_body(r["body"]) for r in rows]
        similar = exact_pairs(texts, dedup.LSH_THRESHOLD - 0.1)
        reference = {}
        for (i, j), similarity in similar.items():
            body_i, body_j = rows[i]["body"], rows[j]["body"]
            needed = (dedup.LIST_THRESHOLD if dedup.is_list(body_i) and dedup.is_list(body_j)
                      else dedup.THRESHOLD)
            if similarity >= needed and dedup.facts_agree(dedup.numbers(body_i),
                                                          dedup.numbers(body_j)):
                reference[(i, j)] = similarity
        exact_seconds = time.perf_counter() - started
        assert all((dedup.same_story(rows[i]["body"], rows[j]["body"]) is not None)
                   == ((i, j) in reference) for i, j in list(similar)[:2000]), \
            "reference disagrees with same_story"
        proposed_cache: dict[str, set] = {}

        def proposed(i: int, j: int) -> bool:
            url = rows[i]["url"]
            if url not in proposed_cache:
                proposed_cache[url] = set(lsh.query(signatures[url])) if url in signatures \
                    else set()
            return rows[j]["url"] in proposed_cache[url]

        found = {pair: proposed(*pair) for pair in similar}
        clustered_pairs = {(i, j) for i, j in reference
                           if cluster.get(rows[i]["url"]) is not None
                           and cluster.get(rows[i]["url"]) == cluster.get(rows[j]["url"])}
        index = writer.dedup.index
        margins = sorted({0.10, dedup.ESTIMATE_MARGIN, 0.20, 0.25})

        def estimate(url_a: str, url_b: str) -> float:
            return float(np.mean(signatures[url_a].hashvalues == signatures[url_b].hashvalues))

        estimates = {pair: estimate(rows[pair[0]]["url"], rows[pair[1]]["url"])
                     for pair in reference}
        kept_reference = {m: sum(e >= dedup.THRESHOLD - m for e in estimates.values())
                          for m in margins}
        # what the module compares: the LSH's candidates above the estimate floor
        compared = {pair: rows[pair[1]]["url"] in set(
            index.candidates(rows[pair[0]]["url"], signatures[rows[pair[0]]["url"]]))
            for pair in reference}
        proposed_total = 0
        kept_total = dict.fromkeys(margins, 0)
        for url, minhash in signatures.items():
            for other in lsh.query(minhash):
                if other != url:
                    proposed_total += 1
                    e = estimate(url, other)
                    for m in margins:
                        kept_total[m] += e >= dedup.THRESHOLD - m
        members = defaultdict(list)
        for url, cid in cluster.items():
            members[cid].append(url)
        co_clustered = sum(len(m) * (len(m) - 1) // 2 for m in members.values())
    lsh_recall = sum(found[p] for p in reference) / len(reference) if reference else 1.0
    cluster_recall = len(clustered_pairs) / len(reference) if reference else 1.0
    print(f"## 2. LSH vs exact all-pairs ({count} articles)\n")
    print(f"{count} generated articles (20 % reposts; notices, reports, lists, short items), "
          f"stored through `ArchiveWriter(db, 50, dedup=True)` in {store_seconds:.1f} s. "
          f"Exact all-pairs Jaccard ({count * (count - 1) // 2:,} pairs) and the facts rule: "
          f"{exact_seconds:.1f} s. {len(reference)} reference pairs (same_story true); "
          f"{len(cluster)} articles in {len(members)} clusters, {co_clustered} co-clustered "
          f"pairs.\n")
    print(f"**LSH recall {lsh_recall:.4f}** of the reference pairs (target ≥ 0.99: "
          f"{'met' if lsh_recall >= 0.99 else 'NOT met'}); cluster recall "
          f"{cluster_recall:.4f} (the two in one cluster); co-clustered pairs that are not "
          f"reference pairs (joined through a third): {co_clustered - len(clustered_pairs)}.\n")
    compared_recall = sum(compared.values()) / len(reference) if reference else 1.0
    print(f"Candidate recall {compared_recall:.4f}: reference pairs the module compares "
          f"(proposed by the LSH and MinHash estimate ≥ THRESHOLD − ESTIMATE_MARGIN = "
          f"{dedup.THRESHOLD - dedup.ESTIMATE_MARGIN:.2f}). The estimate floor at other "
          f"margins (pairs kept of the reference / of all the LSH's candidate pairs):\n")
    print("| margin | floor | reference pairs kept | candidate pairs kept |")
    print("|---:|---:|---:|---:|")
    for m in margins:
        mark = " (default)" if m == dedup.ESTIMATE_MARGIN else ""
        print(f"| {m:.2f}{mark} | {dedup.THRESHOLD - m:.2f} | {kept_reference[m]}/{len(reference)} "
              f"| {kept_total[m]:,}/{proposed_total:,} "
              f"({kept_total[m] / max(1, proposed_total):.1%}) |")
    print()
    print("| exact Jaccard | pairs | same_story true | LSH proposed (all) "
          "| LSH recall (reference) |")
    print("|---|---:|---:|---:|---:|")
    edges = [dedup.LSH_THRESHOLD - 0.1, dedup.LSH_THRESHOLD, dedup.THRESHOLD, 0.6, 0.7, 0.8,
             0.9, 1.01]
    for low, high in zip(edges, edges[1:], strict=False):
        inside = [p for p, s in similar.items() if low <= s < high]
        refs = [p for p in inside if p in reference]
        print(f"| [{low:.2f}, {min(high, 1):.2f}{']' if high > 1 else ')'} | {len(inside)} | "
              f"{len(refs)} | {sum(found[p] for p in inside)} | "
              f"{f'{sum(found[p] for p in refs) / len(refs):.4f}' if refs else '—'} |")
    print()
    return {"lsh_recall": lsh_recall, "cluster_recall": cluster_recall,
            "compared_recall": compared_recall, "reference": len(reference)}


# ------------------------------------------------------------------------------ scale

def instrument(writer: ArchiveWriter, state: dict) -> None:
    """Count what the LSH proposes, what is left after the estimate floor, and after the
    facts rule on the stored digit runs (the bodies read and compared in full)."""
    index = writer.dedup.index
    proposed_rows, candidates = index._proposed_rows, index.candidates
    facts = writer.dedup._facts_agree

    def counted_facts(digits, found):
        kept = facts(digits, found)
        state["read"] += len(kept)
        return kept

    writer.dedup._facts_agree = counted_facts

    def counted_rows(hashvalues, url=None):
        found = proposed_rows(hashvalues, url)
        state["proposed"] += len(found)
        return found

    def counted_candidates(url, minhash):
        found = candidates(url, minhash)
        state["queries"] += 1
        state["candidates"] += len(found)
        return found

    index._proposed_rows, index.candidates = counted_rows, counted_candidates


def load_average() -> float:
    return os.getloadavg()[0]


def add_batch(writer: ArchiveWriter, rows: list[dict], spent: list[float], state: dict
              ) -> dict:
    before = (*spent, state["queries"], state["candidates"], state["proposed"],
              writer.counts["clustered"], state["read"])
    started = time.perf_counter()
    for row in rows:
        writer.add_article(row)
    writer.flush()
    queries = max(1, state["queries"] - before[2])
    return {"s": time.perf_counter() - started, "dedup_s": spent[0] - before[0],
            "dedup_cpu_s": spent[1] - before[1],
            "candidates": (state["candidates"] - before[3]) / queries,
            "proposed": (state["proposed"] - before[4]) / queries,
            "read": (state["read"] - before[6]) / queries,
            "clustered": writer.counts["clustered"] - before[5], "load": load_average()}


def scale_worker(size: int, add: int, seed: int) -> dict:
    """Store ``size`` articles, then ``add`` more (in the same process), then ``add``
    more after a restart (a new writer: the index rebuilt from the stored signatures);
    figures as JSON. Run in a process of its own."""
    rss_start = maxrss_mb()
    result: dict = {"size": size, "load_start": load_average()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scale.db"
        writer = new_writer(path)
        spent = timed_assign(writer)
        state = {"queries": 0, "candidates": 0, "proposed": 0, "read": 0}
        instrument(writer, state)
        stream = dedup_pairs.corpus(size + 2 * add, seed=seed)
        generate = 0.0
        checkpoints = []
        step = max(1, size // 10)
        started, cpu_started = time.perf_counter(), time.process_time()
        for number in range(1, size + 1):
            tick = time.perf_counter()
            row = next(stream)
            generate += time.perf_counter() - tick
            writer.add_article(row)
            if number % step == 0:
                writer.flush()
                checkpoints.append((number, time.perf_counter() - started - generate, spent[0],
                                    state["queries"], state["candidates"], state["proposed"]))
        writer.flush()
        store = time.perf_counter() - started - generate
        conn = writer.db.conn
        result.update(
            store_s=store, store_cpu_s=time.process_time() - cpu_started, dedup_s=spent[0],
            dedup_cpu_s=spent[1], generate_s=generate, checkpoints=checkpoints,
            rss_start_mb=rss_start, rss_mb=maxrss_mb(), load_built=load_average(),
            clusters=conn.execute("select count(*) from clusters").fetchone()[0],
            clustered=conn.execute("select count(*) from cluster_members").fetchone()[0],
            signatures=conn.execute("select count(*) from dedup_signatures").fetchone()[0])
        if add:
            batch = [next(stream) for _ in range(add)]
            result["add"] = add
            result["add_default"] = add_batch(writer, batch, spent, state)
        writer.close()
        conn.execute("pragma wal_checkpoint(truncate)")
        result["db_mb"] = path.stat().st_size / 2**20
        del writer, state
        # a new run: the index rebuilt from the stored signatures, then more articles
        dedup._SHARED_INDEXES.clear()
        gc.collect()
        started = time.perf_counter()
        writer = new_writer(path)
        result["reload_s"] = time.perf_counter() - started
        if add:
            spent = timed_assign(writer)
            state = {"queries": 0, "candidates": 0, "proposed": 0, "read": 0}
            instrument(writer, state)
            batch = [next(stream) for _ in range(add)]
            result["add_restarted"] = add_batch(writer, batch, spent, state)
        writer.close()
        writer.db.conn.close()
        del writer
        dedup._SHARED_INDEXES.clear()
        gc.collect()
        tracemalloc.start()
        dedup.Deduplicator(conn)
        result["lsh_heap_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
        dedup._SHARED_INDEXES.clear()
        conn.close()
    result["rss_end_mb"] = maxrss_mb()
    return result


def scale_report(sizes: list[int], add: int, seed: int) -> list[dict]:
    results = []
    for size in sizes:
        log(f"scale: {size} articles (+{add}) in a new process")
        done = subprocess.run([sys.executable, __file__, "--worker", str(size), "--add",
                               str(add), "--seed", str(seed)], check=True,
                              capture_output=True, text=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = results[-1]
        log(f"  {size}: store {r['store_s']:.0f} s (dedup {r['dedup_s']:.0f} s, CPU "
            f"{r['dedup_cpu_s']:.0f} s), peak RSS {r['rss_mb']:.0f} MB"
            + (f", +{add}: dedup {r['add_default']['dedup_s']:.2f} s" if add else ""))
    print("## 3. Scale\n")
    print("Each size in a new process: generated articles stored through "
          "`ArchiveWriter(db, batch_size=50, dedup=True)` into a temporary archive (rows, "
          "search index and clusters in each batch's transaction, as in a crawl); "
          "\"dedup\" is the time inside `Deduplicator.assign` (wall clock; CPU seconds of "
          "the process in brackets, steadier on a shared machine); generation is not timed. "
          "Candidates: what the LSH proposes per new article, what is left after the "
          "MinHash estimate floor, and (added articles) what is left after the facts rule "
          "on the stored digit runs: the bodies read and compared in full. Peak RSS: VmHWM "
          "of the process "
          "after the build (the corpus is generated on the fly; imports alone: ~90 MB); "
          "index heap: tracemalloc of a new `Deduplicator` (the LSH and the signature "
          "matrix rebuilt from the stored signatures, as at the start of a run). Load: the "
          "1-minute load average of the machine (2 CPUs) when the build ended.\n")
    print("| articles | store s | dedup s (CPU s) | dedup ms/article (last tenth) | "
          "LSH proposed / above the estimate floor per article (last tenth) | peak RSS MB "
          "| index heap MB | "
          "rebuild index s | clusters (articles) | DB MB | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        (n0, _, d0, q0, c0, p0), (n1, _, d1, q1, c1, p1) = r["checkpoints"][-2:] if len(
            r["checkpoints"]) > 1 else ((0, 0, 0, 0, 0, 0), r["checkpoints"][-1])
        last = r["checkpoints"][-1]
        print(f"| {r['size']:,} | {r['store_s']:.1f} | {r['dedup_s']:.1f} "
              f"({r['dedup_cpu_s']:.1f}) | {1000 * r['dedup_s'] / r['size']:.2f} "
              f"({1000 * (d1 - d0) / (n1 - n0):.2f}) | "
              f"{last[5] / max(1, last[3]):.1f} / {last[4] / max(1, last[3]):.2f} "
              f"({(p1 - p0) / max(1, q1 - q0):.1f} / {(c1 - c0) / max(1, q1 - q0):.2f}) | "
              f"{r['rss_mb']:.0f} | {r['lsh_heap_mb']:.0f} | {r['reload_s']:.1f} | "
              f"{r['clusters']:,} ({r['clustered']:,}) | {r['db_mb']:.0f} | "
              f"{r['load_built']:.1f} |")
    if len(results) >= 2:
        first, last = results[0], results[-1]
        growth = last["size"] / first["size"]
        print(f"\nGrowth {first['size']:,} → {last['size']:,} articles (×{growth:.0f}): store "
              f"time ×{last['store_s'] / first['store_s']:.1f}, dedup time "
              f"×{last['dedup_s'] / first['dedup_s']:.1f} (CPU "
              f"×{last['dedup_cpu_s'] / first['dedup_cpu_s']:.1f}), peak RSS "
              f"×{last['rss_mb'] / first['rss_mb']:.1f}, index heap "
              f"×{last['lsh_heap_mb'] / first['lsh_heap_mb']:.1f} (linear: ×{growth:.0f}).")
    last = results[-1]
    print(f"\nWithin the {last['size']:,} run, per tenth: ms per article stored / in dedup / "
          "LSH proposed / above the estimate floor per article: " + ", ".join(
              f"{(b[1] - a[1]) * 1000 / (b[0] - a[0]):.1f}/"
              f"{(b[2] - a[2]) * 1000 / (b[0] - a[0]):.1f}/"
              f"{(b[5] - a[5]) / max(1, b[3] - a[3]):.0f}/"
              f"{(b[4] - a[4]) / max(1, b[3] - a[3]):.2f}"
              for a, b in zip([(0, 0.0, 0.0, 0, 0, 0), *last["checkpoints"]],
                              last["checkpoints"], strict=False)) + ".")
    if add:
        print(f"\n+{add:,} new articles to each archive, twice: in the process that built it, "
              f"and after a restart (a new writer; the index rebuilt from the stored "
              f"signatures first, its time apart).\n")
        print("| archive | when | store s | clusters assigned in s (CPU s) | LSH proposed / "
              "above the floor / bodies read per article | joined a cluster | load |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for r in results:
            for key, when in (("add_default", "same process"),
                              ("add_restarted", f"restarted (rebuild {r['reload_s']:.1f} s)")):
                d = r[key]
                print(f"| {r['size']:,} | {when} | {d['s']:.2f} | {d['dedup_s']:.2f} "
                      f"({d['dedup_cpu_s']:.2f}) | {d['proposed']:.1f} / {d['candidates']:.2f} "
                      f"/ {d['read']:.2f} | {d['clustered']} | {d['load']:.1f} |")
        worst = max(last["add_default"]["dedup_s"], last["add_restarted"]["dedup_s"])
        print(f"\n**Adding {add:,} articles to the {last['size']:,} archive: clusters assigned "
              f"in {last['add_default']['dedup_s']:.2f} s (after a restart "
              f"{last['add_restarted']['dedup_s']:.2f} s, plus {last['reload_s']:.1f} s to "
              f"rebuild the index)** (target < 10 s: {'met' if worst < 10 else 'NOT met'}).\n")
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,50000,100000",
                    help="archive sizes for the scale runs, comma-separated (0: none)")
    ap.add_argument("--exact", type=int, default=5000,
                    help="articles for LSH vs exact all-pairs (0: skip)")
    ap.add_argument("--add", type=int, default=1000, help="articles added to each archive")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true",
                    help="sizes 2000,5000, exact 1000, add 200")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(scale_worker(args.worker, args.add, args.seed)))
        return 0
    if args.quick:
        args.sizes, args.exact, args.add = "2000,5000", 1000, 200
    sizes = [int(s) for s in args.sizes.split(",") if int(s) > 0]
    print(f"# Repost detection benchmark\n\n{datetime.now():%Y-%m-%d %H:%M}, "
          f"`python benchmarks/{Path(__file__).name} {' '.join(argv or sys.argv[1:])}`, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs.\n")
    labelled_report(dedup_pairs.labelled_pairs())
    if args.exact:
        lsh_report(args.exact, args.seed)
    if sizes:
        scale_report(sizes, args.add, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
