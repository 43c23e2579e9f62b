"""The floors kept by a tool: import-linter contracts (pyproject.toml [tool.importlinter])
and no private name imported across modules of parknews."""

from __future__ import annotations

import ast
import shutil
import subprocess

import pytest
from conftest import REPO

FLOORS = ("crawler", "pipelines", "archive")


def test_the_import_contracts_hold():
    command = shutil.which("lint-imports")
    if command is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
    result = subprocess.run([command], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def _private_imports() -> list[str]:
    found = []
    for floor in FLOORS:
        for path in (REPO / floor).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom) or not node.module:
                    continue
                if node.level or not node.module.startswith("parknews."):
                    continue
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path.relative_to(REPO)}: {node.module}.{alias.name}")
    return found


def test_no_private_name_is_imported_from_another_module():
    assert _private_imports() == []


def test_no_import_is_ignored_by_the_contracts():
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    assert [c["name"] for c in contracts if c.get("ignore_imports")] == []


def test_the_cli_command_modules_import_only_cli_common():
    """The commands register in parknews.crawler.cli (the package); a command module
    imports no other module of the CLI but ``common``."""
    found = []
    for path in sorted((REPO / "crawler" / "cli").glob("*.py")):
        if path.name in ("__init__.py", "__main__.py", "common.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) else
                     [alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [])
            found += [f"{path.name}: {name}" for name in names
                      if name.startswith("parknews.crawler.cli")
                      and name != "parknews.crawler.cli.common"]
    assert found == []
