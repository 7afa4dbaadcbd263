"""Redis goes away (a real redis-server, killed mid-test): the catalog, the sign-in page and the
public API keep working from PostgreSQL; the cache misses, the limiter counts in memory, the
lockout still counts; what needs Redis (sessions, carts, token checks) answers 503 with
Retry-After, a page or the API's envelope. Never a traceback, never another 5xx."""

from __future__ import annotations

import shutil
import subprocess
import time
from decimal import Decimal

import pytest
import redis

from shop.extensions import limiter
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AddressFactory, ProductFactory, UserFactory
from tests.support.servers import free_port
from tests.web.test_account_pages import CSRF_INPUT, sign_in


@pytest.fixture
def doomed_redis():
    """A throwaway redis-server; `.stop()` kills it."""
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    process.url = url  # type: ignore[attr-defined]
    process.stop = lambda: (process.kill(), process.wait(10))  # type: ignore[attr-defined]
    yield process
    if process.poll() is None:
        process.stop()


@pytest.fixture
def shop_on_doomed_redis(make_app, database_url, doomed_redis, app, db):
    shop = make_app(SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=doomed_redis.url, JOBS_RAISE=False)
    yield shop
    # The limiter is one object for every app of this process: give it back to the suite's app.
    limiter.init_app(app)
    limiter._storage_dead = False


def _acceptable(response) -> bool:
    if response.status_code == 503:
        return int(response.headers.get("Retry-After", "0")) > 0
    return response.status_code < 500


def test_the_shop_survives_redis_going_away(shop_on_doomed_redis, doomed_redis, db):
    shop = shop_on_doomed_redis
    with shop.app_context():
        user = UserFactory(email="outage@example.com")
        address_id = AddressFactory(user=user).id
        product = ProductFactory(name_en="Rice Water Toner", price=Decimal("12.50"), stock=5)
        product_id, slug = product.id, product.slug
    signed_in, app_user, visitor = shop.test_client(), shop.test_client(), shop.test_client()
    sign_in(signed_in, "outage@example.com")
    shopper_token = CSRF_INPUT.search(signed_in.get("/account/profile").text).group(1)
    headers = bearer(login(app_user, "outage@example.com", PASSWORD)["access_token"])
    assert app_user.post("/api/v1/cart/add", json={"product_id": product_id}, headers=headers).status_code == 200
    assert visitor.get(f"/products/{slug}").status_code == 200  # cached while Redis was up

    doomed_redis.stop()

    answers = {}
    # A visitor looking around: the catalog and the sign-in page come from PostgreSQL.
    for url in ("/", f"/products/{slug}", "/shop?q=toner", "/account/login", "/cart", "/checkout"):
        answers[f"visitor GET {url}"] = visitor.get(url)
    for url in ("/", f"/products/{slug}"):
        assert answers[f"visitor GET {url}"].status_code == 200, url
    assert "Rice Water Toner" in answers[f"visitor GET /products/{slug}"].text
    assert answers["visitor GET /account/login"].status_code == 200
    token = CSRF_INPUT.search(answers["visitor GET /account/login"].text).group(1)
    signing_in = visitor.post(
        "/account/login", data={"email": "outage@example.com", "password": PASSWORD, "csrf_token": token}
    )
    answers["visitor POST /account/login"] = signing_in
    assert signing_in.status_code == 503 and signing_in.mimetype == "text/html"
    assert "unavailable for a moment" in signing_in.text

    # A signed-in shopper: the session cannot be read, so they look around read-only.
    answers["shopper GET product"] = signed_in.get(f"/products/{slug}")
    assert answers["shopper GET product"].status_code == 200
    for url in ("/cart", "/checkout", "/account"):
        answers[f"shopper GET {url}"] = signed_in.get(url)
    added = signed_in.post("/cart/add", data={"product_id": product_id, "csrf_token": shopper_token})
    answers["shopper POST /cart/add"] = added
    assert added.status_code == 503

    # The app: the public catalog works; what checks a token (its revocation is in Redis) is 503.
    for url in (
        "/api/v1/products",
        f"/api/v1/products/{product_id}",
        "/api/v1/categories",
        "/api/v1/products/search?q=toner",
    ):
        answers[f"api GET {url}"] = app_user.get(url)
        assert answers[f"api GET {url}"].status_code == 200, url
    answers["api POST login"] = app_user.post(
        "/api/v1/auth/login", json={"email": "outage@example.com", "password": PASSWORD}
    )
    for method, url, body in (
        ("get", "/api/v1/cart", None),
        ("post", "/api/v1/cart/add", {"product_id": product_id}),
        ("post", "/api/v1/orders", {"address_id": address_id}),
        ("get", "/api/v1/auth/me", None),
    ):
        response = getattr(app_user, method)(url, json=body, headers=headers)
        answers[f"api {method} {url}"] = response
        assert response.status_code == 503, url
        assert response.get_json()["success"] is False
        assert response.get_json()["message"] == (
            "This part of the shop is unavailable for a moment. Please try again in a minute."
        )

    wrong = [
        app_user.post("/api/v1/auth/login", json={"email": "outage@example.com", "password": "nope-nope"})
        for _ in range(6)
    ]
    assert [r.status_code for r in wrong] == [401] * 5 + [429]  # the lockout counts in memory

    bad = {name: (r.status_code, dict(r.headers)) for name, r in answers.items() if not _acceptable(r)}
    assert bad == {}
    ready = visitor.get("/health/ready")
    assert ready.status_code == 503 and ready.get_json()["failing"] == ["redis"]


def test_a_redis_error_page_is_translated(shop_on_doomed_redis, doomed_redis, db):
    with shop_on_doomed_redis.app_context():
        email = UserFactory().email
    visitor = shop_on_doomed_redis.test_client()
    token = CSRF_INPUT.search(visitor.get("/account/login?lang=km").text).group(1)
    doomed_redis.stop()
    page = visitor.post("/account/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert page.status_code == 503 and int(page.headers["Retry-After"]) == 30
    assert "ផ្នែកនេះនៃហាងមិនអាចប្រើបានមួយភ្លែត" in page.text
