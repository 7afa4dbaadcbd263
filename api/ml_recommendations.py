"""The ML service's recommendation and skin-analysis endpoints under /ml/v1.

Recommendations are served from what the training job stored (never trained in a request).
A user's own lists: that user's token or a staff token.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.validation import Id, Range
from shop.accounts.models import STAFF_ROLES
from shop.catalog.models import Product
from shop.catalog.vocab import SKIN_CONCERNS, concern_label, skin_type_label
from shop.errors import Forbidden, NotFound
from shop.i18n import localized
from shop.recommendations import serving
from shop.recommendations.store import USER_KINDS
from shop.skin import services as skin
from shop.skin.conflicts import AVOIDABLE, group_label
from shop.skin.questionnaire import QUESTIONS, SkinProfile, options
from shop.skin.routine import conflict_summary
from web.envelope import success_response
from web.messages import translatable as _m

bp = Blueprint(
    "ml_recommendations", __name__, url_prefix="/ml/v1", description="ML service: recommendations and skin analysis"
)

PERSON_SKIN_TYPES = ("oily", "dry", "combination", "sensitive", "normal")
LIMIT = Range(min=1, max=serving.MAX_LIMIT)


def may_see(user_id: int) -> None:
    """A user's recommendations and analyses are theirs and the staff's to see."""
    if current_user.id != user_id and current_user.role not in STAFF_ROLES:
        raise Forbidden()


def product_json(product: Product) -> dict:
    return {
        "id": product.id,
        "slug": product.slug,
        "name": localized(product, "name"),
        "name_en": product.name_en,
        "name_kh": product.name_kh,
        "price": f"{product.price:.2f}",
        "image_url": product.image_url,
        "category": product.category,
        "skin_type": product.skin_type.value,
    }


def recommendation_json(item: serving.Recommendation) -> dict:
    return {
        "product_id": item.product.id,
        "score": round(item.score, 4),
        "reason": item.reason,
        "reason_text": item.reason_text,
        "product": product_json(item.product),
    }


def list_json(result: serving.RecommendationList) -> dict:
    return {
        "recommendation_type": result.kind,
        "personalised": result.personalised,
        "generated_at": result.generated_at.isoformat() if result.generated_at else None,
        "recommended_products": [recommendation_json(r) for r in result.items],
    }


def profile_json(profile: SkinProfile) -> dict:
    return {
        "skin_type": profile.skin_type,
        "skin_type_label": skin_type_label(profile.skin_type),
        "concerns": [{"code": c, "label": concern_label(c)} for c in profile.concerns],
        "avoid_ingredients": [{"code": a, "label": group_label(a)} for a in profile.avoid],
    }


def analysis_json(analysis: skin.Analysis) -> dict:
    routine = analysis.routine

    def steps(part):
        return [
            {"step": s.role, "step_label": s.role_label, "reason": s.reason, "product": product_json(s.product)}
            for s in getattr(routine, part)
        ]

    return {
        "analysis_id": analysis.analysis_id,
        "created_at": analysis.created_at.isoformat() if analysis.created_at else None,
        "skin_profile": profile_json(analysis.profile),
        "routine": {"morning": steps("morning"), "evening": steps("evening")},
        "warnings": conflict_summary(routine.conflicts, lambda p: localized(p, "name")),
    }


# ---------------------------------------------------------------- schemas


class LimitQuery(Schema):
    limit = fields.Integer(load_default=10, validate=LIMIT)


class UserRecommendationsQuery(LimitQuery):
    type = fields.String(
        load_default="hybrid", validate=validate.OneOf(USER_KINDS, error=_m("Must be one of: {choices}."))
    )


class SimilarQuery(LimitQuery):
    type = fields.String(
        load_default="content_based",
        validate=validate.OneOf(("content_based", "collaborative"), error=_m("Must be one of: {choices}.")),
    )


def concern_list(**kwargs):
    return fields.List(
        fields.String(validate=validate.OneOf(SKIN_CONCERNS, error=_m("Unknown skin concern."))),
        validate=validate.Length(max=len(SKIN_CONCERNS)),
        **kwargs,
    )


def avoid_list(**kwargs):
    return fields.List(
        fields.String(validate=validate.OneOf(AVOIDABLE, error=_m("Unknown ingredient group."))), **kwargs
    )


class SkinBasedIn(Schema):
    skin_type = fields.String(required=True, validate=validate.OneOf(PERSON_SKIN_TYPES, error=_m("Unknown skin type.")))
    concerns = concern_list(load_default=list)
    avoid_ingredients = avoid_list(load_default=list)
    limit = fields.Integer(load_default=10, validate=LIMIT)


def _answer_field(code: str):
    question = next(q for q in QUESTIONS if q.code == code)
    choices = tuple(options(question))
    if question.multiple:
        return fields.List(
            fields.String(validate=validate.OneOf(choices, error=_m("Choose one of the listed options."))),
            load_default=list,
        )
    return fields.String(required=True, validate=validate.OneOf(choices, error=_m("Choose one of the listed options.")))


AnswersSchema = Schema.from_dict({q.code: _answer_field(q.code) for q in QUESTIONS}, name="SkinAnswers")


class AnalyzeIn(Schema):
    answers = fields.Nested(AnswersSchema, required=True)


class FeedbackIn(Schema):
    analysis_id = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    product_id = Id(load_default=None)
    rating = fields.Integer(load_default=None, validate=Range(min=1, max=5))
    helpful = fields.Boolean(load_default=None)
    comment = fields.String(load_default=None, validate=validate.Length(max=1000))


class ByConcernQuery(LimitQuery):
    concern = fields.String(required=True, validate=validate.OneOf(SKIN_CONCERNS, error=_m("Unknown skin concern.")))
    skin_type = fields.String(
        load_default=None, validate=validate.OneOf(PERSON_SKIN_TYPES, error=_m("Unknown skin type."))
    )


# ---------------------------------------------------------------- recommendations


@bp.get("/recommendations/user/<int:user_id>")
@bp.arguments(UserRecommendationsQuery, location="query")
@jwt_required()
def user_recommendations(args, user_id: int):
    """The user's stored recommendations (hybrid by default); popular products for a new user."""
    may_see(user_id)
    return success_response(list_json(serving.for_user(user_id, args["type"], args["limit"])))


