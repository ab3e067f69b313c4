"""Storefront URLs in both routing modes: at a storefront host's root, or under /s/<code>/."""

from __future__ import annotations

from django.urls import reverse

from galerie.web.requests import StorefrontRequest


def sf_reverse(request: StorefrontRequest, name: str, **kwargs) -> str:
    """Reverse the storefront URL ``name`` for the storefront being browsed."""
    if getattr(request, "storefront_id_from_host", None) is None:
        kwargs = {"storefront": request.storefront.code, **kwargs}
    return reverse(f"sf:{name}", kwargs=kwargs)


def sf_prefix(request: StorefrontRequest) -> str:
    """The path every URL of the storefront being browsed starts with: "/" or "/s/<code>/"."""
    return sf_reverse(request, "home")
