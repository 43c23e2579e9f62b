"""Repost detection on the generated labelled set (``benchmarks/dedup_pairs.py``).

A subset of 60 reposts and 60 hard negatives, with the same mix as the whole set (portal
edits, reposts of notices, 5 % in traditional characters; same-template notices of two
years, weekly/monthly reports, shared boilerplate, short items, company name lists),
must be told apart by ``same_story`` at the default settings: precision ≥ 0.99 and
recall ≥ 0.95. ``python benchmarks/dedup.py`` measures the whole set and the PR curve.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from parknews.archive import dedup

ROOT = Path(__file__).resolve().parents[1]


def _pairs_module():
    name = "dedup_pairs"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def pairs():
    return _pairs_module().labelled_pairs()


def test_the_labelled_set_is_what_the_benchmark_says(pairs):
    again = _pairs_module().labelled_pairs()
    assert [(p.a, p.b) for p in pairs] == [(p.a, p.b) for p in again]  # deterministic
    reposts = [p for p in pairs if p.label]
    assert len(reposts) >= 200 and len(pairs) - len(reposts) >= 200
    assert {p.kind for p in pairs if not p.label} == {
        "template_year", "periodic", "boilerplate", "short", "company_list"}
    stories = [p for p in reposts if "…: " not in p.note]
    assert all(300 <= len(p.a) <= 1600 for p in stories)
    assert all(len(dedup.normalize_body(p.a)) < 50 for p in pairs if p.kind == "short")
    assert sum("traditional" in p.note for p in reposts) >= 10
    assert all(p.note.count("+") >= 1 for p in stories)  # two edits or more


# The bar, on a subset (60 reposts, 60 hard negatives) so that it stays fast;
# benchmarks/dedup.py measures the whole set.
def test_reposts_and_hard_negatives_are_told_apart(pairs):
    chosen = _pairs_module().subset(pairs, 60, 60)
    said = {p.id: dedup.same_story(p.a, p.b) is not None for p in chosen}
    tp = sum(said[p.id] for p in chosen if p.label)
    fp = sum(said[p.id] for p in chosen if not p.label)
    fn = sum(not said[p.id] for p in chosen if p.label)
    wrong = [f"{p.id} ({p.note})" for p in chosen if said[p.id] != p.label]
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.99 and recall >= 0.95, (
        f"precision {precision:.3f}, recall {recall:.3f}; wrong: {wrong}")
