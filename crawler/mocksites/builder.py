"""Assemble the mock sites: run each family's templates and check what they produced."""

from __future__ import annotations

import json
import logging
from types import ModuleType

from . import dede, destoon, trs
from .common import BuildContext, check_negatives
from .corpus import SiteConfig, load_corpus, site_entries
from .model import RunningSite, SiteBuild

logger = logging.getLogger(__name__)

FAMILIES: dict[str, ModuleType] = {"trs": trs, "dedecms": dede, "destoon": destoon}


def build_sites(
    configs: list[SiteConfig], base_urls: dict[str, str]
) -> list[tuple[RunningSite, SiteBuild]]:
    """Render every site for the given base URLs ({site id: "http://host:port"})."""
    corpus = load_corpus()
    url_of = {}
    for site in configs:
        family = FAMILIES[site.family]
        for entry in site_entries(corpus, site.id):
            url_of[entry.key] = base_urls[site.id] + family.article_path(entry)
    built = []
    for site in configs:
        ctx = BuildContext(base_url=base_urls[site.id], url_of=url_of)
        result = FAMILIES[site.family].build(site, site_entries(corpus, site.id), ctx)
        _check(site, result, ctx)
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
        )
        built.append((running, result))
    return built


def _check(site: SiteConfig, result: SiteBuild, ctx: BuildContext) -> None:
    """Every expectation must hold on the rendered page (catches template/data slips)."""
    for url, article in result.articles.items():
        _, _, raw = result.routes[url[len(ctx.base_url) :]]
        text = raw.decode(site.encoding)
        check_negatives(text, article.body, article.must_not_contain, url)
        for line in [article.title, *article.body.split("\n")]:
            if line not in text:
                raise ValueError(f"{url}: {line[:20]!r} is not on the page")


def sites_toml(sites: list[RunningSite]) -> str:
    """A sites.toml text listing the running mock sites (id, name, park, region, start_urls)."""
    lines = ["# Mock park sites served on loopback by crawler.mocksites (test data only).", ""]
    for site in sites:
        lines.append("[[sites]]")
        lines.append(f"id = {json.dumps(site.id)}")
        lines.append(f"name = {json.dumps(site.name, ensure_ascii=False)}")
        if site.park:
            lines.append(f"park = {json.dumps(site.park, ensure_ascii=False)}")
        if site.region:
            lines.append(f"region = {json.dumps(site.region, ensure_ascii=False)}")
        urls = ", ".join(json.dumps(url) for url in site.start_urls)
        lines.append(f"start_urls = [{urls}]")
        lines.append("")
    return "\n".join(lines)
