"""Admin pages for products: the table with filters and bulk actions, the product form with
photos, CSV export and import. Rules: shop.catalog.editing, .images, .transfer."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from admin import bp, menu
from admin.access import admin_required
from admin.forms import ImageForm, ImportForm, ProductBulkForm, ProductFilterForm, ProductForm, ReorderForm
from admin.support import actor, page_number
from shop.catalog import alerts, category_editing, editing, images, transfer, variant_editing
from shop.catalog import variants as catalog_variants
from shop.catalog.models import Category, ProductStatus, ProductVariant
from shop.errors import ShopError
from shop.extensions import db
from shop.infra.inputs import parse_id
from shop.infra.request_limits import FORM_OVERHEAD, accepts_upload
from shop.paging import Page
from web.auth import render_private
from web.forms import error_status, show_service_error, submit

menu.add("admin.products", _l("Products"), order=20)
PER_PAGE = 25


def category_choices(blank=None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    for node in category_editing.tree():
        choices.append(SelectChoice(str(node.category.id), "— " * node.depth + node.category.name))
    return choices


def product_filters() -> tuple[ProductFilterForm, dict | None]:
    """The product table's filters (?q=&status=&category=&stock=&featured=), shared with the
    stock and prices page: the form, and the list functions' arguments (None when refused)."""
    filters = ProductFilterForm(request.args)
    filters.category.choices = category_choices(_("Any"))
    if not filters.validate():
        return filters, None
    category_id = parse_id(filters.category.data)
    return filters, {
        "query": filters.q.data or "",
        "status": ProductStatus(filters.status.data) if filters.status.data else None,
        "category": db.session.get(Category, category_id) if category_id else None,
        "stock": filters.stock.data or None,
        "featured": {"yes": True, "no": False}.get(filters.featured.data),
    }


@bp.get("/products")
@admin_required
def products():
    filters, criteria = product_filters()
    status = 200
    page = Page([], 1, PER_PAGE, 0)
    if criteria is not None:
        page = editing.list_products(**criteria, page=page_number(), per_page=PER_PAGE)
    else:
        status = 422
    return render_private("admin/products/list.html", status, filters=filters, page=page, bulk=ProductBulkForm())


@bp.post("/products/bulk")
@admin_required
def products_bulk():
    form = ProductBulkForm()
    if not form.validate():
        flash(_("Choose products and an action."), "error")
        return redirect(url_for("admin.products"))
    ids = [number for number in map(parse_id, form.ids.data) if number]
    try:
        match form.action.data:
            case "delete":
                deleted, archived = editing.delete_products(ids, actor=actor())
                flash(_("%(deleted)s deleted, %(archived)s archived.", deleted=len(deleted), archived=len(archived)),
                      "success")  # fmt: skip
            case "price":
                # The service checks the percentage (a number from -90 to 500).
                editing.bulk_update(ids, actor=actor(), price_percent=form.percent.data or "")
                flash(_("Products updated."), "success")
            case action:
                changes = {
                    "activate": {"status": ProductStatus.ACTIVE},
                    "draft": {"status": ProductStatus.DRAFT},
                    "archive": {"status": ProductStatus.ARCHIVED},
                    "feature": {"is_featured": True},
                    "unfeature": {"is_featured": False},
                }[action]
                editing.bulk_update(ids, actor=actor(), **changes)
                flash(_("Products updated."), "success")
    except ShopError as error:
        flash(str(error.message), "error")
    return redirect(url_for("admin.products"))


def _product_form(form: ProductForm) -> ProductForm:
    form.category_id.choices = category_choices(_("Choose…"))
    form.extra_category_ids.choices = category_choices()
    return form


def _show_error(form: ProductForm, error: ShopError) -> None:
    if error.field == "category_ids":
        error.field = "category_id"
    show_service_error(form, error)


