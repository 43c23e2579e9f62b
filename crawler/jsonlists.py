"""Lists filled by JavaScript: their JSON data sources called directly, and the signs that
a list needs script, as data.

Three tables, most specific first:

- ``LIST_API_RECIPES``: JavaScript list calls recognised in a list page's static scripts
  whose JSON data source can be asked directly (new-generation Hanweb: ``loadPageData(
  {unitid, webSiteCode, channelCode, perPage})`` fills ``ul.List_list`` from a POST to
  ``/queryList``). A recipe turns the call's arguments into a :class:`JsonList`.
- ``JS_LIST_SIGNS``: markers of a list drawn by script (AngularJS ``ng-app``/``ng-repeat``,
  Vue, Handlebars templates, ajax calls). A list page that yields no article link while
  holding one is flagged, with the sites.toml option that would help.
- :class:`JsonList` itself, one JSON list endpoint and how to page it and read its items:
  built by a recipe, or declared per site in sites.toml (``[[sites.json_lists]]``,
  validated by :func:`parse_json_list`).

JSON paths are dotted keys (``data.list``, ``urls.pc``; a number indexes a list). A value
that is itself JSON text (Hanweb's ``urls`` field is the string ``{"pc": "/…"}``) is
decoded on the way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from parknews.crawler.sitekeys import HTTP_URL, TEXT, Key, unknown_key, wrong_type

MAX_JSON_PAGES = 1000  # pages of one JSON list followed at most (as MAX_SCRIPT_PAGES)
BODY_FORMATS = ("json", "form")
METHODS = ("GET", "POST")


@dataclass(frozen=True)
class JsonList:
    """One JSON list endpoint: where to ask, how to page, where the items are."""

    url: str  # absolute (a relative one is resolved against the list page)
    items: tuple[str, ...]  # JSON paths tried in order: the first that is a list holds the items
    item_url: tuple[str, ...]  # paths, in an item, of its article URL (first non-empty wins)
    page_param: str = "page"  # the page number's field (query for GET, body for POST)
    method: str = "POST"
    body: str = "{}"  # JSON text of the other fields sent with every page (frozen: hashable)
    body_format: str = "json"  # "json" (application/json) or "form" (urlencoded)
    first_page: int = 1
    per_page: int = 0  # items a page; 0 = unknown (then paging stops at an empty page)
    per_page_param: str = ""  # the field sending per_page, when the API wants it
    item_title: tuple[str, ...] = ()
    item_date: tuple[str, ...] = ()
    total: tuple[str, ...] = ()  # paths of the total item count, when the API gives it
    max_pages: int = 0  # 0 = as the site's max_pages (or PARKNEWS_MAX_LIST_PAGES)
    family: str = "declared"  # the recipe that built it, or "declared" (sites.toml)

    def fields(self, page: int) -> dict[str, Any]:
        data = dict(json.loads(self.body))
        data[self.page_param] = page
        if self.per_page_param and self.per_page:
            data[self.per_page_param] = self.per_page
        return data

    def request_args(self, page: int, base: str | None = None) -> dict[str, Any]:
        """Keyword arguments of a ``scrapy.Request`` for page ``page``."""
        url = urljoin(base, self.url) if base else self.url
        data = self.fields(page)
        if self.method == "GET":
            parts = urlsplit(url)
            query = "&".join(p for p in (parts.query, urlencode(_flat(data), doseq=True)) if p)
            return {"url": urlunsplit(parts._replace(query=query)), "method": "GET"}
        if self.body_format == "form":
            return {"url": url, "method": "POST",
                    "body": urlencode(_flat(data), doseq=True),
                    "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
        return {"url": url, "method": "POST",
                "body": json.dumps(data, ensure_ascii=False),
                "headers": {"Content-Type": "application/json;charset=UTF-8",
                            "Accept": "application/json, text/javascript, */*"}}


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    """Form fields: lists stay lists (repeated fields), objects become JSON text."""
    return {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v)
            for k, v in data.items()}


# -- JSON paths ------------------------------------------------------------------------

JSONP = re.compile(r"^\s*[\w$.]+\s*\((?P<json>.*)\)\s*;?\s*$", re.S)


def parse_json(body: bytes, encoding: str | None = None) -> Any:
    """A JSON answer (UTF-8, else the declared charset, else GB18030), JSONP unwrapped
    (``cb({...});``); ValueError when it is neither."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode(encoding or "gb18030", "replace")
    try:
        return json.loads(text)
    except ValueError:
        wrapped = JSONP.match(text)
        if not wrapped:
            raise
        return json.loads(wrapped["json"])



