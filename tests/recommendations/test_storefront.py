"""The skin questionnaire (HTMX and plain forms), its result page, ingredient warnings in the
cart, and the recommendation blocks on the home and product pages."""

from __future__ import annotations

import html
import re

from shop.accounts.models import User
from shop.analytics.store import get_mongo
from shop.extensions import db as _db
from shop.recommendations.jobs import train_recommendations
from tests.factories import CartItemFactory, ProductFactory, UserFactory
from tests.recommendations.helpers import buy
from tests.recommendations.test_skin_analysis import routine_shop
from tests.web.test_account_pages import CSRF_INPUT, sign_in

HTMX = {"HX-Request": "true"}
STEPS = [
    {"skin_feel": "shiny_all"},
    {"midday": "shiny_all"},
    {"reactions": "rarely"},
    {"concerns": ["acne"]},
    {"avoid": []},
]


def token(client) -> str:
    return CSRF_INPUT.search(client.get("/skin-analysis").text).group(1)


def answer_all(client, csrf, headers=None):
    """Walk the five steps, carrying earlier answers as the form's hidden fields do."""
    answers: dict = {}
    response = None
    for number, step in enumerate(STEPS, start=1):
        answers.update(step)
        response = client.post(
            "/skin-analysis", data={**answers, "step": number, "csrf_token": csrf}, headers=headers or {}
        )
        if number < len(STEPS):
            assert response.status_code == 200, response.text
            assert f"Step {number + 1} of 5" in response.text
    return response


def test_questionnaire_without_javascript_is_a_form_per_step_then_the_routine(client, db):
    routine_shop()
    first = client.get("/skin-analysis")
    assert first.status_code == 200 and "Step 1 of 5" in first.text and "<html" in first.text
    done = answer_all(client, token(client))
    assert done.status_code == 303 and done.headers["Location"].endswith("/skin-analysis/result")
    result = html.unescape(client.get("/skin-analysis/result").text)
    assert "Your skin type: Oily" in result
    assert "Acne Cleanser" in result and "Made for oily skin. Targets acne." in result
    assert "Sun Fluid" in result and "Sold-out Toner" not in result
    assert "Sign in to save your skin profile." in result


def test_questionnaire_over_htmx_swaps_one_step_and_redirects_at_the_end(client, db):
    routine_shop()
    csrf = token(client)
    step = client.post("/skin-analysis", data={"skin_feel": "tight", "step": 1, "csrf_token": csrf}, headers=HTMX)
    assert step.status_code == 200
    assert step.text.lstrip().startswith('<form id="skin-quiz"') and "<html" not in step.text
    assert '<input type="hidden" name="skin_feel" value="tight">' in step.text
    back = client.post(
        "/skin-analysis", data={"skin_feel": "tight", "step": 2, "direction": "back", "csrf_token": csrf}, headers=HTMX
    )
    assert "Step 1 of 5" in back.text and 'value="tight" checked' in back.text
    done = answer_all(client, csrf, HTMX)
    assert done.status_code == 200 and done.headers["HX-Redirect"].endswith("/skin-analysis/result")


def test_a_step_without_an_answer_is_refused_in_the_shoppers_language(client, db):
    csrf = token(client)
    missing = client.post("/skin-analysis", data={"step": 1, "csrf_token": csrf})
    assert missing.status_code == 422 and "Please choose an answer." in missing.text and "Step 1 of 5" in missing.text
    too_many = client.post(
        "/skin-analysis",
        data={
            **STEPS[0],
            **STEPS[1],
            **STEPS[2],
            "concerns": ["acne", "dryness", "redness", "wrinkles"],
            "step": 4,
            "csrf_token": csrf,
        },
    )
    assert too_many.status_code == 422 and "Choose at most 3." in too_many.text
    # A tampered earlier answer sends the shopper back to that step.
    tampered = client.post(
        "/skin-analysis", data={"skin_feel": "purple", "midday": "fresh", "step": 2, "csrf_token": csrf}
    )
    assert tampered.status_code == 422 and "Step 1 of 5" in tampered.text
    assert client.post("/skin-analysis", data={"step": 9, "csrf_token": csrf}).status_code == 422
    assert client.post("/skin-analysis", data={"skin_feel": "tight", "step": 1}).status_code in (400, 422)
    client.get("/?lang=km")
    km = client.post("/skin-analysis", data={"step": 1, "csrf_token": token(client)})
    assert km.status_code == 422 and "Please choose an answer." not in km.text


