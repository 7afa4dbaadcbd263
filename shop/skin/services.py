"""Skin analysis: answers in, a saved profile and a routine out; feedback on the advice.

MongoDB collections (besides the users' columns skin_type, skin_concerns, avoided_ingredients):
- `skin_analyses`: {user_id, answers, skin_profile: {skin_type, concerns, avoid_ingredients},
  routine: {morning: [{role, product_id}], evening: [...]}, model_version, created_at}; the
  latest one per user is the one shown.
- `skin_analysis_feedback`: {user_id, analysis_id, product_id, rating, helpful, comment,
  created_at}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from bson import ObjectId
from bson.errors import InvalidId
from flask import current_app
from flask_babel import lazy_gettext as _l
from pymongo import DESCENDING

from shop.accounts.models import User
from shop.analytics.store import get_mongo
from shop.catalog.models import Product, SkinType
from shop.catalog.services import PUBLIC, suits_skin_type
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.skin.questionnaire import SkinProfile, profile_from_answers, validate_answers
from shop.skin.routine import Routine, build_routine

ANALYSES = "skin_analyses"
FEEDBACK = "skin_analysis_feedback"


@dataclass
class Analysis:
    profile: SkinProfile
    routine: Routine
    analysis_id: str | None = None
    created_at: Any = None


def analyze(answers: dict[str, Any], user_id: int | None = None) -> Analysis:
    """Turn complete answers into a skin profile and routine. With a `user_id` the profile is
    saved on the user and the analysis stored, and their recommendations are regenerated."""
    errors = validate_answers(answers)
    if errors:
        raise ShopError(_l("Please answer every question."), field=next(iter(errors)))
    profile = profile_from_answers(answers)
    routine = build_routine(profile)
    analysis = Analysis(profile, routine)
    if user_id is not None:
        analysis.analysis_id, analysis.created_at = _save(user_id, answers, routine)
    return analysis


def _save(user_id: int, answers: dict[str, Any], routine: Routine) -> tuple[str, Any]:
    from shop.jobs import enqueue
    from shop.recommendations.jobs import generate_user_recommendations

    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    profile = routine.profile
    user.skin_type = SkinType(profile.skin_type)
    user.skin_concerns = list(profile.concerns)
    user.avoided_ingredients = list(profile.avoid)
    now = utcnow()
    document = {
        "user_id": user_id,
        "answers": {k: v for k, v in answers.items()},
        "skin_profile": profile_document(profile),
        "routine": {
            part: [{"role": s.role, "product_id": s.product.id} for s in getattr(routine, part)]
            for part in ("morning", "evening")
        },
        "model_version": current_app.config["SKIN_ANALYSIS_MODEL_VERSION"],
        "created_at": now,
    }
    inserted = get_mongo()[ANALYSES].insert_one(document)
    enqueue(generate_user_recommendations, user_id)
    db.session.commit()
    return str(inserted.inserted_id), now


def profile_document(profile: SkinProfile) -> dict[str, Any]:
    """The seed's skin_profile sub-document."""
    return {
        "skin_type": profile.skin_type,
        "concerns": list(profile.concerns),
        "avoid_ingredients": list(profile.avoid),
    }


def latest_analysis(user_id: int) -> Analysis | None:
    """The user's latest analysis with a routine rebuilt from today's stock, or None."""
    document = get_mongo()[ANALYSES].find_one({"user_id": user_id}, sort=[("created_at", DESCENDING)])
    if document is None:
        return None
    stored = document["skin_profile"]
    profile = SkinProfile(stored["skin_type"], tuple(stored["concerns"]), tuple(stored.get("avoid_ingredients", ())))
    return Analysis(profile, build_routine(profile), str(document["_id"]), document["created_at"])


def user_profile(user: User) -> SkinProfile:
    """The profile saved on the user (skin type, concerns, avoided ingredients)."""
    skin_type = user.skin_type.value if user.skin_type != SkinType.ALL else SkinType.NORMAL.value
    return SkinProfile(skin_type, tuple(user.skin_concerns or ()), tuple(user.avoided_ingredients or ()))


def record_feedback(
    user_id: int,
    *,
    analysis_id: str | None = None,
    product_id: int | None = None,
    rating: int | None = None,
    helpful: bool | None = None,
    comment: str | None = None,
) -> str:
    """Store the shopper's feedback on an analysis or a recommended product; returns its id."""
    if analysis_id is not None:
        try:
            key = ObjectId(analysis_id)
        except (InvalidId, TypeError):
            raise NotFound(_l("That skin analysis was not found."), field="analysis_id") from None
        if get_mongo()[ANALYSES].find_one({"_id": key, "user_id": user_id}, {"_id": 1}) is None:
            raise NotFound(_l("That skin analysis was not found."), field="analysis_id")
    if product_id is not None and db.session.get(Product, product_id) is None:
        raise NotFound(_l("That product was not found."), field="product_id")
    if rating is None and helpful is None and not comment:
        raise ShopError(_l("Tell us what you thought: a rating, helpful or not, or a comment."))
    document = {
        "user_id": user_id,
        "analysis_id": analysis_id,
        "product_id": product_id,
        "rating": rating,
        "helpful": helpful,
        "comment": comment,
        "created_at": utcnow(),
    }
    return str(get_mongo()[FEEDBACK].insert_one(document).inserted_id)


def products_by_concern(concern: str, skin_type: str | None = None, limit: int = 20) -> list[Product]:
    """Active, in-stock products for a skin concern (and skin type), best sellers first."""
    from shop.catalog.services import has_any_concern

    query = sa.select(Product).where(PUBLIC, Product.is_in_stock, has_any_concern([concern]))
    if skin_type:
        query = query.where(suits_skin_type(SkinType(skin_type)))
    query = query.order_by(Product.units_sold.desc(), Product.rating_avg.desc(), Product.id).limit(limit)
    return list(db.session.scalars(query))
