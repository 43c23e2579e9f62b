"""Repost clusters: near and exact copies found, hard negatives kept apart, originals
chosen by date, clusters following edits."""

from __future__ import annotations

import unicodedata

import pytest

from parknews.archive import dedup
from parknews.archive.store import ArchiveWriter, Prepared, open_archive

STORY = [
    "5月10日，云溪经开区举行2024年第二批重点项目集中签约仪式，共签约项目18个，总投资126亿元。",
    "本批签约项目涵盖新能源汽车零部件、生物医药、高端装备制造等领域，其中超10亿元项目5个。",
    "经开区管委会主任在致辞中表示，将持续优化营商环境，为企业提供全生命周期服务。",
    "据介绍，今年以来经开区已累计签约项目46个，协议投资额达到352亿元，同比增长21%。",
    "下一步，经开区将建立项目推进专班，确保签约项目早开工、早投产、早见效。",
]


def repost(lines: list[str], source: str = "来源：云溪日报") -> str:
    """A portal's copy: its own 来源 line, a rewritten lead, the last paragraph dropped."""
    lead = lines[0].replace("举行", "隆重举行").replace("共签约", "现场共签约")
    return "\n".join([source, lead, *lines[1:-1], "编辑：王小明"])


def test_a_repost_with_edits_is_the_same_story():
    original = "\n".join(STORY)
    similarity = dedup.same_story(original, repost(STORY))
    assert similarity is not None and 0.5 <= similarity < 1.0
    assert dedup.same_story(original, "\n".join(["来源：别处", *STORY])) == 1.0  # exact


def test_the_same_template_in_another_year_stays_apart():
    template = ("关于组织申报{year}年度云溪经开区科技创新券的通知\n"
                "各有关企业：为鼓励企业加大研发投入，现组织申报{year}年度科技创新券，申报时间为即日起至{year}年6月30日，"
                "请符合条件的企业按要求提交申报材料，逾期不予受理。特此通知。")
    a, b = template.format(year=2025), template.format(year=2026)
    assert dedup.jaccard(dedup.shingles(dedup.normalize_body(a)),
                         dedup.shingles(dedup.normalize_body(b))) > 0.5
    assert dedup.same_story(a, b) is None


def test_weekly_reports_with_the_same_frame_stay_apart():
    frame = ("园区第{week}周安全生产情况通报：本周共检查企业{n}家，发现隐患{h}处，已整改{f}处，"
             "整改率达到{r}%。下周将继续开展重点行业领域专项检查，督促企业落实主体责任。")
    a = frame.format(week=12, n=36, h=14, f=12, r=86)
    b = frame.format(week=13, n=41, h=9, f=9, r=100)
    assert dedup.same_story(a, b) is None


def test_short_bodies_are_never_clustered():
    assert dedup.same_story("详见附件。", "详见附件。") is None
    short = "园区召开会议，部署近期工作。" * 2
    assert dedup.same_story(short, short) is None


@pytest.fixture
def writer(tmp_path):
    db = open_archive(tmp_path / "d.db")
    writer = ArchiveWriter(db, batch_size=1, dedup=True)
    writer.upsert_sites([
        {"id": "yx", "name": "云溪经开区", "park": "云溪经济技术开发区", "region": None,
         "start_urls": ["http://yx/"], "updated_at": "t"},
        {"id": "portal", "name": "园创科技网", "park": None, "region": None,
         "start_urls": ["http://portal/"], "updated_at": "t"},
        {"id": "city", "name": "云溪市政府", "park": None, "region": None,
         "start_urls": ["http://city/"], "updated_at": "t"},
    ])
    return writer


def add(writer, url, site, body, published, fetched="2024-06-01T00:00:00", source=None,
        title="标题"):
    writer.add_article({"url": url, "site_id": site, "title": title, "body": body,
                        "published_at": published, "fetched_at": fetched, "source": source,
                        "content_hash": dedup.normalize_body(body)})


