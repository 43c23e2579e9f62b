"""Helpers shared by the mock-site templates: responses, escaping, tiny binary files."""

from __future__ import annotations

import html
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .corpus import Entry, MockColumn, SiteConfig, load_corpus, site_columns, site_entries
from .model import ExpectedArticle, Route, SiteBuild
from .routing import key_of_url, route_key, split_target  # noqa: F401 - re-exported

HTML_UTF8 = "text/html; charset=utf-8"
XML_UTF8 = "application/xml; charset=utf-8"


def esc(text: str) -> str:
    """Escape text for HTML content or a double-quoted attribute."""
    return html.escape(text, quote=True)


def html_page(text: str, encoding: str = "utf-8", header_charset: bool = True) -> Route:
    """An HTML response. ``header_charset=False`` sends a bare ``text/html`` header."""
    content_type = f"text/html; charset={encoding}" if header_charset else "text/html"
    return 200, {"Content-Type": content_type}, text.encode(encoding, errors="strict")


def binary(content_type: str, data: bytes) -> Route:
    return 200, {"Content-Type": content_type}, data


def robots() -> Route:
    return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n"


def robots_txt(
    disallow: Iterable[str], allow: Iterable[str] = (), sitemaps: Iterable[str] = ()
) -> Route:
    """A robots.txt for every user agent: Disallow/Allow lines, then Sitemap: lines."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in disallow]
    lines += [f"Allow: {path}" for path in allow]
    sitemap_lines = [f"Sitemap: {url}" for url in sitemaps]
    if sitemap_lines:
        lines += ["", *sitemap_lines]
    return 200, {"Content-Type": "text/plain"}, ("\n".join(lines) + "\n").encode("ascii")


def not_found() -> Route:
    body = "<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
    body += "<body><h1>404 Not Found</h1><p>您访问的页面不存在。</p></body></html>"
    return 404, {"Content-Type": HTML_UTF8}, body.encode("utf-8")


def method_not_allowed() -> Route:
    body = b"<html><head><title>405 Not Allowed</title></head><body><h1>405 Not Allowed</h1>"
    return 405, {"Content-Type": "text/html", "Allow": "GET, HEAD"}, body + b"</body></html>"


def redirect(location: str, status: int = 302) -> Route:
    body = f'<html><body>Moved: <a href="{esc(location)}">{esc(location)}</a></body></html>'
    return status, {"Location": location, "Content-Type": HTML_UTF8}, body.encode("utf-8")


def error_page(status: int, text: str, encoding: str = "utf-8", content_type: str = "") -> Route:
    """An error response (500 and friends) with an HTML body in ``encoding``."""
    ctype = content_type or f"text/html; charset={encoding}"
    return status, {"Content-Type": ctype}, text.encode(encoding)


def xml_doc(text: str, content_type: str = XML_UTF8) -> Route:
    return 200, {"Content-Type": content_type}, text.encode("utf-8")


def script(text: str) -> Route:
    return 200, {"Content-Type": "application/javascript"}, text.encode("utf-8")


def pdf_stub(title: str) -> bytes:
    """A small file that looks like a one-page PDF (enough for sniffers and type checks)."""
    stream = b"BT /F1 12 Tf 72 720 Td (notice) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    info = title.encode("utf-16-be").hex().upper().encode("ascii")
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info << /Title <FEFF%s> >> >>\n" % (
        len(objects) + 1,
        info,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def jpeg_stub() -> bytes:
    """JPEG markers only (SOI, JFIF APP0, EOI): sniffs as image/jpeg."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def png_stub() -> bytes:
    """A valid 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def check_negatives(page_text: str, body: str, negatives: list[str], where: str) -> None:
    """Fail loudly when a must_not_contain string is not a meaningful negative."""
    for item in negatives:
        if item not in page_text:
            raise ValueError(f"{where}: boilerplate {item!r} is not on the page")
        if item in body:
            raise ValueError(f"{where}: boilerplate {item!r} also occurs in the body")


@dataclass
class BuildContext:
    """What a family template needs to know besides its own site and articles."""

    base_url: str  # "http://127.0.0.11:PORT"
    url_of: dict[str, str]  # corpus key -> absolute article URL, across all sites
    title_of: dict[str, str] = field(default_factory=dict)  # corpus key -> title

    def absolute(self, path: str) -> str:
        return self.base_url + path


ColumnBuilder = Callable[[MockColumn, list[Entry]], tuple[list[str], dict[str, ExpectedArticle]]]


def build_further_columns(site: SiteConfig, out: SiteBuild, build_one: ColumnBuilder
                          ) -> list[tuple[MockColumn, list[Entry]]]:
    """Build every further column of ``site`` (``data/columns/<id>.toml``) with
    ``build_one(column, entries) -> (list page URLs, expected articles)``, and record on
    ``out`` what a crawl from the home page must find, and must leave alone."""
    corpus = load_corpus()
    out.column_lists[site.column] = list(out.list_urls)
    built = []
    for column in site_columns(site.id):
        entries = site_entries(corpus, site.id, column.key)
        urls, expected = build_one(column, entries)
        out.add_column(column.name, column.news, urls, expected)
        built.append((column, entries))
    return built
