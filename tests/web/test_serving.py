"""Compressed responses, and static files under content-hashed URLs cached for a year."""

from __future__ import annotations

import gzip
import re

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
