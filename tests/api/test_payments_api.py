"""/api/v1/orders with KHQR, /api/v1/orders/<id>/payment (status, new QR) for shoppers and
guests, and the staff's /api/v1/admin/orders/<id>/payments*."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.audit.models import AuditLog
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus, PaymentStatus
from shop.payments import khqr
from shop.payments import services as payments
from shop.payments.models import PaymentAttempt, PaymentEvent
from tests.admin.helpers import token
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AdminFactory, ModeratorFactory, ProductFactory, UserFactory
from tests.payments.helpers import PHNOM_PENH, after_expiry, fresh, place_khqr_order, stock

D = Decimal
ADDRESS = {"address_line1": "No. 12, Street 278", "city": "Phnom Penh", "postal_code": "120101", "phone": "012345678"}


@pytest.fixture
def shopper(client, db):
    user = UserFactory(email="payer@example.com")
    return user, bearer(login(client, "payer@example.com", PASSWORD)["access_token"])


def _order(client, headers, product, **extra):
    body = {"items": [{"product_id": product.id, "quantity": 1}], "shipping_address": ADDRESS, **extra}
    return client.post("/api/v1/orders", json=body, headers=headers)


def _expire(order_id: int) -> PaymentAttempt:
    """Move the order's QR into the past and run the expiry, as the sweep would."""
    attempt = payments.current_attempt(order_id)
    payments.expire_unpaid(after_expiry(attempt))
    return attempt


def _age(attempt: PaymentAttempt, db) -> None:
    """Make the QR's time be up now (the API's clock is the real one)."""
    attempt = fresh(PaymentAttempt, attempt.id)
    attempt.expires_at = attempt.created_at - timedelta(seconds=1)
    db.session.commit()


def test_a_khqr_order_returns_its_attempt(client, db, shopper, fake_bakong):
    _user, headers = shopper
    response = _order(client, headers, ProductFactory(price=D("20.00")), payment_method="khqr", currency="KHR")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["message"] == "Your order is placed. Scan the QR code with your bank app to pay."
    payment = body["data"]["payment"]
    order = db.session.get(Order, body["data"]["id"])
    assert (payment["currency"], payment["amount"], payment["status"]) == (
        "KHR",
        str(int(order.payment_amount)),
        "open",
    )
    assert D(payment["amount"]) == payments.charge_amount(order.total, "KHR")
    decoded = khqr.decode(payment["qr_string"])
    assert decoded.account_id == "shop@aclb" and decoded.currency == "KHR" and decoded.bill_number == order.order_number
    assert payment["md5"] == hashlib.md5(payment["qr_string"].encode()).hexdigest()
    assert payment["expires_at"].endswith("+00:00") and 0 < payment["seconds_left"] <= 15 * 60
    assert payment["deeplink_payload"]["qr"] == payment["qr_string"]
    assert payment["deeplink_payload"]["sourceInfo"]["appName"]
    assert payment["deeplink"] is None  # a job asks Bakong for it once the order is committed
    assert body["data"]["payment_status"] == "pending"


def test_the_status_gives_the_open_in_my_bank_app_link_once_bakong_made_it(client, db, shopper, fake_bakong, run_jobs):
    _user, headers = shopper
    placed = _order(client, headers, ProductFactory(), payment_method="khqr", currency="USD").get_json()["data"]
    url = f"/api/v1/orders/{placed['id']}/payment"
    assert client.get(url, headers=headers).get_json()["data"]["current"]["deeplink"] is None
    run_jobs()  # the deeplink job (and the check the status asked for)
    data = client.get(url, headers=headers).get_json()["data"]
    link = fake_bakong.link_for(placed["payment"]["qr_string"])
    assert link.startswith("https://bakong.page.link/")
    assert data["current"]["deeplink"] == link and data["attempts"][0]["deeplink"] == link
    assert data["current"]["deeplink_payload"]["qr"] == placed["payment"]["qr_string"]  # still there for the app


def test_when_bakong_makes_no_link_the_api_says_null(client, db, shopper, fake_bakong, run_jobs):
    user, headers = shopper
    fake_bakong.link_answers = ["bad_request"]
    order, _attempt = place_khqr_order(user, ProductFactory())
    run_jobs()
    data = client.get(f"/api/v1/orders/{order.id}/payment", headers=headers).get_json()["data"]
    assert data["current"]["deeplink"] is None and data["current"]["qr_string"]


def test_cash_orders_have_no_payment_attempt(client, db, shopper):
    response = _order(client, shopper[1], ProductFactory())
    assert response.status_code == 201 and response.get_json()["data"]["payment"] is None


