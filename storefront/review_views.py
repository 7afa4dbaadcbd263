"""Reviews on product pages: the signed-in shopper writes, edits and deletes their own review,
and marks other shoppers' reviews helpful; "My reviews" in the account lists them all.

Every action is a plain form POST that redirects back to the product page (no JavaScript
needed); with HTMX the same URL answers with the "your review" section (or the helpful button)
and a toast. The rules are shop.reviews.services'.
"""

from __future__ import annotations

from flask import abort, flash, g, has_request_context, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop.catalog import services as catalog
from shop.errors import ShopError
from shop.extensions import db
from shop.reviews import services as reviews
from shop.reviews.models import Review
from storefront import bp
from storefront.cart_views import back_to, shopper_required, sign_in_first, toast
from storefront.query import page_arg
from storefront.review_forms import ReviewForm
from storefront.shopping_forms import ActionForm
from web.auth import render_private
from web.forms import error_status, show_service_error
from web.htmx import is_htmx_fragment_request
from web.responses import private

SECTION = "storefront/reviews/_mine.html"
EDIT_PAGE = "storefront/reviews/edit.html"
MY_REVIEWS_PER_PAGE = 10


def _product_page(slug: str, **_view_args) -> str:
    return url_for("storefront.product_detail", slug=slug, _anchor="my-review")


def _product(slug: str):
    product = catalog.get_public_product(slug)
    if product is None:
        abort(404)
    return product


def review_form_for(review: Review | None) -> ReviewForm:
    """The form, filled with the shopper's review when there is one."""
    form = ReviewForm(formdata=None)
    if review is not None:
        form.rating.data = str(review.rating)
        form.title.data = review.title
        form.comment.data = review.comment
    return form


def my_review_context(product) -> dict:
    """What the product page's "your review" section needs (signed-in shoppers only)."""
    if not current_user.is_authenticated:
        return {"my_review": None, "review_form": None}
    review = reviews.review_for_product(current_user.id, product.id)
    return {"my_review": review, "review_form": review_form_for(review) if review is None else None}


def _section(product, review: Review | None, form: ReviewForm | None, *, status: int = 200, message=None):
    """HTMX: the section, and a toast when there is news."""
    body = render_template(SECTION, product=product, my_review=review, review_form=form)
    if message:
        body += render_template("partials/toast.html", message=message, category="success", link=None)
    return private(make_response(body), status)


@bp.get("/products/<slug>/review")
@shopper_required(_product_page)
def review_edit(slug: str):
    """The form with the shopper's review in it (HTMX swaps it in place; without JavaScript it
    is a page of its own)."""
    product = _product(slug)
    review = reviews.review_for_product(current_user.id, product.id)
    form = review_form_for(review)
    if is_htmx_fragment_request():
        return _section(product, review, form)
    return private(make_response(render_template(EDIT_PAGE, product=product, my_review=review, review_form=form)))


@bp.post("/products/<slug>/review")
@shopper_required(_product_page)
def review_save(slug: str):
    """Write the review, or save the changes to the shopper's review (back to moderation)."""
    product = _product(slug)
    existing = reviews.review_for_product(current_user.id, product.id)
    form = ReviewForm()
    status = 422
    if form.validate():
        try:
            if existing is None:
                review = reviews.create_review(current_user, product.id, **form.values())
            else:
                review = reviews.update_review(current_user, existing.id, form.values())
        except ShopError as error:
            show_service_error(form, error)
            status = error_status(error)
        else:
            message = (
                _("Thank you! Your review will appear once we have checked it.")
                if review.status.value == "pending"
                else _("Your review was saved.")
            )
            if is_htmx_fragment_request():
                return _section(product, review, None, message=message)
            flash(message, "success")
            return redirect(_product_page(slug), 303)
    if is_htmx_fragment_request():
        return _section(product, existing, form, status=status)
    page = render_template(EDIT_PAGE, product=product, my_review=existing, review_form=form)
    return private(make_response(page), status)


@bp.post("/products/<slug>/review/delete")
@shopper_required(_product_page)
def review_delete(slug: str):
    product = _product(slug)
    if not ActionForm().validate():
        abort(400)
    existing = reviews.review_for_product(current_user.id, product.id)
    if existing is not None:
        reviews.delete_review(current_user, existing.id)
    message = _("Your review was deleted.")
    if is_htmx_fragment_request():
        return _section(product, None, review_form_for(None), message=message)
    flash(message, "success")
    return redirect(_product_page(slug), 303)


@bp.post("/reviews/<int:review_id>/helpful")
def review_helpful(review_id: int):
    """The "helpful" button: counts once per shopper. HTMX gets the button, pressed, and a toast."""
    review = db.session.get(Review, review_id)
    product = review.product if review is not None else None
    fallback = (
        url_for("storefront.product_detail", slug=product.slug) if product is not None else url_for("storefront.home")
    )
    back = back_to(fallback)
    if not current_user.is_authenticated:
        return sign_in_first(back, _("Please sign in to say a review was helpful."))
    if not ActionForm().validate():
        abort(400)
    try:
        count = reviews.mark_helpful(current_user.id, review_id)
    except ShopError as error:
        if is_htmx_fragment_request():
            response = toast(str(error.message), "error", status=error_status(error))
            response.headers["HX-Reswap"] = "none"  # keep the button; the toast says why
            return response
        flash(str(error.message), "error")
        return redirect(back, 303)
    message = _("Thank you for your feedback.")
    if not is_htmx_fragment_request():
        flash(message, "success")
        return redirect(back, 303)
    if review is None:  # mark_helpful refuses a review that does not exist
        abort(404)
    review.helpful_count = count
    button = render_template("storefront/reviews/_helpful.html", review=review, voted=True, next=back)
    body = button + render_template("partials/toast.html", message=message, category="success", link=None)
    return private(make_response(body))


def helpful_votes(items) -> set[int]:
    """Which of these reviews the signed-in shopper marked helpful (one query per page)."""
    if not current_user.is_authenticated:
        return set()
    key = tuple(r.id for r in items)
    cache = g.setdefault("helpful_votes", {})
    if key not in cache:
        cache[key] = reviews.voted_review_ids(current_user.id, key)
    return cache[key]


@bp.app_context_processor
def _review_globals() -> dict:
    if not has_request_context() or request.blueprint not in (None, "storefront"):
        return {}
    return {"helpful_votes": helpful_votes}


@bp.get("/account/reviews")
@login_required
def my_reviews():
    """The shopper's reviews, newest first, with their moderation status."""
    page = reviews.list_user_reviews(current_user.id, page=page_arg(), per_page=MY_REVIEWS_PER_PAGE)
    if page.is_past_the_end:
        abort(404)
    return render_private("storefront/account/reviews.html", page=page)
