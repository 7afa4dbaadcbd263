"""Lighthouse (mobile) on the demo shop as `make run` serves it, in English and Khmer.

    .venv/bin/python benchmarks/lighthouse.py [--runs 3] [--lighthouse DIR] [--keep-reports DIR]

Lighthouse is not a Python package: install it once outside the repository, e.g.
`mkdir -p /work/tools/lh && cd /work/tools/lh && npm install lighthouse`, and pass that folder
with --lighthouse (or LIGHTHOUSE_DIR); without either, `lighthouse` must be on PATH. Chromium is
CHROME_PATH (default /usr/bin/chromium).

What it does, like `make run`: a fresh instance folder (SQLite database, outbox, uploads and
analytics file in a temporary directory), `flask db upgrade`, `flask seed`, then gunicorn with
gunicorn.conf.py (the embedded default: one worker, threads; no Redis, MongoDB or SMTP: their
settings are removed from the environment). Then Lighthouse 12's default mobile run (Moto G
Power screen, simulated slow 4G and 4x CPU slowdown) on 8 pages: the home page, a category, a
product and the cart, each with `?lang=en` and `?lang=km`. The cart holds two products: the
run sends the cookies of a visitor who put them there (a cart page with nothing in it is a
different, lighter page).

Each page is measured --runs times (each in a fresh Chromium profile); the table shows the
median of each category's score, and the lowest performance score in brackets when runs
differ. Below the table: the audits that cost points in the median run. Goal: each score
>= 98; the cart's SEO cannot be, on purpose (it is `noindex`: Lighthouse's "is-crawlable"
audit alone weighs a third of the SEO score).
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import ADMIN, free_port, machine_reference, stop

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOAL = 98
PRODUCT = "daily-airy-sun-fluid-spf50"
CATEGORY = "face"
CART_PRODUCTS = (PRODUCT, "kampot-sea-salt-clay-mask")
# The settings that would take the shop away from the embedded default `make run` serves.
NOT_EMBEDDED = (
    "DATABASE_URL",
    "DB_HOST",
    "REDIS_URL",
    "REDIS_HOST",
    "MONGO_URI",
    "SMTP_HOST",
    "UPLOAD_PATH",
    "OUTBOX_PATH",
    "ANALYTICS_FILE",
)


def lighthouse_command(folder: str | None) -> list[str]:
    if folder:
        binary = Path(folder) / "node_modules" / ".bin" / "lighthouse"
        if not binary.exists():
            sys.exit(f"no Lighthouse in {folder}: run `npm install lighthouse` there")
        return [str(binary)]
    found = shutil.which("lighthouse")
    if not found:
        sys.exit("Lighthouse not found: `npm install lighthouse` in a folder and pass it with --lighthouse")
    return [found]


def serve(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """Migrate, seed and serve the demo shop the way `make run` does; the server's base URL."""
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/health", timeout=2)
            return server, base
        except urllib.error.HTTPError:
            return server, base
        except OSError:
            time.sleep(0.1)
    stop(server)
    sys.exit("the shop did not start")


def cart_cookie(base: str) -> str:
    """The Cookie header of a visitor with two products in the cart (added by the page's form)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    for slug in CART_PRODUCTS:
        page = opener.open(f"{base}/products/{slug}").read().decode()
        form = page[page.index('action="/cart/add"') :]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        product_id = re.search(r'name="product_id" value="(\d+)"', form).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "product_id": product_id, "quantity": "1"})
        opener.open(f"{base}/cart/add", data=body.encode())
    cart = opener.open(f"{base}/cart").read().decode()
    if not all(f"/products/{slug}" in cart for slug in CART_PRODUCTS):
        sys.exit("could not fill the cart")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def run_lighthouse(command: list[str], url: str, cookie: str | None, report: Path) -> dict:
    profile = tempfile.mkdtemp(prefix="lh-profile-")
    try:
        args = [
            *command,
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-flags=--headless=new --no-sandbox --disable-gpu --user-data-dir={profile}",
        ]
        if cookie:
            args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        subprocess.run(args, env=env, check=True, capture_output=True, timeout=180)
        return json.loads(report.read_text())
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def scores(result: dict) -> dict[str, int]:
    return {name: round((result["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def losses(result: dict) -> list[str]:
    """The weighted audits that did not score full marks, per category."""
    found = []
    for name in CATEGORIES:
        for ref in result["categories"][name]["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                value = audit.get("displayValue") or ""
                found.append(f"{name}: {ref['id']} {audit['score']:.2f} {value}".rstrip())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lighthouse", default=os.environ.get("LIGHTHOUSE_DIR"))
    parser.add_argument("--keep-reports", help="a folder to keep each run's JSON report in")
    args = parser.parse_args()
    command = lighthouse_command(args.lighthouse)
    version = subprocess.run([*command, "--version"], capture_output=True, text=True).stdout.strip()
    chromium = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    chromium_version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip()

    instance = tempfile.mkdtemp(prefix="skincare-lighthouse-")
    reports = Path(args.keep_reports or tempfile.mkdtemp(prefix="lh-reports-"))
    reports.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in NOT_EMBEDDED}
    env.update(INSTANCE_PATH=instance, FLASK_APP="wsgi.py", FLASK_SKIP_DOTENV="1")
    try:
        reference = machine_reference(ADMIN)
    except Exception as error:  # a machine without PostgreSQL still gets its Lighthouse figures
        reference = f"(no PostgreSQL reference: {type(error).__name__})"
    print(f"Machine reference: {reference}")
    print(f"Lighthouse {version}, {chromium_version}, mobile, {args.runs} run(s) a page (median)")

    server, base = serve(env)
    try:
        cookie = cart_cookie(base)
        pages = [
            ("home", "/", None),
            ("category", f"/categories/{CATEGORY}", None),
            ("product", f"/products/{PRODUCT}", None),
            ("cart (2 items)", "/cart", cookie),
        ]
        rows, notes = [], []
        for label, path, page_cookie in pages:
            for lang in ("en", "km"):
                runs = []
                for number in range(args.runs):
                    report = reports / f"{label.split()[0]}-{lang}-{number + 1}.json"
                    runs.append(run_lighthouse(command, f"{base}{path}?lang={lang}", page_cookie, report))
                medians = {name: statistics.median_low([scores(r)[name] for r in runs]) for name in CATEGORIES}
                lowest = min(scores(r)["performance"] for r in runs)
                median_run = next(r for r in runs if scores(r)["performance"] == medians["performance"])
                rows.append((label, lang, medians, lowest))
                notes += [f"{label} {lang}: {loss}" for loss in losses(median_run)]
    finally:
        stop(server)
        with contextlib.suppress(OSError):
            shutil.rmtree(instance)

    print()
    print("| page | lang | performance | accessibility | best practices | SEO |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, lang, medians, lowest in rows:
        perf = f"{medians['performance']}" + (f" ({lowest})" if lowest != medians["performance"] else "")
        cells = [perf] + [str(medians[name]) for name in CATEGORIES[1:]]
        print(f"| {label} | {lang} | " + " | ".join(cells) + " |")
    below = [(label, lang, name) for label, lang, m, _ in rows for name in CATEGORIES if m[name] < GOAL]
    print()
    print("Below the goal of", GOAL, ":", ", ".join(f"{a} {b} {c}" for a, b, c in below) or "none")
    if notes:
        print("\nAudits that cost points (median run):")
        for note in notes:
            print("  " + note)
    if args.keep_reports:
        print(f"\nReports: {reports}")
    else:
        shutil.rmtree(reports, ignore_errors=True)


if __name__ == "__main__":
    main()
