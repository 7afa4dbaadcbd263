"""KHQR: Cambodia's payment QR (NBC's Bakong profile of the EMVCo merchant-presented QR).

The string is a list of tag-length-value fields: a two-digit tag, a two-digit length and the
value; some values (29/30 the account, 62 additional data, 99 timestamps) are such lists
themselves. The last field, 63, is a CRC-16/CCITT-FALSE over everything before it, "6304"
included. We build it here, from the shop's own settings: no order data leaves the shop to
make a QR. Bakong knows a paid QR by the md5 of its exact string (`md5_of`).

Layout written (the same order NBC's bakong-khqr SDK writes):

    00 "01"            payload format indicator
    01 "12"            point of initiation: dynamic (one payment, with an amount)
    29 | 30            individual account {00 account id, 01 account info, 02 bank}
                       | merchant account {00 account id, 01 merchant id, 02 acquiring bank}
    52 "5999"          merchant category code
    53 "840" | "116"   currency (USD / KHR)
    54 amount          USD with two decimals, KHR whole riel
    58 "KH"            country
    59 name, 60 city
    62 {01 bill number, 02 mobile, 03 store label, 07 terminal label}
    99 {00 created ms, 01 expires ms}
    63 CRC
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CURRENCY_CODES = {"USD": "840", "KHR": "116"}
CURRENCIES_BY_CODE = {code: name for name, code in CURRENCY_CODES.items()}
DYNAMIC = "12"
STATIC = "11"
INDIVIDUAL_TAG = "29"
MERCHANT_TAG = "30"
NESTED_TAGS = {INDIVIDUAL_TAG, MERCHANT_TAG, "62", "99"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_MCC = "5999"  # miscellaneous and specialty retail
# The KHQR guideline's limits (bakong-khqr checks the same ones).
MAX_LENGTHS = {
    "account_id": 32,
    "merchant_name": 25,
    "merchant_city": 15,
    "bill_number": 25,
    "store_label": 25,
    "terminal_label": 25,
    "merchant_id": 32,
    "acquiring_bank": 32,
}


class KHQRError(ValueError):
    """A KHQR string or its parts are not valid."""


@dataclass(frozen=True)
class KHQRRequest:
    """What one dynamic KHQR asks for: who is paid, how much, for which bill, until when."""

    account_id: str
    merchant_name: str
    merchant_city: str
    currency: str
    amount: Decimal
    bill_number: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    # A merchant account (tag 30) has a merchant id and an acquiring bank; an individual
    # account (tag 29) may name its bank too.
    merchant_id: str | None = None
    acquiring_bank: str | None = None
    store_label: str | None = None
    terminal_label: str | None = None
    mcc: str = DEFAULT_MCC


@dataclass
class KHQR:
    """A decoded KHQR string: its top-level fields and nested sub-fields, by tag."""

    fields: dict[str, str]
    nested: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def account_tag(self) -> str | None:
        return next((tag for tag in (INDIVIDUAL_TAG, MERCHANT_TAG) if tag in self.fields), None)

    @property
    def account_id(self) -> str | None:
        tag = self.account_tag
        return self.nested[tag].get("00") if tag else None

    @property
    def currency(self) -> str | None:
        return CURRENCIES_BY_CODE.get(self.fields.get("53", ""))

    @property
    def amount(self) -> Decimal | None:
        return Decimal(self.fields["54"]) if "54" in self.fields else None

    @property
    def bill_number(self) -> str | None:
        return self.nested.get("62", {}).get("01")

    @property
    def created_at(self) -> datetime | None:
        return _from_ms(self.nested.get("99", {}).get("00"))

    @property
    def expires_at(self) -> datetime | None:
        return _from_ms(self.nested.get("99", {}).get("01"))


def crc16(text: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor), as four
    uppercase hex digits: the checksum KHQR's tag 63 carries."""
    crc = 0xFFFF
    for byte in text.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def md5_of(qr: str) -> str:
    """The md5 (hex) of the exact QR string: what Bakong's check_transaction_by_md5 is asked."""
    return hashlib.md5(qr.encode("utf-8"), usedforsecurity=False).hexdigest()


