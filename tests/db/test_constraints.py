"""The database itself refuses rows that break the seed's rules (PostgreSQL and SQLite)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError, StatementError

from tests.factories import (
    PASSWORD_HASH,
    CouponFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)


def _refused(db, statement: str, **params) -> str:
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(sa.text(statement), params)
        db.session.flush()
    db.session.rollback()
    return str(caught.value.orig)


def test_order_whose_total_breaks_the_formula_is_refused(db):
    user = UserFactory()
    message = _refused(
        db,
        "INSERT INTO orders (order_number, user_id, customer_email, subtotal, tax_amount, shipping_amount, "
        "discount_amount, total) VALUES ('SK-1', :u, 'a@example.com', 10.00, 1.00, 1.50, 0, 12.49)",
        u=user.id,
    )
    assert "valid_total" in message


def test_order_whose_total_matches_the_formula_is_accepted(db):
    order = OrderFactory(
        subtotal=Decimal("10.10"),
        tax_amount=Decimal("0.20"),
        shipping_amount=Decimal("1.50"),
        discount_amount=Decimal("0.30"),
    )
    assert order.total == Decimal("11.50")


def test_product_with_price_zero_is_refused(db):
    message = _refused(
        db, "INSERT INTO products (name_en, slug, sku, price, category) VALUES ('Free', 'free', 'F-1', 0, 'toners')"
    )
    assert "positive_price" in message


def test_product_with_compare_at_price_below_price_is_refused(db):
    message = _refused(
        db,
        "INSERT INTO products (name_en, slug, sku, price, compare_at_price, category) "
        "VALUES ('X', 'x', 'X-1', 10, 9.99, 'toners')",
    )
    assert "valid_compare_price" in message


def test_review_with_rating_six_is_refused(db):
    product, user = ProductFactory(), UserFactory()
    message = _refused(
        db, "INSERT INTO reviews (product_id, user_id, rating) VALUES (:p, :u, 6)", p=product.id, u=user.id
    )
    assert "valid_rating" in message


def test_user_with_malformed_email_is_refused(db):
    message = _refused(db, "INSERT INTO users (email, password) VALUES ('not-an-email', :h)", h=PASSWORD_HASH)
    assert "valid_email" in message


def test_coupon_percentage_over_100_and_reversed_dates_are_refused(db):
    assert "valid_coupon_value" in _refused(
        db, "INSERT INTO coupons (code, name, type, value) VALUES ('BIG', 'Big', 'percentage', 101)"
    )
    assert "valid_coupon_dates" in _refused(
        db,
        "INSERT INTO coupons (code, name, type, value, start_date, end_date) "
        "VALUES ('OLD', 'Old', 'fixed', 5, '2026-02-01', '2026-01-01')",
    )


def test_coupon_cannot_be_used_beyond_its_limit(db):
    coupon = CouponFactory(usage_limit=3, used_count=3)
    message = _refused(db, "UPDATE coupons SET used_count = used_count + 1 WHERE id = :id", id=coupon.id)
    assert "within_usage_limit" in message


def test_stock_cannot_go_negative_without_backorders(db):
    product = ProductFactory(stock=1)
    message = _refused(db, "UPDATE products SET stock = stock - 2 WHERE id = :id", id=product.id)
    assert "non_negative_stock" in message
    backorderable = ProductFactory(stock=0, allow_backorders=True)
    db.session.execute(sa.text("UPDATE products SET stock = stock - 2 WHERE id = :id"), {"id": backorderable.id})
    db.session.commit()
    db.session.refresh(backorderable)
    assert backorderable.stock == -2


def test_order_item_quantity_must_be_positive(db):
    item = OrderItemFactory()
    message = _refused(db, "UPDATE order_items SET quantity = 0 WHERE id = :id", id=item.id)
    assert "positive_quantity" in message


def test_unknown_enum_value_is_refused(db):
    with pytest.raises((IntegrityError, StatementError, sa.exc.DataError)):
        db.session.execute(sa.text("INSERT INTO users (email, password, role) VALUES ('x@example.com', 'h', 'root')"))
        db.session.flush()
    db.session.rollback()


def test_one_review_per_product_per_user(db):
    review = ReviewFactory()
    message = _refused(
        db,
        "INSERT INTO reviews (product_id, user_id, rating) VALUES (:p, :u, 4)",
        p=review.product_id,
        u=review.user_id,
    )
    assert "uq_reviews_product_id_user_id" in message


def test_money_round_trips_exactly_as_decimal(db):
    product = ProductFactory(price=Decimal("19.99"), compare_at_price=Decimal("24.95"))
    db.session.expire_all()
    fresh = db.session.get(type(product), product.id)
    assert (fresh.price, fresh.compare_at_price) == (Decimal("19.99"), Decimal("24.95"))


def test_float_money_is_refused_before_it_reaches_the_database(db):
    with pytest.raises(StatementError):
        ProductFactory(price=19.99)
    db.session.rollback()


def test_sqlite_enforces_the_same_rules(make_app, tmp_path):
    from shop.extensions import db as shop_db

    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'rules.db'}")
    with application.app_context():
        upgrade()
        session = shop_db.session
        statements = {
            "valid_email": "INSERT INTO users (email, password) VALUES ('not-an-email', 'h')",
            "positive_price": "INSERT INTO products (name_en, slug, sku, price, category) "
            "VALUES ('F', 'f', 'F', 0, 't')",
            "valid_total": "INSERT INTO orders (order_number, customer_email, subtotal, total) "
            "VALUES ('1', 'a@b.co', 10, 11)",
            "skin_type": "INSERT INTO products (name_en, slug, sku, price, category, skin_type) "
            "VALUES ('G', 'g', 'G', 1, 't', 'shiny')",
        }
        for name, statement in statements.items():
            with pytest.raises(IntegrityError, match=name):
                session.execute(sa.text(statement))
            session.rollback()
        # Within half a cent is fine on SQLite's REAL storage: 0.1 + 0.2 is not 0.3 in binary.
        session.execute(
            sa.text(
                "INSERT INTO orders (order_number, customer_email, subtotal, tax_amount, total) "
                "VALUES ('2', 'a@b.co', 0.1, 0.2, 0.3)"
            )
        )
        session.commit()
        # ON DELETE CASCADE works (foreign keys are switched on per connection).
        session.execute(sa.text("INSERT INTO users (id, email, password) VALUES (9, 'c@d.co', 'h')"))
        session.execute(
            sa.text(
                "INSERT INTO user_addresses (user_id, address_line1, city, postal_code, country) "
                "VALUES (9, 'a', 'b', 'c', 'd')"
            )
        )
        session.execute(sa.text("DELETE FROM users WHERE id = 9"))
        assert session.execute(sa.text("SELECT count(*) FROM user_addresses")).scalar() == 0
