"""The package as installed: one top-level name, ``parknews`` (issue 20), with its data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

from conftest import REPO


def test_the_wheel_installs_only_parknews_at_the_top(tmp_path):
    source = tmp_path / "source"  # built from a copy: the build leaves its files behind
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("crawler", "pipelines", "archive"):
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("parknews-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"parknews"}
    for needed in ("parknews/crawler/cli/__init__.py",
                   "parknews/crawler/cli/__main__.py", "parknews/crawler/spiders/park.py",
                   "parknews/pipelines/extract.py", "parknews/archive/store.py",
                   "parknews/crawler/mocksites/data/sites.toml",
                   "parknews/crawler/mocksites/data/columns/trs.toml",
                   "parknews/archive/datasette_plugin/templates/parknews_search.html"):
        assert needed in names, needed
    for test_only in ("hostile", "jsapi", "generated", "breakage"):  # tests/mockservers
        assert f"parknews/crawler/mocksites/{test_only}.py" not in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "parknews = parknews.crawler.cli:main" in text
    assert "parknews = parknews.archive.datasette_plugin" in text


def test_the_old_top_level_names_are_not_importable():
    for name in ("crawler", "pipelines", "archive"):
        found = subprocess.run([sys.executable, "-c", f"import {name}"], cwd="/",
                               capture_output=True, text=True)
        assert found.returncode != 0, name
