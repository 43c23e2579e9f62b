"""The site registry: load and validate ``sites.toml``.

A sites file is a list of ``[[sites]]`` tables. Only ``id``, ``name`` and ``start_urls``
are required; everything else is optional and has a sensible default. Validation is
complete before anything runs, and every message names the site (or line) at fault.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parknews.crawler.jsonlists import JSON_LIST_TABLE, JsonList, parse_json_list
from parknews.crawler.sitekeys import (
    CRON,
    HTTP_URL,
    STRINGS,
    TEXT,
    Key,
    key_names,
    suggestion,
    table_schema,
    unknown_key,
    wrong_type,
)

SITE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

class SitesError(ValueError):
    """A sites file that cannot be used, with a message meant for the user."""


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    start_urls: tuple[str, ...]
    park: str | None = None
    region: str | None = None
    allowed_domains: tuple[str, ...] = ()
    max_pages: int | None = None  # list pages followed per start URL, None = no limit
    encoding: str | None = None  # override when a site lies about its charset
    sitemaps: bool = True  # read robots.txt Sitemap: lines (or /sitemap.xml) and RSS feeds
    max_depth: int | None = None  # links followed from a start URL at most, None = no limit
    # regular expressions (searched in the absolute URL) for sites the built-in rules miss
    article_patterns: tuple[str, ...] = ()
    list_patterns: tuple[str, ...] = ()
    # when `parknews schedule` crawls the site: a cron expression of 5 fields (minute hour
    # day month weekday) or 6 (with seconds first); None = the sites file's default
    schedule: str | None = None
    # lists and articles drawn by JavaScript: rendered in headless Chromium (crawler/render.py)
    render: bool = False
    # JSON list endpoints asked directly (crawler/jsonlists.py: [[sites.json_lists]] tables)
    json_lists: tuple[JsonList, ...] = ()
    # news columns found on hub pages: only those named here (a name's part, or a regular
    # expression searched in the column's URL), and never those of skip_columns
    columns: tuple[str, ...] = ()
    skip_columns: tuple[str, ...] = ()

    def matches(self, patterns: tuple[str, ...], url: str) -> bool:
        return any(_compiled(p).search(url) for p in patterns)

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts the crawl may visit: allowed_domains, else the start URLs' hosts."""
        if self.allowed_domains:
            return self.allowed_domains
        seen: dict[str, None] = {}
        for url in self.start_urls:
            seen[urlsplit(url).hostname or ""] = None
        return tuple(seen)


def _where(index: int, raw: dict) -> str:
    ident = raw.get("id")
    return f"site {ident!r}" if isinstance(ident, str) and ident else f"site #{index + 1}"


