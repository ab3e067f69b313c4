from django.http import HttpRequest

from galerie.storefronts.closure import sells_on
from galerie.web.page_cache import CSRF, shared_marker


def storefront(request: HttpRequest) -> dict:
    """Expose the storefront being browsed (if any) to every template, and whether it sells today
    (docs/storefront-closure.md: the banner, the cart's refusal)."""
    current = getattr(request, "storefront", None)
    return {"storefront": current, "storefront_sells": current is not None and sells_on(current)}


def shared_render(request: HttpRequest) -> dict:
    """In a render for the shared page cache, put a marker where the CSRF token goes: the page
    cache fills in each visitor's own (galerie.web.page_cache)."""
    marker = shared_marker(request)
    return {"csrf_token": f"{marker}{CSRF}"} if marker else {}
