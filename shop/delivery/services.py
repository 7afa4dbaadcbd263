"""Delivery: which zone an address is in, the methods it offers there, what each costs for a
basket, and the staff's editing of zones (with audit).

Every door quotes through `options_for` / `charge`: the cart and product page (an estimate for
the shopper's province), checkout, the API's shipping-methods, preview and place. While staff
have defined no zone at all, the shop's long-standing rates apply (`default_zones`, from the
SHIPPING_* settings): Phnom Penh standard $1.50 or same-day $3.50, the provinces $3.00.
Migration 0013 stores the same zones, so staff find them in the admin to edit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import joinedload

from shop.accounts.addresses import UnknownProvince, province_of
from shop.accounts.provinces import BY_CODE, PHNOM_PENH, PROVINCES, Province, find_province
from shop.audit.actors import Actor
from shop.audit.services import plain
from shop.delivery.models import DeliveryMethod, DeliveryZone, DeliveryZoneProvince
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.i18n import localized
from shop.infra import generations
from shop.money import to_money

log = logging.getLogger("shop.delivery")

ZERO = Decimal("0.00")
METHOD_CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


class NoDelivery(ShopError):
    """No zone covers the address's province, or its zone has no method (that one) there."""

    status = 400
    code = "no_delivery"


@dataclass(frozen=True)
class Option:
    """A delivery method as offered in one zone."""

    code: str
    name_en: str
    name_kh: str | None
    rate: Decimal
    free_over: Decimal | None
    estimate_en: str
    estimate_kh: str | None
    zone_name_en: str = ""
    zone_name_kh: str | None = None

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def estimate(self) -> str:
        return localized(self, "estimate")

    @property
    def zone_name(self) -> str:
        return localized(self, "zone_name")

    def charge(self, subtotal: Decimal) -> Decimal:
        """What delivery costs for goods worth `subtotal` (free from the threshold on)."""
        if self.free_over is not None and subtotal >= self.free_over:
            return ZERO
        return to_money(self.rate)

    def missing_for_free(self, subtotal: Decimal) -> Decimal | None:
        """How much more to spend for free delivery; None when there is no threshold or it is
        reached."""
        if self.free_over is None or subtotal >= self.free_over:
            return None
        return to_money(self.free_over - subtotal)


@dataclass(frozen=True)
class Zone:
    id: int | None
    name_en: str
    name_kh: str | None
    provinces: frozenset[str]
    options: tuple[Option, ...] = field(default=())

    @property
    def name(self) -> str:
        return localized(self, "name")


def default_zones() -> list[Zone]:
    """The shop's rates before zones existed (SHIPPING_* settings, USD)."""
    config = current_app.config
    city = ("Phnom Penh", "ភ្នំពេញ")
    provinces = ("Provinces", "ខេត្ត")
    return [
        Zone(
            None,
            *city,
            frozenset({PHNOM_PENH}),
            (
                Option("standard", "Standard delivery", "ដឹកជញ្ជូនធម្មតា",
                       Decimal(config.get("SHIPPING_STANDARD_RATE_PHNOM_PENH", "1.50")), None, "1–3 days", "១–៣ ថ្ងៃ",
                       *city),
                Option("express", "Same-day delivery", "ដឹកជញ្ជូនក្នុងថ្ងៃតែមួយ",
                       Decimal(config.get("SHIPPING_EXPRESS_RATE", "3.50")), None, "Today", "ថ្ងៃនេះ", *city),
            ),
        ),
        Zone(
            None,
            *provinces,
            frozenset(p.code for p in PROVINCES if p.code != PHNOM_PENH),
            (
                Option("standard", "Courier to the provinces", "ដឹកតាមក្រុមហ៊ុនដឹកជញ្ជូនទៅខេត្ត",
                       Decimal(config.get("SHIPPING_STANDARD_RATE_PROVINCE", "3.00")), None, "2–3 days", "២–៣ ថ្ងៃ",
                       *provinces),
            ),
        ),
    ]  # fmt: skip


