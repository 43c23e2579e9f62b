"""Assemble the mock sites: run each family's templates and check what they produced."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from types import ModuleType

from . import asp, dede, destoon, hanweb, province, trs, wordpress
from .common import BuildContext, check_negatives, key_of_url
from .corpus import SiteConfig, load_corpus, site_entries
from .model import TRAP_FIELDS, RunningSite, SiteBuild

logger = logging.getLogger(__name__)

FAMILIES: dict[str, ModuleType] = {
    "trs": trs,
    "dedecms": dede,
    "destoon": destoon,
    "hanweb": hanweb,
    "province": province,
    "wordpress": wordpress,
    "asp": asp,
}


def build_sites(
    configs: list[SiteConfig], base_urls: dict[str, str], only: Iterable[str] | None = None
) -> list[tuple[RunningSite, SiteBuild]]:
    """Render the sites (all, or those in ``only``) for base URLs ({id: "http://host:port"}).

    ``base_urls`` must name every site of ``configs``: articles link across sites.
    """
    corpus = load_corpus()
    url_of, title_of = {}, {}
    for site in configs:
        family = FAMILIES[site.family]
        for entry in corpus.values():
            if entry.site == site.id:
                url_of[entry.key] = base_urls[site.id] + family.article_path(entry)
                title_of[entry.key] = entry.title
    wanted = set(only) if only is not None else {site.id for site in configs}
    built = []
    for site in configs:
        if site.id not in wanted:
            continue
        ctx = BuildContext(base_url=base_urls[site.id], url_of=url_of, title_of=title_of)
        result = FAMILIES[site.family].build(site, site_entries(corpus, site.id), ctx)
        _check(site, result, ctx)
        built.append((_running(site, result, ctx), result))
    return built


def _running(site: SiteConfig, result: SiteBuild, ctx: BuildContext) -> RunningSite:
    running = RunningSite(
        id=site.id,
        name=site.name,
        family=site.family,
        base_url=ctx.base_url,
        start_urls=result.list_urls[:1],
        list_urls=list(result.list_urls),
        articles=result.articles,
        non_html_urls=list(result.non_html_urls),
        encoding=site.encoding,
        park=site.park,
        region=site.region,
        max_pages=site.get("max_pages", None),
    )
    for name in TRAP_FIELDS:
        setattr(running, name, getattr(result, name))
    running.home_url = result.home_url or ctx.absolute("/")
    running.home_articles = {**result.articles, **result.home_articles}
    return running


def _page_text(site: SiteConfig, result: SiteBuild, ctx: BuildContext, url: str) -> str:
    _, _, raw = result.routes[key_of_url(url, ctx.base_url, result.query_encoding)]
    return raw.decode(site.encoding)


def _check(site: SiteConfig, result: SiteBuild, ctx: BuildContext) -> None:
    """Every expectation must hold on the rendered page (catches template/data slips).

    An article in several pages is checked on all its pages together; its negatives on
    the first page.
    """
    for url, article in {**result.articles, **result.home_articles}.items():
        text = _page_text(site, result, ctx, url)
        check_negatives(text, article.body, article.must_not_contain, url)
        for more in result.continuation_urls.get(url, []):
            text += _page_text(site, result, ctx, more)
        for line in [article.title, *article.body.split("\n")]:
            if line not in text:
                raise ValueError(f"{url}: {line[:20]!r} is not on the page")
    for url in result.list_urls + [u for lists in result.column_lists.values() for u in lists]:
        _page_text(site, result, ctx, url)  # every list page has a route
    for url in result.skipped_urls:
        _page_text(site, result, ctx, url)


def sites_toml(sites: list[RunningSite], start: str = "list") -> str:
    """A sites.toml text listing the running mock sites (id, name, park, region, start_urls,
    and max_pages where a site sets it). ``start``: "list" starts each site at its main
    column's first list page, "home" at its home page."""
    lines = ["# Mock park sites served on loopback by crawler.mocksites (test data only).", ""]
    for site in sites:
        lines.append("[[sites]]")
        lines.append(f"id = {json.dumps(site.id)}")
        lines.append(f"name = {json.dumps(site.name, ensure_ascii=False)}")
        if site.park:
            lines.append(f"park = {json.dumps(site.park, ensure_ascii=False)}")
        if site.region:
            lines.append(f"region = {json.dumps(site.region, ensure_ascii=False)}")
        starts = [site.home_url] if start == "home" else site.start_urls
        urls = ", ".join(json.dumps(url) for url in starts)
        lines.append(f"start_urls = [{urls}]")
        if site.max_pages:
            lines.append(f"max_pages = {site.max_pages}")
        lines.append("")
    return "\n".join(lines)
