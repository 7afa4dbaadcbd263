"""Skin analysis: the questionnaire's rules, routines from in-stock products with reasons,
ingredient conflicts, and the /ml/v1/skin-analysis/* and /api/v1/recommendations/skin-analysis
endpoints."""

from __future__ import annotations

from bson import ObjectId

from shop.accounts.models import User
from shop.analytics.store import get_mongo
from shop.catalog.models import SkinType
from shop.extensions import db as _db
from shop.skin.conflicts import find_conflicts, groups_of
from shop.skin.questionnaire import SkinProfile, profile_from_answers
from shop.skin.routine import build_routine
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AdminFactory, ProductFactory, UserFactory

ANSWERS = {"skin_feel": "shiny_all", "midday": "shiny_all", "reactions": "rarely", "concerns": ["acne"], "avoid": []}


def token(client, user) -> str:
    return login(client, user.email, PASSWORD)["access_token"]


def routine_shop():
    """One or two products per routine step; the oily acne ones should win."""
    return {
        "cleanser": ProductFactory(
            name_en="Acne Cleanser", category="cleansers", skin_type="oily", skin_concerns=["acne"]
        ),
        "cleanser_dry": ProductFactory(
            name_en="Milk Cleanser", category="cleansers", skin_type="dry", skin_concerns=["dryness"]
        ),
        "toner": ProductFactory(
            name_en="BHA Toner",
            category="toners",
            skin_type="all",
            skin_concerns=["acne"],
            ingredients=["Aqua", "Salicylic Acid"],
        ),
        "toner_out": ProductFactory(
            name_en="Sold-out Toner", category="toners", skin_type="oily", skin_concerns=["acne"], stock=0
        ),
        "serum": ProductFactory(
            name_en="Retinol Serum", category="serums", skin_type="all", skin_concerns=["acne"], ingredients=["Retinol"]
        ),
        "serum_2": ProductFactory(
            name_en="Niacinamide Serum",
            category="serums",
            skin_type="oily",
            skin_concerns=["large_pores"],
            ingredients=["Niacinamide"],
        ),
        "moisturiser": ProductFactory(
            name_en="Gel Cream", category="moisturisers", skin_type="oily", skin_concerns=["acne"]
        ),
        "sunscreen": ProductFactory(
            name_en="Sun Fluid", category="sunscreens", skin_type="all", skin_concerns=["sun_damage"]
        ),
    }


def test_answers_decide_skin_type_and_frequent_reactions_mean_sensitive(app):
    assert profile_from_answers(ANSWERS) == SkinProfile("oily", ("acne",), ())
    assert profile_from_answers({**ANSWERS, "skin_feel": "tight", "midday": "flaky"}).skin_type == "dry"
    assert profile_from_answers({**ANSWERS, "skin_feel": "tight", "midday": "shiny_all"}).skin_type == "combination"
    sensitive = profile_from_answers({**ANSWERS, "reactions": "often", "avoid": ["fragrance"]})
    assert sensitive == SkinProfile("sensitive", ("acne", "sensitivity"), ("fragrance",))


def test_conflict_table_matches_ingredients_case_insensitively(db):
    retinol = ProductFactory(ingredients=["Aqua", "encapsulated RETINOL 0.3%"])
    aha = ProductFactory(ingredients=["Glycolic Acid"])
    vitamin_c = ProductFactory(ingredients=["Ascorbic Acid"])
    peroxide = ProductFactory(ingredients=["Benzoyl Peroxide 2.5%"])
    plain = ProductFactory(ingredients=["Aqua", "Glycerin"])
    assert groups_of(retinol.ingredients) == {"retinoids"}
    found = {(c.first.id, c.second.id) for c in find_conflicts([retinol, aha, vitamin_c, peroxide, plain])}
    assert found == {(retinol.id, aha.id), (retinol.id, peroxide.id), (vitamin_c.id, aha.id)}
    assert find_conflicts([plain, vitamin_c]) == []


