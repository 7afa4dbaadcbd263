"""Sign-up, sign-in and sign-out, email verification and password reset pages.

The rules are shop.accounts.services'; these views validate the form, call the service and
render. The emailed links land here: `storefront.verify_email` and `storefront.reset_password`.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts import limits
from shop.accounts import services as accounts
from shop.errors import ShopError
from shop.i18n import current_locale, to_db_language
from storefront import bp
from web.account_forms import (
    EmailForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from web.auth import render_private, safe_next_url, sign_in, sign_out
from web.forms import error_status, show_service_error, submit


def redirect_after_sign_in(default: str = "storefront.account"):
    """To `?next=` when it is a path on this site, else to `default` (no open redirect)."""
    return redirect(safe_next_url(request.args.get("next")) or url_for(default))


@bp.route("/account/register", methods=["GET", "POST"])
@limits.register
def register():
    if current_user.is_authenticated and request.method == "GET":
        return redirect_after_sign_in()
    form = RegisterForm()
    outcome = submit(
        form,
        lambda: accounts.register(
            form.email.data,
            form.password.data,
            first_name=form.first_name.data or None,
            last_name=form.last_name.data or None,
            language=to_db_language(current_locale()),
        ),
    )
    if outcome.done:
        sign_in(outcome.result)
        flash(_("Welcome! Please check your email to confirm your address."), "success")
        return redirect_after_sign_in()  # "sign up to check out" comes back to checkout
    return render_private("storefront/account/register.html", outcome.status, outcome.headers, form=form)


@bp.route("/account/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect_after_sign_in()
    form = LoginForm()
    outcome = submit(form, lambda: accounts.authenticate(form.email.data, form.password.data, ip=request.remote_addr))
    if outcome.done:
        sign_in(outcome.result, remember=form.remember.data)
        flash(_("Signed in."), "success")
        return redirect_after_sign_in()
    return render_private("storefront/account/login.html", outcome.status, outcome.headers, form=form)


@bp.post("/account/logout")
def logout():
    sign_out()
    flash(_("Signed out."), "info")
    return redirect(url_for("storefront.home"))


@bp.get("/account/verify-email")
def verify_email():
    """The link from the verification email (works once)."""
    try:
        user = accounts.verify_email(request.args.get("token", ""))
    except (accounts.InvalidToken, accounts.ExpiredToken) as error:
        return render_private("storefront/account/verify_email.html", error_status(error), error=error)
    return render_private("storefront/account/verify_email.html", user=user, error=None)


@bp.route("/account/resend-verification", methods=["GET", "POST"])
@limits.verification_email
def resend_verification():
    form = EmailForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = current_user.email
    outcome = submit(form, lambda: accounts.resend_verification(form.email.data))
    # The answer is the same whether or not the account exists.
    return render_private(
        "storefront/account/resend_verification.html", outcome.status, outcome.headers, form=form, sent=outcome.done
    )


@bp.route("/account/forgot-password", methods=["GET", "POST"])
@limits.password_reset_email
def forgot_password():
    form = EmailForm()
    outcome = submit(form, lambda: accounts.request_password_reset(form.email.data))
    # The answer is the same whether or not the account exists.
    return render_private(
        "storefront/account/forgot_password.html", outcome.status, outcome.headers, form=form, sent=outcome.done
    )


@bp.route("/account/reset-password", methods=["GET", "POST"])
def reset_password():
    """The link from the reset email: choose a new password (the link works once, for an hour)."""
    token = request.args.get("token", "")
    form = ResetPasswordForm()
    if request.method == "GET":
        try:  # say at once when the link is spent or expired, not after a new password is typed
            accounts.check_reset_token(token)
        except ShopError as error:
            show_service_error(form, error)
            return render_private("storefront/account/reset_password.html", error_status(error), {}, form=form)
    outcome = submit(form, lambda: accounts.reset_password(token, form.password.data))
    if outcome.done:
        # Every session of that account has ended; this browser starts afresh too.
        if current_user.is_authenticated:
            sign_out()
        flash(_("Your password was changed. Please sign in."), "success")
        return redirect(url_for("storefront.login"))
    return render_private("storefront/account/reset_password.html", outcome.status, outcome.headers, form=form)