def test_a_signed_in_shoppers_result_is_saved_to_the_profile(client, db):
    routine_shop()
    shopper = UserFactory()
    sign_in(client, shopper.email)
    assert answer_all(client, token(client)).status_code == 303
    _db.session.expire_all()
    assert _db.session.get(User, shopper.id).skin_concerns == ["acne"]
    assert get_mongo().skin_analyses.count_documents({"user_id": shopper.id}) == 1
    result = client.get("/skin-analysis/result")
    assert "Sign in to save" not in result.text and "Acne Cleanser" in result.text
    assert result.headers["Cache-Control"] == "no-store"


def test_result_page_without_answers_goes_to_the_questionnaire(client, db):
    response = client.get("/skin-analysis/result")
    assert response.status_code == 302 and response.headers["Location"].endswith("/skin-analysis")


def test_cart_warns_about_ingredients_that_do_not_mix(app, db):
    retinol = ProductFactory(name_en="Night Retinol", ingredients=["Retinol"])
    aha = ProductFactory(name_en="Glow Acid", ingredients=["Glycolic Acid"])
    calm, clash = UserFactory(), UserFactory()
    CartItemFactory(user_id=calm.id, product_id=retinol.id)
    CartItemFactory(user_id=clash.id, product_id=retinol.id)
    CartItemFactory(user_id=clash.id, product_id=aha.id)
    calm_client, clash_client = app.test_client(), app.test_client()
    sign_in(calm_client, calm.email)
    assert "Ingredients that do not mix" not in calm_client.get("/cart").text
    sign_in(clash_client, clash.email)
    page = html.unescape(clash_client.get("/cart").text)
    assert "Night Retinol + Glow Acid: Retinoids with AHA can irritate: use them on different evenings." in page


def test_home_loads_recommended_for_you_only_for_signed_in_shoppers(client, db):
    cleanser = ProductFactory(name_en="Cleanser", category="cleansers")
    toner = ProductFactory(name_en="Toner", category="toners")
    for _ in range(2):
        buy(UserFactory(), cleanser, toner)
    shopper = UserFactory()
    buy(shopper, cleanser)
    train_recommendations()
    assert "recommendations/for-you" not in client.get("/").text
    assert "Recommended for you" not in client.get("/recommendations/for-you").text
    sign_in(client, shopper.email)
    assert 'hx-get="/recommendations/for-you"' in client.get("/").text
    block = client.get("/recommendations/for-you", headers=HTMX)
    assert block.headers["Cache-Control"] == "private, no-store"
    names = re.findall(r'class="product-card__name"[^>]*>\s*<a[^>]*>([^<]+)<', block.text) or re.findall(
        r">(Cleanser|Toner)<", block.text
    )
    assert "Toner" in names and "Cleanser" not in names


def test_product_page_shows_bought_together_and_similar_and_the_cache_follows_training(app, client, db):
    cleanser = ProductFactory(name_en="Cleanser", category="cleansers")
    ProductFactory(name_en="Cleanser Twin", category="cleansers")
    toner = ProductFactory(name_en="Toner", category="toners")
    before = client.get(f"/products/{cleanser.slug}").text  # cached for guests
    assert 'id="pd-similar"' in before and 'id="pd-bought-together"' not in before
    for _ in range(2):
        buy(UserFactory(), cleanser, toner)
    train_recommendations()  # starts a new page generation
    page = client.get(f"/products/{cleanser.slug}").text
    together = re.search(r'<h2 id="pd-bought-together">.*?</section>', page, re.S).group(0)
    assert "Toner" in together and "Cleanser Twin" not in together
    similar = re.search(r'<h2 id="pd-similar">.*?</section>', page, re.S).group(0)
    assert "Cleanser Twin" in similar
