"""The emailed links, end to end: a page sends the email through RQ and a real SMTP server, and
the link in it, followed with the test client, does its job once."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from shop.accounts.models import Language, User
from shop.infra.columns import utcnow
from shop.jobs import get_queue
from tests.factories import PASSWORD, UserFactory
from tests.web.test_account_pages import (
    CSRF_INPUT,
    NEW_PASSWORD,
    field_error,
    form_error,
    khmer,
    post_form,
    reload,
    sign_in,
    signed_out,
)

LINK = re.compile(r"http://[^/\s]+(/account/[a-z-]+\?token=[A-Za-z0-9_-]+)")


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message) -> str:
    """The path and query of the one account link in the email's text part."""
    links = LINK.findall(text_part(message))
    assert len(links) == 1, text_part(message)
    return links[0]


def main_content(page) -> str:
    return re.search(r"<main\b.*?</main>", page.text, re.S).group(0)


def _register(client, url="/account/register", **overrides):
    data = {
        "first_name": "Sokha",
        "last_name": "Chan",
        "email": "sokha@example.com",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        **overrides,
    }
    return post_form(client, url, data)


def _users(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


# ---------------------------------------------------------------- register and verify


def test_register_then_the_emailed_link_verifies_the_address_once(client, db, smtp_server, run_jobs):
    response = _register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    account = client.get("/account").text
    assert "Welcome! Please check your email to confirm your address." in account
    assert "Please confirm your email address" in account
    user = db.session.scalar(sa.select(User).where(User.email == "sokha@example.com"))
    assert (user.first_name, user.last_name, user.language, user.email_verified) == (
        "Sokha",
        "Chan",
        Language.EN,
        False,
    )

    assert run_jobs() == 1
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "sokha@example.com"
    assert message["Subject"] == "Confirm your email address"
    link = link_in(message)
    assert link.startswith("/account/verify-email?token=")

    page = client.get(link)
    assert page.status_code == 200
    assert "Your email address is confirmed." in page.text
    verified = reload(db, user)
    assert verified.email_verified is True
    verified_at = verified.email_verified_at
    assert verified_at is not None
    assert "Please confirm your email address" not in client.get("/account").text

    again = client.get(link)
    assert again.status_code == 400
    assert "This link is invalid or has already been used." in again.text
    assert reload(db, user).email_verified_at == verified_at


def test_the_link_works_without_being_signed_in(app, client, db, smtp_server, run_jobs):
    _register(client)
    run_jobs()
    other_browser = app.test_client()
    page = other_browser.get(link_in(smtp_server.messages[0]))
    assert page.status_code == 200
    assert '<a class="btn btn-primary" href="/account/login">Sign in</a>' in page.text


def test_registering_in_khmer_stores_khmer_and_emails_in_khmer(app, client, db, smtp_server, run_jobs):
    client.get("/?lang=km")
    assert _register(client).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "sokha@example.com"))
    assert user.language is Language.KH
    run_jobs()
    assert smtp_server.messages[0]["Subject"] == khmer(app, "Confirm your email address")


def test_an_expired_verification_link_is_refused(client, db, smtp_server, run_jobs):
    _register(client)
    run_jobs()
    user = db.session.scalar(sa.select(User).where(User.email == "sokha@example.com"))
    user.email_verification_expires = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(link_in(smtp_server.messages[0]))
    assert page.status_code == 400
    assert "This link has expired. Please ask for a new one." in page.text
    assert 'href="/account/resend-verification"' in page.text
    assert reload(db, user).email_verified is False


def test_a_made_up_verification_token_is_refused(client, db):
    page = client.get("/account/verify-email?token=made-up")
    assert page.status_code == 400
    assert "This link is invalid or has already been used." in page.text
    assert client.get("/account/verify-email").status_code == 400


def test_resend_verification_sends_a_new_link_and_answers_the_same_for_anyone(app, client, db, smtp_server, run_jobs):
    user = UserFactory(email_verified=False)
    known = post_form(client, "/account/resend-verification", {"email": user.email})
    assert known.status_code == 200
    assert run_jobs() == 1
    assert client.get(link_in(smtp_server.messages[0])).status_code == 200
    assert reload(db, user).email_verified is True

    unknown = post_form(app.test_client(), "/account/resend-verification", {"email": "nobody@example.com"})
    assert unknown.status_code == 200
    assert main_content(unknown) == main_content(known)
    assert get_queue().count == 0
    assert len(smtp_server.messages) == 1


def test_registration_refuses_bad_input_and_writes_nothing(client, db):
    UserFactory(email="taken@example.com")
    page = _register(client, email="Taken@Example.com")
    assert page.status_code == 409
    assert field_error(page, "email") == "An account with this email already exists."
    page = _register(client, password="password1", confirm="password1")
    assert page.status_code == 400
    assert field_error(page, "password") == "This password is too common. Choose one that is harder to guess."
    page = _register(client, password="sokha@example.com", confirm="sokha@example.com")
    assert page.status_code == 400
    assert field_error(page, "password") == "Your password must not be your email address."
    page = _register(client, confirm="something-else-2026")
    assert page.status_code == 422
    assert field_error(page, "confirm") == "The two passwords are not the same."
    page = _register(client, email="sokha at example")
    assert page.status_code == 422
    assert field_error(page, "email") == "Must be a valid email address."
    page = _register(client, email="ស@example.com")
    assert page.status_code == 422
    assert field_error(page, "email") == "Must be a valid email address."
    page = _register(client, email="a" * 250 + "@example.com")
    assert page.status_code == 422
    assert field_error(page, "email") == "Must be at most 255 characters."
    assert _users(db) == 1
    assert signed_out(client)


