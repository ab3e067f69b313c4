"""The operator's landing page: every storefront customers can visit."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from galerie.storefronts.selectors import storefronts_public


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "galerie/landing.html", {"storefronts": storefronts_public()})


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database answers; for load balancers and `make demo`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
