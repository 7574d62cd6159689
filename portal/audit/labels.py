"""The audit log in words (全程留痕、可追溯): a label for every action name the code writes, for
every object type and for the fields of ``before``/``after``, and the page each object lives on.

``tests/audit/test_labels.py`` reads every ``record(...)`` call in the code and fails when an
action has no label here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import Model, db

ACTION_LABELS: dict[str, Any] = {
    # accounts
    "account.create": _l("Create an account"),
    "account.activate": _l("Activate an account"),
    "account.deactivate": _l("Deactivate an account"),
    "account.change_password": _l("Change the password"),
    "account.change_role": _l("Change the role of an account"),
    "account.delete": _l("Delete an account"),
    "account.reset_password": _l("Reset the password"),
    "account.reset_requested": _l("Request a password reset"),
    "account.verification_failed": _l("Enter a wrong verification code"),
    "account.verification_sent": _l("Send a verification code"),
    "account.verify": _l("Verify an account"),
    "account.logout": _l("Sign out everywhere"),
    "unit.create": _l("Create a unit"),
    "unit.update": _l("Edit a unit"),
    "calendar.load_year": _l("Load the working-day calendar"),
    # the catalogue and its decisions
    "topic.create": _l("Create a topic"),
    "topic.update": _l("Edit a topic"),
    "catalogue.submit": _l("Submit the catalogue to the district office"),
    "catalogue.return": _l("Return the catalogue for revision"),
    "catalogue.approve": _l("Approve the catalogue"),
    "catalogue.approval_lapsed": _l("Approval lapsed: catalogue changed after approval"),
    "catalogue.publish": _l("Publish the catalogue"),
    "decision.create": _l("Add a decision item"),
    "decision.update": _l("Edit a decision item"),
    "decision.status": _l("Change the status of a decision item"),
    "decision.result": _l("Record the decision result"),
    "decision.document.add": _l("Add a decision document"),
    "decision.document.remove": _l("Remove a decision document"),
    # consultations and comments
    "consultation.create": _l("Create a consultation"),
    "consultation.update": _l("Edit a consultation"),
    "consultation.publish": _l("Publish a consultation"),
    "consultation.extend": _l("Extend the consultation period"),
    "consultation.offline_record": _l("Record offline opinions"),
    "consultation.section_add": _l("Add a section of the draft"),
    "consultation.section_update": _l("Edit a section of the draft"),
    "consultation.section_delete": _l("Delete a section of the draft"),
    "consultation.section_move": _l("Move a section of the draft"),
    "consultation.sections_replace": _l("Replace the sections of the draft"),
    "comment.submit": _l("Submit a comment"),
    "comment.publish": _l("Publish a comment"),
    "comment.reject": _l("Reject a comment"),
    "comment.redact": _l("Hide personal data in a comment"),
    "comment.campaign_start": _l("Group identical comments as a campaign"),
    # adoption feedback
    "feedback.theme_create": _l("Create a theme of comments"),
    "feedback.theme_update": _l("Edit a theme of comments"),
    "feedback.theme_delete": _l("Delete a theme of comments"),
    "feedback.theme_assign": _l("Assign comments to a theme"),
    "feedback.theme_unassign": _l("Remove comments from a theme"),
    "feedback.theme_disposition": _l("Decide the adoption of a theme"),
    "feedback.report_save": _l("Save the feedback report"),
    "feedback.publish": _l("Publish the feedback report"),
    "feedback.correct": _l("Correct the published feedback report"),
    "feedback.due_corrected": _l("Correct the feedback due date"),
    "feedback.calendar_warning": _l("Warn about a changed working-day calendar"),
    # redline
    "redline.final_text": _l("Enter the issued text"),
    "redline.match": _l("Match an article with the draft"),
    "redline.match_reset": _l("Reset the article matches"),
    "redline.themes": _l("Tie a change to themes"),
    "redline.explain": _l("Explain a change"),
    # meetings
    "meeting.create": _l("Create a meeting"),
    "meeting.update": _l("Edit a meeting"),
    "meeting.extend_signup": _l("Extend the sign-up period"),
    "meeting.apply": _l("Apply to attend a meeting"),
    "meeting.withdraw": _l("Withdraw an application"),
    "meeting.decide": _l("Decide on an application"),
    "meeting.exclude": _l("Exclude an application"),
    "meeting.input_freeze": _l("Freeze the lottery's list of applicants"),
    "meeting.lottery_draw": _l("Draw the lottery"),
    "meeting.promote": _l("Promote a reserve representative"),
    "meeting.selection_publish": _l("Publish the selected representatives"),
    "meeting.record_representative": _l("Record a representative's opinion"),
    "meeting.outcome": _l("Record the meeting's outcome"),
    "meeting.record_publish": _l("Publish the meeting record"),
    # open days
    "open_day.create": _l("Create an open day"),
    "open_day.update": _l("Edit an open day"),
    "open_day.slot_add": _l("Add a time slot"),
    "open_day.register": _l("Register for an open day"),
    "open_day.cancel": _l("Cancel a registration"),
    "open_day.promote": _l("Give a freed seat to the waiting list"),
    "open_day.check_in": _l("Check a visitor in"),
    "open_day.no_shows": _l("Record the visitors who did not come"),
    "open_day.questionnaire": _l("Answer the questionnaire"),
    "open_day.summary_item": _l("Record an item of the summary"),
    "open_day.summary_publish": _l("Publish the open day's summary"),
    "open_day.purge": _l("Delete visitors' personal data"),
    # added with the message board, exports, subscriptions and the yearly assessment
    "board.submit": _l("Leave a message on the message board"),
    "board.transfer": _l("Transfer a message to another unit"),
    "board.simple": _l("Mark a message as simple"),
    "board.reply_draft": _l("Draft a reply to a message"),
    "board.reply_send": _l("Sign off and send a reply"),
    "board.reply_return": _l("Return a draft reply"),
    "board.approver": _l("Set the unit's reply approver"),
    "board.rate": _l("Rate a reply"),
    "board.follow_up": _l("Ask a follow-up question"),
    "board.publish": _l("Publish a message and its reply"),
    "board.unpublish": _l("Withdraw a published message"),
    "board.redact": _l("Hide part of a message"),
    "board.faq": _l("Change a message's place in the FAQ"),
    "board.evaluate": _l("Evaluate a policy"),
    "board.suggestion_seen": _l("Mark a policy suggestion as read"),
    "export.request": _l("Request an export"),
    "export.completed": _l("Finish an export"),
    "export.failed": _l("An export failed"),
    "export.expired": _l("Delete an expired export"),
    "export.download": _l("Download an export"),
    "consultation.export": _l("Export the comments"),
    "comment.reopen": _l("Reopen a rejected comment"),
    "consultation.offline_update": _l("Edit offline opinions"),
    "consultation.offline_delete": _l("Delete offline opinions"),
    "oversight.publish_assessment": _l("Publish the yearly assessment"),
    "oversight.remind": _l("Remind of targets at risk"),
    "subscription.follow": _l("Follow"),
    "subscription.request": _l("Subscribe by email"),
    "subscription.confirm": _l("Confirm a subscription"),
    "subscription.frequency": _l("Change how often emails are sent"),
    "subscription.remove": _l("Unfollow"),
    "subscription.unsubscribe_all": _l("Unsubscribe from everything"),
}

OBJECT_LABELS: dict[str, Any] = {
    "account": _l("Account"),
    "unit": _l("Unit"),
    "calendar_year": _l("Working-day calendar"),
    "topic": _l("Topic"),
    "yearly_catalogue": _l("Yearly catalogue"),
    "decision_item": _l("Decision item"),
    "decision_document": _l("Decision document"),
    "consultation": _l("Consultation"),
    "consultation_section": _l("Section of a draft"),
    "consultation_comment": _l("Comment"),
    "consultation_campaign": _l("Campaign"),
    "consultation_offline_opinion": _l("Offline opinions"),
    "feedback_theme": _l("Theme of comments"),
    "feedback_report": _l("Feedback report"),
    "meeting": _l("Meeting"),
    "meeting_application": _l("Application to a meeting"),
    "open_activity": _l("Open day"),
    "open_slot": _l("Time slot"),
    "open_registration": _l("Open day registration"),
    "open_questionnaire_answer": _l("Questionnaire answer"),
    "open_summary_item": _l("Item of a summary"),
    "redline_final_text": _l("Issued text"),
    "redline_match": _l("Article match"),
    "redline_change_theme": _l("Change and themes"),
    "board_message": _l("Message"),
    "board_evaluation": _l("Policy evaluation"),
    "export_job": _l("Export"),
    "subscription": _l("Subscription"),
    "subscriber": _l("Subscriber"),
    "oversight_assessment": _l("Yearly assessment"),
}

FIELD_LABELS: dict[str, Any] = {
    "status": _l("Status"), "review_status": _l("Review status"), "reason": _l("Reason"),
    "title": _l("Title"), "name": _l("Name"), "code": _l("Code"), "kind": _l("Kind"), "year": _l("Year"),
    "summary": _l("Summary"), "comment": _l("Comments of the district office"), "closes_at": _l("Closes"), "opens_at": _l("Opens"),
    "extension_reason": _l("Reason for the extension"), "short_period_reason": _l("Reason for the short period"),
    "published_at": _l("Published"), "submitted_at": _l("Submitted"), "returned_at": _l("Returned"),
    "approved_at": _l("Approved"), "items": _l("Number of items"), "on_time": _l("On time"),
    "decision_title": _l("Title of the decision document"), "decision_number": _l("Document number"),
    "issue_date": _l("Issue date"), "no_consultation_reason": _l("Reason for not consulting the public"),
    "late": _l("Late"), "by_staff": _l("By the unit"), "role": _l("Role"), "text": _l("Text"),
    "disposition": _l("Adoption"), "starts_at": _l("Starts"), "topics": _l("Topics"),
    "online_url": _l("Online address"),
}

def action_label(action: str) -> str:
    """The words for ``action``; an unknown name (older entries) is shown as it is."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def _status_labels(object_type: str) -> dict[str, str]:
    """The words of the status values each kind of object records (its LabeledEnum)."""
    from ..catalogue.models import CatalogueStage, DecisionStatus
    from ..consultation.models import CommentStatus, ConsultationStatus
    from ..meetings.models import ApplicationStatus
    from ..open_days.models import RegistrationStatus

    enum = {"decision_item": DecisionStatus, "yearly_catalogue": CatalogueStage,
            "consultation": ConsultationStatus, "consultation_comment": CommentStatus,
            "meeting_application": ApplicationStatus, "open_registration": RegistrationStatus}.get(object_type)
    return {value: str(label) for value, label in enum.choices()} if enum is not None else {}


