"""Server-rendered SVG charts (pygal) of the compliance figures, per unit and per month.

Each chart has a single series, every bar carries its label and its printed value, and the SVG has
a ``<title>`` and a ``<desc>`` listing every value: nothing is told by colour. The SVG is served
from its own route and shown with ``<img>`` (pygal's inline script is removed for the CSP), and the
page prints the same numbers in a table beside it.
"""
from __future__ import annotations

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from ..charts import bar_chart_svg
from .services import MONTHS, Overview

UNIT_CHARTS = {
    "unit-comments": _l("Published comments per unit"),
    "unit-meetings": _l("Meetings with public representatives held per unit"),
    "unit-open-activities": _l("Open days and open weeks held per unit"),
}
MONTH_CHARTS = {
    "month-consultations": _l("Consultations opened per month"),
    "month-comments": _l("Published comments per month the consultation opened"),
    "month-meetings": _l("Meetings with public representatives held per month"),
    "month-open-activities": _l("Open activities held per month"),
}
KINDS = (*UNIT_CHARTS, *MONTH_CHARTS)
# The heading of the value column in the table beside each chart.
VALUE_HEADINGS = {
    "unit-comments": _l("Comments published"), "month-comments": _l("Comments published"),
    "unit-meetings": _l("Meetings held"), "month-meetings": _l("Meetings held"),
    "unit-open-activities": _l("Open activities held"), "month-open-activities": _l("Open activities held"),
    "month-consultations": _l("Consultations opened"),
}


def month_label(year: int, month: int) -> str:
    from datetime import date

    return format_date(date(year, month, 1), "MMM")


def chart_data(kind: str, overview: Overview, unit_id: int | None = None) -> tuple[str, list[tuple[str, int]]]:
    """The title and the (label, value) rows of a chart: the same rows fill the table beside it."""
    if kind in UNIT_CHARTS:
        units = overview.units
        values = {
            "unit-comments": lambda u: u.consultations.comments,
            "unit-meetings": lambda u: u.meetings.held,
            "unit-open-activities": lambda u: u.open_days.open_days + u.open_days.open_weeks,
        }[kind]
        return str(UNIT_CHARTS[kind]), [(u.unit.short_name, values(u)) for u in units]
    if kind in MONTH_CHARTS:
        series = overview.by_month(kind.removeprefix("month-").replace("-", "_"), unit_id)
        return str(MONTH_CHARTS[kind]), [(month_label(overview.year, m), series[m - 1]) for m in MONTHS]
    raise KeyError(kind)


def render_svg(title: str, rows: list[tuple[str, int]], narrow: bool = False) -> str:
    return bar_chart_svg(title, rows, show_title=True, print_zeroes=True, narrow=narrow)
