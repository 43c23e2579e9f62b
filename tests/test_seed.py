"""The acceptance bar: the page this project started from comes down to its clean article.

Uses ../shared/fixtures/seed (beside the repository); skipped when it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import char_f1

from parknews.pipelines.extract import extract

SEED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "seed"
@pytest.fixture(scope="module")
def seed():
    page, expected = SEED / "page.html", SEED / "expected.json"
    if not (page.is_file() and expected.is_file()):
        pytest.skip(f"seed fixture not found in {SEED}")
    article = extract(page.read_bytes())
    return article, json.loads(expected.read_text(encoding="utf-8"))


def test_seed_metadata(seed):
    article, expected = seed
    assert article.title == expected["title"]
    assert article.published_at == expected["published_at"]
    assert article.source == "吴江开发区发布"
    assert article.source == expected["source"]


def test_seed_body_f1(seed):
    article, expected = seed
    assert char_f1(article.body, expected["body"]) >= 0.98


def test_seed_body_has_no_boilerplate(seed):
    article, expected = seed
    for marker in expected["must_not_contain"]:
        assert marker not in article.body, marker


def test_seed_summary_is_the_lead_not_the_body(seed):
    article, expected = seed
    assert article.summary == expected["summary"]
    assert "核心提示" not in article.body
