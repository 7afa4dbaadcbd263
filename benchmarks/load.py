"""Mixed traffic: shoppers browsing, searching, adding to cart and checking out, with locust.

    .venv/bin/python benchmarks/load.py [--users 100] [--seconds 120] [--scale 2000] [--workers 2] [--threads 4]

Builds its own PostgreSQL database (skincare_bench_load, dropped at the end) with
`flask seed --scale N --no-images`, uses Redis db 4 (BENCH_LOAD_REDIS_URL, must be empty), and
serves it with gunicorn (gunicorn.conf.py: gthread) plus an RQ worker (`worker.py`, the emails and jobs). Then
`--users` locust users (headless, as a library), half of them signed in (the API's JWT; pages
carry no session for them, so the API is their door), the other half anonymous page visitors,
each choosing by weight:

- browse (60%): the home page, a category page (any of its first pages) or a product page;
- search (20%): `/shop?q=` with English, Khmer and misspelt queries;
- add to cart (15%): `POST /api/v1/cart/add` (signed in) or the cart page's form post;
- check out (5%): `POST /api/v1/orders` of one item (signed in, with an Idempotency-Key).

Prints requests/s and p50/p95/p99 per request type, the errors (must be 0: a sold-out answer,
409, is not an error), the orders placed and the oversell checked in the database (must be 0),
with the machine reference of benchmarks/catalog.py.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # locust runs on gevent; before anything opens a socket

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from catalog import ADMIN, QUERIES, free_port, machine_reference, prepare  # noqa: E402

REDIS = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/4")
NAME = "skincare_bench_load"
PASSWORD = "Bench-password-2026"
ADDRESS = {
    "first_name": "Sokha",
    "last_name": "Chan",
    "address_line1": "No. 12, Street 278",
    "province": "Phnom Penh",
    "district": "Chamkar Mon",
    "commune": "Tonle Basak",
    "phone": "012 345 678",
}
CATALOG: dict[str, list] = {}  # filled before the run: product ids and slugs, category slugs


def _forwarded(n: int) -> dict[str, str]:
    # Each user from its own loopback address: per-IP limits apply per user, as per phone.
    return {"X-Forwarded-For": f"127.1.{n // 250}.{n % 250 + 2}"}


class Shopper(HttpUser):
    wait_time = between(0.5, 2.0)
    signed_in = False
    counter = 0

    def on_start(self) -> None:
        Shopper.counter += 1
        self.number = Shopper.counter
        self.rng = random.Random(self.number)
        self.headers = _forwarded(self.number)
        if self.signed_in:
            response = self.client.post(
                "/api/v1/auth/login",
                json={"email": f"load{self.number}@example.com", "password": PASSWORD},
                headers=self.headers,
                name="sign in",
            )
            token = response.json()["data"]["tokens"]["access_token"]
            self.headers = {**self.headers, "Authorization": f"Bearer {token}"}

    @task(60)
    def browse(self) -> None:
        choice = self.rng.random()
        if choice < 0.15:
            self.client.get("/", headers=self.headers, name="browse: home")
        elif choice < 0.5:
            slug = self.rng.choice(CATALOG["categories"])
            self.client.get(
                f"/categories/{slug}?page={self.rng.randint(1, 3)}", headers=self.headers, name="browse: category"
            )
        else:
            slug = self.rng.choice(CATALOG["slugs"])
            self.client.get(f"/products/{slug}", headers=self.headers, name="browse: product")

    @task(20)
    def search(self) -> None:
        self.client.get(f"/shop?q={self.rng.choice(QUERIES)}", headers=self.headers, name="search")

    @task(15)
    def add_to_cart(self) -> None:
        product_id = self.rng.choice(CATALOG["ids"])
        if self.signed_in:
            with self.client.post(
                "/api/v1/cart/add",
                json={"product_id": product_id, "quantity": 1},
                headers=self.headers,
                name="add to cart (API)",
                catch_response=True,
            ) as response:
                if response.status_code in (200, 409):  # 409: sold out, an answer, not an error
                    response.success()
        else:
            self.client.get("/cart", headers=self.headers, name="cart page (anonymous)")

    @task(5)
    def checkout(self) -> None:
        if not self.signed_in:
            self.browse()
            return
        body = {"shipping_address": ADDRESS, "items": [{"product_id": self.rng.choice(CATALOG["ids"]), "quantity": 1}]}
        with self.client.post(
            "/api/v1/orders",
            json=body,
            headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
            name="check out (API)",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                response.success()
            elif response.status_code == 409:
                response.success()  # sold out
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class SignedIn(Shopper):
    signed_in = True


class Anonymous(Shopper):
    signed_in = False


def add_shoppers(env: dict, count: int) -> None:
    script = f"""
from shop import create_app
from shop.extensions import db
from shop.accounts.models import User
from shop.accounts.passwords import hash_password
app = create_app()
with app.app_context():
    hashed = hash_password({PASSWORD!r})
    for n in range(1, {count} + 1):
        db.session.add(User(email=f"load{{n}}@example.com", password_hash=hashed, email_verified=True))
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True)


