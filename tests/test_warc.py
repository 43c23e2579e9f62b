"""WARC capture: files written by archive.warc and the downloader middleware, read back,
checked by warcio's own tools, and damaged on purpose. Real files in tmp_path, no network."""

from __future__ import annotations

import gzip
import json
import random
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
import scrapy
from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.utils import Digester

from parknews.archive.warc import (
    OPEN_SUFFIX,
    POINTER_KEYS,
    Capture,
    CaptureWriter,
    Exchange,
    WarcError,
    get_header,
    iter_responses,
    payload_digest,
    read_capture,
)
from parknews.crawler.warcmiddleware import WarcCaptureMiddleware

REPO = Path(__file__).resolve().parents[1]
RUN = "20261127T082541Z"
NAME = re.compile(r"parknews-20261127T082541Z-yunxi-(\d{5})\.warc\.gz")

UTF8_PAGE = "<html><head><title>园区动态</title></head><body><p>云溪经开区新闻</p></body></html>"
GBK_PAGE = '<html><meta charset="gbk"><body><p>高新区招商引资签约仪式</p></body></html>'
PDF_STUB = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n\x00\x01\x02\xff" * 20

EXCHANGES = [
    dict(url="http://www.yunxi.gov.cn/xwzx/t20240502_5109.html", status=200,
         headers={b"Content-Type": [b"text/html; charset=utf-8"]},
         body=UTF8_PAGE.encode("utf-8")),
    # decoded by the crawler from gzip, served chunked, with the compressed length
    dict(url="http://www.dede.cn/a/news/2024/0516/12.html?lb=%D4%B0%C7%F8", status=200,
         headers={b"Content-Type": [b"text/html"], b"Content-Encoding": [b"gzip"],
                  b"Transfer-Encoding": [b"chunked"], b"Content-Length": [b"77"],
                  b"Content-Disposition": ['inline; filename="新闻.html"'.encode("gbk")]},
         body=GBK_PAGE.encode("gbk"), content_decoded=True),
    dict(url="http://www.yunxi.gov.cn/fj/2024.pdf", status=200,
         headers=[("Content-Type", "application/pdf"), ("Content-Length", str(len(PDF_STUB)))],
         body=PDF_STUB, http_version="h2", ip="10.1.2.3"),
    dict(url="http://www.yunxi.gov.cn/empty.html", status=200, headers={}, body=b""),
    dict(url="http://www.yunxi.gov.cn/gone.html", status=404,
         headers={"Content-Type": "text/html"}, body=b"<h1>404 Not Found</h1>"),
]


def write(writer: CaptureWriter, exchange: dict) -> Capture:
    return writer.write_exchange(Exchange(
        exchange["url"], exchange["status"], exchange["body"], exchange["headers"],
        request_headers={b"User-Agent": [b"parknews/0.1"],
                         b"Accept-Encoding": [b"gzip, deflate, br"]},
        http_version=exchange.get("http_version", "HTTP/1.1"), ip=exchange.get("ip"),
        fetched_at="2026-11-27T08:25:41+00:00",
        content_decoded=exchange.get("content_decoded", False)))


def write_all(directory: Path, **kwargs) -> tuple[CaptureWriter, list[Capture]]:
    with CaptureWriter(directory, RUN, "yunxi", **kwargs) as writer:
        captures = [write(writer, exchange) for exchange in EXCHANGES]
    return writer, captures


def warcio(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warcio.cli", *args],
                          capture_output=True, text=True, timeout=60)


def records(path: Path) -> list:
    with open(path, "rb") as fh:
        out = []
        for record in ArchiveIterator(fh):
            out.append((record.rec_type, record.rec_headers, record.http_headers,
                        record.content_stream().read()))
        return out


# -- writing and reading ------------------------------------------------------------


