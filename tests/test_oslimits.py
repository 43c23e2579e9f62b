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
