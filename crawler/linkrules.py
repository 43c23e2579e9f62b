"""Page-structure discovery rules as data: what a list block, a pager, a "more" link and a
news column look like, in words and numbers (used by :mod:`parknews.crawler.linkblocks`,
:mod:`parknews.crawler.columns` and :mod:`parknews.crawler.pageanalysis`).

Every vocabulary is a tuple of plain substrings or a compiled pattern, ordered most
specific first where order matters; thresholds are named constants. Studied on the real
list and home pages of ``../shared/reallists`` and ``../shared/realpages`` (government
portals, park sites, schools, portals and company sites; see their catalogues), tested
on the project's own mock sites.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# -- repeated structure -------------------------------------------------------------

MIN_ITEMS = 3  # sibling items a block needs (a column of a home page shows 3 at least)
MAX_ITEM_URLS = 4  # distinct URLs one item may link (image + title + category + "详情")
SKIP_TAGS: frozenset[str] = frozenset({"script", "style", "noscript", "head", "title",
                                       "meta", "link", "iframe", "select", "option",
                                       "form", "input", "button", "textarea"})
# A headline: its text weighs this much at least (a CJK character 1, a Latin word 2);
# menus and tags are shorter, titles longer.
HEADLINE_MIN_WEIGHT = 8
HEADLINE_MEDIAN_WEIGHT = 7  # median over a block's items for the block to be headlines
SHORT_TEXT_WEIGHT = 6  # a menu or tag label at most
DATED_BLOCK_SHARE = 0.5  # share of items with a date that makes a list of news
DATED_MEDIAN_WEIGHT = 4  # with dates, shorter titles still make news ("通知" lists)

# Dates beside a list item, full or short (lists often show "12-04" or "[05/13]").
ITEM_DATE = re.compile(
    r"(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}"
    r"|(?<![\d.:])[01]?\d\s*[-/月]\s*[0-3]?\d(?:日)?(?![\d:]))"
)
FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
TRUNCATED = ("…", "...", "..")  # a title cut short by the template

# Class and id words of sidebars, rankings and footers: a block inside one of these is
# not the page's main list (its items repeat other lists' articles). Not "right" nor
# "left": in two-column layouts the list itself is often div.right.
SIDE_WORDS: tuple[str, ...] = (
    "side", "rank", "hot", "top10", "paihang", "phb", "djph", "rmph", "zuixin",
    "latest", "newest", "recommend", "tuijian", "related", "xgxw", "footer", "foot",
    "friend", "yqlj", "links", "marquee",
)
# Headings of such boxes, read in the text just before a block.
SIDE_HEADINGS: tuple[str, ...] = (
    "点击排行", "热点排行", "阅读排行", "热门", "最新", "推荐", "相关", "猜你喜欢", "热点",
    "排行", "友情链接", "热门标签",
)
# Class and id words of navigation bars: their items are columns, not articles.
NAV_WORDS: tuple[str, ...] = ("nav", "menu", "daohang", "dh", "channel", "subnav", "lanmu")

# -- pagers -------------------------------------------------------------------------

PAGER_TEXTS: frozenset[str] = frozenset({
    "首页", "上一页", "上页", "前一页", "下一页", "下页", "后一页", "后页", "尾页", "末页",
    "最后一页", "最末页", "第一页", "下一頁", "上一頁", "<", "<<", "«", "‹", ">", ">>", "»",
    "›", "first", "prev", "previous", "next", "last", "nextpage", "next»", "«prev",
    "...", "…",
})
PAGER_DECORATION = "<>«»‹›[]【】()（）.…·-=:：|"  # around a pager word
PAGER_NUMBER = re.compile(r"^[\[(]?\d{1,5}[\])]?$")
PAGER_CLASS_WORDS: tuple[str, ...] = ("page", "pager", "paging", "pagination", "fenye",
                                      "pagebar", "pages")
PAGER_BLOCK_SHARE = 0.6  # share of pager-like texts in a block that make it a pager
YEAR_LABEL = re.compile(r"^(?:19|20)\d{2}年?$")  # a menu of years is not a pager
# "页次：2/49", "第2页/共49页", "共49页", "2/49页"
PAGE_OF_PAGES = re.compile(r"(?:页次|第)\s*[:：]?\s*(\d{1,5})\s*(?:页)?\s*[/／]\s*(?:共)?\s*"
                           r"(\d{1,5})|共\s*(\d{1,5})\s*页")

# -- "more" links and columns ---------------------------------------------------------

# Texts of a block's link to its whole column (compared without spaces, lower case).
MORE_TEXT = re.compile(
    r"^(?:[+>»›\[(【]*\s*)?(?:更多|查看更多|更多内容|更多信息|更多资讯|更多新闻|更多>+|"
    r"more|more\+|moreinfo|readmore|viewmore|查看全部|全部|进入栏目|进入.{1,8}栏目|详细|"
    r"更多\.+)(?:\s*[+>»›\])】.]*)?$",
    re.IGNORECASE,
)
MORE_WORDS = re.compile(r"更多|查看|more", re.IGNORECASE)  # taken off a more link's text
MORE_IMAGE_WORDS: tuple[str, ...] = ("more", "gengduo", "gd.", "btn_more", "more_")
MORE_CLASS_WORDS: tuple[str, ...] = ("more",)

# Names that mark a news or notice column (Chinese and English, substrings).
NEWS_COLUMN_WORDS: tuple[str, ...] = (
    "新闻", "动态", "要闻", "资讯", "公告", "通知", "公示", "媒体", "报道", "快讯", "快报",
    "头条", "时政", "聚焦", "招商", "政策", "解读", "文件", "通报", "简报", "信息", "工作",
    "播报", "热点", "专报", "视点", "传真", "观察", "发布", "讲话", "政务", "党建",
    "news", "notice", "announcement", "bulletin", "press", "media", "policy", "updates",
    "events", "information",
)
# Names never crawled as news columns, even when a news word is in them
# ("新闻发布会直播" stays, "信息公开申请" goes). Checked before NEWS_COLUMN_WORDS.
SKIP_COLUMN_WORDS: tuple[str, ...] = (
    "登录", "登陆", "注册", "注销", "找回密码", "忘记密码", "搜索", "检索", "互动", "留言",
    "信箱", "贴吧", "咨询投诉", "投诉", "招标", "采购", "中标", "建议", "调查", "征集",
    "网上办事", "办事指南", "办事服务",
    "在线办事", "政务服务", "便民服务", "下载", "无障碍", "长者", "关怀", "适老", "english",
    "繁體", "繁体", "简体", "手机版", "移动版", "网站地图", "联系我们", "关于我们", "网站声明",
    "隐私", "版权", "帮助", "rss", "订阅", "申请", "依申请", "信息公开指南", "信息公开目录",
    "信息公开年报", "年度报告", "概况", "简介", "领导信息", "领导简介", "领导介绍",
    "领导分工", "领导班子", "机构", "职能", "地图", "视频",
    "图片", "专题", "产品", "案例", "人才", "招聘", "求职", "供应", "求购", "商城", "论坛",
    "站点管理", "后台", "管理员", "bbs", "login", "register", "search", "sitemap", "contact",
    "about", "help", "download",
    "video", "photo", "product", "case", "job", "mail", "邮箱",
)
# URL path words of news columns (directory or file names; the pinyin abbreviations
# government CMSs use: xwzx 新闻中心, tzgg 通知公告, yqdt 园区动态 …). Whole path
# segments, compared lower case, without extension.
NEWS_PATH_WORDS: frozenset[str] = frozenset({
    "news", "xw", "xwzx", "xwdt", "xwfb", "xinwen", "dt", "dongtai", "yw", "yaowen", "zx",
    "zixun", "tzgg", "tz", "gg", "gonggao", "tongzhi", "notice", "notices", "announcement",
    "gsgg", "gsgs", "mtjj", "mtbd", "mtgz", "zwdt", "zwyw", "gzdt", "yqdt", "yqxw", "bmdt",
    "qydt", "zsdt", "zcjd", "zcfg", "zcwj", "press", "media",
    "tpxw", "spxw", "kx", "kuaixun", "jrtt", "toutiao", "zhengwudongtai", "gongzuodongtai",
    "zhaoshangdongtai", "zhengfugonggao", "companynews", "industrynews", "industrytrends",
    "hydt", "hyzx", "gsxw", "qyxw", "gsdt", "bulletin",
})
# URL path words of what is never a news column (whole segments, lower case).
SKIP_PATH_WORDS: frozenset[str] = frozenset({
    "bbs", "forum", "login", "logon", "signin", "signup", "register", "reg", "logout",
    "member", "members", "user", "usercenter", "passport", "sso", "search", "guestbook",
    "feedback", "mail", "email", "wap", "m", "mobile", "english", "en", "download",
    "downloads", "cart", "shop", "wza", "hdjl", "myzj", "zxft", "wsbs", "bsfw", "zwfw",
    "admin", "wp-admin", "wp-login", "manage", "manager", "houtai",
})
COLUMN_NAME_MAX_WEIGHT = 12  # a column's name is short: longer anchor texts are headlines
BOX_TITLE_LEVELS = 6  # ancestors of a "more" link searched for its box's title
BOX_TITLE_AFTER_LEVELS = 2  # of which the nearest also read after it (a title on its right)


class ColumnSource(NamedTuple):
    """How a column link was found, with how much it counts (higher is stronger)."""

    name: str
    strength: int


MORE_LINK = ColumnSource("more", 3)  # the 更多 link of a news block
BADGE = ColumnSource("badge", 2)  # a category link inside list items ([新闻动态])
MENU = ColumnSource("menu", 1)  # a menu item named like a news column
SIBLING = ColumnSource("sibling", 0)  # same URL shape as found columns, in the same menu

MAX_COLUMNS = 40  # columns one hub page may give at most
HOME_PATHS: frozenset[str] = frozenset({
    "", "/", "/index.html", "/index.htm", "/index.shtml", "/index.php", "/index.asp",
    "/index.aspx", "/index.jsp", "/default.html", "/default.htm", "/default.asp",
    "/default.aspx", "/main.htm", "/main.html", "/portal/index.html", "/home", "/home.html",
})

# -- page kinds -----------------------------------------------------------------------

# Elements whose text is never an article's, and the elements text belongs to.
NOT_ARTICLE_TAGS: frozenset[str] = frozenset({"a", "script", "style", "noscript", "head",
                                              "title", "select", "option", "button",
                                              "textarea", "nav", "footer", "header"})
TEXT_BLOCK_TAGS: frozenset[str] = frozenset({"p", "div", "td", "th", "li", "dd", "section",
                                             "article", "blockquote", "pre", "center",
                                             "body", "h1", "h2", "h3", "h4", "h5", "h6"})
PARAGRAPH_TAGS: frozenset[str] = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
                                            "blockquote"})
ARTICLE_MIN_CHARS = 250  # text outside links, in one container, that makes an article
ARTICLE_LINK_SHARE = 0.25  # link text share of that container at most
LIST_MAIN_SHARE = 0.5  # share of the page's headline items a list's main block holds
LIST_MIN_ITEMS = 5  # a list page's main block without a pager
