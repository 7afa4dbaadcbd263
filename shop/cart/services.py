"""Carts. A guest's cart lives in their session; a signed-in shopper's cart lives in the
`shopping_cart` table (so it survives a Redis restart and follows them across devices) with a
copy in Redis (seed key `cart:{user_id}`, 7 days) that serves reads. On sign-in the guest cart
merges into the user's.

Each line remembers the price it was added at, so the cart can show a price change instead of
charging it silently; checkout passes the total the shopper saw (`expected_total`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.dialects import postgresql, sqlite

from shop.accounts.models import User
from shop.cart.models import CartItem
from shop.catalog import variants as catalog_variants
from shop.catalog.models import Product, ProductStatus, ProductVariant
from shop.coupons.services import CouponNotApplicable
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.i18n import localized, money
from shop.infra import redis_copies
from shop.infra.columns import utcnow
from shop.money import to_money
from shop.orders import services as orders
from shop.orders.models import Order

CACHE_TTL = 7 * 24 * 3600
SESSION_KEY = "cart"

# A cart line is one variant of one product: (product id, variant id).
Key = tuple[int, int]


@dataclass(frozen=True)
class Owner:
    """Whose cart: a signed-in user, or a guest's session (any mutable mapping)."""

    user_id: int | None = None
    guest: MutableMapping | None = None


@dataclass
class Line:
    product: Product
    quantity: int
    unit_price: Decimal
    total: Decimal
    price_at_add: Decimal | None
    notices: list = field(default_factory=list)
    variant: ProductVariant | None = None
    # Whether the product comes in several sizes or shades (then the line names its variant).
    has_choice: bool = False

    @property
    def variant_name(self) -> str | None:
        return catalog_variants.variant_name(self.variant) if self.has_choice else None

    @property
    def price_changed(self) -> bool:
        return self.price_at_add is not None and self.price_at_add != self.unit_price


@dataclass
class CartView:
    lines: list[Line]
    unavailable: list[Product]
    quote: orders.Quote | None
    coupon_code: str | None
    coupon_error: CouponNotApplicable | None = None

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines


# ---------------------------------------------------------------- storage


def _guest_session(owner: Owner) -> MutableMapping:
    if owner.guest is None:
        raise ValueError("a guest's cart needs the guest's session")
    return owner.guest


def _guest_state(owner: Owner) -> dict:
    state = _guest_session(owner).get(SESSION_KEY) or {"items": {}, "coupon": None}
    return {"items": dict(state.get("items", {})), "coupon": state.get("coupon")}


def _save_guest(owner: Owner, state: dict) -> None:
    _guest_session(owner)[SESSION_KEY] = state  # re-assign: session backends notice changes on assignment


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def copy_key(user_id: int) -> str:
    """The Redis copy's key of a signed-in shopper's cart (shop.infra.redis_copies)."""
    return _cache_key(user_id)


def _cache_key(user_id: int) -> str:
    return f"cart:{user_id}"


def _guest_key(key: str) -> tuple[int, int | None]:
    """A guest line's session key: "product:variant", or the product id alone (the default
    variant, as in carts older than variants)."""
    product_id, _sep, variant_id = key.partition(":")
    return int(product_id), int(variant_id) if variant_id else None


def _with_variants(
    lines: dict[tuple[int, int | None], tuple[int, Decimal | None]],
) -> dict[Key, tuple[int, Decimal | None]]:
    """Lines that name no variant (stored before variants) get their product's default one."""
    missing = {pid for pid, vid in lines if vid is None}
    defaults: dict[int, int] = {}
    if missing:
        defaults = dict(
            db.session.execute(  # type: ignore[arg-type]
                sa.select(ProductVariant.product_id, ProductVariant.id).where(
                    ProductVariant.product_id.in_(missing), ProductVariant.is_default
                )
            ).all()
        )
    found: dict[Key, tuple[int, Decimal | None]] = {}
    for (pid, vid), value in lines.items():
        variant_id = vid if vid is not None else defaults.get(pid)
        if variant_id is not None:
            found[(pid, variant_id)] = value
    return found


