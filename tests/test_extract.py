"""Extraction on small pages written in the shape of each CMS family.

The snippets are our own text, built only to reproduce each family's structure (body
container, info line, chrome) as described in ../shared/realpages/CATALOGUE.md.
"""

from __future__ import annotations

import pickle

import pytest

from parknews.pipelines.extract import MAX_PAGE_BYTES, extract
from parknews.pipelines.items import Article

PARAS = [
    "今年以来，开发区坚持项目为王，全力推进重点项目建设，一季度新开工项目十二个，总投资八十六亿元。",
    "在智能制造产业园，新建的数字化车间已经投入使用，生产线自动化率超过百分之九十，订单排到了年底。",
    "开发区相关负责人表示，下一步将持续优化营商环境，做好要素保障，推动更多项目早开工、早投产、早见效。",
]
FOOTER = (
    '<div class="footer"><p>主办单位：某某经济开发区管理委员会 技术支持：某某网络公司</p>'
    '<p><a href="https://beian.miit.gov.cn/">苏ICP备12345678号-1</a> '
    "苏公网安备 32050902000000号 网站标识码：3205000000</p>"
    "<p>版权所有 © 2022 某某经济开发区</p></div>"
)
BOILERPLATE = ("ICP备", "公网安备", "网站标识码", "版权所有", "主办单位", "技术支持")


def paras_html(paras: list[str] = PARAS) -> str:
    return "".join(f"<p>\u3000\u3000{p}</p>\n" for p in paras)


def assert_clean_body(article: Article, paras: list[str] = PARAS) -> None:
    lines = article.body.split("\n")
    for p in paras:
        assert p in lines, p
    assert all(line and line == line.strip() for line in lines)
    for marker in BOILERPLATE:
        assert marker not in article.body, marker


TRS = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>开发区一季度重点项目建设开局良好 - 某某经济开发区</title>
<meta name="ArticleTitle" content="开发区一季度重点项目建设开局良好">
<meta name="PubDate" content="2022-07-05 09:30">
<meta name="ContentSource" content="开发区管委会办公室">
<meta name="SiteName" content="某某经济开发区"><meta name="ColumnName" content="园区动态">
</head><body>
<div class="nav"><a href="/">首页</a><a href="/yqdt/">园区动态</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../">园区动态</a></div>
<h1>开发区一季度重点项目建设开局良好</h1>
<div class="info"><span>发布时间：2022-07-05 09:30</span> <span>来源：开发区经济发展局</span>
<span>字号：<a>大</a> <a>中</a> <a>小</a></span> <a href="javascript:window.print()">打印本页</a>
<a href="javascript:window.close()">关闭窗口</a></div>
<div class="article-body"><div class="TRS_Editor"><style>.TRS_Editor P{{margin-top:5px;
margin-bottom:5px;line-height:1.5;font-family:宋体;font-size:12pt;}}</style>
{paras_html()}</div></div>
<script>createPageHTML(1, 0, "t20220705_123", "html");</script>
<div class="share">分享到：<a>微信</a><a>微博</a></div>
<div class="ewm">扫一扫在手机打开当前页</div>
<div class="prenext"><p>上一篇：<a href="./t1.html">开发区召开安全生产会议</a></p>
<p>下一篇：<a href="./t2.html">园区企业获评省级专精特新</a></p></div>
{FOOTER}</body></html>"""


def test_trs_page():
    article = extract(TRS.encode(), "https://kfq.example.gov.cn/yqdt/202207/t20220705_123.html")
    assert article.title == "开发区一季度重点项目建设开局良好"
    assert article.published_at == "2022-07-05T09:30:00"
    assert article.source == "开发区经济发展局"  # the visible line beats ContentSource
    assert article.encoding == "utf-8"
    assert article.url.endswith("t20220705_123.html")
    assert article.extras["method"] == "container:trs"
    assert article.extras["site_name"] == "某某经济开发区"
    assert article.extras["column"] == "园区动态"
    assert_clean_body(article)
    for chrome in ("margin-top", "宋体", "打印", "关闭", "字号", "上一篇", "下一篇", "分享到",
                   "扫一扫", "当前位置", "createPageHTML"):
        assert chrome not in article.body, chrome


HANWEB = f"""<html><head><meta charset="utf-8"><title>某某区发改局调研园区企业</title>
<meta name="PubDate" content="2022-07-06 10:00"><meta name="contentSource" content="区政府办">
</head><body>
<p class="con-title"><!--<$[标题]>begin-->某某区发改局调研园区企业<!--<$[标题]>end--></p>
<div class="small-title"><span>发布日期：2022-07-05</span>
<span>浏览次数：<script>document.write(1)</script></span>
<span>信息来源：<!--<$[信息来源]>begin-->某某区发改局<!--<$[信息来源]>end--></span></div>
<div class="main-txt" id="zoom"><!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin-->
<meta name="ContentStart">{paras_html()}<p>&nbsp;</p><meta name="ContentEnd">
<!--ZJEG_RSS.content.end--><!--<$[信息内容]>end--></div>
<div class="main-word"><span class="printer" onclick="window.print()">打印</span>
<span class="close" onclick="window.close()">关闭</span></div>
<a href="http://www.hanweb.com" style="display:none">Produced By 大汉网络 大汉版通发布系统</a>
{FOOTER}</body></html>"""


def test_hanweb_page_visible_date_beats_meta():
    article = extract(HANWEB.encode())
    assert article.title == "某某区发改局调研园区企业"
    assert article.published_at == "2022-07-05"  # the page shows 07-05; PubDate says 07-06
    assert article.source == "某某区发改局"
    assert article.extras["method"] == "container:hanweb"
    assert_clean_body(article)
    for chrome in ("打印", "关闭", "大汉", "浏览次数", "ContentStart"):
        assert chrome not in article.body, chrome


DEDE = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>园区企业新增产能项目投产_园区新闻_某某工业园</title></head><body>
<div class="header"><a href="/">网站首页</a> <a href="/a/news/">园区新闻</a></div>
<div class="title"><h2>园区企业新增产能项目投产</h2></div>
<div class="info">时间：2022-07-05 16:20 来源：园区招商局 作者：张三 点击：<script
 src="/plus/count.php?view=yes&aid=88&mid=1"></script>次</div>
<div class="content">{paras_html()}
<div class="dede_pages"><ul class="pagelist"><li><a>共1页</a></li></ul></div></div>
<div class="prenext"><ul><li>上一篇：<a href="/a/news/20220704/87.html">园区举办招聘会</a></li>
<li>下一篇：没有了</li></ul></div>
{FOOTER}</body></html>"""


