"""Customer accounts over JSON, for admins: /api/v1/admin/customers* and a user's address book
at /api/v1/admin/users/<id>/addresses*.

The rules and audit entries are shop.accounts.customers' (addresses go through the shopper's
own address rules); moderators get 403.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api import staff_schemas as out
from api.accounts import AddressIn, AddressPatchIn, Email, ProfileIn
from api.admin_access import admin_token_required
from api.admin_support import actor
from api.catalog import PageQuery
from api.pagination import PaginationQuery, paginated_page
from api.reviews import review_json
from api.schemas import EmptyEnvelope
from api.shopper_schemas import AddressEnvelope, AddressListEnvelope, AddressSchema, UserSchema
from api.shopping import order_json
from shop.accounts import customers
from shop.orders import services as orders
from shop.reviews import services as reviews
from web.envelope import success_response

bp = Blueprint("admin_customers", __name__, url_prefix="/api/v1/admin", description="Customers (admins)")


class CustomerListQuery(PaginationQuery):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in customers.CustomerStatus]))


class AdminCustomerIn(ProfileIn):
    """The profile fields, and the email."""

    email = Email(validate=validate.Length(max=255))


def customer_json(user) -> dict:
    return {**UserSchema().dump(user), "status": customers.status_of(user).value, "is_active": user.is_active}


# ---------------------------------------------------------------- customers


@bp.get("/customers")
@bp.response(200, out.CustomerPageEnvelope)
@admin_token_required
@bp.arguments(CustomerListQuery, location="query")
def list_customers(query):
    """Customers, newest first: `search` (name, email or phone), `status` (active, suspended)."""
    filters = customers.CustomerFilters(
        query=query["search"] or "",
        status=customers.CustomerStatus(query["status"]) if query["status"] else None,
    )
    page = customers.list_customers(filters, page=query["page"], per_page=query["limit"])
    return success_response(paginated_page(page, customer_json))


@bp.get("/customers/<int:user_id>")
@bp.response(200, out.CustomerEnvelope)
@admin_token_required
def get_customer(user_id: int):
    """One customer with their addresses (staff accounts are 404 here)."""
    user = customers.get_customer(user_id)
    addresses = AddressSchema(many=True).dump(customers.list_user_addresses(user.id))
    return success_response({**customer_json(user), "addresses": addresses})


@bp.put("/customers/<int:user_id>")
@bp.response(200, out.CustomerEnvelope)
@admin_token_required
@bp.arguments(AdminCustomerIn)
def update_customer(data, user_id: int):
    """Change profile fields; fields not sent stay. A new email must be free (409)."""
    user = customers.update_customer(user_id, data, actor=actor())
    return success_response(customer_json(user), _("The customer was saved."))


@bp.delete("/customers/<int:user_id>")
@bp.response(200, out.CustomerDeletedEnvelope)
@admin_token_required
def delete_customer(user_id: int):
    """Delete the customer; one with orders is anonymised instead and the orders are kept."""
    outcome = customers.delete_customer(user_id, actor=actor())
    message = (
        _("The customer was anonymised; their orders are kept.")
        if outcome == "anonymised"
        else _("The customer was deleted.")
    )
    return success_response({"id": user_id, "outcome": outcome}, message)


@bp.post("/customers/<int:user_id>/suspend")
@bp.response(200, out.CustomerEnvelope)
@admin_token_required
def suspend(user_id: int):
    """Suspend: sign-in is refused and every session and token of the customer ends at once."""
    return success_response(
        customer_json(customers.suspend_customer(user_id, actor=actor())), _("The customer was suspended.")
    )


@bp.post("/customers/<int:user_id>/activate")
@bp.response(200, out.CustomerEnvelope)
@admin_token_required
def activate(user_id: int):
    """Let a suspended customer sign in again."""
    return success_response(
        customer_json(customers.activate_customer(user_id, actor=actor())), _("The customer was activated.")
    )


@bp.get("/customers/<int:user_id>/orders")
@bp.response(200, out.CustomerOrderPageEnvelope)
@admin_token_required
@bp.arguments(PageQuery, location="query")
def customer_orders(query, user_id: int):
    """The customer's orders, newest first."""
    customers.get_customer(user_id)
    page = orders.list_orders_for_user(user_id, page=query["page"], per_page=query["limit"])
    return success_response(paginated_page(page, lambda o: order_json(o, detail=False)))


@bp.get("/customers/<int:user_id>/reviews")
@bp.response(200, out.CustomerReviewPageEnvelope)
@admin_token_required
@bp.arguments(PageQuery, location="query")
def customer_reviews(query, user_id: int):
    """The customer's reviews, whatever their status, newest first."""
    customers.get_customer(user_id)
    page = reviews.list_user_reviews(user_id, page=query["page"], per_page=query["limit"])
    return success_response(
        paginated_page(
            page,
            lambda r: review_json(r, with_product=True),
        )
    )


# ---------------------------------------------------------------- a user's addresses


@bp.get("/users/<int:user_id>/addresses")
@bp.response(200, AddressListEnvelope)
@admin_token_required
def user_addresses(user_id: int):
    """The user's addresses, defaults first."""
    return success_response(AddressSchema(many=True).dump(customers.list_user_addresses(user_id)))


@bp.post("/users/<int:user_id>/addresses")
@bp.response(201, AddressEnvelope)
@admin_token_required
@bp.arguments(AddressIn)
def add_address(data, user_id: int):
    """Add an address to the user's book (the first of its type becomes the default)."""
    address = customers.add_user_address(user_id, data, actor=actor())
    return success_response(AddressSchema().dump(address), _("Address added."), 201)


@bp.put("/users/<int:user_id>/addresses/<int:address_id>")
@bp.response(200, AddressEnvelope)
@admin_token_required
@bp.arguments(AddressPatchIn(partial=True))
def update_address(data, user_id: int, address_id: int):
    """Change one of the user's addresses."""
    address = customers.update_user_address(user_id, address_id, data, actor=actor())
    return success_response(AddressSchema().dump(address), _("Address saved."))


@bp.delete("/users/<int:user_id>/addresses/<int:address_id>")
@bp.response(200, EmptyEnvelope)
@admin_token_required
def delete_address(user_id: int, address_id: int):
    """Delete one of the user's addresses."""
    customers.delete_user_address(user_id, address_id, actor=actor())
    return success_response(None, _("Address deleted."))
