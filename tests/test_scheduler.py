"""Scheduled crawls: `parknews schedule` starts each due crawl on time in its own process,
refuses a run while the site's previous one is still going (its lock held by a live
process, here or anywhere), fills crawl_runs; a lock dies with its holder, even by
SIGKILL; `parknews cron` prints crontab lines; bad schedules and site ids are named.

The TRS and DedeCMS mock sites are served on their own addresses (127.0.0.61/62).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest
from click.testing import CliRunner
from conftest import FAST, REPO
from sqlite_utils import Database

from parknews.crawler.cli.schedule import cron_command, schedule_command
from parknews.crawler.locks import LOCKED_EXIT, SiteBusy, SiteLock, hold_site_locks
from parknews.crawler.mocksites import serve_mock_sites, sites_toml
from parknews.crawler.timetable import oncalendar, site_trigger

HOSTS = {"trs": "127.0.0.61", "dede": "127.0.0.62"}
PERIOD = 3  # seconds between ticks of the test schedule
ON_TIME = 1.5  # a run starts at most this long after its tick
RUN_FOR = 11
ENV = dict(os.environ, PYTHONWARNINGS="ignore")


def _runs(lock_dir) -> list[dict]:
    path = lock_dir / "runs.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def mock():
    with serve_mock_sites(ids=list(HOSTS), hosts=HOSTS) as running:
        yield running


@pytest.fixture(scope="module")
def scheduled(mock, tmp_path_factory):
    """`parknews schedule` for RUN_FOR seconds, both sites every 3 s. The test holds trs's
    lock until a trs run has been refused for it; dede's crawls are slowed to outlast a
    tick (DOWNLOAD_DELAY for dede only), so the scheduler must refuse dede's next tick."""
    workdir = tmp_path_factory.mktemp("schedule")
    sites_file = workdir / "sites.toml"
    sites_file.write_text(f'default_schedule = "*/{PERIOD} * * * * *"\n' + sites_toml(mock),
                          encoding="utf-8")
    db_path, lock_dir = workdir / "archive.db", workdir / "locks"
    held = SiteLock(lock_dir, "trs")
    assert held.acquire()
    launched = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "parknews.crawler.cli", "schedule", "--sites", str(sites_file),
         "--db", str(db_path), "--lock-dir", str(lock_dir), "--run-for", str(RUN_FOR),
         *FAST, "--set", "LOG_LEVEL=WARNING", "--set", "dede:DOWNLOAD_DELAY=0.25",
         "--set", "dede:RANDOMIZE_DOWNLOAD_DELAY=False"],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + RUN_FOR
        while time.monotonic() < deadline and not any(
                r["site_id"] == "trs" and r["status"] == "refused" for r in _runs(lock_dir)):
            time.sleep(0.05)
        released = time.time()
        held.release()
        out, err = process.communicate(timeout=RUN_FOR + 60)
    finally:
        held.release()
        if process.poll() is None:
            process.kill()
            process.wait()
    yield {"returncode": process.returncode, "stderr": err, "runs": _runs(lock_dir),
           "db_path": db_path, "lock_dir": lock_dir, "launched": launched,
           "released": released}


def _ran(runs, site_id):
    """The runs of a site that crawled (were not refused), in order."""
    return sorted((r for r in runs if r["site_id"] == site_id and r["status"] != "refused"),
                  key=lambda r: r["started_at"])


def test_the_scheduler_ran_and_stopped_cleanly(scheduled):
    assert scheduled["returncode"] == 0, scheduled["stderr"][-3000:]
    assert "scheduler stopped" in scheduled["stderr"]
    runs = scheduled["runs"]
    assert {r["status"] for r in runs} <= {"ok", "stopped", "refused"}, runs
    for site_id in HOSTS:
        assert _ran(runs, site_id), f"no run of {site_id}: {runs}"
        assert f"site {site_id}: run started (pid" in scheduled["stderr"]
        assert f"site {site_id}: run ended:" in scheduled["stderr"]
    assert any(r["status"] == "ok" for r in runs)


