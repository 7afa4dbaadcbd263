"""Small pieces the admin pages share: who is acting, the page number and filters of a listing,
HTMX toasts, going back to the listing a form was posted from."""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, request
from flask_login import current_user

from shop.audit.actors import Actor
from shop.infra.inputs import parse_id
from shop.paging import parse_page
from web.auth import safe_next_url
from web.responses import private


def actor() -> Actor:
    """The signed-in staff member, for the audit log."""
    return Actor.of(current_user, ip_address=request.remote_addr, request_id=g.get("request_id"))


def page_number() -> int:
    """?page=, by the shop's one rule (`shop.paging.parse_page`): a bad one is a 400 page."""
    return parse_page(request.args.get("page"))


def whole_number_arg(name: str, *, high: int = 2**31 - 1) -> int | None:
    """An optional whole-number filter from 1 to `high` (400 when it is anything else)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    number = parse_id(raw)
    if number is None or number > high:
        abort(400)
    return number


def choice_arg(name: str, kind):
    """An optional filter that must be one of an enum's values (400 otherwise)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        abort(400)


def back(default: str):
    """303 to the form's `next` (a path on this site) or to `default`."""
    return redirect(safe_next_url(request.form.get("next")) or default, 303)


def toast_html(message: str, category: str = "success") -> str:
    """A message for an HTMX answer, sent out of band into the layout's #toasts."""
    return render_template("admin/_toast.html", message=message, category=category)


def htmx_error(message: str, status: int):
    """An HTMX answer to a refused action: a toast, and nothing else swapped."""
    response = private(make_response(toast_html(message, "error")), status)
    response.headers["HX-Reswap"] = "none"
    return response
