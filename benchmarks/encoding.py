#!/usr/bin/env python3
"""Undeclared GB18030 against undeclared Big5: how ``parknews.pipelines.encoding.decode_html``
reads pages that say nothing of their charset.

Every page of ``../shared/eval/daniel_zh`` (simplified Chinese news) is decoded, its
charset declarations removed, and saved twice in memory: as GB18030, and turned
traditional (opencc ``s2t``) as Big5 (characters Big5 lacks become ``?``). Each copy is
decoded with no HTTP header; the script counts how many come back in their own charset,
and lists the others with how many CJK characters they hold.

Examples:

    python benchmarks/encoding.py
    python benchmarks/encoding.py --limit 100
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from parknews.pipelines.encoding import decode_html  # noqa: E402

PAGES = ROOT.parent / "shared" / "eval" / "daniel_zh" / "html"
DECLARATION = re.compile(r"<meta[^>]*charset[^>]*>|<\?xml[^>]*\?>", re.I)
CJK = re.compile("[\u3400-\u9fff]")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (0: all)")
    args = ap.parse_args(argv)
    if not PAGES.is_dir():
        print(f"no evaluation pages at {PAGES} (../shared is not beside the project)",
              file=sys.stderr)
        return 1
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    files = sorted(PAGES.iterdir())[:args.limit or None]
    results: dict[str, Counter] = {"gb18030": Counter(), "big5hkscs": Counter()}
    misread: list[tuple[str, str, str, int]] = []
    for path in files:
        text = DECLARATION.sub("", decode_html(path.read_bytes())[0])
        copies = {"gb18030": text.encode("gb18030", errors="replace"),
                  "big5hkscs": to_traditional.convert(text).encode("big5hkscs",
                                                                   errors="replace")}
        for saved_as, data in copies.items():
            got = decode_html(data)[1]
            results[saved_as][got] += 1
            if got != saved_as:
                misread.append((path.name, saved_as, got, len(CJK.findall(text))))
    print(f"{len(files)} pages of {PAGES}, each saved without a charset declaration:")
    for saved_as, counts in results.items():
        print(f"  saved as {saved_as}: read as {saved_as} {counts[saved_as]}/{len(files)}"
              f"; otherwise {dict(counts - Counter({saved_as: counts[saved_as]}))}")
    for name, saved_as, got, cjk in misread:
        print(f"  {name[:60]}: saved as {saved_as}, read as {got} ({cjk} CJK characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
