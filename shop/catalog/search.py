"""Product search in English and Khmer, on PostgreSQL and on SQLite.

Khmer is written without spaces between words, so a word is not a unit the database can find.
Both databases index Khmer as overlapping pieces and find any substring of a query:

- PostgreSQL: the `product_search` table (migration 0005) holds a tsvector per product, built
  here in Python: English words (lowercase, 'simple': brands, product and INCI names are not
  English prose, so no stemmer) and Khmer *cluster bigrams* (a cluster is a consonant with its
  subscripts, vowel signs and diacritics, as the script writes it). A Khmer query is the AND of
  its cluster bigrams (for the planner's estimate of how many products match, its rarest bigram:
  `TextSearch.for_estimate`); an English word matches as a prefix ("hyal" finds "hyaluronic"). Words
  that match nothing are looked up in `search_words`, the vocabulary of the documents, with
  pg_trgm similarity, so "hyaluronik" becomes "hyaluronic". Results are ranked by ts_rank of a
  small vector of names (weight A) and brand, category and concerns (weight B), then by units
  sold. Database triggers mark a product's document stale when its text changes; the documents
  are rebuilt by `reindex_products`, which `invalidate_catalog_cache` runs for edited products
  and every search runs for up to REINDEX_ON_SEARCH stale ones first.
- SQLite: an FTS5 table with the trigram tokenizer (`products_fts`, kept by triggers) finds any
  substring of three or more characters; typos are matched against the words of
  `products_words_vocab` with the same trigram similarity; results are ranked by bm25.

Skin-concern names in either language also find the products with that concern ("មុន" finds
products for acne).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute

from shop.catalog.models import Product
from shop.extensions import db
from shop.infra.like import ESCAPE, contains

log = logging.getLogger("shop.catalog.search")

MAX_QUERY_LENGTH = 200
MAX_TOKENS = 8
# A misspelt word is replaced by known words at least this similar (pg_trgm's similarity()).
SIMILARITY = 0.45
FUZZY_ALTERNATIVES = 3
REINDEX_BATCH = 2000
REINDEX_ON_SEARCH = 500

# Khmer consonants and independent vowels, each with its subscripts (coeng + consonant),
# dependent vowels and signs. Khmer punctuation (U+17D4..) and digits are not part of a word.
KHMER_CLUSTER = re.compile("[\u1780-\u17b3](?:\u17d2[\u1780-\u17b3]|[\u17b4-\u17d1\u17d3\u17dd])*")
KHMER_RUN = re.compile("(?:[\u1780-\u17b3](?:\u17d2[\u1780-\u17b3]|[\u17b4-\u17d1\u17d3\u17dd])*)+")
OTHER_WORD = re.compile("[^\\W_\u1780-\u17ff]+")
TOKEN = re.compile(f"{KHMER_RUN.pattern}|{OTHER_WORD.pattern}")
# Zero-width spaces and joiners: Khmer writers put them between words; they are invisible.
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), None)

# The products columns a document is built from (keep in step with migration 0005).
SEARCHED_COLUMNS = (
    "name_en",
    "name_kh",
    "brand",
    "category",
    "skin_concerns",
    "ingredients",
    "short_description",
    "description_en",
    "description_kh",
)

# Database objects the models do not describe: the model/database comparison (migrations/env.py
# and tests/db/test_schema.py) leaves them out.
DATABASE_ONLY_TABLES = frozenset(
    {
        "product_facets",
        "product_search",
        "product_search_queue",
        "search_words",
        "products_fts",
        "products_fts_config",
        "products_fts_data",
        "products_fts_docsize",
        "products_fts_idx",
        "products_words",
        "products_words_config",
        "products_words_data",
        "products_words_docsize",
        "products_words_idx",
        "products_words_vocab",
    }
)


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic `include_name` hook: skip the search tables, which only the migration describes."""
    return not (type_ == "table" and name in DATABASE_ONLY_TABLES)


