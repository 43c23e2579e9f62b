"""What ``parknews crawl`` prints at its end (``--summary``): the full table of every
site, or — for the cron mail of a crawl of many sites — the totals, only the sites that
need a look, how many others were fine, and a capped list of failed URLs with the
command that lists them all."""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import replace
from types import SimpleNamespace

import pytest
from conftest import FAST, closed_port, run_cli
from mockservers.scale import serve_scale_sites
from sqlite_utils import Database

from parknews.crawler.cli.common import (
    SHORT_LISTING_IN_ALL,
    SHORT_LISTING_PER_SITE,
    SUMMARY_FULL_UP_TO,
    print_summary,
    summary_mode,
)
from parknews.crawler.cli.crawl import print_failures, print_unhealthy
from parknews.crawler.runner import SiteResult
from parknews.crawler.spiders.park import ROBOTS_DISALLOWED

TABLE_HEADER = re.compile(r"^site\s+pages\s+lists\s+new\s+changed\s+same\s+gone\s+skipped\s+"
                          r"failed\s+robots\s+empty\s+finish$")


def fine(index: int) -> SiteResult:
    return SiteResult(site_id=f"park{index:05d}", name=f"第{index}号园区", pages=8,
                      list_pages=3, articles_new=4, articles_changed=1, articles_unchanged=2,
                      articles_withdrawn=0, skipped_known=5, failures=0, empty=0,
                      finish_reason="finished", disallowed=1)


def needing_a_look() -> list[SiteResult]:
    """One site for each reason to look at it."""
    base = fine(0)
    return [
        replace(base, site_id="failures", pages=10, failures=2, empty=1),
        replace(base, site_id="shutdown", finish_reason="shutdown"),
        replace(base, site_id="nopages", pages=0, list_pages=0, articles_new=0,
                articles_changed=0, articles_unchanged=0, skipped_known=0, disallowed=0),
        replace(base, site_id="allfailed", pages=3, list_pages=0, articles_new=0,
                articles_changed=0, articles_unchanged=0, skipped_known=0, failures=3),
        replace(base, site_id="walled", blocked=2,
                notes=("blocked: 2 pages answered an anti-bot challenge (jiasule)",)),
    ]


def printed(capsys, results, mode: str) -> list[str]:
    print_summary(results, mode)
    return capsys.readouterr().out.splitlines()


def table_rows(lines: list[str], results) -> list[str]:
    """The site ids of the summary's table lines, in order (``results``: what has a
    ``site_id``)."""
    ids = {r.site_id for r in results}
    return [line.split()[0] for line in lines
            if line[:1].strip() and line.split()[0] in ids]


def totals(lines: list[str]) -> dict[str, int]:
    """The totals block of a short summary: label -> number."""
    start = next(i for i, line in enumerate(lines) if re.match(r"^\d+ sites? crawled:$", line))
    block = {}
    for line in lines[start + 1:]:
        match = re.match(r"^  (\S.*?)\s+(\d+)$", line)
        if not match:
            break
        block[match[1]] = int(match[2])
    return block


def test_short_lists_only_the_sites_that_need_a_look_and_sums_them_all(capsys):
    flagged = needing_a_look()
    results = [fine(i) for i in range(1, 41)] + flagged
    lines = printed(capsys, results, "short")
    assert "45 sites crawled:" in lines
    assert totals(lines) == {
        "pages": 40 * 8 + 10 + 8 + 0 + 3 + 8,
        "list pages": 40 * 3 + 3 + 3 + 0 + 0 + 3,
        "new articles": 40 * 4 + 4 + 4 + 0 + 0 + 4,
        "changed articles": 40 * 1 + 1 + 1 + 0 + 0 + 1,
        "same articles": 40 * 2 + 2 + 2 + 0 + 0 + 2,
        "gone articles": 0,
        "known articles skipped": 40 * 5 + 5 + 5 + 0 + 0 + 5,
        "failed pages": 2 + 3,
        "disallowed by robots.txt": 40 + 1 + 1 + 0 + 1 + 1,
        "empty pages": 1,
        "sites not finished normally": 1,
    }
    assert table_rows(lines, results) == [r.site_id for r in flagged]
    assert sum(bool(TABLE_HEADER.match(line)) for line in lines) == 1
    assert "40 other sites were fine; `--summary full` shows every site." in lines
    assert "walled: blocked: 2 pages answered an anti-bot challenge (jiasule)" in lines


