"""Publishing the archive with Datasette: metadata, settings, and the server.

Safe by default: the archive is served immutable (or read-only with ``live``), Datasette's
write paths are refused, arbitrary SQL is off unless ``allow_sql`` is given, every query
has a time limit and a row limit, and the server binds to loopback. See
docs/publishing.md.
"""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import shlex
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from datasette.app import Datasette

from parknews.archive.dedup_report import MATRIX_SQL, MEMBERS_SQL, MOST_REPOSTED_SQL

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001

# Datasette settings of a published archive. The two limits bound what one request can
# cost: a query (table page, facet, canned query, or arbitrary SQL when allowed) is
# interrupted after ``sql_time_limit_ms``, and no page or JSON answer holds more than
# ``max_returned_rows`` rows. CSV streaming (which ignores max_returned_rows) is off.
SQL_TIME_LIMIT_MS = 3000
MAX_RETURNED_ROWS = 1000
SETTINGS = {
    "sql_time_limit_ms": SQL_TIME_LIMIT_MS,
    "max_returned_rows": MAX_RETURNED_ROWS,
    "default_page_size": 50,
    "truncate_cells_html": 300,
    "facet_time_limit_ms": 500,
    # Suggesting facets tries each column of the table (~30 queries a page): seconds at a
    # million rows. The articles' facets are set (site, park, 来源, month).
    "suggest_facets": False,
    "allow_csv_stream": False,
    "default_allow_sql": False,
}


class PublishError(Exception):
    """The archive cannot be served as asked."""


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives a database file: its stem."""
    return Path(db_path).stem


def metadata_for(db_name: str) -> dict:
    """Titles in Chinese and English, facets on site and date, readable tables."""
    return {
        "title": "parknews 园区新闻档案",
        "description_html": "中国经济开发区、高新区、工业园区新闻的存档。"
        " An archive of Chinese industrial-park news, crawled by parknews."
        ' <a href="/-/search">全文搜索 Search the archive</a>',
        "source": "parknews",
        "databases": {
            db_name: {
                "title": "园区新闻 Park news",
                "tables": {
                    "articles": {
                        "title": "文章 Articles",
                        "description": "每篇文章一行：标题、日期、来源、作者、正文。"
                        " One row per article: title, date, source (来源), author, body.",
                        "sort_desc": "published_at",
                        "label_column": "title",
                        "fts_table": "articles_fts",  # Chinese bigram index, see the plugin
                        "fts_pk": "rowid",
                        # summed from the article counts (datasette_plugin/facets.py)
                        "facets": [{"parknews": "site"}, {"parknews": "park"},
                                   {"parknews": "source"}, {"parknews": "month"}],
                        "facet_size": 10,
                        "columns": {
                            "url": "规范网址 Canonical URL",
                            "site_id": "站点 Site",
                            "title": "标题 Title",
                            "body": "正文 Body text",
                            "body_truncated": "正文截断 Full length of a body cut at "
                                              "200,000 characters",
                            "published_at": "发布时间 Published, as the page gives it "
                                            "(China time)",
                            "source": "来源 Source outlet",
                            "author": "作者 Author",
                            "summary": "核心提示/摘要 Summary",
                            "editor": "责任编辑 Editor",
                            "fetched_at": "抓取时间 Fetched (stored in UTC, shown in "
                                          "China time)",
                            "first_seen_at": "首次发现 First seen (UTC, shown in China time)",
                            "content_hash": "正文指纹 Hash of the normalised body",
                            "language": "语言 Language of the body",
                            "attachments": "附件 Attachments: JSON list of name and URL",
                            "images": "图片 Images: JSON list of src and caption",
                            "status": "状态 live, or withdrawn (404/410 since)",
                            "version": "版本 1 for the first text, +1 for each change",
                            "checked_at": "核对时间 Last fetched or confirmed unchanged "
                                          "(UTC, shown in China time)",
                            "warc_file": "存档文件 WARC file of the capture",
                        },
                    },
                    "sites": {
                        "title": "站点 Sites",
                        "description": "sites.toml 中的站点。 The sites crawled, from sites.toml.",
                        "label_column": "name",
                    },
                    "pages": {
                        "title": "抓取记录 Fetched pages",
                        "description": "每次抓取的网址、状态和错误。"
                        " Every URL fetched, with its status and any error.",
                        "sort_desc": "fetched_at",
                        "facets": ["site_id", "kind", "status", "error"],
                    },
                    "article_versions": {
                        "title": "旧版本 Earlier versions",
                        "description": "文章修改前的版本，附存档位置。"
                        " Earlier versions of changed articles, with their WARC capture.",
                        "sort_desc": "replaced_at",
                        "label_column": "title",
                    },
                    "clusters": {
                        "title": "转载聚类 Clusters",
                        "description": "每组转载一行：原发文章、篇数、站点数。"
                        " One row per repost cluster: its original, size and sites.",
                        "sort_desc": "size",
                        "facets": ["sites"],
                    },
                    "cluster_members": {
                        "title": "聚类成员 Cluster members",
                        "facets": ["cluster_id", "is_original", "exact"],
                    },
                    **{name: {"hidden": True} for name in INTERNAL_TABLES},
                    "crawl_runs": {
                        "title": "抓取运行 Crawl runs",
                        "description": "每次运行、每个站点一行：请求、状态、新增/修改/未变/撤下。"
                        " One row per run and site: requests, statuses, new, changed,"
                        " unchanged and withdrawn articles, errors, bytes.",
                        "sort_desc": "started_at",
                        "facets": ["site_id", "full_pass"],
                    },
                },
                "queries": {
                    "repost_clusters": {
                        "title": "转载聚类 Repost clusters",
                        "description": "同一篇报道的各个版本：原发在前，然后是各转载，含站点、"
                        "日期、滞后和相似度。 Each story once: its original, then every copy"
                        " with site, date, lag and similarity.",
                        "sql": MEMBERS_SQL,
                        "params": ["site"],
                    },
                    "repost_matrix": {
                        "title": "站点转载矩阵 Who reposts whom",
                        "description": "原发站点 × 转载站点：篇数和平均滞后。"
                        " Original site × reposting site: reposts and mean lag in hours.",
                        "sql": MATRIX_SQL,
                    },
                    "most_reposted": {
                        "title": "转载最多的文章 Most reposted articles",
                        "sql": MOST_REPOSTED_SQL,
                    },
                    "versions": {
                        "title": "一篇文章的各个版本 Versions of an article",
                        "description": "当前版本和所有旧版本，最新在前。"
                        " The current version and every earlier one, newest first.",
                        "sql": VERSIONS_SQL,
                    },
                },
            }
        },
    }


# Bookkeeping no reader needs: hidden from the home and database pages (still reachable by
# URL). The search index's own tables Datasette hides itself.
INTERNAL_TABLES = ("_sqlite_migrations", "dedup_signatures", "dedup_state", "search_meta",
                   "article_counts_by_month", "article_counts_by_source")

VERSIONS_SQL = """select 'current' as state, version, fetched_at, null as replaced_at, title,
  content_hash, body, warc_file, warc_offset, status
