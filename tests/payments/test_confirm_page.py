"""The hosted confirmation page (3-D Secure-like), through Django's test client."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from galerie.core.models import OutboxEvent
from galerie.core.money import Money
from galerie.payments.models import PaymentEvent
from galerie.payments.selectors import payment_get_by_reference
from galerie.payments.services import payment_authorize, payment_refresh
from galerie.payments.testgateway.models import ProviderCharge
from tests.factories import make_storefront
from tests.payments.conftest import NEEDS_CONFIRMATION, RETURN_URL, authorize, card, deliver_all, new_key

pytestmark = pytest.mark.django_db


def test_the_customer_confirms_and_comes_back_to_the_shop(client):
    payment = authorize(NEEDS_CONFIRMATION, amount=12990)
    assert payment.status == "requires_action"
    url = reverse("payments:test_confirm", args=[payment.provider_reference])
    assert payment.action_url == url

    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.startswith("<!doctype html>")
    assert "Confirm your payment" in html and "€129.90" in html and "•••• 3220" in html
    assert 'value="confirm"' in html and 'value="cancel"' in html
    assert "4000000000003220" not in html.replace(" ", "")

    response = client.post(url, {"action": "confirm"})

    assert response.status_code == 302
    assert response["Location"] == f"{RETURN_URL}?payment={payment.provider_reference}"
    # The shop reads ?payment= and asks the gateway what happened.
    returned = payment_get_by_reference(reference=payment.provider_reference)
    assert returned.pk == payment.pk
    assert payment_refresh(payment_id=returned.pk).status == "authorized"
    deliver_all()  # the provider's "payment.authorized" webhook comes too: already recorded
    assert PaymentEvent.objects.get().result == "stale"
    assert OutboxEvent.objects.filter(topic="payment.authorized").count() == 1


def test_the_customer_cancels_and_the_payment_is_declined_by_webhook(client):
    payment = authorize(NEEDS_CONFIRMATION)
    url = reverse("payments:test_confirm", args=[payment.provider_reference])

    response = client.post(url, {"action": "cancel"})

    assert response["Location"].endswith(f"?payment={payment.provider_reference}")
    deliver_all()  # here the webhook arrives before the shop refreshes
    payment.refresh_from_db()
    assert (payment.status, payment.decline_code) == ("declined", "authentication_failed")
    assert payment.decline_message == "The payment was cancelled at the confirmation step."
    assert OutboxEvent.objects.filter(topic="payment.declined").count() == 1
    page = client.get(url).content.decode()
    assert "Payment not confirmed" in page and "Return to the shop" in page and "<form" not in page


def test_the_form_works_with_csrf_checks_on_like_a_browser():
    browser = Client(enforce_csrf_checks=True)
    payment = authorize(NEEDS_CONFIRMATION)
    page = browser.get(payment.action_url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    assert browser.post(payment.action_url, {"action": "confirm"}).status_code == 403
    response = browser.post(payment.action_url, {"action": "confirm", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert ProviderCharge.objects.get().status == "authorized"


def test_a_second_click_changes_nothing(client):
    payment = authorize(NEEDS_CONFIRMATION)
    url = reverse("payments:test_confirm", args=[payment.provider_reference])
    client.post(url, {"action": "confirm"})
    again = client.post(url, {"action": "cancel"})
    assert again.status_code == 302
    assert ProviderCharge.objects.get().status == "authorized"
    assert "Payment confirmed" in client.get(url).content.decode()


def test_an_existing_query_string_is_kept_on_the_way_back(client):
    payment = payment_authorize(
        amount=Money(500, "EUR"),
        payment_method=card(NEEDS_CONFIRMATION),
        idempotency_key=new_key(),
        return_url="/s/books/checkout/return/?step=pay&payment=old",
    )
    response = client.post(payment.action_url, {"action": "confirm"})
    assert response["Location"] == f"/s/books/checkout/return/?step=pay&payment={payment.provider_reference}"


def test_unknown_references_and_bad_actions(client):
    assert client.get(reverse("payments:test_confirm", args=["tch_nope"])).status_code == 404
    payment = authorize(NEEDS_CONFIRMATION)
    assert client.post(payment.action_url, {"action": "steal"}).status_code == 400
    assert ProviderCharge.objects.get().status == "requires_action"


def test_the_page_is_served_on_a_storefront_host_too(client, settings):
    settings.ALLOWED_HOSTS = ["books.example.test"]
    make_storefront(hosts=["books.example.test"])
    payment = authorize(NEEDS_CONFIRMATION)
    assert client.get(payment.action_url, HTTP_HOST="books.example.test").status_code == 200
