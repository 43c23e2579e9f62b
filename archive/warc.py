"""WARC capture of every request/response pair, and reading captures back by pointer.

Knows nothing of Scrapy: it takes URLs, headers and bytes. ``crawler/warcmiddleware.py``
is its Scrapy-facing side. The format itself is warcio's (``WARCWriter``, its record
loader): WARC/1.1, one gzip member per record, so any record can be read by
seeking to its offset.

Files. ``{prefix}-{run_id}-{site_id}-{seq:05d}.warc.gz`` in one directory (run id like
``20261127T082541Z``, seq from 00000), each starting with a ``warcinfo`` record (software,
format, run id, site id). An exchange is a ``response`` record followed by its
``request`` record (``WARC-Concurrent-To`` the response). A file is rotated once it
reaches ``max_bytes``; an existing name is never overwritten (the next free seq is used).

Open files. A file being written is named ``….warc.gz.open`` and renamed to
``….warc.gz`` when it is rotated or the writer closed, so a crawl that dies (SIGKILL)
leaves at most one ``.open`` file per writer. Every exchange is flushed to the operating
system once written, so such a file holds every exchange but possibly the last, whose
record may be cut short: the expected damage. A power loss could lose more of what the
operating system had not yet written out: ``sync`` (fsync) is called before each commit of
rows pointing into the file (the crawl's storage pipeline, once per batch), so no
committed row ever points past what is on disk. Readers take a ``.open`` file for a WARC
with a possibly damaged tail: ``read_capture`` falls back to ``NAME.open`` when ``NAME``
does not exist (pointers always name the closed file), ``iter_responses`` yields its
complete records and then raises ``WarcError`` at the damage. Nothing renames a left-over
``.open`` file. Note that ``warcio check`` passes a file whose last record is cut (warcio's
reader stops quietly at a short gzip member); the readers here do not.

Stored payloads (the choice). A response body is stored as served to the parser:
de-chunked, and with its Content-Encoding undone when the caller decoded it
(``content_decoded=True``). The HTTP headers are then made to describe the stored payload,
the way Common Crawl does in CC-MAIN and CC-NEWS: ``Transfer-Encoding`` (always) and
``Content-Encoding`` (when decoded) are kept only under the ``X-Crawler-`` prefix, and
``Content-Length`` is set to the stored length, a server's differing value being kept as
``X-Crawler-Content-Length``. So readers (warcio's ``content_stream``, ``warcio check``,
replay tools) neither de-chunk nor gunzip a plain payload, and ``WARC-Payload-Digest`` is
the digest of the very bytes the extractor saw. The WARC standard prefers the bytes as
transferred; this departure is deliberate and stated in every record it touches. Header
values are written byte for byte (Latin-1 round trip) instead of warcio's %-encoding of
non-ASCII values, so a GBK file name in ``Content-Disposition`` survives. HTTP/2
exchanges get an ``HTTP/1.1`` status line and ``WARC-Protocol: h2``, as StormCrawler and
Nutch write them (iipc/warc-specifications#15, #42).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple
from urllib.parse import urlsplit

from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException
from warcio.warcwriter import WARCWriter

DEFAULT_PREFIX = "parknews"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024  # rotate a file once it reaches this size
SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"  # added while a file is written
FILE_NAME = "{prefix}-{run_id}-{site_id}-{seq:05d}" + SUFFIX
RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"  # UTC
WARC_VERSION = "1.1"
SOFTWARE = "parknews"
MASK_PREFIX = "X-Crawler-"  # Common Crawl's prefix for headers that no longer apply
HTTP_VERSIONS = ("HTTP/1.0", "HTTP/1.1")  # written as is; others become WARC-Protocol
POINTER_KEYS = ("file", "offset", "length", "record_id", "payload_digest")
# On the real pages of ../shared (``python benchmarks/warc_gzip.py``, 61 pages): level 3
# takes 0.61 of zlib's default level 6's time for files 7 % larger (level 9, warcio's own,
# is 0.4 % smaller than 6 and takes 1.5 times as long). The capture is written on the
# crawl's loop, the crawl's busiest process (benchmarks/throughput.py, scale.py).
GZIP_LEVEL = 3

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_DAMAGE = (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError,
           OSError, ValueError, IndexError)  # what warcio raises on junk or cut files


class WarcError(Exception):
    """A WARC file or record that cannot be read: names the file and the byte offset."""

    def __init__(self, file: str, offset: int | None, reason: str):
        self.file, self.offset, self.reason = file, offset, reason
        where = f" at offset {offset}" if offset is not None else ""
        super().__init__(f"{file}{where}: {reason}")


@dataclass(frozen=True)
class Capture:
    """Where a response record is: the WARC file (relative to the WARC directory, closed
    name), the byte offset and length of its gzip member, its WARC-Record-ID and
    WARC-Payload-Digest (``sha1:`` base32)."""

    file: str
    offset: int
    length: int
    record_id: str
    payload_digest: str

    def pointer(self) -> dict[str, Any]:
        """The capture as the plain dict stored in rows and ``response.meta["warc"]``."""
        return asdict(self)


class StoredResponse(NamedTuple):
    """A response record read back: its headers describe ``body`` (see module doc)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    capture: dict[str, Any]


