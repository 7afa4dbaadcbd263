"""The recommenders, as plain numpy/scipy/scikit-learn on arrays (no database here, so the
benchmark trains exactly this code on generated data).

- collaborative: item-item cosine similarity of the user x item matrix of implicit feedback
  (purchase > cart add > wishlist > view), top-k neighbours per item;
- content-based: TF-IDF over ingredients, concerns, category, brand and the English and Khmer
  descriptions (Khmer as cluster bigrams, the catalog search's tokenizer), cosine similarity
  between products of the same category, top-k neighbours per item;
- skin-based: products for the user's skin type sharing their concerns, without the
  ingredients they avoid;
- popular (weighted interactions of the last POPULAR_DAYS) and trending (velocity: the daily
  rate of the last TRENDING_DAYS above that of the weeks before);
- hybrid: a weighted blend of the above, each scaled to its best score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from shop.catalog.search import khmer_grams, words
from shop.catalog.search import normalize as normalize_text
from shop.skin.conflicts import groups_of

# Implicit feedback: what each kind of interaction says about liking a product.
WEIGHTS = {"purchase": 5.0, "cart_add": 3.0, "wishlist": 2.0, "view": 1.0}
NEIGHBOURS = 30
# Each user's strongest interactions counted for item-item similarity (bounds the cost of
# the few users who touched thousands of products).
MAX_ITEMS_PER_USER = 100
POPULAR_DAYS = 90
TRENDING_DAYS = 7
TRENDING_BASELINE_DAYS = 28
# Up to this many products, content similarity compares the TF-IDF vectors themselves.
EXACT_CONTENT_LIMIT = 20_000
SVD_DIMENSIONS = 96
# Tuned on the benchmark's hold-out (benchmarks/recommendations.py): with a dozen interactions per
# shopper over 100k products, skin and popularity carry most of the signal.
HYBRID_WEIGHTS = {"collaborative": 0.3, "content_based": 0.1, "skin_based": 0.35, "popular": 0.25}
DAY = 86400.0


@dataclass
class Interactions:
    """One row per interaction: who, which product, how much it says (WEIGHTS), when (epoch s)."""

    user_ids: np.ndarray
    product_ids: np.ndarray
    weights: np.ndarray
    times: np.ndarray

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int, float, float]]) -> Interactions:
        data = list(rows)
        if not data:
            return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32), np.empty(0, np.float64))
        users, products, weights, times = zip(*data, strict=True)
        return cls(
            np.asarray(users, np.int64),
            np.asarray(products, np.int64),
            np.asarray(weights, np.float32),
            np.asarray(times, np.float64),
        )

    def __len__(self) -> int:
        return len(self.user_ids)

    def subset(self, mask: np.ndarray) -> Interactions:
        return Interactions(self.user_ids[mask], self.product_ids[mask], self.weights[mask], self.times[mask])


@dataclass
class Products:
    """What the content and skin recommenders read of each product."""

    ids: np.ndarray
    categories: list[str]
    skin_types: list[str]
    concerns: list[list[str]]
    ingredients: list[list[str]]
    texts: list[str] = field(default_factory=list)  # brand, names, descriptions (en + km)

    def __post_init__(self) -> None:
        self.index = {int(pid): i for i, pid in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Model:
    """A trained model: neighbour matrices over `products` (row i = products.ids[i])."""

    products: Products
    collaborative: sparse.csr_matrix
    content: sparse.csr_matrix
    popular: np.ndarray  # score per product
    trending: np.ndarray


# ---------------------------------------------------------------- helpers


def top_k_per_row(matrix: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """Keep each row's k largest entries."""
    matrix = matrix.tocsr()
    matrix.eliminate_zeros()
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    lengths = np.diff(indptr)
    if lengths.max(initial=0) <= k:
        return matrix
    keep = np.ones(len(data), bool)
    for row in np.flatnonzero(lengths > k):
        start, end = indptr[row], indptr[row + 1]
        drop = np.argpartition(data[start:end], end - start - k)[: end - start - k]
        keep[start + drop] = False
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)[keep]
    return sparse.csr_matrix((data[keep], (rows, indices[keep])), shape=matrix.shape)


