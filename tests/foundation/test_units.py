"""Units: admin create and edit with validation, public pages, audit entries."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.units.models import Unit

GOOD = {"name": "青松区教育局", "short_name": "区教育局", "slug": "qingsong-jy", "kind": "bureau",
        "address": "青松区学府路 1 号", "phone": "021-5970 8808", "email": "jy@qingsong.example.gov.cn"}


@pytest.fixture
def admin(f, login):
    account = f.admin()
    db.session.commit()
    login(account)
    return account


def test_admin_creates_a_unit_and_it_is_audited(client, admin):
    response = client.post("/admin/units/new", data=GOOD)
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.slug == "qingsong-jy"))
    assert unit.name == "青松区教育局" and unit.kind == "bureau"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit.create"))
    assert entry.actor_id == admin.id and entry.object_type == "unit" and entry.object_id == unit.id
    assert entry.unit_id == unit.id and entry.before is None and entry.after["slug"] == "qingsong-jy"


@pytest.mark.parametrize("slug", ["Upper", "with space", "trailing-", "-leading", "double--hyphen", "汉字",
                                  "under_score", ""])
def test_slug_format_is_checked(client, admin, slug):
    response = client.post("/admin/units/new", data={**GOOD, "slug": slug})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="青松区教育局"' in html  # typed values kept
    assert db.session.scalar(select(func.count(Unit.id))) == 0


@pytest.mark.parametrize("field", ["name", "short_name", "kind"])
def test_required_fields(client, admin, field):
    assert client.post("/admin/units/new", data={**GOOD, field: ""}).status_code == 422


def test_invalid_kind_and_email(client, admin):
    assert client.post("/admin/units/new", data={**GOOD, "kind": "ministry"}).status_code == 422
    assert client.post("/admin/units/new", data={**GOOD, "email": "not-an-email"}).status_code == 422


def test_name_and_slug_must_be_unique(client, admin, f):
    f.unit(name="青松区教育局", slug="other-slug")
    f.unit(name="其他单位", slug="qingsong-jy2")
    db.session.commit()
    response = client.post("/admin/units/new", data=GOOD)
    assert response.status_code == 422
    assert "A unit with this name already exists." in response.get_data(as_text=True)
    response = client.post("/admin/units/new", data={**GOOD, "name": "新单位", "slug": "qingsong-jy2"})
    assert response.status_code == 422
    assert "already used by another unit" in response.get_data(as_text=True)
    assert 'value="qingsong-jy2"' in response.get_data(as_text=True)


def test_admin_edits_a_unit_with_before_and_after(client, admin, f):
    unit = f.unit(**GOOD)
    other = f.unit()
    db.session.commit()
    page = client.get(f"/admin/units/{unit.id}/edit")
    assert page.status_code == 200 and 'value="qingsong-jy"' in page.get_data(as_text=True)
    # Saving without a change keeps its own name and slug (not a duplicate of itself), no audit entry.
    assert client.post(f"/admin/units/{unit.id}/edit", data=GOOD).status_code == 302
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "unit.update")) == 0
    response = client.post(f"/admin/units/{unit.id}/edit", data={**GOOD, "phone": "021-1111 2222"})
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit.update"))
    assert entry.before["phone"] == "021-5970 8808" and entry.after["phone"] == "021-1111 2222"
    assert entry.object_id == unit.id and entry.unit_id == unit.id
    # Taking another unit's slug is refused.
    response = client.post(f"/admin/units/{unit.id}/edit", data={**GOOD, "slug": other.slug})
    assert response.status_code == 422
    assert db.session.get(Unit, unit.id).slug == "qingsong-jy"
    assert client.get("/admin/units/99999/edit").status_code == 404


def test_public_unit_pages(client, f):
    f.unit(name="青松区松泽镇人民政府", slug="songze", kind="town")
    f.unit(name="青松区人民政府", slug="qingsong", kind="district_government")
    f.unit(name="青松区民政局", slug="qingsong-mz", kind="bureau", phone="021-5970 3403")
    db.session.commit()
    html = client.get("/units").get_data(as_text=True)
    positions = [html.index(n) for n in ("青松区人民政府", "青松区民政局", "青松区松泽镇人民政府")]
    assert positions == sorted(positions)  # district government, bureaus, towns
    detail = client.get("/units/qingsong-mz")
    assert detail.status_code == 200
    assert "021-5970 3403" in detail.get_data(as_text=True)
    assert client.get("/units/no-such-unit").status_code == 404
