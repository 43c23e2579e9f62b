"""Scrapy settings of the parknews project (``scrapy crawl park -a site=ID`` reads these).

Politeness first: robots.txt obeyed, AutoThrottle on, a small per-host concurrency.
The parknews-specific settings are prefixed by the component that reads them.
"""

BOT_NAME = "parknews"
SPIDER_MODULES = ["parknews.crawler.spiders"]
NEWSPIDER_MODULE = "parknews.crawler.spiders"

# -- parknews --------------------------------------------------------------------------
SITES_FILE = "sites.toml"  # read by `scrapy crawl park -a site=ID`
ARCHIVE_DB = "parknews.db"  # the SQLite archive the storage pipeline writes
ARCHIVE_BATCH_SIZE = 50  # rows per write transaction
EXTRACTION_ENABLED = True

ITEM_PIPELINES = {
    "parknews.pipelines.extraction.ExtractionPipeline": 300,
    "parknews.pipelines.storage.StoragePipeline": 800,
}

# -- politeness ------------------------------------------------------------------------
USER_AGENT = "parknews/0.1 (+https://github.com/parknews/parknews; archive of park news)"
ROBOTSTXT_OBEY = True
# Requests in flight in the whole crawl (each host keeps its own bounds just below). A
# host's first request waits for its robots.txt and then for the delay, holding one of
# these places meanwhile: with 16, a crawl of 1,000 small sites kept its loop busy 61 % of
# the time, with 64 81 % and took 0.80 of the time (benchmarks/scale.py --set).
CONCURRENT_REQUESTS = 64
# Scrapy's downloader sends every request queued for a host with no delay at once, past
# CONCURRENT_REQUESTS_PER_DOMAIN (crawler/downloader.py); ours keeps the bound.
DOWNLOADER = "parknews.crawler.downloader.BoundedDownloader"
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# A host's kept-alive connections close after this many idle seconds, and at most
# PARKNEWS_IDLE_CONNECTIONS_MAX stay open idle, never more than half of what the
# open-file limit leaves (Twisted keeps them 240 s, per host: a crawl of thousands of
# small sites then holds a socket for every host it touched in the last four minutes;
# crawler/downloader.py). 128 cost a new connection for nearly every request of such a
# crawl (a host's next request comes seconds later, after hundreds of other hosts').
DOWNLOAD_HANDLERS = {"http": "parknews.crawler.downloader.IdleClosingHTTPDownloadHandler",
                     "https": "parknews.crawler.downloader.IdleClosingHTTPDownloadHandler"}
