"""Participant notices (参与者告知): the person who took part is told at each step, in the inbox, by
email as a government office writes it (greeting by name, the unit's name and contact at the end),
and by text message (at most 70 characters) when the account has only a mobile number.

    comment received (with its receipt) → published / not published (with the reason) →
    adoption feedback published (every author, whatever became of their comment);
    an open-day visitor checked in → invited to the questionnaire.
"""
from __future__ import annotations

from flask_babel import gettext as _

from ..consultation.models import RejectionReason
from ..notifications.services import notify
from ..notifications.sms import MAX_LENGTH
from .mail import greeting, unit_signature


def letter(name: str, lines: list[str], unit) -> str:
    """The text of a notice: greeting, the lines, the unit's name and contact."""
    return "\n".join([greeting(name), "", *lines, "", *unit_signature(unit)])


def shorten(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 1, 0)] + "…"


def fit(template, title: str, **values) -> str:
    """A text message from ``template(title=...)`` within MAX_LENGTH, shortening the title only."""
    full = template(title=title, **values)
    if len(full) <= MAX_LENGTH:
        return full
    room = len(title) - (len(full) - MAX_LENGTH)
    return template(title=shorten(title, room), **values)


def _sms_received(title: str, number: str) -> str:
    return _("Comment on %(title)s received, receipt %(number)s; the review result will follow.",
             title=title, number=number)


def _sms_published(title: str, number: str) -> str:
    return _("Your comment %(number)s on %(title)s has been published.", title=title, number=number)


def _sms_rejected(title: str, number: str, reason: str) -> str:
    return _("Your comment %(number)s on %(title)s was not published: %(reason)s.", title=title,
             number=number, reason=reason)


def _sms_report(title: str) -> str:
    return _("Adoption feedback on %(title)s is published; see the portal.", title=title)


def _sms_questionnaire(title: str) -> str:
    return _("Thank you for attending %(title)s. Please fill in the questionnaire on the portal.", title=title)


SMS_TEMPLATES = {"received": _sms_received, "published": _sms_published, "rejected": _sms_rejected,
                 "report": _sms_report, "questionnaire": _sms_questionnaire}


def _number(comment) -> str:
    return comment.tracking_number or f"#{comment.id}"


def comment_received(comment, author) -> None:
    consultation = comment.consultation
    body = letter(author.name, [
        _("Your comment on \"%(title)s\" has been received. Receipt number: %(number)s.",
          title=consultation.title, number=_number(comment)),
        _("Comments are reviewed before they are published; you will be told the result. With the receipt "
          "number you can follow your comment under \"My comments\".")], consultation.unit)
    notify(author, _("Comment received: %(number)s", number=_number(comment)), body,
           link=f"/consultations/receipts/{comment.tracking_number}", kind="consultation",
           sms=fit(_sms_received, consultation.title, number=_number(comment)))


def comment_published(comment, author) -> None:
    consultation = comment.consultation
    body = letter(author.name, [
        _("Your comment %(number)s on \"%(title)s\" has been reviewed and published.",
          number=_number(comment), title=consultation.title),
        _("When the unit publishes its adoption feedback you will be told how it was handled.")], consultation.unit)
    notify(author, _("Your comment %(number)s was published", number=_number(comment)), body,
           link="/me/comments", kind="consultation",
           sms=fit(_sms_published, consultation.title, number=_number(comment)))


def comment_rejected(comment, author, reason: str, note: str) -> None:
    consultation = comment.consultation
    label = RejectionReason.label_of(reason)
    lines = [_("Your comment %(number)s on \"%(title)s\" was not published. Reason: %(reason)s.",
               number=_number(comment), title=consultation.title, reason=label)]
    if note:
        lines.append(note)
    lines.append(_("It is still counted: it is part of the consultation's record, and you will be told when "
                   "the adoption feedback is published."))
    notify(author, _("Your comment %(number)s was not published", number=_number(comment)),
           letter(author.name, lines, consultation.unit), link="/me/comments", kind="consultation",
           sms=fit(_sms_rejected, consultation.title, number=_number(comment), reason=label))


def report_published(account, item, comments: list) -> None:
    """Every author of a comment on the item's consultations, whatever became of the comment."""
    lines = [_("The unit has published how the comments on \"%(title)s\" were handled.", title=item.title)]
    for comment in comments:
        if comment.status == "rejected":
            reason = RejectionReason.label_of(comment.rejection_reason)
            line = _("Your comment %(number)s was not published (reason recorded at review: %(reason)s).",
                     number=_number(comment), reason=reason)
            if comment.rejection_note:
                line += " " + comment.rejection_note
            lines.append(line)
        elif comment.status == "published":
            lines.append(_("Your comment %(number)s: its disposition is in the report.", number=_number(comment)))
    lines.append(_("Follow the link to read the report and the disposition of your comments."))
    notify(account, _("Adoption feedback published: %(title)s", title=item.title),
           letter(account.name, lines, item.unit), link=f"/decisions/{item.id}/changes/mine",
           kind="feedback.published", sms=fit(_sms_report, item.title))


def questionnaire_invitation(registration) -> None:
    account, activity = registration.account, registration.activity
    if account is None:
        return
    body = letter(account.name, [
        _("Thank you for attending \"%(title)s\".", title=activity.title),
        _("Please tell us how it went: the questionnaire takes two minutes and helps us improve the next "
          "open day.")], activity.unit)
    notify(account, _("Questionnaire: %(title)s", title=activity.title), body,
           link=f"/me/open-days/{registration.id}/questionnaire", kind="open_day",
           sms=fit(_sms_questionnaire, activity.title))


__all__ = ["MAX_LENGTH", "SMS_TEMPLATES", "comment_published", "comment_received", "comment_rejected",
           "fit", "questionnaire_invitation", "report_published"]
