"""Discovery rules as data: which links on a list page are articles, which are pagination.

No per-site selectors: URL shapes of the CMS families that park sites run on, pager
link texts, and a generic "looks like a headline in a list" cue as the fallback.
Each table is ordered most specific first; the first match names the family, which is
kept with the link for diagnostics.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from parknews.pipelines.media import is_attachment_url


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
    _rule("angular-detail", r"/ItemDetail\.html\?(?:.*&)?docId=\d+"),  # realpages #19
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
    ``count`` (0-based) is ``first`` for i = 0, else ``nth`` formatted with ``i`` (0-based)
    and ``n`` (1-based page number).
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
    # Provincial platforms (Gansu): createPageHTML('page_div', 10, 1, 'zwgklist', 'shtml',
    # 200) -> zwgklist.shtml, zwgklist_2.shtml … zwgklist_10.shtml (pages numbered from 1)
    ScriptPagerRule(
        "jiyuehua",
        re.compile(r"createPageHTML\(\s*[\"'][\w-]+[\"']\s*,\s*(?P<count>\d+)\s*,\s*\d+\s*,"
                   r"\s*[\"'](?P<name>[\w-]+)[\"']\s*,\s*[\"'](?P<ext>\w+)[\"']"),
        "{name}.{ext}",
        "{name}_{n}.{ext}",
    ),
)
MAX_SCRIPT_PAGES = 1000
MAX_ARTICLE_PAGES = 30  # pages of one multi-page article fetched at most

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
PAGER_DECORATION = "<>«»‹›[]【】()（）.…·-=:：|"

# Fallback cue for sites whose article URLs no rule knows: a headline-like anchor in a
# list item or table row next to a date.
HEADLINE_MIN_CHARS = 8
HEADLINE_CONTAINERS: frozenset[str] = frozenset({"li", "tr", "dd", "dt", "td"})
DATE_NEARBY = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
CJK = re.compile(r"[\u3400-\u9fff]")
# Anchor texts that are never headlines even when long (navigation, footer, pager).
NOT_HEADLINE_TEXTS: tuple[str, ...] = ("ICP备", "公网安备", "网站地图", "联系我们", "版权所有")


# Traps: URLs a crawler must not chase. Session ids are cut out of URLs (they would make
# every page new on every visit); URLs that grow without end are not followed.
SESSION_PATH_PARAM = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.I)
SESSION_QUERY_PARAMS = frozenset({"jsessionid", "phpsessid", "sessionid", "sessid",
                                  "aspsessionid", "cfid", "cftoken"})
MAX_URL_CHARS = 512
MAX_QUERY_PARAMS = 8
MAX_SEGMENT_REPEATS = 2  # /a/b/a/b/a/… : a path segment seen more often is a loop


def canonical_url(url: str) -> str:
    """The URL without session ids (``;jsessionid=…`` and ``?PHPSESSID=…&…``)."""
    url = SESSION_PATH_PARAM.sub("", url)
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [p for p in parts.query.split("&")
            if p and p.split("=", 1)[0].lower() not in SESSION_QUERY_PARAMS]
    return parts._replace(query="&".join(kept)).geturl()


def trap_reason(url: str) -> str | None:
    """Why a URL looks like a crawler trap (ever-growing), or None."""
    if len(url) > MAX_URL_CHARS:
        return f"URL longer than {MAX_URL_CHARS} characters"
    parts = urlsplit(url)
    if parts.query and parts.query.count("&") + 1 > MAX_QUERY_PARAMS:
        return f"more than {MAX_QUERY_PARAMS} query parameters"
    segments = [seg for seg in parts.path.split("/") if seg]
    if segments and max(segments.count(seg) for seg in segments) > MAX_SEGMENT_REPEATS:
        return "a path segment repeats"
    return None


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
    if compact in NEXT_PAGE_TEXTS or PAGE_NUMBER.match(compact):
        return True
    word = compact.strip(PAGER_DECORATION)  # "下一页>>", "<<上一页"
    return bool(word) and (word in NEXT_PAGE_TEXTS or bool(PAGE_NUMBER.match(word)))


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
    if not same_list_stem(url, list_url):
        return False
    if is_pager_text(text):
        return True
    return match_rule(url, PAGINATION_URL_RULES) is not None


NUMBER_RUN = re.compile(r"\d+")
PAGE_QUERY_KEYS = frozenset({"page", "pageno", "pagenum", "pn", "p", "curpage", "pageindex",
                             "start", "from", "offset", "startrecord", "endrecord"})


def _plain(value: str) -> str:
    """A query value as text, whether sent raw (园区新闻) or percent-encoded in UTF-8 or
    in the page's GBK (%D4%B0…)."""
    raw = unquote_to_bytes(value)
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return value