def wait_ready(port: int) -> None:
    import urllib.request

    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the shop did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args()
    store = redis.Redis.from_url(REDIS)
    if store.dbsize():
        sys.exit(f"{REDIS} is not empty; point BENCH_LOAD_REDIS_URL at an empty Redis db.")
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")
    database = ADMIN.rsplit("/", 1)[0] + f"/{NAME}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": REDIS,
        "FLASK_APP": "wsgi.py",
        "FLASK_SKIP_DOTENV": "1",
        # Its own instance folder: the orders' emails and the analytics file stay out of the checkout's.
        "INSTANCE_PATH": tempfile.mkdtemp(prefix="skincare-bench-"),
        "ENV": "development",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_REQUESTS": "100000000",
        "RATE_LIMIT_GLOBAL": "100000000/minute",
        "TRUSTED_PROXIES": "1",
    }
    processes: list[subprocess.Popen] = []
    # gunicorn's error log (JSON lines): a worker timeout or an exception explains an error.
    server_log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in the finally below)
    try:
        print(f"Preparing {options.scale} products and {options.users} shoppers on PostgreSQL ({NAME})...")
        prepare(env, options.scale)
        add_shoppers(env, options.users)
        print(f"Machine reference: {machine_reference(database)}")
        with psycopg.connect(database) as conn:
            stock_before = dict(conn.execute("SELECT id, stock FROM products").fetchall())
            active = "FROM products WHERE status = 'active'"
            CATALOG["ids"] = [r[0] for r in conn.execute(f"SELECT id {active} AND stock > 0 LIMIT 500")]
            CATALOG["slugs"] = [r[0] for r in conn.execute(f"SELECT slug {active} ORDER BY random() LIMIT 500")]
            CATALOG["categories"] = [r[0] for r in conn.execute("SELECT slug FROM categories WHERE is_active")]
            last_order = conn.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()[0]
        port = free_port()
        bin_dir = Path(sys.executable).parent
        processes.append(
            subprocess.Popen(
                # The production settings (gunicorn.conf.py: gthread, keep-alive, JSON logs).
                [str(bin_dir / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=ROOT,
                env={**env, "WEB_CONCURRENCY": str(options.workers), "THREADS": str(options.threads)},
                stdout=subprocess.DEVNULL,
                stderr=server_log,
                start_new_session=True,
            )
        )
        processes.append(
            subprocess.Popen(
                [sys.executable, "worker.py"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        wait_ready(port)
        environment = Environment(user_classes=[SignedIn, Anonymous], host=f"http://127.0.0.1:{port}")
        runner = environment.create_local_runner()
        runner.start(options.users, spawn_rate=max(1, options.users // 10))
        gevent.spawn_later(options.seconds, runner.quit)
        started = time.perf_counter()
        runner.greenlet.join()
        elapsed = time.perf_counter() - started
        stats = environment.stats
        print(
            f"{options.users} users ({options.users // 2} signed in), {elapsed:.0f} s, gunicorn gthread "
            f"{options.workers}x{options.threads} + an RQ worker:"
        )
        print(f"  {'request':22} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
        for entry in sorted(stats.entries.values(), key=lambda e: -e.num_requests):
            print(
                f"  {entry.name:22} {entry.num_requests / elapsed:7.1f} {entry.get_response_time_percentile(0.5):7.0f}"
                f" {entry.get_response_time_percentile(0.95):7.0f} {entry.get_response_time_percentile(0.99):7.0f}"
                f" {entry.num_failures:6d}"
            )
        total = stats.total
        print(
            f"  {'all':22} {total.num_requests / elapsed:7.1f} {total.get_response_time_percentile(0.5):7.0f}"
            f" {total.get_response_time_percentile(0.95):7.0f} {total.get_response_time_percentile(0.99):7.0f}"
            f" {total.num_failures:6d}"
        )
        for error in list(stats.errors.values())[:5]:
            print(f"  error: {error.name}: {error.error} ({error.occurrences}x)")
        with psycopg.connect(database) as conn:
            orders = conn.execute("SELECT count(*) FROM orders WHERE id > %s", (last_order,)).fetchone()[0]
            sold = dict(
                conn.execute(
                    "SELECT product_id, sum(quantity) FROM order_items WHERE order_id > %s GROUP BY product_id",
                    (last_order,),
                ).fetchall()
            )
            stock_after = dict(conn.execute("SELECT id, stock FROM products").fetchall())
        oversold = sum(max(0, int(units) - stock_before.get(pid, 0)) for pid, units in sold.items())
        oversold += sum(1 for value in stock_after.values() if value < 0)
        print(f"  orders placed: {orders}; oversold: {oversold} (must be 0); errors: {total.num_failures} (must be 0)")
        server_log.seek(0)
        problems = [line.strip() for line in server_log if '"level": "info"' not in line and line.strip()]
        print(f"  server log: {len(problems)} lines above INFO")
        for line in problems[:10]:
            print(f"    {line[:300]}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        server_log.close()
        shutil.rmtree(env["INSTANCE_PATH"], ignore_errors=True)
        store.flushdb()
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
