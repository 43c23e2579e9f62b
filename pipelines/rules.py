"""Chinese extraction heuristics, kept as data.

Every tuple is ordered most specific first; the code in ``boilerplate``, ``metadata``
and ``extract`` only walks these tables. Sources: the CMS families described in the
project's structure catalogue (TRS WCM, Hanweb, 集约化 platforms, DedeCMS, DESTOON,
PHPCMS, EmpireCMS, WordPress) and the chrome that gov.cn-style pages share.
"""

from __future__ import annotations

import re
from typing import NamedTuple


def _cls(name: str) -> str:
    """XPath predicate: the element has ``name`` among its class tokens."""
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


# --------------------------------------------------------------------------- body


class ContainerRule(NamedTuple):
    """Where a CMS family keeps the article body."""

    family: str
    xpath: str
    min_chars: int  # fewer text characters: the container is not the article
    max_link_density: float  # share of the text inside links above which it is a list


CONTAINERS: tuple[ContainerRule, ...] = (
    ContainerRule("trs", f"//div[{_cls('trs_editor_view')}]", 10, 0.5),
    ContainerRule("trs", f"//div[{_cls('TRS_Editor')}]", 10, 0.5),
    ContainerRule("hanweb", '//*[comment()[contains(., "<$[信息内容]>begin")]]', 10, 0.5),
    ContainerRule("hanweb", '//*[comment()[contains(., "ZJEG_RSS.content.begin")]]', 10, 0.5),
    ContainerRule("hanweb", '//*[@id="zoom"]', 10, 0.5),
    ContainerRule("govcn", '//*[@id="UCAP-CONTENT"]', 10, 0.5),
    ContainerRule("jiyuehua", '//*[@id="detailContent"]', 10, 0.5),
    ContainerRule("epoint", '//*[@id="ivs_content"]', 10, 0.5),
    ContainerRule("epoint", f"//*[{_cls('ewb-article-content')}]", 10, 0.5),
    ContainerRule("founder", '//*[comment()[contains(., "enpcontent")]]', 30, 0.4),
    ContainerRule("destoon", f'//div[@id="article"][{_cls("content")}]', 10, 0.5),
    ContainerRule("trs-v2", f"//div[{_cls('article_content')}]", 30, 0.4),
    ContainerRule("wordpress", f"//div[{_cls('entry-content')}]", 30, 0.4),
    ContainerRule("phpcms", f'//div[@id="Article"]/div[{_cls("content")}]', 30, 0.4),
    ContainerRule("dedecms", '//div[@class="content"]', 80, 0.3),
)

# A container whose text holds any of these wraps the page footer, not the article.
PAGE_CHROME_MARKERS: tuple[str, ...] = ("ICP备", "公网安备", "网站标识码", "版权所有")

# Tags whose content is never text; removed before anything else.
DROP_TAGS: tuple[str, ...] = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
    "canvas", "input", "select", "textarea", "button", "map", "audio", "video", "source",
)

HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# Class or id fragments that mark chrome blocks (matched as whole tokens; pinyin
# abbreviations common on Chinese sites included).
CHROME_CLASS_TOKENS: tuple[str, ...] = (
    "share", "bdshare", "bshare", "jiathis", "fenxiang", "social", "print", "dayin",
    "related", "relevant", "xgxw", "xgwz", "xgyd", "xglj", "recommend", "tuijian", "rank",
    "paihang", "phb", "hot", "hotnews", "comment", "comments", "pinglun", "prenext",
    "pre_next", "prev-next", "disclaimer", "mianze", "statement", "copyright", "footer",
    "breadcrumb", "crumb", "qrcode", "ewm", "erweima", "font-size", "fontsize", "zihao",
)
CHROME_CLASS = re.compile(
    r"(?:^|[\s_-])(?:" + "|".join(re.escape(t) for t in CHROME_CLASS_TOKENS) + r")(?:$|[\s_-]|\d)",
    re.I,
)

# ----------------------------------------------------------------- boilerplate text

# A block (heading, box) whose text starts with one of these, with the list that
# follows it, is chrome. ``trailing`` headings also end the article when met as a line.
BLOCK_HEADINGS: tuple[str, ...] = (
    "相关新闻", "相关链接", "相关阅读", "相关文章", "相关稿件", "相关报道", "相关资讯",
    "推荐阅读", "推荐资讯", "推荐图文", "精彩推荐", "热点推荐", "热门推荐", "热门文章",
    "热点新闻", "点击排行", "热门排行", "阅读排行", "新闻排行", "排行榜", "猜你喜欢",
    "同类资讯", "同类文章", "更多精彩", "往期回顾", "网友评论", "我要评论", "发表评论",
)