PARKNEWS_IDLE_CONNECTION_TIMEOUT = 15
PARKNEWS_IDLE_CONNECTIONS_MAX = 4096
# Scrapy starts this many asyncio tasks for every response's output, whatever it holds;
# an article page yields one item, a list page one item and a few dozen requests: 100
# (the default) cost ~6 ms of the crawl loop per response (benchmarks/throughput.py),
# and 16 still 8 % of a 1,000-site crawl's CPU (benchmarks/scale.py --set).
CONCURRENT_ITEMS = 2
# Scrapy parses a callback's source to warn of a generator returning a value; its cache
# holds 128 callbacks, and a crawl of many sites has several per site (crawler/manysites.py):
# 26 ms of parsing for most responses (measured: 77 s of a 300-site crawl). Our callbacks
# return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 0.5
# the delay is a floor: never less between two requests to a host (Scrapy would otherwise
# wait 0.5-1.5 times it: DOWNLOAD_DELAY_JITTER = 0.5); AutoThrottle may raise it
DOWNLOAD_DELAY_JITTER = 0
# and counted from the answer to the previous request, not from when the crawl loop handed
# that request over (crawler/politeness.py): a busy loop cannot squeeze two requests together
PARKNEWS_DELAY_FROM_ANSWER = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# -- bounds ----------------------------------------------------------------------------
# What one response, one host or one link may cost at most, whatever a site sends
# (docs/reliability.md: each hostile case, its bound and what the archive records).
# Time: a request gets DOWNLOAD_TIMEOUT seconds in all, connect to last byte (a peer that
# never answers or drips a byte a second fails at the limit: DownloadTimeoutError).
DOWNLOAD_TIMEOUT = 30
# Host names are resolved in the reactor's thread pool (Scrapy's CachingThreadedResolver):
# 10 threads by default, and a crawl of thousands of sites asks for new hosts all the
# time. Scrapy's broad-crawl advice is 20 (not measured here: the mock sites are IPs).
REACTOR_THREADPOOL_MAXSIZE = 20
# Size: a body over DOWNLOAD_MAXSIZE is dropped while downloading (by Content-Length at
# once, else when the bytes pass it: an endless chunked body, recorded as
# DownloadTooLargeError by crawler.middlewares.DownloadSizeMiddleware); Scrapy's
# HttpCompressionMiddleware applies the same limit to the *decompressed* body (a gzip
# bomb fails with IgnoreRequest). It stays above the extractor's refusal
# (pipelines/extract.py MAX_PAGE_BYTES, 5 MiB): a page between the two is fetched and kept
# in the WARC (re-extractable later) and recorded as "page too large"; only bodies past
# DOWNLOAD_MAXSIZE are lost, and attachments (PDFs) up to it are kept.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024  # a warning in the log, nothing more
DOWNLOAD_FAIL_ON_DATALOSS = True  # a body cut short is a failure, not a page
# Retries: 2 more attempts after a timeout, a dropped connection or one of these statuses.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A 429/503 with Retry-After is retried after the time asked (crawler.middlewares.
# RetryAfterMiddleware; Scrapy alone retries at once), if it is at most this many seconds;
# a longer Retry-After is not retried this run (the page is recorded "HTTP 429").
PARKNEWS_RETRY_AFTER_MAX = 60
# Redirects: at most this many hops (then "max redirections reached"); a loop fails at
# once (PARKNEWS_REDIRECT_LOOPS_FAIL below); a hop to a host outside the site's
# allowed_domains fails as OffsiteRedirectError (Scrapy's offsite filter would drop it
# without calling the errback: the page would keep no record of the run).
REDIRECT_MAX_TIMES = 10
PARKNEWS_REDIRECT_OFFSITE_FAIL = True
# robots.txt (crawler.middlewares.RobotsTxtBoundsMiddleware): fetched within this many
# seconds, and only its first PARKNEWS_ROBOTSTXT_MAX_BYTES read and parsed (RFC 9309 asks
# parsers to read at least 500 KiB; the rest is ignored). A robots.txt that cannot be had
# (timeout, dropped connection, 5xx) means "disallow all" for the run (RFC 9309 2.3.1.4):
# every request to that host is recorded as RobotsTxtUnreachable; False: Scrapy's way,
# everything allowed. A 4xx robots.txt allows everything, as before. Scrapy's own
# RobotsTxtMiddleware is replaced by crawler.middlewares.SafeRobotsTxtMiddleware (below):
# Scrapy 2.13+ checks only the first request that waited for a robots.txt.
PARKNEWS_ROBOTSTXT_TIMEOUT = 10
PARKNEWS_ROBOTSTXT_MAX_BYTES = 500 * 1024
PARKNEWS_ROBOTSTXT_UNREACHABLE_DISALLOW = True
# List pages followed per start URL when a site sets no max_pages: an endless pager (a
# calendar with 下一页, a search with ever new offsets) stops here. 0 = no limit.
PARKNEWS_MAX_LIST_PAGES = 500

# Incremental crawling (the archive in ARCHIVE_DB is what earlier runs know):
# a known article is fetched again only when its last check is older than this many days,
# then with If-None-Match / If-Modified-Since;
PARKNEWS_RECHECK_DAYS = 30
# due articles are requested straight from the archive (so that an article gone from
# every list is still found withdrawn), oldest check first, at most this many a run
# (0 = all of them)
PARKNEWS_RECHECK_MAX = 1000
# list pagination stops after a page whose articles are all known, except on a full pass:
# the first run, every Nth run of a site (0 = only the first), or when forced.
PARKNEWS_FULL_PASS_EVERY = 10
PARKNEWS_FULL_PASS = False
# A progress line per site every few seconds (on for interactive `parknews crawl`).
EXTENSIONS = {"parknews.crawler.progress.ProgressExtension": 500,
              "parknews.crawler.politeness.DelayFromAnswerExtension": 510}
PARKNEWS_PROGRESS = False
PARKNEWS_PROGRESS_INTERVAL = 3

# Extraction in worker processes (pipelines/workers.py), so the crawl loop only
# downloads, follows links and writes: PARKNEWS_EXTRACT_WORKERS processes (unset: one per
# core; 0: extract in the crawl process), at most PARKNEWS_EXTRACT_PENDING pages in their
# hands at once (unset: 4 per worker).
# PARKNEWS_EXTRACT_WORKERS = 2
# PARKNEWS_EXTRACT_PENDING = 8

# A crawl of at least PARKNEWS_CRAWL_PROCESS_MIN_SITES sites is split across
# PARKNEWS_CRAWL_PROCESSES crawl processes (0: one per core), each with its share of the
# sites and of the extraction workers (crawler/shards.py): one crawl loop keeps one core
# busy, and thousands of small sites make it the limit (benchmarks/scale.py).
PARKNEWS_CRAWL_PROCESSES = 0
PARKNEWS_CRAWL_PROCESS_MIN_SITES = 100

