"""How long `flask seed --scale N` takes on PostgreSQL (default N = 100000).

.venv/bin/python benchmarks/seed_scale.py [N]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = "skincare_bench_seed"


def main() -> None:
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")
    env = {
        **os.environ,
        "DATABASE_URL": ADMIN.rsplit("/", 1)[0] + f"/{NAME}",
        "FLASK_APP": "wsgi.py",
        "FLASK_SKIP_DOTENV": "1",
        "LOG_LEVEL": "WARNING",
    }
    flask = str(Path(sys.executable).parent / "flask")
    try:
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
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
        print(result.stdout.strip().splitlines()[1])
        print(f"flask seed --scale {scale}: {elapsed:.1f} s wall ({scale / elapsed:,.0f} products/s), goal < 120 s")
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
