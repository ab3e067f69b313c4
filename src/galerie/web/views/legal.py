"""A storefront's legal pages shown before an order is placed: terms of sale, withdrawal."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render

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