def test_routine_picks_in_stock_products_for_each_step_with_reasons_and_warns_of_conflicts(db):
    shop = routine_shop()
    routine = build_routine(SkinProfile("oily", ("acne",), ()))
    morning = {s.role: s.product.name_en for s in routine.morning}
    assert morning == {
        "cleanser": "Acne Cleanser",
        "toner": "BHA Toner",
        "serum": "Niacinamide Serum",  # the retinol serum would clash with the BHA toner
        "moisturiser": "Gel Cream",
        "sunscreen": "Sun Fluid",
    }
    assert [s.role for s in routine.evening] == ["cleanser", "toner", "serum", "moisturiser"]
    assert all(s.product.id != shop["toner_out"].id for s in routine.morning + routine.evening)
    reasons = {s.role: s.reason for s in routine.morning}
    assert reasons["cleanser"] == "Made for oily skin. Targets acne."
    assert reasons["sunscreen"] == "Suits every skin type."
    # With the niacinamide serum sold out, the retinol serum and BHA toner clash: warned.
    shop["serum_2"].stock = 0
    db.session.commit()
    clash = build_routine(SkinProfile("oily", ("acne",), ()))
    assert [(c.first.name_en, c.second.name_en) for c in clash.conflicts] == [
        ("Retinol Serum", "BHA Toner"),
        ("Retinol Serum", "BHA Toner"),
    ]
    # Avoiding retinoids takes the serum step out instead.
    assert "serum" in build_routine(SkinProfile("oily", ("acne",), ("retinoids",))).missing


def test_analyze_without_a_token_returns_the_routine_and_saves_nothing(client, db):
    routine_shop()
    response = client.post("/ml/v1/skin-analysis/analyze", json={"answers": ANSWERS})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["skin_profile"]["skin_type"] == "oily"
    assert data["analysis_id"] is None
    assert [s["step"] for s in data["routine"]["morning"]] == ["cleanser", "toner", "serum", "moisturiser", "sunscreen"]
    assert data["routine"]["morning"][0]["reason"] == "Made for oily skin. Targets acne."
    assert get_mongo().skin_analyses.count_documents({}) == 0


