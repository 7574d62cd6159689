"""Follow / unfollow, double opt-in, one-click unsubscribe, the subscriptions pages, and the Atom
feeds of events per unit and per topic."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth.routes import safe_next
from ..catalogue.models import Topic, decision_topic
from ..database import commit
from ..errors import DomainError, apply_to_form, form_status, refuse
from ..extensions import db
from ..feeds import FeedEntry, atom_response
from ..pagecache import no_store
from ..security import form_view, signed_token_post
from ..units.models import Unit
from . import bp, tokens
from . import services as svc
from .forms import FollowForm
from .models import Event as SubscriptionEvent
from .models import EventKind, Frequency, Subscriber, Subscription, Target


@bp.app_context_processor
def inject_follow():
    return {"following": lambda target, target_id=0: svc.following(current_user, target, target_id),
            "frequency_choices": Frequency.choices()}


@bp.app_template_filter("subscription_target_label")
def target_label(value: str) -> str:
    return Target.label_of(value)


def _target_from(values) -> svc.TargetInfo:
    raw_id = values.get("target_id") or values.get("id") or "0"
    try:
        target_id = int(raw_id)
    except (TypeError, ValueError):
        abort(404)
    info = svc.describe(values.get("target") or "", target_id)
    if info is None:
        abort(404)
    return info


@bp.route("/subscriptions/new", methods=["GET", "POST"])
@form_view
@no_store
def new():
    """Follow something: the page the follow button of a public page links to."""
    info = _target_from(request.form if request.method == "POST" else request.args)
    form = FollowForm(target=info.target.value, target_id=str(info.target_id))
    anonymous = not current_user.is_authenticated
    if current_user.is_authenticated and svc.following(current_user, info.target.value, info.target_id):
        flash(_("You already follow %(name)s.", name=info.name), "info")
        return redirect(url_for("subscriptions.mine"))
    if form.validate_on_submit():
        try:
            if anonymous:
                svc.follow_by_email(form.email.data, form.name.data, info, form.frequency.data)
            else:
                svc.follow(current_user, info, form.frequency.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            if anonymous:
                return render_template("subscriptions/check_mail.html", info=info)
            flash(_("You now follow %(name)s.", name=info.name), "success")
            return redirect(url_for("subscriptions.mine"))
    return render_template("subscriptions/new.html", form=form, info=info, anonymous=anonymous), form_status()


@bp.route("/subscriptions/follow", methods=["POST"])
@login_required
def follow():
    """The one-button follow of a page (logged in)."""
    info = _target_from(request.form)
    back = safe_next(request.form.get("next")) or info.link
    try:
        svc.follow(current_user, info, request.form.get("frequency") or "instant")
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(_("You now follow %(name)s. Manage what you follow under \"My subscriptions\".", name=info.name), "success")
    return redirect(back)


def _own_subscription(subscription_id: int) -> Subscription:
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None or subscription.subscriber.account_id != current_user.id:
        abort(404)
    return subscription


@bp.route("/subscriptions/<int:subscription_id>/unfollow", methods=["POST"])
@login_required
def unfollow(subscription_id: int):
    subscription = _own_subscription(subscription_id)
    back = safe_next(request.form.get("next")) or url_for("subscriptions.mine")
    svc.remove(current_user, subscription)
    commit()
    flash(_("You no longer follow it."), "success")
    return redirect(back)


@bp.route("/me/subscriptions")
@login_required
def mine():
    subscriber = svc.subscriber_of_account(current_user)
    rows = svc.subscriptions_of(subscriber)
    followed = {(s.target, s.target_id) for s, _info in rows}
    categories = [svc.describe(t, 0) for t in ("consultation", "open_day", "meeting", "feedback")]
    return render_template("subscriptions/mine.html", rows=rows, subscriber=subscriber,
                           categories=[c for c in categories if c and (c.target.value, 0) not in followed],
                           frequency_url=lambda s: url_for("subscriptions.frequency", subscription_id=s.id),
                           unfollow_url=lambda s: url_for("subscriptions.unfollow", subscription_id=s.id))


@bp.route("/me/subscriptions/<int:subscription_id>/frequency", methods=["POST"])
@login_required
def frequency(subscription_id: int):
    subscription = _own_subscription(subscription_id)
    try:
        svc.set_frequency(current_user, subscription, request.form.get("frequency") or "")
    except DomainError as error:
        return refuse(error, url_for("subscriptions.mine"))
    commit()
    flash(_("Saved."), "success")
    return redirect(url_for("subscriptions.mine"))


# --- by signed link (logged out) --------------------------------------------------------------

@bp.route("/subscriptions/confirm/<token>", methods=["GET", "POST"])
@no_store
def confirm(token: str):
    """The double opt-in link: the page asks for a click (a GET never changes anything)."""
    subscription_id = tokens.read_confirmation(token)
    subscription = db.session.get(Subscription, subscription_id) if subscription_id else None
    if subscription is None:
        return render_template("subscriptions/link_invalid.html"), 404
    info = svc.describe(subscription.target, subscription.target_id)
    if request.method == "POST":
        svc.confirm(subscription)
        commit()
        return render_template("subscriptions/confirmed.html", info=info, subscriber=subscription.subscriber,
                               manage_token=tokens.sign("manage", subscription.subscriber_id))
    return render_template("subscriptions/confirm.html", info=info, subscription=subscription, token=token)


def _subscriber_from(purpose: str, token: str) -> Subscriber:
    subscriber_id = tokens.read(purpose, token)
    subscriber = db.session.get(Subscriber, subscriber_id) if subscriber_id else None
    if subscriber is None:
        abort(404)
    return subscriber


@bp.route("/subscriptions/unsubscribe/<token>", methods=["GET", "POST"])
@signed_token_post
@no_store
def unsubscribe(token: str):
    """One-click unsubscribe (RFC 8058): mail clients POST here without a session or CSRF token;
    the signed token in the URL is the authority, and a bad token changes nothing (404)."""
    subscriber = _subscriber_from("unsubscribe", token)
    if request.method == "POST":
        removed = svc.unsubscribe_all(subscriber)
        commit()
        return render_template("subscriptions/unsubscribed.html", removed=removed)
    return render_template("subscriptions/unsubscribe.html", subscriber=subscriber, token=token,
                           rows=svc.subscriptions_of(subscriber))


@bp.route("/subscriptions/manage/<token>")
@no_store
def manage(token: str):
    subscriber = _subscriber_from("manage", token)
    if subscriber.account_id is not None:
        return redirect(url_for("subscriptions.mine"))
    return render_template("subscriptions/manage.html", subscriber=subscriber, token=token,
                           rows=svc.subscriptions_of(subscriber),
                           frequency_url=lambda s: url_for("subscriptions.manage_frequency", token=token,
                                                           subscription_id=s.id),
                           remove_url=lambda s: url_for("subscriptions.manage_remove", token=token, subscription_id=s.id),
                           unsubscribe_token=tokens.sign("unsubscribe", subscriber.id))


def _managed(token: str, subscription_id: int) -> Subscription:
    subscriber = _subscriber_from("manage", token)
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None or subscription.subscriber_id != subscriber.id:
        abort(404)
    return subscription


@bp.route("/subscriptions/manage/<token>/<int:subscription_id>/remove", methods=["POST"])
def manage_remove(token: str, subscription_id: int):
    svc.remove(None, _managed(token, subscription_id))
    commit()
    flash(_("You no longer follow it."), "success")
    return redirect(url_for("subscriptions.manage", token=token))


@bp.route("/subscriptions/manage/<token>/<int:subscription_id>/frequency", methods=["POST"])
def manage_frequency(token: str, subscription_id: int):
    back = url_for("subscriptions.manage", token=token)
    try:
        svc.set_frequency(None, _managed(token, subscription_id), request.form.get("frequency") or "")
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(_("Saved."), "success")
    return redirect(back)


# --- Atom feeds of the events -----------------------------------------------------------------

def _feed(query, title: str, feed_id: str):
    kind = request.args.get("kind") or ""
    if kind:
        if kind not in EventKind.values():
            abort(404)
        query = query.where(SubscriptionEvent.kind == kind)
    events = db.session.scalars(query.order_by(SubscriptionEvent.occurred_at.desc(), SubscriptionEvent.id.desc())
                                .limit(50)).all()
    entries = [FeedEntry(id=f"tag:portal,2026:event-{e.id}", title=f"【{e.kind_label}】{e.title}", link=e.link,
                         updated=e.occurred_at, summary=e.summary, author=e.unit.name if e.unit else "")
               for e in events]
    return atom_response(title, entries, feed_id=feed_id)


@bp.route("/units/<slug>/events.atom")
def unit_feed(slug: str):
    unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
    if unit is None:
        abort(404)
    return _feed(select(SubscriptionEvent).where(SubscriptionEvent.unit_id == unit.id),
                 _("%(unit)s: news", unit=unit.name), f"tag:portal,2026:unit-{unit.id}-events")


@bp.route("/topics/<slug>/events.atom")
def topic_feed(slug: str):
    topic = db.session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        abort(404)
    decisions = select(decision_topic.c.decision_id).where(decision_topic.c.topic_id == topic.id)
    return _feed(select(SubscriptionEvent).where(SubscriptionEvent.decision_id.in_(decisions)),
                 _("Topic %(topic)s: news", topic=topic.name), f"tag:portal,2026:topic-{topic.id}-events")


