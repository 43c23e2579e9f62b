"""The package as installed: one top-level name, ``parknews`` (issue 20), with its data."""

from __future__ import annotations

import functools
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
    for name in ("pyproject.toml", "README.md", "LICENSE"):
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
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)  # the licence
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "parknews = parknews.crawler.cli:main" in text
    assert "parknews = parknews.archive.datasette_plugin" in text


def test_the_old_top_level_names_are_not_importable():
    for name in ("crawler", "pipelines", "archive"):
        found = subprocess.run([sys.executable, "-c", f"import {name}"], cwd="/",
                               capture_output=True, text=True)
        assert found.returncode != 0, name


# --- declared dependencies -----------------------------------------------------------

RUNTIME = ("crawler", "pipelines", "archive")
TEST_EXTRAS = ("test", "bench")


def _imported(folders) -> dict[str, set[str]]:
    """Top-level names imported by the Python files of ``folders`` (stdlib, parknews and
    the repository's own test modules aside) and the files importing each."""
    import ast

    local = {path.stem for folder in ("tests", "benchmarks", "scripts")
             for path in (REPO / folder).rglob("*.py")} | {"mockservers"}
    local.add("score")  # ../shared/eval/score.py, the extraction referee (benchmarks)
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top != "parknews" \
                            and top not in local:
                        found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


def _declared() -> dict[str, set[str]]:
    """The distributions pyproject.toml declares: '' for the dependencies, else by extra
    (names normalised)."""
    import re
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    name = re.compile(r"^[A-Za-z0-9._-]+")

    def names(requirements):
        return {name.match(r)[0].lower().replace("_", "-") for r in requirements}

    return {"": names(project["dependencies"]),
            **{extra: names(reqs) for extra, reqs in project["optional-dependencies"].items()}}


def _distribution(module: str) -> set[str]:
    return {d.lower().replace("_", "-") for d in _distributions().get(module, [])}


@functools.cache
def _distributions() -> dict[str, list[str]]:
    from importlib.metadata import packages_distributions

    return packages_distributions()


def test_every_package_the_code_imports_is_declared():
    declared = _declared()
    extras = set().union(*(reqs for extra, reqs in declared.items() if extra))
    for module, files in sorted(_imported(RUNTIME).items()):
        dists = _distribution(module)
        assert dists, f"{module} (imported by {sorted(files)}) is not installed"
        assert dists & (declared[""] | extras), (
            f"{module} is imported by {sorted(files)} but {sorted(dists)} is not declared in "
            f"pyproject.toml's dependencies or extras")
    testing = declared[""] | set().union(*(declared[e] for e in TEST_EXTRAS))
    for module, files in sorted(_imported(("tests", "benchmarks")).items()):
        assert _distribution(module) & (testing | extras), (
            f"{module} is imported by {sorted(files)[:3]} but not declared in the "
            f"dependencies or the test and bench extras")


def test_every_runtime_dependency_is_imported_by_the_package():
    """A dependency every install carries is one the package itself imports: one that
    only tests or benchmarks use belongs to an extra (datasketch brought scipy, 143 MB)."""
    imported = set().union(*(_distribution(module) for module in _imported(RUNTIME)))
    assert _declared()[""] - imported == set()
    assert "datasketch" not in _declared()[""] and "numpy" in _declared()[""]


def test_the_license_file_is_the_declared_licence():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Apache License\n") and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
