"""The cards written in Python (templatetags/galerie.py) give the markup of the templates they
replace, byte for byte: includes/product_card.html, includes/deal_card.html,
includes/category_card.html, the facet options of includes/listing_filters.html and the facet
links of storefront/search.html."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from galerie.offers.selectors.product_page import FileRef
from galerie.search.cards import BrandRef, CardImage, ProductCard
from galerie.search.listing import FacetOption
from galerie.storefronts.models import Storefront

IMAGE = CardImage(FileRef("/media/p/1.jpg"), FileRef("/media/p/1-thumb.jpg"), 'A "red" <mug> & co')
NO_THUMBNAIL = CardImage(FileRef("/media/p/2.jpg"), FileRef(""), "")
CARDS = [
    ProductCard(1, "red-mug", "Red mug", BrandRef("Émaux & Co"), IMAGE, 1290, 1, 1590),
    ProductCard(2, "tea-pot-2", "Tea <pot> “grand” 'deluxe'", None, NO_THUMBNAIL, 4500, 3, 9000),
    ProductCard(3, "x", "  l'été indien  ", BrandRef("B"), None, 123456789, 1234, 123456800),
    ProductCard(4, "y", "", None, None, 0, 2, 0),
]


def _context(**values) -> Context:
    request = RequestFactory().get("/")
    request.storefront = Storefront(code="pageplume", currency="EUR")
    request.storefront_id_from_host = None
    return Context({"request": request, "storefront": request.storefront, **values})


def _render(source: str, **values) -> str:
    return Template("{% load galerie %}" + source).render(_context(**values))


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("shipping_included", [True, False])
def test_product_card_is_the_include(language, shipping_included):
    with translation.override(language):
        for card in CARDS:
            values = {"p": card, "shipping_included": shipping_included}
            expected = _render('{% include "galerie/includes/product_card.html" %}', **values)
            assert _render("{% product_card p %}", **values) == expected
            assert "card-title" in expected


@pytest.mark.parametrize("language", ["en", "fr"])
def test_deal_card_is_the_include(language):
    with translation.override(language):
        for card in CARDS:
            expected = _render('{% include "galerie/includes/deal_card.html" %}', p=card)
            assert _render("{% deal_card p %}", p=card) == expected


@pytest.mark.parametrize("language", ["en", "fr"])
def test_category_card_is_the_include(language):
    categories = [
        SimpleNamespace(slug="mugs", name="Mugs & <cups>", product_count=1, picture_url="/media/c/1.jpg?a&b"),
        SimpleNamespace(slug="tea", name="Thé d'été", product_count=12345, picture_url=""),
        SimpleNamespace(slug="none", name="Empty", product_count=0, picture_url=""),
    ]
    with translation.override(language):
        for category in categories:
            expected = _render('{% include "galerie/includes/category_card.html" %}', c=category)
            assert _render("{% category_card c %}", c=category) == expected


def test_facet_options_are_the_loop():
    options = [
        FacetOption("brand-a", "Émaux & Co", 1234, True),
        FacetOption('b"<', "<b>bold</b>", 0, False),
        FacetOption("c", "Bounded", 1000, False, exact=False),
    ]
    loop = (
        '{% for o in options %}\n        <li><label><input type="checkbox" name="brand" value="{{ o.value }}"'
        '{% if o.selected %} checked{% endif %}> <span class="facet-label">{{ o.label }}</span> '
        '{% if o.exact %}<span class="facet-count">{{ o.count }}</span>{% endif %}</label></li>{% endfor %}'
    )
    for language in ("en", "fr"):
        with translation.override(language):
            assert _render('{% facet_options options "brand" %}', options=options) == _render(
                loop, options=options
            )
    assert _render('{% facet_options options "brand" %}', options=[]) == ""


def test_facet_links_are_the_loop():
    values = [
        {"label": "Émaux & Co", "count": 1234, "selected": True, "url": "?q=a&brand=x"},
        {"label": "<b>bold</b>", "count": 0, "selected": False, "url": '?q="<'},
        {"label": "Not counted", "count": None, "selected": False, "url": "?q=c"},
    ]
    loop = (
        "{% load humanize %}{% for v in values %}\n"
        '          <li><a class="facet-link{% if v.selected %} is-selected{% endif %}" href="{{ v.url }}"'
        ' rel="nofollow"{% if v.selected %} aria-current="true"{% endif %}><span class="facet-box"'
        ' aria-hidden="true"></span><span class="facet-label">{{ v.label }}</span> '
        '{% if v.count is not None %}<span class="facet-count">{{ v.count|intcomma }}</span>{% endif %}'
        "</a></li>{% endfor %}"
    )
    for language in ("en", "fr"):
        with translation.override(language):
            shown = _render("{% facet_links values %}", values=values)
            assert shown == _render(loop, values=values)
            assert "Not counted</span> </a>" in shown
    assert _render("{% facet_links values %}", values=[]) == ""
