from django.http import HttpRequest

from galerie.web.page_cache import CSRF, shared_marker


def storefront(request: HttpRequest) -> dict:
    """Expose the storefront being browsed (if any) to every template."""
    return {"storefront": getattr(request, "storefront", None)}


def shared_render(request: HttpRequest) -> dict:
    """In a render for the shared page cache, put a marker where the CSRF token goes: the page
    cache fills in each visitor's own (galerie.web.page_cache)."""
    marker = shared_marker(request)
    return {"csrf_token": f"{marker}{CSRF}"} if marker else {}
