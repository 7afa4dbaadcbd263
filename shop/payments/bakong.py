"""Bakong (NBC's KHQR network): the KHQR provider and the Open API client that asks whether a
KHQR was paid.

`POST {BAKONG_API_URL}/v1/check_transaction_by_md5` with `{"md5": ...}` and the shop's bearer
token answers `responseCode` 0 with the transaction in `data`, or 1 with an `errorCode`
(1: not found yet, 3: failed, 6: token expired or unauthorised). The API answers only
Cambodian addresses and may be slow or down: every call has short timeouts (connect 2 s, read
5 s) and every way it can fail is a CheckResult, never an exception, so a check job can back
off and ask again. It is never called inside a page request (shop/payments/jobs.py).
"""

from __future__ import annotations

import http.client
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import current_app

from shop.payments import khqr
from shop.payments.providers import CheckResult, Outcome, Payload, Transaction

if TYPE_CHECKING:
    from shop.payments.models import PaymentAttempt

log = logging.getLogger("shop.payments")
CHECK_PATH = "/v1/check_transaction_by_md5"
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
NOT_FOUND, FAILED, TOKEN_EXPIRED = 1, 3, 6


@dataclass(frozen=True)
class BakongClient:
    base_url: str
    token: str | None
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT

    def check_md5(self, md5: str) -> CheckResult:
        """Ask Bakong about the KHQR whose string has this md5."""
        if not self.token:
            return CheckResult(Outcome.UNAUTHORIZED, reason="BAKONG_TOKEN is not set")
        try:
            status, body = self._post(CHECK_PATH, {"md5": md5})
        except TimeoutError:
            return CheckResult(Outcome.UNAVAILABLE, reason="timeout")
        except (OSError, http.client.HTTPException) as error:
            return CheckResult(Outcome.UNAVAILABLE, reason=f"connection: {error.__class__.__name__}")
        return interpret(status, body)

    def _post(self, path: str, payload: dict) -> tuple[int, bytes]:
        """POST JSON; the connection gets `connect_timeout`, each read `read_timeout`."""
        url = urlsplit(self.base_url.rstrip("/") + path)
        connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(url.hostname or "", url.port, timeout=self.connect_timeout)
        try:
            connection.connect()
            if connection.sock is not None:
                connection.sock.settimeout(self.read_timeout)
            connection.request(
                "POST",
                url.path,
                body=json.dumps(payload),
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
            response = connection.getresponse()
            return response.status, response.read(64 * 1024)
        finally:
            connection.close()


def interpret(status: int, body: bytes) -> CheckResult:
    """Bakong's HTTP answer as a CheckResult (money parsed as Decimal, never float)."""
    if status in (401, 403):
        # 403 is also what Bakong answers to an address outside Cambodia.
        return CheckResult(Outcome.UNAVAILABLE if status == 403 else Outcome.UNAUTHORIZED, reason=f"HTTP {status}")
    if status != 200:
        return CheckResult(Outcome.UNAVAILABLE, reason=f"HTTP {status}")
    try:
        answer = json.loads(body, parse_float=Decimal)
    except ValueError:
        return CheckResult(Outcome.UNAVAILABLE, reason="the answer is not JSON")
    if not isinstance(answer, dict):
        return CheckResult(Outcome.UNAVAILABLE, reason="the answer is not a JSON object", raw=_plain(answer))
    raw = _plain(answer)
    code, error = answer.get("responseCode"), answer.get("errorCode")
    if code == 0 and isinstance(answer.get("data"), dict):
        transaction = _transaction(answer["data"])
        if transaction is None:
            return CheckResult(Outcome.UNAVAILABLE, reason="the transaction has no usable amount", raw=raw)
        return CheckResult(Outcome.PAID, transaction=transaction, raw=raw)
    if code == 1 and error == NOT_FOUND:
        return CheckResult(Outcome.NOT_FOUND, reason=answer.get("responseMessage"), raw=raw)
    if code == 1 and error == FAILED:
        return CheckResult(Outcome.FAILED, reason=answer.get("responseMessage"), raw=raw)
    if code == 1 and error == TOKEN_EXPIRED:
        return CheckResult(Outcome.UNAUTHORIZED, reason=answer.get("responseMessage"), raw=raw)
    return CheckResult(Outcome.UNAVAILABLE, reason=f"unexpected answer (errorCode {error!r})", raw=raw)


def _transaction(data: dict) -> Transaction | None:
    try:
        amount = Decimal(str(data.get("amount")))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return Transaction(
        amount=amount,
        currency=str(data.get("currency") or ""),
        to_account=data.get("toAccountId"),
        reference=data.get("hash"),
        from_account=data.get("fromAccountId"),
    )


def _plain(value: Any) -> Any:
    """The answer as JSON can store it (Decimals back to numbers' text)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def client_from_config() -> BakongClient:
    config = current_app.config
    return BakongClient(
        base_url=config["BAKONG_API_URL"],
        token=config.get("BAKONG_TOKEN"),
        connect_timeout=config.get("BAKONG_CONNECT_TIMEOUT", CONNECT_TIMEOUT),
        read_timeout=config.get("BAKONG_READ_TIMEOUT", READ_TIMEOUT),
    )


class KHQRProvider:
    """KHQR, built locally from the shop's settings and checked with Bakong by md5."""

    name = "khqr"
    checks = True

    def create(self, attempt: PaymentAttempt) -> Payload:
        config = current_app.config
        qr = khqr.encode(
            khqr.KHQRRequest(
                account_id=config["KHQR_ACCOUNT_ID"],
                merchant_name=config["KHQR_MERCHANT_NAME"],
                merchant_city=config["KHQR_MERCHANT_CITY"],
                merchant_id=config.get("KHQR_MERCHANT_ID"),
                acquiring_bank=config.get("KHQR_ACQUIRING_BANK"),
                currency=attempt.currency,
                amount=attempt.amount,
                bill_number=attempt.order.order_number,
                created_at=attempt.created_at,
                expires_at=attempt.expires_at,
            )
        )
        return Payload(qr_string=qr, md5=khqr.md5_of(qr))

    def check(self, attempt: PaymentAttempt) -> CheckResult:
        if not attempt.md5:
            return CheckResult(Outcome.UNAVAILABLE, reason="the attempt has no QR")
        return client_from_config().check_md5(attempt.md5)


def backoff(check_count: int, *, first: float = 3.0, most: float = 1800.0) -> timedelta:
    """How long to wait before the next check of an attempt checked `check_count` times:
    3 s, 6 s, 12 s, ... up to half an hour."""
    return timedelta(seconds=min(most, first * 2 ** max(0, check_count - 1)))
