"""Meta refresh (``<meta http-equiv="refresh" content="0;url=…">``, the root page of many a
park portal) is followed as Scrapy follows it, and a page that cannot hold one is not
decoded and searched for it (QuickMetaRefreshMiddleware, crawler/middlewares.py)."""

from __future__ import annotations

import http.server

import pytest
from conftest import run_cli, serve_handler
from scrapy.downloadermiddlewares import redirect
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from sqlite_utils import Database

from parknews.crawler.middlewares import QuickMetaRefreshMiddleware

URL = "http://127.0.0.95/index.html"
CHINESE = "园区举行重点项目集中签约仪式，总投资八十亿元。" * 40  # ~1,000 characters


@pytest.fixture()
def counted(monkeypatch):
    """The middleware, and how many times Scrapy's meta refresh parser ran."""
    calls = []
    real = redirect.get_meta_refresh

    def counting(response, *args, **kwargs):
        calls.append(response.url)
        return real(response, *args, **kwargs)

    monkeypatch.setattr(redirect, "get_meta_refresh", counting)
    return QuickMetaRefreshMiddleware.from_crawler(get_crawler()), calls


def _page(html: str, encoding: str = "utf-8") -> HtmlResponse:
    return HtmlResponse(URL, body=html.encode(encoding), encoding=encoding,
                        request=Request(URL))


def test_a_page_without_refresh_is_passed_on_unread(counted):
    middleware, calls = counted
    response = _page(f"<html><head><title>园区</title></head><body>{CHINESE}</body></html>")
    assert middleware.process_response(response.request, response) is response
    assert calls == []


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16-le"])
def test_a_meta_refresh_is_followed_in_any_encoding(counted, encoding):
    """After 1,000 Chinese characters (3,000 bytes of UTF-8), in upper case, in UTF-16."""
    middleware, calls = counted
    response = _page(f"<html><head><title>{CHINESE}</title><META HTTP-EQUIV=\"Refresh\" "
                     f"CONTENT=\"0; URL=/col/col1/index.html\"></head><body></body></html>",
                     encoding)
    redirected = middleware.process_response(response.request, response)
    assert isinstance(redirected, Request)
    assert redirected.url == "http://127.0.0.95/col/col1/index.html"
    assert calls == [URL]


def test_refresh_in_the_text_alone_is_checked_and_passed_on(counted):
    middleware, calls = counted
    response = _page("<html><body><p>点击 refresh 刷新页面</p></body></html>")
    assert middleware.process_response(response.request, response) is response
    assert calls == [URL]  # it could have been a tag: Scrapy's check decided


def test_a_tag_past_the_first_4096_characters_is_ignored_as_scrapy_ignores_it(counted):
    middleware, _ = counted
    late = "园" * 4200
    response = _page(f"<html><head><title>{late}</title><meta http-equiv=\"refresh\" "
                     f"content=\"0;url=/late.html\"></head></html>")
    assert middleware.process_response(response.request, response) is response


class _Portal(http.server.BaseHTTPRequestHandler):
    """A root page in GBK that sends the browser on to the news column by meta refresh."""

    def do_GET(self):  # noqa: N802 - the http.server name
        if self.path == "/":
            body = ('<html><head><meta http-equiv="Content-Type" content="text/html; '
                    'charset=gbk"><title>某某经济开发区</title>'
                    '<meta http-equiv="refresh" content="0;url=/news/index.html"></head>'
                    '<body>正在跳转……</body></html>').encode("gbk")
        elif self.path == "/news/index.html":
            items = "".join(f'<li><a href="/news/2024/t20240501_{n}.html">第{n}号项目集中签约'
                            f"仪式举行</a><span>2024-05-01</span></li>" for n in range(6))
            body = f"<html><body><ul>{items}</ul></body></html>".encode("gbk")
        elif self.path.startswith("/news/2024/"):
            n = self.path.rsplit("_", 1)[1].split(".")[0]
            text = "".join(f"<p>园区第{n}号项目签约，涉及新材料和智能制造，总投资{n}{k}亿元，"
                           f"预计年产值{k}{n}亿元。</p>" for k in range(4))
            body = (f"<html><body><h1>第{n}号项目集中签约仪式举行</h1><div>发布时间："
                    f"2024-05-01</div><div class='content'>{text}</div></body></html>"
                    ).encode("gbk")
        else:
            body = b""
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html" if body else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_crawl_from_a_root_that_redirects_by_meta_refresh(tmp_path):
    with serve_handler("127.0.0.95", _Portal) as server:
        base = f"http://127.0.0.95:{server.server_address[1]}"
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[sites]]\nid = "refresh"\nname = "refresh"\n'
                         f'start_urls = ["{base}/"]\n', encoding="utf-8")
        result = run_cli("crawl", "--sites", str(sites), "--db", str(tmp_path / "r.db"),
                         "--no-lock", "--set", "DOWNLOAD_DELAY=0",
                         "--set", "AUTOTHROTTLE_ENABLED=False")
    assert result.returncode == 0, result.stderr[-3000:]
    urls = {row["url"] for row in Database(tmp_path / "r.db")["articles"].rows}
    assert urls == {f"{base}/news/2024/t20240501_{n}.html" for n in range(6)}
