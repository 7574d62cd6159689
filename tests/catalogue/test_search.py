"""Chinese (1-, 2- and longer-character) and Latin/number search over titles, summaries and
backgrounds, through the token index (run on SQLite and on PostgreSQL)."""
import ast
import subprocess
import sys
from pathlib import Path

from sqlalchemy import delete, func, select

from portal import search
from portal.catalogue import services
from portal.extensions import db


def _find(q: str) -> list[str]:
    query = services.public_items(services.Filters(q=q))
    return [item.code for item in db.session.scalars(query)]


def _items(f):
    unit = f.unit()
    f.decision(unit, code="A", title="青松区生活垃圾分类实施方案", summary="湿垃圾就地资源化利用",
               background="")
    f.decision(unit, code="B", title="青松区社区养老服务设施布局规划", summary="社区长者食堂",
               background="60岁以上老年人口占比超过三成")
    f.decision(unit, code="C", title="青松区河道治理规划", summary="骨干河道生态修复，改善水质",
               background="PM2.5 与 5G 基站建设无关的说明")
    f.decision(unit, code="D", title="关于垃圾处理设施的意见", summary="分类收集", background="")


def test_tokens_are_unigrams_bigrams_and_latin_words():
    assert search.tokens("垃圾分类 PM2.5，ＡＢＣ") == {"垃", "圾", "分", "类", "垃圾", "圾分", "分类",
                                                    "pm2", "5", "abc"}
    assert search.parse("垃圾分类").cjk == ("垃圾", "圾分", "分类")
    assert search.parse("养").cjk == ("养",)
    assert search.parse("！？").__bool__() is False


def test_two_character_words(f):
    _items(f)
    assert sorted(_find("垃圾")) == ["A", "D"]
    assert _find("养老") == ["B"]
    assert _find("河道") == ["C"]
    assert _find("电梯") == []


def test_one_character(f):
    _items(f)
    assert _find("养") == ["B"]
    assert sorted(_find("类")) == ["A", "D"]
    assert _find("梯") == []


def test_longer_words_need_all_their_bigrams(f):
    _items(f)
    # D has 垃圾 and 分类 but never 垃圾分类 (no 圾分 bigram).
    assert _find("垃圾分类") == ["A"]
    assert _find("养老服务设施") == ["B"]
    assert _find("垃圾 养老") == []


def test_latin_and_number_words_match_as_prefixes(f):
    _items(f)
    assert _find("pm2.5") == ["C"]
    assert _find("PM") == ["C"]
    assert _find("60") == ["B"]
    assert _find("5G基站") == ["C"]  # mixed Latin and Chinese: every term must match
    assert _find("6g") == [] and _find("5G电梯") == []
    assert _find("xyz") == []


def test_background_is_searched_and_title_ranks_first(f):
    unit = f.unit()
    f.decision(unit, code="BG", title="某项政策", summary="", background="推进加装电梯")
    f.decision(unit, code="TI", title="加装电梯实施意见", summary="", background="")
    assert _find("电梯") == ["TI", "BG"]


def test_index_follows_edits_and_deletes(f):
    item = f.decision(title="青松区停车管理办法", summary="", background="")
    assert _find("停车") == [item.code]
    item.title = "青松区公共交通线网优化方案"
    db.session.flush()
    assert _find("停车") == [] and _find("公交") == [] and _find("交通") == [item.code]
    db.session.delete(item)
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(search.SearchToken)) == 0


def test_punctuation_only_query_does_not_filter(f):
    _items(f)
    assert len(_find("，。！")) == 4


def test_reindex_command_rebuilds_the_index(app, f, runner):
    _items(f)
    db.session.execute(delete(search.SearchToken))
    db.session.commit()
    assert _find("垃圾") == []
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "decision: 4 indexed" in result.output
    assert sorted(_find("垃圾")) == ["A", "D"]


def test_search_has_no_import_cycle():
    """catalogue.models imports search, so search imports nothing but the extensions: not the
    database module (whose init imports every model) nor the CLI (in portal/cli.py)."""
    tree = ast.parse(Path(search.__file__).read_text(encoding="utf-8"))
    relative = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
    absolute = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert relative == {"extensions"} and not {"click", "flask"} & absolute
    for first in ("portal.search", "portal.catalogue.models", "portal.models"):
        done = subprocess.run([sys.executable, "-c", f"import {first}; import portal.search, portal.models"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
