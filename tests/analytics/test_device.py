from __future__ import annotations

import pytest

from shop.analytics.device import device_info, is_bot, parse_user_agent, truncate_ip

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1"
)
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
# The suite's autouse fixture resets the rate limiter, which needs an app.
pytestmark = pytest.mark.usefixtures("app")

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.255", "10.1.2.0"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        (" 192.0.2.1 ", "192.0.2.0"),
        ("0.0.0.0", "0.0.0.0"),
        ("203.000.113.7", None),  # leading zeros: ambiguous (octal to some readers), refused
        ("256.1.1.1", None),
        ("1.2.3", None),
        ("١.٢.٣.٤", None),  # digits, but not ASCII ones
        ("not an address", None),
        ("", None),
        (None, None),
    ],
)
def test_ip_addresses_are_truncated(address, stored):
    assert truncate_ip(address) == stored


@pytest.mark.parametrize(
    ("agent", "parsed"),
    [
        (IPHONE, ("mobile", "Mobile Safari", "iOS", False)),
        (IPAD, ("tablet", "Mobile Safari", "iOS", False)),
        (DESKTOP, ("desktop", "Chrome", "Windows", False)),
        ("", ("other", "Other", "Other", False)),
    ],
)
def test_user_agents_are_parsed(agent, parsed):
    assert parse_user_agent(agent) == parsed


def test_crawlers_are_recognised():
    assert is_bot(GOOGLEBOT) is True
    assert is_bot(DESKTOP) is False
    assert is_bot(None) is False


def test_device_info_has_the_seed_shape_and_no_full_address():
    assert device_info(IPHONE, "203.0.113.77") == {
        "user_agent": IPHONE,
        "ip_address": "203.0.113.0",
        "device_type": "mobile",
        "browser": "Mobile Safari",
        "os": "iOS",
        "location": {"country": None, "city": None, "coordinates": []},
    }
