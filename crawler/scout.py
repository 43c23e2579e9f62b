"""``parknews discover URL``: what a site's start page leads to, before its first crawl.

The spider fetches the start page and at most ``max_pages`` more: the first page of each
news column it finds (or the start page itself when it is a list), then a few articles
of each column, which the extractor reads for their title, date and 来源. Nothing is
stored; the findings are kept on the spider for the command to print
(:func:`format_report`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from parknews.crawler import discovery, jsonlists
from parknews.crawler.antibot import AntiBotBlocked
from parknews.crawler.columns import Column
from parknews.crawler.pageanalysis import PageAnalysis, analyse_response, column_prefix

logger = logging.getLogger(__name__)


@dataclass
class Sample:
    url: str
    title: str | None = None
    published_at: str | None = None
    source: str | None = None
    error: str | None = None


@dataclass
class ColumnReport:
    name: str
    url: str
    source: str  # how it was found: "more", "menu", "badge", "sibling", "start"
    kind: str = ""  # what the column's first page is: list, hub, other …
    pager: str = "none"  # "links", "createPageHTML", "jpage" or "none"
    page_count: int | None = None
    items: int = 0
    newest: str | None = None
    samples: list[Sample] = field(default_factory=list)
    problem: str | None = None  # why it gave nothing (a list drawn by script …)


@dataclass
class Discovery:
    url: str
    kind: str = ""  # what the start page is
    why: str = ""
    title: str = ""  # the start page's <title>
    columns: list[ColumnReport] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    blocked: str | None = None  # an anti-bot wall met
    robots: list[str] = field(default_factory=list)  # URLs robots.txt forbids
    pages: int = 0

    @property
    def found(self) -> bool:
        return any(c.items for c in self.columns)


def pager_kind(response: TextResponse, analysis: PageAnalysis) -> str:
    scripts = response.xpath("//script[not(@src)]/text()").getall()
    if discovery.jpage_pages(scripts, response.url):
        return "jpage"
    if discovery.script_pages(scripts, response.url):
        return "createPageHTML"
    return "links" if analysis.pagers else "none"


class DiscoverSpider(scrapy.Spider):
    name = "discover"
    custom_settings = {"ITEM_PIPELINES": {}, "PARKNEWS_WARC_ENABLED": False,
                       "EXTENSIONS": {}, "LOG_LEVEL": "WARNING"}

    def __init__(self, url: str, max_pages: int = 30, samples: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.start_url = url
        self.max_pages = max_pages
        self.samples = samples
        self.result = Discovery(url=url)
        host = (urlsplit(url).hostname or "").lower()
        self.allowed_domains = [host]
        self._asked = 0
        self._samples: dict[str, Sample] = {}

    def in_scope(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in self.allowed_domains)

    def _ask(self, url: str, callback, encoding: str = "utf-8", **meta
             ) -> scrapy.Request | None:
        if self._asked >= self.max_pages:
            return None
        self._asked += 1
        # a query string is percent-encoded in the page's charset (GBK ?lb=园区新闻), and
        # reported as asked (as the crawl records it)
        request = scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                                 encoding=encoding)
        for key in ("report", "sample"):
            if key in meta:
                meta[key].url = request.url
        return request

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse_start, errback=self.on_error)

    def _analyse(self, response: Response, expect_list: bool = False) -> PageAnalysis | None:
        if not isinstance(response, TextResponse):
            return None
        return analyse_response(response, self.in_scope, expect_list)

    def parse_start(self, response: Response) -> Iterator[scrapy.Request]:
        self.result.pages += 1
        analysis = self._analyse(response)
        if analysis is None:
            self.result.kind, self.result.why = "other", "not an HTML page"
            return
        self.result.kind, self.result.why = analysis.kind, analysis.why
        self.result.title = " ".join((response.xpath("//title/text()").get() or "").split())
        if analysis.kind == "hub":
            columns = analysis.columns
        elif analysis.kind == "article":
            columns = self._column_of_article(analysis)
        else:
            name = self.result.title.split("_")[0].split("-")[0].strip() or "start page"
            columns = []
            report = ColumnReport(name, response.url, "start")
            self.result.columns.append(report)
            yield from self._read_column(response, analysis, report)
        for column in columns:
            report = ColumnReport(column.name, column.url, column.source)
            self.result.columns.append(report)
            request = self._ask(column.url, self.parse_column, response.encoding,
                                report=report)
            if request is not None:
                yield request

    def _column_of_article(self, analysis: PageAnalysis) -> list[Column]:
        best, prefix_len = None, 0
        for link in analysis.links:
            prefix = column_prefix(link.url)
            if (prefix and analysis.url.startswith(prefix) and len(prefix) > prefix_len
                    and link.url != analysis.url and not discovery.article_family(link.url)
                    and urlsplit(prefix).path not in ("", "/")):
                best, prefix_len = link, len(prefix)
        return [Column(best.url, best.label, "breadcrumb", 0)] if best else []

    def parse_column(self, response: Response) -> Iterator[scrapy.Request]:
        self.result.pages += 1
        report: ColumnReport = response.meta["report"]
        analysis = self._analyse(response, expect_list=True)
        if analysis is None:
            report.kind, report.problem = "other", "not an HTML page"
            return
        yield from self._read_column(response, analysis, report)

    def _read_column(self, response: Response, analysis: PageAnalysis,
                     report: ColumnReport) -> Iterator[scrapy.Request]:
        report.kind = analysis.kind
        report.pager = pager_kind(response, analysis)
        report.page_count = analysis.page_count
        if analysis.kind == "hub":
            report.problem = "a page of further columns"
            known = {c.url for c in self.result.columns}
            for column in analysis.columns:  # its columns are read as the crawl reads them
                if column.url in known:
                    continue
                more = ColumnReport(column.name, column.url, f"{column.source} on {report.name}")
                self.result.columns.append(more)
                request = self._ask(column.url, self.parse_column, response.encoding,
                                    report=more)
                if request is not None:
                    yield request
            return
        report.items = len(analysis.articles) + len(analysis.attachments)
        dates = sorted(analysis.dates.values(), key=_date_key)
        report.newest = dates[-1] if dates else None
        if not report.items:
            sign = jsonlists.js_list_sign(response.text)
            if sign is not None:
                report.problem = (f"a list drawn by JavaScript ({sign.name}): {sign.hint}")
            else:
                report.problem = f"no list found ({analysis.why})"
        for link in analysis.articles[: self.samples]:
            if link.url in self._samples:  # asked for another column already
                report.samples.append(self._samples[link.url])
                continue
            sample = self._samples[link.url] = Sample(link.url)
            report.samples.append(sample)
            request = self._ask(link.url, self.parse_sample, response.encoding, sample=sample)
            if request is None:
                sample.error = f"not fetched: the page budget ({self.max_pages}) is spent"
            else:
                yield request

    def parse_sample(self, response: Response) -> None:
        from parknews.pipelines.extract import extract  # noqa: PLC0415 - only for samples

        self.result.pages += 1
        sample: Sample = response.meta["sample"]
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        article = extract(response.body, url=response.url, content_type=ctype or None)
        sample.title, sample.published_at = article.title, article.published_at
        sample.source = article.source
        if not article.body:
            sample.error = "no article text found"

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(AntiBotBlocked):
            reason = str(failure.value)
            self.result.blocked = reason
        elif failure.check(IgnoreRequest) and "robots" in failure.getErrorMessage().lower():
            reason = "forbidden by robots.txt"
            self.result.robots.append(request.url)
        elif failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.result.failures.append((request.url, reason))
        sample = request.meta.get("sample")
        if sample is not None:
            sample.error = reason
        report = request.meta.get("report")
        if report is not None:
            report.problem = reason


def _date_key(text: str) -> tuple[int, ...]:
    import re  # noqa: PLC0415

    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


# -- running it, and what it says -----------------------------------------------------


def run_discover(url: str, max_pages: int = 30, samples: int = 3,
                 overrides: dict | None = None) -> Discovery:
    """Fetch ``url`` and at most ``max_pages`` more pages; block until done."""
    from scrapy.crawler import CrawlerProcess  # noqa: PLC0415

    from parknews.crawler import settings as project  # noqa: PLC0415
    from parknews.crawler.runner import crawl_settings  # noqa: PLC0415

    middlewares = {**project.DOWNLOADER_MIDDLEWARES,
                   "parknews.crawler.warcmiddleware.WarcCaptureMiddleware": None}  # nothing kept
    settings = crawl_settings(":memory:", {"DOWNLOADER_MIDDLEWARES": middlewares,
                                           "ITEM_PIPELINES": {}, "EXTENSIONS": {},
                                           "LOG_LEVEL": "WARNING", **(overrides or {})})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DiscoverSpider)
    process.crawl(crawler, url=url, max_pages=max_pages, samples=samples)
    process.start()
    return crawler.spider.result


def why_nothing(result: Discovery) -> str:
    """Why no list was found, in words a person can act on."""
    if result.blocked:
        return (f"the site answered with an anti-bot wall ({result.blocked}); parknews does "
                f"not solve these: ask the site for access, or try another column's URL")
    if result.robots:
        return (f"robots.txt forbids crawling {result.robots[0]}: parknews obeys it; try "
                f"a page robots.txt allows")
    problems = [c.problem for c in result.columns if c.problem]
    scripted = [p for p in problems if p.startswith("a list drawn by JavaScript")]
    if scripted:
        return (f"{scripted[0]}; declare its JSON list API in sites.toml ([[sites.json_lists]]) "
                f"or set render = true")
    if result.failures and not result.pages:
        url, reason = result.failures[0]
        return f"the page could not be fetched: {reason} ({url})"
    if not result.columns:
        return (f"the page is {result.kind or 'unreadable'} ({result.why}) and names no news "
                f"column; give a news column's list page instead, or name columns in "
                f"sites.toml (columns = [...])")
    return "; ".join(dict.fromkeys(problems)) or "the columns found list no article"


def format_report(result: Discovery) -> str:
    if result.kind:
        article = "an" if result.kind[0] in "aeiou" else "a"
        lines = [f"{result.url}", f"  {article} {result.kind} page: {result.why}"]
    else:
        lines = [f"{result.url}", "  not read"]
    if result.title:
        lines.append(f"  title: {result.title}")
    lines.append("")
    others = [c for c in result.columns if not c.items]
    for column in [c for c in result.columns if c.items]:
        pages = f", {column.page_count} pages" if column.page_count else ""
        newest = f", newest {column.newest}" if column.newest else ""
        lines.append(f"{column.name or '(unnamed)'}  {column.url}")
        lines.append(f"  found by: {column.source}; {column.kind or 'not fetched'}; "
                     f"{column.items} items on its first page; pager: {column.pager}"
                     f"{pages}{newest}")
        if column.problem:
            lines.append(f"  note: {column.problem}")
        for sample in column.samples:
            if sample.error:
                lines.append(f"    - {sample.url}: {sample.error}")
                continue
            lines.append(f"    - {sample.title or '(no title)'}")
            lines.append(f"      {sample.published_at or 'no date'} · 来源 "
                         f"{sample.source or '-'} · {sample.url}")
        lines.append("")
    if others:
        lines.append("Looked at, no list of articles: " + "; ".join(
            f"{c.name or c.url} ({c.problem or c.kind or 'not fetched'})" for c in others))
    lines.append(f"{result.pages} pages fetched.")
    if not result.found:
        lines.append(f"Nothing to crawl found: {why_nothing(result)}.")
    return "\n".join(lines)


def site_table(result: Discovery, site_id: str | None = None, name: str | None = None) -> str:
    """A ``[[sites]]`` table for the discovered site, as sites.toml text."""
    import json  # noqa: PLC0415
    import re  # noqa: PLC0415

    host = (urlsplit(result.url).hostname or "site").lower().removeprefix("www.")
    site_id = site_id or re.sub(r"[^A-Za-z0-9_.-]", "-", host)[:64]
    if not name:
        parts = [p.strip() for p in re.split(r"[_|—\-–]+", result.title) if p.strip()]
        name = (parts[-1] if result.kind != "hub" and parts else result.title) or host
    lines = ["", "[[sites]]", f"id = {json.dumps(site_id)}",
             f"name = {json.dumps(name, ensure_ascii=False)}",
             f"start_urls = [{json.dumps(result.url)}]"]
    found = [c.name for c in result.columns if c.items and c.source != "start"]
    if found:
        lines.append("# columns found by `parknews discover`: "
                     + ", ".join(n for n in found if n))
    return "\n".join(lines) + "\n"
