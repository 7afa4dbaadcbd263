"""Staff sign-in and the dashboard (the staff landing page)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin import bp
from admin.access import can, staff_required
from shop.accounts import services as accounts
from shop.accounts.models import UserRole
from shop.payments import services as payments
from shop.reporting import analytics, dashboard
from shop.reporting.periods import today
from web.account_forms import LoginForm
from web.auth import render_private, safe_next_url, sign_in, sign_out
from web.forms import submit

ADMINS = frozenset({UserRole.ADMIN})


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET" and current_user.is_authenticated and current_user.is_staff:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    outcome = submit(
        form,
        lambda: accounts.authenticate(form.email.data, form.password.data, ip=request.remote_addr, staff_only=True),
    )
    if outcome.done:
        sign_in(outcome.result, remember=form.remember.data)
        flash(_("Signed in."), "success")
        return redirect(safe_next_url(request.args.get("next")) or url_for("admin.index"))
    return render_private("admin/login.html", outcome.status, outcome.headers, form=form)


@bp.post("/logout")
def logout():
    sign_out()
    flash(_("Signed out."), "info")
    return redirect(url_for("admin.login"))


@bp.get("/")
@staff_required
def index():
    """The dashboard: figures, charts and lists for admins; what concerns them for moderators."""
    context = {"pending_reviews": dashboard.pending_reviews(), "is_admin": can(ADMINS)}
    if context["is_admin"]:
        end = today()
        context.update(
            stats=dashboard.all_stats(),
            sales=analytics.sales(end - timedelta(days=29), end),
            recent=dashboard.recent_orders(8),
            top=dashboard.top_products(30, 5),
            low=dashboard.low_stock(),
            needing_refund=payments.orders_needing_refund(),
            low_variants=dashboard.low_stock_variants(),
        )
    return render_private("admin/dashboard.html", **context)
