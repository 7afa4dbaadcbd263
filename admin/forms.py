"""Forms of the admin pages. Each validator has a translatable message; the rules themselves
(prices, compare-at price, SKUs, transitions, refunds) are the services', whose errors are shown
on the field they name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from shop.catalog.models import ProductStatus, SkinType
from shop.catalog.vocab import SKIN_CONCERN_LABELS, SKIN_TYPE_LABELS
from shop.infra.inputs import parse_id
from shop.orders.fulfilment import FULFILMENT_LABELS, MANUAL_FULFILMENT, PAYMENT_LABELS
from shop.orders.models import OrderStatus, PaymentStatus
from shop.orders.services import STATUS_LABELS
from shop.reporting.periods import Granularity
from web.forms import REQUIRED, DayField, MaxLength, one_of, strip

PRODUCT_STATUS_LABELS = {
    ProductStatus.DRAFT: _l("Draft"),
    ProductStatus.ACTIVE: _l("Active"),
    ProductStatus.ARCHIVED: _l("Archived"),
}


def _text(label, length: int, required: bool = False):
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    return StringField(label, filters=[strip], validators=[*validators, MaxLength(length)])


def _area(label, length: int = 20000):
    return TextAreaField(label, filters=[strip], validators=[Optional(), MaxLength(length)])


def _choices(labels: dict, values=None, blank=None):
    def build():
        pairs = [SelectChoice("", blank)] if blank is not None else []
        return pairs + [SelectChoice(str(v), labels[v]) for v in (values or labels)]

    return build


def amount(form, field) -> None:
    """A number of dollars and cents ("12.50"); the service checks the rest."""
    text = (field.data or "").replace(",", "").strip()
    field.data = text
    if text and not all(part.isascii() and part.isdigit() for part in text.split(".", 1)) or text.count(".") > 1:
        raise ValidationError(_l("Enter an amount such as 12.50."))


class ProductForm(FlaskForm):
    name_en = _text(_l("Name (English)"), 255, required=True)
    name_kh = _text(_l("Name (Khmer)"), 255)
    slug = _text(_l("Address (slug)"), 255)
    sku = _text(_l("SKU"), 100, required=True)
    barcode = _text(_l("Barcode"), 100)
    brand = _text(_l("Brand"), 100)
    size = _text(_l("Size"), 50)
    status = SelectField(_l("Status"), choices=_choices(PRODUCT_STATUS_LABELS), validate_choice=False,
                         validators=[one_of([s.value for s in ProductStatus])])  # fmt: skip
    category_id = SelectField(
        _l("Main category"), choices=[], validate_choice=False, validators=[DataRequired(REQUIRED)]
    )
    extra_category_ids = SelectMultipleField(_l("Other categories"), choices=[], validate_choice=False)
    price = StringField(_l("Price (USD)"), filters=[strip], validators=[DataRequired(REQUIRED), amount])
    compare_at_price = StringField(_l("Compare-at price"), filters=[strip], validators=[Optional(), amount])
    cost_price = StringField(_l("Cost price"), filters=[strip], validators=[Optional(), amount])
    stock = StringField(_l("Stock"), filters=[strip], validators=[Optional(), MaxLength(8)])
    track_inventory = BooleanField(_l("Track stock"), default=True)
    allow_backorders = BooleanField(_l("Allow orders when out of stock"))
    is_featured = BooleanField(_l("Featured"))
    skin_type = SelectField(_l("Skin type"), choices=_choices(SKIN_TYPE_LABELS), validate_choice=False,
                            validators=[one_of([s.value for s in SkinType])])  # fmt: skip
    skin_concerns = SelectMultipleField(
        _l("Skin concerns"), choices=_choices(SKIN_CONCERN_LABELS), validate_choice=False
    )
    ingredients = _area(_l("Ingredients (one per line)"))
    short_description = _area(_l("Short description"), 2000)
    description_en = _area(_l("Description (English)"))
    description_kh = _area(_l("Description (Khmer)"))
    usage_instructions = _area(_l("How to use (English)"), 5000)
    usage_instructions_kh = _area(_l("How to use (Khmer)"), 5000)
    meta_title = _text(_l("Search engine title"), 255)
    meta_description = _area(_l("Search engine description"), 1000)

    PLAIN = (
        "name_en", "name_kh", "slug", "sku", "barcode", "brand", "size", "status", "price", "compare_at_price",
        "cost_price", "stock", "track_inventory", "allow_backorders", "is_featured", "skin_type", "skin_concerns",
        "short_description", "description_en", "description_kh", "usage_instructions", "usage_instructions_kh",
        "meta_title", "meta_description",
    )  # fmt: skip

    def values(self) -> dict:
        """The values for shop.catalog.editing (it checks them)."""
        data = {name: getattr(self, name).data for name in self.PLAIN}
        data["ingredients"] = [line for line in (self.ingredients.data or "").splitlines() if line.strip()]
        extra = [i for i in self.extra_category_ids.data or [] if i != self.category_id.data]
        data["category_ids"] = [self.category_id.data, *extra]
        return data

    def fill(self, values: dict) -> None:
        """Show a product's values (editing.snapshot) in the form."""
        for name in self.PLAIN:
            if name in values and values[name] is not None:
                getattr(self, name).data = values[name] if name != "stock" else str(values[name])
        self.ingredients.data = "\n".join(values.get("ingredients") or [])
        ids = [str(i) for i in values.get("category_ids") or []]
        self.category_id.data = ids[0] if ids else None
        self.extra_category_ids.data = ids[1:]


