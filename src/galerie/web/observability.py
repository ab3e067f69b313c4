"""What operations see of each request: its id, its metrics, and the probe and metrics endpoints.

:class:`RequestObservationMiddleware`, first of all, gives the request its id (logged on every
line, written on every event it emits, sent back as ``X-Request-ID``) and counts it by route name.
:class:`OperationsMiddleware`, right after the security headers, answers ``/healthz``, ``/readyz``
and ``/metrics`` itself, before host routing: a probe or a scrape by IP address needs no
``ALLOWED_HOSTS`` entry, and none of them waits on the cache that host routing reads (a dead
Redis must make ``/readyz`` say so, not fail ``/healthz`` with it). docs/metrics.md, docs/logging.md.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, Metric

from galerie.core.metrics import (
    UNMATCHED,
    DatabaseCollector,
    OutboxCollector,
    http_observe,
    metrics_exposition,
)
from galerie.core.probes import readiness_checks
from galerie.core.requestid import request_id_accept, request_id_bound
from galerie.orders.selectors import orders_placed_count
from galerie.payments.selectors import payments_failed_counts

Handler = Callable[[HttpRequest], HttpResponse]
REQUEST_ID_HEADER = "X-Request-ID"
# One line per request at INFO (LOG_LEVEL=INFO, or this logger's level alone): method, route, status, ms.
access_log = logging.getLogger("galerie.requests")


class RequestObservationMiddleware:
    """Bind the request's id for its whole run, send it back, and count the request by route."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        # The client's id only from a proxy that always sets (or overwrites) the header: otherwise
        # anyone could give their requests the id of someone else's and muddle a search in the logs.
        proposed = request.META.get("HTTP_X_REQUEST_ID") if settings.GALERIE_TRUST_REQUEST_ID else None
        with request_id_bound(request_id_accept(proposed)) as request_id:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            match = request.resolver_match
            route = getattr(request, "operations_route", None) or (match.view_name if match else UNMATCHED)
            seconds = time.perf_counter() - started
            http_observe(
                route=route, method=request.method or "", status=response.status_code, seconds=seconds
            )
            if access_log.isEnabledFor(logging.INFO):
                # The route's name, not the path: paths hold tokens (password resets, confirmations).
                access_log.info(
                    "%s %s %d %.1f ms", request.method, route, response.status_code, seconds * 1000
                )
        return response


def health(request: HttpRequest) -> HttpResponse:
    """Answer 200: the process runs and serves. No I/O (a load balancer's liveness probe)."""
    return JsonResponse({"status": "ok"})


def ready(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the database, the cache and the broker (if set) answer, else 503 naming
    the checks that failed; each check's latency in milliseconds either way."""
    checks = readiness_checks()
    failed = [check.name for check in checks if not check.ok]
    body: dict[str, object] = {
        "status": "unavailable" if failed else "ok",
        "checks": {check.name: check.as_dict() for check in checks},
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


class DomainCollector(DatabaseCollector):
    """Orders placed and payments that failed, counted in the database at scrape time: right
    whichever process (web worker, API, outbox worker, Celery task) wrote them, and only once
    committed."""

    name = "domain"

    def read(self) -> Iterator[Metric]:
        yield CounterMetricFamily(
            "galerie_orders_placed",
            "Orders placed since the start (counted in the database).",
            value=orders_placed_count(),
        )
        failures = CounterMetricFamily(
            "galerie_payment_failures",
            "Payments that ended declined or failed since the start (counted in the database).",
            labels=["status"],
        )
        for status, count in sorted(payments_failed_counts().items()):
            failures.add_metric([status], count)
        yield failures


def metrics(request: HttpRequest) -> HttpResponse:
    """Answer Prometheus's text exposition, to ``Authorization: Bearer <GALERIE_METRICS_TOKEN>``
    only; 404 when no token is set (the endpoint is off), 401 to any other request."""
    token = settings.GALERIE_METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    given = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        response = HttpResponse("A bearer token is needed.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(
        metrics_exposition([OutboxCollector(), DomainCollector()]), content_type=CONTENT_TYPE_LATEST
    )


ENDPOINTS: dict[str, tuple[str, Handler]] = {
    "/healthz": ("health", health),
    "/readyz": ("ready", ready),
    "/metrics": ("metrics", metrics),
}


class OperationsMiddleware:
    """Answer the probe and metrics paths (GET or HEAD) before host routing, sessions and locale."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is None or request.method not in {"GET", "HEAD"}:
            return self.get_response(request)
        name, view = endpoint
        request.operations_route = name  # type: ignore[attr-defined]  # read by the metrics
        response = view(request)
        response["Cache-Control"] = "no-store"
        return response
