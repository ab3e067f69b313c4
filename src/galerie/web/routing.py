"""Storefront URLs in both routing modes: at a storefront host's root, or under /s/<code>/."""

from __future__ import annotations

import re

from django.urls import get_script_prefix, get_urlconf, reverse

from galerie.web.requests import StorefrontRequest

# Django's slug converter; a slug of these characters comes out of reverse() unquoted.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_MARK = "q0galerie0slug0q"  # a slug no URL otherwise holds
# (URLconf, script prefix, route, storefront code, with a slug) -> the URL split at the marker.
# A few dozen routes per storefront; the bound only guards against an unforeseen key.
_ROUTES: dict[tuple[str | None, str, str, object, bool], tuple[str, ...]] = {}
_ROUTES_MAX = 10_000


def sf_reverse(request: StorefrontRequest, name: str, **kwargs) -> str:
    """Reverse the storefront URL ``name`` for the storefront being browsed.

    A page links to the same few routes dozens of times (every product card, the header): each
    route is reversed once per process (for a URLconf, script prefix and storefront), with a
    marker in place of its slug, and the slug is put in place of the marker after that.
    Anything else goes through reverse() itself.
    """
    if getattr(request, "storefront_id_from_host", None) is None:
        kwargs = {"storefront": request.storefront.code, **kwargs}
    slug = kwargs.get("slug")
    if len(kwargs) - ("storefront" in kwargs) > (slug is not None) or (
        slug is not None and not (isinstance(slug, str) and _SLUG.fullmatch(slug))
    ):
        return reverse(f"sf:{name}", kwargs=kwargs)
    key = (get_urlconf(), get_script_prefix(), name, kwargs.get("storefront"), slug is not None)
    parts = _ROUTES.get(key)
    if parts is None:
        marked = {**kwargs, "slug": _MARK} if slug is not None else kwargs
        parts = tuple(reverse(f"sf:{name}", kwargs=marked).split(_MARK))
        if len(_ROUTES) < _ROUTES_MAX:
            _ROUTES[key] = parts
    if slug is None:
        return parts[0]
    if len(parts) != 2:
        return reverse(f"sf:{name}", kwargs=kwargs)
    return f"{parts[0]}{slug}{parts[1]}"


def sf_prefix(request: StorefrontRequest) -> str:
    """The path every URL of the storefront being browsed starts with: "/" or "/s/<code>/"."""
    return sf_reverse(request, "home")
