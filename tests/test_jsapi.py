"""Lists that need JavaScript and sites behind anti-bot walls (tests/mockservers/jsapi.py).

One crawl without a browser takes the new-Hanweb site (its ``loadPageData`` list read from
``POST /queryList``, recognised on the static page), a column declared in ``json_lists``
(POST form paging), the AngularJS-style shell site (flagged: its list is drawn by script),
the same shell asking for ``render = true`` where no Chromium is (said, not fatal), and the
加速乐 and 瑞数 walls (reported blocked). A second crawl renders the shell site in headless
Chromium (/usr/bin/chromium, installed by scripts/install-browser) and stores every article,
with the WARC keeping the served shell and the rendered page beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FAST, run_cli
from mockservers import jsapi
from sqlite_utils import Database

from parknews.archive.warc import read_capture
from parknews.crawler import jsonlists
from parknews.crawler.antibot import antibot_sign
from parknews.crawler.render import render_problem
from parknews.crawler.sites import SitesError, parse_sites
from parknews.pipelines.extract import extract


@pytest.fixture(scope="module")
def served():
    with jsapi.serve_jsapi() as sites:
        yield sites


def _sites_toml(sites: jsapi.JsApiSites, shell_render: bool = False) -> str:
    return sites.sites_toml(shell_render)


@pytest.fixture(scope="module")
def static_crawl(served, tmp_path_factory):
    """Every site without a browser; a second shell entry asks for render where the
    configured Chromium does not exist."""
    work = tmp_path_factory.mktemp("jsapi")
    text = _sites_toml(served) + f"""
