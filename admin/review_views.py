"""Review moderation at /admin/reviews, for staff (moderators and admins).

The queue (pending reviews first; filters by status, rating, product and words), approve,
reject or reopen one review in place (HTMX swaps its row, and the pending counter out of band),
several at once, delete. Every button is a plain form that also works without JavaScript.
The rules and the audit log entries are shop.reviews.services'.
"""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin import bp, menu
from admin.access import staff_required
from admin.support import actor, back, choice_arg, htmx_error, page_number, toast_html, whole_number_arg
from shop.errors import ShopError
from shop.infra.inputs import parse_id
from shop.reviews import services as reviews
from shop.reviews.models import MAX_RATING, ReviewStatus
from web.auth import render_private
from web.htmx import is_htmx_fragment_request
from web.responses import private

menu.add("admin.reviews", _l("Reviews"), order=60)

LIST = "admin/reviews/index.html"
PER_PAGE = 25
ACTIONS = {"approve": ReviewStatus.APPROVED, "reject": ReviewStatus.REJECTED, "reopen": ReviewStatus.PENDING}
DONE = {
    ReviewStatus.APPROVED: _l("Review approved."),
    ReviewStatus.REJECTED: _l("Review rejected."),
    ReviewStatus.PENDING: _l("Review sent back to the queue."),
}


def status_labels() -> dict[str, str]:
    return {"pending": _("Pending"), "approved": _("Approved"), "rejected": _("Rejected")}


def _filters() -> reviews.ReviewFilters:
    """The queue's filters from the query string; no `status` means pending, `all` means any."""
    raw_status = request.args.get("status", "pending")
    status = None if raw_status == "all" else choice_arg("status", ReviewStatus) or ReviewStatus.PENDING
    return reviews.ReviewFilters(
        status=status,
        rating=whole_number_arg("rating", high=MAX_RATING),
        product_id=whole_number_arg("product"),
        query=request.args.get("q", "").strip()[:200],
    )


@bp.get("/reviews", endpoint="reviews")
@staff_required
def reviews_index():
    filters = _filters()
    result = reviews.list_reviews(filters, page=page_number(), per_page=PER_PAGE)
    return render_private(
        LIST,
        page=result,
        filters=filters,
        status_arg=request.args.get("status", "pending"),
        pending=reviews.pending_count(),
        labels=status_labels(),
        here=request.full_path.rstrip("?"),
    )


def _row_response(review, message: str):
    """HTMX: the review's row, the pending counter out of band, and a toast."""
    body = (
        render_template("admin/reviews/_row.html", review=review, labels=status_labels(), here=request.form.get("next"))
        + render_template("admin/reviews/_pending.html", pending=reviews.pending_count(), oob=True)
        + toast_html(message)
    )
    return private(make_response(body))


@bp.post("/reviews/<int:review_id>/<action>")
@staff_required
def review_action(review_id: int, action: str):
    """Approve, reject or reopen one review (`action`), or delete it (`delete`)."""
    if action != "delete" and action not in ACTIONS:
        abort(404)
    try:
        if action == "delete":
            reviews.delete_reviews([review_id], actor=actor())
        else:
            changed = reviews.set_status([review_id], ACTIONS[action], actor=actor())[0]
    except ShopError as error:
        if is_htmx_fragment_request():
            return htmx_error(str(error.message), error.status)
        raise
    message = str(DONE[ACTIONS[action]]) if action != "delete" else _("Review deleted.")
    if is_htmx_fragment_request():
        if action == "delete":
            body = render_template("admin/reviews/_pending.html", pending=reviews.pending_count(), oob=True)
            return private(make_response(body + toast_html(message)))
        return _row_response(changed, message)
    flash(message, "success")
    return back(url_for("admin.reviews"))


@bp.post("/reviews/bulk")
@staff_required
def reviews_bulk():
    """The selected reviews: approve, reject or delete them all (all or nothing)."""
    action = request.form.get("action", "")
    ids = [number for number in map(parse_id, request.form.getlist("ids")) if number]
    if action != "delete" and action not in ACTIONS:
        abort(400)
    try:
        if action == "delete":
            count = reviews.delete_reviews(ids, actor=actor())
            message = _("%(num)s reviews deleted.", num=count)
        else:
            count = len(reviews.set_status(ids, ACTIONS[action], actor=actor()))
            message = _("%(num)s reviews updated.", num=count)
    except ShopError as error:
        flash(str(error.message), "error")
        return back(url_for("admin.reviews"))
    flash(message, "success")
    return back(url_for("admin.reviews"))
