#!/usr/bin/env python3
"""Measure an incremental re-crawl: a second crawl of an unchanged site, against the first.

Serves the generated park news site (``tests/mockservers/generated.py``, ``--articles``
articles, 20 a list page) on loopback, crawls it into a fresh temporary archive with
``python -m parknews.crawler.cli crawl`` (loopback settings: no download delay, no AutoThrottle,
8 requests in flight, robots.txt still obeyed), then crawls it again unchanged, both in
one go. For each run it prints the wall time of the crawl process, the requests the
server received, the article pages downloaded in full (a GET of an article URL answered
200) and the 304 answers; then the two ratios against the issue's targets:

  article pages re-downloaded in full   second run ÷ articles        target ≤ 5 %
  time                                  second run ÷ first run       target ≤ 0.3×

Examples:

    python benchmarks/recrawl.py                    # 1000 articles
    python benchmarks/recrawl.py --articles 200 --keep /tmp/recrawl.db

Exits 0 whatever the figures (it measures, it does not judge); 1 when a crawl fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/mockservers
from mockservers.generated import GeneratedSite, serve_generated_site  # noqa: E402

SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "RETRY_TIMES": "0",
}
TARGET_REFETCH = 0.05
TARGET_TIME = 0.3


def crawl(site: GeneratedSite, sites_file: Path, db_path: Path) -> dict:
    """One ``parknews crawl`` of the site; its figures from the process and the log."""
    site.clear_requests()
    command = [sys.executable, "-m", "parknews.crawler.cli", "crawl", "--sites", str(sites_file),
               "--db", str(db_path), "--log-level", "WARNING"]
    for name, value in SETTINGS.items():
        command += ["--set", f"{name}={value}"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=dict(os.environ, PYTHONWARNINGS="ignore"),
                            capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-2000:] + result.stderr[-3000:])
        raise SystemExit(f"crawl failed with status {result.returncode}")
    log = site.requests()
    return {
        "seconds": seconds,
        "requests": len(log),
        "full": sum(1 for r in log if r.method == "GET" and r.status == 200
                    and r.url in site.articles),
        "not_modified": sum(1 for r in log if r.status == 304),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--articles", type=int, default=1000, help="articles on the site")
    ap.add_argument("--per-page", type=int, default=20, help="articles a list page")
    ap.add_argument("--host", default="127.0.0.41", help="loopback address to serve on")
    ap.add_argument("--keep", type=Path, metavar="DB", help="copy the archive here afterwards")
    args = ap.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="parknews-recrawl-"))
    try:
        with serve_generated_site(host=args.host, articles=args.articles,
                                  per_page=args.per_page) as site:
            sites_file = workdir / "sites.toml"
            sites_file.write_text(site.sites_toml(), encoding="utf-8")
            db_path = workdir / "archive.db"
            first = crawl(site, sites_file, db_path)
            second = crawl(site, sites_file, db_path)
        if args.keep:
            shutil.copyfile(db_path, args.keep)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"generated site: {args.articles} articles, {len(site.list_urls)} list pages\n")
    print(f"{'run':<8} {'seconds':>8} {'requests':>9} {'articles 200':>13} {'304s':>6}")
    for name, run in (("first", first), ("second", second)):
        print(f"{name:<8} {run['seconds']:>8.2f} {run['requests']:>9} {run['full']:>13} "
              f"{run['not_modified']:>6}")
    refetch = second["full"] / args.articles
    ratio = second["seconds"] / first["seconds"]
    print()
    print(f"re-downloaded in full: {second['full']}/{args.articles} = {refetch:.1%}"
          f"  (target ≤ {TARGET_REFETCH:.0%}: {'met' if refetch <= TARGET_REFETCH else 'MISSED'})")
    print(f"time: {second['seconds']:.2f} s / {first['seconds']:.2f} s = {ratio:.2f}×"
          f"  (target ≤ {TARGET_TIME}×: {'met' if ratio <= TARGET_TIME else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