# ---------------------------------------------------------------- text


def normalize(text: str | None) -> str:
    """NFC, without invisible separators, lowercase (Khmer has no case)."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if any(c in text for c in _INVISIBLE_CHARS):
        text = text.translate(_INVISIBLE)
    return text.lower()


def khmer_clusters(text: str) -> list[str]:
    return KHMER_CLUSTER.findall(text)


def khmer_grams(text: str) -> set[str]:
    """The cluster bigrams of every Khmer run in `text` (a lone cluster stands for itself)."""
    return _khmer_parts(text)[0]


_CLUSTER_OR_WORD = re.compile(f"{KHMER_CLUSTER.pattern}|{OTHER_WORD.pattern}")


def _khmer_parts(text: str) -> tuple[set[str], list[str]]:
    """One pass over mixed text: the Khmer cluster bigrams, and the other words."""
    grams: set[str] = set()
    other: list[str] = []
    previous, previous_end, run_length = "", -1, 0
    for match in _CLUSTER_OR_WORD.finditer(text):
        token = match.group()
        if "\u1780" <= token[0] <= "\u17b3":
            if match.start() == previous_end and run_length:
                grams.add(previous + token)
                run_length += 1
            else:
                if run_length == 1:
                    grams.add(previous)
                run_length = 1
            previous, previous_end = token, match.end()
        else:
            if run_length == 1:
                grams.add(previous)
            run_length, previous_end = 0, -1
            other.append(token)
    if run_length == 1:
        grams.add(previous)
    return grams, other


def words(text: str) -> list[str]:
    """The non-Khmer words of normalized `text`."""
    return OTHER_WORD.findall(text)


@dataclass(frozen=True)
class Token:
    text: str
    khmer: bool


def tokenize(query: str) -> list[Token]:
    """The query's words: runs of Khmer and words of other scripts, at most MAX_TOKENS."""
    text = normalize(query[:MAX_QUERY_LENGTH])
    tokens = [Token(t, bool(KHMER_RUN.fullmatch(t))) for t in TOKEN.findall(text)]
    unique = list(dict.fromkeys(tokens))
    return unique[:MAX_TOKENS]


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(): shared trigrams of the space-padded words over all trigrams."""
    ta, tb = _trigrams(a), _trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


# ---------------------------------------------------------------- concerns by name


def concern_codes_for(token: str) -> list[str]:
    """Skin concerns whose English or Khmer name contains the token, or is contained in it."""
    if len(token) < 3:
        return []
    return [code for code, names in _concern_names().items() if any(token in n or n in token for n in names)]


_CONCERN_NAMES: dict[str, tuple[str, ...]] | None = None


def _concern_names() -> dict[str, tuple[str, ...]]:
    global _CONCERN_NAMES
    if _CONCERN_NAMES is None:
        from shop.catalog.vocab import SKIN_CONCERN_LABELS

        names: dict[str, tuple[str, ...]] = {}
        for code, label in SKIN_CONCERN_LABELS.items():
            with force_locale("km"):
                khmer = normalize(str(label))
            with force_locale("en"):
                english = normalize(str(label))
            names[code] = tuple(n for n in {english, khmer, code.replace("_", " ")} if len(n) >= 3)
        _CONCERN_NAMES = names
    return _CONCERN_NAMES


# ---------------------------------------------------------------- documents (PostgreSQL)


# PostgreSQL refuses a tsvector lexeme over 2,047 bytes ("word is too long"), which made a
# description holding one long run of letters or digits a 500. No one searches for a "word" of
# more than 100 letters (300 bytes in Khmer): such runs are left out of the document.
MAX_LEXEME_LENGTH = 100


@dataclass(frozen=True)
class Document:
    rank_vector: str  # tsvector literal, with weights
    document: str  # the lexemes, separated by spaces
    words: frozenset[str]  # the English vocabulary it adds

    def tsvector_literal(self) -> str:
        """The document as tsvector input, the same value as array_to_tsvector of its lexemes
        (for writing documents with COPY). Lexemes are letters and digits, which tsvector input
        reads as they are; any other character would be quoted."""
        if _TSVECTOR_SPECIAL.search(self.document) is None:
            return self.document
        return " ".join(map(_quote, self.document.split(" "))) if self.document else ""


def build_document(product: Mapping[Any, Any]) -> Document:
    """A product's search document from its text columns (a mapping of SEARCHED_COLUMNS)."""
    name_en = normalize(product.get("name_en"))
    labels = " ".join(
        normalize(v) for v in (product.get("brand"), product.get("category"), *(product.get("skin_concerns") or ()))
    )
    name_grams, name_words = _khmer_parts(normalize(product.get("name_kh")))
    english_names, label_words = words(name_en), words(labels)
    names = [*english_names, *sorted(name_grams), *name_words]
    rank = _weighted(names, "A") | _weighted(label_words, "B", start=len(names) + 1)
    prose, prose_vocabulary = _prose(
        product.get("short_description"),
        product.get("description_en"),
        product.get("description_kh"),
        tuple(sorted(str(i) for i in product.get("ingredients") or ())),
    )
    own_english = {*english_names, *label_words, *name_words}
    lexemes = [lexeme for lexeme in prose.union(own_english, name_grams) if len(lexeme) <= MAX_LEXEME_LENGTH]
    rank_literal = " ".join(
        f"{_quote(lexeme)}:{','.join(p)}" for lexeme, p in sorted(rank.items()) if len(lexeme) <= MAX_LEXEME_LENGTH
    )
    vocabulary = {w for w in prose_vocabulary.union(_vocabulary(own_english)) if len(w) <= MAX_LEXEME_LENGTH}
    # Lexemes are runs of letters and digits: no spaces, so a space-separated list is exact.
    return Document(rank_literal, " ".join(lexemes), frozenset(vocabulary))


