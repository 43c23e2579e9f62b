"""The log of a crawl, for people and for log collectors (``parknews crawl``).

By default the log holds warnings and errors only: no Scrapy settings, no stats dumps, no
INFO lines (``-v`` gives Scrapy's INFO, ``--log-level`` any level). It goes to standard
error, or appended to ``--log-file``. ``--log-format json`` writes one JSON object a line
for log collectors: ``time`` (ISO 8601 in the sites file's time zone), ``level``,
``logger``, ``site`` (when known: the crawler's spider, else the host of the URL, else a
``site ID:`` message), ``event`` (``log`` for a plain log line, else what happened:
``summary``, ``unhealthy``, ``alert_sent`` …), ``message`` and ``url`` (when known), and
the event's own fields. The run's own events (the ``parknews.run`` logger) are written in
JSON whatever the level; in text they are what the command prints already, and left out.

Scrapy's root handler is not installed (``LOG_ENABLED`` off: a NullHandler); this
module's handler is on the root logger instead.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

RUN_LOGGER = "parknews.run"  # the run's own events: summary, unhealthy sites, alerts
LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"  # Scrapy's
TEXT_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

_URL = re.compile(r"https?://[^\s<>'\"]+")
_SITE_PREFIX = re.compile(r"^site ([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):")


@dataclass(frozen=True)
class LogOptions:
    """Where a crawl's log goes and what it holds."""

    level: str = "WARNING"
    file: str | None = None  # appended to; None: standard error
    format: str = "text"  # or "json"
    timezone: tzinfo | None = None  # of the JSON times (default: the machine's)
    hosts: Mapping[str, str] | None = None  # host -> site id, to name a URL's site


def run_logger() -> logging.Logger:
    return logging.getLogger(RUN_LOGGER)


def event(level: int, message: str, name: str, site: str | None = None,
          url: str | None = None, **fields: Any) -> None:
    """Log one of the run's own events (JSON logs only show them)."""
    run_logger().log(level, message, extra={"event": name, "site": site, "url": url,
                                            "fields": fields})


def site_hosts(sites: Sequence) -> dict[str, str]:
    """Host -> site id of the sites' hosts (their start URLs' or allowed_domains)."""
    return {host.lower(): site.id for site in sites for host in site.hosts if host}


class JsonFormatter(logging.Formatter):
    """One JSON object a line (see the module doc)."""

    def __init__(self, timezone: tzinfo | None = None,
                 hosts: Mapping[str, str] | None = None):
        super().__init__()
        self.timezone = timezone
        self.hosts = dict(hosts or {})

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        url = getattr(record, "url", None) or url_of(record, message)
        data: dict[str, Any] = {
            "time": self.time_of(record),
            "level": record.levelname,
            "logger": record.name,
            "site": getattr(record, "site", None) or self.site_of(record, message, url),
            "event": getattr(record, "event", None) or "log",
            "message": message,
            "url": url,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update({k: v for k, v in fields.items() if k not in data})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)

    def time_of(self, record: logging.LogRecord) -> str:
        moment = (datetime.fromtimestamp(record.created, self.timezone) if self.timezone
                  else datetime.fromtimestamp(record.created).astimezone())
        return moment.isoformat(timespec="milliseconds")

    def site_of(self, record: logging.LogRecord, message: str, url: str | None) -> str | None:
        spider = getattr(record, "spider", None)
        site = getattr(getattr(spider, "site", None), "id", None)
        if site:
            return site
        if url:
            host = (urlsplit(url).hostname or "").lower()
            while host:
                if host in self.hosts:
                    return self.hosts[host]
                host = host.partition(".")[2]  # a subdomain of an allowed domain
        match = _SITE_PREFIX.match(message)
        return match[1] if match else None


def url_of(record: logging.LogRecord, message: str) -> str | None:
    """The URL a log record is about: a request or response among its arguments (Scrapy's
    log formatter passes them in a dict), else the first URL of its message."""
    args = record.args
    values = args.values() if isinstance(args, Mapping) else (args or ())
    for value in values:
        url = getattr(value, "url", None)
        if isinstance(url, str):
            return url
    match = _URL.search(message)
    return match[0].rstrip(">),.;:") if match else None


class _Levels(logging.Filter):
    """Records at the chosen level or above; the run's own events only in JSON (in text,
    they are what the command prints already)."""

    def __init__(self, level: int, json_format: bool):
        super().__init__()
        self.level = level
        self.json_format = json_format

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == RUN_LOGGER:
            return self.json_format
        return record.levelno >= self.level


def install(options: LogOptions) -> logging.Handler:
    """Put the crawl's log handler on the root logger (replacing one installed before by
    this function); returns it."""
    if options.format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}")
    handler: logging.Handler
    if options.file:
        handler = logging.FileHandler(options.file, mode="a", encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    json_format = options.format == "json"
    handler.setFormatter(JsonFormatter(options.timezone, options.hosts) if json_format
                         else logging.Formatter(TEXT_FORMAT, TEXT_DATE_FORMAT))
    handler.addFilter(_Levels(logging.getLevelName(options.level.upper()), json_format))
    handler.set_name("parknews")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "parknews"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    # Loggers below the level make no record at all (and keep_levels holds Scrapy's own
    # to it); the handler's filter still chooses what is written.
    level = logging.getLevelName(options.level.upper())
    handler.parknews_level = level  # type: ignore[attr-defined]  # for keep_levels
    root.setLevel(level)
    run_logger().setLevel(logging.INFO)
    return handler


def keep_levels() -> None:
    """After Scrapy configured logging (each ``CrawlerProcess`` does: its
    ``configure_logging`` sets the ``scrapy`` logger to DEBUG), hold Scrapy's loggers to
    the level of the handler :func:`install` put on the root logger, so that no record
    below it is made: Scrapy logs every page and item at DEBUG, and each record made
    and then dropped by the handler's filter was 1.2 % of a many-site crawl's busy time
    (``python benchmarks/scale.py --profile``). Nothing to do without that handler."""
    installed = [h for h in logging.getLogger().handlers if h.get_name() == "parknews"]
    level = getattr(installed[0], "parknews_level", None) if installed else None
    if level is None:
        return
    logging.getLogger("scrapy").setLevel(level)
    logging.getLogger().setLevel(level)


def uninstall(handler: logging.Handler) -> None:
    """Take ``install``'s handler off the root logger and close it."""
    logging.getLogger().removeHandler(handler)
    handler.close()


def crawl_log_settings() -> dict[str, Any]:
    """The Scrapy settings of a crawl logging through ``install``'s handler: Scrapy's own
    root handler off (it installs a NullHandler instead)."""
    return {"LOG_ENABLED": False,
            # nor its NullHandler, which would set the root logger back to NOTSET
            "LOG_INSTALL_ROOT_HANDLER": False}
