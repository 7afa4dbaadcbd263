"""Orders over the staff API: the status machine, the payment status (never set by hand: it
follows the payments recorded), refunds, shipping, bulk changes."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from shop.audit.models import AuditLog
from shop.catalog.models import Product
from shop.orders.models import Order, OrderRefund, OrderStatus, PaymentStatus
from shop.payments.models import PaymentEvent
from shop.reviews.models import Review, ReviewStatus
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory, ReviewFactory, UserFactory
from tests.payments.helpers import kinds, place_khqr_order


def _order(db, **values):
    product = ProductFactory(stock=10, price=Decimal("12.50"))
    order = OrderFactory(
        subtotal=Decimal("25.00"), tax_amount=Decimal("2.50"), shipping_amount=Decimal("1.50"), **values
    )
    OrderItemFactory(order=order, product=product, quantity=2)
    return order, product


def test_illegal_transition_is_refused_with_the_reason(client, db, admin_headers):
    order, _ = _order(db, status=OrderStatus.PENDING)
    response = client.put(
        f"/api/v1/admin/orders/{order.id}/status", json={"status": "delivered"}, headers=admin_headers
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["message"] == "An order that is pending cannot become delivered."
    assert body["error"]["details"] == {"status": ["An order that is pending cannot become delivered."]}
    km = client.put(
        f"/api/v1/admin/orders/{order.id}/status?lang=km", json={"status": "delivered"}, headers=admin_headers
    )
    assert km.status_code == 409
    assert km.get_json()["message"] != body["message"]
    db.session.expire_all()
    assert order.status == OrderStatus.PENDING
    assert db.session.query(AuditLog).count() == 0


def test_legal_transition_is_recorded_in_the_timeline_and_audit_log(client, db, admin_headers, admin):
    order, _ = _order(db, status=OrderStatus.PENDING)
    response = client.put(
        f"/api/v1/admin/orders/{order.id}/status", json={"status": "confirmed", "note": "called"}, headers=admin_headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["status"] == "confirmed"
    entry = db.session.query(AuditLog).one()
    assert (entry.action, entry.actor_id, entry.before["status"], entry.after["status"]) == (
        "order.status",
        admin.id,
        "pending",
        "confirmed",
    )


def test_staff_cancel_of_a_processing_order_puts_stock_back(client, db, admin_headers):
    order, product = _order(db, status=OrderStatus.PROCESSING)
    response = client.put(
        f"/api/v1/admin/orders/{order.id}/status", json={"status": "cancelled"}, headers=admin_headers
    )
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 12


def test_shipping_needs_the_ship_action(client, db, admin_headers):
    order, _ = _order(db, status=OrderStatus.PROCESSING)
    response = client.put(f"/api/v1/admin/orders/{order.id}/status", json={"status": "shipped"}, headers=admin_headers)
    assert response.status_code == 400
    assert "tracking_number" in response.get_json()["error"]["details"]


def test_partial_refunds_never_exceed_what_was_paid(client, db, admin_headers):
    order, _ = _order(db, status=OrderStatus.DELIVERED, payment_status=PaymentStatus.PAID)
    assert order.total == Decimal("29.00")
    url = f"/api/v1/admin/orders/{order.id}/refund"
    first = client.post(url, json={"amount": "10.00", "reason": "damaged"}, headers=admin_headers)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["data"]["payment_status"] == "partially_refunded"
    too_much = client.post(url, json={"amount": "19.01"}, headers=admin_headers)
    assert too_much.status_code == 400
    assert too_much.get_json()["message"] == "You can refund at most 19.00 on this order."
    rest = client.post(url, json={"amount": 19}, headers=admin_headers)
    assert rest.status_code == 201
    data = rest.get_json()["data"]
    assert (data["payment_status"], data["status"], data["refunded_total"]) == ("refunded", "refunded", "29.00")
    again = client.post(url, json={"amount": "0.01"}, headers=admin_headers)
    assert again.status_code == 400
    assert db.session.query(OrderRefund).count() == 2


def test_refund_with_restock_puts_items_back_once(client, db, admin_headers):
    order, product = _order(db, status=OrderStatus.DELIVERED, payment_status=PaymentStatus.PAID)
    url = f"/api/v1/admin/orders/{order.id}/refund"
    response = client.post(url, json={"amount": "5.00", "restock": True}, headers=admin_headers)
    assert response.status_code == 201
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 12
    twice = client.post(url, json={"amount": "5.00", "restock": True}, headers=admin_headers)
    assert twice.status_code == 400
    assert twice.get_json()["message"] == "This order's items were already put back in stock."
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 12


def test_unpaid_order_and_bad_amounts_are_refused(client, db, admin_headers):
    order, _ = _order(db, status=OrderStatus.DELIVERED, payment_status=PaymentStatus.PENDING)
    url = f"/api/v1/admin/orders/{order.id}/refund"
    assert client.post(url, json={"amount": "1.00"}, headers=admin_headers).status_code == 400
    for bad in ("abc", "-1", "1.001", "NaN"):
        response = client.post(url + "?lang=km", json={"amount": bad}, headers=admin_headers)
        assert response.status_code in (400, 422), bad
        assert response.get_json()["success"] is False


def test_payment_status_paid_on_a_cash_order_records_the_cash_due(client, db, admin_headers, admin):
    order, _ = _order(db, status=OrderStatus.CONFIRMED, payment_method="cod")
    url = f"/api/v1/admin/orders/{order.id}/payment-status"
    paid = client.put(url, json={"payment_status": "paid"}, headers=admin_headers)
    assert paid.status_code == 200, paid.get_json()
    assert (paid.get_json()["message"], paid.get_json()["data"]["payment_status"]) == (
        "Cash received recorded.",
        "paid",
    )
    [event] = db.session.scalars(sa.select(PaymentEvent).where(PaymentEvent.kind == "cash_received"))
    assert (event.amount, event.actor_id, event.raw["received_by"]) == (order.total, admin.id, admin.email)
    [entry] = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "order.cash_received"))
    assert (entry.actor_id, entry.before["payment_status"], entry.after["payment_status"]) == (
        admin.id,
        "pending",
        "paid",
    )
    again = client.put(url, json={"payment_status": "paid"}, headers=admin_headers)
    assert (again.status_code, again.get_json()["message"]) == (200, "The order already has this payment status.")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentEvent).where(
        PaymentEvent.kind == "cash_received")) == 1  # fmt: skip
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 1


def test_payment_status_is_never_set_by_hand(client, db, admin_headers):
    order, _ = _order(db, status=OrderStatus.CONFIRMED, payment_method="cod")
    url = f"/api/v1/admin/orders/{order.id}/payment-status"
    for status in ("failed", "partially_paid"):
        refused = client.put(url, json={"payment_status": status}, headers=admin_headers)
        assert refused.status_code == 409
        body = refused.get_json()
        message = "The payment status follows the cash recorded: record the cash received, with its amount."
        assert body["message"] == message and body["error"]["details"] == {"payment_status": [message]}
    refunded = client.put(url, json={"payment_status": "refunded"}, headers=admin_headers)
    assert refunded.status_code == 400
    assert refunded.get_json()["message"] == "Refunded statuses are set by recording a refund."
    khmer = client.put(url + "?lang=km", json={"payment_status": "failed"}, headers=admin_headers)
    assert khmer.status_code == 409 and khmer.get_json()["message"].startswith("ស្ថានភាពការបង់ប្រាក់")
    db.session.expire_all()
    assert order.payment_status == PaymentStatus.PENDING
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0  # nothing written


def test_a_khqr_payment_is_confirmed_by_the_bank_not_by_the_endpoint(client, db, admin_headers, fake_bakong):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    refused = client.put(
        f"/api/v1/admin/orders/{order.id}/payment-status", json={"payment_status": "paid"}, headers=admin_headers
    )
    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "A KHQR payment is confirmed by the bank, never by hand: ask the bank with “Check now”."
    )
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_status == PaymentStatus.PENDING
    assert kinds(attempt.id) == ["created"]


def test_payment_status_follows_refunds(client, db, admin_headers):
    order, _ = _order(db, status=OrderStatus.DELIVERED, payment_status=PaymentStatus.PAID)
    assert client.post(
        f"/api/v1/admin/orders/{order.id}/refund", json={"amount": "5.00"}, headers=admin_headers
    ).status_code == 201  # fmt: skip
    refused = client.put(
        f"/api/v1/admin/orders/{order.id}/payment-status", json={"payment_status": "paid"}, headers=admin_headers
    )
    assert refused.status_code == 409
    assert refused.get_json()["message"] == "This order has refunds: its payment status follows them."


def test_fulfilment_statuses(client, db, admin_headers):
    order, _ = _order(db, status=OrderStatus.CONFIRMED)
    base = f"/api/v1/admin/orders/{order.id}"
    packed = client.put(base + "/fulfillment-status", json={"fulfillment_status": "fulfilled"}, headers=admin_headers)
    assert packed.get_json()["data"]["fulfillment_status"] == "fulfilled"
    shipped = client.put(base + "/fulfillment-status", json={"fulfillment_status": "shipped"}, headers=admin_headers)
    assert shipped.status_code == 400


def test_ship_emails_the_shopper_in_their_language(client, db, admin_headers, smtp_server, run_jobs):
    shopper = UserFactory(language="kh", email="dara@example.com")
    order, _ = _order(db, status=OrderStatus.PROCESSING, user=shopper)
    response = client.post(
        f"/api/v1/admin/orders/{order.id}/ship", json={"tracking_number": "KH123456789"}, headers=admin_headers
    )
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert (data["status"], data["fulfillment_status"], data["tracking_number"]) == (
        "shipped",
        "shipped",
        "KH123456789",
    )
    assert run_jobs() == 1
    (message,) = smtp_server.messages
    assert message["To"] == "dara@example.com"
    text = message.get_body(("plain",)).get_content()
    assert "KH123456789" in text
    assert order.order_number in message["Subject"]
    assert '<html lang="km">' in message.get_body(("html",)).get_content()  # the shopper's language
    assert "on its way" not in message["Subject"]


def test_bulk_status_reports_each_order(client, db, admin_headers):
    pending, _ = _order(db, status=OrderStatus.PENDING)
    delivered, _ = _order(db, status=OrderStatus.DELIVERED)
    response = client.post(
        "/api/v1/admin/orders/bulk-update",
        json={"ids": [pending.id, delivered.id, 999999], "status": "confirmed"},
        headers=admin_headers,
    )
    assert response.status_code == 200
    outcomes = {o["id"]: o for o in response.get_json()["data"]}
    assert outcomes[pending.id]["ok"] is True
    assert outcomes[delivered.id] == {
        "id": delivered.id,
        "ok": False,
        "message": "An order that is delivered cannot become confirmed.",
    }
    assert outcomes[999999]["ok"] is False


def test_order_list_filters(client, db, admin_headers):
    first, _ = _order(db, status=OrderStatus.PENDING, customer_email="sokha@example.com")
    _order(db, status=OrderStatus.CONFIRMED, customer_email="dara@example.com")
    response = client.get("/api/v1/admin/orders?status=pending&customer=sokha", headers=admin_headers)
    body = response.get_json()["data"]
    assert [o["id"] for o in body["data"]] == [first.id]
    assert body["total_items"] == 1


def test_moderators_and_anonymous_are_refused(client, db, moderator_headers):
    order, _ = _order(db)
    assert client.get(f"/api/v1/admin/orders/{order.id}").status_code == 401
    assert client.get(f"/api/v1/admin/orders/{order.id}", headers=moderator_headers).status_code == 403


def test_delivery_makes_the_shoppers_earlier_reviews_verified_purchases(client, db, admin_headers):
    shopper = UserFactory()
    order, product = _order(db, status=OrderStatus.SHIPPED, user=shopper)
    other = ProductFactory()
    mine = ReviewFactory(product_id=product.id, user_id=shopper.id, is_verified_purchase=False)
    elsewhere = ReviewFactory(product_id=other.id, user_id=shopper.id, is_verified_purchase=False)
    someone_else = ReviewFactory(product_id=product.id, is_verified_purchase=False)
    db.session.commit()
    page = client.get(f"/products/{product.slug}")
    assert "Verified purchase" not in page.text

    response = client.put(
        f"/api/v1/admin/orders/{order.id}/status", json={"status": "delivered"}, headers=admin_headers
    )
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    verified = {r.id: r.is_verified_purchase for r in db.session.query(Review)}
    assert verified == {mine.id: True, elsewhere.id: False, someone_else.id: False}
    assert "Verified purchase" in client.get(f"/products/{product.slug}").text  # the cached page too


def test_dashboard_stats_give_a_moderator_only_the_reviews_waiting(client, db, moderator_headers, admin_headers):
    ReviewFactory(status=ReviewStatus.PENDING)
    db.session.commit()
    moderator = client.get("/api/v1/admin/dashboard/stats", headers=moderator_headers)
    assert moderator.status_code == 200
    assert moderator.get_json()["data"] == {"pending_reviews": 1}
    admin = client.get("/api/v1/admin/dashboard/stats", headers=admin_headers).get_json()["data"]
    assert admin["pending_reviews"] == 1 and [p["days"] for p in admin["periods"]] == [1, 7, 30]
