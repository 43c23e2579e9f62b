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
    return (f'contains(@class, "{name}") and '  # cheap test first: XPath's and short-circuits
            f'contains(concat(" ", normalize-space(@class), " "), " {name} ")')


# --------------------------------------------------------------------------- body


class ContainerRule(NamedTuple):
    """Where a CMS family keeps the article body.

    A ``trusted`` container is taken as it is; an untrusted one (a generic class name
    that other templates use for other boxes) only when the generic extractors' answer
    lies mostly inside it.
    """

    family: str
    xpath: str
    min_chars: int  # fewer text characters: the container is not the article
    max_link_density: float  # share of the text inside links above which it is a list
    trusted: bool = True
    # a string the page source must hold for the rule to be tried (a cheap test before
    # the XPath walk); by default the quoted name in the XPath ("TRS_Editor", "zoom")
    marker: str = ""

    @property
    def cue(self) -> str:
        if self.marker:
            return self.marker
        names = re.findall(r'"([^" ]+)"|\'([^\' ]+)\'', self.xpath)
        return max((a or b for a, b in names), key=len, default="")


CONTAINERS: tuple[ContainerRule, ...] = (
    ContainerRule("trs", f"//div[{_cls('trs_editor_view')}]", 10, 0.5),
    ContainerRule("trs", f"//div[{_cls('TRS_Editor')}]", 10, 0.5),
    ContainerRule("hanweb", '//*[comment()[contains(., "<$[信息内容]>begin")]]', 10, 0.5,
                  marker="<$[信息内容]>begin"),
    ContainerRule("hanweb", '//*[comment()[contains(., "ZJEG_RSS.content.begin")]]', 10, 0.5,
                  marker="ZJEG_RSS.content.begin"),
    ContainerRule("hanweb", '//*[@id="zoom"]', 10, 0.5),
    ContainerRule("govcn", '//*[@id="UCAP-CONTENT"]', 10, 0.5),
    ContainerRule("jiyuehua", '//*[@id="detailContent"]', 10, 0.5),
    ContainerRule("epoint", '//*[@id="ivs_content"]', 10, 0.5),
    ContainerRule("epoint", f"//*[{_cls('ewb-article-content')}]", 10, 0.5),
    ContainerRule("destoon", f'//div[@id="article"][{_cls("content")}]', 10, 0.5),
    ContainerRule("founder", '//*[comment()[contains(., "enpcontent")]]', 30, 0.4, False,
                  marker="enpcontent"),
    ContainerRule("trs-v2", f"//div[{_cls('article_content')}]", 30, 0.4, False),
    ContainerRule("wordpress", f"//div[{_cls('entry-content')}]", 30, 0.4, False),
    ContainerRule("phpcms", f'//div[@id="Article"]/div[{_cls("content")}]', 30, 0.4, False),
    ContainerRule("dedecms", '//div[@class="content"]', 80, 0.3, False),
)
# An untrusted container is kept when this share of the generic answer lies inside it.
CONTAINER_AGREEMENT = 0.6
# ... and when it is at most this much larger than that answer (plus some slack).
CONTAINER_MAX_GROWTH, CONTAINER_SLACK = 1.5, 200
# ... and when what it adds is at most this share of that answer, or reads as story.
CONTAINER_EXTRA_SHARE = 0.1
# ... and only on Chinese text: their generic class names (``content``, ``entry-content``)
# wrap comments and teasers on other sites, where the generic extractors do better.
CONTAINER_UNTRUSTED_MIN_CJK = 0.5  # share of CJK among CJK + Latin letters

# A container whose text holds any of these wraps the page footer, not the article.
PAGE_CHROME_MARKERS: tuple[str, ...] = ("ICP备", "公网安备", "网站标识码", "版权所有")

# Tags whose content is never text; removed before anything else.
DROP_TAGS: tuple[str, ...] = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
    "canvas", "input", "select", "textarea", "button", "map", "audio", "video", "source",
)

# HTML5 sectioning elements that never hold the article body: dropped once before the
# generic extractors run (both would otherwise copy and score them).
NEVER_BODY_TAGS: tuple[str, ...] = ("nav", "footer", "aside")
# ... and the ARIA landmarks of the same kinds.
NEVER_BODY_ROLES = ('//*[@role="navigation" or @role="contentinfo" or @role="complementary"'
                    ' or @role="banner" or @role="search"]')

# Inline elements that old templates wrap around whole paragraphs.
INLINE_WRAPPERS: tuple[str, ...] = ("font", "span", "b", "strong", "i", "em", "u", "small", "big")
WRAPPED_BLOCKS = frozenset({"p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
                            "h6", "blockquote", "center", "dl"})

HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# Class or id fragments that mark chrome blocks (matched as whole tokens; pinyin
# abbreviations common on Chinese sites included).
CHROME_CLASS_TOKENS: tuple[str, ...] = (
    "share", "bdshare", "bshare", "jiathis", "fenxiang", "social", "print", "dayin",
    "related", "relevant", "xgxw", "xgwz", "xgyd", "xglj", "recommend", "tuijian", "rank",
    "paihang", "phb", "hot", "hotnews", "comment", "comments", "pinglun", "prenext",
    "pre_next", "prev-next", "disclaimer", "mianze", "statement", "copyright", "footer",
    "breadcrumb", "crumb", "qrcode", "ewm", "erweima", "font-size", "fontsize", "zihao",
    "pagelist", "dede_pages", "pagination", "pager", "page-nav", "fenye",
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

# Lists of dated links (related news, rankings) inside or around the article.
LINK_LIST_TAGS = frozenset({"ul", "ol", "dl", "div", "table", "tbody", "section", "aside"})
# (links, dates, and the share of the non-date text inside links)
LINK_LIST_MIN_LINKS, LINK_LIST_MIN_DATES, LINK_LIST_DENSITY = 3, 2, 0.75
LINK_LIST_MAX_PLAIN = 120  # more text outside links and dates than this: not a list
# A block opening or closing the body container that is nearly all link text with this
# many links (related headlines without dates, rankings, a pager) is not the article.
EDGE_LIST_MIN_LINKS, EDGE_LIST_DENSITY = 3, 0.8
EDGE_LIST_DEPTH = 3  # how far into the first and last wrappers to look
# ... but never a list of the article's attachments.
ATTACHMENT_LINK = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|wps|et|ofd|zip|rar|7z|txt|csv)(?:$|[?#])|downfile|download",
    re.I)
ATTACHMENT_WORDS = ("附件", "下载")

# Statement blocks: dropped whole when short enough to be a notice, not an article.
STATEMENT_MARKERS: tuple[str, ...] = (
    "免责声明", "版权声明", "特别声明", "郑重声明", "声明：", "声明:", "聲明：", "免責聲明",
)
STATEMENT_MAX_CHARS = 600
STATEMENT_HEAD = 12  # a marker this close to the start makes the block a statement


class LineRule(NamedTuple):
    """A line of text that is chrome when it matches and is at most ``max_len`` long.
    A ``soft`` rule's words also occur in articles ("市民可扫码预约。"): a line that reads
    as a sentence (``PROSE_LINE``) is kept."""

    name: str
    pattern: re.Pattern[str]
    max_len: int
    soft: bool = False


# A line that reads as a sentence of the article: ends with sentence punctuation and is
# long enough to say something.
PROSE_LINE = re.compile(r"^.{10,}[。！？!?][”’」』\"']?$")


LINE_RULES: tuple[LineRule, ...] = (
    LineRule("icp", re.compile(r"ICP\s*[备证]|备案号|京ICP|ICP\s*\d"), 200),
    LineRule("police", re.compile(r"公网安备|公安备案|网安备"), 200),
    LineRule("site-code", re.compile(r"网站标识码|网站识别码"), 200),
    # a footer's sponsor line names two roles or the site ("主办单位：… 承办单位：…");
    # an event notice's own "主办单位：某某开发区管委会" is article text
    LineRule("sponsor", re.compile(
        r"^(?:(?:主办|承办|协办|主管)(?:单位)?\s*[:：].*(?:承办|协办|技术支持|运行维护|维护|"
        r"网站|本站|ICP|电话|地址)|(?:技术支持|运行维护|运维|建设维护|管理维护|网站维护)"
        r"(?:单位)?\s*[:：])"), 200),
    LineRule("copyright", re.compile(
        r"版权所有|copyright|all rights reserved|©|\(c\)\s*\d{4}|未经授权.{0,10}(?:转载|复制)",
        re.I), 200),
    LineRule("statement", re.compile(r"^[【\[(（]?(?:" + "|".join(STATEMENT_MARKERS) + ")"),
             STATEMENT_MAX_CHARS),
    LineRule("prev-next", re.compile(r"^[【\[(（]?\s*(?:上|下)一(?:篇|条|页|则)\s*[:：】\]）)]?"),
             150),
    LineRule("share", re.compile(r"^(?:分享到|分享至|分享)\s*[:：]?|一键分享"), 60, soft=True),
    LineRule("qr", re.compile(r"扫一扫|扫描二维码|扫码|微信扫"), 60, soft=True),
    LineRule("counter", re.compile(
        r"(?:浏览|阅读|点击|访问)(?:次数|量|数)\s*[:：]|^(?:浏览|阅读|点击)\s*[:：]\s*\d*\s*$|"
        r"人次?(?:浏览|阅读)\s*$"), 60, soft=True),
    LineRule("feedback", re.compile(r"我要纠错|我要评论|发表评论|网友评论|评论\s*\d+\s*条"), 60,
             soft=True),
    LineRule("print-close", re.compile(r"打印本页|关闭窗口|打印此页|返回顶部|收藏本页|加入收藏"),
             60),
    LineRule("font-size", re.compile(
        r"字号\s*[:：]?\s*[【\[]?\s*[大中小]|字体\s*[:：]\s*[【\[]?\s*[大中小]|"
        r"^\s*[【\[]?\s*[大中小]\s*[】\]]?\s*[【\[]?\s*[中小]\s*[】\]]?"), 60),
    LineRule("breadcrumb", re.compile(
        r"^(?:当前位置|您的位置|你的位置|您现在的位置|所在位置|(?:您|你)(?:当前)?所在的?位置|"
        r"当前所在位置)\s*[:：]?"), 200),
    LineRule("image-name", re.compile(
        r"^[\w\-.()（） ]{1,80}\.(?:png|jpe?g|gif|bmp|webp|tiff?)$", re.I), 90),
    LineRule("pager", re.compile(
        r"^(?:共\s*\d+\s*[页条]|第\s*\d+\s*页|首页\s*上一页|上一页|下一页|尾页)"), 80),
    LineRule("more", re.compile(r"^(?:更多|查看更多|more)\s*(?:>>|》|>|&gt;)", re.I), 30),
    # in-article pagers: "[1] [2] [3]", "1234下一页", "上一页 1 2 3 下一页"
    LineRule("pager-numbers", re.compile(
        r"^(?:[\[【(（]\s*\d{1,3}\s*[\]】)）]\s*){2,}(?:下一页|下页|尾页|>>|»)?\s*$|"
        r"^\d{1,3}(?:\s+\d{1,3}){2,}\s*(?:下一页|下页|尾页|>>|»)?\s*$|"
        r"^(?:上一页|上页)?[\d\s\[\]【】]*(?:下一页|下页|尾页)\s*$"), 80),
    LineRule("original-title", re.compile(r"^[（(【\[]?\s*原(?:标)?题\s*[:：]"), 200),
    LineRule("read-original",
             re.compile(r"^(?:点击|点此)?(?:阅读|查看)原文|^点击(?:这里|此处)阅读"), 30),
    LineRule("follow-us", re.compile(
        r"^(?:欢迎|请)?关注(?:我们的|本站|本报)?(?:微信)?(?:公众号|微信号|官方微信|官方微博|视频号)|"
        r"^(?:微信)?公众号\s*[:：]|^长按(?:识别)?二维码"), 80),
    LineRule("tags", re.compile(r"^(?:Tags?|TAG|标签)\s*[:：]", re.I), 120),
    LineRule("sms-ad", re.compile(r"发送\s*\w{1,10}\s*到\s*\d{3,}"), 40),
    LineRule("hashtags", re.compile(r"^(?:#[^#\s]{1,30}#\s*)+(?:@\S+\s*)*$"), 80),
    # a print-edition line: "《某某日报》（ 2022年02月13日 02版）"
    LineRule("print-edition", re.compile(
        r"^《[^》]{2,20}》\s*[（(]\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
        r"\s*(?:第?\s*\w{1,4}\s*版)?\s*[)）]$"), 60),
    LineRule("credit", re.compile(r"^素材来源"), 80),
)

# Lines made only of these words (with brackets and separators) are toolbars.
TOOLBAR_WORDS: tuple[str, ...] = (
    "打印本页", "打印本文章", "打印本文", "打印此页", "打印", "关闭窗口", "关闭页面", "关闭",
    "返回顶部", "返回列表", "返回", "收藏此页", "收藏本页", "收藏", "分享到", "分享", "转发",
    "保存", "留言", "复制链接", "复制网址", "推荐给朋友", "字号", "字体", "放大", "缩小", "正常",
    "默认", "大", "中", "小", "纠错", "我要纠错", "顶部", "T", "参与互动", "微博", "微信",
    "新浪微博", "腾讯微博", "QQ空间", "QQ", "朋友圈", "人人网", "豆瓣", "手机看", "A+", "A-",
    "pdf下载", "PDF下载", "word下载", "Word下载", "WORD下载", "下载", "我来说两句",
)
_TOOLBAR_WORD = "|".join(re.escape(w) for w in sorted(TOOLBAR_WORDS, key=len, reverse=True))
_SEPARATORS = r"[\s【】\[\]|｜丨/:：·\-()（）>»]"
TOOLBAR_LINE = re.compile(rf"^(?:{_SEPARATORS}|{_TOOLBAR_WORD})+$")

# Pieces of an info line that carry no field: counters, font-size switches, toolbars.
COUNTER = re.compile(
    r"(?:已有|正有|共有|有)\s*\d*\s*人(?:阅读|浏览|参与|评论|收藏)|"
    r"(?:阅读|浏览|评论|点击|参与|访问)(?:次数|量|数)?\s*[(（:：]?\s*\d+\s*[)）]?次?|"
    r"\d+\s*(?:人|次)(?:阅读|浏览|参与|评论)|参与互动\s*[(（]\s*\d*\s*[)）]"
)
INFO_NOISE: tuple[re.Pattern[str], ...] = (
    COUNTER,
    re.compile(r"字[号体]\s*[:：]?(?:\s|[大中小]|T|\d+|[|｜])*"),
    re.compile(rf"(?:{_TOOLBAR_WORD})(?=\s|$|{_SEPARATORS})"),
)
# Toolbar words of two or more characters glued to the end of a value.
# and a font-size switch of single characters ("江右日报 大 中 小").
TOOLBAR_TAIL = re.compile(
    r"(?:\s*(?:" + "|".join(re.escape(w) for w in TOOLBAR_WORDS if len(w) > 1)
    + r"|[大中小](?:\s*[大中小]){2}))+\s*$"
)

# ----------------------------------------------------------------------- metadata


class FieldLabel(NamedTuple):
    """Visible labels that introduce a metadata field ("来源：新华社")."""

    field: str
    labels: tuple[str, ...]
    max_len: int  # longest believable value


FIELD_LABELS: tuple[FieldLabel, ...] = (
    FieldLabel("editor", ("责任编辑", "责编", "值班编辑", "编辑", "責任編輯", "編輯"), 30),
    FieldLabel("summary", ("核心提示", "内容提要", "内容摘要", "摘要", "导读", "提要", "导语"),
               600),
    FieldLabel("source", ("信息来源", "稿件来源", "文章来源", "新闻来源", "消息来源", "本文来源",
                          "来源于", "来源", "出处", "來源", "稿源", "转载自", "转自", "来自"), 40),
    FieldLabel("author", ("作者", "记者", "撰稿", "撰文", "执笔人", "执笔", "通讯员", "記者", "文"),
               30),
    FieldLabel("date", ("发布时间", "发布日期", "发表时间", "发表日期", "发稿时间", "更新时间",
                        "發佈時間", "發布時間", "發布日期", "發佈日期", "更新日期", "時間",
                        "时间", "日期", "发布", "发表"), 40),
    FieldLabel("kind", ("文章类型", "信息类别", "信息分类", "所属栏目", "所属分类", "栏目"), 20),
    FieldLabel("tags", ("标签", "关键词", "关键字", "Tags", "TAG"), 120),
    FieldLabel("poster", ("发布者", "发布人", "发稿人", "录入", "录入者", "上传者"), 20),
    FieldLabel("hits", ("浏览次数", "阅读次数", "点击次数", "浏览量", "阅读量", "点击数", "点击"),
               20),
)
LABEL_FIELDS: dict[str, str] = {lab: f.field for f in FIELD_LABELS for lab in f.labels}
LABEL_RANK: dict[str, int] = {lab: i for f in FIELD_LABELS for i, lab in enumerate(f.labels)}
FIELD_MAX: dict[str, int] = {f.field: f.max_len for f in FIELD_LABELS}
# Role words in an author value ("作者：本报记者 张三", "中国企业家》记者 林涛",
# "新华网黑龙江频道 记者 伊琳 通讯员 李四"): every one goes, and so does an outlet
# name before the first of them.
AUTHOR_ROLE = re.compile(
    r"(?:本报|本刊|本台|本网|本站)?(?:特约|见习|实习|首席|驻\S{1,4})?"
    r"(?:记者|通讯员|实习生|撰稿人|撰稿|执笔人|执笔|摄影|摄)\s*[:：/]?")
# Text before the first role word is an outlet, not a name, when it holds one of these.
OUTLET_HINT = re.compile(r"[》」』]|网|报|社|台|频道|刊|杂志|新闻|客户端|\s\S")
OUTLET_MAX = 24
_ALL_LABELS = sorted(LABEL_FIELDS, key=len, reverse=True)
# "来源：X" — a label at the start of the text or after a space/bracket, then a colon
# ("文/张三" accepts a slash).
_LONG_LABELS = [lab for lab in _ALL_LABELS if len(lab) > 1]
_SHORT_LABELS = [lab for lab in _ALL_LABELS if len(lab) == 1]
# "来源：X": a label and a colon. Labels of two characters or more may follow anything
# (templates glue "09:30来源：" together); a one-character label ("文/张三", "文：张三")
# only the start of the text, a space or a bracket.
LABEL_RE = re.compile(
    r"(?:(?P<label>" + "|".join(_LONG_LABELS) + r")\s*[:：]"
    r"|(?:^|(?<=[\s【\[（(|｜丨]))(?P<short>" + "|".join(_SHORT_LABELS) + r")\s*[:：/])\s*"
)
# Words that are never part of a 来源/作者 value: toolbar links and counters the
# template put right after it ("新华社 举报", "第一财经日报 网友评论 0 条").
VALUE_STOP_WORDS: tuple[str, ...] = (
    "举报", "纠错", "分享到", "网友评论", "我来说两句", "发表评论", "参与互动", "复制链接",
    "我要", "暂无", "手机看", "手机版", "字号",
)
# Single words that also end outlet names ("某某网评论") stop a value only after a gap.
VALUE_STOP_SPACED: tuple[str, ...] = (
    "评论", "分享", "打印", "收藏", "字体", "点击", "阅读", "浏览", "关注", "订阅",
)
# A second word that says who copied the item, not who wrote it ("酷勤网收集").
VALUE_STOP_SUFFIXES: tuple[str, ...] = ("收集", "整理", "转载", "供稿", "编辑", "制作")
# Characters that end a label value besides the next label: wide gaps, brackets and
# bars, a next "label:", a date, a toolbar word, a "…收集" word.
VALUE_STOP = re.compile(
    r"\s{2,}|[【】\[\]|｜丨()（）]|\s(?=\S+\s*[:：])|\s*(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}"
    r"|\s*(?:" + "|".join(VALUE_STOP_WORDS) + r")"
    r"|\s+(?:" + "|".join(VALUE_STOP_SPACED) + r")"
    r"|\s\S+(?:" + "|".join(VALUE_STOP_SUFFIXES) + r")(?=\s|$)"
)
# Bracket pairs a value keeps balanced ("人民网-《人民日报》").
BRACKET_PAIRS: dict[str, str] = {"《": "》", "（": "）", "(": ")", "【": "】", "[": "]",
                                 "“": "”", "「": "」", "<": ">"}

DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
# Dates with a month name: "Nov 6, 2009", "6 November 2009", "十一月 6th, 2009".
MONTH_NAMES: dict[str, int] = {
    **{name: i for i, names in enumerate((
        ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
        ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
        ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
        ("dec", "december")), 1) for name in names},
    **{f"{n}月": i for i, n in enumerate(
        ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"), 1)},
}
_MONTH = "|".join(sorted(map(re.escape, MONTH_NAMES), key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
MONTH_DATE_RES: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(?<![A-Za-z\u4e00-\u9fff])(?P<mon>{_MONTH})\.?\s*(?P<d>\d{{1,2}}){_ORD},?\s+"
               r"(?P<y>(?:19|20)\d{2})(?!\d)", re.I),
    re.compile(rf"(?<!\d)(?P<d>\d{{1,2}}){_ORD}\s+(?P<mon>{_MONTH})\.?,?\s+"
               r"(?P<y>(?:19|20)\d{2})(?!\d)", re.I),
)
# A labelled date in the Minguo calendar of Taiwan sites ("發布日期：113-05-14"):
# years 100-119 are 2011-2030. Only read after a date label, never in free text.
ROC_DATE_RE = re.compile(DATE_RE.pattern.replace("(?:19|20)\\d{2}", "1[01]\\d", 1))
ROC_YEAR_OFFSET = 1911
# An info line of a date and a bare outlet name (DESTOON: "2022-07-05 吴江开发区发布").
DATE_THEN_SOURCE = re.compile(
    r"^\s*" + DATE_RE.pattern + r"\s+(?P<source>[^\s:：|｜\d][^\s:：|｜]{1,15})\s*$"
)
# Sentence punctuation: its density tells prose from menus and lists.
PROSE_PUNCT = re.compile(r"[，。！？；,.!?;]")
INFO_LINE_MAX = 120
# Two generic answers that agree: the longer wins only when what it adds is a fair share
# (of the shorter) of long, punctuated lines, i.e. paragraphs the shorter one dropped.
VOTE_EXTRA_MIN_SHARE = 0.15
VOTE_PARAGRAPH_CHARS = 80
VOTE_EXTRA_PROSE_SHARE = 0.7
VOTE_EXTRA_DENSITY = 0.7
# A voted body this short may be all the precise extractors found of an article they
# could not see (text in a <div> broken by <br>, which trafilatura's precision mode
# drops, while readability falls on the footer): trafilatura in recall mode is asked
# too, and voted against it.
WEAK_BODY_CHARS = 200
# ... and its answer is taken only when it reads as prose: at least this share of its
# characters are sentence punctuation (Chinese prose has one every 15-25 characters;
# a page's text run together, menus and language lists included, has far fewer).
RECALL_MIN_DENSITY = 0.04
# ------------------------------------------------------------- the body's edges
# Lines that open or close a body but are not the article, checked only in the first
# and last EDGE_LINES lines: a byline ("光明日报记者 王建宏 张文攀", "新京报记者 彭冲
# 山东冠县报道") gives the author; a bracketed name closing the story ("（张三）") too; a
# bracketed editor credit ("（某某网编辑 张三）") gives the editor; a column kicker
# ("【新春走基层】") goes.
EDGE_LINES = 4
BYLINE_MAX = 40
BYLINE_ROLE = re.compile(r"记者|通讯员|实习生|特约撰稿")
SENTENCE_PUNCT = re.compile(r"[。！？；，,!?;]")
# Fields whose values are names: a value holding sentence punctuation is prose.
NAME_FIELDS = frozenset({"author", "editor", "source"})
BYLINE_MARKS = "（()）【】[]□■●◆◇▲△★☆○·-— "
# Credits and places after a byline's names ("/文", "受访者供图", "山东冠县报道").
BYLINE_EXTRAS = re.compile(
    r"(?:受访者|资料|网络)?供图|(?:图|摄影?)\s*[/／:：]\s*\S+|[/／]\s*(?:文|图|摄)(?:\s*[/／]\s*图)?|"
    r"^\s*整合|\s*\S{0,8}报道$|发自\S{1,6}$")
NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
NOT_NAMES = frozenset({"完", "全文完", "待续", "未完待续", "图", "组图", "本报讯", "记者", "通讯员",
                       "编辑", "责任编辑", "资料图", "图片", "原创", "转载", "来源",
                       # sub-heads and kickers built on a role word ("记者手记")
                       "手记", "观察", "调查", "追踪", "直击", "探访", "走访", "体验", "日记",
                       "札记", "随笔", "感悟", "连线", "问答", "视角", "快评", "短评", "评论",
                       # a document's own qualifiers ("…办法（试行）", "（见附件）")
                       "试行", "暂行", "草案", "修订", "附件", "见附件", "附图", "附表", "摘要",
                       "节选", "全文", "续完", "上篇", "下篇", "图文", "视频", "有删节"})
CLOSING_NAMES = re.compile(
    r"^[（(]\s*([\u4e00-\u9fff·]{2,5}(?:[\s、]+[\u4e00-\u9fff·]{2,5}){0,3})\s*[)）]$")
EDITOR_CREDIT = re.compile(
    r"^[（(【\[]\s*\S{0,12}?(?:责任编辑|编辑|责编)\s*[:：]?\s*"
    r"(?P<value>[\u4e00-\u9fff·]{2,5}(?:[\s、]+[\u4e00-\u9fff·]{2,5}){0,2})\s*[)）】\]]$")
KICKER = re.compile(r"^【[^】]{2,12}】$")
# Bylines inside the story's own first or last paragraph, which stay in the body but name
# the author: "据新华社拉萨电（记者 张三）…", "…（记者 张三）", "（张三 报道）…", "…（张三 李四）".
_NAMES = r"([\u4e00-\u9fff·]{2,5}(?:[\s、]+[\u4e00-\u9fff·]{2,5}){0,3})"
INLINE_BYLINES: tuple[re.Pattern[str], ...] = (
    re.compile(r"[（(]\s*(?:[^（()）]{0,12}?(?:记者|通讯员|实习生))\s*[:：]?\s*" + _NAMES
               + r"\s*(?:报道|摄影?|/?文)?\s*[)）]"),
    re.compile(r"[（(]\s*" + _NAMES + r"\s*(?:报道|/\s*文)\s*[)）]"),
)
# ... a closing "（张三 李四）" only right after the story's last sentence.
CLOSING_INLINE_NAMES = re.compile(r"[。！？!?”」]\s*[（(]\s*" + _NAMES + r"\s*[)）]\s*$")
INLINE_BYLINE_HEAD = 80  # characters of the first paragraph looked at
# The metadata table of a 信息公开 page ("索 引 号： | … | 成文日期： | …") opening the
# body: rows whose every label is one of these (spaces removed).
GOV_META_LABELS = frozenset({
    "索引号", "分类", "主题分类", "组配分类", "体裁分类", "发文机关", "发布机构", "成文日期",
    "发布日期", "生效日期", "废止日期", "标题", "名称", "文号", "发文字号", "主题词", "有效性",
    "公开方式", "公开范围", "信息来源", "来源", "所属机构", "内容概述", "时效", "公开时限",
})
GOV_META_CELL = re.compile(r"^(?P<label>[^:：|]{1,12})[:：]\s*$")
# A document number under a headline repeated in the body ("某政发〔2022〕1号").
DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,12}\s*[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*"
                        r"第?\s*\d{1,4}\s*号$")
TITLE_SPLIT_MAX_LINES = 6  # a headline repeated in the body over at most this many lines
LEAD_MIN = 15  # a description shorter than this is no lead
LEAD_WINDOW = 200  # a lead must be found within this many characters of the body start
INFO_ZONE_LINES = 12  # how far from the title the info line may sit
# With no date before or right after the body, the lines after it are read this far,
# the items of link lists (related news) skipped.
TAIL_REACH_LINES = 60
# An unlabelled line between the headline and the body holding a date is the info line
# when it is at most this long ("http://biz.example.com 2005-04-25 08:24 来源: …").
INFO_DATE_LINE_MAX = 90
# Link texts this long or longer mark a line as a list item (related news), whose date
# is not the article's.
LINK_TEXT_MIN = 6
# ... but a link showing the site's own address ("http://www.example.com/") is no item.
ADDRESS_TEXT = re.compile(r"^\s*(?:https?://|www\.)|\.(?:com|cn|net|org)(?:\.cn)?/?\s*$", re.I)
# An unlabelled outlet after the info line's date, with the site's own address (or name)
# before it: "http://www.example.com 2005年03月21日 11:21 《某某周刊》".
SITE_DATE_SOURCE = re.compile(
    r"^(?:(?:https?://)?[\w.-]+\.(?:com|cn|net|org|gov)[\w./-]*/?\s*|[^\s\d:：]{2,12}\s*[(（]?\s*)?"
    + DATE_RE.pattern
    + r"(?:\s*[)）]\s*|\s+)(?P<source>《[^》]{2,20}》|[^\s:：|｜\d《][^\s:：|｜]{1,15})\s*$"
)

# Elements whose class or id names the field they hold, for pages that give it no label
# ("<span class="pubTime">", "<span id="media_name">"). Matched as whole tokens of the
# class/id split at spaces, "_" and "-", case-insensitive, or as the whole name.
FIELD_CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "date": ("pubtime", "pub_time", "pub-time", "pubdate", "publishtime", "publish_time",
             "publishdate", "publish-date", "releasetime", "posttime", "post-time",
             "datetime", "fbsj", "fbrq", "riqi", "shijian", "time", "date", "article-time",
             "info_time", "news_time", "newstime", "post_date", "entry-date"),
    "source": ("media_name", "medianame", "source", "laiyuan", "copyfrom", "article-source",
               "article_source", "news_source", "wenzhangly", "sour", "origin", "where"),
    "author": ("author", "auth", "zuozhe", "writer", "byline", "article-author", "news_author"),
}
# Parts of a date split over sibling elements ("<div class="day">21</div>
# <div class="year">2024年02月</div>"): the day's class/id tokens, and the year-month.
DAY_CLASS_NAMES: tuple[str, ...] = ("day", "date-day", "day_num", "news-day", "time-day")
YEAR_MONTH_RE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?")
FIELD_ELEMENT_MAX = 60  # longer text: a wrapper, not the field's element
# They are looked for this many levels above the headline's element (its header block
# and the article around it), not in sidebars far from it.
HEADLINE_SCOPE_LEVELS = 4
# ... on Chinese pages only: this share of CJK among the letters of the body's start.
FIELD_CLASS_MIN_CJK, FIELD_CLASS_SAMPLE = 0.5, 400
# An element above the headline counts only this close to it (a clock or a "today is"
# bar at the top of the page is no publication date).
FIELD_ABOVE_TITLE_LINES = 3
# One regex over an element's "class id" text finds the field names among its tokens.
FIELD_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(" + "|".join(sorted({re.escape(n) for names in FIELD_CLASS_NAMES.values()
                                         for n in names}, key=len, reverse=True))
    + r")(?=$|[\s_-])|^(" + "|".join(sorted({re.escape(n) for names in FIELD_CLASS_NAMES.values()
                                           for n in names}, key=len, reverse=True)) + r")$",
    re.I)
