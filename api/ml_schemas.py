"""What the ML service (/ml/v1) and the shopper's recommendations (/api/v1/recommendations)
answer, for the OpenAPI document: tracking receipts, search, analytics readings,
recommendations and skin analyses. Prices are `api.fields.Money` strings."""

from __future__ import annotations

from marshmallow import fields

from api.catalog import ProductSummarySchema
from api.fields import Money
from api.schemas import envelope, page_envelope
from api.shopper_schemas import Out

# ---------------------------------------------------------------- tracking and search


class TrackedSchema(Out):
    session_id = fields.String(required=True, metadata={"description": "Send it again with the next events"})
    search_id = fields.String(allow_none=True, metadata={"description": "track-query: the recorded search"})
    order_id = fields.Integer(metadata={"description": "track-purchase: the order recorded"})


TrackedEnvelope = envelope("TrackedEnvelope", TrackedSchema)
SearchPageEnvelope = page_envelope(
    "MlSearchPage",
    ProductSummarySchema,
    search_id=fields.String(
        required=True, allow_none=True, metadata={"description": "null without a session id or a token"}
    ),
)


# ---------------------------------------------------------------- analytics readings


class CountSchema(Out):
    count = fields.Integer()


class RecentSearchSchema(Out):
    query = fields.String()
    timestamp = fields.String(metadata={"description": "HTTP date"})


class UserInsightsSchema(Out):
    user_id = fields.Integer(required=True)
    days = fields.Integer(required=True)
    event_counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    sessions = fields.Integer()
    devices = fields.List(fields.String())
    last_seen = fields.String(allow_none=True, metadata={"description": "HTTP date"})
    top_products = fields.List(fields.Dict())
    top_categories = fields.List(fields.Dict())
    recent_searches = fields.List(fields.Nested(RecentSearchSchema))


class ProductStatsSchema(Out):
    product_id = fields.Integer(required=True)
    days = fields.Integer(required=True)
    views = fields.Integer()
    unique_viewers = fields.Integer()
    cart_adds = fields.Integer()
    purchases = fields.Integer(metadata={"description": "Units"})
    orders = fields.Integer()
    search_clicks = fields.Integer()
    conversion_rate = fields.Float(metadata={"description": "Buyers per viewer, 0 to 1"})


class QueryTrendSchema(Out):
    query = fields.String(required=True)
    searches = fields.Integer(required=True)
    sessions = fields.Integer()
    avg_results = fields.Float()
    zero_results = fields.Integer()
    click_through_rate = fields.Float()


class ZeroResultSchema(Out):
    query = fields.String(required=True)
    searches = fields.Integer(required=True)


class SearchTrendsSchema(Out):
    days = fields.Integer(required=True)
    total_searches = fields.Integer()
    distinct_queries = fields.Integer()
    top_queries = fields.List(fields.Nested(QueryTrendSchema))
    zero_result_queries = fields.List(fields.Nested(ZeroResultSchema))


class DailyMetricsSchema(Out):
    date = fields.Date(required=True)
    metrics = fields.Dict(metadata={"description": "The day's rollup; money as strings"})
    created_at = fields.String(allow_none=True, metadata={"description": "HTTP date"})


class PerformanceMetricsSchema(Out):
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    days = fields.List(fields.Nested(DailyMetricsSchema), required=True)


UserInsightsEnvelope = envelope("UserInsightsEnvelope", UserInsightsSchema)
ProductStatsEnvelope = envelope("ProductStatsEnvelope", ProductStatsSchema)
SearchTrendsEnvelope = envelope("SearchTrendsEnvelope", SearchTrendsSchema)
PerformanceMetricsEnvelope = envelope("PerformanceMetricsEnvelope", PerformanceMetricsSchema)
TrendingQueriesEnvelope = envelope("TrendingQueriesEnvelope", ZeroResultSchema, many=True)


# ---------------------------------------------------------------- recommendations and skin analysis


class RecommendedProductSchema(Out):
    id = fields.Integer(required=True)
    slug = fields.String()
    name = fields.String()
    name_en = fields.String()
    name_kh = fields.String(allow_none=True)
    price = Money(required=True)
    image_url = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    skin_type = fields.String()


class RecommendationSchema(Out):
    product_id = fields.Integer(required=True)
    score = fields.Float()
    reason = fields.String(allow_none=True)
    reason_text = fields.String(allow_none=True)
    product = fields.Nested(RecommendedProductSchema, required=True)


class RecommendationListSchema(Out):
    recommendation_type = fields.String(required=True)
    personalised = fields.Boolean()
    generated_at = fields.DateTime(allow_none=True)
    recommended_products = fields.List(fields.Nested(RecommendationSchema), required=True)


class SimilarSchema(Out):
    product_id = fields.Integer(required=True)
    recommendation_type = fields.String(required=True)
    recommended_products = fields.List(fields.Nested(RecommendationSchema), required=True)


class LabelledSchema(Out):
    code = fields.String(required=True)
    label = fields.String()


class SkinProfileSchema(Out):
    skin_type = fields.String(required=True)
    skin_type_label = fields.String()
    concerns = fields.List(fields.Nested(LabelledSchema))
    avoid_ingredients = fields.List(fields.Nested(LabelledSchema))


class SkinBasedSchema(Out):
    skin_profile = fields.Nested(SkinProfileSchema, required=True)
    recommended_products = fields.List(fields.Nested(RecommendationSchema), required=True)


class RoutineStepSchema(Out):
    step = fields.String()
    step_label = fields.String()
    reason = fields.String(allow_none=True)
    product = fields.Nested(RecommendedProductSchema)


class RoutineSchema(Out):
    morning = fields.List(fields.Nested(RoutineStepSchema))
    evening = fields.List(fields.Nested(RoutineStepSchema))


class ConflictSchema(Out):
    products = fields.List(fields.Integer())
    product_names = fields.List(fields.String())
    message = fields.String()


class AnalysisSchema(Out):
    analysis_id = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    skin_profile = fields.Nested(SkinProfileSchema, required=True)
    routine = fields.Nested(RoutineSchema, required=True)
    warnings = fields.List(fields.Nested(ConflictSchema))


class QueuedSchema(Out):
    user_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["queued"]})


class FeedbackSchema(Out):
    feedback_id = fields.String(required=True)


class ByConcernSchema(Out):
    concern = fields.Nested(LabelledSchema, required=True)
    products = fields.List(fields.Nested(RecommendedProductSchema), required=True)


RecommendationListEnvelope = envelope("RecommendationListEnvelope", RecommendationListSchema)
SimilarEnvelope = envelope("SimilarEnvelope", SimilarSchema)
SkinBasedEnvelope = envelope("SkinBasedEnvelope", SkinBasedSchema)
AnalysisEnvelope = envelope("AnalysisEnvelope", AnalysisSchema)
QueuedEnvelope = envelope("QueuedEnvelope", QueuedSchema)
FeedbackEnvelope = envelope("FeedbackEnvelope", FeedbackSchema)
ByConcernEnvelope = envelope("ByConcernEnvelope", ByConcernSchema)
