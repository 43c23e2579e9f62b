"""The documentation kept true by tests, as sqlite-utils' tests/test_docs.py keeps its own:
every command and command option, every sites-file key, every ``PARKNEWS_*`` setting, every
archive table and column and every health rule is in docs/; docs/cli.md is what
docs/gen_cli_reference.py writes from ``--help``; the MkDocs site builds with ``--strict``
(no broken link or anchor, every page in the nav); the README stays short, names every
command, and its test command is the one .ci/run runs."""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import re
import subprocess
import sys
from functools import cache

import click
import pytest
from conftest import REPO

from parknews.crawler.cli import main

DOCS = REPO / "docs"
README = REPO / "README.md"
README_MAX_LINES = 200
FLOORS = ("crawler", "pipelines", "archive")


def _read(path) -> str:
    return path.read_text(encoding="utf-8")


def sections(markdown: str, level: int = 2) -> dict[str, str]:
    """Each heading of ``level`` (outside code fences) with its text up to the next
    heading of that level or higher."""
    found: dict[str, list[str]] = {}
    current = None
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else re.match(r"^(#{1,6}) (.*)$", line)
        if match and len(match[1]) <= level:
            current = match[2].strip() if len(match[1]) == level else None
            if current is not None:
                found[current] = []
            continue
        if current is not None:
            found[current].append(line)
    return {heading: "\n".join(lines) for heading, lines in found.items()}


def section(markdown: str, heading: str, level: int = 2) -> str:
    for name, text in sections(markdown, level).items():
        if name == heading:
            return text
    pytest.fail(f"no heading {'#' * level} {heading}")


