"""Scrapy's feed exports: `scrapy crawl park -a site=ID -O items.jsonl` (and .csv) writes
every article the crawl stored, its fields as text, and nothing else (no list page, no
raw bytes)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
from conftest import REPO
from sqlite_utils import Database

from parknews.crawler.mocksites import sites_toml
from parknews.pipelines.items import Article, FetchedPage

TEXT = ("url", "site_id", "title", "body", "published_at", "source", "fetched_at")


@pytest.fixture(scope="module")
def exported(mock_sites, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("export")
    sites_file = workdir / "sites.toml"
    sites_file.write_text(sites_toml([mock_sites["trs"]]), encoding="utf-8")
    db_path = workdir / "export.db"
    settings = ["-s", f"SITES_FILE={sites_file}", "-s", f"ARCHIVE_DB={db_path}",
                "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                "-s", "LOG_LEVEL=INFO"]
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "park", "-a", "site=trs", *settings,
         "-O", str(workdir / "items.jsonl"), "-O", str(workdir / "items.csv")],
        cwd=REPO, env=dict(os.environ, PYTHONWARNINGS="ignore"), capture_output=True,
        text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    stored = {row["url"]: row for row in Database(db_path)["articles"].rows}
    return workdir, stored, result.stderr


def test_jsonl_holds_every_stored_article_as_text(exported, mock_sites):
    workdir, stored, log = exported
    lines = (workdir / "items.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert stored and set(stored) == set(mock_sites["trs"].articles)
    assert sorted(r["url"] for r in records) == sorted(stored)  # each once, nothing else
    for record in records:
        row = stored[record["url"]]
        for name in ("site_id", "title", "body", "published_at", "source", "author"):
            assert record[name] == row[name], name
        assert all(isinstance(record[name], str) and record[name] for name in TEXT)
        assert isinstance(record["attachments"], list) and isinstance(record["images"], list)
    assert f"jsonl feed ({len(stored)} items)" in log  # the feed counts articles only


def test_csv_holds_every_stored_article_as_text(exported):
    workdir, stored, log = exported
    with open(workdir / "items.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["url"] for r in rows) == sorted(stored)
    for row in rows:
        assert row["title"] == stored[row["url"]]["title"]
        assert row["body"] == stored[row["url"]]["body"]
        assert isinstance(json.loads(row["attachments"]), list)  # JSON text in a cell
        assert not row["body"].startswith("b'")
    assert f"csv feed ({len(stored)} items)" in log


def test_only_pages_that_store_an_article_have_a_record():
    page = FetchedPage("http://yx.cn/a.html", "yx", "article", "2026-06-01T00:00:00+00:00",
                       status=200, body=b"<html>\xe5\x9b\xad</html>")
    assert page.article_record() is None  # not extracted
    page.article = Article(title="园区动态", body="   ")
    assert page.article_record() is None  # no text: not stored
    page.article = Article(title="园区动态", body="正文", published_at="2026-05-31")
    record = page.article_record()
    assert record["url"] == "http://yx.cn/a.html" and record["body"] == "正文"
    assert not any(isinstance(value, bytes) for value in record.values())
    page.status = 304  # not modified: the stored row stands, nothing new to export
    assert page.article_record() is None
