"""The ``parknews`` commands in this process, with click's CliRunner: everything that
needs no crawl (Scrapy's reactor cannot restart in one process, so crawls stay in
subprocesses: tests/test_cli.py and the others). Help texts, ``--set``, the one error
convention, "no archive at", the locks taken before any crawl, ``cron``'s lines and
``crawl-locked``, ``search`` and ``health`` on a small archive built here."""

from __future__ import annotations

import json
import os
import shlex
import sys
from datetime import UTC, datetime

import click
import pytest
from click.testing import CliRunner

from parknews.archive.store import ArchiveWriter, open_archive
from parknews.crawler.cli import main
from parknews.crawler.cli.common import CommandError, Overrides, parse_set
from parknews.crawler.locks import LOCKED_EXIT, SiteLock

COMMANDS = sorted(main.commands)
SITES = ('[[sites]]\nid = "trs"\nname = "T"\nstart_urls = ["http://127.0.0.1:9/"]\n'
         'schedule = "17 6 * * 1-5"\n'
         '[[sites]]\nid = "dede"\nname = "D"\nstart_urls = ["http://127.0.0.1:9/d/"]\n'
         'schedule = "*/3 * * * * *"\n')


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def sites_file(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(SITES, encoding="utf-8")
    return path


def test_the_group_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    assert set(COMMANDS) == {
        "crawl", "crawl-locked", "cron", "dedup-report", "demo", "discover", "extract",
        "health", "ingest", "init", "reextract", "reindex", "schedule", "schema", "search",
        "seed", "serve", "worker"}
    for name in COMMANDS:
        assert f"  {name} " in result.output, name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    result = invoke(name, "--help")
    assert result.exit_code == 0, result.output
    example = result.output.split("Example:", 1)
    assert len(example) == 2, f"{name}: no example"
    assert f"parknews {name} " in example[1] or f"cli {name} " in example[1], example[1]


# --- --set -----------------------------------------------------------------------------


def test_set_is_read_one_way():
    overrides = parse_set(["DOWNLOAD_DELAY=2", " LOG_LEVEL = INFO", "A=x=y", "B="])
    assert overrides == Overrides({"DOWNLOAD_DELAY": "2", "LOG_LEVEL": " INFO",
                                   "A": "x=y", "B": ""})
    overrides = parse_set(["RETRY_TIMES=0", "dede:DOWNLOAD_DELAY=2", "RETRY_TIMES=1",
                           "dede:X.Y=z"], per_site=True)
    assert overrides.common == {"RETRY_TIMES": "1"}  # the last one wins
    assert overrides.per_site == {"dede": {"DOWNLOAD_DELAY": "2", "X.Y": "z"}}
    assert overrides.args("dede") == ["--set", "RETRY_TIMES=1", "--set", "DOWNLOAD_DELAY=2",
                                      "--set", "X.Y=z"]
    assert overrides.args("trs") == ["--set", "RETRY_TIMES=1"]
    assert overrides.args("dede", common=False) == ["--set", "DOWNLOAD_DELAY=2",
                                                    "--set", "X.Y=z"]


@pytest.mark.parametrize("value, per_site, message", [
    ("DOWNLOAD_DELAY", False, "expected NAME=VALUE, got 'DOWNLOAD_DELAY'"),
    ("=2", False, "expected NAME=VALUE, got '=2'"),
    ("1X=2", False, "expected NAME=VALUE"),
    ("dede:DOWNLOAD_DELAY=2", False, "expected NAME=VALUE, got 'dede:DOWNLOAD_DELAY=2'"),
    ("DOWNLOAD_DELAY", True, "expected NAME=VALUE or ID:NAME=VALUE, got 'DOWNLOAD_DELAY'"),
    ("d" * 65 + ":A=1", True, f"{'d' * 65!r} is not a site id"),
])
def test_a_bad_set_is_named(value, per_site, message):
    with pytest.raises(click.BadParameter, match="^" + message.replace("(", r"\(")):
        parse_set([value], per_site=per_site)


@pytest.mark.parametrize("args", [
    ("crawl", "--sites", "{sites}", "--db", "{db}"),
    ("discover", "http://127.0.0.1:9/"),
    ("seed", "--sites", "{sites}", "--db", "{db}", "--redis", "redis://127.0.0.1:9/0"),
    ("worker", "--redis", "redis://127.0.0.1:9/0"),
    ("schedule", "--sites", "{sites}", "--db", "{db}"),
    ("cron", "--sites", "{sites}", "--db", "{db}"),
])
def test_every_set_option_is_a_usage_error_when_bad(args, sites_file, tmp_path):
    db = tmp_path / "a.db"
    args = [a.format(sites=sites_file, db=db) for a in args]
    result = invoke(*args, "--set", "DOWNLOAD_DELAY")
    assert result.exit_code == 2, result.output
    assert "Invalid value for --set: expected NAME=VALUE" in result.stderr
    assert not db.exists() and not (tmp_path / "a-locks").exists()


def test_one_error_convention():
    @click.command()
    def failing():
        raise CommandError("no such thing", LOCKED_EXIT)

    result = CliRunner().invoke(failing, [])
    assert result.exit_code == LOCKED_EXIT and result.stderr == "parknews: no such thing\n"
    assert result.stdout == ""


# --- the archive that must exist ---------------------------------------------------------


@pytest.mark.parametrize("args, hint", [
    (("reextract",), ""),
    (("search", "园区"), ""),
    (("reindex",), ""),
    (("health",), ""),
    (("dedup-report",), ""),
    (("serve",), ": run `parknews crawl --db {db}` first"),
])
def test_no_archive_at(args, hint, tmp_path):
    db = tmp_path / "none.db"
    result = invoke(*args, "--db", str(db))
    assert result.exit_code == 1, result.output
    assert result.stderr == f"parknews: no archive at {db}{hint.format(db=db)}\n"
    assert not db.exists()


# --- crawl: what is refused before any crawl ---------------------------------------------


def test_crawl_rejects_a_broken_sites_file(tmp_path):
    db = tmp_path / "a.db"
    bad = tmp_path / "sites.toml"
    bad.write_text('[[sites]]\nid = "qw"\nname = "青梧高新区"\n', encoding="utf-8")
    result = invoke("crawl", "--sites", str(bad), "--db", str(db))
    assert result.exit_code == 1
    assert result.stderr == "parknews: site 'qw': missing required key 'start_urls'\n"
    bad.write_text('[[sites]\nid = "qw"', encoding="utf-8")
    result = invoke("crawl", "--sites", str(bad), "--db", str(db))
    assert result.exit_code == 1 and "not valid TOML" in result.stderr
    assert result.stderr.startswith("parknews: ")
    result = invoke("crawl", "--sites", str(tmp_path / "none.toml"), "--db", str(db))
    assert result.exit_code == 1 and "sites file not found" in result.stderr
    assert not db.exists() and not (tmp_path / "a-locks").exists()


def test_crawl_names_an_unknown_site_and_a_bad_db_path(sites_file, tmp_path):
    result = invoke("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "a.db"),
                    "--site", "zz")
    assert result.exit_code == 1 and "unknown site id(s): zz" in result.stderr
    result = invoke("crawl", "--sites", str(sites_file), "--db",
                    str(tmp_path / "no" / "a.db"))
    assert result.exit_code == 1 and "directory does not exist" in result.stderr


def test_a_crawl_of_locked_sites_only_stops_before_scrapy(sites_file, tmp_path):
    db = tmp_path / "a.db"
    held = [SiteLock(tmp_path / "a-locks", site_id) for site_id in ("trs", "dede")]
    try:
        assert all(lock.acquire() for lock in held)
        result = invoke("crawl", "--sites", str(sites_file), "--db", str(db))
    finally:
        for lock in held:
            lock.release()
    assert result.exit_code == LOCKED_EXIT, result.output
    for site_id in ("dede", "trs"):
        assert (f"parknews: site {site_id}: another crawl of it is running (pid "
                f"{os.getpid()} since ") in result.stderr
    assert "nothing crawled: every site is being crawled by another process" in result.stderr


def test_a_lock_dir_that_cannot_be_made_is_named(sites_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "a.db"),
                    "--lock-dir", str(blocker / "locks"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"parknews: cannot take the lock of site dede in "
                                    f"{blocker / 'locks'}: ")
    assert result.stderr.endswith("(choose another --lock-dir, or --no-lock)\n")


# --- cron and crawl-locked ----------------------------------------------------------------


def test_cron_lines_run_crawl_locked_with_this_python(sites_file, tmp_path):
    db = tmp_path / "a.db"
    result = invoke("cron", "--sites", str(sites_file), "--db", str(db), "--set",
                    "RETRY_TIMES=0", "--set", "dede:DOWNLOAD_DELAY=2")
    assert result.exit_code == 0, result.output
    (trs,) = [line for line in result.stdout.splitlines() if "--site trs" in line]
    runner = f"{shlex.quote(sys.executable)} -m parknews.crawler.cli crawl-locked "
    assert trs.startswith("17 6 * * 1-5 cd ") and runner in trs
    (dede,) = [line for line in result.stdout.splitlines() if "--site dede" in line]
    assert dede.startswith("# cd ") and runner in dede  # seconds: not a cron line
    # the command of the line is crawl-locked's: with the site's lock held here, it
    # crawls nothing and exits 75
    command = shlex.split(trs.split(" && ")[-1].split(" >> ")[0])
    assert command[:4] == [sys.executable, "-m", "parknews.crawler.cli", "crawl-locked"]
    with SiteLock(tmp_path / "a-locks", "trs"):
        refused = invoke(*command[3:])
    assert refused.exit_code == LOCKED_EXIT, refused.output
    assert refused.stderr.startswith(f"parknews: site trs: previous run still going (pid "
                                     f"{os.getpid()} since ")
    assert not db.exists()  # nothing was crawled


def test_crawl_locked_takes_all_locks_or_none(sites_file, tmp_path):
    db = tmp_path / "a.db"
    with SiteLock(tmp_path / "locks", "trs"):  # no --site: every site of the file
        result = invoke("crawl-locked", "--lock-dir", str(tmp_path / "locks"), "--sites",
                        str(sites_file), "--db", str(db))
        assert result.exit_code == LOCKED_EXIT, result.output
        assert "site trs: previous run still going" in result.stderr
        assert SiteLock(tmp_path / "locks", "dede").holder() is None  # given back
    assert not db.exists()


def test_crawl_locked_passes_on_the_crawls_errors(sites_file, tmp_path):
    db = tmp_path / "a.db"
    unknown = invoke("crawl-locked", "--sites", str(sites_file), "--db", str(db), "--bogus")
    assert unknown.exit_code == 2 and "No such option '--bogus'" in unknown.stderr
    assert not (tmp_path / "a-locks").exists()  # refused before any lock
    bad = invoke("crawl-locked", "--sites", str(tmp_path / "none.toml"), "--db", str(db))
    assert bad.exit_code == 1 and "parknews: sites file not found" in bad.stderr
    site = invoke("crawl-locked", "--sites", str(sites_file), "--db", str(db), "--site",
                  "zz")
    assert site.exit_code == 1 and "unknown site id(s): zz" in site.stderr
    assert SiteLock(tmp_path / "a-locks", "zz").holder() is None


# --- search, health and dedup-report on a small archive -----------------------------------


@pytest.fixture
def small_archive(tmp_path):
    path = tmp_path / "small.db"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    db = open_archive(path)
    writer = ArchiveWriter(db, batch_size=100)
    writer.upsert_sites([
        {"id": "yx", "name": "云溪经开区", "park": "云溪经开区", "region": None,
         "start_urls": ["http://yx/"], "updated_at": now},
        {"id": "qw", "name": "青梧科技园", "park": "青梧高新区", "region": None,
         "start_urls": ["http://qw/"], "updated_at": now}])
    writer.add_article({"url": "http://yx/1.html", "site_id": "yx",
                        "title": "云溪经开区氢能产业园签约",
                        "body": "氢能产业园项目签约，总投资十亿元。",
                        "source": "管委会", "published_at": "2024-05-01", "fetched_at": now,
                        "content_hash": "1"})
    writer.add_article({"url": "http://qw/2.html", "site_id": "qw",
                        "title": "青梧高新区招商推介会", "body": "招商推介会在青梧举行。",
                        "source": None, "published_at": "2024-06-01", "fetched_at": now,
                        "content_hash": "2"})
    run = {"run_id": "r1", "started_at": now, "finished_at": now,
           "finish_reason": "finished", "full_pass": 0, "requests": 20,
           "responses": {"200": 20}, "errors": 0, "list_pages": 2, "links_found": 20,
           "articles_new": 1, "pages": 20}
    writer.add_run(dict(run, site_id="yx"))
    writer.add_run(dict(run, site_id="qw", list_pages=0, errors=3, responses={"500": 3},
                        links_found=0, articles_new=0))
    writer.close()
    db.close()
    return path


def test_search_on_a_small_archive(small_archive):
    result = invoke("search", "--db", str(small_archive), "氢能")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "1 articles match; 1-1:", "2024-05-01  yx           云溪经开区氢能产业园签约",
        "            http://yx/1.html"]
    as_json = invoke("search", "--db", str(small_archive), "招商", "--json")
    (hit,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert hit["url"] == "http://qw/2.html" and hit["site_id"] == "qw"
    none = invoke("search", "--db", str(small_archive), "园区", "--site", "nope")
    assert none.exit_code == 0 and none.stdout == "0 articles match; 0-0:\n"
    empty = invoke("search", "--db", str(small_archive), "，。")
    assert empty.exit_code == 1
    assert empty.stderr.endswith("parknews: nothing to search for: the query has no "
                                 "letters, digits or characters\n")


def test_health_and_dedup_report_on_a_small_archive(small_archive, tmp_path):
    result = invoke("health", "--db", str(small_archive))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("qw               unhealthy  since ")
    assert lines[1].strip().startswith("- no list page could be read in the latest run")
    assert lines[2].startswith("yx               healthy    since ")
    as_json = invoke("health", "--db", str(small_archive), "--json", "--site", "yx")
    (yx,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert yx["site_id"] == "yx" and yx["status"] == "healthy" and yx["problems"] == []
    bad_alerts = tmp_path / "alerts.toml"
    bad_alerts.write_text('[[alerts]]\nkind = "nope"\n', encoding="utf-8")
    refused = invoke("health", "--db", str(small_archive), "--sites", str(bad_alerts))
    assert refused.exit_code == 1 and refused.stderr.startswith("parknews: ")
    report = invoke("dedup-report", "--db", str(small_archive), "--format", "json")
    assert report.exit_code == 0 and json.loads(report.stdout) == {"clusters": [],
                                                                   "matrix": []}
