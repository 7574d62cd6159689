from sqlalchemy import select

from portal.consultation import demo
from portal.consultation.models import Campaign, Comment, Consultation
from portal.demo import RESIDENTS, UNITS
from portal.extensions import db


def test_demo_seeds_open_upcoming_and_closed_consultations(app, f):
    # The feature's seed on its own (units, staff and residents as portal.demo makes them; no
    # catalogue items in the context, so it creates its own decision items).
    units = {data["slug"]: f.unit(**data) for data in UNITS}
    context = {"units": units, "staff": {slug: f.staff(unit) for slug, unit in units.items()},
               "residents": [f.resident(name=name, email=login) for name, login in RESIDENTS]}
    demo.seed(context)
    consultations = db.session.scalars(select(Consultation)).all()
    assert {c.status for c in consultations} == {"open", "upcoming", "closed"}
    assert {c.status for c in db.session.scalars(select(Comment))} == {"pending", "published"}
    assert db.session.scalar(select(Campaign.comment_count)) == 3
    waste = next(c for c in consultations if "生活垃圾" in c.title)
    assert waste.decision.status == "consulting" and len(waste.sections) > 15
    assert waste.comment_count == 4 and waste.pending_count == 5
