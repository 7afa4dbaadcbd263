"""Customer accounts for admins: search, detail, edit, suspend (signed out everywhere, sign-in
refused), activate, delete (anonymised when they ordered), their address book; pages and
/api/v1/admin/customers*, /api/v1/admin/users/<id>/addresses*, each change audited."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from api.tokens import issue_tokens
from shop.accounts.models import User, UserAddress
from shop.cart.models import CartItem
from shop.orders.models import Order
from shop.reviews.models import Review
from shop.wishlist.models import WishlistItem
from tests.admin.helpers import audit_entries, csrf_token, staff_page_client, token
from tests.api.helpers import bearer
from tests.factories import (
    PASSWORD,
    AddressFactory,
    AdminFactory,
    CartItemFactory,
    ModeratorFactory,
    OrderFactory,
    ReviewFactory,
    UserFactory,
    WishlistItemFactory,
)
from tests.web.test_account_pages import khmer, post_form, sign_in


def _reload(db, user_id: int) -> User | None:
    db.session.expire_all()
    return db.session.get(User, user_id)


# ---------------------------------------------------------------- pages


def test_list_searches_name_email_and_phone_and_filters_by_status(client, db):
    staff_page_client(client, AdminFactory())
    UserFactory(first_name="Sokha", last_name="Chan", email="sokha@example.com", phone="+855 12 111 222")
    UserFactory(first_name="Dara", last_name="Kim", email="dara@example.com", phone="+855 96 333 444", is_active=False)
    ModeratorFactory(first_name="Staffer")  # not a customer
    page = client.get("/admin/customers").text
    assert "sokha@example.com" in page and "dara@example.com" in page and "Staffer" not in page
    assert "2 customers" in page
    for query, shown, hidden in [
        ("sokha chan", "sokha@", "dara@"),
        ("DARA@EXAMPLE", "dara@", "sokha@"),
        ("012111222", "sokha@", "dara@"),  # typed without spaces or the country code's +855
        ("96 333", "dara@", "sokha@"),
    ]:
        result = client.get(f"/admin/customers?q={query}").text
        assert shown in result and hidden not in result, query
    suspended = client.get("/admin/customers?status=suspended").text
    assert "dara@" in suspended and "sokha@" not in suspended
    assert client.get("/admin/customers?status=gone").status_code == 400


def test_detail_shows_orders_reviews_and_addresses(client, db):
    staff_page_client(client, AdminFactory())
    customer = UserFactory(first_name="Sokha", last_name="Chan")
    OrderFactory(user=customer, order_number="SK-1001")
    ReviewFactory(user_id=customer.id, title="My toner review")
    AddressFactory(user=customer, address_line1="No. 7, Street 51")
    page = client.get(f"/admin/customers/{customer.id}")
    assert page.status_code == 200
    assert "SK-1001" in page.text and "My toner review" in page.text and "No. 7, Street 51" in page.text
    assert client.get(f"/admin/customers/{AdminFactory().id}").status_code == 404  # staff are not customers here


def test_moderators_cannot_open_customers(client, db):
    staff_page_client(client, ModeratorFactory())
    assert client.get("/admin/customers").status_code == 403


def test_edit_a_customer_and_refuse_a_taken_email_in_english_and_khmer(app, client, db):
    admin = AdminFactory()
    staff_page_client(client, admin)
    customer = UserFactory(first_name="Old", email="old@example.com")
    UserFactory(email="taken@example.com")
    url = f"/admin/customers/{customer.id}/edit"
    form = {
        "first_name": "New",
        "last_name": "Name",
        "email": "taken@example.com",
        "phone": "",
        "date_of_birth": "",
        "gender": "",
        "skin_type": "oily",
        "language": "kh",
    }
    refused = post_form(client, url, form)
    assert refused.status_code == 409
    assert "An account with this email already exists." in html.unescape(refused.text)
    refused_km = post_form(client, url + "?lang=km", {**form, "email": "not-an-email"})
    assert refused_km.status_code == 422
    assert khmer(app, "Must be a valid email address.") in html.unescape(refused_km.text)
    assert _reload(db, customer.id).first_name == "Old"

    saved = post_form(client, url, {**form, "email": "new@example.com"})
    assert saved.status_code == 303
    stored = _reload(db, customer.id)
    assert (stored.first_name, stored.email, stored.skin_type.value, stored.language.value) == (
        "New",
        "new@example.com",
        "oily",
        "kh",
    )
    assert stored.email_verified is False
    [entry] = audit_entries(db, "customer.update")
    assert entry.before["email"] == "old@example.com" and entry.after["email"] == "new@example.com"
    assert entry.actor_id == admin.id


def test_staff_edit_a_phone_as_people_type_it_and_it_is_stored_as_e164(app, client, db):
    staff_page_client(client, AdminFactory())
    customer = UserFactory(first_name="Sokha", email="sokha@example.com", phone="+855 17 555 010")
    url = f"/admin/customers/{customer.id}/edit"
    assert 'value="017 555 010"' in client.get(url).text  # an older spelling, shown the Cambodian way
    form = {"first_name": "Sokha", "email": "sokha@example.com", "skin_type": "oily", "language": "en"}
    refused = post_form(client, url + "?lang=km", {**form, "phone": "+1 202 555 0123"})
    assert refused.status_code == 422
    message = "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678."
    assert khmer(app, message) in html.unescape(refused.text)
    assert _reload(db, customer.id).phone == "+855 17 555 010"
    assert post_form(client, url, {**form, "phone": "០១២ ៣៤៥ ៦៧៨"}).status_code == 303
    assert _reload(db, customer.id).phone == "+85512345678"
    assert "012 345 678" in client.get(f"/admin/customers/{customer.id}").text
    listed = client.get("/admin/customers?q=០១២៣៤៥").text  # Khmer digits find it too
    assert "sokha@example.com" in listed and "012 345 678" in listed


def test_suspending_signs_the_customer_out_everywhere_and_refuses_sign_in(app, client, db):
    customer = UserFactory(email="shopper@example.com")
    shopper_browser = app.test_client()
    sign_in(shopper_browser, customer.email)
    assert shopper_browser.get("/account").status_code == 200
    tokens = issue_tokens(customer)
    assert client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 200

    staff_page_client(client, AdminFactory())
    response = client.post(
        f"/admin/customers/{customer.id}/suspend",
        data={"csrf_token": csrf_token(client, f"/admin/customers/{customer.id}")},
    )
    assert response.status_code == 303
    stored = _reload(db, customer.id)
    assert stored.is_active is False and stored.auth_version == 2

    # The browser session, the access token and the refresh token all stopped working.
    assert shopper_browser.get("/account").status_code == 302
    assert client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    # Signing in again is refused, with the reason, on the page and over the API.
    page = post_form(app.test_client(), "/account/login", {"email": customer.email, "password": PASSWORD})
    assert page.status_code == 403
    assert "This account is suspended. Please contact us." in html.unescape(page.text)
    api = client.post("/api/v1/auth/login", json={"email": customer.email, "password": PASSWORD})
    assert api.status_code == 403 and api.get_json()["message"] == "This account is suspended. Please contact us."
    km = client.post("/api/v1/auth/login?lang=km", json={"email": customer.email, "password": PASSWORD})
    assert km.get_json()["message"] == khmer(app, "This account is suspended. Please contact us.")

    client.post(
        f"/admin/customers/{customer.id}/activate",
        data={"csrf_token": csrf_token(client, f"/admin/customers/{customer.id}")},
    )
    assert _reload(db, customer.id).is_active is True
    assert client.post("/api/v1/auth/login", json={"email": customer.email, "password": PASSWORD}).status_code == 200
    assert [e.action for e in audit_entries(db)] == ["customer.suspend", "customer.activate"]


def test_deleting_a_customer_with_orders_anonymises_them_and_keeps_the_orders(client, db):
    customer = UserFactory(first_name="Sokha", last_name="Chan", email="sokha@example.com", phone="+855 12 999 888")
    order = OrderFactory(user=customer, customer_name="Sokha Chan")
    AddressFactory(user=customer)
    CartItemFactory(user_id=customer.id)
    WishlistItemFactory(user_id=customer.id)
    review = ReviewFactory(user_id=customer.id, customer_name="Sokha C.", customer_email="sokha@example.com")
    shopper_token = issue_tokens(customer)["access_token"]
    staff_page_client(client, AdminFactory())
    confirm = client.get(f"/admin/customers/{customer.id}/delete")
    assert "so the account will be anonymised" in confirm.text
    response = client.post(
        f"/admin/customers/{customer.id}/delete", data={"csrf_token": csrf_token(client, confirm.request.path)}
    )
    assert response.status_code == 303
    stored = _reload(db, customer.id)
    assert stored.email == f"deleted-user-{customer.id}@deleted.invalid"
    assert (stored.first_name, stored.last_name, stored.phone, stored.is_active) == (None, None, None, False)
    for model in (UserAddress, CartItem, WishlistItem):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    kept = db.session.get(Order, order.id)
    assert kept.user_id == customer.id  # the order stays, with its own copy of the delivery details
    reviewed = db.session.get(Review, review.id)
    assert (reviewed.customer_name, reviewed.customer_email) == (None, None)
    assert client.get("/api/v1/auth/me", headers=bearer(shopper_token)).status_code == 401
    assert (
        client.post("/api/v1/auth/login", json={"email": "sokha@example.com", "password": PASSWORD}).status_code == 401
    )
    [entry] = audit_entries(db, "customer.anonymise")
    assert entry.before == {"id": customer.id, "orders": 1, "was_active": True}
    assert "sokha" not in str(entry.before) + str(entry.after)
    # Gone from the list and the detail page.
    assert "deleted-user" not in client.get("/admin/customers").text
    assert client.get(f"/admin/customers/{customer.id}").status_code == 404


def test_deleting_a_customer_without_orders_deletes_the_account(client, db):
    customer_id = UserFactory().id
    review_id = ReviewFactory(user_id=customer_id).id
    response = client.delete(f"/api/v1/admin/customers/{customer_id}", headers=token(AdminFactory()))
    assert response.status_code == 200
    assert response.get_json()["data"] == {"id": customer_id, "outcome": "deleted"}
    db.session.expunge_all()
    assert db.session.get(User, customer_id) is None
    kept = db.session.get(Review, review_id)
    assert (kept.user_id, kept.customer_name) == (None, None)
    assert [e.action for e in audit_entries(db)] == ["customer.delete"]
    assert client.delete(f"/api/v1/admin/customers/{customer_id}", headers=token(AdminFactory())).status_code == 404


def test_address_book_pages(client, db):
    staff_page_client(client, AdminFactory())
    customer = UserFactory()
    new_url = f"/admin/customers/{customer.id}/addresses/new"
    form = {
        "type": "shipping",
        "first_name": "Sokha",
        "address_line1": "No. 9, Street 240",
        "province": "KH-12",
        "postal_code": "120207",
        "phone": "+855 12 345 678",
    }
    bad = post_form(client, new_url, {**form, "province": ""})
    assert bad.status_code == 422 and 'id="province-error">This field is required.<' in bad.text
    assert post_form(client, new_url, form).status_code == 303
    address = db.session.scalar(sa.select(UserAddress))
    assert (address.user_id, address.is_default) == (customer.id, True)
    edit_url = f"/admin/customers/{customer.id}/addresses/{address.id}/edit"
    assert post_form(client, edit_url, {**form, "province": "KH-17"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(UserAddress, address.id).city == "Siem Reap"
    other = AddressFactory()
    assert client.get(f"/admin/customers/{customer.id}/addresses/{other.id}/edit").status_code == 404
    response = client.post(
        f"/admin/customers/{customer.id}/addresses/{address.id}/delete",
        data={"csrf_token": csrf_token(client, f"/admin/customers/{customer.id}")},
    )
    assert response.status_code == 303
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(UserAddress).where(UserAddress.user_id == customer.id))
        == 0
    )
    actions = [e.action for e in audit_entries(db)]
    assert actions == ["customer.address_add", "customer.address_update", "customer.address_delete"]


# ---------------------------------------------------------------- JSON


def test_api_list_detail_orders_and_reviews(client, db):
    admin = AdminFactory()
    customer = UserFactory(first_name="Sokha", email="sokha@example.com")
    UserFactory(email="other@example.com", is_active=False)
    OrderFactory(user=customer)
    ReviewFactory(user_id=customer.id)
    listed = client.get("/api/v1/admin/customers?search=sokha", headers=token(admin)).get_json()["data"]
    assert [c["email"] for c in listed["data"]] == ["sokha@example.com"]
    assert listed["data"][0]["status"] == "active"
    suspended = client.get("/api/v1/admin/customers?status=suspended", headers=token(admin)).get_json()["data"]
    assert [c["email"] for c in suspended["data"]] == ["other@example.com"]
    detail = client.get(f"/api/v1/admin/customers/{customer.id}", headers=token(admin)).get_json()["data"]
    assert detail["email"] == "sokha@example.com" and detail["addresses"] == []
    orders = client.get(f"/api/v1/admin/customers/{customer.id}/orders", headers=token(admin)).get_json()["data"]
    assert orders["total_items"] == 1
    reviews = client.get(f"/api/v1/admin/customers/{customer.id}/reviews", headers=token(admin)).get_json()["data"]
    assert reviews["total_items"] == 1
    assert client.get("/api/v1/admin/customers", headers=token(ModeratorFactory())).status_code == 403


def test_api_update_suspend_and_activate(client, db):
    admin, customer = AdminFactory(), UserFactory()
    customer_token = issue_tokens(customer)["access_token"]
    updated = client.put(
        f"/api/v1/admin/customers/{customer.id}", json={"first_name": "Vanna", "language": "km"}, headers=token(admin)
    )
    assert updated.status_code == 200
    assert updated.get_json()["data"]["first_name"] == "Vanna" and updated.get_json()["data"]["language"] == "kh"
    suspended = client.post(f"/api/v1/admin/customers/{customer.id}/suspend", headers=token(admin))
    assert suspended.get_json()["data"]["status"] == "suspended"
    assert client.get("/api/v1/auth/me", headers=bearer(customer_token)).status_code == 401
    activated = client.post(f"/api/v1/admin/customers/{customer.id}/activate", headers=token(admin))
    assert activated.get_json()["data"]["status"] == "active"
    # Reactivating does not bring back the tokens that suspension ended.
    assert client.get("/api/v1/auth/me", headers=bearer(customer_token)).status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "english"),
    [
        ({"email": "nope"}, "email", "Must be a valid email address."),
        ({"gender": "robot"}, "gender", "Must be one of: male, female, other."),
        ({"phone": "call me"}, "phone", "Enter a phone number, e.g. +855 12 345 678."),
        ({"role": "admin"}, "role", "Unknown field."),
    ],
)
def test_api_update_refuses_bad_input_in_english_and_khmer(app, client, db, body, field, english):
    admin, customer = AdminFactory(), UserFactory(email="keep@example.com")
    response = client.put(f"/api/v1/admin/customers/{customer.id}", json=body, headers=token(admin))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"json": {field: [english]}}
    km = client.put(f"/api/v1/admin/customers/{customer.id}?lang=km", json=body, headers=token(admin))
    assert km.get_json()["error"]["details"]["json"][field][0] != english
    stored = _reload(db, customer.id)
    assert (stored.email, stored.role.value) == ("keep@example.com", "customer")


def test_api_user_addresses(client, db):
    admin, customer = AdminFactory(), UserFactory()
    body = {"address_line1": "No. 3, Street 19", "city": "Phnom Penh", "postal_code": "120211", "phone": "012345678"}
    created = client.post(f"/api/v1/admin/users/{customer.id}/addresses", json=body, headers=token(admin))
    assert created.status_code == 201
    address_id = created.get_json()["data"]["id"]
    listed = client.get(f"/api/v1/admin/users/{customer.id}/addresses", headers=token(admin)).get_json()["data"]
    assert [a["id"] for a in listed] == [address_id] and listed[0]["is_default"] is True
    changed = client.put(
        f"/api/v1/admin/users/{customer.id}/addresses/{address_id}", json={"city": "Kampot"}, headers=token(admin)
    )
    assert changed.get_json()["data"]["city"] == "Kampot"
    missing = client.post(f"/api/v1/admin/users/{customer.id}/addresses", json={"city": "x"}, headers=token(admin))
    assert missing.status_code == 422
    assert set(missing.get_json()["error"]["details"]["json"]) == {"address_line1"}
    assert (
        client.delete(f"/api/v1/admin/users/{customer.id}/addresses/{address_id}", headers=token(admin)).status_code
        == 200
    )
    assert client.get("/api/v1/admin/users/987654/addresses", headers=token(admin)).status_code == 404
    other = AddressFactory()
    assert (
        client.delete(f"/api/v1/admin/users/{customer.id}/addresses/{other.id}", headers=token(admin)).status_code
        == 404
    )
    actions = [e.action for e in audit_entries(db)]
    assert actions == ["customer.address_add", "customer.address_update", "customer.address_delete"]
    assert re.fullmatch(r"\d+", audit_entries(db)[1].entity_id)
