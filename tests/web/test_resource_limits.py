"""What one request may cost: bodies past MAX_BODY_SIZE (uploads: MAX_FILE_SIZE) are refused
with 413 before they are read, in the API's envelope or as a page in the visitor's language;
photos past MAX_IMAGE_PIXELS are refused from their header, before any decoding; JPEGs are
decoded at the scale the large photo needs; uploads decode one at a time."""

from __future__ import annotations

import io
import struct
import threading
import zlib

import pytest
from PIL import Image

from shop.catalog import images
from shop.errors import ShopError
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AdminFactory, ProductFactory
from tests.web.test_account_pages import csrf_token, sign_in

TWO_MB = 2 * 1024 * 1024


@pytest.fixture
def admin_headers(client, db):
    AdminFactory(email="boss@example.com")
    return bearer(login(client, "boss@example.com", PASSWORD, path="/api/v1/admin/login")["access_token"])


def _png(size: tuple[int, int], mode: str = "L") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims this size and whose pixel data is missing: decoding it would
    fail, so a refusal that names its pixel count was made from the header alone."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


# ---------------------------------------------------------------- request bodies


def test_a_huge_json_body_is_refused_with_413_in_the_envelope(client, db):
    body = b'{"email": "a@example.com", "password": "' + b"x" * TWO_MB + b'"}'
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["success"] is False
    assert response.get_json()["message"] == "What you sent is larger than we accept."


def test_a_huge_form_is_refused_with_a_page_in_the_visitors_language(client, db):
    token = csrf_token(client, "/account/login?lang=km")
    response = client.post("/account/login", data={"email": "x" * TWO_MB, "password": "p", "csrf_token": token})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "អ្វីដែលអ្នកបានផ្ញើធំជាងអ្វីដែលយើងទទួលយក។" in response.text


def test_an_upload_may_be_larger_than_other_bodies(client, db, admin_headers, app):
    product = ProductFactory()
    photo = io.BytesIO()
    Image.effect_noise((1200, 1000), 90).convert("RGB").save(photo, "PNG")
    assert len(photo.getvalue()) > app.config["MAX_BODY_SIZE"]
    response = client.post(
        f"/api/v1/admin/products/{product.id}/images",
        data={"image": (io.BytesIO(photo.getvalue()), "noise.png")},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.get_json()


def test_an_upload_through_the_admin_page_passes_the_csrf_check_under_its_own_limit(app, client, db):
    admin = AdminFactory()
    product = ProductFactory()
    sign_in(client, admin.email)
    photo = io.BytesIO()
    Image.effect_noise((1200, 1000), 90).convert("RGB").save(photo, "PNG")
    token = csrf_token(client, f"/admin/products/{product.id}")
    response = client.post(
        f"/admin/products/{product.id}/images",
        data={"image": (io.BytesIO(photo.getvalue()), "noise.png"), "csrf_token": token},
    )
    assert response.status_code in (302, 303), response.status_code


# ---------------------------------------------------------------- pixels


def test_a_6300_by_6300_png_is_refused_with_a_clear_message(client, db, admin_headers):
    product = ProductFactory()
    bomb = _png((6300, 6300))
    assert len(bomb) < 200 * 1024  # small on disk, 40 million pixels
    response = client.post(
        f"/api/v1/admin/products/{product.id}/images",
        data={"image": (io.BytesIO(bomb), "bomb.png")},
        headers=admin_headers,
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["details"] == {
        "image": ["The image is 6300 × 6300 pixels; at most 25.0 million pixels are accepted."]
    }


def test_the_pixel_count_is_refused_from_the_header_before_decoding(app):
    with app.test_request_context():
        with pytest.raises(images.TooManyPixels) as refused:
            images.decode(_png_header_only(6300, 6300))
        assert "6300 × 6300" in str(refused.value.message)
        # The same file within the limit is read further, and fails as the broken file it is.
        with pytest.raises(ShopError) as broken:
            images.decode(_png_header_only(100, 100))
        assert str(broken.value.message) == "This file is not an image we can read (JPEG, PNG or WebP)."


def test_the_pixel_cap_is_configurable_and_translated(app):
    app.config["MAX_IMAGE_PIXELS"] = 1_000_000
    try:
        with app.test_request_context("/?lang=km"):
            with pytest.raises(images.TooManyPixels) as refused:
                images.decode(_png((1001, 1000)))
            assert "1001 × 1000" in str(refused.value.message)
            assert "ភីកសែល" in str(refused.value.message)
    finally:
        app.config["MAX_IMAGE_PIXELS"] = 25_000_000


def test_a_large_jpeg_is_decoded_at_the_scale_the_photo_needs(app):
    out = io.BytesIO()
    Image.new("RGB", (4800, 3600), (200, 120, 90)).save(out, "JPEG")
    with app.test_request_context(), images.decode(out.getvalue()) as image:
        assert image.size == (2400, 1800)  # half scale still gives the 1600 x 1200 photo


def test_an_upload_waits_while_another_one_decodes(app, client, db, admin_headers):
    product_id = ProductFactory().id
    photo = _png((800, 600), "RGB")
    done: list = []

    def upload() -> None:
        response = app.test_client().post(
            f"/api/v1/admin/products/{product_id}/images",
            data={"image": (io.BytesIO(photo), "photo.png")},
            headers=admin_headers,
        )
        done.append(response.status_code)

    with images._decoding:  # another upload is decoding in this process
        waiting = threading.Thread(target=upload)
        waiting.start()
        waiting.join(1.0)
        assert done == [] and waiting.is_alive()
    waiting.join(30)
    assert done == [201]
