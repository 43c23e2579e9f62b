"""``python -m parknews.crawler.mocksites``: serve the mock park sites until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from . import serve_mock_sites, sites_toml

logger = logging.getLogger(__name__)

EPILOG = """\
example:
  python -m parknews.crawler.mocksites --port 8080 --write-sites /tmp/mock-sites.toml
  parknews crawl --sites /tmp/mock-sites.toml --db /tmp/demo.db

Sites (default addresses; all of 127.0.0.0/8 is loopback on Linux):
  trs        127.0.0.11  TRS WCM government portal, UTF-8     /xwzx/yqdt/index.html
  dede       127.0.0.12  DedeCMS company site, GBK            /a/news/list_1_1.html
  destoon    127.0.0.13  DESTOON portal with reposts          /news/list-5-1.html
  hanweb     127.0.0.14  Hanweb JCMS, jpage XML lists, UTF-8  /col/col1229371/index.html
  province   127.0.0.15  provincial platform, createPageHTML  /clxq/c118402/list.shtml
  wordpress  127.0.0.16  WordPress, sitemap, feed, calendar   /category/news/
  asp        127.0.0.17  old ASP, GB2312, table layout        /news.asp?lb=园区新闻&page=1

The paths above are each site's main news column; its home page / leads to it and to
its further columns (data/columns/<id>.toml: news columns, one only in a script-written
menu, and a column a crawler must skip). Traps (robots.txt Disallow, calendar, redirect
loop, 404/500, off-site links) are on the last four; `python -m parknews.crawler.mocksites -v`
logs every request.
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m parknews.crawler.mocksites",
        description="Serve mock Chinese park news sites (TRS, DedeCMS, DESTOON, Hanweb, a "
        "provincial platform, WordPress, old ASP) on loopback addresses until interrupted "
        "with Ctrl-C.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="port for every site (default 0: an ephemeral port each)",
    )
    parser.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="SITE=ADDR",
        help="override one site's address, e.g. --host trs=127.0.0.21",
    )
    parser.add_argument(
        "--write-sites",
        type=Path,
        metavar="FILE",
        help="also write a sites.toml for the running sites to FILE",
    )
    parser.add_argument(
        "--site",
        action="append",
        default=[],
        metavar="ID",
        help="serve only this site (repeatable; default: all)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    hosts = dict(item.split("=", 1) for item in args.host)
    with serve_mock_sites(hosts=hosts, port=args.port, ids=args.site or None) as sites:
        for site in sites:
            print(
                f"{site.id:10} {site.name}  {site.start_urls[0]}  "
                f"({len(site.articles)} articles, {site.encoding})"
            )
        if args.write_sites:
            args.write_sites.write_text(sites_toml(sites), encoding="utf-8")
            print(f"wrote {args.write_sites}")
        print("serving; press Ctrl-C to stop", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        print("stopping", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
