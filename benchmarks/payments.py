"""KHQR payment checks: the sweep against a fake Bakong, and what a page request waits for.

    .venv/bin/python benchmarks/payments.py [--attempts 200]

Builds its own PostgreSQL database (skincare_bench_payments, dropped at the end), migrates it,
places --attempts KHQR orders through the checkout service, and starts the tests' fake Bakong
(a real HTTP server on 127.0.0.1). No Redis: the embedded mode, where poll-triggered checks run
on the background pool. Then:

1. The sweep checks every open attempt (one HTTP call and one locked transaction each):
   checks/s with Bakong answering "not found yet" at once, then with a third of them paid.
0. Placing the orders: how long checkout took, and when the background pool had made every
   QR's "open in my bank app" link (the fake answers at once).
2. A page request never waits on Bakong: with the fake answering in 2 s, the call the payment
   page's poll makes (`request_check`, then reading the attempt's status) is timed, and then
   the poll endpoint itself (GET .../payment/status through the app, as HTMX sends it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NAME = "skincare_bench_payments"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=200)
    args = parser.parse_args()

    from catalog import machine_reference

    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME}")
        conn.execute(f"CREATE DATABASE {NAME}")
    try:
        run(args.attempts, machine_reference(ADMIN))
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


def run(count: int, reference: str) -> None:
    import os

    os.environ["FLASK_SKIP_DOTENV"] = "1"
    from flask_migrate import upgrade

    from shop import create_app
    from shop.accounts.models import User
    from shop.catalog.models import Product
    from shop.extensions import db
    from shop.orders import services as orders
    from shop.payments import jobs
    from shop.payments import services as payments
    from shop.payments.models import PaymentAttempt
    from tests.support.fake_bakong import FakeBakong

    fake = FakeBakong().start()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:5432/{NAME}",
            "REDIS_URL": None,
            "CACHE_TYPE": "SimpleCache",
            "RATELIMIT_STORAGE_URI": "memory://",
            "KHQR_ACCOUNT_ID": "shop@aclb",
            "BAKONG_API_URL": fake.url,
            "BAKONG_TOKEN": fake.token,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        upgrade()
        user = User(email="bench@example.com", first_name="Bench", password_hash="x")
        product = Product(
            name_en="Bench Serum", slug="bench-serum", sku="BENCH-1", price=Decimal("12.50"), category="serums"
        )
        product.stock = count * 2
        db.session.add_all([user, product])
        db.session.commit()
        address = {
            "first_name": "S",
            "address_line1": "1",
            "city": "Phnom Penh",
            "postal_code": "1",
            "country": "KH",
            "phone": "012 345 678",
        }
        placing = time.perf_counter()
        for index in range(count):
            orders.place_order(
                orders.Checkout(
                    items=[orders.BasketItem(product.id, 1)],
                    email=user.email,
                    user_id=user.id,
                    shipping_address=address,
                    payment_method="khqr",
                    currency="KHR" if index % 2 else "USD",
                )
            )
        placed_in = time.perf_counter() - placing
        # Each new QR's "open in my bank app" link is asked for on the background pool: wait for
        # them all, so that they do not share the machine with the sweep measured below.
        made, deadline = 0, time.monotonic() + 120
        while made < count and time.monotonic() < deadline:
            time.sleep(0.05)
            made = db.session.scalar(db.select(db.func.count()).where(PaymentAttempt.deeplink_url.is_not(None)))
            db.session.rollback()
        links_in = time.perf_counter() - placing
        attempts = db.session.scalars(db.select(PaymentAttempt).order_by(PaymentAttempt.id)).all()
        due = attempts[0].created_at + timedelta(minutes=1)  # every attempt is due, none expired

        started = time.perf_counter()
        report = jobs.sweep_payments(due)
        elapsed = time.perf_counter() - started
        print(f"machine: {reference}")
        print(
            f"checkout: {count} KHQR orders placed in {placed_in:.2f} s; {made} deeplinks made on the "
            f"background pool {links_in:.2f} s after the first order"
        )
        print(
            f"sweep, Bakong answers 'not found yet': {report.checked} checks in {elapsed:.2f} s "
            f"= {report.checked / elapsed:.0f} checks/s ({report.failed} failed)"
        )

        for attempt in attempts[::3]:
            fake.pay(attempt.md5, amount=attempt.amount, currency=attempt.currency)
        db.session.execute(db.update(PaymentAttempt).values(next_check_at=attempts[0].created_at))
        db.session.commit()
        started = time.perf_counter()
        report = jobs.sweep_payments(due + timedelta(minutes=1))
        elapsed = time.perf_counter() - started
        paid = db.session.scalar(db.select(db.func.count()).where(PaymentAttempt.status == "paid"))
        print(
            f"sweep, a third paid: {report.checked} checks in {elapsed:.2f} s "
            f"= {report.checked / elapsed:.0f} checks/s, {paid} recorded paid"
        )

        fake.delay = 2.0
        timings = []
        for attempt in attempts[1:41]:
            started = time.perf_counter()
            jobs.request_check(attempt.id)  # what the poll asks for ...
            payments.current_attempt(attempt.order_id)  # ... and what it shows
            db.session.rollback()
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(
            f"payment page poll while Bakong takes 2 s: p50 {statistics.median(timings):.1f} ms, "
            f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms, max {timings[-1]:.1f} ms "
            "(the checks run on the background pool)"
        )

        from shop.orders import guests
        from shop.orders.models import Order

        client = app.test_client()
        timings = []
        for attempt in attempts[41:81]:
            order = db.session.get(Order, attempt.order_id)
            url = f"/orders/guest/{guests.order_token(order)}/payment/status?attempt={attempt.id}"
            db.session.rollback()
            started = time.perf_counter()
            answer = client.get(url, headers={"HX-Request": "true"})
            timings.append((time.perf_counter() - started) * 1000)
            assert answer.status_code in (200, 204), answer.status_code
        timings.sort()
        print(
            f"GET .../payment/status (the page's poll) while Bakong takes 2 s: "
            f"p50 {statistics.median(timings):.1f} ms, p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms, "
            f"max {timings[-1]:.1f} ms"
        )
        jobs._embedded_pool.shutdown(wait=True, cancel_futures=True)
        db.session.remove()
        db.engine.dispose()
    fake.stop()


if __name__ == "__main__":
    main()
