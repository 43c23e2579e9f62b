"""The keys of the sites file's tables, as data: what the loader accepts (each key's
Python types) and what the JSON Schema says of it (``parknews schema``), from one list
per table, so that the two cannot drift apart.

``crawler/sites.py`` holds the top level, ``[[sites]]`` and ``[[alerts]]``;
``crawler/jsonlists.py`` the ``[[sites.json_lists]]`` tables.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Key:
    """One key of a table of the sites file."""

    name: str
    types: type | tuple[type, ...]  # what the loader's isinstance check accepts
    schema: Mapping[str, Any]  # the JSON Schema of its value
    description: str
    required: bool = False
    default: Any = field(default=None)  # shown by editors; None: no default to show


def key_names(keys: Iterable[Key]) -> list[str]:
    return [key.name for key in keys]


def suggestion(key: str, known: Sequence[str], elsewhere: Mapping[str, str] | None = None
               ) -> str | None:
    """Where ``key`` belongs when it is a key of another table (``elsewhere``: name →
    hint), else the nearest known key (difflib), else None."""
    if elsewhere and key in elsewhere:
        return elsewhere[key]
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    if not close:  # a slip of case: START_URLS
        close = [name for name in known if name.lower() == key.lower()][:1]
    return f"did you mean {close[0]!r}?" if close else None


def unknown_key(key: str, known: Sequence[str], elsewhere: Mapping[str, str] | None = None,
                what: str = "key") -> str:
    """``unknown key 'x' (did you mean 'y'?)``, or where it belongs, or the known keys."""
    hint = suggestion(key, known, elsewhere) or f"known keys: {', '.join(known)}"
    return f"unknown {what} {key!r} ({hint})"


def wrong_type(key: Key, value: Any) -> bool:
    """The value is not of the key's types (a boolean is no number)."""
    return not isinstance(value, key.types) or (isinstance(value, bool)
                                                and bool not in _as_tuple(key.types))


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def table_schema(keys: Sequence[Key], title: str, description: str) -> dict[str, Any]:
    """The JSON Schema of a table of these keys: no other key allowed."""
    properties = {}
    for key in keys:
        prop = {"description": key.description, **key.schema}
        if key.default is not None:
            prop["default"] = key.default
        properties[key.name] = prop
    schema: dict[str, Any] = {"title": title, "description": description, "type": "object",
                              "properties": properties, "additionalProperties": False}
    required = [key.name for key in keys if key.required]
    if required:
        schema["required"] = required
    return schema


# JSON Schema pieces shared by the tables
HTTP_URL = {"type": "string", "pattern": r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+"}
TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}
CRON = {"type": "string", "pattern": r"^\s*\S+(\s+\S+){4,5}\s*$"}
STRINGS = {"type": "array", "items": TEXT}
