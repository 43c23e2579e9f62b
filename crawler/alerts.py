"""Alerts: tell someone when a site turns unhealthy or recovers.

Targets are ``[[alerts]]`` tables in the sites file::

    [[alerts]]
    kind = "dingtalk"            # json (generic POST), dingtalk, wecom or feishu
    url = "https://oapi.dingtalk.com/robot/send?access_token=…"

The message formats are the robots' plain-text ones (钉钉 ``msgtype: text``, 企业微信
``msgtype: text``, 飞书 ``msg_type: text``); ``json`` posts the health record itself.
A failing target is logged and reported, never fatal.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from parknews.archive.health import Health
from parknews.crawler.sites import ALERT_KINDS, AlertTarget, load_sites_file

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds per POST


def _text(health: Health, site_name: str | None) -> str:
    name = f"{site_name}（{health.site_id}）" if site_name else health.site_id
    if health.status == "healthy":
        return f"【parknews】站点恢复正常：{name}"
    lines = [f"【parknews】站点异常：{name}"]
    lines += [f"- {problem['message']}" for problem in health.problems]
    if health.last_run:
        lines.append(f"最近一次抓取 latest run: {health.last_run}")
    return "\n".join(lines)


def _json(health: Health, site_name: str | None) -> dict:
    return {"source": "parknews", "site_name": site_name, **asdict(health)}


def _dingtalk(health: Health, site_name: str | None) -> dict:
    return {"msgtype": "text", "text": {"content": _text(health, site_name)}}


def _wecom(health: Health, site_name: str | None) -> dict:
    return {"msgtype": "text", "text": {"content": _text(health, site_name)}}


def _feishu(health: Health, site_name: str | None) -> dict:
    return {"msg_type": "text", "content": {"text": _text(health, site_name)}}


FORMATS: dict[str, Callable[[Health, str | None], dict]] = {
    "json": _json, "dingtalk": _dingtalk, "wecom": _wecom, "feishu": _feishu,
}
assert tuple(FORMATS) == ALERT_KINDS  # the sites file accepts exactly these kinds


def load_targets(sites_file: str | Path) -> list[AlertTarget]:
    """The ``[[alerts]]`` of a sites file (read with its sites, by the one loader)."""
    return list(load_sites_file(sites_file).alerts)


def send(target: AlertTarget, health: Health, site_name: str | None = None) -> str | None:
    """POST one alert; returns an error message, or None when it was accepted."""
    body = json.dumps(FORMATS[target.kind](health, site_name), ensure_ascii=False).encode()
    request = urllib.request.Request(target.url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            if response.status >= 300:
                return f"HTTP {response.status}"
    except (urllib.error.URLError, OSError) as exc:
        logger.warning("alert to %s failed: %s", target.url, exc)
        return str(exc)
    return None
