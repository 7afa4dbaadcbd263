"""The signed-in shopper's pages: account overview, profile, password, address book."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop.accounts import limits
from shop.accounts import services as accounts
from shop.accounts.models import ADDRESS_TYPES
from shop.accounts.phones import display_phone
from shop.i18n import remember_locale
from storefront import bp
from web.account_forms import AddressForm, ChangePasswordForm, ProfileForm
from web.auth import remembered, render_private, sign_in
from web.forms import submit


def _me():
    """The signed-in user as a model instance (not the proxy), for the services."""
    return current_user._get_current_object()


@bp.get("/account")
@login_required
def account():
    addresses = accounts.list_addresses(current_user.id)
    defaults = {a.type: a for a in addresses if a.is_default}
    return render_private("storefront/account/overview.html", defaults=defaults, address_count=len(addresses))


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    if request.method == "GET":
        user = _me()
        form = ProfileForm(
            first_name=user.first_name,
            last_name=user.last_name,
            phone=display_phone(user.phone),
            date_of_birth=user.date_of_birth,
            gender=user.gender or "",
            skin_type=user.skin_type.value,
            language=user.language.value,
        )
    else:
        form = ProfileForm()
    outcome = submit(form, lambda: accounts.update_profile(_me(), form.changes()))
    if outcome.done:
        # The pages follow the language just chosen.
        remember_locale(outcome.result.language.value)
        flash(_("Your profile was saved."), "success")
        return redirect(url_for("storefront.profile"))
    return render_private("storefront/account/profile.html", outcome.status, outcome.headers, form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limits.change_password
def change_password():
    form = ChangePasswordForm()
    outcome = submit(form, lambda: accounts.change_password(_me(), form.current_password.data, form.new_password.data))
    if outcome.done:
        # The change ended every session (auth_version); this one continues under a new id.
        sign_in(outcome.result, remember=remembered())
        flash(_("Your password was changed. You were signed out on your other devices."), "success")
        return redirect(url_for("storefront.account"))
    return render_private("storefront/account/change_password.html", outcome.status, outcome.headers, form=form)


# ---------------------------------------------------------------- address book


@bp.get("/account/addresses")
@login_required
def addresses():
    items = accounts.list_addresses(current_user.id)
    groups = {kind: [a for a in items if a.type == kind] for kind in ADDRESS_TYPES}
    return render_private("storefront/account/addresses.html", groups=groups)


@bp.route("/account/addresses/new", methods=["GET", "POST"])
@login_required
def address_new():
    if request.method == "GET":
        kind = request.args.get("type")
        form = AddressForm(type=kind if kind in ADDRESS_TYPES else "shipping", country="Cambodia")
    else:
        form = AddressForm()
    outcome = submit(form, lambda: accounts.add_address(current_user.id, form.values()))
    if outcome.done:
        flash(_("Address added."), "success")
        return redirect(url_for("storefront.addresses"))
    return render_private(
        "storefront/account/address_form.html", outcome.status, outcome.headers, form=form, address=None
    )


@bp.route("/account/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@login_required
def address_edit(address_id: int):
    address = accounts.get_address(current_user.id, address_id)  # anyone else's: 404
    form = AddressForm(obj=address) if request.method == "GET" else AddressForm()
    outcome = submit(form, lambda: accounts.update_address(current_user.id, address_id, form.values()))
    if outcome.done:
        flash(_("Address saved."), "success")
        return redirect(url_for("storefront.addresses"))
    return render_private(
        "storefront/account/address_form.html", outcome.status, outcome.headers, form=form, address=address
    )


@bp.post("/account/addresses/<int:address_id>/delete")
@login_required
def address_delete(address_id: int):
    accounts.delete_address(current_user.id, address_id)
    flash(_("Address deleted."), "success")
    return redirect(url_for("storefront.addresses"))


@bp.post("/account/addresses/<int:address_id>/default")
@login_required
def address_default(address_id: int):
    accounts.set_default_address(current_user.id, address_id)
    flash(_("Default address changed."), "success")
    return redirect(url_for("storefront.addresses"))
