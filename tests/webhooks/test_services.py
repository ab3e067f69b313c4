"""The services the pages and the API call: subscribe, pause, delete, redeliver; who may."""

from __future__ import annotations

import pytest

from galerie.core.errors import InvalidInput, PermissionDenied
from galerie.core.models import OutboxEvent
from galerie.sellers.models import SellerMember
from galerie.webhooks.errors import WebhookDeliveryNotFound, WebhookEndpointNotFound
from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
from galerie.webhooks.selectors import (
    webhook_dead_letters,
    webhook_deliveries_for,
    webhook_delivery_get,
    webhook_endpoint_get,
    webhook_endpoints_for,
)
from galerie.webhooks.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_set_active,
)
from tests.factories import make_seller, make_staff_member, make_user
from tests.webhooks.helpers import queue_one

pytestmark = pytest.mark.django_db
Role = SellerMember.Role


@pytest.fixture
def seller():
    return make_seller()


@pytest.fixture
def owner(seller):
    return make_staff_member(seller, Role.OWNER)


def test_an_owner_subscribes_with_a_new_secret_and_it_is_audited(receiver, seller, owner):
    endpoint = webhook_endpoint_create(
        seller_id=seller.pk,
        url=f" {receiver.url} ",
        event_types=["offer.updated", "order.placed", "order.placed"],
        description="ERP",
        by=owner,
    )

    assert endpoint.seller == seller and endpoint.active and endpoint.created_by == owner
    assert endpoint.url == receiver.url and endpoint.description == "ERP"
    assert endpoint.event_types == ["order.placed", "offer.updated"]  # the catalogue's order, once each
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    other = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=owner
    )
    assert other.secret != endpoint.secret
    event = OutboxEvent.objects.filter(topic="webhook_endpoint.created").first()
    assert event.payload == {
        "endpoint_id": endpoint.pk, "seller_id": seller.pk, "url": receiver.url,
        "event_types": ["order.placed", "offer.updated"], "by_user_id": owner.pk,
    }  # fmt: skip
    assert endpoint.secret not in str(event.payload)


def test_bad_input_names_every_field_and_saves_nothing(seller, owner, settings):
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(InvalidInput) as raised:
        webhook_endpoint_create(
            seller_id=seller.pk,
            url="http://192.168.0.10/hook",
            event_types=["order.placed", "order.exploded", "seller.applied"],
            description="x" * 200,
            by=owner,
        )
    assert set(raised.value.errors) == {"url", "event_types", "description"}
    assert "Use https" in raised.value.errors["url"][0]
    assert "order.exploded" in raised.value.errors["event_types"][0]
    assert (
        not WebhookEndpoint.objects.exists()
        and not OutboxEvent.objects.filter(topic__startswith="webhook").exists()
    )


def test_a_seller_endpoint_cannot_take_the_operators_events(receiver, seller, owner):
    with pytest.raises(InvalidInput) as raised:
        webhook_endpoint_create(
            seller_id=seller.pk, url=receiver.url, event_types=["seller.applied"], by=owner
        )
    assert "marketplace's only: seller.applied" in raised.value.errors["event_types"][0]
    with pytest.raises(InvalidInput) as raised:
        webhook_endpoint_create(seller_id=seller.pk, url=receiver.url, event_types=[], by=owner)
    assert raised.value.errors["event_types"] == ["Choose at least one event type."]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SHIPPING_CLERK, None])
def test_only_owners_manage_a_sellers_webhooks(receiver, seller, owner, role):
    user = make_staff_member(seller, role) if role else make_staff_member(make_seller(), Role.OWNER)
    endpoint = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=owner
    )

    with pytest.raises(PermissionDenied):
        webhook_endpoint_create(seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=user)
    with pytest.raises(PermissionDenied):
        webhook_endpoint_delete(endpoint_id=endpoint.pk, seller_id=seller.pk, by=user)
    with pytest.raises(PermissionDenied):
        webhook_endpoints_for(seller_id=seller.pk, by=user)
    assert WebhookEndpoint.objects.count() == 1


def test_another_owners_endpoint_and_delivery_are_not_found(receiver, seller, owner):
    endpoint = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=owner
    )
    queue_one(endpoint, event_type="order.placed")
    delivery = WebhookDelivery.objects.get()
    rival = make_seller()
    rival_owner = make_staff_member(rival, Role.OWNER)
    staff = make_user(is_staff=True)

    for seller_id, by in [(rival.pk, rival_owner), (None, staff)]:
        with pytest.raises(WebhookEndpointNotFound):
            webhook_endpoint_get(endpoint_id=endpoint.pk, seller_id=seller_id, by=by)
        with pytest.raises(WebhookEndpointNotFound):
            webhook_endpoint_set_active(endpoint_id=endpoint.pk, seller_id=seller_id, active=False, by=by)
        with pytest.raises(WebhookEndpointNotFound):
            webhook_endpoint_delete(endpoint_id=endpoint.pk, seller_id=seller_id, by=by)
        with pytest.raises(WebhookDeliveryNotFound):
            webhook_delivery_get(delivery_id=delivery.pk, seller_id=seller_id, by=by)
        with pytest.raises(WebhookDeliveryNotFound):
            webhook_delivery_redeliver(delivery_id=delivery.pk, seller_id=seller_id, by=by)
    assert WebhookEndpoint.objects.get().active
    assert webhook_deliveries_for(endpoint_id=endpoint.pk, seller_id=seller.pk, by=owner) == [delivery]
    # The operator reaches it from the dead-letter list only, on purpose.
    assert webhook_delivery_get(delivery_id=delivery.pk, seller_id=None, by=staff, any_owner=True) == delivery
    with pytest.raises(PermissionDenied):
        webhook_delivery_redeliver(delivery_id=delivery.pk, seller_id=None, by=owner, any_owner=True)
    with pytest.raises(PermissionDenied):
        webhook_dead_letters(by=owner)


def test_operator_endpoints_are_for_staff_only(receiver, owner):
    with pytest.raises(PermissionDenied):
        webhook_endpoint_create(seller_id=None, url=receiver.url, event_types=["seller.applied"], by=owner)
    staff = make_user(is_staff=True)
    endpoint = webhook_endpoint_create(
        seller_id=None, url=receiver.url, event_types=["seller.applied"], by=staff
    )
    assert endpoint.seller is None
    assert list(webhook_endpoints_for(seller_id=None, by=staff)) == [endpoint]


def test_pause_resume_and_delete_are_audited_and_retries_change_nothing(receiver, seller, owner):
    endpoint = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=owner
    )
    queue_one(endpoint, event_type="order.placed")

    for _ in range(2):
        webhook_endpoint_set_active(endpoint_id=endpoint.pk, seller_id=seller.pk, active=False, by=owner)
    webhook_endpoint_set_active(endpoint_id=endpoint.pk, seller_id=seller.pk, active=True, by=owner)
    webhook_endpoint_delete(endpoint_id=endpoint.pk, seller_id=seller.pk, by=owner)

    topics = list(
        OutboxEvent.objects.filter(topic__startswith="webhook_endpoint.").values_list("topic", flat=True)
    )
    assert topics == [f"webhook_endpoint.{verb}" for verb in ("created", "paused", "resumed", "deleted")]
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