def _zone(row: DeliveryZone) -> Zone:
    options = tuple(
        Option(
            m.code, m.name_en, m.name_kh, m.rate, m.free_over, m.estimate_en, m.estimate_kh, row.name_en, row.name_kh
        )
        for m in row.methods
        if m.is_active
    )
    return Zone(row.id, row.name_en, row.name_kh, frozenset(row.province_codes), options)


def _zone_rows() -> list[DeliveryZone]:
    # One round trip (zones x provinces x methods: a few hundred rows), not three.
    query = (
        sa.select(DeliveryZone)
        .options(joinedload(DeliveryZone.provinces), joinedload(DeliveryZone.methods))
        .order_by(DeliveryZone.position, DeliveryZone.id)
    )
    return list(db.session.scalars(query).unique())


def zones() -> list[Zone]:
    """The delivery zones in force: the staff's, or the defaults while they have defined none.

    Read once per request: placing an order asks for them three times (the method's check, the
    quote, the answer). And kept by each process while their generation in Redis stays the
    same: reading them (zones x provinces x methods) was a tenth of an order's time, and
    staff change them rarely. Exact: the generation is read on each request, and a change moves
    it on after its commit, so no order is charged a rate staff have just changed."""
    if has_request_context():
        kept = getattr(request, _ZONES_OF_REQUEST, None)
        if kept is None:
            kept = _kept_zones()
            setattr(request, _ZONES_OF_REQUEST, kept)
        return kept
    return _kept_zones()


_ZONES_OF_REQUEST = "_shop_delivery_zones"
ZONES_GENERATION_KEY = "delivery:zones:generation"


def _kept_zones() -> list[Zone]:
    if not generations.shared():  # the embedded default: other workers could not see a change
        return _read_zones()
    generation = generations.read(ZONES_GENERATION_KEY)  # before the rows: a change after this is newer
    if generation is None:  # Redis cannot be read: nothing can be known to be current
        return _read_zones()
    kept = current_app.extensions.get("delivery_zones")
    now = time.monotonic()
    if kept is None or kept[0] != generation or now - kept[1] > current_app.config["DELIVERY_ZONES_KEPT_SECONDS"]:
        # One assignment: no lock. Kept for a bounded time too: a change saved while Redis was
        # down moved no generation, and would otherwise be missed until the worker restarts.
        kept = current_app.extensions["delivery_zones"] = (generation, now, _read_zones())
    return kept[2]


def _read_zones() -> list[Zone]:
    rows = _zone_rows()
    return [_zone(row) for row in rows] if rows else default_zones()


def _forget_zones() -> None:
    """After staff change the zones (and commit): this request and every process read them again."""
    if has_request_context() and hasattr(request, _ZONES_OF_REQUEST):
        delattr(request, _ZONES_OF_REQUEST)
    if generations.shared() and not generations.advance(ZONES_GENERATION_KEY):
        log.warning(
            "delivery zones changed while Redis was unreachable: other workers may charge the old rates",
            extra={"fields": {"for_at_most_seconds": current_app.config["DELIVERY_ZONES_KEPT_SECONDS"]}},
        )


def zone_for(province: Province) -> Zone | None:
    return next((zone for zone in zones() if province.code in zone.provinces), None)


def options_for(address: dict | None) -> list[Option]:
    """The methods that deliver to an address (a snapshot or just `{"province": code}`).
    UnknownProvince when it names none; NoDelivery when no zone (or no method) covers it."""
    province = province_of(address)
    if province is None:
        raise UnknownProvince(field="province")
    zone = zone_for(province)
    if zone is None or not zone.options:
        raise NoDelivery(
            _l("We do not deliver to %(province)s yet.", province=LazyString(lambda: province.name)),
            field="province",
        )
    return list(zone.options)


def option(method_code: str, address: dict | None) -> Option:
    """The method `method_code` for this address, or NoDelivery."""
    found = next((o for o in options_for(address) if o.code == method_code), None)
    if found is None:
        raise NoDelivery(_l("This delivery method does not reach your address."), field="shipping_method")
    return found


