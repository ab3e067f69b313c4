"""Webhook endpoints through the API: a seller's owners' keys and the operator's staff keys."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from galerie.api.services import staff_api_token_create
from galerie.sellers.models import SellerMember
from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.api.conftest import Api, seller_key
from tests.factories import make_seller, make_user

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:9/hooks"


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def sellers(client):
    a, b = make_seller(), make_seller()
    return a, Api(client, seller_key(a)), b, Api(client, seller_key(b))


def _dead(endpoint: WebhookEndpoint) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_uuid=uuid.uuid4(),
        event_type="order.placed",
        body='{"type": "order.placed"}',
        status=WebhookDelivery.Status.DEAD,
        attempts=12,
        next_attempt_at=timezone.now(),
    )


def test_an_owner_subscribes_sees_pauses_and_deletes_an_endpoint(sellers):
    seller, api, _b, _api_b = sellers
    types = [t["name"] for t in api.get("/seller/webhooks/event-types").json()]
    assert "order.placed" in types and "seller.applied" not in types  # the operator's own
    made = api.post("/seller/webhooks/endpoints", {"url": URL, "event_types": ["order.placed"]})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["secret"].startswith("whsec_") and body["active"] is True
    assert WebhookEndpoint.objects.get(pk=body["id"]).seller == seller
    assert [e["id"] for e in api.get("/seller/webhooks/endpoints").json()] == [body["id"]]
    paused = api.patch(f"/seller/webhooks/endpoints/{body['id']}", {"active": False})
    assert paused.json()["active"] is False
    assert api.get(f"/seller/webhooks/endpoints/{body['id']}/deliveries").json() == {
        "items": [],
        "next": None,
    }
    assert api.delete(f"/seller/webhooks/endpoints/{body['id']}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_a_private_address_or_an_unknown_event_is_refused_and_nothing_saved(sellers, settings):
    _seller, api, _b, _api_b = sellers
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = []
    refused = api.post(
        "/seller/webhooks/endpoints", {"url": "https://169.254.169.254/x", "event_types": ["no.such"]}
    )
    assert refused.status_code == 422
    assert set(refused.json()["error"]["errors"]) == {"url", "event_types"}
    assert not WebhookEndpoint.objects.exists()


def test_another_sellers_endpoint_and_delivery_are_404_and_unchanged(sellers):
    _a, api_a, _b, api_b = sellers
    endpoint_id = api_a.post(
        "/seller/webhooks/endpoints", {"url": URL, "event_types": ["order.placed"]}
    ).json()["id"]
    delivery = _dead(WebhookEndpoint.objects.get(pk=endpoint_id))
    for response in (
        api_b.get(f"/seller/webhooks/endpoints/{endpoint_id}"),
        api_b.patch(f"/seller/webhooks/endpoints/{endpoint_id}", {"active": False}),
        api_b.delete(f"/seller/webhooks/endpoints/{endpoint_id}"),
        api_b.get(f"/seller/webhooks/endpoints/{endpoint_id}/deliveries"),
        api_b.get(f"/seller/webhooks/deliveries/{delivery.pk}"),
        api_b.post(f"/seller/webhooks/deliveries/{delivery.pk}/redeliver"),
    ):
        assert response.status_code == 404, response.content
    assert api_b.get("/seller/webhooks/endpoints").json() == []
    assert WebhookEndpoint.objects.get(pk=endpoint_id).active is True
    delivery.refresh_from_db()
    assert delivery.status == "dead"


def test_a_manager_key_may_not_manage_webhooks(client):
    seller = make_seller()
    api = Api(client, seller_key(seller, SellerMember.Role.MANAGER))
    assert api.get("/seller/webhooks/endpoints").status_code == 403
    refused = api.post("/seller/webhooks/endpoints", {"url": URL, "event_types": ["order.placed"]})
    assert refused.status_code == 403 and not WebhookEndpoint.objects.exists()


def test_an_owner_redelivers_a_dead_delivery(sellers):
    _a, api, _b, _api_b = sellers
    endpoint_id = api.post(
        "/seller/webhooks/endpoints", {"url": URL, "event_types": ["order.placed"]}
    ).json()["id"]
    delivery = _dead(WebhookEndpoint.objects.get(pk=endpoint_id))
    answer = api.post(f"/seller/webhooks/deliveries/{delivery.pk}/redeliver")
    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_the_operator_needs_the_webhooks_permissions_and_sees_every_dead_letter(client, sellers):
    _a, api_a, _b, _api_b = sellers
    seller_endpoint = api_a.post("/seller/webhooks/endpoints", {"url": URL, "event_types": ["order.placed"]})
    dead = _dead(WebhookEndpoint.objects.get(pk=seller_endpoint.json()["id"]))
    bare = make_user(is_staff=True)
    no_perms = Api(client, staff_api_token_create(user=bare, name="none")[1])
    assert no_perms.get("/operator/webhooks/endpoints").status_code == 403
    assert no_perms.get("/operator/webhooks/dead-letters").status_code == 403
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookendpoint"))
    read_only = Api(client, staff_api_token_create(user=viewer, name="read")[1])
    assert [d["id"] for d in read_only.get("/operator/webhooks/dead-letters").json()["items"]] == [dead.pk]
    refused = read_only.post("/operator/webhooks/endpoints", {"url": URL, "event_types": ["seller.applied"]})
    assert refused.status_code == 403
    admin = Api(client, staff_api_token_create(user=make_user(is_staff=True, is_superuser=True), name="a")[1])
    made = admin.post("/operator/webhooks/endpoints", {"url": URL, "event_types": ["seller.applied"]})
    assert made.status_code == 201 and WebhookEndpoint.objects.get(pk=made.json()["id"]).seller is None
    assert admin.post(f"/operator/webhooks/deliveries/{dead.pk}/redeliver").json()["status"] == "pending"
