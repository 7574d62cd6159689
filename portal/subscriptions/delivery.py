"""The scheduled side of subscriptions: fan-out, the daily digest, time-driven events, bounces.

- ``fan_out()``: each event not yet fanned out is matched to the confirmed subscriptions of
  subscribers that are not paused; one ``Delivery`` per subscriber (INSERT ... SELECT grouped by
  subscriber, under a unique constraint), then the instant ones are queued in the outbox in batches
  of ``BATCH`` rows. Nothing of this runs in the staff request that caused the event.
- ``send_digests()``: from SUBSCRIPTION_DIGEST_HOUR on, each subscriber with digest deliveries
  gets one email for the day, grouped by unit.
- ``clock_events()``: consultations opening (an announced one reaching its opening time),
  closing within CLOSING_SOON_DAYS, closed; meeting sign-ups opening. Each once (``dedup_key``).
- ``count_delivery()``: the outbox sender reports each attempt; refusals of an address pause it.
"""
from __future__ import annotations

import smtplib
from collections import OrderedDict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, false, func, insert, literal, or_, select, update

from .. import clock
from ..accounts.models import Account
from ..catalogue.models import decision_topic
from ..extensions import db
from ..notifications.models import InboxMessage, OutboxEmail
from ..notifications.sms import MAX_LENGTH, queue_sms
from . import mail, tokens
from .events import emit
from .models import Delivery, Event, EventKind, Frequency, Subscriber, Subscription, Target

BATCH = 2000
CLOSING_SOON_DAYS = 3
# Time-driven events are emitted only for moments this recent: a first run on an old database
# does not announce every consultation that ever closed.
LOOKBACK = timedelta(days=2)


def _matching(event: Event):
    """The condition on Subscription that ``event`` matches."""
    conditions = []
    if event.unit_id is not None:
        conditions.append(and_(Subscription.target == Target.unit.value, Subscription.target_id == event.unit_id))
    if event.decision_id is not None:
        conditions.append(and_(Subscription.target == Target.decision.value,
                               Subscription.target_id == event.decision_id))
        topics = select(decision_topic.c.topic_id).where(decision_topic.c.decision_id == event.decision_id)
        conditions.append(and_(Subscription.target == Target.topic.value, Subscription.target_id.in_(topics)))
    category = EventKind(event.kind).category
    if category in Target.values():
        conditions.append(and_(Subscription.target == category, Subscription.target_id == 0))
    return or_(*conditions) if conditions else false()


def fan_out_event(event: Event) -> tuple[int, int]:
    """Deliveries for one event; returns (deliveries, instant emails and texts queued)."""
    now = clock.now()
    instant = func.max(case((Subscription.frequency == Frequency.instant.value, 1), else_=0))
    already = exists().where(Delivery.event_id == event.id, Delivery.subscriber_id == Subscription.subscriber_id)
    rows = (select(literal(event.id), Subscription.subscriber_id, instant == 1)
            .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
            .where(_matching(event), Subscription.confirmed_at.is_not(None), Subscriber.paused_at.is_(None),
                   ~already)
            .group_by(Subscription.subscriber_id))
    db.session.execute(insert(Delivery).from_select(["event_id", "subscriber_id", "instant"], rows))
    # (counted, not taken from rowcount: psycopg reports -1 for INSERT ... SELECT)
    deliveries = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.event_id == event.id)) or 0
    queued = _queue_instant(event, now)
    event.fanned_out_at = now
    db.session.flush()
    return deliveries, queued


def _sms_text(event: Event) -> str:
    prefix = f"【{event.kind_label}】"
    suffix = _short_suffix()
    room = MAX_LENGTH - len(prefix) - len(suffix)
    title = event.title if len(event.title) <= room else event.title[: max(room - 1, 0)] + "…"
    return prefix + title + suffix


def _short_suffix() -> str:
    from flask_babel import gettext as _

    return _("; details on the portal.")