class CategoryForm(FlaskForm):
    name = _text(_l("Name (English)"), 100, required=True)
    name_kh = _text(_l("Name (Khmer)"), 100)
    slug = _text(_l("Address (slug)"), 50)
    parent_id = SelectField(_l("Parent category"), choices=[], validate_choice=False)
    description = _area(_l("Description (English)"), 5000)
    description_kh = _area(_l("Description (Khmer)"), 5000)
    is_active = BooleanField(_l("Shown in the shop"), default=True)

    def values(self) -> dict:
        data = {name: getattr(self, name).data for name in ("name", "name_kh", "slug", "description", "description_kh")}
        data["parent_id"] = parse_id(self.parent_id.data)
        data["is_active"] = self.is_active.data
        return data


class ProductBulkForm(FlaskForm):
    ids = SelectMultipleField(_l("Products"), choices=[], validate_choice=False, validators=[DataRequired(REQUIRED)])
    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice("activate", _l("Make active")),
            SelectChoice("draft", _l("Make draft")),
            SelectChoice("archive", _l("Archive")),
            SelectChoice("feature", _l("Feature")),
            SelectChoice("unfeature", _l("Stop featuring")),
            SelectChoice("price", _l("Change price by %")),
            SelectChoice("delete", _l("Delete (archive if ordered)")),
        ],
        validate_choice=False,
        validators=[one_of(["activate", "draft", "archive", "feature", "unfeature", "price", "delete"])],
    )
    percent = StringField(_l("Percent"), filters=[strip], validators=[Optional(), MaxLength(8)])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[DataRequired(_l("Choose a CSV file."))])


class ImageForm(FlaskForm):
    image = FileField(_l("Photo (JPEG, PNG or WebP)"), validators=[DataRequired(_l("Choose an image file."))])
    alt_text = _text(_l("Description for screen readers"), 255)


class ReorderForm(FlaskForm):
    ids = HiddenField()


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=_choices(STATUS_LABELS), validate_choice=False,
                         validators=[one_of([s.value for s in OrderStatus])])  # fmt: skip
    note = _text(_l("Note"), 1000)


class FulfilmentForm(FlaskForm):
    fulfillment_status = SelectField(_l("Fulfilment status"), choices=_choices(FULFILMENT_LABELS, MANUAL_FULFILMENT),
                                     validate_choice=False, validators=[DataRequired(REQUIRED)])  # fmt: skip


