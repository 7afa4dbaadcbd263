"""The account pages: sign-in and out, sessions, CSRF, password change, profile, address book,
and the staff sign-in. Real PostgreSQL and Redis (server-side sessions), the real CSRF check."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from shop.accounts.models import Language, User, UserAddress
from shop.cart.models import CartItem
from shop.catalog.models import SkinType
from shop.infra.columns import utcnow
from tests.factories import PASSWORD, AddressFactory, AdminFactory, ModeratorFactory, ProductFactory, UserFactory

NEW_PASSWORD = "mekong-sunrise-2026"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


# ---------------------------------------------------------------- helpers


def csrf_token(client, url: str) -> str:
    """GET the page that holds the form and read its CSRF token (the real check is on)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return CSRF_INPUT.search(page.text).group(1)


def post_form(client, url: str, data: dict, *, form_url: str | None = None):
    """Submit a form the way a browser does: with the token from the page that shows it."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})


def sign_in(client, email: str, password: str = PASSWORD, *, remember: bool = False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    response = post_form(client, "/account/login", data)
    assert response.status_code == 302, response.text
    return response


def h1(page) -> str:
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", page.text, re.S)
    assert len(headings) == 1, headings
    return html.unescape(headings[0]).strip()


def html_lang(page) -> str:
    return re.search(r'<html lang="([a-z]+)">', page.text).group(1)


def field_error(page, field_id: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page.text, re.S)
    return html.unescape(match.group(1)) if match else None


def form_error(page) -> str | None:
    match = re.search(r'<p class="form-errors__title" id="form-errors-title">(.*?)</p>', page.text, re.S)
    return html.unescape(match.group(1)) if match else None


def translated(app, msgid: str, locale: str = "km", **params) -> str:
    """`msgid` through the app's real catalog."""
    with app.test_request_context(), force_locale(locale):
        return gettext(msgid, **params)


def khmer(app, msgid: str, **params) -> str:
    """The Khmer translation of a msgid that the catalog already translates."""
    text = translated(app, msgid, **params)
    assert text != msgid, f"not translated yet: {msgid!r}"
    return text


