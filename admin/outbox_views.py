"""The outbox at /admin/outbox, for admins: the emails written instead of sent (no SMTP_HOST),
and the sends that failed for good (with SMTP), each readable as text and as rendered HTML.
The files: shop.outbox."""

from __future__ import annotations

from flask import abort, current_app
from flask_babel import lazy_gettext as _l

from admin import bp, menu
from admin.access import admin_required
from shop import outbox
from web.auth import render_private

menu.add("admin.outbox", _l("Outbox"), order=80)


@bp.get("/outbox")
@admin_required
def outbox_page():
    return render_private(
        "admin/outbox/index.html",
        smtp_host=current_app.config.get("SMTP_HOST"),
        folder=outbox.outbox_dir(),
        written=outbox.entries(failed=False),
        failed=outbox.entries(failed=True),
    )


@bp.get("/outbox/<any(sent, failed):kind>/<name>")
@admin_required
def outbox_message(kind: str, name: str):
    found = outbox.find(name, failed=kind == "failed")
    if found is None:
        abort(404)
    entry, text, html = found
    return render_private("admin/outbox/message.html", entry=entry, text=text, html=html)
