"""Walking the whole URL map: a populated world with an account of each role, every GET rule with
its URL parameters filled (real objects, consistent pairs, and ids that do not exist), and a record
of the query parameters each view reads.

Used by ``test_hostile_queries.py`` (no 5xx for any hostile query string) and
``test_get_writes.py`` (no GET request writes to the database).
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

from portal.catalogue.models import DecisionDocument
from portal.consultation import services as consultation_services
from portal.extensions import db
from portal.feedback import charts as feedback_charts
from portal.feedback.models import Theme
from portal.meetings.models import MeetingApplication
from portal.open_days import services as open_day_services
from portal.oversight import charts as oversight_charts

from .. import factories as f
from .world import World, seed_world

ROLES = ("anonymous", "resident", "staff", "other_staff", "admin")
# Roles that pass every access check on the way to an object's lookup: an id that does not exist is
# asked as these only.
LOOKUP_ROLES = ("resident", "admin")
# Rules that serve files from disk and read no database: nothing to attack.
# /readyz answers 503 by design when the schema is not at the migrations' head (the test schema is
# built by create_all): tests/deploy covers it.
SKIPPED_ENDPOINTS = {"static", "bootstrap.static", "readyz"}
KNOWN_BROKEN: set[str] = set()  # GET routes known to fail: none
OUT_OF_RANGE = 2**31 - 1  # the largest id a URL accepts (portal.database.DatabaseIntConverter)


@dataclass
class Populated:
    world: World
    accounts: dict[str, object] = field(default_factory=dict)
    values: dict[str, list] = field(default_factory=dict)
    pairs: dict[tuple[str, str], list[tuple]] = field(default_factory=dict)


def populate(app: Flask, now: datetime) -> Populated:
    """The robustness world plus: an account of each role (the resident has comments, an
    application and an open-day registration of their own), and the ids every URL rule needs."""
    world = seed_world(app, now)
    unit, other_unit = world.units
    resident = f.resident(name="赵六")
    accounts = {"anonymous": None, "resident": resident, "staff": f.staff(unit),
                "other_staff": f.staff(other_unit), "admin": f.admin()}

    open_one = world.consultations[0]
    comment = consultation_services.submit_comment(open_one, resident, {
        "text": "请公布垃圾投放时间表。", "section_id": open_one.sections[1].id, "consent": True})
    f.meeting_application(world.meetings[2], resident)
    app.config["CLOCK_NOW"] = datetime(2026, 7, 2, 10, 0)  # open-day registration is open
    registration = open_day_services.register(world.activities[0].slots[0], resident, {
        "name": "赵六", "mobile": "13900001234", "id_last4": "123X", "needs": ""})
    app.config["CLOCK_NOW"] = now
    message, evaluation, policy_ids = _board(world, resident, accounts)
    offline = consultation_services.record_offline(accounts["staff"], open_one, {
        "channel": "letter", "held_on": now.date(), "participants": 2, "summary": "居民来信。",
        "items": "第一条：建议明确时间表"})
    db.session.commit()

    documents = db.session.scalars(select(DecisionDocument).order_by(DecisionDocument.id)).all()
    applications = db.session.scalars(select(MeetingApplication).order_by(MeetingApplication.id)).all()
    themes = db.session.scalars(select(Theme).order_by(Theme.id)).all()
    ids = world.ids()
    values: dict[str, list] = {
        "account_id": [resident.id, accounts["staff"].id],
        "year": [now.year],
        "unit_slug": [unit.slug], "slug": [unit.slug], "unit_id": [unit.id],
        "topic_id": [world.topics[0].id],
        "consultation_id": ids["consultations"],
        "item_id": ids["decisions"], "decision_id": ids["decisions"],
        "meeting_id": ids["meetings"], "activity_id": ids["activities"],
        "registration_id": [registration.id],
        "tracking_number": [comment.tracking_number],
        "code": ["en", "zh_CN"], "size": ["large"],
        "section_id": ids["sections"][:3],
        "theme_id": [t.id for t in themes],
        "slot_id": [s.id for a in world.activities for s in a.slots],
        "kind": ["dispositions"],
        "message_id": [message.id], "evaluation_id": [evaluation.id], "policy_id": policy_ids,
    }
    pairs = {
        ("document_id", "item_id"): [(d.id, d.decision_id) for d in documents],
        ("application_id", "meeting_id"): [(a.id, a.meeting_id) for a in applications],
        ("consultation_id", "opinion_id"): [(offline.consultation_id, offline.id)],
    }
    return Populated(world, accounts, values, pairs)


def _board(world, resident, accounts):
    """A published message (answered, rated) and a policy evaluation on an issued policy."""
    from portal.board import evaluation, publication
    from portal.board import services as board_services

    policy = next(d for d in world.decisions if board_services.issued_policy(d.id) is not None)
    message = board_services.submit(resident, {"decision_id": policy.id, "kind": "question", "title": "补贴标准",
                                               "text": "请问补贴标准？", "consent": True, "may_publish": True})
    staff = f.staff(db.session.get(type(world.units[0]), policy.unit_id))
    board_services.draft_reply(staff, message, "补贴标准见第五条。")
    board_services.sign_off(accounts["admin"], message)
    publication.publish(accounts["admin"], message)
    rated = evaluation.evaluate(resident, policy, 4, "建议简化材料")
    return message, rated, [policy.id]


def get_rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules()
                   if "GET" in (r.methods or ()) and r.endpoint not in SKIPPED_ENDPOINTS | KNOWN_BROKEN),
                  key=lambda r: r.rule)


def _kinds(rule: Rule) -> list[str]:
    known = oversight_charts.KINDS if rule.endpoint.startswith("oversight.") else feedback_charts.KINDS
    return list(known)


def fillings(rule: Rule, populated: Populated) -> Iterator[tuple[bool, dict]]:
    """The URL parameters of ``rule`` as ``(real, arguments)``: every real object (consistent pairs
    where two ids belong together), then ids that do not exist and unknown slugs."""
    arguments = sorted(rule.arguments)
    if not arguments:
        yield True, {}
        return
    values = dict(populated.values)
    values["kind"] = _kinds(rule)
    choices: list[list[dict]] = []
    rest = set(arguments)
    for names, rows in populated.pairs.items():
        if set(names) <= rest:
            choices.append([dict(zip(names, row, strict=True)) for row in rows])
            rest -= set(names)
    for name in sorted(rest):
        # a parameter with no objects behind it in the world (a signed token, say): a made-up value
        fallback = [OUT_OF_RANGE] if _is_int(rule, name) else ["zz-unknown"]
        choices.append([{name: value} for value in values.get(name, fallback)])
    combos = [dict(itertools.chain.from_iterable(d.items() for d in combo))
              for combo in itertools.product(*choices)]
    for combo in combos:
        yield True, combo
    yield False, {name: OUT_OF_RANGE if _is_int(rule, name) else "zz-unknown" for name in arguments}


def _is_int(rule: Rule, name: str) -> bool:
    converter = rule._converters.get(name)  # werkzeug keeps them per rule
    return converter is not None and converter.__class__.__name__.endswith("IntConverter")


def build(app: Flask, rule: Rule, arguments: dict) -> str:
    with app.test_request_context():
        return app.url_map.bind("localhost").build(rule.endpoint, arguments, method="GET")


def clients(app: Flask, populated: Populated) -> dict[str, object]:
    made = {}
    for role in ROLES:
        client = app.test_client()
        client.set_cookie("lang", "en")
        account = populated.accounts[role]
        if account is not None:
            with client.session_transaction() as session:
                session["_user_id"] = account.get_id()
                session["_fresh"] = True
        made[role] = client
    return made


# --- which query parameters a view reads -----------------------------------------------------------

_SEEN: list[set[str]] = []  # the innermost ``reading()`` block's set


def _note(key) -> None:
    if _SEEN and isinstance(key, str):
        _SEEN[-1].add(key)


class TrackingArgs(ImmutableMultiDict):
    """``request.args`` that notes every key a view or template asks for."""

    def __getitem__(self, key):
        _note(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        _note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        _note(key)
        return super().getlist(key, type)

    def __contains__(self, key) -> bool:
        _note(key)
        return super().__contains__(key)


def track_args(app: Flask) -> None:
    class TrackingRequest(app.request_class):  # type: ignore[name-defined,misc]
        parameter_storage_class = TrackingArgs

    app.request_class = TrackingRequest


class reading:
    """``with reading() as keys:`` collects the query parameters read during the block."""

    def __enter__(self) -> set[str]:
        _SEEN.append(set())
        return _SEEN[-1]

    def __exit__(self, *exc) -> None:
        _SEEN.pop()
