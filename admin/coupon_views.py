"""Coupons at /admin/coupons, for admins: the list (filters, totals, status of several at once),
create and edit with every seed field, a coupon's page (statistics and who used it), delete.

A used coupon is not deleted: the page says so and offers to deactivate it (the uses and the
orders that name it stay the record of the discounts given). The rules and the audit entries
are shop.coupons.services'.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin import bp, menu
from admin.access import admin_required
from admin.coupon_forms import STATUS_LABELS, TYPE_LABELS, CouponForm
from admin.support import actor, back, choice_arg, page_number
from shop.catalog.models import Category
from shop.coupons import services as coupons
from shop.coupons.models import CouponStatus, CouponType
from shop.errors import ShopError
from shop.extensions import db
from shop.infra.inputs import parse_id
from web.auth import render_private
from web.forms import submit

menu.add("admin.coupons", _l("Coupons"), order=70)
PER_PAGE = 25


def _page(template: str, status: int = 200, headers: dict | None = None, **context):
    return render_private(template, status, headers, type_labels=TYPE_LABELS, status_labels=STATUS_LABELS, **context)


def _form(**kwargs) -> CouponForm:
    categories = db.session.scalars(sa.select(Category).order_by(Category.name)).all()
    return CouponForm(categories=categories, **kwargs)


@bp.get("/coupons", endpoint="coupons")
@admin_required
def coupons_index():
    filters = coupons.CouponFilters(
        query=request.args.get("q", "").strip()[:200],
        status=choice_arg("status", CouponStatus),
        type=choice_arg("type", CouponType),
    )
    result = coupons.list_coupons(filters, page=page_number(), per_page=PER_PAGE)
    return _page(
        "admin/coupons/index.html",
        page=result,
        filters=filters,
        overview=coupons.coupons_overview(),
        here=request.full_path.rstrip("?"),
    )


@bp.route("/coupons/new", methods=["GET", "POST"])
@admin_required
def coupon_new():
    form = _form(formdata=None, status="active", type="percentage", usage_limit_per_user="1")
    if request.method == "POST":
        form = _form()
    outcome = submit(form, lambda: coupons.create_coupon(form.values(), actor=actor()))
    if outcome.done:
        flash(_("The coupon was created."), "success")
        return redirect(url_for("admin.coupon_detail", coupon_id=outcome.result.id), 303)
    return _page("admin/coupons/form.html", outcome.status, outcome.headers, form=form, coupon=None)


@bp.get("/coupons/<int:coupon_id>")
@admin_required
def coupon_detail(coupon_id: int):
    coupon = coupons.get_coupon(coupon_id)
    usage = coupons.coupon_usage(coupon.id, page=page_number(), per_page=PER_PAGE)
    return _page(
        "admin/coupons/detail.html",
        coupon=coupon,
        stats=coupons.coupon_stats(coupon.id),
        usage=usage,
    )


@bp.route("/coupons/<int:coupon_id>/edit", methods=["GET", "POST"])
@admin_required
def coupon_edit(coupon_id: int):
    coupon = coupons.get_coupon(coupon_id)
    if request.method == "GET":
        form = _form(formdata=None)
        form.fill(coupon)
    else:
        form = _form()
    outcome = submit(form, lambda: coupons.update_coupon(coupon.id, form.values(), actor=actor()))
    if outcome.done:
        flash(_("The coupon was saved."), "success")
        return redirect(url_for("admin.coupon_detail", coupon_id=coupon.id), 303)
    return _page("admin/coupons/form.html", outcome.status, outcome.headers, form=form, coupon=coupon)


@bp.post("/coupons/<int:coupon_id>/delete")
@admin_required
def coupon_delete(coupon_id: int):
    try:
        coupons.delete_coupon(coupon_id, actor=actor())
    except coupons.CouponInUse as error:
        flash(str(error.message), "error")
        return redirect(url_for("admin.coupon_detail", coupon_id=coupon_id), 303)
    flash(_("The coupon was deleted."), "success")
    return redirect(url_for("admin.coupons"), 303)


@bp.post("/coupons/bulk")
@admin_required
def coupons_bulk():
    """Set the status of the selected coupons."""
    ids = [number for number in map(parse_id, request.form.getlist("ids")) if number]
    try:
        changed = coupons.bulk_set_status(ids, request.form.get("status", ""), actor=actor())
    except ShopError as error:
        flash(str(error.message), "error")
        return back(url_for("admin.coupons"))
    flash(_("%(num)s coupons updated.", num=len(changed)), "success")
    return back(url_for("admin.coupons"))
