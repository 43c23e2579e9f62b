"""WARC compression: time and size of each gzip level on the real pages of ../shared.

Each page of ``../shared/realpages`` and ``../shared/realpages-dev`` (the HTML as saved)
is compressed as one gzip member, as ``parknews.archive.warc.GzipMembers`` writes a
record, at zlib levels 1-9, several times; the table gives the median time a page and
the total size against level 6 (zlib's default). ``GZIP_LEVEL`` in archive/warc.py is
chosen from it: the capture is written in the crawl process, the crawl's busiest.

    python benchmarks/warc_gzip.py
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LEVELS = (1, 2, 3, 4, 5, 6, 9)


def pages() -> list[bytes]:
    found = []
    for folder in ("realpages", "realpages-dev"):
        for path in sorted((SHARED / folder).rglob("*")):
            if path.is_file() and path.suffix in (".html", ".htm", ".gz"):
                data = path.read_bytes()
                found.append(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    return found


def member(data: bytes, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(data) + compressor.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs over the pages (5)")
    args = ap.parse_args(argv)
    data = pages()
    if not data:
        print(f"no pages under {SHARED}: nothing to measure", file=sys.stderr)
        return 1
    rows = {}
    for level in LEVELS:
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            size = sum(len(member(page, level)) for page in data)
            times.append((time.perf_counter() - started) / len(data))
        rows[level] = (statistics.median(times) * 1000, size)
    base_ms, base_size = rows[6]
    mean_kb = sum(map(len, data)) / len(data) / 1024
    print(f"{len(data)} pages, {mean_kb:.0f} KB on average\n")
    print("| level | ms a page | × level 6's time | size × level 6's |")
    print("|---:|---:|---:|---:|")
    for level, (ms, size) in rows.items():
        print(f"| {level} | {ms:.3f} | {ms / base_ms:.2f} | {size / base_size:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
