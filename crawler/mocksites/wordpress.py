"""Templates of the WordPress site of an innovation park operator (松岚创新港), UTF-8.

Posts ``/YYYY/MM/DD/<slug>/`` (``h1.entry-title``, ``time.entry-date``, ``.entry-content``,
post navigation within the category, comment form, sidebar); the news category
``/category/news/`` and ``/category/news/page/2/`` lists them with absolute hrefs, as
WordPress writes links. ``/robots.txt`` (Disallow /wp-admin/ with the admin-ajax Allow, and
/internal/) ends with ``Sitemap: …/sitemap.xml``, a sitemap index of ``/post-sitemap.xml``
(every post, with lastmod) and ``/page-sitemap.xml`` (home and the 关于我们 page, which are
not articles). Posts of the other categories of the main corpus are on no list page, in no
widget and not in the feed: only the sitemap leads to them. ``/feed/`` is the RSS 2.0 feed
of the latest posts, linked by ``<link rel="alternate" type="application/rss+xml">``.
The sidebar links an endless 活动日历 (``/calendar/?month=YYYY-MM``), the disallowed
/wp-admin/ and an article-shaped URL under /internal/.

The home page (issue 19) has a section per category of ``data/columns/wordpress.toml``
with a 查看更多 link (the 媒体聚焦 one without dates, the 人才招聘 one a news crawl must
leave alone) and a 快捷入口 menu written by ``document.write`` (the only way to 通知公告).
Those categories have their own archive pages and posts; their posts are in no sitemap,
no feed and no 近期文章 widget, which stay the main category's.
"""

from __future__ import annotations

import logging
from string import Template

from . import traps
from .common import BuildContext, build_further_columns, esc, html_page, xml_doc
from .corpus import Entry, MockColumn, SiteConfig, is_heading, paginate, text_of
from .model import ExpectedArticle, SiteBuild

logger = logging.getLogger(__name__)

FEED_SIZE = 5  # posts in the feed and in the 近期文章 widget
SITEMAP_TYPE = "text/xml; charset=UTF-8"
RSS_TYPE = "application/rss+xml; charset=UTF-8"

PAGE = Template("""<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title_tag</title>
<meta name='robots' content='max-image-preview:large' />
<link rel="alternate" type="application/rss+xml" title="$name &raquo; Feed" href="$feed" />
<link rel='stylesheet' id='wp-block-library-css'
href='$base/wp-includes/css/dist/block-library/style.min.css?ver=6.5.3' media='all' />
<link rel='stylesheet' id='twentytwentyone-style-css'
href='$base/wp-content/themes/twentytwentyone/style.css?ver=2.2' media='all' />
$head_extra<meta name="generator" content="WordPress 6.5.3" />
</head>
<body class="$body_class">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">跳至内容</a>
<header id="masthead" class="site-header">
<div class="site-branding"><p class="site-title"><a href="$base/">$name</a></p>
<p class="site-description">$tagline</p></div>
<nav id="site-navigation" class="primary-navigation" aria-label="主菜单"><ul
id="primary-menu-list" class="menu-wrapper">
$menu</ul></nav>
</header>
<div id="content" class="site-content"><div id="primary" class="content-area">
<main id="main" class="site-main">
$main
</main>
</div>
<aside class="widget-area">
<section class="widget widget_search"><form role="search" method="get" class="search-form"
action="$base/">
<label>搜索：<input type="search" class="search-field" name="s" /></label>
<input type="submit" class="search-submit" value="搜索" /></form></section>
<section class="widget widget_recent_entries"><h2
class="widget-title">近期文章</h2><ul>
$recent</ul></section>
<section class="widget widget_events"><h2 class="widget-title">活动日历</h2>
<p><a href="$calendar">查看本月活动安排</a></p></section>
<section class="widget widget_staff"><h2 class="widget-title">员工专区</h2><ul>
$staff</ul></section>
<section class="widget widget_links"><h2 class="widget-title">友情链接</h2><ul>
$friends</ul></section>
</aside>
</div>
<footer id="colophon" class="site-footer">
<div class="site-info"><div class="site-name">$name</div>
<div class="powered-by">自豪地采用<a
href="https://cn.wordpress.org/">WordPress</a></div></div>
</footer>
</div>
<script src='$base/wp-content/themes/twentytwentyone/assets/js/primary-navigation.js?ver=2.2'
id='twenty-twenty-one-primary-navigation-script-js'></script>
</body>
</html>
""")

