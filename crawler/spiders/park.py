"""The generic spider: list pages → article links → pagination, for any site in sites.toml.

No per-site selectors: what is an article link and what is a pager comes from the rules
in :mod:`parknews.crawler.discovery`. A list page is read (its kind, its columns, its
links classified) by :mod:`parknews.crawler.listreading`, in an extraction worker process
when the crawl has them; the spider follows the reading with what it knows (URLs seen
before, the list pages taken, a full pass or not). Every response and every failure
becomes a ``FetchedPage`` item, so the archive records what was tried as well as what
was found.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from parknews.archive.store import site_history
from parknews.crawler import discovery, jsonlists, listreading
from parknews.crawler.antibot import AntiBotBlocked
from parknews.crawler.sites import Site, load_sites, select_sites
from parknews.pipelines.extract import MAX_PAGE_BYTES, looks_binary
from parknews.pipelines.items import FetchedPage
from parknews.pipelines.workers import ExtractionPool

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # text full of zero bytes, not binary


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def content_type_of(response: Response) -> str:
    raw = response.headers.get(b"Content-Type") or b""
    return raw.decode("latin-1").strip()


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None


def is_html(response: Response) -> bool:
    """HTML by its header, or, with no usable header, by a first tag in the body."""
    ctype = content_type_of(response).split(";")[0].strip().lower()
    if ctype:
        return ctype in HTML_TYPES
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--"))


class ParkSpider(scrapy.Spider):
    """Crawl one site of sites.toml: ``scrapy crawl park -a site=ID``."""

    name = "park"

    def __init__(self, site: Site | str | None = None, sites_file: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self._site_arg = site
        self._sites_file = sites_file
        self.site: Site | None = site if isinstance(site, Site) else None
        self.known: dict[str, dict] = {}  # filled from the archive by from_crawler
        self.full_pass = True
        self.recheck_before = ""
        if self.site is not None:
            self.allowed_domains = list(self.site.hosts)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.site is None:
            spider.site = spider._load_site(crawler.settings.get("SITES_FILE", "sites.toml"))
            spider.allowed_domains = list(spider.site.hosts)
        spider._load_history(crawler.settings)
        spider._check_render(crawler)
        return spider

    def _check_render(self, crawler) -> None:
        """A site asking for ``render`` in a crawl that cannot render: said, not fatal."""
        self.render = bool(self.site and self.site.render
                           and crawler.settings.getbool("PARKNEWS_RENDER_ACTIVE"))
        self.render_problem: str | None = None
        if self.site and self.site.render and not self.render:
            from parknews.crawler.render import render_problem

            problem = (crawler.settings.get("PARKNEWS_RENDER_PROBLEM") or render_problem(
                crawler.settings) or "the crawl was not started with rendering (parknews "
                "crawl sets it up)")
            self.render_problem = problem  # in the stats once the crawl starts
            logger.error("site %s asks for render = true, but pages cannot be rendered: %s;"
                         " crawling it without a browser", self.site.id, problem)

    def _load_history(self, settings) -> None:
        """What earlier runs stored: known URLs and their validators, and the run count
        that decides whether this run walks every list page (a full pass)."""
        assert self.site is not None
        history = site_history(settings.get("ARCHIVE_DB"), self.site.id)
        self.set_history(history.known, history.runs, settings)

    def set_history(self, known: dict[str, dict], runs: int, settings) -> None:
        """The site's history (known URLs, runs recorded) and what follows from it: a
        full pass or not, and which known articles are due for a recheck."""
        assert self.site is not None
        self.known = known
        every = settings.getint("PARKNEWS_FULL_PASS_EVERY", 10)
        self.full_pass = (settings.getbool("PARKNEWS_FULL_PASS") or not self.known
                          or (every > 0 and runs % every == 0))
        days = settings.getfloat("PARKNEWS_RECHECK_DAYS", 30)
        self.recheck_before = (datetime.now(UTC) - timedelta(days=days)).isoformat(
            timespec="seconds")
        logger.info("site %s: %d known URLs, run %d, %s", self.site.id, len(self.known),
                    runs + 1, "full pass" if self.full_pass else "incremental")

    def _load_site(self, default_file: str) -> Site:
        if not self._site_arg:
            raise ValueError("the park spider needs a site: scrapy crawl park -a site=ID")
        sites = load_sites(self._sites_file or default_file)
        return select_sites(sites, [str(self._site_arg)])[0]

    # -- requests -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        assert self.site is not None
        if getattr(self, "render_problem", None):
            self.crawler.stats.set_value("render/unavailable", self.render_problem)
        hosts_seen: set[str] = set()
        for url in self.site.start_urls:
            yield self._request(url, "list", page_no=1, list_start=url, role="start")
            root = "{0.scheme}://{0.netloc}".format(urlsplit(url))
            if self.site.sitemaps and root not in hosts_seen:
                hosts_seen.add(root)
                yield scrapy.Request(root + "/robots.txt", callback=self.parse_robots,
                                     errback=self.on_probe_error,
                                     meta={"kind": "robots", "site_id": self.site.id})
        for spec in self.site.json_lists:  # declared JSON list APIs (sites.toml)
            yield self._json_request(spec, spec.first_page, spec.url, spec.url)
        for url in self.due_rechecks():  # changed or withdrawn since: found without lists
            yield self._request(url, "article", priority=-1)

    def _request(self, url: str, kind: str, referer: str | None = None,
                 encoding: str = "utf-8", **meta: Any):
        callbacks = {"list": self.parse_list, "sitemap": self.parse_sitemap,
                     "feed": self.parse_feed}
        headers = self._validators(url, kind)
        if headers:
            meta["handle_httpstatus_list"] = [304]
        priority = meta.pop("priority", 0)
        if kind in ("list", "article") and getattr(self, "render", False):
            from parknews.crawler.render import render_meta

            meta.update(render_meta(self.settings))  # drawn by the browser (render = true)
        return scrapy.Request(
            url,
            callback=callbacks.get(kind, self.parse_page),
            errback=self.on_error,
            encoding=encoding,  # a query string is percent-encoded in the page's charset
            headers=headers,
            priority=priority,
            meta={"kind": kind, "referer_url": referer, "site_id": self.site_id, **meta},
        )

    def _validators(self, url: str, kind: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for a page fetched before (not for list
        pages on a full pass: a 304 list cannot be walked)."""
        known = self.known.get(url)
        if not known or kind not in ("article", "list") or (kind == "list" and self.full_pass):
            return {}
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return headers

    def due_rechecks(self) -> list[str]:
        """Stored articles whose last check is older than ``PARKNEWS_RECHECK_DAYS``,
        oldest first, at most ``PARKNEWS_RECHECK_MAX`` a run (0 = all)."""
        due = sorted((info.get("checked_at") or "", url) for url, info in self.known.items()
                     if info["kind"] == "article"
                     and (info.get("checked_at") or "") < self.recheck_before)
        limit = self.settings.getint("PARKNEWS_RECHECK_MAX", 0) if hasattr(
            self, "settings") else 0
        return [url for _, url in (due[:limit] if limit else due)]

    def _article_request(self, url: str, referer: str | None, encoding: str = "utf-8",
                         **meta: Any) -> scrapy.Request | None:
        """The request for an article link, or None for a known article not yet due for
        its recheck (``PARKNEWS_RECHECK_DAYS``)."""
        known = self.known.get(url)
        if known and known["kind"] == "article" and (known.get("checked_at") or "") >= (
                self.recheck_before):
            self.crawler.stats.inc_value("discovery/known_skipped")
            return None
        return self._request(url, "article", referer, encoding, **meta)

    @property
    def site_id(self) -> str | None:
        """The site's id, carried by each of its requests (``meta["site_id"]``): with
        many sites in one crawler (``crawler/manysites.py``) it says whose they are."""
        return self.site.id if self.site is not None else None

    def in_scope(self, url: str) -> bool:
        assert self.site is not None
        host = (urlsplit(url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in self.site.hosts)

    # -- parsing --------------------------------------------------------------------

    def _page(self, response: Response, kind: str, error: str | None = None) -> FetchedPage:
        assert self.site is not None
        hints = dict(response.meta.get("hints") or {})
        if self.site.encoding:  # the site's override reaches extraction too
            hints["encoding"] = self.site.encoding
        return FetchedPage(
            url=response.url,
            site_id=self.site.id,
            kind=kind,
            fetched_at=utc_now(),
            status=response.status,
            content_type=content_type_of(response) or None,
            body=response.body,
            error=error,
            referer=response.meta.get("referer_url"),
            hints=hints,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            warc=response.meta.get("warc"),
        )

    def _unusable(self, response: Response) -> str | None:
        """Why a response cannot be parsed as an HTML page, or None."""
        if not response.body.strip():
            return "empty page"
        if not is_html(response):
            return f"not HTML ({content_type_of(response) or 'no content type'})"
        if len(response.body) > MAX_PAGE_BYTES:  # what extraction refuses, said here
            return (f"page too large ({len(response.body) / 2**20:.1f} MiB > "
                    f"{MAX_PAGE_BYTES / 2**20:g} MiB)")
        if looks_binary(response.body) and not response.body.startswith(UTF16_BOMS):
            return "not HTML (binary content)"
        return None

    async def parse_list(self, response: Response) -> AsyncIterator[Any]:
        """A list page (a start URL, a column, a list's next page): read in an extraction
        worker process when the crawl has a pool of them (``crawler/listreading.py``),
        else here; then followed (:meth:`follow_list`)."""
        refused = self._refused_list(response)
        if refused is not None:
            yield refused
            return
        response = self._with_site_encoding(response)
        reading = await self._read_in_worker(response)
        for obj in self.follow_list(response, reading):
            yield obj

    def parse_list_here(self, response: Response) -> Iterator[Any]:
        """:meth:`parse_list` with the page read in this process, synchronously."""
        refused = self._refused_list(response)
        if refused is not None:
            yield refused
            return
        response = self._with_site_encoding(response)
        yield from self.follow_list(response, self.read_list(response))

    def _refused_list(self, response: Response) -> FetchedPage | None:
        """The page recorded as it is when it cannot be read as a list (unchanged since
        the last run, or no usable HTML), else None."""
        if response.status == 304:  # unchanged since the last run: nothing new behind it
            self.crawler.stats.inc_value("discovery/list_not_modified")
            return self._page(response, "list")
        problem = self._unusable(response)
        if problem or not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("discovery/unusable_list")
            return self._page(response, "list", error=problem or "not text")
        return None

    def _reading_args(self, response: TextResponse) -> tuple[tuple, dict[str, Any]]:
        """The arguments of :func:`listreading.read_list` for this page: what the
        spider's state says of it."""
        meta = response.meta
        kwargs = {
            "was_list": self.known.get(response.url, {}).get("kind") == "list",
            "hub_room": meta.get("hub_depth", 0) < self.settings.getint(
                "PARKNEWS_MAX_HUB_DEPTH", 2),
            "want_links": not self._depth_limited(response),
        }
        return (self.site, meta.get("list_start", response.url), meta.get("role")), kwargs

    def _depth_limited(self, response: Response) -> bool:
        return bool(self.site.max_depth
                    and response.meta.get("depth", 0) >= self.site.max_depth)

    def read_list(self, response: TextResponse) -> listreading.ListReading:
        """The page read in this process."""
        args, kwargs = self._reading_args(response)
        return listreading.read_list(response, *args, **kwargs)

    async def _read_in_worker(self, response: TextResponse) -> listreading.ListReading:
        """The page read by the crawl's extraction workers when there are any; read here
        when there are none, or when the worker fails (the page is not lost)."""
        pool = ExtractionPool.current()
        if pool is None:
            return self.read_list(response)
        args, kwargs = self._reading_args(response)
        try:
            reading = await maybe_deferred_to_future(pool.deferred(
                listreading.read_list_page, response.body, response.url,
                response.encoding, *args, response_class=type(response), **kwargs))
        except Exception as exc:  # noqa: BLE001 - whatever the worker met: read it here
            logger.warning("list page %s: reading it in a worker failed (%s: %s); read "
                           "in the crawl process", response.url, type(exc).__name__, exc)
            self._crawl_stats.inc_value("discovery/list_reading_failed")
            return self.read_list(response)
        self._crawl_stats.inc_value("discovery/lists_read_in_workers")
        return reading

    @property
    def _crawl_stats(self):
        """The crawl's stats (in a crawl of many sites, not this site's own): what the
        crawl process did, not what the site holds."""
        stats = getattr(self.crawler, "crawl_stats", None)
        return stats if stats is not None else self.crawler.stats

    def follow_list(self, response: TextResponse, reading: listreading.ListReading
                    ) -> Iterator[Any]:
        """What a list page's reading leads to: a hub's columns, a start article's
        column, or the list's articles, pages, feeds and JSON lists."""
        if reading.action == listreading.HUB:
            yield from self.follow_hub(response, reading)
            return
        if reading.action == listreading.START_ARTICLE:
            yield from self.follow_start_article(response, reading)
            return
        role = response.meta.get("role")  # "start", "column", or None: a list's next page
        self.crawler.stats.inc_value("discovery/list_pages")
        yield self._page(response, "list")
        list_start = response.meta.get("list_start", response.url)
        page_no = response.meta.get("page_no", 1)
        if self._depth_limited(response):
            self.crawler.stats.inc_value("discovery/depth_limited")
            return  # its links would be deeper than the site allows
        found = 0
        encoding = response.encoding
        if reading.trap_links:
            self.crawler.stats.inc_value("discovery/trap_links", reading.trap_links)
        if reading.structural_links:
            self.crawler.stats.inc_value("discovery/structural_links",
                                         reading.structural_links)
        links = reading.links
        articles = [link for link in links if link["kind"] == "article"]
        stop = (not self.full_pass and articles
                and all(self.known.get(link["url"], {}).get("kind") == "article"
                        for link in articles))
        if stop:  # nothing new on this page: the pages after it hold older news
            self.crawler.stats.inc_value("discovery/stopped_at_known")
        for link in links:
            if link["kind"] == "list":
                if stop:
                    continue
                number = link.get("page_no", page_no + 1)
                if not self._take_list_page(list_start, link["url"], number):
                    continue
                yield self._request(link["url"], "list", response.url, encoding,
                                    page_no=number, list_start=list_start,
                                    column=response.meta.get("column"))
            elif link["kind"] == "article":
                found += 1
                request = self._article_request(link["url"], response.url, encoding,
                                                hints=link["hints"])
                if request is not None:
                    yield request
            else:
                found += 1
                yield self._request(link["url"], link["kind"], response.url, encoding,
                                    hints=link["hints"])
        for url in reading.feed_urls:  # (read only when the site reads sitemaps)
            yield self._request(url, "feed", response.url)
        apis = [spec for spec in reading.json_lists
                if spec not in self._json_lists_seen and self.in_scope(spec.url)]
        for spec in apis:  # a script list whose JSON source is known: asked directly
            self._json_lists_seen.add(spec)
            self.crawler.stats.inc_value(f"jsonlist/recipe/{spec.family}")
            yield self._json_request(spec, spec.first_page, response.url, list_start)
        self.crawler.stats.inc_value("discovery/article_links", found)
        if role == "column":
            self._column_fact(response.url, items=found)
        if not found:
            logger.warning("list page %s gave no article links", response.url)
            if not apis and not self._json_lists_seen:
                self._flag_js_list(response.url, reading.js_list_sign)

    # -- lists drawn by JavaScript ----------------------------------------------------

    @property
    def _json_lists_seen(self) -> set:
        if not hasattr(self, "_json_seen"):
            self._json_seen: set = set(self.site.json_lists if self.site else ())
        return self._json_seen

    def _flag_js_list(self, url: str, sign, hint: str | None = None,
                      recipe: str | None = None) -> None:
        """A list page with no article link that shows signs of a list drawn by script:
        flagged for the crawl summary and site health, with the option to turn on."""
        if sign is None and hint is None:
            return
        name = sign.name if sign else "json-list"
        hint = hint or sign.hint
        if getattr(self, "render", False) and sign is not None:
            hint = "rendered in the browser, yet no article link was found"
        stats = self.crawler.stats
        stats.inc_value("jslist/flagged")
        flagged = list(stats.get_value("jslist/hints") or [])
        if len(flagged) < 10:
            flagged.append({"url": url, "sign": name, "hint": hint,
                            **({"recipe": recipe} if recipe else {})})
            stats.set_value("jslist/hints", flagged)
        logger.warning("list page %s is drawn by JavaScript (%s): %s", url, name, hint)

    def _json_request(self, spec: jsonlists.JsonList, page: int, base: str,
                      list_start: str, previous: tuple[str, ...] = ()) -> scrapy.Request:
        args = spec.request_args(page, base)
        return scrapy.Request(
            **args, callback=self.parse_json_list, errback=self.on_error,
            meta={"kind": "list", "referer_url": base if base != args["url"] else None,
                  "site_id": self.site_id,
                  "json_list": spec, "json_page": page, "json_base": base,
                  "list_start": list_start, "json_previous": previous},
        )

    def parse_json_list(self, response: Response) -> Iterator[Any]:
        """One page of a JSON list: its items are articles; the next page follows while
        pages are full (or the total says there are more)."""
        spec: jsonlists.JsonList = response.meta["json_list"]
        page, base = response.meta["json_page"], response.meta["json_base"]
        number = page - spec.first_page + 1
        try:
            data = jsonlists.parse_json(response.body, getattr(response, "encoding", None))
        except (LookupError, ValueError) as exc:
            self.crawler.stats.inc_value("discovery/unusable_list")
            record = self._page(response, "list", error=f"not JSON ({exc.__class__.__name__})")
            record.url = _json_page_url(response.url, response.meta)
            yield record
            return
        items = jsonlists.items_of(data, spec, base)
        shape = jsonlists.item_list(data, spec)
        self.crawler.stats.inc_value("discovery/list_pages")
        self.crawler.stats.inc_value("jsonlist/pages")
        record = self._page(response, "list", error=None if shape is not None else (
            "JSON list: no item list at " + ", ".join(spec.items)))
        record.url = _json_page_url(response.url, response.meta)
        yield record
        links = [item for item in items if self.in_scope(item["url"])
                 and not discovery.trap_reason(item["url"])]
        for item in links:
            hints = {k: v for k, v in (("list_title", item.get("title")),
                                       ("list_date", item.get("date"))) if v}
            if discovery.is_attachment(item["url"]):
                yield self._request(item["url"], "attachment", response.url, hints=hints)
                continue
            request = self._article_request(item["url"], response.url, hints=hints)
            if request is not None:
                yield request
        self.crawler.stats.inc_value("discovery/article_links", len(links))
        self.crawler.stats.inc_value("jsonlist/items", len(links))
        stats = self.crawler.stats
        if links and spec.family == "declared":
            # the site's own json_lists entry works: a recipe's guess that did not is no
            # news (its note would send the user looking for a problem already solved)
            stats.inc_value("jsonlist/declared_items", len(links))
            flags = [f for f in stats.get_value("jslist/hints") or () if not f.get("recipe")]
            stats.set_value("jslist/hints", flags)
        if not links:
            declared_works = stats.get_value("jsonlist/declared_items", 0)
            if number == 1 and not (spec.family != "declared" and declared_works):
                self._flag_js_list(response.url, None, (
                    f"its JSON list API ({spec.family}) gave no items: check the json_lists "
                    "paths, or set render = true for this site"),
                    recipe=spec.family if spec.family != "declared" else None)
            return
        known = (not self.full_pass and all(
            self.known.get(item["url"], {}).get("kind") == "article" for item in links))
        if known:  # nothing new on this page: the pages after it hold older news
            self.crawler.stats.inc_value("discovery/stopped_at_known")
            return
        urls = tuple(item["url"] for item in links)
        if urls == tuple(response.meta.get("json_previous") or ()):
            return  # the API ignores the page field: the same page again ends the list
        count = jsonlists.page_count(data, spec)
        more = number < count if count is not None else (
            len(items) >= spec.per_page if spec.per_page else True)
        limit = min(x for x in (spec.max_pages, self.site.max_pages or self.settings.getint(
            "PARKNEWS_MAX_LIST_PAGES", 0), jsonlists.MAX_JSON_PAGES) if x)
        if more and number >= limit:
            self.crawler.stats.inc_value("discovery/list_pages_over_limit")
        elif more:
            yield self._json_request(spec, page + 1, base, response.meta.get("list_start", base),
                                     urls)

    def _take_list_page(self, list_start: str, url: str, number: int) -> bool:
        """Whether one more page of the list begun at ``list_start`` may be fetched: at
        most ``max_pages`` (the site's, else ``PARKNEWS_MAX_LIST_PAGES``) distinct pages a
        list, whatever its pager (links, a script pager naming every page, jpage)."""
        limit = self.site.max_pages or self.settings.getint("PARKNEWS_MAX_LIST_PAGES", 0)
        taken = self._list_pages_taken.setdefault(list_start, {list_start})
        if url in taken:
            return True
        if limit and (number > limit or len(taken) >= limit):
            self.crawler.stats.inc_value("discovery/list_pages_over_limit")
            return False
        taken.add(url)
        return True

    @property
    def _list_pages_taken(self) -> dict[str, set[str]]:
        if not hasattr(self, "_taken"):
            self._taken: dict[str, set[str]] = {}
        return self._taken

    def follow_hub(self, response: TextResponse, reading: listreading.ListReading
                   ) -> Iterator[Any]:
        """A hub page (a home page, a 新闻中心): each news column is crawled like a list
        start URL; the hub's own headlines of those columns are fetched too."""
        self.crawler.stats.inc_value("discovery/hub_pages")
        yield self._page(response, "hub")
        chosen = reading.columns
        depth = response.meta.get("hub_depth", 0) + 1
        for column in chosen:
            self.crawler.stats.inc_value("discovery/columns")
            self._column_fact(column.url, name=column.name, hub=response.url)
            yield self._request(column.url, "list", response.url, response.encoding,
                                page_no=1, list_start=column.url, role="column",
                                column=column.name, hub_depth=depth)
        for url, label in reading.hub_articles:
            request = self._article_request(url, response.url, response.encoding,
                                            hints={"list_title": label})
            if request is not None:
                yield request
        if not chosen:
            logger.warning("hub page %s led to no news column", response.url)

    def _column_fact(self, url: str, **facts: Any) -> None:
        """What this run saw of a news column (its name, the hub linking it, the article
        links of its first page, or its failure), kept in the stats for site health."""
        columns = self.crawler.stats.get_value("discovery/column_facts") or {}
        if url in columns or "name" in facts:
            columns.setdefault(url, {}).update(facts)
            self.crawler.stats.set_value("discovery/column_facts", columns)

    def follow_start_article(self, response: TextResponse,
                             reading: listreading.ListReading) -> Iterator[Any]:
        """A start URL that is an article: stored, and the column it sits in (the link
        whose directory holds it, as a breadcrumb gives) crawled as a list."""
        self.crawler.stats.inc_value("discovery/start_articles")
        yield from self.parse_page(response.replace(
            request=response.request.replace(meta={**response.meta, "kind": "article"})))
        if reading.start_column is not None:
            url, label = reading.start_column
            yield self._request(url, "list", response.url, response.encoding,
                                page_no=1, list_start=url, role="column",
                                column=label, hub_depth=1)

    def is_article_url(self, url: str) -> bool:
        """An article by the site's own patterns or the built-in URL rules."""
        assert self.site is not None
        return listreading.is_article_url(self.site, url)

    def parse_page(self, response: Response) -> Iterator[Any]:
        kind = response.meta.get("kind", "article")
        if response.status == 304:  # the stored article is current
            self.crawler.stats.inc_value("discovery/not_modified")
            yield self._page(response, kind)
            return
        if kind == "attachment":
            yield self._page(response, "attachment")
            return
        problem = self._unusable(response)
        if problem:
            self.crawler.stats.inc_value("discovery/unusable_article")
        page = self._page(self._with_site_encoding(response), kind, error=problem)
        further = self._continuations(response) if not problem else []
        if further:  # a multi-page article: its pages are fetched, then it is one item
            yield self._part_request(page, further, response)
            return
        yield page

    def _continuations(self, response: Response) -> list[str]:
        if not isinstance(response, TextResponse):
            return []
        if not discovery.may_have_parts(response.url, response.text):
            return []  # (parsing a portal page for its links costs milliseconds)
        scripts = response.xpath("//script[not(@src)]/text()").getall()
        hrefs = response.xpath("//a/@href").getall()
        urls = discovery.article_parts(response.url, scripts, hrefs)
        return [u for u in urls if self.in_scope(u)][: discovery.MAX_ARTICLE_PAGES - 1]

    def _part_request(self, page: FetchedPage, todo: list[str], response: Response):
        return scrapy.Request(
            todo[0], callback=self.parse_part, errback=self.on_part_error,
            meta={"kind": "part", "referer_url": page.url, "article_page": page,
                  "parts_todo": todo[1:], "site_id": self.site_id},
        )

    def parse_part(self, response: Response) -> Iterator[Any]:
        """Page 2.. of a multi-page article: kept with the first page, in order."""
        page: FetchedPage = response.meta["article_page"]
        part = self._page(self._with_site_encoding(response), "part",
                          error=self._unusable(response))
        yield part
        if not part.error:
            page.parts.append({"url": part.url, "body": part.body,
                               "content_type": part.content_type})
        self.crawler.stats.inc_value("discovery/article_parts")
        todo = response.meta.get("parts_todo") or []
        yield self._part_request(page, todo, response) if todo else page

    def on_part_error(self, failure: Failure) -> Iterator[Any]:
        """A lost continuation page: recorded, and the article is kept with what it has."""
        yield from self.on_error(failure)
        request = failure.request  # type: ignore[attr-defined]
        page: FetchedPage = request.meta["article_page"]
        todo = request.meta.get("parts_todo") or []
        yield self._part_request(page, todo, None) if todo else page

    # -- sitemaps and feeds ---------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """Sitemaps named by robots.txt ``Sitemap:`` lines, else a probe of /sitemap.xml."""
        text = response.text if isinstance(response, TextResponse) else (
            response.body.decode("utf-8", "replace"))
        urls = [u for u in sitemap_urls_from_robots(text.encode("utf-8"), base_url=response.url)
                if self.in_scope(u)]
        if urls:
            for url in urls:
                yield self._request(url, "sitemap", response.url)
        else:
            yield scrapy.Request(response.urljoin(discovery.SITEMAP_FALLBACK),
                                 callback=self.parse_sitemap, errback=self.on_probe_error,
                                 meta={"kind": "sitemap", "probe": True,
                                       "site_id": self.site_id})

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap index (its sitemaps are followed) or a URL set (article URLs kept)."""
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=discovery.MAX_SITEMAP_BYTES)
            except (OSError, ValueError) as exc:
                yield self._page(response, "sitemap", error=f"bad gzip: {exc}")
                return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # noqa: BLE001 - lxml raises several kinds on junk
            if not response.meta.get("probe"):
                yield self._page(response, "sitemap", error=f"not a sitemap: {exc}")
            return
        yield self._page(response, "sitemap")
        found = 0
        for entry in sitemap:
            url = (entry.get("loc") or "").strip()
            if not url or not self.in_scope(url):
                continue
            if sitemap.type == "sitemapindex":
                yield self._request(url, "sitemap", response.url)
            elif self.is_article_url(url):
                found += 1
                hints = {"sitemap_lastmod": entry["lastmod"]} if entry.get("lastmod") else {}
                request = self._article_request(url, response.url, hints=hints)
                if request is not None:
                    yield request
        self.crawler.stats.inc_value("discovery/sitemap_article_links", found)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        """An RSS/Atom feed: its items are articles."""
        urls = discovery.feed_item_urls(response.body)
        yield self._page(response, "feed", error=None if urls else "no feed items")
        for url in urls:
            url = urldefrag(response.urljoin(url))[0]
            if self.in_scope(url) and not discovery.is_attachment(url):
                request = self._article_request(url, response.url)
                if request is not None:
                    yield request

    def on_probe_error(self, failure: Failure) -> None:
        """robots.txt or /sitemap.xml missing: common and harmless, not a site failure."""
        request = failure.request  # type: ignore[attr-defined]
        logger.debug("no %s: %s", request.url, failure.getErrorMessage())

    def _with_site_encoding(self, response: Response) -> Response:
        if self.site and self.site.encoding and isinstance(response, TextResponse):
            return response.replace(encoding=self.site.encoding)
        return response

    # -- failures -------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[FetchedPage]:
        assert self.site is not None
        request = failure.request  # type: ignore[attr-defined]
        status = None
        disallowed = False
        if failure.check(AntiBotBlocked):
            status = failure.value.status
            reason = str(failure.value)
            self.crawler.stats.inc_value("discovery/blocked")
            # the wall's name, in the site's stats (a distributed worker's are per site)
            self.crawler.stats.inc_value(f"antibot/{failure.value.sign.name}")
        elif failure.check(HttpError):
            status = failure.value.response.status
            reason = f"HTTP {status}"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
            disallowed = reason == ROBOTS_DISALLOWED
        # a page robots.txt disallows is not fetched, as the site asks: no failure of it
        self.crawler.stats.inc_value("discovery/robots_disallowed" if disallowed
                                     else "discovery/failed")
        url = (request.meta.get("redirect_urls") or [request.url])[0]  # the URL as linked
        if request.meta.get("role") == "column":
            self._column_fact(url, items=0, error=reason)
        url = _json_page_url(url, request.meta)
        if disallowed:
            logger.info("disallowed by robots.txt, not fetched: %s", url)
        else:
            logger.warning("failed %s: %s", url, reason)
        yield FetchedPage(
            url=url,
            site_id=self.site.id,
            kind=request.meta.get("kind", "other"),
            fetched_at=utc_now(),
            status=status,
            error=reason,
            referer=request.meta.get("referer_url"),
        )


# The reason recorded in pages.error for a URL that robots.txt disallows (Scrapy's
# RobotsTxtMiddleware refuses it with IgnoreRequest): counted apart from the failures.
ROBOTS_DISALLOWED = "IgnoreRequest: Forbidden by robots.txt"


def _json_page_url(url: str, meta: dict) -> str:
    """The URL a page of a JSON list is recorded under: a POST list has one URL for every
    page and every column (a site's columns all ask ``/queryList``), so the fields that
    name the column and the page go in a fragment
    (``…/queryList#channelCode=col5101&webSiteCode=cjgxq&current=3``)."""
    spec = meta.get("json_list")
    if spec is None or spec.method != "POST":
        return url
    fields = []
    for key, value in sorted(json.loads(spec.body or "{}").items()):
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            fields.append(f"{key}={value}")
    fields.append(f"{spec.page_param}={meta['json_page']}")
    return f"{url}#{'&'.join(fields)}"
