"""A crawl of many sites split across crawl processes (crawler/shards.py): sites sharing a
host stay together, every article is stored once under one run, each process writes its
own WARC files, and a repost stored by one process of an article another stored is
still clustered."""

from __future__ import annotations

import pytest
from conftest import run_cli
from mockservers.scale import ScaleSite, build_site, serve_scale_sites
from scrapy.settings import Settings
from sqlite_utils import Database

from parknews.archive.warc import default_warc_dir
from parknews.crawler.shards import process_count, split_sites
from parknews.crawler.sites import parse_sites

SITES = 8
ARTICLES = 4
SPLIT = ["--no-lock", "--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=False",
         "--set", "PARKNEWS_CRAWL_PROCESSES=2", "--set", "PARKNEWS_CRAWL_PROCESS_MIN_SITES=2",
         "--set", "PARKNEWS_WARC_SITE_FILES=2"]  # files shared by the sites, one set a process


def _sites(*hosts: tuple[str, ...]):
    text = "\n".join(
        f'[[sites]]\nid = "s{n}"\nname = "s{n}"\nstart_urls = ["http://{names[0]}/"]\n'
        f"allowed_domains = {list(names)!r}\n".replace("'", '"') for n, names in enumerate(hosts))
    return parse_sites(text)


def test_sites_sharing_a_host_stay_in_one_group():
    sites = _sites(("a.gov.cn",), ("b.gov.cn",), ("www.a.gov.cn", "c.gov.cn"),
                   ("c.gov.cn",), ("d.gov.cn",), ("e.gov.cn",))
    groups = split_sites(sites, 2)
    ids = [[site.id for site in group] for group in groups]
    together = next(group for group in ids if "s0" in group)
    assert {"s0", "s2", "s3"} <= set(together)  # a.gov.cn, www.a.gov.cn and c.gov.cn
    assert sorted(sum(ids, [])) == sorted(site.id for site in sites)  # each once
    assert all(group == sorted(group) for group in ids)  # in the sites' order
    assert sorted(len(group) for group in ids) == [3, 3]


def test_small_crawls_stay_in_one_process():
    sites = _sites(*[(f"p{n}.gov.cn",) for n in range(10)])
    settings = Settings({"PARKNEWS_CRAWL_PROCESSES": 0, "PARKNEWS_CRAWL_PROCESS_MIN_SITES": 100})
    assert process_count(settings, sites) == 1
    settings.set("PARKNEWS_CRAWL_PROCESS_MIN_SITES", 5)
    settings.set("PARKNEWS_CRAWL_PROCESSES", 3)
    assert process_count(settings, sites) == 3
    settings.set("PARKNEWS_CRAWL_PROCESSES", 50)
    assert process_count(settings, sites) == 10  # never more processes than sites


@pytest.fixture(scope="module")
def split_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shards")
    with serve_scale_sites(SITES, articles=ARTICLES, first=6000) as (sites, server):
        # the second site reposts the first one's articles word for word (another host)
        twin = sites[1]
        donor = ScaleSite(sites[0].index, twin.host, twin.port)
        build_site(donor, ARTICLES)
        twin.routes, twin.article_paths = donor.routes, donor.article_paths
        sites_file = tmp / "sites.toml"
        sites_file.write_text("\n".join(site.toml() for site in sites), encoding="utf-8")
        db_path = tmp / "split.db"
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path), "-v",
                         "--progress", *SPLIT, timeout=600)
        yield {"sites": sites, "result": result, "db": db_path}