def with_lang(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def signed_out(client) -> bool:
    response = client.get("/account")
    return response.status_code == 302 and response.headers["Location"].startswith("/account/login")


def reload(db, model):
    db.session.expire_all()
    return db.session.get(type(model), model.id)


def set_cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


# ---------------------------------------------------------------- every page, both languages


ANONYMOUS_PAGES = [
    ("/account/login", "Sign in"),
    ("/account/register", "Create an account"),
    ("/account/forgot-password", "Forgot your password?"),
    ("/account/resend-verification", "Send the confirmation email again"),
    ("/admin/login", "Staff sign in"),
]
CUSTOMER_PAGES = [
    ("/account", "My account"),
    ("/account/profile", "Profile"),
    ("/account/password", "Change password"),
    ("/account/addresses", "Addresses"),
    ("/account/addresses/new", "Add an address"),
    ("/account/addresses/{address}/edit", "Edit address"),
]


def _check_both_languages(app, client, url: str, heading: str, **params) -> None:
    english = client.get(with_lang(url, "en"))
    assert english.status_code == 200, url
    assert html_lang(english) == "en"
    assert h1(english) == heading % params if params else h1(english) == heading
    khmer_page = client.get(with_lang(url, "km"))
    assert khmer_page.status_code == 200, url
    assert html_lang(khmer_page) == "km"
    assert khmer(app, "Skip to main content") in khmer_page.text
    assert h1(khmer_page) == translated(app, heading, **params)


@pytest.mark.parametrize(("url", "heading"), ANONYMOUS_PAGES)
def test_signed_out_pages_render_in_english_and_khmer(app, client, url, heading):
    _check_both_languages(app, client, url, heading)


@pytest.mark.parametrize(("url", "heading"), CUSTOMER_PAGES)
def test_account_pages_render_in_english_and_khmer(app, client, db, url, heading):
    user = UserFactory()
    address = AddressFactory(user=user)
    sign_in(client, user.email)
    _check_both_languages(app, client, url.format(address=address.id), heading)


def test_verification_link_page_renders_in_english_and_khmer(app, client, db):
    for lang, expected in (("en", "Your email address is confirmed."), ("km", None)):
        raw = f"raw-token-{lang}"
        UserFactory(
            email_verified=False,
            email_verification_token=hashlib.sha256(raw.encode()).hexdigest(),
            email_verification_expires=utcnow() + timedelta(hours=1),
        )
        page = client.get(f"/account/verify-email?token={raw}&lang={lang}")
        assert page.status_code == 200
        assert html_lang(page) == lang
        assert h1(page) == translated(app, "Confirm your email address", lang)
        assert translated(app, "Your email address is confirmed.", lang) in page.text
        if expected:
            assert expected in page.text
        else:
            assert khmer(app, "Your email address is confirmed.") in page.text


def test_staff_home_renders_in_english_and_khmer(app, client, db):
    admin = AdminFactory(first_name="Dara")
    sign_in(client, admin.email)
    _check_both_languages(app, client, "/admin/", "Hello, %(name)s", name="Dara")


def test_header_shows_sign_in_links_or_the_account_and_a_sign_out_form(client, db):
    anonymous = client.get("/").text
    assert '<a href="/account/login">Sign in</a>' in anonymous
    assert '<a href="/account/register">Create account</a>' in anonymous
    assert "/account/logout" not in anonymous
    user = UserFactory()
    sign_in(client, user.email)
    signed = client.get("/").text
    assert '<a href="/account">My account</a>' in signed
    assert re.search(r'<form method="post" action="/account/logout">\s*<input type="hidden" name="csrf_token"', signed)
    assert "/account/login" not in signed


def test_invalid_fields_are_marked_for_screen_readers(client, db):
    page = post_form(client, "/account/login", {"email": "", "password": ""})
    assert page.status_code == 422
    assert re.search(
        r'<input aria-describedby="email-error" aria-invalid="true" autocomplete="email" id="email"', page.text
    )
    assert field_error(page, "email") == "This field is required."
    assert field_error(page, "password") == "This field is required."


# ---------------------------------------------------------------- sign in


def test_sign_in_and_out(client, db):
    user = UserFactory()
    response = sign_in(client, user.email)
    assert response.headers["Location"] == "/account"
    account = client.get("/account")
    assert account.status_code == 200
    assert f"Signed in as {user.email}" in account.text
    assert client.get("/account/logout").status_code == 405
    response = post_form(client, "/account/logout", {}, form_url="/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_out(client)


def test_email_is_matched_without_case_or_spaces(client, db):
    user = UserFactory(email="sokha@example.com")
    sign_in(client, "  Sokha@Example.COM ")
    assert client.get("/account").status_code == 200
    assert user.email == "sokha@example.com"


def test_wrong_password_is_refused_with_a_message(client, db):
    user = UserFactory()
    page = post_form(client, "/account/login", {"email": user.email, "password": "not-the-password"})
    assert page.status_code == 400
    assert form_error(page) == "The email or password is not correct."
    assert signed_out(client)


def test_wrong_password_message_in_khmer(app, client, db):
    user = UserFactory()
    page = post_form(client, "/account/login?lang=km", {"email": user.email, "password": "not-the-password"})
    assert page.status_code == 400
    assert form_error(page) == khmer(app, "The email or password is not correct.")


def test_unknown_email_gets_the_same_message(client, db):
    page = post_form(client, "/account/login", {"email": "nobody@example.com", "password": PASSWORD})
    assert page.status_code == 400
    assert form_error(page) == "The email or password is not correct."


def test_suspended_user_cannot_sign_in(client, db):
    user = UserFactory(is_active=False)
    page = post_form(client, "/account/login", {"email": user.email, "password": PASSWORD})
    assert page.status_code == 403
    assert form_error(page) == "This account is suspended. Please contact us."
    assert signed_out(client)


def test_suspending_a_signed_in_user_ends_the_session(client, db):
    user = UserFactory()
    sign_in(client, user.email)
    user.is_active = False
    db.session.commit()
    assert signed_out(client)


def test_lockout_after_five_failures_even_with_the_right_password(client, db):
    user = UserFactory()
    for _ in range(5):
        page = post_form(client, "/account/login", {"email": user.email, "password": "wrong-password"})
        assert page.status_code == 400
    page = post_form(client, "/account/login", {"email": user.email, "password": PASSWORD})
    assert page.status_code == 429
    assert 1 <= int(page.headers["Retry-After"]) <= 15 * 60
    assert form_error(page) == "Too many attempts. Please wait a few minutes and try again."
    assert signed_out(client)


def test_session_cookie_is_http_only_lax_and_renewed_on_sign_in(client, db, redis_client):
    user = UserFactory()
    with client.session_transaction() as session:  # a guest's session (a cart, a message...)
        session["planted"] = "by someone else"
    before = client.get_cookie("session").value
    assert redis_client.exists(f"session:{before}") == 1
    response = sign_in(client, user.email)
    cookie = set_cookie_header(response, "session")
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie
    after = client.get_cookie("session").value
    assert after != before
    assert redis_client.exists(f"session:{before}") == 0
    assert redis_client.exists(f"session:{after}") == 1


def test_signing_out_renews_the_session_and_keeps_the_language(client, db):
    user = UserFactory()
    client.get("/?lang=km")
    sign_in(client, user.email)
    before = client.get_cookie("session").value
    post_form(client, "/account/logout", {}, form_url="/account")
    assert client.get_cookie("session").value != before
    assert html_lang(client.get("/")) == "km"


def test_a_cookie_session_is_emptied_on_sign_in_except_the_language(make_app, database_url, servers, app, db):
    embedded = make_app(
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=None,
        CACHE_TYPE="SimpleCache",
        # The limiter is shared by every app: keep it on the Redis db the suite flushes.
        RATELIMIT_STORAGE_URI=servers.redis_url,
    )
    assert not hasattr(embedded.session_interface, "regenerate")
    user = UserFactory()
    client = embedded.test_client()
    client.get("/account/login?lang=km")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    old_csrf = csrf_token(client, "/account/login")
    sign_in(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()
    assert html_lang(client.get("/account")) == "km"
    assert csrf_token(client, "/account/profile") != old_csrf


def test_remember_me_sets_a_long_lived_http_only_cookie(client, db):
    user = UserFactory()
    without = sign_in(client, user.email)
    assert not [h for h in without.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    post_form(client, "/account/logout", {}, form_url="/account")
    response = sign_in(client, user.email, remember=True)
    cookie = set_cookie_header(response, "remember_token")
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie
    assert "Expires=" in cookie


def test_remember_me_cookie_alone_signs_the_user_in(client, db):
    user = UserFactory()
    sign_in(client, user.email, remember=True)
    client.delete_cookie("session")
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize(
    ("next_url", "location"),
    [
        ("/account/addresses", "/account/addresses"),
        ("/products/rice-toner?size=50", "/products/rice-toner?size=50"),
        ("https://evil.example/phish", "/account"),
        ("//evil.example", "/account"),
        ("/\\evil.example", "/account"),
        ("javascript:alert(1)", "/account"),
        ("http:/evil.example", "/account"),
    ],
)
def test_next_is_followed_only_to_paths_on_this_site(client, db, next_url, location):
    user = UserFactory()
    url = "/account/login?" + urlencode({"next": next_url})
    response = post_form(client, url, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_login_required_pages_send_anonymous_visitors_to_sign_in_and_back(client, db):
    user = UserFactory()
    response = client.get("/account/addresses")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=%2Faccount%2Faddresses"
    response = post_form(client, response.headers["Location"], {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/addresses"


# ---------------------------------------------------------------- CSRF


def test_posts_without_the_csrf_token_are_refused_and_write_nothing(client, db):
    data = {"email": "new@example.com", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = client.post("/account/register", data=data)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0

    user = UserFactory(first_name="Sokha")
    sign_in(client, user.email)
    response = client.post("/account/profile", data={"first_name": "Changed", "skin_type": "oily", "language": "en"})
    assert response.status_code == 400
    assert reload(db, user).first_name == "Sokha"
    response = client.post("/account/logout")
    assert response.status_code == 400
    assert client.get("/account").status_code == 200


def test_a_wrong_csrf_token_is_refused(client, db):
    user = UserFactory()
    client.get("/account/login")
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert signed_out(client)


def test_a_form_opened_before_sign_in_cannot_be_posted_after_it(client, db):
    """The CSRF token belongs to the session it was issued in; signing in starts a new one."""
    user = UserFactory()
    stale = csrf_token(client, "/account/login")
    sign_in(client, user.email)
    response = client.post("/account/logout", data={"csrf_token": stale})
    assert response.status_code == 400


# ---------------------------------------------------------------- change password


def test_changing_the_password_signs_out_every_other_session(client, app, db):
    user = UserFactory()
    other = app.test_client()
    remembered = app.test_client()
    sign_in(client, user.email)
    sign_in(other, user.email)
    sign_in(remembered, user.email, remember=True)

    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"

    assert client.get("/account").status_code == 200
    assert signed_out(other)
    assert signed_out(remembered)
    fresh = app.test_client()
    page = post_form(fresh, "/account/login", {"email": user.email, "password": PASSWORD})
    assert page.status_code == 400
    sign_in(fresh, user.email, NEW_PASSWORD)


def test_change_password_needs_the_current_one(client, db):
    user = UserFactory()
    sign_in(client, user.email)
    page = post_form(
        client,
        "/account/password",
        {"current_password": "not-it-at-all", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert page.status_code == 400
    assert field_error(page, "current_password") == "Your current password is not correct."
    assert reload(db, user).auth_version == user.auth_version


@pytest.mark.parametrize(
    ("new_password", "confirm", "status", "field", "message"),
    [
        (
            "password1",
            "password1",
            400,
            "new_password",
            "This password is too common. Choose one that is harder to guess.",
        ),
        ("short", "short", 422, "new_password", "Use at least 8 characters."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", 422, "confirm", "The two passwords are not the same."),
        (PASSWORD, PASSWORD, 400, "new_password", "Choose a password different from your current one."),
    ],
)
def test_change_password_refuses_a_bad_new_password(client, db, new_password, confirm, status, field, message):
    user = UserFactory()
    sign_in(client, user.email)
    page = post_form(
        client, "/account/password", {"current_password": PASSWORD, "new_password": new_password, "confirm": confirm}
    )
    assert page.status_code == status
    assert field_error(page, field) == message
    assert reload(db, user).password_hash == user.password_hash


# ---------------------------------------------------------------- profile


VALID_PROFILE = {
    "first_name": "Sreymom",
    "last_name": "Keo",
    "phone": "+855 17 555 010",
    "date_of_birth": "1996-04-13",
    "gender": "female",
    "skin_type": "oily",
    "language": "kh",
}


def test_profile_saves_valid_changes(client, db):
    user = UserFactory(language=Language.EN, skin_type=SkinType.NORMAL)
    sign_in(client, user.email)
    response = post_form(client, "/account/profile", VALID_PROFILE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"
    saved = reload(db, user)
    assert (saved.first_name, saved.last_name, saved.phone) == ("Sreymom", "Keo", "+85517555010")
    assert saved.date_of_birth == date(1996, 4, 13)
    assert saved.gender == "female"
    assert saved.skin_type is SkinType.OILY
    assert saved.language is Language.KH
    # The pages follow the language just chosen.
    assert html_lang(client.get("/account/profile")) == "km"


@pytest.mark.parametrize("typed", ["012 345 678", "+855 12 345 678", "855-12-345-678", "០១២ ៣៤៥ ៦៧៨", "(012) 345-678"])
def test_the_profile_phone_is_stored_as_e164_and_shown_as_people_write_it(client, db, typed):
    user = UserFactory(phone=None)
    sign_in(client, user.email)
    assert post_form(client, "/account/profile", {**VALID_PROFILE, "phone": typed}).status_code == 302
    assert reload(db, user).phone == "+85512345678"
    assert 'name="phone" type="tel" value="012 345 678"' in client.get("/account/profile").text


def test_a_profile_phone_stored_before_normalising_is_shown_and_kept_until_saved(client, db):
    """Phones saved before the profile was normalised are not migrated: they are shown in the
    Cambodian way (read through display_phone) and stored as E.164 when the profile is next
    saved."""
    user = UserFactory(phone="+855 17 555 010")
    sign_in(client, user.email)
    assert 'value="017 555 010"' in client.get("/account/profile").text
    assert reload(db, user).phone == "+855 17 555 010"
    assert post_form(client, "/account/profile", {**VALID_PROFILE, "phone": "017 555 010"}).status_code == 302
    assert reload(db, user).phone == "+85517555010"


def test_profile_clears_optional_fields_left_empty(client, db):
    user = UserFactory(first_name="Dara", phone="+855 12 000 111", gender="male")
    sign_in(client, user.email)
    data = {**VALID_PROFILE, "first_name": "", "phone": "", "date_of_birth": "", "gender": "", "language": "en"}
    assert post_form(client, "/account/profile", data).status_code == 302
    saved = reload(db, user)
    assert (saved.first_name, saved.phone, saved.date_of_birth, saved.gender) == (None, None, None, None)


def test_profile_form_shows_the_saved_values(client, db):
    user = UserFactory(first_name="Dara", gender="other", skin_type=SkinType.DRY, date_of_birth=date(1990, 1, 2))
    sign_in(client, user.email)
    page = client.get("/account/profile").text
    assert 'name="first_name" type="text" value="Dara"' in page
    assert 'value="1990-01-02"' in page
    assert '<option selected value="other">' in page
    assert '<option selected value="dry">' in page
    assert '<option selected value="en">' in page


@pytest.mark.parametrize(
    ("field", "value", "msgid", "params"),
    [
        ("first_name", "ស" * 101, "Must be at most {max} characters.", {"max": 100}),
        ("last_name", "K" * 101, "Must be at most {max} characters.", {"max": 100}),
        ("phone", "call me maybe", "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678.", {}),
        ("phone", "+1 202 555 0123", "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678.", {}),
        ("phone", "012 345", "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678.", {}),
        ("date_of_birth", "13/04/1996", "Must be a date (YYYY-MM-DD).", {}),
        ("date_of_birth", "1996-02-30", "Must be a date (YYYY-MM-DD).", {}),
        ("gender", "robot", "Choose one of the listed options.", {}),
        ("skin_type", "greasy", "Choose one of the listed options.", {}),
        ("skin_type", "all", "Choose one of the listed options.", {}),
        ("language", "fr", "Choose one of the listed options.", {}),
    ],
)
def test_profile_refuses_bad_input_per_field_in_the_pages_language(app, client, db, field, value, msgid, params):
    user = UserFactory(first_name="Dara", last_name="Chan", language=Language.EN)
    sign_in(client, user.email)
    before = {k: getattr(user, k) for k in ("first_name", "last_name", "phone", "date_of_birth", "gender")}
    page = post_form(client, "/account/profile?lang=km", {**VALID_PROFILE, field: value})
    assert page.status_code == 422
    assert html_lang(page) == "km"
    assert field_error(page, field) == khmer(app, msgid).format(**params)
    assert page.text.count('aria-invalid="true"') == 1
    saved = reload(db, user)
    assert {k: getattr(saved, k) for k in before} == before
    assert (saved.skin_type, saved.language) == (user.skin_type, user.language)


def test_profile_refuses_a_birth_date_in_the_future(client, db):
    user = UserFactory()
    sign_in(client, user.email)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    page = post_form(client, "/account/profile", {**VALID_PROFILE, "date_of_birth": tomorrow})
    assert page.status_code == 422
    assert field_error(page, "date_of_birth") == "Enter your real date of birth."
    assert reload(db, user).date_of_birth is None


# ---------------------------------------------------------------- addresses


ADDRESS = {
    "type": "shipping",
    "first_name": "Sokha",
    "last_name": "Chan",
    "company": "",
    "address_line1": "No. 12, Street 278",
    "address_line2": "",
    "province": "KH-12",
    "district": "Khan Boeng Keng Kang",
    "commune": "Sangkat Boeng Keng Kang 1",
    "landmark": "Behind the Lucky supermarket",
    "postal_code": "",
    "phone": "012 345 678",
}


def _addresses(db, user) -> list[UserAddress]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(UserAddress).where(UserAddress.user_id == user.id).order_by(UserAddress.id))
    )


def test_first_address_of_a_type_becomes_the_default(client, db):
    user = UserFactory()
    sign_in(client, user.email)
    response = post_form(client, "/account/addresses/new", ADDRESS)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/addresses"
    post_form(client, "/account/addresses/new", {**ADDRESS, "address_line1": "No. 5, Street 51"})
    post_form(client, "/account/addresses/new", {**ADDRESS, "type": "billing", "address_line1": "Office"})
    saved = _addresses(db, user)
    assert [(a.type, a.address_line1, a.is_default) for a in saved] == [
        ("shipping", "No. 12, Street 278", True),
        ("shipping", "No. 5, Street 51", False),
        ("billing", "Office", True),
    ]
    assert saved[0].company is None
    page = client.get("/account/addresses").text
    assert "No. 5, Street 51" in page
    assert f'action="/account/addresses/{saved[1].id}/default"' in page
    assert f'action="/account/addresses/{saved[0].id}/default"' not in page


def test_edit_an_address(client, db):
    user = UserFactory()
    address = AddressFactory(user=user, is_default=True)
    sign_in(client, user.email)
    form = client.get(f"/account/addresses/{address.id}/edit").text
    assert f'value="{address.address_line1}"' in form
    response = post_form(
        client,
        f"/account/addresses/{address.id}/edit",
        {**ADDRESS, "province": "KH-17", "postal_code": "171202", "phone": "០៩៦ ៩១២ ៣៤៥៦"},
    )
    assert response.status_code == 302
    saved = reload(db, address)
    assert (saved.province, saved.city, saved.postal_code, saved.address_line1, saved.phone, saved.is_default) == (
        "KH-17",
        "Siem Reap",
        "171202",
        "No. 12, Street 278",
        "+855969123456",
        True,
    )


def test_only_one_default_per_type(client, db):
    user = UserFactory()
    first = AddressFactory(user=user, type="shipping", is_default=True)
    second = AddressFactory(user=user, type="shipping")
    billing = AddressFactory(user=user, type="billing", is_default=True)
    sign_in(client, user.email)
    response = post_form(client, f"/account/addresses/{second.id}/default", {}, form_url="/account/addresses")
    assert response.status_code == 302
    assert {a.id: a.is_default for a in _addresses(db, user)} == {first.id: False, second.id: True, billing.id: True}
    other_billing = AddressFactory(user=user, type="billing")
    post_form(client, f"/account/addresses/{other_billing.id}/default", {}, form_url="/account/addresses")
    assert {a.id: a.is_default for a in _addresses(db, user)} == {
        first.id: False,
        second.id: True,
        billing.id: False,
        other_billing.id: True,
    }


def test_adding_an_address_as_default_takes_over(client, db):
    user = UserFactory()
    first = AddressFactory(user=user, is_default=True)
    sign_in(client, user.email)
    post_form(client, "/account/addresses/new", {**ADDRESS, "is_default": "y"})
    saved = _addresses(db, user)
    assert [(a.id == first.id, a.is_default) for a in saved] == [(True, False), (False, True)]


def test_delete_an_address_and_the_next_becomes_default(client, db):
    user = UserFactory()
    first = AddressFactory(user=user, is_default=True)
    second = AddressFactory(user=user)
    sign_in(client, user.email)
    response = post_form(client, f"/account/addresses/{first.id}/delete", {}, form_url="/account/addresses")
    assert response.status_code == 302
    assert [(a.id, a.is_default) for a in _addresses(db, user)] == [(second.id, True)]
    assert client.get("/account/addresses").text.count("badge-default") == 1


def test_another_users_address_is_not_found(client, db):
    user = UserFactory()
    theirs = AddressFactory(is_default=False)
    sign_in(client, user.email)
    assert client.get(f"/account/addresses/{theirs.id}/edit").status_code == 404
    assert (
        post_form(
            client, f"/account/addresses/{theirs.id}/edit", ADDRESS, form_url="/account/addresses/new"
        ).status_code
        == 404
    )
    assert (
        post_form(client, f"/account/addresses/{theirs.id}/default", {}, form_url="/account/addresses").status_code
        == 404
    )
    assert (
        post_form(client, f"/account/addresses/{theirs.id}/delete", {}, form_url="/account/addresses").status_code
        == 404
    )
    saved = reload(db, theirs)
    assert (saved.address_line1, saved.is_default) == (theirs.address_line1, False)


def test_missing_required_address_fields_are_marked_and_nothing_is_written(app, client, db):
    user = UserFactory()
    sign_in(client, user.email)
    empty = {**ADDRESS, "address_line1": "", "province": "", "phone": " ", "postal_code": ""}
    page = post_form(client, "/account/addresses/new?lang=km", empty)
    assert page.status_code == 422
    required = khmer(app, "This field is required.")
    for field in ("address_line1", "province", "phone"):
        assert field_error(page, field) == required
    assert field_error(page, "first_name") is None
    assert field_error(page, "postal_code") is None  # most Cambodian addresses have none
    assert _addresses(db, user) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "+1 202 555 0123", "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678."),
        ("province", "Bangkok", "Choose a province of Cambodia from the list."),
    ],
)
def test_a_foreign_phone_or_an_unknown_province_is_refused_in_khmer(app, client, db, field, value, message):
    user = UserFactory()
    sign_in(client, user.email)
    page = post_form(client, "/account/addresses/new?lang=km", {**ADDRESS, field: value})
    assert page.status_code == 422
    assert field_error(page, field) == khmer(app, message)
    assert _addresses(db, user) == []


def test_address_fields_longer_than_their_columns_are_refused(client, db):
    user = UserFactory()
    sign_in(client, user.email)
    page = post_form(client, "/account/addresses/new", {**ADDRESS, "postal_code": "1" * 21, "district": "C" * 101})
    assert page.status_code == 422
    assert field_error(page, "postal_code") == "Must be at most 20 characters."
    assert field_error(page, "district") == "Must be at most 100 characters."
    assert _addresses(db, user) == []


def test_address_type_must_be_shipping_or_billing(client, db):
    user = UserFactory()
    sign_in(client, user.email)
    page = post_form(client, "/account/addresses/new", {**ADDRESS, "type": "holiday"})
    assert page.status_code == 422
    assert field_error(page, "type") == "Choose one of the listed options."
    assert _addresses(db, user) == []


# ---------------------------------------------------------------- staff sign-in


@pytest.mark.parametrize(("factory", "role"), [(AdminFactory, "Administrator"), (ModeratorFactory, "Moderator")])
def test_staff_sign_in_at_admin_login(client, db, factory, role):
    staff = factory(first_name="Dara")
    response = post_form(client, "/admin/login", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert h1(page) == "Hello, Dara"
    assert f"<dt>Role</dt><dd>{role}</dd>" in page.text
    assert f"<dd>{staff.email}</dd>" in page.text
    assert 'href="/"' in page.text
    assert 'action="/admin/logout"' in page.text


def test_a_customer_is_refused_at_admin_login(client, db):
    user = UserFactory()
    page = post_form(client, "/admin/login", {"email": user.email, "password": PASSWORD})
    assert page.status_code == 403
    assert form_error(page) == "This account is not a staff account."
    assert signed_out(client)


def test_admin_requires_staff(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login?next=/admin/"
    sign_in(client, UserFactory().email)
    assert client.get("/admin/").status_code == 403


def test_staff_can_also_sign_in_on_the_shop_page_and_sign_out_of_admin(client, db):
    admin = AdminFactory()
    sign_in(client, admin.email)
    assert client.get("/admin/").status_code == 200
    response = post_form(client, "/admin/logout", {}, form_url="/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login"
    assert client.get("/admin/").status_code == 302


def test_admin_login_follows_a_local_next_only(client, db):
    admin = AdminFactory()
    response = post_form(
        client, "/admin/login?next=https://evil.example/", {"email": admin.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/admin/"


def test_a_guest_cart_joins_the_users_cart_on_sign_in(client, db):
    user = UserFactory()
    product = ProductFactory(stock=10)
    client.get("/")
    with client.session_transaction() as session:
        session["cart"] = {"items": {str(product.id): {"q": 2, "p": str(product.price)}}, "coupon": None}
    sign_in(client, user.email)
    lines = db.session.execute(sa.select(CartItem.product_id, CartItem.quantity).where(CartItem.user_id == user.id))
    assert lines.all() == [(product.id, 2)]
    with client.session_transaction() as session:
        assert "cart" not in session


def test_reset_link_page_renders_in_both_languages_and_says_at_once_when_a_link_is_bad(app, client, db):
    from shop.accounts import services as accounts

    user = UserFactory()
    with app.test_request_context("/"):
        raw, hashed = accounts._token()
    user.password_reset_token, user.password_reset_expires = hashed, utcnow() + timedelta(hours=1)
    db.session.commit()
    _check_both_languages(app, client, f"/account/reset-password?token={raw}", "Choose a new password")
    bogus = client.get("/account/reset-password?token=not-a-real-token&lang=km")
    assert bogus.status_code == 400
    assert form_error(bogus) == khmer(app, "This link is invalid or has already been used.")
