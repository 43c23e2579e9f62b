"""Attachments, images with captions and language, through extract() and on their own."""

from lxml import html

from parknews.pipelines import media
from parknews.pipelines.extract import extract

NOTICE = """<html lang="zh-CN"><head><meta charset="utf-8"></head><body>
<div class="nav"><a href="/">首页</a><a href="/guide.pdf">网站使用指南</a></div>
<h1>关于组织申报2026年度园区专项资金的通知</h1>
<div class="info">发布日期：2026-03-02 来源：云溪经开区经发局</div>
<div class="TRS_Editor">
<p>各有关企业：为推动园区产业转型升级，现组织申报2026年度园区专项资金，有关事项通知如下。</p>
<p style="text-align:center"><img src="./W020260302001.jpg" width="600"></p>
<p>图为2025年度专项资金项目现场评审会。</p>
<p>申报企业须在园区内注册且正常经营满一年，申报材料于3月31日前报送经发局。</p>
<figure><img src="/img/chart.png" alt="image.png"><figcaption>2025年度资金分布</figcaption></figure>
<p><img src="/images/icon_pdf.gif"><a href="./P020260302001.pdf">附件1：申报指南</a></p>
<p><a href="/module/download/downfile.jsp?classid=0&amp;filename=abc.docx">附件2：申报表</a></p>
<p><img src="/images/dot.gif" width="8" height="8">联系电话：0512-00000000</p>
</div>
<div class="footer">苏ICP备00000000号</div></body></html>"""

URL = "http://www.yx.gov.cn/xwzx/tzgg/202603/t20260302_9.html"


def test_attachments_are_named_and_absolute():
    article = extract(NOTICE.encode(), URL)
    assert article.attachments[:2] == [
        {"name": "申报指南", "url": "http://www.yx.gov.cn/xwzx/tzgg/202603/P020260302001.pdf"},
        {"name": "申报表",
         "url": "http://www.yx.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.docx"},
    ]


def test_images_have_absolute_src_and_captions_and_skip_icons():
    article = extract(NOTICE.encode(), URL)
    assert article.images == [
        {"src": "http://www.yx.gov.cn/xwzx/tzgg/202603/W020260302001.jpg",
         "caption": "图为2025年度专项资金项目现场评审会。"},
        {"src": "http://www.yx.gov.cn/img/chart.png", "caption": "2025年度资金分布"},
    ]
    assert article.language == "zh"


def test_file_name_alt_is_no_caption_and_english_is_detected():
    root = html.fromstring('<html lang="en"><body><div><p><img src="a.png" alt="image.png">'
                           '</p><p>The park opened a new incubator with forty firms.</p>'
                           '</div></body></html>')
    assert media.find_images(root, "http://x.org/") == [{"src": "http://x.org/a.png"}]
    assert media.detect_language(root, "The park opened a new incubator.") == "en"
    assert media.detect_language(root, "") == "en"  # from <html lang>


def test_is_attachment_url():
    assert media.is_attachment_url("http://x.cn/a/P0202.PDF")
    assert not media.is_attachment_url("http://x.cn/a/t2022_1.html")
    assert not media.is_attachment_url("http://x.cn/pdf/")
