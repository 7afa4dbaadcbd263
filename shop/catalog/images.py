"""Product photos: checked by their content (Pillow), not their name; stored as WebP in two
sizes under UPLOAD_PATH/products/<product id>/ and served by the app at /uploads/...

A file larger than MAX_FILE_SIZE, one Pillow cannot read, a format not in ALLOWED_FILE_TYPES,
or an image of more than MAX_IMAGE_PIXELS is refused with the reason. Pixels are what decoding
costs (a 116 KB PNG of 6300 x 6300 needs 455 MB): they are counted from the header before
anything is decoded, JPEGs are decoded at the smallest scale the large photo needs (Pillow's
draft), and one upload at a time per process decodes: concurrent uploads wait instead of
multiplying the memory.
"""

from __future__ import annotations

import io
import logging
import threading
import uuid
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from shop.audit.actors import Actor
from shop.catalog import services as catalog
from shop.catalog.models import Product, ProductImage
from shop.errors import NotFound, ShopError
from shop.extensions import db

log = logging.getLogger("shop.catalog.images")

URL_PREFIX = "/uploads/"
LARGE = 1600
THUMB = 400
# Decoding and re-encoding a photo, one at a time in this process (see the module docstring).
_decoding = threading.BoundedSemaphore(1)
# Pillow's format names for the extensions ALLOWED_FILE_TYPES speaks of.
FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}


class FileTooLarge(ShopError):
    status = 413
    code = "file_too_large"


def thumbnail_url(image_url: str) -> str:
    """The small version of a stored photo."""
    return image_url[: -len(".webp")] + "-thumb.webp" if image_url.endswith(".webp") else image_url


def read_upload(stream: IO[bytes]) -> bytes:
    """The upload's bytes, refusing anything larger than MAX_FILE_SIZE without reading it all."""
    limit = current_app.config["MAX_FILE_SIZE"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        size = round(limit / 1024 / 1024, 1)
        raise FileTooLarge(_l("The file is larger than %(size)s MB.", size=size), field="image")
    if not data:
        raise ShopError(_l("Choose an image file."), field="image")
    return data


class TooManyPixels(ShopError):
    status = 413
    code = "too_many_pixels"


def decode(data: bytes) -> Image.Image:
    """The upload as an image, checked: its size in pixels is read from the header and refused
    past MAX_IMAGE_PIXELS before any decoding; a JPEG is decoded at the smallest scale that
    still gives the LARGE photo. Call it holding `_decoding`."""
    allowed = {FORMATS[t] for t in current_app.config["ALLOWED_FILE_TYPES"] if t in FORMATS}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))  # reads the header only
            _check_pixels(*probe.size)
            probe.verify()  # a truncated or forged file fails here
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                image.draft(None, _fitted(image.size, LARGE))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own, larger cap
        raise _too_many_pixels() from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        IndexError,
        Warning,
    ):  # IndexError: a PNG without pixel data
        raise ShopError(_l("This file is not an image we can read (JPEG, PNG or WebP)."), field="image") from None
    if image.format not in allowed:
        raise ShopError(_l("This image type is not accepted (JPEG, PNG or WebP)."), field="image")
    return image


def _check_pixels(width: int, height: int) -> None:
    if width * height > current_app.config["MAX_IMAGE_PIXELS"]:
        raise _too_many_pixels(width, height)


def _too_many_pixels(width: int | None = None, height: int | None = None) -> TooManyPixels:
    limit = round(current_app.config["MAX_IMAGE_PIXELS"] / 1_000_000, 1)
    if width is None:
        return TooManyPixels(_l("The image has too many pixels: at most %(max)s million.", max=limit), field="image")
    return TooManyPixels(
        _l(
            "The image is %(width)s × %(height)s pixels; at most %(max)s million pixels are accepted.",
            width=width,
            height=height,
            max=limit,
        ),
        field="image",
    )


def _fitted(size: tuple[int, int], box: int) -> tuple[int, int]:
    """`size` scaled down (never up) to fit in a `box` x `box` square, keeping its shape."""
    ratio = min(box / size[0], box / size[1], 1.0)
    return max(int(size[0] * ratio), 1), max(int(size[1] * ratio), 1)