def test_clusters_grow_and_the_earliest_is_the_original(writer):
    db = writer.db
    add(writer, "http://portal/1", "portal", repost(STORY), "2024-05-12T08:00:00",
        source="云溪经开区")
    add(writer, "http://yx/1", "yx", "\n".join(STORY), "2024-05-10T10:00:00")
    add(writer, "http://city/1", "city", "\n".join(["来源：云溪经开区", *STORY]),
        "2024-05-11T10:00:00", source="云溪经开区")
    add(writer, "http://yx/2", "yx", "园区召开安全生产工作会议，全面部署汛期安全防范工作。" * 3,
        "2024-05-10T11:00:00")
    members = {r["url"]: r for r in db["cluster_members"].rows}
    assert set(members) == {"http://portal/1", "http://yx/1", "http://city/1"}
    assert len({r["cluster_id"] for r in members.values()}) == 1
    assert members["http://yx/1"]["is_original"] == 1
    assert members["http://city/1"]["exact"] == 1 and members["http://city/1"]["lag_hours"] == 24
    assert members["http://portal/1"]["lag_hours"] == 46
    assert members["http://portal/1"]["credits_original"] == 1
    (cluster,) = db["clusters"].rows
    assert (cluster["original_url"], cluster["size"], cluster["sites"]) == (
        "http://yx/1", 3, 3)


def test_an_edited_article_is_reevaluated(writer):
    db = writer.db
    add(writer, "http://yx/1", "yx", "\n".join(STORY), "2024-05-10")
    add(writer, "http://portal/1", "portal", repost(STORY), "2024-05-12")
    assert db["cluster_members"].count == 2
    other = ("园创科技网讯：本周园区举办人工智能应用场景对接会，三十余家企业展示了智能质检、"
             "仓储调度和能源管理方案，现场达成合作意向十余项。主办方表示，后续将定期组织"
             "供需对接活动，帮助中小企业找到落地场景，推动新技术在园区率先应用。")
    add(writer, "http://portal/1", "portal", other, "2024-05-12",
        fetched="2024-06-02T00:00:00")  # the portal's page now holds another story
    assert db["cluster_members"].count == 0 and db["clusters"].count == 0


def test_the_lsh_is_rebuilt_from_stored_signatures(writer, tmp_path):
    add(writer, "http://yx/1", "yx", "\n".join(STORY), "2024-05-10")
    writer.close()
    dedup._SHARED_INDEXES.clear()  # as in a new process
    again = ArchiveWriter(open_archive(tmp_path / "d.db"), batch_size=1, dedup=True)
    add(again, "http://portal/1", "portal", repost(STORY), "2024-05-12")
    assert again.db["clusters"].get(1)["original_url"] == "http://yx/1"


@pytest.mark.asyncio
async def test_datasette_repost_views(writer, tmp_path):
    from parknews.archive.publish import make_datasette

    add(writer, "http://yx/1", "yx", "\n".join(STORY), "2024-05-10T10:00:00", title="签约")
    add(writer, "http://portal/1", "portal", repost(STORY), "2024-05-12T10:00:00")
    add(writer, "http://city/1", "city", "\n".join(STORY), "2024-05-11T10:00:00")
    writer.close()
    ds = make_datasette(tmp_path / "d.db")
    rows = (await ds.client.get("/d/repost_clusters.json?_shape=array&site=")).json()
    assert [(r["url"], r["is_original"]) for r in rows] == [
        ("http://yx/1", 1), ("http://city/1", 0), ("http://portal/1", 0)]
    only = (await ds.client.get("/d/repost_clusters.json?_shape=array&site=portal")).json()
    assert len(only) == 3
    matrix = (await ds.client.get("/d/repost_matrix.json?_shape=array")).json()
    assert {(r["original_site"], r["repost_site"], r["reposts"]) for r in matrix} == {
        ("yx", "city", 1), ("yx", "portal", 1)}
    most = (await ds.client.get("/d/most_reposted.json?_shape=array")).json()
    assert most[0]["url"] == "http://yx/1" and most[0]["reposts"] == 2
    page = await ds.client.get("/d/repost_matrix")
    assert page.status_code == 200 and "Who reposts whom" in page.text


