"""Checkout and orders: pricing a basket, placing an order in one transaction, the status
machine, cancellation. Stock and coupon usage are claimed with conditional UPDATEs, so racing
shoppers can never oversell a product or over-use a coupon."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import selectinload

from shop.accounts.addresses import clean_address
from shop.accounts.models import User
from shop.accounts.phones import normalize_phone
from shop.accounts.services import check_email
from shop.cart.models import CartItem
from shop.catalog import services as catalog
from shop.catalog import variants as catalog_variants
from shop.catalog.models import Product, ProductStatus, ProductVariant
from shop.coupons import services as coupons
from shop.delivery import services as delivery
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.i18n import current_locale, localized, normalize_locale
from shop.infra import redis_copies
from shop.infra.columns import utcnow
from shop.jobs import enqueue
from shop.money import line_total, percent_of, to_money
from shop.orders import guests, jobs
from shop.orders.models import FulfillmentStatus, Order, OrderItem, OrderStatus, OrderStatusEvent, PaymentStatus
from shop.orders.shipping import tax_rate
from shop.paging import Page, paginate

log = logging.getLogger("shop.orders")
ZERO = Decimal("0.00")
MAX_QUANTITY = 99
PAYMENT_METHODS = {"cod": _l("Cash on delivery"), "khqr": _l("KHQR: pay with any Cambodian bank app")}
# A cart found empty under the checkout lock was most likely turned into an order this recently.
RECENT_ORDER = timedelta(minutes=10)

# What a shopper may cancel themselves (staff may cancel more: see TRANSITIONS).
CANCELLABLE = {OrderStatus.PENDING, OrderStatus.CONFIRMED}
NOT_CANCELLABLE = _l("This order can no longer be cancelled.")
CANCELLED = _l("Your order is cancelled.")  # what the shopper is told once it is

# The order status machine: from -> the statuses it may move to.
TRANSITIONS: dict[OrderStatus, set[OrderStatus]] = {
    OrderStatus.PENDING: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.PROCESSING, OrderStatus.CANCELLED},
    OrderStatus.PROCESSING: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: {OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.REFUNDED: set(),
}


class OutOfStock(ShopError):
    status = 409
    code = "out_of_stock"


class CartAlreadyOrdered(Conflict):
    """The cart was emptied by an order placed a moment ago (a double submit, two tabs, a retry
    without an idempotency key): `order_id` names that order when there is one."""

    code = "cart_already_ordered"
    default_message = _l("Your cart is empty: this order was already placed.")


class ProductUnavailable(ShopError):
    status = 409
    code = "product_unavailable"


class PriceChanged(ShopError):
    status = 409
    code = "price_changed"
    default_message = _l("Prices in your cart have changed. Please review your order before placing it.")


class IllegalTransition(ShopError):
    status = 409
    code = "illegal_transition"


@dataclass(frozen=True)
class BasketItem:
    product_id: int
    quantity: int
    variant_id: int | None = None  # the size or shade; None: the product's default variant


@dataclass
class QuoteLine:
    product: Product
    quantity: int
    unit_price: Decimal
    total: Decimal
    variant: ProductVariant | None = None


@dataclass
class Quote:
    """A priced basket: what the shopper would pay right now."""

    lines: list[QuoteLine]
    subtotal: Decimal
    discount: Decimal = ZERO
    shipping: Decimal = ZERO
    tax: Decimal = ZERO
    coupon: Any = None
    free_shipping: bool = False
    problems: list[ShopError] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return to_money(self.subtotal + self.tax + self.shipping - self.discount)


@dataclass
class Checkout:
    items: Sequence[BasketItem]
    email: str
    shipping_address: dict
    user_id: int | None = None  # None: a guest (shop.orders.guests)
    customer_name: str | None = None
    phone: str | None = None  # the contact phone; a guest's is required (the address's, by default)
    billing_address: dict | None = None
    shipping_method: str = "standard"
    payment_method: str = "cod"
    coupon_code: str | None = None
    notes: str | None = None
    idempotency_key: str | None = None
    expected_total: Decimal | None = None
    # The signed-in shopper's cart this order was placed from: emptied in the same transaction.
    from_cart_of: int | None = None
    # What a KHQR order is paid in: "USD" or "KHR".
    currency: str = "USD"
    locale: str | None = None  # a guest's language, kept on the order for its emails


def offered_payment_methods() -> dict[str, Any]:
    """The payment methods shoppers may choose now: KHQR only when the shop has a KHQR account."""
    from shop.payments.services import khqr_enabled

    return {code: label for code, label in PAYMENT_METHODS.items() if code != "khqr" or khqr_enabled()}


def check_quantity(quantity: int) -> None:
    """Raise unless `quantity` is a whole number from 1 to MAX_QUANTITY."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise ShopError(_l("Choose a quantity from 1 to %(max)s.", max=MAX_QUANTITY), field="quantity")