# ---------------------------------------------------------------- password reset


def test_forgot_password_email_link_sets_a_new_password_once(app, client, db, smtp_server, run_jobs):
    user = UserFactory(email_verified=False)
    page = post_form(client, "/account/forgot-password", {"email": user.email})
    assert page.status_code == 200
    assert "If an account uses this email, we are sending a link to reset the password." in page.text
    assert run_jobs() == 1
    message = smtp_server.messages[0]
    assert message["To"] == user.email
    assert message["Subject"] == "Reset your password"
    link = link_in(message)
    assert link.startswith("/account/reset-password?token=")

    form = client.get(link)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert form.headers["Cache-Control"] == "no-store"
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    assert "Your password was changed. Please sign in." in client.get("/account/login").text
    # Following the link proved the address; the "your password changed" email follows.
    assert reload(db, user).email_verified is True
    assert run_jobs() == 1
    assert smtp_server.messages[1]["Subject"] == "Your password was changed"

    old = post_form(app.test_client(), "/account/login", {"email": user.email, "password": PASSWORD})
    assert old.status_code == 400
    assert form_error(old) == "The email or password is not correct."
    sign_in(app.test_client(), user.email, NEW_PASSWORD)

    reused = client.get(link)  # a spent link says so as soon as it is opened
    assert reused.status_code == 400
    assert form_error(reused) == "This link is invalid or has already been used."
    token = CSRF_INPUT.search(reused.text).group(1)
    again = client.post(
        link, data={"password": "another-pass-2026", "confirm": "another-pass-2026", "csrf_token": token}
    )
    assert again.status_code == 400
    assert form_error(again) == "This link is invalid or has already been used."
    sign_in(app.test_client(), user.email, NEW_PASSWORD)


def test_resetting_the_password_ends_every_session(app, client, db, smtp_server, run_jobs):
    user = UserFactory()
    signed_in_elsewhere = app.test_client()
    sign_in(signed_in_elsewhere, user.email, remember=True)
    post_form(client, "/account/forgot-password", {"email": user.email})
    run_jobs()
    link = link_in(smtp_server.messages[0])
    assert post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert signed_out(signed_in_elsewhere)


def test_an_expired_reset_link_is_refused(client, db, smtp_server, run_jobs):
    user = UserFactory()
    post_form(client, "/account/forgot-password", {"email": user.email})
    run_jobs()
    link = link_in(smtp_server.messages[0])
    user.password_reset_expires = utcnow() - timedelta(seconds=1)
    db.session.commit()
    # The page says so as soon as the link is opened, before a new password is typed...
    opened = client.get(link)
    assert opened.status_code == 400
    assert form_error(opened) == "This link has expired. Please ask for a new one."
    # ...and a submission anyway is refused too.
    token = CSRF_INPUT.search(opened.text).group(1)
    page = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token})
    assert page.status_code == 400
    assert form_error(page) == "This link has expired. Please ask for a new one."
    assert 'href="/account/forgot-password"' in page.text
    assert reload(db, user).password_hash == user.password_hash


def test_reset_refuses_a_weak_password_and_keeps_the_link(client, db, smtp_server, run_jobs):
    user = UserFactory()
    post_form(client, "/account/forgot-password", {"email": user.email})
    run_jobs()
    link = link_in(smtp_server.messages[0])
    page = post_form(client, link, {"password": "password1", "confirm": "password1"})
    assert page.status_code == 400
    assert field_error(page, "password") == "This password is too common. Choose one that is harder to guess."
    page = post_form(client, link, {"password": NEW_PASSWORD, "confirm": "not-the-same-2026"})
    assert page.status_code == 422
    assert field_error(page, "confirm") == "The two passwords are not the same."
    assert post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_forgot_password_for_an_unknown_email_looks_the_same_and_sends_nothing(app, client, db, smtp_server, run_jobs):
    user = UserFactory()
    known = post_form(client, "/account/forgot-password", {"email": user.email})
    assert run_jobs() == 1

    stranger = app.test_client()
    unknown = post_form(stranger, "/account/forgot-password", {"email": "nobody@example.com"})
    assert unknown.status_code == known.status_code == 200
    assert main_content(unknown) == main_content(known)
    assert get_queue().count == 0
    assert run_jobs() == 0
    assert len(smtp_server.messages) == 1


def test_email_sending_pages_are_throttled_per_ip(client, db):
    for n in range(10):
        assert post_form(client, "/account/forgot-password", {"email": f"someone{n}@example.com"}).status_code == 200
    page = post_form(client, "/account/forgot-password", {"email": "one-more@example.com"})
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) > 0
    assert "You have made too many requests. Please wait a moment and try again." in page.text
