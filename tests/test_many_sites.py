"""Many sites, one crawler (crawler/manysites.py): thirty generated park sites on their own
loopback addresses, crawled by one ``parknews crawl`` with a delay per host. Every served
article is stored once, each site gets its own exact crawl_runs row and summary line,
no host is asked twice within its delay, and the hosts are interleaved rather than
crawled one after another."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from conftest import run_cli
from mockservers.scale import min_intervals, serve_scale_sites
from sqlite_utils import Database

from parknews.archive.warc import default_warc_dir

SITES = 30
DELAY = 0.3
POLITE = ["--set", f"DOWNLOAD_DELAY={DELAY}", "--set", "AUTOTHROTTLE_ENABLED=False",
          "--no-lock"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("many")
    with serve_scale_sites(SITES, articles=4, first=5000) as (sites, server):
        sites_file = tmp / "sites.toml"
        sites_file.write_text("\n".join(site.toml() for site in sites), encoding="utf-8")
        db_path = tmp / "many.db"
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path), *POLITE,
                         timeout=600)
        hits = list(server.hits)
        again = run_cli("crawl", "--sites", str(sites_file), "--db", str(tmp / "few.db"),
                        *POLITE, "--set", "PARKNEWS_WARC_SITE_FILES=5",
                        "--site", sites[0].id, "--site", sites[1].id, timeout=600)
        yield {"sites": sites, "hits": hits, "result": result, "db": db_path, "again": again,
               "few": tmp / "few.db"}


def test_every_served_article_is_stored_once(crawled):
    assert crawled["result"].returncode == 0, crawled["result"].stderr[-3000:]
    served = Counter()
    by_host = {site.host: site for site in crawled["sites"]}
    for hit in crawled["hits"]:
        site = by_host[hit.host]
        if hit.status == 200 and hit.path in site.article_paths:
            served[site.base_url + hit.path] += 1
    assert len(served) == SITES * 4 and set(served.values()) == {1}  # each fetched once
    db = Database(crawled["db"])
    stored = [row["url"] for row in db.query("select url from articles")]
    assert sorted(stored) == sorted(served)
    assert not db["pages"].count_where("error is not null")


def test_each_site_has_its_own_exact_run_row_and_summary(crawled):
    db = Database(crawled["db"])
    runs = {row["site_id"]: row for row in db.query("select * from crawl_runs")}
    assert set(runs) == {site.id for site in crawled["sites"]}
    requests = Counter(hit.host for hit in crawled["hits"])
    for site in crawled["sites"]:
        run = runs[site.id]
        # home, two column lists and the second page of one, four articles
        assert (run["pages"], run["list_pages"], run["articles_new"]) == (8, 3, 4), run
        assert run["finish_reason"] == "finished" and run["errors"] == 0
        assert run["requests"] == requests[site.host]  # robots.txt and sitemap probe too
        assert run["started_at"] <= run["finished_at"]
        pages = db["pages"].count_where("site_id = ? and run_id = ?", [site.id, run["run_id"]])
        assert pages == run["pages"]
    lines = {line.split()[0]: line.split() for line in
             crawled["result"].stdout.splitlines() if line.startswith("park")}
    assert set(lines) == set(runs)
    assert all(fields[1:4] == ["8", "3", "4"] for fields in lines.values())
    assert "unhealthy" not in crawled["result"].stdout


def test_no_host_is_asked_twice_within_its_delay(crawled):
    gaps = min_intervals(crawled["hits"])
    assert len(gaps) == SITES
    assert min(gaps.values()) >= DELAY * 0.99, sorted(gaps.values())[:3]


def test_hosts_are_interleaved(crawled):
    """Every site's first request comes before the first site's last: the sites are
    crawled side by side, not one after another."""
    first, last = {}, defaultdict(float)
    for hit in crawled["hits"]:
        first.setdefault(hit.host, hit.time)
        last[hit.host] = max(last[hit.host], hit.time)
    earliest_end = min(last.values())
    assert max(first.values()) < earliest_end


def test_warc_files_per_site_up_to_a_limit_then_shared(crawled):
    files = sorted(p.name for p in default_warc_dir(crawled["db"]).iterdir())
    assert {name.split("-")[2] for name in files} == {site.id for site in crawled["sites"]}
    assert crawled["again"].returncode == 0, crawled["again"].stderr[-3000:]
    # two sites, at most five with files of their own: still per site
    few = sorted(p.name for p in default_warc_dir(crawled["few"]).iterdir())
    assert {name.split("-")[2] for name in few} == {s.id for s in crawled["sites"][:2]}


def test_a_crawl_of_more_sites_than_the_limit_shares_warc_files(tmp_path):
    with serve_scale_sites(3, articles=1, first=5100) as (sites, _):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text("\n".join(site.toml() for site in sites), encoding="utf-8")
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "s.db"),
                         *POLITE, "--set", "PARKNEWS_WARC_SITE_FILES=2", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    files = [p.name for p in default_warc_dir(tmp_path / "s.db").iterdir()]
    assert files and {name.split("-")[2] for name in files} == {"parks"}
    db = Database(tmp_path / "s.db")
    assert db["articles"].count == 3
    assert not db["articles"].count_where("warc_file is null")


# -- the scheduler's host rotation ---------------------------------------------------------


class _Slot:
    def __init__(self, active: int = 0, lastseen: float = 0.0, delay: float = 0.0):
        self.active = set(range(active))
        self.lastseen = lastseen
        self.delay = delay


class _Downloader:
    def __init__(self):
        self.slots: dict[str, _Slot] = {}

    def get_slot_key(self, request) -> str:
        from urllib.parse import urlsplit

        return urlsplit(request.url).hostname


def _queue():
    from types import SimpleNamespace

    from scrapy.squeues import FifoMemoryQueue
    from scrapy.utils.test import get_crawler

    from parknews.crawler.manysites import HostRotationQueue

    crawler = get_crawler()
    downloader = _Downloader()
    crawler.engine = SimpleNamespace(downloader=downloader)
    return HostRotationQueue(crawler, FifoMemoryQueue, ""), downloader


def _requests(hosts: str, each: int):
    from scrapy import Request

    return [Request(f"http://{host}.example/{n}") for n in range(each) for host in hosts]


def _host(request) -> str:
    return request.url.split("//")[1].split(".")[0]


def test_the_rotation_takes_the_hosts_in_turn():
    queue, _ = _queue()
    for request in sorted(_requests("abc", 2), key=lambda r: r.url):  # a, a, b, b, c, c
        queue.push(request)
    assert len(queue) == 6
    assert [_host(queue.pop()) for _ in range(6)] == list("abcabc")
    assert queue.pop() is None and len(queue) == 0


def test_a_busy_host_or_one_within_its_delay_waits_while_another_is_ready():
    from parknews.crawler.manysites import _CLOCK

    queue, downloader = _queue()
    for request in _requests("abc", 1):
        queue.push(request)
    downloader.slots["a.example"] = _Slot(active=1)  # a request in flight
    downloader.slots["b.example"] = _Slot(lastseen=_CLOCK(), delay=60)  # answered, delay 60 s
    assert _host(queue.pop()) == "c"
    # only busy or waiting hosts left: the idle one (its request waits out the delay in
    # the downloader) rather than none
    assert _host(queue.pop()) == "b"
    assert _host(queue.pop()) == "a"


def test_site_stats_count_like_scrapys():
    from parknews.crawler.manysites import SiteStats

    stats = SiteStats()
    stats.inc_value("a")
    stats.inc_value("a", 2)
    stats.max_value("m", 3)
    stats.max_value("m", 1)
    stats.min_value("n", 3)
    stats.min_value("n", 1)
    stats.set_value("s", "x")
    assert stats.get_stats() == {"a": 3, "m": 3, "n": 1, "s": "x"}
    assert stats.get_value("missing", 7) == 7


def test_downloader_stats_count_the_crawl_and_each_site_as_scrapys_would():
    """One middleware counts each request and response once, into the crawl's stats and
    into its site's: the same figures Scrapy's DownloaderStats gives for each."""
    from scrapy.downloadermiddlewares.stats import DownloaderStats
    from scrapy.http import HtmlResponse, Request
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from parknews.crawler.manysites import SiteStats
    from parknews.crawler.middlewares import SiteDownloaderStatsMiddleware

    crawler = get_crawler()
    sites = {"a": SiteStats(), "b": SiteStats()}

    class Spider:
        def stats_of_site(self, site_id):
            return sites.get(site_id or "")

        def site_of_request(self, request):
            return request.meta.get("site_id")

    crawler.spider = Spider()
    ours = SiteDownloaderStatsMiddleware.from_crawler(crawler)
    expected = {site: MemoryStatsCollector(crawler) for site in (*sites, "all")}
    theirs = {site: DownloaderStats(stats) for site, stats in expected.items()}
    exchanges = [("a", 200, b"<p>a</p>"), ("a", 404, b""), ("b", 200, b"<p>bb</p>"),
                 (None, 200, b"User-agent: *")]
    for site, status, body in exchanges:
        request = Request(f"http://{site or 'robots'}.test/x", meta={"site_id": site})
        response = HtmlResponse(request.url, status=status, body=body, request=request)
        ours.process_request(request)
        ours.process_response(request, response)
        for key in {"all", site} - {None}:
            theirs[key].process_request(request)
            theirs[key].process_response(request, response)
    failed = Request("http://b.test/y", meta={"site_id": "b"})
    ours.process_request(failed)
    ours.process_exception(failed, TimeoutError())
    for key in ("all", "b"):
        theirs[key].process_request(failed)
        theirs[key].process_exception(failed, TimeoutError())
    assert crawler.stats.get_stats() == expected["all"].get_stats()
    assert crawler.stats.get_value("downloader/request_count") == 5
    for site, stats in sites.items():
        assert stats.get_stats() == expected[site].get_stats(), site


def test_the_offsite_filter_judges_each_request_by_its_own_site():
    """A link from one site to another's host stays out, a site's own hosts and their
    subdomains are in, whatever the case; each (site, host) is judged once, though Scrapy
    asks when a request is scheduled and again before it is downloaded."""
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from parknews.crawler.middlewares import SiteOffsiteMiddleware

    asked = []

    class Sites:
        def site_hosts(self, site_id):
            asked.append(site_id)
            return {"a": ("park-a.gov.cn",), "b": ("park-b.gov.cn", "b.example.cn")}[site_id]

    middleware, spider = SiteOffsiteMiddleware.from_crawler(get_crawler()), Sites()

    def follows(site_id: str, url: str) -> bool:
        return middleware.should_follow(Request(url, meta={"site_id": site_id}), spider)

    assert follows("a", "http://park-a.gov.cn/news/index.html")
    assert follows("a", "http://www.park-a.gov.cn/news/1.html")
    assert not follows("a", "http://park-b.gov.cn/news/index.html")
    assert not follows("a", "http://evilpark-a.gov.cn/")  # a suffix, not a subdomain
    assert follows("b", "http://PARK-B.gov.cn/news/2.html")
    assert follows("b", "http://b.example.cn:8080/")
    assert not follows("b", "http://park-a.gov.cn/news/index.html")
    judged = len(asked)
    for _ in range(3):
        assert follows("a", "http://park-a.gov.cn/news/3.html")
        assert not follows("a", "http://park-b.gov.cn/news/4.html")
        assert follows("b", "http://park-b.gov.cn/news/5.html")
    assert len(asked) == judged  # the verdicts were kept
