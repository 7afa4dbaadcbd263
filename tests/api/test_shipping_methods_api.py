"""GET /api/v1/orders/shipping-methods keeps the fields it first answered (`code`, `label`,
`rate_phnom_penh`, `rate_province`) for older apps, with the delivery zones beside them."""

from __future__ import annotations

from shop.accounts.provinces import PHNOM_PENH, PROVINCES

OUTSIDE = sorted(p.code for p in PROVINCES if p.code != PHNOM_PENH)


def methods(client, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/orders/shipping-methods{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def test_every_method_once_with_its_first_fields_and_its_zones(client, db):
    standard, express = methods(client)
    # What an app written against the first version reads:
    assert {k: standard[k] for k in ("code", "label", "rate_phnom_penh", "rate_province")} == {
        "code": "standard",
        "label": "Standard delivery",
        "rate_phnom_penh": "1.50",
        "rate_province": "3.00",
    }
    assert {k: express[k] for k in ("code", "label", "rate_phnom_penh", "rate_province")} == {
        "code": "express",
        "label": "Same-day delivery",
        "rate_phnom_penh": "3.50",
        "rate_province": None,  # not offered outside Phnom Penh
    }
    # What came with delivery zones:
    assert standard["zones"] == [
        {"zone": "Phnom Penh", "provinces": [PHNOM_PENH], "rate": "1.50", "free_over": None, "estimate": "1–3 days"},
        {"zone": "Provinces", "provinces": OUTSIDE, "rate": "3.00", "free_over": None, "estimate": "2–3 days"},
    ]
    assert (standard["rate"], standard["free_over"], standard["estimate"]) == (None, None, None)


def test_a_province_gets_the_methods_delivering_there(client, db):
    [courier] = methods(client, "?province=Siem Reap")
    assert courier["code"] == "standard"
    assert (courier["label"], courier["rate"], courier["estimate"]) == ("Courier to the provinces", "3.00", "2–3 days")
    assert (courier["rate_phnom_penh"], courier["rate_province"]) == ("1.50", "3.00")
    assert [zone["zone"] for zone in courier["zones"]] == ["Provinces"]
    city = methods(client, f"?province={PHNOM_PENH}")
    assert [(m["code"], m["rate"]) for m in city] == [("standard", "1.50"), ("express", "3.50")]


def test_an_unknown_province_is_a_400_naming_it(client, db):
    response = client.get("/api/v1/orders/shipping-methods?province=Atlantis")
    assert response.status_code == 400
    body = response.get_json()
    assert body["success"] is False
    assert list(body["error"]["details"]) == ["province"]