def test_runs_start_on_the_ticks_and_no_tick_is_lost(scheduled):
    for site_id in HOSTS:
        runs = sorted((r for r in scheduled["runs"] if r["site_id"] == site_id),
                      key=lambda r: r["scheduled_at"])
        ticks = [r["scheduled_at"] for r in runs]
        for run in runs:
            assert run["scheduled_at"] % PERIOD == 0, run
            assert 0 <= run["started_at"] - run["scheduled_at"] < ON_TIME, run
            assert run["started_at"] % PERIOD < ON_TIME, run  # by the wall clock too
        # each tick from the first to the last either ran or was refused, once
        assert ticks == [ticks[0] + PERIOD * i for i in range(len(ticks))], runs
        # the first tick is the first one after the scheduler started
        (first,) = re.findall(rf"site {site_id}: schedule '[^']+', next run (\S+)",
                              scheduled["stderr"])
        assert ticks[0] == datetime.fromisoformat(first).timestamp()


def test_a_run_is_refused_while_the_site_lock_is_held_elsewhere(scheduled):
    runs = sorted((r for r in scheduled["runs"] if r["site_id"] == "trs"),
                  key=lambda r: r["scheduled_at"])
    first = runs[0]
    assert first["status"] == "refused" and first["holder_pid"] == os.getpid(), runs
    assert first["returncode"] == LOCKED_EXIT  # the crawl process itself found the lock held
    message = f"site trs: previous run still going (pid {os.getpid()} since "
    assert first["reason"].startswith(message) and first["reason"].endswith("), skipped")
    assert message in scheduled["stderr"]
    later = _ran(runs, "trs")
    assert later and all(r["started_at"] > first["started_at"] for r in later)


def test_an_overlapping_run_is_refused(scheduled):
    runs = scheduled["runs"]
    ran = _ran(runs, "dede")
    refused = [r for r in runs if r["site_id"] == "dede" and r["status"] == "refused"]
    assert refused, runs
    for refusal in refused:
        (going,) = [r for r in ran if r["started_at"] < refusal["started_at"]
                    < r["finished_at"]]
        assert refusal["holder_pid"] == going["pid"]
        assert refusal["reason"].startswith(
            f"site dede: previous run still going (pid {going['pid']} since ")
        assert refusal["reason"] in scheduled["stderr"]


def test_never_two_crawls_of_a_site_at_once(scheduled):
    db = Database(scheduled["db_path"])
    for site_id in HOSTS:
        ran = _ran(scheduled["runs"], site_id)
        for before, after in zip(ran, ran[1:], strict=False):
            assert before["finished_at"] <= after["started_at"], ran
        rows = list(db["crawl_runs"].rows_where("site_id = ?", [site_id],
                                                order_by="started_at"))
        assert rows, f"no crawl_runs row for {site_id}"
        for before, after in zip(rows, rows[1:], strict=False):
            assert before["finished_at"] <= after["started_at"], rows
        assert rows[0]["requests"] > 0 and rows[0]["pages"] > 0
    # every lock was let go at the end
    for site_id in HOSTS:
        lock = SiteLock(scheduled["lock_dir"], site_id)
        assert lock.acquire()
        lock.release()


def test_crawl_runs_are_filled_by_the_scheduled_runs(scheduled):
    db = Database(scheduled["db_path"])
    start = datetime.fromtimestamp(scheduled["launched"]).astimezone()
    for site_id in HOSTS:
        rows = list(db["crawl_runs"].rows_where("site_id = ?", [site_id]))
        assert all(datetime.fromisoformat(r["started_at"]) >= start.replace(microsecond=0)
                   for r in rows)
        completed = [r for r in _ran(scheduled["runs"], site_id) if r["status"] == "ok"]
        assert len(rows) >= len(completed)
    assert db["articles"].count > 0


