"""Link discovery on the real saved list and home pages of ../shared/reallists (not part
of the project: skipped when absent), scored as benchmarks/discovery.py scores it."""

from __future__ import annotations

import importlib.util

import pytest
from conftest import REPO, SHARED

REALLISTS = SHARED / "reallists"
pytestmark = pytest.mark.skipif(not (REALLISTS / "gold.json").is_file(),
                                reason="../shared/reallists is absent")


@pytest.fixture(scope="module")
def scored():
    spec = importlib.util.spec_from_file_location("bench_discovery",
                                                  REPO / "benchmarks" / "discovery.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.run("parknews", bench.load_gold(REALLISTS)), bench.TARGETS


def test_discovery_meets_the_issue_targets_on_the_real_pages(scored):
    (rows, figures), targets = scored
    for key, target in targets.items():
        assert figures[key] >= target, (key, figures[key])


def test_every_page_is_read_as_the_kind_it_is_and_nothing_forbidden_is_proposed(scored):
    (rows, figures), _ = scored
    assert figures["kind_right"] == f"{len(rows)}/{len(rows)}"
    assert figures["not_follow_proposed"] == 0
