"""The demo shop's data, read from the JSON files in `shop/demo/data/` into typed records.

The files are data, not code, so they can be edited (or translated) without touching Python.
Conventions of the files:

* Money and weights are strings (``"14.90"``, ``"170.00"``) read as ``Decimal``, never float.
  ``compare_at_price``, when set, is the pre-sale price (higher than ``price``).
* Categories form a two-level tree; products point at leaf categories only: ``category`` is the
  primary one, ``extra_categories`` any others.
* Khmer text (``*_kh``) is in Khmer script; brand names stay in Latin.
* ``color`` and ``shape`` only drive the generated placeholder images (``shop.demo.images``).
* A coupon runs either for ``start_offset_days``/``end_offset_days`` from the day the seed runs
  (None: open-ended) or for a yearly ``season`` (``"MM-DD"`` to ``"MM-DD"``), see ``coupons``.
* A review text has a ``kind``: the leaf category of the products it speaks of (a cleanser's
  review talks about cleansing), or ``"any"`` for what fits every product (delivery, price).
* Emails use example.com / skincare.example; nothing here is a real person, brand or trademark.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

from shop.accounts.models import Language, UserRole
from shop.catalog.models import ProductStatus, SkinType
from shop.coupons.models import CouponStatus, CouponType

ANY_KIND = "any"


@dataclass(frozen=True)
class CategoryRecord:
    slug: str
    name_en: str
    name_kh: str
    description_en: str
    description_kh: str
    parent: str | None
    sort_order: int


@dataclass(frozen=True)
class ProductRecord:
    sku: str
    slug: str
    brand: str
    name_en: str
    name_kh: str
    short_description: str
    description_en: str
    description_kh: str
    category: str
    extra_categories: tuple[str, ...]
    price: Decimal
    compare_at_price: Decimal | None
    cost_price: Decimal
    stock: int
    skin_type: SkinType
    skin_concerns: tuple[str, ...]
    ingredients: tuple[str, ...]
    usage_instructions: str
    weight: Decimal
    size: str
    is_featured: bool
    status: ProductStatus
    meta_title: str
    meta_description: str
    color: str
    shape: str


@dataclass(frozen=True)
class VariantRecord:
    """One size or shade of a demo product (data/variants.json); the first is the default and
    carries the product's own SKU, price and stock."""

    option_name: str
    option_value_en: str
    option_value_kh: str
    sku: str
    price: Decimal
    stock: int
    compare_at_price: Decimal | None = None


@dataclass(frozen=True)
class AddressRecord:
    type: Literal["shipping", "billing"]
    first_name: str
    last_name: str
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    postal_code: str
    country: str
    phone: str
    is_default: bool


@dataclass(frozen=True)
class PersonRecord:
    """A demo account: a customer (with addresses) or a staff member."""

    email: str
    first_name: str
    last_name: str
    role: UserRole
    phone: str | None = None
    gender: Literal["male", "female", "other"] | None = None
    date_of_birth: date | None = None
    skin_type: SkinType = SkinType.NORMAL
    language: Language = Language.EN
    addresses: tuple[AddressRecord, ...] = ()


@dataclass(frozen=True)
class Season:
    """A yearly window (``start`` and ``end`` as month and day; it may run over New Year). Out of
    season a coupon is shown for the next window (``scheduled``) or for the last one (``ended``)."""

    start: tuple[int, int]
    end: tuple[int, int]
    out_of_season: Literal["scheduled", "ended"]


@dataclass(frozen=True)
class CouponRecord:
    code: str
    name: str
    description: str
    type: CouponType
    value: Decimal
    max_discount: Decimal | None
    usage_limit: int | None
    usage_limit_per_user: int | None
    min_order_value: Decimal | None
    applicable_products: tuple[str, ...]
    applicable_categories: tuple[str, ...]
    status: CouponStatus
    is_first_time_only: bool
    start_offset_days: int | None
    end_offset_days: int | None
    season: Season | None


