"""What a visitor's request says about their device: parsed user agent, truncated IP address."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

import user_agents

MAX_USER_AGENT = 512


@lru_cache(maxsize=4096)  # visitors come back: the ipaddress module takes 100+ us per address
def truncate_ip(address: str | None) -> str | None:
    """The address with the host part dropped: IPv4 to /24 (last octet zeroed), IPv6 to /48.

    Enough for a rough location, not enough to single out a household. Anything that is not an
    IP address is dropped.
    """
    if not address:
        return None
    address = address.strip()
    parts = address.split(".")
    if len(parts) == 4 and all(_octet(part) for part in parts):  # IPv4, most visitors: no ipaddress
        return f"{parts[0]}.{parts[1]}.{parts[2]}.0"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def _octet(part: str) -> bool:
    """A decimal 0-255 as ipaddress reads one (ASCII digits, no leading zero)."""
    return part.isascii() and part.isdigit() and len(part) <= 3 and (part == "0" or part[0] != "0") and int(part) <= 255


@lru_cache(maxsize=2048)
def parse_user_agent(user_agent: str) -> tuple[str, str, str, bool]:
    """(device_type, browser, os, is_bot); device_type is 'mobile', 'tablet', 'desktop' or 'other'."""
    parsed = user_agents.parse(user_agent)
    if parsed.is_tablet:
        device_type = "tablet"
    elif parsed.is_mobile:
        device_type = "mobile"
    elif parsed.is_pc:
        device_type = "desktop"
    else:
        device_type = "other"
    return device_type, parsed.browser.family, parsed.os.family, parsed.is_bot


def is_bot(user_agent: str | None) -> bool:
    """Whether the user agent names a crawler (whose visits are not shopper behaviour)."""
    if not user_agent:
        return False
    return parse_user_agent(user_agent[:MAX_USER_AGENT])[3]


def device_info(user_agent: str | None, ip_address: str | None) -> dict[str, Any]:
    """The seed's `device_info` object. We have no geo-IP database, so the location is empty.
    A new dict each time (stored documents must not share one), from a cached parse."""
    agent, ip, device_type, browser, os_name = _device(user_agent, ip_address)
    return {
        "user_agent": agent,
        "ip_address": ip,
        "device_type": device_type,
        "browser": browser,
        "os": os_name,
        "location": {"country": None, "city": None, "coordinates": []},
    }


@lru_cache(maxsize=4096)
def _device(user_agent: str | None, ip_address: str | None) -> tuple[str, str | None, str, str, str]:
    agent = (user_agent or "")[:MAX_USER_AGENT]
    device_type, browser, os_name, _bot = parse_user_agent(agent)
    return agent, truncate_ip(ip_address), device_type, browser, os_name
