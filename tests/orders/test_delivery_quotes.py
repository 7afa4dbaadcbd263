"""Delivery quotes by zone, as one table: the shop's defaults while no zone exists, then the
staff's zones (a free-delivery threshold, a method one zone lacks, a province no zone covers);
and what the cart says for the shopper's province ("spend $X more"), in English and Khmer."""

from __future__ import annotations

import logging
import re
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from shop.audit.actors import Actor
from shop.delivery import services as delivery
from shop.delivery.models import DeliveryZone
from shop.extensions import db as shop_db
from shop.i18n import money
from tests.factories import AdminFactory, ProductFactory
from tests.support.statements import sent_statements
from tests.web.test_account_pages import khmer
from tests.web.test_cart_pages import HX, add

D = Decimal
CITY = {
    "name_en": "Phnom Penh",
    "name_kh": "ភ្នំពេញ",
    "provinces": ["KH-12", "KH-8"],  # the capital and Kandal
    "methods": [
        {"code": "standard", "name_en": "Standard", "rate": "1.50", "free_over": "40.00", "estimate_en": "1–3 days"},
        {"code": "express", "name_en": "Same day", "rate": "3.50", "estimate_en": "Today"},
    ],
}
COAST = {
    "name_en": "Coast",
    "provinces": ["KH-7", "KH-23", "KH-18"],  # Kampot, Kep, Preah Sihanouk
    "methods": [{"code": "standard", "name_en": "Courier", "rate": "3.00", "estimate_en": "2–3 days"}],
}


def zone_reads(engine):
    """The statements that read or write delivery_zones while the block runs."""
    return sent_statements(engine, containing="delivery_zones")


@pytest.fixture
def zones(db):
    """The staff's two zones in place of whatever migration 0013 seeded."""
    db.session.execute(sa.delete(DeliveryZone))
    db.session.commit()
    admin = AdminFactory()
    for zone in (CITY, COAST):
        delivery.save_zone(None, zone, actor=Actor(id=admin.id, email=admin.email))


@pytest.fixture
def no_zones(db):
    db.session.execute(sa.delete(DeliveryZone))
    db.session.commit()


@pytest.mark.parametrize(
    ("province", "method", "subtotal", "cost"),
    [
        ("KH-12", "standard", "10.00", "1.50"),
        ("KH-12", "express", "10.00", "3.50"),
        ("KH-12", "standard", "100.00", "1.50"),  # the defaults have no threshold
        ("KH-17", "standard", "10.00", "3.00"),  # Siem Reap: the provinces
        ("KH-25", "standard", "10.00", "3.00"),
        ("KH-17", "express", "10.00", None),  # same-day is for Phnom Penh only
    ],
)
def test_quotes_without_zones_are_the_shops_old_rates(no_zones, province, method, subtotal, cost):
    address = {"province": province}
    if cost is None:
        with pytest.raises(delivery.NoDelivery):
            delivery.charge(method, address, D(subtotal))
    else:
        assert delivery.charge(method, address, D(subtotal)) == D(cost)


@pytest.mark.parametrize(
    ("address", "method", "subtotal", "cost"),
    [
        ({"province": "KH-12"}, "standard", "39.99", "1.50"),
        ({"province": "KH-12"}, "standard", "40.00", "0.00"),  # free from the threshold on
        ({"province": "KH-8"}, "standard", "45.00", "0.00"),  # Kandal is in the city zone
        ({"province": "KH-12"}, "express", "100.00", "3.50"),  # same-day has no threshold
        ({"province": "KH-23"}, "standard", "100.00", "3.00"),
        ({"city": "Kampot"}, "standard", "10.00", "3.00"),  # an older address: its city names it
        ({"province": "KH-23"}, "express", "10.00", "no_delivery"),  # the coast has no same-day
        ({"province": "KH-17"}, "standard", "10.00", "no_delivery"),  # Siem Reap: in no zone
        ({"province": "KH-99"}, "standard", "10.00", "unknown_province"),
        ({"city": "Bangkok"}, "standard", "10.00", "unknown_province"),
    ],
)
def test_quotes_follow_the_staffs_zones(zones, address, method, subtotal, cost):
    if cost[0].isdigit():
        assert delivery.charge(method, address, D(subtotal)) == D(cost)
        return
    with pytest.raises(delivery.ShopError) as refused:
        delivery.charge(method, address, D(subtotal))
    assert refused.value.code == cost and refused.value.status == 400


def test_the_estimate_says_how_much_more_for_free_delivery(zones):
    city = delivery.estimate_for("KH-12")
    assert city.cheapest.code == "standard" and city.cheapest.rate == D("1.50")
    assert city.missing_for_free(D("25.00")) == D("15.00")
    assert city.missing_for_free(D("40.00")) is None
    assert delivery.estimate_for("KH-7").missing_for_free(D("25.00")) is None  # no threshold there
    assert delivery.estimate_for("KH-17") is None  # not delivered to


