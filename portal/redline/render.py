"""The rows of the public comparison as HTML, built in Python and kept in memory per revision of
the comparison, language and published report version: a 300-article regulation is one string
join instead of thousands of template calls. The markup is the same as the staff page's
(templates/redline/_macros.html): insertions and deletions carry a visually hidden label."""
from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from .models import ChangeKind
from .services import Redline, memo

# Only adopted and partly adopted themes are shown beside a change.
DISPOSITIONS = {"adopted": _l("Adopted"), "partly": _l("Partly adopted")}


def runs(items: list[list[str]], ins_label: str, del_label: str) -> str:
    out = []
    for op, text in items:
        if op == "+":
            out.append(f'<ins><span class="visually-hidden">{ins_label}</span>{escape(text)}</ins>')
        elif op == "-":
            out.append(f'<del><span class="visually-hidden">{del_label}</span>{escape(text)}</del>')
        else:
            out.append(str(escape(text)))
    return "".join(out)


def _numbers(refs: list[dict], preamble: str) -> str:
    return "、".join(str(escape(ref["number"] or preamble))
                    + (" " + str(escape(ref["heading"])) if ref["kind"] == "chapter" and ref["heading"] else "")
                    for ref in refs)


def label(row: dict, preamble: str, became: str) -> str:
    draft, final = row["draft"], row["final"]
    if draft and final and (row["renumbered"] or len(draft) != len(final)):
        return (f'{_numbers(draft, preamble)} <span aria-hidden="true">→</span>'
                f'<span class="visually-hidden">{became}</span> {_numbers(final, preamble)}')
    return _numbers(final or draft, preamble)


def public_rows(view: Redline, version_number: int | None) -> Markup:
    key = ("public-rows", view.final.id, view.final.revision, str(get_locale()), version_number)
    return memo(key, lambda: Markup(_public_rows(view)))


def _public_rows(view: Redline) -> str:
    ins_label, del_label = escape(_("[inserted]")), escape(_("[deleted]"))
    preamble, became = escape(_("Preamble")), escape(_("became"))
    kinds = {value: str(escape(text)) for value, text in ChangeKind.choices()}
    report_url = url_for("feedback.report", decision_id=view.item.id)
    explanations = view.explanations if view.report_published else {}
    out = []
    for row in view.rows:
        kind = kinds[row["kind"]]
        if row["renumbered"] and row["kind"] != "renumbered":
            kind += " · " + kinds["renumbered"]
        why = []
        themes = view.themes_of(row) if view.report_published else []
        if themes:
            why.append('<ul class="list-unstyled mb-0">')
            for theme in themes:
                why.append(f'<li><a href="{report_url}#theme-{theme.id}">{escape(theme.title)}</a><br>'
                           f'<span class="small">{escape(str(DISPOSITIONS.get(theme.disposition or "", "")))} · '
                           f'{escape(_("%(n)s comments", n=theme.comment_count))}</span></li>')
            why.append("</ul>")
        if explanations.get(row["key"]):
            why.append(f'<p class="small mb-0">{escape(explanations[row["key"]])}</p>')
        chapter = " redline-chapter" if row["unit_kind"] == "chapter" else ""
        out.append(
            f'<tr id="row-{escape(row["key"])}" class="redline-row redline-{row["kind"]}{chapter}">'
            f'<th scope="row">{label(row, preamble, became)}<div class="redline-kind">{kind}</div></th>'
            f'<td class="redline-old">{runs(row["old"], ins_label, del_label)}</td>'
            f'<td class="redline-new">{runs(row["new"], ins_label, del_label)}</td>'
            f'<td class="redline-why">{"".join(why)}</td></tr>\n')
    return "".join(out)
