"""Decoding raw page bytes: BOM, header, <meta>, trial decoding, lies and garbage."""

from __future__ import annotations

import codecs

import pytest

from parknews.pipelines.encoding import (
    charset_from_content_type,
    decode_html,
    normalize_charset,
    repair_mojibake,
    sniff_meta_charset,
)

TEXT = "开发区举行重点项目集中开工仪式，二十个项目总投资逾百亿元。"


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>园区新闻</title></head><body><p>{body}</p></body></html>"


def test_gbk_bytes_without_any_declaration_decode_as_gb18030():
    text, encoding = decode_html(page(TEXT).encode("gbk"))
    assert encoding == "gb18030"
    assert TEXT in text


def test_gbk_bytes_with_iso_8859_1_header_are_not_mojibake():
    text, encoding = decode_html(page(TEXT).encode("gbk"), "text/html; charset=ISO-8859-1")
    assert encoding == "gb18030"
    assert TEXT in text


def test_declared_gb2312_is_decoded_as_gb18030():
    # 镕 and 喆 are outside GB2312 but common in names: only the superset has them.
    body = "朱镕基与张喆出席" + TEXT
    data = page(body, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    text, encoding = decode_html(data.encode("gb18030"))
    assert encoding == "gb18030"
    assert body in text


@pytest.mark.parametrize("label", ["gb2312", "GBK", "gb_2312-80", "x-gbk", "GB2312 "])
def test_gb_family_labels_normalise_to_gb18030(label):
    assert normalize_charset(label) == "gb18030"


def test_unknown_labels_are_ignored():
    assert normalize_charset("no-such-charset") is None
    assert charset_from_content_type("text/html") is None
    assert charset_from_content_type('text/html; charset="UTF-8"') == "utf-8"


def test_gb2312_meta_over_utf8_bytes_gives_utf8():
    data = page(TEXT, '<meta charset="gb2312">').encode("utf-8")
    text, encoding = decode_html(data)
    assert encoding == "utf-8"
    assert TEXT in text


def test_script_charset_before_meta_does_not_win():
    head = ('<script charset="utf-8" src="/wayback/toolbar.js"></script>'
            '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    data = page(TEXT, head).encode("gbk")
    assert sniff_meta_charset(data) == "gb18030"
    text, encoding = decode_html(data)
    assert encoding == "gb18030"
    assert TEXT in text


def test_meta_inside_a_comment_is_not_sniffed():
    data = b'<!-- <meta charset="big5"> --><meta charset="utf-8"><p>x</p>'
    assert sniff_meta_charset(data) == "utf-8"


def test_meta_beyond_the_prescan_window_is_not_sniffed():
    data = b"<html><head>" + b" " * 5000 + b'<meta charset="gbk"></head></html>'
    assert sniff_meta_charset(data) is None


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_mark_wins(codec):
    data = page(TEXT, '<meta charset="gbk">').encode(codec)
    text, encoding = decode_html(data, "text/html; charset=gbk")
    assert TEXT in text
    assert not text.startswith("\ufeff")
    assert encoding == ("utf-8" if codec == "utf-8-sig" else codec)


def test_bom_only_utf8():
    assert decode_html(codecs.BOM_UTF8 + "园区".encode()) == ("园区", "utf-8")


def test_header_beats_meta_when_they_conflict():
    data = page(TEXT, '<meta charset="utf-8">').encode("gbk")
    text, encoding = decode_html(data, "text/html; charset=GBK")
    assert encoding == "gb18030"
    assert TEXT in text


def test_header_that_does_not_decode_falls_back_to_meta():
    data = page(TEXT, '<meta charset="gbk">').encode("gbk")
    text, encoding = decode_html(data, "text/html; charset=utf-8")
    assert encoding == "gb18030"
    assert TEXT in text


def test_invalid_bytes_never_raise_and_keep_the_good_text():
    data = page(TEXT).encode("gbk") + b"\xff\xfe\x80" + "结束".encode("gbk")
    text, encoding = decode_html(data)
    assert encoding == "gb18030"
    assert TEXT in text
    assert "\ufffd" in text


def test_garbage_bytes_decode_with_replacement():
    text, encoding = decode_html(bytes(range(128, 256)) * 3)
    assert isinstance(text, str)
    assert encoding


def test_empty_input():
    assert decode_html(b"") == ("", "utf-8")
    assert decode_html(b"", "text/html; charset=gbk") == ("", "gb18030")


def test_plain_ascii_is_utf8():
    assert decode_html(b"<p>hello</p>") == ("<p>hello</p>", "utf-8")


def test_latin1_mojibake_of_gbk_is_repaired():
    mangled = page(TEXT).encode("gbk").decode("latin-1")  # a crawler's wrong guess, saved
    text, encoding = decode_html(mangled.encode("utf-8"))
    assert TEXT in text
    assert encoding == "utf-8+mojibake-gb18030"


def test_real_latin_text_is_not_repaired():
    french = "Café crème brûlée, naïve façade — déjà vu à la française, très élégant."
    assert repair_mojibake(french * 3) is None
    assert decode_html(french.encode())[0] == french


BIG5_TEXT = "北嵐產業園區服務中心：污水處理廠完成擴建，每日處理量增至三萬噸。"


def test_big5_declared_in_meta_decodes_traditional_text():
    page = f'<html><head><meta charset="big5"></head><body><p>{BIG5_TEXT}</p></body></html>'
    text, codec = decode_html(page.encode("big5"))
    assert codec == "big5hkscs"
    assert BIG5_TEXT in text


def test_big5_declared_only_in_the_header():
    page = f"<html><body><p>{BIG5_TEXT}</p></body></html>".encode("big5")
    text, codec = decode_html(page, "text/html; charset=Big5")
    assert codec == "big5hkscs"
    assert BIG5_TEXT in text


TAIPEI_PARK = ("南港軟體園區招商說明會今日舉行，園區管理局表示，今年已有三十二家廠商進駐，"
               "投資金額超過新臺幣一百億元，預計創造兩千個就業機會。")


def test_undeclared_big5_is_told_from_gb18030_by_its_frequent_characters():
    """Big5 bytes also decode as GB18030 (as nonsense); with no declaration the reading
    whose characters are its standard's frequent ones wins."""
    page = f"<html><body><h1>園區新聞</h1><p>{TAIPEI_PARK}</p></body></html>"
    text, codec = decode_html(page.encode("big5"))
    assert (codec, text) == ("big5hkscs", page)
    simplified = f"<html><body><h1>园区新闻</h1><p>{TEXT * 2}</p></body></html>"
    text, codec = decode_html(simplified.encode("gb18030"))  # decodes as Big5 too
    assert simplified.encode("gb18030").decode("big5hkscs") != simplified
    assert (codec, text) == ("gb18030", simplified)


def test_a_few_undeclared_big5_characters_decide_nothing():
    page = "<html><body><p>Nangang Software Park 園區</p></body></html>".encode("big5")
    assert decode_html(page)[1] == "gb18030"  # under BIG5_MIN_CJK: the mainland default


def test_big5_hkscs_characters_are_kept():
    hk = "香港科學園𨋢大樓"  # 𨋢 (lift) is an HKSCS character outside plain Big5
    page = f'<html><head><meta charset="big5"></head><body><p>{hk}</p></body></html>'
    text, _ = decode_html(page.encode("big5hkscs"))
    assert hk in text