def format_amount(amount: Decimal, currency: str) -> str:
    """USD with two decimals ("12.50"), KHR in whole riel ("51300"), rounded half up."""
    if currency == "KHR":
        return str(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def encode(request: KHQRRequest) -> str:
    """The KHQR string for one dynamic payment (see the module docstring for the layout)."""
    if request.currency not in CURRENCY_CODES:
        raise KHQRError(f"currency must be USD or KHR, not {request.currency!r}")
    if request.amount <= 0:
        raise KHQRError("a dynamic KHQR needs an amount above zero")
    _check_lengths(request)
    account = [("00", request.account_id)]
    if request.merchant_id:
        account += [("01", request.merchant_id), ("02", request.acquiring_bank or "")]
        account_tag = MERCHANT_TAG
    else:
        if request.acquiring_bank:
            account.append(("02", request.acquiring_bank))
        account_tag = INDIVIDUAL_TAG
    parts = [
        _tlv("00", "01"),
        _tlv("01", DYNAMIC),
        _tlv(account_tag, _join(account)),
        _tlv("52", request.mcc),
        _tlv("53", CURRENCY_CODES[request.currency]),
        _tlv("54", format_amount(request.amount, request.currency)),
        _tlv("58", "KH"),
        _tlv("59", request.merchant_name),
        _tlv("60", request.merchant_city),
    ]
    additional = [
        (tag, value)
        for tag, value in (("01", request.bill_number), ("03", request.store_label), ("07", request.terminal_label))
        if value
    ]
    if additional:
        parts.append(_tlv("62", _join(additional)))
    if request.created_at is not None:
        times = [("00", _ms(request.created_at))]
        if request.expires_at is not None:
            times.append(("01", _ms(request.expires_at)))
        parts.append(_tlv("99", _join(times)))
    body = "".join(parts) + "6304"
    return body + crc16(body)


def decode(qr: str) -> KHQR:
    """Parse a KHQR string into its fields, nested ones included, and check its CRC.
    Raises KHQRError on a malformed string or a wrong checksum."""
    if not verify_crc(qr):
        raise KHQRError("the CRC (tag 63) does not match the string")
    fields = dict(_parse(qr))
    nested = {tag: dict(_parse(fields[tag])) for tag in NESTED_TAGS if tag in fields}
    if fields.get("00") != "01":
        raise KHQRError("tag 00 (payload format) must be 01")
    return KHQR(fields=fields, nested=nested)


def verify_crc(qr: str) -> bool:
    """Whether the string ends in "6304" + the CRC of everything before the CRC."""
    return len(qr) > 8 and qr[-8:-4] == "6304" and crc16(qr[:-4]) == qr[-4:].upper()


def _parse(text: str) -> list[tuple[str, str]]:
    items, position = [], 0
    while position < len(text):
        tag, length = text[position : position + 2], text[position + 2 : position + 4]
        if len(tag) < 2 or not length.isdigit():
            raise KHQRError(f"malformed field at position {position}")
        end = position + 4 + int(length)
        if end > len(text):
            raise KHQRError(f"field {tag} runs past the end of the string")
        items.append((tag, text[position + 4 : end]))
        position = end
    return items


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise KHQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _join(pairs: list[tuple[str, str]]) -> str:
    return "".join(_tlv(tag, value) for tag, value in pairs)


def _check_lengths(request: KHQRRequest) -> None:
    for name, limit in MAX_LENGTHS.items():
        value = getattr(request, name)
        if value is not None and len(value) > limit:
            raise KHQRError(f"{name} is longer than {limit} characters")
    for name in ("account_id", "merchant_name", "merchant_city"):
        if not getattr(request, name):
            raise KHQRError(f"{name} is required")


def _ms(moment: datetime) -> str:
    return str((moment - EPOCH) // timedelta(milliseconds=1))  # exact: no float on the way


def _from_ms(value: str | None) -> datetime | None:
    return EPOCH + timedelta(milliseconds=int(value)) if value else None