def resolve(data: Any, path: str) -> Any:
    """The value at a dotted path, or None; JSON text met on the way is decoded."""
    value = data
    for key in path.split(".") if path else ():
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            try:
                value = json.loads(value)
            except ValueError:
                return None
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and key.lstrip("-").isdigit():
            index = int(key)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def first(data: Any, paths: tuple[str, ...]) -> Any:
    for path in paths:
        value = resolve(data, path)
        if value not in (None, "", [], {}):
            return value
    return None


def item_list(data: Any, spec: JsonList) -> list[Any] | None:
    """The items of one JSON page, or None when no path of ``spec.items`` is a list."""
    for path in spec.items:
        value = resolve(data, path)
        if isinstance(value, list):
            return value
    return None


def as_date(value: Any) -> str | None:
    """A list date: epoch milliseconds or seconds (as Hanweb's ``pubDate``) or text."""
    from datetime import UTC, datetime, timedelta, timezone

    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()
                                          and len(value) in (10, 13)):
        number = float(value)
        seconds = number / 1000 if number > 1e11 else number
        china = timezone(timedelta(hours=8))  # the sites' own clocks
        return datetime.fromtimestamp(seconds, UTC).astimezone(china).strftime("%Y-%m-%d")
    return str(value).strip() or None


def items_of(data: Any, spec: JsonList, base: str) -> list[dict[str, str]]:
    """Each item's absolute URL with its title and date, in the page's order."""
    found = []
    for item in item_list(data, spec) or []:
        href = first(item, spec.item_url)
        if not isinstance(href, str) or not href.strip():
            continue
        entry = {"url": urljoin(base, href.strip())}
        title = first(item, spec.item_title)
        if isinstance(title, str) and title.strip():
            entry["title"] = re.sub(r"<[^>]+>", "", title).strip()
        date = as_date(first(item, spec.item_date))
        if date:
            entry["date"] = date
        found.append(entry)
    return found


