"""Bakong (NBC's KHQR network): the KHQR provider and the Open API client that asks whether a
KHQR was paid and makes its "open in my bank app" short link.

`POST {BAKONG_API_URL}/v1/check_transaction_by_md5` with `{"md5": ...}` and the shop's bearer
token answers `responseCode` 0 with the transaction in `data`, or 1 with an `errorCode`
(1: not found yet, 3: failed, 6: token expired or unauthorised). The API answers only
Cambodian addresses and may be slow or down: every call has short timeouts (connect 2 s, read
5 s) and every way it can fail is a CheckResult, never an exception, so a check job can back
off and ask again. It is never called inside a page request (shop/payments/jobs.py).

`POST {BAKONG_API_URL}/v1/generate_deeplink_by_qr` with `{"qr": <the KHQR string>, "sourceInfo":
{"appIconUrl", "appName", "appDeepLinkCallback"}}` answers `responseCode` 0 with
`data.shortLink` (`https://bakong.page.link/...`: opens Bakong or the shopper's bank app with
the payment filled in), or 1 with an `errorCode` (4: the link provider failed, 5: a field is
missing or wrong, 6: token refused). The layout is the one of NBC's `bakong-khqr` SDK as its
public ports implement it (github.com/fidele007/bakong-khqr-php, a complete port of the npm
module: src/Api/DeepLink.php, src/Models/SourceInfo.php, and its README's sample answer;
github.com/mrrhak/khqr_sdk for Dart). The SDK calls it without a token; we send ours, as to every
Bakong call, which the API accepts.
"""

from __future__ import annotations

import enum
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
DEEPLINK_PATH = "/v1/generate_deeplink_by_qr"
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
NOT_FOUND, FAILED, TOKEN_EXPIRED = 1, 3, 6
LINK_PROVIDER_ERROR = 4  # Bakong's link provider failed: worth asking again
MAX_LINK_LENGTH = 500  # the column's size; Bakong's links are about 45 characters


@dataclass(frozen=True)
class SourceInfo:
    """Who asks for the deeplink, shown by the bank app: the shop's name and icon, and where
    the bank app sends the shopper back to. Nothing about the order."""

    app_name: str
    app_icon_url: str
    app_deeplink_callback: str

    def as_json(self) -> dict[str, str]:
        return {
            "appIconUrl": self.app_icon_url,
            "appName": self.app_name,
            "appDeepLinkCallback": self.app_deeplink_callback,
        }


class LinkOutcome(enum.StrEnum):
    MADE = "made"
    RETRY = "retry"  # Bakong could not answer (down, slow, 5xx, garbled, its link provider): ask again
    REFUSED = "refused"  # asking again would get the same no (token refused, a field refused)


@dataclass(frozen=True)
class DeeplinkResult:
    outcome: LinkOutcome
    short_link: str | None = None
    reason: str | None = None


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

    def generate_deeplink(self, qr: str, source: SourceInfo) -> DeeplinkResult:
        """Ask Bakong for the short link that opens a bank app with this KHQR. Only the QR (which
        the bank sees anyway when it is paid) and the shop's name, icon and callback are sent."""
        if not self.token:
            return DeeplinkResult(LinkOutcome.REFUSED, reason="BAKONG_TOKEN is not set")
        try:
            status, body = self._post(DEEPLINK_PATH, {"qr": qr, "sourceInfo": source.as_json()})
        except TimeoutError:
            return DeeplinkResult(LinkOutcome.RETRY, reason="timeout")
        except (OSError, http.client.HTTPException) as error:
            return DeeplinkResult(LinkOutcome.RETRY, reason=f"connection: {error.__class__.__name__}")
        return interpret_deeplink(status, body)

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


def interpret_deeplink(status: int, body: bytes) -> DeeplinkResult:
    """Bakong's answer to generate_deeplink_by_qr. Only an https link is kept: it becomes the
    href of a button on our page."""
    if status != 200:
        # 401 and the other 4xx would say no again; 403 is also Bakong's answer outside
        # Cambodia, and 408, 429 and 5xx pass.
        refused = 400 <= status < 500 and status not in (403, 408, 429)
        return DeeplinkResult(LinkOutcome.REFUSED if refused else LinkOutcome.RETRY, reason=f"HTTP {status}")
    try:
        answer = json.loads(body)
    except ValueError:
        return DeeplinkResult(LinkOutcome.RETRY, reason="the answer is not JSON")
    if not isinstance(answer, dict):
        return DeeplinkResult(LinkOutcome.RETRY, reason="the answer is not a JSON object")
    code, error, message = answer.get("responseCode"), answer.get("errorCode"), answer.get("responseMessage")
    if code == 0:
        data = answer.get("data")
        link = data.get("shortLink") if isinstance(data, dict) else None
        if not _usable_link(link):
            return DeeplinkResult(LinkOutcome.RETRY, reason=f"no usable shortLink in the answer: {link!r:.80}")
        return DeeplinkResult(LinkOutcome.MADE, short_link=link)
    if code == 1 and error == LINK_PROVIDER_ERROR:
        return DeeplinkResult(LinkOutcome.RETRY, reason=f"errorCode 4: {message}")
    if code == 1:
        return DeeplinkResult(LinkOutcome.REFUSED, reason=f"errorCode {error!r}: {message}")
    return DeeplinkResult(LinkOutcome.RETRY, reason=f"unexpected answer (responseCode {code!r})")


def _usable_link(link: Any) -> bool:
    if not isinstance(link, str) or len(link) > MAX_LINK_LENGTH or any(c.isspace() for c in link):
        return False
    parts = urlsplit(link)
    return parts.scheme == "https" and bool(parts.hostname)


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
