"""The catalogue demo seeds two years of realistic catalogues in several lifecycle states."""
from sqlalchemy import func, select

from portal.catalogue import demo, services
from portal.catalogue.models import CatalogueChange, DecisionItem, YearlyCatalogue
from portal.demo import FEATURE_DEMOS
from portal.extensions import db


def test_demo_seeds_catalogues_in_several_states(f):
    slugs = ["qingsong", "qingsong-sthj", "qingsong-mz", "yingxi", "songze"]
    units = {slug: f.unit(slug=slug) for slug in slugs}
    context = {"units": units, "staff": {s: f.staff(u) for s, u in units.items()}, "admin": f.admin()}
    demo.seed(context)
    db.session.commit()
    years = set(db.session.scalars(select(YearlyCatalogue.year)))
    assert years == {2025, 2026}
    statuses = set(db.session.scalars(select(DecisionItem.status)))
    assert {"decided", "withdrawn", "postponed", "consulting", "deliberating", "drafting", "planned"} <= statuses
    assert context["decisions"]["urban_renewal"].decision_number
    assert context["decisions"]["river"].status_reason
    assert db.session.scalar(select(func.count(CatalogueChange.id))) == 2  # one added, one withdrawn
    assert [i.code for i in db.session.scalars(services.public_items(services.Filters(q="垃圾")))]
    assert FEATURE_DEMOS[0] == "portal.catalogue.demo"
