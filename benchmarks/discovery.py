#!/usr/bin/env python3
"""Measure link discovery on the real list and home pages of ``../shared/reallists``.

For every page, ``parknews.crawler.pageanalysis.analyse`` runs on the raw bytes (decoded by the
project's own decoder) with the page's original URL, and its answer is compared with the
hand-made gold (``gold.json``):

  list pages   article links of the main list: recall and precision (micro over pages:
               all hits over all gold / all predicted links); pager links: recall
  home pages   news-column links: recall (and precision, for information); article
               links of the news blocks: recall and precision
  every page   the page kind (list pages must be "list", home pages "hub"), and links
               of ``not_follow`` (login, search, 互动, other sections) that were proposed

Beside it, on the same pages and the same scoring, three other ways to pick links:

  naive        every link to the page's own host (a depth-1 same-host follower): its
               links count as articles, pagers and columns at once
  trafilatura  trafilatura's crawler link selection (``trafilatura.spider`` /
               courlan ``extract_links`` as its ``process_links`` calls it): links it
               sees as navigation count as pagers and columns, the others as articles
  gerapy       gerapy-auto-extractor's ``extract_list`` (a list-page extractor for
               Chinese sites; ``pip install -e '.[bench]'``), articles only

Targets (issue 19): article recall >= 0.97 and precision >= 0.95 on list pages, pager
recall >= 0.95, column recall >= 0.9 on home pages.

Examples:

    python benchmarks/discovery.py
    python benchmarks/discovery.py --page 07 --verbose   # one page, with every miss
    python benchmarks/discovery.py --json

Skips (exit status 0, a message) when ``../shared/reallists`` is absent.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
REALLISTS = ROOT.parent / "shared" / "reallists"

sys.path.insert(0, str(ROOT))
from parknews.crawler.pageanalysis import analyse, host_scope  # noqa: E402
from parknews.pipelines.encoding import decode_html  # noqa: E402
from parknews.pipelines.extract import parse_html  # noqa: E402

TARGETS = {"list_article_recall": 0.97, "list_article_precision": 0.95,
           "pager_recall": 0.95, "column_recall": 0.9}


def load_gold(folder: Path = REALLISTS) -> list[dict]:
    return json.loads((folder / "gold.json").read_text(encoding="utf-8"))


def page_text(page: dict, folder: Path = REALLISTS) -> str:
    return decode_html((folder / "pages" / page["file"]).read_bytes())[0]


# -- the ways of picking links ---------------------------------------------------------


def ours(page: dict, text: str) -> dict:
    root = parse_html(text)
    result = analyse(root, page["url"])
    articles = [link.url for link in result.articles + result.attachments]
    if result.kind == "hub":
        articles = [link.url for link in result.hub_articles]
    return {"kind": result.kind, "articles": articles,
            "pagers": [link.url for link in result.pagers],
            "columns": [column.url for column in result.columns]}


def naive(page: dict, text: str) -> dict:
    root = parse_html(text)
    scope = host_scope(page["url"])
    urls = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = urljoin(page["url"], href).split("#")[0]
        if scope(url) and url not in urls:
            urls.append(url)
    return {"kind": None, "articles": urls, "pagers": urls, "columns": urls}


def trafilatura_links(page: dict, text: str) -> dict:
    from trafilatura.spider import extract_links, is_navigation_page  # noqa: PLC0415

    links = sorted(extract_links(text, url=page["url"], external_bool=False, with_nav=True,
                                 strict=False))
    nav = [u for u in links if is_navigation_page(u)]
    return {"kind": None, "articles": [u for u in links if u not in nav], "pagers": nav,
            "columns": nav}


def gerapy(page: dict, text: str) -> dict:
    from gerapy_auto_extractor import extract_list  # noqa: PLC0415

    try:
        items = extract_list(text)
    except Exception:  # noqa: BLE001 - it fails on some pages: nothing found
        items = []
    urls = [urljoin(page["url"], item.get("url") or "") for item in items if item.get("url")]
    return {"kind": None, "articles": urls, "pagers": [], "columns": []}


def gerapy_available() -> bool:
    try:
        import gerapy_auto_extractor  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


METHODS: dict[str, Callable[[dict, str], dict]] = {
    "parknews": ours, "naive": naive, "trafilatura": trafilatura_links, "gerapy": gerapy}


# -- scoring ---------------------------------------------------------------------------


def norm(url: str) -> str:
    """URLs compared without scheme case, default ports, a trailing slash or fragment."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return f"{parts.hostname or ''}{path}" + (f"?{parts.query}" if parts.query else "")


def compare(predicted: list[str], gold: list[str]) -> tuple[int, int, int]:
    """(hits, predicted, gold) counts of one page."""
    pred = {norm(u) for u in predicted}
    want = {norm(u) for u in gold}
    return len(pred & want), len(pred), len(want)


