"""Demo data: a fictional district (青松区) with realistic units, accounts and content.

All names are invented; no real person's data is used. Each feature adds its demo content as a
function in ``SEEDERS`` (called in order, after units and accounts exist).
"""
from __future__ import annotations

from importlib import import_module

from .accounts.models import Account
from .auth.services import create_account, create_verified_resident
from .calendar.services import sync_from_package
from .extensions import db
from .units.services import create_unit

UNITS = [
    dict(name="青松区人民政府", short_name="区政府", slug="qingsong", kind="district_government",
         address="青松区政府路100号", phone="021-5970 0000", email="zwgk@qingsong.example.gov.cn"),
    dict(name="青松区人民政府办公室", short_name="区府办", slug="qingsong-office", kind="bureau",
         address="青松区政府路100号2号楼", phone="021-5970 0101", email="qfb@qingsong.example.gov.cn"),
    dict(name="青松区发展和改革委员会", short_name="区发展改革委", slug="qingsong-fgw", kind="bureau",
         address="青松区城中北路18号", phone="021-5970 1201", email="fgw@qingsong.example.gov.cn"),
    dict(name="青松区生态环境局", short_name="区生态环境局", slug="qingsong-sthj", kind="bureau",
         address="青松区华青路66号", phone="021-5970 2302", email="sthj@qingsong.example.gov.cn"),
    dict(name="青松区民政局", short_name="区民政局", slug="qingsong-mz", kind="bureau",
         address="青松区公园路9号", phone="021-5970 3403", email="mz@qingsong.example.gov.cn"),
    dict(name="青松区规划和自然资源局", short_name="区规划资源局", slug="qingsong-ghzy", kind="bureau",
         address="青松区城中东路27号", phone="021-5970 4504", email="ghzy@qingsong.example.gov.cn"),
    dict(name="青松区盈溪街道办事处", short_name="盈溪街道", slug="yingxi", kind="town",
         address="青松区盈溪路200号", phone="021-5970 5605", email="yxjd@qingsong.example.gov.cn"),
    dict(name="青松区松泽镇人民政府", short_name="松泽镇", slug="songze", kind="town",
         address="青松区松泽镇沪青路88号", phone="021-5970 6706", email="sz@qingsong.example.gov.cn"),
]

# Invented residents (公众) for demo comments and sign-ups.
RESIDENTS = [
    ("张晓明", "zhang.xm@example.com"), ("李文静", "li.wj@example.com"), ("王建国", "wang.jg@example.com"),
    ("陈思雨", "chen.sy@example.com"), ("刘海涛", "liu.ht@example.com"), ("赵雅琴", "zhao.yq@example.com"),
    ("孙立新", "sun.lx@example.com"), ("周美玲", "zhou.ml@example.com"),
]

DEMO_PASSWORD_ADMIN = "Qs-admin-2026!"
DEMO_PASSWORD_STAFF = "Qs-staff-2026!"
DEMO_PASSWORD_RESIDENT = "Qs-resident-2026!"

# Each feature keeps its demo content in its own module, imported here in order; a module's
# ``seed(context)`` runs after units and accounts exist and may add to ``context`` for later ones.
FEATURE_DEMOS: list[str] = [
    "portal.catalogue.demo",
    "portal.meetings.demo",
    "portal.open_days.demo",
    "portal.consultation.demo",
    "portal.feedback.demo",
    "portal.redline.demo",
    "portal.oversight.demo",
    "portal.catalogue.demo_governance",
    "portal.board.demo",
]


def seed() -> list[tuple[str, str, str]]:
    """Create the demo data; returns (login, role, password) of the demo accounts."""
    sync_from_package()
    units = {data["slug"]: create_unit(None, data) for data in UNITS}
    admin = create_account(None, {"login": "admin@qingsong.example.gov.cn", "name": "区府办管理员",
                                  "password": DEMO_PASSWORD_ADMIN, "role": "admin",
                                  "unit": units["qingsong-office"]})
    passwords = [(admin.login, "admin", DEMO_PASSWORD_ADMIN)]
    staff: dict[str, Account] = {}
    for slug, unit in units.items():
        account = create_account(admin, {"login": f"staff.{slug}@qingsong.example.gov.cn",
                                         "name": f"{unit.short_name}工作人员",
                                         "password": DEMO_PASSWORD_STAFF, "role": "staff", "unit": unit})
        staff[slug] = account
        passwords.append((account.login, "staff", DEMO_PASSWORD_STAFF))
    residents = []
    for name, login in RESIDENTS:
        account = create_verified_resident({"login": login, "name": name, "password": DEMO_PASSWORD_RESIDENT})
        residents.append(account)
        passwords.append((account.login, "resident", DEMO_PASSWORD_RESIDENT))
    db.session.flush()
    context = {"units": units, "admin": admin, "staff": staff, "residents": residents}
    for module_name in FEATURE_DEMOS:
        import_module(module_name).seed(context)
        db.session.flush()
    return passwords
