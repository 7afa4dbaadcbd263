"""The API keeps its contract: schemathesis, in-process over WSGI, runs every operation of the
OpenAPI document (examples, coverage, fuzzing and stateful phases, every check: no server
error, documented status codes, content types and headers, answers matching their schema,
valid data accepted, invalid data refused, 405 with Allow, auth enforced) with no token, a
customer's token and an admin's token. Any failure fails the test, listed with its reproduction.

By hand against a running shop: `st run http://127.0.0.1:8080/api/v1/openapi.json --checks all`
(see the README's JSON API section).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

from api.tokens import issue_tokens
from tests.factories import AdminFactory, CategoryFactory, CouponFactory, ProductFactory, ReviewFactory, UserFactory

# Examples per operation and phase: enough to reach every branch of the document, small enough
# for the three runs to take a minute or two. CONTRACT_EXAMPLES=100 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "3"))


SETTINGS = Path(__file__).parents[2] / "schemathesis.toml"


def run_schemathesis(app, headers: dict[str, str]) -> list[str]:
    """With a token, signing out comes last (it revokes the token every other operation needs)."""
    if "Authorization" not in headers:
        return _run(app, headers, lambda schema: schema)
    sign_out = ".*/logout$"
    return _run(app, headers, lambda schema: schema.exclude(path_regex=sign_out)) + _run(
        app, headers, lambda schema: schema.include(path_regex=sign_out)
    )


def _run(app, headers: dict[str, str], select) -> list[str]:
    """Every failure schemathesis finds, with the shop's schemathesis.toml (as `st run` reads it)."""
    settings = tomllib.loads(SETTINGS.read_text())
    settings["headers"] = {**settings.get("headers", {}), **headers}
    settings["generation"] = {**settings.get("generation", {}), "max-examples": MAX_EXAMPLES, "database": "none"}
    settings.update({"seed": 16, "suppress-health-check": ["all"]})
    config = SchemathesisConfig.from_dict(settings)
    schema = select(schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config))
    failures: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for case_id, checks in event.recorder.checks.items():
                interaction = event.recorder.interactions.get(case_id)
                response = interaction.response if interaction else None
                status = response.status_code if response else None
                answer = response.content.decode(errors="replace")[:400] if response and response.content else ""
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(
                            f"{event.recorder.label} [{check.name}] {status} {failure.title}\n{failure.message}\n"
                            f"{check.failure_info.code_sample}\n{answer}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"{getattr(event, 'label', '')}: {event.info.format()}")
    return sorted(set(failures))


@pytest.fixture
def contract_app(make_app, database_url, servers, app):
    """The shop on the suite's PostgreSQL and Redis, without the per-IP limits (one client sends
    thousands of requests), with a catalog, a customer and an admin."""
    return make_app(
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=servers.redis_url,
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=servers.redis_url,
        RATELIMIT_STORAGE_URI=servers.redis_url,
        RATE_LIMIT_REQUESTS=1_000_000,
        RATE_LIMIT_GLOBAL="1000000 per minute",
    )


@pytest.fixture
def shop_data(db):
    category = CategoryFactory(slug="serums")
    products = [ProductFactory(category=category.slug) for _ in range(3)]
    customer, admin = UserFactory(), AdminFactory()
    ReviewFactory(product_id=products[0].id, user_id=customer.id)
    CouponFactory(code="WELCOME10")
    return {"customer": customer, "admin": admin}


@pytest.mark.parametrize("who", ["anonymous", "customer", "admin"])
def test_schemathesis_finds_no_failure(contract_app, shop_data, who):
    headers = {}
    if who != "anonymous":
        headers["Authorization"] = f"Bearer {issue_tokens(shop_data[who])['access_token']}"
    failures = run_schemathesis(contract_app, headers)
    if os.environ.get("CONTRACT_REPORT"):  # a file to read them at leisure
        with open(f"{os.environ['CONTRACT_REPORT']}-{who}.txt", "w") as report:
            report.write("\n\n".join(failures))
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
