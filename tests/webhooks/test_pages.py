"""The webhook pages: the seller area (owners only) and the back office, with the test client."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from galerie.sellers.models import SellerMember
from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
from galerie.webhooks.sending import webhooks_send_due
from galerie.webhooks.services import webhook_endpoint_create
from tests.factories import make_seller, make_staff_member, make_user
from tests.webhooks.helpers import queue_one

pytestmark = pytest.mark.django_db
Role = SellerMember.Role
SELL = "/sell/webhooks/"
BACK = "/back-office/webhooks/"


@pytest.fixture
def seller():
    return make_seller()


@pytest.fixture
def owner(seller):
    return make_staff_member(seller, Role.OWNER)


def test_an_owner_subscribes_sees_the_secret_pauses_resumes_and_deletes(client, receiver, seller, owner):
    client.force_login(owner)
    page = client.get(SELL).content.decode()
    assert 'value="order.placed"' in page and 'value="seller.applied"' not in page  # the operator's only

    response = client.post(
        SELL, {"url": receiver.url, "description": "ERP", "event_types": ["order.placed", "payout.paid"]}
    )

    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response.url == f"{SELL}{endpoint.pk}/"
    assert (endpoint.seller, endpoint.event_types) == (seller, ["order.placed", "payout.paid"])
    detail = client.get(response.url)
    assert detail.status_code == 200 and "no-store" in detail["Cache-Control"]
    assert (
        endpoint.secret in detail.content.decode() and "The endpoint is subscribed" in detail.content.decode()
    )
    assert endpoint.secret not in client.get(SELL).content.decode()  # only on its own page

    client.post(f"{SELL}{endpoint.pk}/active/", {"active": "0"})
    assert not WebhookEndpoint.objects.get().active
    client.post(f"{SELL}{endpoint.pk}/active/", {"active": "1"})
    assert WebhookEndpoint.objects.get().active
    assert client.post(f"{SELL}{endpoint.pk}/delete/").url == SELL
    assert not WebhookEndpoint.objects.exists()


def test_a_refused_url_is_explained_on_the_form_and_nothing_is_created(client, seller, owner, settings):
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = []
    client.force_login(owner)

    response = client.post(SELL, {"url": "https://169.254.169.254/latest/", "event_types": ["order.placed"]})

    assert response.status_code == 400
    assert "link-local address" in response.content.decode()
    response = client.post(SELL, {"url": "https://example.com/hook"})
    assert response.status_code == 400 and "Choose at least one event type." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_shows_each_try_and_redelivers(
    client, receiver, seller, owner, django_assert_max_num_queries
):
    endpoint = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=owner
    )
    receiver.statuses = [500]
    for _ in range(12):
        queue_one(endpoint, event_type="order.placed")
    webhooks_send_due()
    client.force_login(owner)

    with django_assert_max_num_queries(12):
        page = client.get(f"{SELL}{endpoint.pk}/").content.decode()
    assert page.count("HTTP 500") == 1 and page.count("HTTP 200") == 11

    delivered = WebhookDelivery.objects.filter(status="delivered").first()
    response = client.post(reverse("seller_area:webhook_redeliver", kwargs={"delivery_id": delivered.pk}))
    assert response.status_code == 302
    again = WebhookDelivery.objects.get(pk=delivered.pk)
    assert again.status == "pending" and again.redelivered_by == owner


def test_another_sellers_endpoint_is_a_404_and_stays_as_it_was(client, receiver, seller, owner):
    endpoint = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=owner
    )
    queue_one(endpoint, event_type="order.placed")
    delivery = WebhookDelivery.objects.get()
    client.force_login(make_staff_member(make_seller(), Role.OWNER))

    assert client.get(f"{SELL}{endpoint.pk}/").status_code == 404
    assert client.post(f"{SELL}{endpoint.pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"{SELL}{endpoint.pk}/delete/").status_code == 404
    assert client.post(f"/sell/webhooks/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert endpoint.url not in client.get(SELL).content.decode()
    assert WebhookEndpoint.objects.get().active and WebhookDelivery.objects.get().redelivered_at is None


@pytest.mark.parametrize("role", [Role.SHIPPING_CLERK, Role.MANAGER])
def test_a_clerk_or_a_manager_is_refused(client, receiver, seller, owner, role):
    endpoint = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=owner
    )
    client.force_login(make_staff_member(seller, role))

    assert client.get(SELL).status_code == 403
    assert client.get(f"{SELL}{endpoint.pk}/").status_code == 403
    assert client.post(SELL, {"url": receiver.url, "event_types": ["order.placed"]}).status_code == 403
    assert client.post(f"{SELL}{endpoint.pk}/delete/").status_code == 403
    assert WebhookEndpoint.objects.count() == 1
    assert 'href="/sell/webhooks/"' not in client.get("/sell/").content.decode()


def test_the_back_office_manages_operator_endpoints_and_redelivers_any_dead_letter(
    client, receiver, seller, owner
):
    staff = make_user(is_staff=True)
    client.force_login(staff)
    assert 'href="/back-office/webhooks/"' in client.get(BACK).content.decode()

    response = client.post(BACK, {"url": receiver.url, "event_types": ["seller.applied", "order.placed"]})
    endpoint = WebhookEndpoint.objects.get(seller__isnull=True)
    assert (
        response.url == f"{BACK}{endpoint.pk}/"
        and endpoint.secret in client.get(response.url).content.decode()
    )

    sellers_endpoint = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=owner
    )
    queue_one(sellers_endpoint, event_type="order.placed")
    WebhookDelivery.objects.update(status="dead", attempts=9, last_error="connection refused")
    assert client.get(f"{BACK}{sellers_endpoint.pk}/").status_code == 404  # a seller's page is the seller's

    failed = client.get(f"{BACK}failed/").content.decode()
    assert seller.display_name in failed and "connection refused" in failed
    dead = WebhookDelivery.objects.get()
    response = client.post(f"{BACK}deliveries/{dead.pk}/redeliver/", {"next": "dead"})
    assert response.url == f"{BACK}failed/"
    assert WebhookDelivery.objects.get().status == "pending"
    assert webhooks_send_due().delivered == 1


def test_the_back_office_is_for_staff_only(client, owner):
    client.force_login(owner)
    assert client.get(BACK).status_code == 403
    assert client.get(f"{BACK}failed/").status_code == 403
    assert (
        client.post(BACK, {"url": "https://example.com/", "event_types": ["seller.applied"]}).status_code
        == 403
    )
    assert not WebhookEndpoint.objects.exists()


def test_the_pages_speak_french(client, receiver, seller, owner):
    endpoint = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["order.placed"], by=owner
    )
    queue_one(endpoint, event_type="order.placed")
    client.force_login(owner)
    with translation.override("fr"):
        headers = {"Accept-Language": "fr"}
        listing = client.get(SELL, headers=headers).content.decode()
        detail = client.get(f"{SELL}{endpoint.pk}/", headers=headers).content.decode()
    assert "Ajouter" in listing and "Une commande est passée" in listing
    assert "Secret de signature" in detail and "Envois" in detail
    for page in (listing, detail):
        assert not re.search(r">\s*(Add the endpoint|Signing secret|Deliveries|Pause|Delete)\s*<", page)
