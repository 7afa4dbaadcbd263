"""The small interface every payment provider fits behind.

A provider makes what the shopper pays with (`create`: a KHQR string, later a PayWay checkout
or a card session) and answers whether an attempt was paid (`check`). The services in
shop/payments/services.py hold the rules (what counts as paid, expiry, late money); a
provider only speaks its service's language. Adding ABA PayWay or cards is one more module
that implements `PaymentProvider` and one line in `PROVIDERS`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from shop.payments.models import PaymentAttempt


class Outcome(enum.StrEnum):
    PAID = "paid"
    NOT_FOUND = "not_found"  # not paid (yet)
    FAILED = "failed"
    UNAUTHORIZED = "unauthorized"  # our credentials were refused: staff must renew the token
    UNAVAILABLE = "unavailable"  # the provider could not answer (down, slow, garbled): ask again later


@dataclass(frozen=True)
class Transaction:
    """A payment as the provider reports it."""

    amount: Decimal
    currency: str
    to_account: str | None
    reference: str | None = None  # the provider's id for the payment (Bakong's hash)
    from_account: str | None = None


@dataclass(frozen=True)
class CheckResult:
    outcome: Outcome
    transaction: Transaction | None = None
    reason: str | None = None
    raw: Any = None  # the provider's answer as received, kept in the event

    @property
    def is_final(self) -> bool:
        return self.outcome in (Outcome.PAID, Outcome.FAILED)


@dataclass(frozen=True)
class Payload:
    """What `create` hands back for the attempt: the KHQR string and its md5 for KHQR."""

    qr_string: str | None = None
    md5: str | None = None
    extra: dict = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str
    checks: bool  # whether `check` asks anyone (cash is counted by staff, not checked)

    def create(self, attempt: PaymentAttempt) -> Payload: ...

    def check(self, attempt: PaymentAttempt) -> CheckResult: ...


class CashOnDelivery:
    """Cash on delivery: nothing to show and nobody to ask; staff record the cash received."""

    name = "cod"
    checks = False

    def create(self, attempt: PaymentAttempt) -> Payload:
        return Payload()

    def check(self, attempt: PaymentAttempt) -> CheckResult:
        return CheckResult(Outcome.NOT_FOUND, reason="cash is recorded by staff")


def provider_for(name: str) -> PaymentProvider:
    """The provider called `name` ("khqr", "cod")."""
    from shop.payments.bakong import KHQRProvider

    providers: dict[str, PaymentProvider] = {"khqr": KHQRProvider(), "cod": CashOnDelivery()}
    if name not in providers:
        raise KeyError(f"no payment provider {name!r}")
    return providers[name]