def test_khqr_is_refused_with_400_when_the_shop_has_no_khqr_account(client, db, shopper):
    product = ProductFactory(stock=3)
    response = _order(client, shopper[1], product, payment_method="khqr")
    assert response.status_code == 400
    assert response.get_json()["message"] == "Paying by KHQR is not available at the moment. Choose cash on delivery."
    assert response.get_json()["error"]["details"] == {"payment_method": [response.get_json()["message"]]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    khmer = client.post(
        "/api/v1/orders?lang=km",
        json={
            "items": [{"product_id": product.id, "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment_method": "khqr",
        },
        headers=shopper[1],
    )
    assert khmer.status_code == 400 and khmer.get_json()["message"] == (
        "ការបង់ប្រាក់តាម KHQR មិនអាចប្រើបាននៅពេលនេះទេ។ សូមជ្រើសរើសការបង់ប្រាក់ពេលទទួលទំនិញ។"
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"payment_method": "card"}, "payment_method"),
        ({"payment_method": "khqr", "currency": "EUR"}, "currency"),
        ({"payment_method": "khqr", "currency": 5}, "currency"),
    ],
)
def test_bad_payment_input_is_a_field_error(client, db, shopper, fake_bakong, extra, field):
    response = _order(client, shopper[1], ProductFactory(), **extra)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["json"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentAttempt)) == 0


def test_idempotency_key_returns_the_first_order_and_its_qr(client, db, shopper, fake_bakong):
    _user, headers = shopper
    product = ProductFactory(stock=5)
    keyed = {**headers, "Idempotency-Key": "pay-once-1"}
    first = _order(client, keyed, product, payment_method="khqr").get_json()["data"]
    again = _order(client, keyed, product, payment_method="khqr").get_json()["data"]
    assert again["id"] == first["id"] and again["payment"]["md5"] == first["payment"]["md5"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentAttempt)) == 1
    assert stock(product.id) == 4


def test_the_status_endpoint_asks_for_a_check_and_says_paid(client, db, shopper, fake_bakong, run_jobs):
    user, headers = shopper
    order, attempt = place_khqr_order(user, ProductFactory())
    url = f"/api/v1/orders/{order.id}/payment"
    waiting = client.get(url, headers=headers)
    assert waiting.status_code == 200
    data = waiting.get_json()["data"]
    assert (data["paid"], data["payment_status"], data["can_renew"]) == (False, "pending", False)
    assert data["current"]["md5"] == attempt.md5 and [a["id"] for a in data["attempts"]] == [attempt.id]
    assert fake_bakong.asked(attempt.md5) == 0  # answered from the database; a job asks the bank
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    run_jobs()
    paid = client.get(url, headers=headers).get_json()["data"]
    assert (paid["paid"], paid["payment_status"], paid["current"]["status"]) == (True, "paid", "paid")
    assert paid["current"]["paid_at"] is not None


def test_someone_elses_order_is_404_and_no_credentials_401(client, db, shopper, fake_bakong):
    order, _attempt = place_khqr_order(UserFactory(), ProductFactory())
    assert client.get(f"/api/v1/orders/{order.id}/payment", headers=shopper[1]).status_code == 404
    anonymous = client.get(f"/api/v1/orders/{order.id}/payment")
    assert anonymous.status_code == 401 and "X-Order-Token" in anonymous.get_json()["message"]
    assert client.post(f"/api/v1/orders/{order.id}/payment", json={}, headers=shopper[1]).status_code == 404


def test_a_guest_follows_and_renews_with_the_order_token(client, db, fake_bakong):
    product = ProductFactory(stock=3)
    body = {
        "items": [{"product_id": product.id, "quantity": 1}],
        "email": "guest@example.com",
        "shipping_address": ADDRESS,
        "payment_method": "khqr",
    }
    placed = client.post("/api/v1/orders", json=body)
    assert placed.status_code == 201, placed.get_json()
    data = placed.get_json()["data"]
    guest = {"X-Order-Token": data["order_token"]}
    status = client.get(f"/api/v1/orders/{data['id']}/payment", headers=guest)
    assert status.status_code == 200 and status.get_json()["data"]["current"]["md5"] == data["payment"]["md5"]
    other, _ = place_khqr_order(UserFactory(), product)
    assert client.get(f"/api/v1/orders/{other.id}/payment", headers=guest).status_code == 404
    assert client.get(f"/api/v1/orders/{data['id']}/payment", headers={"X-Order-Token": "forged"}).status_code == 404
    _expire(data["id"])
    renewed = client.post(f"/api/v1/orders/{data['id']}/payment", json={"currency": "KHR"}, headers=guest)
    assert renewed.status_code == 201, renewed.get_json()
    assert renewed.get_json()["data"]["currency"] == "KHR"
    assert fresh(Order, data["id"]).status == OrderStatus.PENDING


