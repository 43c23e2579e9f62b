"""Routing keys of the mock servers: a page's path plus its decoded query, so that a
request finds its route whatever order or percent-encoding its query uses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, unquote, urlsplit


def route_key(path: str, params: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> str:
    """The routing key of a page: its path, plus its decoded query sorted by name.

    ``route_key("/news.asp", {"page": "2", "lb": "园区新闻"})`` is
    ``"/news.asp?lb=园区新闻&page=2"`` whatever order or encoding the request used.
    """
    pairs = sorted(params.items() if isinstance(params, Mapping) else params)
    if not pairs:
        return path
    return path + "?" + "&".join(f"{name}={value}" for name, value in pairs)


def split_target(target: str, encoding: str = "utf-8") -> tuple[str, list[tuple[str, str]]]:
    """(decoded path, decoded query pairs) of a request target or URL.

    The query is percent-decoded with ``encoding`` (a GBK ASP site reads ``%D4%B0`` as 园);
    bytes that are not valid in it raise UnicodeDecodeError.
    """
    parts = urlsplit(target)
    path = unquote(parts.path) or "/"
    pairs = parse_qsl(parts.query, keep_blank_values=True, encoding=encoding, errors="strict")
    return path, pairs


def key_of_url(url: str, base_url: str, encoding: str = "utf-8") -> str:
    """The route key serving an absolute URL of the site at ``base_url``."""
    path, pairs = split_target(url[len(base_url) :], encoding)
    return route_key(path, pairs)