def value_text(value: Any, field: str = "", object_type: str = "") -> str:
    """A value of ``before``/``after`` as text (the JSON holds plain values; lists joined; a
    status in words)."""
    if field in ("status", "review_status") and isinstance(value, str):
        return _status_labels(object_type).get(value, value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_l("yes")) if value else str(_l("no"))
    if isinstance(value, (list, tuple)):
        return "、".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{value_text(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)


@dataclass
class Change:
    field: str
    label: str
    before: str
    after: str


def changes(before: dict | None, after: dict | None, object_type: str = "") -> list[Change]:
    """The fields of an entry as rows of a before/after table (unchanged fields left out when
    both sides are given)."""
    before, after = before or {}, after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    rows = []
    for name in list(before) + [k for k in after if k not in before]:
        old, new = before.get(name), after.get(name)
        if name in before and name in after and old == new:
            continue
        rows.append(Change(name, field_label(name), value_text(old, name, object_type) if name in before else "",
                           value_text(new, name, object_type) if name in after else ""))
    return rows


# --- the objects' names and pages -----------------------------------------------------------------

def _model(tablename: str):
    for mapper in Model.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == tablename:
            return mapper.class_
    return None


_NAME_ATTRS = ("title", "name", "tracking_number", "code")


def _name_of(obj) -> str:
    if getattr(obj, "__tablename__", "") == "yearly_catalogue":
        return f"{obj.unit.short_name if obj.unit else ''} {obj.year}"
    if getattr(obj, "__tablename__", "") == "account":
        return f"{obj.name}" if obj.role != "resident" else f"#{obj.id}"  # no resident's name in the log
    for attr in _NAME_ATTRS:
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    for parent in ("decision", "consultation", "activity", "meeting", "theme"):
        owner = getattr(obj, parent, None)
        if owner is not None and getattr(owner, "title", None):
            return owner.title
    return ""


_LINKS: dict[str, Callable[[Any], str]] = {
    "decision_item": lambda o: url_for("catalogue.staff_item", item_id=o.id),
    "decision_document": lambda o: url_for("catalogue.staff_item", item_id=o.decision_id),
    "yearly_catalogue": lambda o: url_for("catalogue.staff_catalogue", unit_id=o.unit_id, year=o.year),
    "consultation": lambda o: url_for("consultation.staff_detail", consultation_id=o.id),
    "consultation_section": lambda o: url_for("consultation.staff_detail", consultation_id=o.consultation_id),
    "consultation_comment": lambda o: url_for("consultation.staff_moderation", consultation_id=o.consultation_id),
    "consultation_offline_opinion": lambda o: url_for("consultation.staff_offline", consultation_id=o.consultation_id),
    "feedback_theme": lambda o: url_for("feedback.staff_theme", theme_id=o.id),
    "feedback_report": lambda o: url_for("feedback.staff_decision", decision_id=o.decision_id),
    "meeting": lambda o: url_for("meetings.staff_detail", meeting_id=o.id),
    "meeting_application": lambda o: url_for("meetings.staff_application", meeting_id=o.meeting_id,
                                             application_id=o.id),
    "open_activity": lambda o: url_for("open_days.staff_activity", activity_id=o.id),
    "open_slot": lambda o: url_for("open_days.staff_slot", slot_id=o.id),
    "open_registration": lambda o: url_for("open_days.staff_slot", slot_id=o.slot_id),
    "account": lambda o: url_for("admin.account_edit", account_id=o.id),
    "unit": lambda o: url_for("units.admin_edit", unit_id=o.id),
    "topic": lambda o: url_for("catalogue.admin_topic", topic_id=o.id),
    "redline_final_text": lambda o: url_for("redline.staff", item_id=o.decision_id),
}


@dataclass
class ObjectRef:
    type_label: str
    name: str
    url: str | None


def object_refs(entries, *, links: bool = True) -> dict[tuple[str, int], ObjectRef]:
    """The name and page of each object of ``entries``, loaded with one query per object type."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_id is not None:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
    refs: dict[tuple[str, int], ObjectRef] = {}
    for object_type, ids in wanted.items():
        model = _model(object_type) if object_type != "calendar_year" else None
        found = {}
        if model is not None and hasattr(model, "id"):
            found = {o.id: o for o in db.session.scalars(select(model).where(model.id.in_(ids)))}
        for object_id in ids:
            obj = found.get(object_id)
            url = None
            if links and obj is not None and object_type in _LINKS:
                try:
                    url = _LINKS[object_type](obj)
                except Exception:  # an object whose page needs what it no longer has
                    url = None
            name = _name_of(obj) if obj is not None else ""
            refs[(object_type, object_id)] = ObjectRef(object_label(object_type), name, url)
    return refs


def as_text(value: Any) -> str:
    """For exports: a date or time as ISO text, the rest as ``value_text``."""
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else value.isoformat()
    return value_text(value)