def test_the_fold_skips_the_converter_only_when_it_would_change_nothing():
    from parknews.archive import search

    texts = [
        "\n".join(STORY),
        "園區管委會舉行2024年第二批重點項目集中簽約儀式，總投資126億元。",
        "经开区实现5G网络全覆盖，企业反覆测试后答覆：已瞭解相关政策。",  # traditional phrases
        "覆盖全区的服务网络；乾隆年间的老街；於是开始",  # simplified text with 覆/乾/於
        "ＡＢＣ　全角字符　１２３",
        "",
    ]
    for text in texts:  # (_fold takes text already in NFKC)
        nfkc = unicodedata.normalize("NFKC", text)
        assert dedup._fold(nfkc) == search.normalize(text, fold_traditional=True)
    assert not dedup._may_convert("\n".join(STORY))
    assert not dedup._may_convert("实现全覆盖")  # 覆 alone is simplified too
    assert dedup._may_convert("反覆测试") and dedup._may_convert("園區")


def test_stored_signatures_estimate_the_jaccard():
    texts = [dedup.normalize_body(t) for t in ("\n".join(STORY), repost(STORY), STORY[0] * 3)]
    minhashes = [dedup.signature(t) for t in texts]
    signatures = dedup._Signatures(capacity=1)  # grows as needed
    for number, minhash in enumerate(minhashes):
        signatures.add(f"u{number}", minhash.hashvalues)
    estimates = signatures.estimates(minhashes[0].hashvalues, ["u0", "u1", "u2", "gone"])
    assert list(estimates) == [1.0, minhashes[0].jaccard(minhashes[1]),
                               minhashes[0].jaccard(minhashes[2]), 0.0]
    signatures.discard("u1")
    signatures.add("u3", minhashes[1].hashvalues)  # a new row: the old one stays dead
    assert signatures.rows["u3"] == 3 and len(signatures.rows) == 3
    assert list(signatures.alive[:4]) == [True, False, True, True]
    assert signatures.urls[1] is None
    assert signatures.estimates(minhashes[1].hashvalues, ["u3", "u1"]).tolist() == [1.0, 0.0]


def _signature_family(count: int, seed: int = 7) -> list[tuple[str, object]]:
    """``count`` signatures: a few stories, each with copies that drop or change a
    sentence, and unrelated bodies sharing a boilerplate paragraph."""
    import random

    rng = random.Random(seed)
    chars = "园区企业项目投资签约建设发展经济科技创新服务政策产业招商管委会推进落实高新技术"
    boiler = "".join(rng.choice(chars) for _ in range(120))
    out = []
    for number in range(count):
        story = number // 6
        rng_story = random.Random(story)
        sentences = ["".join(rng_story.choice(chars) for _ in range(40)) for _ in range(8)]
        if number % 6:  # a copy: one sentence dropped, one changed
            sentences.pop(rng.randrange(len(sentences)))
            sentences[0] = "".join(rng.choice(chars) for _ in range(40))
        text = "".join(sentences) + (boiler if number % 2 else "")
        out.append((f"u{number}", dedup.signature(text)))
    return out


def test_the_banded_index_proposes_what_datasketch_would(monkeypatch):
    """Without the bucket cap, our bands propose exactly what datasketch's MinHashLSH
    with the same bands and rows proposes, through the small buffer, a merge and a
    full build alike."""
    from datasketch import MinHashLSH

    monkeypatch.setattr(dedup, "BUCKET_CAP", 10**6)
    monkeypatch.setattr(dedup, "MERGE_AT", 50)  # merges twice on the way
    family = _signature_family(130)
    reference = MinHashLSH(num_perm=dedup.NUM_PERM, params=(dedup.BANDS, dedup.ROWS))
    index = dedup._Index()
    for url, minhash in family:
        reference.insert(url, minhash)
        index.add(url, minhash, ())
    assert index.bands.recent_articles == 30 and len(index.bands.keys) == 100 * dedup.BANDS
    rebuilt = dedup._Index()
    rebuilt.load((url, m.hashvalues.astype("uint64").tobytes(), None) for url, m in family)
    proposals = 0
    for _url, minhash in family:
        expected = set(reference.query(minhash))
        assert set(index.query(minhash)) == expected == set(rebuilt.query(minhash))
        proposals += len(expected)
    assert proposals > 3 * len(family)  # stories share buckets: the test means something


