from portal.consultation import similarity
from portal.consultation.drafts import split_draft


def test_split_draft_on_chapters_and_articles_chinese_and_arabic():
    parts = split_draft("前言一段。\n第一章　总则\n第一条　目的。\n续行。\n第二条【适用范围】本区。\n"
                        "第十二章 附则\n第二十五条 施行日期。\n第26条 补充。\n正文中提到第五条的规定不拆分。")
    assert [(p["kind"], p["number"], p["heading"]) for p in parts] == [
        ("text", "", ""), ("chapter", "第一章", "总则"), ("article", "第一条", ""),
        ("article", "第二条", "适用范围"), ("chapter", "第十二章", "附则"),
        ("article", "第二十五条", ""), ("article", "第26条", "")]
    assert parts[2]["body"] == "目的。\n续行。"
    assert parts[3]["body"] == "本区。"
    assert parts[-1]["body"] == "补充。\n正文中提到第五条的规定不拆分。"


def test_normalise_ignores_whitespace_punctuation_and_width():
    assert similarity.normalise("建议 增加，垃圾桶！\nＡＢ") == similarity.normalise("建议增加垃圾桶。ab")
    assert similarity.text_hash("建议增加垃圾桶。") == similarity.text_hash(" 建议，增加 垃圾桶 ")


NEAR = [
    "我们强烈反对在青松小区北门设置垃圾中转站，中转站会产生异味和噪音，严重影响周边居民的正常生活，请重新选址。",
    "我们坚决反对在青松小区北门设置垃圾中转站，中转站会产生异味和噪声，严重影响周边居民的正常生活，请重新选址！",
    "我们强烈反对在青松小区北门设置垃圾中转站。中转站会产生异味和噪音，严重影响周边居民的正常生活和孩子休息，请重新选址。",
]


def test_near_identical_chinese_texts_are_similar_and_share_buckets():
    sets = [similarity.shingles(similarity.normalise(t)) for t in NEAR]
    other = similarity.shingles(similarity.normalise("建议延长厨余垃圾的投放时间，方便上班族晚上投放。"))
    for s in sets[1:]:
        assert similarity.jaccard(sets[0], s) >= 0.5
        assert set(similarity.band_buckets(sets[0])) & set(similarity.band_buckets(s))
    assert similarity.jaccard(sets[0], other) < 0.1
    assert not set(similarity.band_buckets(sets[0])) & set(similarity.band_buckets(other))