from articles where url = :url
union all
select 'earlier', version, fetched_at, replaced_at, title, content_hash, body, warc_file,
  warc_offset, null
from article_versions where url = :url
order by version desc"""


def locked_metadata(metadata: dict, allow_sql: bool = False) -> dict:
    """The metadata with the permissions of a published archive: no canned query may
    write, and unless ``allow_sql`` arbitrary SQL is denied to every actor (root too)
    at the top level and in each database, whatever the settings say."""
    locked = copy.deepcopy(metadata)
    blocks = [locked, *locked.get("databases", {}).values()]
    for block in blocks:
        if allow_sql:
            block.pop("allow_sql", None)
        else:
            block["allow_sql"] = False
    for database in locked.get("databases", {}).values():
        for name, query in database.get("queries", {}).items():
            if isinstance(query, dict) and query.get("write"):
                raise PublishError(f"canned query {name} writes: a published archive is "
                                   "read-only")
    return locked


def datasette_settings(overrides: dict | None = None, allow_sql: bool = False) -> dict:
    """SETTINGS with the overrides applied; ``default_allow_sql`` follows ``allow_sql``."""
    overrides = dict(overrides or {})
    if "default_allow_sql" in overrides:
        raise PublishError("arbitrary SQL is switched with allow_sql (parknews serve "
                           "--allow-sql), not with the default_allow_sql setting")
    return {**SETTINGS, **overrides, "default_allow_sql": allow_sql}


def parse_setting(name: str, value: str):
    """A Datasette setting given as text (``--setting NAME VALUE``), in its own type."""
    from datasette.app import DEFAULT_SETTINGS

    if name not in DEFAULT_SETTINGS:
        raise PublishError(f"unknown Datasette setting {name!r}")
    default = DEFAULT_SETTINGS[name]
    if isinstance(default, bool):
        lowered = value.strip().lower()
        if lowered in ("on", "true", "1", "yes"):
            return True
        if lowered in ("off", "false", "0", "no"):
            return False
        raise PublishError(f"setting {name} takes on or off, not {value!r}")
    if isinstance(default, int):
        try:
            number = int(value)
        except ValueError:
            raise PublishError(f"setting {name} takes a whole number, not {value!r}") from None
        if number < 0:
            raise PublishError(f"setting {name} cannot be negative")
        return number
    return value


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the server on this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def checkpoint_for_immutable(db_path: str | Path) -> str | None:
    """Make the file whole before serving it immutable: SQLite's immutable mode reads the
    main file only and assumes nobody changes it. Committed rows still in ``<db>-wal``
    (left by a killed crawl, say) are moved into the file first. Refuses a file a writer
    is writing, or one whose log cannot be emptied; returns a warning when another process
    still has the file open (harmless for a reader, not for a crawl that writes again)."""
    path = Path(db_path)
    if Path(f"{path}-journal").exists():
        raise PublishError(f"{path} has a rollback journal (a write in progress, or one "
                           "interrupted): open it with parknews or sqlite3 once, or serve "
                           "it with --live")
    wal = Path(f"{path}-wal")
    if not wal.exists():
        return None
    try:
        conn = sqlite3.connect(path, timeout=2)
        try:
            busy, log, done = conn.execute("pragma wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()  # the last connection to close removes the -wal
    except sqlite3.Error as exc:
        raise PublishError(f"cannot checkpoint {path} before serving it immutable ({exc}):"
                           " serve it with --live, or serve a copy") from None
    if busy or log != done:
        raise PublishError(f"{path} is being written (a crawl running?): serve it with "
                           "--live, or serve a copy (sqlite3 FILE \".backup COPY\")")
    if wal.exists():
        return (f"another process has {path} open; if it writes (a crawl), the immutable "
                "server shows stale or broken pages: stop it, or serve with --live")
    return None


@dataclass(frozen=True)
class ServeOptions:
    """How ``parknews serve`` runs Datasette. The defaults are the safe ones."""

    db_path: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    immutable: bool = True  # False: read-only (mode=ro), for a file crawls still write
    allow_sql: bool = False
    settings: dict = field(default_factory=dict)  # overrides of SETTINGS
    public_url: str | None = None  # the address visitors use (links, the Host trusted)

    @property
    def exposed(self) -> bool:
        """Whether other machines can reach the server."""
        return not is_loopback(self.host)

    def datasette_settings(self) -> dict:
        return datasette_settings(self.settings, self.allow_sql)

    def metadata(self) -> dict:
        return with_plugin_config(
            locked_metadata(metadata_for(database_name(self.db_path)), self.allow_sql),
            self.public_url)

    def datasette_command(self, metadata_path: str | Path = "metadata.json") -> list[str]:
        """The equivalent plain ``datasette serve`` command line, given the metadata
        (``self.metadata()``) written to ``metadata_path``; the parknews plugin is loaded
        by its entry point."""
        command = ["datasette", "serve", "-i" if self.immutable else "",
                   str(self.db_path), "-m", str(metadata_path), "-h", self.host,
                   "-p", str(self.port)]
        for name, value in sorted(self.datasette_settings().items()):
            text = ("on" if value else "off") if isinstance(value, bool) else str(value)
            command += ["--setting", name, text]
        return [part for part in command if part]

    def shell_command(self, metadata_path: str | Path = "metadata.json") -> str:
        return shlex.join(self.datasette_command(metadata_path))


def with_plugin_config(metadata: dict, public_url: str | None = None,
                       plugin_limits: dict | None = None) -> dict:
    """The metadata with the parknews plugin's settings: ``public_url`` (links and the
    Host Datasette sees) and ``limits`` (overrides of the request bounds,
    datasette_plugin/bounds.py LIMITS)."""
    config = {}
    if public_url:
        config["public_url"] = check_public_url(public_url)
    if plugin_limits:
        from parknews.archive.datasette_plugin.bounds import LIMITS

        unknown = set(plugin_limits) - set(LIMITS)
        if unknown:
            raise PublishError(f"unknown limits: {', '.join(sorted(unknown))}")
        config["limits"] = dict(plugin_limits)
    if not config:
        return metadata
    return {**metadata, "plugins": {**metadata.get("plugins", {}), "parknews": config}}


def check_public_url(url: str) -> str:
    """``http(s)://host[:port]``, without a path: the address visitors use."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or \
            parts.path not in ("", "/") or parts.query or parts.fragment:
        raise PublishError(f"public URL {url!r}: give http(s)://host[:port] only")
    return f"{parts.scheme}://{parts.netloc}"