def test_a_lock_held_by_a_killed_process_is_free_again(tmp_path):
    code = ("import sys, time\nfrom parknews.crawler.locks import SiteLock\n"
            "lock = SiteLock(sys.argv[1], 'trs')\nassert lock.acquire()\n"
            "print('held', flush=True)\ntime.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, env=ENV,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        lock = SiteLock(tmp_path, "trs")
        assert not lock.acquire()
        assert lock.holder()["pid"] == holder.pid
        busy = rf"site trs: previous run still going \(pid {holder.pid} since .+\), skipped"
        with pytest.raises(SiteBusy, match=busy), hold_site_locks(tmp_path, ["dede", "trs"]):
            pass
        assert SiteLock(tmp_path, "dede").holder() is None  # dede's lock was given back
        refused = subprocess.run(
            [sys.executable, "-m", "parknews.crawler.cli", "crawl-locked", "--lock-dir",
             str(tmp_path), "--sites", str(tmp_path / "sites.toml"), "--db",
             str(tmp_path / "archive.db"), "--site", "trs"],
            cwd=REPO, env=ENV, capture_output=True, text=True, timeout=60)
        assert refused.returncode == LOCKED_EXIT
        assert f"site trs: previous run still going (pid {holder.pid} since" in refused.stderr
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        assert lock.holder() is None
        with hold_site_locks(tmp_path, ["trs", "dede"]) as locks:
            assert [x.site_id for x in locks] == ["dede", "trs"]
            assert lock.read_info()["pid"] == os.getpid()
            assert not lock.acquire()  # another descriptor: flock excludes it too
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_forked_child_does_not_keep_its_parents_lock(tmp_path):
    # extraction workers are forked from the crawl: a fork shares the flock
    code = ("import os, sys, time\nfrom parknews.crawler.locks import SiteLock\n"
            "lock = SiteLock(sys.argv[1], 'trs')\nassert lock.acquire()\n"
            "child = os.fork()\n"
            "if child == 0:\n"
            "    assert not lock.held\n"
            "    lock.release()  # a no-op in the child: the parent's lock stays\n"
            "    time.sleep(60)\n    os._exit(0)\n"
            "print(child, flush=True)\ntime.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, env=ENV,
                              stdout=subprocess.PIPE, text=True)
    child = None
    try:
        child = int(holder.stdout.readline())
        lock = SiteLock(tmp_path, "trs")
        time.sleep(0.2)  # the child has released, if it wrongly could
        assert lock.holder()["pid"] == holder.pid  # still held by the parent
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        os.kill(child, 0)  # the forked child lives on ...
        assert lock.holder() is None  # ... without the lock
        assert lock.acquire()
        lock.release()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
        if child:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


def test_sigterm_stops_the_scheduler_and_its_crawls(mock, tmp_path):
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text('default_schedule = "* * * * * *"\n' + sites_toml(mock[:1]),
                          encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "parknews.crawler.cli", "schedule", "--sites", str(sites_file),
         "--db", str(tmp_path / "archive.db"), *FAST],
        cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in process.stderr:
            lines.append(line)
            if "run started (pid" in line:
                break
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    log = "".join(lines) + rest
    assert process.returncode == 0, log
    assert "SIGTERM: stopping" in log and "scheduler stopped" in log
    runs = _runs(tmp_path / "archive-locks")
    assert runs and runs[-1]["status"] == "stopped", runs
    with pytest.raises(ProcessLookupError):
        os.kill(runs[-1]["pid"], 0)
    assert SiteLock(tmp_path / "archive-locks", mock[0].id).holder() is None


def _sites(tmp_path, schedule_line: str = "", default: str = "") -> str:
    text = (f'default_schedule = "{default}"\n' if default else "") + (
        '[[sites]]\nid = "trs"\nname = "T"\nstart_urls = ["http://127.0.0.61/"]\n'
        f"{schedule_line}\n"
        '[[sites]]\nid = "dede"\nname = "D"\nstart_urls = ["http://127.0.0.62/"]\n'
        'schedule = "*/3 * * * * *"\n')
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", [schedule_command, cron_command])
def test_bad_input_is_named(tmp_path, command):
    runner = CliRunner()
    db = str(tmp_path / "archive.db")

    def run(*args):
        result = runner.invoke(command, [*args, "--db", db, "--run-for", "0.1"]
                               if command is schedule_command else [*args, "--db", db])
        assert result.exit_code == 1, result.output
        return result.output

    out = run("--sites", _sites(tmp_path, 'schedule = "61 * * * *"'))
    assert "site 'trs': schedule '61 * * * *' is not a valid cron expression" in out
    out = run("--sites", _sites(tmp_path, 'schedule = "* * * * * * *"'))
    assert "site 'trs': schedule '* * * * * * *' is not a valid cron expression" in out
    assert "not 7" in out
    out = run("--sites", _sites(tmp_path, default="every day"))
    assert "schedule 'every day' is not a valid cron expression" in out
    good = _sites(tmp_path)
    out = run("--sites", good, "--site", "trs", "--site", "nope")
    assert "unknown site id(s): nope" in out
    out = run("--sites", good, "--set", "nope:DOWNLOAD_DELAY=1")
    assert "unknown site id(s)" in out and "nope" in out
    result = runner.invoke(command, ["--sites", good, "--db", db, "--set", "DOWNLOAD_DELAY"])
    assert result.exit_code == 2 and "expected NAME=VALUE" in result.output
    assert not (tmp_path / "archive-locks").exists() and not (tmp_path / "archive.db").exists()


def test_cron_prints_one_line_per_site(tmp_path):
    sites = _sites(tmp_path, default="17 6 * * 1-5")
    result = CliRunner().invoke(cron_command, ["--sites", sites, "--db",
                                               str(tmp_path / "a.db"), "--set", "RETRY_TIMES=0",
                                               "--set", "dede:DOWNLOAD_DELAY=2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    (trs,) = [line for line in lines if "--site trs" in line]
    locks = tmp_path / "a-locks"
    assert trs.startswith("17 6 * * 1-5 cd ")
    assert (f"-m parknews.crawler.cli crawl-locked --lock-dir {locks} --sites {sites} --db "
            f"{tmp_path / 'a.db'} --site trs --set RETRY_TIMES=0 >> {locks}/trs.log 2>&1") in trs
    assert "DOWNLOAD_DELAY" not in trs
    (dede,) = [line for line in lines if "--site dede" in line]
    assert dede.startswith("# cd ") and dede.endswith("2>&1")
    assert "--set RETRY_TIMES=0 --set DOWNLOAD_DELAY=2" in dede
    assert "# site dede: schedule '*/3 * * * * *' has seconds, which cron cannot do." in lines
    assert any("OnCalendar=*-*-* *:*:00/3 Asia/Shanghai with AccuracySec=1s" in line
               for line in lines)
    assert "CRON_TZ=Asia/Shanghai" in lines


def test_schedules_read_weekdays_as_crontab_does():
    monday = datetime(2024, 6, 3).astimezone()  # a Monday
    for expression, weekday in [("0 6 * * 1", 0), ("0 6 * * 0", 6), ("0 6 * * 7", 6),
                                ("0 0 6 * * 5", 4), ("0 6 * * 1-5", 0), ("0 6 * * sat", 5)]:
        fire = site_trigger(expression).get_next_fire_time(None, monday)
        assert fire.weekday() == weekday and fire.hour == 6, expression
    assert oncalendar("0 30 6 * * 1-5") == "Mon,Tue,Wed,Thu,Fri *-*-* 06:30:00"
    assert oncalendar("17 6 * * *") == "*-*-* 06:17:00"
    assert oncalendar("0 0 0 1 * mon") is None  # cron: day 1 OR Monday; systemd: AND
    assert oncalendar("0 0 12 last * *") is None
