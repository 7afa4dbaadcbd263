"""Configuration from the environment, with the seed's names."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shop import config

SETTINGS = (
    "DATABASE_URL",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
    "DB_SSL_MODE",
    "REDIS_URL",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_PASSWORD",
    "REDIS_DB",
    "SECRET_KEY",
    "JWT_SECRET",
    "ENV",
)


@pytest.fixture
def clean_env(monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_no_database_settings_means_sqlite_in_instance(clean_env):
    assert config.database_url() == f"sqlite:///{config.INSTANCE_DIR / 'shop.db'}"


def test_seed_db_settings_build_a_postgresql_url(clean_env):
    for name, value in {
        "DB_HOST": "db.internal",
        "DB_PORT": "6543",
        "DB_NAME": "shop",
        "DB_USER": "app",
        "DB_PASSWORD": "p@ss/word",
        "DB_SSL_MODE": "require",
    }.items():
        clean_env.setenv(name, value)
    assert config.database_url() == "postgresql+psycopg://app:p%40ss%2Fword@db.internal:6543/shop?sslmode=require"


def test_database_url_wins_over_db_settings(clean_env):
    clean_env.setenv("DB_HOST", "ignored")
    clean_env.setenv("DATABASE_URL", "postgres://u:p@h:5432/d")
    assert config.database_url() == "postgresql+psycopg://u:p@h:5432/d"


def test_redis_settings(clean_env):
    assert config.redis_url() is None
    clean_env.setenv("REDIS_HOST", "cache")
    clean_env.setenv("REDIS_PASSWORD", "s3cret")
    clean_env.setenv("REDIS_DB", "2")
    assert config.redis_url() == "redis://:s3cret@cache:6379/2"
    clean_env.setenv("REDIS_URL", "redis://other:6379/5")
    assert config.redis_url() == "redis://other:6379/5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10MB", 10 * 1024 * 1024), ("512KB", 512 * 1024), ("2048", 2048), ("1 GB", 1024**3)],
)
def test_parse_size(text, expected):
    assert config.parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("60s", timedelta(seconds=60)),
        ("15m", timedelta(minutes=15)),
        ("90", timedelta(seconds=90)),
    ],
)
def test_parse_duration(text, expected):
    assert config.parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["ten", "10XB", "-5", ""])
def test_bad_sizes_and_durations_are_refused(bad):
    with pytest.raises(ValueError):
        config.parse_size(bad)
    with pytest.raises(ValueError):
        config.parse_duration(bad)


def test_production_refuses_the_default_secret_key(clean_env):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig()


def test_production_refuses_the_default_jwt_secret(clean_env):
    class WithSecret(config.ProductionConfig):
        SECRET_KEY = "a-real-secret"

    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        WithSecret()


def test_production_starts_with_real_secrets(clean_env):
    class Configured(config.ProductionConfig):
        SECRET_KEY = "a-real-secret"
        JWT_SECRET_KEY = "another-real-secret"

    assert Configured().SESSION_COOKIE_SECURE is True


def test_env_chooses_the_config_and_rejects_unknown_names(clean_env):
    clean_env.setenv("ENV", "development")
    assert isinstance(config.config_from_env(), config.DevelopmentConfig)
    clean_env.setenv("ENV", "staging")
    with pytest.raises(RuntimeError, match="ENV must be one of"):
        config.config_from_env()


def test_the_riel_rate_defaults_to_4100_and_is_a_decimal():
    assert Decimal("4100") == config.Config.KHR_PER_USD
    assert config.parse_rate("4100") == Decimal("4100")
    assert config.parse_rate(" 4012.5 ") == Decimal("4012.5")


@pytest.mark.parametrize("bad", ["0", "-4100", "abc", "", "NaN", "Infinity", "4,100"])
def test_a_riel_rate_of_zero_or_less_or_no_number_is_refused(bad):
    with pytest.raises(ValueError):
        config.parse_rate(bad)
