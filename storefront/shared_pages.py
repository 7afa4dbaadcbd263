"""Product pages for anonymous visitors, served from the page cache before Flask.

A request with no session cookie and no "remember me" cookie comes from a visitor who is not
signed in, has an empty cart and no message waiting: they see the shared product page
(storefront.catalog_views caches it whole), with their own CSRF token filled in. Serving it here
skips what such a request does not need (opening a session, loading the user, the limiter,
Flask's request machinery): the cached page costs about half of what it costs through Flask.
The page view is recorded and the access line logged as for any page.

Anything else goes to Flask: a page not in the cache yet (Flask renders and caches it), another
query string, a signed-in shopper, a guest with a cart, and any error here.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from flask import Flask, Response
from werkzeug.datastructures import ETags
from werkzeug.http import parse_date
from werkzeug.wrappers import Request

from shop.analytics.device import is_bot
from shop.catalog import services as catalog
from shop.i18n import LANG_COOKIE, choose_locale, normalize_locale, set_locale_cookie
from shop.infra import browser, cookies, csrf, security_headers
from shop.infra.compression import accepts_gzip, deflate_parts, gzip_joined
from shop.infra.request_log import REQUEST_ID_HEADER, log_access, request_id_from
from storefront import tracking as track

log = logging.getLogger("shop.shared_pages")

# Stands for the visitor's CSRF token in a cached page; filled in for each visitor.
CSRF_HOLE = "csrf-token-hole-7c1f0e"
PRODUCT_PATH = re.compile(r"^/products/([^/]+)$")
# The query a shared page may carry: the language, and the search that led here (analytics only).
SHARED_ARGS = frozenset({"lang", "from_search"})


def page_response(
    entry: dict,
    token: str,
    if_none_match: ETags | None,
    if_modified_since: datetime | None,
    accept_encoding: str | None = None,
) -> Response:
    """A cached page (catalog.cached_page) for the visitor whose CSRF token is `token`: the
    page itself (gzipped when the browser takes it: compressed once per cached page, see
    shop.infra.compression), or 304 when their copy is current. The page differs per visitor only by
    the token, so the ETag names the token too."""
    visitor = hashlib.sha1(token.encode(), usedforsecurity=False).hexdigest()[:8]
    etag = f"{entry['etag']}-{visitor}"
    # The headers as plain strings: werkzeug's ETag and Vary helpers parse and rebuild them,
    # a tenth of the cost of a page served from memory.
    headers = [
        ("ETag", f'W/"{etag}"'),
        ("Last-Modified", entry["last_modified"]),
        ("Cache-Control", "private, no-cache"),
        ("Vary", "Cookie, Accept-Language, Accept-Encoding"),
    ]
    if _not_modified(etag, entry["last_modified"], if_none_match, if_modified_since):
        return Response(status=304, headers=headers)
    if accepts_gzip(accept_encoding):
        body = gzip_joined(_parts(entry), _gzip_parts(entry), token.encode())
        headers.append(("Content-Encoding", "gzip"))
        return Response(body, headers=headers, content_type="text/html; charset=utf-8")
    return Response(token.encode().join(_parts(entry)), headers=headers, content_type="text/html; charset=utf-8")


def _gzip_parts(entry: dict) -> list[bytes]:
    """_parts, each compressed once per cached entry (about 2 ms of a page's 50 kB each time)."""
    deflated = entry.get("gzip_parts")
    if deflated is None:
        deflated = entry["gzip_parts"] = deflate_parts(_parts(entry))
    return deflated


def _parts(entry: dict) -> list[bytes]:
    """The page as UTF-8 bytes around the token holes, split once per cached entry (the same
    dict is served from the process's memory again and again)."""
    parts = entry.get("parts")
    if parts is None:
        parts = entry["parts"] = [part.encode() for part in entry["html"].split(CSRF_HOLE)]
    return parts


def _not_modified(etag: str, last_modified: str, if_none_match: ETags | None, since: datetime | None) -> bool:
    if if_none_match:
        return if_none_match.contains_weak(etag)
    modified = parse_date(last_modified)
    return since is not None and modified is not None and modified <= since


class SharedPages:
    """WSGI middleware in front of the Flask app (see the module docstring)."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            match = PRODUCT_PATH.match(environ.get("PATH_INFO", ""))
            if match:
                try:
                    response = self._serve(environ, match.group(1))
                except Exception:  # Flask answers instead, and handles the error its own way
                    log.exception("shared page failed; passing the request to Flask")
                    response = None
                if response is not None:
                    return response(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _serve(self, environ: dict, slug: str) -> Response | None:
        started = time.perf_counter()
        request = Request(environ)
        config = self.app.config
        jar = request.cookies
        if config["SESSION_COOKIE_NAME"] in jar or config.get("REMEMBER_COOKIE_NAME", "remember_token") in jar:
            return None
        if not SHARED_ARGS.issuperset(request.args):
            return None
        secure = cookies.secure(config)
        asked = normalize_locale(request.args.get("lang"))
        locale = choose_locale(asked, jar.get(LANG_COOKIE), lambda: None, lambda: request.accept_languages)
        with self.app.app_context():
            entry, _generation = catalog.cached_page(slug, locale)
            if entry is None or "product_id" not in entry:
                return None
            browser_id = browser.valid_id(jar.get(browser.cookie_name(secure)))
            is_new = browser_id is None
            browser_id = browser_id or browser.new_id()
            key = self.app.config["SECRET_KEY"]
            response = page_response(
                entry,
                csrf.token_for(key, browser_id),
                request.if_none_match,
                request.if_modified_since,
                request.headers.get("Accept-Encoding"),
            )
            if is_new:
                browser.set_cookie(response, browser_id, secure=secure)
            if asked and asked != jar.get(LANG_COOKIE):
                set_locale_cookie(response, asked, secure=secure)
            user_agent = request.user_agent.string
            if request.method == "GET" and not is_bot(user_agent):
                who = track.guest_visitor(key, browser_id, user_agent, request.remote_addr)
                product_id, category = entry["product_id"], entry.get("category")
                track.record_product_view(who, product_id, category, request.path, request.args.get("from_search", ""))
                track.record_page_view(who, request.full_path)
            request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER, ""))
            response.headers[REQUEST_ID_HEADER] = request_id
            production = config["ENV_NAME"] == "production"
            security_headers.apply(response.headers, https=request.is_secure, production=production)
            log_access(request.method, request.path, response.status_code, started, request.remote_addr, request_id)
        return response


def install(app: Flask) -> None:
    app.wsgi_app = SharedPages(app, app.wsgi_app)  # type: ignore[method-assign]  # Flask's way to add middleware