def mentions(text: str, name: str) -> bool:
    """``name`` in the text as a name of its own (not part of a longer one)."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def backticked(text: str, name: str) -> bool:
    """``name`` in the text as code: `name`, or inside a code span such as `a`, `b`."""
    return any(mentions(span, name) for span in re.findall(r"`([^`\n]+)`", text))


# --- the command line ----------------------------------------------------------------

COMMANDS = sorted(main.commands)
OPTIONS = [(command, opt) for command in COMMANDS
           for param in main.commands[command].params if isinstance(param, click.Option)
           for opt in (*param.opts, *param.secondary_opts) if opt.startswith("--")]


@cache
def generator():
    """docs/gen_cli_reference.py, loaded as a module."""
    spec = importlib.util.spec_from_file_location("gen_cli_reference",
                                                  DOCS / "gen_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_is_what_the_generator_writes():
    assert _read(DOCS / "cli.md") == generator().reference(), (
        "docs/cli.md is out of date: run python docs/gen_cli_reference.py")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_its_section_in_the_cli_reference(command):
    assert f"parknews {command}" in sections(_read(DOCS / "cli.md"))


@pytest.mark.parametrize("command,option", OPTIONS)
def test_every_command_option_is_in_the_cli_reference(command, option):
    text = section(_read(DOCS / "cli.md"), f"parknews {command}")
    assert mentions(text, option), f"parknews {command} {option} is not in docs/cli.md"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme_command_table(command):
    rows = [line for line in _read(README).splitlines() if line.startswith("| `parknews ")]
    assert any(re.match(rf"\| `parknews {re.escape(command)}[ `]", row) for row in rows), (
        f"parknews {command} is not in the README's command table")


# --- the sites file ------------------------------------------------------------------


def sites_file_section(heading: str) -> str:
    return section(_read(DOCS / "sites-file.md"), heading)


def site_keys() -> list[str]:
    from parknews.crawler.sites import OPTIONAL_KEYS

    return ["id", "name", "start_urls", *OPTIONAL_KEYS]


def json_list_keys() -> list[str]:
    from parknews.crawler.jsonlists import JSON_LIST_KEYS

    return list(JSON_LIST_KEYS)


def alert_keys() -> list[str]:
    from parknews.crawler.alerts import AlertTarget

    return [field.name for field in dataclasses.fields(AlertTarget)]


def alert_kinds() -> list[str]:
    from parknews.crawler.alerts import FORMATS

    return list(FORMATS)


def top_level_keys() -> tuple[str, ...]:
    """The top-level keys of a sites file, from the model the loader and the JSON Schema
    are made of (crawler/sites.py TOP_TABLE)."""
    from parknews.crawler.sites import TOP_LEVEL_KEYS

    return TOP_LEVEL_KEYS


TOP_LEVEL_KEYS = top_level_keys()


@pytest.mark.parametrize("key", site_keys())
def test_every_site_key_is_in_the_sites_file_reference(key):
    assert re.search(rf"^\| `{re.escape(key)}` \|", sites_file_section("[[sites]]"), re.M), (
        f"[[sites]] key {key!r} has no row in docs/sites-file.md")


@pytest.mark.parametrize("key", json_list_keys())
def test_every_json_lists_key_is_in_the_sites_file_reference(key):
    text = sites_file_section("[[sites.json_lists]]")
    assert re.search(rf"^\| `{re.escape(key)}` \|", text, re.M), (
        f"[[sites.json_lists]] key {key!r} has no row in docs/sites-file.md")


@pytest.mark.parametrize("key", alert_keys())
def test_every_alerts_key_is_in_the_sites_file_reference(key):
    assert re.search(rf"^\| `{re.escape(key)}` \|", sites_file_section("[[alerts]]"), re.M), (
        f"[[alerts]] key {key!r} has no row in docs/sites-file.md")


@pytest.mark.parametrize("kind", alert_kinds())
def test_every_alert_kind_is_in_the_sites_file_reference(kind):
    assert backticked(sites_file_section("[[alerts]]"), f'"{kind}"')


@pytest.mark.parametrize("key", TOP_LEVEL_KEYS)
def test_every_top_level_key_is_in_the_sites_file_reference(key):
    assert re.search(rf"^\| `{re.escape(key)}` \|", sites_file_section("Top-level keys"),
                     re.M), f"top-level key {key!r} has no row in docs/sites-file.md"


def toml_examples() -> list[tuple[str, str]]:
    """The ```toml blocks of the README and the docs that hold a [[sites]] table."""
    found = []
    for path in (README, *sorted(DOCS.glob("*.md"))):
        for block in re.findall(r"^```toml\n(.*?)^```", _read(path), re.S | re.M):
            if "[[sites]]" in block:
                found.append((path.name, block))
    return found


@pytest.mark.parametrize("name,example", toml_examples(),
                         ids=[f"{name}-{i}" for i, (name, _) in enumerate(toml_examples())])
def test_every_sites_file_example_is_accepted(name, example, tmp_path):
    from parknews.crawler.sites import load_sites

    path = tmp_path / "sites.toml"
    path.write_text(example, encoding="utf-8")
    assert load_sites(path)


def test_the_reference_example_sets_every_key():
    import tomllib

    example = re.search(r"^```toml\n(.*?)^```", _read(DOCS / "sites-file.md"), re.S | re.M)
    data = tomllib.loads(example[1])
    site = data["sites"][0]
    assert sorted(data) == sorted(TOP_LEVEL_KEYS)
    assert sorted(site) == sorted(site_keys())
    assert sorted(site["json_lists"][0]) == sorted(json_list_keys())
    assert sorted(data["alerts"][0]) == sorted(alert_keys())


def test_the_top_level_keys_are_read_by_the_loaders():
    source = _read(REPO / "crawler" / "sites.py") + _read(REPO / "crawler" / "alerts.py")
    literals = {node.value for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert set(TOP_LEVEL_KEYS) <= literals


# --- settings ------------------------------------------------------------------------


def parknews_settings() -> list[str]:
    """Every ``"PARKNEWS_…"`` string literal of the three floors, and every setting
    crawler/settings.py defines (or names in a comment) that Scrapy does not have."""
    from scrapy.settings import default_settings

    names: set[str] = set()
    for floor in FLOORS:
        for path in (REPO / floor).rglob("*.py"):
            for node in ast.walk(ast.parse(_read(path))):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and re.fullmatch(r"PARKNEWS_[A-Z0-9_]+", node.value)):
                    names.add(node.value)
    settings_py = _read(REPO / "crawler" / "settings.py")
    for name in re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)\s*=", settings_py, re.M):
        if not hasattr(default_settings, name):
            names.add(name)
    return sorted(names)


@pytest.mark.parametrize("name", parknews_settings())
def test_every_setting_is_in_the_settings_reference(name):
    text = _read(DOCS / "settings.md")
    assert re.search(rf"^\| `{re.escape(name)}` \|", text, re.M), (
        f"setting {name} has no row in docs/settings.md")


def test_the_settings_scan_finds_the_settings():
    found = parknews_settings()
    for name in ("PARKNEWS_RECHECK_DAYS", "PARKNEWS_EXTRACT_WORKERS", "PARKNEWS_CHROMIUM",
                 "ARCHIVE_DB"):
        assert name in found


# --- the archive ---------------------------------------------------------------------


def archive_tables() -> dict[str, list[str]]:
    """The tables and columns of a new archive (FTS5's own shadow tables left out)."""
    import sqlite3
    import tempfile
    from pathlib import Path

    from parknews.archive.store import open_archive

    with tempfile.TemporaryDirectory() as tmp:
        db = open_archive(Path(tmp) / "schema.db")
        try:
            conn: sqlite3.Connection = db.conn
            names = [row[0] for row in conn.execute(
                "select name from sqlite_master where type = 'table' order by name")]
            return {name: [row[1] for row in conn.execute(f"pragma table_info([{name}])")]
                    for name in names
                    if not name.startswith(("_", "sqlite_", "articles_fts_"))}
        finally:
            db.close()


ARCHIVE_TABLES = archive_tables()


@pytest.mark.parametrize("table", sorted(ARCHIVE_TABLES))
def test_every_archive_table_and_column_is_in_the_schema_page(table):
    headed = {heading: text for heading, text in sections(_read(DOCS / "archive.md")).items()
              if backticked(heading, table)}
    assert headed, f"table {table} has no section in docs/archive.md"
    text = "\n".join(headed.values())
    missing = [column for column in ARCHIVE_TABLES[table] if not backticked(text, column)]
    assert missing == [], f"columns of {table} missing from docs/archive.md: {missing}"


def test_every_health_rule_is_in_the_health_page():
    from parknews.archive.health import RULES

    text = _read(DOCS / "health.md")
    missing = [rule.name for rule in RULES
               if not re.search(rf"^\| `{re.escape(rule.name)}` \|", text, re.M)]
    assert missing == []


# --- the site and the README ---------------------------------------------------------


def test_the_docs_site_builds_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed: pip install -e '.[test]'")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(REPO / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "cli" / "index.html").is_file()


def test_every_docs_page_is_in_the_nav():
    nav = _read(REPO / "mkdocs.yml")
    pages = sorted(path.name for path in DOCS.glob("*.md"))
    assert [page for page in pages if not re.search(rf":\s*{re.escape(page)}\s*$", nav,
                                                       re.M)] == []


def test_the_readme_is_short():
    lines = len(_read(README).splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines (at most {README_MAX_LINES})"


def test_the_readme_test_command_is_what_ci_runs():
    readme = _read(README)
    ci = [line for line in _read(REPO / ".ci" / "run").splitlines()
          if line and not line.startswith(("#", "set ", "cd "))]
    assert len(ci) == 1
    assert f"\n{ci[0]}\n" in readme, "README's test command differs from .ci/run's"


def test_the_readme_links_to_files_that_exist():
    targets = re.findall(r"\]\(((?:docs/)[^)#\s]+)", _read(README))
    assert targets
    assert [target for target in targets if not (REPO / target).is_file()] == []


def test_the_screenshot_is_small():
    image = DOCS / "img" / "search.png"
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.stat().st_size < 300 * 1024