def _check_url(url: object, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise SitesError(f"{where}: start_urls must be a list of URL strings")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SitesError(f"{where}: start URL {url!r} is not an http(s) URL")
    return url.strip()


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _check_pattern(pattern: object, key: str, where: str) -> str:
    if not isinstance(pattern, str) or not pattern:
        raise SitesError(f"{where}: {key} must be a list of regular expressions")
    try:
        _compiled(pattern)
    except re.error as exc:
        raise SitesError(f"{where}: {key}: {pattern!r} is not a valid regular expression "
                         f"({exc})") from None
    return pattern


CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
DEFAULT_SCHEDULE = "17 6 * * *"  # every day at 06:17, when no schedule is given
# the time zone of the schedules, the cron lines and the times of health reports
DEFAULT_TIMEZONE = "Asia/Shanghai"


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def crontab_weekdays(spec: str) -> str:
    """Crontab weekday numbers (0 or 7 = Sunday) as names, which APScheduler 3 reads the
    same way (its numbers start at Monday: '1' would be Tuesday). Names pass unchanged."""
    parts: list[str] = []
    for part in spec.split(","):
        match = re.fullmatch(r"(\*|\d+)(?:-(\d+))?(?:/(\d+))?", part)
        if not match or part == "*":
            parts.append(part)
            continue
        first, last, step = match.groups()
        if first == "*":
            low, high = 0, 6
        else:
            low = int(first)
            high = int(last) if last is not None else (7 if step else low)
        if low > 7 or high > 7 or low > high:
            parts.append(part)  # let APScheduler say what is wrong with it
            continue
        parts.extend(_WEEKDAYS[day % 7] for day in range(low, high + 1, int(step or 1)))
    return ",".join(dict.fromkeys(parts))


def cron_trigger(expression: str, timezone: tzinfo | None = None):
    """An APScheduler CronTrigger for 5 fields, or 6 with seconds first, weekdays read as
    crontab reads them (0 = Sunday), firing at those times in ``timezone`` (default: the
    machine's); ValueError naming the problem otherwise."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    if len(fields) not in (5, 6):
        raise ValueError(f"a cron expression has 5 fields (or 6 with seconds), "
                         f"not {len(fields)}")
    if fields[-1] != "*":
        fields[-1] = crontab_weekdays(fields[-1])
    second = fields.pop(0) if len(fields) == 6 else "0"
    return CronTrigger(second=second, timezone=timezone,
                       **dict(zip(CRON_FIELDS, fields, strict=True)))


def time_zone(name: str) -> ZoneInfo:
    """The time zone of an IANA name (Asia/Shanghai, UTC); ValueError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone {name!r} is not a known time zone (an IANA name such "
                         f"as Asia/Shanghai or UTC)") from None


def check_schedule(expression: str, where: str) -> str:
    try:
        cron_trigger(expression)
    except ValueError as exc:
        raise SitesError(f"{where}: schedule {expression!r} is not a valid cron expression "
                         f"({exc})") from None
    return expression.strip()


# --- the model: the keys of each table --------------------------------------------------
# What the loader accepts and what `parknews schema` writes come from these lists
# (crawler/sitekeys.py); [[sites.json_lists]] is crawler/jsonlists.py's JSON_LIST_TABLE.

SITE_TABLE: tuple[Key, ...] = (
    Key("id", str, {"type": "string", "pattern": SITE_ID.pattern},
        "Letters, digits, '_', '-' or '.', at most 64 characters: names the site in --site, "
        "in the archive, in lock and log files. Unique in the file.", required=True),
    Key("name", str, TEXT, "Shown in reports, alerts and Datasette.", required=True),
    Key("start_urls", (list, str),
        {"anyOf": [HTTP_URL, {"type": "array", "minItems": 1, "items": HTTP_URL}]},
        "Where the crawl starts, any page of the site: a home page (its news columns are "
        "found), a column, a list or an article.", required=True),
    Key("park", str, {"type": "string"}, "The park (园区) the site belongs to."),
    Key("region", str, {"type": "string"}, "Province or city."),
    Key("allowed_domains", list, STRINGS,
        "The hosts the crawl may visit, their subdomains too (default: the start URLs' "
        "hosts)."),
    Key("max_pages", int, {"type": "integer", "minimum": 1},
        "Distinct pages followed per list or column (default: PARKNEWS_MAX_LIST_PAGES, "
        "500)."),
    Key("encoding", str, {"type": "string", "minLength": 1},
        "Decode every page with this codec, for a site that lies about its charset."),
    Key("sitemaps", bool, {"type": "boolean"},
        "Read robots.txt Sitemap: lines (else /sitemap.xml) and RSS/Atom feeds.",
        default=True),
    Key("max_depth", int, {"type": "integer", "minimum": 1},
        "Links followed from a start URL at most (default: no limit)."),
    Key("article_patterns", list, STRINGS,
        "Regular expressions: links whose absolute URL matches one are articles."),
    Key("list_patterns", list, STRINGS,
        "Regular expressions: links whose absolute URL matches one are further list "
        "pages."),
    Key("schedule", str, CRON,
        "When `parknews schedule` and the `parknews cron` lines crawl the site: 5 cron "
        "fields, or 6 with seconds first (default: default_schedule)."),
    Key("render", bool, {"type": "boolean"},
        "Pages drawn by JavaScript: rendered in headless Chromium.", default=False),
    Key("json_lists", list, {"type": "array", "items": {"$ref": "#/$defs/json_list"}},
        "JSON list APIs asked directly: [[sites.json_lists]] tables."),
    Key("columns", list, STRINGS,
        "Only these news columns of hub pages (a part of a column's name, or a regular "
        "expression searched in its URL)."),
    Key("skip_columns", list, STRINGS, "Never these columns (matched as columns)."),
)
# Optional keys and their expected types; unknown keys are an error (a typo must not pass).
OPTIONAL_KEYS: dict[str, type | tuple[type, ...]] = {
    key.name: key.types for key in SITE_TABLE if not key.required}

ALERT_KINDS = ("json", "dingtalk", "wecom", "feishu", "apprise")  # crawler/alerts.py
SIGNED_KINDS = ("dingtalk", "feishu")  # robots that may have a signing secret
APPRISE_URL = r"^[A-Za-z][A-Za-z0-9+.-]*://\S"  # any scheme apprise may know

ALERT_TABLE: tuple[Key, ...] = (
    Key("kind", str, {"enum": list(ALERT_KINDS)},
        "The message format: json POSTs the health record itself; dingtalk (钉钉), "
        "wecom (企业微信) and feishu (飞书/Lark) get their robots' text message; apprise "
        "sends through an apprise URL (e-mail, Slack, ntfy …: the alerts extra).",
        required=True),
    Key("url", str, {"type": "string", "pattern": APPRISE_URL},
        "The robot's webhook, whole (an http(s) URL the message is POSTed to); for "
        "kind = \"apprise\", an apprise URL (mailto://, json://, …).", required=True),
    Key("secret", str, {"type": "string", "minLength": 1},
        "dingtalk: the robot's 加签 secret (SEC…), feishu: its 签名校验 secret; the "
        "message is signed with it."),
)
# what the JSON Schema adds to the alert table: the kinds' own rules
ALERT_RULES = [
    {"if": {"properties": {"kind": {"not": {"const": "apprise"}}}},
     "then": {"properties": {"url": HTTP_URL}}},
    {"if": {"properties": {"kind": {"not": {"enum": list(SIGNED_KINDS)}}}},
     "then": {"not": {"required": ["secret"]}}},
]

TOP_TABLE: tuple[Key, ...] = (
    Key("sites", list, {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/site"}},
        "The sites: one [[sites]] table each.", required=True),
    Key("default_schedule", str, CRON,
        "The schedule of every site that sets none: 5 cron fields, or 6 with seconds "
        "first.", default=DEFAULT_SCHEDULE),
    Key("timezone", str, {"type": "string", "minLength": 1},
        "The IANA time zone of the schedules, of the `parknews cron` lines (CRON_TZ) and "
        "of the times in health reports and alerts.", default=DEFAULT_TIMEZONE),
    Key("alerts", list, {"type": "array", "items": {"$ref": "#/$defs/alert"}},
        "Where site-health alerts go: [[alerts]] tables."),
)
TOP_LEVEL_KEYS = tuple(key_names(TOP_TABLE))

_IN_SITE = "a [[sites]] key: write it in a [[sites]] table"
_AT_TOP = "a top-level key: write it before the first [[sites]] table"
# a key of another table, and where it belongs (TOML puts a key in the table above it)
_ELSEWHERE = {
    "top": {name: _IN_SITE for name in key_names(SITE_TABLE)},
    "site": {name: _AT_TOP for name in TOP_LEVEL_KEYS if name != "sites"},
    "json_list": {name: "a [[sites]] key: write it before the site's first "
                        "[[sites.json_lists]] table"
                  for name in key_names(SITE_TABLE) if name not in key_names(JSON_LIST_TABLE)},
    "alert": {},
}


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a sites file, as `parknews schema` writes it."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **table_schema(TOP_TABLE, "parknews sites file",
                       "What parknews crawls: [[sites]] tables, the default schedule, "
                       "[[alerts]] targets. Reference: docs/sites-file.md."),
        "$defs": {
            "site": table_schema(SITE_TABLE, "[[sites]]",
                                 "A site: only id, name and start_urls are required."),
            "json_list": table_schema(JSON_LIST_TABLE, "[[sites.json_lists]]",
                                      "A JSON list API asked directly."),
            "alert": {**table_schema(ALERT_TABLE, "[[alerts]]",
                                     "A target of site-health alerts."),
                      "allOf": ALERT_RULES},
        },
    }


