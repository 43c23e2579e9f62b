"""The shared frontier of distributed crawling, plugged into scrapy-redis by its own
settings (no fork of it): a queue class, a scheduler and a duplicate filter.

- ``PoliteHostQueue`` (``SCHEDULER_QUEUE_CLASS``): one sorted set of requests per host
  (``host:port``) and a ``ready`` set of hosts by the time their next request may go: a
  pop takes a request of a host that is due and moves that host ``PARKNEWS_HOST_DELAY``
  seconds on, so across all workers a host is handed out at most once per delay and no
  worker holds requests waiting for a host. A popped request is *leased* to its worker
  until its response is scraped and its items are in the stream (then acknowledged); the
  leases of a worker whose heartbeat stops (SIGKILL, a lost machine) go back to the
  frontier after ``PARKNEWS_WORKER_TIMEOUT`` seconds. Each step is one Lua script.
- ``FrontierScheduler`` (``SCHEDULER``): scrapy-redis' ``Scheduler``, persistent, whose
  pending work is the whole frontier's (a worker ends when no request is queued or leased
  anywhere, not when its own pop comes back empty), and which hands a redirected or
  retried request's lease over to the new request.
- ``ExpiringDupeFilter`` (``DUPEFILTER_CLASS``): request fingerprints per site, each
  with an expiry time (``PARKNEWS_FINGERPRINT_TTL``), dropped per site when a new run of
  it is seeded and droppable per URL (``forget``), so scheduled re-crawls revisit their
  pages (scrapy-redis keeps fingerprints for ever: its issue #84).

Counts kept on the way: ``outstanding`` (requests queued or leased, per site: the last
acknowledgement of a site adds its ``run_end`` to the stream) and per-site stats carried
by the acknowledgements. One Redis, not a cluster (the scripts build key names).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from itertools import count
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.misc import load_object
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base as RedisQueueBase
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from parknews.pipelines.redisqueue import Keys, keys_from_settings

logger = logging.getLogger(__name__)

LEASE = "parknews_lease"  # request.meta key: the lease id of a request popped from Redis


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def redis_from_settings(settings):
    if not settings.get("REDIS_URL"):
        raise NotConfigured("REDIS_URL is not set")
    return connection.from_settings(settings)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc or parts.path).lower()


# -- Lua: each step of the frontier is one atomic script ---------------------------------

_NOW = "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

# KEYS: queue, ready, hostlast, outstanding  ARGV: payload, score, host, site, delay_ms
PUSH = _NOW + """
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], ARGV[4], 1)
if not redis.call('ZSCORE', KEYS[2], ARGV[3]) then
  local last = tonumber(redis.call('HGET', KEYS[3], ARGV[3]) or '0')
  redis.call('ZADD', KEYS[2], math.max(now, last + tonumber(ARGV[5])), ARGV[3])
end
return 1
"""

# KEYS: ready, hostlast, leases, leasemeta  ARGV: queue prefix, delay_ms, lease id
POP = _NOW + """
local hosts = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
if #hosts == 0 then return false end
local host = hosts[1]
local q = ARGV[1] .. host
local got = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
if #got == 0 then redis.call('ZREM', KEYS[1], host) return false end
redis.call('ZREMRANGEBYRANK', q, 0, 0)
redis.call('HSET', KEYS[2], host, now)
if redis.call('ZCARD', q) > 0 then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), host)
else
  redis.call('ZREM', KEYS[1], host)
end
redis.call('HSET', KEYS[3], ARGV[3], got[1])
redis.call('HSET', KEYS[4], ARGV[3], got[2] .. ' ' .. host)
return {got[1], host}
"""

# KEYS: leases, leasemeta, outstanding, runs, stream, stats, values  ARGV: lease id, site
# The request is done: its lease goes, and the site's last outstanding request ends its
# run (a run_end message after every page of the run in the stream, in one step).
ACK = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
local left = redis.call('HINCRBY', KEYS[3], ARGV[2], -1)
if left <= 0 then
  redis.call('HDEL', KEYS[3], ARGV[2])
  local flat = redis.call('HGETALL', KEYS[6])
  local stats = {}
  for i = 1, #flat, 2 do stats[flat[i]] = tonumber(flat[i + 1]) end
  flat = redis.call('HGETALL', KEYS[7])
  local values = {}
  for i = 1, #flat, 2 do values[flat[i]] = flat[i + 1] end
  redis.call('DEL', KEYS[6], KEYS[7])
  redis.call('XADD', KEYS[5], '*', 'type', 'run_end', 'site', ARGV[2],
             'run', redis.call('HGET', KEYS[4], ARGV[2]) or '{}',
             'stats', cjson.encode(stats), 'values', cjson.encode(values))
end
return 1
"""

