"""Discovery rules as data: which links on a list page are articles, which are pagination.

No per-site selectors: URL shapes of the CMS families that park sites run on, pager
link texts, and a generic "looks like a headline in a list" cue as the fallback.
Each table is ordered most specific first; the first match names the family, which is
kept with the link for diagnostics.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from pipelines.media import is_attachment_url


class UrlRule(NamedTuple):
    family: str
    pattern: re.Pattern[str]  # matched against path?query of the absolute URL


def _rule(family: str, regex: str) -> UrlRule:
    return UrlRule(family, re.compile(regex, re.IGNORECASE))


# Article (detail) pages, by CMS family (see ../shared/realpages/CATALOGUE.md).
ARTICLE_URL_RULES: tuple[UrlRule, ...] = (
    _rule("trs", r"/t\d{8}_\d+\.s?html?$"),  # /202207/t20220705_1234.html
    _rule("trs-portal", r"/t\d{5,}\.s?html?$"),  # news.cjn.cn /t3714581.htm
    _rule("hanweb", r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"),
    _rule("hanweb-new", r"/art/\d{4}/art_[0-9a-f]{32}\.html$"),
    _rule("hanweb-new", r"/content/content_\d{10,}\.html$"),
    _rule("suzhou", r"/\d{6}/[0-9a-f]{32}\.shtml$"),
    _rule("gansu", r"/c\d+/\d{6}/\d+\.shtml$"),
    _rule("dedecms", r"/a/(?:[\w-]+/)*\d{8}/\d+\.html$"),
    _rule("dedecms", r"/plus/view\.php\?(?:.*&)?aid=\d+"),
    _rule("destoon", r"/show-\d+(?:-\d+)?\.html$"),
    _rule("destoon", r"/show\.php\?(?:.*&)?itemid=\d+"),
    _rule("phpcms", r"/html/(?:[\w-]+/)+\d{4}/\d{4}/\d+\.html$"),
    _rule("phpcms", r"[?&]a=show&catid=\d+&id=\d+"),
    _rule("siteserver", r"/contents/\d+/\d+\.html$"),
    _rule("vsb", r"/info/\d+/\d+\.htm$"),
    _rule("jeecms", r"/\d+\.jhtml$"),
    _rule("news-portal", r"/\d{4}-\d{2}/\d{2}/content_\d+\.s?html?$"),
    _rule("news-portal", r"/\d{4}/\d{2}-\d{2}/\d+\.shtml$"),
    _rule("news-portal", r"/n1/\d{4}/\d{4}/c\d+-\d+\.html$"),
    _rule("wordpress", r"/\d{4}/\d{2}/\d{2}/[^/?#]+/?$"),
    _rule("wordpress", r"/\?p=\d+$"),
    _rule("asp", r"/show_?article\.asp\?(?:.*&)?articleid=\d+"),
    _rule("asp", r"/news_?(?:view|show|detail)\.aspx?\?(?:.*&)?id=\d+"),
    _rule("dated-path", r"/20\d{2}[01]\d[0-3]\d/[\w-]+\.s?html?$"),
    _rule("dated-path", r"/20\d{2}[01]\d/\w+\.s?html?$"),
    _rule("content", r"/content_\d+\.s?html?$"),
)

# List pages after the first, by pager family.
PAGINATION_URL_RULES: tuple[UrlRule, ...] = (
    _rule("trs", r"/index_\d+\.s?html?$"),
    _rule("dedecms", r"/list_\d+_\d+\.html$"),
    _rule("destoon", r"/list-\d+-\d+\.html$"),
    _rule("wordpress", r"/page/\d+/?$"),
    _rule("empirecms", r"/index_\d+\.html$"),
    _rule("query", r"[?&](?:page|pageno|pagenum|pn|p|curpage|pageindex)=\d+(?:&|$)"),
    _rule("suffix", r"_\d+\.s?html?$"),
)

class ScriptPagerRule(NamedTuple):
    """A pager written by JavaScript: a call whose arguments give every page's URL.

    ``pattern`` captures ``count`` (pages in all), ``name`` and ``ext``; page ``i`` of
    ``count`` (0-based) is ``first`` for i = 0, else ``nth`` formatted with ``i``.
    """

    family: str
    pattern: re.Pattern[str]
    first: str
    nth: str


SCRIPT_PAGER_RULES: tuple[ScriptPagerRule, ...] = (
    # TRS WCM: createPageHTML(10, 0, "index", "html") -> index.html, index_1.html … index_9.html
    ScriptPagerRule(
        "trs",
        re.compile(r"createPageHTML\(\s*(?P<count>\d+)\s*,\s*\d+\s*,\s*[\"'](?P<name>[\w-]+)[\"']"
                   r"\s*,\s*[\"'](?P<ext>\w+)[\"']\s*\)"),
        "{name}.{ext}",
        "{name}_{i}.{ext}",
    ),
)
MAX_SCRIPT_PAGES = 1000

# Lists whose items sit in a script as XML records: Hanweb's jpage
# <script type="text/xml"><datastore><recordset><record><![CDATA[<li>…</li>]]></record>…
SCRIPT_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
SCRIPT_RECORD_MARKER = "<recordset>"  # a pager claiming more pages than this is not believed

# Anchor texts of pager links (whitespace removed before comparing).
NEXT_PAGE_TEXTS: frozenset[str] = frozenset(
    {"下一页", "下页", "后一页", "后页", "下一頁", "尾页", "末页", "最后一页", "最末页",
     ">", ">>", "»", "›", "next", "nextpage", "next»", "last"}
)
PAGE_NUMBER = re.compile(r"^\[?\d{1,4}\]?$")

# Fallback cue for sites whose article URLs no rule knows: a headline-like anchor in a
# list item or table row next to a date.
HEADLINE_MIN_CHARS = 8
HEADLINE_CONTAINERS: frozenset[str] = frozenset({"li", "tr", "dd", "dt", "td"})
DATE_NEARBY = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
CJK = re.compile(r"[\u3400-\u9fff]")
# Anchor texts that are never headlines even when long (navigation, footer, pager).
NOT_HEADLINE_TEXTS: tuple[str, ...] = ("ICP备", "公网安备", "网站地图", "联系我们", "版权所有")


def _path_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def match_rule(url: str, rules: tuple[UrlRule, ...]) -> str | None:
    """The family of the first rule matching ``url``, or None."""
    target = _path_query(url)
    for rule in rules:
        if rule.pattern.search(target):
            return rule.family
    return None


def article_family(url: str) -> str | None:
    return match_rule(url, ARTICLE_URL_RULES)


def is_attachment(url: str) -> bool:
    """A link to a file (PDF, Word, image …): recorded as an attachment, never parsed."""
    return is_attachment_url(url)


def is_pager_text(text: str) -> bool:
    compact = "".join(text.split()).lower()
    return compact in NEXT_PAGE_TEXTS or bool(PAGE_NUMBER.match(compact))


def list_scope(list_url: str) -> str:
    """The path prefix a list's own pages share: its directory."""
    path = urlsplit(list_url).path or "/"
    return path[: path.rfind("/") + 1]