POST_MAIN = Template("""<article id="post-$post_id"
class="post-$post_id post type-post status-publish format-standard hentry category-$category entry">
<header class="entry-header alignwide">
<h1 class="entry-title">$title</h1>
</header>
<div class="entry-content">
$body
</div>
<footer class="entry-footer default-max-width">
<div class="posted-by"><span class="posted-on">发布于 <time class="entry-date published updated"
datetime="$datetime">$date_label</time></span><span class="byline">作者 $author</span></div>
<div class="post-taxonomies"><span class="cat-links">来源：$source</span></div>
</footer>
</article>
$navigation
<div id="comments" class="comments-area default-max-width">
<div id="respond" class="comment-respond">
<h2 id="reply-title" class="comment-reply-title">发表回复</h2>
<form action="$base/wp-comments-post.php" method="post" id="commentform" class="comment-form"
novalidate>
<p class="comment-notes">您的电子邮箱地址不会被公开。 必填项已用 <span
class="required">*</span> 标注</p>
<p class="comment-form-comment"><label for="comment">评论 <span class="required">*</span></label>
<textarea id="comment" name="comment" cols="45" rows="5" maxlength="65525" required></textarea></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit"
value="发表评论" />
<input type='hidden' name='comment_post_ID' value='$post_id' id='comment_post_ID' /></p>
</form>
</div>
</div>""")

ARCHIVE_MAIN = Template("""<header class="page-header alignwide">
<h1 class="page-title">分类：<span>$column</span></h1>
</header>
$posts
<nav class="navigation pagination" aria-label="文章分页">
<h2 class="screen-reader-text">文章分页</h2>
<div class="nav-links">$pager</div>
</nav>""")

EXCERPT = Template("""<article id="post-$post_id"
class="post-$post_id post type-post status-publish format-standard hentry category-$category entry">
<header class="entry-header">
<h2 class="entry-title default-max-width"><a href="$url">$title</a></h2>
</header>
<div class="entry-content"><p>$excerpt&hellip; <a class="more-link" href="$url">继续阅读<span
class="screen-reader-text">$title</span></a></p></div>
<footer class="entry-footer default-max-width"><span class="posted-on">发布于 <time
class="entry-date published updated" datetime="$datetime">$date_label</time></span></footer>
</article>
""")


def article_path(entry: Entry) -> str:
    year, month, day = entry.date.split("-")
    return f"/{year}/{month}/{day}/{entry.slug}/"


def main_category(site: SiteConfig) -> str:
    return site.get("list_category", "news")


def category_path(slug: str, number: int = 1) -> str:
    """Archive page ``number`` (from 1) of a category: /category/<slug>/, …/page/N/."""
    base = f"/category/{slug}/"
    return base if number == 1 else f"{base}page/{number}/"


def list_path(site: SiteConfig, number: int, slug: str = "") -> str:
    """A page of the main category's archive, or of the category ``slug``."""
    return category_path(slug or main_category(site), number)


def _datetime(entry: Entry) -> str:
    return f"{entry.date}T{entry.time or '00:00'}:00+08:00"


def _date_label(entry: Entry) -> str:
    year, month, day = (int(part) for part in entry.date.split("-"))
    return f"{year}年{month}月{day}日"


def _page(
    site: SiteConfig,
    ctx: BuildContext,
    title_tag: str,
    main: str,
    body_class: str,
    parts: dict[str, str],
) -> str:
    menu = "".join(
        f'<li class="menu-item"><a href="{ctx.absolute(href)}">{esc(label)}</a></li>\n'
        for label, href in site.get("menu")
    )
    return PAGE.substitute(
        title_tag=esc(title_tag),
        name=esc(site.name),
        tagline=esc(site.get("tagline")),
        base=ctx.base_url,
        feed=ctx.absolute("/feed/"),
        head_extra=parts.get("head", ""),
        body_class=body_class,
        menu=menu,
        main=main,
        **{key: parts[key] for key in ("recent", "calendar", "staff", "friends")},
    )


def _chrome(site: SiteConfig, ctx: BuildContext, out: SiteBuild, listed: list[Entry]) -> dict:
    """The sidebar parts shared by every page: recent posts, calendar, staff, friends."""
    calendar = traps.add_calendar(out, site, ctx) or "/"
    staff = traps.disallowed_links(out, site, ctx)
    friends = traps.offsite_links(out, site, ctx)
    return {
        "recent": "".join(
            f'<li><a href="{ctx.absolute(article_path(e))}">{esc(e.title)}</a></li>\n'
            for e in listed[:FEED_SIZE]
        ),
        "calendar": ctx.absolute(calendar),
        "staff": "".join(
            f'<li><a href="{ctx.absolute(path)}">{esc(label)}</a></li>\n' for label, path in staff
        ),
        "friends": "".join(
            f'<li><a href="{esc(url)}">{esc(label)}</a></li>\n' for label, url in friends
        ),
    }


