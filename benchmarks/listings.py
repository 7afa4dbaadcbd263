"""Listings and search for a signed-in shopper, in process and over HTTP under gunicorn.

    .venv/bin/python benchmarks/listings.py [--scale 100000] [--before PATH] [--rounds 3]
        [--seconds 10] [--requests 300] [--keep] [--analytics-off] [--database NAME]

Builds its own database (--database, default skincare_bench_listings_<scale>, dropped at the end unless --keep;
a kept one is reused) with `flask db upgrade`, `flask seed --scale N --no-images` and VACUUM
ANALYZE. The shopper is the first demo customer, signed in with the demo password, with two
lines in their cart and three saved products (on the first page of the largest category).
Redis db 8 (BENCH_REDIS_URL) must be empty; it is emptied before every run and at the end.

Every round measures each checkout in turn (this one, and with --before PATH another one, e.g.
a detached worktree of main), so that a busy moment of a shared machine hits both; the medians
of the rounds are printed. Each run starts from an empty Redis and a fresh process.

1. In process (the Flask test client, the whole request; `create_server_app` as gunicorn's
   worker builds it), signed in, --requests requests each, p50/p95/max:
   - listing: the largest category, other categories and /shop, 80% of them pages 1-5, 20% any
     page (so some are asked for the first time, some again, as in a shop);
   - search: English, Khmer, misspelt and multi-word queries, 30% of them pages 2-3.
   And where a request's time goes: each named part of the work (the session, the user, the
   category, the listing's queries, the cards' products, the cart badge, the hearts, analytics,
   the access log, rendering), timed around the functions that do it, as a mean per request.
2. Over HTTP, gunicorn as `make serve` runs it (gunicorn.conf.py: one worker, 8 threads, the
   in-process analytics store on), the shopper's cookies, a browser's Accept-Encoding:
   - one request at a time: pages 1-20 of the largest category, /shop pages 1-20 and ten
     searches, each the first time and again, p50/p95;
   - wrk -t2 -c16 for --seconds: the largest category's pages 1-20 in turn, /shop pages 1-20,
     the searches in turn, and (for reference) the category's pages to an anonymous visitor.
   The analytics store starts holding a one-document model, so the server's first training
   (minutes in mongomock at 10,000 products) does not run during the measurement.
   --analytics-off adds a run of this checkout with ANALYTICS_ENABLED=false.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
ADMIN = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
PASSWORD = "ShopCustomer!2026"  # shop.demo.seed.DEMO_PASSWORDS["customer"]
ACCEPT_ENCODING = "gzip, deflate, br, zstd"  # what Chromium sends
GOAL_P95 = 25.0
QUERIES = [
    "serum",
    "vitamin c serum",
    "hyaluronik",
    "niacinamide",
    "sunscreen spf",
    "moisturiser for dry skin",
    "acne",
    "សេរ៉ូម",
    "ក្រែម",
    "retinol",
]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

sys.path.insert(0, str(ROOT / "benchmarks"))
from catalog import (  # noqa: E402  (one copy of each)
    bench_environment,
    free_port,
    machine_reference,
    percentile,
    prepare,
)

# ---------------------------------------------------------------- preparing


def shopper_and_plan(env: dict) -> dict:
    """The shopper (cart and wishlist set up) and the URLs to ask for, chosen once for every run."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from shop import create_app
    from shop.accounts.models import User, UserRole
    from shop.cart import services as cart
    from shop.catalog import services as catalog
    from shop.extensions import db
    from shop.wishlist import services as wishlist

    app = create_app({"LOG_LEVEL": "WARNING"})
    rng = random.Random(7)
    with app.app_context():
        import sqlalchemy as sa

        user = db.session.scalar(
            sa.select(User).where(User.role == UserRole.CUSTOMER, User.is_active).order_by(User.email).limit(1)
        )
        tree = catalog.category_tree()
        pages = {None: catalog.list_products().pages}
        totals = {}
        for category in tree.categories:
            found = catalog.list_products(catalog.ProductFilters(category=category), tree=tree)
            pages[category.slug], totals[category.slug] = found.pages, found.total
        # By products, not pages: every listing offers at most listed_pages() pages.
        largest = max((c for c in tree.categories), key=lambda c: totals[c.slug])
        first = catalog.list_products(catalog.ProductFilters(category=largest), tree=tree).items
        owner = cart.Owner(user_id=user.id)
        cart.clear(owner)
        for product in [p for p in first[3:] if p.is_in_stock][:2]:
            cart.add_item(owner, product.id, 1, any_in_stock=True)
        wishlist.clear(user.id)
        for product in first[:3]:
            wishlist.add(user.id, product.id)
        email, slug = user.email, largest.slug
        largest_total = catalog.list_products(catalog.ProductFilters(category=largest), tree=tree).total
        slugs = [c.slug for c in tree.categories]
    listing = []
    for _ in range(1000):
        chosen = rng.choice([None, slug, rng.choice(slugs)])
        count = pages[chosen]
        page = rng.randint(1, min(5, count)) if rng.random() < 0.8 else rng.randint(1, count)
        listing.append(("/shop" if chosen is None else f"/categories/{chosen}") + f"?page={page}")
    search = [
        "/shop?"
        + urllib.parse.urlencode(
            {"q": rng.choice(QUERIES), **({"page": rng.randint(2, 3)} if rng.random() < 0.3 else {})}
        )
        for _ in range(1000)
    ]
    return {
        "email": email,
        "category": slug,
        "category_total": largest_total,
        "listing": listing,
        "search": search,
    }


