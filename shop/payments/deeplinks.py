"""The "open in my bank app" link of a KHQR attempt.

KHQR has no URL scheme that every Cambodian banking app opens with a QR string; Bakong's
documented deeplink is a short link made by its own API (`generate_deeplink_by_qr`, see
shop/payments/bakong.py) that opens Bakong or the shopper's bank app with the payment filled
in. It is asked for by a job once the attempt is committed (shop.payments.jobs.make_deeplink),
never in a page request, and stored on the attempt (`deeplink_url`). Without it (not made yet,
or Bakong could not make one) the payment page offers "Save the QR" alone, as it always did.

Bakong is sent the attempt's exact KHQR string, which it sees anyway when the QR is paid, and
the shop's name, icon and callback (`source_info`): nothing else about the order or the shopper.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from shop.extensions import db
from shop.infra.urls import external_url
from shop.payments.bakong import DeeplinkResult, LinkOutcome, SourceInfo, client_from_config
from shop.payments.models import AttemptStatus, PaymentAttempt

log = logging.getLogger("shop.payments")


def source_info() -> SourceInfo:
    """The shop as the bank app shows it: its name, its icon (BAKONG_APP_ICON_URL, else the
    site's icon), and where the bank app sends the shopper back (BAKONG_DEEPLINK_CALLBACK, else
    the shop's home page; the payment page the shopper left is still open in the browser and
    says "Paid"). The same for every order: no order link (a guest's holds the order's key)."""
    config = current_app.config
    return SourceInfo(
        app_name=config["SHOP_NAME"],
        app_icon_url=config.get("BAKONG_APP_ICON_URL") or external_url("static", filename="img/favicon.svg"),
        app_deeplink_callback=config.get("BAKONG_DEEPLINK_CALLBACK") or external_url("storefront.home"),
    )


def make_deeplink(attempt_id: int) -> DeeplinkResult | None:
    """Ask Bakong for the attempt's deeplink and store it. None when there is nothing to ask:
    no such attempt, not a KHQR, no longer open, or it has its link already. A refusal or a
    passing failure is logged and leaves the attempt without a link (the job decides whether
    to ask again); the page works the same without it."""
    attempt = db.session.get(PaymentAttempt, attempt_id)
    wanted = (
        attempt is not None
        and attempt.provider == "khqr"
        and attempt.status == AttemptStatus.OPEN.value
        and attempt.deeplink_url is None
    )
    qr = attempt.qr_string if wanted and attempt is not None else None
    # Bakong is asked with no transaction open: a slow answer must hold no snapshot or lock.
    db.session.rollback()
    if not qr:
        return None
    result = client_from_config().generate_deeplink(qr, source_info())
    if result.outcome == LinkOutcome.MADE:
        # Only if none was stored meanwhile (a retry that overlapped a late success).
        db.session.execute(
            sa.update(PaymentAttempt)
            .where(PaymentAttempt.id == attempt_id, PaymentAttempt.deeplink_url.is_(None))
            .values(deeplink_url=result.short_link)
        )
        db.session.commit()
    elif result.outcome == LinkOutcome.REFUSED:
        log.error("Bakong made no deeplink for payment attempt %s: %s", attempt_id, result.reason)
    else:
        log.warning("Bakong could not make the deeplink of payment attempt %s yet: %s", attempt_id, result.reason)
    return result
