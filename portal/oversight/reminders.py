"""The oversight reminders (``flask --app portal oversight remind``, run daily by its timer):

- **when a target turns** at risk or missed, the unit's staff and every admin are told once: the
  state last told is kept per unit, year and target (``TargetNotice``); a target that recovers is
  recorded silently, so a later turn is told again;
- **once a month** (the first run in a month), each unit's staff get their targets, risks first,
  and the admins the units at risk; the month's key row makes it once whichever node runs the job.

Inbox and email through the notifications feature; the page views never send anything.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock
from ..accounts.models import Account
from ..audit.services import record
from ..extensions import db
from ..notifications.services import notify
from . import services as svc
from .models import MonthlyReminder, TargetNotice


def _label(target: str, state: str, unit: str = "") -> str:
    """"! 存在风险：公众代表列席决策会议" (the colon as the language writes it), after the unit's name."""
    line = _("%(state)s: %(target)s", state=f"{svc.STATE_MARKERS[svc.TargetState(state)]} {svc.TargetState.label_of(state)}",
             target=svc.Target.label_of(target))
    return _("%(unit)s: %(line)s", unit=unit, line=line) if unit else line


def _recipients() -> tuple[list[Account], dict[int, list[Account]]]:
    accounts = db.session.scalars(select(Account).where(
        Account.role.in_(("admin", "staff")), Account.is_active_flag.is_(True)).order_by(Account.id)).all()
    staff: dict[int, list[Account]] = {}
    for account in accounts:
        if account.role == "staff" and account.unit_id is not None:
            staff.setdefault(account.unit_id, []).append(account)
    return [a for a in accounts if a.role == "admin"], staff


def record_turns(overview: svc.Overview) -> list[tuple[svc.UnitCompliance, list[tuple[str, str]]]]:
    """Store each target's state; return, per unit, the targets that turned at risk or missed since
    they were last told (each turn once)."""
    known = {(n.unit_id, n.target): n for n in db.session.scalars(select(TargetNotice).where(
        TargetNotice.year == overview.year, TargetNotice.unit_id.in_([u.unit.id for u in overview.units])))}
    now = clock.now()
    turned = []
    for unit in overview.units:
        changes = []
        for target, state in unit.states.items():
            notice = known.get((unit.unit.id, target))
            if notice is None:
                db.session.add(TargetNotice(unit_id=unit.unit.id, year=overview.year, target=target,
                                            state=str(state), changed_at=now))
            elif notice.state == state:
                continue
            else:
                notice.state, notice.changed_at = str(state), now
            if state in svc.RISKS:
                changes.append((target, str(state)))
        if changes:
            turned.append((unit, changes))
    db.session.flush()
    return turned


def _claim_month(month: str) -> bool:
    """Insert the month's row unless another run did (then False): ON CONFLICT DO NOTHING."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = MonthlyReminder.__table__
    statement = (dialect.insert(table).values(month=month, sent_at=clock.now())
                 .on_conflict_do_nothing(index_elements=["month"]).returning(table.c.month))
    return db.session.execute(statement).first() is not None


def send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Tell the turns, then the month's reminder if not sent yet. Returns what was sent."""
    now = now or clock.now()
    overview = svc.compliance(now.year, now=now)
    admins, staff = _recipients()
    sent = {"turns": 0, "monthly": 0}
    link_for = lambda unit: f"/staff/compliance/{unit.unit.slug}/{overview.year}"  # noqa: E731

    turned = record_turns(overview)
    for unit, changes in turned:
        lines = "\n".join(_label(target, state) for target, state in changes)
        subject = _("Yearly targets %(year)s at risk: %(unit)s", year=overview.year, unit=unit.unit.short_name)
        body = _("These yearly targets of %(unit)s have turned at risk or missed:\n%(lines)s",
                 unit=unit.unit.name, lines=lines)
        for account in staff.get(unit.unit.id, []):
            notify(account, subject, body, link=link_for(unit), kind="oversight.turn")
        sent["turns"] += 1
    if turned:  # the admins: one message for every unit that turned
        lines = "\n".join(_label(t, s, unit.unit.name) for unit, changes in turned for t, s in changes)
        for admin in admins:
            notify(admin, _("Yearly targets %(year)s turned at risk or missed in %(n)s units", year=overview.year,
                            n=len(turned)),
                   _("These units' yearly targets have turned at risk or missed:\n%(lines)s", lines=lines),
                   link=f"/admin/compliance?year={overview.year}#risks", kind="oversight.turn")

    month = f"{now:%Y-%m}"
    if _claim_month(month):
        for unit in overview.units:
            accounts = staff.get(unit.unit.id, [])
            if not accounts:
                continue
            lines = "\n".join(_label(target, state) for target, state in unit.targets_by_urgency)
            subject = _("Monthly reminder: yearly targets %(year)s of %(unit)s", year=overview.year,
                        unit=unit.unit.short_name)
            body = _("Where %(unit)s stands on %(date)s (targets at risk or missed first):\n%(lines)s",
                     unit=unit.unit.name, date=now.date().isoformat(), lines=lines)
            for account in accounts:
                notify(account, subject, body, link=link_for(unit), kind="oversight.monthly")
            sent["monthly"] += 1
        risky = overview.at_risk
        lines = "\n".join(_label(t, s, u.unit.name) for u in risky for t, s in u.risks) \
            or _("No target is at risk or missed.")
        for admin in admins:
            notify(admin, _("Monthly reminder: units at risk, %(date)s", date=now.date().isoformat()),
                   _("Units with a yearly target of %(year)s at risk or missed:\n%(lines)s",
                     year=overview.year, lines=lines),
                   link=f"/admin/compliance?year={overview.year}", kind="oversight.monthly")
        if admins:
            sent["monthly"] += 1
    db.session.flush()
    if sent["turns"] or sent["monthly"]:
        record(None, "oversight.remind", object_type="oversight", object_id=overview.year,
               after={"month": month, "turns": [u.unit.slug for u, _c in turned], "monthly": sent["monthly"]})
    return sent
