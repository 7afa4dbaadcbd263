"""Compressed responses, and static files under content-hashed URLs cached for a year."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from backports import zstd

from tests.factories import ProductFactory
from tests.web.test_shared_pages import CSRF_INPUTS, counted  # noqa: F401 (a fixture)

BROWSER = "gzip, deflate, br, zstd"
HASHED_CSS = re.compile(r'href="(/static/css/shop\.[0-9a-f]{10}\.css)"')


def _decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    return {"gzip": gzip.decompress, "br": brotli.decompress, "zstd": zstd.decompress}.get(encoding, bytes)(data)


def test_pages_are_compressed_and_vary_on_accept_encoding(client, db):
    ProductFactory.create_batch(3)
    plain = client.get("/")
    packed = client.get("/", headers={"Accept-Encoding": BROWSER})
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "zstd"  # the cheapest of the three for the server
    assert _decoded(packed) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 3
    assert "Accept-Encoding" in packed.headers["Vary"]
    older = client.get("/", headers={"Accept-Encoding": "gzip, deflate"})
    assert older.headers["Content-Encoding"] == "gzip" and _decoded(older) == plain.get_data()


def test_json_is_compressed(client, db):
    ProductFactory.create_batch(12)
    response = client.get("/api/v1/products?limit=12", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert b'"success": true' in _decoded(response) or b'"success":true' in _decoded(response)


def test_static_files_have_hashed_urls_cached_a_year(client, db):
    page = client.get("/").text
    css_url = HASHED_CSS.search(page).group(1)
    assert re.search(r'src="/static/vendor/htmx\.min\.[0-9a-f]{10}\.js"', page)
    response = client.get(css_url, headers={"Accept-Encoding": BROWSER})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "br" and "Accept-Encoding" in response.headers["Vary"]
    css = brotli.decompress(response.get_data()).decode()
    # The fonts the CSS names are hashed too, and cached a year.
    fonts = re.findall(r'url\("\.\./fonts/([^"]+)"\)', css)
    assert fonts and all(re.fullmatch(r"noto-sans-khmer-[a-z]+-\d00-normal\.[0-9a-f]{10}\.woff2", f) for f in fonts)
    font = client.get(f"/static/fonts/{fonts[0]}", headers={"Accept-Encoding": BROWSER})
    assert font.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert font.headers.get("Content-Encoding") is None  # woff2 is compressed already
    assert font.get_data()[:4] == b"wOF2"
    # Asked again with its ETag: 304.
    again = client.get(css_url, headers={"Accept-Encoding": BROWSER, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_unhashed_static_urls_still_work_briefly_cached(client, db):
    response = client.get("/static/css/shop.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=600"
    assert b"font-face" in response.get_data()
    assert client.get("/static/css/missing.css").status_code == 404


@pytest.mark.parametrize("lang", ["en", "km"])
def test_the_cached_product_page_is_gzipped_once_and_carries_each_visitors_token(counted, lang):  # noqa: F811
    item = ProductFactory(name_en="Glow Serum")
    first = counted.test_client()
    first.get(f"/products/{item.slug}?lang={lang}")  # rendered by Flask and cached
    visitors = [counted.test_client() for _ in range(2)]
    pages = [v.get(f"/products/{item.slug}?lang={lang}", headers={"Accept-Encoding": "gzip, br"}) for v in visitors]
    assert len(counted.flask_requests) == 1  # both answered before Flask
    tokens = []
    for page in pages:
        assert page.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in page.headers["Vary"]
        html = gzip.decompress(page.get_data()).decode()
        assert f'<html lang="{lang}">' in html
        tokens.append(set(CSRF_INPUTS.findall(html)))
    assert all(len(t) == 1 for t in tokens) and tokens[0] != tokens[1]
    plain = visitors[0].get(f"/products/{item.slug}?lang={lang}")
    assert plain.headers.get("Content-Encoding") is None
    assert set(CSRF_INPUTS.findall(plain.text)) == tokens[0]


# ---------------------------------------------------------------- what Lighthouse measures


def test_a_staff_photo_is_cached_a_year_a_seed_photo_a_day(client, app, db):
    root = Path(app.config["UPLOAD_PATH"]) / "products"
    (root / "7").mkdir(parents=True, exist_ok=True)
    uploaded = f"7/{'ab' * 16}-thumb.webp"  # the name add_image gives: new for every upload
    (root / uploaded).write_bytes(b"RIFF0000WEBP")
    (root / "glow-serum-1.webp").write_bytes(b"RIFF0000WEBP")  # a seed name, rewritten by name
    staff = client.get(f"/uploads/products/{uploaded}")
    assert staff.status_code == 200
    assert staff.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    seed = client.get("/uploads/products/glow-serum-1.webp")
    assert seed.status_code == 200 and "immutable" not in seed.headers["Cache-Control"]
    assert "max-age=86400" in seed.headers["Cache-Control"]
    assert client.get(f"/uploads/products/7/{'cd' * 16}.webp").status_code == 404


def test_cards_and_the_cart_load_the_thumbnail(client, db):
    product = ProductFactory(name_en="Glow Serum", image_url="/uploads/products/glow-1.webp", is_featured=True)
    ProductFactory(name_en="Cdn Serum", image_url="https://cdn.example/serum.webp", is_featured=True)
    page = client.get("/").text
    card = re.search(r'<img src="([^"]+)" srcset="([^"]+)"\s+sizes="[^"]+"\s+alt="Glow Serum"', page)
    assert card, "the card's photo has a srcset"
    assert card.group(1) == "/uploads/products/glow-1-thumb.webp"
    assert card.group(2) == "/uploads/products/glow-1-thumb.webp 400w, /uploads/products/glow-1.webp 1600w"
    assert 'src="https://cdn.example/serum.webp"' in page  # not ours: no thumbnail to ask for
    client.post(
        "/cart/add",
        data={"product_id": product.id, "quantity": 1, "csrf_token": _token(client.get("/cart").text)},
    )
    cart = client.get("/cart").text
    assert re.search(r'<img src="/uploads/products/glow-1-thumb\.webp" alt="" width="96" height="96"', cart)


@pytest.mark.parametrize(("lang", "words"), [("en", "the total in dollars and riel"), ("km", "តម្លៃសរុបជាដុល្លារ និងរៀល")])
def test_the_cart_is_described_and_stays_noindex(client, db, lang, words):
    page = client.get(f"/cart?lang={lang}").text
    description = re.search(r'<meta name="description" content="([^"]+)">', page).group(1)
    assert words in description and "Skincare Shop" in description
    assert '<meta name="robots" content="noindex">' in page


def _token(page: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