def top_items(scores: sparse.csr_matrix | np.ndarray, row: int, n: int) -> list[tuple[int, float]]:
    """(column, score) of the n best positive entries of a row, best first."""
    columns: np.ndarray
    values: np.ndarray
    if sparse.issparse(scores):
        matrix: Any = scores  # scipy ships no types
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        columns, values = matrix.indices[start:end], matrix.data[start:end]
    else:
        values = scores
        columns = np.arange(len(values))
    positive = values > 0
    columns, values = columns[positive], values[positive]
    if len(values) > n:
        best = np.argpartition(values, len(values) - n)[-n:]
        columns, values = columns[best], values[best]
    order = np.lexsort((columns, -values))
    return [(int(columns[i]), float(values[i])) for i in order]


def scale_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Each row divided by its largest entry (best score 1.0), so recommenders blend fairly."""
    matrix = matrix.tocsr().astype(np.float32)
    maxima = matrix.max(axis=1).toarray().ravel()
    maxima[maxima <= 0] = 1.0
    return sparse.diags(1.0 / maxima) @ matrix


def user_item_matrix(interactions: Interactions, products: Products) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Users x products, the sum of each pair's interaction weights dampened by log1p (ten
    views are not ten purchases). Returns the matrix and the user id of each row."""
    index = np.fromiter((products.index.get(int(p), -1) for p in interactions.product_ids), np.int64, len(interactions))
    known = index >= 0
    users, rows = np.unique(interactions.user_ids[known], return_inverse=True)
    matrix = sparse.csr_matrix(
        (interactions.weights[known], (rows, index[known])), shape=(len(users), len(products)), dtype=np.float32
    )
    matrix.sum_duplicates()
    matrix.data = np.log1p(matrix.data)
    return matrix, users


# ---------------------------------------------------------------- recommenders


def collaborative_neighbours(matrix: sparse.csr_matrix, k: int = NEIGHBOURS, chunk: int = 20_000) -> sparse.csr_matrix:
    """Item-item cosine similarity of the user x item matrix, top k per item."""
    n = matrix.shape[1]
    if matrix.shape[0] == 0:  # nobody has interacted yet (sklearn refuses a matrix of no users)
        return sparse.csr_matrix((n, n), dtype=np.float32)
    strongest = top_k_per_row(matrix, MAX_ITEMS_PER_USER)
    items = normalize(strongest.T.tocsr(), norm="l2", axis=1)  # items x users, unit rows
    users_items = items.T.tocsr()
    parts = []
    for start in range(0, items.shape[0], chunk):
        block = (items[start : start + chunk] @ users_items).tocsr()
        # An item is not its own neighbour.
        rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
        block.data[block.indices == rows + start] = 0
        parts.append(top_k_per_row(block, k))
    return sparse.vstack(parts).tocsr() if parts else sparse.csr_matrix((n, n), dtype=np.float32)


def content_tokens(text: str) -> list[str]:
    """Words, and Khmer cluster bigrams (Khmer has no spaces between words)."""
    normalized = normalize_text(text)
    return words(normalized) + sorted(khmer_grams(normalized))


def content_documents(products: Products) -> list[list[str]]:
    """Each product's tokens: whole ingredient names, concerns, category and skin type as
    features of their own (repeated: they matter more than a word of description), then text."""
    documents = []
    for i in range(len(products)):
        tokens = [f"ing:{name.lower()}" for name in products.ingredients[i]]
        tokens += [f"concern:{c}" for c in products.concerns[i]] * 2
        tokens += [f"category:{products.categories[i]}"] * 2 + [f"skin:{products.skin_types[i]}"]
        if products.texts:
            tokens += content_tokens(products.texts[i])
        documents.append(tokens)
    return documents


def content_vectors(products: Products, dimensions: int = SVD_DIMENSIONS) -> sparse.csr_matrix | np.ndarray:
    """Unit TF-IDF vectors; above EXACT_CONTENT_LIMIT products, reduced to `dimensions` by a
    truncated SVD (latent semantic analysis) so that comparing all pairs stays fast."""
    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
    vectors = vectorizer.fit_transform(content_documents(products)).tocsr()
    if len(products) <= EXACT_CONTENT_LIMIT or vectors.shape[1] <= dimensions:
        return vectors
    reduced = TruncatedSVD(n_components=dimensions, n_iter=4, random_state=0).fit_transform(vectors)
    return normalize(reduced.astype(np.float32))


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def content_neighbours(products: Products, k: int = NEIGHBOURS, chunk: int = 2000) -> sparse.csr_matrix:
    """Cosine similarity of content vectors between products of the same category, top k each."""
    n = len(products)
    if n == 0:
        return sparse.csr_matrix((0, 0), dtype=np.float32)
    vectors = content_vectors(products)
    categories = np.asarray(products.categories, dtype=object)
    rows, cols, vals = [], [], []
    for category in np.unique(categories):
        members = np.flatnonzero(categories == category)
        take = min(k, len(members) - 1)
        if take <= 0:
            continue
        block_vectors = vectors[members]
        for start in range(0, len(members), chunk):
            sims = block_vectors[start : start + chunk] @ block_vectors.T
            sims = sims.toarray() if sparse.issparse(sims) else np.asarray(sims)
            local = np.arange(sims.shape[0])
            sims[local, local + start] = 0
            best = np.argpartition(-sims, take - 1, axis=1)[:, :take]
            values = np.take_along_axis(sims, best, axis=1)
            keep = values > 0
            rows.append(members[np.repeat(local + start, take).reshape(-1, take)[keep]])
            cols.append(members[best[keep]])
            vals.append(values[keep])
    if not rows:
        return sparse.csr_matrix((n, n), dtype=np.float32)
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))