def charge(method_code: str, address: dict | None, subtotal: Decimal) -> Decimal:
    """What delivering the goods (worth `subtotal`) to `address` by `method_code` costs."""
    return option(method_code, address).charge(subtotal)


def all_method_codes() -> set[str]:
    return {o.code for zone in zones() for o in zone.options}


def method_name(method_code: str | None, address: dict | None = None) -> str:
    """A method's name for an order page: the zone's own name for it, else the code."""
    if not method_code:
        return ""
    try:
        return option(method_code, address).name
    except ShopError:
        names = {o.code: o.name for zone in zones() for o in zone.options}
        return names.get(method_code, method_code)


@dataclass(frozen=True)
class Estimate:
    """What the product page and the cart say about delivery to the shopper's province."""

    province: Province
    options: tuple[Option, ...]
    cheapest: Option

    def missing_for_free(self, subtotal: Decimal) -> Decimal | None:
        amounts = [o.missing_for_free(subtotal) for o in self.options if o.free_over is not None]
        reached = [a for a in amounts if a is None]
        if reached or not amounts:
            return None
        return min(a for a in amounts if a is not None)


def estimate_for(province_code: str | None) -> Estimate | None:
    """The delivery estimate for a province, or None when it is unknown or not delivered to."""
    province = find_province(province_code)
    if province is None:
        return None
    try:
        options = options_for({"province": province.code})
    except ShopError:
        return None
    return Estimate(province, tuple(options), min(options, key=lambda o: o.rate))


# ---------------------------------------------------------------- staff: editing zones


def list_zone_rows() -> list[DeliveryZone]:
    """The zones staff have defined (empty: the defaults are in force)."""
    return _zone_rows()


def get_zone_row(zone_id: int) -> DeliveryZone:
    zone = db.session.get(DeliveryZone, zone_id)
    if zone is None:
        raise NotFound()
    return zone


def zone_snapshot(zone: DeliveryZone) -> dict[str, Any]:
    """A zone as the audit log keeps it."""
    return {
        "name_en": zone.name_en,
        "name_kh": zone.name_kh,
        "position": zone.position,
        "provinces": sorted(zone.province_codes),
        "methods": [
            {
                "code": m.code,
                "name_en": m.name_en,
                "name_kh": m.name_kh,
                "rate": plain(m.rate),
                "free_over": plain(m.free_over),
                "estimate_en": m.estimate_en,
                "estimate_kh": m.estimate_kh,
                "is_active": m.is_active,
            }
            for m in zone.methods
        ],
    }


def _text(value: Any, name: str, length: int, *, required: bool = False) -> str | None:
    text = str(value).strip() if value is not None else ""
    if required and not text:
        raise ShopError(_l("This field is required."), field=name)
    if len(text) > length:
        raise ShopError(_l("Must be at most %(max)s characters.", max=length), field=name)
    return text or None


def _amount(value: Any, name: str, *, required: bool) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ShopError(_l("This field is required."), field=name)
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ShopError(_l("Enter an amount such as 1.50."), field=name) from error
    if not amount.is_finite() or amount < 0 or amount > Decimal("100000") or amount != amount.quantize(Decimal("0.01")):
        raise ShopError(_l("Enter an amount such as 1.50."), field=name)
    if not required and amount == 0:
        raise ShopError(_l("Leave it empty for no free delivery, or enter an amount above 0."), field=name)
    return to_money(amount)


