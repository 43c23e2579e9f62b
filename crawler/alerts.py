"""Alerts: tell someone when a site turns unhealthy or recovers.

Targets are ``[[alerts]]`` tables in the sites file (read by crawler/sites.py)::

    [[alerts]]
    kind = "dingtalk"            # json, dingtalk, wecom, feishu or apprise
    url = "https://oapi.dingtalk.com/robot/send?access_token=…"
    secret = "SEC…"              # dingtalk and feishu: the robot's signing secret

The robots Chinese teams use are built in, each POSTed to the webhook URL given whole
(so a test, or a proxy, can stand in for the robot's host): 钉钉 ``msgtype: text`` (with
加签: ``timestamp`` and ``sign`` added to the URL), 企业微信 ``msgtype: text``, 飞书/Lark
``msg_type: text`` (with 签名校验: ``timestamp`` and ``sign`` in the body); ``json``
posts the health record itself. Everything else (e-mail, Slack, Telegram, ntfy, …) goes
through ``apprise``, whose URL is the target's ``url`` (the optional ``alerts`` extra).
A robot answers HTTP 200 even when it refuses a message (a bad signature, a missing
keyword): its ``errcode``/``code`` is read and a refusal reported. A failing target is
logged and reported, never fatal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from urllib.parse import quote_plus

from parknews.archive.health import RULES, Health
from parknews.crawler.sites import ALERT_KINDS, AlertTarget, load_sites_file

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds per POST

# what each health rule is called in a message (archive/health.py RULES)
RULE_LABELS = {
    "blocked": "被反爬虫拦截",
    "js_list": "列表由 JavaScript 生成，未找到文章链接",
    "render_unavailable": "无法渲染页面",
    "host_down": "无法访问列表页",
    "links_dropped": "列表页文章链接骤减（版面可能改版）",
    "columns_changed": "新闻栏目消失或变空",
    "empty_bodies": "文章正文为空",
    "lost_dates": "文章缺少日期",
    "shell_pages": "文章只剩页面空壳（正文、标题或日期缺失）",
    "articles_gone": "已存文章被删除（404/410）",
    "errors_rose": "请求失败增多",
    "quiet_too_long": "长期没有新文章",
}
assert set(RULE_LABELS) == {rule.name for rule in RULES}  # a new rule needs its label


def message_text(health: Health, site_name: str | None) -> str:
    """The message: in Chinese, naming the site and each problem (its rule's label, then
    the rule's own words), with the times in the sites file's zone."""
    name = f"{site_name}（{health.site_id}）" if site_name else health.site_id
    if health.status == "healthy":
        lines = [f"【parknews】站点恢复正常：{name}"]
        if health.since:
            lines.append(f"恢复时间：{health.since}")
        return "\n".join(lines)
    lines = [f"【parknews】站点异常：{name}"]
    lines += [f"- {RULE_LABELS.get(problem['rule'], problem['rule'])}：{problem['message']}"
              for problem in health.problems]
    if health.since:
        lines.append(f"异常开始：{health.since}")
    if health.last_run:
        lines.append(f"最近一次抓取：{health.last_run}")
    return "\n".join(lines)


def _json(health: Health, site_name: str | None) -> dict:
    return {"source": "parknews", "site_name": site_name, **asdict(health)}


def _dingtalk(health: Health, site_name: str | None) -> dict:
    return {"msgtype": "text", "text": {"content": message_text(health, site_name)}}


def _wecom(health: Health, site_name: str | None) -> dict:
    return {"msgtype": "text", "text": {"content": message_text(health, site_name)}}


def _feishu(health: Health, site_name: str | None) -> dict:
    return {"msg_type": "text", "content": {"text": message_text(health, site_name)}}


# the kinds POSTed as JSON to their webhook; "apprise" is the other kind
FORMATS: dict[str, Callable[[Health, str | None], dict]] = {
    "json": _json, "dingtalk": _dingtalk, "wecom": _wecom, "feishu": _feishu,
}
assert (*FORMATS, "apprise") == ALERT_KINDS  # the sites file accepts exactly these kinds


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64 of HMAC-SHA256 (key: the secret) of "timestamp\\nsecret"."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook URL with ``&timestamp=…&sign=…`` (milliseconds; the sign URL-encoded)."""
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={stamp}&sign={quote_plus(dingtalk_sign(secret, stamp))}"


def feishu_sign(secret: str, timestamp: int) -> str:
    """飞书 签名校验: base64 of HMAC-SHA256 keyed with "timestamp\\nsecret" over nothing."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def load_targets(sites_file: str | Path) -> list[AlertTarget]:
    """The ``[[alerts]]`` of a sites file (read with its sites, by the one loader)."""
    return list(load_sites_file(sites_file).alerts)


def robot_refusal(answer: bytes) -> str | None:
    """What a robot said when it refused a message (HTTP 200 with ``errcode`` for 钉钉
    and 企业微信, ``code`` or ``StatusCode`` for 飞书), else None."""
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for code, text in (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage")):
        if data.get(code) not in (None, 0, "0"):
            return f"refused: {data[code]} {data.get(text) or ''}".rstrip()
    return None


def send(target: AlertTarget, health: Health, site_name: str | None = None) -> str | None:
    """Send one alert; returns an error message, or None when it was accepted."""
    if target.kind == "apprise":
        return _send_apprise(target, health, site_name)
    payload = FORMATS[target.kind](health, site_name)
    url = target.url
    if target.secret and target.kind == "dingtalk":
        url = dingtalk_signed_url(url, target.secret)
    elif target.secret and target.kind == "feishu":
        stamp = int(time.time())
        payload = {"timestamp": str(stamp), "sign": feishu_sign(target.secret, stamp),
                   **payload}
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            if response.status >= 300:
                return f"HTTP {response.status}"
            answer = response.read()
    except (urllib.error.URLError, OSError) as exc:
        logger.warning("alert to %s failed: %s", target.url, exc)
        return str(exc)
    refusal = robot_refusal(answer) if target.kind != "json" else None
    if refusal:
        logger.warning("alert to %s %s", target.url, refusal)
    return refusal


def _send_apprise(target: AlertTarget, health: Health, site_name: str | None) -> str | None:
    try:
        import apprise
    except ImportError:
        return "the apprise kind needs apprise: pip install 'parknews[alerts]'"
    notifier = apprise.Apprise()
    if not notifier.add(target.url):
        return "apprise does not understand this URL (see its documentation of URLs)"
    failed = health.status != "healthy"
    title = f"parknews：站点{'异常' if failed else '恢复正常'} {site_name or health.site_id}"
    with apprise.LogCapture(level=logging.WARNING) as captured:
        sent = notifier.notify(body=message_text(health, site_name), title=title,
                               notify_type=(apprise.NotifyType.FAILURE if failed
                                            else apprise.NotifyType.SUCCESS))
        said = captured.getvalue().strip()
    if sent:
        return None
    logger.warning("alert through apprise failed: %s", said)
    return said.splitlines()[-1] if said else "apprise could not send the alert"
