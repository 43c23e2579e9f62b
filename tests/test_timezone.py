"""The sites file's ``timezone`` (default Asia/Shanghai): schedules fire at that zone's
times whatever the machine's zone (a frozen clock on a UTC machine), the cron lines say
CRON_TZ, and health reports show their times in it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import apscheduler.schedulers.base
import pytest
from click.testing import CliRunner

from parknews.archive.store import ArchiveWriter, open_archive
from parknews.crawler.cli import main
from parknews.crawler.sites import DEFAULT_TIMEZONE, SitesError, parse_sites_file
from parknews.crawler.timetable import Scheduler, oncalendar

SITE = '[[sites]]\nid = "yx"\nname = "云溪经开区"\nstart_urls = ["http://127.0.0.1:9/"]\n'
# a frozen "now": 2026-03-01 21:00 UTC, which is 2026-03-02 05:00 in Beijing
FROZEN = datetime(2026, 3, 1, 21, 0, tzinfo=UTC)


class FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return FROZEN.astimezone(tz) if tz else FROZEN.astimezone().replace(tzinfo=None)


@pytest.fixture
def utc_machine(monkeypatch):
    """The machine's zone is UTC (as on most servers) and APScheduler's clock frozen."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", FrozenDatetime)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("zone_line, fires_utc", [
    ("", datetime(2026, 3, 1, 22, 17, tzinfo=UTC)),  # 06:17 in Beijing, the default
    ('timezone = "Asia/Shanghai"\n', datetime(2026, 3, 1, 22, 17, tzinfo=UTC)),
    ('timezone = "UTC"\n', datetime(2026, 3, 2, 6, 17, tzinfo=UTC)),
    ('timezone = "Europe/Berlin"\n', datetime(2026, 3, 2, 5, 17, tzinfo=UTC)),
])
def test_a_schedule_fires_at_the_zones_time(utc_machine, tmp_path, zone_line, fires_utc):
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(zone_line + 'default_schedule = "17 6 * * *"\n' + SITE,
                          encoding="utf-8")
    scheduler = Scheduler(sites_file, tmp_path / "a.db")
    scheduler.start()
    try:
        (job,) = scheduler._aps.get_jobs()
        assert job.next_run_time == fires_utc
        local = job.next_run_time.astimezone(scheduler.timezone)
        assert (local.hour, local.minute) == (6, 17)  # 06:17 where the sites are
    finally:
        scheduler.stop(timeout=1)
    assert datetime.now().astimezone().utcoffset().total_seconds() == 0  # a UTC machine


def test_the_default_zone_and_a_bad_one():
    assert parse_sites_file(SITE).timezone == DEFAULT_TIMEZONE == "Asia/Shanghai"
    assert parse_sites_file('timezone = "UTC"\n' + SITE).zone == ZoneInfo("UTC")
    for name in ("Mars/Olympus", "../etc/passwd", "Beijing"):
        with pytest.raises(SitesError, match=rf"timezone {name!r} is not a known time zone"):
            parse_sites_file(f'timezone = "{name}"\n' + SITE)
    with pytest.raises(SitesError, match="timezone must be a time zone name"):
        parse_sites_file("timezone = 8\n" + SITE)


def test_cron_lines_carry_the_zone(tmp_path):
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text('default_schedule = "17 6 * * *"\n' + SITE
                          + SITE.replace('"yx"', '"sec"') + 'schedule = "0 30 6 * * *"\n',
                          encoding="utf-8")
    result = CliRunner().invoke(main, ["cron", "--sites", str(sites_file), "--db",
                                       str(tmp_path / "a.db")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    zone_at = lines.index("CRON_TZ=Asia/Shanghai")
    assert lines[zone_at - 1].startswith("# The schedules are Asia/Shanghai times")
    (site_line,) = [n for n, line in enumerate(lines) if line.startswith("17 6 * * * cd ")]
    assert zone_at < site_line
    assert any("OnCalendar=*-*-* 06:30:00 Asia/Shanghai" in line for line in lines)
    assert oncalendar("17 6 * * 1-5", "UTC") == "Mon,Tue,Wed,Thu,Fri *-*-* 06:17:00 UTC"


def test_health_times_are_shown_in_the_zone(tmp_path):
    path = tmp_path / "small.db"
    db = open_archive(path)
    writer = ArchiveWriter(db, batch_size=10)
    writer.upsert_sites([{"id": "yx", "name": "云溪经开区", "park": None, "region": None,
                          "start_urls": ["http://yx/"], "updated_at": "2026-06-01T06:00:00"}])
    writer.add_run({"run_id": "r1", "site_id": "yx", "started_at": "2026-06-01T06:00:00+00:00",
                    "finished_at": "2026-06-01T06:05:00+00:00", "finish_reason": "finished",
                    "full_pass": 1, "requests": 20, "responses": {"200": 20}, "errors": 0,
                    "list_pages": 2, "links_found": 20, "articles_new": 1, "pages": 20})
    writer.close()
    db.close()
    beijing = CliRunner().invoke(main, ["health", "--db", str(path), "--no-alert"])
    assert beijing.exit_code == 0, beijing.output
    assert beijing.stdout.startswith("yx               healthy    since "
                                     "2026-06-01T14:00:00+08:00")
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text('timezone = "UTC"\n' + SITE, encoding="utf-8")
    utc = CliRunner().invoke(main, ["health", "--db", str(path), "--sites", str(sites_file),
                                    "--json"])
    (record,) = [json.loads(line) for line in utc.stdout.splitlines()]
    assert record["last_run"] == "2026-06-01T06:00:00+00:00"
    assert record["checked_at"].endswith("+00:00")
