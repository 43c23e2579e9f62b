"""One model of the sites file: unknown keys refused everywhere with the nearest valid key
suggested; the JSON Schema that `parknews schema` writes (kept in docs/sites.schema.json)
validates the shipped file, the `parknews init` file and the reference example, and
agrees with the loader on every key and on what is refused."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
from click.testing import CliRunner
from conftest import REPO
from jsonschema import Draft202012Validator
from test_init import uncommented

from parknews.crawler.cli import main
from parknews.crawler.cli.sitesfile import STARTER
from parknews.crawler.jsonlists import JSON_LIST_KEYS
from parknews.crawler.sites import (
    OPTIONAL_KEYS,
    TOP_LEVEL_KEYS,
    SitesError,
    json_schema,
    parse_sites_file,
    schema_text,
)

SCHEMA_FILE = REPO / "docs" / "sites.schema.json"
SITE = '[[sites]]\nid = "yx"\nname = "云溪经开区"\nstart_urls = ["http://www.yx.gov.cn/"]\n'
JSON_LIST = '[[sites.json_lists]]\nurl = "http://www.yx.gov.cn/api"\nitems = "data"\n' \
            'item_url = "url"\n'
ALERT = '[[alerts]]\nkind = "json"\nurl = "http://127.0.0.1:9/hook"\n'


@pytest.fixture(scope="module")
def validator():
    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(validator, text: str) -> list[str]:
    return [error.message for error in validator.iter_errors(tomllib.loads(text))]


def loader_error(text: str) -> str | None:
    try:
        parse_sites_file(text, "sites.toml")
    except SitesError as exc:
        return str(exc)
    return None


def test_the_schema_in_the_docs_is_what_parknews_schema_writes(tmp_path):
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "docs/sites.schema.json is out of date: run parknews schema -o docs/sites.schema.json")
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0 and result.stdout == schema_text()
    out = tmp_path / "sites.schema.json"
    result = CliRunner().invoke(main, ["schema", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8") == schema_text()
    assert json.loads(schema_text())["$schema"] == (
        "https://json-schema.org/draft/2020-12/schema")


def reference_example() -> str:
    text = (REPO / "docs" / "sites-file.md").read_text(encoding="utf-8")
    return re.search(r"^```toml\n(.*?)^```", text, re.S | re.M)[1]


@pytest.mark.parametrize("name", ["shipped", "init", "init uncommented", "reference"])
def test_the_schema_and_the_loader_accept_the_files_we_ship(name, validator):
    text = {"shipped": lambda: (REPO / "sites.toml").read_text(encoding="utf-8"),
            "init": lambda: STARTER,
            "init uncommented": lambda: uncommented(STARTER),
            "reference": reference_example}[name]()
    assert schema_errors(validator, text) == []
    assert loader_error(text) is None


def schema_keys(schema: dict, table: str | None = None) -> set[str]:
    return set((schema["$defs"][table] if table else schema)["properties"])


def test_the_schema_and_the_loader_know_the_same_keys():
    schema = json_schema()
    assert schema_keys(schema) == set(TOP_LEVEL_KEYS)
    assert schema_keys(schema, "site") == {"id", "name", "start_urls", *OPTIONAL_KEYS}
    assert schema_keys(schema, "json_list") == set(JSON_LIST_KEYS)
    assert schema_keys(schema, "alert") == {"kind", "url", "secret"}
    for table in (schema, *schema["$defs"].values()):
        assert table["additionalProperties"] is False
    # every key the schema knows is one the loader accepts: the uncommented init file
    # sets every one of them (tests/test_init.py) and the loader accepts it
    data = tomllib.loads(uncommented(STARTER))
    assert set(data) == schema_keys(schema)
    assert set(data["sites"][0]) == schema_keys(schema, "site")
    assert set(data["sites"][0]["json_lists"][0]) == schema_keys(schema, "json_list")
    assert set(data["alerts"][0]) == schema_keys(schema, "alert")


# (a file with an unknown key, the loader's message)
UNKNOWN = [
    ('default_schedul = "0 6 * * *"\n' + SITE,
     "sites.toml: unknown top-level key 'default_schedul' (did you mean "
     "'default_schedule'?)"),
    ('[[sites]]\nid = "qw"\nname = "青梧"\nstart_url = ["http://qw.gov.cn/"]\n',
     "site 'qw': unknown key 'start_url' (did you mean 'start_urls'?)"),
    (SITE + "max_page = 3\n", "site 'yx': unknown key 'max_page' (did you mean 'max_pages'?)"),
    (SITE + "skip_column = ['视频']\n",
     "site 'yx': unknown key 'skip_column' (did you mean 'skip_columns'?)"),
    (SITE + "START_URLS = []\n", "site 'yx': unknown key 'START_URLS' (did you mean "
                                 "'start_urls'?)"),
    (SITE + "zzz = 'red'\n", "site 'yx': unknown key 'zzz' (known keys: id, name, "
                                "start_urls, park,"),
    (SITE + JSON_LIST + "item_urls = 'u'\n",
     "site 'yx': json_lists entry #1: unknown key 'item_urls' (did you mean 'item_url'?)"),
    (SITE + JSON_LIST + "max_depth = 2\n",
     "site 'yx': json_lists entry #1: unknown key 'max_depth' (a [[sites]] key: write it "
     "before the site's first [[sites.json_lists]] table)"),
    (SITE + ALERT + "urls = 'http://x/'\n",
     "sites.toml: alert #1: unknown key 'urls' (did you mean 'url'?)"),
    (SITE + 'default_schedule = "0 6 * * *"\n',
     "site 'yx': unknown key 'default_schedule' (a top-level key: write it before the "
     "first [[sites]] table)"),
    ("[[site]]\nid = 'yx'\n", "sites.toml: unknown top-level key 'site' (did you mean "
                                "'sites'?)"),
    ('name = "x"\n' + SITE,
     "sites.toml: unknown top-level key 'name' (a [[sites]] key: write it in a [[sites]] "
     "table)"),
]


@pytest.mark.parametrize("text, message", UNKNOWN,
                         ids=[m.split("unknown ", 1)[1][:30] for _, m in UNKNOWN])
def test_each_unknown_key_is_refused_with_a_suggestion(text, message, validator):
    assert (loader_error(text) or "").startswith(message)
    assert any("Additional properties are not allowed" in error
               for error in schema_errors(validator, text))


def test_an_unknown_key_is_refused_by_crawl(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('default_schedul = "0 6 * * *"\n' + SITE, encoding="utf-8")
    result = CliRunner().invoke(main, ["crawl", "--sites", str(path), "--db",
                                       str(tmp_path / "a.db")])
    assert result.exit_code == 1
    assert result.stderr == (f"parknews: {path}: unknown top-level key 'default_schedul' "
                             f"(did you mean 'default_schedule'?)\n")
    assert not (tmp_path / "a.db").exists()


# values both refuse (the loader says more: a bad regular expression, an unknown codec,
# a cron expression's fields, a duplicate id are its alone)
BAD = [
    SITE.replace('"yx"', '"a b"'),
    SITE.replace('["http://www.yx.gov.cn/"]', "[]"),
    SITE.replace('["http://www.yx.gov.cn/"]', '["ftp://yx.gov.cn/"]'),
    SITE.replace('name = "云溪经开区"', 'name = ""'),
    SITE + "max_pages = 0\n",
    SITE + "max_pages = '3'\n",
    SITE + "max_depth = true\n",
    SITE + "sitemaps = 1\n",
    SITE + "columns = '视频'\n",
    SITE + "list_patterns = [3]\n",
    SITE + 'schedule = "every day"\n',
    'default_schedule = 6\n' + SITE,
    'sites = []\n',
    "title = 'x'\n",
    SITE + JSON_LIST.replace('"http://www.yx.gov.cn/api"', '"/api"'),
    SITE + JSON_LIST + 'method = "PUT"\n',
    SITE + JSON_LIST + 'body_format = "xml"\n',
    SITE + JSON_LIST + "first_page = -1\n",
    SITE + JSON_LIST + "max_pages = 0\n",
    SITE + JSON_LIST.replace('"data"', '"data..list"'),
    SITE + JSON_LIST.replace('item_url = "url"\n', ""),
    SITE + ALERT.replace('"json"', '"slack"'),
    SITE + ALERT.replace("http://127.0.0.1:9/hook", "mailto:a@b"),
    SITE + '[[alerts]]\nkind = "json"\n',
    SITE + ALERT + 'secret = "SEC1"\n',  # only the signed robots have a secret
    SITE + ALERT.replace('"json"', '"dingtalk"').replace("http://", "json://"),
    SITE + ALERT.replace('"json"', '"apprise"').replace("http://127.0.0.1:9/hook", "a@b.cn"),
]


@pytest.mark.parametrize("text", BAD, ids=range(len(BAD)))
def test_the_schema_refuses_what_the_loader_refuses(text, validator):
    assert loader_error(text) is not None
    assert schema_errors(validator, text)


GOOD = [
    SITE,
    SITE.replace('["http://www.yx.gov.cn/"]', '"HTTPS://www.yx.gov.cn/"'),
    SITE + JSON_LIST.replace('"data"', '["data.list", "list"]')
    + 'method = "get"\nbody = { a = 1 }\n',
    SITE + 'schedule = "*/30 * * * * *"\n' + ALERT,
    'default_schedule = "0 */6 * * *"\n' + SITE + SITE.replace('"yx"', '"yx2"'),
    SITE + ALERT.replace('"json"', '"dingtalk"') + 'secret = "SEC1"\n',
    SITE + ALERT.replace('"json"', '"feishu"') + 'secret = "s"\n',
    SITE + ALERT.replace('"json"', '"apprise"').replace("http://", "mailto://"),
]


@pytest.mark.parametrize("text", GOOD, ids=range(len(GOOD)))
def test_the_schema_accepts_what_the_loader_accepts(text, validator):
    assert loader_error(text) is None
    assert schema_errors(validator, text) == []
