"""Each item pipeline on its own, driven through a Scrapy test crawler."""

from __future__ import annotations

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from sqlite_utils import Database

from parknews.archive.search import search
from parknews.archive.store import Prepared
from parknews.crawler.sites import parse_sites
from parknews.crawler.spiders.park import ParkSpider
from parknews.pipelines.extraction import ExtractionPipeline
from parknews.pipelines.items import Article, FetchedPage
from parknews.pipelines.storage import StoragePipeline

# extraction in the test's own process (the worker pool needs a running reactor)
IN_PROCESS = get_crawler(settings_dict={"PARKNEWS_EXTRACT_WORKERS": 0})

PAGE = """<html><head><meta charset="gbk"><title>青梧高新区人才周</title></head><body>
<div class="menu"><a href="/">首页</a><a href="/a/news/">园区新闻</a></div>
<div class="title"><h2>青梧高新区举办人才招聘周</h2></div>
<div class="info">时间：2023-03-18 来源：青梧高新区人才服务中心 作者：林晓</div>
<div class="content">
<p>3月18日，青梧高新区人才招聘周在园区服务中心开幕，86家企业提供岗位1400余个。</p>
<p>本次招聘周聚焦集成电路、智能制造和现代服务业，现场达成初步就业意向520人。</p>
<p>高新区还发布了人才公寓申请指南，符合条件的青年人才可申请三年租金减免。</p>
</div>
<div class="footer">Copyright 青梧科技园发展有限公司 版权所有 浙ICP备00000000号</div>
</body></html>"""

SITE = parse_sites('[[sites]]\nid = "qw"\nname = "青梧"\nstart_urls = ["http://qw.cn/"]\n')[0]


def page(kind="article", body=None, **kwargs):
    return FetchedPage(url="http://qw.cn/a/news/20230318/7.html", site_id="qw", kind=kind,
                       fetched_at="2026-11-27T00:00:00+00:00", status=200,
                       content_type="text/html",
                       body=PAGE.encode("gbk") if body is None else body, **kwargs)


def test_extraction_pipeline_fills_the_article():
    pipeline = ExtractionPipeline.from_crawler(IN_PROCESS)
    item = pipeline.process_item(page())
    article = item.article
    assert article.title == "青梧高新区举办人才招聘周"
    assert article.published_at.startswith("2023-03-18")
    assert article.source == "青梧高新区人才服务中心"
    assert "86家企业提供岗位" in article.body and "ICP" not in article.body
    assert item.error is None


def test_extraction_pipeline_uses_list_hints_and_flags_empty_pages():
    pipeline = ExtractionPipeline.from_crawler(IN_PROCESS)
    hints = {"list_title": "列表标题", "list_date": "2023年3月1日"}
    empty = pipeline.process_item(page(body=b"<html><body><div></div></body></html>", hints=hints))
    assert empty.error == "no article text found"
    assert empty.article.title == "列表标题" and empty.article.published_at == "2023-03-01"
    listing = pipeline.process_item(page(kind="list"))
    assert listing.article is None  # only article pages are extracted


def test_extraction_can_be_switched_off():
    with pytest.raises(NotConfigured):
        ExtractionPipeline.from_crawler(get_crawler(settings_dict={"EXTRACTION_ENABLED": False}))


def test_storage_pipeline_writes_pages_and_articles(tmp_path):
    db_path = tmp_path / "a.db"
    crawler = get_crawler(ParkSpider, settings_dict={"ARCHIVE_DB": str(db_path),
                                                      "ARCHIVE_BATCH_SIZE": 2})
    crawler.spider = crawler._create_spider(site=SITE)
    pipeline = StoragePipeline.from_crawler(crawler)
    pipeline.open_spider()
    listing = page(kind="list")
    listing.url = "http://qw.cn/a/news/"
    pipeline.process_item(listing)
    article_page = page()
    article_page.article = Article(title="标题", body="正文一段", source="来源甲")
    # the worker's work travels on the item to the writer (a marker token proves its use)
    article_page.prepared = Prepared(body="正文一段", index=(("正文一段", "正文 preparedmarker"),),
                                     content_hash="hash-from-the-worker")
    pipeline.process_item(article_page)
    failed = page(body=b"", error="empty page")
    failed.url = "http://qw.cn/a/news/20230318/8.html"
    pipeline.process_item(failed)
    pipeline.close_spider()
    pipeline.spider_closed(None, "finished")  # as Scrapy signals it after the pipelines
    db = Database(db_path)
    assert db["sites"].get("qw")["name"] == "青梧"
    assert db["pages"].count == 3
    assert db["pages"].get(failed.url)["error"] == "empty page"
    (row,) = list(db["articles"].rows)
    assert (row["url"], row["source"], row["body"]) == (article_page.url, "来源甲", "正文一段")
    assert row["content_hash"] == "hash-from-the-worker"
    assert [h.url for h in search(db.conn, "preparedmarker")[0]] == [article_page.url]
    assert crawler.stats.get_value("archive/articles_new") == 1


