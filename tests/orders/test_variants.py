"""Variants: what is bought is a size or shade, with its own SKU, price and stock; the
product row keeps the seed's meaning (lowest price, total stock, the default's SKU)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from shop.audit.actors import Actor
from shop.audit.models import AuditLog
from shop.cart import services as cart
from shop.catalog import variant_editing, variants
from shop.catalog.models import Product, ProductVariant
from shop.errors import ShopError
from shop.extensions import db as shop_db
from shop.orders import fulfilment
from shop.orders import services as orders
from shop.orders.models import OrderItem, PaymentStatus
from tests.factories import AdminFactory, ProductFactory
from tests.support.statements import sent_statements

D = Decimal
ADDRESS = {
    "first_name": "Sokha",
    "last_name": "Chan",
    "address_line1": "No. 1, Street 278",
    "province": "KH-12",
    "city": "Phnom Penh",
    "country": "Cambodia",
    "phone": "+85512345678",
}


def sizes(stock_30: int = 10, stock_50: int = 10, **product) -> tuple[Product, ProductVariant, ProductVariant]:
    """A serum in 30 ml ($18) and 50 ml ($26)."""
    serum = ProductFactory(price=D("18.00"), stock=stock_30, sku="SER-30", name_en="Glow Serum", **product)
    actor = Actor(None, "staff@example.com")
    small = variants.default_variant(serum)
    variant_editing.update_variant(
        small.id, {"option_name": "size", "option_value_en": "30 ml", "option_value_kh": "៣០ មីលីលីត្រ"}, actor=actor
    )
    large = variant_editing.add_variant(
        serum.id,
        {"option_name": "size", "option_value_en": "50 ml", "sku": "SER-50", "price": "26.00", "stock": stock_50},
        actor=actor,
    )
    return serum, small, large


def test_a_new_product_is_one_default_variant_that_follows_its_edits(db):
    product = ProductFactory(price=D("12.50"), stock=4, sku="TON-1")
    (only,) = variants.variants_of(product.id)
    assert (only.sku, only.price, only.stock, only.is_default, only.option_value_en) == (
        "TON-1",
        D("12.50"),
        4,
        True,
        None,
    )
    product.stock, product.price = 0, D("11.00")
    db.session.commit()
    db.session.refresh(only)
    assert (only.price, only.stock) == (D("11.00"), 0)


def test_the_product_row_shows_the_lowest_price_the_total_stock_and_the_defaults_sku(db):
    serum, small, large = sizes(stock_30=3, stock_50=4)
    db.session.refresh(serum)
    assert (serum.price, serum.stock, serum.sku) == (D("18.00"), 7, "SER-30")
    variant_editing.update_variant(small.id, {"price": "30.00"}, actor=Actor(None, None))
    variant_editing.update_variant(large.id, {"is_default": True}, actor=Actor(None, None))
    db.session.refresh(serum)
    assert (serum.price, serum.stock, serum.sku) == (D("26.00"), 7, "SER-50")
    assert variants.price_range(variants.variants_of(serum.id), serum) == variants.PriceRange(D("26.00"), D("30.00"))


def test_the_cart_holds_each_size_as_its_own_line_at_its_own_price(db):
    serum, small, large = sizes()
    owner = cart.Owner(guest={})
    cart.add_item(owner, serum.id, 1)  # no variant: the default, as the seed's calls do
    cart.add_item(owner, serum.id, 2, large.id)
    view = cart.view(owner)
    assert [(line.variant.sku, line.quantity, line.unit_price, line.variant_name) for line in view.lines] == [
        ("SER-30", 1, D("18.00"), "30 ml"),
        ("SER-50", 2, D("26.00"), "50 ml"),
    ]
    assert view.quote.subtotal == D("70.00")
    cart.set_quantity(owner, serum.id, 1, large.id)
    cart.remove_item(owner, serum.id, small.id)
    assert [(item.variant_id, item.quantity) for item in cart.basket(owner)] == [(large.id, 1)]


def test_a_variant_of_another_product_is_refused(db):
    serum, _small, _large = sizes()
    other = variants.default_variant(ProductFactory())
    with pytest.raises(variants.VariantNotOfProduct) as refused:
        cart.add_item(cart.Owner(guest={}), serum.id, 1, other.id)
    assert refused.value.status == 422


def test_an_order_snapshots_the_variant_and_takes_its_stock_and_the_products(db):
    serum, small, large = sizes(stock_30=5, stock_50=2)
    order = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(serum.id, 2, large.id), orders.BasketItem(serum.id, 1)],
            email="buyer@example.com",
            shipping_address=ADDRESS,
        )
    )
    items = sorted(order.items, key=lambda i: i.variant_sku)
    assert [(i.product_name, i.variant_name, i.variant_sku, i.product_sku, i.unit_price) for i in items] == [
        ("Glow Serum", "30 ml", "SER-30", "SER-30", D("18.00")),
        ("Glow Serum", "50 ml", "SER-50", "SER-50", D("26.00")),
    ]
    db.session.expire_all()
    assert (db.session.get(ProductVariant, small.id).stock, db.session.get(ProductVariant, large.id).stock) == (4, 0)
    assert db.session.get(Product, serum.id).stock == 4
    with pytest.raises(orders.OutOfStock) as refused:
        orders.place_order(
            orders.Checkout(
                items=[orders.BasketItem(serum.id, 1, large.id)], email="late@example.com", shipping_address=ADDRESS
            )
        )
    assert str(refused.value.message) == "Glow Serum (50 ml) is out of stock."
    # cancelled: each variant gets its own units back, and the product its total
    orders.cancel_order(order.id, user_id=None, by_staff=True)
    db.session.expire_all()
    assert (db.session.get(ProductVariant, small.id).stock, db.session.get(ProductVariant, large.id).stock) == (5, 2)
    assert db.session.get(Product, serum.id).stock == 7


def test_a_refund_with_restock_puts_back_the_variant_sold(db):
    serum, small, large = sizes(stock_30=5, stock_50=3)
    order = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(serum.id, 2, large.id)], email="buyer@example.com", shipping_address=ADDRESS
        )
    )
    order.payment_status = PaymentStatus.PAID
    db.session.commit()
    fulfilment.refund(order.id, "52.00", actor=Actor.of(AdminFactory()), restock=True)
    db.session.expire_all()
    assert (db.session.get(ProductVariant, small.id).stock, db.session.get(ProductVariant, large.id).stock) == (5, 3)
    assert db.session.get(Product, serum.id).stock == 8


BAD = [
    (
        {"option_value_en": "30 ML", "sku": "X-1", "price": "20.00"},
        "Another size or shade of this product is already called 30 ML.",
    ),
    ({"option_value_en": "15 ml", "sku": "X-1", "price": "20.00", "stock": "-1"}, "Stock cannot be negative."),
    ({"option_value_en": "15 ml", "sku": "X-1", "price": "0.00"}, "A price must be at least 0.01 and at most 100000."),
    (
        {"option_value_en": "15 ml", "sku": "X-1", "price": "20.00", "compare_at_price": "19.99"},
        "The compare-at price cannot be below the price.",
    ),
    (
        {"option_value_en": "15 ml", "sku": "SER-50", "price": "20.00"},
        "Another product or variant already has this SKU.",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("values", "message"), BAD)
def test_bad_variants_are_refused_with_their_reason_and_nothing_is_written(db, values, message):
    serum, _small, _large = sizes()
    before = shop_db.session.scalar(sa.select(sa.func.count()).select_from(ProductVariant))
    with pytest.raises(ShopError) as refused:
        variant_editing.add_variant(serum.id, values, actor=Actor(None, None))
    assert str(refused.value.message) == message
    assert shop_db.session.scalar(sa.select(sa.func.count()).select_from(ProductVariant)) == before


def test_the_last_variant_cannot_go_and_an_ordered_one_is_archived_instead(db):
    lonely = ProductFactory(stock=3)
    with pytest.raises(ShopError) as refused:
        variant_editing.delete_variant(variants.default_variant(lonely).id, actor=Actor(None, None))
    assert str(refused.value.message) == "A product needs at least one size or shade: this is its last."
    serum, small, large = sizes()
    orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(serum.id, 1, large.id)], email="b@example.com", shipping_address=ADDRESS
        )
    )
    with pytest.raises(ShopError) as refused:
        variant_editing.delete_variant(large.id, actor=Actor(None, None))
    assert str(refused.value.message) == "This size or shade was ordered, so it cannot be deleted: archive it instead."
    variant_editing.archive_variant(large.id, actor=Actor(None, None))
    db.session.refresh(serum)
    assert (serum.price, serum.stock) == (D("18.00"), 10)  # only the 30 ml is sold now
    with pytest.raises(variants.VariantNotOfProduct):
        cart.add_item(cart.Owner(guest={}), serum.id, 1, large.id)
    actions = db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-1] == "variant.archive" and "variant.create" in actions


def _race(count: int, attempt) -> list:
    barrier = threading.Barrier(count)

    def run(n: int):
        barrier.wait()
        return attempt(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_forty_buyers_race_for_the_last_five_of_one_size_while_the_other_sells_freely(app, db):
    serum, small, large = sizes(stock_30=5, stock_50=100)
    serum_id, small_id, large_id = serum.id, small.id, large.id

    def buy(n: int) -> str:
        variant_id = small_id if n % 2 == 0 else large_id  # 20 want the last 30 ml, 20 the 50 ml
        with app.app_context():
            try:
                orders.place_order(
                    orders.Checkout(
                        items=[orders.BasketItem(serum_id, 1, variant_id)],
                        email=f"racer{n}@example.com",
                        shipping_address=ADDRESS,
                    )
                )
                return f"{variant_id}:ok"
            except orders.OutOfStock:
                return f"{variant_id}:sold out"
            finally:
                shop_db.session.remove()

    outcomes = _race(40, buy)
    assert outcomes.count(f"{small_id}:ok") == 5
    assert outcomes.count(f"{small_id}:sold out") == 15
    assert outcomes.count(f"{large_id}:ok") == 20
    db.session.expire_all()
    assert db.session.get(ProductVariant, small_id).stock == 0
    assert db.session.get(ProductVariant, large_id).stock == 80
    assert db.session.get(Product, serum_id).stock == 80
    sold = db.session.execute(
        sa.select(OrderItem.variant_id, sa.func.sum(OrderItem.quantity)).group_by(OrderItem.variant_id)
    ).all()
    assert dict(sold) == {small_id: 5, large_id: 20}


def test_products_loaded_around_the_orm_get_their_default_variant(db):
    db.session.execute(
        sa.insert(Product.__table__).values(
            name_en="Bulk Serum", slug="bulk-serum", sku="BULK-1", price=D("9.00"), stock=6, category="serums"
        )
    )
    assert variants.add_missing_defaults() == 1
    assert variants.add_missing_defaults() == 0
    product = db.session.scalar(sa.select(Product).where(Product.sku == "BULK-1"))
    (only,) = variants.variants_of(product.id)
    assert (only.sku, only.price, only.stock, only.is_default) == ("BULK-1", D("9.00"), 6, True)


def test_a_basket_reads_its_products_and_their_active_variants_in_one_statement(db):
    """Pricing a basket (checkout's quote, the cart) joins the variants to their products: one
    round trip, with archived variants left out and the staff's order kept."""
    serum, small, large = sizes()
    medium = variant_editing.add_variant(
        serum.id,
        {"option_name": "size", "option_value_en": "40 ml", "sku": "SER-40", "price": "22.00"},
        actor=Actor(None, None),
    )
    variant_editing.archive_variant(medium.id, actor=Actor(None, None))
    toner = ProductFactory(price=D("9.00"), stock=2)
    serum_id, toner_id, toner_sku, large_id = serum.id, toner.id, toner.sku, large.id
    db.session.expunge_all()  # nothing already loaded
    with sent_statements(db.engine) as statements:
        priced = orders.quote(
            [orders.BasketItem(serum_id, 1, large_id), orders.BasketItem(toner_id, 2), orders.BasketItem(serum_id, 1)]
        )
    assert len(statements) == 1
    assert [(line.product.id, line.variant.sku, line.total) for line in priced.lines] == [
        (serum_id, "SER-50", D("26.00")),
        (toner_id, toner_sku, D("18.00")),
        (serum_id, "SER-30", D("18.00")),
    ]
    found, by_product = variants.products_and_variants([serum_id, toner_id, 999_999])
    assert set(found) == {serum_id, toner_id}
    assert [v.sku for v in by_product[serum_id]] == ["SER-30", "SER-50"]  # not the archived 40 ml
    assert by_product[999_999] == []


def test_an_order_keeps_the_khmer_names_it_was_bought_under(app, db):
    """The order's copy of the product's and the size's names, in both languages: what the
    shopper bought, as it was named then, whatever staff rename later."""
    serum, _small, large = sizes(name_kh="សេរ៉ូមភ្លឺ")
    variant_editing.update_variant(large.id, {"option_value_kh": "៥០ មីលីលីត្រ"}, actor=Actor(None, None))
    order = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(serum.id, 1, large.id), orders.BasketItem(ProductFactory(name_kh="").id, 1)],
            email="b@example.com",
            shipping_address=ADDRESS,
        )
    )
    serum.name_en, serum.name_kh = "Renamed Serum", "ឈ្មោះថ្មី"
    db.session.commit()
    db.session.expire_all()
    item, plain = sorted(order.items, key=lambda i: i.id)
    assert (item.product_name, item.product_name_kh, item.variant_name, item.variant_name_kh) == (
        "Glow Serum",
        "សេរ៉ូមភ្លឺ",
        "50 ml",
        "៥០ មីលីលីត្រ",
    )
    assert plain.product_name_kh is None and plain.variant_name is None
    with app.test_request_context("/?lang=km"), force_locale("km"):
        assert orders.item_name(item) == "សេរ៉ូមភ្លឺ (៥០ មីលីលីត្រ)"
        assert orders.item_name(plain) == plain.product_name  # no Khmer name: the English one
    with app.test_request_context("/"), force_locale("en"):
        assert orders.item_name(item) == "Glow Serum (50 ml)"
