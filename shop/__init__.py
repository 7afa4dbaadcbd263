"""Skincare Shop: the domain and the application factory.

`create_app` is the composition root: it binds the extensions and mounts the three doors
(storefront, admin, api) onto the domain.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine

from shop.config import BASE_DIR, INSTANCE_DIR, Config, config_from_env

log = logging.getLogger("shop")
COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "text/csv",
    "text/plain",
    "application/xml",
)


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    """Build the app. `config` is a Config object, or a dict of overrides on the env config."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    if isinstance(config, Config):
        app.config.from_object(config)
    else:
        app.config.from_object(config_from_env())
        app.config.update(config or {})

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    Path(app.config["UPLOAD_PATH"]).mkdir(parents=True, exist_ok=True)

    from shop.infra.request_log import configure_logging

    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    if app.config.get("TRUSTED_PROXIES"):  # outermost: every layer sees the client's address and scheme
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    log_startup_choices(app)
    return app


def create_server_app(config: Config | dict[str, Any] | None = None) -> Flask:
    """`create_app` for a process that serves requests for a long time (`wsgi.py`, so each
    gunicorn worker).

    Everything loaded at start-up (about 240,000 objects: SQLAlchemy, scikit-learn and SciPy, the
    password checker's word lists...) lives as long as the process. Python's full collections
    walked all of it every time and took 130-200 ms, in the middle of whichever request was
    running. Frozen (moved to the permanent generation), it is no longer walked. Not in
    `create_app`: frozen objects are never freed, and tests build many apps.
    `flask` commands load wsgi.py too: what only a server does for itself (shop/embedded.py) is
    started by gunicorn.conf.py's post_worker_init.
    """
    app = create_app(config)
    from shop.payments.jobs import start_embedded_sweeper

    start_embedded_sweeper(app)  # without Redis, this process sweeps open payments
    gc.freeze()
    return app


def register_extensions(app: Flask) -> None:
    from shop import models  # noqa: F401  (the whole schema on the metadata)
    from shop.accounts.models import User
    from shop.analytics.store import init_mongo
    from shop.extensions import babel, cache, compress, csrf, db, jwt, limiter, login_manager, migrate
    from shop.i18n import init_locale_cookie, select_locale
    from shop.infra.redis_client import init_redis
    from shop.infra.request_limits import init_request_limits
    from shop.infra.static_files import init_static_files

    init_request_limits(app)  # first: the CSRF check below reads forms under these limits
    from shop.infra.inputs import init_inputs

    init_inputs(app)  # the id converter before any route; the text check before the CSRF check
    from shop.infra.security_headers import init_security_headers

    init_security_headers(app)
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("CACHE_TYPE", "RedisCache" if redis_url else "SimpleCache")
    if app.config["CACHE_TYPE"] in ("RedisCache", "redis"):  # an unreachable Redis is a miss
        app.config["CACHE_TYPE"] = "shop.infra.cache_store.MissingRedisCache"
    app.config.setdefault("CACHE_REDIS_URL", redis_url)
    app.config.setdefault("CACHE_KEY_PREFIX", "")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 900)
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "rate_limit")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Smoother than fixed windows (no double burst at a window's edge), and its headers cost one
    # Redis call where a fixed window's cost two.
    app.config.setdefault("RATELIMIT_STRATEGY", "sliding-window-counter")
    # Redis unreachable: the same limits, counted in this process, until it answers again.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)

    # Compressed: pages, CSS, JS, JSON (not images and fonts: compressed already). zstd is the
    # cheapest for the CPU at a ratio close to brotli's; the static files and the cached product
    # page are compressed once, not per request (shop/infra/static_files.py, shop/infra/compression.py).
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSED_TYPES))
    app.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])

    db.init_app(app)
    from shop.infra.db_pool import init_db_pool
    from shop.infra.transactions import init_read_only_views

    with app.app_context():
        for engine in db.engines.values():
            init_db_pool(app, engine)
    init_read_only_views(app)
    compress.init_app(app)
    init_static_files(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_locale_cookie(app)
    cache.init_app(app)
    limiter.init_app(app)
    jwt.init_app(app)
    init_redis(app)
    init_mongo(app)

    if redis_url:
        from shop.infra.sessions import init_sessions

        init_sessions(app)

    @limiter.request_filter
    def _page_views_are_not_limited() -> bool:
        """The shop window's pages (GET) declare no limit, but Flask-Limiter would work that out on
        every page view (a tenth of a cached page's time). The limits guard sign-up, sign-in,
        emails and the API. A guard test fails if a storefront page declares a limit."""
        return request.method in ("GET", "HEAD") and request.blueprint == "storefront"

    login_manager.login_view = "storefront.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = str  # flash plain text: the session is JSON (Flask-Session)

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.is_active or user.auth_version != int(version):
            return None
        return user


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite enforces foreign keys (ON DELETE CASCADE) only when asked, per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    from admin import bp as admin_bp
    from api import register_api
    from storefront import bp as storefront_bp
    from storefront import shared_pages
    from storefront.cards import register_cards
    from storefront.layout import register_layout
    from storefront.templating import register_template_helpers
    from web.errors import register_error_handlers
    from web.localise import register_locale_filters
    from web.status import register_status_filters

    app.register_blueprint(storefront_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    register_api(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_locale_filters(app)  # after Babel's: Khmer times on the 24-hour clock
    register_status_filters(app)
    register_cards(app)
    register_layout(app)
    shared_pages.install(app)


def register_cli(app: Flask) -> None:
    from shop.cli import register_commands

    register_commands(app)


def log_startup_choices(app: Flask) -> None:
    """Say once which backing services this process uses."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    database = (
        "SQLite (embedded) " + uri.removeprefix("sqlite:///")
        if uri.startswith("sqlite")
        else ("PostgreSQL " + uri.split("@")[-1].split("?")[0])
    )
    redis_url = app.config.get("REDIS_URL")
    choices = {
        "env": app.config.get("ENV_NAME"),
        "database": database,
        "redis": redis_url.split("@")[-1] if redis_url else "none: in-process cache, memory rate limits, inline jobs",
        "mongo": "MongoDB"
        if app.config.get("MONGO_URI")
        else f"mongomock (in-process), kept by the server in {app.config.get('ANALYTICS_FILE') or 'no file'}",
        "mail": (
            f"SMTP {app.config['SMTP_HOST']}:{app.config['SMTP_PORT']}"
            if app.config.get("SMTP_HOST")
            else f"none: emails written to {app.config['OUTBOX_PATH']} (see /admin/outbox)"
        ),
    }
    log.info("startup", extra={"fields": choices})
    if not app.config.get("KHQR_ACCOUNT_ID"):
        log.info("startup", extra={"fields": {"payments": "KHQR is not offered: KHQR_ACCOUNT_ID is not set"}})
