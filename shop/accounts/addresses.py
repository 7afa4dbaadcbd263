"""What makes a deliverable Cambodian address, for the address book and for checkout alike.

A courier in Cambodia needs a province, a house and street (or a landmark), and a phone number
to call: those are required. Khan / district and sangkat / commune help the rider; postal codes
are rare and optional. The province is stored as its code; `city` keeps the province's English
name, so everything that read the old free-text city (invoices, admin lists) still reads well.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from shop.accounts.models import SNAPSHOT_FIELDS
from shop.accounts.phones import normalize_phone
from shop.accounts.provinces import Province, find_province
from shop.errors import ShopError

DEFAULT_COUNTRY = "Cambodia"
COUNTRIES = {"cambodia", "kh", "khm", "កម្ពុជា"}
LENGTHS = {
    "first_name": 100, "last_name": 100, "company": 100, "address_line1": 255, "address_line2": 255,
    "city": 100, "state": 100, "postal_code": 20, "country": 100, "phone": 20, "province": 40,
    "district": 100, "commune": 100, "landmark": 255,
}  # fmt: skip
REQUIRED = _l("This field is required.")


class UnknownProvince(ShopError):
    code = "unknown_province"
    default_message = _l("Choose a province of Cambodia from the list.")


class OutsideCambodia(ShopError):
    code = "outside_cambodia"
    default_message = _l("We deliver in Cambodia only.")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def province_of(address: dict | None) -> Province | None:
    """The province an address (a snapshot, an old one with only a city) is in."""
    address = address or {}
    return find_province(address.get("province")) or find_province(address.get("city"))


def clean_address(data: dict[str, Any]) -> dict[str, Any]:
    """The address as stored (SNAPSHOT_FIELDS), trimmed, with the province as its code and the
    phone as E.164; ShopError on the field at fault otherwise. Nothing is written."""
    values = {name: _text(data.get(name)) for name in SNAPSHOT_FIELDS}
    for name, length in LENGTHS.items():
        value = values.get(name)
        if value and len(value) > length:
            raise ShopError(_l("Must be at most %(max)s characters.", max=length), field=name)
    country = values["country"] or DEFAULT_COUNTRY
    if country.lower() not in COUNTRIES:
        raise OutsideCambodia(field="country")
    values["country"] = DEFAULT_COUNTRY
    if values["province"]:
        province = find_province(values["province"])
        if province is None:
            raise UnknownProvince(field="province")
    else:
        province = find_province(values["city"])  # an older client that sends only a city
        if province is None:
            raise UnknownProvince(REQUIRED if not values["city"] else None, field="province")
    values["province"], values["city"] = province.code, province.name_en
    if not values["address_line1"]:
        raise ShopError(REQUIRED, field="address_line1")
    if not values["phone"]:
        raise ShopError(REQUIRED, field="phone")
    values["phone"] = normalize_phone(values["phone"])
    return values
