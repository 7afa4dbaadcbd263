"""What a search shows of the shopper's own words: the correction it made ("Showing results for
hyaluronic"), a long query shortened, direction controls dropped and the words isolated in
<bdi>, and the header box's maxlength; plus the filter count and the phone layout's markup."""

from __future__ import annotations

import html
import re

import pytest

from shop.catalog.search import MAX_QUERY_LENGTH
from storefront.templating import SHOWN_QUERY_LENGTH, shorten
from tests.factories import CategoryFactory, ProductFactory

HX = {"HX-Request": "true"}


def _h1(page: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)


def test_a_corrected_search_says_what_it_searched_for(client, db):
    ProductFactory(name_en="Hyaluronic Serum")
    ProductFactory(name_en="Rice Toner")
    page = client.get("/shop?q=hyaluronik").text
    assert 'Showing results for <bdi dir="auto">hyaluronic</bdi>' in page
    assert "Hyaluronic Serum" in page and "Rice Toner" not in page
    khmer = client.get("/shop?q=hyaluronik&lang=km").text
    assert 'កំពុងបង្ហាញលទ្ធផលសម្រាប់ <bdi dir="auto">hyaluronic</bdi>' in khmer
    # A word that is in the catalogue is not "corrected".
    assert "Showing results for" not in client.get("/shop?q=hyaluronic").text
    assert "Showing results for" not in client.get("/shop?q=zzzzqqqq").text


def test_a_long_query_is_cut_for_the_server_and_shortened_for_display(client, db):
    ProductFactory(name_en="Rice Toner")
    response = client.get("/shop?q=" + "x" * 1000)
    assert response.status_code == 200
    page = response.text
    heading = html.unescape(re.sub(r"<[^>]+>", "", _h1(page)))
    assert heading == "Results for “" + "x" * (SHOWN_QUERY_LENGTH - 1) + "…”"
    assert "x" * SHOWN_QUERY_LENGTH not in re.sub(r"<[^>]+>", "", page)  # only the boxes and links hold more
    box = re.search(r'<input id="site-search-q"[^>]*>', page, re.S).group(0)
    assert f'maxlength="{MAX_QUERY_LENGTH}"' in box
    assert f'value="{"x" * MAX_QUERY_LENGTH}"' in box
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert len(title) < 120


def test_a_right_to_left_override_in_a_query_is_dropped_and_isolated(client, db):
    page = client.get("/shop?q=%E2%80%AEabc%E2%81%A6").text
    assert "\u202e" not in re.sub(r"<[^>]+>", "", page)  # the search boxes keep what was typed (dir="auto")
    assert _h1(page) == 'Results for “<bdi dir="auto">abc</bdi>”'
    assert 'Nothing matches “<bdi dir="auto">abc</bdi>”' in html.unescape(page)
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', page, re.S).group(0)
    assert '<bdi dir="auto">abc</bdi>' in crumbs
    assert "\u202e" not in re.search(r"<title>(.*?)</title>", page, re.S).group(1)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("serum", "serum"),
        ("  two   words ", "two words"),
        ("\u202eevil\u2066", "evil"),
        ("a" * 100, "a" * (SHOWN_QUERY_LENGTH - 1) + "…"),
    ],
)
def test_shorten(text, shown):
    assert shorten(text) == shown


def test_the_suggestion_panel_has_thumbnails_prices_in_riel_and_see_all(client, db):
    from decimal import Decimal

    from tests.factories import ProductImageFactory

    serum = ProductFactory(name_en="Vitamin Serum", price=Decimal("18.00"))
    ProductImageFactory(product=serum, image_url="/uploads/products/vitamin.webp")
    serum.image_url = "/uploads/products/vitamin.webp"
    db.session.commit()
    fragment = client.get("/search/suggestions?q=vitam", headers=HX).text
    assert 'role="listbox"' in fragment and 'id="search-suggestions-list"' in fragment
    options = re.findall(
        r'<a class="suggestion[^"]*" role="option" aria-selected="false" tabindex="-1" id="([^"]+)"', fragment
    )
    assert options == [f"suggestion-product-{serum.id}", "suggestion-all"]
    assert 'src="/uploads/products/vitamin-thumb.webp"' in fragment  # the 400 px thumbnail
    assert "$18.00" in fragment and "៛73,800" in fragment
    long_one = client.get("/search/suggestions?q=vitam" + "x" * 300, headers=HX).text
    assert long_one == "" or "x" * SHOWN_QUERY_LENGTH not in long_one


def test_the_filter_button_counts_the_chosen_filters(client, db):
    CategoryFactory(name="Serums", slug="serums")
    ProductFactory(name_en="Serum", category="serums")
    plain = client.get("/categories/serums").text
    assert re.search(r"data-drawer-toggle>\s*Filter\s*</button>", plain)
    chosen = client.get("/categories/serums?skin_type=oily&concern=acne&concern=dullness&min_price=1&max_price=9").text
    assert re.search(r"data-drawer-toggle>\s*Filter \(4\)\s*</button>", chosen)
    # The search words and the sort are not filters.
    searched = client.get("/shop?q=serum&sort=newest&in_stock=1", headers=HX).text
    assert re.search(r"data-drawer-toggle>\s*Filter \(1\)\s*</button>", searched)


def test_pages_work_without_javascript(client, db):
    page = client.get("/").text
    assert '<noscript><link rel="stylesheet" href="/static/css/nojs.' in page
    assert "<script>" not in page and " onclick=" not in page
    assert 'aria-controls="site-menu"' in page and 'aria-expanded="false"' in page
