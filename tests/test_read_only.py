"""The read commands (search, health, dedup-report, serve) refuse a file that is not a
parknews archive, with a clear message and a non-zero exit, and leave it byte for byte
as it was; search and dedup-report read an archive read-only; date options are read or
refused, never silently matching nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_cli

from parknews.archive.store import ArchiveWriter, open_archive
from parknews.crawler.cli import main
from parknews.crawler.cli.common import CommandError, existing_archive, open_archive_read_only

READERS = [["search", "园区"], ["health"], ["dedup-report", "--format", "json"],
           ["serve", "--port", "0"]]


def fingerprint(directory: Path) -> dict[str, str]:
    """Every file of the directory and the SHA-256 of its bytes."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.iterdir())}


@pytest.fixture
def plain(tmp_path) -> Path:
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path)
    conn.execute("create table notes (id integer primary key, text text)")
    conn.execute("insert into notes (text) values ('园区笔记')")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("command", READERS, ids=[c[0] for c in READERS])
def test_a_plain_sqlite_file_is_refused_and_left_unchanged(plain, command):
    before = fingerprint(plain.parent)
    result = run_cli(command[0], "--db", str(plain), *command[1:], timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == (f"parknews: {plain} is not a parknews archive (no articles "
                             f"table and no parknews migrations); nothing was written to it\n")
    assert fingerprint(plain.parent) == before  # no byte changed, no -wal or -shm left


def test_other_files_are_refused_too(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("园区 not a database\n" * 200, encoding="utf-8")
    half = tmp_path / "half.db"  # an articles table but no parknews migrations
    conn = sqlite3.connect(half)
    conn.execute("create table articles (url text)")
    conn.commit()
    conn.close()
    before = fingerprint(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["search", "--db", str(text), "园区"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"parknews: {text} is not a parknews archive (not a "
                                    f"SQLite database: ")
    result = runner.invoke(main, ["dedup-report", "--db", str(half)])
    assert result.exit_code == 1
    assert result.stderr == (f"parknews: {half} is not a parknews archive (no parknews "
                             f"migrations); nothing was written to it\n")
    assert fingerprint(tmp_path) == before


@pytest.fixture
def archive(tmp_path) -> Path:
    path = tmp_path / "a.db"
    db = open_archive(path)
    writer = ArchiveWriter(db, batch_size=10)
    writer.upsert_sites([{"id": "yx", "name": "云溪", "park": None, "region": None,
                          "start_urls": ["http://yx/"], "updated_at": "t"}])
    for day in (3, 20):
        writer.add_article({"url": f"http://yx/{day}", "site_id": "yx",
                            "title": f"园区新闻五月{day}日", "body": "氢能产业园开工。" * 5,
                            "published_at": f"2024-05-{day:02d}", "fetched_at": "t"})
    writer.close()
    db.close()
    return path


def test_the_check_leaves_an_archive_as_it_was(archive):
    before = fingerprint(archive.parent)
    assert existing_archive(str(archive)) == archive
    assert fingerprint(archive.parent) == before  # no empty -wal or -shm left either


def test_search_reads_the_archive_read_only(archive):
    db = open_archive_read_only(str(archive))
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.conn.execute("delete from articles")
    db.close()
    before = fingerprint(archive.parent)
    result = CliRunner().invoke(main, ["search", "--db", str(archive), "氢能"])
    assert result.exit_code == 0 and result.stdout.startswith("2 articles match")
    assert fingerprint(archive.parent) == before


@pytest.mark.parametrize("date_from, found", [
    ("2024-05-10", ["http://yx/20"]),
    ("2024/05/10", ["http://yx/20"]),  # read as 2024-05-10
    ("2024.5.10", ["http://yx/20"]),
    ("2024年5月10日", ["http://yx/20"]),
    ("2024-05", ["http://yx/20", "http://yx/3"]),  # a month: from its start
    ("2024", ["http://yx/20", "http://yx/3"]),
])
def test_dates_are_read_in_the_usual_ways(archive, date_from, found):
    result = CliRunner().invoke(main, ["search", "--db", str(archive), "氢能", "--json",
                                       "--from", date_from])
    assert result.exit_code == 0, result.output
    assert sorted(line.split('"url": "')[1].split('"')[0]
                  for line in result.stdout.splitlines()) == found


def test_a_month_for_to_means_its_end(archive):
    result = CliRunner().invoke(main, ["search", "--db", str(archive), "氢能", "--json",
                                       "--to", "2024/5"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2


@pytest.mark.parametrize("options, message", [
    (["--from", "05/01/2024"], "Invalid value for '--from': '05/01/2024' is not a date: "
                               "write YYYY-MM-DD (or YYYY-MM, YYYY)"),
    (["--to", "2024-02-30"], "Invalid value for '--to': '2024-02-30' is not a date"),
    (["--from", "yesterday"], "'yesterday' is not a date"),
    (["--from", "2024-06-01", "--to", "2024-05"],
     "Invalid value for --from: --from 2024-06-01 is after --to 2024-05"),
])
def test_a_date_that_cannot_be_read_is_an_error(archive, options, message):
    result = CliRunner().invoke(main, ["search", "--db", str(archive), "氢能", *options])
    assert result.exit_code == 2
    assert message in result.stderr


def test_the_check_is_what_open_archive_read_only_says(plain):
    with pytest.raises(CommandError, match="is not a parknews archive"):
        open_archive_read_only(str(plain))
