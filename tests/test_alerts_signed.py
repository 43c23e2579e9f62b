"""Alerts that reach Chinese teams: a DingTalk robot with 加签, a Feishu bot with 签名校验,
a WeCom bot, and e-mail and a JSON webhook through apprise URLs. Each robot is a server
on loopback that checks what the real one checks (it recomputes the signature from the
timestamp and refuses, with HTTP 200 and an error code, a message whose signature does
not match or whose timestamp is more than an hour off) and keeps the message."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import re
import socketserver
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import run_cli, serve_handler

from parknews.archive import health
from parknews.crawler.alerts import send
from parknews.crawler.sites import AlertTarget, SitesError, parse_sites_file

HOST = "127.0.0.73"
SECRET = "SECb1f0e6c2d4a7e9f3a5c8b2d6e0f4a7c9e1b3d5f7a9c2e4"
SITE = '[[sites]]\nid = "yx"\nname = "云溪经开区"\nstart_urls = ["http://www.yx.gov.cn/"]\n'
BROKEN = health.Health("yx", "unhealthy",
                       [{"rule": "host_down", "message": "no list page could be read in the "
                                                         "latest run (3 failed requests)"}],
                       "2026-06-01T14:00:00+08:00", "2026-06-01T14:05:00+08:00", True,
                       "2026-06-01T14:00:00+08:00")
MENDED = health.Health("yx", "healthy", [], "2026-06-02T06:17:00+08:00",
                       "2026-06-02T06:20:00+08:00", True, "2026-06-02T06:17:00+08:00")


def _dingtalk_ok(query: dict, body: dict) -> dict:
    """What DingTalk checks of a signed robot's message."""
    if query.get("access_token") != ["tok"]:
        return {"errcode": 300001, "errmsg": "token is not exist"}
    if "timestamp" not in query or "sign" not in query:
        return {"errcode": 310000, "errmsg": "sign not match"}
    stamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    if query["sign"][0] != expected or abs(time.time() * 1000 - int(stamp)) > 3600_000:
        return {"errcode": 310000, "errmsg": "sign not match"}
    return {"errcode": 0, "errmsg": "ok"}


def _feishu_ok(query: dict, body: dict) -> dict:
    """What Feishu checks of a bot with 签名校验."""
    stamp, sign = body.get("timestamp"), body.get("sign")
    if not stamp or not sign:
        return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour "
                                      "from current time"}
    expected = base64.b64encode(hmac.new(f"{stamp}\n{SECRET}".encode(), b"",
                                         hashlib.sha256).digest()).decode()
    if sign != expected or abs(time.time() - int(stamp)) > 3600:
        return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour "
                                      "from current time"}
    return {"code": 0, "msg": "success", "data": {}}


def _wecom_ok(query: dict, body: dict) -> dict:
    return {"errcode": 0, "errmsg": "ok"} if query.get("key") == ["k"] else {
        "errcode": 93000, "errmsg": "invalid webhook url"}


ROBOTS = {"/robot/send": _dingtalk_ok, "/open-apis/bot/v2/hook/abc": _feishu_ok,
          "/cgi-bin/webhook/send": _wecom_ok}


class Robots(http.server.BaseHTTPRequestHandler):
    """The three robots' webhooks (by path), and a plain JSON receiver at /hook."""

    def do_POST(self):  # noqa: N802
        parts = urlsplit(self.path)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        check = ROBOTS.get(parts.path)
        answer = check(parse_qs(parts.query), body) if check else {}
        self.server.posts.append((parts.path, parse_qs(parts.query), body, answer))
        data = json.dumps(answer).encode()
        self.send_response(200)  # the robots answer 200 even when they refuse
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def robots():
    with serve_handler(HOST, Robots, posts=[]) as server:
        yield server


def base(server) -> str:
    return f"http://{HOST}:{server.server_address[1]}"


def _says_what_broke(text: str) -> None:
    assert text.startswith("【parknews】站点异常：云溪经开区（yx）")
    assert "无法访问列表页：no list page could be read in the latest run" in text
    assert "异常开始：2026-06-01T14:00:00+08:00" in text


def test_a_signed_dingtalk_alert_is_verified_by_the_robot(robots):
    target = AlertTarget("dingtalk", f"{base(robots)}/robot/send?access_token=tok", SECRET)
    assert send(target, BROKEN, "云溪经开区") is None
    ((path, query, body, answer),) = robots.posts
    assert answer == {"errcode": 0, "errmsg": "ok"}  # the signature was recomputed
    assert body["msgtype"] == "text"
    _says_what_broke(body["text"]["content"])
    assert send(target, MENDED, "云溪经开区") is None
    assert robots.posts[1][2]["text"]["content"] == (
        "【parknews】站点恢复正常：云溪经开区（yx）\n恢复时间：2026-06-02T06:17:00+08:00")


def test_a_dingtalk_robot_refusing_the_signature_is_reported(robots):
    url = f"{base(robots)}/robot/send?access_token=tok"
    error = send(AlertTarget("dingtalk", url, SECRET + "x"), BROKEN, "云溪经开区")
    assert error == "refused: 310000 sign not match"
    error = send(AlertTarget("dingtalk", url), BROKEN, "云溪经开区")  # no secret: unsigned
    assert error == "refused: 310000 sign not match"
    assert "sign" not in robots.posts[-1][1]


