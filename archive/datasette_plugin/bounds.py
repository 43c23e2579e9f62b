"""What one request may cost a published archive, and the headers every answer carries.

An ASGI wrapper (Datasette's ``asgi_wrapper`` hook) around the whole Datasette app. Before
a request reaches Datasette it refuses, with a 400 (or 414) that says which limit:

- a query string longer than ``max_query_string_bytes``;
- more than ``max_params`` parameters, or one name repeated more than
  ``max_filter_values`` times;
- a list filter (``col__in=``, ``col__notin=``, ``_filter_value``) of more than
  ``max_filter_values`` values: Datasette prepares the list again for each of a table
  page's queries, and preparing is not covered by the SQL time limit;
- more than ``max_facets`` ``_facet`` parameters;
- ``_searchmode=raw`` (raw FTS5 would pass the plugin's escaping and term cap).

A table page, HTML, JSON or CSV, asks for at most ``max_page_rows`` rows (``_size=max`` or
more is lowered to it; the page's ``next`` link gives the rest): a thousand rows rendered
hold the server's event loop half a second. No answer is longer than
``max_response_bytes``: a longer one is replaced by a 413 that says so.

Every answer gets ``X-Content-Type-Options: nosniff``, ``Referrer-Policy`` and a
Content-Security-Policy (``CSP``: scripts, styles, images and requests from the server
itself only, no frames, no plugins; an answer with its own policy keeps it). The ``Host``
header is not trusted: it is replaced by the configured public URL's host (plugin setting
``public_url``; ``parknews serve --public-url``), or else by the address the server
listens on, so links Datasette makes absolute never point where a visitor said.

``LIMITS`` holds the defaults; the plugin setting ``limits`` (metadata
``plugins.parknews.limits``) overrides any of them. See docs/publishing.md.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit

LIMITS = {
    "max_query_string_bytes": 2048,
    "max_params": 40,
    "max_filter_values": 30,
    "max_facets": 6,
    "max_page_rows": 100,
    "max_response_bytes": 20_000_000,
    # one visitor (a client address) has this many requests answered at once; further
    # ones wait their turn, and beyond max_waiting_per_client are refused (429)
    "max_requests_per_client": 1,
    "max_waiting_per_client": 8,
    # all visitors together: a request beyond this many under way is refused (503)
    "max_requests": 24,
}

# Cheap files a page loads alongside: not counted against a visitor.
UNCOUNTED_PREFIXES = ("/-/static/", "/-/static-plugins/", "/-/parknews.css")

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)

LIST_SUFFIXES = ("__in", "__notin")

# The path of the request being answered, for render_cell (which is not given the
# request): a cell is shown whole only on a row page.
CURRENT_PATH: contextvars.ContextVar[str] = contextvars.ContextVar("parknews_path",
                                                                   default="")


class Refused(Exception):
    """A request over a limit; the message is for the visitor."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def limits_of(datasette) -> dict:
    """LIMITS with the plugin setting ``limits`` over them."""
    configured = (datasette.plugin_config("parknews") or {}).get("limits") or {}
    unknown = set(configured) - set(LIMITS)
    if unknown:
        raise ValueError(f"unknown parknews limits: {', '.join(sorted(unknown))}")
    return {**LIMITS, **configured}


def _list_length(value: str) -> int:
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return len(parsed)
    return text.count(",") + 1


def check_query(path: str, query_string: bytes, limits: dict) -> bytes:
    """The query string to pass on (``_size`` lowered), or Refused."""
    if len(query_string) > limits["max_query_string_bytes"]:
        raise Refused(f"query string too long: {len(query_string)} bytes, at most "
                      f"{limits['max_query_string_bytes']} (max_query_string_bytes)", 414)
    params = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if len(params) > limits["max_params"]:
        raise Refused(f"too many parameters: {len(params)}, at most {limits['max_params']}"
                      " (max_params)")
    most = limits["max_filter_values"]
    name, repeated = Counter(name for name, _ in params).most_common(1)[0] if params \
        else ("", 0)
    if repeated > most:
        raise Refused(f"parameter {name} given {repeated} times, at most {most} "
                      "(max_filter_values)")
    facets = 0
    for name, value in params:
        if name.endswith(LIST_SUFFIXES) or name.startswith("_filter_value"):
            count = _list_length(value)
            if count > most:
                raise Refused(f"{name}: {count} values, at most {most} (max_filter_values)")
        if name.startswith("_facet"):
            facets += 1
        if name == "_searchmode" and value == "raw":
            raise Refused("_searchmode=raw is not offered: search words are cut as the "
                          "index was cut (try /-/search)")
    if facets > limits["max_facets"]:
        raise Refused(f"too many facets: {facets}, at most {limits['max_facets']} "
                      "(max_facets)")
    if params:
        most_rows = limits.get("max_returned_rows") or limits["max_page_rows"]
        cap = min(limits["max_page_rows"], most_rows)
        changed = False
        for index, (name, value) in enumerate(params):
            # _size=max, or a size Datasette would give: lowered; a size over its
            # max_returned_rows is left for Datasette to refuse
            if name == "_size" and (value == "max" or (
                    value.isdigit() and cap < int(value) <= most_rows)):
                params[index] = (name, str(cap))
                changed = True
        if changed:
            return urlencode(params).encode("latin-1")
    return query_string


