"""Catalog and search at 100k products on PostgreSQL + Redis.

    .venv/bin/python benchmarks/catalog.py [--scale 100000] [--requests 300] [--seconds 10]
        [--keep] [--database skincare_bench_catalog_NAME] [--no-throughput]

Builds its own database (skincare_bench_catalog, or --database, dropped at the end unless
--keep), runs `flask db upgrade` and `flask seed --scale N --no-images` (which also counts
ratings and sales and builds the search documents), then VACUUM ANALYZE (what autovacuum does
after a bulk load). Works at any --scale (the product pages are sampled from pages that exist).
Uses Redis db 5 (BENCH_REDIS_URL), which must be empty, and empties it at the end.

Comparing two checkouts (e.g. before and after a change): run this script from each, each with
its own --database and --keep, in turns (a, b, a, b: a busy moment of the machine then hits
both), and drop the two databases afterwards.

1. Server time, in process (the Flask test client, whole request: routing, session, locale,
   queries, templates), p50/p95 over --requests requests each:
   - uncached listing: /shop and category pages (80% of them pages 1-5, 20% any page);
   - filtered listing: random filter combinations (category, skin type, concerns, price range,
     in stock, on sale) and sorts;
   - search: English, Khmer, misspelt and multi-word queries (/shop?q=);
   - cached product page: 200 product pages, rendered once, then served from the page cache.
2. Requests/s under gunicorn (gthread, 2 workers x 4 threads) with wrk (2 threads, 16
   connections, --seconds): the cached product page and a bare Flask hello-world app run the
   same way, measured in turns three times each (medians), the shop with fresh workers each
   time (see `throughput`). wrk sends the cookies the first
   response set (a returning anonymous visitor: the browser id and nothing else; no server-side
   session). For reference, the same page to first-time visitors (no cookies: a new browser id
   each time) is measured too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
NAME = "skincare_bench_catalog"
GOALS = {"uncached listing": 50.0, "filtered listing": 50.0, "search": 50.0, "cached product page": 5.0}
QUERIES = [
    "serum",
    "vitamin c serum",
    "hyaluronik",
    "niacinamide",
    "sunscreen spf",
    "rice toner",
    "moisturiser for dry skin",
    "acne",
    "សេរ៉ូម",
    "ក្រែម",
    "ស្បែក",
    "centella",
    "jasmine mist",
    "mekong dew",
    "retinol",
]
HELLO = 'from flask import Flask\napp = Flask(__name__)\n\n\n@app.get("/")\ndef hello():\n    return "Hello, World!"\n'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def prepare(env: dict, scale: int, root: Path = ROOT) -> None:
    """Migrate and seed with the code of the checkout `root`."""
    flask = str(Path(sys.executable).parent / "flask")
    subprocess.run([flask, "db", "upgrade"], cwd=root, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    result = subprocess.run(
        [flask, "seed", "--scale", str(scale), "--no-images"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith(("Scale data", "Catalog")):
            print("  " + line)
    print(f"  flask seed --scale {scale}: {time.perf_counter() - started:.1f} s")
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def machine_reference(dsn: str) -> str:
    """The same fixed work on any machine, for comparing runs made on different days: a pure
    Python loop and a PostgreSQL query that reads no table (the fastest of 9 each: anything else
    running only slows a run down). Figures from a machine where these take twice as long are
    not comparable with today's."""
    python, postgres = [], []
    with psycopg.connect(dsn) as conn:
        for _ in range(9):
            started = time.perf_counter()
            sum(i * i for i in range(1_000_000))
            python.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            conn.execute("SELECT sum(i) FROM generate_series(1, 2000000) AS i").fetchone()
            postgres.append((time.perf_counter() - started) * 1000)
    return f"python loop {min(python):.0f} ms, PostgreSQL generate_series {min(postgres):.0f} ms"


def bench_environment(database: str, redis_url: str, *, keep: bool, redis_variable: str) -> tuple[dict, bool]:
    """The shop's environment for a benchmark on `database` and `redis_url`, and whether a kept
    database is reused: exits unless the Redis db is empty; drops and creates the database
    unless `keep` and it exists. The limiter stays on (storefront pages skip it; the API counts
    in Redis), with a limit no benchmark's load hits."""
    if redis.Redis.from_url(redis_url).dbsize():
        sys.exit(f"{redis_url} is not empty; point {redis_variable} at an empty Redis db.")
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is not None
        if not (keep and exists):
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {database}")
    env = {
        **os.environ,
        "DATABASE_URL": ADMIN.rsplit("/", 1)[0] + f"/{database}",
        "REDIS_URL": redis_url,
        "FLASK_APP": "wsgi.py",
        "FLASK_SKIP_DOTENV": "1",
        "ENV": "development",
        "RATE_LIMIT_REQUESTS": "100000000",
    }
    return env, exists


