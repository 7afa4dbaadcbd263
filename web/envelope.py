"""The seed's response envelope: {success, message, data, error}."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify


def success_response(data: Any = None, message: str = "", status: int = 200):
    body = {"success": True, "message": message, "data": data}
    return jsonify(body), status


def error_response(message: str, status: int, details: Any = None, **extra: Any):
    """`extra` adds fields to `error` (such as the `order_id` a refusal points to)."""
    error: dict[str, Any] = {"code": status, "request_id": g.get("request_id"), **extra}
    if details:
        error["details"] = details
    return jsonify({"success": False, "message": message, "error": error}), status
