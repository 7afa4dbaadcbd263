"""Recommendations: offline quality and training time on demo data at scale.

    .venv/bin/python benchmarks/recommendations.py [--scale 100000] [--interactions 1000000] [--keep]

Builds its own database (skincare_bench_recommendations, dropped at the end unless --keep), runs
`flask db upgrade` and `flask seed --scale N --no-images`, and reads the products with the
training's own loader (shop.recommendations.sources.load_products). Interactions are synthetic
but structured (shop/demo/interactions.py): shoppers with a skin type and concerns who mostly
pick products for them, products bought together with fixed companions, long-tailed popularity
and a few trending products.

1. Quality: a time-based hold-out. Training sees the interactions before the last 10% of the
   time line; for up to --eval-users shoppers with history on both sides, the products they
   added to the cart, saved or bought afterwards (and had not touched before) are the truth.
   Prints precision@10 and recall@10 of every recommender next to the popularity baseline.
2. Time: training every model on all the interactions (neighbours, popular, trending), then
   scoring every shopper (the lists the training job stores), on this machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = "skincare_bench_recommendations"
TRAINING_GOAL_SECONDS = 300
HOLD_OUT = 0.10
K = 10


def prepare(env: dict, scale: int) -> None:
    flask = str(Path(sys.executable).parent / "flask")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        [flask, "seed", "--scale", str(scale), "--no-images"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    print(f"  flask seed --scale {scale}: {time.perf_counter() - started:.1f} s")


def evaluate(train_set, test_set, products, profiles, eval_users: int, seed: int = 3) -> dict[str, tuple[float, float]]:
    from shop.recommendations.training import WEIGHTS, score_users, train

    cutoff = float(test_set.times.min())
    model = train(train_set, products, cutoff)
    strong = test_set.weights >= WEIGHTS["wishlist"]
    seen: dict[int, set[int]] = {}
    for user, pid in zip(train_set.user_ids.tolist(), train_set.product_ids.tolist(), strict=True):
        seen.setdefault(user, set()).add(products.index[pid])
    truth: dict[int, set[int]] = {}
    for user, pid in zip(test_set.user_ids[strong].tolist(), test_set.product_ids[strong].tolist(), strict=True):
        item = products.index[pid]
        if user in seen and item not in seen[user]:
            truth.setdefault(user, set()).add(item)
    users = sorted(truth)
    rng = np.random.default_rng(seed)
    if len(users) > eval_users:
        users = sorted(rng.choice(users, size=eval_users, replace=False).tolist())
    chosen = set(users)
    mask = np.fromiter((u in chosen for u in train_set.user_ids.tolist()), bool, len(train_set))
    scores = score_users(model, train_set.subset(mask), {u: profiles[u] for u in users if u in profiles})
    rows = {int(u): r for r, u in enumerate(scores.user_ids)}
    global_rankings = {
        "popular": np.argsort(-model.popular, kind="stable"),
        "trending": np.argsort(-model.trending, kind="stable"),
    }
    results = {}
    kinds = ["popular", "trending", "collaborative", "content_based", "skin_based", "hybrid"]
    for kind in kinds:
        precision, recall = [], []
        for user in users:
            if kind in global_rankings:
                ranking = global_rankings[kind]
                scores_of = model.popular if kind == "popular" else model.trending
                picks = [i for i in ranking[: K + len(seen[user]) + 1] if i not in seen[user] and scores_of[i] > 0][:K]
            else:
                matrix = scores.by_kind[kind]
                row = rows[user]
                start, end = matrix.indptr[row], matrix.indptr[row + 1]
                columns, values = matrix.indices[start:end], matrix.data[start:end]
                order = np.argsort(-values, kind="stable")
                picks = [int(columns[i]) for i in order if int(columns[i]) not in seen[user]][:K]
            hits = len(set(picks) & truth[user])
            precision.append(hits / K)
            recall.append(hits / len(truth[user]))
        results[kind] = (float(np.mean(precision)), float(np.mean(recall)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000, help="products (flask seed --scale)")
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--eval-users", type=int, default=3000)
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse a kept one)")
    options = parser.parse_args()
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (NAME,)).fetchone()
        if not (options.keep and exists):
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {NAME}")
    url = ADMIN.rsplit("/", 1)[0] + f"/{NAME}"
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi.py", "FLASK_SKIP_DOTENV": "1", "ENV": "development"}
    for name in ("REDIS_URL", "REDIS_HOST", "MONGO_URI"):
        env.pop(name, None)
    try:
        if not (options.keep and exists):
            print(f"Preparing {options.scale} products on PostgreSQL ({NAME})...")
            prepare(env, options.scale)
        os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "FLASK_SKIP_DOTENV", "ENV")})
        for name in ("REDIS_URL", "REDIS_HOST", "MONGO_URI"):
            os.environ.pop(name, None)
        from shop import create_app
        from shop.demo.interactions import generate
        from shop.recommendations import sources
        from shop.recommendations.training import score_users, train

        app = create_app({"LOG_LEVEL": "WARNING"})
        with app.app_context():
            started = time.perf_counter()
            products = sources.load_products()
            print(f"  loaded {len(products)} products in {time.perf_counter() - started:.1f} s")
        now = time.time()
        started = time.perf_counter()
        interactions, profiles = generate(products, options.interactions, now=now)
        print(
            f"  generated {len(interactions)} interactions of {len(profiles)} shoppers"
            f" in {time.perf_counter() - started:.1f} s"
        )

        cutoff = float(np.quantile(interactions.times, 1 - HOLD_OUT))
        before = interactions.times < cutoff
        print(
            f"Quality: time-based hold-out (last {HOLD_OUT:.0%} of the time line), up to {options.eval_users} shoppers"
        )
        results = evaluate(
            interactions.subset(before), interactions.subset(~before), products, profiles, options.eval_users
        )
        baseline = results["popular"]
        print(f"  {'recommender':15s} {'precision@10':>13s} {'recall@10':>10s}   vs popular (precision)")
        for kind, (precision, recall) in results.items():
            ratio = precision / baseline[0] if baseline[0] else float("inf")
            print(f"  {kind:15s} {precision:13.4f} {recall:10.4f}   x{ratio:.2f}")
        hybrid_wins = results["hybrid"][0] > baseline[0] and results["hybrid"][1] > baseline[1]
        print(f"  hybrid beats popularity: {'yes' if hybrid_wins else 'NO'}")

        print(f"Time: {len(products)} products, {len(interactions)} interactions")
        started = time.perf_counter()
        model = train(interactions, products, now)
        trained = time.perf_counter() - started
        started = time.perf_counter()
        scores = score_users(model, interactions, profiles)
        scored = time.perf_counter() - started
        print(f"  training (neighbours, popular, trending): {trained:.1f} s")
        print(f"  scoring {len(scores.user_ids)} shoppers (every recommender and the hybrid): {scored:.1f} s")
        total = trained + scored
        print(
            f"  total {total:.1f} s   goal < {TRAINING_GOAL_SECONDS} s"
            f"  {'ok' if total < TRAINING_GOAL_SECONDS else 'MISSED'}"
        )
        if not hybrid_wins or total >= TRAINING_GOAL_SECONDS:
            sys.exit(1)
    finally:
        if not options.keep:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
