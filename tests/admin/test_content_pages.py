"""Content pages (delivery, returns, privacy...): staff edit them in English and Khmer at
/admin/pages (audited); shoppers read them at /pages/<slug>, Markdown rendered with raw HTML
switched off."""

from __future__ import annotations

import sqlalchemy as sa

from shop.audit.models import AuditLog
from shop.content.defaults import DEFAULT_PAGES, ensure_default_pages
from shop.content.models import ContentPage
from shop.content.rendering import to_html


def _page(db, **values) -> ContentPage:
    page = ContentPage(**{"slug": "delivery", "title_en": "Delivery", "body_en": "We deliver.", **values})
    db.session.add(page)
    db.session.commit()
    return page


def test_an_edit_in_khmer_shows_on_the_khmer_page_and_is_audited(admin_page, db, admin):
    page = _page(db)
    form = {
        "csrf_token": admin_page.csrf,
        "slug": "delivery",
        "title_en": "Delivery",
        "title_km": "ការដឹកជញ្ជូន",
        "body_en": "We deliver **everywhere**.",
        "body_km": "យើងដឹកជញ្ជូន **គ្រប់ខេត្ត**។",
    }
    response = admin_page.post(f"/admin/pages/{page.id}", data=form)
    assert response.status_code == 302

    khmer = admin_page.get("/pages/delivery?lang=km").get_data(as_text=True)
    assert "<h1>ការដឹកជញ្ជូន</h1>" in khmer
    assert "<p>យើងដឹកជញ្ជូន <strong>គ្រប់ខេត្ត</strong>។</p>" in khmer
    english = admin_page.get("/pages/delivery?lang=en").get_data(as_text=True)
    assert "<h1>Delivery</h1>" in english and "<p>We deliver <strong>everywhere</strong>.</p>" in english

    db.session.expire_all()
    saved = db.session.get(ContentPage, page.id)
    assert saved.updated_by_id == admin.id
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity_type == "content_page")).one()
    assert entry.action == "content_page.update"
    assert entry.before["body_km"] is None and entry.after["body_km"] == "យើងដឹកជញ្ជូន **គ្រប់ខេត្ត**។"


def test_a_khmer_page_without_khmer_text_falls_back_to_english(client, db):
    _page(db, body_en="Phnom Penh in 1–3 days.")
    html = client.get("/pages/delivery?lang=km").get_data(as_text=True)
    assert 'lang="km"' in html and "<p>Phnom Penh in 1–3 days.</p>" in html


def test_script_in_markdown_is_rendered_inert(client, db):
    body = (
        "<script>alert(1)</script>\n\n"
        '<img src=x onerror="alert(2)">\n\n'
        "[click](javascript:alert(3)) and [ok](https://example.com)"
    )
    _page(db, body_en=body)
    html = client.get("/pages/delivery").get_data(as_text=True)
    article = html[html.index('<div class="prose">') : html.index("</article>")]
    assert "<script" not in article and "<img" not in article
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    assert 'href="javascript' not in article
    assert '<a href="https://example.com">ok</a>' in article
    assert str(to_html("<b onclick=x>hi</b>")) == "<p>&lt;b onclick=x&gt;hi&lt;/b&gt;</p>\n"


def test_unknown_or_malformed_slugs_are_404(client, db):
    _page(db)
    assert client.get("/pages/nothing-here").status_code == 404
    assert client.get("/pages/Delivery").status_code == 404
    assert client.get("/pages/" + "a" * 300).status_code == 404


def test_staff_create_a_page_and_bad_input_is_refused_in_both_languages(admin_page, db):
    base = {"csrf_token": admin_page.csrf, "slug": "about-us", "title_en": "About us", "body_en": "Hello."}
    bad_slug = admin_page.post("/admin/pages/new?lang=km", data={**base, "slug": "About Us!"})
    assert bad_slug.status_code == 400
    assert 'lang="km"' in bad_slug.get_data(as_text=True)
    no_title = admin_page.post("/admin/pages/new", data={**base, "title_en": ""})
    assert no_title.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentPage)) == 0

    assert admin_page.post("/admin/pages/new", data=base).status_code == 302
    clash = admin_page.post("/admin/pages/new?lang=en", data=base)  # the km request above set the language
    assert clash.status_code == 409
    assert "Another page already has this address (slug)." in clash.get_data(as_text=True)
    listing = admin_page.get("/admin/pages").get_data(as_text=True)
    assert "About us" in listing and "/pages/about-us" in listing
    assert admin_page.get("/pages/about-us").status_code == 200


def test_customers_cannot_open_the_page_editor(client, db):
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    login = client.get("/account/login").get_data(as_text=True)
    from tests.admin.conftest import csrf_token

    client.post("/account/login", data={"csrf_token": csrf_token(login), "email": user.email, "password": PASSWORD})
    assert client.get("/admin/pages").status_code == 403


def test_the_default_pages_are_written_once_and_edits_kept(db):
    assert ensure_default_pages() == len(DEFAULT_PAGES)
    db.session.commit()
    page = db.session.scalars(sa.select(ContentPage).where(ContentPage.slug == "returns")).one()
    page.body_en = "Changed by staff."
    db.session.commit()
    assert ensure_default_pages() == 0
    db.session.commit()
    assert db.session.get(ContentPage, page.id).body_en == "Changed by staff."
    assert all(p["body_km"] and p["title_km"] for p in DEFAULT_PAGES)


def test_the_footer_links_to_the_pages_and_names_the_payment_methods(client, db):
    for page in DEFAULT_PAGES:
        _page(db, **page)
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">') :]
    for slug in ("delivery", "returns", "privacy"):
        assert f'href="/pages/{slug}"' in footer
        assert client.get(f"/pages/{slug}").status_code == 200
    assert 'href="tel:+85512345678"' in footer and "012 345 678" in footer
    assert "https://t.me/" in footer and "https://www.facebook.com/" in footer
    assert "Cash on delivery" in footer and "KHQR" in footer
    khmer = client.get("/?lang=km").get_data(as_text=True)
    assert "បង់ប្រាក់ពេលទទួលទំនិញ" in khmer[khmer.index('<footer class="site-footer">') :]