def popularity(interactions: Interactions, products: Products, now: float, days: int = POPULAR_DAYS) -> np.ndarray:
    """Weighted interactions of the last `days` per product."""
    return _weighted_counts(interactions, products, now - days * DAY, now)


def trending(interactions: Interactions, products: Products, now: float) -> np.ndarray:
    """Velocity: the daily rate of the last TRENDING_DAYS minus that of the TRENDING_BASELINE_DAYS
    before; only products with recent activity trend."""
    recent = _weighted_counts(interactions, products, now - TRENDING_DAYS * DAY, now)
    baseline_start = now - (TRENDING_DAYS + TRENDING_BASELINE_DAYS) * DAY
    before = _weighted_counts(interactions, products, baseline_start, now - TRENDING_DAYS * DAY)
    velocity = recent / TRENDING_DAYS - before / TRENDING_BASELINE_DAYS
    velocity[recent <= 0] = 0
    return np.clip(velocity, 0, None)


def _weighted_counts(interactions: Interactions, products: Products, start: float, end: float) -> np.ndarray:
    counts = np.zeros(len(products), np.float64)
    mask = (interactions.times >= start) & (interactions.times < end)
    for pid, weight in zip(interactions.product_ids[mask], interactions.weights[mask], strict=True):
        i = products.index.get(int(pid))
        if i is not None:
            counts[i] += weight
    return counts


class SkinScorer:
    """Skin-based scores over all products for a (skin type, concerns, avoided groups) profile."""

    def __init__(self, products: Products, popular: np.ndarray) -> None:
        self.products = products
        self.skin_types = np.asarray(products.skin_types, dtype=object)
        vocabulary = sorted({c for concerns in products.concerns for c in concerns})
        self.concern_index = {c: i for i, c in enumerate(vocabulary)}
        rows = [i for i, concerns in enumerate(products.concerns) for _ in concerns]
        cols = [self.concern_index[c] for concerns in products.concerns for c in concerns]
        self.concerns = sparse.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(products), max(1, len(vocabulary)))
        )
        groups_by_name: dict[str, frozenset[str]] = {}
        self.groups = []
        for names in products.ingredients:
            found: set[str] = set()
            for name in names:
                if name not in groups_by_name:
                    groups_by_name[name] = groups_of([name])
                found |= groups_by_name[name]
            self.groups.append(frozenset(found))
        # Log-scaled: popularity is long-tailed, and a little of it should still count.
        top = np.log1p(popular.max(initial=0))
        self.popular = np.log1p(popular) / top if top > 0 else popular

    def scores(self, skin_type: str | None, concerns: Sequence[str], avoid: Sequence[str] = ()) -> np.ndarray:
        """Products that suit the skin type (or all) and share a concern (any, without concerns),
        ranked by popularity with a bonus per shared concern and for the exact skin type; 0 for
        products with an avoided ingredient."""
        wanted = np.zeros(self.concerns.shape[1], np.float32)
        for concern in concerns:
            if concern in self.concern_index:
                wanted[self.concern_index[concern]] = 1
        overlap = self.concerns @ wanted
        if skin_type and skin_type != "all":
            exact = self.skin_types == skin_type
            suits = exact | (self.skin_types == "all")
        else:
            exact = np.zeros(len(self.products), bool)
            suits = np.ones(len(self.products), bool)
        matches = overlap > 0 if wanted.any() else np.ones(len(self.products), bool)
        result = suits * matches * (self.popular + 0.15 * overlap + 0.05 * exact + 0.01)
        if avoid:
            blocked = set(avoid)
            result[[i for i, groups in enumerate(self.groups) if groups & blocked]] = 0
        return result.astype(np.float32)