class NextStepForm(FlaskForm):
    """One of the order page's next-step buttons (the status it moves to is the button's)."""

    status = HiddenField(validators=[one_of([s.value for s in OrderStatus])])
    tracking_number = _text(_l("Tracking number"), 100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tracking_number.flags.required = True  # shipping needs it (the service says so)


class ShipForm(FlaskForm):
    tracking_number = _text(_l("Tracking number"), 100, required=True)


class RefundForm(FlaskForm):
    amount = StringField(_l("Amount to refund (USD)"), filters=[strip], validators=[DataRequired(REQUIRED), amount])
    restock = BooleanField(_l("Put the items back in stock"))
    reason = _text(_l("Reason"), 1000)


class BulkOrdersForm(FlaskForm):
    ids = SelectMultipleField(_l("Orders"), choices=[], validate_choice=False, validators=[DataRequired(REQUIRED)])
    status = SelectField(_l("New status"), choices=_choices(STATUS_LABELS), validate_choice=False,
                         validators=[one_of([s.value for s in OrderStatus])])  # fmt: skip


class OrderFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=_choices(STATUS_LABELS, blank=_l("Any")), validate_choice=False,
                         validators=[one_of(["", None, *[s.value for s in OrderStatus]])])  # fmt: skip
    payment_status = SelectField(
        _l("Payment"),
        choices=_choices(PAYMENT_LABELS, blank=_l("Any")),
        validate_choice=False,
        validators=[one_of(["", None, *[s.value for s in PaymentStatus]])],
    )
    date_from = DayField(_l("From"), validators=[Optional()], invalid_value_message=_l("Must be a date (YYYY-MM-DD)."))
    date_to = DayField(_l("To"), validators=[Optional()], invalid_value_message=_l("Must be a date (YYYY-MM-DD)."))
    customer = _text(_l("Customer or order number"), 200)


class ProductFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = _text(_l("Search"), 200)
    status = SelectField(_l("Status"), choices=_choices(PRODUCT_STATUS_LABELS, blank=_l("Any")), validate_choice=False,
                         validators=[one_of(["", None, *[s.value for s in ProductStatus]])])  # fmt: skip
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    stock = SelectField(
        _l("Stock"),
        choices=[SelectChoice("", _l("Any")), SelectChoice("out", _l("Out of stock")),
                 SelectChoice("low", _l("Low (5 or fewer)")), SelectChoice("in", _l("In stock"))],
        validate_choice=False,
        validators=[one_of(["", None, "out", "low", "in"])],
    )  # fmt: skip
    featured = SelectField(
        _l("Featured"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("yes", _l("Featured")),
            SelectChoice("no", _l("Not featured")),
        ],
        validate_choice=False,
        validators=[one_of(["", None, "yes", "no"])],
    )


class RangeForm(FlaskForm):
    class Meta:
        csrf = False

    start = DayField(_l("From"), validators=[Optional()], invalid_value_message=_l("Must be a date (YYYY-MM-DD)."))
    end = DayField(_l("To"), validators=[Optional()], invalid_value_message=_l("Must be a date (YYYY-MM-DD)."))
    granularity = SelectField(
        _l("By"),
        choices=[SelectChoice("day", _l("Day")), SelectChoice("week", _l("Week")), SelectChoice("month", _l("Month"))],
        validate_choice=False,
        validators=[one_of([None, *[g.value for g in Granularity]])],
    )


class ContentPageForm(FlaskForm):
    slug = _text(_l("Address (slug)"), 60, required=True)
    title_en = _text(_l("Title (English)"), 200, required=True)
    title_km = _text(_l("Title (Khmer)"), 200)
    body_en = _area(_l("Text (English, Markdown)"), 50000)
    body_km = _area(_l("Text (Khmer, Markdown)"), 50000)

    def values(self) -> dict:
        """The values for shop.content.services.save_page (it checks them)."""
        return {name: getattr(self, name).data for name in ("slug", "title_en", "title_km", "body_en", "body_km")}