def placeholder_model(path: Path) -> None:
    """An analytics file holding one similarity document: the embedded server then counts as
    trained and does not start its first training (shop.recommendations.jobs.train_if_untrained)."""
    from datetime import UTC, datetime, timedelta

    from bson import json_util

    now = datetime.now(UTC)
    document = {
        "product_id": 1,
        "recommendation_type": "content_based",
        "similar_products": [{"product_id": 2, "score": 0.5}],
        "model_version": "benchmark-placeholder",
        "created_at": now,
        "expires_at": now + timedelta(days=3650),
    }
    data = {"version": 1, "collections": {"product_similarities": [document]}}
    path.write_text(json_util.dumps(data, json_options=json_util.CANONICAL_JSON_OPTIONS))


# ---------------------------------------------------------------- in process

# (module, attribute, what it does): wrapped with a timer in the measured process. A part that a
# checkout does not have (a function it does not call) is simply absent from its figures.
PARTS = [
    ("shop.infra.sessions", "OutageAwareSessions.open_session", "session: read from Redis"),
    ("shop.infra.sessions", "OutageAwareSessions.save_session", "session: write back"),
    ("flask_login.login_manager", "LoginManager._load_user", "user: loaded"),
    ("shop.catalog.services", "get_category", "category: by slug (query)"),
    ("shop.catalog.services", "category_tree", "category tree (query)"),
    ("shop.catalog.listing_cache", "category_tree", "category tree (kept)"),
    ("shop.catalog.services", "current_generation", "catalog generation (Redis)"),
    ("shop.catalog.services", "list_products", "listing: list_products (ids, count, products)"),
    ("shop.catalog.services", "listing_ids", "listing: ids, count (queries)"),
    ("shop.catalog.services", "products_by_ids", "listing: the page's products (query)"),
    ("shop.catalog.services", "ListingIds.rows", "listing: the page's products (query)"),
    ("shop.cart.services", "count", "cart badge"),
    ("shop.wishlist.services", "product_ids", "hearts: saved ids"),
    ("storefront.cards", "_draw", "cards: drawn (first time)"),
    ("storefront.tracking", "record_page_view", "analytics: page view"),
    ("storefront.tracking", "search", "analytics: search"),
    ("shop.infra.request_log", "log_access", "access log line"),
    ("storefront.catalog_views", "render", "rendering the page (cards, badge, hearts included)"),
    ("storefront.listing_pages", "content", "the content: kept, cards filled (drawn if new)"),
    ("storefront.catalog_views", "render_template", "rendering header and footer (badge included)"),
]