def test_a_signed_feishu_alert_is_verified_by_the_bot(robots):
    target = AlertTarget("feishu", f"{base(robots)}/open-apis/bot/v2/hook/abc", SECRET)
    assert send(target, BROKEN, "云溪经开区") is None
    ((_, _, body, answer),) = robots.posts
    assert answer["code"] == 0
    assert body["msg_type"] == "text"
    _says_what_broke(body["content"]["text"])
    wrong = AlertTarget("feishu", target.url, "another secret")
    assert send(wrong, BROKEN, "云溪经开区").startswith("refused: 19021 sign match fail")


def test_a_wecom_alert(robots):
    target = AlertTarget("wecom", f"{base(robots)}/cgi-bin/webhook/send?key=k")
    assert send(target, BROKEN, "云溪经开区") is None
    _says_what_broke(robots.posts[0][2]["text"]["content"])
    wrong = AlertTarget("wecom", f"{base(robots)}/cgi-bin/webhook/send?key=nope")
    assert send(wrong, BROKEN) == "refused: 93000 invalid webhook url"


def test_a_json_webhook_through_apprise(robots):
    target = AlertTarget("apprise", f"json://{HOST}:{robots.server_address[1]}/hook")
    assert send(target, BROKEN, "云溪经开区") is None
    ((path, _, body, _),) = robots.posts
    assert path == "/hook"
    assert body["title"] == "parknews：站点异常 云溪经开区"
    assert body["type"] == "failure"
    _says_what_broke(body["message"])


class Mailbox(socketserver.StreamRequestHandler):
    """Enough SMTP to take one message (no TLS, no login)."""

    def handle(self):
        self.wfile.write(b"220 mailbox\r\n")
        for line in self.rfile:
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 end with .\r\n")
                lines = []
                for data in self.rfile:
                    if data == b".\r\n":
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.server.messages.append(b"".join(lines))
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_an_email_through_apprise():
    server = socketserver.ThreadingTCPServer((HOST, 0), Mailbox)
    server.messages = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = (f"mailto://{HOST}:{server.server_address[1]}"
               f"?from=parknews@yx.gov.cn&to=team@yx.gov.cn")
        assert send(AlertTarget("apprise", url), BROKEN, "云溪经开区") is None
    finally:
        server.shutdown()
        server.server_close()
    (raw,) = server.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "team@yx.gov.cn"
    assert message["Subject"] == "parknews：站点异常 云溪经开区"
    _says_what_broke(message.get_body(("plain",)).get_content())


def test_without_apprise_the_extra_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "apprise", None)  # as when it is not installed
    assert send(AlertTarget("apprise", "json://127.0.0.1:9/x"), BROKEN) == (
        "the apprise kind needs apprise: pip install 'parknews[alerts]'")


def test_a_dead_apprise_target_is_reported():
    assert send(AlertTarget("apprise", "json://127.0.0.1:9/none"), BROKEN) is not None
    assert send(AlertTarget("apprise", "nosuchservice://x"), BROKEN).startswith(
        "apprise does not understand")


@pytest.mark.parametrize("table, message", [
    ('kind = "json"\nurl = "http://x.cn/h"\nsecret = "s"\n',
     "alert #1: secret is for the signed robots (dingtalk, feishu), not json"),
    ('kind = "dingtalk"\nurl = "mailto://a@b"\n', "alert #1: url must be an http(s) URL"),
    ('kind = "apprise"\nurl = "team@yx.cn"\n', "alert #1: url must be an apprise URL"),
    ('kind = "feishu"\nurl = "https://x.cn/h"\nsecret = " "\n',
     "alert #1: secret must not be empty"),
    ('kind = "dingtalk"\nurl = "https://x.cn/h"\nsecrets = "s"\n',
     "alert #1: unknown key 'secrets' (did you mean 'secret'?)"),
])
def test_bad_alert_tables_are_refused(table, message):
    with pytest.raises(SitesError, match=re.escape(message)):
        parse_sites_file(SITE + "[[alerts]]\n" + table)


def test_parknews_health_sends_a_signed_dingtalk_alert(tmp_path, robots):
    """The whole way: an archive where a site's lists failed, `parknews health --sites`
    with a signed DingTalk target; one alert, accepted, then none for the same state."""
    from parknews.archive.store import ArchiveWriter, open_archive

    db = open_archive(tmp_path / "a.db")
    writer = ArchiveWriter(db)
    writer.upsert_sites([{"id": "yx", "name": "云溪经开区", "park": None, "region": None,
                          "start_urls": ["http://www.yx.gov.cn/"], "updated_at": "t"}])
    writer.add_run({"run_id": "r1", "site_id": "yx", "started_at": "2026-06-01T06:00:00+00:00",
                    "requests": 3, "responses": {"500": 3}, "list_pages": 0, "errors": 3})
    db.close()
    sites = tmp_path / "sites.toml"
    sites.write_text(SITE + f'[[alerts]]\nkind = "dingtalk"\nurl = "{base(robots)}/robot/send'
                     f'?access_token=tok"\nsecret = "{SECRET}"\n', encoding="utf-8")
    first = run_cli("health", "--db", str(tmp_path / "a.db"), "--sites", str(sites))
    assert first.returncode == 0, first.stderr
    assert "alert sent: yx is unhealthy" in first.stderr
    ((_, _, body, answer),) = robots.posts
    assert answer["errcode"] == 0
    text = body["text"]["content"]
    assert text.startswith("【parknews】站点异常：云溪经开区（yx）\n- 无法访问列表页：")
    assert "最近一次抓取：2026-06-01T14:00:00+08:00" in text  # the sites file's zone
    again = run_cli("health", "--db", str(tmp_path / "a.db"), "--sites", str(sites))
    assert again.returncode == 0 and len(robots.posts) == 1
