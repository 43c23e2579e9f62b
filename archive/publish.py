"""Publishing the archive with Datasette: metadata, settings, and the server."""

from __future__ import annotations

import asyncio
from pathlib import Path

from datasette.app import Datasette

from archive.dedup_report import MATRIX_SQL, MEMBERS_SQL, MOST_REPOSTED_SQL

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001

SETTINGS = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 1000,
    "default_page_size": 50,
    "truncate_cells_html": 300,
    "facet_time_limit_ms": 500,
}


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
                        "facets": ["site_id", "source", "status", {"date": "published_at"}],
                        "columns": {
                            "url": "规范网址 Canonical URL",
                            "site_id": "站点 Site",
                            "title": "标题 Title",
                            "body": "正文 Body text",
                            "published_at": "发布时间 Published (ISO 8601)",
                            "source": "来源 Source outlet",
                            "author": "作者 Author",
                            "summary": "核心提示/摘要 Summary",
                            "editor": "责任编辑 Editor",
                            "fetched_at": "抓取时间 Fetched (UTC)",
                            "first_seen_at": "首次发现 First seen (UTC)",
                            "content_hash": "正文指纹 Hash of the normalised body",
                            "language": "语言 Language of the body",
                            "attachments": "附件 Attachments: JSON list of name and URL",
                            "images": "图片 Images: JSON list of src and caption",
                            "status": "状态 live, or withdrawn (404/410 since)",
                            "version": "版本 1 for the first text, +1 for each change",
                            "checked_at": "核对时间 Last fetched or confirmed unchanged (UTC)",
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


VERSIONS_SQL = """select 'current' as state, version, fetched_at, null as replaced_at, title,
  content_hash, body, warc_file, warc_offset, status
from articles where url = :url
union all
select 'earlier', version, fetched_at, replaced_at, title, content_hash, body, warc_file,
  warc_offset, null
from article_versions where url = :url
order by version desc"""


def make_datasette(db_path: str | Path) -> Datasette:
    """A Datasette over one archive file, with parknews metadata and settings."""
    return Datasette(
        files=[str(db_path)],
        metadata=metadata_for(database_name(db_path)),
        settings=SETTINGS,
    )


def serve(db_path: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run Datasette on the archive until interrupted."""
    import uvicorn

    ds = make_datasette(db_path)
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