def _wrap_parts(totals: dict[str, float]) -> None:
    import functools
    import importlib

    for module_name, attribute, label in PARTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        owner: object = module
        *path, name = attribute.split(".")
        for step in path:
            owner = getattr(owner, step, None)
        original = getattr(owner, name, None) if owner is not None else None
        if original is None:
            continue

        def timed(*args, _original=original, _label=label, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_label] = totals.get(_label, 0.0) + time.perf_counter() - started

        setattr(owner, name, functools.wraps(original)(timed))


def in_process(root: Path, plan_file: Path, requests: int, breakdown: bool) -> None:
    """Run in a subprocess with `root` first on the path: prints one JSON line."""
    sys.path.insert(0, str(root))
    os.chdir(root)
    plan = json.loads(plan_file.read_text())
    from shop import create_server_app

    app = create_server_app({"LOG_LEVEL": "WARNING"})
    totals: dict[str, float] = {}
    if breakdown:
        _wrap_parts(totals)
    client = app.test_client()
    login = client.get("/account/login")
    token = CSRF.search(login.text).group(1)
    signed_in = client.post("/account/login", data={"email": plan["email"], "password": PASSWORD, "csrf_token": token})
    if signed_in.status_code != 302:
        raise RuntimeError(f"sign-in: {signed_in.status_code}")
    out: dict[str, dict] = {}
    for name in ("listing", "search"):
        urls = plan[name][:requests]
        for url in plan[name][-20:]:  # warm the connection pool (other URLs than those measured)
            client.get(url)
        totals.clear()
        times = []
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
        out[name] = {
            "p50": statistics.median(times),
            "p95": percentile(times, 95),
            "max": max(times),
            "parts": {label: seconds * 1000 / len(urls) for label, seconds in totals.items()},
            "mean": sum(times) / len(times),
        }
    print(json.dumps(out))


def run_in_process(root: Path, env: dict, plan_file: Path, requests: int) -> dict:
    instance = Path(tempfile.mkdtemp())
    settings = {**env, "INSTANCE_PATH": str(instance), "ANALYTICS_FILE": str(instance / "analytics.json")}
    try:
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--in-process",
                str(root),
                "--plan",
                str(plan_file),
                "--requests",
                str(requests),
            ],
            env=settings,
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- over HTTP