@bp.route("/products/new", methods=["GET", "POST"])
@admin_required
def product_new():
    form = _product_form(ProductForm())
    if request.method == "GET":
        form.status.data = ProductStatus.DRAFT.value
    outcome = submit(form, lambda: editing.create_product(form.values(), actor=actor()))
    if outcome.done:
        flash(_("Product saved."), "success")
        return redirect(url_for("admin.product_edit", product_id=outcome.result.id))
    return render_private("admin/products/form.html", outcome.status, form=form, product=None)


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@admin_required
def product_edit(product_id: int):
    product = editing.get_product(product_id)
    form = _product_form(ProductForm())
    if request.method == "GET":
        form.fill(editing.snapshot(product))
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                editing.update_product(product_id, form.values(), actor=actor())
            except ShopError as error:
                _show_error(form, error)
                status = error_status(error)
            else:
                flash(_("Product saved."), "success")
                return redirect(url_for("admin.product_edit", product_id=product_id))
        else:
            status = 422
        product = editing.get_product(product_id)
    return render_private(
        "admin/products/form.html", status, form=form, product=product, image_form=ImageForm(), reorder=ReorderForm()
    )


@bp.post("/products/<int:product_id>/images")
@accepts_upload()
@admin_required
def product_image_add(product_id: int):
    form = ImageForm()
    if form.validate():
        try:
            data = images.read_upload(form.image.data.stream)
            images.add_image(product_id, data, actor=actor(), alt_text=form.alt_text.data or None)
        except ShopError as error:
            if error.status == 404:
                raise
            form.image.errors = [str(error.message)]
        else:
            flash(_("Photo added."), "success")
            return redirect(url_for("admin.product_edit", product_id=product_id))
    product = editing.get_product(product_id)
    edit = _product_form(ProductForm(formdata=None))
    edit.fill(editing.snapshot(product))
    return render_private(
        "admin/products/form.html", 400, form=edit, product=product, image_form=form, reorder=ReorderForm()
    )


@bp.post("/products/<int:product_id>/images/<int:image_id>/delete")
@admin_required
def product_image_delete(product_id: int, image_id: int):
    if not ReorderForm().validate():
        abort(400)
    images.delete_image(product_id, image_id, actor=actor())
    flash(_("Photo removed."), "success")
    return redirect(url_for("admin.product_edit", product_id=product_id))


@bp.post("/products/<int:product_id>/images/reorder")
@admin_required
def product_images_reorder(product_id: int):
    """The new order as comma-separated ids (the up/down buttons send it too)."""
    form = ReorderForm()
    if not form.validate():
        abort(400)
    try:
        ids = [int(i) for i in (form.ids.data or "").split(",") if i.strip()]
        images.reorder_images(product_id, ids, actor=actor())
    except (ShopError, ValueError) as error:
        flash(str(getattr(error, "message", _("List each of the product's images once."))), "error")
    return redirect(url_for("admin.product_edit", product_id=product_id))


@bp.post("/products/<int:product_id>/delete")
@admin_required
def product_delete(product_id: int):
    if not ReorderForm().validate():
        abort(400)
    deleted, _archived = editing.delete_products([product_id], actor=actor())
    flash(_("Product deleted.") if deleted else _("The product was ordered before, so it was archived."), "success")
    return redirect(url_for("admin.products"))