def _stored(owner: Owner, loaded: dict[int, Product] | None = None) -> dict[Key, tuple[int, Decimal | None]]:
    """(product id, variant id) -> (quantity, price at add). Products loaded on the way go
    into `loaded`."""
    if owner.user_id is None:
        return _with_variants(
            {
                _guest_key(key): (item["q"], Decimal(item["p"]) if item.get("p") else None)
                for key, item in _guest_state(owner)["items"].items()
            }
        )
    key = _cache_key(owner.user_id)
    copy = redis_copies.read(key)
    if copy is not None and copy.value is not None:
        rows = json.loads(copy.value)
        if all(row.get("variant_id") for row in rows):  # else a copy from before variants
            return {
                (row["product_id"], row["variant_id"]): (row["quantity"], _decimal(row["product_data"]["price"]))
                for row in rows
            }
    rows = db.session.execute(
        sa.select(CartItem.product_id, CartItem.variant_id, CartItem.quantity, CartItem.price_at_add)
        .where(CartItem.user_id == owner.user_id)
        .order_by(CartItem.id)
    ).all()
    stored = _with_variants({(pid, vid): (qty, price) for pid, vid, qty, price in rows})
    if copy is not None:
        _store_copy(owner.user_id, stored, copy, loaded)
    return stored


def _store_copy(
    user_id: int,
    stored: dict[Key, tuple[int, Decimal | None]],
    seen: redis_copies.Copy,
    loaded: dict[int, Product] | None = None,
) -> None:
    """Keep the seed's copy of the cart, read after `seen` (an empty cart too: its badge on every
    page then costs no query). Not stored when the cart changed meanwhile (shop.infra.redis_copies)."""
    products: dict[int, Product] = {}
    if stored:
        ids = {pid for pid, _vid in stored}
        products = {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(ids)))}
        if loaded is not None:
            loaded.update(products)
    value = [
        {
            "product_id": pid,
            "variant_id": vid,
            "quantity": qty,
            "product_data": {
                "name": products[pid].name_en if pid in products else None,
                "price": str(price) if price is not None else None,
                "image_url": products[pid].image_url if pid in products else None,
            },
        }
        for (pid, vid), (qty, price) in stored.items()
    ]
    redis_copies.store(_cache_key(user_id), json.dumps(value), seen=seen, ttl=CACHE_TTL)


def _write(owner: Owner, key: Key, quantity: int | None, price: Decimal | None) -> None:
    """Set one line (quantity None removes it)."""
    product_id, variant_id = key
    if owner.user_id is None:
        state = _guest_state(owner)
        # The default variant's line keeps the product id alone as its key (as before variants).
        variant = db.session.get(ProductVariant, variant_id)
        name = str(product_id) if variant is None or variant.is_default else f"{product_id}:{variant_id}"
        if quantity is None:
            state["items"].pop(name, None)
        else:
            state["items"][name] = {"q": quantity, "p": str(price) if price is not None else None}
        _save_guest(owner, state)
        return
    if quantity is None:
        db.session.execute(
            sa.delete(CartItem).where(
                CartItem.user_id == owner.user_id,
                CartItem.product_id == product_id,
                sa.or_(CartItem.variant_id == variant_id, CartItem.variant_id.is_(None)),
            )
        )
    else:
        _upsert(owner.user_id, key, quantity, price)
    db.session.commit()
    _invalidate(owner.user_id)