def test_dedecms_gbk_page():
    article = extract(DEDE.replace("©", "(C)").encode("gbk"))
    assert article.encoding == "gb18030"
    assert article.title == "园区企业新增产能项目投产"
    assert article.published_at == "2022-07-05T16:20:00"
    assert article.source == "园区招商局"
    assert article.author == "张三"
    assert_clean_body(article)
    for chrome in ("上一篇", "下一篇", "共1页", "点击"):
        assert chrome not in article.body, chrome


LEAD = "开发区一季度新开工项目十二个，总投资八十六亿元，重点项目建设实现开门红。"
DESTOON = f"""<html><head><meta charset="utf-8">
<title>重点项目建设实现开门红-资讯-某某产业网</title>
<meta name="description" content="{LEAD}"></head><body>
<div class="head"><div class="slogan">产业兴则园区兴，园区强则经济强</div>
<div class="menu"><a href="/">首页</a> <a href="/news/">资讯</a></div></div>
<div class="m"><div class="left_box">
<h1 class="title" id="title">重点项目建设实现开门红</h1>
<div class="info">&nbsp;&nbsp; 2022-07-05 开发区融媒发布<br><span id="hits">31</span></div>
<div class="introduce">核心提示：{LEAD}</div>
<div class="content" id="article">{paras_html()}
<p><img src="/file/upload/202207/05/01.png" alt="image.png"></p></div>
<div class="disclaimer">免责声明：本网转载自其它媒体的文章，目的在于传递更多信息，
并不代表本网赞同其观点和对其真实性负责。</div>
<div class="more"><a href="/news/list-3.html">更多&gt;同类资讯</a></div>
</div><div class="right_box"><div class="box_head">推荐资讯</div>
<ul><li><a href="/news/show-2.html">园区举办人才招聘会</a></li></ul>
<div class="box_head">点击排行</div><ul><li><a href="/news/show-3.html">产业指数发布</a></li>
<li><a href="/news/show-4.html">新能源产业集群加速成形</a></li></ul></div></div>
{FOOTER}</body></html>"""


def test_destoon_page_with_lead_and_portal_chrome():
    article = extract(DESTOON.encode())
    assert article.title == "重点项目建设实现开门红"
    assert article.published_at == "2022-07-05"
    assert article.source == "开发区融媒发布"
    assert article.summary == LEAD
    assert article.extras["method"] == "container:destoon"
    assert_clean_body(article)
    for chrome in ("核心提示", "免责声明", "点击排行", "推荐资讯", "同类资讯", "image.png",
                   "产业兴则园区兴", "31"):
        assert chrome not in article.body, chrome