# KEYS: workers, ready, hostlast  ARGV: key prefix, timeout_ms, delay_ms
# Workers silent for longer than the timeout are dead: their leased requests go back.
RECLAIM = _NOW + """
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local moved = 0
for _, w in ipairs(dead) do
  local leases = ARGV[1] .. ':leases:' .. w
  local metas = ARGV[1] .. ':leasemeta:' .. w
  local flat = redis.call('HGETALL', leases)
  for i = 1, #flat, 2 do
    local meta = redis.call('HGET', metas, flat[i]) or '0 unknown'
    local sp = string.find(meta, ' ')
    local score = string.sub(meta, 1, sp - 1)
    local host = string.sub(meta, sp + 1)
    redis.call('ZADD', ARGV[1] .. ':q:' .. host, score, flat[i + 1])
    if not redis.call('ZSCORE', KEYS[2], host) then
      local last = tonumber(redis.call('HGET', KEYS[3], host) or '0')
      redis.call('ZADD', KEYS[2], math.max(now, last + tonumber(ARGV[3])), host)
    end
    moved = moved + 1
  end
  redis.call('DEL', leases, metas)
  redis.call('ZREM', KEYS[1], w)
end
return moved
"""

# KEYS: seen zset  ARGV: fingerprint, ttl_ms   -> 1 if seen (and not expired)
SEEN = _NOW + """
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if expires and tonumber(expires) > now then return 1 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 0
"""


# KEYS: hostsent  ARGV: host, delay_ms  -> 0 (send now; recorded) or ms to wait first
SEND = _NOW + """
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local wait = last + tonumber(ARGV[2]) - now
if wait > 0 then return wait end
redis.call('HSET', KEYS[1], ARGV[1], now)
return 0
"""


class Frontier:
    """The shared frontier's operations, for workers and for ``parknews seed``."""

    def __init__(self, server, keys: Keys, worker: str, host_delay: float = 1.0,
                 worker_timeout: float = 30.0):
        self.server = server
        self.keys = keys
        self.worker = worker
        self.delay_ms = int(host_delay * 1000)
        self.timeout_ms = int(worker_timeout * 1000)
        self._push = server.register_script(PUSH)
        self._pop = server.register_script(POP)
        self._ack = server.register_script(ACK)
        self._reclaim = server.register_script(RECLAIM)
        self._send = server.register_script(SEND)
        self._ids = count()

    def push(self, payload: bytes, score: float, host: str, site_id: str) -> None:
        k = self.keys
        self._push(keys=[k.queue(host), k.ready, k.hostlast, k.outstanding],
                   args=[payload, score, host, site_id, self.delay_ms])

    def pop(self) -> tuple[bytes, str] | None:
        k = self.keys
        lease = f"{next(self._ids)}"
        got = self._pop(keys=[k.ready, k.hostlast, k.leases(self.worker),
                              k.lease_meta(self.worker)],
                        args=[k.queue_prefix, self.delay_ms, lease])
        if not got:
            return None
        return got[0], lease

    def ack(self, lease: str, site_id: str, stats: dict[str, int] | None = None,
            values: dict[str, Any] | None = None) -> bool:
        """The leased request is done; ``stats`` (counts to add) and ``values`` (settings
        of stats, JSON) of its site go with it, for the run's row."""
        k = self.keys
        pipe = self.server.pipeline(transaction=True)
        for key, value in (stats or {}).items():
            pipe.hincrby(k.stats(site_id), key, value)
        if values:
            pipe.hset(k.stats(site_id) + ":values", mapping={
                key: json.dumps(value, ensure_ascii=False, default=str)
                for key, value in values.items()})
        self._ack(keys=[k.leases(self.worker), k.lease_meta(self.worker), k.outstanding,
                        k.runs, k.stream, k.stats(site_id), k.stats(site_id) + ":values"],
                  args=[lease, site_id], client=pipe)
        return bool(pipe.execute()[-1])

    def send_wait(self, host: str) -> float:
        """0 when a request may be sent to ``host`` now (the send is recorded), else the
        seconds to wait: the last send to it, by any worker, was less than a delay ago."""
        return int(self._send(keys=[self.keys.hostsent], args=[host, self.delay_ms])) / 1000

    def heartbeat(self) -> None:
        self.server.zadd(self.keys.workers, {self.worker: int(time.time() * 1000)})

    def leave(self) -> None:
        """This worker is done: it holds no lease (else they would be reclaimed)."""
        self.server.zrem(self.keys.workers, self.worker)

    def release(self) -> int:
        """This worker stops early: its leased requests go back to the frontier now."""
        self.server.zadd(self.keys.workers, {self.worker: 0})
        return self.reclaim()

    def reclaim(self) -> int:
        k = self.keys
        moved = self._reclaim(keys=[k.workers, k.ready, k.hostlast],
                              args=[k.prefix, self.timeout_ms, self.delay_ms])
        if moved:
            logger.warning("frontier: %d requests of dead workers back in the queue", moved)
        return int(moved or 0)

    def outstanding(self) -> dict[str, int]:
        return {k.decode() if isinstance(k, bytes) else k: int(v)
                for k, v in self.server.hgetall(self.keys.outstanding).items()}

    def done(self) -> bool:
        """No request queued or leased anywhere: the crawl is over."""
        return self.server.hlen(self.keys.outstanding) == 0

    def leased(self) -> int:
        return self.server.hlen(self.keys.leases(self.worker))


