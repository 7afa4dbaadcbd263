"""Static files under content-hashed URLs: `url_for('static', filename='css/shop.css')` gives
`/static/css/shop.<hash>.css`, served with a year of `Cache-Control: public, max-age=31536000,
immutable` (a new file is a new URL). The un-hashed URL still works, with a short max-age.

The manifest is computed once at start-up (a hash of each file under static/; CSS `url(...)`s to
other static files are rewritten to their hashed names first, so fonts are cached a year as
well). Text files are compressed once (brotli and gzip) the first time they are asked for, and
served from memory.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import brotli
from flask import Flask, Response, request

from shop.infra.compression import accepts_gzip

YEAR = 31_536_000
SHORT_MAX_AGE = 600
COMPRESSIBLE = frozenset({"text/css", "text/javascript", "application/javascript", "image/svg+xml", "text/plain"})
_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")


@dataclass
class Asset:
    name: str  # as asked for in url_for: css/shop.css
    hashed: str  # css/shop.1a2b3c4d5e.css
    body: bytes
    mimetype: str
    etag: str
    _encoded: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def encoded(self, encoding: str) -> bytes:
        with self._lock:
            if encoding not in self._encoded:
                if encoding == "br":
                    self._encoded[encoding] = brotli.compress(self.body, quality=9)
                else:
                    self._encoded[encoding] = gzip.compress(self.body, 9, mtime=0)
            return self._encoded[encoding]


class StaticFiles:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.by_name: dict[str, Asset] = {}
        self.by_hashed: dict[str, Asset] = {}
        self._build()

    def _build(self) -> None:
        paths = sorted(p for p in self.folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        # CSS last: its url(...)s name the hashed files.
        for path in sorted(paths, key=lambda p: p.suffix == ".css"):
            name = path.relative_to(self.folder).as_posix()
            body = path.read_bytes()
            if path.suffix == ".css":
                body = self._rewrite_css(name, body)
            digest = hashlib.sha256(body).hexdigest()[:10]
            stem, dot, suffix = name.rpartition(".")
            hashed = f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{name}.{digest}"
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            asset = Asset(name, hashed, body, mimetype, digest)
            self.by_name[name] = asset
            self.by_hashed[hashed] = asset

    def _rewrite_css(self, name: str, body: bytes) -> bytes:
        folder = PurePosixPath(name).parent

        def hashed_url(match: re.Match) -> str:
            url = match.group(2)
            if ":" in url or url.startswith(("/", "#")):
                return match.group(0)
            target = _normalise(folder / url)
            asset = self.by_name.get(target)
            if asset is None:
                return match.group(0)
            relative = url.rsplit("/", 1)[0] + "/" if "/" in url else ""
            return f'url("{relative}{PurePosixPath(asset.hashed).name}")'

        return _CSS_URL.sub(hashed_url, body.decode("utf-8")).encode("utf-8")

    def url_name(self, filename: str) -> str:
        asset = self.by_name.get(filename)
        return asset.hashed if asset else filename

    def response(self, filename: str, fallback) -> Response:
        asset = self.by_hashed.get(filename)
        immutable = asset is not None
        if asset is None:
            asset = self.by_name.get(filename)
        if asset is None:  # a file added after start-up: Flask's own way, briefly cached
            response = fallback(filename)
            response.cache_control.max_age = SHORT_MAX_AGE
            response.cache_control.public = True
            return response
        body, encoding = asset.body, None
        if asset.mimetype in COMPRESSIBLE:
            accepted = request.headers.get("Accept-Encoding", "")
            if "br" in {item.split(";")[0].strip() for item in accepted.lower().split(",")}:
                encoding = "br"
            elif accepts_gzip(accepted):
                encoding = "gzip"
            if encoding:
                body = asset.encoded(encoding)
        response = Response(body, mimetype=asset.mimetype)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        if asset.mimetype in COMPRESSIBLE:
            response.vary.add("Accept-Encoding")
        response.set_etag(f"{asset.etag}-{encoding or 'identity'}")
        response.cache_control.public = True
        response.cache_control.max_age = YEAR if immutable else SHORT_MAX_AGE
        if immutable:
            response.cache_control.immutable = True
        response.make_conditional(request)  # changes the response itself (304, ranges)
        return response


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def init_static_files(app: Flask) -> StaticFiles:
    """Hash the static folder, make url_for('static') name the hashed files, serve them."""
    files = StaticFiles(Path(app.static_folder or "static"))
    app.extensions["static_files"] = files
    fallback = app.send_static_file

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = files.url_name(values["filename"])

    def static(filename: str) -> Response:
        return files.response(filename, fallback)

    app.view_functions["static"] = static
    return files
