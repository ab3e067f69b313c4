"""The registry classifies every field of every model; the erasure leaves no original value in a
field it declares erased or anonymised."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from galerie.privacy.registry import ERASED, POLICIES, T, unclassified_fields
from galerie.privacy.services import customer_erase
from tests.privacy.conftest import ORIGINALS


def test_every_field_of_every_model_is_classified():
    # given every concrete model of Galerie, auth, sessions and admin
    # when the registry is read against them
    missing = unclassified_fields()
    # then none is left out (a new field fails here by its name: app.Model.field)
    assert missing == [], "Classify in galerie/privacy/registry.py: " + ", ".join(missing)


def test_a_new_field_is_named_when_unclassified(monkeypatch):
    # given the registry without the order's e-mail field
    entry = POLICIES["orders.Order"]
    fields = {name: t for name, t in entry.fields.items() if name != "email"}
    monkeypatch.setitem(POLICIES, "orders.Order", type(entry)(**{**entry.__dict__, "fields": fields}))
    # then the coverage check names it
    assert unclassified_fields() == ["orders.Order.email"]


def test_every_policy_names_a_real_model_and_keep_has_years():
    for label, entry in POLICIES.items():
        apps.get_model(label)  # raises LookupError for a typo
        if T.KEEP in entry.fields.values():
            assert entry.keep_years, label
        if T.TRANSIENT in entry.fields.values():
            assert entry.retention, label


def _text_columns():
    for label, entry in POLICIES.items():
        model = apps.get_model(label)
        for field in model._meta.concrete_fields:
            if entry.fields.get(field.name) in ERASED and isinstance(
                field, (models.CharField, models.TextField, models.JSONField)
            ):
                yield model, field


@pytest.mark.django_db(transaction=True)
def test_after_erasure_no_erased_column_holds_an_original_value(world):
    # given the customer's data everywhere, found before the erasure in the erased columns
    def hits():
        found = []
        for model, field in _text_columns():
            for value in ORIGINALS:
                lookup = f"{field.name}__icontains"
                if isinstance(field, models.JSONField):
                    rows = [
                        v
                        for v in model._default_manager.values_list(field.name, flat=True)
                        if value in str(v)
                    ]
                else:
                    rows = list(model._default_manager.filter(**{lookup: value}).values_list("pk", flat=True))
                if rows:
                    found.append(f"{model._meta.label}.{field.name} holds {value!r}")
        return sorted(set(found))

    before = hits()
    for expected in ("accounts.User.email", "orders.Order.ship_name", "orders.Order.ship_line1",
                     "orders.Order.ship_phone", "messaging.Message.body", "incidents.Incident.description",
                     "returns.Return.defect_description", "checkout.CheckoutAttempt.address",
                     "reviews.Review.author_name", "reviews.RatingSummary.recent",
                     "notifications.SentEmail.recipient", "webhooks.WebhookDelivery.body"):  # fmt: skip
        assert any(hit.startswith(expected + " ") for hit in before), f"the test data misses {expected}"
    # when the customer is erased
    customer_erase(user_id=world.customer.pk, now=timezone.now(), by=world.customer)
    # then no such column holds the e-mail, name, phone or street any more
    assert hits() == []