def test_an_overfull_bucket_proposes_its_newest_members(monkeypatch):
    monkeypatch.setattr(dedup, "BUCKET_CAP", 5)
    monkeypatch.setattr(dedup, "MERGE_AT", 8)
    minhash = dedup.signature("园区" * 40)
    index = dedup._Index()
    for number in range(12):  # 8 merged, 4 in the buffer
        index.add(f"u{number}", minhash, ())
    assert index.query(minhash) == [f"u{n}" for n in range(7, 12)]
    index.remove("u11")  # a dead row is not proposed (its place is freed at the next merge)
    assert index.query(minhash) == [f"u{n}" for n in range(7, 11)]
    index.add("u3", minhash, ())  # an article indexed again is the newest
    assert index.query(minhash) == ["u8", "u9", "u10", "u3"]
    assert index.candidates("u3", minhash) == ["u8", "u9", "u10"]


def test_a_changed_body_is_not_proposed_by_its_old_signature(monkeypatch):
    monkeypatch.setattr(dedup, "MERGE_AT", 2)
    old, new = dedup.signature("园区招商签约" * 20), dedup.signature("科技创新服务" * 20)
    index = dedup._Index()
    index.add("a", old, ())
    index.add("b", old, ())  # merged
    index.add("a", new, ())
    assert index.query(old) == ["b"] and index.query(new) == ["a"]
    index.add("c", new, ())  # the merge drops a's old pairs
    assert index.query(old) == ["b"] and index.query(new) == ["a", "c"]
    assert len(index.bands.keys) == 3 * dedup.BANDS


def test_an_earlier_copy_becomes_the_original_and_figures_follow(writer):
    db = writer.db
    add(writer, "http://portal/1", "portal", repost(STORY), "2024-05-12T10:00:00")
    add(writer, "http://city/1", "city", "\n".join(["来源：云溪经开区", *STORY]),
        "2024-05-11T10:00:00")
    members = {r["url"]: r for r in db["cluster_members"].rows}
    assert members["http://city/1"]["is_original"] == 1
    assert members["http://portal/1"]["lag_hours"] == 24
    add(writer, "http://yx/1", "yx", "\n".join(STORY), "2024-05-10T10:00:00")
    members = {r["url"]: r for r in db["cluster_members"].rows}
    assert [u for u, r in members.items() if r["is_original"]] == ["http://yx/1"]
    assert members["http://city/1"]["exact"] == 1 and members["http://city/1"]["lag_hours"] == 24
    assert members["http://portal/1"]["lag_hours"] == 48
    (cluster,) = db["clusters"].rows
    assert (cluster["original_url"], cluster["size"], cluster["sites"],
            cluster["first_published_at"]) == ("http://yx/1", 3, 3, "2024-05-10T10:00:00")


def test_members_leaving_update_the_cluster(writer):
    db = writer.db
    other = ("园创科技网讯：本周园区举办人工智能应用场景对接会，三十余家企业展示了智能质检、"
             "仓储调度和能源管理方案，现场达成合作意向十余项。")
    add(writer, "http://yx/1", "yx", "\n".join(STORY), "2024-05-10T10:00:00")
    add(writer, "http://city/1", "city", "\n".join(STORY), "2024-05-11T10:00:00")
    add(writer, "http://portal/1", "portal", repost(STORY), "2024-05-12T10:00:00")
    add(writer, "http://portal/1", "portal", other, "2024-05-12T10:00:00",
        fetched="2024-06-02T00:00:00")  # a copy leaves: the cluster shrinks
    (cluster,) = db["clusters"].rows
    assert (cluster["original_url"], cluster["size"], cluster["sites"]) == (
        "http://yx/1", 2, 2)
    add(writer, "http://portal/2", "portal", repost(STORY), "2024-05-12T10:00:00")
    notice = ("关于开展2024年度园区企业安全生产标准化达标评审工作的通知：各有关企业请于"
              "七月底前完成自评并提交评审申请材料，园区将组织专家分批开展现场评审。")
    add(writer, "http://yx/1", "yx", notice, "2024-05-10T10:00:00",
        fetched="2024-06-02T00:00:00")  # the original leaves: the next earliest is it
    (cluster,) = db["clusters"].rows
    assert (cluster["original_url"], cluster["size"]) == ("http://city/1", 2)
    members = {r["url"]: r for r in db["cluster_members"].rows}
    assert members["http://city/1"]["is_original"] == 1
    assert members["http://portal/2"]["lag_hours"] == 24