def page_count(data: Any, spec: JsonList) -> int | None:
    """Pages in all, from the total item count and the page size, when both are known."""
    total = first(data, spec.total)
    try:
        total = int(total)
    except (TypeError, ValueError):
        return None
    if spec.per_page <= 0:
        return None
    return max(1, -(-total // spec.per_page))


# -- recipes: JavaScript list calls whose JSON source is known -------------------------


class ListApiRecipe(NamedTuple):
    """A script list call recognised in a static page, and the JSON list it stands for.

    ``call`` finds the call and captures its argument object as ``args``; ``fields``
    maps body fields to regular expressions read in ``args`` (capturing ``value``; a
    field given as a list in the page is sent as a list); ``build`` makes the
    :class:`JsonList` from those fields and the page URL, or None when some are missing.
    """

    family: str
    call: re.Pattern[str]
    fields: dict[str, re.Pattern[str]]
    build: Callable[[dict[str, Any], str], JsonList | None]


def _arg(name: str) -> re.Pattern[str]:
    """``name: 'x'``, ``name: "x"``, ``name: 12`` or ``name: ['x']`` in a JS object."""
    return re.compile(rf"\b{name}\s*:\s*(?P<list>\[)?\s*['\"]?(?P<value>[\w.-]+)['\"]?")


# The JS variable holding the call's argument object (``var params = {…};
# loadPageData(params, 'unit')``) or the object written in the call itself.
HANWEB_CALL = re.compile(
    r"(?:var\s+(?P<var>\w+)\s*=\s*\{(?P<vargs>[^{}]*)\}\s*;?[^{}]*?)?"
    r"loadPageData\(\s*(?:\{(?P<args>[^{}]*)\}|(?P<name>\w+))", re.S)


# Where /queryList answers keep their items, as the platform's sites answer: the list
# under one of these envelopes, each item's fields at its top level or under ``source``
# (the platform's own front-end script reads ``data.results`` and ``item.source.urls``,
# JSON text with ``pc`` and ``h5`` URLs), first path that holds a value wins.
HANWEB_ITEMS = ("data.data", "data.list", "data.records", "data.rows", "data.results",
                "data", "list", "rows", "results")
HANWEB_ITEM_URL = ("urls.pc", "pcUrl", "url", "link", "source.urls.pc", "source.pcUrl",
                   "source.url", "source.urls.h5")
HANWEB_ITEM_TITLE = ("title", "showTitle", "name", "source.title", "source.showTitle")
HANWEB_ITEM_DATE = ("pubDate", "publishDate", "releaseTime", "date", "source.pubDate",
                    "source.publishDate", "source.releaseTime")
HANWEB_TOTAL = ("data.total", "data.totalCount", "total", "totalCount", "data.totalElements")


def _hanweb_query_list(fields: dict[str, Any], page_url: str) -> JsonList | None:
    """New-generation Hanweb (#10 in realpages): POST ``/queryList`` with JSON paging
    fields ``current``/``pageSize`` and the column's ``webSiteCode``/``channelCode``;
    items carry ``urls`` (JSON text ``{"pc": "/…/content_….html"}``), ``title``,
    ``pubDate`` (epoch ms). The answer's list and total are looked for under the usual
    envelopes (``data.data``, ``data.list``, ``data.records`` …)."""
    if not fields.get("channelCode"):
        return None
    try:
        per_page = int(fields.get("perPage") or 15)
    except ValueError:
        per_page = 15
    body = {"webSiteCode": fields.get("webSiteCode") or [], "channelCode": fields["channelCode"],
            "unitid": fields.get("unitid", ""), "notReturnContent": True}
    return JsonList(
        url=urljoin(page_url, "/queryList"),
        method="POST", body_format="json", body=json.dumps(body, ensure_ascii=False),
        page_param="current", first_page=1, per_page=per_page, per_page_param="pageSize",
        items=HANWEB_ITEMS, item_url=HANWEB_ITEM_URL, item_title=HANWEB_ITEM_TITLE,
        item_date=HANWEB_ITEM_DATE, total=HANWEB_TOTAL,
        family="hanweb-querylist",
    )


LIST_API_RECIPES: tuple[ListApiRecipe, ...] = (
    ListApiRecipe(
        "hanweb-querylist",
        HANWEB_CALL,
        {"unitid": _arg("unitid"), "webSiteCode": _arg("webSiteCode"),
         "channelCode": _arg("channelCode"), "perPage": _arg("perPage")},
        _hanweb_query_list,
    ),
)


def recipe_lists(scripts: list[str], page_url: str) -> list[JsonList]:
    """The JSON lists behind the script list calls of a page (deduplicated)."""
    found: dict[JsonList, None] = {}
    for text in scripts:
        for recipe in LIST_API_RECIPES:
            for call in recipe.call.finditer(text):
                args = call.groupdict().get("args")
                if args is None:  # the call names a variable: its object, if it was just above
                    if call.groupdict().get("var") != call.groupdict().get("name"):
                        continue
                    args = call["vargs"] or ""
                fields: dict[str, Any] = {}
                for name, pattern in recipe.fields.items():
                    match = pattern.search(args)
                    if match:
                        fields[name] = [match["value"]] if match["list"] else match["value"]
                spec = recipe.build(fields, page_url)
                if spec is not None:
                    found[spec] = None
    return list(found)


# -- signs of a list drawn by script ---------------------------------------------------


class JsListSign(NamedTuple):
    name: str
    pattern: re.Pattern[str]  # searched in the page's HTML as served
    hint: str  # what to turn on in sites.toml


RENDER_HINT = "set render = true for this site (a headless browser draws the page)"
API_HINT = ("declare its JSON list API in json_lists (see docs/sites-file.md), or set "
            "render = true for this site")

JS_LIST_SIGNS: tuple[JsListSign, ...] = (
    JsListSign("hanweb-loadPageData", re.compile(r"\bloadPageData\s*\("),
               "its loadPageData call was not understood: " + API_HINT),
    JsListSign("angularjs", re.compile(r"\bng-(?:app|repeat|controller)\b"), RENDER_HINT),
    JsListSign("vue", re.compile(r"\bv-for=|\bnew\s+Vue\s*\(|\bcreateApp\s*\("), RENDER_HINT),
    JsListSign("react", re.compile(r"\bReactDOM\.|data-reactroot|__NEXT_DATA__"), RENDER_HINT),
    JsListSign("template", re.compile(
        r"<script[^>]+type=[\"']text/(?:x-handlebars-template|template|x-tmpl)"), API_HINT),
    JsListSign("ajax", re.compile(
        r"\$\.(?:ajax|post|getJSON)\s*\(|\bfetch\s*\(|\baxios\.|new\s+XMLHttpRequest"),
        API_HINT),
)


def js_list_sign(html: str) -> JsListSign | None:
    """The first sign that this page's list is drawn by script, or None."""
    for sign in JS_LIST_SIGNS:
        if sign.pattern.search(html):
            return sign
    return None


# -- sites.toml: declared JSON lists ---------------------------------------------------

_PATH = re.compile(r"^[^.\s]+(?:\.[^.\s]+)*$")
_JSON_PATHS = {"anyOf": [{"type": "string", "pattern": _PATH.pattern},
                         {"type": "array", "minItems": 1,
                          "items": {"type": "string", "pattern": _PATH.pattern}}]}

# The keys of a [[sites.json_lists]] table (crawler/sitekeys.py: the loader's types and
# the JSON Schema of each, from this one list).
JSON_LIST_TABLE: tuple[Key, ...] = (
    Key("url", str, HTTP_URL, "The endpoint, on the site's hosts.", required=True),
    Key("method", str, {"type": "string", "pattern": "^(?:[Gg][Ee][Tt]|[Pp][Oo][Ss][Tt])$"},
        "GET sends the fields in the query string, POST in the body.", default="POST"),
    Key("body", dict, {"type": "object"}, "Fields sent with every page."),
    Key("body_format", str, {"enum": list(BODY_FORMATS)},
        "A POST body as JSON or as urlencoded form fields.", default="json"),
    Key("page_param", str, TEXT, "The field carrying the page number.", default="page"),
    Key("first_page", int, {"type": "integer", "minimum": 0}, "The first page's number.",
        default=1),
    Key("per_page", int, {"type": "integer", "minimum": 0},
        "Items a page (0: unknown, paging stops at an empty page)."),
    Key("per_page_param", str, {"type": "string"},
        "The field that sends per_page, when the API wants it."),
    Key("items", (str, list), _JSON_PATHS,
        "JSON path of the item list (data.list), or a list of paths: the first list wins.",
        required=True),
    Key("item_url", (str, list), _JSON_PATHS,
        "JSON path(s), in an item, of its article URL.", required=True),
    Key("item_title", (str, list), _JSON_PATHS,
        "JSON path(s) of an item's title, used when the article lacks one."),
    Key("item_date", (str, list), _JSON_PATHS,
        "JSON path(s) of an item's date: text, or epoch seconds or milliseconds."),
    Key("total", (str, list), _JSON_PATHS,
        "JSON path(s) of the total item count (else paging stops at a short page)."),
    Key("max_pages", int, {"type": "integer", "minimum": 1},
        "JSON pages followed at most (default: the site's max_pages)."),
)
JSON_LIST_KEYS: dict[str, type | tuple[type, ...]] = {
    key.name: key.types for key in JSON_LIST_TABLE}
JSON_LIST_REQUIRED = tuple(key.name for key in JSON_LIST_TABLE if key.required)


def _paths(key: str, value: Any) -> tuple[str, ...]:
    paths = [value] if isinstance(value, str) else value
    if not paths or not all(isinstance(p, str) and _PATH.match(p) for p in paths):
        raise ValueError(f"{key} must be a JSON path like 'data.list' (or a list of them)")
    return tuple(paths)


def parse_json_list(raw: Any, hosts: tuple[str, ...],
                    elsewhere: Mapping[str, str] | None = None) -> JsonList:
    """A ``[[sites.json_lists]]`` table as a :class:`JsonList`; ValueError says what is
    wrong (the caller adds the site). ``elsewhere``: keys of other tables, with where
    they belong (a site's key written after its json_lists table lands in it)."""
    if not isinstance(raw, dict):
        raise ValueError("each json_lists entry must be a table")
    keys = {key.name: key for key in JSON_LIST_TABLE}
    for name, value in raw.items():
        if name not in keys:
            raise ValueError(unknown_key(name, list(keys), elsewhere))
        if wrong_type(keys[name], value):
            raise ValueError(f"{name} has the wrong type ({type(value).__name__})")
    for key in JSON_LIST_REQUIRED:
        if key not in raw:
            raise ValueError(f"missing required key {key!r}")
    url = raw["url"].strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url {url!r} is not an http(s) URL")
    host = parts.hostname.lower()
    if not any(host == h or host.endswith("." + h) for h in hosts):
        raise ValueError(f"url {url!r} is outside the site's hosts ({', '.join(hosts)})")
    method = raw.get("method", "POST").upper()
    if method not in METHODS:
        raise ValueError(f"method must be GET or POST, not {raw['method']!r}")
    body_format = raw.get("body_format", "json")
    if body_format not in BODY_FORMATS:
        raise ValueError(f"body_format must be 'json' or 'form', not {body_format!r}")
    for key in ("first_page", "per_page", "max_pages"):
        if key in raw and raw[key] < (1 if key == "max_pages" else 0):
            raise ValueError(f"{key} must be at least {1 if key == 'max_pages' else 0}")
    page_param = raw.get("page_param", "page")
    if not page_param.strip():
        raise ValueError("page_param must name the page number's field")
    return JsonList(
        url=url, method=method, body=json.dumps(raw.get("body", {}), ensure_ascii=False),
        body_format=body_format, page_param=page_param, first_page=raw.get("first_page", 1),
        per_page=raw.get("per_page", 0), per_page_param=raw.get("per_page_param", ""),
        items=_paths("items", raw["items"]), item_url=_paths("item_url", raw["item_url"]),
        item_title=_paths("item_title", raw["item_title"]) if "item_title" in raw else (),
        item_date=_paths("item_date", raw["item_date"]) if "item_date" in raw else (),
        total=_paths("total", raw["total"]) if "total" in raw else (),
        max_pages=raw.get("max_pages", 0),
    )
