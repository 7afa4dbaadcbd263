"""Home, category, listing and product pages."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, send_from_directory

from shop.catalog import services as catalog
from storefront import bp


@bp.get("/")
def home():
    return render_template(
        "storefront/home.html",
        categories=catalog.top_categories(),
        featured=catalog.featured_products(8),
        new_arrivals=catalog.new_arrivals(8),
        best_sellers=catalog.best_sellers(8),
    )


@bp.get("/products/<slug>")
def product_detail(slug: str):
    product = catalog.get_public_product(slug)
    if product is None:
        abort(404)
    return render_template("storefront/catalog/product_detail.html", product=product)


@bp.get("/categories/<slug>")
def category(slug: str):
    found = catalog.get_category(slug)
    if found is None:
        abort(404)
    page = catalog.list_public_products(category=found, page=_page_arg())
    return render_template("storefront/catalog/listing.html", category=found, page=page, query="")


@bp.get("/shop")
def search():
    page = catalog.list_public_products(page=_page_arg())
    return render_template("storefront/catalog/listing.html", category=None, page=page, query=request.args.get("q", ""))


@bp.get("/uploads/<path:filename>")
def uploads(filename: str):
    """Product and category images from UPLOAD_PATH (a CDN or nginx serves them in production)."""
    response = send_from_directory(current_app.config["UPLOAD_PATH"], filename, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        abort(400)
    return int(raw)
