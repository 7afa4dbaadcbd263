"""Placeholder product and category images for the demo catalogue.

Everything here is drawn with Pillow at run time, so the seed command needs no
binary assets.  Images are returned as WEBP bytes ready to be written to the
upload folder.  The output is deterministic: the same arguments always give
the same picture.

Only Pillow is imported; nothing from the application.
"""

from __future__ import annotations

import io
import zlib
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

__all__ = ["product_image", "category_image", "thumbnail", "SHAPES"]

#: Container shapes understood by :func:`product_image`.
SHAPES = ("bottle", "pump", "jar", "tube", "dropper", "sachet", "stick", "box")

RGB = tuple[int, int, int]

_WEBP_QUALITY = 80
_WEBP_METHOD = 1  # 0 = fastest, 6 = smallest; 1 is ~4x faster than 3 for +30% bytes


# --------------------------------------------------------------------------
# Colour helpers
# --------------------------------------------------------------------------


def _parse_color(color: str) -> RGB:
    """Parse ``#rgb`` / ``#rrggbb``; fall back to a soft pink on bad input."""
    value = (color or "").strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    try:
        if len(value) != 6:
            raise ValueError(value)
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))
    except ValueError:
        return (243, 198, 201)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear blend: ``t=0`` gives *a*, ``t=1`` gives *b*."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _lighten(c: RGB, t: float) -> RGB:
    return _mix(c, (255, 255, 255), t)


def _darken(c: RGB, t: float) -> RGB:
    return _mix(c, (0, 0, 0), t)


def _luminance(c: RGB) -> float:
    r, g, b = c
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


# --------------------------------------------------------------------------
# Fonts and text
# --------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at *px* pixels (bitmap fallback on old Pillow)."""
    px = max(px, 6)
    try:
        return ImageFont.load_default(size=px)
    except (TypeError, OSError):  # Pillow < 10.1 or no FreeType
        return ImageFont.load_default()


def _fit_font(
    draw: ImageDraw.ImageDraw, text: str, max_w: float, start: int, minimum: int = 8
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Largest font <= *start* px whose rendering of *text* fits in *max_w*."""
    px = start
    while px > minimum:
        font = _font(px)
        if draw.textlength(text, font=font) <= max_w:
            return font
        px -= max(1, px // 10)
    return _font(minimum)


def _ascii(text: str) -> str:
    """Keep characters the bundled Latin font can draw."""
    cleaned = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in text)
    return " ".join(cleaned.split())


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_w: float, max_lines: int) -> list[str]:
    """Greedy word wrap, ellipsising the last line if the text is too long."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= max_w or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(last + "...", font=font) > max_w:
            last = last[:-1]
        lines[-1] = last.rstrip() + "..."
    return lines


def _centered_text(draw: ImageDraw.ImageDraw, cx: float, y: float, text: str, font, fill) -> float:
    """Draw *text* horizontally centred on *cx*; return the next baseline y."""
    w = draw.textlength(text, font=font)
    draw.text((cx - w / 2, y), text, font=font, fill=fill)
    size = getattr(font, "size", 11)
    return y + size * 1.18


# --------------------------------------------------------------------------
# Backgrounds
# --------------------------------------------------------------------------


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB, diagonal: bool = False) -> Image.Image:
    """Fast two-stop gradient (built small, then resized)."""
    w, h = size
    if diagonal:
        n = 12
        small = Image.new("RGB", (n, n))
        px = small.load()
        assert px is not None  # a new in-memory image always loads
        steps = [_mix(top, bottom, i / (2 * n - 2)) for i in range(2 * n - 1)]
        for y in range(n):
            for x in range(n):
                px[x, y] = steps[x + y]
    else:
        small = Image.new("RGB", (1, 64))
        px = small.load()
        assert px is not None
        for y in range(64):
            px[0, y] = _mix(top, bottom, y / 63)
    return small.resize((w, h), Image.Resampling.BILINEAR)


