"""The archive of record: every fetch captured in WARC, every row pointing to its capture,
and `parknews reextract` rebuilding the articles from the WARC files with the network off.

The mock sites are served on their own addresses here and stopped before re-extraction.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FAST, run_cli
from sqlite_utils import Database

from parknews.archive.store import open_archive
from parknews.archive.warc import default_warc_dir, payload_digest, read_capture
from parknews.crawler.mocksites import serve_mock_sites, sites_toml

FIELDS = ("title", "body", "published_at", "source", "author", "summary", "attachments",
          "images")


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """A crawl of two mock sites; the sites are stopped when the fixture returns."""
    workdir = tmp_path_factory.mktemp("record")
    with serve_mock_sites(ids=["trs", "dede"],
                          hosts={"trs": "127.0.0.32", "dede": "127.0.0.33"}) as sites:
        sites_file = workdir / "sites.toml"
        sites_file.write_text(sites_toml(sites), encoding="utf-8")
        db_path = workdir / "archive.db"
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path), *FAST)
        assert result.returncode == 0, result.stderr[-3000:]
        served = {url: site.route(url)[2] for site in sites for url in site.articles}
    return db_path, served


def _rows(db_path: Path) -> dict[str, dict]:
    return {row["url"]: row for row in Database(db_path)["articles"].rows}


def test_every_article_and_page_points_to_its_capture(archived):
    db_path, served = archived
    warc_dir = default_warc_dir(db_path)
    rows = _rows(db_path)
    assert set(rows) == set(served)
    for url, row in rows.items():
        assert row["warc_file"] and row["warc_record_id"].startswith("<urn:uuid:")
        status, _, body = read_capture(warc_dir, {"file": row["warc_file"],
                                                  "offset": row["warc_offset"],
                                                  "record_id": row["warc_record_id"]})
        assert status == 200 and body == served[url]
        assert row["warc_digest"] == payload_digest(body)
    pages = Database(db_path)["pages"]
    assert not pages.count_where("status = 200 and warc_file is null")
    assert pages.count_where("kind = 'part' and warc_file is not null")  # the two-page one


def test_warc_files_are_named_by_run_and_site_and_pass_warcio(archived):
    db_path, _ = archived
    files = sorted(default_warc_dir(db_path).iterdir())
    assert {f.name.split("-")[2] for f in files} == {"trs", "dede"}
    assert all(f.name.startswith("parknews-") and f.name.endswith(".warc.gz") for f in files)
    for command in ("check", "index"):
        done = subprocess.run([sys.executable, "-m", "warcio.cli", command,
                               *map(str, files)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def _copy(db_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.db"
    shutil.copy(db_path, target)
    shutil.copytree(default_warc_dir(db_path), default_warc_dir(target))
    return target


@pytest.mark.parametrize("workers", ["2", "0"])
def test_reextract_rebuilds_articles_from_warc_alone(archived, tmp_path, workers):
    db_path, _ = archived  # the mock sites are no longer served
    copy = _copy(db_path, tmp_path)
    before = _rows(copy)
    spoiled = sorted(before)[:4]
    with open_archive(copy).conn as conn:  # a writer with the search index's functions
        for url in spoiled:
            conn.execute("update articles set body = '旧的抽取结果', title = null, "
                         "source = null where url = ?", [url])
    result = run_cli("reextract", "--db", str(copy), "--workers", workers)
    assert result.returncode == 0, result.stderr
    total = len(before)
    assert f"{total} articles: 4 changed, {total - 4} unchanged, 0 without a capture, " \
           "0 failed" in result.stdout
    after = _rows(copy)
    for url, row in before.items():
        assert {f: after[url][f] for f in FIELDS} == {f: row[f] for f in FIELDS}, url
        assert after[url]["version"] == row["version"]


@pytest.mark.parametrize("workers", [2, 0])
def test_reextract_in_small_batches_misses_and_repeats_nothing(archived, tmp_path,
                                                               monkeypatch, workers):
    """Batches are pipelined (the workers extract one while the next is read and the
    previous written): with batches of 3, every article is still compared once and every
    spoiled one, wherever it falls, is rebuilt; progress counts up to the total."""
    from parknews.pipelines import reextract as module

    db_path, _ = archived
    copy = _copy(db_path, tmp_path)
    before = _rows(copy)
    spoiled = sorted(before)[1::4]  # in most batches, first and last ones included
    with open_archive(copy).conn as conn:
        for url in spoiled:
            conn.execute("update articles set body = '旧的抽取结果' where url = ?", [url])
    monkeypatch.setattr(module, "BATCH", 3)
    seen: list[tuple[int, int]] = []
    db = open_archive(copy)
    report = module.reextract(db, default_warc_dir(copy), workers=workers,
                              progress=lambda done, total: seen.append((done, total)))
    total = len(before)
    assert (report.articles, report.changed, report.unchanged) == (
        total, len(spoiled), total - len(spoiled))
    assert [done for done, _ in seen] == [*range(3, total, 3), total]
    after = _rows(copy)
    assert all(after[url]["body"] == row["body"] for url, row in before.items())


def test_reextract_reports_a_damaged_warc_and_does_the_rest(archived, tmp_path):
    db_path, _ = archived
    copy = _copy(db_path, tmp_path)
    damaged = next(f for f in sorted(default_warc_dir(copy).iterdir()) if "-dede-" in f.name)
    data = damaged.read_bytes()
    damaged.write_bytes(data[: len(data) * 2 // 3])  # cut in the middle of a record
    rows = _rows(copy)
    on_damaged = [u for u, r in rows.items() if r["warc_file"] == damaged.name]
    cut = [u for u in on_damaged if rows[u]["warc_offset"] + rows[u]["warc_length"]
           > len(data) * 2 // 3]
    assert cut
    result = run_cli("reextract", "--db", str(copy))
    assert result.returncode == 0, result.stderr
    assert f"{len(cut)} failed" in result.stdout
    assert f"{len(rows) - len(cut)} unchanged" in result.stdout
    for url in cut:
        assert url in result.stdout


def test_reextract_of_a_missing_archive_or_warc_dir_fails_clearly(tmp_path):
    result = run_cli("reextract", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 1 and "no archive at" in result.stderr
    plain = tmp_path / "plain.db"
    Database(plain)["x"].insert({"a": 1})
    result = run_cli("reextract", "--db", str(plain))
    assert result.returncode == 1 and "is not a parknews archive" in result.stderr
    db = tmp_path / "a.db"
    open_archive(db).close()  # an archive, but no WARC directory beside it
    result = run_cli("reextract", "--db", str(db))
    assert result.returncode == 1 and "no WARC directory" in result.stderr
