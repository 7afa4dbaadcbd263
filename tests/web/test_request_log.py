"""Structured request logs with request ids."""

from __future__ import annotations


def test_each_request_gets_an_id_echoed_in_the_response(client):
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/health").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_an_incoming_request_id_is_kept(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"


def test_a_malformed_incoming_request_id_is_replaced(client):
    response = client.get("/health", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert response.headers["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_requests_are_logged_as_json_with_their_id(client, log_lines):
    client.get("/no-such-page", headers={"X-Request-ID": "trace-42"})
    entries = [e for e in log_lines() if e["msg"] == "request"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["request_id"] == "trace-42"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/no-such-page", 404)
    assert entry["duration_ms"] >= 0
