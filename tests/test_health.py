"""Site health from crawl_runs, and alerts sent only when a site breaks or recovers."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import UTC, datetime

import pytest
from conftest import FAST, run_cli

from parknews.archive import health
from parknews.crawler.alerts import FORMATS, AlertTarget, load_targets, send
from parknews.crawler.mocksites import serve_mock_sites, sites_toml
from parknews.crawler.sites import SitesError

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def run(**values) -> health.Run:
    base = {"started_at": "2026-05-31T00:00:00+00:00", "full_pass": False, "requests": 20,
            "responses": {"200": 20}, "errors": 0, "list_pages": 2, "links_found": 20,
            "new": 1, "changed": 0, "empty": 0, "undated": 0}
    return health.Run(**(base | values))


def problems(runs, times=()) -> list[str]:
    state = health.SiteState("yx", runs, list(times))
    return [rule.name for rule in health.RULES if rule.check(state, NOW)]


def test_a_steady_site_is_healthy():
    assert problems([run()] * 5, [f"2026-05-2{d}T00:00:00" for d in range(1, 10)]) == []


@pytest.mark.parametrize("latest, rule", [
    (run(list_pages=0, errors=3, responses={"500": 3, "200": 1}), "host_down"),
    (run(links_found=4), "links_dropped"),
    (run(new=2, empty=5), "empty_bodies"),
    (run(new=6, undated=5), "lost_dates"),
    (run(requests=20, errors=9), "errors_rose"),
    (run(new=0, unchanged=2, withdrawn=7), "articles_gone"),
])
def test_each_rule_fires_on_its_break(latest, rule):
    assert problems([latest, run(), run(), run()]) == [rule]


def test_a_run_that_saw_nothing_neither_confirms_nor_clears():
    quiet = run(list_pages=0, lists_unchanged=1, links_found=0, new=0)  # lists 304, no news
    relaid = run(links_found=3)
    assert problems([quiet, quiet, relaid, run(), run()]) == ["links_dropped"]
    assert problems([quiet, run(), relaid, run()]) == []  # read again since, and mended
    emptied = run(links_found=0)
    (message,) = [r.check(health.SiteState("yx", [quiet, emptied, run()]), NOW)
                  for r in health.RULES if r.name == "links_dropped"]
    assert message.startswith("the list pages read in the run of 2026-05-31T00:00:00+00:00 "
                              "linked no article at all (usually 10.0 a page)")
    gone = run(new=0, withdrawn=9)
    assert problems([run(new=0), gone, run(unchanged=9)]) == ["articles_gone"]
    assert problems([run(new=0, unchanged=9), gone, run(unchanged=9)]) == []
    assert problems([run(new=0, unchanged=8, withdrawn=2), run()]) == []  # a few withdrawn
    empty = run(new=1, empty=4)
    assert problems([quiet, empty, run()]) == ["empty_bodies"]
    assert problems([run(new=3), empty, run()]) == []


def test_no_new_article_for_longer_than_usual():
    daily = [f"2026-04-{d:02d}T08:00:00" for d in range(1, 29)]
    assert problems([run()] * 3, daily) == ["quiet_too_long"]  # silent since 28 April
    recent = [f"2026-05-{d:02d}T08:00:00" for d in range(20, 31)]
    assert problems([run()] * 3, recent) == []


class Receiver(http.server.BaseHTTPRequestHandler):
    posts: list = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        Receiver.posts.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.posts = []
    server = http.server.ThreadingHTTPServer(("127.0.0.72", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.72:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind, key", [("json", "status"), ("dingtalk", "msgtype"),
                                       ("wecom", "msgtype"), ("feishu", "msg_type")])
def test_alert_formats_reach_the_receiver(receiver, kind, key):
    item = health.Health("yx", "unhealthy", [{"rule": "host_down", "message": "挂了"}],
                         "t", "t", True, "t")
    assert send(AlertTarget(kind, receiver), item, "云溪经开区") is None
    (post,) = Receiver.posts
    assert key in post
    text = json.dumps(post, ensure_ascii=False)
    assert "云溪经开区" in text or post.get("site_name") == "云溪经开区"
    assert "挂了" in text
    assert set(FORMATS) == {"json", "dingtalk", "wecom", "feishu"}


def test_a_dead_receiver_is_reported_not_fatal():
    item = health.Health("yx", "healthy", [], "t", "t", True)
    assert send(AlertTarget("json", "http://127.0.0.1:9/none"), item) is not None


def test_bad_alert_tables_are_named(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[[sites]]\nid = "yx"\nname = "云溪"\nstart_urls = ["http://yx.cn/"]\n'
                    '[[alerts]]\nkind = "slack"\nurl = "http://x/"\n', encoding="utf-8")
    with pytest.raises(SitesError, match="alert #1: kind must be one of"):
        load_targets(path)


def test_breaking_and_fixing_a_site_sends_one_alert_each(tmp_path, receiver):
    with serve_mock_sites(ids=["trs"], hosts={"trs": "127.0.0.71"}) as (site,):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(sites_toml([site]) + f'\n[[alerts]]\nkind = "json"\n'
                              f'url = "{receiver}"\n', encoding="utf-8")
        db = tmp_path / "a.db"

        def crawl(status=0):  # 1: every site failed (the only one here)
            result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db), *FAST)
            assert result.returncode == status, result.stderr[-2000:]
            return result

        crawl()
        crawl()
        assert Receiver.posts == []  # healthy from the start: nothing to say
        good = site.route(site.start_urls[0])
        site.set_route(site.start_urls[0], (500, {"Content-Type": "text/html"}, b"oops"))
        broken = crawl(status=1)
        assert "unhealthy: trs: no list page could be read" in broken.stdout
        crawl(status=1)  # still broken: no second alert
        report = run_cli("health", "--db", str(db), "--json")
        (state,) = [json.loads(line) for line in report.stdout.splitlines()]
        assert state["status"] == "unhealthy" and state["problems"][0]["rule"] == "host_down"
        site.set_route(site.start_urls[0], good)
        crawl()
    assert [(p["site_id"], p["status"]) for p in Receiver.posts] == [
        ("trs", "unhealthy"), ("trs", "healthy")]


@pytest.mark.asyncio
async def test_datasette_health_page_with_a_chart(tmp_path):
    from parknews.archive.publish import make_datasette
    from parknews.archive.store import ArchiveWriter, open_archive

    db = open_archive(tmp_path / "h.db")
    writer = ArchiveWriter(db)
    writer.upsert_sites([{"id": "yx", "name": "云溪经开区", "park": None, "region": None,
                          "start_urls": ["http://yx/"], "updated_at": "t"}])
    for number, new in enumerate([5, 0, 3]):
        writer.add_run({"run_id": f"r{number}", "site_id": "yx",
                        "started_at": f"2026-05-0{number + 1}T00:00:00+00:00",
                        "requests": 10, "responses": {"200": 10}, "list_pages": 0,
                        "errors": 2, "articles_new": new})
    health.evaluate(db.conn)
    db.close()
    page = await make_datasette(tmp_path / "h.db").client.get("/-/health")
    assert page.status_code == 200
    assert "云溪经开区" in page.text and "异常 unhealthy" in page.text
    assert page.text.count('class="pn-bar"') == 2 and "pn-zero" in page.text
    assert "no list page could be read" in page.text


def _cols(**columns) -> dict:
    return {"columns": {f"http://yx.cn/{key}/": {"name": name, "hub": "http://yx.cn/",
                                                   "items": items}
                        for key, (name, items) in columns.items()}}


def test_a_news_column_gone_from_the_hub_or_emptied_is_a_layout_change():
    usual = run(notes=_cols(yqdt=("园区动态", 6), tzgg=("通知公告", 4)))
    assert problems([usual, usual, usual]) == []
    gone = run(notes=_cols(yqdt=("园区动态", 6)))
    emptied = run(notes=_cols(yqdt=("园区动态", 6), tzgg=("通知公告", 0)))
    assert problems([gone, usual, usual]) == ["columns_changed"]
    assert problems([emptied, usual, usual]) == ["columns_changed"]
    (message,) = [rule.check(health.SiteState("yx", [emptied, usual, usual]), NOW)
                  for rule in health.RULES if rule.name == "columns_changed"]
    assert message == ("column 通知公告 (http://yx.cn/tzgg/) lists no article any more "
                       "(usually 4 on its first page): the site's layout may have changed")
    (message,) = [rule.check(health.SiteState("yx", [gone, usual]), NOW)
                  for rule in health.RULES if rule.name == "columns_changed"]
    assert message.startswith("column 通知公告 (http://yx.cn/tzgg/) is no longer linked")
    # a run that read no hub page says nothing about the columns; a new column is news
    no_hub = run()
    more = run(notes=_cols(yqdt=("园区动态", 6), tzgg=("通知公告", 4), mtjj=("媒体聚焦", 2)))
    assert problems([no_hub, usual, usual]) == []
    assert problems([more, usual, usual]) == []
    assert problems([usual, gone, usual, usual]) == []  # back again: mended


def _stored(count: int, **fields) -> list[health.StoredArticle]:
    base = {"title": None, "text_chars": 800, "published_at": "2026-05-30"}
    return [health.StoredArticle(f"http://yx.cn/a{n}.html",
                                 **(base | {"title": f"园区新闻{n}"} | fields))
            for n in range(count)]


def shells(stored, runs=None) -> str | None:
    state = health.SiteState("yx", runs or [run(new=len(stored)), run()], [], stored)
    return health.shell_pages(state, NOW)


def test_articles_stored_as_page_shells():
    assert shells(_stored(8)) is None  # whole articles
    assert shells(_stored(4) + _stored(4, text_chars=12)) is None  # half: not most
    message = shells(_stored(1) + _stored(5, text_chars=12, published_at=None))
    assert message.startswith("5 of 6 articles stored in the latest run are page shells "
                              "(5 with under 50 characters of text, 5 without a date; e.g. "
                              "http://yx.cn/a0.html, http://yx.cn/a1.html)")
    # the site's name as every title: no title of their own, whatever the text's length
    message = shells(_stored(4, title="云溪经济开发区") + _stored(1))
    assert "4 of 5 articles" in message and "4 without a title of their own" in message
    assert shells(_stored(2, title=None)) is None  # fewer than SHELL_MIN
    assert "3 without a title of their own" in shells(_stored(3, title=""))
    # judged on the latest run that stored articles; one that stored none says nothing
    quiet = run(new=0)
    state = health.SiteState("yx", [quiet, run(new=5), run()], [], _stored(5, text_chars=3))
    assert "in the run of 2026-05-31T00:00:00+00:00" in health.shell_pages(state, NOW)
    assert shells(_stored(5, text_chars=3), runs=[quiet, quiet]) is None
    assert [r.name for r in health.RULES if r.check(state, NOW)] == ["shell_pages"]


def test_the_stored_articles_are_those_of_the_latest_storing_run(tmp_path):
    """New and changed articles of the latest run that stored any count; one it fetched
    again unchanged does not."""
    from parknews.archive.store import ArchiveWriter, open_archive

    db = open_archive(tmp_path / "s.db")
    writer = ArchiveWriter(db, batch_size=1)
    writer.upsert_sites([{"id": "yx", "name": "云溪", "park": None, "region": None,
                          "start_urls": ["http://yx/"], "updated_at": "t"}])
    good = {n: ("园区新闻" + str(n), "正文内容。" * 40) for n in range(4)}
    broken = {0: ("云溪", "首页 新闻中心"), 1: ("云溪", "首页 新闻中心"), 2: good[2],
              4: ("云溪", "首页 新闻中心")}  # 0, 1 changed, 2 the same, 4 new
    for day, articles in ((1, good), (2, broken)):
        stamp = f"2026-05-0{day}T06:00:00+00:00"
        writer.add_run({"run_id": f"r{day}", "site_id": "yx", "started_at": stamp,
                        "requests": 5, "responses": {"200": 5}, "list_pages": 1,
                        "links_found": 5, "articles_new": 4 if day == 1 else 1,
                        "articles_changed": 0 if day == 1 else 2})
        for n, (title, body) in articles.items():
            writer.add_article({"url": f"http://yx/{n}", "site_id": "yx", "title": title,
                                "body": body, "published_at": "2026-04-30",
                                "fetched_at": f"2026-05-0{day}T06:01:00+00:00"})
    writer.close()
    (result,) = health.evaluate(db.conn, now=NOW, record=False)
    problems = {p["rule"]: p["message"] for p in result.problems}
    assert problems["shell_pages"].startswith(
        "3 of 3 articles stored in the latest run are page shells (3 with under 50 "
        "characters of text, 3 without a title of their own; e.g. http://yx/0, http://yx/1)")
