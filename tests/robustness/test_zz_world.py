from datetime import datetime
from tests.robustness.world import seed_world
def test_seed(app, client):
    w = seed_world(app, datetime(2026, 4, 1, 10, 0))
    print(w.ids())
    for url in ["/api/v1/meetings/%d" % w.meetings[0].id, "/api/v1/meetings/%d" % w.meetings[1].id,
                "/api/v1/feedback/%d" % w.feedback_item.id, "/api/v1/open-days", "/api/v1/consultations"]:
        r = client.get(url); print(url, r.status_code, r.get_data(as_text=True)[:600])
