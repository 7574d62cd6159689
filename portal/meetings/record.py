"""The published record of a meeting (会议记录): attendance, the representatives' opinions, the
unit's response and their adoption, the outcome, and the feedback sent to the representatives."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update

from .. import clock
from ..audit.services import record, snapshot
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..notifications.services import notify
from ..subscriptions import events
from .models import (
    ADOPTION_REASON_REQUIRED,
    Adoption,
    ApplicationStatus,
    Meeting,
    MeetingApplication,
)
from .selection import applications_of

RECORD_FIELDS = ("attended", "opinion", "response", "adoption", "adoption_reason")


def _check_recording(meeting: Meeting) -> None:
    if not meeting.has_started():
        raise RuleViolation(_("The record can be written once the meeting has started."))
    if meeting.record_published_at is not None:
        raise RuleViolation(_("The record of this meeting has been published and can no longer change."))


def record_representative(actor, application: MeetingApplication, data: dict) -> MeetingApplication:
    """Attendance, the representative's opinions, the unit's response and their adoption."""
    _check_recording(application.meeting)
    if application.status != ApplicationStatus.selected:
        raise RuleViolation(_("Only selected representatives have a record."))
    opinion = (data.get("opinion") or "").strip()
    response = (data.get("response") or "").strip()
    adoption = data.get("adoption") or None
    reason = (data.get("adoption_reason") or "").strip()
    if adoption is not None and adoption not in Adoption.values():
        raise UserInputError("adoption", _("Please choose an adoption status."))
    if opinion and not response:
        raise UserInputError("response", _("Please record the unit's response to these opinions."))
    if opinion and adoption is None:
        raise UserInputError("adoption", _("Please record whether these opinions were adopted."))
    if adoption in ADOPTION_REASON_REQUIRED and not reason:
        raise UserInputError("adoption_reason", _("A reason is required when opinions are not or only "
                                                  "partly adopted."))
    before = snapshot(application, RECORD_FIELDS)
    application.attended = bool(data.get("attended"))
    application.opinion = opinion
    application.response = response
    application.adoption = adoption
    application.adoption_reason = reason
    db.session.flush()
    record(actor, "meeting.record_representative", application, unit_id=application.meeting.unit_id,
           before=before, after=snapshot(application, RECORD_FIELDS))
    return application


def update_outcome(actor, meeting: Meeting, outcome: str) -> Meeting:
    _check_recording(meeting)
    outcome = (outcome or "").strip()
    if not outcome:
        raise UserInputError("outcome", _("Please describe the meeting's outcome."))
    before = {"outcome": meeting.outcome}
    meeting.outcome = outcome
    db.session.flush()
    record(actor, "meeting.outcome", meeting, before=before, after={"outcome": outcome})
    return meeting


def publish_record(actor, meeting: Meeting) -> None:
    """Publish the record on the meeting and item pages and give feedback to the representatives."""
    _check_recording(meeting)
    if not meeting.outcome:
        raise RuleViolation(_("Record the meeting's outcome before publishing."))
    representatives = [a for a in applications_of(meeting) if a.status == ApplicationStatus.selected]
    missing = [a for a in representatives if a.attended is None]
    if missing:
        raise RuleViolation(_("Record the attendance of every representative before publishing "
                              "(%(count)s missing).", count=len(missing)))
    now = clock.now()
    result = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.record_published_at.is_(None))
        .values(record_published_at=now).execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise RuleViolation(_("The record of this meeting has been published and can no longer change."))
    db.session.expire(meeting, ["record_published_at"])
    record(actor, "meeting.record_publish", meeting, after={"published_at": now,
                                                          "representatives": len(representatives)})
    events.emit(events.EventKind.meeting_record_published, meeting)
    for application in representatives:
        if application.account is None:
            continue
        if application.opinion:
            body = _("The record of the meeting is published. Your opinions: %(adoption)s. The unit's "
                     "response: %(response)s", adoption=application.adoption_label,
                     response=application.response)
        else:
            body = _("The record of the meeting is published, with the decisions taken and the "
                     "opinions of the representatives.")
        notify(application.account, _("Feedback on the meeting you attended: %(title)s", title=meeting.title),
               body, link=f"/meetings/{meeting.id}", kind="meeting")