def test_a_new_qr_after_expiry_takes_the_stock_again(client, db, shopper, fake_bakong):
    user, headers = shopper
    product = ProductFactory(stock=2)
    order, attempt = place_khqr_order(user, product)
    url = f"/api/v1/orders/{order.id}/payment"
    still = client.post(url, json={}, headers=headers)
    assert still.status_code == 200 and still.get_json()["data"]["id"] == attempt.id  # still payable
    _expire(order.id)
    assert stock(product.id) == 2 and fresh(Order, order.id).status == OrderStatus.CANCELLED
    assert client.get(url, headers=headers).get_json()["data"]["can_renew"] is True
    renewed = client.post(url, json={}, headers=headers)
    assert renewed.status_code == 201
    new = renewed.get_json()
    assert new["message"] == "Here is a new QR code."
    assert new["data"]["id"] != attempt.id and new["data"]["md5"] != attempt.md5 and new["data"]["status"] == "open"
    assert stock(product.id) == 1 and fresh(Order, order.id).status == OrderStatus.PENDING
    status = client.get(url, headers=headers).get_json()["data"]
    assert [a["status"] for a in status["attempts"]] == ["expired", "open"] and status["can_renew"] is False


def test_a_new_qr_is_refused_with_409_when_the_stock_is_gone(client, db, shopper, fake_bakong):
    user, headers = shopper
    product = ProductFactory(stock=1)
    order, _attempt = place_khqr_order(user, product)
    _expire(order.id)
    place_khqr_order(UserFactory(), product)  # the last unit is sold meanwhile
    refused = client.post(f"/api/v1/orders/{order.id}/payment", json={}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["message"]
    assert fresh(Order, order.id).status == OrderStatus.CANCELLED and stock(product.id) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentAttempt).where(
        PaymentAttempt.order_id == order.id)) == 1  # fmt: skip


@pytest.mark.parametrize("body", [{"currency": "EUR"}, {"currency": ""}, {"currency": 1}])
def test_a_new_qr_validates_the_currency(client, db, shopper, fake_bakong, body):
    order, _attempt = place_khqr_order(shopper[0], ProductFactory())
    response = client.post(f"/api/v1/orders/{order.id}/payment", json=body, headers=shopper[1])
    assert response.status_code == 422 and "currency" in response.get_json()["error"]["details"]["json"]


def test_a_new_qr_for_a_cash_order_or_without_khqr(client, db, shopper, app, fake_bakong):
    cash = _order(client, shopper[1], ProductFactory()).get_json()["data"]
    refused = client.post(f"/api/v1/orders/{cash['id']}/payment", json={}, headers=shopper[1])
    assert refused.status_code == 400 and refused.get_json()["message"] == "This order is not paid by KHQR."
    order, _attempt = place_khqr_order(shopper[0], ProductFactory())
    app.config["KHQR_ACCOUNT_ID"] = None
    off = client.post(f"/api/v1/orders/{order.id}/payment", json={}, headers=shopper[1])
    assert off.status_code == 400


def test_two_new_qr_requests_at_once_make_one(app, db, fake_bakong):
    user = UserFactory()
    product = ProductFactory(stock=3)
    order, _attempt = place_khqr_order(user, product)
    _expire(order.id)
    order_id, user_id = order.id, user.id
    barrier = threading.Barrier(2)

    def renew(_):
        with app.app_context():
            barrier.wait()
            return payments.renew_khqr_payment(db.session.get(Order, order_id), user_id=user_id).id

    with ThreadPoolExecutor(2) as pool:
        ids = list(pool.map(renew, range(2)))
    assert ids[0] == ids[1]
    assert stock(product.id) == 2  # taken again once
    opened = db.session.scalar(sa.select(sa.func.count()).select_from(PaymentAttempt).where(
        PaymentAttempt.order_id == order_id, PaymentAttempt.status == "open"))  # fmt: skip
    assert opened == 1


def test_the_openapi_document_describes_the_payment_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    status = document["paths"]["/api/v1/orders/{order_id}/payment"]
    assert {"get", "post"} <= set(status)
    assert "X-Order-Token" in [p["name"] for p in status["get"]["parameters"]]
    schemas = document["components"]["schemas"]
    assert {"qr_string", "md5", "amount", "currency", "expires_at", "deeplink", "deeplink_payload"} <= set(
        schemas["Attempt"]["properties"]
    )
    deeplink = schemas["Attempt"]["properties"]["deeplink"]
    assert deeplink["type"] == ["string", "null"] or deeplink.get("nullable") is True
    assert "bank app" in deeplink["description"]
    order_in = schemas["PlaceOrderIn"]["properties"]
    assert order_in["payment_method"]["enum"] == ["cod", "khqr"] and order_in["currency"]["enum"] == ["USD", "KHR"]
    assert "/api/v1/admin/orders/{order_id}/payments/cash" in document["paths"]
    assert "currency" in schemas["RenewIn"]["properties"]