def test_storage_needs_a_db_setting():
    with pytest.raises(NotConfigured):
        StoragePipeline.from_crawler(get_crawler(settings_dict={"ARCHIVE_DB": ""}))


def test_site_encoding_override_reaches_extraction():
    lying = PAGE.replace('charset="gbk"', 'charset="utf-8"').encode("gbk")
    site = parse_sites('[[sites]]\nid = "qw"\nname = "青梧"\nstart_urls = ["http://qw.cn/"]\n'
                       'encoding = "gb18030"\n')[0]
    spider = ParkSpider(site=site)
    url = "http://qw.cn/a/news/20230318/7.html"
    response = HtmlResponse(url, body=lying, headers={"Content-Type": "text/html"},
                            request=Request(url, meta={"kind": "article"}))
    (fetched,) = list(spider.parse_page(response))
    assert fetched.hints["encoding"] == "gb18030"
    article = ExtractionPipeline.from_crawler(IN_PROCESS).process_item(fetched).article
    assert article.title == "青梧高新区举办人才招聘周"
    assert "86家企业提供岗位" in article.body


def test_the_writer_recomputes_nothing_the_worker_prepared(tmp_path, monkeypatch):
    """What the extraction worker prepares (search tokens, repost signature) is what the
    writer uses: with it, the writer cuts no text and signs no body itself."""
    from parknews.archive import dedup, search
    from parknews.pipelines.workers import extract_for_archive

    story = "".join(f"<p>{n}月，青梧高新区新签约项目{n * 3}个，涉及集成电路、智能制造和现代服务业，"
                    f"总投资{n * 11}亿元，预计带动就业{n * 120}人。</p>" for n in range(1, 7))
    body = PAGE.replace("</div>\n<div class=\"footer\">",
                        story + "</div>\n<div class=\"footer\">").encode("gbk")
    article, prepared = extract_for_archive(body, "http://qw.cn/a/news/20230318/7.html",
                                            "text/html", [], {})
    assert prepared is not None and prepared.presigned[1] is not None
    crawler = get_crawler(ParkSpider, settings_dict={"ARCHIVE_DB": str(tmp_path / "a.db")})
    crawler.spider = crawler._create_spider(site=SITE)
    pipeline = StoragePipeline.from_crawler(crawler)
    pipeline.open_spider()
    calls = {"cut": 0, "sign": 0}
    cut, sign = search.index_text, dedup.signature
    monkeypatch.setattr(search, "index_text", lambda *a, **k: calls.__setitem__(
        "cut", calls["cut"] + 1) or cut(*a, **k))
    monkeypatch.setattr(dedup, "signature", lambda *a, **k: calls.__setitem__(
        "sign", calls["sign"] + 1) or sign(*a, **k))
    item = page()
    item.article, item.prepared = article, prepared
    pipeline.process_item(item)
    pipeline.close_spider()
    pipeline.spider_closed(None, "finished")
    assert calls == {"cut": 0, "sign": 0}
    db = Database(tmp_path / "a.db")
    assert db["dedup_signatures"].count == 1
    assert [h.url for h in search.search(db.conn, "集成电路")[0]] == [item.url]


def test_the_article_row_is_what_asdict_gave_and_stored_alike(tmp_path):
    """The storage pipeline's article row: ``asdict`` without its deep copy; the stored
    row (JSON columns included) is the one ``asdict``'s row gives."""
    from dataclasses import asdict

    from parknews.archive.store import ArchiveWriter, open_archive
    from parknews.pipelines.storage import article_row

    article = Article(url="http://qw.cn/1", title="标题", body="正文", source="来源",
                      attachments=[{"name": "附件1.pdf", "url": "http://qw.cn/1.pdf"}],
                      images=[{"src": "http://qw.cn/a.png", "caption": "图"}],
                      extras={"method": "rules", "column": "园区动态"})
    assert article_row(article) == asdict(article)
    stored = []
    for number, row in enumerate((article_row(article), asdict(article))):
        writer = ArchiveWriter(open_archive(tmp_path / f"{number}.db"))
        writer.upsert_sites([{"id": "qw", "name": "青梧", "park": None, "region": None,
                              "start_urls": ["http://qw.cn/"], "updated_at": "t"}])
        writer.add_article(dict(row, site_id="qw", fetched_at="t"))
        writer.close()
        stored.append(writer.db["articles"].get("http://qw.cn/1"))
    assert stored[0] == stored[1]
    assert stored[0]["attachments"] == '[{"name": "附件1.pdf", "url": "http://qw.cn/1.pdf"}]'
