"""Turn raw page bytes into text, the way Chinese sites actually send them.

Order of evidence: a byte-order mark; the charset of the HTTP ``Content-Type`` header;
a ``<meta charset>`` / ``<meta http-equiv content="…charset=…">`` found among the real
``<meta>`` tags of the first few kilobytes; then trial decoding (strict UTF-8, then GB18030,
or Big5 when the bytes decode as both and their characters are Big5's frequent ones).

Two habits of older sites shape the rules:

- GB2312/GBK declarations cover text that uses characters outside those sets, so every
  declared member of the GB family is decoded as its superset GB18030;
- saved copies and re-encoded mirrors keep a ``GB2312`` declaration on UTF-8 bytes. Text
  that is valid UTF-8 and not plain ASCII is very unlikely to be anything else, so such
  bytes are decoded as UTF-8 whatever a non-UTF-8 declaration says.

``decode_html`` never raises: when nothing decodes cleanly it keeps the candidate that
needs the fewest replacement characters.
"""

from __future__ import annotations

import codecs
import logging
import re

logger = logging.getLogger(__name__)

PRESCAN_BYTES = 4096

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Declared labels decoded as another codec (WHATWG-style supersets).
ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "chinese": "gb18030",
    "iso-ir-58": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}

# Declarations that servers emit by default rather than by knowledge of the page.
WEAK_DECLARATIONS = frozenset({"cp1252", "latin-1", "iso8859-1", "ascii"})

TRIAL_ORDER: tuple[str, ...] = ("utf-8", "gb18030")

# Undeclared bytes that decode as GB18030 (nearly any double-byte text does) may be Big5
# (Taiwan and Hong Kong sites). Real text is mostly made of each standard's frequent
# characters, which both lay out in one block: GB2312 level 1 (3,755 hanzi, B0A1-D7FE),
# Big5 常用字 (5,401, A440-C67E). Read the wrong way, the same bytes land in those
# blocks a third to a half of the time. Big5 is chosen when its share is clearly the higher one,
# over enough characters.
FREQUENT_BLOCKS: dict[str, tuple[int, int]] = {"gb2312": (0xB0A1, 0xD7FE),
                                               "big5": (0xA440, 0xC67E)}
BIG5_MIN_CJK = 10  # fewer CJK characters decide nothing: GB18030 stays
BIG5_MARGIN = 0.2  # Big5's share of frequent characters above GB's by at least this
FREQUENT_SAMPLE = 2000  # CJK characters looked at

# Mojibake: GBK or UTF-8 text once decoded as Latin-1/cp1252 and saved again. Repaired
# when the text has many such characters and almost no CJK.
MOJIBAKE_MIN_CHARS = 20
MOJIBAKE_CJK_RATIO = 0.02
MOJIBAKE_SOURCES: tuple[str, ...] = ("cp1252", "iso8859-15")  # the wrong decoders
MOJIBAKE_TARGETS: tuple[str, ...] = ("utf-8", "gb18030")  # what the bytes really were
_LATIN_MOJIBAKE = re.compile("[\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                             "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022"
                             "\u2026\u2030\u2039\u203a\u20ac\u2122]")
_CJK = re.compile("[\u3400-\u9fff]")

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.I)
_ATTR = re.compile(rb"""([a-z][\w:-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']""", re.I)
# Blocks whose content must not be sniffed: comments, scripts, styles (Wayback and
# analytics scripts carry charset attributes and strings of their own).
_OPAQUE = re.compile(rb"<!--.*?(?:-->|$)|<(script|style)\b.*?(?:</\1\s*>|$)", re.I | re.S)


def normalize_charset(label: str | None) -> str | None:
    """Map a declared charset label to the Python codec used to decode it, or None."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        logger.debug("unknown charset label %r", label)
        return None
    return ALIASES.get(codec, codec)


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, normalised."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return normalize_charset(match.group(1)) if match else None


def sniff_meta_charset(data: bytes, limit: int = PRESCAN_BYTES) -> str | None:
    """The charset declared by the first real ``<meta>`` tag (or XML declaration)."""
    head = data[:limit]
    xml = _XML_DECL.match(head)
    head = _OPAQUE.sub(b" ", head)
    for tag in _META_TAG.finditer(head):
        attrs = {
            key.lower(): value.strip(b"\"'")
            for key, value in _ATTR.findall(tag.group(0))
        }
        label = attrs.get(b"charset")
        if label is None and b"content" in attrs:
            found = _HEADER_CHARSET.search(attrs[b"content"].decode("latin-1"))
            label = found.group(1).encode("latin-1") if found else None
        if label:
            charset = normalize_charset(label.decode("latin-1"))
            if charset:
                return charset
    if xml:
        return normalize_charset(xml.group(1).decode("latin-1"))
    return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_utf8_text(data: bytes) -> bool:
    """True when the bytes hold non-ASCII text that is valid UTF-8."""
    if data.isascii():
        return False
    return _strict(data, "utf-8") is not None


def _keep_c1_bytes(error: UnicodeError) -> tuple[bytes, int]:
    """Encode error handler: characters U+0080-U+00FF that cp1252 leaves undefined (C1
    controls) stand for their own byte; anything above U+00FF cannot have come from a
    single-byte decoding, so the error stands."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chunk = error.object[error.start:error.end]
    if any(ord(char) > 0xFF for char in chunk):
        raise error
    return bytes(ord(char) for char in chunk), error.end