def test_incremental_assignment_matches_a_full_recomputation(tmp_path):
    """Clusters grown one article at a time (only the newcomers' rows computed while
    the original stays) hold what recomputing every cluster from scratch gives."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "dedup_pairs.py"
    if "dedup_pairs" not in sys.modules:
        spec = importlib.util.spec_from_file_location("dedup_pairs", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["dedup_pairs"] = module
        spec.loader.exec_module(module)
    pairs = sys.modules["dedup_pairs"]
    writer = ArchiveWriter(open_archive(tmp_path / "g.db"), batch_size=25, dedup=True)
    writer.upsert_sites(pairs.sites())
    rows = list(pairs.corpus(400, seed=3, reposts=0.35))
    for row in rows[::-1]:  # newest first: many copies arrive before their original
        writer.add_article(row)
    writer.flush()
    conn = writer.db.conn
    query = "select * from cluster_members order by url"
    grown = conn.execute(query).fetchall()
    clusters = conn.execute("select cluster_id, original_url, size, sites, "
                            "first_published_at from clusters order by 1").fetchall()
    assert len(clusters) >= 20 and any(c[2] >= 3 for c in clusters)
    for (cluster_id, *_) in clusters:
        writer.dedup._refresh(cluster_id)
    assert conn.execute(query).fetchall() == grown
    assert conn.execute("select cluster_id, original_url, size, sites, first_published_at "
                        "from clusters order by 1").fetchall() == clusters


def test_an_archive_without_stored_digit_runs_gets_them(writer, tmp_path):
    """Signatures stored before ``dedup_signatures.numbers`` existed: the column is
    added, and a candidate's digit runs are computed when it is first met."""
    add(writer, "http://yx/1", "yx", "\n".join(STORY), "2024-05-10")
    writer.close()
    conn = writer.db.conn
    conn.execute("alter table dedup_signatures drop column numbers")
    conn.commit()
    dedup._SHARED_INDEXES.clear()  # as in a new process
    again = ArchiveWriter(open_archive(tmp_path / "d.db"), batch_size=1, dedup=True)
    assert again.dedup.index.numbers == {}
    add(again, "http://portal/1", "portal", repost(STORY), "2024-05-12")
    assert again.db["clusters"].get(1)["original_url"] == "http://yx/1"
    stored = dict(again.db.conn.execute("select url, numbers from dedup_signatures"))
    assert stored["http://yx/1"] == " ".join(sorted(dedup.numbers("\n".join(STORY))))
    assert set(again.dedup.index.numbers) == {"http://yx/1", "http://portal/1"}


def test_an_archive_signed_another_way_is_resigned_from_its_bodies(writer, tmp_path):
    """Signatures made with another n-gram hash (datasketch's SHA-1, before
    ``dedup_state``) cannot be compared with new ones: opening the archive re-signs
    every stored body, and a repost arriving afterwards still finds its original."""
    from datasketch import MinHash

    add(writer, "http://yx/1", "yx", "\n".join(STORY), "2024-05-10")
    writer.close()
    conn = writer.db.conn
    text = dedup.normalize_body("\n".join(STORY))
    old = MinHash(num_perm=dedup.NUM_PERM, seed=1)
    old.update_batch([s.encode("utf-8") for s in dedup.shingles(text)])
    conn.execute("update dedup_signatures set minhash = ?",
                 [old.hashvalues.astype("uint64").tobytes()])
    conn.execute("delete from dedup_state")
    conn.commit()
    dedup._SHARED_INDEXES.clear()  # as in a new process
    again = ArchiveWriter(open_archive(tmp_path / "d.db"), batch_size=1, dedup=True)
    (blob,) = again.db.conn.execute("select minhash from dedup_signatures").fetchone()
    assert blob == dedup.minhash_values(text).tobytes() != old.hashvalues.tobytes()
    assert again.db["dedup_state"].get("shingle_hash")["value"] == dedup.SHINGLE_HASH
    add(again, "http://portal/1", "portal", repost(STORY), "2024-05-12")
    assert again.db["clusters"].get(1)["original_url"] == "http://yx/1"


