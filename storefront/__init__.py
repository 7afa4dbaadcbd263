"""Door 1: the shopper's pages."""

from flask import Blueprint

bp = Blueprint("storefront", __name__)

from storefront import account_views, auth_views, catalog_views  # noqa: E402,F401  (registers routes)