# Repost clusters (archive/dedup.py) assigned as articles are stored.
PARKNEWS_DEDUP_ENABLED = True
# PARKNEWS_RUN_ID names the run in crawl_runs and pages.run_id (set by `parknews crawl`).

# A redirect back to a URL of the same chain fails at once with the chain as its reason
# (Scrapy's duplicate filter would otherwise drop it without a word).
PARKNEWS_REDIRECT_LOOPS_FAIL = True
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "parknews.crawler.middlewares.SafeRobotsTxtMiddleware": 100,  # every waiter checked
    "parknews.crawler.middlewares.RobotsTxtBoundsMiddleware": 360,  # after DownloadTimeout (350)
    "parknews.crawler.middlewares.DownloadSizeMiddleware": 370,  # names an over-size cancel
    "parknews.crawler.middlewares.RetryAfterMiddleware": 560,  # outside RetryMiddleware (550)
    # meta refresh followed as Scrapy does, pages that cannot hold one not decoded for it
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "parknews.crawler.middlewares.QuickMetaRefreshMiddleware": 580,
    "parknews.crawler.middlewares.RedirectLoopMiddleware": 650,  # outside RedirectMiddleware (600)
    "parknews.crawler.middlewares.OffsiteRedirectMiddleware": 655,  # likewise, hops to other hosts
    # every response as downloaded (3xx and retries too), decompressed once, into WARC
    "parknews.crawler.warcmiddleware.WarcCaptureMiddleware": 660,
    # anti-bot challenges (加速乐 521, 瑞数 202/412) fail as "blocked", after capture
    "parknews.crawler.antibot.AntiBotMiddleware": 640,
}
PARKNEWS_ANTIBOT_ENABLED = True
# render = true sites (crawler/render.py): the machine's Chromium, and what is waited for
# PARKNEWS_CHROMIUM = "/usr/bin/chromium"
PARKNEWS_RENDER_WAIT = "networkidle"
PARKNEWS_RENDER_TIMEOUT_MS = 15000
# WARC capture of every request/response pair: on by default, into PARKNEWS_WARC_DIR
# (default: "<db name>-warc/" beside ARCHIVE_DB), files rotated at PARKNEWS_WARC_MAX_BYTES.
PARKNEWS_WARC_ENABLED = True
PARKNEWS_WARC_DIR = ""
PARKNEWS_WARC_MAX_BYTES = 100 * 1024 * 1024
# A crawl of at most this many sites writes WARC files per site; a bigger one writes files
# all its sites share (named "parks"), rather than holding a file open per site.
PARKNEWS_WARC_SITE_FILES = 100
DEPTH_LIMIT = 0

# -- distributed crawling (parknews seed / worker / ingest; crawler/distributed.py) --------
# Only read when REDIS_URL is set (`--redis`): the worker replaces the scheduler, the
# duplicate filter and the storage pipeline (crawler.distributed.WORKER_SETTINGS).
# REDIS_URL = "redis://127.0.0.1:6379/0"
PARKNEWS_REDIS_PREFIX = "parknews"  # of every Redis key (`--prefix`)
PARKNEWS_HOST_DELAY = 1.0  # seconds between two requests to one host, all workers together
PARKNEWS_WORKER_TIMEOUT = 30  # a worker silent this long is dead: its requests go back
PARKNEWS_HEARTBEAT = 2.0  # seconds between a worker's heartbeats
PARKNEWS_POLL_INTERVAL = 0.2  # how often an idle worker looks for work
PARKNEWS_FINGERPRINT_TTL = 20 * 3600  # seconds a request fingerprint is kept (per site)
PARKNEWS_ROBOTS_CACHE_TTL = 3600  # seconds a host's robots.txt is shared by the workers

# -- housekeeping ----------------------------------------------------------------------
# No server in a crawl: neither Scrapy's telnet console nor its RemoteControl HTTP server
# (Scrapy 2.19+: it runs Python code sent to it, and writes a job file with its token).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
# Feed exports (scrapy crawl park -a site=ID -O items.jsonl): the articles stored, as
# text (crawler/export.py: an add-on gives each feed the filter, exporters per format)
ADDONS = {"parknews.crawler.export.ArticleFeeds": 0}
FEED_EXPORTERS = {
    "jsonlines": "parknews.crawler.export.JsonLinesArticleExporter",
    "jsonl": "parknews.crawler.export.JsonLinesArticleExporter",
    "jl": "parknews.crawler.export.JsonLinesArticleExporter",
    "json": "parknews.crawler.export.JsonArticleExporter",
    "csv": "parknews.crawler.export.CsvArticleExporter",
    "xml": "parknews.crawler.export.XmlArticleExporter",
}
