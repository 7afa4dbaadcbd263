"""'Retrain now' on the analytics page: trained in the server's own analytics store, audited."""

from __future__ import annotations

from tests.admin.helpers import audit_entries
from tests.recommendations.test_recommendations_api import shop_with_history


def _similar_scores(client, product_id: int, kind: str) -> list[tuple[int, float]]:
    response = client.get(f"/ml/v1/recommendations/product/{product_id}/similar?type={kind}")
    assert response.status_code == 200
    return [(r["product_id"], r["score"]) for r in response.get_json()["data"]["recommended_products"]]


def test_retrain_now_trains_in_this_process_without_mongodb_and_is_audited(app, admin_page, db):
    assert not app.config["MONGO_URI"]  # the embedded default's analytics: this process's store
    cleanser, toner, serum, _other = shop_with_history()
    assert _similar_scores(admin_page, cleanser.id, "collaborative") == []
    page = admin_page.get("/admin/analytics")
    assert 'data-testid="retrain"' in page.text

    response = admin_page.post("/admin/analytics/retrain", data={"csrf_token": admin_page.csrf})
    assert (response.status_code, response.headers["Location"]) == (303, "/admin/analytics")
    shown = admin_page.get("/admin/analytics").text
    assert "Recommendations retrained: 4 products, 8 interactions." in shown

    together = _similar_scores(admin_page, cleanser.id, "collaborative")
    assert [pid for pid, _score in together] == [toner.id, serum.id]
    assert all(score > 0 for _pid, score in together)
    [entry] = audit_entries(db, "recommendations.retrain")
    assert entry.actor_email == "boss@skincare.example" and entry.after == {"queued": False}


def test_retrain_needs_the_form_token(admin_page, db):
    assert admin_page.post("/admin/analytics/retrain").status_code == 400