def score_page(page: dict, got: dict) -> dict:
    kind = page["kind"]
    gold_articles = page["articles"] + (page.get("js_articles") or [])
    row = {"file": page["file"], "kind": kind, "got_kind": got["kind"],
           "articles": compare(got["articles"], gold_articles)}
    if kind == "list":
        row["pagers"] = compare(got["pagers"], page.get("pagers") or [])
    else:
        row["columns"] = compare(got["columns"], page.get("columns") or [])
    bad = {norm(u) for u in page.get("not_follow") or []}
    proposed = {norm(u) for u in got["articles"] + got["pagers"] + got["columns"]}
    row["not_follow"] = sorted(bad & proposed)
    return row


def ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def summary(rows: list[dict]) -> dict:
    def total(kind: str, key: str) -> tuple[int, int, int]:
        picked = [r[key] for r in rows if r["kind"] == kind and key in r]
        return tuple(sum(x[i] for x in picked) for i in range(3))  # type: ignore[return-value]

    la, lp = total("list", "articles"), total("list", "pagers")
    ha, hc = total("home", "articles"), total("home", "columns")
    kinds = [r for r in rows if r["got_kind"] is not None]
    right = sum(r["got_kind"] == ("list" if r["kind"] == "list" else "hub") for r in kinds)
    return {
        "list_article_recall": ratio(la[0], la[2]),
        "list_article_precision": ratio(la[0], la[1]),
        "pager_recall": ratio(lp[0], lp[2]),
        "pager_precision": ratio(lp[0], lp[1]),
        "column_recall": ratio(hc[0], hc[2]),
        "column_precision": ratio(hc[0], hc[1]),
        "home_article_recall": ratio(ha[0], ha[2]),
        "home_article_precision": ratio(ha[0], ha[1]),
        "kind_right": f"{right}/{len(kinds)}" if kinds else None,
        "not_follow_proposed": sum(len(r["not_follow"]) for r in rows),
    }


def run(method: str, pages: list[dict]) -> tuple[list[dict], dict]:
    rows = [score_page(page, METHODS[method](page, page_text(page))) for page in pages]
    return rows, summary(rows)


# -- output ----------------------------------------------------------------------------

COLUMNS = ("list_article_recall", "list_article_precision", "pager_recall", "column_recall",
           "column_precision", "home_article_recall", "home_article_precision", "kind_right",
           "not_follow_proposed")
HEADS = ("list art R", "list art P", "pager R", "column R", "column P", "home art R",
         "home art P", "kind", "not_follow")


def fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def print_table(results: dict[str, dict]) -> None:
    print(f"{'method':12}" + "".join(f"{h:>11}" for h in HEADS))
    for method, figures in results.items():
        print(f"{method:12}" + "".join(f"{fmt(figures[c]):>11}" for c in COLUMNS))
    mine = results["parknews"]
    print()
    for key, target in TARGETS.items():
        value = mine[key]
        verdict = "met" if value is not None and value >= target else "NOT met"
        print(f"  {key:24} {fmt(value):>7}  target >= {target}: {verdict}")


def print_rows(rows: list[dict], pages: list[dict], verbose: bool) -> None:
    by_file = {p["file"]: p for p in pages}
    for row in rows:
        parts = [f"{row['file']:28} {row['kind']:4} -> {row['got_kind'] or '-':7}"]
        for key in ("articles", "pagers", "columns"):
            if key in row:
                hits, pred, want = row[key]
                parts.append(f"{key} {hits}/{want} (of {pred})")
        if row["not_follow"]:
            parts.append(f"not_follow {len(row['not_follow'])}")
        print("  ".join(parts))
        if verbose:
            page = by_file[row["file"]]
            got = ours(page, page_text(page))
            for key in ("articles", "pagers", "columns"):
                gold = page.get(key) or []
                if key == "articles":
                    gold = gold + (page.get("js_articles") or [])
                want, pred = {norm(u) for u in gold}, {norm(u) for u in got[key]}
                for url in sorted(want - pred):
                    print(f"      missed {key[:-1]}: {url}")
                for url in sorted(pred - want):
                    print(f"      extra  {key[:-1]}: {url}")
            for url in row["not_follow"]:
                print(f"      not_follow proposed: {url}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", action="append", help="only pages whose file starts so")
    parser.add_argument("--verbose", action="store_true", help="list every miss and extra")
    parser.add_argument("--json", action="store_true", help="figures and rows as JSON")
    parser.add_argument("--only-ours", action="store_true", help="skip the other methods")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    if not (REALLISTS / "gold.json").is_file():
        print(f"skipped: {REALLISTS} is absent (the real pages are not part of the project)")
        return 0
    pages = load_gold()
    if args.page:
        pages = [p for p in pages if any(p["file"].startswith(x) for x in args.page)]
    methods = ["parknews"] if args.only_ours else ["parknews", "naive", "trafilatura"]
    if not args.only_ours:
        if gerapy_available():
            methods.append("gerapy")
        else:
            print("gerapy-auto-extractor is not installed (pip install -e '.[bench]'): "
                  "its row is left out", file=sys.stderr)
    results, all_rows = {}, {}
    for method in methods:
        all_rows[method], results[method] = run(method, pages)
    if args.json:
        print(json.dumps({"summary": results, "rows": all_rows}, ensure_ascii=False, indent=1))
        return 0
    print(f"{len(pages)} pages of {REALLISTS}\n")
    print_rows(all_rows["parknews"], pages, args.verbose)
    print()
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
