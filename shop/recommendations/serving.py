"""Recommendations as shoppers see them: read from the store, then the shop's rules.

Rules (here, once, for every door): only active, in-stock products; never one the shopper
already bought, except a consumable bought more than RECOMMEND_REBUY_DAYS ago (time to run
out). Nothing is trained here: with no stored list, a shopper with a skin profile gets the
skin-based list (a catalog query) and everyone else the popular one (cold start).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from shop.accounts.models import User
from shop.catalog import services as catalog
from shop.catalog.models import Product, SkinType
from shop.catalog.services import PUBLIC, suits_skin_type
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.recommendations import sources, store
from shop.skin.conflicts import contains_any
from shop.skin.questionnaire import SkinProfile

REASON_LABELS = {
    "bought_together": _l("Customers who bought what you like also bought this"),
    "similar": _l("Similar to products you looked at"),
    "skin_match": _l("Matches your skin type and concerns"),
    "popular": _l("Popular right now"),
    "trending": _l("Trending this week"),
}
# Bought once, not used up: never recommended again to the same shopper.
NON_CONSUMABLE_CATEGORIES = frozenset({"sets"})
SKIN_CANDIDATES = 300
MAX_LIMIT = 50


@dataclass
class Recommendation:
    product: Product
    score: float
    reason: str

    @property
    def reason_text(self) -> str:
        return str(REASON_LABELS.get(self.reason, self.reason))


@dataclass
class RecommendationList:
    items: list[Recommendation]
    kind: str
    personalised: bool  # False: a cold-start fallback
    generated_at: datetime | None = None


def is_consumable(product: Product) -> bool:
    """Used up and bought again (skincare is; a gift set is not)."""
    return product.category not in NON_CONSUMABLE_CATEGORIES


def _available(product_ids: Sequence[int]) -> dict[int, Product]:
    if not product_ids:
        return {}
    query = sa.select(Product).where(Product.id.in_(list(product_ids)), PUBLIC, Product.is_in_stock)
    return {p.id: p for p in db.session.scalars(query)}


def apply_rules(
    items: Sequence[tuple[int, float, str]], *, user_id: int | None, limit: int, exclude: Sequence[int] = ()
) -> list[Recommendation]:
    """The first `limit` of `items` that are active, in stock and not already bought by the user
    (consumables bought more than RECOMMEND_REBUY_DAYS ago may come back)."""
    seen: set[int] = set(exclude)
    ordered: list[tuple[int, float, str]] = []
    for pid, score, reason in items:  # the first of each product, in order
        if pid not in seen:
            seen.add(pid)
            ordered.append((pid, score, reason))
    products = _available([pid for pid, _s, _r in ordered])
    bought = sources.last_purchases(user_id) if user_id is not None else {}
    rebuy_after = utcnow() - timedelta(days=current_app.config["RECOMMEND_REBUY_DAYS"])
    result = []
    for pid, score, reason in ordered:
        product = products.get(pid)
        if product is None:
            continue
        last = bought.get(pid)
        if last is not None and (not is_consumable(product) or last > rebuy_after):
            continue
        result.append(Recommendation(product, float(score), reason))
        if len(result) >= limit:
            break
    return result


def _stored(document: dict[str, Any] | None) -> list[tuple[int, float, str]]:
    if not document:
        return []
    return [(p["product_id"], p["score"], p.get("reason") or "") for p in document["recommended_products"]]


def popular(limit: int = 10, *, user_id: int | None = None, kind: str = "popular") -> RecommendationList:
    """The shop's most popular (or trending) products; best sellers before the first training."""
    document = store.user_list(None, kind)
    items = _stored(document)
    if not items and kind == "trending":
        return popular(limit, user_id=user_id)
    if not items:
        items = [(p.id, float(p.units_sold), "popular") for p in catalog.best_sellers(MAX_LIMIT * 2)]
        items += [(p.id, 0.0, "popular") for p in catalog.new_arrivals(MAX_LIMIT)]
    generated = document["created_at"] if document else None
    return RecommendationList(apply_rules(items, user_id=user_id, limit=limit), kind, False, generated)


