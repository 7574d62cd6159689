"""Server-rendered SVG charts of a published report version (pygal).

The SVG is served from its own route and shown with ``<img>``: pygal's inline script is removed,
a ``<title>`` and ``<desc>`` are added for assistive technology, and the page shows the same
numbers as a table so that the chart is never the only way to read them.
"""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

from flask_babel import gettext as _

from .models import DISPOSITIONS
from .services import DISPOSITION_LABELS, disposition_counts

KINDS = ("dispositions", "sections")


def _pygal():
    """Import pygal, then take its import hook (for the pygal.maps plugins, unused here) out of
    sys.meta_path: it lacks find_spec, so every later import would raise an ImportWarning."""
    import sys

    import pygal

    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]
    return pygal


def chart_data(kind: str, version) -> tuple[str, list[tuple[str, int]]]:
    """The title and (label, count) pairs a chart shows, also used for the table beside it."""
    if kind == "dispositions":
        counts = disposition_counts(version.themes)
        rows = [(str(DISPOSITION_LABELS[d]), counts[d]["items"]) for d in DISPOSITIONS]
        if counts["none"]["items"]:
            rows.append((_("No disposition"), counts["none"]["items"]))
        return _("Comments and opinions per disposition"), rows
    stats = version.statistics
    rows = [(s["label"], s["comments"] + s["offline"]) for s in stats.get("sections", [])]
    if stats.get("general_comments"):
        rows.insert(0, (_("The draft as a whole"), stats["general_comments"]))
    return _("Comments and opinions per section"), rows


def render_svg(kind: str, version) -> str:
    title, rows = chart_data(kind, version)
    pygal = _pygal()
    from pygal.style import Style

    style = Style(background="white", plot_background="white", foreground="#212529",
                  foreground_strong="#212529", foreground_subtle="#6c757d", colors=("#1f5fa8",),
                  font_family="sans-serif")
    chart = pygal.HorizontalBar(style=style, js=[], show_legend=False, width=800,
                                height=max(200, 60 + 40 * len(rows)), print_values=True,
                                no_data_text=_("No data"), truncate_label=30)
    chart.x_labels = [label for label, _n in rows]
    chart.add(title, [n for _l, n in rows])
    svg = chart.render(is_unicode=True)
    svg = re.sub(r"<script.*?</script>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    desc = "; ".join(f"{label}: {n}" for label, n in rows) or _("No data")
    head = f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>'
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1).replace(
        "<svg", '<svg role="img" aria-labelledby="chart-title chart-desc"', 1) + head, svg, count=1)