DAY_CLASS_XPATH = "descendant-or-self::*[contains(@class, 'day') or contains(@id, 'day')]"

# Values that are placeholders rather than data.
EMPTY_VALUES = frozenset({"", "-", "--", "未知", "暂无", "无", "null", "none", "本站", "admin",
                          "佚名", "匿名", "管理员", "系统管理员", "不详", "博客", "微博", "原创",
                          "本站原创", "本网原创", "网站原创"})


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
BAIDU_CUE = "_baidu"  # a page without it has none of them: no walk
# One query for all of them (a tree walk per field cost ~2 ms a page).
BAIDU_XPATH = "//*[" + " or ".join(f'@id="{ident}"' for _, ident in BAIDU_FIELDS) + "]"
# Fields that page markup names without a visible label (WordPress bylines), read last.
MARKUP_FIELDS: tuple[tuple[str, str, str], ...] = (  # (field, XPath, cue in the source)
    ("author", '//a[@rel="author"]', "author"),
    ("author", f'//*[{_cls("vcard")}]//*[{_cls("fn")}]', "vcard"),
)

# Where the headline sits, most specific first.
class TitleRule(NamedTuple):
    """Where a headline may sit. A ``standalone`` place is believed even when ``<title>``
    and the metas disagree with it; the others only when they agree."""

    xpath: str
    standalone: bool
    # rules sharing one XPath (walked once) keep the elements whose "class id" this finds
    marks: re.Pattern[str] | None = None

    @property
    def cues(self) -> tuple[str, ...]:
        """Strings of which the page source must hold one for the rule to match
        anything: the class or id names the XPath asks for (none: always tried)."""
        names = [a or b for a, b in re.findall(r'"([^" ]+)"|\'([^\' ]+)\'', self.xpath)]
        return tuple(dict.fromkeys(names))  # in the XPath's order: the commonest first