def _soft_shadow(canvas: Image.Image, box: tuple[float, float, float, float], strength: int = 70) -> None:
    """Blurred ellipse under an object; blurred at low resolution for speed."""
    w, h = canvas.size
    scale = 4
    margin = max(8, w // 20)
    x0, y0 = max(0, int(box[0]) - margin), max(0, int(box[1]) - margin)
    x1, y1 = min(w, int(box[2]) + margin), min(h, int(box[3]) + margin)
    rw, rh = max(1, (x1 - x0) // scale), max(1, (y1 - y0) // scale)
    mask = Image.new("L", (rw, rh), 0)
    ImageDraw.Draw(mask).ellipse(
        [(box[0] - x0) / scale, (box[1] - y0) / scale, (box[2] - x0) / scale, (box[3] - y0) / scale], fill=strength
    )
    mask = mask.filter(ImageFilter.GaussianBlur(radius=max(2, w // 120)))
    mask = mask.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR)
    canvas.paste((60, 45, 50), (x0, y0, x1, y1), mask)


# --------------------------------------------------------------------------
# Product containers
# --------------------------------------------------------------------------


class _Palette:
    """Colours derived from the product colour."""

    def __init__(self, base: RGB) -> None:
        self.body = base
        self.body_dark = _darken(base, 0.14)
        self.cap = _darken(base, 0.45) if _luminance(base) > 0.5 else _lighten(base, 0.55)
        self.cap_dark = _darken(self.cap, 0.18)
        self.metal = (214, 206, 196)
        self.label = (255, 252, 247)
        self.label_edge = _darken(base, 0.08)
        self.ink = (60, 48, 54)
        self.accent = _darken(base, 0.35)


def _rrect(d: ImageDraw.ImageDraw, box, r: float, fill, outline=None) -> None:
    d.rounded_rectangle(
        [round(v) for v in box],
        radius=max(1, round(r)),
        fill=fill,
        outline=outline,
        width=max(1, round(r / 10)) if outline else 0,
    )


def _shine(layer: Image.Image, box: tuple[float, float, float, float], color: RGB) -> None:
    """Vertical glossy highlight on the left side of a body of colour *color*."""
    x0, y0, x1, y1 = box
    w = x1 - x0
    ImageDraw.Draw(layer).rounded_rectangle(
        [round(x0 + w * 0.10), round(y0 + (y1 - y0) * 0.08), round(x0 + w * 0.18), round(y1 - (y1 - y0) * 0.10)],
        radius=max(1, round(w * 0.04)),
        fill=_lighten(color, 0.35),
    )


def _label(layer: Image.Image, box, pal: _Palette, brand: str, name: str, radius: float = 6) -> None:
    """Paper label with brand (big) and product name (small, wrapped)."""
    d = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    _rrect(d, box, radius, fill=pal.label)
    # thin coloured rule
    d.rectangle(
        [round(x0 + w * 0.18), round(y0 + h * 0.52), round(x1 - w * 0.18), round(y0 + h * 0.52 + max(1, h * 0.02))],
        fill=pal.accent,
    )
    pad = w * 0.08
    brand_text = _ascii(brand).upper() or "SKINCARE"
    bfont = _fit_font(d, brand_text, w - 2 * pad, start=max(9, round(h * 0.18)))
    bsize = getattr(bfont, "size", 11)
    _centered_text(d, (x0 + x1) / 2, y0 + h * 0.50 - bsize * 1.25, brand_text, bfont, pal.ink)
    name_text = _ascii(name)
    if name_text and h > 40:
        nfont = _font(max(7, round(min(h * 0.10, w * 0.09))))
        nsize = getattr(nfont, "size", 11)
        max_lines = max(1, int((h * 0.40) // (nsize * 1.2)))
        y = y0 + h * 0.58
        for line in _wrap(d, name_text, nfont, w - 2 * pad, min(max_lines, 3)):
            y = _centered_text(d, (x0 + x1) / 2, y, line, nfont, (110, 96, 102))


def _draw_bottle(layer, s, pal, brand, name):
    d = ImageDraw.Draw(layer)
    cx, bottom = s * 0.5, s * 0.84
    bw, bh = s * 0.30, s * 0.46
    body = (cx - bw / 2, bottom - bh, cx + bw / 2, bottom)
    neck = (cx - bw * 0.16, bottom - bh - s * 0.06, cx + bw * 0.16, bottom - bh + s * 0.02)
    cap = (cx - bw * 0.24, bottom - bh - s * 0.15, cx + bw * 0.24, bottom - bh - s * 0.05)
    _rrect(d, neck, s * 0.01, pal.body_dark)
    _rrect(d, body, bw * 0.22, pal.body)
    _rrect(d, cap, s * 0.015, pal.cap)
    d.rectangle([cap[0], cap[3] - s * 0.012, cap[2], cap[3]], fill=pal.cap_dark)
    _shine(layer, body, pal.body)
    _label(
        layer, (body[0] + bw * 0.10, body[1] + bh * 0.28, body[2] - bw * 0.10, body[3] - bh * 0.14), pal, brand, name
    )


def _draw_pump(layer, s, pal, brand, name):
    d = ImageDraw.Draw(layer)
    cx, bottom = s * 0.5, s * 0.85
    bw, bh = s * 0.30, s * 0.44
    body = (cx - bw / 2, bottom - bh, cx + bw / 2, bottom)
    top = body[1]
    collar = (cx - bw * 0.20, top - s * 0.045, cx + bw * 0.20, top + s * 0.01)
    stem = (cx - bw * 0.06, top - s * 0.12, cx + bw * 0.06, top - s * 0.04)
    head = (cx - bw * 0.20, top - s * 0.16, cx + bw * 0.18, top - s * 0.115)
    nozzle = (cx + bw * 0.10, top - s * 0.155, cx + bw * 0.48, top - s * 0.13)
    _rrect(d, body, bw * 0.12, pal.body)
    _rrect(d, collar, s * 0.01, pal.cap)
    d.rectangle([round(v) for v in stem], fill=pal.metal)
    _rrect(d, head, s * 0.012, pal.cap)
    _rrect(d, nozzle, s * 0.008, pal.cap_dark)
    _shine(layer, body, pal.body)
    _label(
        layer, (body[0] + bw * 0.09, body[1] + bh * 0.20, body[2] - bw * 0.09, body[3] - bh * 0.12), pal, brand, name
    )


def _draw_jar(layer, s, pal, brand, name):
    d = ImageDraw.Draw(layer)
    cx, bottom = s * 0.5, s * 0.78
    bw, bh = s * 0.50, s * 0.24
    body = (cx - bw / 2, bottom - bh, cx + bw / 2, bottom)
    lid = (cx - bw * 0.52, body[1] - s * 0.10, cx + bw * 0.52, body[1] + s * 0.01)
    _rrect(d, body, s * 0.04, pal.body)
    _rrect(d, lid, s * 0.025, pal.cap)
    for i in range(1, 4):  # lid ridges
        y = lid[1] + (lid[3] - lid[1]) * i / 4
        d.line([(lid[0] + s * 0.01, y), (lid[2] - s * 0.01, y)], fill=pal.cap_dark, width=max(1, s // 300))
    _shine(layer, body, pal.body)
    _label(
        layer, (body[0] + bw * 0.16, body[1] + bh * 0.14, body[2] - bw * 0.16, body[3] - bh * 0.12), pal, brand, name
    )


def _draw_tube(layer, s, pal, brand, name):
    d = ImageDraw.Draw(layer)
    cx = s * 0.5
    top, cap_top = s * 0.14, s * 0.72
    tw, bw = s * 0.34, s * 0.24
    crimp = (cx - tw / 2 - s * 0.01, top - s * 0.03, cx + tw / 2 + s * 0.01, top + s * 0.02)
    body_poly = [(cx - tw / 2, top), (cx + tw / 2, top), (cx + bw / 2, cap_top), (cx - bw / 2, cap_top)]
    cap = (cx - bw * 0.45, cap_top - s * 0.005, cx + bw * 0.45, s * 0.84)
    d.polygon(body_poly, fill=pal.body)
    d.rectangle([round(v) for v in crimp], fill=pal.body_dark)
    for i in range(6):  # crimp texture
        x = crimp[0] + (crimp[2] - crimp[0]) * (i + 0.5) / 6
        d.line([(x, crimp[1] + 2), (x, crimp[3] - 2)], fill=pal.body, width=max(1, s // 400))
    _rrect(d, cap, s * 0.02, pal.cap)
    _shine(layer, (cx - bw / 2, top, cx + bw / 2, cap_top), pal.body)
    _label(layer, (cx - bw * 0.44, top + s * 0.12, cx + bw * 0.44, cap_top - s * 0.06), pal, brand, name)


def _draw_dropper(layer, s, pal, brand, name):
    d = ImageDraw.Draw(layer)
    cx, bottom = s * 0.5, s * 0.84
    bw, bh = s * 0.26, s * 0.34
    body = (cx - bw / 2, bottom - bh, cx + bw / 2, bottom)
    shoulder = (cx - bw * 0.30, body[1] - s * 0.04, cx + bw * 0.30, body[1] + s * 0.03)
    collar = (cx - bw * 0.26, shoulder[1] - s * 0.08, cx + bw * 0.26, shoulder[1] + s * 0.01)
    bulb = (cx - bw * 0.17, collar[1] - s * 0.13, cx + bw * 0.17, collar[1] + s * 0.02)
    glass = _mix(pal.body, (120, 80, 40), 0.25) if _luminance(pal.body) > 0.6 else pal.body
    _rrect(d, shoulder, s * 0.02, glass)
    _rrect(d, body, bw * 0.10, glass)
    d.ellipse([round(v) for v in bulb], fill=(40, 36, 38))
    _rrect(d, collar, s * 0.01, pal.metal if _luminance(glass) < 0.45 else (46, 42, 44))
    _shine(layer, body, glass)
    _label(
        layer, (body[0] + bw * 0.10, body[1] + bh * 0.16, body[2] - bw * 0.10, body[3] - bh * 0.12), pal, brand, name
    )


def _draw_sachet(layer, s, pal, brand, name):
    d = ImageDraw.Draw(layer)
    cx = s * 0.5
    w, h = s * 0.44, s * 0.55
    x0, y0, x1, y1 = cx - w / 2, s * 0.27, cx + w / 2, s * 0.27 + h
    teeth = 14
    step = w / teeth
    tooth = s * 0.012
    pts = [(x0, y0 + tooth)]
    for i in range(teeth):
        pts += [(x0 + step * (i + 0.5), y0), (x0 + step * (i + 1), y0 + tooth)]
    pts += [(x1, y1 - tooth)]
    for i in range(teeth):
        pts += [(x1 - step * (i + 0.5), y1), (x1 - step * (i + 1), y1 - tooth)]
    d.polygon(pts, fill=pal.body)
    seal = s * 0.045
    d.rectangle([round(x0), round(y0 + tooth), round(x1), round(y0 + seal)], fill=pal.body_dark)
    d.rectangle([round(x0), round(y1 - seal), round(x1), round(y1 - tooth)], fill=pal.body_dark)
    d.polygon(
        [(x1, y0 + seal * 1.2), (x1 - s * 0.02, y0 + seal * 1.45), (x1, y0 + seal * 1.7)], fill=(255, 255, 255, 0)
    )
    _shine(layer, (x0, y0 + seal, x1, y1 - seal), pal.body)
    _label(layer, (x0 + w * 0.12, y0 + h * 0.30, x1 - w * 0.12, y1 - h * 0.16), pal, brand, name)


def _draw_stick(layer, s, pal, brand, name):
    d = ImageDraw.Draw(layer)
    cx, bottom = s * 0.5, s * 0.85
    w, h = s * 0.16, s * 0.58
    body = (cx - w / 2, bottom - h, cx + w / 2, bottom)
    split = body[1] + h * 0.30
    _rrect(d, body, w * 0.45, pal.body)
    d.rectangle([round(body[0]), round(body[1] + w * 0.45), round(body[2]), round(split)], fill=pal.cap)
    _rrect(d, (body[0], body[1], body[2], body[1] + w * 0.9), w * 0.45, pal.cap)
    d.line([(body[0], split), (body[2], split)], fill=pal.cap_dark, width=max(2, s // 200))
    _rrect(d, (body[0], bottom - w * 0.5, body[2], bottom), w * 0.25, pal.body_dark)
    _shine(layer, body, pal.body)
    # narrow label: brand only, rotated would be nicer but keep it simple
    _label(layer, (body[0] + w * 0.08, split + h * 0.10, body[2] - w * 0.08, bottom - h * 0.14), pal, brand, "")


def _draw_box(layer, s, pal, brand, name):
    d = ImageDraw.Draw(layer)
    w, h, depth = s * 0.36, s * 0.52, s * 0.09
    x0, y1 = s * 0.5 - w / 2 - depth / 2, s * 0.84
    x1, y0 = x0 + w, y1 - h
    side = [(x1, y0), (x1 + depth, y0 - depth * 0.6), (x1 + depth, y1 - depth * 0.6), (x1, y1)]
    top = [(x0, y0), (x0 + depth, y0 - depth * 0.6), (x1 + depth, y0 - depth * 0.6), (x1, y0)]
    d.polygon(side, fill=pal.body_dark)
    d.polygon(top, fill=_lighten(pal.body, 0.25))
    d.rectangle([round(x0), round(y0), round(x1), round(y1)], fill=pal.body)
    d.rectangle([round(x0), round(y1 - h * 0.10), round(x1), round(y1)], fill=pal.cap)
    _label(layer, (x0 + w * 0.10, y0 + h * 0.14, x1 - w * 0.10, y1 - h * 0.20), pal, brand, name, radius=3)


_DRAWERS = {
    "bottle": _draw_bottle,
    "pump": _draw_pump,
    "jar": _draw_jar,
    "tube": _draw_tube,
    "dropper": _draw_dropper,
    "sachet": _draw_sachet,
    "stick": _draw_stick,
    "box": _draw_box,
}


def _encode(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="WEBP", quality=_WEBP_QUALITY, method=_WEBP_METHOD)
    return buf.getvalue()


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def product_image(name: str, brand: str, color: str, shape: str, size: int = 600, variant: int = 0) -> bytes:
    """Draw a square placeholder packshot and return it as WEBP bytes.

    Args:
        name: Product name; printed small on the label (Latin characters only,
            anything else is dropped).
        brand: Brand name; printed large on the label.
        color: Hex colour (``"#f3c6c9"``) for the container; the background is
            a soft tint of it.
        shape: One of :data:`SHAPES`; unknown values fall back to ``"bottle"``.
        size: Width and height in pixels.
        variant: 0, 1 or 2 (other values wrap round).  Each variant tilts the
            container a little and changes the background tone/direction, so a
            product can have a small gallery of distinct images.

    Returns:
        The encoded WEBP image (quality 80).
    """
    size = max(64, int(size))
    variant = int(variant) % 3
    base = _parse_color(color)
    pal = _Palette(base)
    seed = zlib.crc32(f"{name}|{brand}".encode())

    # Background: a pale tint of the product colour; variants change direction
    # and warmth a little.
    warm = (255, 244, 236)
    cool = (240, 245, 250)
    if variant == 0:
        canvas = _gradient((size, size), _lighten(base, 0.86), _lighten(base, 0.70))
    elif variant == 1:
        canvas = _gradient((size, size), _mix(_lighten(base, 0.80), warm, 0.5), _lighten(base, 0.92), diagonal=True)
    else:
        canvas = _gradient((size, size), _mix(_lighten(base, 0.75), cool, 0.4), _mix(_lighten(base, 0.62), cool, 0.2))

    bd = ImageDraw.Draw(canvas)
    # A "table" surface and a decorative disc behind the product.
    bd.rectangle([0, round(size * 0.80), size, size], fill=_lighten(base, 0.80 - 0.05 * variant))
    disc_r = size * (0.30 + 0.02 * ((seed >> 3) % 3))
    disc_cx = size * (0.50 + (-0.08, 0.10, 0.0)[variant])
    disc_cy = size * (0.45 + (0.0, -0.04, 0.04)[variant])
    bd.ellipse(
        [round(disc_cx - disc_r), round(disc_cy - disc_r), round(disc_cx + disc_r), round(disc_cy + disc_r)],
        fill=_lighten(base, 0.60 + 0.06 * variant),
    )
    if variant == 2:  # a couple of small "bubbles"
        for i in range(3):
            r = size * (0.02 + 0.012 * i)
            x = size * (0.16 + 0.05 * i + ((seed >> (i * 4)) % 7) * 0.01)
            y = size * (0.20 + 0.11 * i)
            bd.ellipse([round(x - r), round(y - r), round(x + r), round(y + r)], fill=_lighten(base, 0.90))

    # Shadow on the table.
    shadow_w = size * (0.52 if shape in ("jar", "sachet", "box") else 0.36)
    _soft_shadow(canvas, (size * 0.5 - shadow_w / 2, size * 0.81, size * 0.5 + shadow_w / 2, size * 0.87))

    # Container on its own layer so it can be tilted for the variants.
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    _DRAWERS.get(shape, _draw_bottle)(layer, size, pal, brand, name)
    # Tilt/shift only the container's bounding box (rotating the full canvas
    # is the slowest step otherwise).
    bbox = layer.getbbox() or (0, 0, size, size)
    sprite = layer.crop(bbox)
    dest = (bbox[0], bbox[1])
    angle = (0.0, 6.0, -5.0)[variant]
    if angle:
        rotated = sprite.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True)
        shift = round(size * (0.0, -0.03, 0.02)[variant])
        dest = (bbox[0] - (rotated.width - sprite.width) // 2 + shift, bbox[1] - (rotated.height - sprite.height) // 2)
        sprite = rotated
    canvas.paste(sprite, dest, sprite)
    return _encode(canvas)


def thumbnail(webp: bytes, size: int) -> bytes:
    """A smaller copy of an encoded image (at most *size* pixels a side), as WEBP bytes."""
    with Image.open(io.BytesIO(webp)) as img:
        small = img.convert("RGB")
    small.thumbnail((size, size), Image.Resampling.LANCZOS)
    return _encode(small)


def category_image(key: str, color: str, size: int = 400) -> bytes:
    """Draw a square category tile (a soft colour field with shapes) as WEBP bytes.

    No words are drawn: the page shows the category's name as text under the picture, in the
    shopper's language (a name drawn in one language reads wrong in the other).

    Args:
        key: What varies the shapes from one category to the next (its slug).
        color: Hex colour used for the background and decoration.
        size: Width and height in pixels.

    Returns:
        The encoded WEBP image (quality 80).
    """
    size = max(64, int(size))
    base = _parse_color(color)
    seed = zlib.crc32(key.encode("utf-8"))
    canvas = _gradient((size, size), _lighten(base, 0.35), _darken(base, 0.08), diagonal=True)
    d = ImageDraw.Draw(canvas)

    # Decorative overlapping circles, a leaf-like ellipse and a drop.
    for i in range(4):
        r = size * (0.16 + 0.07 * ((seed >> (i * 3)) % 4))
        x = size * (0.1 + 0.27 * i)
        y = size * (0.12 if i % 2 else 0.92) + ((seed >> (i * 5)) % 40 - 20) * size / 400
        d.ellipse([round(x - r), round(y - r), round(x + r), round(y + r)], fill=_lighten(base, 0.18 + 0.1 * (i % 3)))
    d.ellipse(
        [round(size * 0.66), round(size * 0.22), round(size * 0.96), round(size * 0.40)], fill=_lighten(base, 0.55)
    )
    cx, cy, r = size * 0.5, size * 0.55, size * (0.13 + 0.02 * (seed % 3))
    d.ellipse([round(cx - r), round(cy - r), round(cx + r), round(cy + r)], fill=(255, 252, 248))
    cream = (255, 252, 248)
    d.polygon([(cx - r * 0.72, cy - r * 0.69), (cx, cy - r * 2.0), (cx + r * 0.72, cy - r * 0.69)], fill=cream)
    d.ellipse(
        [round(cx - r * 0.45), round(cy - r * 0.35), round(cx - r * 0.15), round(cy - r * 0.05)],
        fill=_lighten(base, 0.6),
    )
    return _encode(canvas)
