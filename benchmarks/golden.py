#!/usr/bin/env python3
"""Measure ``parknews.pipelines.extract.extract`` on the golden set in ``tests/golden``.

The golden set is our own pages written in the shapes of the CMS families real park,
government and news sites use (see ``tests/golden/expected.toml``). For every page the
extractor runs on the raw bytes with the page's URL; this script then prints, per family
and overall:

  title / date / source / author / editor   exact-match rates (an omitted source, author
                                            or editor means the page names none: None)
  exact3                                    pages with title, date and source all right
                                            (the issue's bar is 98 %)
  with / without                            share of body snippets found / boilerplate
                                            snippets kept out

and then lists every mismatch, expected against got.

Examples:

    python benchmarks/golden.py
    python benchmarks/golden.py --family trs --family hanweb
    python benchmarks/golden.py --json      # the figures and mismatches as JSON
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"

sys.path.insert(0, str(ROOT))
from parknews.pipelines.extract import extract  # noqa: E402

FIELDS = ("title", "published_at", "source", "author", "editor")
SHORT = {"published_at": "date"}
EXACT3 = ("title", "published_at", "source")
BAR = 0.98


def load_pages(families: list[str] | None = None) -> list[dict]:
    pages = tomllib.loads((GOLDEN / "expected.toml").read_text(encoding="utf-8"))["page"]
    return [p for p in pages if not families or p["family"] in families]


def check(page: dict) -> dict:
    """One page's results: per-field hits, snippet counts and the mismatches."""
    article = extract((GOLDEN / page["file"]).read_bytes(), url=page["url"])
    result: dict = {"file": page["file"], "family": page["family"], "fields": {},
                    "mismatches": []}
    for field in FIELDS:
        expected, got = page.get(field), getattr(article, field)
        result["fields"][field] = expected == got
        if expected != got:
            result["mismatches"].append((field, expected, got))
    result["exact3"] = all(result["fields"][f] for f in EXACT3)
    missing = [s for s in page["with"] if s not in article.body]
    leaked = [s for s in page["without"] if s in article.body]
    result["with"] = (len(page["with"]) - len(missing), len(page["with"]))
    result["without"] = (len(page["without"]) - len(leaked), len(page["without"]))
    if missing:
        result["mismatches"].append(("with", "in body", missing))
    if leaked:
        result["mismatches"].append(("without", "not in body", leaked))
    if "summary" in page and article.summary != page["summary"]:
        result["mismatches"].append(("summary", page["summary"], article.summary))
    if "attachments" in page:
        got_urls = sorted(a["url"] for a in article.attachments)
        if got_urls != sorted(page["attachments"]):
            result["mismatches"].append(("attachments", sorted(page["attachments"]), got_urls))
    return result


def rates(results: list[dict]) -> dict[str, float]:
    """Exact-match and snippet rates over ``results``."""
    n = len(results)
    out = {SHORT.get(f, f): sum(r["fields"][f] for r in results) / n for f in FIELDS}
    out["exact3"] = sum(r["exact3"] for r in results) / n
    for key in ("with", "without"):
        good = sum(r[key][0] for r in results)
        total = sum(r[key][1] for r in results)
        out[key] = good / total if total else 1.0
    return out


def table(results: list[dict]) -> list[str]:
    by_family: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        by_family[r["family"]].append(r)
    columns = [SHORT.get(f, f) for f in FIELDS] + ["exact3", "with", "without"]
    head = f"{'family':<10} {'pages':>5} " + " ".join(f"{c:>8}" for c in columns)
    lines = [head, "-" * len(head)]
    for family, group in [*sorted(by_family.items()), ("ALL", results)]:
        if family == "ALL":
            lines.append("-" * len(head))
        figures = rates(group)
        lines.append(f"{family:<10} {len(group):>5} "
                     + " ".join(f"{figures[c]:>8.1%}" for c in columns))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--family", action="append", help="only this family (repeatable)")
    ap.add_argument("--json", action="store_true", help="print figures and mismatches as JSON")
    args = ap.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    pages = load_pages(args.family)
    if not pages:
        print("no pages selected")
        return 1
    results = [check(page) for page in pages]
    overall = rates(results)
    if args.json:
        print(json.dumps({"overall": overall, "pages": results}, ensure_ascii=False, indent=1))
        return 0
    families = len({r["family"] for r in results})
    print(f"golden set: {len(results)} pages, {families} families ({GOLDEN})\n")
    print("\n".join(table(results)))
    verdict = "meets" if overall["exact3"] >= BAR else "misses"
    print(f"\ntitle+date+source exactly right on {overall['exact3']:.1%} of pages "
          f"({verdict} the {BAR:.0%} bar)")
    wrong = [r for r in results if r["mismatches"]]
    print(f"\nmismatches ({sum(len(r['mismatches']) for r in wrong)} on {len(wrong)} pages):")
    for r in wrong:
        for field, expected, got in r["mismatches"]:
            print(f"  {r['file']:<16} {field:<12} expected {expected!r}\n"
                  f"  {'':<16} {'':<12} got      {got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
