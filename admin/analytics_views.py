"""The analytics pages: sales, customers and products over a chosen range, with charts and
CSV downloads. Figures: shop.reporting.analytics."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin import bp, menu
from admin.access import admin_required
from admin.forms import RangeForm
from admin.support import actor
from shop.errors import ShopError
from shop.recommendations.retraining import retrain_now
from shop.reporting import analytics
from shop.reporting.periods import Granularity, today
from web.auth import render_private
from web.forms import show_service_error

menu.add("admin.analytics_page", _l("Analytics"), order=40)


def _range(form: RangeForm):
    end = form.end.data or today()
    start = form.start.data or end - timedelta(days=29)
    return start, end, Granularity(form.granularity.data or "day")


@bp.get("/analytics")
@admin_required
def analytics_page():
    form = RangeForm(request.args)
    context: dict = {"form": form}
    if not form.validate():
        return render_private("admin/analytics/index.html", 422, **context)
    start, end, granularity = _range(form)
    try:
        context.update(
            start=start,
            end=end,
            granularity=granularity,
            sales=analytics.sales(start, end, granularity),
            customers=analytics.customers(start, end, granularity),
            funnel=analytics.product_funnel(start, end),
        )
    except ShopError as error:
        show_service_error(form, error)
        return render_private("admin/analytics/index.html", error.status, **context)
    return render_private("admin/analytics/index.html", **context)


@bp.get("/analytics/<any(sales, customers, products):report>.csv")
@admin_required
def analytics_csv(report: str):
    form = RangeForm(request.args)
    if not form.validate():
        return Response(_("Some of what you entered is not valid."), 422, mimetype="text/plain")
    start, end, granularity = _range(form)
    out = io.StringIO()
    writer = csv.writer(out)
    try:
        if report == "sales":
            writer.writerow(["period", "orders", "revenue"])
            writer.writerows(
                [p.period.isoformat(), p.orders, f"{p.revenue:.2f}"] for p in analytics.sales(start, end, granularity)
            )
        elif report == "customers":
            writer.writerow(["period", "new", "returning"])
            writer.writerows(
                [p.period.isoformat(), p.new, p.returning] for p in analytics.customers(start, end, granularity)
            )
        else:
            writer.writerow(["product_id", "name", "views", "purchases", "conversion_percent"])
            writer.writerows(
                [f.product_id, f.name, f.views, f.purchases, f.conversion]
                for f in analytics.product_funnel(start, end) or []
            )
    except ShopError as error:
        return Response(str(error.message), error.status, mimetype="text/plain")
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={report}-{start}-{end}.csv"
    return response


@bp.post("/analytics/retrain")
@admin_required
def analytics_retrain():
    """'Retrain now': the recommendations from every interaction so far (audited)."""
    done = retrain_now(actor())
    if done.queued:
        flash(
            _("We are retraining the recommendations in the background: the new lists appear in a few minutes."), "info"
        )
    else:
        flash(
            _(
                "Recommendations retrained: %(products)s products, %(interactions)s interactions.",
                products=done.result["products"],
                interactions=done.result["interactions"],
            ),
            "success",
        )
    return redirect(url_for("admin.analytics_page"), 303)