# Statement blocks: dropped whole when short enough to be a notice, not an article.
STATEMENT_MARKERS: tuple[str, ...] = ("免责声明", "版权声明", "特别声明", "郑重声明")
STATEMENT_MAX_CHARS = 600


class LineRule(NamedTuple):
    """A line of text that is chrome when it matches and is at most ``max_len`` long."""

    name: str
    pattern: re.Pattern[str]
    max_len: int


LINE_RULES: tuple[LineRule, ...] = (
    LineRule("icp", re.compile(r"ICP\s*[备证]|备案号|京ICP|ICP\s*\d"), 200),
    LineRule("police", re.compile(r"公网安备|公安备案|网安备"), 200),
    LineRule("site-code", re.compile(r"网站标识码|网站识别码"), 200),
    LineRule("sponsor", re.compile(
        r"^(?:主办|承办|协办|技术支持|运行维护|运维|建设维护|管理维护|网站维护|主管)"
        r"(?:单位)?\s*[:：]"), 200),
    LineRule("copyright", re.compile(
        r"版权所有|copyright|all rights reserved|©|\(c\)\s*\d{4}|未经授权.{0,10}(?:转载|复制)",
        re.I), 200),
    LineRule("statement", re.compile(r"^[【\[(（]?(?:" + "|".join(STATEMENT_MARKERS) + ")"),
             STATEMENT_MAX_CHARS),
    LineRule("prev-next", re.compile(r"^[【\[(（]?\s*(?:上|下)一(?:篇|条|页|则)\s*[:：】\]）)]?"),
             150),
    LineRule("share", re.compile(r"^(?:分享到|分享至|分享)\s*[:：]?|一键分享"), 60),
    LineRule("qr", re.compile(r"扫一扫|扫描二维码|扫码|微信扫"), 60),
    LineRule("counter", re.compile(
        r"(?:浏览|阅读|点击|访问)(?:次数|量|数)\s*[:：]|^(?:浏览|阅读|点击)\s*[:：]\s*\d*\s*$|"
        r"人次?(?:浏览|阅读)\s*$"), 60),
    LineRule("feedback", re.compile(r"我要纠错|我要评论|发表评论|网友评论|评论\s*\d+\s*条"), 60),
    LineRule("print-close", re.compile(r"打印本页|关闭窗口|打印此页|返回顶部|收藏本页|加入收藏"),
             60),
    LineRule("font-size", re.compile(
        r"字号\s*[:：]?\s*[【\[]?\s*[大中小]|字体\s*[:：]\s*[【\[]?\s*[大中小]|"
        r"^\s*[【\[]?\s*[大中小]\s*[】\]]?\s*[【\[]?\s*[中小]\s*[】\]]?"), 60),
    LineRule("breadcrumb", re.compile(r"^(?:当前位置|您的位置|你的位置|您现在的位置|所在位置)\s*[:：]?"),
             200),
    LineRule("image-name", re.compile(
        r"^[\w\-.()（） ]{1,80}\.(?:png|jpe?g|gif|bmp|webp|tiff?)$", re.I), 90),
    LineRule("more", re.compile(r"^(?:更多|查看更多|more)\s*(?:>>|》|>|&gt;)", re.I), 30),
)

# Lines made only of these words (with brackets and separators) are toolbars.
TOOLBAR_WORDS: tuple[str, ...] = (
    "打印本页", "打印", "关闭窗口", "关闭", "返回顶部", "返回", "收藏", "分享", "字号", "字体",
    "放大", "缩小", "正常", "默认", "大", "中", "小", "纠错", "我要纠错", "复制链接", "顶部",
    "【", "】", "[", "]", "|", "｜", "丨", "/", ":", "：", "·", "-",
)
TOOLBAR_LINE = re.compile(
    r"^(?:\s|" + "|".join(re.escape(w) for w in sorted(TOOLBAR_WORDS, key=len, reverse=True))
    + r")+$"
)

# ----------------------------------------------------------------------- metadata


class FieldLabel(NamedTuple):
    """Visible labels that introduce a metadata field ("来源：新华社")."""

    field: str
    labels: tuple[str, ...]
    max_len: int  # longest believable value


