#!/usr/bin/env python3
"""Measure ``parknews.pipelines.extract.extract`` on a gold dataset beside the repository.

Runs the extractor over every page of a dataset in ``../shared/eval`` (next to the
repository root), writes predictions in the referee's JSONL format (one
``{"id": ..., "text": ...}`` a line, the text being the title on the first line, then
the body), then runs the referee ``../shared/eval/score.py`` on them and prints its
figures.

Examples:

    python benchmarks/eval_extraction.py                      # daniel_zh
    python benchmarks/eval_extraction.py trafilatura_zh --json
    python benchmarks/eval_extraction.py daniel_zh --limit 50 --out /tmp/pred.jsonl
    python benchmarks/eval_extraction.py daniel_zh --worst 10  # the lowest-scoring pages

Datasets: daniel_zh (401 Chinese news pages, character F1 and boilerplate rate),
trafilatura_zh (5 pages, with/without segments) and scrapinghub_aeb (181 mostly English
pages, token shingles). When ../shared is absent it says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"
DATASETS = ("daniel_zh", "trafilatura_zh", "scrapinghub_aeb")

sys.path.insert(0, str(ROOT))
from parknews.pipelines.extract import extract  # noqa: E402

logger = logging.getLogger(__name__)


def pages(dataset: str) -> list[tuple[str, Path]]:
    """``(id, path)`` of each page, ids as the referee expects them."""
    html_dir = EVAL / dataset / "html"
    found = []
    for path in sorted(html_dir.iterdir()):
        name = path.name.removesuffix(".gz").removesuffix(".html") if (
            dataset == "scrapinghub_aeb") else path.name
        found.append((name, path))
    return found


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def ours(data: bytes) -> tuple[str | None, str]:
    """``(title, body)`` from our extractor."""
    article = extract(data)
    return article.title, article.body


def write_predictions(dataset: str, out: Path, limit: int | None,
                      extractor: Callable[[bytes], tuple[str | None, str]] = ours
                      ) -> list[float]:
    """Write ``extractor``'s predictions for ``dataset`` to ``out`` in the referee's format.

    Returns the seconds each page took, timing only the ``extractor`` call (file reading
    and gzip are outside the clock).
    """
    todo = pages(dataset)[:limit] if limit else pages(dataset)
    times = []
    with out.open("w", encoding="utf-8") as fh:
        for page_id, path in todo:
            data = read_bytes(path)
            start = time.perf_counter()
            title, body = extractor(data)
            times.append(time.perf_counter() - start)
            text = "\n".join(filter(None, (title, body)))
            fh.write(json.dumps({"id": page_id, "text": text}, ensure_ascii=False) + "\n")
    return times


def predict(dataset: str, out: Path, limit: int | None) -> tuple[int, float]:
    """Write predictions for ``dataset`` to ``out``; return (pages, seconds)."""
    start = time.perf_counter()
    count = len(write_predictions(dataset, out, limit))
    return count, time.perf_counter() - start


def referee_command(dataset: str, predictions: Path, as_json: bool) -> list[str]:
    cmd = [sys.executable, str(EVAL / "score.py"), dataset, str(predictions)]
    return cmd + ["--json"] if as_json else cmd


def referee(dataset: str, predictions: Path, as_json: bool) -> int:
    return subprocess.run(referee_command(dataset, predictions, as_json), check=False).returncode


def referee_result(dataset: str, predictions: Path) -> dict:
    """The referee's full result (its ``--json`` output) as a dict."""
    done = subprocess.run(referee_command(dataset, predictions, True), check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def worst(dataset: str, predictions: Path, count: int) -> None:
    """Print the pages with the lowest character F1 (daniel_zh only)."""
    sys.path.insert(0, str(EVAL))
    import score  # the referee's own functions

    gold = score.gold_daniel(dataset)
    preds = score.load_preds(str(predictions))
    rows = []
    for key, text in gold.items():
        if key in preds:
            _, _, f1 = score.prf(score.char1(preds[key]), score.char1(text))
            rows.append((f1 or 0.0, key))
    for f1, key in sorted(rows)[:count]:
        print(f"{f1:.3f}  {key}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("dataset", nargs="?", default="daniel_zh", choices=DATASETS)
    ap.add_argument("--out", type=Path, help="where to write the predictions JSONL "
                    "(default: a temporary file)")
    ap.add_argument("--limit", type=int, help="only the first N pages")
    ap.add_argument("--json", action="store_true", help="print the referee's full JSON")
    ap.add_argument("--worst", type=int, default=0, metavar="N",
                    help="also list the N lowest-scoring pages (daniel_zh)")
    args = ap.parse_args(argv)

    if not (EVAL / args.dataset / "html").is_dir() or not (EVAL / "score.py").is_file():
        print(f"no dataset {args.dataset!r} under {EVAL}: nothing to evaluate")
        return 0
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its per-page chatter
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / f"{args.dataset}.jsonl"
        count, seconds = predict(args.dataset, out, args.limit)
        print(f"{args.dataset}: {count} pages in {seconds:.1f}s -> {out if args.out else '(tmp)'}")
        status = referee(args.dataset, out, args.json)
        if args.worst and args.dataset == "daniel_zh":
            worst(args.dataset, out, args.worst)
    return status


if __name__ == "__main__":
    sys.exit(main())
