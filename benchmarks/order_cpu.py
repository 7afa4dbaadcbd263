"""What one order costs the server in CPU, one at a time, in process.

    .venv/bin/python benchmarks/order_cpu.py [--orders 400] [--rounds 2] [--profile 25] [--before PATH]

orders.py measures orders/s at 32 clients, where both cores are busy: there the Python CPU an
order costs is the ceiling (two cores at 12 ms an order cannot pass ~160 orders/s). This script
measures that cost alone: the shop of orders.py (40 products, a shopper; PostgreSQL + Redis),
built as a gunicorn worker builds it (`create_server_app`), and `--orders` buy-now
`POST /api/v1/orders` through the Flask test client, each timed with `time.process_time`
(this process's CPU; PostgreSQL's and Redis's own work is theirs). Prints the median and p95 CPU
ms per order and, with `--profile N`, cProfile's N costliest functions (cumulative) over a run.
`--before PATH` measures another checkout (a `git worktree`) in the same run, rounds alternating,
each in its own database (migrated and seeded by its own code) and Redis db (BENCH_REDIS_URL's
number and the next).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import machine_reference

ROOT = Path(__file__).resolve().parents[1]
ADMIN = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
ADDRESS = {"address_line1": "No. 12, Street 278", "city": "Phnom Penh", "postal_code": "120101", "phone": "012 345 678"}

CHILD = """
import cProfile, io, json, pstats, statistics, sys, time, uuid
from shop import create_server_app
from shop.extensions import db
from shop.catalog.models import Product
orders, profile = int(sys.argv[1]), int(sys.argv[2])
app = create_server_app()
client = app.test_client()
headers = {"X-Forwarded-For": "127.0.0.2"}
login = client.post("/api/v1/auth/login", json={"email": "bench0@example.com", "password": "Bench-password-2026"},
                    headers=headers)
headers["Authorization"] = "Bearer " + login.get_json()["data"]["tokens"]["access_token"]
address = json.loads(sys.argv[3])
run = uuid.uuid4().hex  # each run's own keys: a key used before would replay its order, not place one
with app.app_context():
    ids = [p.id for p in db.session.query(Product).order_by(Product.id)]
def order(n):
    body = {"shipping_address": address, "items": [{"product_id": ids[n % len(ids)], "quantity": 1}]}
    response = client.post("/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": f"cpu-{run}-{n}"})
    assert response.status_code == 201, (response.status_code, response.get_data(as_text=True)[:300])
for n in range(20):  # warm: first requests load templates, compile queries, fill per-process caches
    order(n)
costs, own = [], []
profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
for n in range(20, 20 + orders):
    started, thread_started = time.process_time(), time.thread_time()
    if profiler:
        profiler.enable()
    order(n)
    if profiler:
        profiler.disable()
    costs.append(time.process_time() - started)
    own.append(time.thread_time() - thread_started)
text = ""
if profiler:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
    text = out.getvalue()
print(json.dumps({"costs": costs, "own": own, "profile": text}))
"""


def prepare(root: Path, env: dict) -> None:
    """Migrate and seed with the checkout's own code (orders.py's shop: 40 products, shoppers)."""
    sys.path.insert(0, str(root / "benchmarks"))
    import orders  # the checkout's own orders.py seeds its own schema

    orders.ROOT = root
    orders.prepare(env, 1)
    sys.path.pop(0)
    del sys.modules["orders"]


def environment(name: str, redis_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": ADMIN.rsplit("/", 1)[0] + f"/{name}",
        "REDIS_URL": redis_url,
        "FLASK_APP": "wsgi.py",
        "FLASK_SKIP_DOTENV": "1",
        "INSTANCE_PATH": tempfile.mkdtemp(prefix="skincare-bench-cpu-"),
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_REQUESTS": "100000",
        "RATE_LIMIT_GLOBAL": "100000 per minute",
        "SECRET_KEY": "bench",
        "JWT_SECRET": "bench-jwt-secret-that-is-long-enough-0123",
    }


def run(root: Path, env: dict, orders: int, profile: int) -> dict:
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("UPDATE products SET stock = 100000")  # no order of the run is refused
        if conn.execute("SELECT to_regclass('product_variants')").fetchone()[0] is not None:
            conn.execute("UPDATE product_variants SET stock = 100000")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(orders), str(profile), json.dumps(ADDRESS)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"the orders failed in {root}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's N costliest functions")
    parser.add_argument("--before", type=Path, help="another checkout, measured in turns")
    args = parser.parse_args()
    base, number = REDIS.rsplit("/", 1)
    checkouts = {"this": ROOT} if args.before is None else {"before": args.before.resolve(), "this": ROOT}
    envs = {
        label: environment(f"skincare_bench_cpu_{label}", f"{base}/{int(number) + i}")
        for i, label in enumerate(checkouts)
    }
    try:
        for label, root in checkouts.items():
            name = envs[label]["DATABASE_URL"].rsplit("/", 1)[1]
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {name}")
            prepare(root, envs[label])
        reference = machine_reference(envs["this"]["DATABASE_URL"])
        print(f"Machine reference: {reference}; load average {os.getloadavg()[0]:.1f}")
        medians: dict[str, list[float]] = {label: [] for label in checkouts}
        for round_ in range(args.rounds):
            for label, root in checkouts.items():
                result = run(root, envs[label], args.orders, args.profile)
                costs = sorted(c * 1000 for c in result["costs"])
                own = sorted(c * 1000 for c in result["own"])
                median, p95 = statistics.median(costs), costs[int(len(costs) * 0.95) - 1]
                medians[label].append(median)
                print(
                    f"round {round_ + 1}, {label} ({root}): CPU per order p50 {median:.2f} ms, p95 {p95:.2f} ms"
                    f" (the request's own thread: p50 {statistics.median(own):.2f} ms)"
                )
                if result["profile"]:
                    print(result["profile"])
        for label in checkouts:
            print(f"{label}: median of the rounds' p50 {statistics.median(medians[label]):.2f} ms CPU per order")
    finally:
        for env in envs.values():
            redis.Redis.from_url(env["REDIS_URL"]).flushdb()
            shutil.rmtree(env["INSTANCE_PATH"], ignore_errors=True)
            name = env["DATABASE_URL"].rsplit("/", 1)[1]
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
