"""A fake of the Bakong Open API's check_transaction_by_md5 and generate_deeplink_by_qr: a real
HTTP server on 127.0.0.1 (the real API answers only Cambodian addresses, so the tests cannot
reach it).

It answers as the API documents: `POST /v1/check_transaction_by_md5` with `{"md5": ...}` and
`Authorization: Bearer <token>`; `responseCode` 0 with the transaction in `data`, or 1 with
`errorCode` 1 (not found), 3 (failed), 6 (token expired). Per md5 a test scripts the answer:
paid (with any amount, currency or receiving account), not yet paid, failed, token expired,
HTTP 403 or 500, a garbled body, or a reply slower than the client waits.

`POST /v1/generate_deeplink_by_qr` with `{"qr": ..., "sourceInfo": {"appIconUrl", "appName",
"appDeepLinkCallback"}}` answers `responseCode` 0 with `data.shortLink` (`link_for(qr)`), or
what a test scripts for the next calls (`link_answers`): token expired (errorCode 6), a field
refused (errorCode 5), the link provider failed (errorCode 4), HTTP 500, a garbled body, a link
that is not https, or a reply slower than the client waits.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/v1/check_transaction_by_md5"
DEEPLINK_PATH = "/v1/generate_deeplink_by_qr"


@dataclass
class Answer:
    kind: str  # paid, not_found, failed, token_expired, http_403, http_500, bad_json, timeout
    data: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeBakong:
    token: str = "fake-bakong-token"
    answers: dict[str, Answer] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    delay: float = 0.0  # added to every answer (a slow Bakong)
    # The next deeplink answers, in order (made, token_expired, bad_request, provider_error,
    # http_500, bad_json, not_https, timeout); "made" once they are used up.
    link_answers: list[str] = field(default_factory=list)
    link_requests: list[dict] = field(default_factory=list)  # the bodies received, as sent
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------ scripting

    def pay(
        self,
        md5: str,
        *,
        amount: Decimal | str,
        currency: str = "USD",
        to_account: str = "shop@aclb",
        from_account: str = "sokha@aclb",
        reference: str | None = None,
    ) -> None:
        """From now on the md5 is paid with these details."""
        now_ms = int(time.time() * 1000)
        self.answers[md5] = Answer(
            "paid",
            {
                "hash": reference or f"hash-{md5[:12]}",
                "fromAccountId": from_account,
                "toAccountId": to_account,
                "currency": currency,
                "amount": float(amount) if currency == "USD" else int(Decimal(amount)),
                "description": "",
                "createdDateMs": now_ms,
                "acknowledgedDateMs": now_ms,
                "externalRef": "100FT36774348398",
            },
        )

    def answer(self, md5: str, kind: str, *, delay: float = 0.0) -> None:
        self.answers[md5] = Answer(kind, delay=delay)

    def asked(self, md5: str) -> int:
        """How many times the md5 was asked about."""
        with self._lock:
            return sum(1 for request in self.requests if request.get("md5") == md5)

    @staticmethod
    def link_for(qr: str) -> str:
        """The short link the fake makes for a QR (the same one every time, as tests need)."""
        return "https://bakong.page.link/" + hashlib.md5(qr.encode()).hexdigest()[:17]

    def links_asked(self, qr: str) -> int:
        with self._lock:
            return sum(1 for body in self.link_requests if isinstance(body, dict) and body.get("qr") == qr)

    def _next_link_answer(self) -> str:
        with self._lock:
            return self.link_answers.pop(0) if self.link_answers else "made"

    # ------------------------------------------------------------ serving

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeBakong:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path not in (PATH, DEEPLINK_PATH):
                    return self._send(404, {"responseCode": 1, "responseMessage": "Not found"})
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self._send(401, {"responseCode": 1, "responseMessage": "Unauthorized", "errorCode": 6})
                if self.path == DEEPLINK_PATH:
                    return self._deeplink(body)
                try:
                    md5 = json.loads(body)["md5"]
                except (ValueError, KeyError, TypeError):
                    return self._send(400, {"responseCode": 1, "responseMessage": "Bad request", "errorCode": 5})
                with fake._lock:
                    fake.requests.append({"md5": md5, "at": time.time()})
                answer = fake.answers.get(md5, Answer("not_found"))
                if fake.delay or answer.delay:
                    time.sleep(fake.delay + answer.delay)
                if answer.kind == "timeout":
                    time.sleep(3)  # longer than the client's read timeout in the tests
                    return self._send(200, _error(1, "Transaction could not be found."))
                if answer.kind == "paid":
                    success = {"responseCode": 0, "responseMessage": "Success", "errorCode": None}
                    return self._send(200, {**success, "data": answer.data})
                if answer.kind == "failed":
                    return self._send(200, _error(3, "Transaction failed."))
                if answer.kind == "token_expired":
                    return self._send(200, _error(6, "Unauthorized, not yet requested for token or code invalid"))
                if answer.kind == "http_403":
                    return self._raw(403, b"<html>Forbidden</html>", "text/html")
                if answer.kind == "http_500":
                    return self._raw(500, b"Internal Server Error", "text/plain")
                if answer.kind == "bad_json":
                    return self._raw(200, b"{not json", "application/json")
                return self._send(200, _error(1, "Transaction could not be found. Please check and try again."))

            def _deeplink(self, body: bytes) -> None:
                try:
                    request = json.loads(body)
                except ValueError:
                    request = None
                with fake._lock:
                    fake.link_requests.append(request)
                fields = request if isinstance(request, dict) else {}
                if not isinstance(fields.get("qr"), str) or not isinstance(fields.get("sourceInfo"), dict):
                    return self._send(200, _error(5, "Missing required fields"))
                kind = fake._next_link_answer()
                if fake.delay:
                    time.sleep(fake.delay)
                if kind == "timeout":
                    time.sleep(3)  # longer than the client's read timeout in the tests
                    kind = "made"
                if kind == "made":
                    success = {"responseCode": 0, "responseMessage": "Success", "errorCode": None}
                    return self._send(200, {**success, "data": {"shortLink": fake.link_for(request["qr"])}})
                if kind == "not_https":
                    success = {"responseCode": 0, "responseMessage": "Success", "errorCode": None}
                    return self._send(200, {**success, "data": {"shortLink": "javascript:alert(1)"}})
                if kind == "token_expired":
                    return self._send(200, _error(6, "Unauthorized, not yet requested for token or code invalid"))
                if kind == "bad_request":
                    return self._send(200, _error(5, "Missing required fields"))
                if kind == "provider_error":
                    return self._send(200, _error(4, "Deeplink provider error"))
                if kind == "http_500":
                    return self._raw(500, b"Internal Server Error", "text/plain")
                if kind == "bad_json":
                    return self._raw(200, b"{not json", "application/json")
                raise AssertionError(f"unknown deeplink answer {kind!r}")

            def _send(self, status: int, payload: dict) -> None:
                self._raw(status, json.dumps(payload).encode(), "application/json")

            def _raw(self, status: int, body: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _error(code: int, message: str) -> dict:
    return {"responseCode": 1, "responseMessage": message, "errorCode": code, "data": None}


# The shop's KHQR settings in the page and browser tests (tests/payments has its own fixture).
KHQR_PAGE_SETTINGS = {
    "KHQR_ACCOUNT_ID": "shop@aclb",
    "KHQR_MERCHANT_NAME": "Skincare Shop",
    "KHQR_MERCHANT_CITY": "Phnom Penh",
    "PAYMENT_EXPIRES_MINUTES": 15,
    "BAKONG_CONNECT_TIMEOUT": 1.0,
    "BAKONG_READ_TIMEOUT": 1.0,
}


@contextmanager
def khqr_switched_on(app: Any) -> Iterator[FakeBakong]:
    """A fake Bakong on 127.0.0.1 and the app pointed at it with KHQR on; settings put back after."""
    fake = FakeBakong().start()
    settings = {**KHQR_PAGE_SETTINGS, "BAKONG_API_URL": fake.url, "BAKONG_TOKEN": fake.token}
    previous = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    try:
        yield fake
    finally:
        app.config.update(previous)
        fake.stop()