[[sites]]
id = "shell-nobrowser"
name = "望湖经开区 园区新闻（要渲染）"
start_urls = ["{served.shell_start}"]
sitemaps = false
render = true
"""
    (work / "sites.toml").write_text(text, encoding="utf-8")
    db = work / "archive.db"
    result = run_cli("crawl", "--sites", str(work / "sites.toml"), "--db", str(db), *FAST,
                     "--set", f"PARKNEWS_CHROMIUM={work / 'no-such-chromium'}", timeout=120)
    health = run_cli("health", "--db", str(db), "--json")
    return {"result": result, "db": Database(db), "health": health, "work": work}


def _health(crawl) -> dict[str, dict]:
    assert crawl["health"].returncode == 0, crawl["health"].stderr[-2000:]
    rows = [json.loads(line) for line in crawl["health"].stdout.splitlines() if line.strip()]
    return {row["site_id"]: row for row in rows}


def _rules(health: dict) -> set[str]:
    return {problem["rule"] for problem in health["problems"]}


def _stored(db: Database, site_id: str) -> dict[str, dict]:
    return {row["url"]: row for row in db["articles"].rows_where("site_id = ?", [site_id])}


def _assert_articles(stored: dict[str, dict], expected: dict[str, jsapi.MockArticle]) -> None:
    assert set(stored) == set(expected)
    for url, article in expected.items():
        row = stored[url]
        assert row["title"] == article.title, url
        assert (row["published_at"] or "")[:10] == article.date, url
        for paragraph in article.paragraphs:
            assert paragraph in row["body"], (url, paragraph[:20])


# -- JSON list APIs, no browser ----------------------------------------------------------


def test_crawl_finishes_and_other_sites_are_not_hurt(static_crawl):
    result = static_crawl["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    runs = list(static_crawl["db"]["crawl_runs"].rows)
    assert len(runs) == 8 and {r["finish_reason"] for r in runs} == {"finished"}


def test_new_hanweb_list_is_crawled_completely_from_its_json_api(served, static_crawl):
    db = static_crawl["db"]
    _assert_articles(_stored(db, "hanweb-new"), served.hanweb_urls())
    posts = [hit for hit in served.hits("hanweb", "/queryList", "POST")
             if json.loads(hit.body)["channelCode"] == [jsapi.HANWEB_CHANNEL]]
    pages = sorted(json.loads(hit.body)["current"] for hit in posts)
    assert pages == [1, 2, 3]  # 11 items, 4 a page: every page once, no more
    body = json.loads(posts[0].body)
    assert body["channelCode"] == [jsapi.HANWEB_CHANNEL] and body["pageSize"] == 4
    lists = list(db["pages"].rows_where("site_id = 'hanweb-new' and kind = 'list'"))
    assert len(lists) == 4 and not [p for p in lists if p["error"]]  # column + 3 JSON pages
    (run,) = db["crawl_runs"].rows_where("site_id = 'hanweb-new'")
    assert run["links_found"] == 11 and not run["notes"]
    assert _health(static_crawl)["hanweb-new"]["status"] == "healthy"


def test_declared_json_list_is_paged_with_its_form(served, static_crawl):
    _assert_articles(_stored(static_crawl["db"], "declared"), served.notice_urls())
    posts = served.hits("hanweb", jsapi.NOTICE_API, "POST")
    assert sorted(hit.body.decode() for hit in posts) == [
        f"column=tzgg&pageNo={n}&size=3" for n in (1, 2, 3)]
    db = static_crawl["db"]
    assert not db["pages"].count_where("site_id = 'declared' and error is not null")
    (run,) = db["crawl_runs"].rows_where("site_id = 'declared'")
    assert run["list_pages"] == 4 and run["links_found"] == 7 and not run["notes"]
    assert _health(static_crawl)["declared"]["status"] == "healthy"


def test_new_hanweb_answering_data_results_with_source_fields_is_read(served, static_crawl):
    """/queryList as the platform's own script reads it: ``data.results``, each item's
    title, date and ``urls`` (JSON text with pc and h5) under ``source``."""
    db = static_crawl["db"]
    _assert_articles(_stored(db, "hanweb-results"), served.results_urls())
    (run,) = db["crawl_runs"].rows_where("site_id = 'hanweb-results'")
    assert run["links_found"] == len(served.results_urls()) and not run["notes"]


def test_a_declared_json_list_silences_the_recipes_failed_guess(served, static_crawl):
    """The column's loadPageData call makes the recipe ask /queryList, whose answer it
    cannot read; the site's json_lists entry reads it: the articles are stored and no
    "gave no items" note is left for the summary or health."""
    db = static_crawl["db"]
    _assert_articles(_stored(db, "hanweb-own"), served.own_urls())
    recipe_asks = [json.loads(hit.body) for hit in served.hits("hanweb", "/queryList", "POST")]
    assert any(body.get("unitid") == jsapi.OWN_UNIT for body in recipe_asks)  # it did guess
    (run,) = db["crawl_runs"].rows_where("site_id = 'hanweb-own'")
    assert not run["notes"]
    assert "hanweb-own" not in [line for line in static_crawl["result"].stdout.splitlines()
                                if "drawn by JavaScript" in line]
    assert _health(static_crawl)["hanweb-own"]["status"] == "healthy"


def test_second_run_reads_page_one_of_the_json_list_and_stops(served, tmp_path):
    (tmp_path / "sites.toml").write_text(served.sites_toml(), encoding="utf-8")
    crawl = ("crawl", "--sites", str(tmp_path / "sites.toml"), "--db",
             str(tmp_path / "a.db"), "--site", "hanweb-new", *FAST)
    assert run_cli(*crawl).returncode == 0
    served.clear()
    again = run_cli(*crawl)
    assert again.returncode == 0, again.stderr[-2000:]
    posts = served.hits("hanweb", "/queryList", "POST")
    assert [json.loads(hit.body)["current"] for hit in posts] == [1]  # all known: stop
    assert not [h for h in served.hits("hanweb") if "/content/" in h.path]


# -- the shell site without a browser: flagged, not silently empty -----------------------


def test_shell_site_without_render_is_flagged_with_the_option(static_crawl):
    out = static_crawl["result"].stdout
    assert "shell: list drawn by JavaScript (angularjs)" in out
    assert "set render = true" in out
    assert not _stored(static_crawl["db"], "shell")
    health = _health(static_crawl)["shell"]
    assert health["status"] == "unhealthy" and "js_list" in _rules(health)
    message = next(p["message"] for p in health["problems"] if p["rule"] == "js_list")
    assert "render = true" in message


def test_render_without_chromium_is_said_and_the_site_still_crawled(static_crawl):
    out = static_crawl["result"].stdout
    assert "shell-nobrowser: render = true, but not rendered: " in out
    assert "no Chromium at" in out or "scrapy-playwright is not installed" in out
    health = _health(static_crawl)["shell-nobrowser"]
    assert {"render_unavailable", "js_list"} <= _rules(health)
    (run,) = static_crawl["db"]["crawl_runs"].rows_where("site_id = 'shell-nobrowser'")
    assert run["list_pages"] == 1 and run["finish_reason"] == "finished"  # crawled, no browser


# -- anti-bot walls ----------------------------------------------------------------------


@pytest.mark.parametrize("site_id, wall", [("jiasule", "jiasule"), ("ruishu", "ruishu")])
def test_anti_bot_wall_is_reported_blocked(static_crawl, site_id, wall):
    out = static_crawl["result"].stdout
    assert f"{site_id}: blocked: 1 page answered an anti-bot challenge ({wall})" in out
    pages = list(static_crawl["db"]["pages"].rows_where("site_id = ?", [site_id]))
    assert pages and all(p["error"].startswith("blocked by an anti-bot wall") for p in pages)
    health = _health(static_crawl)[site_id]
    assert health["status"] == "unhealthy"
    assert _rules(health) == {"blocked"}  # not "host down", not an emptied list
    assert wall in health["problems"][0]["message"]


def test_challenge_page_is_kept_in_the_warc(served, static_crawl):
    db = static_crawl["db"]
    page = db["pages"].get(served.base("jiasule") + "/news/index.html")
    assert page["status"] == 521
    warc_dir = Path(str(static_crawl["work"] / "archive.db").removesuffix(".db") + "-warc")
    files = list(warc_dir.glob("*jiasule*.warc.gz"))
    assert files
    from parknews.archive.warc import iter_responses

    bodies = [r.body for f in files for r in iter_responses(f) if r.status == 521]
    assert jsapi.JIASULE_PAGE in bodies


# -- rendering in headless Chromium ------------------------------------------------------


@pytest.fixture(scope="module")
def rendered_crawl(served, tmp_path_factory):
    problem = render_problem()
    assert problem is None, f"rendering cannot run here: {problem}"
    work = tmp_path_factory.mktemp("render")
    toml = _sites_toml(served, shell_render=True)
    (work / "sites.toml").write_text(toml, encoding="utf-8")
    db = work / "archive.db"
    served.clear()
    result = run_cli("crawl", "--sites", str(work / "sites.toml"), "--db", str(db),
                     "--site", "shell", "--site", "hanweb-new", *FAST, timeout=180)
    return {"result": result, "db": Database(db), "work": work,
            "warc": Path(str(db).removesuffix(".db") + "-warc")}


def test_shell_site_is_crawled_completely_with_render(served, rendered_crawl):
    result = rendered_crawl["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "list drawn by JavaScript" not in result.stdout
    db = rendered_crawl["db"]
    _assert_articles(_stored(db, "shell"), served.shell_urls())
    lists = db["pages"].count_where("site_id = 'shell' and kind = 'list' and error is null")
    assert lists == 3  # the pager the script drew was followed
    # the browser fetched the JSON the page asked for; the other site stayed browserless
    assert served.hits("shell", "/wh/api/doc") and served.hits("shell", "/wh/static/app.js")
    _assert_articles(_stored(db, "hanweb-new"), served.hanweb_urls())


def test_warc_keeps_what_was_served_and_the_rendered_page(served, rendered_crawl):
    db = rendered_crawl["db"]
    url, article = next(iter(served.shell_urls().items()))
    row = db["articles"].get(url)
    pointer = {"file": row["warc_file"], "offset": row["warc_offset"],
               "record_id": row["warc_record_id"]}
    status, headers, rendered = read_capture(rendered_crawl["warc"], pointer)
    assert status == 200 and article.paragraphs[0].encode() in rendered
    # the same page as the server sent it: the empty shell, as a response record
    from parknews.archive.warc import iter_responses

    served_bodies = [r.body for f in rendered_crawl["warc"].glob("*shell*.warc.gz")
                     for r in iter_responses(f) if r.url == url]
    assert served_bodies == [jsapi.shell_html("detail")]
    # re-extraction from the capture gives the stored text again
    again = extract(rendered, url)
    assert article.paragraphs[-1] in again.body


# -- units: recipes, signatures, validation ----------------------------------------------


def test_recipe_reads_the_loadpagedata_call():
    html = jsapi.hanweb_list_html().decode()
    script = html[html.index("var params"): html.index("</script>", html.index("var params"))]
    (spec,) = jsonlists.recipe_lists([script], "http://a.gov.cn/cjgxq/col/col5101/index.html")
    assert spec.url == "http://a.gov.cn/queryList" and spec.per_page == 4
    assert spec.fields(2) == {"webSiteCode": ["cjgxq"], "channelCode": ["col5101"],
                              "unitid": "5101001", "notReturnContent": True,
                              "current": 2, "pageSize": 4}
    inline = "loadPageData({unitid: '9', channelCode: ['col7'], perPage: 20}, '9');"
    (spec,) = jsonlists.recipe_lists([inline], "http://a.gov.cn/x/index.html")
    assert json.loads(spec.body)["channelCode"] == ["col7"] and spec.per_page == 20
    assert jsonlists.recipe_lists(["loadPageData(other, '9');"], "http://a.gov.cn/") == []


def test_json_paths_decode_json_text_on_the_way():
    item = {"urls": json.dumps({"pc": "/a/content_1.html"}), "list": [{"x": 1}]}
    assert jsonlists.resolve(item, "urls.pc") == "/a/content_1.html"
    assert jsonlists.resolve(item, "list.0.x") == 1
    assert jsonlists.resolve(item, "list.5.x") is None
    assert jsonlists.as_date(1750383000000) == "2025-06-20"


def test_json_answers_in_other_charsets_and_jsonp():
    assert jsonlists.parse_json('{"a": "园区"}'.encode("gbk"), "gbk") == {"a": "园区"}
    assert jsonlists.parse_json(b'jQuery123_4({"a": [1]});') == {"a": [1]}
    with pytest.raises(ValueError):
        jsonlists.parse_json(b"<html>not json</html>")


def test_anti_bot_signatures():
    assert antibot_sign(521, jsapi.JIASULE_PAGE).name == "jiasule"
    assert antibot_sign(412, jsapi.RUISHU_PAGE).name == "ruishu"
    assert antibot_sign(202, jsapi.RUISHU_PAGE).name == "ruishu"
    assert antibot_sign(200, jsapi.RUISHU_PAGE) is None  # an article that mentions $_ts
    assert antibot_sign(521, b"<html>origin down</html>") is None
    assert antibot_sign(200, jsapi.hanweb_list_html()) is None


def test_render_problem_names_what_is_missing(monkeypatch, tmp_path):
    from scrapy.settings import Settings

    missing = Settings({"PARKNEWS_CHROMIUM": str(tmp_path / "chromium")})
    assert render_problem(missing).startswith("no Chromium at " + str(tmp_path))
    monkeypatch.setitem(__import__("sys").modules, "scrapy_playwright", None)
    assert "scrapy-playwright is not installed" in render_problem()


def test_js_list_signs():
    assert jsonlists.js_list_sign(jsapi.shell_html("list").decode()).name == "angularjs"
    assert jsonlists.js_list_sign("<ul><li><a href='/a.html'>x</a></li></ul>") is None


BASE = '[[sites]]\nid = "s"\nname = "n"\nstart_urls = ["http://park.example.cn/news/"]\n'
API = 'url = "http://park.example.cn/api", items = "d", item_url = "u"'


@pytest.mark.parametrize("entry, message", [
    ('{ url = "http://park.example.cn/api", items = "d" }', "missing required key 'item_url'"),
    ('{ url = "http://other.example.cn/api", items = "d", item_url = "u" }',
     "outside the site's hosts"),
    ('{ url = "ftp://park.example.cn/api", items = "d", item_url = "u" }', "not an http(s) URL"),
    ("{ " + API + ', method = "PUT" }', "method must be GET or POST"),
    ("{ " + API + ', body_format = "xml" }', "body_format must be 'json' or 'form'"),
    ('{ url = "http://park.example.cn/api", items = "a..b", item_url = "u" }',
     "items must be a JSON path"),
    ("{ " + API + ", pages = 3 }", "unknown key 'pages'"),
    ("{ " + API + ', body = "x" }', "body has the wrong type"),
    ("{ " + API + ', page_param = " " }', "page_param must name"),
    ('"http://park.example.cn/api"', "each json_lists entry must be a table"),
])
def test_json_lists_are_validated(entry, message):
    with pytest.raises(SitesError) as caught:
        parse_sites(BASE + f"json_lists = [{entry}]\n")
    text = str(caught.value)
    assert text.startswith("site 's': json_lists entry #1: ") and message in text


def test_render_and_json_lists_parse():
    (site,) = parse_sites(BASE + 'render = true\njson_lists = [{ url = "http://park.example.cn/'
                          'api?x=1", method = "GET", items = ["data.list", "rows"], item_url ='
                          ' "url", page_param = "p", body = { col = 3 } }]\n')
    assert site.render is True
    (spec,) = site.json_lists
    assert spec.items == ("data.list", "rows") and spec.method == "GET"
    assert spec.request_args(2)["url"] == "http://park.example.cn/api?x=1&col=3&p=2"
    with pytest.raises(SitesError, match="render has the wrong type"):
        parse_sites(BASE + 'render = "yes"\n')


@pytest.mark.parametrize("method, recorded", [
    ("POST", "http://park.example.cn/queryList#col=3&pageNo=3"),  # one URL for all pages
    ("GET", "http://park.example.cn/queryList?col=3&pageNo=3"),  # the page in the query
])
def test_a_json_list_page_is_recorded_under_its_own_url_when_it_fails(method, recorded):
    """A failed or unusable page of a POST JSON list is recorded as its page, not under
    the API's bare URL that every page shares (so one page's failure does not overwrite
    another page's row)."""
    from scrapy.http import TextResponse
    from scrapy.utils.test import get_crawler
    from twisted.python.failure import Failure

    from parknews.crawler.spiders.park import ParkSpider

    (site,) = parse_sites(BASE)
    spider = ParkSpider.from_crawler(get_crawler(ParkSpider, {"ARCHIVE_DB": ""}), site=site)
    spec = jsonlists.JsonList(url="http://park.example.cn/queryList", items=("data",),
                              item_url=("url",), page_param="pageNo", method=method,
                              body='{"col": 3}')
    base = "http://park.example.cn/list.html"
    request = spider._json_request(spec, 3, base, base)
    failure = Failure(ConnectionRefusedError("refused"))
    failure.request = request
    (failed,) = spider.on_error(failure)
    assert (failed.url, failed.kind) == (recorded, "list")
    response = TextResponse(request.url, body=b"<html>busy</html>", encoding="utf-8",
                            request=request)
    (unusable,) = spider.parse_json_list(response)
    assert (unusable.url, unusable.error) == (recorded, "not JSON (JSONDecodeError)")


