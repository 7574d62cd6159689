"""Following and unfollowing: accounts at once, email addresses after a confirmation link."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit.services import record
from ..catalogue.models import DecisionItem, Topic
from ..database import savepoint
from ..errors import RuleViolation, UserInputError
from ..extensions import db
from ..textutil import mask_email
from ..units.models import Unit
from . import mail
from .models import FREQUENCIES, Frequency, Subscriber, Subscription, Target

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


@dataclass
class TargetInfo:
    target: Target
    target_id: int
    name: str        # 青松区发展和改革委员会 / 营商环境 / the item's title / 全部征求意见
    link: str        # its page


def describe(target: str, target_id: int | None) -> TargetInfo | None:
    """The followable thing named by (``target``, ``target_id``), or None when there is no such thing."""
    try:
        kind = Target(target)
    except ValueError:
        return None
    if not kind.needs_id:
        links = {Target.consultation: "/consultations", Target.open_day: "/open-days",
                 Target.meeting: "/meetings", Target.feedback: "/feedback"}
        return TargetInfo(kind, 0, kind.label, links[kind])
    if target_id is None or not 0 < target_id < 2**31:
        return None
    if kind == Target.unit:
        unit = db.session.get(Unit, target_id)
        return TargetInfo(kind, unit.id, unit.name, f"/units/{unit.slug}") if unit else None
    if kind == Target.topic:
        topic = db.session.get(Topic, target_id)
        return TargetInfo(kind, topic.id, topic.name, f"/catalogue?topic={topic.slug}") if topic else None
    from ..catalogue.services import is_public

    item = db.session.get(DecisionItem, target_id)
    if item is None or not is_public(item):
        return None
    return TargetInfo(kind, item.id, item.title, f"/decisions/{item.id}")


def _check_frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise UserInputError("frequency", _("Choose how often you want to be told."))
    return frequency


def subscriber_of_account(account, *, create: bool = False) -> Subscriber | None:
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.account_id == account.id))
    if subscriber is None and create:
        subscriber = Subscriber(account_id=account.id)
        with savepoint():
            db.session.add(subscriber)
            db.session.flush()
    return subscriber


def _existing(subscriber: Subscriber, info: TargetInfo) -> Subscription | None:
    return db.session.scalar(select(Subscription).where(
        Subscription.subscriber_id == subscriber.id, Subscription.target == info.target.value,
        Subscription.target_id == info.target_id))


def follow(account, info: TargetInfo, frequency: str = Frequency.instant.value) -> Subscription:
    """An account follows ``info`` (confirmed at once: the account's address is verified)."""
    _check_frequency(frequency)
    subscriber = subscriber_of_account(account, create=True)
    assert subscriber is not None
    subscription = _existing(subscriber, info)
    if subscription is not None:
        raise RuleViolation(_("You already follow %(name)s.", name=info.name))
    subscription = Subscription(subscriber_id=subscriber.id, target=info.target.value, target_id=info.target_id,
                                frequency=frequency, confirmed_at=clock.now())
    try:
        with savepoint():
            db.session.add(subscription)
            db.session.flush()
    except IntegrityError:
        raise RuleViolation(_("You already follow %(name)s.", name=info.name)) from None
    if subscriber.paused_at is not None:  # a new follow from the account itself: the address works again
        subscriber.paused_at, subscriber.failures = None, 0
    record(account, "subscription.follow", subscription,
           after={"target": info.target.value, "target_id": info.target_id, "frequency": frequency})
    return subscription


def follow_by_email(email: str, name: str, info: TargetInfo, frequency: str) -> Subscription:
    """Someone without an account asks to follow ``info``: the subscription counts once the link
    mailed to ``email`` is opened and confirmed. The answer is the same whether or not the address
    already follows it (no one learns what another address follows)."""
    email = (email or "").strip().lower()
    name = (name or "").strip()
    if not re.match(EMAIL_PATTERN, email) or len(email) > 254:
        raise UserInputError("email", _("Enter a valid email address, e.g. name@example.com."))
    if len(name) > 50:
        raise UserInputError("name", _("At most 50 characters."))
    _check_frequency(frequency)
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
    if subscriber is None:
        subscriber = Subscriber(email=email, name=name)
        try:
            with savepoint():
                db.session.add(subscriber)
                db.session.flush()
        except IntegrityError:
            subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
            assert subscriber is not None
    elif name and not subscriber.name:
        subscriber.name = name
    subscription = _existing(subscriber, info)
    if subscription is None:
        subscription = Subscription(subscriber_id=subscriber.id, target=info.target.value,
                                    target_id=info.target_id, frequency=frequency)
        try:
            with savepoint():
                db.session.add(subscription)
                db.session.flush()
        except IntegrityError:
            subscription = _existing(subscriber, info)
            assert subscription is not None
    if not subscription.is_confirmed:
        subscription.frequency = frequency
        mail.queue_confirmation(subscriber, subscription, info)
    record(None, "subscription.request", subscription,
           after={"target": info.target.value, "target_id": info.target_id, "email": mask_email(email)})
    return subscription


def confirm(subscription: Subscription) -> bool:
    """Confirm an emailed subscription (double opt-in); False when it was already confirmed."""
    if subscription.is_confirmed:
        return False
    subscription.confirmed_at = clock.now()
    subscriber = subscription.subscriber
    if subscriber.paused_at is not None:  # confirmed by a click: the address works again
        subscriber.paused_at, subscriber.failures = None, 0
    db.session.flush()
    record(None, "subscription.confirm", subscription, after={"confirmed_at": subscription.confirmed_at})
    return True


def set_frequency(actor, subscription: Subscription, frequency: str) -> None:
    _check_frequency(frequency)
    before = subscription.frequency
    subscription.frequency = frequency
    db.session.flush()
    record(actor, "subscription.frequency", subscription, before={"frequency": before},
           after={"frequency": frequency})


def remove(actor, subscription: Subscription) -> None:
    record(actor, "subscription.remove", subscription,
           before={"target": subscription.target, "target_id": subscription.target_id})
    db.session.delete(subscription)
    db.session.flush()


def unsubscribe_all(subscriber: Subscriber) -> int:
    """One-click unsubscribe: every subscription of the address ends; returns how many."""
    ids = [s.id for s in subscriber.subscriptions]
    if ids:
        db.session.execute(delete(Subscription).where(Subscription.id.in_(ids)))
        db.session.expire(subscriber, ["subscriptions"])
    record(None, "subscription.unsubscribe_all", subscriber, after={"removed": len(ids)})
    return len(ids)


def following(account, target: str, target_id: int) -> Subscription | None:
    if account is None or not getattr(account, "is_authenticated", False):
        return None
    return db.session.scalar(select(Subscription).join(Subscriber).where(
        Subscriber.account_id == account.id, Subscription.target == target, Subscription.target_id == target_id))


def subscriptions_of(subscriber: Subscriber | None) -> list[tuple[Subscription, TargetInfo | None]]:
    if subscriber is None:
        return []
    return [(s, describe(s.target, s.target_id)) for s in subscriber.subscriptions]
