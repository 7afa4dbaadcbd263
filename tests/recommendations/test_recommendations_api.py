"""/ml/v1/recommendations/* and /api/v1/recommendations/products: served from the store, with
the shop's rules, for the user themselves or staff."""

from __future__ import annotations

from datetime import timedelta

from shop.analytics.store import get_mongo
from shop.catalog.models import ProductStatus
from shop.infra.columns import utcnow
from shop.orders.models import OrderStatus
from shop.recommendations.jobs import train_recommendations
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AdminFactory, ProductFactory, UserFactory, WishlistItemFactory
from tests.recommendations.helpers import buy, track


def token(client, user) -> str:
    return login(client, user.email, PASSWORD)["access_token"]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["product_id"] for item in response.get_json()["data"]["recommended_products"]]


def shop_with_history():
    """Shoppers who bought a cleanser with a toner; one of them also a serum."""
    cleanser = ProductFactory(name_en="Cleanser", category="cleansers")
    toner = ProductFactory(name_en="Toner", category="toners")
    serum = ProductFactory(name_en="Serum", category="serums")
    other = ProductFactory(name_en="Other", category="masks")
    for _ in range(3):
        buy(UserFactory(), cleanser, toner)
    fan = UserFactory()
    buy(fan, cleanser, serum)
    return cleanser, toner, serum, other


def test_cold_start_user_gets_popular_products(client, db):
    cleanser, toner, serum, other = shop_with_history()
    track(UserFactory().id, *[("product_view", other.id)] * 5)
    train_recommendations()
    newcomer = UserFactory()
    response = client.get(f"/ml/v1/recommendations/user/{newcomer.id}", headers=bearer(token(client, newcomer)))
    data = response.get_json()["data"]
    assert data["personalised"] is False
    assert ids(response)[:2] == [cleanser.id, toner.id]  # 4 and 3 purchases beat 5 views
    assert set(ids(response)) == {cleanser.id, toner.id, serum.id, other.id}
    assert data["recommended_products"][0]["reason"] == "popular"


def test_user_gets_products_bought_with_theirs_never_what_they_bought(client, db):
    cleanser, toner, serum, other = shop_with_history()
    shopper = UserFactory()
    buy(shopper, cleanser, days_ago=3)
    train_recommendations()
    response = client.get(f"/ml/v1/recommendations/user/{shopper.id}?limit=3", headers=bearer(token(client, shopper)))
    assert response.get_json()["data"]["personalised"] is True
    got = ids(response)
    assert got[0] == toner.id  # three shoppers bought it with the cleanser
    assert cleanser.id not in got
    collaborative = client.get(
        f"/ml/v1/recommendations/user/{shopper.id}?type=collaborative", headers=bearer(token(client, shopper))
    )
    assert ids(collaborative) == [toner.id, serum.id]
    assert collaborative.get_json()["data"]["recommended_products"][0]["reason"] == "bought_together"


def test_inactive_and_out_of_stock_products_are_never_recommended(client, db):
    cleanser, toner, serum, other = shop_with_history()
    shopper = UserFactory()
    buy(shopper, cleanser)
    train_recommendations()
    toner.stock = 0
    serum.status = ProductStatus.ARCHIVED
    db.session.commit()
    headers = bearer(token(client, shopper))
    assert toner.id not in ids(client.get(f"/ml/v1/recommendations/user/{shopper.id}", headers=headers))
    assert serum.id not in ids(client.get(f"/ml/v1/recommendations/user/{shopper.id}", headers=headers))
    popular = ids(client.get("/ml/v1/recommendations/popular"))
    assert toner.id not in popular and serum.id not in popular and cleanser.id in popular


def test_consumables_come_back_after_the_rebuy_interval_but_a_set_never(app, client, db):
    cleanser, toner, serum, other = shop_with_history()
    gift_set = ProductFactory(name_en="Gift set", category="sets")
    buy(UserFactory(), gift_set, toner)
    shopper = UserFactory()
    buy(shopper, toner, days_ago=30)
    buy(shopper, cleanser, gift_set, days_ago=app.config["RECOMMEND_REBUY_DAYS"] + 5)
    train_recommendations()
    got = ids(client.get(f"/ml/v1/recommendations/user/{shopper.id}?limit=20", headers=bearer(token(client, shopper))))
    assert cleanser.id in got  # bought 65 days ago: time to restock
    assert toner.id not in got  # bought 30 days ago
    assert gift_set.id not in got  # not a consumable
    # A cancelled order is no purchase.
    buy(shopper, serum, status=OrderStatus.CANCELLED)
    assert serum.id in ids(
        client.get(f"/ml/v1/recommendations/user/{shopper.id}?limit=20", headers=bearer(token(client, shopper)))
    )


