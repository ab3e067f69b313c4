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
