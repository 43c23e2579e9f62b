"""Title, date, 来源, author and body edges on pages no rule was tuned for (issue 23).

Every page here is our own, written in the shapes real portals and government sites
use (a headline in a table cell, an unlabelled info line with the site's address, a
date split over two elements, a 来源 glued to a toolbar link, a related-news list
closing the body container…); the parks, names and text are invented.
"""

from __future__ import annotations

import pytest

from parknews.pipelines.extract import extract
from parknews.pipelines.metadata import balance_brackets, parse_date, strip_roles

PARAS = [
    "今年以来，滨湖高新区聚焦主导产业，新签约项目二十三个，计划总投资一百二十亿元，项目落地速度明显加快。",
    "在新材料产业园，三家企业的新生产线已经进入设备调试阶段，预计下月正式投产，年产值可达十五亿元。",
    "高新区负责人表示，将继续做好要素保障和跟踪服务，推动签约项目尽快开工建设、早日达产见效。",
]
TITLE = "滨湖高新区一季度签约项目总投资超百亿元"


def paras(items: list[str] = PARAS) -> str:
    return "".join(f"<p>\u3000\u3000{p}</p>\n" for p in items)


def page(info: str = "", *, title_tag: str = f"{TITLE}_滨湖高新区",
         headline: str = f"<h1>{TITLE}</h1>", body: str | None = None, before: str = "",
         after: str = "", sidebar: str = "") -> bytes:
    """A portal article page: nav, headline, info line, body container, extras."""
    body = paras() if body is None else body
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title_tag}</title>
</head><body>
<div class="nav"><a href="/">首页</a> <a href="/xw/">新闻动态</a> <a href="/zs/">招商引资</a></div>
<div class="main"><div class="left">
{before}{headline}
<div class="info">{info}</div>
<div class="TRS_Editor">{body}</div>
{after}
</div>
<div class="right">{sidebar}</div></div>
<div class="footer"><p>版权所有：滨湖高新区管委会 苏ICP备00000000号</p></div>
</body></html>""".encode()


RELATED_DATED = """<div class="xglb"><ul>
<li><a href="/a/1.html">滨湖高新区举办人才招聘周活动</a><span>2023-01-05</span></li>
<li><a href="/a/2.html">新材料产业园获评省级特色园区</a><span>2023-01-09</span></li>
<li><a href="/a/3.html">高新区召开安全生产工作会议</a><span>2023-01-12</span></li>
</ul></div>"""


# ------------------------------------------------------------------------- dates


def test_unlabelled_info_line_between_headline_and_body_gives_date_time_and_source():
    art = extract(page("http://www.binhu.example.cn 2023-03-08 10:20:06 来源: 滨湖日报 "
                       "网友评论 0 条", after=RELATED_DATED))
    assert art.published_at == "2023-03-08T10:20:06"
    assert art.source == "滨湖日报"


def test_date_never_from_a_related_list():
    art = extract(page("", after=RELATED_DATED, sidebar=RELATED_DATED))
    assert art.published_at is None
    assert art.title == TITLE


def test_date_split_over_sibling_elements():
    before = ('<div class="pubdate-box"><div class="day">21</div>'
              '<div class="year">2024年02月</div></div>')
    art = extract(page("", before=before, after=RELATED_DATED))
    assert art.published_at == "2024-02-21"


def test_unlabelled_pubtime_element_nearest_the_headline():
    before = '<div class="meta"><span class="pubTime">2022-11-03 15:30</span></div>'
    sidebar = ('<ul><li><span class="time">2022-10-01</span> <a href="/b/1.html">'
               '园区企业开展消防演练活动</a></li></ul>')
    art = extract(page("", before=before, sidebar=sidebar))
    assert art.published_at == "2022-11-03T15:30:00"


@pytest.mark.parametrize("text, expected", [
    ("发布于 十一月 6th, 2009", "2009-11-06"),
    ("Posted Nov 6, 2009 by admin", "2009-11-06"),
    ("6 November 2009", "2009-11-06"),
    ("2009年11月6日 08:05", "2009-11-06T08:05:00"),
    ("Mayor said", None),
])
def test_month_name_dates(text, expected):
    assert parse_date(text) == expected


def test_english_month_on_the_info_line():
    art = extract(page("十一月 6th, 2009 | 园区新闻"))
    assert art.published_at == "2009-11-06"


# ------------------------------------------------------------------------ titles


def test_headline_cell_beats_a_site_name_title_and_a_breadcrumb():
    headline = ('<h2>首页 - 新闻动态</h2><table><tr><td class="bt_title">'
                f"{TITLE}</td></tr></table>")
    art = extract(page("2023-03-08", title_tag="滨湖新闻网_(新闻)", headline=headline))
    assert art.title == TITLE


def test_breadcrumb_heading_is_never_the_title():
    headline = '<h3>首页 &gt; 新闻动态 &gt; 园区要闻</h3><div class="heading">' + TITLE + "</div>"
    art = extract(page("2023-03-08", title_tag="滨湖高新区", headline=headline))
    assert art.title == TITLE


def test_info_line_run_into_the_headline_is_cut():
    headline = f"<h1>{TITLE} 发布时间：2023-03-08</h1>"
    art = extract(page("", headline=headline))
    assert art.title == TITLE
    assert art.published_at == "2023-03-08"


def test_subtitle_line_is_joined_and_markup_in_meta_titles_ignored():
    sub = "——写在滨湖高新区成立二十周年之际"
    headline = f'<p class="mm_title">{TITLE}<div>{sub}</div></p>'
    data = page("2023-03-08", title_tag=f"{TITLE}{sub}_滨湖高新区", headline=headline)
    data = data.replace(b"</title>", f'</title><meta name="ArticleTitle" content="{TITLE}'
                        f'&lt;div&gt;{sub}&lt;/div&gt;">'.encode())
    art = extract(data)
    assert art.title == TITLE + sub


# ---------------------------------------------------------------------- 来源 and author


@pytest.mark.parametrize("info, source", [
    ("2023-03-08 来源：新华社 举报", "新华社"),
    ("来源：澎湃新闻 2017-02-26 08:00", "澎湃新闻"),
    ("来源：新浪科技 酷勤网收集 2009-11-01", "新浪科技"),
    ("2023-03-08 来源：人民网-《人民日报》", "人民网-《人民日报》"),
    ("来源于：东区办事处 2019-03-06", "东区办事处"),
    ("发布时间：2024-05-13 13:48 来源：中国网 分享到：", "中国网"),
    ("2023-03-08 稿源：滨湖发布", "滨湖发布"),
    ("2023-03-08 出处：江南都市报", "江南都市报"),
    ("2023-03-08 来源：[ 人民网 ]", "人民网"),
    ("2023-03-08 来源：", None),
])
def test_source_cut_at_the_next_field_link_or_date(info, source):
    assert extract(page(info)).source == source


def test_half_cut_brackets_are_balanced():
    assert balance_brackets("人民网-《人民日报") == "人民网-《人民日报》"
    assert balance_brackets("《人民日报》") == "人民日报"
    assert balance_brackets("人民日报》") == "人民日报"
    assert balance_brackets("（北京）新华社") == "（北京）新华社"


@pytest.mark.parametrize("value, names", [
    ("中国企业家》记者 林涛", "林涛"),
    ("本报记者 张三 通讯员 李四", "张三 李四"),
    ("新华网滨湖频道 记者 王五 赵六", "王五 赵六"),
    ("张三", "张三"),
])
def test_role_words_removed_from_names(value, names):
    assert strip_roles(value) == names


def test_author_label_with_an_outlet_prefix():
    art = extract(page("2023-03-08 作者：中国企业家》记者 林涛"))
    assert art.author == "林涛"


def test_unlabelled_media_name_element():
    after = '<div class="art-foot"><span id="media_name">江南都市报</span></div>'
    art = extract(page("2023-03-08", after=after))
    assert art.source == "江南都市报"


def test_closing_attribution_beats_a_header_naming_the_site_itself():
    body = paras(PARAS[:2] + [PARAS[2] + "（来源：滨湖律师事务所）"])
    art = extract(page("时间：2023-03-08 来源：滨湖高新区", body=body))
    assert art.source == "滨湖律师事务所"
    assert art.body.endswith("早日达产见效。")


# -------------------------------------------------------------------------- bodies


def test_related_headlines_closing_the_body_container_are_dropped():
    body = paras() + ('<ul><li><a href="/a/11.html">高新区新材料产业链招商推介会举行</a></li>'
                      '<li><a href="/a/12.html">园区企业研发投入同比增长三成</a></li>'
                      '<li><a href="/a/13.html">滨湖高新区入选省级双创示范基地</a></li></ul>')
    art = extract(page("2023-03-08", body=body))
    assert art.body.split("\n") == PARAS


def test_recommended_links_opening_the_body_container_are_dropped():
    body = ('<div><a href="/t/1.html">推荐：园区招商地图</a> <a href="/t/2.html">政策汇编</a> '
            '<a href="/t/3.html">服务指南</a></div>' + paras())
    art = extract(page("2023-03-08", body=body))
    assert art.body.split("\n") == PARAS


def test_attachment_links_closing_the_body_stay():
    body = paras() + ('<p><a href="/u/1.pdf">申报指南.pdf</a></p><p><a href="/u/2.docx">'
                      '申报表.docx</a></p><p><a href="/u/3.xlsx">项目清单.xlsx</a></p>')
    art = extract(page("2023-03-08", body=body))
    assert "申报指南.pdf" in art.body
    assert {a["url"].rsplit("/", 1)[-1] for a in art.attachments} == {"1.pdf", "2.docx",
                                                                      "3.xlsx"}


@pytest.mark.parametrize("pager", [
    '<div><a href="#">1</a><a href="#">2</a><a href="#">3</a><a href="#">4</a>'
    '<a href="#">下一页</a></div>',
    "<p>[1] [2] [3] [4] [5] [6]</p>",
    "<p>上一页 1 2 3 下一页</p>",
])
def test_in_article_pagers_are_dropped(pager):
    art = extract(page("2023-03-08", body=paras() + pager))
    assert art.body.split("\n") == PARAS


@pytest.mark.parametrize("line", [
    "点击阅读原文",
    "关注公众号：滨湖高新区发布",
    "（原标题：滨湖高新区签约项目总投资超百亿）",
    "原标题：滨湖高新区签约项目总投资超百亿",
    "Tag: 滨湖 招商 新材料",
    "标签：高新区 项目建设",
    "#滨湖高新区# @滨湖发布",
    "《滨湖日报》（ 2023年03月08日 02版）",
    "发送ZS到10000 随时随地看园区新闻",
])
def test_reading_original_follow_us_and_original_title_lines_are_dropped(line):
    art = extract(page("2023-03-08", body=f"<p>{line}</p>" + paras() + f"<p>{line}</p>"))
    assert art.body.split("\n") == PARAS


def test_bylines_at_the_edges_give_the_author():
    body = "<p>滨湖日报记者 张晓明 李文</p>" + paras()
    art = extract(page("2023-03-08", body=body))
    assert art.body.split("\n") == PARAS
    assert art.author == "张晓明 李文"
    closing = extract(page("2023-03-08", body=paras() + "<p>（王晓东）</p>"))
    assert closing.body.split("\n") == PARAS
    assert closing.author == "王晓东"
    credit = extract(page("2023-03-08", body=paras() + "<p>（滨湖网编辑 孙丽）</p>"))
    assert credit.body.split("\n") == PARAS
    assert credit.editor == "孙丽"


def test_real_paragraphs_with_boilerplate_words_stay():
    kept = [
        "主办单位：滨湖高新区管委会",
        "市民可通过微信扫码预约参观新材料产业园。",
        "分享经验的企业代表来自园区的五家专精特新企业。",
        "记者：园区下一步在人才引进方面有哪些打算？",
    ]
    art = extract(page("2023-03-08", body=paras(PARAS + kept)))
    assert art.body.split("\n") == PARAS + kept
    assert art.author is None


def test_a_gov_metadata_table_and_the_repeated_headline_are_cut_from_the_top():
    table = ("<table><tr><td>索 引 号：</td><td>11320000000000000X/2023-00012</td></tr>"
             "<tr><td>成文日期：</td><td>2023年03月06日</td></tr>"
             "<tr><td>发布日期：</td><td>2023年03月08日</td></tr></table>")
    repeated = "<p>滨湖高新区一季度签约</p><p>项目总投资超百亿元</p><p>滨政发〔2023〕5号</p>"
    art = extract(page("发布日期：2023-03-08", body=table + repeated + paras()))
    assert art.body.split("\n") == PARAS


def test_plain_headline_line_above_the_body_when_title_is_the_site_name():
    headline = (f'<table><tr><td><font size="4"><b>{TITLE}</b></font></td></tr>'
                "<tr><td>【2023/03/08 15:05 报道】</td></tr></table>")
    art = extract(page("", title_tag="滨湖新闻网", headline=headline))
    assert art.title == TITLE
    assert art.published_at == "2023-03-08T15:05:00"


def test_outlet_element_ends_a_source_glued_to_the_author():
    info = ('<span class="pubTime">2011年12月15日11:03</span><span class="infoCol">'
            '<span class="where">江南都市报</span><span class="auth">张晓明</span></span>'
            '<span class="infoComm"><a href="#">我要评论(0)</a></span>')
    art = extract(page(info))
    assert art.published_at == "2011-12-15T11:03:00"
    assert art.source == "江南都市报"


def test_poster_label_and_where_you_are_breadcrumb():
    info = "发布者：李明 时间：2012-01-12 15:34:35 来源：滨湖日报"
    art = extract(page(info, before="<div>您所在的位置：首页 &gt; 新闻动态 &gt; 正文</div>"))
    assert (art.published_at, art.source, art.author) == ("2012-01-12T15:34:35", "滨湖日报",
                                                          None)


def test_a_link_to_the_site_address_does_not_make_the_info_line_a_list_item():
    info = ('<a href="http://www.binhu.example.cn/">http://www.binhu.example.cn/</a> '
            "2005-07-18 13:03:17")
    art = extract(page(info, after=RELATED_DATED))
    assert art.published_at == "2005-07-18T13:03:17"


def test_lines_that_only_look_like_bylines_or_pagers_stay():
    kept = ["记者手记", "2023", "12", "（新华社）"]
    art = extract(page("2023-03-08", body=paras(kept[:3] + PARAS + kept[3:])))
    assert art.body.split("\n") == kept[:3] + PARAS + kept[3:]
    assert art.author is None


def test_a_headline_holding_a_label_word_is_not_cut():
    title = "对话园区企业家：时间：就是效益"
    art = extract(page("2023-03-08", title_tag=f"{title}_滨湖高新区",
                       headline=f"<h1>{title}</h1>"))
    assert art.title == title


def test_a_labelled_date_beats_a_date_in_a_line_above_it():
    headline = f"<h1>{TITLE}</h1><h3>2022年12月30日签约仪式回顾</h3>"
    art = extract(page("发布时间：2023-03-08 10:00", headline=headline))
    assert art.published_at == "2023-03-08T10:00:00"


@pytest.mark.parametrize("first, last, author", [
    ("据新华社滨湖电（记者 张晓明）" + PARAS[0], PARAS[2], "张晓明"),
    ("滨湖网讯：（李文 报道）" + PARAS[0], PARAS[2], "李文"),
    (PARAS[0], PARAS[2] + "（记者 王东）", "王东"),
    (PARAS[0], PARAS[2] + "（常晓 马丹 ）", "常晓 马丹"),
    (PARAS[0], PARAS[2] + "（新华社）", None),
])
def test_bylines_inside_the_story_name_the_author_and_stay(first, last, author):
    art = extract(page("2023-03-08", body=paras([first, PARAS[1], last])))
    assert art.author == author
    assert art.body.split("\n") == [first, PARAS[1], last]


def test_outlet_names_ending_in_a_toolbar_word_and_document_qualifiers():
    assert extract(page("2023-03-08 来源：滨湖网评论 分享")).source == "滨湖网评论"
    last = "本办法自发布之日起施行，由管委会经济发展局负责解释（试行）"
    art = extract(page("2023-03-08", body=paras(PARAS + [last])))
    assert art.author is None
    assert art.body.split("\n")[-1] == last


def test_meta_block_after_a_related_list_after_the_body():
    related = "".join(f'<li><span>2019-0{i}-1{i}</span><a href="/a/{i}.html">'
                      f"滨湖高新区园区动态第{i}期</a></li>" for i in range(1, 9))
    after = (f'<div class="related"><h4>相关推荐</h4><ul>{related}</ul></div>'
             '<div class="post-meta">来源：当代园区报 时间：2019-09-23 14:34:05 作者：</div>')
    art = extract(page("", after=after))
    assert art.published_at == "2019-09-23T14:34:05"
    assert art.source == "当代园区报"


def test_meta_block_after_a_long_undated_heading_less_list():
    related = "".join(f'<li><span>2019-0{i % 9 + 1}-1{i % 9}</span><a href="/a/{i}.html">'
                      f"滨湖高新区园区动态第{i}期</a></li>" for i in range(1, 16))
    list_only = f'<div class="list"><ul>{related}</ul></div>'
    after = list_only + '<div class="post-meta">来源：当代园区报 时间：2019-09-23 14:34:05</div>'
    art = extract(page("", after=after))
    assert (art.published_at, art.source) == ("2019-09-23T14:34:05", "当代园区报")
    bare = extract(page("", after=list_only))
    assert (bare.published_at, bare.source) == (None, None)