def default_warc_dir(db_path: str | Path) -> Path:
    """Where an archive's WARC files go unless told otherwise: ``parknews.db`` keeps
    them in ``parknews-warc/`` beside it."""
    db = Path(db_path)
    return db.with_name(db.stem + "-warc")


def new_run_id(now: datetime | None = None) -> str:
    """A crawl run's id: its start time in UTC, ``20261127T082541Z``."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(RUN_ID_FORMAT)


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes: ``sha1:`` and the base32 SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def get_header(headers: Iterable[tuple[str, str]], name: str, default: str | None = None):
    """The first value of a header in a list of (name, value) pairs, any case."""
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), default)


class _Headers(StatusAndHeaders):
    """HTTP headers written byte for byte (Latin-1), not %-encoded as warcio would."""

    def compute_headers_buffer(self, header_filter=None):
        try:
            self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"
        except UnicodeEncodeError:  # str values from a caller, beyond Latin-1
            super().compute_headers_buffer(header_filter)


def _text(value: str | bytes) -> str:
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return text.replace("\r", " ").replace("\n", " ")  # a header never spans lines here


def _pairs(headers: Mapping | Iterable | None) -> list[tuple[str, str]]:
    """(name, value) pairs from a mapping (values may be lists, e.g. Scrapy's Headers) or
    from pairs; bytes are read as Latin-1 so they are written back unchanged."""
    items = headers.items() if isinstance(headers, Mapping) else headers or ()
    pairs = []
    for name, value in items:
        for one in value if isinstance(value, list | tuple) else [value]:
            pairs.append((_text(name), _text(one)))
    return pairs


def _payload_headers(headers: list[tuple[str, str]], length: int,
                     content_decoded: bool) -> list[tuple[str, str]]:
    """Headers that describe the stored payload; those that no longer do are masked."""
    masked = {"transfer-encoding"} | ({"content-encoding"} if content_decoded else set())
    out = []
    for name, value in headers:
        lower = name.lower()
        if lower in masked or (lower == "content-length" and value.strip() != str(length)):
            out.append((MASK_PREFIX + name, value))
        elif lower != "content-length":
            out.append((name, value))
    out.append(("Content-Length", str(length)))
    return out


def _warc_date(when: datetime | str | None) -> str:
    if when is None:
        when = datetime.now(UTC)
    elif isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    fraction = f".{when.microsecond:06d}" if when.microsecond else ""
    return when.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def _closed_name(name: str) -> str:
    return name.removesuffix(OPEN_SUFFIX)


class GzipMembers:
    """A file that gzips what warcio writes into it one member per record, at
    ``GZIP_LEVEL``, as warcio's own ``gzip=True`` does at level 9: warcio flushes its
    output at the end of each record, and the flush ends the member."""

    def __init__(self, out: BinaryIO, level: int = GZIP_LEVEL):
        self.out, self.level = out, level
        self._compressor: Any = None

    def write(self, data: bytes) -> int:
        if self._compressor is None:
            self._compressor = zlib.compressobj(self.level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self.out.write(self._compressor.compress(data))
        return len(data)

    def flush(self) -> None:
        if self._compressor is not None:
            self.out.write(self._compressor.flush())
            self._compressor = None
        self.out.flush()


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as :meth:`CaptureWriter.write_exchange` keeps them.

    Headers: a mapping (values may be lists) or (name, value) pairs, str or bytes.
    ``response_body`` is stored as given and must be de-chunked; ``content_decoded`` says
    its Content-Encoding was undone (see the module doc). ``rendered``: the page as a
    browser drew it (a ``render = true`` site); it follows as a ``conversion`` record
    (``WARC-Refers-To`` the response, which keeps what was served), and the capture
    returned is the conversion's: what extraction read."""

    url: str
    status: int
    response_body: Any = b""
    response_headers: Any = ()
    reason: str | None = None
    request_method: str = "GET"
    request_headers: Any = ()
    request_body: Any = b""
    http_version: str | None = "HTTP/1.1"
    ip: str | None = None
    fetched_at: datetime | str | None = None
    content_decoded: bool = False
    rendered: bytes | None = None
    rendered_type: str = "text/html; charset=utf-8"


class CaptureWriter:
    """Writes exchanges to rotated WARC files of one crawl run and site in ``directory``.

    A file is opened at the first exchange (a run that fetched nothing leaves no file).
    ``files`` holds the names of the files closed so far, relative to ``directory``.
    """

    def __init__(self, directory: str | Path, run_id: str, site_id: str, *,
                 prefix: str = DEFAULT_PREFIX, max_bytes: int = DEFAULT_MAX_BYTES):
        self.directory = Path(directory)
        self.run_id = _UNSAFE_NAME.sub("_", run_id)
        self.site_id = _UNSAFE_NAME.sub("_", site_id) or "site"
        self.prefix = prefix
        self.max_bytes = max(1, int(max_bytes))
        self.files: list[str] = []
        self.bytes_written = 0  # compressed bytes of all files, warcinfo records included
        self._seq = 0
        self._fh: BinaryIO | None = None
        self._synced = 0  # bytes of the open file known durable (fsync)
        self._name = ""  # closed name of the file being written
        self._warcinfo_id = ""
        self._writer: WARCWriter | None = None

    # -- files ----------------------------------------------------------------------

    def _open_next(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            name = FILE_NAME.format(prefix=self.prefix, run_id=self.run_id,
                                    site_id=self.site_id, seq=self._seq)
            self._seq += 1
            path = self.directory / name
            if path.exists() or Path(str(path) + OPEN_SUFFIX).exists():
                continue
            head = self._warcinfo(name)  # made first: the file is never seen empty
            try:
                self._fh = open(str(path) + OPEN_SUFFIX, "xb")
            except FileExistsError:
                continue
            break
        self._name = name
        self._synced = 0
        self._fh.write(head)  # one write: a kill leaves the file whole or never made
        self._fh.flush()
        self._writer = WARCWriter(GzipMembers(self._fh), gzip=False, warc_version=WARC_VERSION)
        self.bytes_written += self._fh.tell()

    def _warcinfo(self, name: str) -> bytes:
        """The gzipped warcinfo record that begins the file ``name``."""
        buffer = io.BytesIO()
        writer = WARCWriter(GzipMembers(buffer), gzip=False, warc_version=WARC_VERSION)
        info = {
            "software": SOFTWARE,
            "format": f"WARC File Format {WARC_VERSION}",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                          f"warc-format/warc-{WARC_VERSION}/",
            "parknews-run-id": self.run_id,
            "parknews-site-id": self.site_id,
        }
        record = writer.create_warcinfo_record(name, info)
        self._warcinfo_id = record.rec_headers.get_header("WARC-Record-ID")
        writer.write_record(record)
        return buffer.getvalue()

    def _close_file(self) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = self._writer = None
        path = self.directory / self._name
        os.replace(str(path) + OPEN_SUFFIX, path)
        self.files.append(self._name)

    def _undo(self, start: int) -> None:
        """Cut a failed exchange off the file; if that fails too, drop the file (left
        ``.open``) so that the next exchange starts a new one."""
        assert self._fh is not None
        try:
            self._fh.seek(start)
            self._fh.truncate()
            self._fh.flush()
        except OSError:
            try:
                self._fh.close()
            except OSError:
                pass
            self._fh = self._writer = None

    def close(self) -> None:
        """Close the file being written (renaming it to its final name)."""
        self._close_file()

    def sync(self) -> None:
        """Make every record written so far durable (``fsync``): called before the
        database commit of rows that point at them, so that after a power loss no
        committed row points past the end of its file. Nothing to do when nothing was
        written since the last sync."""
        if self._fh is None or self._fh.tell() == self._synced:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._synced = self._fh.tell()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- records --------------------------------------------------------------------

    def write_exchange(self, exchange: Exchange) -> Capture:
        """Write a ``response`` record then its ``request`` record; return the response's
        capture (or, for a rendered page, the conversion's: see :class:`Exchange`)."""
        url, status, reason = exchange.url, exchange.status, exchange.reason
        response_body, http_version, ip = (exchange.response_body, exchange.http_version,
                                           exchange.ip)
        fetched_at, rendered = exchange.fetched_at, exchange.rendered
        if self._fh is None:
            self._open_next()
        assert self._fh is not None and self._writer is not None
        body = bytes(response_body or b"")
        protocol = (http_version or "HTTP/1.1").strip()
        warc_headers = {"WARC-Date": _warc_date(fetched_at),
                        "WARC-Warcinfo-ID": self._warcinfo_id}
        if protocol.upper() not in HTTP_VERSIONS:
            warc_headers["WARC-Protocol"] = protocol.lower()
            protocol = "HTTP/1.1"
        protocol = protocol.upper()
        if ip:
            warc_headers["WARC-IP-Address"] = str(ip)
        reason = reason if reason is not None else _reason(status)
        headers = _payload_headers(_pairs(exchange.response_headers), len(body),
                                   exchange.content_decoded)
        http = _Headers(f"{int(status)} {reason}".rstrip(), headers, protocol=protocol)
        response = self._writer.create_warc_record(
            url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict=dict(warc_headers))
        offset = self._fh.tell()
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        try:
            self._writer.write_record(response)
            length = self._fh.tell() - offset
            self._write_request(url, exchange.request_method, exchange.request_headers,
                                exchange.request_body, protocol,
                                dict(warc_headers, **{"WARC-Concurrent-To": record_id}))
            capture = Capture(self._name, offset, length, record_id,
                              response.rec_headers.get_header("WARC-Payload-Digest"))
            if rendered is not None:
                capture = self._write_conversion(url, rendered, exchange.rendered_type,
                                                 dict(warc_headers, **{
                                                     "WARC-Refers-To": record_id}))
            self._fh.flush()
        except BaseException:
            self._undo(offset)
            raise
        self.bytes_written += self._fh.tell() - offset
        if self._fh.tell() >= self.max_bytes:
            self._close_file()
        return capture

    def _write_conversion(self, url: str, body: bytes, content_type: str,
                          warc_headers: dict) -> Capture:
        assert self._fh is not None and self._writer is not None
        warc_headers.pop("WARC-IP-Address", None)
        record = self._writer.create_warc_record(
            url, "conversion", payload=BytesIO(body), length=len(body),
            warc_content_type=content_type, warc_headers_dict=warc_headers)
        offset = self._fh.tell()
        self._writer.write_record(record)
        headers = record.rec_headers
        return Capture(self._name, offset, self._fh.tell() - offset,
                       headers.get_header("WARC-Record-ID"),
                       headers.get_header("WARC-Payload-Digest"))

    def _write_request(self, url, method, headers, body, protocol, warc_headers) -> None:
        assert self._writer is not None
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        pairs = _pairs(headers)
        if get_header(pairs, "Host") is None and parts.netloc:
            pairs.insert(0, ("Host", parts.netloc.rsplit("@", 1)[-1]))
        body = bytes(body or b"")
        http = _Headers(f"{(method or 'GET').upper()} {target} {protocol}", pairs,
                        is_http_request=True)
        warc_headers.pop("WARC-IP-Address", None)
        record = self._writer.create_warc_record(
            url, "request", payload=BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict=warc_headers)
        self._writer.write_record(record)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return ""


# -- reading ------------------------------------------------------------------------
#
# A record is read by decompressing its gzip member with zlib (which notices a member cut
# short, junk instead of gzip, and a bad CRC; warcio's reader passes over the first two
# silently) and parsing the member's bytes with warcio's record loader.

READ_CHUNK = 64 * 1024  # a page gzipped is ~12 KB: most members are one read
_LOADER = ArcWarcRecordLoader()


def _member(fh: BinaryIO, offset: int, length: int | None = None) -> tuple[bytes, int]:
    """The decompressed bytes of the gzip member at ``offset`` and its compressed size.
    With the member's ``length`` (stored in rows) just those bytes are read; when they do
    not hold a whole member (a wrong length) it is read on, chunk by chunk, as without."""
    fh.seek(offset)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts, read = [], 0
    if length and length > 0:
        chunk = fh.read(length)
        read += len(chunk)
        parts.append(inflater.decompress(chunk))
    while not inflater.eof:
        chunk = fh.read(READ_CHUNK)
        if not chunk:
            raise EOFError("gzip member cut short: the file ends inside this record")
        read += len(chunk)
        parts.append(inflater.decompress(chunk))
    return b"".join(parts), read - len(inflater.unused_data)


def _record(fh: BinaryIO, file: str, offset: int, length: int | None = None):
    """(record, body, member length) of the record at ``offset``; body only for a
    response. Any damage is a WarcError naming the file and offset."""
    try:
        data, length = _member(fh, offset, length)
        if not data or data.isspace():
            raise WarcError(file, offset, "empty gzip member, no record")
        # the member is already inflated: parse it as one plain WARC record (what
        # ArchiveIterator does after sniffing compression, at half the cost)
        record = _LOADER.parse_record_stream(BufferedReader(BytesIO(data)),
                                             known_format="warc")
        body = _checked_body(record, file, offset) if record.rec_type in (
            "response", "conversion") else b""
    except _DAMAGE as exc:
        raise WarcError(file, offset, _damage(exc)) from None
    return record, body, length


def _damage(exc: BaseException) -> str:
    detail = (str(exc).strip().splitlines() or [""])[0][:160]
    if isinstance(exc, zlib.error):
        return f"not a valid gzip member ({detail})"
    return f"unreadable record ({type(exc).__name__}{': ' + detail if detail else ''})"


def _checked_body(record, file: str, offset: int) -> bytes:
    """The record's payload, read whole; a cut or altered payload is a WarcError."""
    body = record.raw_stream.read()
    expected = record.payload_length
    if expected is not None and expected >= 0 and len(body) < expected:
        raise WarcError(file, offset, f"record cut short: {len(body)} of {expected} "
                                      "payload bytes")
    digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
    if digest.startswith("sha1:") and digest != payload_digest(body):
        raise WarcError(file, offset, f"payload digest mismatch (recorded {digest})")
    return body


def _status(record) -> int:
    try:
        return int(record.http_headers.get_statuscode())
    except (AttributeError, TypeError, ValueError):
        return 0


def _resolve(warc_dir: str | Path, name: str) -> Path:
    path = Path(warc_dir) / name
    if path.exists():
        return path
    opened = Path(str(path) + OPEN_SUFFIX)
    if opened.exists():
        return opened
    raise WarcError(name, None, f"no such WARC file in {warc_dir} (nor {name}{OPEN_SUFFIX})")


def read_capture(warc_dir: str | Path, capture: Capture | Mapping[str, Any]
                 ) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of the response record a capture points to, read by
    seeking to its offset; a ``.open`` file is used when the closed one does not exist.
    A missing file, a record that is not the one pointed to, or a damaged record raise
    ``WarcError``. Header values are as warcio reads them (UTF-8 when they decode as
    such, else Latin-1, whose ``.encode("latin-1")`` gives the bytes served)."""
    pointer = capture.pointer() if isinstance(capture, Capture) else dict(capture)
    name, offset = str(pointer["file"]), int(pointer["offset"])
    length = pointer.get("length")
    with open(_resolve(warc_dir, name), "rb") as fh:
        record, body, _ = _record(fh, name, offset, int(length) if length else None)
    record_id = record.rec_headers.get_header("WARC-Record-ID")
    if pointer.get("record_id") and record_id != pointer["record_id"]:
        raise WarcError(name, offset, f"found record {record_id}, not {pointer['record_id']}")
    if record.rec_type == "conversion":  # a page as the browser drew it (render = true)
        content_type = record.rec_headers.get_header("Content-Type") or "text/html"
        return 200, [("Content-Type", content_type)], body
    if record.rec_type != "response":
        raise WarcError(name, offset, f"a {record.rec_type} record, not a response")
    return _status(record), list(record.http_headers.headers), body


def iter_responses(path: str | Path) -> Iterator[StoredResponse]:
    """Every response record of one WARC file (closed or ``.open``), in file order.

    At the first damage (a cut last record, junk bytes, a bad gzip member) it raises
    ``WarcError`` naming the file and offset, after yielding every record before it:
    ``for r in iter_responses(p)`` inside ``try``/``except WarcError`` reports a damaged
    file and keeps what it held. ``capture["file"]`` is the file's closed name.
    """
    path = Path(path)
    name = _closed_name(path.name)
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        offset = 0
        while offset < size:
            record, body, length = _record(fh, name, offset)
            if record.rec_type == "response":
                headers = record.rec_headers
                capture = Capture(name, offset, length, headers.get_header("WARC-Record-ID"),
                                  headers.get_header("WARC-Payload-Digest") or "")
                yield StoredResponse(headers.get_header("WARC-Target-URI") or "",
                                     _status(record), list(record.http_headers.headers),
                                     body, capture.pointer())
            offset += length
