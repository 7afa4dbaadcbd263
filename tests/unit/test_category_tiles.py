"""Category tiles draw no words: the name is HTML text under the picture, in the shopper's
language (the old tiles had the English name drawn in dark letters on a cream panel)."""

from __future__ import annotations

import io

from PIL import Image

from shop.demo.images import category_image


def test_a_category_tile_has_no_dark_lettering():
    for color in ("#c98f8f", "#8fb3c9", "#a9c0a7"):
        with Image.open(io.BytesIO(category_image("cleansers", color))) as tile:
            gray = tile.convert("L")
        darkest, _ = gray.getextrema()
        base = sum(int(color[i : i + 2], 16) for i in (1, 3, 5)) / 3
        # Lettering was the colour darkened by 62%; the shapes are never darker than the base.
        assert darkest > base * 0.6, (color, darkest)


def test_tiles_differ_by_category_and_are_stable():
    assert category_image("cleansers", "#c98f8f") != category_image("serums", "#c98f8f")
    assert category_image("cleansers", "#c98f8f") == category_image("cleansers", "#c98f8f")