def test_signatures_estimate_the_jaccard_of_the_ngram_sets():
    """The estimate of our signatures (multiply-shift permutations of hashed n-grams)
    follows the exact Jaccard: unbiased, within the spread 128 permutations allow."""
    import random

    import numpy as np

    rng = random.Random(5)
    chars = ("园区企业项目投资签约建设发展经济科技创新服务政策产业招商管委会推进落实高新技术"
             "一二三四五六七八九十")
    errors, exact = [], []
    for _ in range(120):
        base = "".join(rng.choice(chars) for _ in range(rng.randint(200, 900)))
        cut = rng.randint(0, len(base) // 2)
        other = base[:cut] + "".join(rng.choice(chars) for _ in range(rng.randint(0, 400))) \
            + base[cut + rng.randint(0, len(base) // 2):]
        truth = dedup.jaccard(dedup.shingles(base), dedup.shingles(other))
        errors.append(dedup.signature(base).jaccard(dedup.signature(other)) - truth)
        exact.append(truth)
    assert max(exact) > 0.7 and min(exact) < 0.3  # the pairs span the range
    assert abs(np.mean(errors)) < 0.01 and np.std(errors) < 0.045
    assert max(abs(e) for e in errors) < 0.15
    assert dedup.signature("短").hashvalues.tolist() == [2**32 - 1] * dedup.NUM_PERM


def test_signatures_handed_over_by_workers_are_used_once(writer):
    """Extraction workers hand the writer each body's prepared form and MinHash values
    (``presign``); the writer stores those instead of computing them, once per body."""
    import numpy as np

    body = "\n".join(STORY)
    prepared, hashvalues = dedup.presign(body)
    assert prepared == dedup._prepare(body)
    assert np.array_equal(hashvalues, dedup.signature(prepared.text).hashvalues)
    marked = hashvalues.copy()
    marked[0] = 12345  # a value no computed signature would hold there
    writer.add_article({"url": "http://yx/1", "site_id": "yx", "title": "标题", "body": body,
                        "published_at": "2024-05-10T10:00:00", "fetched_at": "t",
                        "content_hash": dedup.normalize_body(body)},
                       Prepared(body=body, presigned=(prepared, marked)))
    add(writer, "http://city/1", "city", body, "2024-05-11T10:00:00")  # computed afresh
    stored = {r["url"]: np.frombuffer(r["minhash"], dtype=np.uint64)
              for r in writer.db["dedup_signatures"].rows}
    assert stored["http://yx/1"][0] == 12345
    assert np.array_equal(stored["http://city/1"], hashvalues)
    assert len({r["cluster_id"] for r in writer.db["cluster_members"].rows}) == 1
    short_prepared, short_values = dedup.presign("太短了")
    assert short_values is None and len(short_prepared.text) < dedup.MIN_CHARS


def test_indexed_facts_agree_as_the_facts_rule_says():
    """The index's per-candidate check gives what ``facts_agree`` gives on sets."""
    bodies = ["2023年园区产值120亿元，增长8%，签约15个项目",
              "2023年园区产值120亿元，增长8%",
              "2024年园区产值120亿元，增长8%，签约15个项目",
              "2023年、2024年两年产值120亿元，增长8%，签约15个项目，投资30亿元",
              "园区召开会议", "2023年1月5日 2023年园区产值130亿元，增长9%，签约16个项目"]
    runs = [dedup.numbers(body) for body in bodies]
    for a in runs:
        for b in runs:
            facts = dedup._facts(sorted(b) * 2)  # repeated runs are kept once
            assert facts.numbers == tuple(sorted(b))
            expected = dedup.facts_agree(a, b)
            assert facts.agree_with(frozenset(a), dedup.years(a)) is expected, (a, b)
    verdicts = {dedup.facts_agree(a, b) for a in runs for b in runs}
    assert verdicts == {True, False}  # the bodies exercise both answers


def _reference_query(bands, hashvalues):
    """What ``_Bands.query`` answered before issue 22 (every bucket a list; each band's
    merged members after its recent ones, up to BUCKET_CAP), from the same state."""
    import numpy as np

    keys = dedup.band_keys(hashvalues)
    found: list[int] = []
    starts = np.searchsorted(bands.keys, keys, side="left")
    ends = np.searchsorted(bands.keys, keys, side="right")
    for key, start, end in zip(keys.tolist(), starts.tolist(), ends.tolist(), strict=True):
        recent = bands.recent.get(key)
        recent = [] if recent is None else [recent] if isinstance(recent, int) else recent
        room = dedup.BUCKET_CAP
        found.extend(recent[-room:])
        room -= min(room, len(recent))
        if end > start and room:
            found.extend(bands.rows[max(start, end - room):end].tolist())
    return sorted(set(found))


def test_the_bands_answer_as_before_with_buckets_full_merged_and_recent(monkeypatch):
    """The leaner query (one row held as itself, merged buckets looked at only where
    there are any, the band keys as a matrix product) proposes exactly what the loop over
    every band did, whatever mix of merged and recent members and full buckets."""
    import numpy as np

    monkeypatch.setattr(dedup, "BUCKET_CAP", 2)
    monkeypatch.setattr(dedup, "MERGE_AT", 23)  # merged five times, 15 left in the buffer
    family = _signature_family(130)
    values = np.stack([m.hashvalues for _, m in family])
    mixed = (values * np.uint64(0x9E3779B97F4A7C15)).reshape(-1, dedup.BANDS * dedup.ROWS + 17
                                                            )[:, :dedup.BANDS * dedup.ROWS]
    expected = (mixed.reshape(-1, dedup.BANDS, dedup.ROWS).astype(np.uint64)
                * dedup._BAND_MIX).sum(axis=-1, dtype=np.uint64) ^ dedup._BAND_SALT
    assert (dedup.band_keys(mixed) == expected).all()  # large values: products wrap alike
    index = dedup._Index()
    checked = 0
    for number, (url, minhash) in enumerate(family):
        index.add(url, minhash, ())
        if number % 7 == 0:
            index.remove(family[number // 2][0])
        for probe_url, probe in family[max(0, number - 8):number + 1:3]:
            got = index.bands.query(probe.hashvalues).tolist()
            assert got == _reference_query(index.bands, probe.hashvalues)
            checked += len(got)
            # candidates: the live proposals above the estimate floor, by falling
            # estimate, ties in row order (as numpy's stable argsort gave them)
            rows = np.array([r for r in got if index.signatures.alive[r]
                             and r != index.signatures.rows.get(probe_url)], dtype=np.int64)
            if len(rows):
                estimates = index.signatures.row_estimates(probe.hashvalues, rows)
                keep = estimates >= dedup.THRESHOLD - dedup.ESTIMATE_MARGIN
                order = rows[keep][np.argsort(-estimates[keep], kind="stable")]
                expected_urls = [index.signatures.urls[r] for r in order.tolist()]
            else:
                expected_urls = []
            assert index.candidates(probe_url, probe) == expected_urls
    assert len(index.bands.keys) and index.bands.recent_articles == 130 - 5 * 23
    assert any(isinstance(rows, list) and len(rows) > dedup.BUCKET_CAP
               for rows in index.bands.recent.values())  # a full bucket in the buffer
    assert checked > 1000
    assert len(index.candidates(family[-1][0], family[-1][1])) > 1  # an order to keep


def test_cross_group_candidates_are_each_rows_candidates_of_another_group(monkeypatch):
    """After a crawl split across processes, each article's candidates stored by another
    process are found for all articles at once (``reconcile``): the same rows as a call
    of ``candidates`` for each, through full buckets, dead rows, rows outside the run
    (group -1), pairs sure without an estimate and the work cut into steps."""
    import numpy as np

    monkeypatch.setattr(dedup, "BUCKET_CAP", 3)
    monkeypatch.setattr(dedup, "MERGE_AT", 40)
    monkeypatch.setattr(dedup, "PAIRS_AT_ONCE", 64)
    family = _signature_family(150)
    index = dedup._Index()
    for number, (url, minhash) in enumerate(family):
        index.add(url, minhash, ())
        if number % 11 == 5:
            index.remove(family[number - 3][0])
    rows = index.signatures.rows
    group = np.full(len(index.signatures.urls), -1, dtype=np.int16)
    for number, (url, _) in enumerate(family):
        if url in rows and number % 5:  # every fifth article was not stored by this run
            group[rows[url]] = number % 3
    found = index.cross_group_candidates(group)
    assert index.bands.recent_articles == 0  # merged first
    pairs = sure = 0
    for url, minhash in family:
        if url not in rows or group[rows[url]] < 0:
            assert url not in rows or rows[url] not in found
            continue
        own = group[rows[url]]
        expected = sorted(rows[other] for other in index.candidates(url, minhash)
                          if group[rows[other]] >= 0 and group[rows[other]] != own)
        assert sorted(found.get(rows[url], np.zeros(0)).tolist()) == expected
        pairs += len(expected)
        keys = set(dedup.band_keys(minhash.hashvalues).tolist())
        sure += sum(len(keys & set(dedup.band_keys(index.signatures.matrix[other]).tolist()))
                    >= dedup._sure_bands() for other in expected)
    assert pairs > 100 and sure > 10  # copies share enough bands to need no estimate
    assert dedup._sure_bands() * dedup.ROWS / dedup.NUM_PERM >= (
        dedup.THRESHOLD - dedup.ESTIMATE_MARGIN)


def test_cross_group_pairs_sharing_bands_pass_only_at_the_estimate_floor():
    """Two signatures that share k whole bands and nothing else have the estimate
    3k/128: a pair is a candidate from 13 bands (0.305), not at 12 (0.281), whether its
    estimate is computed or its shared bands make it sure."""
    import numpy as np

    rng = np.random.default_rng(5)
    index = dedup._Index()
    width = dedup.BANDS * dedup.ROWS
    for shared in range(1, 16):
        base = rng.integers(1, 2**32, dedup.NUM_PERM, dtype=np.uint64)
        other = rng.integers(1, 2**32, dedup.NUM_PERM, dtype=np.uint64)
        other[:shared * dedup.ROWS] = base[:shared * dedup.ROWS]
        assert not (other[shared * dedup.ROWS:width] == base[shared * dedup.ROWS:width]).any()
        index.add(f"a{shared}", base, ())
        index.add(f"b{shared}", other, ())
    group = np.zeros(len(index.signatures.urls), dtype=np.int16)
    group[1::2] = 1  # the b's stored by the other process
    found = index.cross_group_candidates(group)
    rows, urls = index.signatures.rows, index.signatures.urls
    paired = sorted(int(name[1:]) for name in (urls[row] for row in found) if name[0] == "a")
    assert paired == list(range(13, 16))
    assert all(urls[found[rows[f"a{k}"]][0]] == f"b{k}" for k in paired)
    assert dedup._sure_bands() == 13


def test_a_repost_handed_over_by_workers_is_compared_without_preparing_a_body(
        writer, monkeypatch):
    """The writer compares a new article with its candidates through the prepared forms
    the extraction workers handed over (same_story would prepare both bodies again in the
    crawl process); the cluster is the one same_story gives."""
    original, copy = "\n".join(STORY), repost(STORY)
    for url, site, body, published in (("http://yx/1", "yx", original, "2024-05-10T10:00:00"),
                                       ("http://portal/1", "portal", copy,
                                        "2024-05-12T08:00:00")):
        handed = Prepared(body=body, presigned=dedup.presign(body))

        def not_again(body_):
            raise AssertionError(f"prepared again: {body_[:10]}")

        monkeypatch.setattr(dedup, "_prepare", not_again)
        writer.add_article({"url": url, "site_id": site, "title": "标题", "body": body,
                            "published_at": published, "fetched_at": "t",
                            "content_hash": dedup.normalize_body(body)}, handed)
        monkeypatch.undo()
    members = {r["url"]: r for r in writer.db["cluster_members"].rows}
    assert set(members) == {"http://yx/1", "http://portal/1"}
    assert members["http://yx/1"]["is_original"] == 1
    assert members["http://portal/1"]["similarity"] == round(dedup.same_story(original, copy), 4)
