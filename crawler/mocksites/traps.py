"""Discovery traps shared by the mock site families, each recorded on the SiteBuild.

What real crawls run into beside the article lists, configured per site in sites.toml:

- robots.txt ``Disallow:`` rules, with links to the disallowed paths on the pages (a
  search page, an admin login, an article-looking URL under a disallowed directory);
- an endless month calendar (``/calendar/?month=2024-05``, every month links the month
  before and after; any YYYY-MM answers), the classic crawler trap;
- a redirect loop (A -> B -> A) linked from the pages;
- failing links (404, 500), and links to other hosts (friend links, articles of the
  other mock sites) that a crawl must not follow.

The families place the links in their own chrome; these helpers make the routes and fill
the SiteBuild fields the tests read (``RunningSite.disallowed_urls`` and the rest).
"""

from __future__ import annotations

import calendar
import re
from functools import partial

from .common import BuildContext, error_page, esc, html_page, redirect, robots_txt
from .corpus import SiteConfig
from .model import MockRequest, Route, SiteBuild

MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")

RESTRICTED = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{title}</title></head>
<body><h1>{title}</h1>
<p>{text}</p>
<p>本页面仅供内部工作人员使用，如需访问请联系网站管理员。</p>
</body></html>
"""

CALENDAR = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{year}年{month}月 活动日历_{site}</title>
</head><body>
<div class="calendar"><h1>活动日历</h1>
<table class="calendar-month"><caption>{year}年{month}月</caption>
<thead><tr><th>一</th><th>二</th><th>三</th><th>四</th><th>五</th><th>六</th><th>日</th></tr>
</thead><tbody>
{weeks}</tbody></table>
<p class="calendar-nav"><a class="prev" href="{path}?month={prev}">&laquo; {prev_label}</a>
<a class="next" href="{path}?month={next}">{next_label} &raquo;</a></p>
<p class="calendar-empty">本月暂无活动安排。</p>
</div></body></html>
"""


# -- robots.txt ------------------------------------------------------------------------


def add_robots(out: SiteBuild, site: SiteConfig, sitemaps: tuple[str, ...] = ()) -> None:
    """Serve the site's robots.txt (Disallow/Allow from sites.toml, Sitemap: lines)."""
    disallow = list(site.get("robots_disallow", []))
    allow = list(site.get("robots_allow", []))
    out.routes["/robots.txt"] = robots_txt(disallow, allow, sitemaps)
    out.robots_disallow = disallow


def disallowed_links(
    out: SiteBuild, site: SiteConfig, ctx: BuildContext, encoding: str = "utf-8"
) -> list[tuple[str, str]]:
    """(label, path) of the links to disallowed pages; each page is served (200)."""
    links = [(label, path) for label, path in site.get("disallowed_links", [])]
    for label, path in links:
        text = f"{label}：该栏目为{site.name}内部栏目。"
        body = RESTRICTED.format(charset=encoding, title=esc(label), text=esc(text))
        out.routes[path.split("?", 1)[0]] = html_page(body, encoding)
        out.disallowed_urls.append(ctx.absolute(path))
    return links


# -- calendar trap ---------------------------------------------------------------------


def add_calendar(out: SiteBuild, site: SiteConfig, ctx: BuildContext) -> str | None:
    """Serve the endless calendar when the site has one; the path of its first month."""
    path = site.get("calendar")
    if not path:
        return None
    start = site.get("calendar_start", "2024-05")
    out.handlers[path] = partial(_calendar, path=path, start=start, site_name=site.name)
    out.trap_prefix = ctx.absolute(path)
    return f"{path}?month={start}"


def _shift(year: int, month: int, step: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + step
    return index // 12, index % 12 + 1


def _calendar(request: MockRequest, path: str, start: str, site_name: str) -> Route | None:
    match = MONTH.match(request.params.get("month", start))
    if not match:
        return None
    year, month = int(match["year"]), int(match["month"])
    if not (1 <= month <= 12 and 1 < year < 9999):
        return None
    weeks = "".join(
        "<tr>" + "".join(f"<td>{day or ''}</td>" for day in week) + "</tr>\n"
        for week in calendar.Calendar().monthdayscalendar(year, month)
    )
    (py, pm), (ny, nm) = _shift(year, month, -1), _shift(year, month, 1)
    text = CALENDAR.format(
        year=year,
        month=month,
        site=esc(site_name),
        weeks=weeks,
        path=path,
        prev=f"{py:04d}-{pm:02d}",
        next=f"{ny:04d}-{nm:02d}",
        prev_label=f"{py}年{pm}月",
        next_label=f"{ny}年{nm}月",
    )
    return html_page(text)


# -- redirect loop, failures, off-site links --------------------------------------------


def add_redirect_loop(out: SiteBuild, site: SiteConfig, ctx: BuildContext) -> str | None:
    """A -> 302 -> B -> 302 -> A; the path of A (the one to link), if the site has one."""
    pair = site.get("redirect_loop", [])
    if not pair:
        return None
    first, second = pair
    out.routes[first] = redirect(ctx.absolute(second))
    out.routes[second] = redirect(ctx.absolute(first))
    out.redirect_loop_urls = [ctx.absolute(first), ctx.absolute(second)]
    return first


def add_failing(
    out: SiteBuild, ctx: BuildContext, path: str, status: int, route: Route | None = None
) -> None:
    """Serve ``route`` (an error) at ``path`` and record the status a fetch must get.

    A 404 needs no route: it is every unknown path's answer.
    """
    if route is not None:
        out.routes[path] = route
    out.failing_urls[ctx.absolute(path)] = status


def server_error(text: str, encoding: str = "utf-8", header_charset: bool = True) -> Route:
    content_type = f"text/html; charset={encoding}" if header_charset else "text/html"
    return error_page(500, text, encoding, content_type)


def offsite_links(out: SiteBuild, site: SiteConfig, ctx: BuildContext) -> list[tuple[str, str]]:
    """(label, absolute URL) of the site's links to other hosts, recorded as off-site."""
    links = [(label, url) for label, url in site.get("friend_links", [])]
    links += [(ctx.title_of.get(key, key), ctx.url_of[key]) for key in site.get("cross_links", [])]
    out.offsite_urls.extend(url for _, url in links)
    return links