def quote(
    items: Sequence[BasketItem],
    *,
    user_id: int | None = None,
    email: str | None = None,
    phone: str | None = None,
    coupon_code: str | None = None,
    shipping_method: str | None = None,
    shipping_address: dict | None = None,
    strict: bool = False,
    products: dict[int, Product] | None = None,
    customer_checked_later: bool = False,
) -> Quote:
    """Price a basket at today's prices. Unavailable products and missing stock are listed in
    `problems` (or raised, when `strict`); an inapplicable coupon raises CouponNotApplicable.
    `products` may hold the basket's products already loaded."""
    for item in items:
        check_quantity(item.quantity)
    products, variants = catalog_variants.products_and_variants([item.product_id for item in items], products)
    lines: list[QuoteLine] = []
    problems: list[ShopError] = []
    for item in items:
        product = products.get(item.product_id)
        variant = _chosen(product, variants.get(item.product_id, []), item.variant_id) if product else None
        if product is None or product.status != ProductStatus.ACTIVE or variant is None:
            problems.append(
                ProductUnavailable(
                    _l("%(name)s is no longer available.", name=_name(product) if product else "?"),
                    field="items",
                    product_id=item.product_id,
                )
            )
            continue
        if variant.track_stock and not variant.allow_backorder and variant.stock < item.quantity:
            problems.append(_out_of_stock(product, variant))
        lines.append(
            QuoteLine(product, item.quantity, variant.price, line_total(variant.price, item.quantity), variant)
        )
    if strict and problems:
        raise problems[0]
    result = Quote(lines=lines, subtotal=to_money(sum((line.total for line in lines), ZERO)), problems=problems)
    if shipping_method is not None:
        result.shipping = delivery.charge(shipping_method, shipping_address, result.subtotal)
    if coupon_code:
        basket = [coupons.Line(line.product.id, line.quantity, line.unit_price) for line in lines]
        discount = coupons.evaluate(
            coupon_code,
            basket,
            user_id=user_id,
            email=email,
            phone=phone,
            shipping=result.shipping,
            customer_checked_later=customer_checked_later,
        )
        result.coupon, result.discount, result.free_shipping = discount.coupon, discount.amount, discount.free_shipping
    goods_discount = ZERO if result.free_shipping else result.discount
    result.tax = percent_of(result.subtotal - goods_discount, tax_rate())
    return result


def _chosen(product: Product, variants: list[ProductVariant], variant_id: int | None) -> ProductVariant | None:
    """The basket item's variant among the product's active ones (None: not sold any more)."""
    if variant_id is None:
        default = next((v for v in variants if v.is_default), None)
        return default if default is not None else catalog_variants.default_variant(product)
    return next((v for v in variants if v.id == variant_id), None)


def _name(product: Product, variant: ProductVariant | None = None) -> LazyString:
    if variant is not None and variant.option_value_en:
        return LazyString(lambda: f"{localized(product, 'name')} ({localized(variant, 'option_value')})")
    return LazyString(localized, product, "name")


def _out_of_stock(product: Product, variant: ProductVariant | None = None) -> OutOfStock:
    stock = variant.stock if variant is not None else product.stock
    name = _name(product, variant)
    extra = {"variant_id": variant.id} if variant is not None else {}
    if stock <= 0:
        return OutOfStock(_l("%(name)s is out of stock.", name=name), field="items", product_id=product.id, **extra)
    return OutOfStock(
        _l("Only %(count)s of %(name)s left in stock.", count=stock, name=name),
        field="items",
        product_id=product.id,
        available=stock,
        **extra,
    )


def _new_order_number() -> str:
    alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone
    return f"SK-{utcnow():%y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def find_by_idempotency_key(key: str) -> Order | None:
    """The order placed with this key, if any (checked with an index-only lookup first)."""
    order_id = db.session.scalar(sa.select(Order.id).where(Order.idempotency_key == key))
    return db.session.get(Order, order_id) if order_id is not None else None