def test_a_users_recommendations_are_theirs_and_the_staffs(client, db):
    shopper, other = UserFactory(), UserFactory()
    url = f"/ml/v1/recommendations/user/{shopper.id}"
    assert client.get(url).status_code == 401
    refused = client.get(url, headers=bearer(token(client, other)))
    assert refused.status_code == 403 and refused.get_json()["success"] is False
    assert client.get(url, headers=bearer(token(client, AdminFactory()))).status_code == 200
    km = client.get(url + "?lang=km", headers=bearer(token(client, other)))
    assert km.status_code == 403 and km.get_json()["message"] != refused.get_json()["message"]


def test_bad_query_values_are_422_in_the_users_language(client, db):
    shopper = UserFactory()
    headers = bearer(token(client, shopper))
    response = client.get(f"/ml/v1/recommendations/user/{shopper.id}?type=magic&limit=0", headers=headers)
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert set(details["query"]) == {"type", "limit"}
    km = client.get(f"/ml/v1/recommendations/user/{shopper.id}?limit=500&lang=km", headers=headers)
    assert km.status_code == 422
    assert km.get_json()["error"]["details"]["query"]["limit"] != ["Must be between 1 and 50."]
    assert client.get("/ml/v1/recommendations/popular?limit=abc").status_code == 422


def test_generate_enqueues_a_job_that_stores_the_users_lists(client, db, run_jobs):
    cleanser, toner, serum, other = shop_with_history()
    train_recommendations()
    shopper = UserFactory()
    WishlistItemFactory(user_id=shopper.id, product_id=cleanser.id)
    headers = bearer(token(client, shopper))
    response = client.post(f"/ml/v1/recommendations/user/{shopper.id}/generate", headers=headers)
    assert response.status_code == 202
    assert response.get_json()["data"] == {"user_id": shopper.id, "status": "queued"}
    assert get_mongo().product_recommendations.count_documents({"user_id": shopper.id}) == 0
    assert run_jobs() == 1
    stored = {d["recommendation_type"]: d for d in get_mongo().product_recommendations.find({"user_id": shopper.id})}
    assert set(stored) == {"hybrid", "collaborative", "content_based", "skin_based"}
    assert [p["product_id"] for p in stored["collaborative"]["recommended_products"]][0] == toner.id
    assert all(d["expires_at"] > d["created_at"] for d in stored.values())
    assert ids(client.get(f"/ml/v1/recommendations/user/{shopper.id}", headers=headers))[0] == toner.id
    assert client.post(f"/ml/v1/recommendations/user/{shopper.id + 999}/generate", headers=headers).status_code == 403
    admin = bearer(token(client, AdminFactory()))
    assert client.post(f"/ml/v1/recommendations/user/{shopper.id + 999}/generate", headers=admin).status_code == 404


def test_similar_products_and_bought_together(client, db):
    cleanser, toner, serum, other = shop_with_history()
    twin = ProductFactory(name_en="Cleanser twin", category="cleansers", ingredients=cleanser.ingredients)
    train_recommendations()
    assert ids(client.get(f"/ml/v1/recommendations/product/{cleanser.id}/similar")) == [twin.id]
    together = client.get(f"/ml/v1/recommendations/product/{cleanser.id}/similar?type=collaborative")
    assert ids(together) == [toner.id, serum.id]
    assert client.get("/ml/v1/recommendations/product/999999/similar").status_code == 404
    bad = client.get(f"/ml/v1/recommendations/product/{cleanser.id}/similar?type=nope&lang=km")
    assert bad.status_code == 422