def measure(client, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    return times


def build_app(env: dict):
    """The shop as gunicorn's workers build it (wsgi.py), with request log lines off in process
    (gunicorn below logs as in production)."""
    os.environ.update(env)
    from shop import create_server_app

    return create_server_app({"LOG_LEVEL": "WARNING"})


def plan(app, requests: int) -> dict[str, list[str]]:
    """The URLs measured, `requests` of each kind, drawn with a fixed seed: the same data gives
    the same plan. "product pages" are the pages rendered (and cached) before "cached product
    page" asks for them."""
    from shop.catalog import services as catalog
    from shop.catalog.vocab import SKIN_CONCERNS

    rng = random.Random(7)
    with app.app_context():
        tree = catalog.category_tree()
        leaves = [c.slug for c in tree.categories if not tree.children(c)]
        parents = [c.slug for c in tree.roots]
        pages = {None: catalog.list_products().pages}
        for category in tree.categories:
            pages[category.slug] = catalog.list_products(catalog.ProductFilters(category=category), tree=tree).pages
        results = {q: catalog.list_products(catalog.ProductFilters(query=q), tree=tree).pages for q in QUERIES}
        slugs = sample_slugs(catalog, rng)
    listing = []
    for _ in range(requests):
        slug = rng.choice([None, rng.choice(leaves), rng.choice(parents)])
        path = "/shop" if slug is None else f"/categories/{slug}"
        listing.append(f"{path}?page={_page(rng, pages[slug])}")
    filtered = []
    for _ in range(requests):
        args = {"sort": rng.choice(["newest", "price_asc", "price_desc", "rating", "best_selling"])}
        if rng.random() < 0.6:
            args["category"] = rng.choice(leaves + parents)
        if rng.random() < 0.6:
            args["skin_type"] = rng.choice(["oily", "dry", "combination", "sensitive", "normal"])
        if rng.random() < 0.5:
            args["concern"] = rng.choice(SKIN_CONCERNS)
        if rng.random() < 0.5:
            low = rng.randint(0, 40)
            args["min_price"], args["max_price"] = low, low + rng.randint(5, 30)
        if rng.random() < 0.5:
            args["in_stock"] = 1
        if rng.random() < 0.3:
            args["on_sale"] = 1
        filtered.append("/shop?" + "&".join(f"{k}={v}" for k, v in args.items()))
    search = []
    for _ in range(requests):
        query = rng.choice(QUERIES)
        # 30% name a page, 1-3 (of those the query has)
        page = f"&page={rng.randint(1, min(3, results[query]))}" if rng.random() < 0.3 else ""
        search.append(f"/shop?q={query}{page}")
    product_urls = [f"/products/{slug}" for slug in slugs]
    return {
        "uncached listing": listing,
        "filtered listing": filtered,
        "search": search,
        "product pages": product_urls,
        "cached product page": [rng.choice(product_urls) for _ in range(requests)],
    }


LISTINGS = ("uncached listing", "filtered listing", "search")


def server_times(env: dict, requests: int) -> tuple[dict[str, list[float]], dict[str, list[float]], list[str]]:
    app = build_app(env)
    urls = plan(app, requests)
    client = app.test_client()
    for name in LISTINGS:  # warm the connection pool and caches
        measure(client, urls[name][:20])
    results = {name: measure(client, urls[name]) for name in LISTINGS}
    measure(client, urls["product pages"])  # render and cache each page once
    results["cached product page"] = measure(client, urls["cached product page"])
    services = {name: service_times(app, urls[name]) for name in LISTINGS}
    return results, services, urls["product pages"]


def sample_slugs(catalog, rng: random.Random, count: int = 200) -> list[str]:
    """`count` products for the product pages: a random page of the newest-first listing, among
    the pages that exist at this scale (the first 400 at most, as before: the same sample at 100k)."""
    first = catalog.list_products(per_page=count)
    page = rng.randint(1, min(400, first.pages))
    chosen = catalog.list_products(page=page, per_page=count).items if page > 1 else first.items
    return [p.slug for p in chosen or first.items]


def service_times(app, urls: list[str]) -> list[float]:
    """The catalog service's part of the same requests (the queries), without the page around it."""
    from shop.catalog import services as catalog
    from shop.extensions import db
    from storefront.catalog_views import _listing_args

    times = []
    with app.app_context():
        tree = catalog.category_tree()
        for url in urls:
            path = url.split("?")[0]
            category = tree.by_slug[path.rsplit("/", 1)[1]] if path.startswith("/categories/") else None
            with app.test_request_context(url):
                args = _listing_args(tree, category=category, skin_type=None)
            started = time.perf_counter()
            catalog.list_products(args.filters, sort=args.sort, page=args.page, tree=tree)
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
    return times


def _page(rng: random.Random, pages: int) -> int:
    """Shoppers mostly read the first pages: 80% of requests go to pages 1-5, 20% anywhere."""
    return rng.randint(1, min(5, pages)) if rng.random() < 0.8 else rng.randint(1, pages)


def wrk(url: str, seconds: int, cookie: str | None = None) -> float:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError("wrk saw errors:\n" + output)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def gunicorn(app: str, env: dict, cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--worker-class",
            "gthread",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            app,
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stop() kills the workers too
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    return process, base


def workers(master: int) -> list[int]:
    """The pids of a gunicorn arbiter's workers (its children), from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pids: list[int]) -> float:
    """The CPU time (user + system) these processes have used so far; one gone counts nothing."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def stop(server: subprocess.Popen) -> None:
    """Stop a gunicorn and its workers; workers still writing their analytics buffer out after
    10 s are killed (they would eat the CPU of the next measurement)."""
    server.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(10)


def throughput(env: dict, product_url: str, seconds: int, rounds: int = 3) -> dict[str, float]:
    """Requests/s of the cached product page and of hello-world, measured in turns, `rounds`
    times each, so that a busy moment of the machine hits both; the medians are kept. First
    visits are measured once, for reference.

    Each run of the shop gets fresh workers. Its analytics go to mongomock, which runs the
    database inside the workers, without real indexes: every write scans the events stored so
    far, so a worker slows down as they pile up (first visits fell from 2,800 requests/s to 150
    after a minute of other runs). A MongoDB server does that work elsewhere. Fresh workers keep
    each run from paying for the runs before it; within a run mongomock's cost still counts.
    """
    folder = Path(tempfile.mkdtemp())
    (folder / "hello.py").write_text(HELLO)
    hello, hello_base = gunicorn("hello:app", {**os.environ, "PYTHONPATH": str(folder)}, folder)
    runs: dict[str, list[float]] = {"cached product page": [], "hello": [], "first visit": []}

    def shop_run(*, returning: bool) -> float:
        shop, base = gunicorn("wsgi:app", env, ROOT)
        try:
            with urllib.request.urlopen(base + product_url, timeout=10) as response:  # render, cache, cookies
                cookie = "; ".join(value.split(";", 1)[0] for value in response.headers.get_all("Set-Cookie"))
            cookie = cookie if returning else None
            wrk(base + product_url, 2, cookie)  # warm the workers
            return wrk(base + product_url, seconds, cookie)
        finally:
            stop(shop)

    try:
        wrk(hello_base + "/", 2)
        for _ in range(rounds):
            runs["cached product page"].append(shop_run(returning=True))
            runs["hello"].append(wrk(hello_base + "/", seconds))
        runs["first visit"].append(shop_run(returning=False))
    finally:
        stop(hello)
        shutil.rmtree(folder)
    for name, values in runs.items():
        print(f"  {name:20} " + "  ".join(f"{v:7.0f}" for v in values) + " req/s")
    return {name: statistics.median(values) for name, values in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse a kept one)")
    parser.add_argument(
        "--database",
        default=NAME,
        help=f"the database to create (default {NAME}; its name must start with {NAME}): one per"
        " checkout when two are compared in turns with --keep",
    )
    parser.add_argument("--no-throughput", action="store_true", help="the in-process figures only (no gunicorn, wrk)")
    options = parser.parse_args()
    database = options.database
    if not re.fullmatch(rf"{NAME}\w*", database):
        sys.exit(f"--database must start with {NAME} (the benchmark drops what it names)")
    store = redis.Redis.from_url(REDIS)
    env, exists = bench_environment(database, REDIS, keep=options.keep, redis_variable="BENCH_REDIS_URL")
    try:
        if not (options.keep and exists):
            print(f"Preparing {options.scale} products on PostgreSQL ({database})...")
            prepare(env, options.scale)
        print(f"Machine reference: {machine_reference(env['DATABASE_URL'])}")
        print(f"Server time, in process, {options.requests} requests each (ms):")
        results, services, product_urls = server_times(env, options.requests)
        ok = True
        for name, times in results.items():
            p95 = percentile(times, 95)
            passed = p95 <= GOALS[name]
            ok &= passed
            print(
                f"  {name:20s} p50 {statistics.median(times):6.1f}  p95 {p95:6.1f}  max {max(times):6.1f}"
                f"   goal p95 <= {GOALS[name]:g}  {'ok' if passed else 'MISSED'}"
            )
            if name in services:
                queries = services[name]
                print(
                    f"    of which the catalog service (queries): p50 {statistics.median(queries):6.1f}"
                    f"  p95 {percentile(queries, 95):6.1f}"
                )
        if options.no_throughput:
            print("All in-process goals met." if ok else "Some goals were missed (see above).")
            return
        if shutil.which("wrk") is None:
            print("wrk is not installed (apt-get install -y wrk): requests/s skipped.")
            return
        print(
            f"gunicorn gthread 2x4, wrk -t2 -c16 -d{options.seconds}s, in turns"
            " (a returning anonymous visitor's cookies):"
        )
        rps = throughput(env, product_urls[0], options.seconds)
        ratio = rps["cached product page"] / rps["hello"]
        ok &= ratio >= 0.5
        print(f"  medians: cached product page {rps['cached product page']:.0f} req/s, hello-world {rps['hello']:.0f}")
        print(f"  ratio {ratio:.2f}   goal >= 0.50  {'ok' if ratio >= 0.5 else 'MISSED'}")
        print(
            f"  for reference, the same page to first-time visitors (no cookies): "
            f"{rps['first visit']:.0f} req/s ({rps['first visit'] / rps['hello']:.2f} of hello-world)"
        )
        print("All goals met." if ok else "Some goals were missed (see above).")
    finally:
        store.flushdb()
        if not options.keep:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


if __name__ == "__main__":
    main()