# Descriptions and ingredient lists repeat across products (a range's shades and sizes, the
# scale seed's million products made from 83 templates): their lexemes are parsed once per text.
# Words are runs of letters, so the words of texts joined by spaces are the words of each text.
@lru_cache(maxsize=256)
def _prose(
    short_description: str | None, description_en: str | None, description_kh: str | None, ingredients: tuple[str, ...]
) -> tuple[frozenset[str], frozenset[str]]:
    """The lexemes of a product's descriptions and ingredients, and the English vocabulary among them."""
    grams, khmer_text_words = _khmer_parts(normalize(description_kh))
    english = {
        *words(normalize(" ".join(ingredients))),
        *words(normalize(short_description)),
        *words(normalize(description_en)),
        *khmer_text_words,
    }
    return frozenset(english.union(grams)), frozenset(_vocabulary(english))


def _weighted(lexemes: list[str], weight: str, start: int = 1) -> dict[str, list[str]]:
    positions: dict[str, list[str]] = {}
    for offset, lexeme in enumerate(lexemes):
        positions.setdefault(lexeme, []).append(f"{min(start + offset, 16383)}{weight}")
    return positions


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# What tsvector input reads as syntax, outside quotes (spaces separate the lexemes).
_TSVECTOR_SPECIAL = re.compile(r"[^\S ]|['\\:]")  # whitespace other than the separating spaces
_VOCABULARY_WORD = re.compile("^[a-z][a-z0-9]{2,}$")