# Blocks whose class or id holds a title word: one walk for the two rules below.
_TITLE_WORDS_XPATH = (
    '//*[self::div or self::span or self::td or self::p or self::strong or self::b]'
    '[contains(@class, "tit") or contains(@class, "Tit") or contains(@class, "TIT")'
    ' or contains(@id, "tit") or contains(@id, "Tit") or contains(@id, "TIT")'
    ' or contains(@class, "eading") or contains(@class, "eadline")'
    ' or contains(@class, "biaoti") or contains(@id, "biaoti")]')
TITLE_RULES: tuple[TitleRule, ...] = (
    TitleRule('//*[@id="ivs_title"]', True),
    TitleRule('//h1[@id="ti"]', True),
    TitleRule('//h1[@id="title"]', True),
    TitleRule(f"//*[{_cls('article_title')}]", True),
    TitleRule(f"//*[{_cls('article-title')}]", True),
    TitleRule(f"//p[{_cls('con-title')}]", True),
    TitleRule(f"//*[{_cls('entry-title')}]", True),
    TitleRule(f"//*[{_cls('art-title')}]", True),
    TitleRule(f"//div[{_cls('title')}]/h2", True),
    TitleRule(f"//h1[{_cls('title')}]", True),
    TitleRule("//h1", True),
    TitleRule(_TITLE_WORDS_XPATH, False, re.compile("tit|Tit|TIT")),  # title, news_tit
    TitleRule(_TITLE_WORDS_XPATH, False, re.compile("eading|eadline|biaoti")),  # Heading
    TitleRule(f"//h2[{_cls('title')}]", False),
    TitleRule("//h2", False),
    TitleRule("//h3", False),
    TitleRule("//h4", False),
    TitleRule("//h5", False),
)
TITLE_MIN, TITLE_MAX = 4, 120
# Headline-shaped text that is the site's navigation, not a headline: breadcrumbs
# ("首页 > 新闻动态", "首页 - 新闻动态", "当前位置：…").
BREADCRUMB = re.compile(
    r"^(?:首页|主页|网站首页|当前位置|您的位置|你的位置|您现在的位置|所在位置|位置)\s*[:：]?\s*"
    r"(?:>|＞|»|›|→|-|－|—|/|\||$)|(?:>|＞|»|›|→)\s*\S+\s*(?:>|＞|»|›|→)")
# A subtitle line joined to the headline above it ("——热烈祝贺…").
SUBTITLE_LEAD = re.compile(r"^(?:——|—|--)\s*\S")
SUBTITLE_MAX = 60
# A headline element placed against the body replaces the <title>'s headline only when
# this share of its character pairs is in <title>, or when <title> reads as a bare site name
# (short, or ending with a word sites call themselves).
TITLE_OVERLAP_MIN = 0.5
SITE_NAME_MAX = 12
SITE_NAME_END = re.compile(r"(?:网|網|网站|網站|门户|門戶|首页|首頁|主页|政府|频道|頻道|在线|在線|"
                           r"新闻中心|官网|官網|平台|区|區|园|園|管委会|委员会|中心|公司|集团|协会|"
                           r"商会|学院|大学|医院)$")
# A page whose headline is only its site's name: the headline-shaped line nearest above
# the body (within this many lines) is the headline.
HEADLINE_LINE_REACH = 6
HEADLINE_LINE_MIN = 6
# Separators between the headline and the site/column names in <title>.
TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|::|--|——|—|－|–|(?<!\d)-(?!\d)|\s-\s)\s*")