def _body(entry: Entry) -> str:
    return "\n".join(
        f'<h2 class="wp-block-heading">{esc(text_of(p))}</h2>'
        if is_heading(p)
        else f"<p>{esc(p)}</p>"
        for p in entry.paragraphs
    )


def _navigation(ctx: BuildContext, older: Entry | None, newer: Entry | None) -> str:
    links = []
    if older:
        links.append(
            f'<div class="nav-previous"><a href="{ctx.absolute(article_path(older))}" '
            f'rel="prev"><p class="meta-nav">上一篇</p><p class="post-title">'
            f"{esc(older.title)}</p></a></div>"
        )
    if newer:
        links.append(
            f'<div class="nav-next"><a href="{ctx.absolute(article_path(newer))}" '
            f'rel="next"><p class="meta-nav">下一篇</p><p class="post-title">'
            f"{esc(newer.title)}</p></a></div>"
        )
    return (
        '<nav class="navigation post-navigation" aria-label="文章">'
        '<h2 class="screen-reader-text">文章导航</h2><div class="nav-links">'
        + "".join(links)
        + "</div></nav>"
    )


def _post(
    site: SiteConfig, ctx: BuildContext, same: list[Entry], index: int, parts: dict[str, str]
) -> tuple[str, ExpectedArticle]:
    """A post page; prev/next stay within the post's category (``same``, newest first)."""
    entry = same[index]
    older = same[index + 1] if index + 1 < len(same) else None
    newer = same[index - 1] if index > 0 else None
    main = POST_MAIN.substitute(
        post_id=entry.doc_id,
        category=entry.category,
        title=esc(entry.title),
        body=_body(entry),
        datetime=_datetime(entry),
        date_label=_date_label(entry),
        author=esc(entry.author or "admin"),
        source=esc(entry.source),
        navigation=_navigation(ctx, older, newer),
        base=ctx.base_url,
    )
    canonical = ctx.absolute(article_path(entry))
    head = (
        f'<link rel="canonical" href="{canonical}" />\n'
        f'<meta property="article:published_time" content="{_datetime(entry)}" />\n'
    )
    text = _page(
        site,
        ctx,
        f"{entry.title} &#8211; {site.name}".replace("&#8211;", "–"),
        main,
        "post-template-default single single-post",
        parts | {"head": head},
    )
    must_not = [
        site.get("tagline"),
        "近期文章",
        "活动日历",
        "员工专区",
        "友情链接",
        "发表回复",
        "您的电子邮箱地址不会被公开",
        "自豪地采用",
        "文章导航",
        "发布于 <time",
        *(["上一篇"] if older else []),
        *(["下一篇"] if newer else []),
    ]
    return text, entry.expected(canonical, must_not, entry.summary)


def _pager(site: SiteConfig, ctx: BuildContext, number: int, pages: int, slug: str = "") -> str:
    def link(target: int, label: str, kind: str = "") -> str:
        href = ctx.absolute(list_path(site, target, slug))
        return f'<a class="{kind}page-numbers" href="{href}">{label}</a>'

    parts = [link(number - 1, "上一页", "prev ")] if number > 1 else []
    for target in range(1, pages + 1):
        if target == number:
            parts.append(f'<span aria-current="page" class="page-numbers current">{target}</span>')
        else:
            parts.append(link(target, str(target)))
    if number < pages:
        parts.append(link(number + 1, "下一页", "next "))
    return "\n".join(parts)


def _archive(
    site: SiteConfig,
    ctx: BuildContext,
    chunk: list[Entry],
    number: int,
    pages: int,
    parts: dict[str, str],
    slug: str = "",
    name: str = "",
) -> str:
    name = name or site.column
    posts = "".join(
        EXCERPT.substitute(
            post_id=e.doc_id,
            category=e.category,
            url=ctx.absolute(article_path(e)),
            title=esc(e.title),
            excerpt=esc(e.lines[0][:54]),
            datetime=_datetime(e),
            date_label=_date_label(e),
        )
        for e in chunk
    )
    main = ARCHIVE_MAIN.substitute(
        column=esc(name), posts=posts, pager=_pager(site, ctx, number, pages, slug)
    )
    suffix = f" &#8211; 第{number}页" if number > 1 else ""
    title = f"{name}{suffix} &#8211; {site.name}".replace("&#8211;", "–")
    return _page(site, ctx, title, main, "archive category", parts)


