"""/api/v1/auth/*: sign-up, sign-in, tokens, email verification and password reset."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.infra.columns import utcnow
from tests.api.helpers import bearer, login, token_from_email
from tests.factories import PASSWORD, AdminFactory, UserFactory

NEW_PASSWORD = "Mekong-river-2026"


def _user(db, email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _count_users(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_register_creates_an_unverified_customer_and_returns_tokens(client, db, smtp_server, run_jobs):
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": " Sokha@Example.com ",
            "password": NEW_PASSWORD,
            "first_name": "Sokha",
            "language": "km",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["success"] is True
    assert body["data"]["user"]["email"] == "sokha@example.com"
    assert body["data"]["user"]["language"] == "kh"
    assert body["data"]["user"]["email_verified"] is False
    assert body["data"]["tokens"]["token_type"] == "Bearer"
    me = client.get("/api/v1/auth/me", headers=bearer(body["data"]["tokens"]["access_token"]))
    assert me.get_json()["data"]["email"] == "sokha@example.com"
    user = _user(db, "sokha@example.com")
    assert user.password_hash.startswith("$argon2id$")
    assert user.email_verification_token is not None and len(user.email_verification_token) == 64


def test_verification_email_round_trip_in_the_users_language(client, db, smtp_server, run_jobs):
    client.post("/api/v1/auth/register", json={"email": "dara@example.com", "password": NEW_PASSWORD, "language": "kh"})
    assert run_jobs() == 1
    [message] = smtp_server.messages
    assert message["To"] == "dara@example.com"
    assert message["Subject"] == "បញ្ជាក់អាសយដ្ឋានអ៊ីមែលរបស់អ្នក"
    token = token_from_email(message)
    # The database holds only a hash of the emailed token.
    assert _user(db, "dara@example.com").email_verification_token != token
    response = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert response.status_code == 200
    assert response.get_json()["data"]["email_verified"] is True
    again = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.get_json()["error"]["details"] == {"token": ["This link is invalid or has already been used."]}


def test_expired_verification_link_is_refused(client, db, smtp_server, run_jobs):
    client.post("/api/v1/auth/register", json={"email": "vanna@example.com", "password": NEW_PASSWORD})
    run_jobs()
    token = token_from_email(smtp_server.messages[0])
    user = _user(db, "vanna@example.com")
    user.email_verification_expires = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert response.status_code == 400
    assert response.get_json()["message"] == "This link has expired. Please ask for a new one."
    assert _user(db, "vanna@example.com").email_verified is False


def test_resend_verification_sends_a_new_link_and_answers_the_same_for_unknown_emails(
    client, db, smtp_server, run_jobs
):
    UserFactory(email="late@example.com", email_verified=False)
    known = client.post("/api/v1/auth/resend-verification", json={"email": "late@example.com"})
    unknown = client.post("/api/v1/auth/resend-verification", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_json() == unknown.get_json()
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["late@example.com"]


def test_register_refuses_a_taken_email_case_insensitively(client, db):
    UserFactory(email="taken@example.com")
    response = client.post("/api/v1/auth/register", json={"email": "TAKEN@example.com", "password": NEW_PASSWORD})
    assert response.status_code == 409
    assert response.get_json()["error"]["details"] == {"email": ["An account with this email already exists."]}
    assert _count_users(db) == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"password": NEW_PASSWORD}, "email", "This field is required."),
        ({"email": "not-an-email", "password": NEW_PASSWORD}, "email", "Must be a valid email address."),
        (
            {"email": "a@example.com", "password": NEW_PASSWORD, "first_name": "x" * 101},
            "first_name",
            "Must be at most 100 characters.",
        ),
        ({"email": "a@example.com", "password": 12345678}, "password", "Must be text."),
        (
            {"email": "a@example.com", "password": NEW_PASSWORD, "language": "fr"},
            "language",
            "Must be one of: en, kh, km.",
        ),
        (
            {"email": "a@example.com", "password": NEW_PASSWORD, "skin_type": "shiny"},
            "skin_type",
            "Must be one of: oily, dry, combination, sensitive, normal, all.",
        ),
        (
            {"email": "a@example.com", "password": NEW_PASSWORD, "phone": "call me"},
            "phone",
            "Enter a phone number, e.g. +855 12 345 678.",
        ),
        ({"email": "a@example.com", "password": NEW_PASSWORD, "role": "admin"}, "role", "Unknown field."),
    ],
)
def test_register_validates_every_field(client, db, payload, field, message):
    response = client.post("/api/v1/auth/register", json=payload)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["json"][field] == [message]
    assert _count_users(db) == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 8 characters."),
        ("password123", "This password is too common. Choose one that is harder to guess."),
        ("x" * 129, "Must be at most 128 characters."),
    ],
)
def test_register_refuses_weak_passwords(client, db, password, message):
    response = client.post("/api/v1/auth/register", json={"email": "a@example.com", "password": password})
    assert response.status_code in (400, 422)
    details = response.get_json()["error"]["details"]
    assert details.get("password", details.get("json", {}).get("password")) == [message]
    assert _count_users(db) == 0


def test_validation_messages_follow_the_request_language(client, db):
    response = client.post("/api/v1/auth/register?lang=km", json={"email": "a@example.com", "password": "short"})
    assert response.get_json()["error"]["details"] == {"password": ["ប្រើយ៉ាងហោចណាស់ ៨ តួអក្សរ។"]}


def test_login_wrong_password_and_unknown_email_look_the_same(client, db):
    UserFactory(email="k@example.com")
    wrong = client.post("/api/v1/auth/login", json={"email": "k@example.com", "password": "not-the-password"})
    unknown = client.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["message"] == unknown.get_json()["message"] == "The email or password is not correct."


def test_suspended_user_cannot_log_in(client, db):
    UserFactory(email="s@example.com", is_active=False)
    response = client.post("/api/v1/auth/login", json={"email": "s@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert response.get_json()["message"] == "This account is suspended. Please contact us."


def test_account_is_locked_for_15_minutes_after_5_failures(client, db, redis_client):
    UserFactory(email="lock@example.com")
    for _ in range(5):
        assert (
            client.post("/api/v1/auth/login", json={"email": "lock@example.com", "password": "wrong-one"}).status_code
            == 401
        )
    locked = client.post("/api/v1/auth/login", json={"email": "lock@example.com", "password": PASSWORD})
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert int(redis_client.get("rate_limit:login:127.0.0.1")) == 5
    assert 890 <= redis_client.ttl("rate_limit:login:account:lock@example.com") <= 900


def test_per_ip_limit_stops_guessing_across_accounts(client, db):
    for n in range(20):
        client.post("/api/v1/auth/login", json={"email": f"guess{n}@example.com", "password": "wrong-one"})
    UserFactory(email="real@example.com")
    response = client.post("/api/v1/auth/login", json={"email": "real@example.com", "password": PASSWORD})
    assert response.status_code == 429


def test_logout_revokes_the_access_and_refresh_tokens(client, db):
    UserFactory(email="out@example.com")
    tokens = login(client, "out@example.com", PASSWORD)
    response = client.post(
        "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 200
    me = client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401
    assert me.get_json()["message"] == "Your session has ended. Please sign in again."
    assert client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(client, db):
    UserFactory(email="rot@example.com")
    first = login(client, "rot@example.com", PASSWORD)
    rotated = client.post("/api/v1/auth/refresh", headers=bearer(first["refresh_token"]))
    assert rotated.status_code == 200
    second = rotated.get_json()["data"]["tokens"]
    assert client.get("/api/v1/auth/me", headers=bearer(second["access_token"])).status_code == 200
    # The old refresh token again: stolen. Everything issued to the user stops working.
    assert client.post("/api/v1/auth/refresh", headers=bearer(first["refresh_token"])).status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(second["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=bearer(second["refresh_token"])).status_code == 401


def test_access_token_cannot_refresh_and_garbage_is_401(client, db):
    UserFactory(email="t@example.com")
    tokens = login(client, "t@example.com", PASSWORD)
    assert client.post("/api/v1/auth/refresh", headers=bearer(tokens["access_token"])).status_code == 401
    garbage = client.get("/api/v1/auth/me", headers=bearer("not.a.token"))
    assert garbage.status_code == 401
    assert garbage.get_json()["success"] is False
    assert client.get("/api/v1/auth/me").get_json()["message"] == "Please sign in."


def test_change_password_revokes_other_tokens_and_returns_new_ones(client, db, smtp_server, run_jobs):
    UserFactory(email="cp@example.com")
    other_device = login(client, "cp@example.com", PASSWORD)
    this_device = login(client, "cp@example.com", PASSWORD)
    response = client.post(
        "/api/v1/auth/change-password",
        headers=bearer(this_device["access_token"]),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 200
    fresh = response.get_json()["data"]["tokens"]
    assert client.get("/api/v1/auth/me", headers=bearer(other_device["access_token"])).status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(this_device["access_token"])).status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(fresh["access_token"])).status_code == 200
    run_jobs()
    assert [m["Subject"] for m in smtp_server.messages] == ["Your password was changed"]


def test_change_password_checks_the_current_one(client, db):
    UserFactory(email="cp2@example.com")
    tokens = login(client, "cp2@example.com", PASSWORD)
    response = client.post(
        "/api/v1/auth/change-password",
        headers=bearer(tokens["access_token"]),
        json={"current_password": "wrong-password", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["details"] == {"current_password": ["Your current password is not correct."]}


def test_forgot_password_round_trip_through_smtp(client, db, smtp_server, run_jobs):
    UserFactory(email="fp@example.com")
    known = client.post("/api/v1/auth/forgot-password", json={"email": "fp@example.com"})
    unknown = client.post("/api/v1/auth/forgot-password", json={"email": "ghost@example.com"})
    assert known.get_json() == unknown.get_json()
    assert run_jobs() == 1
    [message] = smtp_server.messages
    assert message["Subject"] == "Reset your password"
    token = token_from_email(message)
    response = client.post("/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD})
    assert response.status_code == 200
    assert client.post("/api/v1/auth/login", json={"email": "fp@example.com", "password": PASSWORD}).status_code == 401
    login(client, "fp@example.com", NEW_PASSWORD)
    reused = client.post("/api/v1/auth/reset-password", json={"token": token, "password": "Another-pass-77"})
    assert reused.status_code == 400
    assert reused.get_json()["message"] == "This link is invalid or has already been used."


def test_expired_reset_token_is_refused(client, db, smtp_server, run_jobs):
    UserFactory(email="exp@example.com")
    client.post("/api/v1/auth/forgot-password", json={"email": "exp@example.com"})
    run_jobs()
    token = token_from_email(smtp_server.messages[0])
    user = _user(db, "exp@example.com")
    assert user.password_reset_expires - utcnow() <= timedelta(hours=1)
    user.password_reset_expires = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.post("/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD})
    assert response.status_code == 400
    assert response.get_json()["message"] == "This link has expired. Please ask for a new one."
    login(client, "exp@example.com", PASSWORD)


def test_profile_update_and_validation(client, db):
    UserFactory(email="p@example.com")
    tokens = login(client, "p@example.com", PASSWORD)
    response = client.put(
        "/api/v1/auth/profile",
        headers=bearer(tokens["access_token"]),
        json={
            "first_name": "Bopha",
            "date_of_birth": "1995-04-14",
            "gender": "female",
            "skin_type": "oily",
            "language": "km",
        },
    )
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert (data["first_name"], data["date_of_birth"], data["skin_type"], data["language"]) == (
        "Bopha",
        "1995-04-14",
        "oily",
        "kh",
    )
    bad = client.put(
        "/api/v1/auth/profile",
        headers=bearer(tokens["access_token"]),
        json={"date_of_birth": "14/04/1995", "gender": "robot", "email": "new@example.com"},
    )
    assert bad.status_code == 422
    assert bad.get_json()["error"]["details"]["json"] == {
        "date_of_birth": ["Must be a date (YYYY-MM-DD)."],
        "gender": ["Must be one of: male, female, other."],
        "email": ["Unknown field."],
    }
    assert _user(db, "p@example.com").first_name == "Bopha"


def test_admin_login_is_for_staff_only(client, db):
    AdminFactory(email="boss@example.com")
    UserFactory(email="cust@example.com")
    refused = client.post("/api/v1/admin/login", json={"email": "cust@example.com", "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "This account is not a staff account."
    tokens = login(client, "boss@example.com", PASSWORD, path="/api/v1/admin/login")
    me = client.get("/api/v1/admin/me", headers=bearer(tokens["access_token"]))
    assert me.get_json()["data"]["role"] == "admin"
    customer = login(client, "cust@example.com", PASSWORD)
    assert client.get("/api/v1/admin/me", headers=bearer(customer["access_token"])).status_code == 403
    assert client.post("/api/v1/admin/logout", json={}, headers=bearer(tokens["access_token"])).status_code == 200
    assert client.get("/api/v1/admin/me", headers=bearer(tokens["access_token"])).status_code == 401


def test_suspending_a_user_ends_their_tokens(client, db):
    from shop.accounts.services import revoke_all_sessions

    user = UserFactory(email="sus@example.com")
    tokens = login(client, "sus@example.com", PASSWORD)
    user.is_active = False
    revoke_all_sessions(user)
    db.session.commit()
    assert client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401


@pytest.mark.parametrize("email", ["user@localhost", "a@b.12", "ü@example.com"])
def test_emails_the_database_would_refuse_are_a_clear_400_not_a_conflict(client, db, email):
    response = client.post("/api/v1/auth/register", json={"email": email, "password": NEW_PASSWORD})
    assert response.status_code in (400, 422)
    details = response.get_json()["error"]["details"]
    assert details.get("email", details.get("json", {}).get("email"))
    assert _count_users(db) == 0


def test_wrong_current_passwords_count_towards_the_lockout(client, db):
    UserFactory(email="guess@example.com")
    tokens = login(client, "guess@example.com", PASSWORD)
    for _ in range(5):
        response = client.post(
            "/api/v1/auth/change-password",
            headers=bearer(tokens["access_token"]),
            json={"current_password": "wrong-guess-1", "new_password": NEW_PASSWORD},
        )
        assert response.status_code == 401
    locked = client.post(
        "/api/v1/auth/change-password",
        headers=bearer(tokens["access_token"]),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert locked.status_code == 429


CAMBODIAN_ONLY = "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678."


def test_the_profile_phone_is_stored_as_e164_and_a_foreign_one_refused_in_khmer_too(client, db):
    UserFactory(email="p@example.com", phone="+855 17 555 010", first_name="Dara")
    headers = bearer(login(client, "p@example.com", PASSWORD)["access_token"])
    response = client.put("/api/v1/auth/profile", headers=headers, json={"phone": "012 345 678"})
    assert response.status_code == 200
    assert response.get_json()["data"]["phone"] == "+85512345678"
    assert _user(db, "p@example.com").phone == "+85512345678"
    for lang in ("en", "km"):
        foreign = client.put(
            f"/api/v1/auth/profile?lang={lang}",
            headers=headers,
            json={"phone": "+1 202 555 0123", "first_name": "Someone else"},
        )
        assert foreign.status_code == 400
        message = foreign.get_json()["error"]["details"]["phone"][0]
        assert (message == CAMBODIAN_ONLY) is (lang == "en")
    stored = _user(db, "p@example.com")
    assert (stored.phone, stored.first_name) == ("+85512345678", "Dara")  # nothing written
    cleared = client.put("/api/v1/auth/profile", headers=headers, json={"phone": None})
    assert cleared.status_code == 200 and _user(db, "p@example.com").phone is None


def test_register_stores_the_phone_as_e164_or_refuses_a_foreign_one(client, db):
    foreign = client.post(
        "/api/v1/auth/register", json={"email": "f@example.com", "password": NEW_PASSWORD, "phone": "+44 20 7946 0958"}
    )
    assert foreign.status_code == 400
    assert foreign.get_json()["error"]["details"] == {"phone": [CAMBODIAN_ONLY]}
    assert _count_users(db) == 0
    response = client.post(
        "/api/v1/auth/register", json={"email": "k@example.com", "password": NEW_PASSWORD, "phone": "0969 123 456"}
    )
    assert response.status_code == 201
    assert _user(db, "k@example.com").phone == "+855969123456"
