"""The one place where a decision item changes status (every feature calls it)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..audit.services import record
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..subscriptions import events
from .models import (
    REASON_REQUIRED,
    CatalogueChange,
    ChangeKind,
    DecisionEvent,
    DecisionItem,
    DecisionStatus,
    YearlyCatalogue,
    public_decisions,
)


def change_status(item: DecisionItem, new_status: str, actor, reason: str = "", *,
                  announce: bool = True) -> DecisionEvent:
    """Move ``item`` to ``new_status`` if the lifecycle allows it; recorded publicly and audited.
    Followers are told (``catalogue_item_changed``) unless ``announce`` is False: the caller
    announces the same moment itself (a consultation opening moves its item to "consulting").

    Raises RuleViolation for a transition the lifecycle does not allow, and UserInputError on
    field ``reason`` when withdrawing or postponing without a public reason.
    """
    reason = (reason or "").strip()
    if not item.can_move_to(new_status):
        raise RuleViolation(_("An item in state \"%(old)s\" cannot move to \"%(new)s\".",
                              old=status_label(item.status), new=status_label(new_status)))
    check_participation(item, new_status)
    if new_status in REASON_REQUIRED and not reason:
        raise UserInputError("reason", _("A public reason is required to withdraw or postpone an item."))
    old = item.status
    item.status = new_status
    if new_status in REASON_REQUIRED:
        item.status_reason = reason
    event = DecisionEvent(decision=item, from_status=old, to_status=new_status, reason=reason,
                          actor_id=getattr(actor, "id", None))
    db.session.add(event)
    if new_status == DecisionStatus.withdrawn and item.is_major:
        # Withdrawn from a catalogue already published: part of that catalogue's public history.
        catalogue = db.session.scalar(select(YearlyCatalogue).where(
            YearlyCatalogue.unit_id == item.unit_id, YearlyCatalogue.year == item.year))
        if catalogue is not None and catalogue.is_published:
            db.session.add(CatalogueChange(catalogue=catalogue, decision=item, kind=ChangeKind.withdrawn,
                                           reason=reason, actor_id=getattr(actor, "id", None)))
    db.session.flush()
    record(actor, "decision.status", item, before={"status": old},
           after={"status": new_status, "reason": reason})
    if announce and db.session.scalar(select(DecisionItem.id).where(DecisionItem.id == item.id,
                                                                    public_decisions())):
        events.emit(events.EventKind.catalogue_item_changed, item,
                    summary=_("Status: %(status)s", status=status_label(new_status)) + (f"\n{reason}" if reason else ""))
    return event


def participation(item: DecisionItem) -> tuple[bool, bool]:
    """(has a published consultation not yet closed, has a published consultation that closed)."""
    from ..consultation.models import (
        Consultation,  # the consultation feature builds on the catalogue
    )

    now = clock.now()
    periods = db.session.execute(select(Consultation.opens_at, Consultation.closes_at).where(
        Consultation.decision_id == item.id, Consultation.published_at.is_not(None))).all()
    return any(closes > now for _opens, closes in periods), any(closes <= now for _opens, closes in periods)


def check_participation(item: DecisionItem, new_status: str) -> None:
    """The public's participation behind a status (15.3): 征求意见中 needs a published consultation
    that has not closed; 已出台 needs a consultation that has closed, or a public reason for not
    consulting (``item.no_consultation_reason``, shown on the item's hub)."""
    if new_status == DecisionStatus.consulting:
        running, _closed = participation(item)
        if not running:
            raise RuleViolation(_("An item is open for comments only through a consultation: publish a "
                                  "consultation on its draft (the item then moves to \"open for comments\")."))
    elif new_status == DecisionStatus.decided:
        _running, closed = participation(item)
        if not closed and not (item.no_consultation_reason or "").strip():
            raise UserInputError("no_consultation_reason", _(
                "This item has had no public consultation that has closed: give the public reason for "
                "issuing the decision without consulting the public, or consult first."))


def status_label(status: str) -> str:
    return DecisionStatus.label_of(status) or status
