"""Request ids, /healthz, /readyz and /metrics (docs/logging.md, docs/metrics.md).

The failing services are real: a closed port refuses the connection (no mock of Redis or the
broker). The purchase goes through the API, and the worker delivers its events with
``galerie worker --once``; the log lines are those the configured JSON formatter writes."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from galerie.core.logs import JsonFormatter, RequestIdFilter
from galerie.core.models import OutboxEvent
from galerie.core.outbox import emit
from galerie.notifications.management.commands import worker
from tests.api.storefront_world import build_world
from tests.api.test_storefront_checkout import CARD, fill_cart, signed_in

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-scrape-token"


def closed_port() -> int:
    """A local port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def json_log():
    """Every record (INFO and above) as the production handler writes it, one JSON object a line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def scrape(client: Client) -> str:
    reply = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert reply.status_code == 200, reply.content
    assert reply["Content-Type"].startswith("text/plain; version=")
    return reply.content.decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition, or None if it is not there."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        metric, _, rest = series.partition("{")
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if metric == name and found == wanted:
            return float(value)
    return None


# --- request ids ---------------------------------------------------------------------------


def test_every_answer_carries_a_new_request_id_and_a_clients_is_ignored_by_default(client):
    first, second = client.get("/healthz"), client.get("/no-such-page/", HTTP_X_REQUEST_ID="chosen-by-client")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_behind_a_trusted_proxy_its_sane_request_id_is_kept_and_anything_else_replaced(client, settings):
    settings.GALERIE_TRUST_REQUEST_ID = True
    assert client.get("/healthz", HTTP_X_REQUEST_ID="nginx-7f3a.1")["X-Request-ID"] == "nginx-7f3a.1"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='x"\n{"level": "ERROR"}')["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz", HTTP_X_REQUEST_ID="a" * 65)["X-Request-ID"])


@pytest.mark.django_db(transaction=True)
def test_one_request_id_follows_a_purchase_from_its_request_to_its_events_and_the_worker(
    client, settings, json_log, monkeypatch
):
    settings.GALERIE_TRUST_REQUEST_ID = True
    world = build_world()
    api = signed_in(client, world)
    quote = fill_cart(api, world)
    delivered: list[str] = []

    def spy(event: OutboxEvent) -> None:  # one more handler of order.placed: it logs, as handlers do
        logging.getLogger("tests.spy").warning("delivering %s", event.topic)
        delivered.append(event.topic)

    discover = worker.handlers_autodiscover
    monkeypatch.setattr(
        worker,
        "handlers_autodiscover",
        lambda: {**discover(), "order.placed": [*discover()["order.placed"], spy]},
    )

    reply = api.post(
        f"/storefronts/{world.shop.code}/checkout",
        {
            "address": {
                "name": "Alice Martin",
                "line1": "3 rue des Lilas",
                "postal_code": "69003",
                "city": "Lyon",
            },
            "card": CARD,
            "quote_fingerprint": quote["fingerprint"],
            "quote_shown": quote["shown"],
        },
        headers={"Idempotency-Key": secrets.token_urlsafe(24), "X-Request-ID": "checkout-0042"},
    )
    assert reply.status_code == 201, reply.content
    assert reply["X-Request-ID"] == "checkout-0042"
    event = OutboxEvent.objects.get(topic="order.placed")
    assert event.request_id == "checkout-0042"

    call_command("worker", "--once", "--no-jobs", verbosity=0)

    assert delivered == ["order.placed"]
    lines = json_log()
    mine = [line for line in lines if line["request_id"] == "checkout-0042"]
    assert [line["message"].rsplit(" ", 2)[0] for line in mine if line["logger"] == "galerie.requests"] == [
        "POST api:checkout 201"
    ]
    started = next(i for i, line in enumerate(lines) if line["message"].startswith("worker started"))
    # Every line the handlers wrote while delivering (the spy's, the invoices' PDF libraries'…)
    delivering = [line for line in lines[started:] if line["logger"] != "galerie.core.delivery"]
    assert {"tests.spy", "factur-x"} <= {line["logger"] for line in delivering}
    assert {line["request_id"] for line in delivering} == {"checkout-0042"}
    # The events the handlers emitted while delivering it carry the id on, whichever they are.
    later = OutboxEvent.objects.filter(pk__gt=event.pk)
    assert later.exists() and {e.request_id for e in later} == {"checkout-0042"}


# --- probes --------------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database_or_the_cache(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        reply = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")  # a probe by the pod's address
    assert (reply.status_code, reply.json()) == (200, {"status": "ok"})
    assert reply["Cache-Control"] == "no-store"


def test_readyz_names_each_check_and_its_latency_when_all_answer(client):
    reply = client.get("/readyz")
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "ok" and set(body["checks"]) == {"database", "cache"}
    assert all(check["ok"] is True and check["ms"] >= 0 for check in body["checks"].values())


@pytest.mark.redis
def test_readyz_pings_the_real_redis(client, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    assert client.get("/readyz").json()["checks"]["cache"]["ok"] is True


def test_readyz_answers_503_naming_the_cache_when_redis_refuses(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    reply = client.get("/readyz")
    assert reply.status_code == 503
    body = reply.json()
    assert (body["status"], body["failed"]) == ("unavailable", ["cache"])
    assert body["checks"]["cache"] == {
        "ok": False,
        "ms": body["checks"]["cache"]["ms"],
        "error": "ConnectionError",
    }
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.parametrize("scheme", ["amqp://guest:guest@127.0.0.1:{port}//", "redis://127.0.0.1:{port}/0"])
def test_readyz_answers_503_naming_the_broker_when_it_refuses(client, settings, scheme):
    settings.GALERIE_BROKER_URL = scheme.format(port=closed_port())
    reply = client.get("/readyz")
    assert reply.status_code == 503
    assert reply.json()["failed"] == ["broker"]
    assert reply.json()["checks"]["broker"]["ok"] is False


@pytest.mark.rabbitmq
def test_readyz_checks_the_real_broker(client, settings):
    settings.GALERIE_BROKER_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
    reply = client.get("/readyz")
    assert reply.status_code == 200, reply.content
    assert reply.json()["checks"]["broker"]["ok"] is True


@pytest.mark.parametrize(
    ("variable", "url", "failed"),
    [
        ("REDIS_URL", "redis://127.0.0.1:{port}/0", "cache"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:{port}/galerie", "database"),
    ],
)
def test_with_a_service_dead_healthz_still_answers_and_readyz_names_it(tmp_path, variable, url, failed):
    """In a process configured with the dead service itself (host routing reads the cache on every
    request, and the database behind it)."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='10.1.2.3')\n"
        "ready = c.get('/readyz')\n"
        "print(c.get('/healthz').status_code, ready.status_code, ready.json()['failed'])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "galerie.settings",
        "GALERIE_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "CRITICAL",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env[variable] = url.format(port=closed_port())
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"200 503 ['{failed}']"