def _upsert(user_id: int, key: Key, quantity: int, price: Decimal | None) -> None:
    """Insert the line or set its quantity, in one statement (safe when two devices add at once)."""
    product_id, variant_id = key
    dialect = db.session.get_bind().dialect.name
    # Either dialect's INSERT has on_conflict_do_update (a join of the two types has not).
    insert: Callable[..., Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = insert(CartItem).values(
        user_id=user_id,
        product_id=product_id,
        variant_id=variant_id,
        quantity=quantity,
        price_at_add=price,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[CartItem.user_id, CartItem.variant_id],
            set_={"quantity": statement.excluded.quantity, "updated_at": statement.excluded.updated_at},
        )
    )


def _invalidate(user_id: int) -> None:
    orders.forget_cached_cart(user_id)


def _coupon(owner: Owner) -> str | None:
    if owner.user_id is None:
        return _guest_state(owner)["coupon"]
    return db.session.scalar(sa.select(User.cart_coupon_code).where(User.id == owner.user_id))


def _set_coupon(owner: Owner, code: str | None) -> None:
    if owner.user_id is None:
        state = _guest_state(owner)
        state["coupon"] = code
        _save_guest(owner, state)
        return
    db.session.execute(sa.update(User).where(User.id == owner.user_id).values(cart_coupon_code=code))
    db.session.commit()


# ---------------------------------------------------------------- rules


