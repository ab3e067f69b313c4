"""Regression: a link made of what a user typed is a link only to an http(s) address.

The product page's manufacturer contact and the back office's notice URL were ``href="{{ … }}"``
of the stored text: the services refuse ``javascript:`` there, but a row stored another way
(an older version, an import, the admin) made a link that runs a script when clicked."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from galerie.offers.selectors.product_page import PartyRow
from galerie.web.templatetags.galerie import web_address


@pytest.mark.parametrize(
    "typed",
    [
        'javascript:alert("xss")',
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.test/x",
        "",
        None,
    ],
)
def test_only_a_web_address_makes_a_link(typed):
    assert web_address(typed) == ""


def test_a_web_address_is_kept_as_typed():
    assert web_address("https://hetzel.test/contact?a=1&b=2") == "https://hetzel.test/contact?a=1&b=2"
    assert web_address(" HTTP://hetzel.test ") == "HTTP://hetzel.test"


def test_the_manufacturer_contact_is_text_unless_it_is_a_web_address():
    def render(contact: str) -> str:
        party = PartyRow(name="Hetzel", address="18 rue Jacob", country="FR", contact=contact)
        return render_to_string("galerie/storefront/_safety_party.html", {"party": party})

    html = render('javascript:alert("xss")')
    assert "href" not in html and "javascript:alert(&quot;xss&quot;)" in html
    assert '<a href="https://hetzel.test/c" rel="nofollow noopener">https://hetzel.test/c</a>' in render(
        "https://hetzel.test/c"
    )
    assert '<a href="mailto:securite@hetzel.test">' in render("securite@hetzel.test")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "back", ["/\\evil.test/", "//evil.test/", "javascript:alert(1)", "https://evil.test/", "/\t/evil.test/"]
)
def test_a_refused_cart_addition_goes_back_only_to_a_page_of_the_site(client, back):
    """Regression: "/\\evil.test" passed the "one slash, not two" check of ``next`` and browsers
    follow it to evil.test (an open redirect out of the add-to-cart form, on a refused quantity)."""
    from tests.factories import make_offer, make_seller, make_storefront, make_variant

    storefront = make_storefront(code="plume")
    offer = make_offer(seller=make_seller(storefronts=[storefront]), variant=make_variant())

    def refused(next_: str) -> str:
        data = {"offer": offer.uuid.hex, "quantity": "many", "next": next_}
        response = client.post("/s/plume/cart/add/", data)
        assert response.status_code == 302
        return response["Location"]

    assert refused(back) == "/s/plume/cart/"
    assert refused("/s/plume/p/a-book/") == "/s/plume/p/a-book/"