@bp.get("/products/export.csv")
@admin_required
def products_export():
    response = Response("".join(transfer.export_rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=products.csv"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/products/import", methods=["GET", "POST"])
@accepts_upload(lambda: transfer.MAX_BYTES + FORM_OVERHEAD)
@admin_required
def products_import():
    form = ImportForm()
    errors, status = [], 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            try:
                result = transfer.import_csv(form.file.data.read(), actor=actor())
            except transfer.ImportRefused as refused:
                errors, status = refused.errors, 422
                form.form_errors.append(str(refused.message))
            except ShopError as error:
                form.file.errors = [str(error.message)]
                status = error.status
            else:
                flash(_("Imported: %(created)s new, %(updated)s updated.", created=result.created,
                        updated=result.updated), "success")  # fmt: skip
                return redirect(url_for("admin.products"))
    return render_private("admin/products/import.html", status, form=form, errors=errors)


# ---------------------------------------------------------------- variants


@bp.app_template_global("admin_product_variants")
def admin_product_variants(product_id: int) -> list[tuple]:
    """The product page's variants section: every variant (archived ones too, last) with how
    many shoppers wait for it to be back in stock."""
    found = catalog_variants.variants_of(product_id, include_archived=True)
    waiting = alerts.waiting_counts(v.id for v in found)
    return [(v, waiting.get(v.id, 0)) for v in sorted(found, key=lambda v: (v.archived_at is not None, v.position))]


def _variant_values() -> dict:
    values: dict[str, object] = {
        name: request.form.get(name) for name in variant_editing.FIELDS if name in request.form
    }
    for flag in variant_editing.FLAGS:
        values[flag] = flag in request.form
    if "is_default" in request.form:
        values["is_default"] = True
    return values


def _variant_change(product_id: int, change, done: str):
    """Run a variant change (CSRF checked); on a refusal the product page again, 4xx, with the
    reason over the variants and the values typed."""
    if not ReorderForm().validate():
        abort(400)
    try:
        change()
    except ShopError as error:
        if error.status == 404:
            raise
        product = editing.get_product(product_id)
        edit = _product_form(ProductForm(formdata=None))
        edit.fill(editing.snapshot(product))
        return render_private(
            "admin/products/form.html",
            error_status(error),
            form=edit,
            product=product,
            image_form=ImageForm(),
            reorder=ReorderForm(),
            variant_error=str(error.message),
            variant_typed=request.form,
        )
    flash(done, "success")
    return redirect(url_for("admin.product_edit", product_id=product_id, _anchor="variants-title"), 303)


@bp.post("/products/<int:product_id>/variants")
@admin_required
def product_variant_add(product_id: int):
    return _variant_change(
        product_id,
        lambda: variant_editing.add_variant(product_id, _variant_values(), actor=actor()),
        _("Size or shade added."),
    )


def _variant_of(product_id: int, variant_id: int):
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None or variant.product_id != product_id:
        abort(404)
    return variant


@bp.post("/products/<int:product_id>/variants/<int:variant_id>")
@admin_required
def product_variant_edit(product_id: int, variant_id: int):
    _variant_of(product_id, variant_id)
    return _variant_change(
        product_id,
        lambda: variant_editing.update_variant(variant_id, _variant_values(), actor=actor()),
        _("Size or shade saved."),
    )


@bp.post("/products/<int:product_id>/variants/<int:variant_id>/<any(archive, restore, delete):action>")
@admin_required
def product_variant_action(product_id: int, variant_id: int, action: str):
    _variant_of(product_id, variant_id)
    changes = {
        "archive": (variant_editing.archive_variant, _("Size or shade archived: it is no longer sold.")),
        "restore": (variant_editing.restore_variant, _("Size or shade on sale again.")),
        "delete": (variant_editing.delete_variant, _("Size or shade deleted.")),
    }
    change, done = changes[action]
    return _variant_change(product_id, lambda: change(variant_id, actor=actor()), done)


@bp.post("/products/<int:product_id>/variants/order")
@admin_required
def product_variants_reorder(product_id: int):
    """The new order as comma-separated ids (the up buttons send it)."""
    # A piece that is no id (past 32 bits, "²") is left out: the service then refuses the order
    # as incomplete, with its reason.
    parsed = [parse_id(i) for i in (request.form.get("ids") or "").split(",") if i.strip()]
    ids = [i for i in parsed if i is not None]
    return _variant_change(
        product_id,
        lambda: variant_editing.reorder_variants(product_id, ids, actor=actor()),
        _("Order saved."),
    )
