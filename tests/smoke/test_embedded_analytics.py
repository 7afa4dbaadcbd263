"""The embedded default's one analytics store: a real gunicorn (one worker, gunicorn.conf.py)
keeps the in-process store in instance/analytics.json across restarts, trains the
recommendations itself after `flask seed`, and `flask recommend train` refuses while it runs."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from bson import json_util

from tests.support.embedded import Gunicorn, embedded_env, get, run_flask

ADMIN = ("admin@skincare.example", "ShopAdmin!2026")
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"}


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("instance")
    env = embedded_env(folder, ANALYTICS_SAVE_SECONDS="3600")  # only the saves at exit count here
    run_flask(env, "db", "upgrade")
    run_flask(env, "seed", "--no-images")
    return folder, env


def _json(url: str, body: dict | None = None, headers: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _staff(base: str) -> dict:
    tokens = _json(f"{base}/api/v1/auth/login", {"email": ADMIN[0], "password": ADMIN[1]})["data"]["tokens"]
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _views(base: str, staff: dict, product_id: int) -> int:
    return _json(f"{base}/ml/v1/analytics/product/{product_id}/stats", headers=staff)["data"]["views"]


def _similar_scores(base: str, product_id: int) -> list[float]:
    data = _json(f"{base}/ml/v1/recommendations/product/{product_id}/similar?type=content_based")["data"]
    return [item["score"] for item in data["recommended_products"]]


def _saved_views(path, product_id: int) -> int:
    saved = json_util.loads(path.read_text())["collections"].get("user_analytics", [])
    return sum(
        1
        for document in saved
        for event in document["events"]
        if event["event_type"] == "product_view" and event["event_data"].get("product_id") == product_id
    )


def test_events_survive_a_restart_and_the_server_trains_by_itself(instance, tmp_path):
    folder, env = instance
    analytics_file = folder / "analytics.json"
    first = Gunicorn(env, tmp_path / "first")
    try:
        products = _json(f"{first.base}/api/v1/products?limit=3")["data"]["data"]
        product = products[0]
        # Trained by the server after the seed, without any command: similar products have scores.
        deadline = time.monotonic() + 90
        while not any(s > 0 for s in _similar_scores(first.base, product["id"])):
            assert time.monotonic() < deadline, "the server did not train the recommendations"
            time.sleep(0.5)
        for _ in range(5):
            assert get(f"{first.base}/products/{product['slug']}", BROWSER)[0] == 200
        staff = _staff(first.base)
        deadline = time.monotonic() + 20  # written by the buffer's thread within ANALYTICS_FLUSH_SECONDS
        while _views(first.base, staff, product["id"]) < 5:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        before = _views(first.base, staff, product["id"])

        refused = run_flask(env, "recommend", "train", check=False)
        assert refused.returncode != 0
        assert "server is running" in refused.stderr and "Retrain now" in refused.stderr
    finally:
        assert first.stop() == 0
    assert _saved_views(analytics_file, product["id"]) == before == 5
    assert '"msg": "analytics store saved"' in first.stderr_path.read_text()

    second = Gunicorn(env, tmp_path / "second")
    try:
        assert _views(second.base, _staff(second.base), product["id"]) == before  # events before = after
        assert any(s > 0 for s in _similar_scores(second.base, product["id"]))  # and the model
    finally:
        second.stop()
    assert _saved_views(analytics_file, product["id"]) == before

    trained = run_flask(env, "recommend", "train")  # the server is stopped: works on the saved store
    assert f"Analytics store: {analytics_file}" in trained.stdout
    assert _saved_views(analytics_file, product["id"]) == before
