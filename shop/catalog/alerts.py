"""Back-in-stock alerts: a shopper (signed in, or by email) asks to be told when a sold-out
variant can be bought again. When its stock goes from none to some, every waiting shopper gets
one email in their language (an RQ job after the commit), with a link to that variant. An alert
is used once (claimed with one conditional UPDATE, so two runs of the job never email twice),
can be cancelled with its link, and is limited per email and per IP address."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.accounts.services import check_email
from shop.catalog.models import BackInStockAlert, ProductStatus, ProductVariant
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.i18n import normalize_locale
from shop.infra.columns import utcnow
from shop.jobs import enqueue

# Per email and per IP address, alerts asked for within WINDOW.
WINDOW = timedelta(hours=1)
MAX_PER_EMAIL = 10
MAX_PER_IP = 30


class TooManyAlerts(ShopError):
    status = 429
    code = "too_many_alerts"
    default_message = _l("You asked for too many alerts. Please try again in an hour.")


def ask(
    variant_id: int,
    email: str,
    *,
    user_id: int | None = None,
    locale: str | None = None,
    ip_address: str | None = None,
) -> BackInStockAlert:
    """Ask to be emailed when a sold-out variant is back. Asking again for the same variant
    and email returns the alert already waiting; a variant that can be bought now is refused
    (it can be bought); too many asks from one email or address are refused (429)."""
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None or variant.archived_at is not None or variant.product.status != ProductStatus.ACTIVE:
        raise NotFound(_l("This size or shade is not sold any more."), field="variant_id")
    if variant.is_in_stock:
        raise ShopError(_l("This size or shade is in stock: you can buy it now."), field="variant_id")
    email = check_email(email or "")
    waiting = _waiting_for(variant.id, email)
    if waiting is not None:
        return waiting
    since = utcnow() - WINDOW
    recent = sa.select(sa.func.count()).where(BackInStockAlert.created_at >= since)
    by_email = db.session.scalar(recent.where(BackInStockAlert.email == email)) or 0
    by_ip = db.session.scalar(recent.where(BackInStockAlert.ip_address == ip_address)) or 0 if ip_address else 0
    if by_email >= MAX_PER_EMAIL or by_ip >= MAX_PER_IP:
        raise TooManyAlerts(field="email")
    alert = BackInStockAlert(
        variant_id=variant.id,
        user_id=user_id,
        email=email,
        locale=normalize_locale(locale) or "en",
        token=secrets.token_urlsafe(32),
        ip_address=ip_address,
    )
    db.session.add(alert)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same ask, a moment ago, from another tab
        db.session.rollback()
        found = _waiting_for(variant.id, email)
        if found is None:
            raise
        return found
    return alert


def _waiting_for(variant_id: int, email: str) -> BackInStockAlert | None:
    return db.session.scalar(
        sa.select(BackInStockAlert).where(
            BackInStockAlert.variant_id == variant_id,
            BackInStockAlert.email == email,
            BackInStockAlert.notified_at.is_(None),
            BackInStockAlert.cancelled_at.is_(None),
        )
    )


def cancel(token: str) -> BackInStockAlert:
    """Cancel an alert with the secret of its link (an alert already used stays as it was)."""
    alert = db.session.scalar(sa.select(BackInStockAlert).where(BackInStockAlert.token == (token or "")[:64]))
    if alert is None:
        raise NotFound(_l("This alert does not exist."))
    if alert.cancelled_at is None and alert.notified_at is None:
        alert.cancelled_at = utcnow()
        db.session.commit()
    return alert


def waiting_counts(variant_ids: Iterable[int]) -> dict[int, int]:
    """How many shoppers wait for each variant (the staff's product page)."""
    ids = list(set(variant_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(BackInStockAlert.variant_id, sa.func.count())
        .where(
            BackInStockAlert.variant_id.in_(ids),
            BackInStockAlert.notified_at.is_(None),
            BackInStockAlert.cancelled_at.is_(None),
        )
        .group_by(BackInStockAlert.variant_id)
    ).all()
    return {variant_id: count for variant_id, count in rows}


def restocked(variant_ids: Iterable[int]) -> None:
    """These variants' stock went from none to some in the current transaction: once it
    commits, email the shoppers waiting for them (nothing is sent if it rolls back)."""
    from shop.catalog import jobs

    for variant_id in sorted(set(variant_ids)):
        enqueue(jobs.send_back_in_stock, variant_id)


def claim(variant_id: int) -> list[tuple[int, str, str, str]]:
    """Mark every waiting alert of the variant used, in one UPDATE, and return them (id,
    email, locale, token): whoever runs this first sends, a second run finds none."""
    alerts = cast(sa.Table, BackInStockAlert.__table__)
    rows = db.session.execute(
        sa.update(alerts)
        .where(
            alerts.c.variant_id == variant_id,
            alerts.c.notified_at.is_(None),
            alerts.c.cancelled_at.is_(None),
        )
        .values(notified_at=utcnow())
        .returning(alerts.c.id, alerts.c.email, alerts.c.locale, alerts.c.token)
    ).all()
    db.session.commit()
    return [(row.id, row.email, row.locale, row.token) for row in rows]


def find(token: str) -> BackInStockAlert | None:
    """The alert with this link secret, if any."""
    return db.session.scalar(sa.select(BackInStockAlert).where(BackInStockAlert.token == (token or "")[:64]))
