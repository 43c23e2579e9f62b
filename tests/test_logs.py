"""Logs for people and for cron: a crawl without a terminal prints its summary, warnings
and errors only (no Scrapy settings or stats dumps); ``-v`` gives Scrapy's INFO;
``--log-file``; ``--log-format json`` writes one JSON object a line; no telnet console or
RemoteControl server; robots.txt disallows are counted apart from the failures."""

from __future__ import annotations

import json
import re

import pytest
from conftest import FAST, run_cli

from parknews.crawler.logs import JsonFormatter, url_of
from parknews.crawler.mocksites import sites_toml

MAX_LINES = 30
JSON_KEYS = {"time", "level", "logger", "site", "event", "message", "url"}


@pytest.fixture(scope="module")
def sites_file(mock_sites, tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "sites.toml"
    path.write_text(sites_toml(list(mock_sites.values()), start="home"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def quiet(sites_file):
    """A crawl of the seven mock sites as cron runs it: no terminal, no option."""
    result = run_cli("crawl", "--sites", str(sites_file), "--db",
                     str(sites_file.with_name("quiet.db")), *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_a_crawl_without_a_terminal_prints_little(quiet, mock_sites):
    lines = quiet.stdout.splitlines() + quiet.stderr.splitlines()
    assert len(lines) <= MAX_LINES, "\n".join(lines)
    output = quiet.stdout + quiet.stderr
    for noise in ("Overridden settings", "Enabled extensions", "Dumping Scrapy stats",
                  " INFO: ", "Telnet", "remote_control", "[dede] "):
        assert noise not in output, noise
    summary = [line for line in quiet.stdout.splitlines()
               if line.split(" ", 1)[0] in mock_sites]
    assert len(summary) == len(mock_sites)


def test_robots_txt_disallows_are_not_failures(quiet, mock_sites):
    header = quiet.stdout.splitlines()[1].split()
    assert header[8:11] == ["failed", "robots", "empty"]
    rows = {line.split()[0]: line.split() for line in quiet.stdout.splitlines()
            if line.split(" ", 1)[0] in mock_sites}
    assert int(rows["province"][9]) >= 1 and int(rows["wordpress"][9]) >= 1
    failures, _, disallowed = quiet.stdout.partition(
        "disallowed by robots.txt (not fetched, as the sites ask):")
    assert disallowed, quiet.stdout
    assert "Forbidden by robots.txt" not in failures
    for site_id in ("province", "wordpress"):
        prefixes = tuple(mock_sites[site_id].base_url + path
                         for path in mock_sites[site_id].robots_disallow)
        listed = re.findall(rf"^  {site_id}  (\S+)$", disallowed, re.M)
        assert listed and all(url.startswith(prefixes) for url in listed), listed
    # a failure is still a failure: the province's 500 is listed with its reason
    assert re.search(r"^  province  \S+: HTTP 500$", failures, re.M)


def test_verbose_gives_scrapys_info_and_no_server_runs(sites_file, tmp_path):
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "v.db"),
                     "--site", "trs", "-v", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    assert " INFO: " in result.stderr and "Enabled extensions" in result.stderr
    extensions = result.stderr.split("Enabled extensions:", 1)[1].split("]", 1)[0]
    assert "RemoteControl" not in extensions and "TelnetConsole" not in extensions


def test_json_log_lines_parse(sites_file, tmp_path, mock_sites):
    log_file = tmp_path / "crawl.jsonl"
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "j.db"),
                     "--log-format", "json", "--log-file", str(log_file), "-v", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == ""  # the log went to the file
    records = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert records and all(JSON_KEYS <= set(record) for record in records)
    assert {r["level"] for r in records} >= {"INFO", "WARNING"}
    summaries = {r["site"]: r for r in records if r["event"] == "summary"}
    assert set(summaries) == set(mock_sites)
    assert summaries["province"]["robots_disallowed"] >= 1
    assert all(isinstance(summaries[s]["new"], int) for s in summaries)
    failed = [r for r in records if r["message"].startswith("failed http")]
    assert failed and all(r["site"] in mock_sites for r in failed)
    assert all(r["message"] == f"failed {r['url']}: {r['message'].rsplit(': ', 1)[1]}"
               for r in failed)
    # Scrapy's own lines about a page name that page's site (one crawler serves every
    # site: its lines about the whole crawl name none)
    scrapy_lines = [r for r in records if r["logger"].startswith("scrapy.")
                    and (r["url"] or "").startswith("http://127.0.0.")]  # the mock sites
    assert scrapy_lines and all(r["site"] in mock_sites for r in scrapy_lines)
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$", r["time"])
               for r in records)  # the sites file's zone: Asia/Shanghai by default


def test_json_log_on_standard_error_is_json_only(sites_file, tmp_path):
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "e.db"),
                     "--site", "province", "--log-format", "json", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert [r["event"] for r in records if r["event"] != "log"] == ["summary"]
    assert any(r["level"] == "WARNING" and r["site"] == "province" for r in records)
    assert "province" in result.stdout  # the summary table, for people, as before


def test_url_and_site_of_a_record():
    import logging

    record = logging.LogRecord("x", logging.WARNING, __file__, 1,
                               "Gave up retrying <GET %s> (failed %d times)",
                               ("http://a.example.gov.cn/1.html", 1), None)
    assert url_of(record, record.getMessage()) == "http://a.example.gov.cn/1.html"
    formatter = JsonFormatter(hosts={"example.gov.cn": "ex"})
    data = json.loads(formatter.format(record))
    assert data["site"] == "ex" and data["event"] == "log"
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "site yx: run 3", (), None)
    assert json.loads(formatter.format(plain))["site"] == "yx"


@pytest.mark.parametrize("level, debug_written", [("INFO", False), ("DEBUG", True)])
def test_records_below_the_level_are_not_even_made(tmp_path, level, debug_written):
    """Scrapy logs each page and item at DEBUG: below the chosen level no record is
    made, also after Scrapy's own logging set-up; at DEBUG they are written."""
    import logging

    from scrapy.settings import Settings
    from scrapy.utils.log import configure_logging

    from parknews.crawler import logs

    root_level, scrapy_level = logging.getLogger().level, logging.getLogger("scrapy").level
    handler = logs.install(logs.LogOptions(level=level, file=str(tmp_path / "crawl.log")))
    try:
        # what each CrawlerProcess does (the scrapy logger to DEBUG), then the crawl's fix
        configure_logging(Settings(logs.crawl_log_settings()))
        logs.keep_levels()
        engine = logging.getLogger("scrapy.core.engine")
        assert engine.isEnabledFor(logging.DEBUG) is debug_written
        engine.debug("Crawled (200) <GET http://127.0.0.1/a.html>")
        engine.info("a line at INFO")
        logs.run_logger().info("run event")  # the JSON log's events, not the text log's
    finally:
        logs.uninstall(handler)
        logging.getLogger().setLevel(root_level)
        logging.getLogger("scrapy").setLevel(scrapy_level)
    written = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert ("Crawled (200)" in written) is debug_written
    assert "a line at INFO" in written
