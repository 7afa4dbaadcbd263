"""What recording analytics costs, on the embedded store (no MONGO_URI: mongomock in the worker).

    .venv/bin/python benchmarks/analytics.py [--scale 2000] [--seconds 10] [--rounds 1] [--compare PATH]

1. Writing, in process: microseconds per event for batches of 500 page views from 200 sessions,
   as the store grows, written the embedded way (appends to the pending log, shop.analytics.pending),
   then (for reference) appended into mongomock by its insert_many, which is what the embedded store
   did before, and the way a MongoDB server is written (upserts into one document per session and
   day, TTL index); then what moving the pending documents into mongomock costs a reader.
2. Under gunicorn (gthread 2 x 4, wrk -t2 -c16): requests/s of the cached product page with
   analytics on and off (ANALYTICS_ENABLED=false), for a returning visitor (the cookies of the
   first answer: one session) and for first visits (no cookies: a new session each request);
   the cost of recording is 1 - on/off. After each run with analytics on, the workers' CPU is
   read every 0.25 s: the time until they are idle (under 5% of a core for 1 s) is printed.
   `--compare PATH` also serves another checkout (e.g. the code before a change) with analytics
   on, in the same run, on the same database.

Builds its own PostgreSQL database (skincare_bench_analytics, or BENCH_ANALYTICS_DATABASE; dropped at
the end) with `flask seed --scale N --no-images`; uses Redis db 6 (BENCH_ANALYTICS_REDIS_URL), which must
be empty.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
from catalog import (  # noqa: E402
    ADMIN,
    bench_environment,
    cpu_seconds,
    gunicorn,
    machine_reference,
    prepare,
    stop,
    workers,
    wrk,
)

REDIS = os.environ.get("BENCH_ANALYTICS_REDIS_URL", "redis://127.0.0.1:6379/6")
NAME = os.environ.get("BENCH_ANALYTICS_DATABASE", "skincare_bench_analytics")
COST_GOAL = 0.10  # recording a page view costs at most 10% of the cached page's requests/s
IDLE_GOAL = 5.0  # seconds until the workers are idle after the load stops


def writing(batches: int = 12, sessions: int = 200, per_batch: int = 500) -> None:
    import mongomock_ng as mongomock

    from shop.analytics.pending import PendingLog
    from shop.analytics.tracking import Pending, Visitor
    from shop.analytics.writer import ensure_indexes, write_batch

    visitors = [Visitor(f"session-{i}", None, "Mozilla/5.0 (iPhone)", "10.0.0.1") for i in range(sessions)]
    print(f"Writing, in process: batches of {per_batch} page views from {sessions} sessions (us/event)")
    ways = (
        ("embedded (pending log)", True, True),
        ("mongomock insert_many", True, False),
        ("server way (upserts, TTL index)", False, False),
    )
    for label, appending, logged in ways:
        mongo = mongomock.MongoClient(tz_aware=True)["bench"]
        pending = PendingLog() if logged else None
        ensure_indexes(mongo, 90, ttl=not appending)
        figures = []
        for number in range(batches):
            batch = []
            for i in range(per_batch):
                at = datetime.now(UTC)
                payload = {
                    "event_type": "page_view",
                    "event_data": {
                        "product_id": None,
                        "category": None,
                        "page_url": f"/shop?page={i}",
                        "timestamp": at,
                        "metadata": {},
                    },
                }
                batch.append(Pending("event", visitors[(number * per_batch + i) % sessions], payload, at))
            started = time.perf_counter()
            write_batch(mongo, batch, appending=appending, pending=pending)
            figures.append((time.perf_counter() - started) / per_batch * 1e6)
        documents = mongo["user_analytics"].estimated_document_count() + (len(pending) if pending else 0)
        print(
            f"  {label:32} first batch {figures[0]:7.0f}  last batch {figures[-1]:7.0f}"
            f"  ({batches * per_batch} events, {documents} documents)"
        )
        if pending is not None:
            started = time.perf_counter()
            moved = pending.materialise(mongo)
            each = (time.perf_counter() - started) / moved * 1e6
            print(f"    moving them into mongomock for a reader: {each:.0f} us/document")


def time_to_idle(master: int, limit: float = 20.0, *, quiet: bool = False) -> float:
    """Seconds from now until the workers use under 5% of a core over a 1 s window; when they
    do not get there within `limit`, the CPU they used second by second."""
    pids = workers(master)
    started = time.monotonic()
    samples: list[tuple[float, float]] = [(started, cpu_seconds(pids))]
    while time.monotonic() - started < limit:
        time.sleep(0.25)
        now = time.monotonic()
        samples.append((now, cpu_seconds(pids)))
        window = [s for s in samples if now - s[0] <= 1.0 + 1e-6]
        if now - started >= 1.0 and len(window) >= 2:
            (t0, c0), (t1, c1) = window[0], window[-1]
            if (c1 - c0) / (t1 - t0) < 0.05:
                return max(0.0, t0 - started)
    if quiet:
        return float("inf")
    trail = [f"{(c1 - c0) / (t1 - t0):.0%}" for (t0, c0), (t1, c1) in zip(samples[::4], samples[4::4], strict=False)]
    print(f"    still busy after {limit:.0f} s, CPU second by second: {' '.join(trail)}")
    return float("inf")


def buffers(base: str) -> str:
    """What the workers' event buffers wrote and dropped (each /ml/health answer is one worker's)."""
    seen = {}
    for _ in range(12):
        with urllib.request.urlopen(base + "/ml/health", timeout=10) as response:
            state = json.load(response)["event_buffer"]
        seen[(state["ingested"], state["dropped"])] = state
    ingested = sum(s["ingested"] for s in seen.values())
    dropped = sum(s["dropped"] for s in seen.values())
    return f"{ingested:,} events written, {dropped:,} dropped ({len(seen)} workers answered)"


def shop_run(
    env: dict, root: Path, url: str, seconds: int, *, returning: bool, enabled: bool
) -> tuple[float, float, str]:
    store = Path(tempfile.mkdtemp()) / "analytics.json"  # the embedded default's file, empty at start
    settings = {**env, "ANALYTICS_ENABLED": "true" if enabled else "false", "ANALYTICS_FILE": str(store)}
    server, base = gunicorn("wsgi:app", settings, root)
    try:
        with urllib.request.urlopen(base + url, timeout=10) as response:  # render, cache, cookies
            cookie = "; ".join(value.split(";", 1)[0] for value in response.headers.get_all("Set-Cookie"))
        cookie_or_none = cookie if returning else None
        # The embedded server trains recommendations once at start (no model yet): let it finish.
        time_to_idle(server.pid, limit=180.0, quiet=True)
        wrk(base + url, 2, cookie_or_none)  # warm the workers
        rate = wrk(base + url, seconds, cookie_or_none)
        idle = time_to_idle(server.pid) if enabled else 0.0
        return rate, idle, buffers(base) if enabled else ""
    finally:
        stop(server)
        shutil.rmtree(store.parent, ignore_errors=True)


def serving(env: dict, url: str, seconds: int, rounds: int, compare: Path | None) -> bool:
    print(f"gunicorn gthread 2x4, wrk -t2 -c16 -d{seconds}s, the cached product page {url}:")
    ok = True
    for returning in (True, False):
        visitor = "returning visitor (one session)" if returning else "first visits (a session each)"
        runs: dict[str, list[tuple[float, float, str]]] = {"on": [], "off": [], "compare": []}
        plan: list[tuple[str, Path, bool]] = [("on", ROOT, True), ("off", ROOT, False)]
        if compare is not None:
            plan.append(("compare", compare, True))
        for _ in range(rounds):
            for name, root, enabled in plan:
                runs[name].append(shop_run(env, root, url, seconds, returning=returning, enabled=enabled))
        on = statistics.median(r for r, _, _ in runs["on"])
        off = statistics.median(r for r, _, _ in runs["off"])
        idle = max(i for _, i, _ in runs["on"])
        cost = 1 - on / off
        dropped = runs["on"][-1][2]
        ok &= cost <= COST_GOAL and idle <= IDLE_GOAL
        print(f"  {visitor}:")
        print(f"    analytics off {off:7.0f} req/s")
        print(
            f"    analytics on  {on:7.0f} req/s   cost {cost:5.1%} (goal <= {COST_GOAL:.0%})"
            f"   idle after {idle:.1f} s (goal <= {IDLE_GOAL:g}); {dropped}"
        )
        if runs["compare"]:
            before = statistics.median(r for r, _, _ in runs["compare"])
            before_idle = max(i for _, i, _ in runs["compare"])
            print(
                f"    {compare} (on) {before:7.0f} req/s   cost {1 - before / off:5.1%}"
                f"   idle after {before_idle:.1f} s"
            )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--compare", type=Path, help="another checkout to serve with analytics on")
    options = parser.parse_args()
    env, _ = bench_environment(NAME, REDIS, keep=False, redis_variable="BENCH_ANALYTICS_REDIS_URL")
    store = redis.Redis.from_url(REDIS)
    env.pop("MONGO_URI", None)
    try:
        print(f"Preparing {options.scale} products on PostgreSQL ({NAME})...")
        prepare(env, options.scale)
        print(f"Machine reference: {machine_reference(env['DATABASE_URL'])}")
        writing()
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            slug = conn.execute("SELECT slug FROM products ORDER BY id LIMIT 1").fetchone()[0]
        ok = serving(env, f"/products/{slug}", options.seconds, options.rounds, options.compare)
        print("All goals met." if ok else "Some goals were missed (see above).")
    finally:
        store.flushdb()
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