def test_short_keeps_only_the_notes_of_the_sites_listed(capsys):
    noted_but_fine = replace(fine(1), notes=("list drawn by JavaScript (vue): …",))
    results = [noted_but_fine, *(fine(i) for i in range(2, 40))]
    lines = printed(capsys, results, "short")
    assert table_rows(lines, results) == ["park00001"]  # a site with notes is listed
    assert lines[-1] == "park00001: list drawn by JavaScript (vue): …"
    assert "38 other sites were fine; `--summary full` shows every site." in lines


def test_short_when_every_site_was_fine(capsys):
    results = [fine(i) for i in range(50)]
    lines = printed(capsys, results, "short")
    assert totals(lines)["pages"] == 50 * 8
    assert table_rows(lines, results) == []
    assert not any(TABLE_HEADER.match(line) for line in lines)
    assert lines[-1] == "no site needs a look; `--summary full` shows every site."


def test_full_is_the_table_of_every_site(capsys):
    results = [fine(i) for i in range(1, 41)] + needing_a_look()
    lines = printed(capsys, results, "full")
    assert table_rows(lines, results) == [r.site_id for r in results]
    assert any(TABLE_HEADER.match(line) for line in lines)
    assert ("park00001             8      3     4        1     2     0        5       0       1"
            "      0  finished") in lines  # the format of every release before --summary
    assert not any("crawled:" in line or "were fine" in line for line in lines)
    assert lines[-1] == "walled: blocked: 2 pages answered an anti-bot challenge (jiasule)"


@pytest.mark.parametrize("count,expected", [
    (1, "full"), (SUMMARY_FULL_UP_TO, "full"), (SUMMARY_FULL_UP_TO + 1, "short"), (2500, "short"),
])
def test_auto_is_full_up_to_the_threshold_and_short_above(capsys, count, expected):
    assert summary_mode("auto", count) == expected
    assert summary_mode("full", count) == "full" and summary_mode("short", count) == "short"
    results = [fine(i) for i in range(count)]
    lines = printed(capsys, results, "auto")
    short = "no site needs a look; `--summary full` shows every site." in lines
    assert short == (expected == "short")
    assert len(table_rows(lines, results)) == (0 if short else count)


# --- the failed URLs -----------------------------------------------------------------

SINCE = "2026-12-07T18:00:00+00:00"
RUN = "20261207T180000Z"


@pytest.fixture
def failures_db(tmp_path):
    """An archive's pages table: 12 sites with 5 failed URLs each in this run, one with an
    older failure and a URL robots.txt disallowed, and a site not in this crawl."""
    path = tmp_path / "f.db"
    rows = [{"url": f"http://s{site}.test/{n}.html", "site_id": f"s{site:02d}", "status": 404,
             "error": "HTTP 404", "fetched_at": f"2026-12-07T18:0{n}:00+00:00", "run_id": RUN}
            for site in range(12) for n in range(5)]
    rows += [
        {"url": "http://s0.test/old.html", "site_id": "s00", "status": 500, "error": "HTTP 500",
         "fetched_at": "2026-12-06T18:00:00+00:00", "run_id": "20261206T180000Z"},
        {"url": "http://s0.test/admin/", "site_id": "s00", "status": None,
         "error": ROBOTS_DISALLOWED, "fetched_at": SINCE, "run_id": RUN},
        {"url": "http://other.test/x.html", "site_id": "other", "status": 404,
         "error": "HTTP 404", "fetched_at": SINCE, "run_id": "20261207T180005Z"},
    ]
    Database(path)["pages"].insert_all(rows, pk="url")
    return path


def listed(capsys, db_path, short: bool) -> list[str]:
    print_failures(str(db_path), SINCE, [f"s{site:02d}" for site in range(12)], short=short)
    return capsys.readouterr().out.splitlines()