def test_every_exchange_reads_back_exactly(tmp_path):
    writer, captures = write_all(tmp_path)
    assert writer.files == ["parknews-20261127T082541Z-yunxi-00000.warc.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == writer.files
    for exchange, capture in zip(EXCHANGES, captures, strict=True):
        assert capture.file == writer.files[0]
        status, headers, body = read_capture(tmp_path, capture)
        assert (status, body) == (exchange["status"], exchange["body"])
        assert get_header(headers, "Content-Length") == str(len(body))
        assert read_capture(tmp_path, capture.pointer())[2] == body  # a plain dict too
    assert len({c.record_id for c in captures}) == len(captures)


def test_a_pointer_with_a_wrong_length_still_reads_its_record(tmp_path):
    """The stored member length bounds the read; a length too short (or missing) reads
    on to the member's end, one too long ignores what follows the member."""
    _, captures = write_all(tmp_path)
    capture = captures[1]
    expected = read_capture(tmp_path, capture)
    for length in (1, capture.length - 7, capture.length + 5000, None, 0):
        assert read_capture(tmp_path, dict(capture.pointer(), length=length)) == expected


def test_payload_digest_is_warcios_sha1_base32(tmp_path):
    _, captures = write_all(tmp_path)
    stored = {h.get_header("WARC-Record-ID"): h.get_header("WARC-Payload-Digest")
              for kind, h, _, _ in records(tmp_path / captures[0].file) if kind == "response"}
    for exchange, capture in zip(EXCHANGES, captures, strict=True):
        digester = Digester("sha1")
        digester.update(exchange["body"])
        assert capture.payload_digest == str(digester) == payload_digest(exchange["body"])
        assert re.fullmatch(r"sha1:[A-Z2-7]{32}", capture.payload_digest)
        assert stored[capture.record_id] == capture.payload_digest


def test_warcio_check_and_index_accept_the_files(tmp_path):
    writer, captures = write_all(tmp_path)
    path = tmp_path / writer.files[0]
    check = warcio("check", "-v", str(path))
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 1 + 2 * len(EXCHANGES)
    index = warcio("index", "-f", "warc-type,warc-target-uri,offset,length,http:status",
                   str(path))
    assert index.returncode == 0, index.stderr
    rows = [json.loads(line) for line in index.stdout.splitlines()]
    assert [r["warc-type"] for r in rows] == ["warcinfo"] + ["response", "request"] * 5
    responses = [r for r in rows if r["warc-type"] == "response"]
    assert [(int(r["offset"]), int(r["length"])) for r in responses] == [
        (c.offset, c.length) for c in captures]
    assert [r["http:status"] for r in responses] == ["200", "200", "200", "200", "404"]


def test_records_pair_and_describe_the_stored_payload(tmp_path):
    writer, captures = write_all(tmp_path)
    found = records(tmp_path / writer.files[0])
    kind, info, _, fields = found[0]
    assert kind == "warcinfo"
    assert b"software: parknews" in fields and f"parknews-run-id: {RUN}".encode() in fields
    assert b"parknews-site-id: yunxi" in fields
    assert info.get_header("WARC-Filename") == writer.files[0]
    by_id = {h.get_header("WARC-Record-ID"): (kind, h, http, body) for kind, h, http, body
             in found}
    for pair in zip(found[1::2], found[2::2], strict=True):
        (rkind, rhead, _, _), (qkind, qhead, qhttp, _) = pair
        assert (rkind, qkind) == ("response", "request")
        assert qhead.get_header("WARC-Concurrent-To") == rhead.get_header("WARC-Record-ID")
        assert qhead.get_header("WARC-Target-URI") == rhead.get_header("WARC-Target-URI")
        assert qhttp.protocol == "GET" and qhttp.get_header("Host")
        assert rhead.get_header("WARC-Warcinfo-ID") == info.get_header("WARC-Record-ID")
    # gzip + chunked as served, stored decoded: warcio's own decoding reader leaves it be
    _, head, http, body = by_id[captures[1].record_id]
    assert body == EXCHANGES[1]["body"]
    assert http.get_header("Content-Encoding") is None
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("X-Crawler-Content-Encoding") == "gzip"
    assert http.get_header("X-Crawler-Transfer-Encoding") == "chunked"
    assert http.get_header("X-Crawler-Content-Length") == "77"
    assert http.get_header("Content-Length") == str(len(body))
    # header bytes written as served (GBK), not %-encoded
    disposition = http.get_header("Content-Disposition").encode("latin-1")
    assert disposition == 'inline; filename="新闻.html"'.encode("gbk")
    _, head, http, _ = by_id[captures[2].record_id]
    assert (http.protocol, head.get_header("WARC-Protocol")) == ("HTTP/1.1", "h2")
    assert head.get_header("WARC-IP-Address") == "10.1.2.3"
    assert head.get_header("WARC-Date") == "2026-11-27T08:25:41Z"
    assert by_id[captures[4].record_id][2].statusline == "404 Not Found"


def test_rotation_by_size_names_files_by_run_site_and_seq(tmp_path):
    writer, captures = write_all(tmp_path, max_bytes=1)  # every exchange fills a file
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == writer.files == [f"parknews-{RUN}-yunxi-{n:05d}.warc.gz" for n in range(5)]
    assert [c.file for c in captures] == names
    assert all(NAME.fullmatch(n) for n in names)
    check = warcio("check", *[str(tmp_path / n) for n in names])
    assert check.returncode == 0, check.stdout
    for name in names:
        index = warcio("index", "-f", "warc-type", str(tmp_path / name))
        assert index.returncode == 0
        assert [json.loads(x)["warc-type"] for x in index.stdout.splitlines()] == [
            "warcinfo", "response", "request"]
    for exchange, capture in zip(EXCHANGES, captures, strict=True):
        assert read_capture(tmp_path, capture)[2] == exchange["body"]
    # a second writer of the same run and site never overwrites: it goes on at 00005
    again, _ = write_all(tmp_path, max_bytes=10**9)
    assert again.files == [f"parknews-{RUN}-yunxi-00005.warc.gz"]


def test_rotation_at_a_realistic_size(tmp_path):
    bodies = [random.Random(i).randbytes(10_000) for i in range(12)]  # incompressible
    with CaptureWriter(tmp_path, RUN, "yunxi", max_bytes=25_000) as writer:
        captures = [writer.write_exchange(Exchange(f"http://x.cn/{i}.pdf", 200, body,
                                                   reason="OK"))
                    for i, body in enumerate(bodies)]
    assert len(writer.files) == 4  # three exchanges of ~10 KB reach 25 KB
    assert all((tmp_path / n).stat().st_size < 25_000 + 12_000 for n in writer.files)
    assert [r.body for n in writer.files for r in iter_responses(tmp_path / n)] == bodies
    assert read_capture(tmp_path, captures[-1])[2] == bodies[-1]
    assert writer.bytes_written == sum((tmp_path / n).stat().st_size for n in writer.files)


def test_iter_responses_yields_urls_statuses_and_pointers(tmp_path):
    writer, captures = write_all(tmp_path)
    got = list(iter_responses(tmp_path / writer.files[0]))
    assert [(r.url, r.status, r.body) for r in got] == [
        (e["url"], e["status"], e["body"]) for e in EXCHANGES]
    assert [r.capture for r in got] == [c.pointer() for c in captures]


def test_read_capture_refuses_a_wrong_pointer(tmp_path):
    _, captures = write_all(tmp_path)
    wrong = dict(captures[1].pointer(), record_id="<urn:uuid:not-this-one>")
    with pytest.raises(WarcError, match="not <urn:uuid:not-this-one>"):
        read_capture(tmp_path, wrong)
    with pytest.raises(WarcError, match="no such WARC file"):
        read_capture(tmp_path, dict(captures[0].pointer(), file="nothing.warc.gz"))
    request_offset = captures[0].offset + captures[0].length
    with pytest.raises(WarcError, match="a request record"):
        read_capture(tmp_path, {"file": captures[0].file, "offset": request_offset})


# -- damage -------------------------------------------------------------------------


def collect(path: Path) -> tuple[list[bytes], WarcError | None]:
    """The bodies iter_responses yields, and the error it ends with (or None)."""
    bodies = []
    try:
        for response in iter_responses(path):
            bodies.append(response.body)
    except WarcError as exc:
        return bodies, exc
    return bodies, None


def test_a_truncated_file_keeps_its_good_records(tmp_path):
    writer, captures = write_all(tmp_path)
    path = tmp_path / writer.files[0]
    last = captures[-1]
    path.write_bytes(path.read_bytes()[: last.offset + last.length // 2])
    bodies, error = collect(path)
    assert bodies == [e["body"] for e in EXCHANGES[:-1]]
    assert (error.file, error.offset) == (path.name, last.offset)
    assert "cut short" in str(error) and path.name in str(error)
    assert read_capture(tmp_path, captures[0])[2] == EXCHANGES[0]["body"]
    with pytest.raises(WarcError, match="cut short"):
        read_capture(tmp_path, last)


def test_garbage_is_reported_with_file_and_offset(tmp_path):
    writer, captures = write_all(tmp_path)
    path = tmp_path / writer.files[0]
    data = path.read_bytes()
    path.write_bytes(data + b"\x00garbage\xff" * 50)  # junk after the last record
    bodies, error = collect(path)
    assert bodies == [e["body"] for e in EXCHANGES]
    assert (error.file, error.offset) == (path.name, len(data))
    assert "gzip" in error.reason
    # junk inside the third response: the two before it are still read
    third = captures[2]
    spoiled = bytearray(data)
    spoiled[third.offset + 40: third.offset + 60] = b"\xff" * 20
    path.write_bytes(bytes(spoiled))
    bodies, error = collect(path)
    assert bodies == [e["body"] for e in EXCHANGES[:2]]
    assert error.offset == third.offset


def test_a_file_that_is_not_a_warc(tmp_path):
    path = tmp_path / "notes.warc.gz"
    path.write_text("这不是WARC文件\n" * 20)
    with pytest.raises(WarcError) as caught:
        list(iter_responses(path))
    assert (caught.value.file, caught.value.offset) == ("notes.warc.gz", 0)
    plain = tmp_path / "plain.warc.gz"
    plain.write_bytes(gzip.compress(b"hello, not a record\r\n"))
    with pytest.raises(WarcError, match="plain.warc.gz at offset 0"):
        list(iter_responses(plain))


KILLED = """
import os, signal, sys
sys.path.insert(0, {repo!r})
from parknews.archive.warc import CaptureWriter, Exchange
writer = CaptureWriter({directory!r}, "20261127T082541Z", "yunxi")
for i in range(3):
    writer.write_exchange(Exchange(f"http://x.cn/{{i}}.html", 200, f"<p>第{{i}}页</p>".encode(),
                                   {{"Content-Type": "text/html"}}, reason="OK"))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_crawl_leaves_a_readable_open_file(tmp_path):
    script = textwrap.dedent(KILLED).format(repo=str(REPO), directory=str(tmp_path))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert run.returncode == -signal.SIGKILL
    (left,) = tmp_path.iterdir()
    assert left.name == f"parknews-{RUN}-yunxi-00000.warc.gz{OPEN_SUFFIX}"
    got = list(iter_responses(left))
    assert [r.body.decode() for r in got] == [f"<p>第{i}页</p>" for i in range(3)]
    assert all(r.capture["file"] == f"parknews-{RUN}-yunxi-00000.warc.gz" for r in got)
    for response in got:  # pointers name the closed file; the .open one is used
        assert read_capture(tmp_path, response.capture)[2] == response.body
    assert warcio("check", str(left)).returncode == 0
    # the expected damage of a kill: the last record half written
    last = got[-1].capture
    left.write_bytes(left.read_bytes()[: last["offset"] + last["length"] - 5])
    bodies, error = collect(left)
    assert len(bodies) == 2 and error.offset == last["offset"]


class Unreadable:
    def __bytes__(self):
        raise RuntimeError("request body lost")


def test_a_failed_write_is_cut_off_the_file(tmp_path):
    with CaptureWriter(tmp_path, RUN, "yunxi") as writer:
        first = write(writer, EXCHANGES[0])
        size = writer.bytes_written
        with pytest.raises(RuntimeError):  # after its response record was written
            writer.write_exchange(Exchange("http://x.cn/bad", 200, b"x", request_method="POST",
                                           request_body=Unreadable()))
        assert writer.bytes_written == size
        second = write(writer, EXCHANGES[4])
    path = tmp_path / writer.files[0]
    assert [r.url for r in iter_responses(path)] == [EXCHANGES[0]["url"], EXCHANGES[4]["url"]]
    index = warcio("index", "-f", "warc-type,warc-target-uri", str(path))
    assert [json.loads(x)["warc-type"] for x in index.stdout.splitlines()] == [
        "warcinfo", "response", "request", "response", "request"]
    assert first.offset < second.offset
    assert path.stat().st_size == writer.bytes_written
    assert warcio("check", str(path)).returncode == 0


# -- the downloader middleware ------------------------------------------------------


class YunxiSpider(scrapy.Spider):
    name = "park"
    site = SimpleNamespace(id="yunxi")


@pytest.fixture
def capture(tmp_path):
    """make(spider=None) -> (crawler, middleware), opened; closed at the end of the test."""
    opened = []

    def make(spider=None, **settings):
        crawler = get_crawler(YunxiSpider, settings_dict={
            "PARKNEWS_WARC_DIR": str(tmp_path), "PARKNEWS_RUN_ID": RUN, **settings})
        crawler.spider = spider or crawler._create_spider()
        mw = WarcCaptureMiddleware.from_crawler(crawler)
        crawler.signals.send_catch_log(signal=signals.spider_opened, spider=crawler.spider)
        # signals hold their receivers weakly: keep the middleware alive (as Scrapy's
        # middleware manager does) until it is closed, or its open file would be dropped
        # unclosed when the test function returns
        opened.append((crawler, mw))
        return crawler, mw

    yield make
    for crawler, _ in opened:
        close(crawler)


def close(crawler):
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=crawler.spider,
                                   reason="finished")


def test_middleware_needs_a_directory():
    with pytest.raises(NotConfigured):
        WarcCaptureMiddleware.from_crawler(get_crawler(settings_dict={"PARKNEWS_WARC_DIR": ""}))
    with pytest.raises(NotConfigured):
        WarcCaptureMiddleware.from_crawler(get_crawler())


def test_middleware_captures_a_response_and_points_to_it(tmp_path, capture):
    crawler, mw = capture()
    request = Request("http://www.yunxi.gov.cn/xwzx/t1.html", headers={"User-Agent": "pn"})
    body = UTF8_PAGE.encode("utf-8")
    response = HtmlResponse(request.url, status=200, body=body, request=request,
                            headers={"Content-Type": "text/html; charset=utf-8"})
    assert mw.process_response(request, response) is response
    pointer = response.meta["warc"]
    assert tuple(pointer) == POINTER_KEYS
    assert NAME.fullmatch(pointer["file"])
    assert (tmp_path / (pointer["file"] + OPEN_SUFFIX)).exists()  # still being written
    assert read_capture(tmp_path, pointer)[::2] == (200, body)
    assert pointer["payload_digest"] == payload_digest(body)
    stats = crawler.stats
    assert stats.get_value("warc/records") == 1
    assert stats.get_value("warc/bytes") == (tmp_path / (pointer["file"] + OPEN_SUFFIX)
                                             ).stat().st_size
    close(crawler)
    assert [p.name for p in tmp_path.iterdir()] == [pointer["file"]]
    assert stats.get_value("warc/files") == 1
    assert warcio("check", str(tmp_path / pointer["file"])).returncode == 0


def test_middleware_stores_and_passes_on_the_decompressed_body(tmp_path, capture):
    crawler, mw = capture()
    request = Request("http://www.dede.cn/a/news/12.html")
    page = GBK_PAGE.encode("gbk")
    raw = gzip.compress(page)
    response = HtmlResponse(request.url, body=raw, request=request, headers={
        "Content-Type": "text/html", "Content-Encoding": "gzip",
        "Content-Length": str(len(raw))})
    passed = mw.process_response(request, response)
    assert passed.body == page and not passed.headers.getlist("Content-Encoding")
    assert response.headers.getlist("Content-Encoding") == [b"gzip"]  # original untouched
    # Scrapy's own HttpCompressionMiddleware (590, after this one) has nothing left to do
    later = HttpCompressionMiddleware.from_crawler(crawler)
    assert later.process_response(request, passed) is passed
    status, headers, body = read_capture(tmp_path, passed.meta["warc"])
    assert body == page
    assert get_header(headers, "X-Crawler-Content-Encoding") == "gzip"
    assert get_header(headers, "X-Crawler-Content-Length") == str(len(raw))
    assert get_header(headers, "Content-Length") == str(len(page))
    assert crawler.stats.get_value("httpcompression/response_count") == 1


def test_middleware_keeps_what_it_cannot_decode_as_received(tmp_path, capture):
    crawler, mw = capture()
    request = Request("http://x.cn/odd.html")
    response = HtmlResponse(request.url, body=b"\x00not-really-compressed", request=request,
                            headers={"Content-Encoding": "compress"})
    assert mw.process_response(request, response) is response
    status, headers, body = read_capture(tmp_path, response.meta["warc"])
    assert body == response.body and get_header(headers, "Content-Encoding") == "compress"


def test_middleware_captures_redirects_too(tmp_path, capture):
    crawler, mw = capture()
    request = Request("http://x.cn/old.html")
    moved = HtmlResponse(request.url, status=302, body=b"", request=request,
                         headers={"Location": "http://x.cn/new.html"})
    assert mw.process_response(request, moved) is moved
    status, headers, _ = read_capture(tmp_path, moved.meta["warc"])
    assert (status, get_header(headers, "Location")) == (302, "http://x.cn/new.html")


def test_middleware_names_files_by_spider_when_there_is_no_site(tmp_path, capture):
    class Plain(scrapy.Spider):
        name = "plain"

    crawler, mw = capture(spider=Plain())
    request = Request("http://x.cn/a.html")
    mw.process_response(request, HtmlResponse(request.url, body=b"<p>a</p>", request=request))
    assert request.meta["warc"]["file"] == f"parknews-{RUN}-plain-00000.warc.gz"
    close(crawler)


def test_a_failed_capture_does_not_stop_the_crawl(tmp_path, capture, monkeypatch, caplog):
    crawler, mw = capture()

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(mw.writer, "write_exchange", broken)
    request = Request("http://x.cn/a.html")
    response = HtmlResponse(request.url, body=b"<p>a</p>", request=request)
    assert mw.process_response(request, response) is response
    assert "warc" not in response.meta
    assert crawler.stats.get_value("warc/errors") == 1
    assert "No space left on device" in caplog.text
    close(crawler)


def test_stored_payload_reads_back_through_warcio_content_stream(tmp_path):
    """A reader that knows only warcio gets the body the parser got (nothing to gunzip)."""
    writer, captures = write_all(tmp_path)
    with open(tmp_path / writer.files[0], "rb") as fh:
        fh.seek(captures[1].offset)
        record = next(iter(ArchiveIterator(fh)))
        assert record.content_stream().read() == EXCHANGES[1]["body"]


def test_each_record_is_one_gzip_member_at_our_level():
    """``GzipMembers`` ends a gzip member at each flush (warcio flushes once a record),
    so a record is read from its offset alone; the level is ours, not warcio's 9."""
    import io
    import zlib

    from parknews.archive.warc import GZIP_LEVEL, GzipMembers

    out = io.BytesIO()
    members = GzipMembers(out)
    first, second = b"WARC/1.1\r\n" + "园区".encode() * 500, b"WARC/1.1\r\n" + b"x" * 3000
    members.write(first[:100])
    members.write(first[100:])
    members.flush()
    boundary = out.tell()
    members.write(second)
    members.flush()
    raw = out.getvalue()
    assert gzip.decompress(raw[:boundary]) == first
    assert gzip.decompress(raw[boundary:]) == second
    ours = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    level_nine = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    assert GZIP_LEVEL == 3 and raw[:boundary] == ours.compress(first) + ours.flush()
    assert raw[:boundary] != level_nine.compress(first) + level_nine.flush()
