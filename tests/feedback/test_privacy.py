"""The feedback report quotes comments and offline summaries only as published (personal data
hidden): on its page, in the API and in the feed."""
import json
from datetime import date

import pytest

from portal.consultation.services import record_offline
from portal.feedback import services as svc
from tests.consultation.test_privacy import IDS, PATTERNS

from .conftest import comment, issue


def _report_surfaces(client, item) -> dict[str, str]:
    api = client.get(f"/api/v1/feedback/{item.id}")
    assert api.status_code == 200
    return {"page": client.get(f"/feedback/{item.id}").text,
            "api": json.dumps(api.json, ensure_ascii=False),
            "atom": client.get("/feedback/feed.atom").text,
            "listing": client.get("/feedback").text}


@pytest.mark.parametrize("raw, published, _label", PATTERNS, ids=IDS)
def test_each_pattern_is_hidden_in_the_published_report(app, calendar, client, world, raw, published, _label):
    staff, consultation, item = world["staff"], world["consultation"], world["item"]
    quoted = comment(consultation, world["alice"], f"建议增加投放点，联系{raw}。", section=world["first"])
    opinion = record_offline(staff, consultation, {"channel": "letter", "held_on": date(2026, 9, 1),
                                                   "participants": 1, "summary": f"来信人{raw}建议延长时间"})
    assert opinion.public_summary == f"来信人{published}建议延长时间" and opinion.summary.endswith(f"{raw}建议延长时间")
    theme = svc.create_theme(staff, consultation, {"title": "投放点"})
    svc.assign_comments(staff, theme, [c.id for c in world["comments"]] + [quoted.id])
    svc.set_disposition(staff, theme, {"disposition": "adopted"})
    issue(item, date(2026, 9, 24))
    svc.save_report(staff, item, {"summary": "感谢各方参与。", "show_comments": True})
    svc.publish_report(staff, item)

    surfaces = _report_surfaces(client, item)
    assert f"建议增加投放点，联系{published}。" in surfaces["page"]       # the comment quoted
    assert f"来信人{published}建议延长时间" in surfaces["page"]          # the offline summary
    assert f"来信人{published}建议延长时间" in surfaces["api"]
    for name, body in surfaces.items():
        assert raw not in body, name
