#!/usr/bin/env python3
"""Compare our extractor with trafilatura and readability-lxml on the gold datasets.

For each dataset in ``../shared/eval`` (next to the repository root) four extractors run
on the same pages:

  ours           pipelines.extract.extract(bytes)
  traf           trafilatura.extract(text) (plain text, defaults) + extract_metadata().title
  traf_prec      the same with favor_precision=True
  readability    readability-lxml Document(text).summary() as text + .short_title()

The baselines get the page as text decoded by ``parknews.pipelines.encoding.decode_html`` -- the
same decoding our extractor does internally (daniel_zh and scrapinghub_aeb are UTF-8 per
their READMEs; trafilatura_zh needs charset detection, which decode_html provides).
Each extractor's predictions are written in the referee's JSONL format (title on the
first line, then the body) and scored by ``../shared/eval/score.py --json`` in a
subprocess. Timing covers only the extractor call per page, decoding included for every
extractor (ours decodes inside extract); reading and un-gzipping files are outside it,
and each extractor first runs once, untimed, on the dataset's first page (lazy imports).
The extractors take turns page by page (the order rotating), so a change in machine load
during the run weighs on all of them alike; "× traf" is the median time per page as a
multiple of trafilatura's (defaults, metadata included) on the same pages.

Example:

    python benchmarks/extraction.py                                  # all datasets
    python benchmarks/extraction.py --datasets trafilatura_zh daniel_zh --limit 20
    python benchmarks/extraction.py --keep /tmp/preds                 # keep the JSONL files

Printed table (Markdown): dataset, extractor, pages, metric, P, R, F1, other, median and
mean ms/page. Metrics: daniel_zh char1 P/R/F1 and boilerplate_rate; trafilatura_zh
segment P/R/F1 and FP (boilerplate segments found / checked); scrapinghub_aeb tok4
P/R/F1 and pages with empty output. With --limit the referee still scores against
every gold page, so recall (and F1) is low: use it as a smoke test only.
When ../shared is absent it says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_extraction import (  # noqa: E402
    DATASETS,
    EVAL,
    ROOT,
    ours,
    pages,
    read_bytes,
    referee_result,
)

sys.path.insert(0, str(ROOT))
import trafilatura  # noqa: E402
from lxml import html as lxml_html  # noqa: E402
from readability import Document  # noqa: E402

from parknews.pipelines.encoding import decode_html  # noqa: E402

logger = logging.getLogger(__name__)

Extractor = Callable[[bytes], tuple[str | None, str]]

BLOCKS = ("p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
          "blockquote", "pre", "section", "article", "figcaption", "dd", "dt")


def _text(data: bytes) -> str:
    return decode_html(data)[0]


def _trafilatura(data: bytes, **options: object) -> tuple[str | None, str]:
    text = _text(data)
    body = trafilatura.extract(text, output_format="txt", **options) or ""
    meta = trafilatura.extract_metadata(text)
    return (meta.title if meta else None), body


def traf(data: bytes) -> tuple[str | None, str]:
    return _trafilatura(data)


def traf_prec(data: bytes) -> tuple[str | None, str]:
    return _trafilatura(data, favor_precision=True)


def html_to_text(fragment: str) -> str:
    """Readability's summary HTML as plain text, one block a line."""
    if not fragment.strip():
        return ""
    root = lxml_html.fromstring(fragment)
    for el in root.iter(*BLOCKS):
        el.tail = "\n" + (el.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def readability(data: bytes) -> tuple[str | None, str]:
    doc = Document(_text(data))
    return doc.short_title() or None, html_to_text(doc.summary(html_partial=True))


EXTRACTORS: dict[str, Extractor] = {
    "ours": ours,
    "traf": traf,
    "traf_prec": traf_prec,
    "readability": readability,
}


def safe(extractor: Extractor, errors: list[int]) -> Extractor:
    """A page that makes a baseline raise counts as empty output."""
    def run(data: bytes) -> tuple[str | None, str]:
        try:
            return extractor(data)
        except Exception:  # noqa: BLE001 - one bad page must not stop the benchmark
            errors[0] += 1
            return None, ""
    return run


def summarise(dataset: str, result: dict) -> tuple[str, dict, str]:
    """(metric name, P/R/F1 dict, the 'other' column) from the referee's result."""
    if dataset == "trafilatura_zh":
        seg = result["segments"]
        return "segments", seg, f"FP={seg['fp']}/{seg['fp'] + seg['tn']}"
    if dataset == "scrapinghub_aeb":
        return "tok4", result["tok4"], f"empty={result['empty']}"
    return "char1", result["char1"], f"boilerplate_rate={result['boilerplate_rate']:.3f}"


def interleaved(dataset: str, limit: int | None, out_dir: Path
                ) -> dict[str, tuple[Path, list[float], int]]:
    """Run every extractor on each page in turn (the order rotating from page to page),
    so that a change in machine load during the run weighs on all of them alike.

    Returns {extractor: (predictions file, seconds per page, pages that raised)}.
    """
    todo = pages(dataset)[:limit] if limit else pages(dataset)
    names = list(EXTRACTORS)
    errors = {name: [0] for name in names}
    runners = {name: safe(EXTRACTORS[name], errors[name]) for name in names}
    first = read_bytes(todo[0][1])
    for name in names:
        runners[name](first)  # warm-up (lazy imports, caches), not timed
    times: dict[str, list[float]] = {name: [] for name in names}
    files = {name: (out_dir / f"{dataset}.{name}.jsonl").open("w", encoding="utf-8")
             for name in names}
    try:
        for number, (page_id, path) in enumerate(todo):
            data = read_bytes(path)
            shift = number % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                title, body = runners[name](data)
                times[name].append(time.perf_counter() - start)
                text = "\n".join(filter(None, (title, body)))
                files[name].write(json.dumps({"id": page_id, "text": text},
                                             ensure_ascii=False) + "\n")
    finally:
        for fh in files.values():
            fh.close()
    return {name: (out_dir / f"{dataset}.{name}.jsonl", times[name], errors[name][0])
            for name in names}


def run(datasets: list[str], limit: int | None, out_dir: Path) -> list[list[str]]:
    rows = []
    for dataset in datasets:
        results = interleaved(dataset, limit, out_dir)
        base = statistics.median(results["traf"][1])
        for name, (out, times, errors) in results.items():
            metric, prf, other = summarise(dataset, referee_result(dataset, out))
            if errors:
                other += f" errors={errors}"
            ms = [t * 1000 for t in times]
            rows.append([dataset, name, str(len(times)), metric, f"{prf['P']:.3f}",
                         f"{prf['R']:.3f}", f"{prf['F1']:.3f}", other,
                         f"{statistics.median(ms):.1f}", f"{statistics.fmean(ms):.1f}",
                         f"{statistics.median(times) / base:.2f}"])
            print(f"  done {dataset} / {name}: F1={prf['F1']:.3f}", file=sys.stderr, flush=True)
    return rows


def table(rows: list[list[str]]) -> str:
    head = ["dataset", "extractor", "pages", "metric", "P", "R", "F1", "other",
            "median ms", "mean ms", "× traf"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    right = {2, 4, 5, 6, 8, 9, 10}

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if i in right else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(head), rule, *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS),
                    metavar="NAME", help=f"which datasets (default: all of {', '.join(DATASETS)})")
    ap.add_argument("--limit", type=int, help="only the first N pages of each dataset")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="write the predictions JSONL files here (default: a temporary dir)")
    args = ap.parse_args(argv)

    missing = [d for d in args.datasets if not (EVAL / d / "html").is_dir()]
    if not (EVAL / "score.py").is_file() or missing:
        print(f"no referee or dataset(s) {missing or args.datasets} under {EVAL}: "
              "nothing to benchmark")
        return 0
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("trafilatura", "readability", "readability.readability", "htmldate",
                  "courlan", "pipelines"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)

    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        rows = run(args.datasets, args.limit, out_dir)
    print(table(rows))
    if args.limit:
        print(f"(--limit {args.limit}: pages not predicted count as empty for the referee)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
