"""The recommenders on small hand-made data: what each learns."""

from __future__ import annotations

import numpy as np
import pytest

from shop.recommendations.training import (
    WEIGHTS,
    Interactions,
    Products,
    blend,
    collaborative_neighbours,
    content_neighbours,
    popularity,
    score_users,
    top_k_per_row,
    train,
    trending,
    user_item_matrix,
)

# The suite's autouse fixtures reset the rate limiter, which needs an app to exist.
pytestmark = pytest.mark.usefixtures("app")

DAY = 86400.0
NOW = 1_000 * DAY


def catalog() -> Products:
    return Products(
        ids=np.array([10, 20, 30, 40, 50]),
        categories=["serums", "serums", "serums", "toners", "toners"],
        skin_types=["oily", "dry", "oily", "all", "dry"],
        concerns=[["acne"], ["dryness"], ["acne", "large_pores"], ["dullness"], ["dryness"]],
        ingredients=[
            ["Salicylic Acid", "Niacinamide"],
            ["Hyaluronic Acid"],
            ["Niacinamide", "Zinc"],
            ["Rice"],
            ["Retinol"],
        ],
        texts=["Clear serum for acne", "Hydra serum", "Pore serum niacinamide", "Rice toner ទឹកអង្ករ", "Night toner"],
    )


def rows(*items):
    return Interactions.from_rows(items)


def test_weights_rank_purchases_over_cart_adds_over_wishlist_over_views():
    assert WEIGHTS["purchase"] > WEIGHTS["cart_add"] > WEIGHTS["wishlist"] > WEIGHTS["view"]


def test_top_k_keeps_each_rows_largest_entries():
    from scipy import sparse

    matrix = sparse.csr_matrix(np.array([[0.1, 0.5, 0.3, 0.0], [0.0, 0.2, 0.0, 0.9]]))
    kept = top_k_per_row(matrix, 2).toarray()
    assert kept.tolist() == [[0.0, 0.5, 0.3, 0.0], [0.0, 0.2, 0.0, 0.9]] or np.allclose(
        kept, [[0.0, 0.5, 0.3, 0.0], [0.0, 0.2, 0.0, 0.9]]
    )
    assert top_k_per_row(matrix, 1).nnz == 2


def test_collaborative_links_products_bought_together_and_never_an_item_to_itself():
    products = catalog()
    purchase = WEIGHTS["purchase"]
    interactions = rows(
        (1, 10, purchase, NOW),
        (1, 40, purchase, NOW),
        (2, 10, purchase, NOW),
        (2, 40, purchase, NOW),
        (3, 20, purchase, NOW),
    )
    matrix, users = user_item_matrix(interactions, products)
    assert users.tolist() == [1, 2, 3]
    neighbours = collaborative_neighbours(matrix).toarray()
    assert neighbours[0, 3] > 0.99 and neighbours[3, 0] > 0.99  # 10 <-> 40
    assert np.all(np.diag(neighbours) == 0)
    assert neighbours[1].sum() == 0  # 20 was bought alone


def test_collaborative_with_no_interactions_has_no_neighbours():
    """A shop where nobody has looked at anything yet ("Retrain now" right after an empty
    analytics store) trains without error."""
    matrix, users = user_item_matrix(rows(), catalog())
    assert users.tolist() == []
    neighbours = collaborative_neighbours(matrix)
    assert neighbours.shape == (len(catalog()), len(catalog())) and neighbours.nnz == 0


def test_content_compares_products_of_a_category_by_ingredients_concerns_and_text():
    neighbours = content_neighbours(catalog()).toarray()
    # The two acne serums with niacinamide are closer than the dry-skin serum.
    assert neighbours[0, 2] > neighbours[0, 1]
    # Different categories are not compared.
    assert neighbours[0, 3] == 0 and neighbours[0, 4] == 0


def test_popular_counts_recent_weighted_interactions_and_trending_is_velocity():
    products = catalog()
    interactions = rows(
        (1, 10, 5.0, NOW - 2 * DAY),
        (2, 10, 5.0, NOW - 20 * DAY),
        (3, 20, 1.0, NOW - 200 * DAY),  # too old to count
        (4, 30, 1.0, NOW - 1 * DAY),
        (5, 30, 1.0, NOW - 2 * DAY),
        (6, 40, 5.0, NOW - 20 * DAY),  # steady before, nothing this week
    )
    assert popularity(interactions, products, NOW).tolist() == [10.0, 0.0, 2.0, 5.0, 0.0]
    velocity = trending(interactions, products, NOW)
    assert velocity[3] == 0 and velocity[1] == 0
    assert velocity[0] > 0 and velocity[2] > 0


def test_hybrid_blends_every_recommender_and_names_the_strongest_reason():
    blended = blend({"collaborative": [(1, 2.0), (2, 1.0)], "popular": [(3, 10.0), (1, 5.0)]})
    # 1: 0.3 + 0.25 * 0.5; 3: 0.25; 2: 0.3 * 0.5
    assert [pid for pid, _score, _reason in blended] == [1, 3, 2]
    assert [reason for _pid, _score, reason in blended] == ["collaborative", "popular", "collaborative"]


def test_score_users_gives_skin_profiles_matching_products_without_avoided_ingredients():
    products = catalog()
    interactions = rows((1, 10, 5.0, NOW), (1, 40, 5.0, NOW), (2, 10, 5.0, NOW))
    model = train(interactions, products, NOW)
    scores = score_users(model, interactions, {9: ("dry", ["dryness"], ["retinoids"])})
    assert scores.user_ids.tolist() == [1, 2, 9]
    skin_row = scores.by_kind["skin_based"].toarray()[2]
    assert skin_row[1] > 0  # the dry-skin serum
    assert skin_row[4] == 0  # dry toner, but it has retinol
    assert skin_row[0] == 0  # oily-only serum
    # User 2 bought 10, whose companion was 40: the hybrid puts 40 first among the new ones.
    hybrid = scores.by_kind["hybrid"].toarray()[1]
    assert int(np.argmax(np.where(np.arange(5) == 0, 0, hybrid))) == 3
