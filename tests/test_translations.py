"""The French catalog is complete, its placeholders are intact, the committed .mo matches the .po,
and a French storefront really speaks French (an English one English).

No gettext binary is needed: Babel reads both files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import galerie
from galerie.search.services import search_reindex
from tests.factories import (
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

LC_MESSAGES = Path(galerie.__file__).resolve().parent / "locale" / "fr" / "LC_MESSAGES"
PO, MO = LC_MESSAGES / "django.po", LC_MESSAGES / "django.mo"

# %(name)s, %(n)d, %s, %d and {{ var }}. "%%" is a literal percent sign; so is "10 % de" in French
# (a bare % followed by a space), hence no space flag in the positional form.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0+]*\d*(?:\.\d+)?[sdifr]|\{\{\s*[\w.|:]+\s*\}\}"
)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def _forms(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as f:
        return read_po(f)


def _messages(catalog):
    return [m for m in catalog if m.id]


def test_the_catalog_is_french_with_french_plurals(catalog):
    headers = dict(catalog.mime_headers)
    assert headers.get("Language") == "fr"
    assert headers.get("Plural-Forms", "").replace(" ", "") == "nplurals=2;plural=(n>1);"
    assert len(_messages(catalog)) > 300


def test_every_entry_is_translated_and_none_is_fuzzy(catalog):
    untranslated = [m.id for m in _messages(catalog) if not all(_forms(m.string))]
    fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:10]}"


def test_every_placeholder_of_a_msgid_is_kept_in_its_translation(catalog):
    problems = []
    for m in _messages(catalog):
        expected = set().union(*(_placeholders(source) for source in _forms(m.id)))
        for translation in _forms(m.string):
            found = _placeholders(translation)
            if found != expected:
                problems.append((m.id, sorted(expected), sorted(found)))
    assert not problems, "\n".join(f"{i!r}: expects {e}, has {f}" for i, e, f in problems)


def test_the_committed_mo_holds_exactly_the_po_translations(catalog):
    """Whoever edits the .po must recompile: msgfmt --check -o django.mo django.po."""
    assert MO.exists(), "django.mo is missing: run msgfmt (see docs/translations.md)"
    with MO.open("rb") as f:
        compiled = read_mo(f)

    def table(messages):
        # Babel's read_mo gives a message context as bytes, read_po as str.
        def context(m):
            return m.context.decode() if isinstance(m.context, bytes) else m.context

        return {(context(m), _forms(m.id)): _forms(m.string) for m in messages if m.id}

    in_po, in_mo = table(catalog), table(compiled)
    stale = sorted(" | ".join(key[1]) for key in in_po.keys() ^ in_mo.keys())
    assert not stale, f"django.mo is out of date (recompile it): {stale[:10]}"
    different = sorted(" | ".join(key[1]) for key in in_po if in_po[key] != in_mo[key])
    assert not different, f"django.mo is out of date (recompile it): {different[:10]}"


# --- rendering -------------------------------------------------------------------------------------

FRENCH = {
    "home": ["Nos catégories", "Panier", "Se connecter"],
    "category": ["Trier par", "Appliquer les filtres", "Vendeur"],
    "product": ["Ajouter au panier", "Vendeur professionnel", "Vendu par"],
    "cart": ["Votre panier", "Passer commande", "Récapitulatif", "Frais de port"],
    "login": ["Se connecter", "Mot de passe oublié", "Adresse e-mail"],
}
ENGLISH = {
    "home": ["Shop by category", "Cart", "Sign in"],
    "category": ["Sort by", "Apply filters", "Seller"],
    "product": ["Add to cart", "Professional seller", "Sold by"],
    "cart": ["Your cart", "Check out", "Summary", "Shipping"],
    "login": ["Sign in", "Forgot your password?", "E-mail address"],
}
ENGLISH_UI = ["Add to cart", "Your cart", "Sign in", "Shop by category", "Check out", "Professional seller"]


def _pages(client, code: str, language: str) -> dict[str, str]:
    books = make_category("Livres")
    novels = make_category("Romans", parent=books)
    storefront = make_storefront(code=code, scope=[books], default_language=language)
    variant = make_variant(product=make_product(category=novels, title="Le Tour du monde", slug="tour"))
    offer = make_offer(seller=make_seller(storefronts=[storefront]), variant=variant, price_minor=1290)
    make_offer(seller=make_seller(storefronts=[storefront]), variant=variant, price_minor=1490)
    search_reindex()  # what the worker does on the offers' events: the listings read the index
    base = f"/s/{code}/"
    pages = {
        "home": client.get(base),
        "category": client.get(f"{base}c/{novels.slug}/"),
        "product": client.get(f"{base}p/tour/"),
    }
    added = client.post(f"{base}cart/add/", {"offer": offer.uuid.hex, "quantity": "1"})
    assert added.status_code == 302
    pages["cart"] = client.get(f"{base}cart/")
    pages["login"] = client.get(f"{base}account/login/")
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert response["Content-Language"] == language, name
    return {name: response.content.decode() for name, response in pages.items()}


@pytest.mark.django_db
def test_a_french_storefront_speaks_french(client):
    pages = _pages(client, "plume", "fr")
    for name, page in pages.items():
        assert '<html lang="fr">' in page, name
        for phrase in FRENCH[name]:
            assert phrase in page, f"{name}: {phrase!r} missing"
        for phrase in ENGLISH_UI:
            assert phrase not in page, f"{name}: English {phrase!r} on a French storefront"
    assert "12,90\xa0€" in pages["product"]
    assert "Prix le plus bas" not in pages["product"]  # no reduction here, no Omnibus line


@pytest.mark.django_db
def test_an_english_storefront_speaks_english(client):
    pages = _pages(client, "onze", "en")
    for name, page in pages.items():
        assert '<html lang="en">' in page, name
        for phrase in ENGLISH[name]:
            assert phrase in page, f"{name}: {phrase!r} missing"
        for phrase in ("Ajouter au panier", "Votre panier", "Se connecter", "Nos catégories"):
            assert phrase not in page, f"{name}: French {phrase!r} on an English storefront"
    assert "€12.90" in pages["product"]
