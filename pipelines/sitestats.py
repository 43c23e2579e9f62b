"""Whose stats an item counts in: with many sites in one crawler (``crawler/manysites.py``)
each site has its own (its summary, its ``crawl_runs`` row and its health read them);
with a crawler of one site they are the crawler's.

The spider says it keeps stats per site by a method ``stats_of_site(site_id)``; the
pipelines ask through :func:`site_stats` (they know nothing of the crawler's floor).
"""

from __future__ import annotations

from typing import Any


def site_stats(crawler: Any, site_id: str | None) -> Any | None:
    """The stats of ``site_id`` when the crawler's spider keeps stats per site, else
    None (the crawler's own stats are the site's)."""
    spider = getattr(crawler, "spider", None)
    stats_of = getattr(spider, "stats_of_site", None)
    return stats_of(site_id) if stats_of is not None else None


def count(crawler: Any, site_id: str | None, key: str, value: int = 1) -> None:
    """Count ``key`` in the crawler's stats (the totals) and in the site's own."""
    crawler.stats.inc_value(key, value)
    own = site_stats(crawler, site_id)
    if own is not None and own is not crawler.stats:
        own.inc_value(key, value)