GENERIC = f"""<html><head><meta charset="utf-8"><title>园区企业加快数字化转型 | 某某新闻网</title>
</head><body>
<div id="nav"><ul><li><a href="/">首页</a></li><li><a href="/gn/">国内</a></li>
<li><a href="/cj/">财经</a></li><li><a href="/yq/">园区</a></li></ul></div>
<div class="main"><h1>园区企业加快数字化转型</h1>
<div class="time">2022年07月05日 08:15　来源：某某日报　作者：王五</div>
<div class="text">{paras_html()}
<div class="editor">（编辑：赵六 责任编辑：李四）</div>
<div style="display:none" class="xglj"><h3>相关链接</h3><ul>
<li><a href="/a/1.html">开发区召开座谈会</a></li>
<li><a href="/a/2.html">园区新政出台</a></li></ul></div>
</div>
<div class="hot"><h3>相关新闻</h3><ul><li><a href="/a/3.html">新材料产业园开园</a> 2022-07-04</li>
<li><a href="/a/4.html">园区举办创新大赛</a> 2022-07-03</li>
<li><a href="/a/5.html">企业服务中心揭牌</a> 2022-07-02</li></ul></div>
</div>{FOOTER}</body></html>"""


def test_generic_page_with_editor_after_body_and_hidden_related_links():
    article = extract(GENERIC.encode())
    assert article.title == "园区企业加快数字化转型"
    assert article.published_at == "2022-07-05T08:15:00"
    assert article.source == "某某日报"
    assert article.author == "王五"
    assert article.editor == "李四"  # 责任编辑 over 编辑
    assert article.extras["method"] in ("trafilatura", "readability")
    assert_clean_body(article)
    for chrome in ("责任编辑", "相关链接", "相关新闻", "新材料产业园开园", "国内"):
        assert chrome not in article.body, chrome


def test_editor_at_the_end_of_the_last_paragraph():
    last = PARAS[-1] + "（责任编辑：周七）"
    html = TRS.replace(PARAS[-1], last)
    article = extract(html.encode())
    assert article.editor == "周七"
    assert article.body.endswith(PARAS[-1])


NOTICE = f"""<html><head><meta charset="utf-8"><title>关于2022年园区专项资金拟扶持项目的公示</title>
</head><body><h1>关于2022年园区专项资金拟扶持项目的公示</h1>
<div class="pages-date">2022-07-05 来源：开发区财政局</div>
<div class="pages_content" id="UCAP-CONTENT"><p>经企业申报、部门审核，拟扶持项目名单公示如下：</p>
<table border="1">
<tr><td><p>序号</p></td><td><p>企业名称</p></td><td><p>扶持金额（万元）</p></td></tr>
<tr><td>1</td><td>某某智能装备有限公司</td><td>120</td></tr>
<tr><td>2</td><td>某某新材料科技有限公司</td><td>85</td></tr></table>
<p>公示期为2022年7月5日至7月11日。</p>
<p style="text-align:right">某某经济开发区财政局</p>
<p style="text-align:right">2022年7月5日</p></div>
<div class="pages_print">【<a>打印</a>】【<a>关闭</a>】</div>{FOOTER}</body></html>"""


def test_table_bodied_notice_keeps_rows_as_lines():
    article = extract(NOTICE.encode())
    assert article.extras["method"] == "container:govcn"
    assert article.source == "开发区财政局"
    assert article.published_at == "2022-07-05"
    lines = article.body.split("\n")
    assert "序号 | 企业名称 | 扶持金额（万元）" in lines
    assert "1 | 某某智能装备有限公司 | 120" in lines
    assert lines[-1] == "2022年7月5日"
    assert "打印" not in article.body


def test_source_from_hidden_baidu_span_and_meta_fallbacks():
    html = f"""<html><head><title>开发区发布新政</title>
    <meta name="ContentSource" content="开发区政务办"></head><body>
    <div id="BaiduSpider" style="display:none"><span id="pubtime_baidu">2022-07-05 10:11:12</span>
    <span id="source_baidu">来源：<a href="#">新华社</a></span></div>
    <h1>开发区发布新政</h1><div class="TRS_Editor">{paras_html()}</div></body></html>"""
    article = extract(html.encode())
    assert article.source == "新华社"
    assert article.published_at == "2022-07-05T10:11:12"
    no_baidu = html.replace("source_baidu", "nothing_here")
    assert extract(no_baidu.encode()).source == "开发区政务办"


@pytest.mark.parametrize("data", [b"", b"   ", b"<html></html>", b"<html><body></body></html>"])
def test_empty_documents_give_an_empty_article(data):
    article = extract(data)
    assert isinstance(article, Article)
    assert article.body == ""
    assert article.extras["error"] in ("not html", "no main text found")


