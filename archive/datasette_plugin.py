"""Datasette plugin of parknews: article bodies shown as readable paragraphs.

Registered through the ``datasette`` entry point in pyproject.toml, so any Datasette that
has parknews installed (``parknews serve`` or plain ``datasette``) uses it. Bodies are
escaped text, never markup: archived HTML and script stay inert.
"""

from __future__ import annotations

from pathlib import Path

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import Response

CSS_PATH = "/-/parknews.css"
CSS = (Path(__file__).parent / "static" / "parknews.css").read_text(encoding="utf-8")

# (table, column) pairs whose text is shown as paragraphs.
PARAGRAPH_COLUMNS = frozenset({("articles", "body"), ("articles", "summary")})


def paragraphs_html(text: str) -> markupsafe.Markup:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    inner = markupsafe.Markup("").join(
        markupsafe.Markup("<p>{}</p>").format(line) for line in lines
    )
    return markupsafe.Markup('<div class="pn-text">{}</div>').format(inner)


@hookimpl
def render_cell(value, column, table):
    if (table, column) in PARAGRAPH_COLUMNS and isinstance(value, str) and value.strip():
        return paragraphs_html(value)
    return None


@hookimpl
def extra_css_urls():
    return [CSS_PATH]


async def _css(request):
    return Response(CSS, content_type="text/css; charset=utf-8")


@hookimpl
def register_routes():
    return [(r"^/-/parknews\.css$", _css)]
