"""gunicorn's own log lines and its access lines are JSON from the shop's formatter."""

from __future__ import annotations

import json
import socket

import pytest

from tests.support.embedded import Gunicorn, embedded_env, get, run_flask


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    env = embedded_env(instance)
    run_flask(env, "db", "upgrade")  # as `make run` does: the server's scheduled jobs read the tables
    running = Gunicorn(env, tmp_path_factory.mktemp("logs"))
    yield running
    running.stop()


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_worker_boot_bad_request_and_access_lines_are_json(server):
    status, _ = get(f"{server.base}/health", headers={"X-Request-ID": "probe-1"})
    assert status == 200
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(b"GET /" + b"a" * 6000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = conn.recv(200)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request")
    get(f"{server.base}/health")  # the error line is written before this request is answered

    stderr = server.stderr_path.read_text()
    assert "Logging error" not in stderr and "Traceback" not in stderr
    errors = _json_lines(stderr)  # every line parses as JSON
    boots = [e for e in errors if e["logger"] == "gunicorn.error" and e["msg"].startswith("Booting worker with pid")]
    assert len(boots) == 1 and boots[0]["level"] == "info"
    [bad] = [e for e in errors if "Request Line is too large" in e["msg"]]
    assert (bad["logger"], bad["level"]) == ("gunicorn.error", "warning")
    assert bad["msg"].startswith("Invalid request from ip=127.0.0.1")

    access = [e for e in _json_lines(server.stdout_path.read_text()) if e["logger"] == "gunicorn.access"]
    probe = next(e for e in access if e["request_id"] == "probe-1")
    assert (probe["msg"], probe["method"], probe["path"], probe["status"]) == ("access", "GET", "/health", 200)
    assert isinstance(probe["duration_ms"], int) and probe["ip"] == "127.0.0.1"