def _webp(image: Image.Image, size: int) -> bytes:
    copy = ImageOps.exif_transpose(image)
    copy = copy.convert("RGBA" if copy.mode in ("RGBA", "LA", "P") else "RGB")
    copy.thumbnail((size, size))
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=82, method=4)
    return out.getvalue()


def _path(url: str) -> Path:
    root = Path(current_app.config["UPLOAD_PATH"]).resolve()
    path = (root / url.removeprefix(URL_PREFIX)).resolve()
    if root not in path.parents:
        raise ValueError(f"outside the upload folder: {url}")
    return path


def add_image(product_id: int, data: bytes, *, actor: Actor, alt_text: str | None = None) -> ProductImage:
    """Store a photo of a product (the first one becomes its main photo)."""
    with _decoding, decode(data) as image:
        large, small = _webp(image, LARGE), _webp(image, THUMB)
    url = f"{URL_PREFIX}products/{product_id}/{uuid.uuid4().hex}.webp"
    try:
        product = db.session.scalar(sa.select(Product).where(Product.id == product_id).with_for_update())
        if product is None:
            raise NotFound(_l("There is no such product."))
        if alt_text and len(alt_text) > 255:
            raise ShopError(_l("Must be at most %(max)s characters.", max=255), field="alt_text")
        path = _path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(large)
        _path(thumbnail_url(url)).write_bytes(small)
        count = len(product.images)
        entry = ProductImage(
            image_url=url, alt_text=alt_text or None, sort_order=count, is_primary=count == 0 or not product.image_url
        )
        product.images.append(entry)
        if entry.is_primary:
            for other in product.images[:-1]:
                other.is_primary = False
            product.image_url = url
        db.session.flush()
        actor.record("product.image_add", "product", product.id, after={"image_id": entry.id, "url": url})
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_files([url])
        raise
    catalog.invalidate_catalog_cache(product_ids=[product_id])
    return entry


def delete_image(product_id: int, image_id: int, *, actor: Actor) -> None:
    """Remove a photo; when it was the main one, the next becomes main."""
    try:
        product = db.session.scalar(sa.select(Product).where(Product.id == product_id).with_for_update())
        entry = db.session.get(ProductImage, image_id)
        if product is None or entry is None or entry.product_id != product_id:
            raise NotFound(_l("There is no such image."))
        url = entry.image_url
        product.images.remove(entry)
        _renumber(product, [i.id for i in product.images])
        actor.record("product.image_delete", "product", product.id, before={"image_id": image_id, "url": url})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    remove_files([url])
    catalog.invalidate_catalog_cache(product_ids=[product_id])


def reorder_images(product_id: int, image_ids: Sequence[int], *, actor: Actor) -> None:
    """Put a product's photos in this order; the first becomes the main photo."""
    try:
        product = db.session.scalar(sa.select(Product).where(Product.id == product_id).with_for_update())
        if product is None:
            raise NotFound(_l("There is no such product."))
        ids = [int(i) for i in image_ids]
        if sorted(ids) != sorted(i.id for i in product.images) or len(set(ids)) != len(ids):
            raise ShopError(_l("List each of the product's images once."), field="ids")
        before = [i.id for i in sorted(product.images, key=lambda i: i.sort_order)]
        _renumber(product, ids)
        actor.record("product.image_reorder", "product", product.id, before={"order": before}, after={"order": ids})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    catalog.invalidate_catalog_cache(product_ids=[product_id])


def _renumber(product: Product, ids: list[int]) -> None:
    by_id = {i.id: i for i in product.images}
    for position, image_id in enumerate(ids):
        by_id[image_id].sort_order = position
        by_id[image_id].is_primary = position == 0
    product.image_url = by_id[ids[0]].image_url if ids else None


def remove_files(urls: Iterable[str]) -> None:
    """Delete stored photo files (both sizes); files we did not store are left alone."""
    for url in urls:
        if not url or not url.startswith(URL_PREFIX + "products/"):
            continue
        for candidate in (url, thumbnail_url(url)):
            try:
                _path(candidate).unlink(missing_ok=True)
            except (OSError, ValueError):
                log.warning("could not remove %s", candidate)