def schema_text() -> str:
    """``json_schema()`` as the text of docs/sites.schema.json."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


def _check_keys(raw: dict, table: tuple[Key, ...], where: str, elsewhere: str) -> None:
    """Unknown keys first (so that `start_url` is named as a typo of `start_urls` rather
    than as a missing key), then the types of the known ones."""
    keys = {key.name: key for key in table}
    for name, value in raw.items():
        if name not in keys:
            raise SitesError(f"{where}: {unknown_key(name, list(keys), _ELSEWHERE[elsewhere])}")
        if wrong_type(keys[name], value):
            raise SitesError(f"{where}: {name} has the wrong type ({type(value).__name__})")



def parse_site(index: int, raw: object) -> Site:
    if not isinstance(raw, dict):
        raise SitesError(f"site #{index + 1}: each [[sites]] entry must be a table")
    where = _where(index, raw)
    _check_keys(raw, SITE_TABLE, where, "site")
    for key in ("id", "name", "start_urls"):
        if key not in raw:
            raise SitesError(f"{where}: missing required key {key!r}")
    ident, name, urls = raw["id"], raw["name"], raw["start_urls"]
    if not isinstance(ident, str) or not SITE_ID.match(ident):
        raise SitesError(
            f"{where}: id must be letters, digits, '_', '-' or '.', at most 64 characters"
        )
    if not isinstance(name, str) or not name.strip():
        raise SitesError(f"{where}: name must be a non-empty string")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        raise SitesError(f"{where}: start_urls must list at least one URL")
    start_urls = tuple(_check_url(u, where) for u in urls)
    options = {key: value for key, value in raw.items() if key in OPTIONAL_KEYS}
    if "allowed_domains" in options:
        domains = options["allowed_domains"]
        if not all(isinstance(d, str) and d for d in domains):
            raise SitesError(f"{where}: allowed_domains must be a list of host names")
        options["allowed_domains"] = tuple(d.lower() for d in domains)
    for key in ("max_pages", "max_depth"):
        if key in options and options[key] < 1:
            raise SitesError(f"{where}: {key} must be at least 1")
    if "schedule" in options:
        options["schedule"] = check_schedule(options["schedule"], where)
    for key in ("article_patterns", "list_patterns", "columns", "skip_columns"):
        if key in options:
            options[key] = tuple(_check_pattern(p, key, where) for p in options[key])
    if "json_lists" in options:
        hosts = options.get("allowed_domains") or tuple(
            dict.fromkeys((urlsplit(u).hostname or "").lower() for u in start_urls))
        lists = []
        for number, entry in enumerate(options["json_lists"], start=1):
            try:
                lists.append(parse_json_list(entry, hosts, _ELSEWHERE["json_list"]))
            except ValueError as exc:
                raise SitesError(f"{where}: json_lists entry #{number}: {exc}") from None
        options["json_lists"] = tuple(lists)
    if "encoding" in options:
        try:
            "".encode(options["encoding"])
        except LookupError:
            raise SitesError(f"{where}: unknown encoding {options['encoding']!r}") from None
    return Site(id=ident, name=name.strip(), start_urls=start_urls, **options)


@dataclass(frozen=True)
class AlertTarget:
    """An ``[[alerts]]`` table: where site-health changes are sent."""

    kind: str  # one of ALERT_KINDS
    url: str  # the webhook (an http(s) URL), or for kind "apprise" an apprise URL
    secret: str | None = None  # dingtalk, feishu: the robot's signing secret


@dataclass(frozen=True)
class SitesFile:
    """A whole sites file, read once: its sites (default schedule applied), alerts and
    time zone (an IANA name, checked)."""

    sites: list[Site]
    alerts: tuple[AlertTarget, ...] = ()
    timezone: str = DEFAULT_TIMEZONE

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of the schedules and of the times shown."""
        return ZoneInfo(self.timezone)