def make_datasette(db_path: str | Path, *, immutable: bool = False, allow_sql: bool = False,
                   settings: dict | None = None, public_url: str | None = None,
                   plugin_limits: dict | None = None) -> Datasette:
    """A Datasette over one archive file, with parknews metadata, settings and the
    published archive's permissions. ``immutable``: SQLite's immutable mode (the file must
    not change while served); otherwise read-only connections. ``public_url`` and
    ``plugin_limits``: see with_plugin_config."""
    path = str(db_path)
    return Datasette(
        files=[] if immutable else [path],
        immutables=[path] if immutable else [],
        metadata=with_plugin_config(
            locked_metadata(metadata_for(database_name(db_path)), allow_sql),
            public_url, plugin_limits),
        settings=datasette_settings(settings, allow_sql),
    )


def serve(db_path: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
          options: ServeOptions | None = None) -> None:
    """Run Datasette on the archive until interrupted (safe defaults, see ServeOptions)."""
    import uvicorn

    options = options or ServeOptions(Path(db_path), host=host, port=port)
    if options.immutable:
        warning = checkpoint_for_immutable(options.db_path)
        if warning:
            print(f"parknews serve: warning: {warning}", file=sys.stderr)
    ds = make_datasette(options.db_path, immutable=options.immutable,
                        allow_sql=options.allow_sql, settings=options.settings,
                        public_url=options.public_url)
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=options.host, port=options.port, log_level="warning")