def is_pagination(url: str, text: str, list_url: str) -> bool:
    """A link to another page of the same list: same directory, and a pager text or URL."""
    if urlsplit(url).path == urlsplit(list_url).path and url == list_url:
        return False
    if not (urlsplit(url).path or "/").startswith(list_scope(list_url)):
        return False
    if article_family(url) or is_attachment(url):
        return False
    if is_pager_text(text):
        return True
    return match_rule(url, PAGINATION_URL_RULES) is not None


def script_pages(scripts: list[str], page_url: str) -> list[tuple[int, str]]:
    """(page number from 1, absolute URL) of every page a script pager on this list names.

    Only pagers whose page name is this page's own (``index`` on ``index.html`` or
    ``index_3.html``) count: the same function also paginates articles.
    """
    stem = urlsplit(page_url).path.rsplit("/", 1)[-1].split(".")[0]
    pages: dict[str, int] = {}
    for text in scripts:
        for rule in SCRIPT_PAGER_RULES:
            for match in rule.pattern.finditer(text):
                name, ext, count = match["name"], match["ext"], int(match["count"])
                if stem and stem != name and not stem.startswith(name + "_"):
                    continue
                for i in range(min(count, MAX_SCRIPT_PAGES)):
                    tail = rule.first if i == 0 else rule.nth
                    url = urljoin(page_url, tail.format(name=name, ext=ext, i=i))
                    pages.setdefault(url, i + 1)
    return [(number, url) for url, number in pages.items()]


def script_records(scripts: list[str]) -> list[str]:
    """The HTML fragments of list items kept as XML records inside scripts."""
    fragments: list[str] = []
    for text in scripts:
        if SCRIPT_RECORD_MARKER in text:
            fragments.extend(m.group(1) for m in SCRIPT_RECORD.finditer(text))
    return fragments


def looks_like_headline(text: str, container_tag: str | None, context: str) -> bool:
    """The fallback cue: a long CJK anchor text in a list item that carries a date."""
    compact = "".join(text.split())
    if len(CJK.findall(compact)) < HEADLINE_MIN_CHARS:
        return False
    if any(marker in compact for marker in NOT_HEADLINE_TEXTS):
        return False
    return container_tag in HEADLINE_CONTAINERS and bool(DATE_NEARBY.search(context))
