"""Delivery zones at /admin/delivery, for admins: each zone's provinces and methods (rate,
free-delivery threshold, estimate in English and Khmer). One form per zone plus one for a new
zone; a method row left without a code is dropped. The rules and the audit entries are
shop.delivery.services'."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin import bp, menu
from admin.access import admin_required
from admin.support import actor
from shop.accounts.provinces import province_choices
from shop.delivery import services as delivery
from shop.errors import ShopError
from web.auth import render_private
from web.forms import error_status

menu.add("admin.delivery", _l("Delivery"), order=75)
METHOD_FIELDS = ("code", "name_en", "name_kh", "rate", "free_over", "estimate_en", "estimate_kh")
MAX_METHODS = 10


def _posted_zone() -> dict:
    methods = []
    for index in range(MAX_METHODS):
        row: dict[str, Any] = {name: request.form.get(f"methods-{index}-{name}", "") for name in METHOD_FIELDS}
        if row["code"].strip():
            row["is_active"] = request.form.get(f"methods-{index}-is_active") == "y"
            methods.append(row)
    return {
        "name_en": request.form.get("name_en"),
        "name_kh": request.form.get("name_kh"),
        "position": request.form.get("position") or 0,
        "provinces": request.form.getlist("provinces"),
        "methods": methods,
    }


def _page(status: int = 200, *, error: ShopError | None = None, error_zone: str | None = None):
    return render_private(
        "admin/delivery/zones.html",
        status,
        None,
        zones=delivery.list_zone_rows(),
        defaults=delivery.default_zones(),
        provinces=province_choices(),
        error=error,
        error_zone=error_zone,
        max_methods=MAX_METHODS,
    )


@bp.get("/delivery", endpoint="delivery")
@admin_required
def zones_page():
    return _page()


@bp.post("/delivery/new")
@admin_required
def zone_create():
    try:
        delivery.save_zone(None, _posted_zone(), actor=actor())
    except ShopError as error:
        return _page(error_status(error), error=error, error_zone="new")
    flash(_("Delivery zone saved."), "success")
    return redirect(url_for("admin.delivery"), 303)


@bp.post("/delivery/<int:zone_id>")
@admin_required
def zone_update(zone_id: int):
    try:
        delivery.save_zone(zone_id, _posted_zone(), actor=actor())
    except ShopError as error:
        return _page(error_status(error), error=error, error_zone=str(zone_id))
    flash(_("Delivery zone saved."), "success")
    return redirect(url_for("admin.delivery"), 303)


@bp.post("/delivery/<int:zone_id>/delete")
@admin_required
def zone_delete(zone_id: int):
    delivery.delete_zone(zone_id, actor=actor())
    flash(_("Delivery zone deleted."), "success")
    return redirect(url_for("admin.delivery"), 303)