def _vocabulary(english: Iterable[str]) -> Iterable[str]:
    return (w for w in english if _VOCABULARY_WORD.match(w))


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def reindex_products(product_ids: Iterable[int] | None = None, *, limit: int | None = None) -> int:
    """Rebuild the search documents of these products (default: the stale ones, up to `limit`).

    Works in transactions of REINDEX_BATCH products; stale rows another process is indexing
    are skipped (SKIP LOCKED). While one batch is written, the next is read and built (a second
    connection), so Python and PostgreSQL work at the same time. A no-op on SQLite, where
    triggers keep the FTS5 index. Returns how many documents were rebuilt.
    """
    if not is_postgresql():
        return 0
    ids = sorted(set(product_ids)) if product_ids is not None else None
    done, after = 0, 0
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future | None = None
        while limit is None or done < limit:
            batch = REINDEX_BATCH if limit is None else min(REINDEX_BATCH, limit - done)
            if ids is not None:
                chunk, ids = ids[:batch], ids[batch:]
                if not chunk:
                    break
            transaction = db.engine.connect()
            transaction.begin()
            try:
                if ids is None:
                    chunk = list(
                        transaction.scalars(
                            sa.text(
                                "SELECT product_id FROM product_search_queue WHERE product_id > :after "
                                "ORDER BY product_id LIMIT :n FOR UPDATE SKIP LOCKED"
                            ),
                            {"after": after, "n": batch},
                        )
                    )
                    if not chunk:
                        transaction.close()
                        break
                    after = chunk[-1]
                documents = _build_chunk(transaction, chunk)
            except BaseException:
                transaction.close()
                raise
            if pending is not None:
                try:
                    pending.result()
                except BaseException:
                    transaction.close()
                    raise
            pending = writer.submit(_write_chunk, transaction, chunk, documents)
            done += len(documents)
        if pending is not None:
            pending.result()
    return done


def _build_chunk(conn: sa.Connection, product_ids: list[int]) -> list[tuple[int, Document]]:
    columns = [Product.__table__.c[name] for name in SEARCHED_COLUMNS]
    rows = conn.execute(sa.select(Product.id, *columns).where(Product.id.in_(product_ids))).mappings().all()
    return [(row["id"], build_document(row)) for row in rows]


def _write_chunk(conn: sa.Connection, product_ids: list[int], documents: list[tuple[int, Document]]) -> None:
    """Store the documents (with the products' status as it is now) and their words, take the
    products off the queue, commit, and give the connection back."""
    try:
        if documents:
            conn.execute(
                sa.text(
                    "INSERT INTO product_search (product_id, active, rank_vector, document) "
                    "SELECT v.id, p.status = 'active', CAST(v.r AS tsvector), "
                    "array_to_tsvector(string_to_array(v.d, ' ')) "
                    "FROM unnest(CAST(:ids AS integer[]), CAST(:ranks AS text[]), CAST(:docs AS text[])) "
                    "AS v(id, r, d) JOIN products p ON p.id = v.id "
                    "ON CONFLICT (product_id) DO UPDATE SET active = EXCLUDED.active, "
                    "rank_vector = EXCLUDED.rank_vector, document = EXCLUDED.document"
                ),
                {
                    "ids": [pid for pid, _ in documents],
                    "ranks": [d.rank_vector for _, d in documents],
                    "docs": [d.document for _, d in documents],
                },
            )
            conn.execute(
                sa.text(
                    "INSERT INTO search_words (word) SELECT unnest(CAST(:words AS text[])) ORDER BY 1 "
                    "ON CONFLICT DO NOTHING"
                ),
                {"words": sorted(set().union(*(d.words for _, d in documents)))},
            )
        conn.execute(
            sa.text("DELETE FROM product_search_queue WHERE product_id = ANY(CAST(:ids AS integer[]))"),
            {"ids": product_ids},
        )
        conn.commit()
    finally:
        conn.close()