def test_analyze_with_a_token_saves_the_profile_and_the_analysis(client, db, run_jobs):
    routine_shop()
    shopper = UserFactory(skin_type=SkinType.NORMAL)
    headers = bearer(token(client, shopper))
    answers = {**ANSWERS, "concerns": ["acne", "large_pores"], "avoid": ["fragrance"]}
    response = client.post("/ml/v1/skin-analysis/analyze?lang=km", json={"answers": answers}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["data"]["skin_profile"]["skin_type_label"] != "Oily"  # Khmer
    _db.session.expire_all()
    saved = _db.session.get(User, shopper.id)
    assert saved.skin_type == SkinType.OILY
    assert saved.skin_concerns == ["acne", "large_pores"]
    assert saved.avoided_ingredients == ["fragrance"]
    stored = get_mongo().skin_analyses.find_one({"user_id": shopper.id})
    assert stored["skin_profile"] == {
        "skin_type": "oily",
        "concerns": ["acne", "large_pores"],
        "avoid_ingredients": ["fragrance"],
    }
    assert len(stored["routine"]["morning"]) == 5
    assert run_jobs() == 1  # the shopper's recommendations are regenerated
    assert get_mongo().product_recommendations.count_documents({"user_id": shopper.id}) == 4
    latest = client.get(f"/ml/v1/skin-analysis/recommendations/{shopper.id}", headers=headers)
    assert latest.status_code == 200
    assert latest.get_json()["data"]["analysis_id"] == str(stored["_id"])


def test_analyze_refuses_incomplete_or_unknown_answers(client, db):
    missing = client.post("/ml/v1/skin-analysis/analyze", json={"answers": {"skin_feel": "tight"}})
    assert missing.status_code == 422
    assert set(missing.get_json()["error"]["details"]["json"]["answers"]) == {"midday", "reactions"}
    wrong = client.post(
        "/ml/v1/skin-analysis/analyze?lang=km", json={"answers": {**ANSWERS, "skin_feel": "green", "concerns": ["x"]}}
    )
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"]["json"]["answers"]["skin_feel"] != ["Choose one of the listed options."]
    assert client.post("/ml/v1/skin-analysis/analyze", json={}).status_code == 422


def test_analysis_recommendations_are_the_users_and_the_staffs(client, db):
    shopper, other = UserFactory(), UserFactory()
    url = f"/ml/v1/skin-analysis/recommendations/{shopper.id}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(token(client, other))).status_code == 403
    none_yet = client.get(url, headers=bearer(token(client, shopper)))
    assert none_yet.status_code == 404 and none_yet.get_json()["success"] is False
    client.post("/ml/v1/skin-analysis/analyze", json={"answers": ANSWERS}, headers=bearer(token(client, shopper)))
    assert client.get(url, headers=bearer(token(client, AdminFactory()))).status_code == 200


def test_feedback_is_stored_and_checked(client, db):
    product = ProductFactory()
    shopper, other = UserFactory(), UserFactory()
    headers = bearer(token(client, shopper))
    analysis = client.post("/ml/v1/skin-analysis/analyze", json={"answers": ANSWERS}, headers=headers)
    analysis_id = analysis.get_json()["data"]["analysis_id"]
    response = client.post(
        "/ml/v1/skin-analysis/feedback",
        json={"analysis_id": analysis_id, "product_id": product.id, "rating": 4, "helpful": True, "comment": "Nice"},
        headers=headers,
    )
    assert response.status_code == 201
    stored = get_mongo().skin_analysis_feedback.find_one({"_id": ObjectId(response.get_json()["data"]["feedback_id"])})
    assert (stored["user_id"], stored["analysis_id"], stored["product_id"], stored["rating"], stored["helpful"]) == (
        shopper.id,
        analysis_id,
        product.id,
        4,
        True,
    )
    assert client.post("/ml/v1/skin-analysis/feedback", json={"rating": 4}).status_code == 401
    others = bearer(token(client, other))
    assert (
        client.post(
            "/ml/v1/skin-analysis/feedback", json={"analysis_id": analysis_id, "rating": 2}, headers=others
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/ml/v1/skin-analysis/feedback", json={"analysis_id": "nonsense", "rating": 2}, headers=headers
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/ml/v1/skin-analysis/feedback", json={"product_id": 999999, "rating": 2}, headers=headers
        ).status_code
        == 404
    )
    bad = client.post("/ml/v1/skin-analysis/feedback?lang=km", json={"rating": 6}, headers=headers)
    assert bad.status_code == 422 and "rating" in bad.get_json()["error"]["details"]["json"]
    assert client.post("/ml/v1/skin-analysis/feedback", json={}, headers=headers).status_code == 400
    assert get_mongo().skin_analysis_feedback.count_documents({}) == 1


def test_products_by_concern(client, db):
    acne = ProductFactory(name_en="Acne", skin_type="oily", skin_concerns=["acne"])
    ProductFactory(name_en="Dry acne", skin_type="dry", skin_concerns=["acne"])
    ProductFactory(name_en="Sold out", skin_concerns=["acne"], stock=0)
    ProductFactory(name_en="Dull", skin_concerns=["dullness"])
    response = client.get("/ml/v1/skin-analysis/products-by-concern?concern=acne&skin_type=oily")
    assert [p["id"] for p in response.get_json()["data"]["products"]] == [acne.id]
    everyone = client.get("/ml/v1/skin-analysis/products-by-concern?concern=acne")
    assert len(everyone.get_json()["data"]["products"]) == 2
    assert client.get("/ml/v1/skin-analysis/products-by-concern").status_code == 422
    km = client.get("/ml/v1/skin-analysis/products-by-concern?concern=warts&lang=km")
    assert km.status_code == 422 and km.get_json()["error"]["details"]["query"]["concern"] != ["Unknown skin concern."]


def test_customer_api_skin_analysis(client, db):
    routine_shop()
    shopper = UserFactory()
    headers = bearer(token(client, shopper))
    assert client.get("/api/v1/recommendations/skin-analysis").status_code == 401
    assert client.get("/api/v1/recommendations/skin-analysis", headers=headers).status_code == 404
    created = client.post("/api/v1/recommendations/skin-analysis", json={"answers": ANSWERS}, headers=headers)
    assert created.status_code == 201
    latest = client.get("/api/v1/recommendations/skin-analysis", headers=headers).get_json()["data"]
    assert latest["analysis_id"] == created.get_json()["data"]["analysis_id"]
    assert latest["skin_profile"]["concerns"] == [{"code": "acne", "label": "Acne"}]
    bad = client.post("/api/v1/recommendations/skin-analysis", json={"answers": {}}, headers=headers)
    assert bad.status_code == 422
