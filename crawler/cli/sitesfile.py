"""``parknews init`` (a commented starter sites file, to begin with) and ``parknews
schema`` (the JSON Schema of the sites file, for editors)."""

from __future__ import annotations

from pathlib import Path

import click

from parknews.crawler.cli.common import fail

SITES_FILE_NAME = "sites.toml"

# The starter sites file: one real park site (a 经开区's news column), every optional key
# shown commented out with what it does. Each commented key line ("# key = value") and
# table header ("# [[alerts]]") is valid once uncommented (tests/test_init.py checks it).
STARTER = """\
# parknews sites file: what to crawl. Every key: docs/sites-file.md in parknews' docs.
# Try a site before adding it: `parknews discover URL --save sites.toml` appends its table.
# Editors complete and check this file with `parknews schema -o sites.schema.json` and a
# first line `#:schema ./sites.schema.json` (VS Code's Even Better TOML).
#
# Top-level keys (before the first [[sites]] table):
#
# When `parknews schedule` and the `parknews cron` lines crawl the sites that set no
# schedule: a cron expression, minute hour day-of-month month weekday (default: every day
# at 06:17).
# default_schedule = "17 6 * * *"
#
# The time zone of those schedules, of the `parknews cron` lines (CRON_TZ) and of the
# times in health reports and alerts (default: China's).
# timezone = "Asia/Shanghai"

# One [[sites]] table per site. Only id, name and start_urls are required.
[[sites]]
id = "whkfq"                       # letters, digits, _ - . (used in --site and in the archive)
name = "武汉经济技术开发区 区内新闻"    # shown in reports, alerts and Datasette
# Any page of the site: a home page (its news columns are found), a column, a list or an
# article. Several start URLs are crawled each with its own pages.
start_urls = ["https://www.whkfq.gov.cn/xwzx/yw/kfqyw/qnxw/"]

# Everything below is optional: uncomment what the site needs.
#
# The park (园区) and the region, for `parknews search --park` and the reports.
# park = "武汉经济技术开发区（汉南区）"
# region = "湖北省武汉市"
#
# The hosts the crawl may visit, their subdomains too (default: the start URLs' hosts).
# allowed_domains = ["www.whkfq.gov.cn"]
#
# Distinct pages followed per list or column (default 500), and links followed from a
# start URL at most (default: no limit).
# max_pages = 5
# max_depth = 3
#
# From a home page: only these news columns (a part of a column's name, or a regular
# expression searched in its URL), and never those of skip_columns.
# columns = ["区内新闻", "通知公告"]
# skip_columns = ["媒体聚焦"]
#
# Decode every page with this codec, for a site that lies about its charset.
# encoding = "gb18030"
#
# Read robots.txt Sitemap: lines (else /sitemap.xml) and RSS/Atom feeds (default: true).
# sitemaps = false
#
# For sites the built-in rules miss: regular expressions searched in absolute URLs; links
# matching article_patterns are articles, those matching list_patterns further list pages
# (these two are examples of the form, not this site's).
# article_patterns = ['/news/detail\\?no=\\d+$']
# list_patterns = ['/news/list\\.htm\\?from=\\d+$']
#
# Lists and articles drawn by JavaScript: render them in headless Chromium (needs the
# `render` extra and Chromium; default: false).
# render = true
#
# When `parknews schedule` and the `parknews cron` lines crawl this site (default:
# default_schedule): 5 cron fields, or 6 with seconds first.
# schedule = "0 */4 * * *"
#
# A JSON list API asked directly, for a list a script fills (one table per endpoint;
# the values below are an example of the form, not this site's API).
# [[sites.json_lists]]
# url = "https://www.whkfq.gov.cn/api/news/list.do"   # on the site's hosts
# method = "POST"                  # GET (fields in the query) or POST (default)
# body_format = "form"             # a POST body as "json" (default) or "form" fields
# body = { column = "qnxw" }       # fields sent with every page
# page_param = "pageNo"            # the page number's field (default "page")
# first_page = 1                   # the first page's number (default 1)
# per_page = 15                    # items a page (sent as per_page_param when given)
# per_page_param = "pageSize"
# items = "data.list"              # JSON path of the item list
# item_url = "url"                 # path, in an item, of its article URL
# item_title = "title"             # optional: an item's title
# item_date = "publishTime"        # optional: an item's date (text or epoch)
# total = "data.total"             # optional: the total item count
# max_pages = 50                   # optional: JSON pages followed at most

# More sites: more [[sites]] tables (or `parknews discover URL --save sites.toml`).

# Alerts when a site turns unhealthy or recovers (after each `parknews crawl`, and by
# `parknews health --sites sites.toml`): one [[alerts]] table per target, after the sites.
# [[alerts]]
# kind = "dingtalk"                # json (a POST of the health record), dingtalk, wecom,
#                                  # feishu, or apprise (url: an apprise URL, e.g. mailto://)
# url = "https://oapi.dingtalk.com/robot/send?access_token=YOUR_TOKEN"
# secret = "SEC..."                # dingtalk 加签 / feishu 签名校验 secret (signs each message)
"""


def next_steps(path: Path, directory: Path) -> str:
    """What to do after ``parknews init``, as printed."""
    lines = [f"wrote {path}: one example site (武汉经开区 区内新闻), every other key "
             f"commented out.", "", "Next:"]
    if directory.resolve() != Path.cwd().resolve():
        lines.append(f"  cd {directory}")
    lines += [
        "  parknews discover URL --save sites.toml   # try a park site and add it",
        "  parknews crawl                            # crawl the sites into parknews.db",
        "  parknews serve --db parknews.db           # browse and search the archive",
    ]
    return "\n".join(lines)


@click.command("init")
@click.argument("directory", default=".", required=False,
                type=click.Path(file_okay=False, path_type=Path))
def init_command(directory: Path):
    """Write a commented starter sites.toml in DIRECTORY (default: here), to begin with.

    It holds one real park site as the example (a 经开区's news column) and every other
    key of the sites file commented out, with what each does; a commented [[alerts]]
    example too. DIRECTORY is created when missing. An existing sites.toml is never
    overwritten (exit status 1).

    \b
    Example:
      parknews init
      parknews init /srv/parknews
    """
    path = directory / SITES_FILE_NAME
    if path.exists() or path.is_symlink():
        fail(f"{path} exists already: not overwritten (edit it, or remove it first)")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:
            out.write(STARTER)
    except FileExistsError:
        fail(f"{path} exists already: not overwritten (edit it, or remove it first)")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    click.echo(next_steps(path, directory))


@click.command("schema")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Write it to this file instead of standard output.")
def schema_command(output: Path | None):
    """Print the JSON Schema (draft 2020-12) of the sites file, for editors that complete
    and check TOML against one.

    It is the model the loader checks files against: every key of the top level,
    [[sites]], [[sites.json_lists]] and [[alerts]], with its type, bounds and meaning;
    any other key is refused. The same schema is kept in docs/sites.schema.json. With
    VS Code's Even Better TOML (taplo), a first line `#:schema ./sites.schema.json` in
    sites.toml points it at the file.

    \b
    Example:
      parknews schema -o sites.schema.json
    """
    from parknews.crawler.sites import schema_text

    if output is None:
        click.echo(schema_text(), nl=False)
        return
    try:
        output.write_text(schema_text(), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"wrote {output}", err=True)


COMMANDS = (init_command, schema_command)