@pytest.mark.parametrize("lang", ["en", "km"])
def test_the_cart_says_spend_more_for_free_delivery_in_the_shoppers_language(app, client, zones, lang):
    add(client, ProductFactory(price=D("12.50"), stock=5), 2)  # $25.00 of goods
    box = client.get(f"/delivery/estimate?cart=1&province=KH-12&lang={lang}", headers=HX)
    assert box.status_code == 200
    hint = re.search(r'id="free-delivery-hint">([^<]+)<', box.text).group(1)
    english = "Spend %(amount)s more for free delivery."
    if lang == "km":
        with app.test_request_context("/?lang=km"), force_locale("km"):
            amount = money(D("15.00"))
        assert hint == khmer(app, english, amount=amount)
    else:
        assert hint == "Spend $15.00 more for free delivery."
    # The province is remembered: the next box (no ?province=) quotes it again.
    again = client.get(f"/delivery/estimate?cart=1&lang={lang}", headers=HX)
    assert 'id="free-delivery-hint"' in again.text
    far = client.get(f"/delivery/estimate?cart=1&province=KH-17&lang={lang}", headers=HX)
    assert 'id="free-delivery-hint"' not in far.text
    not_yet = "We do not deliver to this province yet."
    assert (khmer(app, not_yet) if lang == "km" else not_yet) in far.text


def test_zones_are_read_once_a_request_and_a_staff_change_shows_at_once(app, db, zones):
    """A request reads the zones once (an order asks for them three times); a zone saved in that
    request, or in any other, is what the next read sees."""
    admin = AdminFactory()
    with zone_reads(db.engine) as statements:
        with app.test_request_context("/"):
            assert delivery.charge("standard", {"province": "KH-7"}, D("10.00")) == D("3.00")
            assert delivery.charge("standard", {"province": "KH-7"}, D("10.00")) == D("3.00")
            assert "standard" in delivery.all_method_codes()
            assert len(statements) == 1
            coast = next(z for z in delivery.list_zone_rows() if z.name_en == "Coast")
            changed = {**COAST, "methods": [{**COAST["methods"][0], "rate": "4.00"}]}
            delivery.save_zone(coast.id, changed, actor=Actor(id=admin.id, email=admin.email))
            assert delivery.charge("standard", {"province": "KH-7"}, D("10.00")) == D("4.00")
        with app.test_request_context("/"):
            assert delivery.charge("standard", {"province": "KH-7"}, D("10.00")) == D("4.00")
            delivery.delete_zone(coast.id, actor=Actor(id=admin.id, email=admin.email))
            with pytest.raises(delivery.NoDelivery):
                delivery.charge("standard", {"province": "KH-7"}, D("10.00"))


def test_each_process_keeps_the_zones_until_staff_change_them_anywhere(app, db, zones, make_app):
    """Later requests read no zones at all; a change saved by another worker (another app on the
    same database and Redis) is what this worker's next request charges."""
    shared = ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "CACHE_TYPE", "CACHE_REDIS_URL", "RATELIMIT_STORAGE_URI")
    other = make_app(**{name: app.config[name] for name in shared})  # another worker: its own kept zones
    admin = AdminFactory()
    with zone_reads(db.engine) as statements:
        for _ in range(3):
            with app.test_request_context("/"):
                assert delivery.charge("standard", {"province": "KH-7"}, D("10.00")) == D("3.00")
        assert len(statements) == 1
        with other.app_context(), other.test_request_context("/"):
            coast = next(z for z in delivery.list_zone_rows() if z.name_en == "Coast")
            changed = {**COAST, "methods": [{**COAST["methods"][0], "rate": "4.25"}]}
            delivery.save_zone(coast.id, changed, actor=Actor(id=admin.id, email=admin.email))
        with app.test_request_context("/"):
            assert delivery.charge("standard", {"province": "KH-7"}, D("10.00")) == D("4.25")


def test_a_change_saved_while_redis_was_down_is_charged_within_the_kept_time(app, db, zones, make_app):
    """A worker that could not move the generation (Redis unreachable as staff saved) says so,
    and the others charge the new rate once their kept zones are DELIVERY_ZONES_KEPT_SECONDS
    old, not only after a restart."""
    shared = ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "RATELIMIT_STORAGE_URI", "CACHE_TYPE")
    cut_off = make_app(**{name: app.config[name] for name in shared}, CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    app.config["DELIVERY_ZONES_KEPT_SECONDS"] = 0.5
    admin = AdminFactory()
    with app.test_request_context("/"):
        assert delivery.charge("standard", {"province": "KH-7"}, D("10.00")) == D("3.00")
    warnings: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("shop.delivery").addHandler(handler)
    try:
        with cut_off.app_context(), cut_off.test_request_context("/"):
            coast = next(z for z in delivery.list_zone_rows() if z.name_en == "Coast")
            changed = {**COAST, "methods": [{**COAST["methods"][0], "rate": "4.50"}]}
            delivery.save_zone(coast.id, changed, actor=Actor(id=admin.id, email=admin.email))
    finally:
        logging.getLogger("shop.delivery").removeHandler(handler)
    assert warnings == ["delivery zones changed while Redis was unreachable: other workers may charge the old rates"]
    with app.test_request_context("/"):  # kept, and its generation did not move
        assert delivery.charge("standard", {"province": "KH-7"}, D("10.00")) == D("3.00")
    time.sleep(0.6)
    with app.test_request_context("/"):
        assert delivery.charge("standard", {"province": "KH-7"}, D("10.00")) == D("4.50")


def test_without_redis_every_request_reads_the_zones(make_app, tmp_path):
    """The embedded default (an in-process cache other workers cannot see) keeps nothing."""
    embedded = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'shop.db'}", REDIS_URL=None)
    with embedded.app_context():
        shop_db.create_all()
        with zone_reads(shop_db.engine) as statements:
            for _ in range(2):
                with embedded.test_request_context("/"):
                    delivery.zones()
        assert len(statements) == 2