def _reindex_stale() -> None:
    """Before a search: index products whose text changed since the last one (a few, usually)."""
    stale = db.session.scalar(sa.text("SELECT EXISTS (SELECT 1 FROM product_search_queue)"))
    if stale:
        count = reindex_products(limit=REINDEX_ON_SEARCH)
        log.info("search: indexed %s changed products", count)


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class TextSearch:
    """A parsed query, ready to narrow and rank a listing."""

    tokens: tuple[Token, ...]

    def apply(
        self, stmt: sa.Select, *, id_column: IdColumn | None = None, standalone: bool = False
    ) -> tuple[sa.Select, list[sa.UnaryExpression[Any]], list[sa.UnaryExpression[Any]]]:
        """`stmt` (a select of the ids of public products, `id_column`: Product.id by default)
        narrowed to the matches, the ORDER BY for relevance (best rank, then the most recently
        added) and the one for the most recently added first.

        With `standalone` (no other filter and relevance order), PostgreSQL answers from
        product_search alone, without touching products.
        """
        ids: IdColumn = Product.id if id_column is None else id_column
        if is_postgresql():
            _reindex_stale()
            return _apply_postgresql(stmt, self._groups, ids, standalone=standalone)
        return _apply_sqlite(stmt, self.tokens, ids, self._fuzzy)

    @property
    def corrections(self) -> dict[str, str]:
        """The misspelt words of the query and the catalogue's closest word for each ("hyaluronik":
        "hyaluronic"), so a page can say what it searched for instead. Read after `apply` (the
        typo lookup runs once per search)."""
        return {token: alternatives[0] for token, alternatives in self._fuzzy.items() if alternatives}

    def corrected(self, query: str) -> str | None:
        """`query` (normalized) with its misspelt words replaced, or None when none was."""
        corrections = self.corrections
        if not corrections:
            return None
        return TOKEN.sub(lambda m: corrections.get(m.group(), m.group()), normalize(query[:MAX_QUERY_LENGTH]))

    @cached_property
    def _fuzzy(self) -> dict[str, list[str]]:
        """Known words close to each word of the query that matches nothing (at least 4 letters)."""
        if is_postgresql():
            return _postgresql_alternatives(_typo_candidates(self.tokens))
        return _sqlite_alternatives(_typo_candidates(self.tokens))

    def for_estimate(self, stmt: sa.Select) -> sa.Select:
        """`stmt` (from `apply`) as the planner should estimate it (PostgreSQL): each Khmer word
        stands for its rarest cluster bigram.

        The planner takes a word's bigrams for independent and multiplies their frequencies,
        but they are pieces of one word: "សេរ៉ូម" ("serum") is in 17,267 documents of 100k, and
        the product of its two bigrams said 3,092 (so its matches were all ranked, where more
        than RANK_LIMIT are shown newest first). Its rarest bigram alone says 17,272.
        """
        if not is_postgresql():
            return stmt
        rarest = _rarest_grams(a for group in self._groups for a in group if isinstance(a, KhmerWord))
        if not rarest:
            return stmt
        return stmt.params({QUERY_PARAMETER: _tsquery_text(self._groups, rarest)})

    @cached_property
    def _groups(self) -> list[list[str | KhmerWord]]:
        """Each token's alternatives (the typo lookup runs once per search)."""
        return _postgresql_groups(self.tokens, self._fuzzy)


# English words that say nothing about a product; dropped unless the query has nothing else.
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "my",
        "of",
        "on",
        "or",
        "the",
        "this",
        "that",
        "to",
        "with",
        "your",
    }
)


def parse(query: str | None) -> TextSearch | None:
    """The query's tokens (without stop words), or None when it has nothing to search for."""
    tokens = tokenize(query or "")
    meaningful = [t for t in tokens if t.khmer or t.text not in STOP_WORDS]
    tokens = meaningful or tokens
    return TextSearch(tuple(tokens)) if tokens else None


product_search = sa.table(
    "product_search",
    sa.column("product_id", sa.Integer),
    sa.column("active", sa.Boolean),
    sa.column("rank_vector"),
    sa.column("document"),
)


# The name of the tsquery's bound parameter (TextSearch.for_estimate replaces its value).
QUERY_PARAMETER = "search_tsquery"

# The id column a search narrows: Product.id, or the id of a listing table (product_facets.c.id).
IdColumn = sa.ColumnElement[Any] | InstrumentedAttribute[int]


