"""Mock Chinese park news sites served on loopback, for tests and ``parknews demo``.

Seven sites, each on its own 127.x address: a TRS WCM government portal (``trs``, with a
two-page article), a GBK DedeCMS park company site (``dede``), a DESTOON industry portal
that reposts park news (``destoon``), a Hanweb JCMS portal whose lists are XML records in a
script (``hanweb``), a park sub-site on a provincial platform with a script-only pager
(``province``), a WordPress site with a sitemap and feed (``wordpress``) and an old GB2312
ASP site with query-string URLs (``asp``). Pages are rendered from one template module per
CMS family and the article corpus in ``data/articles.toml``; every article's clean text is
known (``ExpectedArticle``). The last four carry discovery traps (robots.txt disallows, an
endless calendar, a redirect loop, 404/500 links, off-site links; see ``traps.py``), and
every server keeps a request log (``RunningSite.requests()``).

    with serve_mock_sites() as sites:            # or serve_mock_sites(ids=["hanweb"])
        for site in sites:
            print(site.id, site.start_urls[0], len(site.articles))
"""

from .builder import sites_toml
from .model import ExpectedArticle, ListPost, RequestRecord, RunningSite
from .server import DEFAULT_HOSTS, serve_mock_sites

__all__ = [
    "DEFAULT_HOSTS",
    "ExpectedArticle",
    "ListPost",
    "RequestRecord",
    "RunningSite",
    "serve_mock_sites",
    "sites_toml",
]
