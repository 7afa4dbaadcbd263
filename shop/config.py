"""Configuration from the environment, with the seed's variable names.

`DATABASE_URL` and `REDIS_URL` win over the seed's split settings (`DB_HOST`, ...,
`REDIS_HOST`, ...). With no database settings the shop uses a SQLite file in `instance/`;
with no Redis it uses an in-process cache, memory rate limits and runs jobs inline; with no
`MONGO_URI` analytics go to an in-process mongomock database.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import overload
from urllib.parse import quote

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
# gunicorn and `flask` read the same .env (the test suite sets FLASK_SKIP_DOTENV=1).
if os.environ.get("FLASK_SKIP_DOTENV") != "1":
    load_dotenv(BASE_DIR / ".env", override=False)
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

DEFAULT_SECRET_KEY = "dev-secret-change-me"
DEFAULT_JWT_SECRET = "dev-jwt-secret-change-me-in-production-please"

_SIZE_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_size(text: str) -> int:
    """'10MB' -> 10485760; a bare number is bytes."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?B?)\s*", text.upper())
    if not match:
        raise ValueError(f"not a size: {text!r}")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2)]


def parse_duration(text: str) -> timedelta:
    """'24h' -> 24 hours, '7d', '60s', '15m'; a bare number is seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text.lower())
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return timedelta(seconds=int(match.group(1)) * _DURATION_UNITS[match.group(2) or "s"])


def parse_rate(text: str) -> Decimal:
    """'4100' -> Decimal('4100'): riel per US dollar, a finite number above 0."""
    try:
        rate = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a rate: {text!r}") from None
    if not rate.is_finite() or rate <= 0:
        raise ValueError(f"the rate must be a number above 0, not {text!r}")
    return rate


@overload
def env(name: str) -> str | None: ...
@overload
def env(name: str, default: str) -> str: ...
def env(name: str, default: str | None = None) -> str | None:
    """An environment variable; empty strings count as unset. With a text default it is always text."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _file_or_none(value: str) -> str | None:
    """An absolute path, or None for an empty value (a setting that says "no file")."""
    return str(Path(value).resolve()) if value.strip() else None


def database_url() -> str:
    """DATABASE_URL, else the seed's DB_* settings, else a SQLite file in instance/."""
    url = env("DATABASE_URL")
    if url:
        # Heroku-style URLs name the driver-less scheme; we use psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    host = env("DB_HOST")
    if host:
        user = quote(env("DB_USER", "postgres"), safe="")
        password = env("DB_PASSWORD")
        auth = f"{user}:{quote(password, safe='')}" if password else user
        name = env("DB_NAME", "skincare_ecommerce")
        port = env("DB_PORT", "5432")
        ssl = env("DB_SSL_MODE", "disable")
        return f"postgresql+psycopg://{auth}@{host}:{port}/{name}?sslmode={ssl}"
    return f"sqlite:///{INSTANCE_DIR / 'shop.db'}"


def redis_url() -> str | None:
    """REDIS_URL, else the seed's REDIS_* settings, else None (embedded mode)."""
    url = env("REDIS_URL")
    if url:
        return url
    host = env("REDIS_HOST")
    if not host:
        return None
    password = env("REDIS_PASSWORD")
    auth = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{auth}{host}:{env('REDIS_PORT', '6379')}/{env('REDIS_DB', '0')}"


