"""Re-crawls: what is already archived is not fetched again; edits become versions,
removals become withdrawals, new articles are picked up; every run leaves a crawl_runs row.

The TRS mock site is served on its own address here (127.0.0.31), so that changing it
does not disturb the other tests' mock sites.
"""

from __future__ import annotations

import re

import pytest
from conftest import FAST, run_cli
from sqlite_utils import Database

from parknews.crawler.mocksites import serve_mock_sites, sites_toml


def _crawl(sites_file, db_path, site, *extra: str):
    site.clear_requests()
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(db_path), *FAST, *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, site.requests()


def _article_gets(requests, site) -> list:
    return [r for r in requests if r.method == "GET" and r.url in site.articles]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Four crawls of one site: first, unchanged, after an edit and a removal (all known
    articles due for their recheck), after a new article appeared on the first list page."""
    workdir = tmp_path_factory.mktemp("recrawl")
    with serve_mock_sites(ids=["trs"], hosts={"trs": "127.0.0.31"}) as (site,):
        sites_file = workdir / "sites.toml"
        sites_file.write_text(sites_toml([site]), encoding="utf-8")
        db_path = workdir / "archive.db"
        record = {"site": site, "db_path": db_path}
        record["first"] = _crawl(sites_file, db_path, site)
        record["unchanged"] = _crawl(sites_file, db_path, site)

        edited, removed = list(site.articles)[:2]
        status, headers, body = site.route(edited)
        old_line = site.articles[edited].body.split("\n")[0]
        new_line = old_line + "（本文已于次日更新）"
        site.set_route(edited, (status, headers, body.replace(old_line.encode(),
                                                              new_line.encode())))
        site.remove_route(removed)
        record.update(edited=edited, removed=removed, old_line=old_line, new_line=new_line)
        record["rechecked"] = _crawl(sites_file, db_path, site,
                                     "--set", "PARKNEWS_RECHECK_DAYS=0")

        list_url = site.start_urls[0]
        status, headers, body = site.route(list_url)
        name = edited.rsplit("/", 1)[-1]
        item = re.search(rf"<li>(?:(?!</li>).)*{re.escape(name)}(?:(?!</li>).)*</li>".encode(),
                         body, re.S)
        fresh = edited.replace(name, "t20240530_5999.html")
        fresh_title = "云溪经开区举行新一轮重点项目签约仪式"
        new_item = item.group(0).replace(name.encode(), b"t20240530_5999.html")
        new_item = re.sub(rb'title="[^"]*"', f'title="{fresh_title}"'.encode(), new_item)
        new_item = re.sub(rb">[^<>]{6,}</a>", f">{fresh_title}</a>".encode(), new_item)
        site.set_route(list_url, (status, headers, body.replace(item.group(0),
                                                                new_item + item.group(0))))
        _, article_headers, article_body = site.route(edited)
        title = site.articles[edited].title.encode()
        site.set_route(fresh, (200, article_headers,
                               article_body.replace(title, fresh_title.encode())))
        record.update(fresh=fresh, fresh_title=fresh_title)
        record["new_one"] = _crawl(sites_file, db_path, site)
        yield record


def test_first_crawl_is_a_full_pass_with_a_run_row(runs):
    db = Database(runs["db_path"])
    site = runs["site"]
    (first, *_) = list(db["crawl_runs"].rows_where("site_id = 'trs'", order_by="started_at"))
    assert first["full_pass"] == 1
    assert first["articles_new"] == len(site.articles)
    assert first["requests"] >= len(site.articles) + len(site.list_urls)
    assert '"200"' in first["responses"] and first["bytes"] > 0


def test_unchanged_site_is_not_downloaded_again(runs):
    site = runs["site"]
    _, requests = runs["unchanged"]
    assert len(_article_gets(requests, site)) <= 0.05 * len(site.articles)
    first_list = [r for r in requests if r.url == site.start_urls[0]]
    assert [r.status for r in first_list] == [304]  # asked with If-None-Match
    assert not [r for r in requests if r.url in site.list_urls[1:]]
    db = Database(runs["db_path"])
    rows = list(db["crawl_runs"].rows_where("site_id = 'trs'", order_by="started_at"))
    assert len(rows) == 4 and rows[1]["full_pass"] == 0 and rows[1]["articles_new"] == 0


def test_due_articles_are_rechecked_conditionally(runs):
    site = runs["site"]
    _, requests = runs["rechecked"]
    statuses = {r.url: r.status for r in _article_gets(requests, site)}
    assert statuses[runs["edited"]] == 200
    assert statuses[runs["removed"]] == 404
    others = {u: s for u, s in statuses.items() if u not in (runs["edited"], runs["removed"])}
    assert others and set(others.values()) == {304}


def test_an_edited_article_keeps_its_old_version(runs):
    db = Database(runs["db_path"])
    row = db["articles"].get(runs["edited"])
    assert runs["new_line"] in row["body"] and row["version"] == 2
    (old,) = db["article_versions"].rows_where("url = ?", [runs["edited"]])
    assert old["version"] == 1 and runs["old_line"] in old["body"]
    assert runs["new_line"] not in old["body"]


def test_a_removed_article_is_withdrawn_not_deleted(runs):
    db = Database(runs["db_path"])
    row = db["articles"].get(runs["removed"])
    assert row["status"] == "withdrawn" and row["withdrawn_at"] and row["body"]
    rows = list(db["crawl_runs"].rows_where("site_id = 'trs'", order_by="started_at"))
    assert (rows[2]["articles_changed"], rows[2]["articles_withdrawn"]) == (1, 1)
    assert rows[2]["articles_unchanged"] == len(runs["site"].articles) - 2


def test_a_new_article_on_the_first_list_page_is_picked_up(runs):
    site = runs["site"]
    _, requests = runs["new_one"]
    fetched = [r.url for r in requests if r.method == "GET"]
    assert runs["fresh"] in fetched
    assert len([u for u in fetched if u in site.articles]) <= 0.05 * len(site.articles) + 1
    db = Database(runs["db_path"])
    assert db["articles"].get(runs["fresh"])["title"] == runs["fresh_title"]
    rows = list(db["crawl_runs"].rows_where("site_id = 'trs'", order_by="started_at"))
    assert rows[3]["articles_new"] == 1