class Browser:
    """One keep-alive connection with the cookies a browser would keep."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Accept-Encoding": ACCEPT_ENCODING if body is None else "identity"}
        if self.cookies:
            headers["Cookie"] = self.cookie
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        text = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def sign_in(self, email: str) -> None:
        self.connection.request("GET", "/account/login", headers={"Accept-Encoding": "identity"})
        response = self.connection.getresponse()
        page = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        token = CSRF.search(page).group(1)
        status, _ = self.request("POST", "/account/login", {"email": email, "password": PASSWORD, "csrf_token": token})
        if status != 302 or "session" not in self.cookies:
            raise RuntimeError(f"sign-in over HTTP: {status}")

    def timed(self, paths: list[str]) -> list[float]:
        times = []
        for path in paths:
            started = time.perf_counter()
            status, _ = self.request("GET", path)
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{path}: {status}")
        return times


def gunicorn(root: Path, env: dict) -> tuple[subprocess.Popen, str, Path]:
    """`make serve`'s gunicorn (gunicorn.conf.py) on a free port, its logs in a file."""
    port = free_port()
    instance = Path(tempfile.mkdtemp())
    placeholder_model(instance / "analytics.json")
    settings = {**env, "INSTANCE_PATH": str(instance), "ANALYTICS_FILE": str(instance / "analytics.json")}
    log = open(instance / "server.log", "wb")  # noqa: SIM115 (the server writes it until stop())
    process = subprocess.Popen(
        [str(root / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=root,
        env=settings,
        stdout=log,
        stderr=log,
        start_new_session=True,  # its own process group: stop() ends the worker too
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health/live")
            connection.getresponse().read()
            break
        time.sleep(0.1)
    wait_idle(process.pid)
    return process, base, instance


def _cpu_seconds(pid: int) -> float:
    """CPU time of `pid`'s process group so far (its worker included), from /proc."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # pgrp
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wait_idle(pid: int, limit: float = 60.0) -> None:
    """Until the server has used less than 5% of a core for a second (start-up work done)."""
    deadline = time.monotonic() + limit
    last = _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _cpu_seconds(pid)
        if now - last < 0.05:
            return
        last = now


def stop(process: subprocess.Popen, instance: Path) -> None:
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    shutil.rmtree(instance, ignore_errors=True)


def wrk(base: str, paths: list[str], seconds: int, cookie: str | None) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            "local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
            "local i = 0\n"
            "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
        )
    command = [
        "wrk",
        "-t2",
        "-c16",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        script.name,
        "-H",
        f"Accept-Encoding: {ACCEPT_ENCODING}",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    try:
        output = subprocess.run([*command, base], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(script.name)
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError("wrk saw errors:\n" + output)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def run_http(root: Path, env: dict, plan: dict, seconds: int) -> dict:
    store = redis.Redis.from_url(REDIS)
    store.flushdb()
    process, base, instance = gunicorn(root, env)
    out: dict[str, float] = {}
    try:
        shopper = Browser(base)
        shopper.sign_in(plan["email"])
        category = [f"/categories/{plan['category']}?page={n}" for n in range(1, 21)]
        shop = [f"/shop?page={n}" for n in range(1, 21)]
        searches = ["/shop?" + urllib.parse.urlencode({"q": q}) for q in QUERIES]
        for name, paths in (("category", category), ("shop", shop), ("search", searches)):
            for when in ("first", "again"):
                times = shopper.timed(paths)
                out[f"{name} {when} p50"] = statistics.median(times)
                out[f"{name} {when} p95"] = percentile(times, 95)
        cookie = shopper.cookie
        wrk(base, category, 2, cookie)  # warm the threads
        out["wrk category"] = wrk(base, category, seconds, cookie)
        out["wrk shop"] = wrk(base, shop, seconds, cookie)
        out["wrk search"] = wrk(base, searches, seconds, cookie)
        out["wrk category anonymous"] = wrk(base, category, seconds, None)
    finally:
        stop(process, instance)
        store.flushdb()
    return out


# ---------------------------------------------------------------- report


def report(runs: dict[str, list[dict]], title: str, keys: list[str], unit: str) -> None:
    names = list(runs)
    print(f"{title} (median of {len(next(iter(runs.values())))} rounds; {unit})")
    print(f"  {'':36}" + "".join(f"{n:>22}" for n in names))
    for key in keys:
        values = [statistics.median(r[key] for r in runs[n]) if all(key in r for r in runs[n]) else None for n in names]
        cells = "".join(f"{v:22.1f}" if v is not None else f"{'':>22}" for v in values)
        print(f"  {key:36}{cells}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--before", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse a kept one)")
    parser.add_argument("--analytics-off", action="store_true", help="also serve this checkout without analytics")
    parser.add_argument("--no-http", action="store_true", help="in process only")
    parser.add_argument("--database", help="the benchmark database's name (default by scale)")
    parser.add_argument("--in-process", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--plan", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.in_process:
        in_process(options.in_process, options.plan, options.requests, breakdown=True)
        return

    name = options.database or (
        f"skincare_bench_listings_{options.scale // 1000}k"
        if options.scale % 1000 == 0
        else f"skincare_bench_listings_{options.scale}"
    )
    store = redis.Redis.from_url(REDIS)
    env, exists = bench_environment(name, REDIS, keep=options.keep, redis_variable="BENCH_REDIS_URL")
    env.pop("MONGO_URI", None)
    checkouts = {"after": ROOT}
    if options.before:
        checkouts = {"before": options.before.resolve(), "after": ROOT}
    plan_file = Path(tempfile.mkstemp(suffix=".json")[1])
    try:
        if not (options.keep and exists):
            print(f"Preparing {options.scale} products on PostgreSQL ({name})...")
            prepare(env, options.scale)
        plan = shopper_and_plan(env)
        store.flushdb()
        plan_file.write_text(json.dumps(plan))
        print(f"Machine reference: {machine_reference(env['DATABASE_URL'])}")
        print(f"Shopper {plan['email']}; largest category {plan['category']} (about {plan['category_total']} products)")
        inside: dict[str, list[dict]] = {n: [] for n in checkouts}
        served: dict[str, list[dict]] = {n: [] for n in checkouts}
        if options.analytics_off:
            served["after, analytics off"] = []
        for round_number in range(1, options.rounds + 1):
            for label, root in checkouts.items():
                store.flushdb()
                result = run_in_process(root, env, plan_file, options.requests)
                store.flushdb()
                inside[label].append(result)
                line = (
                    f"  round {round_number} {label:7} in process: listing p95 {result['listing']['p95']:.1f},"
                    f" search p95 {result['search']['p95']:.1f} ms"
                )
                if not options.no_http:
                    served[label].append(run_http(root, env, plan, options.seconds))
                    line += f"; wrk category {served[label][-1]['wrk category']:.0f} req/s"
                print(line, flush=True)
            if options.analytics_off and not options.no_http:
                served["after, analytics off"].append(
                    run_http(ROOT, {**env, "ANALYTICS_ENABLED": "false"}, plan, options.seconds)
                )
        flat = {
            label: [
                {f"{k} {s}": r[k][s] for k in ("listing", "search") for s in ("p50", "p95", "max")} for r in results
            ]
            for label, results in inside.items()
        }
        report(flat, "In process, signed in, whole request", list(flat["after"][0]), "ms")
        for label, results in inside.items():
            print(f"  where a signed-in listing's time goes, {label} (mean ms per request, median of rounds):")
            parts = results[0]["listing"]["parts"]
            mean = statistics.median(r["listing"]["mean"] for r in results)
            for part in parts:
                value = statistics.median(r["listing"]["parts"].get(part, 0.0) for r in results)
                print(f"    {part:48} {value:6.2f}")
            print(f"    {'whole request (mean)':48} {mean:6.2f}")
        ok = True
        for kind in ("listing", "search"):
            p95 = statistics.median(r[kind]["p95"] for r in inside["after"])
            passed = p95 <= GOAL_P95
            ok &= passed
            print(f"  {kind} p95 {p95:.1f} ms   goal <= {GOAL_P95:g}  {'ok' if passed else 'MISSED'}")
        if not options.no_http:
            keys = list(served["after"][0])
            report(served, "Over HTTP, gunicorn.conf.py, signed in (wrk: requests/s; one at a time: ms)", keys, "")
            if "before" in served:
                for kind in ("category", "shop", "search"):
                    key = f"wrk {kind}"
                    after = statistics.median(r[key] for r in served["after"])
                    before = statistics.median(r[key] for r in served["before"])
                    passed = after >= 2 * before
                    ok &= passed
                    print(f"  {key}: x{after / before:.2f} of before   goal >= x2  {'ok' if passed else 'MISSED'}")
        print("All goals met." if ok else "Some goals were missed (see above).")
    finally:
        plan_file.unlink(missing_ok=True)
        store.flushdb()
        if not options.keep:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