@bp.post("/recommendations/user/<int:user_id>/generate")
@jwt_required()
def generate(user_id: int):
    """Queue a regeneration of the user's recommendations; 202 Accepted."""
    may_see(user_id)
    serving.request_generation(user_id)
    return success_response({"user_id": user_id, "status": "queued"}, _("Your recommendations are being updated."), 202)


@bp.get("/recommendations/product/<int:product_id>/similar")
@bp.arguments(SimilarQuery, location="query")
def similar(args, product_id: int):
    """Similar products (content_based) or products bought with it (collaborative)."""
    if serving.catalog.get_public_product_by_id(product_id) is None:
        raise NotFound(_("That product was not found."))
    items = serving.similar(product_id, args["type"], args["limit"])
    return success_response(
        {
            "product_id": product_id,
            "recommendation_type": args["type"],
            "recommended_products": [recommendation_json(r) for r in items],
        }
    )


@bp.get("/recommendations/popular")
@bp.arguments(LimitQuery, location="query")
def popular(args):
    """The most popular products of the last 90 days."""
    return success_response(list_json(serving.popular(args["limit"])))


@bp.get("/recommendations/trending")
@bp.arguments(LimitQuery, location="query")
def trending(args):
    """Products whose interest grew fastest this week."""
    return success_response(list_json(serving.trending(args["limit"])))


@bp.post("/recommendations/skin-based")
@bp.arguments(SkinBasedIn)
def skin_based(data):
    """Products for a skin type and concerns, without the ingredients to avoid."""
    profile = SkinProfile(
        data["skin_type"], tuple(dict.fromkeys(data["concerns"])), tuple(dict.fromkeys(data["avoid_ingredients"]))
    )
    items = serving.skin_based(profile, data["limit"])
    return success_response(
        {"skin_profile": profile_json(profile), "recommended_products": [recommendation_json(r) for r in items]}
    )


# ---------------------------------------------------------------- skin analysis


@bp.post("/skin-analysis/analyze")
@bp.arguments(AnalyzeIn)
@jwt_required(optional=True)
def analyze(data):
    """Skin type, concerns and a morning/evening routine from the questionnaire's answers;
    saved to the profile when a user's token is sent."""
    user_id = current_user.id if current_user else None
    analysis = skin.analyze(data["answers"], user_id=user_id)
    return success_response(analysis_json(analysis), _("Your skin analysis is ready."))


@bp.get("/skin-analysis/recommendations/<int:user_id>")
@jwt_required()
def analysis_recommendations(user_id: int):
    """The user's latest analysis, with the routine rebuilt from today's stock."""
    may_see(user_id)
    analysis = skin.latest_analysis(user_id)
    if analysis is None:
        raise NotFound(_("No skin analysis yet."))
    return success_response(analysis_json(analysis))


@bp.post("/skin-analysis/feedback")
@bp.arguments(FeedbackIn)
@jwt_required()
def feedback(data):
    """Feedback on an analysis or a recommended product: a rating, helpful or not, a comment."""
    feedback_id = skin.record_feedback(current_user.id, **data)
    return success_response({"feedback_id": feedback_id}, _("Thank you for your feedback."), 201)


@bp.get("/skin-analysis/products-by-concern")
@bp.arguments(ByConcernQuery, location="query")
def products_by_concern(args):
    """Active, in-stock products for a skin concern (and skin type)."""
    products = skin.products_by_concern(args["concern"], args["skin_type"], args["limit"])
    return success_response(
        {
            "concern": {"code": args["concern"], "label": concern_label(args["concern"])},
            "products": [product_json(p) for p in products],
        }
    )
