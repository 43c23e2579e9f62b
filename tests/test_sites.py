from datetime import UTC
from pathlib import Path

import pytest

from parknews.crawler.sites import SitesError, load_sites, parse_sites, select_sites

REPO = Path(__file__).resolve().parents[1]

MINIMAL = """
[[sites]]
id = "yx"
name = "云溪经开区"
start_urls = ["http://www.yx.gov.cn/xwzx/index.html"]
"""


def test_minimal_site_has_defaults():
    (site,) = parse_sites(MINIMAL)
    assert site.id == "yx"
    assert site.start_urls == ("http://www.yx.gov.cn/xwzx/index.html",)
    assert site.hosts == ("www.yx.gov.cn",)
    assert site.max_pages is None and site.park is None


def test_optional_keys_are_read():
    text = MINIMAL + 'park = "云溪"\nregion = "江苏"\nmax_pages = 3\n'
    text += 'allowed_domains = ["YX.gov.cn"]\nencoding = "gbk"\n'
    (site,) = parse_sites(text)
    assert (site.park, site.region, site.max_pages, site.encoding) == ("云溪", "江苏", 3, "gbk")
    assert site.hosts == ("yx.gov.cn",)


def test_discovery_overrides_are_read():
    text = MINIMAL + 'max_depth = 2\nsitemaps = false\n'
    text += 'article_patterns = ["/item\\\\?no=\\\\d+"]\nlist_patterns = ["from=\\\\d+"]\n'
    (site,) = parse_sites(text)
    assert (site.max_depth, site.sitemaps) == (2, False)
    assert site.article_patterns == (r"/item\?no=\d+",)
    assert site.matches(site.article_patterns, "http://yx.gov.cn/item?no=3")
    assert not site.matches(site.list_patterns, "http://yx.gov.cn/list.htm")


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[sites]\nid='x'", "not valid TOML"),
        ("title = 'x'", "no [[sites]]"),
        ("[[sites]]\nid = 'qw'\nname = '青梧'\n", "site 'qw': missing required key 'start_urls'"),
        ("[[sites]]\nid = 'qw'\nname = '青梧'\nstart_urls = []\n", "site 'qw': start_urls"),
        ("[[sites]]\nid = 'qw'\nname = 'q'\nstart_urls = ['ftp://x/']\n", "not an http(s) URL"),
        ("[[sites]]\nname = 'q'\nstart_urls = ['http://x/']\n",
         "site #1: missing required key 'id'"),
        (MINIMAL + "max_page = 3\n", "site 'yx': unknown key 'max_page'"),
        (MINIMAL + "max_pages = '3'\n", "site 'yx': max_pages has the wrong type"),
        (MINIMAL + "max_pages = 0\n", "max_pages must be at least 1"),
        (MINIMAL + "encoding = 'klingon'\n", "unknown encoding"),
        (MINIMAL + "max_depth = 0\n", "max_depth must be at least 1"),
        (MINIMAL + "sitemaps = 1\n", "sitemaps has the wrong type"),
        (MINIMAL + "article_patterns = ['(unclosed']\n",
         "site 'yx': article_patterns: '(unclosed' is not a valid regular expression"),
        (MINIMAL + "list_patterns = [3]\n", "list_patterns must be a list of regular"),
        (MINIMAL + MINIMAL, "appears more than once"),
        ("[[sites]]\nid = 'a b'\nname = 'q'\nstart_urls = ['http://x/']\n", "id must be"),
    ],
)
def test_bad_sites_files_name_the_problem(text, message):
    with pytest.raises(SitesError) as info:
        parse_sites(text)
    assert message in str(info.value)


def test_missing_file_and_unknown_site_ids(tmp_path):
    with pytest.raises(SitesError, match="sites file not found"):
        load_sites(tmp_path / "nope.toml")
    sites = parse_sites(MINIMAL)
    assert select_sites(sites, []) == sites
    with pytest.raises(SitesError, match="unknown site id.*zz"):
        select_sites(sites, ["zz"])


def test_shipped_sites_file_is_valid():
    sites = load_sites(REPO / "sites.toml")
    ids = {s.id for s in sites}
    assert {"sipac", "wehdz", "whkfq", "bda", "hhtz"} <= ids
    assert all(s.start_urls for s in sites)


def test_schedules_default_and_per_site():
    (site,) = parse_sites(MINIMAL)
    assert site.schedule == "17 6 * * *"
    (site,) = parse_sites('default_schedule = "0 */6 * * *"\n' + MINIMAL)
    assert site.schedule == "0 */6 * * *"
    (site,) = parse_sites(MINIMAL + 'schedule = "*/10 * * * * *"\n')
    assert site.schedule == "*/10 * * * * *"


@pytest.mark.parametrize("text, message", [
    (MINIMAL + 'schedule = "61 * * * *"\n',
     "site 'yx': schedule '61 * * * *' is not a valid cron expression"),
    (MINIMAL + 'schedule = "every day"\n', "5 fields (or 6 with seconds), not 2"),
    ('default_schedule = "* *"\n' + MINIMAL, "schedule '* *' is not a valid cron"),
])
def test_bad_schedules_name_the_problem(text, message):
    with pytest.raises(SitesError) as info:
        parse_sites(text)
    assert message in str(info.value)


def test_crontab_weekdays_start_on_sunday():
    from datetime import datetime

    from parknews.crawler.sites import cron_trigger

    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday, after 08:30
    monday = cron_trigger("0 6 * * 1").get_next_fire_time(None, start)
    assert monday.strftime("%A %H:%M") == "Monday 06:00"
    sunday = cron_trigger("0 6 * * 7").get_next_fire_time(None, start)
    assert sunday.strftime("%A") == "Sunday"
    weekdays = cron_trigger("30 8 * * 1-5").get_next_fire_time(None, start)
    assert weekdays.strftime("%A %H:%M") == "Monday 08:30"


def test_columns_and_skip_columns_are_checked():
    base = '[[sites]]\nid = "yx"\nname = "云溪"\nstart_urls = ["http://www.yx.gov.cn/"]\n'
    (site,) = parse_sites(base + 'columns = ["园区动态", "/xwzx/tzgg/"]\n'
                          'skip_columns = ["视频"]\n')
    assert site.columns == ("园区动态", "/xwzx/tzgg/") and site.skip_columns == ("视频",)
    with pytest.raises(SitesError, match="site 'yx': columns: '\\(' is not a valid regular"):
        parse_sites(base + 'columns = ["("]\n')
    with pytest.raises(SitesError, match="skip_columns has the wrong type"):
        parse_sites(base + 'skip_columns = "视频"\n')
