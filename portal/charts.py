"""Server-rendered SVG bar charts (pygal), shared by the feedback report and the oversight pages.

One series, every bar labelled with its printed value, a ``<title>`` and a ``<desc>`` listing every
value for assistive technology: nothing is told by colour alone. pygal's inline script is removed;
the SVG is served from its own route and shown with ``<img>``, and the pages print the same numbers
in a table beside it.
"""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

from flask_babel import gettext as _


def _pygal():
    """Import pygal, then take its import hook (for the pygal.maps plugins, unused here) out of
    sys.meta_path: it lacks find_spec, so every later import would raise an ImportWarning."""
    import sys

    import pygal

    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]
    return pygal


def narrow_requested() -> bool:
    """``?layout=narrow``: the chart drawn for a phone or for large text (see ``bar_chart_svg``)."""
    from flask import request

    return request.args.get("layout") == "narrow"


def bar_chart_svg(title: str, rows: list[tuple[str, int]], *, show_title: bool = False,
                  print_zeroes: bool = False, narrow: bool = False) -> str:
    """A horizontal bar chart of (label, value) rows as an accessible SVG document.

    ``narrow``: drawn 420 units wide with 20-unit type, so that on a 390 px phone (or in large-text
    mode) the labels are as large as the page's text instead of being scaled down to 6 px."""
    pygal = _pygal()
    from pygal.style import Style

    font = 20 if narrow else 13
    style = Style(background="white", plot_background="white", foreground="#212529",
                  foreground_strong="#212529", foreground_subtle="#4a4f55", colors=("#1f5fa8",),
                  font_family="sans-serif", value_font_size=font + 1, label_font_size=font,
                  major_label_font_size=font, title_font_size=font + 2, no_data_font_size=font + 2,
                  legend_font_size=font, tooltip_font_size=font, value_label_font_size=font)
    chart = pygal.HorizontalBar(style=style, js=[], show_legend=False, width=420 if narrow else 800,
                                height=max(220, 90 + 56 * len(rows)) if narrow else max(200, 70 + 36 * len(rows)),
                                print_values=True, print_zeroes=print_zeroes, no_data_text=_("No data"),
                                truncate_label=8 if narrow else 30, show_x_labels=not narrow,
                                title=title if show_title else None)
    chart.x_labels = [label for label, _n in rows]
    chart.add(title, [n for _l, n in rows])
    svg = chart.render(is_unicode=True)
    svg = re.sub(r"<script.*?</script>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    desc = "; ".join(f"{label}: {n}" for label, n in rows) or _("No data")
    head = f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>'
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1).replace(
        "<svg", '<svg role="img" aria-labelledby="chart-title chart-desc"', 1) + head, svg, count=1)
