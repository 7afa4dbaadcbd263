"""The embedded defaults, as `make run` uses them: SQLite, no Redis, no MongoDB, real gunicorn."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def embedded_env(tmp_path_factory) -> dict[str, str]:
    instance = tmp_path_factory.mktemp("instance")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "REDIS_", "MONGO_", "DATABASE_", "TEST_"))}
    env.update(FLASK_APP="wsgi.py", ENV="development", INSTANCE_PATH=str(instance), FLASK_SKIP_DOTENV="1")
    env.pop("UPLOAD_PATH", None)
    return env


def _flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def _get(url: str, lang: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": lang} if lang else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def served(embedded_env) -> str:
    log = _flask(embedded_env, "db", "upgrade")
    assert "Running upgrade 0003 -> 0004" in log
    first = _flask(embedded_env, "seed")
    assert "Admin login:     admin@skincare.example" in first
    second = _flask(embedded_env, "seed")
    assert "Demo data: 0 categories, 0 products, 0 users, 0 coupons, 0 orders, 0 reviews, 0 pages added." in second
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),  # workers and threads from gunicorn.conf.py, as `make serve`
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if _get(f"{base}/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("gunicorn did not start: " + server.stderr.read())
    yield base
    server.terminate()
    server.wait(10)


def test_startup_logs_each_embedded_choice(embedded_env):
    log = _flask(embedded_env, "routes")
    assert '"database": "SQLite (embedded)' in log
    assert '"redis": "none: in-process cache, memory rate limits, inline jobs"' in log
    analytics = Path(embedded_env["INSTANCE_PATH"]) / "analytics.json"
    assert f'"mongo": "mongomock (in-process), kept by the server in {analytics}"' in log
    outbox = Path(embedded_env["INSTANCE_PATH"]) / "outbox"
    assert f'"mail": "none: emails written to {outbox} (see /admin/outbox)"' in log


def test_the_server_entry_point_freezes_what_start_up_loaded(embedded_env):
    """gunicorn's workers import wsgi.py: what start-up loaded is moved out of the garbage
    collector's way, so a full collection walks only what requests left behind."""
    probe = "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=embedded_env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    frozen, tracked = map(int, result.stdout.split())
    assert frozen > 100_000
    assert tracked < frozen / 20


def test_home_page_shows_demo_products_in_english(served):
    status, html = _get(f"{served}/")
    assert status == 200
    assert '<html lang="en">' in html
    assert len(re.findall(r'class="product-card', html)) >= 8


def test_home_page_shows_demo_products_in_khmer(served):
    status, html = _get(f"{served}/?lang=km")
    assert status == 200
    assert '<html lang="km">' in html
    assert "ផលិតផលពិសេស" in html  # "Featured"
    names = re.findall(r'class="product-card__name"><a [^>]+>([^<]+)<', html)
    assert names and all(re.search(r"[\u1780-\u17FF]", name) for name in names)


def test_product_pages_and_their_generated_images_are_served(served):
    _, html = _get(f"{served}/")
    product_path = re.search(r'href="(/products/[^"]+)"', html).group(1)
    status, page = _get(served + product_path)
    assert status == 200
    image = re.search(r'src="(/uploads/products/[^"]+\.webp)"', page).group(1)
    with urllib.request.urlopen(served + image, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/webp"
        assert response.read(12)[8:12] == b"WEBP"


def test_ready_without_redis_or_mongo(served):
    status, body = _get(f"{served}/health/ready")
    assert status == 200
    assert '"detail":"sqlite"' in body.replace(" ", "")
