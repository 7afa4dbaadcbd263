"""Small helpers for API tests."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client, email: str, password: str, path: str = "/api/v1/auth/login") -> dict:
    response = client.post(path, json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]["tokens"]


def token_from_email(message) -> str:
    """The `token` query parameter of the first link in an email's text part."""
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"https?://\S+", text).group(0)
    return parse_qs(urlparse(url).query)["token"][0]
