"""Every user-visible string has a Chinese translation, and the catalog is up to date."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh)


def test_every_msgid_has_a_chinese_translation():
    missing = [m.id for m in _catalog() if m.id and (not m.string or "fuzzy" in m.flags)]
    assert not missing, f"{len(missing)} strings lack a zh_CN translation (run bin/i18n): {missing[:20]}"


def test_catalog_holds_every_string_in_the_source(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "--no-location",
                    # babel.cfg's patterns are relative to the input path: extract from the root
                    "--ignore-dirs=.* __pycache__ .venv instance node_modules test-artifacts tests migrations",
                    "."], cwd=ROOT, check=True)
    with pot.open("rb") as fh:
        source = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert len(source) > 200, "extraction found too few strings: is babel.cfg still matching?"
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}
    new = sorted(source - known)
    assert not new, f"{len(new)} strings are not in the catalog yet (run bin/i18n): {new[:20]}"


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)s")
    wrong = [m.id for m in _catalog() if m.id and m.string and isinstance(m.id, str)
             and sorted(pattern.findall(m.id)) != sorted(pattern.findall(m.string))]
    assert not wrong, f"placeholders differ in: {wrong}"
