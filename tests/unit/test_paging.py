"""The one rule for page numbers and the Page every listing service returns (shop/paging.py)."""

from __future__ import annotations

import pytest

from shop.paging import MAX_PAGE, BadPage, Page, parse_page


@pytest.mark.parametrize(("raw", "number"), [(None, 1), ("", 1), ("1", 1), ("2", 2), (" 3 ", 3), ("007", 7)])
def test_a_whole_number_from_one_is_that_page_and_none_is_page_one(raw, number):
    assert parse_page(raw) == number


def test_the_last_page_number_accepted_is_max_page():
    assert parse_page(str(MAX_PAGE)) == MAX_PAGE
    with pytest.raises(BadPage):
        parse_page(str(MAX_PAGE + 1))


@pytest.mark.parametrize(
    "raw",
    ["0", "-1", "-0", "abc", "1.5", "1e3", "2 2", "+2", "٣", "²", "9223372036854775807", "9" * 400],
)
def test_anything_else_is_a_bad_page(raw):
    with pytest.raises(BadPage) as refused:
        parse_page(raw)
    assert refused.value.status == 400 and refused.value.field == "page"


def test_page_counts_and_neighbours():
    middle = Page(items=["k", "l"], page=2, per_page=10, total=25)
    assert (middle.pages, middle.has_prev, middle.has_next, middle.is_past_the_end) == (3, True, True, False)
    last = Page(items=["u"], page=3, per_page=10, total=25)
    assert (last.pages, last.has_prev, last.has_next, last.is_past_the_end) == (3, True, False, False)
    exact = Page(items=[], page=1, per_page=10, total=20)
    assert exact.pages == 2


def test_an_empty_listing_is_one_empty_page_and_beyond_it_is_past_the_end():
    empty = Page(items=[], page=1, per_page=10, total=0)
    assert (empty.pages, empty.has_prev, empty.has_next, empty.is_past_the_end) == (1, False, False, False)
    beyond = Page(items=[], page=2, per_page=10, total=0)
    assert beyond.is_past_the_end and beyond.has_prev and not beyond.has_next


def test_a_page_is_exact_unless_the_catalog_says_its_total_is_an_estimate():
    assert Page([], 1, 24, 100).estimated is False
    assert Page([], 1, 24, 100, estimated=True).estimated is True


def test_a_listed_limit_caps_the_pages_not_the_total():
    capped = Page([], 2, 24, 733_000, estimated=True, listed_limit=1_200)
    assert (capped.pages, capped.has_next, capped.is_capped) == (50, True, True)
    last = Page([], 50, 24, 733_000, listed_limit=1_200)
    assert (last.has_next, last.total, Page([], 51, 24, 733_000, listed_limit=1_200).is_past_the_end) == (
        False,
        733_000,
        True,
    )
    assert not Page([], 1, 24, 1_200, listed_limit=1_200).is_capped
    assert not Page([], 1, 24, 733_000).is_capped


@pytest.mark.parametrize(
    ("total", "shown"), [(25_582, 25_000), (3_927, 3_900), (457, 450), (57, 57), (133_456, 133_000)]
)
def test_an_estimated_total_is_shown_rounded_down(total, shown):
    assert Page([], 1, 24, total, estimated=True).approximate_total == shown