def _sitemaps(out: SiteBuild, ctx: BuildContext, entries: list[Entry]) -> list[str]:
    """Serve the sitemap index and its two sitemaps; their URLs, index first."""
    newest = max(_datetime(e) for e in entries)
    posts = "".join(
        f"<url>\n<loc>{ctx.absolute(article_path(e))}</loc>\n<lastmod>{_datetime(e)}</lastmod>\n"
        "</url>\n"
        for e in entries
    )
    pages = "".join(
        f"<url>\n<loc>{ctx.absolute(path)}</loc>\n<lastmod>{newest}</lastmod>\n</url>\n"
        for path in ("/", "/about/")
    )
    urlset = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    out.routes["/post-sitemap.xml"] = xml_doc(urlset + posts + "</urlset>\n", SITEMAP_TYPE)
    out.routes["/page-sitemap.xml"] = xml_doc(urlset + pages + "</urlset>\n", SITEMAP_TYPE)
    index = "".join(
        f"<sitemap>\n<loc>{ctx.absolute(path)}</loc>\n<lastmod>{newest}</lastmod>\n</sitemap>\n"
        for path in ("/post-sitemap.xml", "/page-sitemap.xml")
    )
    out.routes["/sitemap.xml"] = xml_doc(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + index
        + "</sitemapindex>\n",
        SITEMAP_TYPE,
    )
    return [ctx.absolute(p) for p in ("/sitemap.xml", "/post-sitemap.xml", "/page-sitemap.xml")]


def _rfc822(entry: Entry) -> str:
    from datetime import datetime

    moment = datetime.fromisoformat(_datetime(entry))
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0800")


def _feed(site: SiteConfig, ctx: BuildContext, listed: list[Entry]) -> str:
    items = "".join(
        f"<item>\n<title>{esc(e.title)}</title>\n<link>{ctx.absolute(article_path(e))}</link>\n"
        f"<pubDate>{_rfc822(e)}</pubDate>\n<dc:creator><![CDATA[{e.author or 'admin'}]]>"
        f"</dc:creator>\n<category><![CDATA[{site.column}]]></category>\n"
        f'<guid isPermaLink="false">{ctx.absolute("/?p=" + str(e.doc_id))}</guid>\n'
        f"<description><![CDATA[{e.lines[0][:54]}&#8230;]]></description>\n</item>\n"
        for e in listed[:FEED_SIZE]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>{esc(site.name)}</title>\n"
        f'<atom:link href="{ctx.absolute("/feed/")}" rel="self" type="application/rss+xml" />\n'
        f"<link>{ctx.base_url}</link>\n<description>{esc(site.get('tagline'))}</description>\n"
        f"<language>zh-Hans</language>\n{items}</channel>\n</rss>\n"
    )


def _lists(site: SiteConfig, ctx: BuildContext, out: SiteBuild, slug: str, name: str,
           listed: list[Entry], parts: dict[str, str]) -> list[str]:
    """The archive pages of one category (its posts ``listed``, newest first); their URLs."""
    pages = paginate(listed, site.per_page)
    urls = []
    for number, chunk in enumerate(pages, start=1):
        text = _archive(site, ctx, chunk, number, len(pages), parts, slug, name)
        out.routes[list_path(site, number, slug)] = html_page(text)
        urls.append(ctx.absolute(list_path(site, number, slug)))
    return urls


def _articles(site: SiteConfig, ctx: BuildContext, out: SiteBuild, entries: list[Entry],
              into: dict[str, ExpectedArticle], parts: dict[str, str]) -> None:
    """The posts of ``entries`` (newest first), prev/next within each one's category."""
    for name in dict.fromkeys(e.category for e in entries):
        same = [e for e in entries if e.category == name]
        for index, entry in enumerate(same):
            text, expected = _post(site, ctx, same, index, parts)
            out.routes[article_path(entry)] = html_page(text)
            into[expected.url] = expected