# ---------------------------------------------------------------- staff


def test_staff_list_attempts_record_cash_and_check(client, db, fake_bakong, run_jobs):
    admin = AdminFactory()
    headers = token(admin)
    user = UserFactory()
    cod = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(ProductFactory(price=D("20.00")).id, 1)],
            email=user.email,
            user_id=user.id,
            shipping_address=PHNOM_PENH,
        )
    )
    over = client.post(f"/api/v1/admin/orders/{cod.id}/payments/cash", json={"amount": "99.00"}, headers=headers)
    assert over.status_code == 400 and over.get_json()["error"]["details"]["amount"]
    bad = client.post(f"/api/v1/admin/orders/{cod.id}/payments/cash", json={"amount": "ten"}, headers=headers)
    assert bad.status_code == 422
    recorded = client.post(
        f"/api/v1/admin/orders/{cod.id}/payments/cash",
        json={"amount": "23.50", "received_by": "Dara", "received_at": "2026-12-01T09:00:00"},
        headers=headers,
    )
    assert recorded.status_code == 201, recorded.get_json()
    data = recorded.get_json()["data"]
    assert data["payment_status"] == "paid"
    events = data["attempts"][0]["events"]
    assert [e["kind"] for e in events] == ["created", "cash_received"]
    assert events[1]["amount"] == "23.50" and events[1]["actor_id"] == admin.id
    assert events[1]["raw"]["received_at"] == "2026-12-01T09:00:00+07:00"
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "order.cash_received")).all()
    assert len(audit) == 1 and audit[0].actor_id == admin.id

    order, attempt = place_khqr_order(user, ProductFactory())
    listed = client.get(f"/api/v1/admin/orders/{order.id}/payments", headers=headers).get_json()["data"]
    assert listed["attempts"][0]["md5"] == attempt.md5 and listed["needs_refund"] is False
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    check = client.post(f"/api/v1/admin/orders/{order.id}/payments/{attempt.id}/check", headers=headers)
    assert check.status_code == 202 and check.get_json()["data"] == {"attempt_id": attempt.id, "asked": True}
    run_jobs()
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID
    assert client.post(f"/api/v1/admin/orders/{cod.id}/payments/{attempt.id}/check", headers=headers).status_code == 404
    settled = client.post(f"/api/v1/admin/orders/{order.id}/payments/{attempt.id}/check", headers=headers)
    assert settled.status_code == 409


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"amount": "1e400"}, 422),  # beyond Decimal's precision: the money field names it
        ({"amount": 1e308}, 400),  # a JSON number: the service refuses it
        ({"amount": "99999999999999999999999999999.99"}, 422),
        ({"amount": "NaN"}, 422),
        ({"amount": [1]}, 422),
        ({"amount": "1", "received_at": "yesterday"}, 422),
        ({"amount": "1", "received_by": "x" * 101}, 422),
        # Past the dates the shop takes at all (1900..2100): the input layer's 422.
        ({"amount": "1", "received_at": "2999-01-01T00:00:00+07:00"}, 422),
        ({"amount": "1", "received_at": "2099-01-01T00:00:00+07:00"}, 400),  # in the future
    ],
)
def test_staff_cash_input_is_refused_with_a_4xx(client, db, body, status):
    user = UserFactory()
    cod = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(ProductFactory().id, 1)], email=user.email, user_id=user.id,
            shipping_address=PHNOM_PENH,
        )
    )  # fmt: skip
    response = client.post(f"/api/v1/admin/orders/{cod.id}/payments/cash", json=body, headers=token(AdminFactory()))
    assert response.status_code == status, response.get_json()
    assert response.get_json()["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentEvent)) == 0


def test_a_moderator_cannot_use_the_staff_payment_endpoints(client, db, fake_bakong):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    headers = token(ModeratorFactory())
    assert client.get(f"/api/v1/admin/orders/{order.id}/payments", headers=headers).status_code == 403
    cash = client.post(f"/api/v1/admin/orders/{order.id}/payments/cash", json={"amount": "1"}, headers=headers)
    assert cash.status_code == 403
    check = client.post(f"/api/v1/admin/orders/{order.id}/payments/{attempt.id}/check", headers=headers)
    assert check.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentEvent).where(
        PaymentEvent.kind == "cash_received")) == 0  # fmt: skip
