"""Every factory makes a row the database accepts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories

ALL = [
    factories.UserFactory,
    factories.AdminFactory,
    factories.ModeratorFactory,
    factories.AddressFactory,
    factories.CategoryFactory,
    factories.ProductFactory,
    factories.ProductImageFactory,
    factories.OrderFactory,
    factories.OrderItemFactory,
    factories.OrderStatusEventFactory,
    factories.CartItemFactory,
    factories.WishlistItemFactory,
    factories.ReviewFactory,
    factories.CouponFactory,
    factories.CouponUsageFactory,
    factories.AuditLogFactory,
]


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_factory_creates_a_stored_row(db, factory):
    made_id = factory().id
    model = factory._meta.model
    db.session.remove()
    stored = db.session.scalar(sa.select(model).where(model.id == made_id))
    assert stored is not None


def test_order_factory_totals_satisfy_the_seed_formula(db):
    order = factories.OrderFactory()
    assert order.total == order.subtotal + order.tax_amount + order.shipping_amount - order.discount_amount