def place_order(checkout: Checkout) -> Order:
    """Place an order in one transaction: stock taken, coupon use counted, totals snapshotted,
    the shopper's stats updated; the confirmation email goes after commit.

    With an idempotency key, a retry (even a concurrent one) returns the first order.
    """
    if checkout.idempotency_key:
        existing = find_by_idempotency_key(checkout.idempotency_key)
        if existing is not None:
            return _same_owner(existing, checkout)
    if not checkout.items:
        raise ShopError(_l("Your cart is empty."), field="items")
    checkout.shipping_address = clean_address(checkout.shipping_address or {})
    if checkout.billing_address:
        checkout.billing_address = clean_address(checkout.billing_address)
    checkout.phone = normalize_phone(checkout.phone) if checkout.phone else checkout.shipping_address["phone"]
    if checkout.user_id is None:
        checkout.email = check_email(checkout.email or "")
        guests.check_guest_email(checkout.email)
    if checkout.payment_method not in offered_payment_methods():
        raise ShopError(_l("Choose a payment method."), field="payment_method")
    if checkout.shipping_method not in delivery.all_method_codes():
        raise ShopError(_l("Choose a delivery method."), field="shipping_method")
    merged: dict[tuple[int, int], int] = {}
    for item in checkout.items:
        check_quantity(item.quantity)
        key = (item.product_id, item.variant_id or 0)  # 0 sorts the default (None) first
        merged[key] = merged.get(key, 0) + item.quantity
    items = [BasketItem(pid, qty, vid or None) for (pid, vid), qty in sorted(merged.items())]
    for _attempt in range(3):
        try:
            return _place(checkout, items)
        except sa.exc.IntegrityError as error:
            db.session.rollback()
            if checkout.idempotency_key:
                existing = find_by_idempotency_key(checkout.idempotency_key)
                if existing is not None:  # a concurrent retry won the race
                    return _same_owner(existing, checkout)
            if "order_number" not in str(error.orig):
                raise
            # Two orders drew the same random number (about 1 in 700 million a day): again.
        except CartAlreadyOrdered:
            db.session.rollback()
            existing = find_by_idempotency_key(checkout.idempotency_key) if checkout.idempotency_key else None
            if existing is not None:  # the same form sent twice: the first request's order
                return _same_owner(existing, checkout)
            raise
        except Exception:
            db.session.rollback()
            raise
    raise RuntimeError("could not find a free order number")


def _place(checkout: Checkout, items: list[BasketItem]) -> Order:
    """The transaction itself (place_order retries it on a clash of order numbers)."""
    if checkout.coupon_code:
        # One coupon checkout at a time per customer (account, email, phone): per-customer coupon
        # limits and first-order-only coupons cannot be raced, by guests either. Without a coupon
        # nothing depends on the customer's other orders.
        guests.lock_customer(user_id=checkout.user_id, email=checkout.email, phone=checkout.phone)
    if checkout.user_id is not None and (checkout.coupon_code or checkout.from_cart_of is not None):
        # One checkout of the cart at a time: it is read again under the shopper's row lock, so
        # racing requests make one order.
        db.session.execute(sa.select(User.id).where(User.id == checkout.user_id).with_for_update())
    if checkout.from_cart_of is not None:
        items = _cart_under_lock(checkout.from_cart_of)
    priced = quote(
        items,
        user_id=checkout.user_id,
        email=checkout.email,
        phone=checkout.phone,
        coupon_code=checkout.coupon_code,
        shipping_method=checkout.shipping_method,
        shipping_address=checkout.shipping_address,
        strict=True,
    )
    if checkout.expected_total is not None and to_money(checkout.expected_total) != priced.total:
        raise PriceChanged(current_total=str(priced.total))
    order = _write_order(checkout, priced)
    if checkout.user_id is not None:
        users = cast(sa.Table, User.__table__)
        values: dict[str, Any] = {
            "total_orders": users.c.total_orders + 1,
            "total_spent": users.c.total_spent + order.total,
        }
        if checkout.from_cart_of == checkout.user_id:
            values["cart_coupon_code"] = None  # the cart's coupon went into this order
        db.session.execute(sa.update(users).where(users.c.id == checkout.user_id).values(**values))
    if checkout.from_cart_of is not None:  # the cart becomes the order, in the same transaction
        cart = cast(sa.Table, CartItem.__table__)
        db.session.execute(sa.delete(cart).where(cart.c.user_id == checkout.from_cart_of))
    if checkout.payment_method == "khqr":  # the QR is part of the order; the email waits for the money
        from shop.payments.services import start_khqr_payment

        start_khqr_payment(order, checkout.currency)
    else:  # a guest's language is on the order (customer_language)
        enqueue(jobs.send_order_confirmation, order.id)
    # The rows every checkout of a best seller or a popular coupon waits for are locked last, just
    # before the commit: from the first stock UPDATE to COMMIT, no other checkout of the product
    # can take its stock, so nothing else runs in between.
    sold_out = [  # in product id order, then the coupon, so concurrent checkouts cannot deadlock
        line.product.id for line in priced.lines if _take_stock(line.product, line.quantity, line.variant)
    ]
    if priced.coupon is not None:
        coupons.reserve(priced.coupon, user_id=checkout.user_id, order_id=order.id, amount=priced.discount)
    _commit_keeping(order)
    if checkout.from_cart_of is not None:
        forget_cached_cart(checkout.from_cart_of)
    if sold_out:  # the cached pages, cards and API answers showed them in stock
        catalog.invalidate_catalog_cache(product_ids=sold_out)
    return order


