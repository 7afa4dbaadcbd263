"""Who may open every staff page and staff API endpoint, read from the app's own url_map.

Every admin page (endpoint `admin.*`, except sign-in and sign-out) and every rule under
/api/v1/admin/ (except sign-in) must carry a guard (admin/access.py, api/admin_access.py): the
view's `allowed_roles`. A route without one fails this test. For each route and method, and
each of {visitor, customer, moderator, admin}, the answer must be:

- a visitor: pages redirect to the staff sign-in (302), the API says 401;
- a signed-in user whose role is not in `allowed_roles`: 403;
- a role that is allowed: whatever the view answers (200, a 404 for an id that does not exist,
  a 4xx for the empty body sent to a POST, a redirect elsewhere), never 401/403, never the
  sign-in redirect, never a 5xx.

The routes are found, not listed, so pages and endpoints added later are covered as well.
CSRF is off in this test's app (make_app), so that POSTs reach the guard and the view.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask_jwt_extended import create_access_token
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from shop.accounts.models import UserRole
from tests.factories import AdminFactory, ModeratorFactory, UserFactory

PAGE_EXCEPTIONS = {"admin.login", "admin.logout", "admin.static"}
API_PREFIX = "/api/v1/admin/"
API_EXCEPTIONS = {"/api/v1/admin/login"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLES = ("visitor", UserRole.CUSTOMER, UserRole.MODERATOR, UserRole.ADMIN)
# What a path variable is filled with: ids that do not exist, words no route expects.
SAMPLE_VALUES = {"int": 987654, "float": 1.5, "uuid": "00000000-0000-0000-0000-000000000000", "string": "sample"}


@dataclass(frozen=True)
class Route:
    rule: Rule
    method: str
    is_api: bool

    @property
    def url(self) -> str:
        values = {name: _sample(conv) for name, conv in self.rule._converters.items()}
        return self.rule.build(values)[1]

    def __str__(self) -> str:
        return f"{self.method} {self.rule.rule}"


def _sample(converter):
    """A value the path variable accepts: an id that does not exist, one of an `any(...)`'s words."""
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, IntegerConverter):  # the shop's IdConverter too
        return SAMPLE_VALUES["int"]
    name = type(converter).__name__
    return SAMPLE_VALUES[{"FloatConverter": "float", "UUIDConverter": "uuid"}.get(name, "string")]


def staff_routes(app: Flask) -> list[Route]:
    """Every (rule, method) of an admin page or an admin API endpoint."""
    routes = []
    for rule in app.url_map.iter_rules():
        is_page = rule.endpoint.startswith("admin.") and rule.endpoint not in PAGE_EXCEPTIONS
        is_api = rule.rule.startswith(API_PREFIX) and rule.rule not in API_EXCEPTIONS
        if not (is_page or is_api):
            continue
        for method in sorted((rule.methods or set()) & set(METHODS)):
            routes.append(Route(rule, method, is_api))
    return routes


def unguarded(app: Flask) -> list[str]:
    """The staff routes whose view says nothing about who may use it."""
    return sorted(
        {
            str(r.rule)
            for r in staff_routes(app)
            if getattr(app.view_functions[r.rule.endpoint], "allowed_roles", None) is None
        }
    )


@pytest.fixture
def guarded_app(make_app, database_url, db):
    return make_app(SQLALCHEMY_DATABASE_URI=database_url, CSRF_ENABLED=False)


def test_the_matrix_finds_the_staff_routes(guarded_app):
    found = {str(r) for r in staff_routes(guarded_app)}
    # A few of the routes issue 6 must have; the matrix is over all of them.
    for expected in (
        "GET /admin/",
        "GET /admin/reviews",
        "POST /admin/reviews/<int:review_id>/<action>",
        "GET /admin/customers",
        "GET /admin/coupons",
        "GET /api/v1/admin/me",
        "POST /api/v1/admin/logout",
        "GET /api/v1/admin/reviews",
        "PUT /api/v1/admin/reviews/<int:review_id>/status",
        "POST /api/v1/admin/customers/<int:user_id>/suspend",
        "DELETE /api/v1/admin/users/<int:user_id>/addresses/<int:address_id>",
        "GET /api/v1/admin/coupons/stats",
    ):
        assert expected in found
    assert not any(
        r.rule.rule == "/admin/login" or r.rule.rule == "/api/v1/admin/login" for r in staff_routes(guarded_app)
    )


def test_every_staff_route_has_a_guard(guarded_app):
    assert unguarded(guarded_app) == []


def test_a_route_without_a_guard_is_caught(make_app, database_url):
    probe_app = make_app(SQLALCHEMY_DATABASE_URI=database_url)
    probe_app.add_url_rule("/admin/forgotten", endpoint="admin.forgotten", view_func=lambda: "open to all")
    probe_app.add_url_rule("/api/v1/admin/forgotten", endpoint="forgotten_api", view_func=lambda: "open to all")
    assert unguarded(probe_app) == ["/admin/forgotten", "/api/v1/admin/forgotten"]


def _expected(route: Route, role, allowed: frozenset) -> str:
    if role == "visitor":
        return "api-401" if route.is_api else "to-sign-in"
    return "allowed" if role in allowed else "403"


def _outcome(response, route: Route) -> str:
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if response.status_code == 401:
        return "api-401" if route.is_api else "401"
    if response.status_code == 403:
        return "403"
    if response.status_code == 302 and response.headers.get("Location", "").startswith("/admin/login"):
        return "to-sign-in"
    return "allowed"


def test_permission_matrix(guarded_app, db):
    users = {
        UserRole.CUSTOMER: UserFactory(),
        UserRole.MODERATOR: ModeratorFactory(),
        UserRole.ADMIN: AdminFactory(),
    }
    sessions = {"visitor": guarded_app.test_client()}
    for role, user in users.items():
        client = guarded_app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        sessions[role] = client

    problems = []
    checked = 0
    for route in staff_routes(guarded_app):
        allowed = guarded_app.view_functions[route.rule.endpoint].allowed_roles
        for role in ROLES:
            client = sessions[role]
            headers = {}
            if route.is_api and role != "visitor":
                with guarded_app.app_context():
                    # A fresh token each time: the staff logout endpoint revokes the one it gets.
                    token = create_access_token(
                        identity=str(users[role].id), additional_claims={"ver": users[role].auth_version}
                    )
                headers["Authorization"] = f"Bearer {token}"
            kwargs = {"json": {}} if route.is_api and route.method != "GET" else {}
            response = client.open(route.url, method=route.method, headers=headers, **kwargs)
            got, expected = _outcome(response, route), _expected(route, role, allowed)
            checked += 1
            if got != expected:
                problems.append(f"{route} as {role}: expected {expected}, got {got} ({response.status_code})")
    assert problems == []
    assert checked >= 4 * 40