# ---------------------------------------------------------------- training and blending


def train(interactions: Interactions, products: Products, now: float, k: int = NEIGHBOURS) -> Model:
    """Every per-product model: neighbours (collaborative, content) and popular/trending scores."""
    matrix, _users = user_item_matrix(interactions, products)
    return Model(
        products=products,
        collaborative=collaborative_neighbours(matrix, k),
        content=content_neighbours(products, k),
        popular=popularity(interactions, products, now),
        trending=trending(interactions, products, now),
    )


@dataclass
class UserScores:
    """Score matrices (users x products), one per recommender, rows in `user_ids` order."""

    user_ids: np.ndarray
    by_kind: dict[str, sparse.csr_matrix]


def score_users(
    model: Model,
    interactions: Interactions,
    profiles: Mapping[int, tuple[str | None, Sequence[str], Sequence[str]]],
    popular_n: int = 100,
    skin_n: int = 100,
) -> UserScores:
    """Every recommender's scores for every user with interactions or a skin profile, and the
    hybrid blend. `profiles` maps user id -> (skin type, concerns, avoided groups)."""
    products = model.products
    matrix, users = user_item_matrix(interactions, products)
    extra = np.setdiff1d(np.fromiter(profiles.keys(), np.int64, len(profiles)), users)
    if len(extra):
        users = np.concatenate([users, extra])
        matrix = sparse.vstack([matrix, sparse.csr_matrix((len(extra), len(products)), dtype=np.float32)]).tocsr()
    n_users = len(users)
    by_kind = {
        # Row i of a neighbour matrix holds item i's neighbours: a user's score for product j
        # sums the similarities of j to the products the user interacted with.
        "collaborative": scale_rows(matrix @ model.collaborative),
        "content_based": scale_rows(matrix @ model.content),
    }
    scorer = SkinScorer(products, model.popular)
    skin_rows, skin_cols, skin_vals = [], [], []
    cache: dict[tuple, list[tuple[int, float]]] = {}
    for row, user_id in enumerate(users):
        profile = profiles.get(int(user_id))
        if not profile or not profile[0]:
            continue
        key = (profile[0], tuple(sorted(profile[1])), tuple(sorted(profile[2])))
        if key not in cache:
            cache[key] = top_items(scorer.scores(*key), 0, skin_n)
        for column, value in cache[key]:
            skin_rows.append(row)
            skin_cols.append(column)
            skin_vals.append(value)
    by_kind["skin_based"] = scale_rows(
        sparse.csr_matrix((skin_vals, (skin_rows, skin_cols)), shape=(n_users, len(products)), dtype=np.float32)
    )
    best = top_items(model.popular.astype(np.float32), 0, popular_n)
    if best:
        columns = np.array([c for c, _ in best])
        values = np.array([v for _, v in best], np.float32) / best[0][1]
        by_kind["popular"] = sparse.csr_matrix(
            (np.tile(values, n_users), (np.repeat(np.arange(n_users), len(columns)), np.tile(columns, n_users))),
            shape=(n_users, len(products)),
        )
    else:
        by_kind["popular"] = sparse.csr_matrix((n_users, len(products)), dtype=np.float32)
    hybrid = sum(weight * by_kind[kind] for kind, weight in HYBRID_WEIGHTS.items())
    by_kind["hybrid"] = sparse.csr_matrix(hybrid)
    return UserScores(users, by_kind)


def blend(lists: dict[str, list[tuple[int, float]]]) -> list[tuple[int, float, str]]:
    """The hybrid of per-recommender (product id, score) lists for one user: each list scaled to
    its best score, weighted by HYBRID_WEIGHTS; the reason is the recommender that gave most."""
    totals: dict[int, float] = {}
    reasons: dict[int, tuple[float, str]] = {}
    for kind, items in lists.items():
        if not items or kind not in HYBRID_WEIGHTS:
            continue
        top = max(score for _pid, score in items) or 1.0
        for pid, score in items:
            part = HYBRID_WEIGHTS[kind] * score / top
            totals[pid] = totals.get(pid, 0.0) + part
            if part > reasons.get(pid, (0.0, ""))[0]:
                reasons[pid] = (part, kind)
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [(pid, score, reasons[pid][1]) for pid, score in ranked]
