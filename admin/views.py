"""Staff sign-in and the staff landing page (the dashboard of a later issue replaces index)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin import bp
from admin.access import staff_required
from shop.accounts import services as accounts
from storefront.account_forms import LoginForm, submit
from storefront.auth import render_private, safe_next_url, sign_in, sign_out


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
    return render_private("admin/index.html")
