"""Server-rendered SVG charts of a published report version (pygal).

The SVG is served from its own route and shown with ``<img>``: pygal's inline script is removed,
a ``<title>`` and ``<desc>`` are added for assistive technology, and the page shows the same
numbers as a table so that the chart is never the only way to read them.
"""
from __future__ import annotations

from flask_babel import gettext as _

from ..charts import bar_chart_svg
from .models import DISPOSITIONS, Disposition
from .report import disposition_counts

KINDS = ("dispositions", "sections")


def chart_data(kind: str, version) -> tuple[str, list[tuple[str, int]]]:
    """The title and (label, count) pairs a chart shows, also used for the table beside it."""
    if kind == "dispositions":
        counts = disposition_counts(version.themes)
        rows = [(Disposition.label_of(d), counts[d]["items"]) for d in DISPOSITIONS]
        if counts["none"]["items"]:
            rows.append((_("No disposition"), counts["none"]["items"]))
        return _("Comments and opinions per disposition"), rows
    stats = version.statistics
    rows = [(s["label"], s["comments"] + s["offline"]) for s in stats.get("sections", [])]
    if stats.get("general_comments"):
        rows.insert(0, (_("The draft as a whole"), stats["general_comments"]))
    return _("Comments and opinions per section"), rows


def render_svg(kind: str, version, narrow: bool = False) -> str:
    title, rows = chart_data(kind, version)
    return bar_chart_svg(title, rows, narrow=narrow)