def _same_query_list(url: str, list_url: str) -> bool:
    """The same list when the query fields other than the page's agree (``news.asp?lb=
    园区新闻&page=2`` is not a page of ``?lb=企业动态&page=1``)."""
    def fields(target: str) -> dict[str, str]:
        query = urlsplit(target).query
        pairs = (p.partition("=") for p in query.split("&") if p)
        return {k.lower(): _plain(v) for k, _, v in pairs if k.lower() not in PAGE_QUERY_KEYS}

    if urlsplit(url).path != urlsplit(list_url).path or not urlsplit(list_url).query:
        return True
    return fields(url) == fields(list_url)


def same_list_stem(url: str, list_url: str) -> bool:
    """False when both file names carry several numbers and differ in one before the
    last: ``list-7-2.html`` is a page of ``list-7-1.html``, ``list-5-1.html`` is another
    column (DESTOON ``list-<catid>-<page>``, DedeCMS ``list_<typeid>_<page>``)."""
    if not _same_query_list(url, list_url):
        return False
    name = urlsplit(url).path.rpartition("/")[2]
    base = urlsplit(list_url).path.rpartition("/")[2]
    numbers, base_numbers = NUMBER_RUN.findall(name), NUMBER_RUN.findall(base)
    if len(numbers) < 2 or len(base_numbers) < 2:
        return True
    if NUMBER_RUN.sub("0", name) != NUMBER_RUN.sub("0", base):
        return True
    return numbers[:-1] == base_numbers[:-1]


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
                    url = urljoin(page_url, tail.format(name=name, ext=ext, i=i, n=i + 1))
                    pages.setdefault(url, i + 1)
    return [(number, url) for url, number in pages.items()]


# Hanweb jpage lists: the paging call's parameters, and the URL of page n (2..N) of the
# column page, as the jpage script itself requests it.
JPAGE_CALL = re.compile(r"\.jpage\(\s*\{(?P<args>.*?)\}\s*\)", re.S)
JPAGE_TOTAL = re.compile(r"totalRecord\s*:\s*['\"]?(\d+)")
JPAGE_PER_PAGE = re.compile(r"perPage\s*:\s*['\"]?(\d+)")
JPAGE_UNIT = re.compile(r"unitid\s*:\s*['\"]?(\d+)")
JPAGE_PAGE_URL = "{base}?uid={unit}&pageNum={n}"