@pytest.mark.parametrize("data", [
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
    bytes(range(256)) * 4,
    b"just some plain text, no markup at all",
])
def test_non_html_bytes_never_raise(data):
    article = extract(data, "https://example.com/file")
    assert article.body == ""
    assert article.url == "https://example.com/file"


def test_list_page_has_no_article_body():
    items = "".join(
        f'<li><a href="./202207/t2022070{i}_{i}.html">园区动态第{i}条消息标题</a>'
        f"<span>2022-07-0{i}</span></li>"
        for i in range(1, 9)
    )
    html = f"<html><head><title>园区动态</title></head><body><ul>{items}</ul></body></html>"
    assert extract(html.encode()).body == ""


def test_article_pickles_for_worker_processes():
    article = extract(DESTOON.encode())
    assert pickle.loads(pickle.dumps(article)) == article


def test_deeply_nested_and_broken_markup_give_a_reason_not_a_crash():
    nested = (b"<html><body>" + b"<div>" * 10000 + "深层嵌套的文字。".encode() * 20
              + b"</div>" * 10000 + b"</body></html>")
    broken = b"<html><body><p>\xff\xfe<div><<<>>> \x00\x01 <p><table><tr><td>"
    for data in (nested, broken):
        article = extract(data)
        assert article.body == "" or "深层嵌套" in article.body
        if not article.body:
            assert article.extras["error"] in ("not html", "no main text found")


def test_a_page_over_the_size_bound_is_refused_with_its_size():
    paragraph = "<p>" + "园区新闻正文，" * 60 + "</p>\n"
    data = ("<html><body>" + paragraph * 30000 + "</body></html>").encode()
    assert len(data) > 10 * 2**20
    article = extract(data, "https://example.com/huge.html")
    assert article.body == ""
    assert article.extras["error"].startswith("page too large (")
    assert "MiB" in article.extras["error"]


def test_a_page_just_under_the_bound_is_still_read():
    paragraph = "<p>" + "园区新闻正文，" * 60 + "</p>\n"
    data = ("<html><body><h1>大页面</h1>" + paragraph * 200 + "</body></html>").encode()
    assert len(data) < MAX_PAGE_BYTES
    assert "园区新闻正文" in extract(data).body


STORY_LINES = [
    "4月8日上午，澄湖高新区召开一季度经济运行分析会，通报一季度招商引资和项目建设情况，"
    "各板块负责人逐一汇报了在谈项目的进展，管委会主要负责同志出席会议并讲话。",
    "会议通报，一季度全区新签约项目十二个，总投资八十六亿元，其中先进制造业项目八个，科技服务业"
    "项目四个；新开工项目九个，竣工投产项目五个，完成固定资产投资二十三亿元，同比增长百分之十四。",
    "会议要求，各部门要紧盯全年目标任务，加快在谈项目落地，强化要素保障，确保签约项目早开工、"
    "开工项目早投产，为全年经济平稳增长打下坚实基础，同时做好安全生产和环境保护各项工作。",
    "据介绍，二季度园区将继续举办产业链专题招商活动，重点面向新能源汽车零部件、集成电路封装测试"
    "和生物医药等方向，并组织重点企业赴长三角城市开展对接，力争再签约一批带动性强的项目。",
]
FOOTER_LINES = ["本站所有文章、数据仅供参考，使用前请仔细阅读法律声明，风险自负",
                "《增值电信业务经营许可证》编号：苏B2-20240001号"]
RUN_TOGETHER = ["English Español Français 简体 正體 日本語 首页 新闻 园区概况 招商引资 政务公开 "
                "互动交流 " * 12 + "4月8日上午，澄湖高新区召开一季度经济运行分析会。"]


@pytest.mark.parametrize("precise, readable, recalled, chosen", [
    # both precise extractors missed the story (readability fell on the footer): the
    # recall-mode answer, made of punctuated paragraphs, wins
    ([], FOOTER_LINES, STORY_LINES, "trafilatura-recall"),
    # recall mode ran the page's text together (menus, languages): not prose, not taken
    ([], FOOTER_LINES, RUN_TOGETHER, "readability"),
    # a voted body long enough is not second-guessed
    (STORY_LINES, FOOTER_LINES, STORY_LINES + ["更多"], "trafilatura"),
])
def test_a_weak_body_is_rescued_by_recall_mode_only_with_prose(monkeypatch, precise, readable,
                                                                recalled, chosen):
    from lxml import html

    from parknews.pipelines import extract as extract_module

    monkeypatch.setattr(extract_module, "_trafilatura_lines",
                        lambda root, url, recall=False: recalled if recall else precise)
    monkeypatch.setattr(extract_module, "_readability_lines", lambda root: readable)
    body = extract_module.body_from_page(html.fromstring("<html><body><p>x</p></body></html>"),
                                         None)
    assert body.method == chosen