@dataclass(frozen=True)
class ReviewText:
    kind: str
    rating: int
    language: Language
    title: str
    comment: str


def _load(name: str) -> Any:
    return json.loads(resources.files("shop.demo").joinpath("data", name).read_text(encoding="utf-8"))


def _money(value: object) -> Decimal:
    if not isinstance(value, str):  # a JSON number would have passed through float
        raise TypeError(f"money and weights are written as strings in the demo data, not {value!r}")
    return Decimal(value)


def _optional_money(value: object) -> Decimal | None:
    return None if value is None else _money(value)


def _month_day(value: str) -> tuple[int, int]:
    month, day = value.split("-")
    return int(month), int(day)


@cache
def categories() -> tuple[CategoryRecord, ...]:
    return tuple(CategoryRecord(**row) for row in _load("categories.json"))


@cache
def brands() -> tuple[str, ...]:
    return tuple(str(name) for name in _load("brands.json"))


@cache
def products() -> tuple[ProductRecord, ...]:
    return tuple(
        ProductRecord(
            **{
                **row,
                "extra_categories": tuple(row["extra_categories"]),
                "price": _money(row["price"]),
                "compare_at_price": _optional_money(row["compare_at_price"]),
                "cost_price": _money(row["cost_price"]),
                "skin_type": SkinType(row["skin_type"]),
                "skin_concerns": tuple(row["skin_concerns"]),
                "ingredients": tuple(row["ingredients"]),
                "weight": _money(row["weight"]),
                "status": ProductStatus(row["status"]),
            }
        )
        for row in _load("products.json")
    )


@cache
def variants() -> dict[str, tuple[VariantRecord, ...]]:
    """Product SKU -> its sizes or shades, the default first."""
    return {
        sku: tuple(
            VariantRecord(
                **{
                    **row,
                    "price": _money(row["price"]),
                    "compare_at_price": _optional_money(row.get("compare_at_price")),
                }
            )
            for row in rows
        )
        for sku, rows in _load("variants.json").items()
    }


def _person(row: dict[str, Any], role: UserRole) -> PersonRecord:
    return PersonRecord(
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        role=role,
        phone=row.get("phone"),
        gender=row.get("gender"),
        date_of_birth=date.fromisoformat(row["date_of_birth"]) if row.get("date_of_birth") else None,
        skin_type=SkinType(row.get("skin_type", "normal")),
        language=Language(row.get("language", "en")),
        addresses=tuple(AddressRecord(**address) for address in row.get("addresses", [])),
    )


@cache
def customers() -> tuple[PersonRecord, ...]:
    return tuple(_person(row, UserRole.CUSTOMER) for row in _load("customers.json"))


@cache
def staff() -> tuple[PersonRecord, ...]:
    return tuple(_person(row, UserRole(row["role"])) for row in _load("staff.json"))


def _season(row: dict[str, Any] | None) -> Season | None:
    if row is None:
        return None
    return Season(start=_month_day(row["start"]), end=_month_day(row["end"]), out_of_season=row["out_of_season"])


@cache
def coupons() -> tuple[CouponRecord, ...]:
    return tuple(
        CouponRecord(
            **{
                **row,
                "type": CouponType(row["type"]),
                "value": _money(row["value"]),
                "max_discount": _optional_money(row["max_discount"]),
                "min_order_value": _optional_money(row["min_order_value"]),
                "applicable_products": tuple(row["applicable_products"]),
                "applicable_categories": tuple(row["applicable_categories"]),
                "status": CouponStatus(row["status"]),
                "start_offset_days": row.get("start_offset_days"),
                "end_offset_days": row.get("end_offset_days"),
                "season": _season(row.get("season")),
            }
        )
        for row in _load("coupons.json")
    )


@cache
def review_texts() -> tuple[ReviewText, ...]:
    return tuple(
        ReviewText(
            kind=row["kind"],
            rating=int(row["rating"]),
            language=Language(row["language"]),
            title=row["title"],
            comment=row["comment"],
        )
        for row in _load("reviews.json")
    )