def _queue_instant(event: Event, now: datetime) -> int:
    """Outbox rows (and texts to accounts with only a mobile) for the instant deliveries, in batches."""
    template = mail.event_mail(event)
    unsub, manage = tokens.signer("unsubscribe"), tokens.signer("manage")
    queued = 0
    last_id = 0
    while True:
        batch = db.session.execute(
            select(Delivery.id, Subscriber.id, Subscriber.email, Subscriber.name, Subscriber.account_id,
                   Account.email, Account.name, Account.mobile)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .outerjoin(Account, Account.id == Subscriber.account_id)
            # keyset on the unique index (event_id, subscriber_id): each batch is one index range
            .where(Delivery.event_id == event.id, Delivery.subscriber_id > last_id, Delivery.instant.is_(True),
                   Delivery.sent_at.is_(None))
            .order_by(Delivery.subscriber_id).limit(BATCH)).all()
        if not batch:
            break
        last_id = batch[-1][1]
        emails, inbox = [], []
        for _delivery_id, subscriber_id, email, name, account_id, account_email, account_name, mobile in batch:
            address = account_email if account_id is not None else email
            links = mail.links_for(subscriber_id, account_id, unsub_signer=unsub, manage_signer=manage)
            if address:
                text, html, headers = template.for_subscriber(account_name if account_id else name, links)
                emails.append({"account_id": account_id, "to_address": address, "subject": template.subject,
                               "body": text, "html_body": html, "headers": headers, "subscriber_id": subscriber_id,
                               "status": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now})
            elif account_id is not None and mobile:  # registered with a mobile only: inbox and a text
                inbox.append({"account_id": account_id, "kind": "subscription", "subject": template.subject,
                              "body": template.text, "link": event.link, "created_at": now})
                queue_sms(db.session, mobile, _sms_text(event))
        if emails:
            db.session.execute(insert(OutboxEmail), emails)
        if inbox:
            db.session.execute(insert(InboxMessage), inbox)
        db.session.execute(update(Delivery).where(Delivery.event_id == event.id, Delivery.instant.is_(True),
                                                  Delivery.subscriber_id <= last_id, Delivery.sent_at.is_(None))
                           .values(sent_at=now).execution_options(synchronize_session=False))
        queued += len(emails) + len(inbox)
    return queued


def fan_out(limit: int = 100, *, commit_each=None) -> tuple[int, int, int]:
    """Fan out pending events, oldest first; returns (events, deliveries, queued). ``commit_each``
    (the CLI passes ``commit``) ends the transaction after each event, so one large event is not
    held back by the next."""
    events = deliveries = queued = 0
    for event in db.session.scalars(select(Event).where(Event.fanned_out_at.is_(None))
                                    .order_by(Event.id).limit(limit)).all():
        d, q = fan_out_event(event)
        events, deliveries, queued = events + 1, deliveries + d, queued + q
        if commit_each is not None:
            commit_each()
    return events, deliveries, queued


# --- the daily digest -------------------------------------------------------------------------

def send_digests() -> int:
    """One digest email per subscriber and day, from SUBSCRIPTION_DIGEST_HOUR on (the job runs
    hourly; a subscriber already served today is skipped). Returns how many were queued."""
    now = clock.now()
    today = now.date()
    if now.hour < int(current_app.config["SUBSCRIPTION_DIGEST_HOUR"]):
        return 0
    subscriber_ids = db.session.scalars(
        select(Delivery.subscriber_id).join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.sent_at.is_(None), Delivery.instant.is_(False), Subscriber.paused_at.is_(None),
               or_(Subscriber.last_digest_on.is_(None), Subscriber.last_digest_on < today))
        .distinct().order_by(Delivery.subscriber_id)).all()
    unsub, manage = tokens.signer("unsubscribe"), tokens.signer("manage")
    sent = 0
    for subscriber_id in subscriber_ids:
        subscriber = db.session.get(Subscriber, subscriber_id)
        assert subscriber is not None
        rows = db.session.execute(
            select(Delivery.id, Event).join(Event, Event.id == Delivery.event_id)
            .where(Delivery.subscriber_id == subscriber_id, Delivery.instant.is_(False), Delivery.sent_at.is_(None))
            .order_by(Event.unit_id, Event.occurred_at, Event.id)).all()
        groups: OrderedDict[int | None, list[Event]] = OrderedDict()
        for _delivery_id, event in rows:
            groups.setdefault(event.unit_id, []).append(event)
        grouped = [(events[0].unit, events) for events in groups.values()]
        links = mail.links_for(subscriber.id, subscriber.account_id, unsub_signer=unsub, manage_signer=manage)
        address = subscriber.address
        if address:
            subject, text, html, headers = mail.digest_mail(subscriber.display_name, today, grouped, links)
            db.session.add(OutboxEmail(account_id=subscriber.account_id, to_address=address, subject=subject,
                                       body=text, html_body=html, headers=headers, subscriber_id=subscriber.id))
        elif subscriber.account is not None:  # a mobile only: the digest goes to the inbox
            subject, text, _html, _headers = mail.digest_mail(subscriber.display_name, today, grouped, links)
            db.session.add(InboxMessage(account_id=subscriber.account_id, kind="subscription",
                                        subject=subject, body=text, link="/me/subscriptions"))
        db.session.execute(update(Delivery).where(Delivery.id.in_([r[0] for r in rows]))
                           .values(sent_at=now).execution_options(synchronize_session=False))
        subscriber.last_digest_on = today
        sent += 1
    db.session.flush()
    return sent


