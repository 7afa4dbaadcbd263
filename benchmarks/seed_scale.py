"""How long `flask seed --scale N` takes on PostgreSQL (default N = 100000), and with `--measure`
what the shop does with that many products.

.venv/bin/python benchmarks/seed_scale.py [N] [--measure] [--requests 200] [--keep] [--reuse]

Prints the seed's own lines (scale data, catalog recount), its wall time and the seeding
process's peak RSS, and the machine reference (benchmarks/catalog.py) with the load average
before and after, since the machine is shared.

`--measure` then, on the seeded database:
1. server time in process (whole request, the Flask test client) of uncached listings, filtered
   listings and searches, p50/p95 (the requests of benchmarks/catalog.py);
2. the sitemap under gunicorn (the index, the first and the last products file): time, size,
   and that the last file is no slower than the first (keyset paging, not OFFSET);
3. the RSS of each gunicorn worker (gthread 2 x 4) after serving --requests of those pages.

Uses its own database (skincare_bench_seed, dropped at the end unless --keep or --reuse) and, for
`--measure`, Redis db 7 (BENCH_SEED_REDIS_URL), which must be empty.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import redis

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
from catalog import gunicorn, machine_reference, percentile, server_times, stop  # noqa: E402

ADMIN = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_SEED_REDIS_URL", "redis://127.0.0.1:6379/7")
NAME = "skincare_bench_seed"
SEED_GOALS = {100_000: 120.0, 1_000_000: 900.0}  # seconds
PAGE_GOAL = 50.0  # ms, p95 of listings, filtered listings and searches
WORKER_GOAL = 400  # MB of RSS per worker


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def seed(env: dict, scale: int) -> None:
    flask = str(Path(sys.executable).parent / "flask")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    print(f"Before: {load()}; {machine_reference(env['DATABASE_URL'])}")
    started = time.perf_counter()
    result = subprocess.run(
        [flask, "seed", "--scale", str(scale), "--no-images"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child: the seed
    for line in result.stdout.splitlines():
        if line.startswith(("Demo data", "Scale data", "Catalog", "Done", "  ")):
            print("  " + line)
    goal = SEED_GOALS.get(scale)
    verdict = f", goal < {goal:.0f} s: {'met' if elapsed < goal else 'missed'}" if goal else ""
    print(f"flask seed --scale {scale}: {elapsed:.1f} s wall ({scale / elapsed:,.0f} products/s){verdict}")
    print(f"  peak RSS of the seeding process: {peak:.0f} MB")
    print(f"After: {load()}")


def in_process(env: dict, requests: int) -> bool:
    print(f"Server time in process, {requests} requests each (ms):")
    results, services, _ = server_times(env, requests)
    ok = True
    for name in ("uncached listing", "filtered listing", "search"):
        times = results[name]
        p95 = percentile(times, 95)
        ok &= p95 <= PAGE_GOAL
        print(
            f"  {name:17} p50 {statistics.median(times):6.1f}  p95 {p95:6.1f}  max {max(times):6.1f}"
            f"  (queries p95 {percentile(services[name], 95):6.1f})  goal p95 <= {PAGE_GOAL:g}"
        )
    return ok


def fetch(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        size = len(response.read())
    return (time.perf_counter() - started) * 1000, size


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def served(env: dict, requests: int) -> bool:
    from catalog import QUERIES

    # The embedded server trains the recommendations at its first start when no model exists, in
    # a worker: at a million products that training alone holds 5 GB (it reads every product's
    # text). Here the store says a model exists (as the nightly training leaves it), so the
    # workers' memory is what serving takes.
    Path(env["ANALYTICS_FILE"]).write_text(
        '{"version": 1, "collections": {"product_similarities": [{"product_id": 0, "similar": []}]}}'
    )
    server, base = gunicorn("wsgi:app", env, ROOT)
    try:
        index_ms, index_size = fetch(base + "/sitemap.xml")
        with urllib.request.urlopen(base + "/sitemap.xml") as response:
            files = response.read().decode().count("/sitemaps/products-")
        first_ms, first_size = fetch(f"{base}/sitemaps/products-1.xml")
        last_ms, last_size = fetch(f"{base}/sitemaps/products-{files}.xml")
        last_again, _ = fetch(f"{base}/sitemaps/products-{files}.xml")
        print(
            f"Sitemap: index {index_ms:.0f} ms ({files} product files, {index_size / 1024:.0f} KB); "
            f"products-1 {first_ms:.0f} ms ({first_size / 1e6:.1f} MB), "
            f"products-{files} {last_ms:.0f} / {last_again:.0f} ms ({last_size / 1e6:.1f} MB)"
        )
        rng = random.Random(11)
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            slugs = [
                r[0]
                for r in conn.execute("SELECT slug FROM products WHERE status = 'active' ORDER BY random() LIMIT 200")
            ]
        urls = []
        for _ in range(requests):
            urls.append(
                rng.choice(
                    [
                        f"/shop?page={rng.randint(1, 50)}",
                        f"/shop?q={urllib.parse.quote(rng.choice(QUERIES))}",
                        f"/shop?skin_type=oily&in_stock=1&sort=price_asc&page={rng.randint(1, 5)}",
                        f"/products/{rng.choice(slugs)}",
                    ]
                )
            )
        started = time.perf_counter()
        for url in urls:
            urllib.request.urlopen(base + url, timeout=60).read()
        elapsed = time.perf_counter() - started
        workers = [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
        sizes = [rss_mb(pid) for pid in workers]
        worst = max(sizes)
        print(
            f"gunicorn workers after {requests} pages ({elapsed:.0f} s) and the sitemap files: RSS "
            + ", ".join(f"{size:.0f} MB" for size in sizes)
            + f"; goal <= {WORKER_GOAL} MB: {'met' if worst <= WORKER_GOAL else 'missed'}"
        )
        return worst <= WORKER_GOAL and last_ms <= max(3 * first_ms, first_ms + 200)
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scale", nargs="?", type=int, default=100_000)
    parser.add_argument("--measure", action="store_true", help="then listings, sitemap and worker RSS")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help=f"leave {NAME} in place")
    parser.add_argument("--reuse", action="store_true", help=f"measure the {NAME} a --keep run left (no seed)")
    options = parser.parse_args()
    if not options.reuse:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {NAME}")
    env = {
        **os.environ,
        "DATABASE_URL": ADMIN.rsplit("/", 1)[0] + f"/{NAME}",
        "FLASK_APP": "wsgi.py",
        "FLASK_SKIP_DOTENV": "1",
        "LOG_LEVEL": "WARNING",
        "ANALYTICS_FILE": str(Path(tempfile.mkdtemp()) / "analytics.json"),  # not the checkout's
    }
    store = None
    try:
        if not options.reuse:
            seed(env, options.scale)
        if options.measure:
            store = redis.Redis.from_url(REDIS)
            if store.dbsize():
                sys.exit(f"{REDIS} is not empty; point BENCH_SEED_REDIS_URL at an empty Redis db.")
            env |= {"REDIS_URL": REDIS, "RATE_LIMIT_REQUESTS": "100000000"}
            ok = in_process(env, options.requests)
            store.flushdb()
            ok &= served(env, options.requests)
            print(f"{load()}")
            print("All goals met." if ok else "Some goals were missed (see above).")
    finally:
        if store is not None:
            store.flushdb()
        if not options.keep and not options.reuse:  # a database measured again is never dropped
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
