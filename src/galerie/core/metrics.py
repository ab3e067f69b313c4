"""Prometheus metrics (docs/metrics.md): the requests' counters, and gauges read at scrape time.

Requests and their latency are counted in the process that served them, labelled by route name
(never the raw path: a path per product would make millions of series). Under gunicorn each
worker is its own process: with ``PROMETHEUS_MULTIPROC_DIR`` set before prometheus_client is first
imported, every worker writes its counters to files there and a scrape, whichever worker answers
it, adds up all of them (:func:`metrics_multiprocess_prepare` readies the folder; the process that
starts the workers calls it). What the database knows (the outbox's backlog, orders, payment
failures) is read from it at scrape time, once per scrape, whatever process wrote it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # a request no URL pattern matched (a 404 before any view, a redirect)

HTTP_REQUESTS = Counter(
    "galerie_http_requests",
    "HTTP requests answered, by route name, method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "galerie_http_request_duration_seconds",
    "Time from the request reaching Galerie's first middleware to its response, by route name.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


# The labelled series already used, by (route, method, status): labels() takes a lock and checks
# its arguments each time, half the cost of counting a request. Bounded as the series are.
_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def http_observe(*, route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    key = (route, method if method in METHODS else "other", status)
    series = _series.get(key)
    if series is None:
        series = _series[key] = (
            HTTP_REQUESTS.labels(key[0], key[1], str(status)),
            HTTP_DURATION.labels(route),
        )
    series[0].inc()
    series[1].observe(seconds)


def metrics_multiprocess_prepare(directory: Path) -> dict[str, str]:
    """Create ``directory`` or empty it of a previous run's files; return the environment to start
    the app server's processes with (``PROMETHEUS_MULTIPROC_DIR``).

    Call it in the process that starts the workers, before they start: counters left by the
    processes of a previous run would be added to the new ones'.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink(missing_ok=True)
    return {MULTIPROC_ENV: str(directory)}


def _scrape_registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


class _Scraped(CollectorRegistry):
    """The collectors read at scrape time, registered without being run first."""

    def __init__(self, collectors: Iterable[Collector]) -> None:
        super().__init__(auto_describe=False)
        for collector in collectors:
            self.register(collector)


def metrics_exposition(collectors: Iterable[Collector] = ()) -> bytes:
    """Return the text exposition: this process's (or, in multiprocess mode, every worker's)
    counters, then what ``collectors`` read now."""
    return generate_latest(_scrape_registry()) + generate_latest(_Scraped(collectors))


class DatabaseCollector(Collector):
    """A collector that reads the database at scrape time; a failing read drops its metrics and
    sets ``galerie_scrape_success{collector=…}`` to 0 instead of failing the whole scrape."""

    name = "database"

    def describe(self) -> Iterable[Metric]:
        return []  # registered without a query; the names are checked at collection

    def read(self) -> Iterator[Metric]:
        raise NotImplementedError

    def collect(self) -> Iterable[Metric]:
        ok = GaugeMetricFamily(
            "galerie_scrape_success",
            "1 when a collector read its metrics, 0 when it failed.",
            labels=["collector"],
        )
        try:
            metrics = list(self.read())
        except DatabaseError:
            logger.exception("metrics: the %s collector could not read the database", self.name)
            metrics = []
            ok.add_metric([self.name], 0)
        else:
            ok.add_metric([self.name], 1)
        return [*metrics, ok]


class OutboxCollector(DatabaseCollector):
    """The outbox's backlog: events undelivered by state, and the age of the oldest due one (lag).

    One aggregate over the undelivered events (``outbox_pending_idx`` holds only them): a few rows
    when the workers keep up, the backlog itself when they do not.
    """

    name = "outbox"

    def read(self) -> Iterator[Metric]:
        from galerie.core.delivery import MAX_ATTEMPTS
        from galerie.core.models import OutboxEvent

        now = timezone.now()
        due = Q(available_at__lte=now, attempts__lt=MAX_ATTEMPTS)
        found = OutboxEvent.objects.filter(delivered_at__isnull=True).aggregate(
            due=Count("id", filter=due),
            waiting=Count("id", filter=Q(available_at__gt=now, attempts__lt=MAX_ATTEMPTS)),
            dead=Count("id", filter=Q(attempts__gte=MAX_ATTEMPTS)),
            oldest_due=Min("created_at", filter=due),
        )
        events = GaugeMetricFamily(
            "galerie_outbox_events",
            "Undelivered outbox events: due (waiting for a worker), waiting (leased to a worker or"
            " backing off after a failure), dead (failed too often, retried only by hand).",
            labels=["state"],
        )
        for state in ("due", "waiting", "dead"):
            events.add_metric([state], found[state])
        yield events
        oldest = found["oldest_due"]
        lag = (now - oldest) if oldest is not None else timedelta(0)
        yield GaugeMetricFamily(
            "galerie_outbox_lag_seconds",
            "Age of the oldest due, undelivered outbox event (0 when none waits).",
            value=max(lag.total_seconds(), 0.0),
        )
