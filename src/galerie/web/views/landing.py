"""The operator's landing page: every storefront customers can visit."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from galerie.storefronts.selectors import storefronts_public


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "galerie/landing.html", {"storefronts": storefronts_public()})
