"""The KHQR encoder and decoder: every tag of our own strings, the CRC, and public samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shop.payments import khqr

CREATED = datetime(2026, 12, 7, 3, 0, 0, 123000, tzinfo=UTC)

# From the public documentation of bakong-khqr's PHP port (fidele007/bakong-khqr-php, "up to date
# with the bakong-khqr v1.0.20" npm SDK of NBC), README, "Generate KHQR for an individual": the QR
# and the md5 it prints for it.
PUBLIC_SAMPLE = (
    "00020101021229180014jonhsmith@nbcq52045999530311654035005802KH5910Jonh Smith6010PHNOM PENH"
    "99170013173949577872263046894"
)
PUBLIC_SAMPLE_MD5 = "b1c250304b8594e4c6b53dd44791b57a"


def _request(**overrides) -> khqr.KHQRRequest:
    values = {
        "account_id": "shop@aclb",
        "merchant_name": "Skincare Shop",
        "merchant_city": "Phnom Penh",
        "currency": "USD",
        "amount": Decimal("53.45"),
        "bill_number": "SK-261207-ABCDEF",
        "created_at": CREATED,
        "expires_at": CREATED + timedelta(minutes=15),
    }
    values.update(overrides)
    return khqr.KHQRRequest(**values)


def test_crc_is_ccitt_false():
    # The standard check value of CRC-16/CCITT-FALSE.
    assert khqr.crc16("123456789") == "29B1"


def test_public_sample_decodes_and_its_crc_verifies():
    decoded = khqr.decode(PUBLIC_SAMPLE)
    assert khqr.verify_crc(PUBLIC_SAMPLE)
    assert khqr.md5_of(PUBLIC_SAMPLE) == PUBLIC_SAMPLE_MD5
    assert decoded.fields["01"] == "12"
    assert decoded.account_tag == "29"
    assert decoded.account_id == "jonhsmith@nbcq"
    assert decoded.fields["52"] == "5999"
    assert (decoded.currency, decoded.amount) == ("KHR", Decimal("500"))
    assert (decoded.fields["58"], decoded.fields["59"], decoded.fields["60"]) == ("KH", "Jonh Smith", "PHNOM PENH")
    assert decoded.created_at == datetime(2025, 2, 14, 1, 16, 18, 722000, tzinfo=UTC)
    assert decoded.fields["63"] == "6894"


def test_our_usd_string_has_every_tag_in_order():
    qr = khqr.encode(_request())
    decoded = khqr.decode(qr)
    assert list(decoded.fields) == ["00", "01", "29", "52", "53", "54", "58", "59", "60", "62", "99", "63"]
    assert decoded.fields["00"] == "01"
    assert decoded.fields["01"] == "12"
    assert decoded.nested["29"] == {"00": "shop@aclb"}
    assert decoded.fields["52"] == "5999"
    assert decoded.fields["53"] == "840"
    assert decoded.fields["54"] == "53.45"
    assert decoded.fields["58"] == "KH"
    assert decoded.fields["59"] == "Skincare Shop"
    assert decoded.fields["60"] == "Phnom Penh"
    assert decoded.nested["62"] == {"01": "SK-261207-ABCDEF"}
    assert decoded.nested["99"] == {"00": "1796612400123", "01": "1796613300123"}
    assert (decoded.created_at, decoded.expires_at) == (CREATED, CREATED + timedelta(minutes=15))
    assert decoded.fields["63"] == khqr.crc16(qr[:-4])
    assert qr.startswith("000201010212")
    assert qr[-8:-4] == "6304"


def test_riel_amounts_are_whole_and_usd_has_two_decimals():
    assert khqr.decode(khqr.encode(_request(currency="KHR", amount=Decimal("219200")))).fields["54"] == "219200"
    assert khqr.decode(khqr.encode(_request(currency="KHR", amount=Decimal("219150.5")))).fields["54"] == "219151"
    assert khqr.decode(khqr.encode(_request(amount=Decimal("7.5")))).fields["54"] == "7.50"
    decoded = khqr.decode(khqr.encode(_request(currency="KHR", amount=Decimal("219200"))))
    assert (decoded.fields["53"], decoded.currency) == ("116", "KHR")


def test_merchant_account_uses_tag_30_with_merchant_id_and_bank():
    decoded = khqr.decode(khqr.encode(_request(merchant_id="1243546472", acquiring_bank="ACLEDA Bank")))
    assert decoded.account_tag == "30" and "29" not in decoded.fields
    assert decoded.nested["30"] == {"00": "shop@aclb", "01": "1243546472", "02": "ACLEDA Bank"}


def test_store_and_terminal_labels_go_in_tag_62():
    decoded = khqr.decode(khqr.encode(_request(store_label="Skincare", terminal_label="Web")))
    assert decoded.nested["62"] == {"01": "SK-261207-ABCDEF", "03": "Skincare", "07": "Web"}


def test_the_md5_is_of_the_exact_string_and_differs_per_attempt():
    first = khqr.encode(_request())
    second = khqr.encode(_request(created_at=CREATED + timedelta(seconds=1)))
    assert khqr.md5_of(first) != khqr.md5_of(second)
    assert len(khqr.md5_of(first)) == 32


def test_a_changed_character_fails_the_crc():
    qr = khqr.encode(_request())
    tampered = qr.replace("53.45", "03.45")
    assert not khqr.verify_crc(tampered)
    with pytest.raises(khqr.KHQRError, match="CRC"):
        khqr.decode(tampered)


def test_malformed_strings_are_refused():
    with pytest.raises(khqr.KHQRError):
        khqr.decode("")
    body = "000201010212" + "2999" + "6304"  # a length that runs past the end
    with pytest.raises(khqr.KHQRError, match="past the end"):
        khqr.decode(body + khqr.crc16(body))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"currency": "EUR"}, "USD or KHR"),
        ({"amount": Decimal("0")}, "above zero"),
        ({"merchant_name": "A" * 26}, "merchant_name"),
        ({"merchant_city": "Kampong Chhnang Province"}, "merchant_city"),
        ({"account_id": ""}, "account_id"),
        ({"bill_number": "B" * 26}, "bill_number"),
    ],
)
def test_bad_requests_are_refused(overrides, message):
    with pytest.raises(khqr.KHQRError, match=message):
        khqr.encode(_request(**overrides))
