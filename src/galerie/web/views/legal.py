"""Legal pages: a storefront's terms of sale and withdrawal (shown before an order is placed), and
the marketplace's seller terms (P2B)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from galerie.terms.selectors import terms_current, terms_upcoming, terms_version_public, terms_versions_public
from galerie.web.requests import StorefrontRequest
from galerie.web.views.decorators import storefront_view


def _legal_context() -> dict:
    return {"operator_name": settings.GALERIE_OPERATOR_NAME}


@storefront_view(("GET", "HEAD"))
def terms(request: StorefrontRequest) -> HttpResponse:
    return render(request, "galerie/storefront/terms.html", _legal_context())


@storefront_view(("GET", "HEAD"))
def withdrawal(request: StorefrontRequest) -> HttpResponse:
    return render(request, "galerie/storefront/withdrawal.html", _legal_context())


@require_GET
def seller_terms(request: HttpRequest, number: int | None = None) -> HttpResponse:
    """The seller terms in force (or version ``number``), public at a stable URL (P2B art. 3(1)(b)),
    with the versions announced and the earlier ones."""
    now = timezone.now()
    current = terms_current(now=now)
    shown = current if number is None else terms_version_public(number=number)
    if number is not None and shown is None:
        raise Http404("There is no such version of the seller terms.")
    context = {
        "operator_name": settings.GALERIE_OPERATOR_NAME,
        "version": shown,
        "current": current,
        "upcoming": terms_upcoming(now=now),
        "versions": terms_versions_public(now=now),
    }
    return render(request, "galerie/seller_terms.html", context)
