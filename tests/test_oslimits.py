"""The open-file limit a crawl runs under (crawler/oslimits.py): raised to the hard limit
(cron jobs often start at 1,024, which a crawl of thousands of sites passed), and a
warning naming what to do when even the hard limit looks short."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from parknews.crawler.oslimits import files_needed

SHOW = ("import logging, resource; logging.basicConfig(level=logging.WARNING); "
        "from parknews.crawler.oslimits import check_open_file_limit; "
        "print(check_open_file_limit({requests}, {processes}, 128), "
        "resource.getrlimit(resource.RLIMIT_NOFILE)[0])")


def _run_limited(soft: int, hard: int, requests: int = 64, processes: int = 1):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return subprocess.run([sys.executable, "-c", SHOW.format(requests=requests,
                                                               processes=processes)],
                          preexec_fn=limit, capture_output=True, text=True, timeout=60)


HARD = resource.getrlimit(resource.RLIMIT_NOFILE)[1]


@pytest.mark.skipif(HARD != resource.RLIM_INFINITY and HARD < 2048,
                    reason="needs a hard open-file limit of at least 2048 to lower from")
def test_the_soft_limit_is_raised_to_the_hard_one():
    result = _run_limited(256, 2048)
    assert result.stdout.split() == ["2048", "2048"], result.stderr
    assert "open-file limit" not in result.stderr  # 2,048 is enough for one process


def test_a_hard_limit_too_low_for_the_crawl_is_told_with_the_way_out():
    needed = files_needed(64, 2, 128)
    result = _run_limited(200, 200, processes=2)
    assert result.stdout.split() == ["200", "200"], result.stderr
    assert "the open-file limit is 200" in result.stderr
    assert f"ulimit -n {needed}" in result.stderr