FIELD_LABELS: tuple[FieldLabel, ...] = (
    FieldLabel("editor", ("责任编辑", "责编", "值班编辑", "编辑"), 30),
    FieldLabel("summary", ("核心提示", "内容提要", "内容摘要", "摘要", "导读", "提要", "导语"), 600),
    FieldLabel("source", ("信息来源", "稿件来源", "文章来源", "新闻来源", "消息来源", "来源", "出处"),
               40),
    FieldLabel("author", ("作者", "记者", "撰稿", "撰文", "通讯员", "文"), 30),
    FieldLabel("date", ("发布时间", "发布日期", "发表时间", "发表日期", "发稿时间", "更新时间",
                        "时间", "日期"), 40),
    FieldLabel("hits", ("浏览次数", "阅读次数", "点击次数", "浏览量", "阅读量", "点击数", "点击"),
               20),
)
LABEL_FIELDS: dict[str, str] = {lab: f.field for f in FIELD_LABELS for lab in f.labels}
_ALL_LABELS = sorted(LABEL_FIELDS, key=len, reverse=True)
# "来源：X" — a label at the start of the text or after a space/bracket, then a colon
# ("文/张三" accepts a slash).
LABEL_RE = re.compile(
    r"(?:^|(?<=[\s【\[（(|｜丨]))(?P<label>" + "|".join(_ALL_LABELS)
    + r")\s*(?:[:：]|(?<=文)\s*/)\s*"
)
# Characters that end a label value besides the next label.
VALUE_STOP = re.compile(r"\s{2,}|[【】\[\]|｜丨()（）]|\s(?=\S+\s*[:：])")

DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
# An info line of a date and a bare outlet name (DESTOON: "2022-07-05 吴江开发区发布").
DATE_THEN_SOURCE = re.compile(
    r"^\s*" + DATE_RE.pattern + r"\s+(?P<source>[^\s:：|｜\d][^\s:：|｜]{1,29})\s*$"
)
INFO_LINE_MAX = 120  # meta lines are short
INFO_ZONE_LINES = 12  # how far from the title the info line may sit

# Values that are placeholders rather than data.
EMPTY_VALUES = frozenset({"", "-", "--", "未知", "暂无", "无", "null", "none", "本站", "admin"})


class MetaRule(NamedTuple):
    """A ``<meta>`` (or element) that carries a field; attribute value matched exactly."""

    field: str
    attr: str
    names: tuple[str, ...]


META_RULES: tuple[MetaRule, ...] = (
    MetaRule("title", "name", ("ArticleTitle", "articletitle")),
    MetaRule("title", "property", ("og:title",)),
    MetaRule("title", "name", ("twitter:title",)),
    MetaRule("date", "name", ("PubDate", "pubdate", "publishdate", "publish_date", "PublishTime",
                              "publishtime", "firstpublishedtime", "weibo: article:create_at")),
    MetaRule("date", "property", ("article:published_time", "og:article:published_time",
                                  "og:release_date", "bytedance:published_time")),
    MetaRule("date", "itemprop", ("datePublished", "dateCreated")),
    MetaRule("date", "name", ("Maketime", "dc.date", "DC.date.issued", "date")),
    MetaRule("source", "name", ("ContentSource", "contentSource", "contentsource", "source",
                                "Source")),
    MetaRule("author", "name", ("author", "Author", "article:author")),
    MetaRule("author", "property", ("article:author",)),
    MetaRule("summary", "name", ("description", "Description")),
    MetaRule("summary", "property", ("og:description",)),
    MetaRule("site_name", "name", ("SiteName", "sitename")),
    MetaRule("site_name", "property", ("og:site_name",)),
    MetaRule("column", "name", ("ColumnName", "columnname")),
    MetaRule("keywords", "name", ("keywords", "Keywords")),
)

# Hidden spans some portals fill for search engines; read before hidden blocks go.
BAIDU_FIELDS: tuple[tuple[str, str], ...] = (
    ("date", "pubtime_baidu"),
    ("source", "source_baidu"),
    ("author", "author_baidu"),
    ("editor", "editor_baidu"),
)

# Where the headline sits, most specific first.
TITLE_XPATHS: tuple[str, ...] = (
    '//*[@id="ivs_title"]',
    '//h1[@id="ti"]',
    '//h1[@id="title"]',
    f"//*[{_cls('article_title')}]",
    f"//p[{_cls('con-title')}]",
    f"//*[{_cls('entry-title')}]",
    f"//*[{_cls('art-title')}]",
    f"//div[{_cls('title')}]/h2",
    f"//h1[{_cls('title')}]",
    "//h1",
    f"//h2[{_cls('title')}]",
    "//h2",
    "//h3",
)
TITLE_MIN, TITLE_MAX = 4, 120
# Separators between the headline and the site/column names in <title>.
TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|——|—|－|–|(?<!\d)-(?!\d)|\s-\s)\s*")