# --- events driven by the clock ---------------------------------------------------------------

def clock_events() -> int:
    """Emit the time-driven events that are due; returns how many were emitted."""
    from ..consultation.models import Consultation
    from ..meetings.models import Meeting

    now = clock.now()
    since = now - LOOKBACK
    emitted = 0
    consultations = db.session.scalars(select(Consultation).where(
        Consultation.published_at.is_not(None),
        or_(Consultation.opens_at.between(since, now), Consultation.closes_at > since))
        .order_by(Consultation.id)).all()
    for consultation in consultations:
        if since <= consultation.opens_at <= now < consultation.closes_at:
            if emit(EventKind.consultation_opened, consultation, dedup_key=f"consultation.opened:{consultation.id}"):
                emitted += 1
        if consultation.opens_at <= now < consultation.closes_at <= now + timedelta(days=CLOSING_SOON_DAYS):
            # keyed by the closing time: an extended consultation is announced again before its new end
            key = f"consultation.closing_soon:{consultation.id}:{consultation.closes_at:%Y%m%d%H%M}"
            if emit(EventKind.consultation_closing_soon, consultation, dedup_key=key,
                    summary=_closing_summary(consultation)):
                emitted += 1
        if since <= consultation.closes_at <= now:
            if emit(EventKind.consultation_closed, consultation, dedup_key=f"consultation.closed:{consultation.id}"):
                emitted += 1
    meetings = db.session.scalars(select(Meeting).where(Meeting.signup_opens_at.between(since, now),
                                                        Meeting.signup_closes_at > now)).all()
    for meeting in meetings:
        if emit(EventKind.meeting_signup_opened, meeting, dedup_key=f"meeting.signup_opened:{meeting.id}"):
            emitted += 1
    return emitted


def _closing_summary(consultation) -> str:
    from flask_babel import gettext as _

    return _("Comments are accepted until %(closes)s.", closes=consultation.closes_at.strftime("%Y-%m-%d %H:%M"))


# --- bounces and refusals ---------------------------------------------------------------------

def is_address_failure(error: BaseException) -> bool:
    """A refusal of the address itself (unknown mailbox, rejected recipient: SMTP 5xx), not a
    network or server outage, which would otherwise pause every subscriber at once."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def count_delivery(item: OutboxEmail, error: BaseException | None) -> None:
    """Outbox listener: a delivered email clears the address's count; a refusal adds one, and the
    SUBSCRIPTION_PAUSE_AFTER_FAILURES-th in a row pauses the subscriber (nothing more is sent
    until they confirm or follow again)."""
    if item.subscriber_id is None:
        return
    if error is None:
        db.session.execute(update(Subscriber).where(Subscriber.id == item.subscriber_id, Subscriber.failures > 0)
                           .values(failures=0).execution_options(synchronize_session=False))
        return
    if not is_address_failure(error):
        return
    limit = int(current_app.config["SUBSCRIPTION_PAUSE_AFTER_FAILURES"])
    db.session.execute(update(Subscriber).where(Subscriber.id == item.subscriber_id)
                       .values(failures=Subscriber.failures + 1).execution_options(synchronize_session=False))
    db.session.execute(update(Subscriber).where(Subscriber.id == item.subscriber_id, Subscriber.failures >= limit,
                                                Subscriber.paused_at.is_(None))
                       .values(paused_at=clock.now()).execution_options(synchronize_session=False))