def _apply_postgresql(
    stmt: sa.Select, groups: list[list[str | KhmerWord]], id_column: IdColumn, *, standalone: bool
) -> tuple[sa.Select, list[sa.UnaryExpression[Any]], list[sa.UnaryExpression[Any]]]:
    tsquery = sa.cast(sa.bindparam(QUERY_PARAMETER, _tsquery_text(groups), type_=sa.String), postgresql.TSQUERY)
    matches = sa.and_(product_search.c.active, product_search.c.document.op("@@")(tsquery))
    rank = sa.func.ts_rank(product_search.c.rank_vector, tsquery).desc()
    if standalone:
        newest: list[sa.UnaryExpression[Any]] = [product_search.c.product_id.desc()]
        return sa.select(product_search.c.product_id).where(matches), [rank, *newest], newest
    joined = stmt.join(product_search, product_search.c.product_id == id_column).where(matches)
    return joined, [rank, id_column.desc()], [id_column.desc()]


def postgresql_tsquery(tokens: Iterable[Token]) -> str:
    """The tsquery text: every token (or one of its alternatives) must match."""
    tokens = list(tokens)
    return _tsquery_text(_postgresql_groups(tokens, _postgresql_alternatives(_typo_candidates(tokens))))


def _typo_candidates(tokens: Iterable[Token]) -> list[str]:
    """The words whose misspellings are looked up: not Khmer, at least 4 letters."""
    return [t.text for t in tokens if not t.khmer and len(t.text) >= 4]


@dataclass(frozen=True)
class KhmerWord:
    """A Khmer run of several clusters in a query: every one of its cluster bigrams must match."""

    grams: tuple[str, ...]


def _postgresql_groups(tokens: Iterable[Token], fuzzy: Mapping[str, list[str]]) -> list[list[str | KhmerWord]]:
    """Each token's alternatives: tsquery text, or a Khmer word."""
    groups: list[list[str | KhmerWord]] = []
    for token in tokens:
        alternatives = [_khmer_alternative(token.text)] if token.khmer else _word_alternatives(token.text)
        alternatives += [_quote(w) for w in fuzzy.get(token.text, ())]
        alternatives += [_concern_query(code) for code in concern_codes_for(token.text)]
        groups.append(alternatives)
    return groups


def _tsquery_text(groups: list[list[str | KhmerWord]], rarest: Mapping[KhmerWord, str] | None = None) -> str:
    """The groups as tsquery text; with `rarest`, each Khmer word is its rarest bigram alone."""

    def alternative(item: str | KhmerWord) -> str:
        if isinstance(item, str):
            return item
        if rarest is not None:
            return _quote(rarest[item])
        return "(" + " & ".join(_quote(g) for g in item.grams) + ")"

    return " & ".join("(" + " | ".join(alternative(a) for a in group) + ")" for group in groups)


def _word_alternatives(word: str) -> list[str | KhmerWord]:
    return [_quote(word) + (":*" if len(word) >= 2 else "")]


def _khmer_alternative(run: str) -> str | KhmerWord:
    clusters = khmer_clusters(run)
    if len(clusters) == 1:
        return _quote(clusters[0]) + ":*"
    return KhmerWord(tuple(dict.fromkeys(a + b for a, b in zip(clusters, clusters[1:], strict=False))))


def _rarest_grams(words: Iterable[KhmerWord]) -> dict[KhmerWord, str]:
    """Each Khmer word's rarest bigram, by the planner's statistics of the documents (the
    lexemes in most documents, with their frequencies): a bigram not among them is rarer than
    any that is."""
    words = list(dict.fromkeys(words))
    if not words:
        return {}
    grams = sorted({g for word in words for g in word.grams})
    frequencies = dict(
        db.session.execute(
            sa.text(
                "SELECT e.lexeme, e.frequency FROM pg_stats s, "
                "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, frequency) "
                "WHERE s.schemaname = current_schema() AND s.tablename = 'product_search' "
                "AND s.attname = 'document' AND e.lexeme = ANY(CAST(:grams AS text[]))"
            ),
            {"grams": grams},
        )
        .tuples()
        .all()
    )
    return {word: min(word.grams, key=lambda g: (frequencies.get(g, 0.0), g)) for word in words}


