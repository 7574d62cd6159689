"""Rules of items, the lifecycle, the decision result and publishing a catalogue (services)."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.catalogue import review, services
from portal.catalogue.lifecycle import change_status
from portal.catalogue.models import CatalogueChange, DecisionEvent
from portal.errors import RuleViolation, UserInputError
from portal.extensions import db


def _actions():
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_create_item_records_topics_event_and_audit(f, item_data):
    unit, topic = f.unit(), f.topic(name="交通出行", slug="transport")
    staff = f.staff(unit)
    item = services.create_item(staff, unit, 2026, item_data(topic_ids=[topic.id]))
    assert item.status == "planned" and item.planned_quarter == 3 and item.hearing_planned
    assert [t.name for t in item.topics] == ["交通出行"]
    assert [(e.from_status, e.to_status) for e in item.events] == [(None, "planned")]
    assert "decision.create" in _actions()
    assert services.catalogue_of(unit.id, 2026) is not None


def test_code_is_unique_within_unit_and_year(f, item_data):
    unit, other_unit = f.unit(), f.unit()
    staff = f.staff(unit)
    services.create_item(staff, unit, 2026, item_data("2026-01"))
    with pytest.raises(UserInputError) as error:
        services.create_item(staff, unit, 2026, item_data("2026-01"))
    assert error.value.field == "code"
    # Same code in another year or another unit is fine.
    services.create_item(staff, unit, 2025, item_data("2026-01"))
    services.create_item(f.staff(other_unit), other_unit, 2026, item_data("2026-01"))


def test_unknown_topic_is_refused(f, item_data):
    unit = f.unit()
    with pytest.raises(UserInputError) as error:
        services.create_item(f.staff(unit), unit, 2026, item_data(topic_ids=[99999]))
    assert error.value.field == "topic_ids"


def test_invalid_transition_is_refused_with_a_clear_message(f):
    item = f.decision()
    with pytest.raises(RuleViolation) as error:
        change_status(item, "decided", f.admin())
    assert "已出台" in error.value.message and "列入目录" in error.value.message
    assert item.status == "planned"


@pytest.mark.parametrize("status", ["withdrawn", "postponed"])
def test_withdraw_and_postpone_need_a_public_reason(f, status):
    item = f.decision()
    with pytest.raises(UserInputError) as error:
        change_status(item, status, f.admin(), "  ")
    assert error.value.field == "reason"
    change_status(item, status, f.admin(), "并入市级规划统一实施")
    assert item.status == status and item.status_reason == "并入市级规划统一实施"
    assert item.events[-1].reason == "并入市级规划统一实施"


def test_withdrawn_is_final(f):
    item = f.decision()
    change_status(item, "withdrawn", f.admin(), "不再实施")
    with pytest.raises(RuleViolation):
        change_status(item, "planned", f.admin())


def test_staff_form_cannot_set_decided_or_feedback_directly(f):
    item = f.decision(status="deliberating")
    with pytest.raises(RuleViolation):
        services.move_item(f.admin(), item, "decided")
    assert "decided" not in services.staff_statuses(item)
    assert item.status == "deliberating"


def test_status_change_is_audited_and_on_the_timeline(f):
    item, actor = f.decision(), f.admin()
    services.move_item(actor, item, "drafting")
    assert item.status == "drafting"
    assert db.session.scalar(select(DecisionEvent).where(DecisionEvent.decision_id == item.id)).to_status == "drafting"
    assert "decision.status" in _actions()


def _result(**kw):
    data = dict(title="青松区停车管理办法", number="青府发〔2026〕5号", issue_date=date(2026, 5, 8),
                text="现予印发。", no_consultation_reason="依法不予公开征求意见的事项。")
    data.update(kw)
    return services.DecisionResult(**data)


def test_recording_the_decision_issues_the_item(f):
    item = f.decision(status="deliberating")
    services.record_decision(f.admin(), item, _result())
    assert item.status == "decided" and item.issue_date == date(2026, 5, 8)
    assert item.decision_number == "青府发〔2026〕5号"
    assert "decision.result" in _actions()


def test_decision_only_from_deliberating(f):
    item = f.decision(status="drafting")
    with pytest.raises(RuleViolation):
        services.record_decision(f.admin(), item, _result())
    assert item.status == "drafting"


@pytest.mark.parametrize("kw, field", [
    ({"title": ""}, "decision_title"), ({"number": " "}, "decision_number"),
    ({"issue_date": date(2026, 5, 11)}, "issue_date"), ({"text": ""}, "decision_text"),
])
def test_decision_needs_title_number_past_date_and_text_or_file(f, kw, field):
    item = f.decision(status="deliberating")
    with pytest.raises(UserInputError) as error:
        services.record_decision(f.admin(), item, _result(**kw))
    assert error.value.field == field
    assert item.status == "deliberating"


def test_publish_needs_a_major_item_and_happens_once(f, item_data):
    unit = f.unit()
    staff = f.staff(unit)
    catalogue = services.catalogue_of(unit.id, 2026, create=True)
    with pytest.raises(RuleViolation):
        services.publish_catalogue(staff, catalogue)
    services.create_item(staff, unit, 2026, item_data())
    with pytest.raises(RuleViolation):  # not approved by the district office yet
        services.publish_catalogue(staff, catalogue)
    review.submit(staff, catalogue)
    review.approve(f.admin(), catalogue)
    services.publish_catalogue(staff, catalogue)
    assert catalogue.published_at == datetime(2026, 5, 10, 10, 0)
    assert "catalogue.publish" in _actions()
    with pytest.raises(RuleViolation):
        services.publish_catalogue(staff, catalogue)


def test_publication_on_time_follows_the_deadline_setting(app, f):
    unit = f.unit()
    on_time = f.catalogue(unit, 2026, published_at=datetime(2026, 3, 31, 18, 0))
    late = f.catalogue(f.unit(), 2026, published_at=datetime(2026, 4, 1, 9, 0))
    assert on_time.on_time is True and late.on_time is False
    app.config["CATALOGUE_DEADLINE_MONTH_DAY"] = "04-15"
    assert late.on_time is True and late.deadline == date(2026, 4, 15)


def test_item_added_after_publication_needs_a_reason_and_is_in_the_history(f, item_data):
    unit = f.unit()
    staff = f.staff(unit)
    catalogue = f.catalogue(unit, 2026, published_at=datetime(2026, 3, 20, 9, 0))
    with pytest.raises(UserInputError) as error:
        services.create_item(staff, unit, 2026, item_data("2026-09"))
    assert error.value.field == "change_reason"
    db.session.rollback()
    catalogue = f.catalogue(unit := f.unit(), 2026, published_at=datetime(2026, 3, 20, 9, 0))
    item = services.create_item(f.staff(unit), unit, 2026, item_data("2026-09", change_reason="汛期应急需要"))
    assert [(c.kind, c.reason, c.decision_id) for c in catalogue.changes] == [("added", "汛期应急需要", item.id)]
    # Other policy documents are not in the catalogue: no reason, no history.
    services.create_item(f.staff(unit), unit, 2026, item_data("2026-10", kind="other"))
    assert len(catalogue.changes) == 1


def test_withdrawal_after_publication_is_in_the_history_not_before(f):
    unit = f.unit()
    catalogue = f.catalogue(unit, 2026)
    before = f.decision(unit)
    change_status(before, "withdrawn", f.admin(), "调整计划")
    assert db.session.scalar(select(CatalogueChange)) is None
    catalogue.published_at = datetime(2026, 3, 1, 9, 0)
    after = f.decision(unit)
    change_status(after, "withdrawn", f.admin(), "并入市级统一规划")
    changes = db.session.scalars(select(CatalogueChange)).all()
    assert [(c.kind, c.decision_id, c.reason) for c in changes] == [("withdrawn", after.id, "并入市级统一规划")]


def test_major_item_of_published_catalogue_cannot_become_other(f, item_data):
    unit = f.unit()
    staff = f.staff(unit)
    item = services.create_item(staff, unit, 2026, item_data())
    catalogue = services.catalogue_of(unit.id, 2026)
    review.submit(staff, catalogue)
    review.approve(f.admin(), catalogue)
    services.publish_catalogue(staff, catalogue)
    with pytest.raises(UserInputError) as error:
        services.update_item(staff, item, item_data(kind="other"))
    assert error.value.field == "kind"


def test_update_item_is_audited_with_before_and_after(f, item_data):
    unit = f.unit()
    staff = f.staff(unit)
    item = services.create_item(staff, unit, 2026, item_data())
    services.update_item(staff, item, item_data(title="青松区停车管理办法（修订）"))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "decision.update")).one()
    assert entry.before["title"] == "青松区停车管理办法" and entry.after["title"] == "青松区停车管理办法（修订）"
