"""Customer accounts at /admin/customers, for admins: search and filter, a customer's page with
their orders, reviews and addresses, edit, suspend or activate, delete (anonymised when they
have orders), and their address book. The rules and audit entries are shop.accounts.customers'.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin import bp, menu
from admin.access import admin_required
from admin.customer_forms import CustomerForm
from admin.support import actor, choice_arg, page_number
from shop.accounts import customers
from shop.accounts import services as accounts
from shop.accounts.models import ADDRESS_TYPES
from shop.accounts.phones import display_phone
from shop.orders import services as orders
from shop.reviews import services as reviews
from web.account_forms import AddressForm
from web.auth import render_private
from web.forms import submit

menu.add("admin.customers", _l("Customers"), order=50)

RECENT = 10
PER_PAGE = 25


@bp.get("/customers", endpoint="customers")
@admin_required
def customers_index():
    filters = customers.CustomerFilters(
        query=request.args.get("q", "").strip()[:200],
        status=choice_arg("status", customers.CustomerStatus),
    )
    result = customers.list_customers(filters, page=page_number(), per_page=PER_PAGE)
    return render_private("admin/customers/index.html", page=result, filters=filters, status_of=customers.status_of)


@bp.get("/customers/<int:user_id>")
@admin_required
def customer_detail(user_id: int):
    user = customers.get_customer(user_id)
    recent_orders = orders.list_orders_for_user(user.id, page=1, per_page=RECENT)
    return render_private(
        "admin/customers/detail.html",
        customer=user,
        account_status=customers.status_of(user).value,
        orders=recent_orders.items,
        order_total=recent_orders.total,
        reviews=reviews.list_user_reviews(user.id, per_page=RECENT),
        addresses=customers.list_user_addresses(user.id),
        order_status_label=orders.status_label,
    )


@bp.route("/customers/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def customer_edit(user_id: int):
    user = customers.get_customer(user_id)
    if request.method == "GET":
        form = CustomerForm(obj=user)
        form.skin_type.data = user.skin_type.value
        form.language.data = user.language.value
        form.phone.data = display_phone(user.phone)
    else:
        form = CustomerForm()
    outcome = submit(form, lambda: customers.update_customer(user.id, form.changes(), actor=actor()))
    if outcome.done:
        flash(_("The customer was saved."), "success")
        return redirect(url_for("admin.customer_detail", user_id=user.id), 303)
    return render_private("admin/customers/edit.html", outcome.status, outcome.headers, form=form, customer=user)


@bp.post("/customers/<int:user_id>/suspend")
@admin_required
def customer_suspend(user_id: int):
    customers.suspend_customer(user_id, actor=actor())
    flash(_("The customer was suspended: they are signed out everywhere and cannot sign in."), "success")
    return redirect(url_for("admin.customer_detail", user_id=user_id), 303)


@bp.post("/customers/<int:user_id>/activate")
@admin_required
def customer_activate(user_id: int):
    customers.activate_customer(user_id, actor=actor())
    flash(_("The customer was activated."), "success")
    return redirect(url_for("admin.customer_detail", user_id=user_id), 303)


@bp.route("/customers/<int:user_id>/delete", methods=["GET", "POST"])
@admin_required
def customer_delete(user_id: int):
    """GET asks first (saying whether the account will be anonymised); POST deletes."""
    user = customers.get_customer(user_id)
    if request.method == "GET":
        return render_private("admin/customers/delete.html", customer=user, orders=customers.order_count(user.id))
    outcome = customers.delete_customer(user.id, actor=actor())
    if outcome == "anonymised":
        flash(_("The customer was anonymised; their orders are kept."), "success")
    else:
        flash(_("The customer was deleted."), "success")
    return redirect(url_for("admin.customers"), 303)


# ---------------------------------------------------------------- addresses


def _to_customer(user_id: int):
    return redirect(url_for("admin.customer_detail", user_id=user_id, _anchor="addresses"), 303)


@bp.route("/customers/<int:user_id>/addresses/new", methods=["GET", "POST"])
@admin_required
def customer_address_new(user_id: int):
    user = customers.get_customer(user_id)
    if request.method == "GET":
        kind = request.args.get("type")
        form = AddressForm(type=kind if kind in ADDRESS_TYPES else "shipping", country="Cambodia")
    else:
        form = AddressForm()
    outcome = submit(form, lambda: customers.add_user_address(user.id, form.values(), actor=actor()))
    if outcome.done:
        flash(_("Address added."), "success")
        return _to_customer(user.id)
    return render_private(
        "admin/customers/address_form.html", outcome.status, outcome.headers, form=form, customer=user, address=None
    )


@bp.route("/customers/<int:user_id>/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@admin_required
def customer_address_edit(user_id: int, address_id: int):
    user = customers.get_customer(user_id)
    address = accounts.get_address(user.id, address_id)  # another user's address: 404
    form = AddressForm(obj=address) if request.method == "GET" else AddressForm()
    outcome = submit(form, lambda: customers.update_user_address(user.id, address_id, form.values(), actor=actor()))
    if outcome.done:
        flash(_("Address saved."), "success")
        return _to_customer(user.id)
    return render_private(
        "admin/customers/address_form.html", outcome.status, outcome.headers, form=form, customer=user, address=address
    )


@bp.post("/customers/<int:user_id>/addresses/<int:address_id>/delete")
@admin_required
def customer_address_delete(user_id: int, address_id: int):
    user = customers.get_customer(user_id)
    customers.delete_user_address(user.id, address_id, actor=actor())
    flash(_("Address deleted."), "success")
    return _to_customer(user.id)
