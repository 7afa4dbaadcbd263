"""Delivery zones at /admin/delivery: admins edit them with an audit entry, and every quote
follows at once (a free-delivery threshold, a province moved to another zone)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.delivery import services as delivery
from shop.delivery.models import DeliveryZone
from tests.admin.helpers import audit_entries, staff_page_client
from tests.factories import AdminFactory, ModeratorFactory
from tests.web.test_account_pages import post_form

D = Decimal
ZONE = {
    "name_en": "Phnom Penh",
    "name_kh": "ភ្នំពេញ",
    "provinces": ["KH-12"],
    "methods-0-code": "standard",
    "methods-0-name_en": "Standard delivery",
    "methods-0-rate": "1.50",
    "methods-0-free_over": "40.00",
    "methods-0-estimate_en": "1–3 days",
    "methods-0-is_active": "y",
}


@pytest.fixture(autouse=True)
def _no_zones(db):
    """Start from no zone (the first test of a run still sees the ones migration 0013 seeded)."""
    db.session.execute(sa.delete(DeliveryZone))
    db.session.commit()


def test_an_admin_defines_a_zone_and_quotes_follow(client, db):
    staff_page_client(client, AdminFactory())
    assert client.get("/admin/delivery").status_code == 200
    saved = post_form(client, "/admin/delivery/new", ZONE, form_url="/admin/delivery")
    assert saved.status_code == 303
    (entry,) = audit_entries(db, "delivery_zone.create")
    assert entry.after["provinces"] == ["KH-12"] and entry.after["methods"][0]["free_over"] == "40.00"
    phnom_penh = {"province": "KH-12"}
    assert delivery.charge("standard", phnom_penh, D("39.99")) == D("1.50")
    assert delivery.charge("standard", phnom_penh, D("40.00")) == D("0.00")
    assert delivery.estimate_for("KH-12").missing_for_free(D("30.00")) == D("10.00")
    # only the staff's zones apply now: Kampot is in none of them
    refused = delivery.estimate_for("KH-7")
    assert refused is None


def test_bad_zones_are_refused_with_the_reason_and_nothing_is_written(client, db):
    staff_page_client(client, AdminFactory())
    post_form(client, "/admin/delivery/new", ZONE, form_url="/admin/delivery")
    taken = post_form(client, "/admin/delivery/new", {**ZONE, "name_en": "City again"}, form_url="/admin/delivery")
    assert taken.status_code == 409 and "Phnom Penh is already in the zone Phnom Penh." in taken.text
    bad_rate = post_form(
        client,
        "/admin/delivery/new",
        {**ZONE, "provinces": ["KH-7"], "methods-0-rate": "-1"},
        form_url="/admin/delivery",
    )
    assert bad_rate.status_code == 400 and "Enter an amount such as 1.50." in bad_rate.text
    assert len(delivery.list_zone_rows()) == 1
    assert len(audit_entries(db, "delivery_zone.create")) == 1


def test_moderators_may_not_edit_zones(client, db):
    staff_page_client(client, ModeratorFactory())
    assert client.get("/admin/delivery").status_code == 403
