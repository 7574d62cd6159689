"""The feedback report quotes comments and offline summaries only as published (personal data
hidden): on its page, in the API and in the feed."""
import json
from datetime import date

import pytest
from sqlalchemy import select

from portal.consultation.models import OfflineOpinion
from portal.database import commit
from portal.extensions import db
from portal.feedback.models import Theme
from tests.consultation.test_privacy import IDS, PATTERNS

try:  # the helpers' home moves to tests/factories.py
    from tests.factories import comment, issue
except ImportError:
    from .conftest import comment, issue


def _report_surfaces(client, item) -> dict[str, str]:
    api = client.get(f"/api/v1/feedback/{item.id}")
    assert api.status_code == 200
    return {"page": client.get(f"/feedback/{item.id}").text,
            "api": json.dumps(api.json, ensure_ascii=False),
            "atom": client.get("/feedback/feed.atom").text,
            "listing": client.get("/feedback").text}


@pytest.mark.parametrize("raw, published, _label", PATTERNS, ids=IDS)
def test_each_pattern_is_hidden_in_the_published_report(app, calendar, client, login, world, raw, published,
                                                         _label):
    staff, consultation, item = world["staff"], world["consultation"], world["item"]
    quoted = comment(consultation, world["alice"], f"建议增加投放点，联系{raw}。", section=world["first"])
    issue(item, date(2026, 9, 24))
    commit()
    login(staff)
    client.post(f"/staff/consultations/{consultation.id}/offline",
                data={"channel": "letter", "held_on": "2026-09-01", "participants": 1,
                      "summary": f"来信人{raw}建议延长时间"})
    opinion = db.session.scalar(select(OfflineOpinion).where(OfflineOpinion.consultation_id == consultation.id))
    assert opinion.public_summary == f"来信人{published}建议延长时间" and opinion.summary.endswith(f"{raw}建议延长时间")
    client.post(f"/staff/feedback/consultations/{consultation.id}", data={"title": "投放点"})
    theme = db.session.scalar(select(Theme).where(Theme.consultation_id == consultation.id))
    client.post(f"/staff/feedback/consultations/{consultation.id}/comments",
                data={"theme_id": theme.id, "comment_ids": [c.id for c in world["comments"]] + [quoted.id]})
    client.post(f"/staff/feedback/themes/{theme.id}/disposition", data={"disposition": "adopted"})
    client.post(f"/staff/feedback/decisions/{item.id}", data={"summary": "感谢各方参与。", "show_comments": "y"})
    assert client.post(f"/staff/feedback/decisions/{item.id}/publish", data={}).status_code == 302
    assert client.post("/auth/logout").status_code == 302

    surfaces = _report_surfaces(client, item)
    assert f"建议增加投放点，联系{published}。" in surfaces["page"]       # the comment quoted
    assert f"来信人{published}建议延长时间" in surfaces["page"]          # the offline summary
    assert f"来信人{published}建议延长时间" in surfaces["api"]
    for name, body in surfaces.items():
        assert raw not in body, name
