"""Screenshots of the shop for people who want to look without clicking through it.

    make screenshots            (or: .venv/bin/python scripts/screenshots.py [--out DIR])

Migrates and seeds the demo shop into a throwaway SQLite database (a temporary instance folder:
nothing of yours is touched), serves it in this process, and photographs with Playwright on
/usr/bin/chromium: home, a category, a product, the cart, checkout, the skin analysis result
(signed in as a demo customer) and the staff order page (signed in as the demo admin), at
390 x 844 and 1366 x 900, in English and Khmer, into screenshots/ (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}
LANGUAGES = ("en", "km")
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANSWERS = {"skin_feel": "shiny_all", "midday": "shiny_all", "reactions": "rarely", "concerns": "acne"}


def _demo_logins() -> tuple[str, str, str, str]:
    sys.path.insert(0, str(ROOT))
    from shop.demo.seed import DEMO_PASSWORDS

    customers = json.loads((ROOT / "shop/demo/data/customers.json").read_text(encoding="utf-8"))
    staff = json.loads((ROOT / "shop/demo/data/staff.json").read_text(encoding="utf-8"))
    admin = next(s["email"] for s in staff if s.get("role") == "admin")
    return customers[0]["email"], DEMO_PASSWORDS["customer"], admin, DEMO_PASSWORDS["admin"]


def _prepare(instance: Path) -> dict[str, str]:
    """Environment for an embedded shop in `instance`: SQLite, no Redis, no MongoDB, no SMTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "REDIS_", "MONGO_", "SMTP_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(INSTANCE_PATH=str(instance), FLASK_APP="wsgi.py", ENV="development")
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run([sys.executable, "-m", "flask", *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    return env


def _serve(env: dict[str, str]) -> tuple[str, object, object]:
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from werkzeug.serving import WSGIRequestHandler, make_server

    from shop import create_app

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # the pages are the output, not the log
            pass

    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server, app


def _pick(app) -> tuple[str, str, int]:
    """A category with products, a product with a photo, and an open order, from the seed."""
    import sqlalchemy as sa

    from shop.catalog.models import Product, ProductStatus
    from shop.extensions import db
    from shop.orders.models import Order, OrderStatus

    with app.app_context():
        product = db.session.scalars(
            sa.select(Product).where(Product.status == ProductStatus.ACTIVE).order_by(Product.rating_count.desc())
        ).first()
        order = (
            db.session.scalars(
                sa.select(Order).where(Order.status == OrderStatus.PROCESSING).order_by(Order.id)
            ).first()
            or db.session.scalars(sa.select(Order).order_by(Order.id.desc())).first()
        )
        return product.category, product.slug, order.id


def _sign_in(tab, url: str, email: str, password: str) -> None:
    tab.goto(url)
    tab.locator("#email").fill(email)
    tab.locator("#password").fill(password)
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_load_state()


def _skin_result(tab, base: str, lang: str) -> None:
    tab.goto(f"{base}/skin-analysis?lang={lang}")
    for _step in range(5):
        for code, value in ANSWERS.items():
            choice = tab.locator(f'main input:is([type=radio],[type=checkbox])[name="{code}"][value="{value}"]')
            if choice.count():
                choice.check()
        with tab.expect_response(lambda r: "/skin-analysis" in r.url and r.request.method == "POST"):
            tab.locator('main button[name="direction"][value="next"]').click()
    tab.wait_for_url(f"{base}/skin-analysis/result")


def shoot(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    instance = Path(tempfile.mkdtemp(prefix="shop-screenshots-"))
    taken: list[Path] = []
    try:
        env = _prepare(instance)
        base, server, app = _serve(env)  # sets the environment before the shop's config is read
        customer, customer_password, admin, admin_password = _demo_logins()
        category, product, order_id = _pick(app)
        out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for lang in LANGUAGES:
                for size, viewport in SIZES.items():

                    def snap(tab, name: str, lang=lang, size=size) -> None:
                        tab.wait_for_load_state("networkidle")
                        path = out / f"{lang}-{size}-{name}.png"
                        tab.screenshot(path=str(path), full_page=True)
                        taken.append(path)

                    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale=lang)
                    tab = context.new_page()
                    _sign_in(tab, f"{base}/account/login?lang={lang}", customer, customer_password)
                    for name, path in (("home", "/"), ("category", f"/categories/{category}"),
                                       ("product", f"/products/{product}")):  # fmt: skip
                        tab.goto(f"{base}{path}?lang={lang}")
                        snap(tab, name)
                    tab.locator(".buy-box button[type=submit]").first.click()
                    tab.wait_for_load_state("networkidle")
                    tab.goto(f"{base}/cart?lang={lang}")
                    snap(tab, "cart")
                    tab.goto(f"{base}/checkout?lang={lang}")
                    snap(tab, "checkout")
                    _skin_result(tab, base, lang)
                    snap(tab, "skin-analysis-result")
                    context.close()

                    staff = browser.new_context(viewport=viewport, device_scale_factor=1, locale=lang)
                    tab = staff.new_page()
                    _sign_in(tab, f"{base}/admin/login?lang={lang}", admin, admin_password)
                    tab.goto(f"{base}/admin/orders/{order_id}?lang={lang}")
                    snap(tab, "staff-order")
                    staff.close()
            browser.close()
        server.shutdown()  # type: ignore[attr-defined]
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "screenshots"), help="folder for the PNG files")
    args = parser.parse_args()
    taken = shoot(Path(args.out))
    print(f"{len(taken)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
