"""Site health: from crawl_runs and the articles, which sites broke and why.

Each rule looks at a site's recent runs and says what is wrong, or nothing; the rules
are data (``RULES``, with their thresholds beside them). A site is unhealthy while any
rule fires. A rule judges the latest run that saw what it looks at: a run whose list
pages all answered 304 (unchanged since they were last read) says nothing new about the
lists, one that read no article nothing about extraction, so such runs neither confirm
nor clear a verdict (else a broken site would look mended at its next quiet run).
The state is kept in ``site_health`` with the status last alerted about, so that
alerts go out when a site turns unhealthy or recovers, not on every run.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import NamedTuple

RECENT_RUNS = 10  # runs looked at per site
STORED_LOOKED_AT = 2000  # articles of the latest storing run looked at, at most

# thresholds
DOWN_MIN_REQUESTS = 1
LINKS_DROP = 0.5  # article links per list page below this share of the usual: layout change
EMPTY_SHARE = 0.5  # more empty extractions than this share of the pages read
EMPTY_MIN = 3
UNDATED_SHARE = 0.5  # more articles without a date than this share of those stored
UNDATED_MIN = 3
SHELL_TEXT = 50  # characters of text (spaces aside) under which a stored body is a shell's
SHELL_SHARE = 0.5  # more page shells than this share of the articles a run stored
SHELL_MIN = 3  # ... and at least this many (a title shared by this many is no title)
SHELL_SHOWN = 2  # shells named in the message
GONE_SHARE = 0.5  # more stored articles answering 404/410 than this share of those rechecked
GONE_MIN = 3
ERROR_RATE = 0.2  # errors per request above this ...
ERROR_GROWTH = 2.0  # ... and this many times the usual rate
QUIET_FACTOR = 3.0  # no new article for this many times the usual gap ...
QUIET_MIN_DAYS = 7.0  # ... and at least this many days
COLUMNS_SHOWN = 3  # columns named in one problem, the rest counted


@dataclass
class Run:
    started_at: str  # ISO 8601, UTC
    full_pass: bool
    requests: int
    responses: dict[str, int]
    errors: int
    list_pages: int  # list pages read and parsed
    links_found: int
    new: int
    changed: int
    empty: int
    undated: int
    lists_unchanged: int = 0  # list pages answering 304: read, nothing new
    unchanged: int = 0  # stored articles rechecked and found as they were
    withdrawn: int = 0  # stored articles that answered 404/410 for the first time
    blocked: int = 0  # pages answered by an anti-bot challenge (crawler/antibot.py)
    notes: dict = field(default_factory=dict)  # JSON of crawl_runs.notes


@dataclass(frozen=True)
class StoredArticle:
    """An article as a run stored it (new, or changed since it was stored)."""

    url: str
    title: str | None
    text_chars: int  # characters of its body, spaces aside
    published_at: str | None


@dataclass
class SiteState:
    site_id: str
    runs: list[Run]  # newest first
    new_article_times: list[str] = field(default_factory=list)  # first_seen_at, oldest first
    # the articles stored (new or changed) by the latest run that stored any
    stored: list[StoredArticle] = field(default_factory=list)


class Rule(NamedTuple):
    name: str
    check: Callable[[SiteState, datetime], str | None]


def host_down(state: SiteState, now: datetime) -> str | None:
    """No list page could be read: the host is down, refuses, or answers errors."""
    run = state.runs[0]
    if run.blocked and run.list_pages == 0:
        return None  # not down: behind an anti-bot wall (the rule "blocked")
    if run.list_pages + run.lists_unchanged == 0 and (
            run.errors or run.requests >= DOWN_MIN_REQUESTS):
        statuses = ", ".join(f"{s}×{n}" for s, n in sorted(run.responses.items())) or "none"
        return (f"no list page could be read in the latest run ({run.errors} failed "
                f"requests; answers: {statuses})")
    return None


def _saw(state: SiteState, what: Callable[[Run], int]) -> list[Run]:
    """The runs (newest first) that saw something of ``what``."""
    return [run for run in state.runs if what(run)]


def _which(run: Run, state: SiteState) -> str:
    return "the latest run" if run is state.runs[0] else f"the run of {run.started_at}"


def links_dropped(state: SiteState, now: datetime) -> str | None:
    """Fewer article links per list page than half the usual: a layout change, or lists
    emptied. Judged on the latest run that read a list page (not a 304)."""
    reading = _saw(state, lambda r: r.list_pages)
    if len(reading) < 2:
        return None
    latest, earlier = reading[0], reading[1:]
    usual = statistics.median(r.links_found / r.list_pages for r in earlier)
    current = latest.links_found / latest.list_pages
    if usual > 0 and current == 0:
        return (f"the list pages read in {_which(latest, state)} linked no article at all "
                f"(usually {usual:.1f} a page): the articles were taken off the lists, or "
                f"the list layout changed")
    if usual > 0 and current < usual * LINKS_DROP:
        return (f"article links per list page fell to {current:.1f} from a usual "
                f"{usual:.1f}: the list layout may have changed")
    return None


def _columns(run: Run) -> dict[str, dict]:
    value = (run.notes or {}).get("columns")
    return value if isinstance(value, dict) else {}


def columns_changed(state: SiteState, now: datetime) -> str | None:
    """A news column found from the site's hub pages in the earlier runs is no longer
    linked, or its first page lists no article any more: the site's layout changed.
    Judged on the latest run that read a hub page."""
    reading = [run for run in state.runs if _columns(run)]
    if len(reading) < 2:
        return None
    latest, earlier = _columns(reading[0]), [_columns(run) for run in reading[1:]]
    seen = Counter(url for columns in earlier for url in columns)
    problems = []
    for url, count in seen.items():
        name = next(c[url].get("name") for c in earlier if url in c) or url
        if url not in latest and count * 2 > len(earlier):
            problems.append(f"column {name} ({url}) is no longer linked from the hub page")
            continue
        usual = [c[url]["items"] for c in earlier if isinstance(c.get(url, {}).get("items"),
                                                                int)]
        now_items = latest.get(url, {}).get("items")
        if now_items == 0 and usual and statistics.median(usual) > 0:
            why = latest[url].get("error")
            problems.append(f"column {name} ({url}) lists no article any more"
                            + (f" ({why})" if why else "")
                            + f" (usually {statistics.median(usual):g} on its first page)")
    if not problems:
        return None
    return "; ".join(problems[:COLUMNS_SHOWN]) + (
        f" and {len(problems) - COLUMNS_SHOWN} more" if len(problems) > COLUMNS_SHOWN else ""
    ) + ": the site's layout may have changed"


def _read(run: Run) -> int:
    return run.new + run.changed + run.empty


def empty_bodies(state: SiteState, now: datetime) -> str | None:
    reading = _saw(state, _read)
    if not reading:
        return None
    run = reading[0]
    if run.empty >= EMPTY_MIN and run.empty > _read(run) * EMPTY_SHARE:
        return f"{run.empty} of {_read(run)} article pages gave no text in {_which(run, state)}"
    return None


def lost_dates(state: SiteState, now: datetime) -> str | None:
    storing = _saw(state, lambda r: r.new + r.changed)
    if not storing:
        return None
    run = storing[0]
    stored = run.new + run.changed
    if run.undated >= UNDATED_MIN and run.undated > stored * UNDATED_SHARE:
        return (f"{run.undated} of {stored} articles stored in {_which(run, state)} have "
                f"no date")
    return None


def shell_pages(state: SiteState, now: datetime) -> str | None:
    """Most articles the latest storing run stored are page shells: the page was served,
    its content was not (drawn by JavaScript, "内容加载中…"): next to no text, or no
    title of their own (none, or one that several share: the site's name), often no
    date either. Judged on the articles of the latest run that stored any."""
    storing = _saw(state, lambda r: r.new + r.changed)
    if not storing or not state.stored:
        return None
    shared = {title for title, count in Counter(a.title for a in state.stored
                                                if a.title).items() if count >= SHELL_MIN}
    shells = [a for a in state.stored
              if a.text_chars < SHELL_TEXT or not a.title or a.title in shared]
    if len(shells) < SHELL_MIN or len(shells) <= len(state.stored) * SHELL_SHARE:
        return None
    short = sum(a.text_chars < SHELL_TEXT for a in shells)
    untitled = sum(not a.title or a.title in shared for a in shells)
    undated = sum(not a.published_at for a in shells)
    what = ", ".join(part for part in (
        f"{short} with under {SHELL_TEXT} characters of text" if short else "",
        f"{untitled} without a title of their own" if untitled else "",
        f"{undated} without a date" if undated else "") if part)
    examples = ", ".join(a.url for a in shells[:SHELL_SHOWN])
    return (f"{len(shells)} of {len(state.stored)} articles stored in "
            f"{_which(storing[0], state)} are page shells ({what}; e.g. {examples}): "
            f"the pages are served but not their content (drawn by JavaScript, or "
            f"'loading'); try render = true, or look at the pages")


def _rechecked(run: Run) -> int:
    return run.unchanged + run.changed + run.withdrawn


def articles_gone(state: SiteState, now: datetime) -> str | None:
    """Most stored articles rechecked answer 404/410: the site removed (or moved) them,
    even while its lists still link them. Judged on the latest run that rechecked stored
    articles (one whose rechecks only met articles already gone says nothing new); known
    articles are rechecked when due (PARKNEWS_RECHECK_DAYS) or by ``crawl --full``."""
    checking = _saw(state, _rechecked)
    if not checking:
        return None
    run = checking[0]
    if run.withdrawn >= GONE_MIN and run.withdrawn > _rechecked(run) * GONE_SHARE:
        return (f"{run.withdrawn} of {_rechecked(run)} stored articles rechecked in "
                f"{_which(run, state)} answer 404/410: the site removed them (or moved them)")
    return None


def errors_rose(state: SiteState, now: datetime) -> str | None:
    latest, earlier = state.runs[0], [r for r in state.runs[1:] if r.requests]
    if not latest.requests or not earlier or latest.list_pages + latest.lists_unchanged == 0:
        return None  # a site whose lists fail is host_down's case (a 304 list did not fail)
    rate = latest.errors / latest.requests
    usual = statistics.median(r.errors / r.requests for r in earlier)
    if rate > ERROR_RATE and rate > usual * ERROR_GROWTH:
        return f"{rate:.0%} of requests failed in the latest run (usually {usual:.0%})"
    return None


def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def quiet_too_long(state: SiteState, now: datetime) -> str | None:
    times = [t for t in map(_parse, state.new_article_times) if t]
    if len(times) < 3:
        return None
    days = sorted({t.date() for t in times})
    gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
    usual = statistics.median(gaps) if gaps else 0
    silent = (now - times[-1]) / timedelta(days=1)
    limit = max(QUIET_MIN_DAYS, usual * QUIET_FACTOR)
    if silent > limit:
        return f"no new article for {silent:.0f} days (usually one every {usual:.0f})"
    return None


def blocked(state: SiteState, now: datetime) -> str | None:
    """The latest run met an anti-bot wall (加速乐 521, 瑞数 202/412): the site is not
    empty, it refuses crawlers."""
    run = state.runs[0]
    if not run.blocked:
        return None
    walls = ", ".join(sorted((run.notes or {}).get("antibot", {}))) or "an anti-bot wall"
    share = "every list page" if run.list_pages == 0 else f"{run.blocked} pages"
    return (f"blocked: {share} answered an anti-bot challenge ({walls}) in the latest run; "
            f"parknews does not solve these: ask the site for access, or list another column")


def js_list(state: SiteState, now: datetime) -> str | None:
    """The latest run that read list pages found none of their articles and saw signs
    of lists drawn by JavaScript: the option to turn on is named."""
    reading = _saw(state, lambda r: r.list_pages)
    if not reading:
        return None
    run = reading[0]
    flags = (run.notes or {}).get("js_lists") or []
    if run.links_found or not flags:
        return None
    flag = flags[0]
    return (f"list pages drawn by JavaScript ({flag.get('sign')}) gave no article link in "
            f"{_which(run, state)}: {flag.get('hint')}")


def render_unavailable(state: SiteState, now: datetime) -> str | None:
    problem = (state.runs[0].notes or {}).get("render_unavailable")
    return f"render = true, but pages could not be rendered: {problem}" if problem else None


RULES: tuple[Rule, ...] = (
    Rule("blocked", blocked),
    Rule("js_list", js_list),
    Rule("render_unavailable", render_unavailable),
    Rule("host_down", host_down),
    Rule("links_dropped", links_dropped),
    Rule("columns_changed", columns_changed),
    Rule("empty_bodies", empty_bodies),
    Rule("lost_dates", lost_dates),
    Rule("shell_pages", shell_pages),
    Rule("articles_gone", articles_gone),
    Rule("errors_rose", errors_rose),
    Rule("quiet_too_long", quiet_too_long),
)


@dataclass
class Health:
    site_id: str
    status: str  # "healthy", "unhealthy", "unknown" (never crawled)
    problems: list[dict[str, str]]
    since: str | None
    checked_at: str
    changed: bool  # the status differs from the one last alerted about
    last_run: str | None = None


def in_zone(health: Health, zone: tzinfo) -> Health:
    """The health with its times (since, checked_at, last_run: stored in UTC) shown in
    ``zone``, the sites file's time zone."""
    def moved(stamp: str | None) -> str | None:
        moment = _parse(stamp) if stamp else None
        return moment.astimezone(zone).isoformat(timespec="seconds") if moment else stamp

    return replace(health, since=moved(health.since), checked_at=moved(health.checked_at),
                   last_run=moved(health.last_run))


def _runs(conn: sqlite3.Connection, site_id: str) -> list[Run]:
    rows = conn.execute(
        "select started_at, full_pass, requests, responses, errors, list_pages, links_found,"
        " articles_new, articles_changed, empty, undated, lists_unchanged,"
        " articles_unchanged, articles_withdrawn, blocked, notes from crawl_runs"
        " where site_id = ? order by started_at desc limit ?",
        [site_id, RECENT_RUNS]).fetchall()
    return [Run(r[0] or "", bool(r[1]), r[2] or 0, json.loads(r[3] or "{}"), r[4] or 0,
                r[5] or 0, r[6] or 0, r[7] or 0, r[8] or 0, r[9] or 0, r[10] or 0,
                r[11] or 0, r[12] or 0, r[13] or 0, r[14] or 0, _notes(r[15]))
            for r in rows]


def _stored(conn: sqlite3.Connection, site_id: str, runs: list[Run]) -> list[StoredArticle]:
    """The articles stored (new, or changed: an earlier version replaced) by the latest
    run that stored any; the runs of a site never overlap (its lock), so these are the
    articles first seen or replaced since that run started."""
    storing = [run for run in runs if run.new + run.changed]
    if not storing:
        return []
    since = storing[0].started_at
    rows = conn.execute(
        "select url, title, length(replace(replace(replace(replace(coalesce(body, ''), ' ', ''),"
        " char(10), ''), char(9), ''), char(12288), '')), published_at from articles"
        " where site_id = ? and fetched_at >= ? and (first_seen_at >= ? or exists (select 1"
        " from article_versions v where v.url = articles.url and v.replaced_at >= ?))"
        " order by url limit ?", [site_id, since, since, since, STORED_LOOKED_AT]).fetchall()
    return [StoredArticle(url, title, chars or 0, published) for url, title, chars, published
            in rows]


def _notes(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def evaluate(conn: sqlite3.Connection, site_ids: list[str] | None = None,
             now: datetime | None = None, record: bool = True) -> list[Health]:
    """The health of each site (all sites of the archive by default); with ``record``
    the state is stored in ``site_health`` (``changed`` says it differs from the status
    last alerted about: call ``mark_alerted`` once the alert went out)."""
    now = now or datetime.now(UTC)
    stamp = now.isoformat(timespec="seconds")
    ids = site_ids or [row[0] for row in conn.execute("select id from sites order by id")]
    results = []
    for site_id in ids:
        runs = _runs(conn, site_id)
        previous = conn.execute("select status, since, alerted from site_health "
                                "where site_id = ?", [site_id]).fetchone()
        if not runs:
            results.append(Health(site_id, "unknown", [], None, stamp, False))
            continue
        times = [r[0] for r in conn.execute(
            "select first_seen_at from articles where site_id = ? order by first_seen_at",
            [site_id])]
        state = SiteState(site_id, runs, times, _stored(conn, site_id, runs))
        problems = [{"rule": rule.name, "message": message} for rule in RULES
                    if (message := rule.check(state, now))]
        status = "unhealthy" if problems else "healthy"
        since = previous[1] if previous and previous[0] == status else runs[0].started_at
        alerted = previous[2] if previous else "healthy"  # a new site starts as healthy
        health = Health(site_id, status, problems, since, stamp, status != alerted,
                        runs[0].started_at)
        results.append(health)
        if record:
            conn.execute(
                "insert into site_health (site_id, status, problems, since, checked_at, "
                "alerted) values (?, ?, ?, ?, ?, ?) on conflict(site_id) do update set "
                "status = excluded.status, problems = excluded.problems, "
                "since = excluded.since, checked_at = excluded.checked_at",
                [site_id, status, json.dumps(problems, ensure_ascii=False), since, stamp,
                 alerted])
    if record:
        conn.commit()
    return results


def mark_alerted(conn: sqlite3.Connection, health: Health) -> None:
    conn.execute("update site_health set alerted = ? where site_id = ?",
                 [health.status, health.site_id])
    conn.commit()
