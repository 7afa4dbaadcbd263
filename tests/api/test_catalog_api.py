"""Products and categories over JSON: the seed's endpoints, envelope and pagination, filters,
sorts, search in English and Khmer, languages, and the Redis cache with its invalidation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.catalog import services as catalog
from shop.catalog.models import Product, ProductStatus, SkinType
from shop.infra.columns import utcnow
from shop.reviews.models import ReviewStatus
from tests.factories import CategoryFactory, OrderItemFactory, ProductFactory, ProductImageFactory, ReviewFactory

D = Decimal


def product(name: str, **fields) -> Product:
    age = fields.pop("age", 0)
    return ProductFactory(name_en=name, created_at=utcnow() - timedelta(days=age), **fields)


def body(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def names(response) -> list[str]:
    return [item["name"] for item in body(response)["data"]["data"]]


def test_products_use_the_envelope_and_the_seeds_pagination(client, db):
    item = product(
        "Rice Toner",
        name_kh="តូណឺរទឹកអង្ករ",
        slug="rice-toner",
        sku="RT-1",
        brand="Mekong Dew",
        price=D("12.50"),
        compare_at_price=D("15.00"),
        stock=7,
        skin_type=SkinType.OILY,
        skin_concerns=["dullness"],
        category="toners",
        image_url="/uploads/products/rt.webp",
        short_description="Milky toner.",
        size="150 ml",
    )
    ReviewFactory(product_id=item.id, rating=4)
    catalog.refresh_product_stats()
    db.session.commit()
    data = body(client.get("/api/v1/products"))
    assert data["success"] is True
    assert data["message"] == ""
    assert data["data"] == {
        "data": [
            {
                "id": item.id,
                "slug": "rice-toner",
                "sku": "RT-1",
                "url": "/products/rice-toner",
                "name": "Rice Toner",
                "name_en": "Rice Toner",
                "name_kh": "តូណឺរទឹកអង្ករ",
                "brand": "Mekong Dew",
                "short_description": "Milky toner.",
                "price": "12.50",
                "compare_at_price": "15.00",
                "currency": "USD",
                "price_khr": 51_300,
                "compare_at_price_khr": 61_500,
                "on_sale": True,
                "in_stock": True,
                "stock": 7,
                "skin_type": "oily",
                "skin_type_label": "Oily",
                "skin_concerns": ["dullness"],
                "skin_concern_labels": ["Dullness"],
                "category": "toners",
                "image_url": "/uploads/products/rt.webp",
                "is_featured": False,
                "rating_avg": "4.00",
                "rating_count": 1,
                "size": "150 ml",
                "price_range": {"min": "12.50", "max": "12.50"},  # one variant (migration 0015)
            }
        ],
        "current_page": 1,
        "per_page": 20,
        "total_pages": 1,
        "total_items": 1,
        "has_next_page": False,
        "has_prev_page": False,
        "total_is_estimate": False,
    }


def test_the_listing_payload_matches_its_documented_schema(client, db):
    from api.catalog import ProductDetailSchema, ProductSummarySchema

    item = product("Rice Toner")
    summary = body(client.get("/api/v1/products"))["data"]["data"][0]
    assert set(summary) == set(ProductSummarySchema().fields)
    detail = body(client.get(f"/api/v1/products/{item.id}"))["data"]
    assert set(detail) == set(ProductDetailSchema().fields)


def test_only_active_products_are_public(client, db):
    product("Active")
    draft = product("Draft", status=ProductStatus.DRAFT)
    archived = product("Archived", status=ProductStatus.ARCHIVED)
    assert names(client.get("/api/v1/products")) == ["Active"]
    assert names(client.get("/api/v1/products/search?q=draft")) == []
    for hidden in (draft, archived):
        assert client.get(f"/api/v1/products/{hidden.id}").status_code == 404
        assert client.get(f"/api/v1/products/{hidden.id}/reviews").status_code == 404
        assert client.get(f"/api/v1/products/{hidden.id}/related").status_code == 404


NO_SUCH_PAGE = "There is no such page. Page numbers are whole numbers from 1."


def test_pagination_edges(client, db):
    for n in range(3):
        product(f"P{n}", age=n)
    page2 = body(client.get("/api/v1/products?page=2&limit=2"))["data"]
    assert [i["name"] for i in page2["data"]] == ["P2"]
    assert (page2["current_page"], page2["total_pages"], page2["has_next_page"], page2["has_prev_page"]) == (
        2,
        2,
        False,
        True,
    )
    past = body(client.get("/api/v1/products?page=9&limit=2"))["data"]
    assert past == {
        "data": [],
        "current_page": 9,
        "per_page": 2,
        "total_pages": 2,
        "total_items": 3,
        "has_next_page": False,
        "has_prev_page": True,
        "total_is_estimate": False,
    }
    too_many = body(client.get("/api/v1/products?limit=1000"), 422)
    assert too_many["error"]["details"] == {"query": {"limit": ["Must be between 1 and 100."]}}
    zero = body(client.get("/api/v1/products?page=0"), 422)
    assert zero["error"]["details"] == {"query": {"page": [NO_SUCH_PAGE]}}
    huge = body(client.get("/api/v1/products?page=9223372036854775807"), 422)  # never reaches SQL
    assert huge["error"]["details"] == {"query": {"page": [NO_SUCH_PAGE]}}


def test_filters(client, db):
    serums = CategoryFactory(slug="serums")
    product("Oily Serum", skin_type=SkinType.OILY, categories=[serums], price=D("20.00"), age=1)
    product("All Cream", skin_type=SkinType.ALL, skin_concerns=["acne"], price=D("9.00"), age=2)
    product("Dry Sale", skin_type=SkinType.DRY, price=D("8.00"), compare_at_price=D("10.00"), stock=0, age=3)
    assert names(client.get("/api/v1/products?skin_type=oily")) == ["Oily Serum", "All Cream"]
    assert names(client.get("/api/v1/products?concern=acne")) == ["All Cream"]
    assert names(client.get("/api/v1/products?min_price=9&max_price=20")) == ["Oily Serum", "All Cream"]
    assert names(client.get("/api/v1/products?on_sale=true")) == ["Dry Sale"]
    assert names(client.get("/api/v1/products?in_stock=true")) == ["Oily Serum", "All Cream"]
    assert names(client.get("/api/v1/products?category=serums")) == ["Oily Serum"]
    assert names(client.get("/api/v1/products?search=cream")) == ["All Cream"]
    # A category that does not exist is a rule saying no (400); the document cannot list them.
    unknown = body(client.get("/api/v1/products?category=nope"), 400)
    assert unknown["error"]["details"] == {"query": {"category": ["Unknown category."]}}
    bad = body(client.get("/api/v1/products?skin_type=greasy"), 422)
    assert bad["error"]["details"] == {
        "query": {"skin_type": ["Must be one of: oily, dry, combination, sensitive, normal, all."]}
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["B", "C", "A"]),
        ("sort=newest", ["B", "C", "A"]),
        ("sort=price", ["A", "C", "B"]),
        ("sort=price&order=desc", ["B", "C", "A"]),
        ("sort=rating", ["C", "A", "B"]),
        ("sort=best_selling", ["A", "B", "C"]),
    ],
)
def test_sorts(client, db, query, expected):
    a = product("A", price=D("5.00"), age=3)
    b = product("B", price=D("30.00"), age=1)
    c = product("C", price=D("10.00"), age=2)
    OrderItemFactory(product=a, quantity=5)
    OrderItemFactory(product=b, quantity=2)
    for rating, target in ((5, c), (3, a), (2, b)):
        ReviewFactory(product_id=target.id, rating=rating)
    catalog.refresh_product_stats()
    db.session.commit()
    assert names(client.get(f"/api/v1/products?{query}")) == expected


def test_search_in_khmer_and_with_a_typo(client, db):
    product("Vitamin C Serum", name_kh="សេរ៉ូមវីតាមីនសេ", age=1)
    product("Hyaluronic Acid Essence", name_kh="អេសសិន", age=2)
    product("Rice Toner", name_kh="តូណឺរ", description_en="Use before your serum.", age=3)
    assert names(client.get("/api/v1/products/search?q=សេរ៉ូម")) == ["Vitamin C Serum"]
    assert names(client.get("/api/v1/products/search?q=hyaluronik")) == ["Hyaluronic Acid Essence"]
    assert names(client.get("/api/v1/products/search?q=serum")) == ["Vitamin C Serum", "Rice Toner"]
    assert names(client.get("/api/v1/products/search?q=serum&sort=price&order=desc")) == [
        "Rice Toner",
        "Vitamin C Serum",
    ]
    missing = body(client.get("/api/v1/products/search"), 422)
    assert missing["error"]["details"] == {"query": {"q": ["This field is required."]}}


def test_search_finds_a_skin_concern_by_its_khmer_name(client, db):
    product("Clear Gel", skin_concerns=["acne"], age=1)
    product("Plain Cream", skin_concerns=["dryness"], age=2)
    assert names(client.get("/api/v1/products/search?q=មុន")) == ["Clear Gel"]
    assert names(client.get("/api/v1/products/search?q=acne")) == ["Clear Gel"]


def test_localized_fields_follow_lang_and_accept_language(client, db):
    item = product("Rice Toner", name_kh="តូណឺរទឹកអង្ករ", description_kh="តូណឺរស្រាល។", skin_type=SkinType.OILY)
    english = body(client.get(f"/api/v1/products/{item.id}"))["data"]
    assert (english["name"], english["description"], english["skin_type_label"]) == (
        "Rice Toner",
        "A gentle toner.",
        "Oily",
    )
    khmer = body(client.get(f"/api/v1/products/{item.id}?lang=km"))["data"]
    assert (khmer["name"], khmer["description"]) == ("តូណឺរទឹកអង្ករ", "តូណឺរស្រាល។")
    assert khmer["skin_type_label"] != "Oily"
    header = body(client.get("/api/v1/products", headers={"Accept-Language": "km"}))["data"]["data"][0]
    assert header["name"] == "តូណឺរទឹកអង្ករ"
    seed_code = body(client.get("/api/v1/products?lang=kh"))["data"]["data"][0]
    assert seed_code["name"] == "តូណឺរទឹកអង្ករ"


def test_product_detail(client, db):
    serums = CategoryFactory(name="Serums", name_kh="សេរ៉ូម", slug="serums")
    item = product("Glow Serum", categories=[serums], ingredients=["Aqua"], usage_instructions="Twice a day.")
    ProductImageFactory(product=item, image_url="/uploads/a.webp", alt_text="Front", sort_order=0)
    ReviewFactory(product_id=item.id, rating=5)
    ReviewFactory(product_id=item.id, rating=4)
    ReviewFactory(product_id=item.id, rating=1, status=ReviewStatus.PENDING)
    data = body(client.get(f"/api/v1/products/{item.id}"))["data"]
    assert data["images"] == [{"url": "/uploads/a.webp", "alt_text": "Front", "is_primary": True, "sort_order": 0}]
    assert data["categories"] == [
        {"id": serums.id, "slug": "serums", "name": "Serums", "name_en": "Serums", "name_kh": "សេរ៉ូម"}
    ]
    assert data["rating"] == {
        "average": "4.50",
        "count": 2,
        "distribution": {"5": 1, "4": 1, "3": 0, "2": 0, "1": 0},
    }
    assert (data["ingredients"], data["usage_instructions"]) == (["Aqua"], "Twice a day.")
    assert client.get("/api/v1/products/999999").status_code == 404


def test_reviews_are_approved_only_newest_first_and_paginated(client, db):
    item = product("Glow Serum")
    for n, status in enumerate(
        [ReviewStatus.APPROVED, ReviewStatus.PENDING, ReviewStatus.APPROVED, ReviewStatus.REJECTED]
    ):
        ReviewFactory(product_id=item.id, title=f"R{n}", status=status, created_at=utcnow() - timedelta(days=n))
    data = body(client.get(f"/api/v1/products/{item.id}/reviews?limit=1&page=2"))["data"]
    assert [r["title"] for r in data["data"]] == ["R2"]
    assert (data["total_items"], data["total_pages"]) == (2, 2)
    assert set(data["data"][0]) == {
        "id",
        "rating",
        "title",
        "comment",
        "customer_name",
        "is_verified_purchase",
        "helpful_count",
        "created_at",
    }


def test_featured_and_related(client, db):
    item = product("Glow Serum", category="serums", skin_concerns=["acne"], is_featured=True, age=1)
    product("Acne Serum", category="serums", skin_concerns=["acne"], age=3)
    product("Dry Serum", category="serums", skin_concerns=["dryness"], age=2)
    product("Toner", category="toners")
    featured = body(client.get("/api/v1/products/featured"))["data"]
    assert [p["name"] for p in featured] == ["Glow Serum"]
    related = body(client.get(f"/api/v1/products/{item.id}/related"))["data"]
    assert [p["name"] for p in related] == ["Acne Serum", "Dry Serum"]
    assert [p["name"] for p in body(client.get(f"/api/v1/products/{item.id}/related?limit=1"))["data"]] == [
        "Acne Serum"
    ]


def test_by_skin_type_and_an_unknown_skin_type(client, db):
    product("Oily Gel", skin_type=SkinType.OILY, age=1)
    product("Everyone", skin_type=SkinType.ALL, age=2)
    product("Dry Balm", skin_type=SkinType.DRY, age=3)
    assert names(client.get("/api/v1/products/by-skin-type/oily")) == ["Oily Gel", "Everyone"]
    unknown = body(client.get("/api/v1/products/by-skin-type/greasy"), 400)
    assert unknown == {
        "success": False,
        "message": "The request could not be understood. Please check what you entered.",
        "error": {
            "code": 400,
            "request_id": unknown["error"]["request_id"],
            "details": {
                "path": {
                    "skin_type": ["Unknown skin type. Use one of: oily, dry, combination, sensitive, normal, all."]
                }
            },
        },
    }


def test_categories_tree_and_category_products(client, db):
    face = CategoryFactory(name="Face Care", slug="face", name_kh="មុខ", sort_order=1)
    serums = CategoryFactory(name="Serums", slug="serums", parent=face, sort_order=1)
    CategoryFactory(name="Hidden", slug="hidden", is_active=False)
    product("Face Oil", categories=[face], age=1)
    product("Night Serum", categories=[serums], age=2)
    tree = body(client.get("/api/v1/categories?lang=km"))["data"]
    assert [(c["slug"], c["name"], [k["slug"] for k in c["children"]]) for c in tree] == [("face", "មុខ", ["serums"])]
    assert names(client.get("/api/v1/categories/face/products")) == ["Face Oil", "Night Serum"]
    assert names(client.get("/api/v1/categories/serums/products")) == ["Night Serum"]
    assert client.get("/api/v1/categories/nope/products").status_code == 404
    assert client.get("/api/v1/categories/hidden/products").status_code == 404


def test_ml_search_suggestions(client, db):
    serums = CategoryFactory(name="Serums", name_kh="សេរ៉ូម", slug="serums")
    item = product("Vitamin Serum", name_kh="សេរ៉ូមវីតាមីន", categories=[serums], price=D("18.00"))
    data = body(client.get("/ml/v1/search/suggestions?q=សេរ៉ូម&lang=km"))["data"]
    assert data["products"] == [
        {
            "id": item.id,
            "slug": item.slug,
            "name": "សេរ៉ូមវីតាមីន",
            "name_en": "Vitamin Serum",
            "name_kh": "សេរ៉ូមវីតាមីន",
            "price": "18.00",
            "image_url": None,
            "url": f"/products/{item.slug}",
        }
    ]
    assert data["categories"] == [{"slug": "serums", "name": "សេរ៉ូម", "url": "/categories/serums"}]
    assert body(client.get("/ml/v1/search/suggestions"), 422)["error"]["details"] == {
        "query": {"q": ["This field is required."]}
    }


def test_openapi_describes_the_catalog(client, db):
    document = body(client.get("/api/v1/openapi.json"))
    for path in (
        "/api/v1/products",
        "/api/v1/products/search",
        "/api/v1/products/featured",
        "/api/v1/products/by-skin-type/{skin_type}",
        "/api/v1/products/{product_id}",
        "/api/v1/products/{product_id}/reviews",
        "/api/v1/products/{product_id}/related",
        "/api/v1/categories",
        "/api/v1/categories/{slug}/products",
        "/ml/v1/search/suggestions",
    ):
        assert path in document["paths"], path
    schema = document["paths"]["/api/v1/products"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ProductPageEnvelope"}
    assert "price" in document["components"]["schemas"]["ProductSummary"]["properties"]


# ---------------------------------------------------------------- the Redis cache


def test_listing_product_and_categories_use_the_seeds_keys_and_ttls(client, db, redis_client):
    CategoryFactory(slug="serums")
    item = product("Glow Serum")
    client.get("/api/v1/products?page=1&limit=20")
    client.get("/api/v1/products?category=serums")
    client.get(f"/api/v1/products/{item.id}")
    client.get("/api/v1/categories")
    client.get("/api/v1/products?sort=price")  # filtered or sorted pages are not cached
    keys = sorted(k.decode() for k in redis_client.scan_iter("api:*"))
    assert keys == [
        "api:categories",
        f"api:product:{item.id}",
        "api:products:page:1:limit:20:category:",
        "api:products:page:1:limit:20:category:serums",
    ]
    ttl = {key: redis_client.ttl(key) for key in keys}
    assert 3590 < ttl["api:categories"] <= 3600
    assert 1790 < ttl[f"api:product:{item.id}"] <= 1800
    assert 890 < ttl["api:products:page:1:limit:20:category:"] <= 900


def test_cache_is_invalidated_when_a_product_changes(client, db):
    item = product("Glow Serum", price=D("18.00"))
    assert body(client.get(f"/api/v1/products/{item.id}"))["data"]["price"] == "18.00"
    assert body(client.get("/api/v1/products"))["data"]["data"][0]["price"] == "18.00"
    db.session.execute(sa.update(Product).where(Product.id == item.id).values(price=D("21.00"), name_en="Glow Serum 2"))
    db.session.commit()
    # Still cached...
    assert body(client.get(f"/api/v1/products/{item.id}"))["data"]["price"] == "18.00"
    assert body(client.get("/api/v1/products"))["data"]["data"][0]["price"] == "18.00"
    catalog.invalidate_catalog_cache(product_ids=[item.id])
    # ...until the catalog service is told.
    assert body(client.get(f"/api/v1/products/{item.id}"))["data"]["price"] == "21.00"
    assert body(client.get("/api/v1/products"))["data"]["data"][0]["price"] == "21.00"
    # The search document was rebuilt too.
    assert names(client.get("/api/v1/products/search?q=glow")) == ["Glow Serum 2"]


def test_cache_is_invalidated_when_a_category_changes(client, db):
    serums = CategoryFactory(name="Serums", slug="serums")
    item = product("Glow Serum", categories=[serums])
    assert body(client.get("/api/v1/categories"))["data"][0]["name"] == "Serums"
    assert body(client.get(f"/api/v1/products/{item.id}"))["data"]["categories"][0]["name"] == "Serums"
    serums.name = "Face Serums"
    db.session.commit()
    assert body(client.get("/api/v1/categories"))["data"][0]["name"] == "Serums"
    catalog.invalidate_catalog_cache(categories=True)
    assert body(client.get("/api/v1/categories"))["data"][0]["name"] == "Face Serums"
    assert body(client.get(f"/api/v1/products/{item.id}"))["data"]["categories"][0]["name"] == "Face Serums"