codecs.register_error("parknews-c1", _keep_c1_bytes)


def _latin_bytes(text: str, codec: str) -> bytes | None:
    """The bytes a single-byte decoder turned into ``text``; None if impossible."""
    try:
        return text.encode(codec, errors="parknews-c1")
    except UnicodeEncodeError:
        return None


def _common_cjk(text: str) -> int:
    """How many CJK characters of ``text`` are in the common GB2312 set."""
    return sum(1 for c in _CJK.findall(text) if _strict(c.encode("gb18030"), "gb2312"))


def repair_mojibake(text: str) -> tuple[str, str] | None:
    """Undo a Latin-1/cp1252/Latin-9 mis-decoding: ``(text, real codec)`` or None."""
    latin = len(_LATIN_MOJIBAKE.findall(text))
    if latin < MOJIBAKE_MIN_CHARS or len(_CJK.findall(text)) > latin * MOJIBAKE_CJK_RATIO:
        return None
    best: tuple[int, str, str] | None = None
    for wrong in MOJIBAKE_SOURCES:
        raw = _latin_bytes(text, wrong)
        for codec in MOJIBAKE_TARGETS:
            fixed = _strict(raw, codec) if raw is not None else None
            cjk = _common_cjk(fixed) if fixed is not None else 0
            if fixed is not None and cjk * 4 >= latin and (best is None or cjk > best[0]):
                best = (cjk, fixed, codec)
    return (best[1], best[2]) if best else None


def _unmangle(text: str, codec: str) -> tuple[str, str]:
    """``(text, codec)``, with Latin-1 mojibake in UTF-8 text repaired."""
    repaired = repair_mojibake(text) if codec == "utf-8" else None
    if repaired is None:
        return text, codec
    logger.debug("repaired %s mojibake", repaired[1])
    return repaired[0], f"utf-8+mojibake-{repaired[1]}"


def _frequent_share(text: str, standard: str) -> tuple[float, int]:
    """(share of the CJK characters of ``text`` in ``standard``'s frequent block, how
    many CJK characters were looked at)."""
    low, high = FREQUENT_BLOCKS[standard]
    chars = _CJK.findall(text)[:FREQUENT_SAMPLE]
    frequent = 0
    for char in chars:
        try:
            code = int.from_bytes(char.encode(standard), "big")
        except UnicodeEncodeError:
            continue
        frequent += low <= code <= high
    return (frequent / len(chars) if chars else 0.0), len(chars)


def _gb_or_big5(data: bytes, gb_text: str) -> tuple[str, str]:
    """Undeclared bytes that decode as GB18030: Big5 instead when they decode as Big5 too
    and its frequent characters say so (see ``FREQUENT_BLOCKS``)."""
    big5_text = _strict(data, "big5hkscs")
    if big5_text is not None:
        big5_share, seen = _frequent_share(big5_text, "big5")
        gb_share, _ = _frequent_share(gb_text, "gb2312")
        if seen >= BIG5_MIN_CJK and big5_share >= gb_share + BIG5_MARGIN:
            logger.debug("undeclared Big5: %.2f of frequent Big5 characters, %.2f of GB2312",
                         big5_share, gb_share)
            return big5_text, "big5hkscs"
    return _unmangle(gb_text, "gb18030")


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes; return ``(text, codec_name)``. Never raises."""
    if not isinstance(content_type, str):
        content_type = None
    data = bytes(data or b"")
    if not data:
        return "", charset_from_content_type(content_type) or "utf-8"
    for bom, codec in BOMS:
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            return text.lstrip("\ufeff"), "utf-8" if codec == "utf-8-sig" else codec

    declared: list[str] = []
    for charset in (charset_from_content_type(content_type), sniff_meta_charset(data)):
        if charset and charset not in declared:
            declared.append(charset)
    utf8_text = _is_utf8_text(data)

    for charset in declared:
        if charset != "utf-8" and utf8_text:
            logger.debug("declared %s but the bytes are UTF-8", charset)
            return _unmangle(data.decode("utf-8"), "utf-8")
        if charset in WEAK_DECLARATIONS and not data.isascii():
            continue  # a server default rather than knowledge: trust later evidence
        text = _strict(data, charset)
        if text is not None:
            return _unmangle(text, charset)
        logger.debug("declared %s does not decode the bytes", charset)

    for charset in TRIAL_ORDER:
        text = _strict(data, charset)
        if text is not None and charset == "gb18030":
            return _gb_or_big5(data, text)
        if text is not None:
            return _unmangle(text, charset)

    best: tuple[int, str, str] | None = None
    for charset in (*declared, *TRIAL_ORDER):
        text = data.decode(charset, errors="replace")
        bad = text.count("\ufffd")
        if best is None or bad < best[0]:
            best = (bad, text, charset)
    assert best is not None
    logger.debug("no clean decoding; %s with %d replacements", best[2], best[0])
    return best[1], best[2]
