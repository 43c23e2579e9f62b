"""``parknews init``: a commented starter sites file that ``parknews crawl`` accepts as it
is and with every commented key uncommented; an existing file is never overwritten."""

from __future__ import annotations

import re
import tomllib

from click.testing import CliRunner

from parknews.crawler.cli import main
from parknews.crawler.cli.sitesfile import STARTER
from parknews.crawler.jsonlists import JSON_LIST_KEYS
from parknews.crawler.locks import LOCKED_EXIT, SiteLock
from parknews.crawler.sites import (
    OPTIONAL_KEYS,
    TOP_LEVEL_KEYS,
    load_sites_file,
    parse_sites_file,
)

# a commented key line ("# key = value") or table header ("# [[alerts]]")
COMMENTED = re.compile(r"^# (\[\[[\w.]+\]\]$|[a-z_]+ = .*)$")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def uncommented(text: str) -> str:
    """The starter with every commented key and table header uncommented."""
    return "\n".join(line[2:] if COMMENTED.match(line) else line
                     for line in text.splitlines()) + "\n"


def test_init_writes_a_file_that_crawl_accepts(tmp_path):
    workdir = tmp_path / "new" / "project"
    result = invoke("init", str(workdir))
    assert result.exit_code == 0, result.output
    path = workdir / "sites.toml"
    assert path.read_text(encoding="utf-8") == STARTER
    for step in ("parknews discover URL --save sites.toml", "parknews crawl",
                 "parknews serve --db parknews.db", f"cd {workdir}"):
        assert step in result.stdout
    (site,) = load_sites_file(path).sites
    assert site.id == "whkfq" and site.start_urls[0].startswith("https://www.whkfq.gov.cn/")
    # `parknews crawl` reads it, checks it and goes as far as the site's lock (held here,
    # so nothing is fetched)
    db = tmp_path / "a.db"
    with SiteLock(tmp_path / "a-locks", "whkfq"):
        crawl = invoke("crawl", "--sites", str(path), "--db", str(db))
    assert crawl.exit_code == LOCKED_EXIT, crawl.output
    assert "nothing crawled: every site is being crawled by another process" in crawl.stderr


def test_every_commented_key_is_valid_once_uncommented():
    text = uncommented(STARTER)
    data = tomllib.loads(text)
    site = data["sites"][0]
    assert set(site) == {"id", "name", "start_urls", *OPTIONAL_KEYS}
    assert set(site["json_lists"][0]) == set(JSON_LIST_KEYS)
    assert set(data["alerts"][0]) == {"kind", "url", "secret"}
    parsed = parse_sites_file(text, "uncommented")
    assert parsed.sites[0].park == "武汉经济技术开发区（汉南区）"
    assert parsed.alerts[0].kind == "dingtalk"


def test_every_top_level_key_is_shown():
    data = tomllib.loads(uncommented(STARTER))
    assert set(data) == set(TOP_LEVEL_KEYS)


def test_init_never_overwrites(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text("# mine\n", encoding="utf-8")
    result = invoke("init", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (f"parknews: {path} exists already: not overwritten (edit it, "
                             f"or remove it first)\n")
    assert path.read_text(encoding="utf-8") == "# mine\n"


def test_init_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sites.toml").read_text(encoding="utf-8") == STARTER
    assert "cd " not in result.stdout
    again = invoke("init", ".")
    assert again.exit_code == 1 and "exists already" in again.stderr


def test_init_names_a_directory_it_cannot_use(tmp_path):
    (tmp_path / "file").write_text("")
    result = invoke("init", str(tmp_path / "file"))
    assert result.exit_code == 2 and "is a file" in result.stderr
    result = invoke("init", str(tmp_path / "file" / "sub"))
    assert result.exit_code == 1 and result.stderr.startswith("parknews: cannot write ")
    assert (tmp_path / "file").read_text() == ""