# --- metrics -------------------------------------------------------------------------------


def test_metrics_are_off_without_a_token_and_refused_without_the_right_one(client, settings):
    settings.GALERIE_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.GALERIE_METRICS_TOKEN = TOKEN
    for header in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}):
        refused = client.get("/metrics", **header)
        assert refused.status_code == 401 and refused["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert b"galerie_" not in refused.content
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code != 200


def test_metrics_count_requests_by_route_name_never_by_path(client, settings):
    settings.GALERIE_METRICS_TOKEN = TOKEN
    before = scrape(client)
    labels = {"route": "api:storefronts", "method": "GET", "status": "200"}
    count = sample(before, "galerie_http_requests_total", **labels) or 0
    for _ in range(3):
        client.get("/api/v1/storefronts/")
    client.get("/no-such-page/abc-123/")
    after = scrape(client)

    assert sample(after, "galerie_http_requests_total", **labels) == count + 3
    assert sample(after, "galerie_http_request_duration_seconds_count", route="api:storefronts") >= 3
    assert sample(after, "galerie_http_requests_total", route="unmatched", method="GET", status="404") >= 1
    assert sample(after, "galerie_http_requests_total", route="metrics", method="GET", status="200") >= 1
    assert "abc-123" not in after and "/api/v1" not in after


def test_metrics_show_the_outbox_lag_and_depth(client, settings):
    settings.GALERIE_METRICS_TOKEN = TOKEN
    assert sample(scrape(client), "galerie_outbox_lag_seconds") == 0.0
    emit("test.metrics", payload={})
    old = emit("test.metrics", payload={})
    OutboxEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    dead = emit("test.metrics", payload={})
    OutboxEvent.objects.filter(pk=dead.pk).update(attempts=12)

    text = scrape(client)
    assert 3600 <= sample(text, "galerie_outbox_lag_seconds") < 3700
    assert sample(text, "galerie_outbox_events", state="due") == 2
    assert sample(text, "galerie_outbox_events", state="dead") == 1
    assert sample(text, "galerie_outbox_events", state="waiting") == 0
    assert sample(text, "galerie_scrape_success", collector="outbox") == 1


@pytest.mark.django_db(transaction=True)
def test_metrics_count_orders_placed_and_payments_declined(client, settings):
    settings.GALERIE_METRICS_TOKEN = TOKEN
    world = build_world()
    api = signed_in(client, world)
    before = scrape(client)
    assert sample(before, "galerie_orders_placed_total") == 0
    assert sample(before, "galerie_payment_failures_total", status="declined") == 0

    def buy(card: dict) -> int:
        quote = fill_cart(api, world)
        return api.post(
            f"/storefronts/{world.shop.code}/checkout",
            {
                "address": {
                    "name": "A Martin",
                    "line1": "3 rue des Lilas",
                    "postal_code": "69003",
                    "city": "Lyon",
                },
                "card": card,
                "quote_fingerprint": quote["fingerprint"],
                "quote_shown": quote["shown"],
            },
            headers={"Idempotency-Key": secrets.token_urlsafe(24)},
        ).status_code

    assert buy(CARD) == 201
    assert buy({**CARD, "number": "4000000000000002"}) != 201  # declined
    after = scrape(client)
    assert sample(after, "galerie_orders_placed_total") == 1
    assert sample(after, "galerie_payment_failures_total", status="declined") == 1
    assert sample(after, "galerie_payment_failures_total", status="failed") == 0
    assert sample(after, "galerie_scrape_success", collector="domain") == 1
