"""Tokens and sign-in under concurrency, and the limits every door shares: a refresh token is
spent once however many requests present it at once; the lockout counts before it checks a
password; the API's account emails and sign-ups draw on the pages' allowance; one address has a
global budget over every endpoint. Real PostgreSQL and Redis, real threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from shop.extensions import limiter
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, UserFactory
from tests.web.test_account_pages import CSRF_INPUT


def _race(count: int, attempt) -> list:
    barrier = threading.Barrier(count)

    def run(n: int):
        barrier.wait()
        return attempt(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _copy_cookies(source, target) -> None:
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


# ---------------------------------------------------------------- refresh tokens


@pytest.mark.parametrize("trial", range(5))
def test_one_refresh_token_presented_twice_at_once_is_spent_once(app, client, db, trial):
    UserFactory(email="twice@example.com")
    tokens = login(client, "twice@example.com", PASSWORD)

    responses = _race(
        2, lambda _n: app.test_client().post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    )

    assert sorted(r.status_code for r in responses) == [200, 401]
    refused = next(r for r in responses if r.status_code == 401).get_json()
    assert (refused["success"], refused["message"]) == (False, "Your session has ended. Please sign in again.")
    # The loser counts as reuse of a spent token: the whole family ends, the winner's pair too.
    winner = next(r for r in responses if r.status_code == 200).get_json()["data"]["tokens"]
    assert client.get("/api/v1/auth/me", headers=bearer(winner["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=bearer(winner["refresh_token"])).status_code == 401


# ---------------------------------------------------------------- sign-in lockout


def test_thirty_parallel_wrong_passwords_for_one_account_check_exactly_five(app, client, db):
    UserFactory(email="guess@example.com")

    responses = _race(
        30,
        lambda n: app.test_client().post(
            "/api/v1/auth/login", json={"email": "guess@example.com", "password": f"wrong-guess-{n}"}
        ),
    )

    statuses = [r.status_code for r in responses]
    assert (statuses.count(401), statuses.count(429)) == (5, 25)
    assert all(0 < int(r.headers["Retry-After"]) <= 900 for r in responses if r.status_code == 429)
    # Even the right password waits for the window now.
    assert (
        client.post("/api/v1/auth/login", json={"email": "guess@example.com", "password": PASSWORD}).status_code == 429
    )


def test_thirty_parallel_wrong_passwords_from_one_address_check_at_most_twenty(app, client, db):
    emails = [UserFactory().email for _ in range(30)]  # one guess per account: only the IP limit bites

    responses = _race(
        30, lambda n: app.test_client().post("/api/v1/auth/login", json={"email": emails[n], "password": "wrong-one"})
    )

    statuses = [r.status_code for r in responses]
    assert (statuses.count(401), statuses.count(429)) == (20, 10)


def test_parallel_wrong_passwords_on_the_sign_in_page_check_exactly_five(app, client, db):
    UserFactory(email="page-guess@example.com")
    token = CSRF_INPUT.search(client.get("/account/login").text).group(1)

    def attempt(n: int):
        tab = app.test_client()
        _copy_cookies(client, tab)
        data = {"email": "page-guess@example.com", "password": f"wrong-guess-{n}", "csrf_token": token}
        return tab.post("/account/login", data=data)

    statuses = [r.status_code for r in _race(20, attempt)]
    assert (statuses.count(400), statuses.count(429)) == (5, 15)  # 400: "the email or password is not correct"


def test_a_successful_sign_in_gives_its_count_back_to_the_address(client, db, redis_client):
    UserFactory(email="fine@example.com")
    for _ in range(3):
        assert (
            client.post("/api/v1/auth/login", json={"email": "fine@example.com", "password": PASSWORD}).status_code
            == 200
        )
    assert redis_client.get("rate_limit:login:127.0.0.1") in (None, b"0")


# ---------------------------------------------------------------- one allowance for both doors


def test_forgot_password_over_the_api_is_limited_like_the_page(client, db):
    UserFactory(email="reset@example.com")
    statuses = [
        client.post("/api/v1/auth/forgot-password", json={"email": "reset@example.com"}).status_code for _ in range(12)
    ]
    assert statuses == [200] * 10 + [429] * 2
    refused = client.post("/api/v1/auth/forgot-password", json={"email": "reset@example.com"})
    assert refused.get_json()["success"] is False and int(refused.headers["Retry-After"]) > 0
    # The page draws on the same allowance: switching doors gains nothing.
    token = CSRF_INPUT.search(client.get("/account/forgot-password").text).group(1)
    page = client.post("/account/forgot-password", data={"email": "reset@example.com", "csrf_token": token})
    assert page.status_code == 429


def test_sign_ups_over_the_api_are_limited_like_the_page(client, db):
    statuses = [
        client.post(
            "/api/v1/auth/register", json={"email": f"new{n}@example.com", "password": "mekong-sunrise-2026"}
        ).status_code
        for n in range(22)
    ]
    assert statuses == [201] * 20 + [429] * 2


# ---------------------------------------------------------------- the global budget


@pytest.fixture
def small_global_budget(app):
    previous = app.config["RATE_LIMIT_GLOBAL"]
    app.config["RATE_LIMIT_GLOBAL"] = "12 per minute"
    limiter.reset()
    yield
    app.config["RATE_LIMIT_GLOBAL"] = previous
    limiter.reset()


def test_one_address_has_one_budget_over_every_endpoint(client, db, small_global_budget):
    urls = ["/api/v1/products", "/api/v1/categories", "/api/v1/", "/admin/login"]
    statuses = [client.get(urls[n % len(urls)]).status_code for n in range(16)]
    # Each endpoint saw 4 requests (its own limit is 100), but together they spent the 12.
    assert statuses[:12] == [200] * 12 and statuses[12:] == [429] * 4
    assert client.get("/health").status_code == 200  # health checks are never limited
    refused = client.get("/api/v1/products")
    assert refused.get_json()["success"] is False and int(refused.headers["Retry-After"]) > 0


def test_storefront_page_views_do_not_spend_the_budget(client, db, small_global_budget):
    assert [client.get("/").status_code for _ in range(20)] == [200] * 20
    assert client.get("/api/v1/").status_code == 200
