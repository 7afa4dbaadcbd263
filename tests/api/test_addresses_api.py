"""/api/v1/user/addresses: a customer's own address book, nobody else's."""

from __future__ import annotations

import sqlalchemy as sa

from shop.accounts.models import UserAddress
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AddressFactory, UserFactory

HOME = {
    "address_line1": "No. 12, Street 278",
    "city": "Phnom Penh",
    "postal_code": "120101",
    "country": "Cambodia",
    "phone": "012 345 678",
}


def _signed_in(client, email="a@example.com"):
    user = UserFactory(email=email)
    return user, bearer(login(client, email, PASSWORD)["access_token"])


def _addresses(db, user_id):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(UserAddress).where(UserAddress.user_id == user_id).order_by(UserAddress.id)
    ).all()


def test_add_list_edit_and_delete(client, db):
    user, headers = _signed_in(client)
    first = client.post("/api/v1/user/addresses", json=HOME, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["data"]["is_default"] is True  # the first of its type
    second = client.post(
        "/api/v1/user/addresses",
        json={**HOME, "address_line1": "No. 5, Pub Street", "city": "Siem Reap", "postal_code": "171201"},
        headers=headers,
    ).get_json()["data"]
    assert second["is_default"] is False
    listed = client.get("/api/v1/user/addresses", headers=headers).get_json()["data"]
    assert [a["city"] for a in listed] == ["Phnom Penh", "Siem Reap"]
    edited = client.put(f"/api/v1/user/addresses/{second['id']}", json={"city": "Battambang"}, headers=headers)
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["data"]["city"] == "Battambang"
    assert client.delete(f"/api/v1/user/addresses/{second['id']}", headers=headers).status_code == 200
    assert [a.city for a in _addresses(db, user.id)] == ["Phnom Penh"]


def test_one_default_per_type(client, db):
    user, headers = _signed_in(client)
    ids = [client.post("/api/v1/user/addresses", json=HOME, headers=headers).get_json()["data"]["id"] for _ in range(3)]
    billing = client.post("/api/v1/user/addresses", json={**HOME, "type": "billing"}, headers=headers)
    assert billing.get_json()["data"]["is_default"] is True
    assert client.post(f"/api/v1/user/addresses/{ids[2]}/default", headers=headers).status_code == 200
    defaults = {(a.type, a.id) for a in _addresses(db, user.id) if a.is_default}
    assert defaults == {("shipping", ids[2]), ("billing", billing.get_json()["data"]["id"])}
    # Deleting the default hands it to the next address of that type.
    client.delete(f"/api/v1/user/addresses/{ids[2]}", headers=headers)
    assert {(a.type, a.id) for a in _addresses(db, user.id) if a.is_default} == {
        ("shipping", ids[0]),
        ("billing", billing.get_json()["data"]["id"]),
    }


def test_another_users_address_is_404_everywhere(client, db):
    theirs = AddressFactory()
    _, headers = _signed_in(client)
    assert client.put(f"/api/v1/user/addresses/{theirs.id}", json={"city": "X"}, headers=headers).status_code == 404
    assert client.delete(f"/api/v1/user/addresses/{theirs.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/user/addresses/{theirs.id}/default", headers=headers).status_code == 404
    assert client.get("/api/v1/user/addresses", headers=headers).get_json()["data"] == []
    assert _addresses(db, theirs.user_id)[0].city == "Phnom Penh"


def test_bad_address_input_is_422_and_writes_nothing(client, db):
    user, headers = _signed_in(client)
    response = client.post(
        "/api/v1/user/addresses",
        headers=headers,
        json={"type": "office", "city": "", "postal_code": "1" * 21, "phone": "abc"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["json"] == {
        "type": ["Must be one of: shipping, billing."],
        "address_line1": ["This field is required."],
        "postal_code": ["Must be at most 20 characters."],
    }
    # the rest are the address rules of the service (shop.accounts.addresses): one field at a time
    foreign = client.post("/api/v1/user/addresses", headers=headers, json={**HOME, "phone": "+1 202 555 0123"})
    assert foreign.status_code == 400
    assert foreign.get_json()["error"]["details"] == {
        "phone": ["Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678."]
    }
    unknown = client.post("/api/v1/user/addresses", headers=headers, json={**HOME, "city": "Bangkok"})
    assert unknown.status_code == 400 and list(unknown.get_json()["error"]["details"]) == ["province"]
    assert _addresses(db, user.id) == []


def test_addresses_need_a_token(client, db):
    assert client.get("/api/v1/user/addresses").status_code == 401


def test_moving_the_default_address_to_the_other_type_hands_its_old_default_on(client, db):
    user, headers = _signed_in(client)
    first = client.post("/api/v1/user/addresses", json=HOME, headers=headers).get_json()["data"]
    second = client.post("/api/v1/user/addresses", json=HOME, headers=headers).get_json()["data"]
    moved = client.put(f"/api/v1/user/addresses/{first['id']}", json={"type": "billing"}, headers=headers)
    assert moved.get_json()["data"]["is_default"] is True  # the first billing address
    defaults = {(a.type, a.id) for a in _addresses(db, user.id) if a.is_default}
    assert defaults == {("billing", first["id"]), ("shipping", second["id"])}
