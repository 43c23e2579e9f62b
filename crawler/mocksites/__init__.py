"""Mock Chinese park news sites served on loopback, for tests and ``parknews demo``.

Three sites, each on its own 127.x address: a TRS WCM government portal (``trs``), a GBK
DedeCMS park company site (``dede``) and a DESTOON industry portal that reposts park news
(``destoon``). Pages are rendered from one template module per CMS family and the article
corpus in ``data/articles.toml``; every article's clean text is known (``ExpectedArticle``).

    with serve_mock_sites() as sites:
        for site in sites:
            print(site.id, site.start_urls[0], len(site.articles))
"""

from .builder import sites_toml
from .model import ExpectedArticle, RunningSite
from .server import DEFAULT_HOSTS, serve_mock_sites

__all__ = ["DEFAULT_HOSTS", "ExpectedArticle", "RunningSite", "serve_mock_sites", "sites_toml"]