def _host(datasette, scope) -> bytes | None:
    public = (datasette.plugin_config("parknews") or {}).get("public_url")
    if public:
        return urlsplit(public).netloc.encode("idna")
    server = scope.get("server")
    if server and server[0]:
        host, port = server[0], server[1]
        if ":" in host:
            host = f"[{host}]"
        return f"{host}:{port}".encode() if port else host.encode()
    return None


def _scheme(datasette) -> str | None:
    public = (datasette.plugin_config("parknews") or {}).get("public_url")
    return urlsplit(public).scheme or None if public else None


def _refusal(path: str, refused: Refused) -> tuple[int, bytes, bytes]:
    if path.endswith(".json") or path.endswith(".csv"):
        body = json.dumps({"ok": False, "error": str(refused), "status": refused.status},
                          ensure_ascii=False).encode()
        return refused.status, body, b"application/json; charset=utf-8"
    text = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Refused</title></head>"
            "<body><p>请求超出限制。 This request is over a limit of the archive: "
            f"{_escape(str(refused))}.</p></body></html>")
    return refused.status, text.encode(), b"text/html; charset=utf-8"


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def with_headers(headers: list) -> list:
    names = {name.lower() for name, _ in headers}
    added = [header for header in HEADERS if header[0] not in names]
    if b"content-security-policy" not in names:
        added.append((b"content-security-policy", CSP.encode()))
    return list(headers) + added


async def _answer(send, status: int, body: bytes, content_type: bytes,
                  retry_after: bool = False) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if retry_after:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status,
                "headers": with_headers(headers)})
    await send({"type": "http.response.body", "body": body})


class Turns:
    """Requests under way, per client address and in all: a visitor's requests beyond
    ``max_requests_per_client`` wait (in order) for one of theirs to end."""

    def __init__(self) -> None:
        self.clients: dict[str, list] = {}  # address -> [semaphore, waiting + running]
        self.running = 0

    async def enter(self, address: str, limits: dict) -> None:
        if self.running >= limits["max_requests"]:
            raise Refused(f"the server is busy ({limits['max_requests']} requests under "
                          "way, max_requests): try again in a moment", 503)
        entry = self.clients.get(address)
        if entry is None:
            entry = self.clients[address] = [
                asyncio.Semaphore(limits["max_requests_per_client"]), 0]
        if entry[1] >= limits["max_requests_per_client"] + limits["max_waiting_per_client"]:
            raise Refused(f"too many requests from one client at once (max_requests_per_"
                          f"client {limits['max_requests_per_client']}, "
                          f"max_waiting_per_client {limits['max_waiting_per_client']})", 429)
        entry[1] += 1
        try:
            await entry[0].acquire()
        except BaseException:
            self._leave_queue(address)
            raise
        self.running += 1

    def _leave_queue(self, address: str) -> None:
        entry = self.clients[address]
        entry[1] -= 1
        if entry[1] == 0:
            del self.clients[address]

    def leave(self, address: str) -> None:
        self.running -= 1
        self.clients[address][0].release()
        self._leave_queue(address)


def wrap(app, datasette):
    """The ASGI app with the limits and headers above around ``app``."""
    turns = Turns()

    async def bounded(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        limits = dict(limits_of(datasette),
                      max_returned_rows=datasette.setting("max_returned_rows"))
        path = scope.get("path", "")
        try:
            query = check_query(path, scope.get("query_string", b""), limits)
        except Refused as refused:
            await _answer(send, *_refusal(path, refused))
            return
        if path.startswith(UNCOUNTED_PREFIXES):
            await _serve(app, scope, send, receive, path, query, limits)
            return
        address = (scope.get("client") or ("", 0))[0] or "unknown"
        try:
            await turns.enter(address, limits)
        except Refused as refused:
            await _answer(send, *_refusal(path, refused), retry_after=True)
            return
        try:
            await _serve(app, scope, send, receive, path, query, limits)
        finally:
            turns.leave(address)

    async def _serve(app, scope, send, receive, path, query, limits):
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"host"]
        host = _host(datasette, scope)
        if host:
            headers.append((b"host", host))
        scope = dict(scope, query_string=query, headers=headers)
        scheme = _scheme(datasette)
        if scheme:
            scope["scheme"] = scheme
        cap = limits["max_response_bytes"]
        held: dict | None = None
        state = {"sent": 0, "cut": False}

        async def capped(message):
            nonlocal held
            if state["cut"]:
                return
            if message["type"] == "http.response.start":
                held = dict(message, headers=with_headers(message.get("headers", [])))
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body = message.get("body", b"")
            state["sent"] += len(body)
            if state["sent"] > cap:
                state["cut"] = True
                if held is not None:  # nothing sent yet: say why instead
                    held = None
                    await _answer(send, *_refusal(path, Refused(
                        f"the answer is longer than {cap} bytes (max_response_bytes): ask "
                        "for fewer rows (_size) or fewer columns (_col)", 413)))
                else:  # a stream already under way: end it here
                    await send({"type": "http.response.body", "body": b""})
                return
            if held is not None:
                await send(held)
                held = None
            await send(message)

        token = CURRENT_PATH.set(path)
        try:
            await app(scope, receive, capped)
        finally:
            CURRENT_PATH.reset(token)
        if held is not None:
            await send(held)

    return bounded


def is_row_page(path: str) -> bool:
    """``/db/table/pk`` (Datasette's row page), not a table or other page."""
    parts = [part for part in path.split("/") if part]
    return len(parts) == 3 and not parts[0].startswith("-") and parts[2] != "-"
