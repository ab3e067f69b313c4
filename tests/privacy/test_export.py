"""The export holds every model the registry ties to the customer, and only theirs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from galerie.privacy.registry import POLICIES
from galerie.privacy.selectors import customer_export
from tests.privacy.conftest import EMAIL, NAME, PHONE, STREET

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_export_has_every_model_holding_the_customers_data(world):
    # when the customer's data is exported
    document = customer_export(user=world.customer, now=NOW)
    # then every model with customer rows appears, with their rows
    assert document["format"] == "galerie-personal-data/1"
    assert document["account"]["email"] == EMAIL and document["account"]["full_name"] == NAME
    assert "password" not in document["account"]
    expected = {label for label, entry in POLICIES.items() if entry.subject is not None} - {"accounts.User"}
    assert set(document["data"]) == expected
    with_rows = (
        "orders.Order orders.SellerOrder orders.OrderLine payments.Payment reviews.Review messaging.Thread"
        " messaging.Message incidents.Incident incidents.IncidentPhoto returns.Return returns.ReturnLine"
        " cart.Cart cart.CartLine checkout.CheckoutAttempt notifications.SentEmail webhooks.WebhookDelivery"
    )
    for label in with_rows.split():
        assert document["data"][label], f"{label}: no row exported"
    order = document["data"]["orders.Order"][0]
    assert (order["ship_line1"], order["ship_phone"]) == (STREET, PHONE)
    assert len(document["data"]["orders.OrderLine"]) == 2
    # and nothing of another customer, nor a credential
    text = json.dumps(document, default=str)
    assert world.other.email not in text and "key_hash" not in text


def test_the_command_writes_the_export(world, tmp_path):
    target = tmp_path / "ann.json"
    call_command("privacy", "export", "--email", EMAIL.upper(), "--output", str(target))
    assert json.loads(target.read_text())["account"]["email"] == EMAIL
    with pytest.raises(CommandError, match=r"nobody@example\.test"):
        call_command("privacy", "export", "--email", "nobody@example.test")


def test_the_export_takes_one_query_per_model(world, django_assert_max_num_queries):
    models_with_rows = sum(1 for entry in POLICIES.values() if entry.subject is not None)
    with django_assert_max_num_queries(models_with_rows + 1):  # + the order numbers (webhook bodies)
        customer_export(user=world.customer, now=NOW)
