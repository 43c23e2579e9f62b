import pytest

from parknews.pipelines.fingerprint import content_hash, normalise_body
from parknews.pipelines.metadata import parse_date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2022-07-05", "2022-07-05"),
        ("发布时间：2022年7月5日 09:30", "2022-07-05T09:30:00"),
        ("2022/7/5 9:30:12", "2022-07-05T09:30:12"),
        ("日期:2022.07.05", "2022-07-05"),
        ("no date here", None),
        ("2022-13-40", None),
        (None, None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_content_hash_ignores_spacing_punctuation_and_width():
    a = "园区招商，再创新高。\n第二段"
    b = "园区招商,再创新高.  第二段 "
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash("园区招商再创新低第二段")
    assert normalise_body("ＡＢＣ１２３") == "abc123"
    assert content_hash("  ，。") is None