def parse_alerts(raw: object, origin: str) -> tuple[AlertTarget, ...]:
    """The ``[[alerts]]`` tables; SitesError naming a bad one."""
    if not isinstance(raw, list):
        raise SitesError(f"{origin}: 'alerts' must be an array of tables ([[alerts]])")
    targets = []
    for number, table in enumerate(raw, 1):
        if not isinstance(table, dict):
            raise SitesError(f"{origin}: alert #{number}: each [[alerts]] entry must be a "
                             f"table")
        _check_keys(table, ALERT_TABLE, f"{origin}: alert #{number}", "alert")
        kind, url, secret = table.get("kind"), table.get("url"), table.get("secret")
        if kind not in ALERT_KINDS:
            raise SitesError(f"{origin}: alert #{number}: kind must be one of "
                             f"{', '.join(ALERT_KINDS)}, not {kind!r}")
        if kind == "apprise":
            if not isinstance(url, str) or not re.match(APPRISE_URL, url):
                raise SitesError(f"{origin}: alert #{number}: url must be an apprise URL "
                                 f"(mailto://…, json://…)")
        elif not isinstance(url, str) or not re.match(HTTP_URL["pattern"], url):
            raise SitesError(f"{origin}: alert #{number}: url must be an http(s) URL")
        if secret is not None and kind not in SIGNED_KINDS:
            raise SitesError(f"{origin}: alert #{number}: secret is for the signed robots "
                             f"({', '.join(SIGNED_KINDS)}), not {kind}")
        if secret is not None and not secret.strip():
            raise SitesError(f"{origin}: alert #{number}: secret must not be empty")
        targets.append(AlertTarget(kind, url.strip(), secret and secret.strip()))
    return tuple(targets)


