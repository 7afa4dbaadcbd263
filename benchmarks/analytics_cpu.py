"""What recording a page view costs the server in CPU, in process: the cached product page with
analytics on and off.

    .venv/bin/python benchmarks/analytics_cpu.py [--requests 6000] [--rounds 2]

analytics.py measures the cost as requests/s under gunicorn with wrk; on two cores that wrk
shares with the workers, its on/off ratio moved between 4% and 35% from run to run for the same
code. This measures the CPU itself: the app built as a gunicorn worker builds it
(`create_server_app`, then the server's own services: the analytics buffer's writer thread),
on orders.py's small shop (PostgreSQL, Redis, the embedded analytics store: no MONGO_URI),
called as WSGI `--requests` times for the cached product page, as a returning visitor (the
cookies of its first answer) and as first visits (no cookies, a new address each: a new
analytics session per request). `time.process_time` covers every thread, so the writer's work
counts too; it then waits for the writer's next flush and adds what that cost. Each figure runs
in its own process, on and off in turns.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import order_cpu
from catalog import machine_reference

ROOT = Path(__file__).resolve().parents[1]
NAME = "skincare_bench_analytics_cpu"

CHILD = r"""
import sys, time
from werkzeug.test import EnvironBuilder
from shop import create_server_app
from shop.embedded import start_server_services, stop_server_services
kind, requests = sys.argv[1], int(sys.argv[2])
app = create_server_app()
start_server_services(app)
cookie = ""
def call(n):
    headers = {"X-Forwarded-For": f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}"}
    if kind == "returning":
        headers = {"Cookie": cookie}
    answer = {}
    def start(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, response_headers
    b"".join(app(EnvironBuilder(path="/products/bench-1", headers=headers).get_environ(), start))
    assert answer["status"].startswith("200"), answer["status"]
    return answer
first = call(0)
cookie = "; ".join(v.split(";")[0] for k, v in first["headers"] if k.lower() == "set-cookie")
for n in range(1, 301):  # warm: the page cached, the writer started
    call(n)
time.sleep(app.config["ANALYTICS_FLUSH_SECONDS"] + 1)
started = time.process_time()
for n in range(1000, 1000 + requests):
    call(n)
during = time.process_time() - started
time.sleep(app.config["ANALYTICS_FLUSH_SECONDS"] + 1)  # the writer's last flush of these events
after = time.process_time() - started - during
stop_server_services(app)
print(f"{1e6 * during / requests:.1f} {1e6 * after / requests:.1f}")
"""


def measure(env: dict, kind: str, analytics: bool, requests: int) -> tuple[float, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(requests)],
        cwd=ROOT,
        env={**env, "ANALYTICS_ENABLED": "true" if analytics else "false"},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    during, after = done.stdout.strip().splitlines()[-1].split()
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    return float(during), float(after)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    env = order_cpu.environment(NAME, order_cpu.REDIS)
    env["TRUSTED_PROXIES"] = "1"
    env.pop("MONGO_URI", None)
    with psycopg.connect(order_cpu.ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")
    try:
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        order_cpu.prepare(ROOT, env)
        print(f"Machine reference: {machine_reference(env['DATABASE_URL'])}; load average {os.getloadavg()[0]:.1f}")
        print(f"The cached product page, {args.requests} requests in process, CPU per request (us), every thread:")
        for kind in ("returning", "first"):
            totals: dict[bool, list[float]] = {True: [], False: []}
            for round_ in range(args.rounds):
                for analytics in (True, False) if round_ % 2 == 0 else (False, True):
                    during, after = measure(env, kind, analytics, args.requests)
                    totals[analytics].append(during + after)
                    label = "on " if analytics else "off"
                    print(f"  {kind:9} analytics {label} round {round_ + 1}: {during:6.1f} + writer after {after:5.1f}")
            on, off = statistics.median(totals[True]), statistics.median(totals[False])
            visitor = "returning visitor (one session)" if kind == "returning" else "first visits (a session each)"
            print(f"  {visitor}: on {on:.1f} us, off {off:.1f} us: recording costs {100 * (on - off) / off:.1f}%"
                  " of the page's CPU (goal <= 10%)")  # fmt: skip
    finally:
        shutil.rmtree(env["INSTANCE_PATH"], ignore_errors=True)
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        with psycopg.connect(order_cpu.ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
