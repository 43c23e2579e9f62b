"""Public records describing the running mock sites and what a crawler should find there."""

from __future__ import annotations

from dataclasses import dataclass, field

# path -> (HTTP status, headers, body bytes)
Route = tuple[int, dict[str, str], bytes]


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
    """One mock site being served on its own loopback address."""

    id: str  # "trs", "dede", "destoon"
    name: str  # Chinese site name
    family: str  # "trs", "dedecms", "destoon"
    base_url: str  # "http://127.0.0.11:PORT"
    start_urls: list[str]  # the first list page
    list_urls: list[str]  # every list page URL (page 1 and 2)
    articles: dict[str, ExpectedArticle]  # every article reachable from the list pages
    non_html_urls: list[str]  # non-HTML files linked by <a> from the list pages
    encoding: str  # "utf-8" or "gbk"
    park: str = ""
    region: str = ""


@dataclass
class SiteBuild:
    """What a family template produces for one site: its routes and expectations."""

    routes: dict[str, Route]
    list_urls: list[str]
    articles: dict[str, ExpectedArticle]
    non_html_urls: list[str] = field(default_factory=list)