def test_short_caps_the_failed_urls_and_names_a_command_listing_them_all(capsys,
                                                                         failures_db):
    lines = listed(capsys, failures_db, short=True)
    failures = lines[lines.index("failures (url: reason):") + 1:]
    urls = [line for line in failures if line.endswith(": HTTP 404")]
    assert len(urls) == SHORT_LISTING_IN_ALL
    per_site = {line.split()[0] for line in urls}
    assert len(per_site) == SHORT_LISTING_IN_ALL // SHORT_LISTING_PER_SITE
    more = next(line for line in failures if "more failed URLs" in line)
    assert more.startswith(f"  … and {12 * 5 - SHORT_LISTING_IN_ALL} more failed URLs: "
                           f"sqlite-utils query ")
    command = more.split(": ", 1)[1]
    answer = subprocess.run(shlex.split(command), capture_output=True, text=True, check=True)
    listed_urls = re.findall(r"http://\S+", answer.stdout)
    assert len(listed_urls) == 12 * 5  # this run's failures only: no robots, old or other
    assert "  s00  http://s0.test/admin/" in lines  # the robots.txt block, after


def test_full_lists_every_failed_url_of_each_site(capsys, failures_db):
    lines = listed(capsys, failures_db, short=False)
    assert sum(line.endswith(": HTTP 404") for line in lines) == 12 * 5
    assert not any("more" in line for line in lines)
    assert lines[-2:] == ["disallowed by robots.txt (not fetched, as the sites ask):",
                          "  s00  http://s0.test/admin/"]


# --- through the command line --------------------------------------------------------


def test_a_short_crawl_summary_through_the_cli(tmp_path):
    with serve_scale_sites(3, articles=4, first=5200) as (sites, _):
        broken = sites[2]  # a start URL that answers 404
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text("\n".join([
            sites[0].toml(), sites[1].toml(),
            f'[[sites]]\nid = "{broken.id}"\nname = "缺页的园区"\n'
            f'start_urls = ["{broken.base_url}/", "{broken.base_url}/gone.html"]\n',
            f'[[sites]]\nid = "dead"\nname = "关闭的园区"\n'
            f'start_urls = ["http://127.0.0.1:{closed_port()}/"]\n']), encoding="utf-8")
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "s.db"),
                         *FAST, "--no-lock", "--summary", "short", timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "4 sites crawled:" in lines
    counted = totals(lines)
    runs = list(Database(tmp_path / "s.db").query("select * from crawl_runs"))
    assert len(runs) == 4
    assert counted["pages"] == sum(run["pages"] for run in runs)
    assert counted["list pages"] == sum(run["list_pages"] for run in runs)
    assert counted["new articles"] == 3 * 4
    assert counted["failed pages"] == 2
    assert table_rows(lines, [SimpleNamespace(site_id=run["site_id"]) for run in runs]) == [
        broken.id, "dead"]
    assert "2 other sites were fine; `--summary full` shows every site." in lines
    assert f"  {broken.id}  {broken.base_url}/gone.html: HTTP 404" in lines


def _unhealthy(n: int) -> SimpleNamespace:
    return SimpleNamespace(site_id=f"park{n:04d}", status="unhealthy",
                           problems=[{"rule": "host_down", "message": f"host down ({n})"}])


def test_short_caps_the_unhealthy_sites_and_names_the_command_listing_them(capsys):
    """A big crawl's mail lists at most SHORT_LISTING_IN_ALL unhealthy sites (a network
    outage can make hundreds so), then how many more and how to see them all."""
    sick = [_unhealthy(n) for n in range(SHORT_LISTING_IN_ALL + 12)]
    print_unhealthy(sick, "/srv/park news.db", short=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:SHORT_LISTING_IN_ALL] == [
        f"unhealthy: park{n:04d}: host down ({n})" for n in range(SHORT_LISTING_IN_ALL)]
    assert lines[SHORT_LISTING_IN_ALL:] == [
        "… and 12 more unhealthy sites: parknews health --db '/srv/park news.db' --no-alert"
        " | grep unhealthy"]
    print_unhealthy(sick, "/srv/park news.db", short=False)  # full: every one
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(sick) and lines[-1].endswith(f"({len(sick) - 1})")
