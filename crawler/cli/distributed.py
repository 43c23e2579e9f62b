"""``parknews seed``, ``parknews worker`` and ``parknews ingest``: distributed crawling on
Redis (``crawler/distributed.py``, ``pipelines/redisqueue.py``). They need the
``distributed`` extra (``pip install 'parknews[distributed]'``: scrapy-redis and redis)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime

import click

from parknews.crawler.cli.common import LOG_LEVELS, fail, parse_set
from parknews.crawler.locks import LOCKED_EXIT
from parknews.crawler.sites import SitesError, load_sites, select_sites

REDIS_HELP = "The Redis of the deployment, e.g. redis://10.0.0.5:6379/0 (env REDIS_URL)."
PREFIX_HELP = "Prefix of every Redis key (several deployments can share one Redis)."


def _imports():
    try:
        import redis  # noqa: F401
        import scrapy_redis  # noqa: F401
    except ImportError:
        fail("distributed crawling needs scrapy-redis and redis: "
              "python3 -m pip install 'parknews[distributed]'")


def _redis_option(func):
    func = click.option("--prefix", default="parknews", show_default=True, help=PREFIX_HELP)(func)
    return click.option("--redis", "redis_url", envvar="REDIS_URL", required=True,
                        metavar="URL", help=REDIS_HELP)(func)


def _ping(server, url: str) -> None:
    import redis

    try:
        server.ping()
    except redis.RedisError as exc:
        fail(f"cannot reach Redis at {url}: {exc}")


@click.command("seed")
@click.option("--sites", "sites_file", default="sites.toml", show_default=True,
              type=click.Path(dir_okay=False), help="The site registry (TOML).")
@click.option("--db", "db_path", default="parknews.db", show_default=True,
              type=click.Path(dir_okay=False),
              help="The archive (read only here: what earlier runs know, for incremental "
                   "requests).")
@click.option("--site", "site_ids", multiple=True, metavar="ID",
              help="Seed only this site (repeatable). Default: every site in the file.")
@click.option("--full", is_flag=True,
              help="Walk every list page and recheck every known article (a full pass).")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a setting, e.g. --set PARKNEWS_RECHECK_DAYS=7.")
@_redis_option
def seed_command(sites_file, db_path, site_ids, full, settings, redis_url, prefix):
    """Start a run of the sites on Redis: their start requests into the shared frontier,
    with what the archive knows of them (validators, known articles) for the workers.

    A site whose previous run still has requests queued or in flight is skipped (exit
    status 75). Seeding a site drops its request fingerprints: the new run revisits its
    pages (known articles are still skipped until their recheck is due).

    \b
    Example:
      parknews seed --sites sites.toml --db parknews.db --redis redis://127.0.0.1:6379/0
    """
    _imports()
    from parknews.archive.warc import new_run_id
    from parknews.crawler.distributed import DistributedParkSpider, dump_site, encode_request
    from parknews.crawler.frontier import ExpiringDupeFilter, Frontier, host_of
    from parknews.crawler.runner import crawl_settings
    from parknews.crawler.spiders.park import ParkSpider
    from parknews.pipelines.redisqueue import Keys, redis_client

    try:
        sites = select_sites(load_sites(sites_file), site_ids)
    except SitesError as exc:
        fail(str(exc))
    overrides = dict(parse_set(settings).common)
    if full:
        overrides.update(PARKNEWS_FULL_PASS=True, PARKNEWS_RECHECK_DAYS=0)
    scrapy_settings = crawl_settings(db_path, overrides)
    server = redis_client(redis_url)
    _ping(server, redis_url)
    keys = Keys(prefix)
    frontier = Frontier(server, keys, "seed", scrapy_settings.getfloat("PARKNEWS_HOST_DELAY", 1.0))
    dupefilter = ExpiringDupeFilter(
        server, keys.seen("-"), keys=keys,
        ttl=scrapy_settings.getfloat("PARKNEWS_FINGERPRINT_TTL", 20 * 3600))
    relay = DistributedParkSpider()
    run_id = new_run_id()
    busy = frontier.outstanding()
    skipped = []
    for site in sites:
        if busy.get(site.id):
            click.echo(f"parknews: site {site.id}: its last run still has {busy[site.id]} "
                       f"requests queued or in flight: skipped", err=True)
            skipped.append(site.id)
            continue
        spider = ParkSpider(site=site)
        spider.settings = scrapy_settings
        spider._load_history(scrapy_settings)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        pipe = server.pipeline(transaction=True)
        pipe.delete(keys.seen(site.id), keys.known(site.id), keys.stats(site.id))
        pipe.hset(keys.sites, site.id, dump_site(site))
        pipe.hset(keys.runs, site.id, json.dumps({
            "run_id": run_id, "started_at": started, "full_pass": spider.full_pass,
            "recheck_before": spider.recheck_before}))
        known = [(url, json.dumps(info, ensure_ascii=False))
                 for url, info in spider.known.items()]
        for start in range(0, len(known), 1000):
            pipe.hset(keys.known(site.id), mapping=dict(known[start:start + 1000]))
        pipe.xadd(keys.stream, {"type": "site", "site": site.id, "data": json.dumps({
            "id": site.id, "name": site.name, "park": site.park, "region": site.region,
            "start_urls": list(site.start_urls), "updated_at": started},
            ensure_ascii=False)})
        pipe.execute()

        async def start_requests(spider=spider):
            return [request async for request in spider.start()]

        pushed = 0
        for request in asyncio.run(start_requests()):
            request = relay.adopt(request, site.id, run_id)
            if dupefilter.request_seen(request):
                continue
            frontier.push(encode_request(request, relay), -request.priority,
                          host_of(request.url), site.id)
            pushed += 1
        click.echo(f"seeded {site.id}: {pushed} requests, {len(spider.known)} known URLs, "
                   f"run {run_id}, {'full pass' if spider.full_pass else 'incremental'}")
    if skipped:
        sys.exit(LOCKED_EXIT)


@click.command("worker")
@_redis_option
@click.option("--warc-dir", default="parknews-warc", show_default=True,
              type=click.Path(file_okay=False),
              help="Where this worker writes its WARC files (the archive's pointers name "
                   "them: share or collect this directory where the archive is).")
@click.option("--concurrency", type=click.IntRange(min=1), default=None,
              help="Requests in flight at once (CONCURRENT_REQUESTS; default 64).")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. --set PARKNEWS_HOST_DELAY=2.")
@click.option("--log-level", default="INFO", show_default=True,
              type=LOG_LEVELS)
def worker_command(redis_url, prefix, warc_dir, concurrency, settings, log_level):
    """Crawl from the shared frontier until it is empty (every seeded site done), sending
    each page to the Redis stream for `parknews ingest`. Run any number, anywhere.

    Politeness holds across workers: a host gets one request per PARKNEWS_HOST_DELAY
    seconds (default 1) from all of them together. A worker killed midway loses nothing:
    its unfinished requests go back to the frontier after PARKNEWS_WORKER_TIMEOUT seconds
    (default 30; at once on Ctrl-C or SIGTERM). A worker that cannot reach Redis for
    that long stops (exit status 1).

    \b
    Example:
      parknews worker --redis redis://10.0.0.5:6379/0 --warc-dir /srv/parknews-warc
    """
    _imports()
    from parknews.crawler.distributed import run_worker

    overrides = dict(parse_set(settings).common)
    overrides.setdefault("LOG_LEVEL", log_level.upper())
    if concurrency:
        overrides["CONCURRENT_REQUESTS"] = concurrency
    stats = run_worker(redis_url, prefix, warc_dir, overrides)
    reason = stats.get("finish_reason")
    click.echo(f"worker {os.getpid()}: {stats.get('response_received_count', 0)} responses, "
               f"{stats.get('redis/pages_sent', 0)} pages sent, finish reason {reason}")
    if reason not in ("finished", "shutdown"):  # e.g. Redis lost: said, and a failure
        sys.exit(1)


@click.command("ingest")
@click.option("--db", "db_path", default="parknews.db", show_default=True,
              type=click.Path(dir_okay=False), help="The archive to write (created if new).")
@_redis_option
@click.option("--follow", is_flag=True,
              help="Keep running after the crawl is over (for deployments that seed on a "
                   "schedule). Default: stop once no request is queued or in flight and the "
                   "stream is written.")
@click.option("--batch", type=click.IntRange(min=1), default=200, show_default=True,
              help="Stream entries written per transaction.")
def ingest_command(db_path, redis_url, prefix, follow, batch):
    """The one archive writer: write the pages the workers send into the archive,
    acknowledging each only after its transaction is committed (a killed ingester loses
    nothing: the next one writes what it left).

    \b
    Exit status: 0 done; 1 bad input; 75 another ingester is writing.

    \b
    Example:
      parknews ingest --db parknews.db --redis redis://127.0.0.1:6379/0
    """
    _imports()
    import logging

    from parknews.archive.store import ArchiveError
    from parknews.pipelines.redisqueue import IngestBusy, Ingester, Keys, redis_client

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = redis_client(redis_url)
    _ping(server, redis_url)
    try:
        ingester = Ingester(server, Keys(prefix), db_path, batch=batch)
    except ArchiveError as exc:
        fail(str(exc))
    try:
        counts = ingester.run(follow=follow)
    except IngestBusy as exc:
        fail(str(exc), LOCKED_EXIT)
    click.echo(f"ingested {counts['pages']} pages, {counts['runs']} runs finished")


COMMANDS = (seed_command, worker_command, ingest_command)