class Config:
    ENV_NAME = "development"
    SHOP_NAME = env("FROM_NAME", "Skincare Shop")
    SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
    PORT = int(env("PORT", "8080"))
    # Where links in emails point (the public address of the shop).
    SHOP_BASE_URL = env("SHOP_BASE_URL", f"http://127.0.0.1:{env('PORT', '8080')}")
    API_VERSION = env("API_VERSION", "v1")

    SQLALCHEMY_DATABASE_URI = database_url()
    # Connections idle for DB_PING_IDLE_SECONDS are pinged before use (shop/infra/db_pool.py),
    # not every one: pool_pre_ping cost a round trip per request.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    DB_PING_IDLE_SECONDS = float(env("DB_PING_IDLE_SECONDS", "1"))
    REDIS_URL = redis_url()
    MONGO_URI = env("MONGO_URI")
    MONGO_DATABASE = env("MONGO_DATABASE", "skincare_analytics")
    # Analytics events: raw events expire after ANALYTICS_RAW_TTL_DAYS (the daily rollups stay).
    ANALYTICS_RAW_TTL_DAYS = int(env("ANALYTICS_RAW_TTL_DAYS", "90"))
    # false: record no analytics events at all (pages and the API work the same; reports stay empty).
    ANALYTICS_ENABLED = env("ANALYTICS_ENABLED", "true").lower() == "true"
    ANALYTICS_BUFFER_SIZE = int(env("ANALYTICS_BUFFER_SIZE", "10000"))
    ANALYTICS_BATCH_SIZE = int(env("ANALYTICS_BATCH_SIZE", "500"))
    ANALYTICS_FLUSH_SECONDS = float(env("ANALYTICS_FLUSH_SECONDS", "2"))
    # Without MONGO_URI: the most documents the in-process store keeps per raw collection (newest).
    ANALYTICS_EMBEDDED_MAX_DOCUMENTS = int(env("ANALYTICS_EMBEDDED_MAX_DOCUMENTS", "100000"))
    # Without MONGO_URI the server keeps the in-process store in this file (shop/analytics/persistence.py).
    # ANALYTICS_FILE= (empty): keep no file (each start begins with an empty store; unlike other
    # settings, empty is not "unset" here).
    ANALYTICS_FILE: str | None = _file_or_none(os.environ.get("ANALYTICS_FILE", str(INSTANCE_DIR / "analytics.json")))
    ANALYTICS_SAVE_SECONDS = float(env("ANALYTICS_SAVE_SECONDS", "60"))

    JWT_SECRET_KEY = env("JWT_SECRET", DEFAULT_JWT_SECRET)
    JWT_ACCESS_TOKEN_EXPIRES = parse_duration(env("JWT_EXPIRES_IN", "24h"))
    JWT_REFRESH_TOKEN_EXPIRES = parse_duration(env("REFRESH_TOKEN_EXPIRES_IN", "7d"))

    # No SMTP_HOST: emails are written to OUTBOX_PATH as .eml files (read them at /admin/outbox).
    SMTP_HOST = env("SMTP_HOST")
    SMTP_PORT = int(env("SMTP_PORT", "25"))
    SMTP_USERNAME = env("SMTP_USERNAME")
    SMTP_PASSWORD = env("SMTP_PASSWORD")
    SMTP_USE_TLS = env("SMTP_USE_TLS", "false").lower() == "true"
    FROM_EMAIL = env("FROM_EMAIL", "noreply@skincare.example")
    # The footer's contact details (every page): how shoppers reach the shop.
    SHOP_CONTACT_EMAIL = env("SHOP_CONTACT_EMAIL", "hello@skincare.example")
    SHOP_PHONE = env("SHOP_PHONE", "+85512345678")  # E.164; shown as 012 345 678
    SHOP_TELEGRAM_URL = env("SHOP_TELEGRAM_URL", "https://t.me/skincareshop_kh")
    SHOP_FACEBOOK_URL = env("SHOP_FACEBOOK_URL", "https://www.facebook.com/skincareshop.kh")
    FROM_NAME = env("FROM_NAME", "Skincare Shop")
    OUTBOX_PATH = str(Path(env("OUTBOX_PATH", str(INSTANCE_DIR / "outbox"))).resolve())
    # Seconds RQ waits before each retry of a failed email job: 3 retries over about ten minutes.
    MAIL_RETRY_INTERVALS = (60, 180, 360)

    MAX_FILE_SIZE = parse_size(env("MAX_FILE_SIZE", "10MB"))
    # Every other request body (JSON, forms): larger ones are refused with 413 (shop/infra/request_limits.py).
    MAX_BODY_SIZE = parse_size(env("MAX_BODY_SIZE", "1MB"))
    # Product photos: decoding costs about 4 bytes a pixel, so a small file can be a huge image.
    MAX_IMAGE_PIXELS = int(env("MAX_IMAGE_PIXELS", "25000000"))
    UPLOAD_PATH = str(Path(env("UPLOAD_PATH", str(INSTANCE_DIR / "uploads"))).resolve())
    ALLOWED_FILE_TYPES = tuple(
        t.strip().lower() for t in env("ALLOWED_FILE_TYPES", "jpg,jpeg,png,webp").split(",") if t.strip()
    )

    RATE_LIMIT_REQUESTS = int(env("RATE_LIMIT_REQUESTS", "100"))
    RATE_LIMIT_WINDOW = parse_duration(env("RATE_LIMIT_WINDOW", "60s"))
    # Per address over every endpoint together (storefront page views are not counted).
    RATE_LIMIT_GLOBAL = env("RATE_LIMIT_GLOBAL", "300 per minute")
    ML_SERVICE_URL = env("ML_SERVICE_URL")
    RECOMMENDATION_MODEL_VERSION = env("RECOMMENDATION_MODEL_VERSION", "1.0")
    SKIN_ANALYSIS_MODEL_VERSION = env("SKIN_ANALYSIS_MODEL_VERSION", "1.0")
    # A consumable the shopper bought is recommended again this many days after the purchase.
    RECOMMEND_REBUY_DAYS = int(env("RECOMMEND_REBUY_DAYS", "60"))
    # Stored recommendations expire (MongoDB TTL index) this long after training.
    RECOMMEND_TTL = parse_duration(env("RECOMMEND_TTL", "48h"))
    # Stored cart lines untouched this many days are deleted by the nightly clean-up (shop.scheduling).
    CART_ABANDONED_DAYS = int(env("CART_ABANDONED_DAYS", "60"))
    # How many reverse proxies (nginx, a load balancer) sit in front and set X-Forwarded-*.
    TRUSTED_PROXIES = int(env("TRUSTED_PROXIES", "0"))

    # KHQR (Bakong) payments: offered only when KHQR_ACCOUNT_ID (the shop's Bakong account, e.g.
    # shop@aclb) is set. A merchant account (KHQR tag 30) also has KHQR_MERCHANT_ID and
    # KHQR_ACQUIRING_BANK; an individual account (tag 29) needs neither.
    KHQR_ACCOUNT_ID = env("KHQR_ACCOUNT_ID")
    KHQR_MERCHANT_NAME = env("KHQR_MERCHANT_NAME", (env("FROM_NAME", "Skincare Shop") or "")[:25])
    KHQR_MERCHANT_CITY = env("KHQR_MERCHANT_CITY", "Phnom Penh")
    KHQR_MERCHANT_ID = env("KHQR_MERCHANT_ID")
    KHQR_ACQUIRING_BANK = env("KHQR_ACQUIRING_BANK")
    BAKONG_API_URL = env("BAKONG_API_URL", "https://api-bakong.nbc.gov.kh")
    BAKONG_TOKEN = env("BAKONG_TOKEN")
    # The "open in my bank app" link (Bakong's generate_deeplink_by_qr): the shop's icon and the
    # page the bank app sends the shopper back to (default: the site's icon and home page).
    BAKONG_APP_ICON_URL = env("BAKONG_APP_ICON_URL")
    BAKONG_DEEPLINK_CALLBACK = env("BAKONG_DEEPLINK_CALLBACK")
    # Seconds before each new try when Bakong could not make the link (three more tries).
    BAKONG_DEEPLINK_RETRY_INTERVALS = (5, 20, 60)
    # An unpaid KHQR order is cancelled this many minutes after its QR was made.
    PAYMENT_EXPIRES_MINUTES = int(env("PAYMENT_EXPIRES_MINUTES", "15"))
    # Money that arrives after expiry is looked for this long (with backoff) after it.
    PAYMENT_LATE_CHECK_HOURS = int(env("PAYMENT_LATE_CHECK_HOURS", "24"))
    # How often the sweep of open payments runs (RQ scheduler, or a thread without Redis).
    PAYMENT_SWEEP_SECONDS = int(env("PAYMENT_SWEEP_SECONDS", "30"))
    # A worker keeps the delivery zones while their generation in Redis stays the same, and at
    # most this long: a change saved while Redis could not be reached moved no generation.
    DELIVERY_ZONES_KEPT_SECONDS = float(env("DELIVERY_ZONES_KEPT_SECONDS", "60"))

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Asia/Phnom_Penh"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("en", "km")
    CURRENCY = env("CURRENCY", "USD")
    # Riel per US dollar: every dollar price is shown with riel beside it (shop.money.usd_to_khr).
    KHR_PER_USD = parse_rate(env("KHR_PER_USD", "4100"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Sessions are written when they change; an unchanged one has its expiry pushed back at most
    # every SESSION_REFRESH_SECONDS (shop/infra/sessions.py), not on every request.
    SESSION_REFRESH_EACH_REQUEST = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=24)  # the seed's session:{id} TTL (Flask's default is 31 days)
    SESSION_REFRESH_SECONDS = 600
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    JSON_SORT_KEYS = False

    # flask-smorest / OpenAPI
    API_TITLE = "Skincare Shop API"
    API_SPEC_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.0.3"


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = env("TEST_DATABASE_URL") or "sqlite://"
    REDIS_URL = env("TEST_REDIS_URL")
    MONGO_URI = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    def __init__(self) -> None:
        if self.SECRET_KEY == DEFAULT_SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production (it is the default).")
        if self.JWT_SECRET_KEY == DEFAULT_JWT_SECRET:
            raise RuntimeError("JWT_SECRET must be set in production (it is the default).")
        if self.KHQR_ACCOUNT_ID and not self.BAKONG_TOKEN:
            raise RuntimeError(
                "BAKONG_TOKEN must be set in production when KHQR_ACCOUNT_ID is: payments are checked with it."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> Config:
    """The config class named by ENV (development, test, production)."""
    name = (env("ENV", "development") or "development").lower()
    if name not in CONFIGS:
        raise RuntimeError(f"ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]()
