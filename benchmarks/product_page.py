"""The product page for a signed-in shopper, at 100k products on PostgreSQL + Redis.

    .venv/bin/python benchmarks/product_page.py [--scale 100000] [--rounds 3] [--seconds 10]
        [--requests 300] [--before PATH] [--keep] [--database NAME]

Builds its own database (--database, default skincare_bench_product_page; dropped at the end
unless --keep) the way
benchmarks/catalog.py does (`flask db upgrade`, `flask seed --scale N --no-images`, VACUUM
ANALYZE). Uses Redis db 3 (BENCH_PRODUCT_REDIS_URL), which must be empty, and empties it at the
end. Prints the machine reference first (benchmarks/catalog.py's).

Each measurement gets a fresh gunicorn (gunicorn.conf.py, gthread 2 workers x 4 threads, as
benchmarks/catalog.py starts it; ANALYTICS_FILE empty: no embedded store to own, no first
training) that a demo customer signs in to over HTTP; then, with that shopper's cookies:

1. one request at a time: --requests requests of the product page, p50/p95 (ms, client side);
2. requests/s with wrk (2 threads, 16 connections, --seconds);
3. for reference, the first request of 100 other products (each drawn then, not kept yet): p50.

`--before PATH` serves another checkout too (a detached worktree of the code before a change,
with `.venv` linked), on the same database and Redis: before and after take turns, --rounds
times each, and the medians are printed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg
import redis

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from catalog import ADMIN, bench_environment, gunicorn, machine_reference, percentile, prepare, stop, wrk  # noqa: E402

REDIS = os.environ.get("BENCH_PRODUCT_REDIS_URL", "redis://127.0.0.1:6379/3")
NAME = "skincare_bench_product_page"
SHOPPER = ("dara.kim@example.com", "ShopCustomer!2026")  # a demo customer who reads English
# The goals of issue #20, against the code before it.
SPEEDUP_GOAL = 3.0
P50_GOAL = 8.0


class Browser:
    """One keep-alive connection with a cookie jar: a shopper's browser, as far as we need one."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie_header(), "Accept-Encoding": "identity"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
            # The server closes a connection idle for its keep-alive (10 s, gunicorn.conf.py),
            # as it is while wrk runs: a browser opens a new one.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def sign_in(self, email: str, password: str) -> None:
        status, page = self.request("GET", "/account/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
        status, _ = self.request("POST", "/account/login", form)
        if status != 302:
            raise RuntimeError(f"sign-in answered {status}")

    def timed(self, path: str) -> float:
        started = time.perf_counter()
        status, page = self.request("GET", path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200 or "Sign out" not in page:
            raise RuntimeError(f"{path}: {status}, signed in: {'Sign out' in page}")
        return elapsed


def pick_products(dsn: str) -> tuple[str, list[str]]:
    """The measured product (sold in two sizes, with reviews and a category of thousands) and
    100 others for first requests."""
    with psycopg.connect(dsn) as conn:
        slug = conn.execute(
            "SELECT p.slug FROM products p WHERE p.status = 'active' AND p.rating_count > 0"
            " AND (SELECT count(*) FROM product_variants v WHERE v.product_id = p.id AND v.archived_at IS NULL) > 1"
            " ORDER BY p.rating_count DESC, p.id LIMIT 1"
        ).fetchone()[0]
        others = [
            row[0]
            for row in conn.execute(
                "SELECT slug FROM products WHERE status = 'active' AND slug <> %s ORDER BY id DESC LIMIT 100", (slug,)
            )
        ]
    return slug, others


def measure(root: Path, env: dict, url: str, others: list[str], requests: int, seconds: int) -> dict[str, float]:
    server, base = gunicorn("wsgi:app", env, root)
    try:
        browser = Browser(base)
        browser.sign_in(*SHOPPER)
        browser.timed(url)  # drawn (and kept, where the code keeps anything)
        wrk(base + url, 2, browser.cookie_header())  # warm both workers
        times = [browser.timed(url) for _ in range(requests)]
        rps = wrk(base + url, seconds, browser.cookie_header())
        first = [browser.timed(f"/products/{slug}") for slug in others]
        return {
            "p50": statistics.median(times),
            "p95": percentile(times, 95),
            "rps": rps,
            "first p50": statistics.median(first),
        }
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--before", type=Path, help="another checkout to serve in turns (the code before)")
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse a kept one)")
    parser.add_argument("--database", default=NAME, help="the benchmark database's name")
    options = parser.parse_args()
    name = options.database
    store = redis.Redis.from_url(REDIS)
    env, exists = bench_environment(name, REDIS, keep=options.keep, redis_variable="BENCH_PRODUCT_REDIS_URL")
    env["ANALYTICS_FILE"] = ""  # each worker its own in-process store: none to own, none trained at start
    checkouts = {"after": ROOT}
    if options.before:
        checkouts = {"before": options.before.resolve(), "after": ROOT}
    try:
        if not (options.keep and exists):
            print(f"Preparing {options.scale} products on PostgreSQL ({name})...")
            prepare(env, options.scale)
        print(f"Machine reference: {machine_reference(env['DATABASE_URL'])}")
        slug, others = pick_products(env["DATABASE_URL"])
        url = f"/products/{slug}"
        print(
            f"Signed-in product page {url}, gunicorn gthread 2x4 (gunicorn.conf.py), one request at a time"
            f" x{options.requests}, then wrk -t2 -c16 -d{options.seconds}s; {options.rounds} rounds in turns:"
        )
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
        for round_number in range(1, options.rounds + 1):
            for name, root in checkouts.items():
                result = measure(root, env, url, others, options.requests, options.seconds)
                runs[name].append(result)
                print(
                    f"  round {round_number} {name:6}  p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms"
                    f"  {result['rps']:7.1f} req/s   first request of other products p50 {result['first p50']:6.1f} ms"
                )
        medians = {
            name: {key: statistics.median(r[key] for r in results) for key in results[0]}
            for name, results in runs.items()
        }
        for name, figures in medians.items():
            print(
                f"  median {name:6}  p50 {figures['p50']:6.1f} ms  p95 {figures['p95']:6.1f} ms"
                f"  {figures['rps']:7.1f} req/s   first request p50 {figures['first p50']:6.1f} ms"
            )
        after = medians["after"]
        ok = after["p50"] <= P50_GOAL
        print(f"  p50 {after['p50']:.1f} ms   goal <= {P50_GOAL:g}  {'ok' if ok else 'MISSED'}")
        if "before" in medians:
            speedup = after["rps"] / medians["before"]["rps"]
            ok &= speedup >= SPEEDUP_GOAL
            verdict = "ok" if speedup >= SPEEDUP_GOAL else "MISSED"
            print(f"  x{speedup:.1f} requests/s   goal >= x{SPEEDUP_GOAL:g}  {verdict}")
        print("All goals met." if ok else "Some goals were missed (see above).")
    finally:
        store.flushdb()
        if not options.keep:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