def frontier_from_settings(settings, server=None, worker: str | None = None) -> Frontier:
    return Frontier(server or redis_from_settings(settings), keys_from_settings(settings),
                    worker or settings.get("PARKNEWS_WORKER_ID") or worker_name(),
                    settings.getfloat("PARKNEWS_HOST_DELAY", 1.0),
                    settings.getfloat("PARKNEWS_WORKER_TIMEOUT", 30.0))


# -- scrapy-redis plug-ins -----------------------------------------------------------------


class PoliteHostQueue(RedisQueueBase):
    """``SCHEDULER_QUEUE_CLASS``: per-host queues, politeness and leases (module doc)."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.frontier = frontier_from_settings(spider.settings, server)

    def __len__(self) -> int:
        return sum(self.frontier.outstanding().values())

    def push(self, request: Request) -> None:
        request.meta.pop(LEASE, None)  # a lease belongs to the request that was popped
        site_id = request.meta.get("site_id") or "-"
        self.frontier.push(self._encode_request(request), -request.priority,
                           host_of(request.url), site_id)

    def pop(self, timeout: int = 0) -> Request | None:
        got = self.frontier.pop()
        if got is None:
            return None
        payload, lease = got
        request = self._decode_request(payload)
        request.meta[LEASE] = lease
        return request

    def clear(self) -> None:
        """Never called with ``SCHEDULER_PERSIST`` (a worker must not empty the frontier
        of the others); a run's requests leave it only when they are done."""


class FrontierScheduler(RedisScheduler):
    """``SCHEDULER``: scrapy-redis' scheduler, persistent, whose pending work is the whole
    frontier's, not only what this worker could pop right now."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = cls.from_settings(crawler.settings)
        scheduler.crawler_stats = crawler.stats  # counted here, without the deprecated
        return scheduler  # spider argument scrapy-redis passes

    def open(self, spider):
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        self.frontier: Frontier = self.queue.frontier
        outstanding = self.frontier.outstanding()
        logger.info("frontier: %d requests queued or in flight, of %d sites",
                    sum(outstanding.values()), len(outstanding))

    def next_request(self) -> Request | None:
        request = super().next_request()
        if request is not None:
            self.crawler_stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request: Request) -> bool:
        lease = request.meta.get(LEASE)  # a redirect or retry of a leased request
        site_id = request.meta.get("site_id") or "-"
        added = super().enqueue_request(request)
        if added:
            self.crawler_stats.inc_value("scheduler/enqueued/redis")
        if lease is not None:  # the new request (or its duplicate) carries the work on
            request.meta.pop(LEASE, None)
            self.frontier.ack(lease, site_id, *self.spider.site_stats(site_id))
        return added

    def has_pending_requests(self) -> bool:
        return not self.frontier.done()


class ExpiringDupeFilter(RFPDupeFilter):
    """``DUPEFILTER_CLASS``: fingerprints per site, each kept ``PARKNEWS_FINGERPRINT_TTL``
    seconds; a new run of a site (``parknews seed``) starts with none."""

    def __init__(self, server, key, debug=False, ttl: float = 20 * 3600, keys: Keys | None = None):
        super().__init__(server, key, debug)
        self.ttl_ms = int(ttl * 1000)
        self.keys = keys or Keys()
        self._seen = server.register_script(SEEN)

    @classmethod
    def from_spider(cls, spider):
        settings = spider.settings
        return cls(redis_from_settings(settings), key=keys_from_settings(settings).seen("-"),
                   debug=settings.getbool("DUPEFILTER_DEBUG"),
                   ttl=settings.getfloat("PARKNEWS_FINGERPRINT_TTL", 20 * 3600),
                   keys=keys_from_settings(settings))

    @classmethod
    def from_settings(cls, settings):
        return cls(redis_from_settings(settings), key=keys_from_settings(settings).seen("-"),
                   ttl=settings.getfloat("PARKNEWS_FINGERPRINT_TTL", 20 * 3600),
                   keys=keys_from_settings(settings))

    def _key(self, request: Request) -> str:
        return self.keys.seen(request.meta.get("site_id") or "-")

    def request_seen(self, request: Request) -> bool:
        return bool(self._seen(keys=[self._key(request)],
                               args=[self.request_fingerprint(request), self.ttl_ms]))

    def forget(self, request: Request) -> bool:
        """Drop one request's fingerprint (its URL may be fetched again at once)."""
        return bool(self.server.zrem(self._key(request), self.request_fingerprint(request)))

    def clear_site(self, site_id: str) -> None:
        self.server.delete(self.keys.seen(site_id))

    def close(self, reason: str = "") -> None:
        """Fingerprints are shared by all workers: kept (they expire on their own)."""

    def clear(self) -> None:
        """Likewise: never cleared by one worker."""
