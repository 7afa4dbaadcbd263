"""The customer API's recommendations: /api/v1/recommendations/products and /skin-analysis."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api import ml_schemas as out
from api.ml_recommendations import AnalyzeIn, LimitQuery, analysis_json, list_json
from shop.errors import NotFound
from shop.recommendations import serving
from shop.skin import services as skin
from web.envelope import success_response

bp = Blueprint(
    "recommendations", __name__, url_prefix="/api/v1/recommendations", description="Recommendations for the shopper"
)


@bp.get("/products")
@bp.response(200, out.RecommendationListEnvelope)
@bp.arguments(LimitQuery, location="query")
@jwt_required(optional=True)
def products(args):
    """Recommended for the signed-in shopper; popular products without a token."""
    if current_user:
        return success_response(list_json(serving.for_user(current_user.id, "hybrid", args["limit"])))
    return success_response(list_json(serving.popular(args["limit"])))


@bp.get("/skin-analysis")
@bp.response(200, out.AnalysisEnvelope)
@jwt_required()
def latest_analysis():
    """The shopper's latest skin analysis and routine (404 before the first one)."""
    analysis = skin.latest_analysis(current_user.id)
    if analysis is None:
        raise NotFound(_("No skin analysis yet."))
    return success_response(analysis_json(analysis))


@bp.post("/skin-analysis")
@bp.response(201, out.AnalysisEnvelope)
@bp.arguments(AnalyzeIn)
@jwt_required()
def analyze(data):
    """Answer the questionnaire: the profile is saved and a routine returned."""
    analysis = skin.analyze(data["answers"], user_id=current_user.id)
    return success_response(analysis_json(analysis), _("Your skin analysis is ready."), 201)
