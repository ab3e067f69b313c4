import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse, set_script_prefix, set_urlconf

from galerie.storefronts.models import Storefront
from galerie.web.routing import sf_reverse

SLUGS = ["a5-notebook-169", "x", "Mixed_Case-9", "q0galerie0slug0q"]  # the last one is the memo's marker


@pytest.mark.parametrize("host_routed", [False, True])
def test_sf_reverse_gives_what_reverse_gives(host_routed):
    request = RequestFactory().get("/")
    request.storefront = Storefront(code="pageplume")
    request.storefront_id_from_host = 1 if host_routed else None
    prefix = {} if host_routed else {"storefront": "pageplume"}
    set_urlconf("galerie.web.urls_host" if host_routed else None)
    try:
        for _ in range(2):  # the second round reads the memo
            for name in ("product", "category", "seller"):
                for slug in SLUGS:
                    expected = reverse(f"sf:{name}", kwargs={**prefix, "slug": slug})
                    assert sf_reverse(request, name, slug=slug) == expected
                for slug in ("café", "a/b", ""):
                    with pytest.raises(NoReverseMatch):
                        sf_reverse(request, name, slug=slug)
            for name in ("home", "search", "cart", "terms"):
                assert sf_reverse(request, name) == reverse(f"sf:{name}", kwargs=prefix)
    finally:
        set_urlconf(None)


def test_sf_reverse_follows_the_script_prefix():
    request = RequestFactory().get("/")
    request.storefront = Storefront(code="pageplume")
    request.storefront_id_from_host = None
    assert sf_reverse(request, "product", slug="a") == "/s/pageplume/p/a/"
    set_script_prefix("/shop/")
    try:
        assert sf_reverse(request, "product", slug="a") == "/shop/s/pageplume/p/a/"
        assert sf_reverse(request, "home") == "/shop/s/pageplume/"
    finally:
        set_script_prefix("/")
    assert sf_reverse(request, "home") == "/s/pageplume/"
