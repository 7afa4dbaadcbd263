"""Catalog tables: `categories`, `products`, `product_categories`, `product_images`."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import Model, db
from shop.infra.columns import JSONType, Money, TextArray, UTCDateTime, created_at, pg_enum, updated_at


class SkinType(enum.StrEnum):
    OILY = "oily"
    DRY = "dry"
    COMBINATION = "combination"
    SENSITIVE = "sensitive"
    NORMAL = "normal"
    ALL = "all"


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


product_categories = sa.Table(
    "product_categories",
    db.metadata,
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    # Added by migration 0002: listing a category's products.
    sa.Index("idx_product_categories_category_id", "category_id"),
)


class Category(Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="SET NULL"))
    image_url: Mapped[str | None] = mapped_column(sa.String(500))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    # Added by migration 0002: the seed has no Khmer category names.
    name_kh: Mapped[str | None] = mapped_column(sa.String(100))
    description_kh: Mapped[str | None] = mapped_column(sa.Text)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.sort_order")

    # `localized(obj, "name")` reads name_en / name_kh; categories keep the seed's `name`.
    @property
    def name_en(self) -> str:
        return self.name

    @property
    def description_en(self) -> str | None:
        return self.description

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


# The columns listings filter and sort on, carried in idx_products_listing on PostgreSQL.
LISTING_INCLUDE = [
    "price",
    "compare_at_price",
    "stock",
    "track_inventory",
    "allow_backorders",
    "skin_type",
    "skin_concerns",
    "is_featured",
    "rating_avg",
    "rating_count",
    "units_sold",
]


def on_sale_condition(columns: Any) -> sa.ColumnElement[bool]:
    """Product.is_on_sale in SQL, over `columns` (Product, or product_facets.c)."""
    return sa.and_(columns.compare_at_price.is_not(None), columns.compare_at_price > columns.price)


# At or below this many on the shelf, a product is "low on stock": "only N left" on its page, the
# staff's "low" stock filter and the dashboard's list of what is running low.
LOW_STOCK_THRESHOLD = 5


def low_stock_condition(columns: Any) -> sa.ColumnElement[bool]:
    """Product.is_low_stock in SQL, over `columns` (Product, or product_facets.c)."""
    return sa.and_(columns.track_inventory, columns.stock > 0, columns.stock <= LOW_STOCK_THRESHOLD)


def in_stock_condition(columns: Any) -> sa.ColumnElement[bool]:
    """Product.is_in_stock in SQL, over `columns` (Product, or product_facets.c)."""
    return sa.or_(sa.not_(columns.track_inventory), columns.allow_backorders, columns.stock > 0)


class Product(Model):
    __tablename__ = "products"
    __table_args__ = (
        sa.CheckConstraint("price > 0", name="positive_price"),
        sa.CheckConstraint("compare_at_price IS NULL OR compare_at_price >= price", name="valid_compare_price"),
        # Added by migration 0002: the database itself refuses to oversell.
        sa.CheckConstraint("stock >= 0 OR allow_backorders", name="non_negative_stock"),
        sa.Index(
            "idx_products_status",
            "status",
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        ),
        sa.Index("idx_products_category", "category"),
        sa.Index("idx_products_skin_type", "skin_type"),
        sa.Index(
            "idx_products_featured",
            "is_featured",
            postgresql_where=sa.text("is_featured = true"),
            sqlite_where=sa.text("is_featured = 1"),
        ),
        sa.Index("idx_products_created_at", "created_at"),
        # Added by migration 0005: every storefront/API listing reads ids, filters and sort keys
        # from this one index of public products (index-only scans; see the migration).
        sa.Index(
            "idx_products_listing",
            "created_at",
            "id",
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
            postgresql_include=LISTING_INCLUDE,
        ),
        # Added by migration 0005: an unfiltered page in these orders walks one index.
        *(
            sa.Index(
                name,
                *columns,
                postgresql_where=sa.text("status = 'active'"),
                sqlite_where=sa.text("status = 'active'"),
            )
            for name, columns in (
                ("idx_products_price", ("price", "id")),
                ("idx_products_rating", ("rating_avg", "rating_count", "id")),
                ("idx_products_units_sold", ("units_sold", "id")),
            )
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(255))
    name_kh: Mapped[str | None] = mapped_column(sa.String(255))
    slug: Mapped[str] = mapped_column(sa.String(255), unique=True)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    description_kh: Mapped[str | None] = mapped_column(sa.Text)
    short_description: Mapped[str | None] = mapped_column(sa.Text)
    sku: Mapped[str] = mapped_column(sa.String(100), unique=True)
    barcode: Mapped[str | None] = mapped_column(sa.String(100))

    price: Mapped[Decimal] = mapped_column(Money())
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money())
    cost_price: Mapped[Decimal | None] = mapped_column(Money())

    stock: Mapped[int] = mapped_column(default=0, server_default="0")
    track_inventory: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    allow_backorders: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    weight: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    dimensions: Mapped[dict | None] = mapped_column(JSONType)

    skin_type: Mapped[SkinType] = mapped_column(
        pg_enum(SkinType, "skin_type"), default=SkinType.ALL, server_default=SkinType.ALL.value
    )
    # The primary category's slug, denormalised as in the seed; product_categories holds all of them.
    category: Mapped[str] = mapped_column(sa.String(50))
    skin_concerns: Mapped[list[str] | None] = mapped_column(TextArray)
    ingredients: Mapped[list[str] | None] = mapped_column(JSONType)
    usage_instructions: Mapped[str | None] = mapped_column(sa.Text)
    # Migration 0014: how to use it, in Khmer (the product page falls back to English).
    usage_instructions_kh: Mapped[str | None] = mapped_column(sa.Text)

    image_url: Mapped[str | None] = mapped_column(sa.String(500))

    meta_title: Mapped[str | None] = mapped_column(sa.String(255))
    meta_description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[ProductStatus] = mapped_column(
        pg_enum(ProductStatus, "product_status"),
        default=ProductStatus.ACTIVE,
        server_default=ProductStatus.ACTIVE.value,
    )
    is_featured: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Added by migration 0002: a skincare shop sells brands, in sizes.
    brand: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[str | None] = mapped_column(sa.String(50))

    # Added by migration 0005, kept by shop.catalog.services.refresh_product_stats: the approved
    # reviews' average and count, and units sold in orders that were not cancelled or refunded,
    # so that listings sort by rating and best selling from an index.
    rating_avg: Mapped[Decimal] = mapped_column(sa.Numeric(3, 2), default=Decimal("0.00"), server_default="0")
    rating_count: Mapped[int] = mapped_column(default=0, server_default="0")
    units_sold: Mapped[int] = mapped_column(default=0, server_default="0")
    # Added by migration 0016, kept by shop.catalog.variants.sync: the highest price of the
    # product's active variants when they differ ("from $18.00" on its card), else NULL.
    price_max: Mapped[Decimal | None] = mapped_column(Money())

    categories: Mapped[list[Category]] = relationship(secondary=product_categories)
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        order_by="ProductImage.sort_order",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @hybrid_property
    def is_on_sale(self) -> bool:
        """Sold below its compare-at price."""
        return self.compare_at_price is not None and self.compare_at_price > self.price

    @is_on_sale.inplace.expression
    @classmethod
    def _is_on_sale_expression(cls) -> sa.ColumnElement[bool]:
        return on_sale_condition(cls)

    @hybrid_property
    def is_in_stock(self) -> bool:
        """Can be ordered now: stock on hand, backorders allowed, or stock not tracked."""
        return not self.track_inventory or self.allow_backorders or self.stock > 0

    @is_in_stock.inplace.expression
    @classmethod
    def _is_in_stock_expression(cls) -> sa.ColumnElement[bool]:
        return in_stock_condition(cls)

    @hybrid_property
    def is_low_stock(self) -> bool:
        """Tracked stock that is running out: a few left (LOW_STOCK_THRESHOLD or fewer), not none."""
        return bool(self.track_inventory) and 0 < (self.stock or 0) <= LOW_STOCK_THRESHOLD

    @is_low_stock.inplace.expression
    @classmethod
    def _is_low_stock_expression(cls) -> sa.ColumnElement[bool]:
        return low_stock_condition(cls)

    def usage_instructions_for(self, locale: str | None) -> str | None:
        """ "How to use" in `locale`: the Khmer text (`usage_instructions_kh`, migration 0014)
        in km when there is one, else the English. Read with getattr so it also works on a
        schema without the Khmer column."""
        if locale in ("km", "kh"):
            khmer = getattr(self, "usage_instructions_kh", None)
            if khmer and khmer.strip():
                return khmer
        return self.usage_instructions

    @property
    def is_on_backorder(self) -> bool:
        """None on the shelf, but ordered anyway (backorders allowed): delivered when restocked."""
        return bool(self.track_inventory and self.allow_backorders) and (self.stock or 0) <= 0

    @property
    def is_purchasable(self) -> bool:
        """Sold in the shop (active): shown, linked to and put in carts. A draft or archived
        product is none of these, even when a wishlist or a past order still names it."""
        return self.status == ProductStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.sku}>"


class ProductImage(Model):
    __tablename__ = "product_images"
    # Added by migration 0002.
    __table_args__ = (sa.Index("idx_product_images_product_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    image_url: Mapped[str] = mapped_column(sa.String(500))
    alt_text: Mapped[str | None] = mapped_column(sa.String(255))
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")
    is_primary: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = created_at()

    product: Mapped[Product] = relationship(back_populates="images")


class ProductVariant(Model):
    """What is actually bought: one size or shade of a product, with its own SKU, price and stock
    (migration 0016). Every product has at least one; exactly one is its default. A product's
    `price`, `stock` and `sku` are kept in step from its variants by shop.catalog.variants.sync.

    One option per product (`option_name` "size" or "shade", its value in English and Khmer):
    a skincare product varies along one axis; a second axis would be a second product."""

    __tablename__ = "product_variants"
    __table_args__ = (
        sa.CheckConstraint("price >= 0.01", name="variant_positive_price"),
        sa.CheckConstraint("compare_at_price IS NULL OR compare_at_price >= price", name="variant_valid_compare_price"),
        sa.CheckConstraint("stock >= 0 OR allow_backorder", name="variant_non_negative_stock"),
        sa.UniqueConstraint("product_id", "option_value_en", name="uq_product_variants_option_value"),
        sa.Index("idx_product_variants_product_id", "product_id", "position"),
        # One default per product.
        sa.Index(
            "uq_product_variants_default",
            "product_id",
            unique=True,
            postgresql_where=sa.text("is_default"),
            sqlite_where=sa.text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    option_name: Mapped[str | None] = mapped_column(sa.String(30))
    option_value_en: Mapped[str | None] = mapped_column(sa.String(100))
    option_value_kh: Mapped[str | None] = mapped_column(sa.String(100))
    sku: Mapped[str] = mapped_column(sa.String(100), unique=True)
    barcode: Mapped[str | None] = mapped_column(sa.String(100))
    price: Mapped[Decimal] = mapped_column(Money())
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money())
    cost_price: Mapped[Decimal | None] = mapped_column(Money())
    stock: Mapped[int] = mapped_column(default=0, server_default="0")
    track_stock: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    allow_backorder: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    weight: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    image_url: Mapped[str | None] = mapped_column(sa.String(500))
    is_default: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    product: Mapped[Product] = relationship()

    @property
    def is_active(self) -> bool:
        return self.archived_at is None

    @property
    def is_in_stock(self) -> bool:
        """Can be ordered now: stock on hand, backorders allowed, or stock not tracked."""
        return not self.track_stock or self.allow_backorder or self.stock > 0

    @property
    def is_on_sale(self) -> bool:
        return self.compare_at_price is not None and self.compare_at_price > self.price

    @property
    def is_low_stock(self) -> bool:
        """Tracked stock that is running out: a few left (LOW_STOCK_THRESHOLD or fewer), not none."""
        return bool(self.track_stock) and 0 < (self.stock or 0) <= LOW_STOCK_THRESHOLD

    @property
    def is_on_backorder(self) -> bool:
        return bool(self.track_stock and self.allow_backorder) and (self.stock or 0) <= 0

    def __repr__(self) -> str:
        return f"<ProductVariant {self.id} {self.sku}>"


class BackInStockAlert(Model):
    """A shopper waiting for a sold-out variant (migration 0016): one email when its stock comes
    back, then `notified_at` is set and the alert is spent. `token` is the cancel link's secret."""

    __tablename__ = "back_in_stock_alerts"
    __table_args__ = (
        sa.Index("idx_back_in_stock_alerts_variant_id", "variant_id"),
        # One waiting alert per variant and email.
        sa.Index(
            "uq_back_in_stock_alerts_waiting",
            "variant_id",
            "email",
            unique=True,
            postgresql_where=sa.text("notified_at IS NULL AND cancelled_at IS NULL"),
            sqlite_where=sa.text("notified_at IS NULL AND cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="en", server_default="en")
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime] = created_at()
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    variant: Mapped[ProductVariant] = relationship()


# A product with one variant is edited as before: whatever sets its price, stock or SKU through
# the ORM (the staff's product form, the CSV import, the factories) sets its only variant's too,
# and a new product gets its default variant. Multi-variant products are kept in step the other
# way round, from their variants, by shop.catalog.variants.sync.
MIRRORED = {
    "sku": "sku",
    "barcode": "barcode",
    "price": "price",
    "compare_at_price": "compare_at_price",
    "cost_price": "cost_price",
    "stock": "stock",
    "track_inventory": "track_stock",
    "allow_backorders": "allow_backorder",
    "weight": "weight",
}


# What a variant column holds when the product's attribute is still None at insert.
MIRRORED_DEFAULTS = {"stock": 0, "track_stock": True, "allow_backorder": False}


@sa.event.listens_for(Product, "after_insert")
def _default_variant_for_new_product(_mapper: Any, connection: sa.Connection, product: Product) -> None:
    values = {column: getattr(product, attribute) for attribute, column in MIRRORED.items()}
    for column, default in MIRRORED_DEFAULTS.items():
        if values[column] is None:
            values[column] = default
    connection.execute(
        sa.insert(cast(sa.Table, ProductVariant.__table__)).values(
            product_id=product.id, is_default=True, position=0, **values
        )
    )


@sa.event.listens_for(Product, "after_update")
def _mirror_to_only_variant(_mapper: Any, connection: sa.Connection, product: Product) -> None:
    state = sa.inspect(product)
    changed = {
        column: getattr(product, attribute)
        for attribute, column in MIRRORED.items()
        if state.attrs[attribute].history.has_changes()
    }
    if not changed:
        return
    variants = cast(sa.Table, ProductVariant.__table__)
    others = sa.alias(variants)
    only_one = (
        sa.select(sa.func.count())
        .select_from(others)
        .where(others.c.product_id == product.id, others.c.archived_at.is_(None))
        .scalar_subquery()
    )
    connection.execute(
        sa.update(variants)
        .where(variants.c.product_id == product.id, variants.c.is_default, only_one == 1)
        .values(**changed, updated_at=sa.func.now())
    )
