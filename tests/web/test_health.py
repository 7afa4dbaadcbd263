"""Liveness and readiness."""

from __future__ import annotations

from tests.support.servers import free_port


def test_liveness(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_checks_postgresql_redis_and_mongo(client):
    response = client.get("/health/ready")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["checks"]["database"] == {"ok": True, "detail": "postgresql"}
    assert body["checks"]["redis"] == {"ok": True, "detail": "ok"}
    assert body["checks"]["mongo"]["ok"] is True


def test_ready_is_503_naming_redis_when_redis_is_down(make_app, database_url):
    # Rate limits stay in memory: the limiter is shared by every app in this process.
    app = make_app(
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        RATELIMIT_STORAGE_URI="memory://",
    )
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["redis"]


def test_ready_is_503_naming_mongo_when_mongo_is_down(make_app, database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url, MONGO_URI=f"mongodb://127.0.0.1:{free_port()}")
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["mongo"]


def test_ready_is_503_naming_the_database_when_it_is_down(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing")
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["database"]


def test_embedded_mode_is_ready_without_redis_or_mongo(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}", REDIS_URL=None)
    body = app.test_client().get("/health/ready").get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["detail"] == "sqlite"
    assert body["checks"]["redis"]["detail"] == "not configured (embedded mode)"
