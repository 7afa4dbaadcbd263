"""Every route of the app, fed what an attacker or a fuzzer sends: no answer is a 5xx.

The routes are read from the app's own url_map (storefront, admin pages signed in as an admin,
the API with an admin token, /ml, /health), every method, so routes added later are swept too;
and again as a visitor (all but the staff routes). For each one:

- each `<int:...>` path variable at 2147483648 (past PostgreSQL's integer), and each text path
  variable holding a NUL character;
- with real ids in the path: `page=9223372036854775807` and `page=²`; each id-like query parameter at
  2147483648; each date parameter at 0001-01-01 and 9999-12-31; NUL in the query;
- for POST/PUT/PATCH/DELETE: a body with every id-like field at 2147483648 (JSON for /api and
  /ml, with the field names the OpenAPI document gives each operation; a form for pages, with
  valid choices beside the ids so bulk forms read them, and again with "²" for the ids), and
  one with a lone surrogate (JSON) or a NUL (form) in every text field.

Each value is sent on its own (one query parameter at a time), so a parameter that is checked
cannot hide one that is not. A page is first asked with harmless values for every id and date
parameter, and then sent bad values only for those its view asked for by name (RecordingArgs):
sending all of them to every page would take minutes. The answers must be 4xx (or a page that
ignored the value), never a server error. CSRF is off in this app so that page POSTs reach their
views; tests/web/test_inputs.py checks the CSRF order itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask_jwt_extended import create_access_token
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from tests.factories import (
    AddressFactory,
    AdminFactory,
    CategoryFactory,
    CouponFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    ProductImageFactory,
    ReviewFactory,
    UserFactory,
)

VARIABLE = re.compile(r"<(?:[^:>]+:)?(\w+)>")
BIG_ID = 2147483648
HUGE_PAGE = "9223372036854775807"
NOT_ASCII_DIGITS = "²"  # str.isdigit() says yes, int() says no
NUL = "a\x00b"
SURROGATE = "\ud800"
OLD_DAY, FAR_DAY = "0001-01-01", "9999-12-31"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SKIPPED = {"static", "storefront.uploads", "api-docs.openapi_json"}
ID_PARAMS = (
    "product_id",
    "category_id",
    "category",
    "user_id",
    "order_id",
    "review_id",
    "coupon_id",
    "address_id",
    "zone_id",
)
DATE_PARAMS = ("date_from", "date_to", "start", "end")
TEXT_PARAMS = ("q", "search", "query", "status", "sort", "type", "province", "token", "next", "email", "slug")
FORM_ID_FIELDS = (
    *ID_PARAMS,
    "ids",
    "quantity",
    "address_id",
    "shipping_address_id",
    "billing_address_id",
    "parent_id",
    "rating",
    "stock",
    "position",
    "usage_limit",
    "usage_limit_per_user",
    "applicable_products",
    "categories",
    "category_ids",
    "step",
    "heart_id",
)
FORM_TEXT_FIELDS = (
    "email",
    "password",
    "new_password",
    "current_password",
    "confirm",
    "first_name",
    "last_name",
    "name",
    "name_en",
    "name_kh",
    "title",
    "comment",
    "code",
    "coupon_code",
    "phone",
    "address_line1",
    "city",
    "province",
    "district",
    "commune",
    "note",
    "notes",
    "description",
    "slug",
    "sku",
    "status",
    "reason",
    "action",
    "direction",
    "tracking_number",
    "carrier",
    "q",
)


READ: set[str] = set()  # the query parameters the last request's view asked for


class RecordingArgs(ImmutableMultiDict):
    """request.args that notes which parameters were asked for by name (not by iterating: the
    language links copy them all)."""

    def get(self, key, default=None, type=None):
        READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        READ.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)


@dataclass
class Sweep:
    app: Flask
    client: Any
    admin: Any
    ids: dict[str, int]
    slugs: dict[str, str]
    spec: dict
    problems: list[str] = field(default_factory=list)
    sent: int = 0
    errors: list[BaseException] = field(default_factory=list)
    read_by: dict[str, set[str]] = field(default_factory=dict)
    signed_in: bool = True

    def __post_init__(self) -> None:
        # web/errors.py logs every unexpected exception on "shop.errors": keep them, for the report.
        sweep = self

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if record.exc_info and record.exc_info[1] is not None:
                    sweep.errors.append(record.exc_info[1])

        self.keeper = Keep()
        logging.getLogger("shop.errors").addHandler(self.keeper)

    def close(self) -> None:
        logging.getLogger("shop.errors").removeHandler(self.keeper)

    def headers(self, rule: Rule) -> dict[str, str]:
        if not self.signed_in or not rule.rule.startswith(("/api/", "/ml/")):
            return {}
        with self.app.app_context():
            token = create_access_token(identity=str(self.admin.id), additional_claims={"ver": self.admin.auth_version})
        return {"Authorization": f"Bearer {token}"}

    def forget_events(self) -> None:
        """Empty the analytics store (mongomock), which every page view adds to: the analytics
        reports read all of it, and mongomock takes seconds over the sweep's thousands of views."""
        mongo = self.app.extensions["mongo"]
        self.app.extensions["analytics_buffer"].forget_pending()
        database = mongo.client[mongo.name]
        for name in database.list_collection_names():
            database[name].delete_many({})

    def sign_in(self) -> None:
        if not self.signed_in:
            return
        with self.client.session_transaction() as session:
            session["_user_id"] = self.admin.get_id()
            session["_fresh"] = True

    def send(self, rule: Rule, method: str, url: str, what: str, **kwargs: Any) -> None:
        if rule.endpoint.endswith("logout"):
            self.sign_in()
        self.errors.clear()
        response = self.client.open(url, method=method, headers=self.headers(rule), **kwargs)
        self.sent += 1
        if response.status_code >= 500:
            cause = f" {self.errors[-1]!r}"[:300] if self.errors else ""
            self.problems.append(f"{method} {url} ({what}): {response.status_code}{cause}")