def test_a_wall_is_named_in_its_site_stats_which_a_distributed_run_notes():
    """The spider counts the wall's name with its site's stats: in a distributed worker
    those are kept per site and reach that run's notes (the downloader middleware only
    sees the worker's stats, shared by every site)."""
    from collections import Counter

    from scrapy.utils.test import get_crawler
    from twisted.python.failure import Failure

    from parknews.crawler.antibot import ANTIBOT_SIGNS, AntiBotBlocked
    from parknews.crawler.distributed import _SiteStats
    from parknews.crawler.manysites import SiteCrawler
    from parknews.crawler.spiders.park import ParkSpider
    from parknews.pipelines.storage import run_notes

    (site,) = parse_sites(BASE)
    crawler = get_crawler(ParkSpider, {"ARCHIVE_DB": ""})
    spider = ParkSpider(site=site)
    pending, values = Counter(), {}
    spider.crawler = SiteCrawler(crawler, _SiteStats(crawler.stats, pending, values, set()))
    request = spider._request("http://park.example.cn/news/a.html", "article", None)
    failure = Failure(AntiBotBlocked(ANTIBOT_SIGNS[0], 521))
    failure.request = request
    (page,) = spider.on_error(failure)
    assert page.status == 521 and page.error.startswith("blocked by an anti-bot wall")
    assert pending == Counter({"discovery/failed": 1, "discovery/blocked": 1,
                               "antibot/jiasule": 1})
    assert json.loads(run_notes({**pending, **values})) == {"antibot": {"jiasule": 1}}
