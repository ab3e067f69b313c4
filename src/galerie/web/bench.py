"""What the benchmark harness needs inside the server, switched on by GALERIE_BENCH=true only.

- ``QueryCountMiddleware`` counts the SQL queries of each request and returns the count in the
  ``X-Galerie-Queries`` header, which the load generator averages per scenario.
- ``floor`` is the framework's floor: the smallest Django view that reads one row by primary
  key, served through the same server, middleware and database as every page.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from galerie.storefronts.models import Storefront


class QueryCountMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response.headers["X-Galerie-Queries"] = str(count)
        return response


@require_safe
def floor(request: HttpRequest, pk: int) -> HttpResponse:
    name = Storefront.objects.values_list("name", flat=True).get(pk=pk)
    return HttpResponse(name, content_type="text/plain")