def _path_values(sweep: Sweep, rule: Rule) -> dict[str, Any]:
    """Real values for the path variables: ids and slugs that exist."""
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = sweep.ids.get(name, 1)
        else:
            values[name] = sweep.slugs.get(name, "sample")
        if name == "slug" and "/categories/" in rule.rule:
            values[name] = sweep.slugs["category"]
    return values


def _url(rule: Rule, values: dict[str, Any], query: dict[str, str] | None = None) -> str:
    """The rule's URL, built by hand: the converters would refuse the values this sweep is about."""
    path = VARIABLE.sub(lambda match: quote(str(values[match.group(1)]), safe=""), rule.rule)
    return path + ("?" + urlencode(query) if query else "")


def _body_fields(sweep: Sweep, rule: Rule, method: str) -> dict[str, dict]:
    """The JSON body's properties, from the OpenAPI document."""
    path = VARIABLE.sub(lambda match: "{" + match.group(1) + "}", rule.rule)
    operation = sweep.spec.get("paths", {}).get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = sweep.spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema.get("properties", {})


def _query_parameters(sweep: Sweep, rule: Rule) -> dict[str, dict]:
    """The query parameters the OpenAPI document gives a GET operation: name -> schema."""
    path = VARIABLE.sub(lambda match: "{" + match.group(1) + "}", rule.rule)
    operation = sweep.spec.get("paths", {}).get(path, {}).get("get", {})
    return {p["name"]: p.get("schema", {}) for p in operation.get("parameters", []) if p.get("in") == "query"}


def _queries(sweep: Sweep, rule: Rule) -> list[dict[str, str]]:
    """The query strings a GET is sent, one bad value each (NUL goes in every text one at once:
    the request check refuses any of them before a view runs)."""
    queries: list[dict[str, str]] = [{"page": HUGE_PAGE}, {"page": NOT_ASCII_DIGITS}]
    if rule.rule.startswith(("/api/", "/ml/")):
        parameters = _query_parameters(sweep, rule)
        texts = [name for name, schema in parameters.items() if schema.get("type") == "string"]
        queries.append({name: NUL for name in texts or TEXT_PARAMS})
        for name, schema in parameters.items():
            if schema.get("type") == "integer":
                queries.append({name: str(BIG_ID)})
            elif schema.get("format") in ("date", "date-time"):
                queries += [{name: OLD_DAY}, {name: FAR_DAY}]
        return queries
    queries.append({name: NUL for name in TEXT_PARAMS})
    # A page is sent bad ids and dates only in the parameters its view reads (asked once with
    # harmless values), one at a time: sending all of them to every page would take minutes.
    READ.clear()
    harmless = {**dict.fromkeys(ID_PARAMS, "1"), **dict.fromkeys(DATE_PARAMS, "2026-01-01")}
    sweep.send(rule, "GET", _url(rule, _path_values(sweep, rule), harmless), "harmless query")
    read = sweep.read_by[rule.rule] = set(READ)
    queries += [{name: str(BIG_ID)} for name in ID_PARAMS if name in read]
    queries += [{name: day} for name in DATE_PARAMS for day in (OLD_DAY, FAR_DAY) if name in read]
    return queries


def _json_bodies(sweep: Sweep, rule: Rule, method: str) -> list[tuple[str, dict]]:
    properties = _body_fields(sweep, rule, method)
    big: dict[str, Any] = {}
    text: dict[str, Any] = {}
    for name, prop in properties.items():
        kind = prop.get("type")
        items = prop.get("items", {})
        if kind == "integer":
            big[name] = BIG_ID
        elif kind == "array" and items.get("type") == "integer":
            big[name] = [BIG_ID]
        elif kind == "string":
            text[name] = SURROGATE
            if prop.get("format") == "date":
                big[name] = FAR_DAY
    for name in FORM_ID_FIELDS:
        big.setdefault(name, [BIG_ID] if name.endswith("s") else BIG_ID)
    bodies = [("big ids in body", big), ("lone surrogate in body", text or {"email": SURROGATE})]
    # One field at a time too, with the document's names (a checked field cannot hide another).
    for name, value in big.items():
        if name in properties:
            bodies.append((f"{name} at {value} alone", {name: value}))
    return bodies


