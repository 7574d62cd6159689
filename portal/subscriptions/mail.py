"""The wording of subscription emails, as a government office writes them: a greeting by name
(王建刚您好：), what happened with its link, the unit's name and contact at the end, then the links to
manage every subscription and to unsubscribe with one click. Text and HTML parts; every link is
absolute from PORTAL_BASE_URL.

The fan-out builds one email per subscriber for an event: the part about the event is rendered
once, and only the greeting and the signed links change from one subscriber to the next.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from .. import clock
from ..notifications.services import queue_email
from ..urls import absolute_url
from . import tokens


def greeting(name: str) -> str:
    name = (name or "").strip()
    return _("%(name)s, hello:", name=name) if name else _("Hello:")


def unit_signature(unit) -> list[str]:
    """The unit's name and how to reach it (lines), then the date."""
    lines = []
    if unit is not None:
        lines.append(unit.name)
        if unit.phone:
            lines.append(_("Phone: %(phone)s", phone=unit.phone))
        if unit.email:
            lines.append(_("Email: %(email)s", email=unit.email))
    else:
        lines.append(_("Public Participation Portal"))
    lines.append(_("%(year)s-%(month)s-%(day)s", year=clock.today().year, month=clock.today().month,
                   day=clock.today().day))
    return lines


def list_headers(unsubscribe_url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: mail clients POST ``List-Unsubscribe=One-Click`` to the URL."""
    return {"List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@dataclass
class Links:
    manage: str
    unsubscribe: str


def links_for(subscriber_id: int, account_id: int | None, *, unsub_signer=None, manage_signer=None) -> Links:
    unsub = (unsub_signer or tokens.signer("unsubscribe")).dumps(subscriber_id)
    if account_id is not None:
        manage = absolute_url("/me/subscriptions")
    else:
        manage = absolute_url("/subscriptions/manage/" + (manage_signer or tokens.signer("manage")).dumps(subscriber_id))
    return Links(manage=manage, unsubscribe=absolute_url("/subscriptions/unsubscribe/" + unsub))


def footer_text(links: Links) -> str:
    return "\n".join(["——", _("Manage all your subscriptions: %(url)s", url=links.manage),
                      _("Unsubscribe from all with one click: %(url)s", url=links.unsubscribe),
                      _("This email was sent automatically; please do not reply to it.")])


def footer_html(links: Links) -> str:
    return Markup('<hr><p style="font-size:12px;color:#555">{manage}<br>{unsub}<br>{auto}</p>').format(
        manage=Markup('<a href="{0}">{1}</a>').format(links.manage, _("Manage all your subscriptions")),
        unsub=Markup('<a href="{0}">{1}</a>').format(links.unsubscribe, _("Unsubscribe from all with one click")),
        auto=_("This email was sent automatically; please do not reply to it."))


def html_page(greeting_text: str, body_html: str, signature: list[str], footer: str) -> str:
    sign = Markup("<br>").join(escape(line) for line in signature)
    return str(Markup('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head>'
                      '<body style="font-family:sans-serif;line-height:1.6"><p>{greeting}</p>{body}'
                      '<p style="text-align:right">{sign}</p>{footer}</body></html>').format(
        greeting=greeting_text, body=Markup(body_html), sign=sign, footer=Markup(footer)))


# --- one event, many subscribers --------------------------------------------------------------

NAME, MANAGE, UNSUBSCRIBE = "\x1bNAME\x1b", "\x1bMANAGE\x1b", "\x1bUNSUB\x1b"


@dataclass
class EventMail:
    """The parts of an event's email that are the same for every subscriber. The text and HTML
    are rendered once with markers; ``for_subscriber`` only puts in the greeting and the two signed
    links (the fan-out calls it 100,000 times for a large event)."""

    subject: str
    text: str   # after the greeting, before the footer
    html: str

    def __post_init__(self) -> None:
        placeholders = Links(manage=MANAGE, unsubscribe=UNSUBSCRIBE)
        self._named, self._anonymous = greeting(NAME), greeting("")
        self._text = f"{GREETING}\n\n{self.text}\n\n{footer_text(placeholders)}\n"
        self._html = html_page(GREETING, self.html, [], footer_html(placeholders))

    def for_subscriber(self, name: str, links: Links) -> tuple[str, str, dict[str, str]]:
        name = (name or "").strip()
        hello = self._named.replace(NAME, name) if name else self._anonymous
        text = (self._text.replace(GREETING, hello).replace(MANAGE, links.manage)
                .replace(UNSUBSCRIBE, links.unsubscribe))
        html = (self._html.replace(GREETING, str(escape(hello))).replace(MANAGE, str(escape(links.manage)))
                .replace(UNSUBSCRIBE, str(escape(links.unsubscribe))))
        return text, html, list_headers(links.unsubscribe)


GREETING = "\x1bGREETING\x1b"


def event_mail(event) -> EventMail:
    kind = event.kind_label
    url = absolute_url(event.link)
    subject = _("[%(kind)s] %(title)s", kind=kind, title=event.title)
    lines = [_("There is news on what you follow on the portal:"), f"【{kind}】{event.title}"]
    if event.summary:
        lines.append(event.summary)
    lines.append(_("Details: %(url)s", url=url))
    signature = unit_signature(event.unit)
    text = "\n".join(lines) + "\n\n" + "\n".join(signature)
    body = Markup("<p>{intro}</p><p><strong>【{kind}】{title}</strong></p>{summary}<p><a href=\"{url}\">{details}</a></p>"
                  "<p style=\"text-align:right\">{sign}</p>").format(
        intro=_("There is news on what you follow on the portal:"), kind=kind, title=event.title,
        summary=Markup("<p>{0}</p>").format(event.summary) if event.summary else "", url=url,
        details=_("Read it on the portal"), sign=Markup("<br>").join(escape(s) for s in signature))
    return EventMail(subject=subject[:200], text=text, html=str(body))


# --- the daily digest -------------------------------------------------------------------------

def digest_mail(name: str, day: date, groups: list[tuple[Any, list]], links: Links
                ) -> tuple[str, str, str, dict[str, str]]:
    """(subject, text, html, headers) of one subscriber's digest: events grouped by unit, each
    group ending with that unit's contact."""
    hello = greeting(name)
    count = sum(len(events) for _unit, events in groups)
    subject = _("Daily digest of what you follow (%(date)s): %(count)s updates", date=day.isoformat(), count=count)
    text_parts = [hello, "", _("Since the last digest there are %(count)s updates on what you follow on the portal.",
                                count=count)]
    html_parts = [Markup("<p>{0}</p>").format(text_parts[2])]
    for unit, events in groups:
        unit_name = unit.name if unit is not None else _("Public Participation Portal")
        text_parts += ["", f"■ {unit_name}"]
        items = []
        for event in events:
            url = absolute_url(event.link)
            text_parts += [f"【{event.kind_label}】{event.title}", f"  {url}"]
            items.append(Markup('<li>【{0}】<a href="{1}">{2}</a></li>').format(event.kind_label, url, event.title))
        contact = [line for line in unit_signature(unit)[1:-1]]
        text_parts += contact
        html_parts.append(Markup("<h3>{0}</h3><ul>{1}</ul><p>{2}</p>").format(
            unit_name, Markup("").join(items), Markup("<br>").join(escape(c) for c in contact)))
    signature = [_("Public Participation Portal"), unit_signature(None)[-1]]
    text = "\n".join([*text_parts, "", *signature, "", footer_text(links)]) + "\n"
    html = html_page(hello, str(Markup("").join(html_parts)), signature, footer_html(links))
    return subject[:200], text, html, list_headers(links.unsubscribe)


# --- double opt-in ----------------------------------------------------------------------------

def queue_confirmation(subscriber, subscription, info) -> None:
    url = absolute_url("/subscriptions/confirm/" + tokens.sign_confirmation(subscription.id))
    hello = greeting(subscriber.name)
    intro = _("Someone (we hope you) asked the portal to email this address about: %(name)s.", name=info.name)
    act = _("To confirm, open this link within 7 days and press the button: %(url)s", url=url)
    ignore = _("If you did not ask for this, ignore this email: nothing will be sent to you.")
    signature = [_("Public Participation Portal"), unit_signature(None)[-1]]
    text = "\n".join([hello, "", intro, act, ignore, "", *signature]) + "\n"
    html = html_page(hello, str(Markup('<p>{0}</p><p><a href="{1}">{2}</a></p><p>{3}</p>').format(
        intro, url, _("Confirm the subscription"), ignore)), signature, "")
    queue_email(subscriber.email, _("Please confirm your subscription: %(name)s", name=info.name), text,
                html=html)
