"""GET /health (liveness) and GET /health/ready (database, Redis, MongoDB)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from shop.extensions import limiter
from shop.infra.health import readiness

bp = Blueprint("health", __name__, url_prefix="/health")
limiter.exempt(bp)


@bp.get("")
def live():
    return jsonify({"status": "ok"})


@bp.get("/ready")
def ready():
    checks = readiness()
    failing = [c.name for c in checks if not c.ok]
    body = {
        "status": "ok" if not failing else "unavailable",
        "failing": failing,
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return jsonify(body), 200 if not failing else 503
