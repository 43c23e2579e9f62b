"""Public records describing the running mock sites and what a crawler should find there."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .routing import key_of_url

# path -> (HTTP status, headers, body bytes)
Route = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class MockRequest:
    """What a dynamic route (a handler) sees of one request."""

    method: str  # "GET", "HEAD" or "POST"
    path: str  # percent-decoded path
    params: dict[str, str]  # query string and form body fields together (body wins)
    body: bytes = b""


# A dynamic route: answers a request, or None to fall through to a 404.
Handler = Callable[[MockRequest], Route | None]


@dataclass(frozen=True)
class RequestRecord:
    """One request as a mock server received it (its request log entry)."""

    time: float  # time.time() when the request arrived
    method: str
    target: str  # path and query exactly as sent ("/news.asp?lb=%D4%B0...&page=2")
    url: str  # base URL + target
    status: int
    body: bytes = b""  # the request body (POST form), as sent
    referer: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class ListPost:
    """A POST that returns list items (Hanweb jpage ``dataproxy.jsp``), with its form."""

    url: str  # absolute, query included (startrecord/endrecord/perpage)
    form: dict[str, str]  # application/x-www-form-urlencoded fields


@dataclass
class ExpectedArticle:
    """The clean article a crawler plus extractor should produce for one page."""

    url: str  # absolute URL
    title: str
    published_at: str  # ISO, as in the corpus
    source: str
    author: str | None
    body: str  # the paragraphs (incl. sub-heading lines) joined with "\n"
    summary: str | None
    must_not_contain: list[str]  # boilerplate present on the page, absent from a clean body
    repost_of: str | None = None  # absolute URL of the original when the page is a repost


@dataclass
class RunningSite:
    """One mock site being served on its own loopback address.

    The fields after ``region`` describe discovery traps; they are empty on sites without
    them. Every URL is absolute.
    """

    id: str  # "trs", "dede", "destoon", "hanweb", "province", "wordpress", "asp"
    name: str  # Chinese site name
    family: str  # "trs", "dedecms", "destoon", "hanweb", "province", "wordpress", "asp"
    base_url: str  # "http://127.0.0.11:PORT"
    start_urls: list[str]  # the first list page
    list_urls: list[str]  # every list page reachable from the start URL by its pager
    articles: dict[str, ExpectedArticle]  # every article (one row each) the crawl must find
    non_html_urls: list[str]  # non-HTML files linked by <a> from the list pages
    encoding: str  # "utf-8", "gbk" or "gb2312"
    park: str = ""
    region: str = ""
    max_pages: int | None = None  # sites.toml max_pages, when the site sets one
    # article URL -> its further pages (TRS ``_1.html``): one row, never rows of their own
    continuation_urls: dict[str, list[str]] = field(default_factory=dict)
    # POST requests returning list records (Hanweb dataproxy.jsp), together covering all
    list_posts: list[ListPost] = field(default_factory=list)
    sitemap_urls: list[str] = field(default_factory=list)  # robots.txt Sitemap: and children
    sitemap_only_urls: list[str] = field(default_factory=list)  # articles on no list page
    feed_urls: list[str] = field(default_factory=list)  # RSS feeds linked from the pages
    robots_disallow: list[str] = field(default_factory=list)  # Disallow: path prefixes
    disallowed_urls: list[str] = field(default_factory=list)  # linked, but robots forbids
    trap_prefix: str | None = None  # URLs starting with this are an endless calendar
    redirect_loop_urls: list[str] = field(default_factory=list)  # A -> B -> A, A linked
    failing_urls: dict[str, int] = field(default_factory=dict)  # linked URL -> its status
    offsite_urls: list[str] = field(default_factory=list)  # linked URLs on other hosts
    # the site from its home page (issue 19): every article of its news columns, each
    # news column's list pages by name, and every URL of the columns a crawler must skip
    home_url: str = ""
    home_articles: dict[str, ExpectedArticle] = field(default_factory=dict)
    column_lists: dict[str, list[str]] = field(default_factory=dict)
    skipped_urls: list[str] = field(default_factory=list)
    request_log: list[RequestRecord] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._log_lock = threading.Lock()  # not a field: asdict() and copies stay possible
        self._routes: dict[str, Route] = {}  # the server's live route table (set on start)
        self._query_encoding = "utf-8"

    # -- changing the site while it runs (re-crawl tests: edits, removals, new pages) --

    def _key(self, url: str) -> str:
        return key_of_url(url, self.base_url, self._query_encoding)

    def route(self, url: str) -> Route:
        """What the server answers for ``url`` now."""
        return self._routes[self._key(url)]

    def set_route(self, url: str, route: Route) -> None:
        """Serve ``route`` (status, headers, body) at ``url`` from now on."""
        self._routes[self._key(url)] = route

    def remove_route(self, url: str) -> Route:
        """Stop serving ``url`` (it answers 404 from now on); returns what it served."""
        return self._routes.pop(self._key(url))

    def log_request(self, record: RequestRecord) -> None:
        with self._log_lock:
            self.request_log.append(record)

    def requests(self, method: str | None = None) -> list[RequestRecord]:
        """A copy of this site's request log so far (oldest first), optionally one method."""
        with self._log_lock:
            records = list(self.request_log)
        return [r for r in records if method is None or r.method == method]

    def requested_urls(self) -> list[str]:
        """The URLs requested so far, in order, repeats kept."""
        return [r.url for r in self.requests()]

    def clear_requests(self) -> None:
        with self._log_lock:
            self.request_log.clear()


