"""The matching and character diff, without a database."""
from portal.consultation.drafts import split_draft
from portal.redline.diff import SIMILAR, Unit, char_diff, compare, ratio
from tests.redline.conftest import DRAFT, ISSUED


def units(text: str, base: int) -> list[Unit]:
    return [Unit(base + i, s["kind"], s["number"], s["heading"], s["body"], i)
            for i, s in enumerate(split_draft(text))]


def by_kind(result):
    return [(row["kind"], [r["number"] for r in row["draft"]], [r["number"] for r in row["final"]])
            for row in result["rows"]]


def test_renumbering_rewording_split_added_and_removed():
    result = compare(units(DRAFT, 100), units(ISSUED, 200))
    assert by_kind(result) == [
        ("unchanged", [""], [""]),
        ("unchanged", ["第一条"], ["第一条"]),
        ("changed", ["第二条"], ["第二条"]),
        ("removed", ["第三条"], []),
        ("renumbered", ["第四条"], ["第三条"]),
        ("split", ["第五条"], ["第四条", "第五条"]),
        ("unchanged", ["第六条"], ["第六条"]),
        ("added", [], ["第七条"]),
    ]
    assert result["counts"] == {"unchanged": 3, "renumbered": 1, "changed": 1, "split": 1, "merged": 0,
                                "added": 1, "removed": 1}


def test_merged_articles():
    draft = "第一条 本区设立垃圾分类指导员。\n第二条 指导员由街镇聘用并接受培训。\n第三条 本办法自发布之日起施行。"
    issued = "第一条 本区设立垃圾分类指导员，指导员由街镇聘用并接受培训。\n第二条 本办法自发布之日起施行。"
    rows = by_kind(compare(units(draft, 1), units(issued, 10)))
    assert rows == [("merged", ["第一条", "第二条"], ["第一条"]), ("renumbered", ["第三条"], ["第二条"])]


def test_renumbered_article_with_changes_is_changed_and_counted_as_renumbered():
    draft = "第一条 甲。\n第二条 居住区应当设置生活垃圾分类收集容器。"
    issued = "第一条 居住区应当设置生活垃圾分类收集容器并定期清洗。"
    result = compare(units(draft, 1), units(issued, 10))
    changed = next(r for r in result["rows"] if r["kind"] == "changed")
    assert changed["renumbered"] and changed["draft"][0]["number"] == "第二条"
    assert result["counts"]["renumbered"] == 1 and result["counts"]["removed"] == 1


def test_similarity_threshold_boundary():
    # Same number: matched when the texts share at least SIMILAR of their characters, else the
    # draft article is removed and the issued one added.
    a = "一二三四五六七八九十"
    assert ratio(a, "一二三四五六甲乙丙丁") == SIMILAR  # 6 of 10 characters in common
    kinds = [r["kind"] for r in compare(units("第一条 " + a, 1), units("第一条 一二三四五六甲乙丙丁", 10))["rows"]]
    assert kinds == ["changed"]
    kinds = [r["kind"] for r in compare(units("第一条 " + a, 1), units("第一条 一二三四五甲乙丙丁戊", 10))["rows"]]
    assert kinds == ["removed", "added"]


def test_manual_match_overrides_automatic_one():
    draft, issued = units(DRAFT, 100), units(ISSUED, 200)
    added = next(u for u in issued if u.number == "第七条")
    removed = next(u for u in draft if u.number == "第三条")
    result = compare(draft, issued, {added.id: [removed.id]})
    row = next(r for r in result["rows"] if r["final"] and r["final"][0]["id"] == added.id)
    assert row["kind"] == "changed" and row["draft"][0]["id"] == removed.id
    assert result["counts"]["removed"] == 0 and result["counts"]["added"] == 0
    # An issued article marked as new: its automatic match is dropped.
    first = next(u for u in issued if u.number == "第一条")
    result = compare(draft, issued, {first.id: []})
    assert result["counts"]["added"] == 2 and result["counts"]["removed"] == 2


def test_char_diff_marks_insertions_and_deletions():
    left, right = char_diff("分类投放、收集和处置", "分类投放、运输和处置")
    assert left == [["=", "分类投放、"], ["-", "收集"], ["=", "和处置"]]
    assert right == [["=", "分类投放、"], ["+", "运输"], ["=", "和处置"]]