def parse_sites(text: str, origin: str = "sites.toml") -> list[Site]:
    """Parse the text of a sites file; raise SitesError naming what is wrong."""
    return parse_sites_file(text, origin).sites


def parse_sites_file(text: str, origin: str = "sites.toml") -> SitesFile:
    """Parse the whole text of a sites file (sites and alerts); raise SitesError naming
    what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SitesError(f"{origin}: not valid TOML: {exc}") from None
    unknown = [key for key in data if key not in TOP_LEVEL_KEYS]
    for key in sorted(unknown, key=lambda k: suggestion(k, TOP_LEVEL_KEYS, _ELSEWHERE["top"])
                      is None):  # a typo of a known key first ([[site]], default_schedul)
        if suggestion(key, TOP_LEVEL_KEYS, _ELSEWHERE["top"]) or data.get("sites"):
            raise SitesError(f"{origin}: " + unknown_key(key, TOP_LEVEL_KEYS, _ELSEWHERE["top"],
                                                         what="top-level key"))
    raw_sites = data.get("sites")
    if not raw_sites:
        raise SitesError(f"{origin}: no [[sites]] tables found")
    if not isinstance(raw_sites, list):
        raise SitesError(f"{origin}: 'sites' must be an array of tables ([[sites]])")
    sites = [parse_site(i, raw) for i, raw in enumerate(raw_sites)]
    default = data.get("default_schedule", DEFAULT_SCHEDULE)
    if not isinstance(default, str):
        raise SitesError(f"{origin}: default_schedule must be a cron expression string")
    default = check_schedule(default, origin)
    sites = [s if s.schedule else dataclasses.replace(s, schedule=default) for s in sites]
    seen: set[str] = set()
    for site in sites:
        if site.id in seen:
            raise SitesError(f"{origin}: site id {site.id!r} appears more than once")
        seen.add(site.id)
    zone = data.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(zone, str):
        raise SitesError(f"{origin}: timezone must be a time zone name such as "
                         f"'Asia/Shanghai'")
    try:
        time_zone(zone)
    except ValueError as exc:
        raise SitesError(f"{origin}: {exc}") from None
    return SitesFile(sites, parse_alerts(data.get("alerts", []), origin), zone)


def load_sites(path: str | Path) -> list[Site]:
    """The sites of a sites file (its alerts checked too)."""
    return load_sites_file(path).sites


def load_sites_file(path: str | Path) -> SitesFile:
    """Read and check a whole sites file once: sites and alerts."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitesError(f"sites file not found: {path}") from None
    except UnicodeDecodeError:
        raise SitesError(f"{path}: not UTF-8 text") from None
    return parse_sites_file(text, origin=str(path))


def select_sites(sites: list[Site], ids: list[str] | tuple[str, ...]) -> list[Site]:
    """The sites named by ``ids`` (all when empty); unknown ids are an error."""
    if not ids:
        return sites
    by_id = {s.id: s for s in sites}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise SitesError(
            f"unknown site id(s): {', '.join(unknown)} (known: {', '.join(by_id) or 'none'})"
        )
    return [by_id[i] for i in ids]