@dataclass
class SiteBuild:
    """What a family template produces for one site: its routes and expectations.

    ``routes`` is keyed by path, or by :func:`common.route_key` (path plus sorted decoded
    query) for pages that differ by query string; ``handlers`` answer a path dynamically.
    """

    routes: dict[str, Route]
    list_urls: list[str]
    articles: dict[str, ExpectedArticle]
    non_html_urls: list[str] = field(default_factory=list)
    handlers: dict[str, Handler] = field(default_factory=dict)
    query_encoding: str = "utf-8"  # how the server decodes %XX in query strings
    continuation_urls: dict[str, list[str]] = field(default_factory=dict)
    list_posts: list[ListPost] = field(default_factory=list)
    sitemap_urls: list[str] = field(default_factory=list)
    sitemap_only_urls: list[str] = field(default_factory=list)
    feed_urls: list[str] = field(default_factory=list)
    robots_disallow: list[str] = field(default_factory=list)
    disallowed_urls: list[str] = field(default_factory=list)
    trap_prefix: str | None = None
    redirect_loop_urls: list[str] = field(default_factory=list)
    failing_urls: dict[str, int] = field(default_factory=dict)
    offsite_urls: list[str] = field(default_factory=list)
    home_url: str = ""  # absolute; "" = the site root
    home_articles: dict[str, ExpectedArticle] = field(default_factory=dict)  # further columns
    column_lists: dict[str, list[str]] = field(default_factory=dict)
    skipped_urls: list[str] = field(default_factory=list)


    def add_column(self, name: str, news: bool, list_urls: list[str],
                   articles: dict[str, ExpectedArticle]) -> None:
        """Record a further column: a news column's list pages and articles are what a
        crawl from the home page must find; every URL of another, what it must not fetch."""
        if news:
            self.column_lists[name] = list(list_urls)
            self.home_articles.update(articles)
        else:
            self.skipped_urls.extend([*list_urls, *articles])


# SiteBuild fields copied as they are onto RunningSite
TRAP_FIELDS = (
    "continuation_urls",
    "list_posts",
    "sitemap_urls",
    "sitemap_only_urls",
    "feed_urls",
    "robots_disallow",
    "disallowed_urls",
    "trap_prefix",
    "redirect_loop_urls",
    "failing_urls",
    "offsite_urls",
    "column_lists",
    "skipped_urls",
)
