"""The open-file limit a crawl runs under (crawler/oslimits.py): raised to the hard limit
(cron jobs often start at 1,024, which a crawl of thousands of sites passed), a warning
naming what to do when even the hard limit looks short, and a lock directory's
"Too many open files" told as what it is."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from parknews.crawler.oslimits import BASE_FILES

CHECK = ("import logging, resource; logging.basicConfig(level=logging.WARNING); "
         "from parknews.crawler.oslimits import check_open_file_limit; "
         "print(check_open_file_limit(64, 128), resource.getrlimit(resource.RLIMIT_NOFILE)[0])")
LOCKS = ("import sys; from parknews.crawler.locks import take_free_locks, LockDirError\n"
         "try:\n"
         "    take_free_locks(sys.argv[1], [f'park{n}' for n in range(200)])\n"
         "except LockDirError as exc:\n"
         "    print(exc)\n")
HARD = resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def _run_limited(code: str, soft: int, hard: int, *args: str):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return subprocess.run([sys.executable, "-c", code, *args], preexec_fn=limit,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(HARD != resource.RLIM_INFINITY and HARD < 2048,
                    reason="needs a hard open-file limit of at least 2048 to lower from")
def test_the_soft_limit_is_raised_to_the_hard_one():
    result = _run_limited(CHECK, 256, 2048)
    assert result.stdout.split() == ["2048", "2048"], result.stderr
    assert "open-file limit" not in result.stderr  # 2,048 is enough for a crawl process


def test_a_hard_limit_too_low_for_the_crawl_is_told_with_the_way_out():
    result = _run_limited(CHECK, 200, 200)
    assert result.stdout.split() == ["200", "200"], result.stderr
    assert "the open-file limit is 200" in result.stderr
    # 64 in flight, as many robots.txt fetches, 128 idle, its own files, what is open
    needed = int(result.stderr.split("may need about ")[1].split()[0])
    assert needed >= 2 * 64 + 128 + BASE_FILES
    assert f"ulimit -n {needed}" in result.stderr


def test_too_many_lock_files_are_told_as_such(tmp_path):
    """A crawl holds a lock file a site: 200 sites under a limit of 100 cannot be locked,
    and the message says why (not a bad lock directory)."""
    result = _run_limited(LOCKS, 100, 100, str(tmp_path / "locks"))
    assert "Too many open files" in result.stdout, result.stderr
    assert "the open-file limit is 100" in result.stdout
    assert "ulimit -n" in result.stdout


def test_idle_connections_kept_fit_in_what_the_limit_leaves():
    """A crawl process keeps as many idle connections as asked while its open-file limit
    has room for them, half of the room when it has less (the other half a margin), and
    none when it has none; with no limit, as many as asked."""
    from parknews.crawler.oslimits import files_needed, idle_connections_allowed

    anyway = files_needed(64, 0, open_now=30)  # in flight, robots.txt fetches, own files
    assert idle_connections_allowed(4096, 64, soft=1 << 20, open_now=30) == 4096
    assert idle_connections_allowed(4096, 64, soft=anyway + 1000, open_now=30) == 500
    assert idle_connections_allowed(100, 64, soft=anyway + 1000, open_now=30) == 100
    assert idle_connections_allowed(4096, 64, soft=anyway - 10, open_now=30) == 0
    assert idle_connections_allowed(4096, 64, soft=resource.RLIM_INFINITY, open_now=30) == 4096
    # what this process holds counts against the limit
    assert idle_connections_allowed(4096, 64, soft=anyway + 1000, open_now=530) == 250


def test_a_large_idle_cap_is_not_warned_about_when_the_pool_can_shrink():
    """PARKNEWS_IDLE_CONNECTIONS_MAX is a ceiling the pool lowers to fit the limit, so the
    warning counts at most IDLE_CONNECTIONS_WARNED of it: 4,096 asked under a limit of
    1,024 is not a limit too low."""
    from parknews.crawler.oslimits import IDLE_CONNECTIONS_WARNED

    code = CHECK.replace("check_open_file_limit(64, 128)", "check_open_file_limit(64, 4096)")
    result = _run_limited(code, 1024, 1024)
    assert result.stdout.split() == ["1024", "1024"], result.stderr
    assert "open-file limit" not in result.stderr
    result = _run_limited(code, 200, 200)
    needed = int(result.stderr.split("may need about ")[1].split()[0])
    assert needed < 2 * 64 + 4096  # counted with at most IDLE_CONNECTIONS_WARNED idle
    assert needed >= 2 * 64 + IDLE_CONNECTIONS_WARNED + BASE_FILES