def _cart_under_lock(user_id: int) -> list[BasketItem]:
    """The cart's lines as the table holds them now (the caller holds the shopper's row lock),
    or CartAlreadyOrdered when a concurrent checkout has just emptied it."""
    cart = CartItem.__table__
    rows = db.session.execute(
        sa.select(cart.c.product_id, cart.c.quantity, cart.c.variant_id)
        .where(cart.c.user_id == user_id)
        .order_by(cart.c.product_id, cart.c.variant_id)
    ).all()
    if not rows:
        latest = db.session.scalar(
            sa.select(Order.id)
            .where(Order.user_id == user_id, Order.created_at >= utcnow() - RECENT_ORDER)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(1)
        )
        if latest is None:  # emptied by the shopper in another tab, not by an order
            raise ShopError(_l("Your cart is empty."), field="items")
        raise CartAlreadyOrdered(field="items", order_id=latest)
    return [BasketItem(product_id, quantity, variant_id) for product_id, quantity, variant_id in rows]


def _commit_keeping(order: Order) -> None:
    """Commit without expiring what we just wrote: the caller shows the order at once, and every
    value in it came from this transaction (reloading it would cost four more queries)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def forget_cached_cart(user_id: int) -> None:
    """Drop the Redis copy of a user's cart (seed key cart:{user_id}) after a commit that changed
    the cart; the table is the truth (shop.infra.redis_copies: exact when a read races it).
    Redis unreachable: the order stands; checkout reads the table, not this copy."""
    redis_copies.forget(f"cart:{user_id}")


def _same_owner(order: Order, checkout: Checkout) -> Order:
    if order.user_id != checkout.user_id or order.customer_email.lower() != checkout.email.lower():
        raise Conflict(_l("This idempotency key was already used for another order."), field="idempotency_key")
    return order


def _take_stock(product: Product, quantity: int, variant: ProductVariant | None = None) -> bool:
    """Take `quantity` of the variant (default: the product's default) and of the product's
    total, each with a conditional UPDATE: the product row first, so checkouts of any of its
    variants queue on one lock in one order and cannot deadlock; either refusing is OutOfStock.
    Returns whether this sold the variant or the product out (cached pages show it from then on)."""
    if variant is None:
        variant = catalog_variants.default_variant(product)
    if not variant.track_stock:
        return False
    products = cast(sa.Table, Product.__table__)  # a plain UPDATE: nothing in the session needs synchronising
    variants = cast(sa.Table, ProductVariant.__table__)
    product_left = db.session.execute(
        sa.update(products)
        .where(
            products.c.id == product.id,
            products.c.status == ProductStatus.ACTIVE,
            sa.or_(products.c.stock >= quantity, products.c.allow_backorders),
        )
        .values(stock=products.c.stock - quantity)
        .returning(products.c.stock, products.c.track_inventory, products.c.allow_backorders)
    ).first()
    variant_left = None
    if product_left is not None:
        variant_left = db.session.execute(
            sa.update(variants)
            .where(
                variants.c.id == variant.id,
                variants.c.archived_at.is_(None),
                sa.or_(variants.c.stock >= quantity, variants.c.allow_backorder),
            )
            .values(stock=variants.c.stock - quantity)
            .returning(variants.c.stock, variants.c.allow_backorder)
        ).first()
    if product_left is None or variant_left is None:
        db.session.refresh(product)
        db.session.refresh(variant)
        raise _out_of_stock(product, variant)
    return (variant_left.stock <= 0 and not variant_left.allow_backorder) or (
        product_left.track_inventory and product_left.stock <= 0 and not product_left.allow_backorders
    )


def _write_order(checkout: Checkout, priced: Quote) -> Order:
    order = Order(
        user_id=checkout.user_id,
        customer_name=checkout.customer_name,
        customer_email=checkout.email.strip().lower(),
        customer_phone=checkout.phone,
        customer_language=normalize_locale(checkout.locale) if checkout.user_id is None else None,
        subtotal=priced.subtotal,
        tax_amount=priced.tax,
        shipping_amount=priced.shipping,
        discount_amount=priced.discount,
        total=priced.total,
        status=OrderStatus.PENDING,
        payment_status=PaymentStatus.PENDING,
        fulfillment_status=FulfillmentStatus.UNFULFILLED,
        shipping_address=checkout.shipping_address,
        billing_address=checkout.billing_address or checkout.shipping_address,
        notes=checkout.notes,
        payment_method=checkout.payment_method,
        shipping_method=checkout.shipping_method,
        idempotency_key=checkout.idempotency_key,
        items=[
            OrderItem(
                product=line.product,
                product_name=line.product.name_en,
                product_name_kh=line.product.name_kh or None,
                product_sku=line.variant.sku if line.variant else line.product.sku,
                variant_id=line.variant.id if line.variant else None,
                variant_name=line.variant.option_value_en if line.variant else None,
                variant_name_kh=(line.variant.option_value_kh or None) if line.variant else None,
                variant_sku=line.variant.sku if line.variant else None,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total_price=line.total,
            )
            for line in priced.lines
        ],
        events=[OrderStatusEvent(from_status=None, to_status=OrderStatus.PENDING.value)],
    )
    order.order_number = _new_order_number()
    db.session.add(order)
    db.session.flush()
    return order


# ---------------------------------------------------------------- reading


def get_order_for_user(user_id: int, order_id: int) -> Order:
    """The user's own order; anyone else's is NotFound."""
    order = db.session.scalar(sa.select(Order).where(Order.id == order_id, Order.user_id == user_id))
    if order is None:
        raise NotFound()
    return order


def list_orders_for_user(user_id: int, *, page: int = 1, per_page: int = 20) -> Page[Order]:
    """One page of the user's orders, newest first, and how many there are."""
    query = sa.select(Order).where(Order.user_id == user_id).order_by(Order.created_at.desc(), Order.id.desc())
    # The list shows each order's item count.
    return paginate(query, page=page, per_page=per_page, options=[selectinload(Order.items)])


# ---------------------------------------------------------------- status changes


def check_transition(order: Order, to_status: OrderStatus) -> None:
    """Raise IllegalTransition, with the reason, unless `order` may move to `to_status`."""
    if to_status not in TRANSITIONS[order.status]:
        raise IllegalTransition(
            _l(
                "An order that is %(current)s cannot become %(target)s.",
                current=LazyString(status_label, order.status),
                target=LazyString(status_label, to_status),
            ),
            field="status",
        )


def transition(order: Order, to_status: OrderStatus, *, actor_id: int | None = None, note: str | None = None) -> Order:
    """Move an order along the status machine, recording the event (the caller commits)."""
    check_transition(order, to_status)
    order.events.append(
        OrderStatusEvent(
            from_status=order.status.value,
            to_status=to_status.value,
            actor_id=actor_id,
            note=note,
        )
    )
    order.status = to_status
    if to_status == OrderStatus.SHIPPED:
        order.shipped_at = utcnow()
        order.fulfillment_status = FulfillmentStatus.SHIPPED
    elif to_status == OrderStatus.DELIVERED:
        order.delivered_at = utcnow()
        order.fulfillment_status = FulfillmentStatus.DELIVERED
    return order


def can_cancel(order: Order) -> bool:
    """Whether the shopper may still cancel `order` themselves (it is pending or confirmed): the
    order page offers the button, the API says `can_cancel`."""
    return order.status in CANCELLABLE


def check_can_cancel(order: Order) -> None:
    """Raise IllegalTransition, with the reason, unless the shopper may cancel `order`."""
    if not can_cancel(order):
        raise IllegalTransition(NOT_CANCELLABLE, field="status")


def cancel_order(order_id: int, *, user_id: int | None, actor_id: int | None = None, by_staff: bool = False) -> Order:
    """Cancel a pending or confirmed order: stock goes back, the coupon use is released and the
    shopper's stats are corrected. `user_id` limits it to that shopper's own orders. Staff may
    cancel whatever TRANSITIONS allows (a processing order too), with the reason when not."""
    query = sa.select(Order).where(Order.id == order_id).with_for_update()
    if user_id is not None:
        query = query.where(Order.user_id == user_id)
    order = db.session.scalar(query)
    if order is None:
        raise NotFound()
    if by_staff:
        check_transition(order, OrderStatus.CANCELLED)
    else:
        check_can_cancel(order)
    transition(order, OrderStatus.CANCELLED, actor_id=actor_id or user_id)
    back_in_stock = release_holds(order)
    db.session.commit()
    if back_in_stock:  # the cached pages, cards and API answers showed a size or the product sold out
        catalog.invalidate_catalog_cache(product_ids=[i.product_id for i in order.items if i.product_id is not None])
    return order


def release_holds(order: Order) -> list[int]:
    """Give back what a placed order holds: its stock, its coupon use, its place in the
    shopper's totals. The caller has locked the order, cancelled it, and commits. Returns the
    variants that were sold out and now are not."""
    back_in_stock = catalog_variants.give_back(order.items)
    coupons.release(order.id)
    if order.user_id is not None:
        db.session.execute(
            sa.update(User)
            .where(User.id == order.user_id)
            .values(total_orders=User.total_orders - 1, total_spent=User.total_spent - order.total)
        )
    return back_in_stock


def reclaim_holds(order: Order, coupon_uses: Sequence[dict]) -> None:
    """Take again what `release_holds` gave back, for a cancelled order coming back (money that
    arrived after it expired, a new payment QR): the stock with the same conditional UPDATEs as
    a new order (OutOfStock when it is gone), the coupon uses (`coupon_id`, `discount_amount`;
    CouponNotApplicable when used up) and the shopper's totals. The caller has locked the
    order, runs this in a savepoint when it has a way out, and commits."""
    for item in sorted(order.items, key=lambda line: (line.product_id or 0, line.variant_id or 0)):  # no deadlocks
        if item.product_id is not None and item.product is not None:
            variant = db.session.get(ProductVariant, item.variant_id) if item.variant_id else None
            _take_stock(item.product, item.quantity, variant)
    for use in coupon_uses:
        coupon = db.session.get(coupons.Coupon, use["coupon_id"])
        if coupon is None:
            raise coupons.CouponNotApplicable("not_found", _l("This coupon no longer exists."))
        coupons.reserve(coupon, user_id=order.user_id, order_id=order.id, amount=Decimal(use["discount_amount"]))
    if order.user_id is not None:
        db.session.execute(
            sa.update(User)
            .where(User.id == order.user_id)
            .values(total_orders=User.total_orders + 1, total_spent=User.total_spent + order.total)
        )


STATUS_LABELS = {
    OrderStatus.PENDING: _l("pending"),
    OrderStatus.CONFIRMED: _l("confirmed"),
    OrderStatus.PROCESSING: _l("processing"),
    OrderStatus.SHIPPED: _l("shipped"),
    OrderStatus.DELIVERED: _l("delivered"),
    OrderStatus.CANCELLED: _l("cancelled"),
    OrderStatus.REFUNDED: _l("refunded"),
}


def item_name(item: OrderItem) -> str:
    """What the shopper bought, as it was named then, in the current language: "Glow Serum
    (50 ml)". The order's own copy, not the product's name now (staff may have renamed it)."""
    khmer = current_locale() == "km"
    name = (item.product_name_kh if khmer else None) or item.product_name
    variant = ((item.variant_name_kh if khmer else None) or item.variant_name) if item.variant_name else None
    return f"{name} ({variant})" if variant else name


def status_label(status: OrderStatus) -> str:
    """The translated name of an order status."""
    return str(STATUS_LABELS[OrderStatus(status)])