def trending(limit: int = 10) -> RecommendationList:
    """Products whose interactions grew fastest this week."""
    return popular(limit, kind="trending")


def for_user(user_id: int, kind: str = "hybrid", limit: int = 10) -> RecommendationList:
    """A user's stored recommendations of `kind`; cold start (nothing stored): skin-based for a
    shopper with a skin profile, then popular products."""
    document = store.user_list(user_id, kind)
    items = apply_rules(_stored(document), user_id=user_id, limit=limit)
    if items and document is not None:
        return RecommendationList(items, kind, True, document["created_at"])
    user = db.session.get(User, user_id)
    fallback: list[tuple[int, float, str]] = []
    if user is not None and user.skin_concerns is not None:
        from shop.skin.services import user_profile

        fallback = [(pid, s, "skin_match") for pid, s in skin_based_items(user_profile(user), limit=MAX_LIMIT)]
    picked = apply_rules(fallback, user_id=user_id, limit=limit)
    if len(picked) < limit:
        more = popular(limit, user_id=user_id).items
        picked += [r for r in more if r.product.id not in {p.product.id for p in picked}][: limit - len(picked)]
    return RecommendationList(picked, kind, False)


def similar(product_id: int, kind: str = "content_based", limit: int = 8) -> list[Recommendation]:
    """Products like this one ('content_based') or bought with it ('collaborative'). Before the
    first training, similar products are the catalog's related products."""
    document = store.similar_list(product_id, kind)
    reason = "similar" if kind == "content_based" else "bought_together"
    items = [(s["product_id"], s["score"], reason) for s in document["similar_products"]] if document else []
    if not items and kind == "content_based":
        product = db.session.get(Product, product_id)
        if product is None:
            return []
        # Related products are already active: only stock is left to check, without a query.
        related = catalog.related_products(product, limit=MAX_LIMIT)
        return [Recommendation(p, 0.0, reason) for p in related if p.is_in_stock][:limit]
    return apply_rules(items, user_id=None, limit=limit, exclude=[product_id])


def skin_based_items(profile: SkinProfile, limit: int = 20) -> list[tuple[int, float]]:
    """(product id, score) for a skin profile: products for the skin type (or all), sharing its
    concerns, without avoided ingredients; active and in stock. A catalog query, no model."""
    from shop.skin.routine import score

    query = sa.select(Product).where(PUBLIC, Product.is_in_stock)
    if profile.skin_type and profile.skin_type != SkinType.ALL.value:
        query = query.where(suits_skin_type(SkinType(profile.skin_type)))
    if profile.concerns:
        query = query.where(catalog.has_any_concern(list(profile.concerns)))
    query = query.order_by(Product.units_sold.desc(), Product.rating_avg.desc(), Product.id).limit(SKIN_CANDIDATES)
    scored = [
        (p.id, score(p, profile)) for p in db.session.scalars(query) if not contains_any(p.ingredients, profile.avoid)
    ]
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit]


def skin_based(profile: SkinProfile, limit: int = 10, user_id: int | None = None) -> list[Recommendation]:
    """Skin-based recommendations with the serving rules."""
    items = [(pid, s, "skin_match") for pid, s in skin_based_items(profile, limit=MAX_LIMIT)]
    return apply_rules(items, user_id=user_id, limit=limit)


def request_generation(user_id: int) -> None:
    """Queue a regeneration of the user's lists from the stored model (RQ; inline without Redis)."""
    from shop.jobs import enqueue
    from shop.recommendations.jobs import generate_user_recommendations

    if db.session.get(User, user_id) is None:
        from shop.errors import NotFound

        raise NotFound(_l("That user was not found."))
    enqueue(generate_user_recommendations, user_id)