def _form_bodies() -> list[tuple[str, dict]]:
    # Valid choices beside the ids, so that bulk forms get as far as reading them.
    choices = {"status": "confirmed", "action": "archive", "direction": "up"}
    big = {**choices, **{name: str(BIG_ID) for name in FORM_ID_FIELDS}}
    digits = {**choices, **{name: NOT_ASCII_DIGITS for name in FORM_ID_FIELDS}}
    nul = {name: NUL for name in FORM_TEXT_FIELDS}
    return [("big ids in form", big), ("non-ASCII digits in form", digits), ("NUL in form", nul)]


def routes(app: Flask) -> list[tuple[Rule, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        for method in sorted((rule.methods or set()) & set(METHODS)):
            found.append((rule, method))
    # Reading first, then changing, then deleting: a deletion does not hide what reads it.
    order = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}
    return sorted(found, key=lambda pair: order[pair[1]])


@pytest.fixture
def sweep_app(make_app, database_url, servers, db):
    application = make_app(
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=servers.redis_url,
        RATELIMIT_STORAGE_URI="memory://",
        CSRF_ENABLED=False,
        PROPAGATE_EXCEPTIONS=False,  # a server error is an answer to count, not a test crash
    )

    class Request(application.request_class):  # type: ignore[name-defined,misc]
        parameter_storage_class = RecordingArgs

    application.request_class = Request
    return application


@pytest.fixture
def sweep(sweep_app: Flask, db) -> Iterator[Sweep]:
    admin = AdminFactory()
    customer = UserFactory()
    category = CategoryFactory()
    product = ProductFactory()
    image = ProductImageFactory(product=product)
    order = OrderFactory(user=admin)
    OrderItemFactory(order=order, product=product)
    address = AddressFactory(user=admin)
    review = ReviewFactory(product_id=product.id, user_id=customer.id)
    coupon = CouponFactory()
    ids = {
        "product_id": product.id,
        "category_id": category.id,
        "user_id": customer.id,
        "order_id": order.id,
        "address_id": address.id,
        "review_id": review.id,
        "coupon_id": coupon.id,
        "image_id": image.id,
        "part": 1,
    }
    slugs = {"slug": product.slug, "category": category.slug, "skin_type": "oily", "filename": "x.png"}
    with sweep_app.app_context():
        spec = sweep_app.extensions["shop_api"].spec.to_dict()
    sweep = Sweep(sweep_app, sweep_app.test_client(), admin, ids, slugs, spec)
    sweep.sign_in()
    yield sweep
    sweep.close()


def _sweep_routes(sweep: Sweep, swept: list[tuple[Rule, str]]) -> None:
    for rule, method in swept:
        sweep.forget_events()
        real = _path_values(sweep, rule)
        # Path variables, one at a time.
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                continue
            bad = BIG_ID if isinstance(converter, IntegerConverter) else NUL
            sweep.send(rule, method, _url(rule, {**real, name: bad}), f"{name} in path")
        if method == "GET":
            for query in _queries(sweep, rule):
                sweep.send(rule, method, _url(rule, real, query), "query")
            continue
        url = _url(rule, real)
        if rule.rule.startswith(("/api/", "/ml/")):
            for what, body in _json_bodies(sweep, rule, method):
                sweep.send(rule, method, url, what, json=body)
        else:
            for what, body in _form_bodies():
                sweep.send(rule, method, url, what, data=body)


def test_no_input_makes_a_server_error(sweep_app, sweep):
    _sweep_routes(sweep, routes(sweep_app))
    assert not sweep.problems, "\n".join(sweep.problems)
    assert sweep.sent > 900, sweep.sent  # every route was swept (about 1,100 requests)
    # The pages' own parameters were found, so they were sent the bad values.
    assert {"date_from", "date_to"} <= sweep.read_by["/admin/orders"]
    assert {"start", "end"} <= sweep.read_by["/admin/analytics"]
    assert "category" in sweep.read_by["/admin/products"]


def test_no_input_from_a_visitor_makes_a_server_error(sweep_app, sweep):
    """The same for someone not signed in (a guest cart, guest checkout, the public API), on
    every route but the staff ones (which only send a visitor to sign in)."""
    sweep.signed_in = False
    sweep.client = sweep_app.test_client()
    public = [(r, m) for r, m in routes(sweep_app) if not r.rule.startswith(("/admin", "/api/v1/admin"))]
    _sweep_routes(sweep, public)
    assert not sweep.problems, "\n".join(sweep.problems)
    assert sweep.sent > 500, sweep.sent