def test_trending_is_recent_velocity(client, db):
    steady = ProductFactory(name_en="Steady")
    rising = ProductFactory(name_en="Rising")
    for n in range(6):
        track(UserFactory().id, ("cart_add", steady.id), days_ago=10 + n)
    for _ in range(3):
        track(UserFactory().id, ("product_view", rising.id), days_ago=1)
    train_recommendations()
    assert ids(client.get("/ml/v1/recommendations/trending")) == [rising.id]
    assert ids(client.get("/ml/v1/recommendations/popular"))[0] == steady.id


def test_skin_based_matches_type_and_concerns_and_avoids_flagged_ingredients(client, db):
    acne = ProductFactory(name_en="Acne gel", skin_type="oily", skin_concerns=["acne"], ingredients=["Niacinamide"])
    retinol = ProductFactory(name_en="Retinol", skin_type="all", skin_concerns=["acne"], ingredients=["Retinol"])
    ProductFactory(name_en="Dry cream", skin_type="dry", skin_concerns=["acne"])
    ProductFactory(name_en="Out", skin_type="oily", skin_concerns=["acne"], stock=0)
    response = client.post(
        "/ml/v1/recommendations/skin-based",
        json={"skin_type": "oily", "concerns": ["acne"], "avoid_ingredients": ["retinoids"]},
    )
    assert ids(response) == [acne.id]
    assert response.get_json()["data"]["recommended_products"][0]["reason"] == "skin_match"
    without = client.post("/ml/v1/recommendations/skin-based", json={"skin_type": "oily", "concerns": ["acne"]})
    assert ids(without) == [acne.id, retinol.id]
    bad = client.post("/ml/v1/recommendations/skin-based?lang=km", json={"skin_type": "green", "concerns": ["warts"]})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["json"]) == {"skin_type", "concerns"}
    assert client.post("/ml/v1/recommendations/skin-based", json={}).status_code == 422


def test_customer_api_recommends_popular_to_guests_and_personal_lists_to_shoppers(client, db):
    cleanser, toner, serum, other = shop_with_history()
    shopper = UserFactory()
    buy(shopper, cleanser)
    train_recommendations()
    guest = client.get("/api/v1/recommendations/products")
    assert guest.get_json()["data"]["personalised"] is False
    assert ids(guest)[0] == cleanser.id
    mine = client.get("/api/v1/recommendations/products?limit=2", headers=bearer(token(client, shopper)))
    assert mine.get_json()["data"]["personalised"] is True
    assert ids(mine)[0] == toner.id and cleanser.id not in ids(mine)
    assert client.get("/api/v1/recommendations/products?limit=0").status_code == 422


def test_training_stores_documents_with_expiry_and_a_ttl_index(app, db):
    cleanser, toner, serum, other = shop_with_history()
    result = train_recommendations()
    assert result["products"] == 4 and result["interactions"] == 8
    mongo = get_mongo()
    ttl = {
        name: spec.get("expireAfterSeconds") for name, spec in mongo.product_recommendations.index_information().items()
    }
    assert ttl["expires_at_ttl"] == 0
    assert mongo.product_similarities.index_information()["expires_at_ttl"]["expireAfterSeconds"] == 0
    popular = mongo.product_recommendations.find_one({"user_id": None, "recommendation_type": "popular"})
    lifetime = popular["expires_at"] - popular["created_at"]
    assert lifetime == app.config["RECOMMEND_TTL"]
    assert set(popular["recommended_products"][0]) == {"product_id", "score", "reason", "generated_at"}
    similar = mongo.product_similarities.find_one({"product_id": cleanser.id, "recommendation_type": "collaborative"})
    assert [s["product_id"] for s in similar["similar_products"]] == [toner.id, serum.id]
    # An expired document is not served even before MongoDB's TTL monitor removes it.
    mongo.product_recommendations.update_many({}, {"$set": {"expires_at": utcnow() - timedelta(minutes=1)}})
    from shop.recommendations import store

    assert store.user_list(None, "popular") is None


def test_flask_recommend_train(app, db):
    shop_with_history()
    result = app.test_cli_runner().invoke(args=["recommend", "train"])
    assert result.exit_code == 0, result.output
    assert "4 products, 8 interactions" in result.output
    assert get_mongo().product_recommendations.count_documents({"recommendation_type": "popular"}) == 1
