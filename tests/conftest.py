"""Fixtures: a real PostgreSQL database and Redis, an SMTP server, RQ, and a browser.

The schema comes from the Alembic migrations (so every run tests them); each test starts
from empty tables and an empty Redis db.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tests.support.servers import Servers, drop_database, find_servers, free_port, recreate_database

# The suite never reads a developer's .env, and always runs the test config.
os.environ["FLASK_SKIP_DOTENV"] = "1"
for name in ("DATABASE_URL", "DB_HOST", "REDIS_URL", "REDIS_HOST", "MONGO_URI"):
    os.environ.pop(name, None)
os.environ["ENV"] = "test"

from shop import create_app  # noqa: E402
from shop.extensions import db as _db  # noqa: E402
from shop.extensions import limiter  # noqa: E402


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    found = find_servers()
    yield found
    found.stop()


@pytest.fixture(scope="session")
def database_url(servers: Servers) -> Iterator[str]:
    url = recreate_database(servers, servers.db_name)
    yield url
    # Every run drops the database it created; KEEP_TEST_DATABASE=1 keeps it for inspection.
    if not os.environ.get("KEEP_TEST_DATABASE"):
        servers.cleanups.insert(0, lambda: drop_database(servers, servers.db_name))


class IsolatedClient(FlaskClient):
    """Each request runs as in production: in its own app context, with its own `g` and
    database session, even when the test itself holds an app context for its factories."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def build_app(tmp_path: Path, **overrides) -> Flask:
    """A test app; overrides go on top of the test config."""
    config = {
        "ENV_NAME": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "JWT_SECRET_KEY": "test-jwt-secret-that-is-at-least-32-bytes",
        "SERVER_NAME": None,
        "UPLOAD_PATH": str(tmp_path / "uploads"),
        "OUTBOX_PATH": str(tmp_path / "outbox"),
        "ANALYTICS_FILE": None,  # a test's mongomock store is never saved (tests/smoke saves theirs)
        "MONGO_URI": None,
        "JOBS_RAISE": True,
        "LOG_LEVEL": "WARNING",
        # Route sweeps send hundreds of requests from one address; tests/api/test_races_and_limits.py
        # checks the global limit with a small one.
        "RATE_LIMIT_GLOBAL": "100000 per minute",
    }
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(scope="session")
def app(database_url: str, servers: Servers, tmp_path_factory) -> Iterator[Flask]:
    """The app on PostgreSQL + Redis, migrated to head once per run."""
    application = build_app(
        tmp_path_factory.mktemp("app"),
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=servers.redis_url,
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=servers.redis_url,
        RATELIMIT_STORAGE_URI=servers.redis_url,
    )
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    """Build another app with its own config (embedded mode, a broken Redis, ...)."""
    return lambda **overrides: build_app(tmp_path, **overrides)


def _empty_all_tables(application: Flask) -> None:
    # DELETE is much faster than TRUNCATE on the handful of rows a test leaves behind.
    with application.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def db(app: Flask) -> Iterator:
    """The database, empty, inside an app context; emptied again afterwards."""
    with app.app_context():
        yield _db
        _db.session.remove()
    _empty_all_tables(app)


@pytest.fixture(autouse=True)
def _clean_stores(request) -> Iterator[None]:
    """Flush our Redis db and the mongomock analytics database around tests that use the app.

    Rate-limit counts are reset before every test: Flask-Limiter is one object shared by every
    app a test builds, and the last app built chose its storage (memory:// for an embedded app),
    which flushing Redis does not empty."""
    if limiter.initialized:  # no app built yet: nothing to reset
        limiter.reset()
    yield
    if "app" in request.fixturenames:
        application: Flask = request.getfixturevalue("app")
        redis_client = application.extensions.get("redis")
        if redis_client is not None:
            redis_client.flushdb()
        mongo = application.extensions["mongo"]
        application.extensions["analytics_buffer"].forget_pending()
        mongo.client.drop_database(mongo.name)


@pytest.fixture
def client(app: Flask, db):
    return app.test_client()


@pytest.fixture
def redis_client(app: Flask):
    return app.extensions["redis"]


# ---------------------------------------------------------------- email


class _Collector:
    def __init__(self) -> None:
        self.messages: list = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        self.received.set()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[_Collector]:
    """A real SMTP server on localhost; the app sends to it. `.messages` holds what arrived."""
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    previous = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_USE_TLS", "SMTP_USERNAME")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_USE_TLS=False, SMTP_USERNAME=None)
    yield collector
    app.config.update(previous)
    controller.stop()


# ---------------------------------------------------------------- jobs


@pytest.fixture
def run_jobs(app: Flask) -> Callable[[], int]:
    """Run every queued RQ job with a SimpleWorker burst; returns how many ran."""
    from rq import SimpleWorker

    from shop.jobs import AppJob, get_queue

    def run() -> int:
        AppJob.app = app
        with app.app_context():
            queue = get_queue()
            count = queue.count
            SimpleWorker([queue], connection=queue.connection, job_class=AppJob).work(burst=True)
        return count

    return run


# ---------------------------------------------------------------- browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright (make test installs it when missing)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs chromium and fonts-khmeros)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def live_server(app: Flask, db) -> Iterator[str]:
    """The app served over real HTTP on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(browser):
    context = browser.new_context()
    tab = context.new_page()
    yield tab
    context.close()
