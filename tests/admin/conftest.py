"""Staff fixtures: an admin with an API token, a signed-in admin page client."""

from __future__ import annotations

import re

import pytest

from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AdminFactory, CategoryFactory, ModeratorFactory


@pytest.fixture
def admin(db):
    return AdminFactory(email="boss@skincare.example")


@pytest.fixture
def admin_headers(client, admin):
    tokens = login(client, admin.email, PASSWORD, path="/api/v1/admin/login")
    return bearer(tokens["access_token"])


@pytest.fixture
def moderator_headers(client, db):
    moderator = ModeratorFactory(email="mod@skincare.example")
    return bearer(login(client, moderator.email, PASSWORD, path="/api/v1/admin/login")["access_token"])


@pytest.fixture
def category(db):
    return CategoryFactory(slug="toners", name="Toners")


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def admin_page(client, admin):
    """The test client signed in as the admin on the staff pages; `.csrf` holds a form token."""
    page = client.get("/admin/login")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post("/admin/login", data={"csrf_token": token, "email": admin.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.csrf = csrf_token(client.get("/admin/").get_data(as_text=True))
    return client


# The fake Bakong (a real HTTP server) and KHQR switched on, as in tests/payments.
from tests.payments.conftest import fake_bakong  # noqa: E402,F401
