"""Admin pages for categories: the tree (drag and drop, or up/down buttons without JavaScript),
create, edit, delete. Rules: shop.catalog.category_editing."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from admin import bp, menu
from admin.access import admin_required
from admin.forms import CategoryForm, ReorderForm
from admin.support import actor
from shop.catalog import category_editing
from shop.errors import ShopError
from shop.infra.inputs import parse_id
from web.auth import render_private
from web.forms import submit

menu.add("admin.categories", _l("Categories"), order=25)


def _form(form: CategoryForm, exclude: int | None = None) -> CategoryForm:
    form.parent_id.choices = [SelectChoice("", _("None (top level)"))] + [
        SelectChoice(str(n.category.id), "— " * n.depth + n.category.name)
        for n in category_editing.tree()
        if n.category.id != exclude
    ]
    return form


@bp.get("/categories")
@admin_required
def categories():
    return render_private("admin/categories/list.html", nodes=category_editing.tree(), form=ReorderForm())


@bp.route("/categories/new", methods=["GET", "POST"])
@admin_required
def category_new():
    form = _form(CategoryForm())
    outcome = submit(form, lambda: category_editing.create_category(form.values(), actor=actor()))
    if outcome.done:
        flash(_("Category saved."), "success")
        return redirect(url_for("admin.categories"))
    return render_private("admin/categories/form.html", outcome.status, form=form, category=None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def category_edit(category_id: int):
    category = category_editing.get_category(category_id)
    form = _form(CategoryForm(obj=category if request.method == "GET" else None), exclude=category_id)
    if request.method == "GET":
        form.parent_id.data = str(category.parent_id or "")
    outcome = submit(form, lambda: category_editing.update_category(category_id, form.values(), actor=actor()))
    if outcome.done:
        flash(_("Category saved."), "success")
        return redirect(url_for("admin.categories"))
    return render_private("admin/categories/form.html", outcome.status, form=form, category=category)


@bp.post("/categories/<int:category_id>/delete")
@admin_required
def category_delete(category_id: int):
    if not ReorderForm().validate():
        abort(400)
    try:
        category_editing.delete_category(category_id, actor=actor())
    except ShopError as error:
        if error.status == 404:
            raise
        flash(str(error.message), "error")
        return render_private(
            "admin/categories/list.html", error.status, nodes=category_editing.tree(), form=ReorderForm()
        )
    flash(_("Category deleted."), "success")
    return redirect(url_for("admin.categories"))


@bp.post("/categories/<int:category_id>/move")
@admin_required
def category_move(category_id: int):
    """Up or down one place: the reorder that works without JavaScript."""
    if not ReorderForm().validate():
        abort(400)
    try:
        category_editing.move(category_id, request.form.get("direction", ""), actor=actor())
    except ShopError as error:
        if error.status == 404:
            raise
        flash(str(error.message), "error")
    return redirect(url_for("admin.categories"))


@bp.post("/categories/reorder")
@admin_required
def categories_reorder():
    """The new order of one parent's children: `ids` as a list or comma-separated (the drag and
    drop script sends it with fetch and gets JSON; a plain form is redirected back)."""
    form = ReorderForm()
    if not form.validate():
        abort(400)
    raw = request.form.getlist("ids")
    ids = [part for value in raw for part in value.split(",") if part.strip()]
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        numbers = [parse_id(i) for i in ids]
        category_editing.reorder([n for n in numbers if n] if all(numbers) else [], actor=actor())
    except ShopError as error:
        if wants_json:
            return jsonify({"success": False, "message": str(error.message)}), error.status
        flash(str(error.message), "error")
        return redirect(url_for("admin.categories"))
    if wants_json:
        return jsonify({"success": True, "message": _("Order saved.")})
    flash(_("Order saved."), "success")
    return redirect(url_for("admin.categories"))