def _concern_query(code: str) -> str:
    return "(" + " & ".join(_quote(w) for w in words(code.replace("_", " "))) + ")"


def _postgresql_alternatives(tokens: list[str]) -> dict[str, list[str]]:
    """Known words close to each token that is neither a word nor the start of one."""
    if not tokens:
        return {}
    rows = db.session.execute(
        sa.text(
            "SELECT t.token, w.word FROM unnest(CAST(:tokens AS text[])) AS t(token) "
            "CROSS JOIN LATERAL (SELECT s.word FROM search_words s "
            "  WHERE s.word % t.token AND similarity(s.word, t.token) >= :similarity "
            "  ORDER BY similarity(s.word, t.token) DESC, s.word LIMIT :n) AS w "
            "WHERE NOT EXISTS (SELECT 1 FROM search_words e WHERE e.word LIKE t.token || '%')"
        ),
        {"tokens": tokens, "similarity": SIMILARITY, "n": FUZZY_ALTERNATIVES},
    ).all()
    found: dict[str, list[str]] = {}
    for token, word in rows:
        found.setdefault(token, []).append(word)
    return found


# bm25 weights of products_fts's columns, in SEARCHED_COLUMNS order.
_BM25 = "bm25(products_fts, 10.0, 10.0, 5.0, 3.0, 3.0, 2.0, 1.0, 1.0, 1.0)"


def _apply_sqlite(
    stmt: sa.Select, tokens: tuple[Token, ...], id_column: IdColumn, fuzzy: Mapping[str, list[str]]
) -> tuple[sa.Select, list[sa.UnaryExpression[Any]], list[sa.UnaryExpression[Any]]]:
    long_tokens = [t.text for t in tokens if len(t.text) >= 3]
    groups = []
    for text in long_tokens:
        alternatives = [text, *fuzzy.get(text, ()), *concern_codes_for(text)]
        groups.append("(" + " OR ".join(_fts_phrase(a) for a in dict.fromkeys(alternatives)) + ")")
    for token in tokens:
        if len(token.text) < 3:  # too short for trigrams: a substring of the names
            pattern = contains(token.text)
            stmt = stmt.where(
                sa.or_(*(c.ilike(pattern, escape=ESCAPE) for c in (Product.name_en, Product.name_kh, Product.brand)))
            )
    if not groups:
        return stmt, [id_column.desc()], [id_column.desc()]
    matches = (
        sa.select(sa.literal_column("rowid").label("product_id"), sa.literal_column(_BM25).label("score"))
        .select_from(sa.table("products_fts"))
        .where(sa.literal_column("products_fts").op("MATCH")(" AND ".join(groups)))
        .subquery("matches")
    )
    stmt = stmt.join(matches, matches.c.product_id == id_column)
    return stmt, [matches.c.score.asc(), id_column.desc()], [id_column.desc()]


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _sqlite_alternatives(tokens: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for token in tokens:
        known = db.session.scalar(
            sa.text("SELECT 1 FROM products_words_vocab WHERE term >= :t AND term < :t || char(1114111) LIMIT 1"),
            {"t": token},
        )
        if known:
            continue
        candidates = db.session.scalars(
            sa.text("SELECT term FROM products_words_vocab WHERE length(term) BETWEEN :lo AND :hi"),
            {"lo": len(token) - 3, "hi": len(token) + 3},
        )
        scored = sorted(
            ((trigram_similarity(token, term), term) for term in candidates),
            key=lambda pair: (-pair[0], pair[1]),
        )
        found[token] = [term for score, term in scored[:FUZZY_ALTERNATIVES] if score >= SIMILARITY]
    return found