def jpage_pages(scripts: list[str], page_url: str) -> list[tuple[int, str]]:
    """(page number, absolute URL) of pages 2..N of a Hanweb jpage list: the column page
    with ``?uid=<unitid>&pageNum=N``, N from totalRecord / perPage."""
    base = page_url.split("?", 1)[0].split("#", 1)[0]
    pages: list[tuple[int, str]] = []
    for text in scripts:
        for call in JPAGE_CALL.finditer(text):
            args = call["args"]
            total, per_page = JPAGE_TOTAL.search(args), JPAGE_PER_PAGE.search(args)
            unit = JPAGE_UNIT.search(args)
            if not (total and per_page and unit) or int(per_page[1]) <= 0:
                continue
            count = -(-int(total[1]) // int(per_page[1]))
            for n in range(2, min(count, MAX_SCRIPT_PAGES) + 1):
                pages.append((n, JPAGE_PAGE_URL.format(base=base, unit=unit[1], n=n)))
    return pages


def continuation_pages(scripts: list[str], article_url: str) -> list[str]:
    """Further pages of a multi-page article (TRS ``createPageHTML(3,0,"t2024…_1","html")``
    inside the article: ``…_1.html``, ``…_2.html``), in page order."""
    return [url for _, url in sorted(script_pages(scripts, article_url))
            if url != article_url.split("#", 1)[0]]


def _part_number(article_url: str, url: str) -> int | None:
    """n when ``url`` is ``<article stem>_n.<ext>`` in the article's directory."""
    base, _, name = urlsplit(article_url).path.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return None
    other_base, _, other = urlsplit(url).path.rpartition("/")
    found = re.fullmatch(re.escape(stem) + r"_(\d{1,3})\." + re.escape(ext), other)
    return int(found[1]) if found and other_base == base else None


SAFE_STEM = re.compile(r"[A-Za-z0-9_.~-]+")  # a stem no percent-encoding changes


def may_have_parts(article_url: str, text: str) -> bool:
    """False when the page's raw text shows ``article_parts`` must find nothing: no
    script pager call and no link naming the article's stem (percent-encoded links are
    only possible when the stem has characters that encoding changes). Most article
    pages fail it, and are never parsed for their links."""
    if any(rule.pattern.search(text) for rule in SCRIPT_PAGER_RULES):
        return True
    stem = urlsplit(article_url).path.rpartition("/")[2].rpartition(".")[0]
    if not stem:
        return False
    return stem + "_" in text or (not SAFE_STEM.fullmatch(stem) and "%" in text)


def article_parts(article_url: str, scripts: list[str], hrefs: list[str]) -> list[str]:
    """Further pages of a multi-page article, in page order: from a script pager
    (TRS ``createPageHTML``) and from ordinary pager links (DedeCMS ``pagelist``:
    ``1234_2.html``, ``1234_3.html``)."""
    found = dict.fromkeys(continuation_pages(scripts, article_url))
    stem = urlsplit(article_url).path.rpartition("/")[2].rpartition(".")[0]
    marker = stem + "_"
    for href in hrefs:
        # only a link naming the article's own stem can be a further page (a portal's
        # article page may carry hundreds of menu links: resolving each costs)
        if not stem or (marker not in href and "%" not in href):
            continue
        url = urljoin(article_url, href.strip()).split("#", 1)[0]
        if _part_number(article_url, url) is not None:
            found[url] = None
    return sorted(found, key=lambda url: _part_number(article_url, url) or 0)


# Sitemaps and feeds.
SITEMAP_FALLBACK = "/sitemap.xml"  # probed when robots.txt names no sitemap
MAX_SITEMAP_BYTES = 50 * 2**20  # the sitemap protocol's own limit (uncompressed)
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})


def feed_links(response_links: list[tuple[str, str, str]]) -> list[str]:
    """hrefs of ``<link rel="alternate">`` elements announcing an RSS or Atom feed, given
    (rel, type, href) triples."""
    return [href for rel, kind, href in response_links
            if "alternate" in rel.lower().split() and kind.lower().strip() in FEED_TYPES]


def feed_item_urls(body: bytes) -> list[str]:
    """Item links of an RSS 2.0 / RSS 1.0 / Atom feed; [] for anything unparsable."""
    from lxml import etree  # noqa: PLC0415 - lxml is only needed for feeds

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    urls = [t.strip() for t in root.xpath("//*[local-name()='item']/*[local-name()='link']"
                                          "/text()") if t.strip()]
    for link in root.xpath("//*[local-name()='entry']/*[local-name()='link']"):
        if (link.get("rel") or "alternate") == "alternate" and link.get("href"):
            urls.append(link.get("href").strip())
    return urls


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
