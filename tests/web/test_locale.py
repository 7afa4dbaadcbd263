"""Locale switching: ?lang=, the session, the user's preference, Accept-Language."""

from __future__ import annotations

import re

from shop.accounts.models import Language
from tests.factories import ProductFactory, UserFactory


def _lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)">', response.text).group(1)


def test_english_by_default(client):
    assert _lang(client.get("/")) == "en"


def test_accept_language_khmer(client):
    assert _lang(client.get("/", headers={"Accept-Language": "km-KH,km;q=0.9,en;q=0.5"})) == "km"
    assert _lang(client.get("/", headers={"Accept-Language": "fr-FR,en;q=0.5"})) == "en"


def test_lang_parameter_is_remembered_for_the_session(client):
    assert _lang(client.get("/?lang=km")) == "km"
    assert _lang(client.get("/")) == "km"
    assert _lang(client.get("/?lang=en")) == "en"
    assert _lang(client.get("/", headers={"Accept-Language": "km"})) == "en"


def test_the_seeds_kh_code_is_accepted_as_khmer(client):
    assert _lang(client.get("/?lang=kh")) == "km"


def test_unknown_lang_parameter_is_ignored(client):
    assert _lang(client.get("/?lang=xx")) == "en"


def test_signed_in_users_language_preference(client, db):
    user = UserFactory(language=Language.KH)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    assert _lang(client.get("/")) == "km"
    assert _lang(client.get("/?lang=en")) == "en"


def test_product_content_follows_the_locale_and_falls_back_to_english(client, db):
    both = ProductFactory(name_en="Rice Toner", name_kh="តូណឺរទឹកអង្ករ", is_featured=True)
    english_only = ProductFactory(name_en="Jasmine Mist", name_kh=None, is_featured=True)
    khmer_page = client.get("/?lang=km").text
    assert both.name_kh in khmer_page
    assert "Rice Toner" not in khmer_page
    assert english_only.name_en in khmer_page
    english_page = client.get("/?lang=en").text
    assert "Rice Toner" in english_page
    assert both.name_kh not in english_page


def test_api_requests_do_not_store_the_language_in_a_session(client):
    response = client.get("/api/v1/?lang=km")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
