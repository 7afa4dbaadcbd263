"""The staff order page: delivery details on the page, one-click next steps along the status
machine, a refused step shown with its reason on the order page, statuses as translated labels."""

from __future__ import annotations

import re

from shop.orders.models import Order, OrderStatus
from tests.factories import OrderFactory


def _buttons(html: str) -> list[str]:
    return re.findall(r'data-next-step="([a-z]+)"', html)


def _step(client, order_id: int, status: str, **extra):
    data = {"csrf_token": client.csrf, "status": status, **extra}
    return client.post(f"/admin/orders/{order_id}/next", data=data)


def test_order_page_shows_delivery_details_and_the_next_step(admin_page, db):
    order = OrderFactory(
        customer_phone="+85512345678",
        shipping_method="standard",
        notes="Call before coming, the gate is blue.",
        shipping_address={"address_line1": "No. 12, Street 271", "province": "KH-12", "country": "Cambodia"},
    )
    html = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "No. 12, Street 271" in html and "Call before coming, the gate is blue." in html
    assert 'href="tel:+85512345678"' in html
    assert _buttons(html) == ["confirmed", "cancelled"]
    assert 'name="tracking_number"' not in html
    assert 'class="status-badge status-badge--pending status-tone--waiting" data-status="pending">pending<' in html


def test_next_steps_move_a_pending_order_to_shipped(admin_page, db):
    order = OrderFactory(status=OrderStatus.PENDING)
    assert _step(admin_page, order.id, "confirmed").status_code == 302
    html = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert _buttons(html) == ["processing", "cancelled"]
    assert _step(admin_page, order.id, "processing").status_code == 302
    html = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert _buttons(html) == ["shipped", "cancelled"] and 'name="tracking_number"' in html
    missing = _step(admin_page, order.id, "shipped", tracking_number="")
    assert missing.status_code == 400
    assert "Enter the tracking number." in missing.get_data(as_text=True)
    assert _step(admin_page, order.id, "shipped", tracking_number="KH-TRACK-77").status_code == 302
    db.session.expire_all()
    shipped = db.session.get(Order, order.id)
    assert (shipped.status, shipped.tracking_number) == (OrderStatus.SHIPPED, "KH-TRACK-77")
    html = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert _buttons(html) == ["delivered"]
    assert _step(admin_page, order.id, "delivered").status_code == 302
    html = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert _buttons(html) == [] and "Nothing more to do: this order is delivered." in html


def test_a_step_that_no_longer_applies_shows_the_order_with_the_reason(admin_page, db):
    order = OrderFactory(status=OrderStatus.PENDING)
    response = _step(admin_page, order.id, "shipped", tracking_number="T-1")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "An order that is pending cannot become shipped." in html
    assert _buttons(html) == ["confirmed", "cancelled"]  # the order page, as the order is now
    refund = _step(admin_page, order.id, "refunded")
    assert refund.status_code == 400 and "That is not a next step for an order." in refund.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PENDING


def test_statuses_are_khmer_labels_on_the_khmer_staff_pages(admin_page, db):
    order = OrderFactory(status=OrderStatus.PENDING, shipping_address={"address_line1": "St 1", "country": "Cambodia"})
    html = admin_page.get(f"/admin/orders/{order.id}?lang=km").get_data(as_text=True)
    assert 'data-status="pending">កំពុងរង់ចាំ<' in html and ">pending<" not in html
    assert "កម្ពុជា" in html and "Cambodia" not in html
    for url in ("/admin/orders?lang=km", "/admin/?lang=km"):
        page = admin_page.get(url).get_data(as_text=True)
        assert 'data-status="pending">កំពុងរង់ចាំ<' in page
        assert 'data-status="pending">payment pending' not in page
