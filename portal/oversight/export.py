"""XLSX exports (openpyxl): the dashboard, one row per unit with the same figures as the page, and
a unit's yearly report, one sheet per part."""
from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _

from .services import (
    STATE_MARKERS,
    Overview,
    Target,
    TargetState,
    UnitCompliance,
    YearlyReport,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _state(state: str) -> str:
    return f"{STATE_MARKERS[state]} {TargetState.label_of(state)}"


def dashboard_columns() -> list[tuple[str, object]]:
    """(heading, value of a UnitCompliance) of every column, in the page's order."""
    return [
        (_("Unit"), lambda u: u.unit.name),
        (_("Catalogue deadline"), lambda u: u.catalogue.deadline),
        (_("Catalogue published on"), lambda u: u.catalogue.published_on),
        (_("Catalogue items"), lambda u: u.catalogue.item_count),
        (_("Catalogue"), lambda u: _state(u.state_of("catalogue"))),
        (_("Consultations"), lambda u: u.consultations.total),
        (_("Ran the minimum period"), lambda u: u.consultations.long_enough),
        (_("Shorter, with a reason"), lambda u: u.consultations.short_with_reason),
        (_("Shorter, without a reason"), lambda u: u.consultations.short_without_reason),
        (_("Consultation periods"), lambda u: _state(u.state_of("consultations"))),
        (_("Comments published"), lambda u: u.consultations.comments),
        (_("Comments awaiting moderation"), lambda u: u.consultations.pending),
        (_("Decisions issued"), lambda u: u.feedback.issued),
        (_("Feedback on time"), lambda u: u.feedback.on_time),
        (_("Feedback late"), lambda u: u.feedback.late),
        (_("Feedback overdue"), lambda u: u.feedback.overdue),
        (_("Feedback still due"), lambda u: u.feedback.due),
        (_("Provisional due dates"), lambda u: u.feedback.provisional),
        (_("Adoption feedback"), lambda u: _state(u.state_of("feedback"))),
        (_("Meetings counted"), lambda u: u.meetings.counted),
        (_("Meetings held"), lambda u: u.meetings.held),
        (_("Meeting records published"), lambda u: u.meetings.recorded),
        (_("Meetings held without representatives selected"), lambda u: u.meetings.unselected),
        (_("Meetings scheduled"), lambda u: u.meetings.scheduled),
        (_("Meetings target"), lambda u: u.meetings.target),
        (_("Meetings"), lambda u: _state(u.state_of("meetings"))),
        (_("Open days held"), lambda u: u.open_days.open_days),
        (_("Open weeks held"), lambda u: u.open_days.open_weeks),
        (_("Online activities counted (summary published)"), lambda u: u.open_days.online),
        (_("Online activities held without a published summary"), lambda u: u.open_days.awaiting_summary),
        (_("Open activities held without a visitor checked in"), lambda u: u.open_days.empty),
        (_("Open activities scheduled"), lambda u: u.open_days.scheduled + u.open_days.scheduled_weeks),
        (_("Open days or weeks"), lambda u: _state(u.state_of("open_days"))),
        (_("Targets met"), lambda u: u.met_count),
        (_("Targets at risk"), lambda u: u.at_risk_count),
        (_("Targets missed"), lambda u: u.not_met_count),
    ]


def _workbook():
    from openpyxl import Workbook
    from openpyxl.styles import Font

    return Workbook(), Font(bold=True)


def _sheet(sheet, title: str, headings: list[str], rows, bold) -> None:
    sheet.title = title[:31]
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = bold
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "B2"
    for column in sheet.columns:
        width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(10, width * 1.6), 60)


def _bytes(book) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def dashboard_xlsx(overview: Overview) -> bytes:
    book, bold = _workbook()
    columns = dashboard_columns()
    _sheet(book.active, _("Compliance %(year)s", year=overview.year), [h for h, _v in columns],
           ([value(u) for _h, value in columns] for u in overview.units), bold)
    return _bytes(book)


def report_xlsx(report: YearlyReport) -> bytes:
    from ..catalogue.lifecycle import status_label
    from ..meetings.models import MeetingType
    from ..open_days.models import ActivityKind

    book, bold = _workbook()
    figures: UnitCompliance = report.figures
    columns = dashboard_columns()
    summary = book.active
    _sheet(summary, _("Summary"), [_("Figure"), _("Value")],
           ([heading, value(figures)] for heading, value in columns), bold)
    for target in Target:
        summary.append([target.label, _state(figures.state_of(target))])

    _sheet(book.create_sheet(), _("Catalogue"), [_("Code"), _("Title"), _("Status")],
           ([i.code, i.title, status_label(i.status)] for i in report.items), bold)
    _sheet(book.create_sheet(), _("Consultations"),
           [_("Title"), _("Opens"), _("Closes"), _("Days"), _("Reason for a shorter period"),
            _("Comments published"), _("Comments awaiting moderation")],
           ([c.title, c.opens_at, c.closes_at, c.period_days, c.short_period_reason, c.comment_count,
             c.pending_count] for c in report.consultations), bold)
    _sheet(book.create_sheet(), _("Adoption feedback"),
           [_("Decision"), _("Issued on"), _("Due on"), _("Provisional"), _("State"), _("Published on")],
           ([d.item.title, d.item.issue_date, d.due.day, _("yes") if d.provisional else _("no"), d.label,
             d.report.published_at if d.report is not None else None] for d in report.deadlines), bold)
    _sheet(book.create_sheet(), _("Meetings"), [_("Meeting"), _("Type"), _("Time"), _("Stage")],
           ([m.title, MeetingType.label_of(m.meeting_type) or m.meeting_type, m.starts_at,
             m.phase_label(report.overview.now)] for m in report.meetings), bold)
    _sheet(book.create_sheet(), _("Open activities"),
           [_("Activity"), _("Type"), _("Starts"), _("Seats"), _("Confirmed"), _("Waiting list")],
           ([a.title, ActivityKind.label_of(a.kind) or a.kind, a.starts_at, sum(s.capacity for s in a.slots),
             sum(s.confirmed_count for s in a.slots), sum(s.waiting_count for s in a.slots)]
            for a in report.activities), bold)
    return _bytes(book)

