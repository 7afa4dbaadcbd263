"""Admin pages for the shop's information pages (delivery, returns, privacy...): list, create,
edit, in English and Khmer, Markdown. Rules and the audit log: shop.content.services."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin import bp, menu
from admin.access import admin_required
from admin.forms import ContentPageForm
from admin.support import actor
from shop.content import services as content
from web.auth import render_private
from web.forms import submit

menu.add("admin.content_pages", _l("Pages"), order=27)


@bp.get("/pages")
@admin_required
def content_pages():
    return render_private("admin/content/list.html", pages=content.list_pages())


@bp.route("/pages/new", methods=["GET", "POST"])
@admin_required
def content_page_new():
    form = ContentPageForm()
    outcome = submit(form, lambda: content.save_page(None, form.values(), actor=actor()))
    if outcome.done:
        flash(_("Page saved."), "success")
        return redirect(url_for("admin.content_pages"))
    return render_private("admin/content/form.html", outcome.status, form=form, page=None)


@bp.route("/pages/<int:page_id>", methods=["GET", "POST"])
@admin_required
def content_page_edit(page_id: int):
    page = content.get_page_by_id(page_id)
    form = ContentPageForm(data=content.snapshot(page))
    outcome = submit(form, lambda: content.save_page(page_id, form.values(), actor=actor()))
    if outcome.done:
        flash(_("Page saved."), "success")
        return redirect(url_for("admin.content_pages"))
    return render_private("admin/content/form.html", outcome.status, form=form, page=page)
