"""Site health seen through real crawls: mock sites crawled healthy, then broken the ways
real sites break, crawled broken twice, then mended. Each broken site must show up
unhealthy in `parknews health --db FILE` with the right reason and send exactly one
alert to a local webhook receiver; mending it must send exactly one recovery.

Three sites, crawled together by each `parknews crawl` (one Scrapy process a crawl):

- trs (127.0.0.83): a list redesign: all but the first article link of each list page
  become `javascript:` items (links per list page fall by far more than half);
- dede (127.0.0.84): its articles are removed (404) while its lists still link them;
- destoon (127.0.0.85): its articles are removed and its lists emptied;
- wordpress (127.0.0.86): its article pages become empty shells (the site's name as
  title, a menu, "内容加载中…" where a script would draw the article): the pages answer
  200 and the articles are stored, with next to no text.

Every crawl rechecks the stored articles (PARKNEWS_RECHECK_DAYS=0, as a daily crawl
with a one-day recheck would): a removed article is noticed when it is rechecked. The
500 case is in test_health.py.
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from conftest import FAST, run_cli
from mockservers.breakage import empty_lists, relayout_lists, remove_articles, shell_articles

from parknews.crawler.mocksites import serve_mock_sites, sites_toml

HOSTS = {"trs": "127.0.0.83", "dede": "127.0.0.84", "destoon": "127.0.0.85",
         "wordpress": "127.0.0.86"}
RECEIVER = "127.0.0.89"
CRAWL = [*FAST, "--set", "PARKNEWS_RECHECK_DAYS=0", "--no-progress"]


class _Hook(http.server.BaseHTTPRequestHandler):
    """A webhook: keeps each JSON body posted to it."""

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.posts.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """Run the whole story once; record what each step printed and which alerts came."""
    hook = http.server.ThreadingHTTPServer((RECEIVER, 0), _Hook)
    hook.posts, hook.lock = [], threading.Lock()
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    workdir = tmp_path_factory.mktemp("health-crawl")
    db = workdir / "archive.db"
    seen: dict[str, object] = {}

    def alerts() -> list[dict]:
        with hook.lock:
            return list(hook.posts)

    def crawl(step: str) -> None:
        result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db), *CRAWL)
        assert result.returncode == 0, f"{step}: {result.stderr[-3000:]}"
        seen[step] = {"stdout": result.stdout, "alerts": alerts()}

    def report(step: str) -> None:
        text = run_cli("health", "--db", str(db))
        lines = run_cli("health", "--db", str(db), "--json")
        assert text.returncode == 0 and lines.returncode == 0, text.stderr + lines.stderr
        seen["report " + step] = {"text": text.stdout,
                      "json": {item["site_id"]: item for item in
                               map(json.loads, lines.stdout.splitlines())}}

    try:
        with serve_mock_sites(ids=list(HOSTS), hosts=HOSTS) as running:
            sites = {site.id: site for site in running}
            sites_file = workdir / "sites.toml"
            sites_file.write_text(
                sites_toml(running)
                + f'\n[[alerts]]\nkind = "json"\nurl = "http://{RECEIVER}:'
                  f'{hook.server_address[1]}/hook"\n', encoding="utf-8")
            crawl("healthy 1")
            crawl("healthy 2")
            crawl("healthy 3")
            report("healthy")
            mend = [relayout_lists(sites["trs"]),
                    remove_articles(sites["dede"]),
                    remove_articles(sites["destoon"]), empty_lists(sites["destoon"]),
                    shell_articles(sites["wordpress"])]
            crawl("broken 1")
            crawl("broken 2")  # still broken: nothing new to say
            report("broken")
            for undo in mend:
                undo()
            crawl("mended")
            report("mended")
            seen["articles"] = {site_id: len(site.articles) for site_id, site in sites.items()}
    finally:
        hook.shutdown()
        hook.server_close()
    return seen


def _alerts(story, step: str, site_id: str) -> list[str]:
    return [post["status"] for post in story[step]["alerts"] if post["site_id"] == site_id]


def _problems(story, site_id: str) -> dict[str, str]:
    state = story["report broken"]["json"][site_id]
    assert state["status"] == "unhealthy", state
    return {p["rule"]: p["message"] for p in state["problems"]}


def _one_alert_each_way(story, site_id: str) -> None:
    assert _alerts(story, "healthy 3", site_id) == []
    assert _alerts(story, "broken 1", site_id) == ["unhealthy"]
    assert _alerts(story, "broken 2", site_id) == ["unhealthy"]  # no second alert
    assert _alerts(story, "mended", site_id) == ["unhealthy", "healthy"]
    (alert,) = [p for p in story["mended"]["alerts"]
                if p["site_id"] == site_id and p["status"] == "unhealthy"]
    assert alert["source"] == "parknews"
    assert [p["rule"] for p in alert["problems"]] == list(_problems(story, site_id))
    assert story["report mended"]["json"][site_id]["status"] == "healthy"
    assert f"unhealthy: {site_id}:" in story["broken 1"]["stdout"]
    assert f"unhealthy: {site_id}:" in story["broken 2"]["stdout"]
    assert f"unhealthy: {site_id}:" not in story["mended"]["stdout"]


def test_healthy_crawls_send_nothing(story):
    assert story["healthy 3"]["alerts"] == []
    assert {s["status"] for s in story["report healthy"]["json"].values()} == {"healthy"}
    for site_id in HOSTS:
        assert f"{site_id:<16} healthy" in story["report healthy"]["text"]


def test_a_list_layout_change(story):
    problems = _problems(story, "trs")
    assert list(problems) == ["links_dropped"]
    assert problems["links_dropped"].startswith("article links per list page fell to 1.0")
    assert problems["links_dropped"].endswith("the list layout may have changed")
    assert f"{'trs':<16} unhealthy" in story["report broken"]["text"]
    assert problems["links_dropped"] in story["report broken"]["text"]
    _one_alert_each_way(story, "trs")


def test_articles_removed_while_the_lists_still_link_them(story):
    problems = _problems(story, "dede")
    assert "articles_gone" in problems and "links_dropped" not in problems
    count = story["articles"]["dede"]
    assert problems["articles_gone"].startswith(
        f"{count} of {count} stored articles rechecked in the run of ")
    assert problems["articles_gone"].endswith("answer 404/410: the site removed them "
                                              "(or moved them)")
    assert f"{'dede':<16} unhealthy" in story["report broken"]["text"]
    assert problems["articles_gone"] in story["report broken"]["text"]
    _one_alert_each_way(story, "dede")


def test_articles_removed_and_lists_emptied(story):
    problems = _problems(story, "destoon")
    assert {"links_dropped", "articles_gone"} <= set(problems)
    assert "linked no article at all" in problems["links_dropped"]
    assert "the articles were taken off the lists" in problems["links_dropped"]
    assert f"{'destoon':<16} unhealthy" in story["report broken"]["text"]
    _one_alert_each_way(story, "destoon")



def test_articles_served_as_empty_page_shells(story):
    problems = _problems(story, "wordpress")
    assert list(problems) == ["shell_pages"]  # the shells keep their list dates
    count = story["articles"]["wordpress"]
    assert problems["shell_pages"].startswith(
        f"{count} of {count} articles stored in the run of ")
    assert (f"are page shells ({count} with under 50 characters of text, {count} without "
            f"a title of their own; e.g. http://127.0.0.86:") in problems["shell_pages"]
    assert problems["shell_pages"] in story["report broken"]["text"]
    _one_alert_each_way(story, "wordpress")