def _sellable(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None or product.status != ProductStatus.ACTIVE:
        raise NotFound(_l("This product is not available."), field="product_id")
    return product


def quantity_limit(product: Product, variant: ProductVariant | None = None) -> int:
    """The most of `product` (its `variant`, default the default one) one cart line may hold:
    MAX_QUANTITY, or what is on the shelf when that is less (stock tracked, no backorders); 0
    when it is sold out. The buy box offers no more."""
    if variant is None:
        variant = catalog_variants.default_variant(product)
    if not variant.track_stock or variant.allow_backorder:
        return orders.MAX_QUANTITY
    return max(0, min(orders.MAX_QUANTITY, variant.stock or 0))


def _cap(product: Product, quantity: int, variant: ProductVariant | None = None) -> int:
    """The quantity the shelf allows (unless backorders are allowed or stock is not tracked)."""
    limit = quantity_limit(product, variant)
    if limit == 0:
        raise orders.OutOfStock(
            _l("%(name)s is out of stock.", name=LazyString(localized, product, "name")), field="product_id"
        )
    return min(quantity, limit)


def add_item(
    owner: Owner, product_id: int, quantity: int = 1, variant_id: int | None = None, *, any_in_stock: bool = False
) -> int:
    """Add to the cart; returns the line's quantity, capped by stock. `variant_id` is the size
    or shade chosen (the product's default when None); one of another product is refused.
    `any_in_stock`: no size was chosen (a card, a recommendation, a routine), so a sold-out
    default gives way to the cheapest variant in stock."""
    orders.check_quantity(quantity)
    product = _sellable(product_id)
    if variant_id is None and any_in_stock:
        variant = catalog_variants.cheapest_in_stock(product)
    else:
        variant = catalog_variants.variant_for(product, variant_id)
    key = (product_id, variant.id)
    current, price = _stored(owner).get(key, (0, None))
    wanted = min(current + quantity, orders.MAX_QUANTITY)
    capped = _cap(product, wanted, variant)
    _write(owner, key, capped, price if price is not None else variant.price)
    return capped


def _line_of(stored: dict[Key, tuple[int, Decimal | None]], product_id: int, variant_id: int | None) -> Key:
    """The line of `product_id` meant: that variant's, else the product's only line, else its
    default variant's."""
    if variant_id is not None:
        key = (product_id, variant_id)
        if key in stored:
            return key
        raise NotFound(_l("This product is not in your cart."), field="product_id")
    keys = [key for key in stored if key[0] == product_id]
    if len(keys) == 1:
        return keys[0]
    if keys:
        default = catalog_variants.default_variant(_sellable(product_id))
        if (product_id, default.id) in stored:
            return (product_id, default.id)
        return keys[0]
    raise NotFound(_l("This product is not in your cart."), field="product_id")


@dataclass
class OrderAgain:
    """What putting a past order's items back into the cart did, item by item."""

    added: list = field(default_factory=list)  # (order item, quantity now in the cart)
    short: list = field(default_factory=list)  # (order item, quantity now in the cart): less than wanted
    refused: list = field(default_factory=list)  # order items no longer sold or out of stock


def add_order_items(owner: Owner, order: Order) -> OrderAgain:
    """Put a past order's products into the cart again, at today's prices, as far as stock goes.

    Products no longer sold or out of stock are reported, not added; nothing else is refused.
    """
    outcome = OrderAgain()
    for item in order.items:
        if item.product_id is None:
            outcome.refused.append(item)
            continue
        variant_id = item.variant_id or db.session.scalar(
            sa.select(ProductVariant.id).where(ProductVariant.product_id == item.product_id, ProductVariant.is_default)
        )
        before = _stored(owner).get((item.product_id, variant_id or 0), (0, None))[0]
        try:
            quantity = add_item(owner, item.product_id, item.quantity, variant_id)
        except ShopError:
            outcome.refused.append(item)
            continue
        outcome.added.append((item, quantity))
        if quantity < min(before + item.quantity, orders.MAX_QUANTITY):
            outcome.short.append((item, quantity))
    return outcome


@dataclass
class SeveralAdded:
    """What adding several products at once (a skin routine) did: what went in, what did not."""

    added: list[Product] = field(default_factory=list)
    skipped: list[Product] = field(default_factory=list)  # out of stock or no longer sold


MAX_AT_ONCE = 20  # a routine has at most ten steps; more is not a shopper


def add_products(owner: Owner, product_ids: Sequence[int]) -> SeveralAdded:
    """Put one of each product into the cart (a product already there gets one more), skipping
    those that sold out or stopped being sold since the page was drawn. Nothing is refused
    for the others' sake: the shopper is told which were skipped."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        raise ShopError(_l("There is nothing to add."), field="product_id")
    if len(ids) > MAX_AT_ONCE:
        raise ShopError(_l("Too many products at once."), field="product_id")
    outcome = SeveralAdded()
    products = {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(ids)))}
    for product_id in ids:
        product = products.get(product_id)
        if product is None:
            continue
        try:
            add_item(owner, product_id, 1)
        except ShopError:
            outcome.skipped.append(product)
            continue
        outcome.added.append(product)
    return outcome


def set_quantity(owner: Owner, product_id: int, quantity: int, variant_id: int | None = None) -> int:
    """Change a line's quantity (1..MAX_QUANTITY, capped by stock); returns the quantity set.
    Without `variant_id`, the product's only line (or its default variant's)."""
    orders.check_quantity(quantity)
    stored = _stored(owner)
    key = _line_of(stored, product_id, variant_id)
    product = _sellable(product_id)
    variant = db.session.get(ProductVariant, key[1])
    capped = _cap(product, quantity, variant)
    _write(owner, key, capped, stored[key][1])
    return capped


def remove_item(owner: Owner, product_id: int, variant_id: int | None = None) -> None:
    """Take a product's line out of the cart (no error if it was not there): that variant's,
    or without `variant_id` every line of the product."""
    keys = [key for key in _stored(owner) if key[0] == product_id and variant_id in (None, key[1])]
    for key in keys or [(product_id, variant_id or 0)]:
        _write(owner, key, None, None)


def clear(owner: Owner) -> None:
    """Empty the cart and drop its coupon."""
    if owner.user_id is None:
        _save_guest(owner, {"items": {}, "coupon": None})
        return
    db.session.execute(sa.delete(CartItem).where(CartItem.user_id == owner.user_id))
    db.session.execute(sa.update(User).where(User.id == owner.user_id).values(cart_coupon_code=None))
    db.session.commit()
    _invalidate(owner.user_id)


def count(owner: Owner) -> int:
    """How many units are in the cart (for the header badge)."""
    return sum(quantity for quantity, _price in _stored(owner).values())


def apply_coupon(owner: Owner, code: str, *, email: str | None = None) -> CartView:
    """Check a coupon against the cart and keep it; CouponNotApplicable says why not."""
    code = (code or "").strip().upper()
    if not code or len(code) > 50:
        raise CouponNotApplicable("unknown", _l("This coupon code does not exist."))
    result = view(owner, email=email, coupon_code=code)
    if result.quote is None:
        raise ShopError(_l("Your cart is empty."), field="coupon_code")
    if result.coupon_error is not None:
        raise result.coupon_error
    _set_coupon(owner, code)
    return result


def remove_coupon(owner: Owner) -> None:
    _set_coupon(owner, None)


def view(owner: Owner, *, email: str | None = None, coupon_code: str | None = None) -> CartView:
    """The cart at today's prices, with what changed since the shopper added things."""
    products: dict[int, Product] = {}
    stored = _stored(owner, products)
    products, variants = catalog_variants.products_and_variants({pid for pid, _vid in stored}, products)
    by_id = {v.id: v for found in variants.values() for v in found}
    lines: list[Line] = []
    unavailable: list[Product] = []
    for (product_id, variant_id), (quantity, price_at_add) in stored.items():
        product = products.get(product_id)
        variant = by_id.get(variant_id)
        if product is None or product.status != ProductStatus.ACTIVE or variant is None:
            if product is not None and product not in unavailable:
                unavailable.append(product)
            continue
        line = Line(
            product,
            quantity,
            variant.price,
            to_money(variant.price * quantity),
            price_at_add,
            variant=variant,
            has_choice=catalog_variants.has_choice(variants[product_id]),
        )
        if line.price_changed:
            line.notices.append(
                _l(
                    "The price changed from %(old)s to %(new)s.",
                    old=LazyString(money, price_at_add),
                    new=LazyString(money, variant.price),
                )
            )
        if variant.track_stock and not variant.allow_backorder and variant.stock < quantity:
            line.notices.append(_l("Only %(count)s left in stock.", count=max(variant.stock, 0)))
        lines.append(line)
    code = coupon_code if coupon_code is not None else _coupon(owner)
    items = [
        orders.BasketItem(line.product.id, line.quantity, line.variant.id if line.variant else None) for line in lines
    ]
    quote, coupon_error = None, None
    if items:
        try:
            quote = orders.quote(
                items,
                user_id=owner.user_id,
                email=email,
                coupon_code=code,
                products=products,
                customer_checked_later=owner.user_id is None and not email,  # a guest: checked at checkout
            )
        except CouponNotApplicable as error:
            coupon_error = error
            quote = orders.quote(items, user_id=owner.user_id, email=email, products=products)
    return CartView(lines, unavailable, quote, code if coupon_error is None else None, coupon_error)


def basket(owner: Owner) -> list[orders.BasketItem]:
    """The cart as checkout takes it."""
    return [orders.BasketItem(pid, qty, vid) for (pid, vid), (qty, _price) in _stored(owner).items()]


def coupon_code(owner: Owner) -> str | None:
    """The coupon kept on the cart, if any."""
    return _coupon(owner)


def merge_guest_cart(guest: MutableMapping, user_id: int) -> None:
    """On sign-in: the guest's lines join the user's cart (quantities add up, capped by stock)."""
    guest_owner, user_owner = Owner(guest=guest), Owner(user_id=user_id)
    state = _guest_state(guest_owner)
    for (product_id, variant_id), (quantity, _price) in _stored(guest_owner).items():
        try:
            add_item(user_owner, product_id, quantity, variant_id)
        except ShopError:
            continue  # gone or sold out since: the cart page will not show it
    if state["coupon"] and not _coupon(user_owner):
        _set_coupon(user_owner, state["coupon"])
    guest.pop(SESSION_KEY, None)