def test_every_article_stored_once_under_one_run(split_crawl):
    result = split_crawl["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "crawl split across 2 processes: 4 sites, 4 sites" in result.stderr
    db = Database(split_crawl["db"])
    sites = split_crawl["sites"]
    stored = sorted(row["url"] for row in db.query("select url from articles"))
    assert stored == sorted(site.base_url + path for site in sites
                            for path in site.article_paths)
    runs = list(db.query("select site_id, run_id, finish_reason from crawl_runs"))
    assert sorted(run["site_id"] for run in runs) == sorted(site.id for site in sites)
    assert len({run["run_id"] for run in runs}) == 1
    for site in sites:  # the summary names every site, from whichever process crawled it
        assert site.id in result.stdout
    for number in (1, 2):  # a progress line for each process, named
        assert f"[4 sites, process {number}]" in result.stderr


def test_each_process_writes_its_own_warc_files(split_crawl):
    files = sorted(path.name for path in default_warc_dir(split_crawl["db"]).iterdir())
    assert [name for name in files if "-parks-1-" in name]
    assert [name for name in files if "-parks-2-" in name]
    db = Database(split_crawl["db"])
    named = {row["warc_file"].split("-parks-")[1][0]
             for row in db.query("select warc_file from pages where warc_file is not null")}
    assert named == {"1", "2"}


def test_a_repost_stored_by_the_other_process_is_clustered(split_crawl):
    db = Database(split_crawl["db"])
    first, twin = split_crawl["sites"][:2]
    rows = list(db.query(
        "select a.site_id, m.cluster_id from articles a join cluster_members m "
        "using (url) where a.site_id in (?, ?)", [first.id, twin.id]))
    by_cluster: dict[int, set[str]] = {}
    for row in rows:
        by_cluster.setdefault(row["cluster_id"], set()).add(row["site_id"])
    assert len(by_cluster) == ARTICLES  # each article and its repost: one cluster
    assert all(members == {first.id, twin.id} for members in by_cluster.values())
    assert "reposts across the crawl processes: 8 of the run's" in split_crawl["result"].stderr


def test_sigterm_stops_every_process_and_the_next_run_completes(tmp_path):
    """SIGTERM to ``parknews crawl`` (as cron's or systemd's stop sends it to the command
    alone) reaches each crawl process, which stops as a crawl does (the requests already
    handed to the downloader are finished): its sites' rows say ``shutdown``, what was
    stored stays, no process is left behind; the next run stores the rest."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    import psutil
    from conftest import REPO

    with serve_scale_sites(SITES, articles=ARTICLES, first=6100) as (sites, server):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text("\n".join(site.toml() for site in sites), encoding="utf-8")
        db_path = tmp_path / "stopped.db"
        # the later setting wins; each row committed at once
        slow = [*SPLIT, "--set", "DOWNLOAD_DELAY=0.5", "--set", "ARCHIVE_BATCH_SIZE=1"]
        command = [sys.executable, "-m", "parknews.crawler.cli", "crawl", "--sites",
                   str(sites_file), "--db", str(db_path), *slow]
        crawl = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, PYTHONWARNINGS="ignore"))
        tree: list[psutil.Process] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until both processes have stored something
            tree = psutil.Process(crawl.pid).children(recursive=True)
            if db_path.exists():
                with sqlite3.connect(db_path) as conn:
                    try:
                        stored = {site for (site,) in conn.execute(
                            "select distinct site_id from articles")}
                    except sqlite3.OperationalError:  # not made yet
                        stored = set()
                if {sites[0].id, sites[1].id} <= stored:
                    break
            time.sleep(0.2)
        assert len(server.hits) < SITES * 10  # stopped before the end
        crawl.send_signal(signal.SIGTERM)
        stdout, stderr = crawl.communicate(timeout=120)
        gone, alive = psutil.wait_procs(tree, timeout=10)
        assert not alive, alive
        with sqlite3.connect(db_path) as conn:
            reasons = dict(conn.execute("select site_id, finish_reason from crawl_runs"))
            kept = conn.execute("select count(*) from articles where warc_file is not null"
                                ).fetchone()[0]
        assert sorted(reasons) == sorted(site.id for site in sites), stderr[-2000:]
        assert set(reasons.values()) == {"shutdown"}  # both processes were told, once
        assert kept > 0
        again = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path), *SPLIT,
                        timeout=600)
        assert again.returncode == 0, again.stderr[-2000:]
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("select count(*) from articles").fetchone()[0] == (
                SITES * ARTICLES)


def test_a_crawl_process_whose_pipeline_never_took_the_workers_still_exits(tmp_path):
    """The workers are started before the crawl; its extraction pipeline stops them when
    it closes. When no pipeline took them (here: none configured; in the field: the
    archive could not be opened), a crawl process still stops them: it used to wait for
    them at exit forever, and the crawl with it."""
    with serve_scale_sites(2, articles=1, first=6200) as (sites, _):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text("\n".join(site.toml() for site in sites), encoding="utf-8")
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "p.db"),
                         *SPLIT, "--set", "ITEM_PIPELINES={}", timeout=60)
    # it ran to its end: the summary, and (no pipeline stored a page) the verdict
    assert all(site.id in result.stdout for site in sites), result.stderr[-3000:]
    assert "every site failed: nothing was fetched" in result.stderr