def build(site: SiteConfig, entries: list[Entry], ctx: BuildContext) -> SiteBuild:
    out = SiteBuild(routes={}, list_urls=[], articles={})
    category = main_category(site)
    listed = [e for e in entries if e.category == category]
    parts = _chrome(site, ctx, out, listed)
    out.sitemap_urls = _sitemaps(out, ctx, entries)
    traps.add_robots(out, site, sitemaps=(out.sitemap_urls[0],))
    out.list_urls = _lists(site, ctx, out, category, site.column, listed, parts)
    _articles(site, ctx, out, entries, out.articles, parts)
    out.sitemap_only_urls = [ctx.absolute(article_path(e)) for e in entries
                             if e.category != category]
    out.routes["/feed/"] = xml_doc(_feed(site, ctx, listed), RSS_TYPE)
    out.feed_urls = [ctx.absolute("/feed/")]
    about = (
        '<article class="page type-page"><header class="entry-header"><h1 class="entry-title">'
        f'关于我们</h1></header><div class="entry-content"><p>{esc(site.name)}是一家'
        f"{esc(site.get('tagline'))}，为入驻企业提供办公空间、创业辅导和投融资对接服务。</p>"
        "</div></article>"
    )
    about_page = _page(site, ctx, f"关于我们 – {site.name}", about, "page", parts)
    out.routes["/about/"] = html_page(about_page)
    further = _further_columns(site, ctx, out, parts)
    home = _home(site, ctx, listed, further)
    out.routes["/"] = html_page(_page(site, ctx, site.name, home, "home blog", parts))
    logger.debug("built wordpress site: %s routes", len(out.routes))
    return out


# -- the home page and the further categories (issue 19) -----------------------------

HOME_SECTION = Template("""<section class="wp-block-group home-column home-$slug">
<div class="wp-block-group__inner-container"><div class="section-header">
<h2 class="wp-block-heading section-title">$name</h2>
<a class="section-more" href="$more">查看更多</a></div>
<ul class="wp-block-latest-posts__list wp-block-latest-posts">
$items</ul></div></section>
""")


def _further_columns(site: SiteConfig, ctx: BuildContext, out: SiteBuild,
                     parts: dict[str, str]) -> list[tuple[MockColumn, list[Entry]]]:
    """Build every further category of the site (archive pages and posts)."""
    def one(column: MockColumn, entries: list[Entry]):
        if any(e.category != column.path for e in entries):
            raise ValueError(f"wordpress: a post of {column.name} is not in {column.path}")
        urls = _lists(site, ctx, out, column.path, column.name, entries, parts)
        expected: dict[str, ExpectedArticle] = {}
        _articles(site, ctx, out, entries, expected, parts)
        return urls, expected

    return build_further_columns(site, out, one)


def _home_items(ctx: BuildContext, entries: list[Entry], dated: bool) -> str:
    rows = []
    for entry in entries[:5]:
        date = (f'<time datetime="{_datetime(entry)}" class="wp-block-latest-posts__post-date">'
                f"{_date_label(entry)}</time>" if dated else "")
        rows.append(f'<li><a class="wp-block-latest-posts__post-title" '
                    f'href="{ctx.absolute(article_path(entry))}">{esc(entry.title)}</a>'
                    f"{date}</li>\n")
    return "".join(rows)


def _script_menu(site: SiteConfig, ctx: BuildContext,
                 further: list[tuple[MockColumn, list[Entry]]]) -> str:
    """The 快捷入口 menu, written by ``document.write`` (a Custom HTML block): the
    categories reachable from nowhere else, and 关于我们."""
    links = [(c.name, ctx.absolute(category_path(c.path))) for c, _ in further
             if c.menu == "script"]
    if not links:
        return ""
    links.append(("关于我们", ctx.absolute("/about/")))
    items = "".join(f'<li class=\\"wp-block-navigation-item\\"><a href=\\"{href}\\">'
                    f"{label}</a></li>" for label, href in links)
    return ('<nav class="wp-block-navigation home-quick-links" aria-label="快捷入口">'
            '<ul class="wp-block-navigation__container">\n<script type="text/javascript">'
            f'document.write("{items}");</script>\n</ul></nav>\n')


def _home(site: SiteConfig, ctx: BuildContext, listed: list[Entry],
          further: list[tuple[MockColumn, list[Entry]]]) -> str:
    sections = [HOME_SECTION.substitute(
        slug=main_category(site), name=esc(site.column),
        more=ctx.absolute(list_path(site, 1)), items=_home_items(ctx, listed, True))]
    for column, entries in further:
        if column.menu == "block":
            sections.append(HOME_SECTION.substitute(
                slug=column.path, name=esc(column.name),
                more=ctx.absolute(category_path(column.path)),
                items=_home_items(ctx, entries, column.dated)))
    return ('<div class="home-sections">\n' + _script_menu(site, ctx, further)
            + "".join(sections) + "</div>")