def check_zone(data: dict[str, Any]) -> dict[str, Any]:
    """A zone's fields, checked: names, known provinces (at least one), methods with distinct
    codes, rates of 0 or more, thresholds above 0, estimates."""
    values: dict[str, Any] = {
        "name_en": _text(data.get("name_en"), "name_en", 100, required=True),
        "name_kh": _text(data.get("name_kh"), "name_kh", 100),
        "position": int(data.get("position") or 0),
    }
    provinces = []
    for code in data.get("provinces") or []:
        province = find_province(str(code))
        if province is None:
            raise UnknownProvince(field="provinces")
        if province.code not in provinces:
            provinces.append(province.code)
    if not provinces:
        raise ShopError(_l("Choose at least one province."), field="provinces")
    values["provinces"] = provinces
    methods, codes = [], set()
    for index, method in enumerate(data.get("methods") or []):
        prefix = f"methods-{index}-"
        code = (_text(method.get("code"), prefix + "code", 30, required=True) or "").lower()
        if not set(code) <= METHOD_CODE_CHARS:
            raise ShopError(_l("Use lower-case letters, digits and hyphens only."), field=prefix + "code")
        if code in codes:
            raise ShopError(_l("Each method of a zone needs its own code."), field=prefix + "code")
        codes.add(code)
        methods.append(
            {
                "code": code,
                "name_en": _text(method.get("name_en"), prefix + "name_en", 100, required=True),
                "name_kh": _text(method.get("name_kh"), prefix + "name_kh", 100),
                "rate": _amount(method.get("rate"), prefix + "rate", required=True),
                "free_over": _amount(method.get("free_over"), prefix + "free_over", required=False),
                "estimate_en": _text(method.get("estimate_en"), prefix + "estimate_en", 100, required=True),
                "estimate_kh": _text(method.get("estimate_kh"), prefix + "estimate_kh", 100),
                "is_active": bool(method.get("is_active", True)),
                "position": index + 1,
            }
        )
    if not methods:
        raise ShopError(_l("Give the zone at least one delivery method."), field="methods")
    values["methods"] = methods
    return values


def _taken_provinces(provinces: Sequence[str], zone_id: int | None) -> None:
    rows = db.session.execute(
        sa.select(DeliveryZoneProvince.province, DeliveryZone.name_en)
        .join(DeliveryZone, DeliveryZone.id == DeliveryZoneProvince.zone_id)
        .where(DeliveryZoneProvince.province.in_(provinces), DeliveryZone.id != (zone_id or 0))
    ).first()
    if rows is not None:
        raise Conflict(
            _l(
                "%(province)s is already in the zone %(zone)s.",
                province=BY_CODE[rows[0]].name_en,
                zone=rows[1],
            ),
            field="provinces",
        )


def save_zone(zone_id: int | None, data: dict[str, Any], *, actor: Actor) -> DeliveryZone:
    """Create a zone (zone_id None) or replace one's fields, provinces and methods, with its
    audit entry, in one transaction. A province already in another zone is refused (409)."""
    values = check_zone(data)
    zone = get_zone_row(zone_id) if zone_id is not None else DeliveryZone()
    before = zone_snapshot(zone) if zone_id is not None else None
    _taken_provinces(values["provinces"], zone_id)
    zone.name_en, zone.name_kh, zone.position = values["name_en"], values["name_kh"], values["position"]
    existing = {m.code: m for m in zone.methods}
    zone.methods = []
    for method in values["methods"]:
        row = existing.get(method["code"]) or DeliveryMethod()
        for key, value in method.items():
            setattr(row, key, value)
        zone.methods.append(row)
    old = {p.province: p for p in zone.provinces}
    zone.provinces = [old.get(code) or DeliveryZoneProvince(province=code) for code in values["provinces"]]
    if zone_id is None:
        db.session.add(zone)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:  # a concurrent save took a province
        db.session.rollback()
        raise Conflict(_l("Another change to the zones was saved at the same time. Please try again."),
                       field="provinces") from error  # fmt: skip
    actor.record(
        "delivery_zone.update" if zone_id is not None else "delivery_zone.create",
        "delivery_zone",
        zone.id,
        before=before,
        after=zone_snapshot(zone),
    )
    db.session.commit()
    _forget_zones()
    return zone


def delete_zone(zone_id: int, *, actor: Actor) -> None:
    """Delete a zone: its provinces are no longer delivered to until another zone takes them."""
    zone = get_zone_row(zone_id)
    actor.record("delivery_zone.delete", "delivery_zone", zone.id, before=zone_snapshot(zone), after=None)
    db.session.delete(zone)
    db.session.commit()
    _forget_zones()
