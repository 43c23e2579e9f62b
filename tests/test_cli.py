"""The parknews command: bad input gets a clear message and nothing half-written."""

from __future__ import annotations

import json
import time
import urllib.request

from conftest import FAST, SHARED, closed_port, run_cli

TRS_PAGE = """<html><head><meta charset="utf-8"><title>园区签约 - 云溪经开区</title></head><body>
<div class="nav"><a href="/">首页</a> 当前位置：首页 > 新闻中心</div>
<h1>云溪经开区集中签约十二个重点项目</h1>
<div class="info">发布时间：2022-07-05 09:30 来源：云溪经开区管委会</div>
<div class="TRS_Editor"><style>.TRS_Editor P{margin-top:5px;}</style>
<p>7月5日上午，云溪经开区举行重点项目集中签约仪式，12个项目现场签约，总投资超过86亿元。</p>
<p>签约项目涵盖新能源汽车零部件、集成电路封装测试和生物医药等领域，其中外资项目4个。</p>
<p>经开区相关负责人表示，将为签约企业提供全流程代办服务，推动项目早开工、早投产。</p>
</div><div class="foot">苏ICP备12345678号 网站标识码：3205000001</div></body></html>"""


def test_help_has_examples():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("crawl", "extract", "serve", "demo"):
        assert command in result.stdout
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and "Example" in sub.stdout, command


def test_extract_prints_json_lines(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(TRS_PAGE, encoding="utf-8")
    gbk = tmp_path / "gbk.html"
    gbk.write_bytes(TRS_PAGE.replace('charset="utf-8"', 'charset="gb2312"').encode("gbk"))
    result = run_cli("extract", str(page), str(gbk), "--url", "http://yx.gov.cn/t1.html")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(page), str(gbk)]
    for record in records:
        assert record["url"] == "http://yx.gov.cn/t1.html"
        assert record["title"] == "云溪经开区集中签约十二个重点项目"
        assert record["published_at"].startswith("2022-07-05")
        assert record["source"] == "云溪经开区管委会"
        assert "12个项目现场签约" in record["body"]
        assert "ICP" not in record["body"] and "margin-top" not in record["body"]
        assert set(record) >= {"path", "url", "title", "body", "published_at", "source",
                               "author"}


def test_extract_missing_file_is_reported_and_others_still_run(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(TRS_PAGE, encoding="utf-8")
    result = run_cli("extract", str(tmp_path / "nope.html"), str(page))
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "nope.html" in result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_extract_seed_page():
    seed = SHARED / "fixtures" / "seed"
    if not seed.exists():
        import pytest

        pytest.skip("../shared is absent")
    result = run_cli("extract", str(seed / "page.html"))
    record = json.loads(result.stdout)
    expected = json.loads((seed / "expected.json").read_text(encoding="utf-8"))
    assert record["title"] == expected["title"]
    assert record["published_at"][:10] == expected["published_at"]


def test_crawl_rejects_bad_sites_file_before_touching_the_db(tmp_path):
    db = tmp_path / "a.db"
    bad = tmp_path / "sites.toml"
    bad.write_text('[[sites]]\nid = "qw"\nname = "青梧高新区"\n', encoding="utf-8")
    result = run_cli("crawl", "--sites", str(bad), "--db", str(db))
    assert result.returncode == 1
    assert "site 'qw': missing required key 'start_urls'" in result.stderr
    assert not db.exists()
    bad.write_text('[[sites]\nid = "qw"', encoding="utf-8")
    result = run_cli("crawl", "--sites", str(bad), "--db", str(db))
    assert result.returncode == 1 and "not valid TOML" in result.stderr
    assert not db.exists()


def test_crawl_rejects_db_in_missing_directory(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text('[[sites]]\nid = "a"\nname = "A"\nstart_urls = ["http://127.0.0.1:9/"]\n')
    result = run_cli("crawl", "--sites", str(sites), "--db", str(tmp_path / "no" / "a.db"))
    assert result.returncode == 1
    assert "directory does not exist" in result.stderr
    assert not (tmp_path / "no").exists()


def test_crawl_unknown_site_id(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text('[[sites]]\nid = "a"\nname = "A"\nstart_urls = ["http://127.0.0.1:9/"]\n')
    result = run_cli("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"),
                     "--site", "zz")
    assert result.returncode == 1 and "unknown site id(s): zz" in result.stderr


def test_crawl_of_only_dead_sites_fails_loudly(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[sites]]\nid = "a"\nname = "A"\n'
                     f'start_urls = ["http://127.0.0.1:{closed_port()}/"]\n')
    result = run_cli("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"), *FAST)
    assert result.returncode == 1
    assert "every site failed" in result.stderr


def test_serve_needs_an_existing_archive(tmp_path):
    result = run_cli("serve", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 1 and "no archive at" in result.stderr


def test_demo_crawls_and_serve_publishes(tmp_path):
    db = tmp_path / "demo.db"
    result = run_cli("demo", "--db", str(db), "--no-serve")
    assert result.returncode == 0, result.stderr[-3000:]
    from sqlite_utils import Database

    assert Database(db)["articles"].count >= 15
    port = closed_port()
    import subprocess
    import sys

    server = subprocess.Popen(
        [sys.executable, "-m", "parknews.crawler.cli", "serve", "--db", str(db), "--port",
         str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/demo/articles.json?_shape=objects&_size=max"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    page = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        rows = page["rows"]
        assert len(rows) <= 100  # a table page holds at most 100 rows (max_page_rows)
        while page["next_url"]:  # absolute, on the address served
            assert page["next_url"].startswith(f"http://127.0.0.1:{port}/demo/articles")
            with urllib.request.urlopen(page["next_url"], timeout=5) as response:
                page = json.loads(response.read())
            rows += page["rows"]
        assert len(rows) == Database(db)["articles"].count
        assert all(row["body"] for row in rows)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_crawl_shows_progress_lines_when_asked(mock_sites, tmp_path):
    from parknews.crawler.mocksites import sites_toml

    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites_toml([mock_sites["dede"]]), encoding="utf-8")
    result = run_cli("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "a.db"),
                     *FAST, "--progress", "--set", "PARKNEWS_PROGRESS_INTERVAL=0.2")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("[dede] ")]
    assert lines and lines[-1].endswith("· done (finished)")
    assert f"{len(mock_sites['dede'].articles)} articles" in lines[-1]
    assert " INFO: " not in result.stderr  # the log is quiet beside the progress lines
    quiet = run_cli("crawl", "--sites", str(sites_file), "--db", str(tmp_path / "b.db"),
                    *FAST, "--no-progress")
    assert "[dede] " not in quiet.stderr
