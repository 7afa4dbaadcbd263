"""The catalog benchmark's in-process figures for two checkouts in one run, request by request.

    .venv/bin/python benchmarks/catalog_compare.py OTHER_CHECKOUT [--scale 100000] [--requests 300]
        [--rounds 3] [--keep] [--database NAME] [--other-database NAME]

On a machine shared with other work, two runs of benchmarks/catalog.py made one after the other
differ by more than a change measures: the others' load comes and goes within minutes. Here
each checkout runs in its own process, as catalog.py runs it (the Flask test client, whole
request), on its own database, migrated and seeded by its own code (`flask seed --scale N
--no-images`, then VACUUM ANALYZE), with its own Redis db (BENCH_REDIS_URL and the db after it,
both empty; emptied at the end). Both get the same plan of requests (catalog.plan), and each
request goes to one and then to the other, the order alternating, so a busy moment hits both.
`--rounds` repeats the plan; the figures are p50/p95 of each round and their medians, and the
catalog service's part (its queries) the same way.

The other checkout's code is imported from OTHER_CHECKOUT (it needs no copy of this script):
the worker processes are this script with `--worker ROOT`, and call only what both have
(create_server_app, catalog.list_products, category_tree, storefront.catalog_views._listing_args).
The databases (skincare_bench_catalog_this and _other unless named) are dropped at the end
unless --keep, which also reuses kept ones.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import catalog as bench  # noqa: E402 (this folder's catalog.py)

KINDS = (*bench.LISTINGS, "cached product page")


def worker(root: Path) -> None:
    """One checkout's app in process, answering one JSON line per command on stdin: the plan,
    or the milliseconds of one request ("get") or of the catalog service alone ("service")."""
    sys.path.insert(0, str(root))  # before bench's ROOT: this checkout's shop
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever else prints goes to stderr
    app = bench.build_app({})
    client = app.test_client()
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "plan":
            reply: object = bench.plan(app, command["requests"])
        elif command["do"] == "get":
            reply = bench.measure(client, [command["url"]])[0]
        else:
            reply = bench.service_times(app, [command["url"]])[0]
        replies.write(json.dumps(reply) + "\n")


class Side:
    def __init__(self, label: str, root: Path, env: dict) -> None:
        self.label = label
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(root)],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **command: object) -> object:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.label}'s worker stopped (see its stderr above)")
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(30)


def in_turns(sides: list[Side], do: str, urls: list[str]) -> dict[str, list[float]]:
    """Each URL to every side, the first side alternating."""
    times: dict[str, list[float]] = {side.label: [] for side in sides}
    for i, url in enumerate(urls):
        for side in sides if i % 2 == 0 else sides[::-1]:
            times[side.label].append(float(side.ask(do=do, url=url)))
    return times


def summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), bench.percentile(values, 95)


def report(rounds: list[dict[str, dict[str, list[float]]]], labels: list[str], title: str) -> None:
    print(title)
    for kind in rounds[0]:
        print(f"  {kind}")
        for label in labels:
            p50s = [summary(r[kind][label])[0] for r in rounds]
            p95s = [summary(r[kind][label])[1] for r in rounds]
            by_round = " ".join(f"{v:6.1f}" for v in p95s)
            print(
                f"    {label:6} p95 by round {by_round}   median p95 {statistics.median(p95s):6.1f}"
                f" (spread {min(p95s):.1f}-{max(p95s):.1f})   median p50 {statistics.median(p50s):6.1f}"
            )
        this, other = [statistics.median(summary(r[kind][label])[1] for r in rounds) for label in labels]
        print(f"    this / other, median p95: {this / other:5.2f} ({100 * (this / other - 1):+.1f}%)")


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        worker(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("other", type=Path, help="the other checkout (e.g. a git worktree of the code before)")
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the databases (and reuse kept ones)")
    parser.add_argument("--database", default=f"{bench.NAME}_this")
    parser.add_argument("--other-database", default=f"{bench.NAME}_other")
    options = parser.parse_args()
    other_root = options.other.resolve()
    redis_db = int(bench.REDIS.rsplit("/", 1)[1])
    checkouts = [
        ("this", bench.ROOT, options.database, bench.REDIS),
        ("other", other_root, options.other_database, bench.REDIS.rsplit("/", 1)[0] + f"/{redis_db + 1}"),
    ]
    import psycopg
    import redis

    for _label, _root, database, redis_url in checkouts:
        if not re.fullmatch(rf"{bench.NAME}\w*", database):
            sys.exit(f"database names must start with {bench.NAME} (the benchmark drops what it names)")
        if redis.Redis.from_url(redis_url).dbsize():
            sys.exit(f"{redis_url} is not empty; point BENCH_REDIS_URL at an empty Redis db (and the next one).")
    envs = {}
    sides: list[Side] = []
    try:
        with psycopg.connect(bench.ADMIN, autocommit=True) as conn:
            for label, root, database, redis_url in checkouts:
                envs[label] = {
                    **os.environ,
                    "DATABASE_URL": bench.ADMIN.rsplit("/", 1)[0] + f"/{database}",
                    "REDIS_URL": redis_url,
                    "FLASK_APP": "wsgi.py",
                    "FLASK_SKIP_DOTENV": "1",
                    "ENV": "development",
                    "RATE_LIMIT_REQUESTS": "100000000",
                }
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
                if options.keep and exists:
                    continue
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {database}")
                print(f"Preparing {options.scale} products with {root} ({database})...")
                bench.prepare(envs[label], options.scale, root)
        reference = envs["this"]["DATABASE_URL"]
        print(f"Machine reference: {bench.machine_reference(reference)}")
        sides = [Side(label, root, envs[label]) for label, root, _database, _redis in checkouts]
        urls = sides[0].ask(do="plan", requests=options.requests)
        assert isinstance(urls, dict)
        for kind in bench.LISTINGS:  # warm the connection pools and caches
            in_turns(sides, "get", urls[kind][:20])
        in_turns(sides, "get", urls["product pages"])  # render and cache each page once
        labels = [side.label for side in sides]
        requests, services = [], []
        for number in range(options.rounds):
            started = time.perf_counter()
            requests.append({kind: in_turns(sides, "get", urls[kind]) for kind in KINDS})
            services.append({kind: in_turns(sides, "service", urls[kind]) for kind in bench.LISTINGS})
            print(f"  round {number + 1}: {time.perf_counter() - started:.0f} s")
        print(f"this: {bench.ROOT}; other: {other_root}; {options.requests} requests of each kind a round")
        report(requests, labels, "Server time, in process, whole request (ms):")
        report(services, labels, "The catalog service alone (its queries, ms):")
        print(f"Machine reference after: {bench.machine_reference(reference)}")
    finally:
        for side in sides:
            side.close()
        for _label, _root, database, redis_url in checkouts:
            redis.Redis.from_url(redis_url).flushdb()
            if not options.keep:
                with psycopg.connect(bench.ADMIN, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


if __name__ == "__main__":
    main()
