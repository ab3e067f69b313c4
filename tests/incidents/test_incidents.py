"""Incidents end to end in the services: who may open what when, the seller's deadline and its
job, the refunds agreed (from the seller's part, or paid by the operator and charged to the
seller), the ledger after each, and the e-mails through a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum

from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.core.models import OutboxEvent, StatusChange
from galerie.incidents.errors import IncidentNotAllowed, IncidentNotFound, IncidentRefundTooLarge
from galerie.incidents.handlers import HANDLERS
from galerie.incidents.jobs import answer_deadline
from galerie.incidents.models import Incident
from galerie.incidents.rules import expected_delivery
from galerie.incidents.services import (
    incident_accept,
    incident_answer,
    incident_decide,
    incident_escalate,
    incident_open,
    incidents_escalate_overdue,
)
from galerie.ledger.models import AccountKind, JournalEntry, JournalLine
from galerie.ledger.selectors import seller_position, unbalanced_entry_ids
from galerie.orders.models import SellerOrder
from galerie.payments.models import Refund
from tests.factories import make_user
from tests.incidents.conftest import png, settle

pytestmark = pytest.mark.django_db(transaction=True)
Status = Incident.Status


def deliver_incident_events() -> None:
    for event in OutboxEvent.objects.filter(topic__startswith="incident.").order_by("id"):
        for handler in HANDLERS.get(event.topic, []):
            handler(event)


def ledger_balanced() -> None:
    assert unbalanced_entry_ids() == []
    totals = JournalLine.objects.aggregate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    assert totals["d"] == totals["c"]


def test_not_received_opens_only_once_the_parcel_is_late(sale):
    due = expected_delivery(seller_order=sale.part_a)
    assert due == sale.part_a.shipped_at + timedelta(days=sale.part_a.delivery_days_max)
    with pytest.raises(IncidentNotAllowed):
        incident_open(seller_order_id=sale.part_a.pk, customer=sale.customer, kind="not_received",
                      description="Nothing came", now=due - timedelta(seconds=1))  # fmt: skip
    with pytest.raises(IncidentNotAllowed):  # seller B's part is not even accepted
        incident_open(seller_order_id=sale.part_b.pk, customer=sale.customer, kind="damaged",
                      description="?", now=due)  # fmt: skip
    assert not Incident.objects.exists()
    incident = incident_open(
        seller_order_id=sale.part_a.pk,
        customer=sale.customer,
        kind="not_received",
        description="Nothing",
        now=due,
    )
    assert incident.answer_due_at == due + timedelta(hours=48)
    with pytest.raises(IncidentNotAllowed):  # one incident under way per parcel
        incident_open(seller_order_id=sale.part_a.pk, customer=sale.customer, kind="damaged",
                      description="Also broken", now=due)  # fmt: skip


def test_another_customer_cannot_open_and_a_fake_picture_is_refused(sale):
    with pytest.raises(IncidentNotFound):
        incident_open(seller_order_id=sale.part_a.pk, customer=make_user(), kind="damaged", description="x")
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile(
        "photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
    )
    with pytest.raises(InvalidInput) as refused:
        incident_open(seller_order_id=sale.part_a.pk, customer=sale.customer, kind="damaged",
                      description="Broken", photos=[fake])  # fmt: skip
    assert "photos" in refused.value.errors
    assert not Incident.objects.exists()


def test_the_seller_answers_the_customer_accepts_and_the_seller_part_refunds(sale, smtp_inbox):
    incident = incident_open(seller_order_id=sale.part_a.pk, customer=sale.customer, kind="damaged",
                             description="The cover is torn", photos=[png()])  # fmt: skip
    [photo] = incident.photos.all()
    assert photo.content_type == "image/png" and photo.file.storage.exists(photo.file.name)
    with pytest.raises(IncidentNotFound):  # seller B's owner: not its incident
        incident_answer(incident_id=incident.pk, acting_user=sale.owner_b, proposal="rejected", answer="No")
    incident_answer(incident_id=incident.pk, acting_user=sale.owner_a, proposal="refund_partial",
                    amount_minor=1000, answer="Sorry: half the books back")  # fmt: skip
    incident = incident_accept(incident_id=incident.pk, customer=sale.customer)
    assert incident.status == Status.RESOLVED and incident.resolved_at is not None
    refund = Refund.objects.get(pk=incident.refund_id)
    assert refund.idempotency_key == f"seller-order-{sale.part_a.uuid.hex}-incident-{incident.pk}"
    assert refund.amount_minor == 1000
    assert SellerOrder.objects.get(pk=sale.part_a.pk).refunded_minor == 1000
    pending_before = seller_position(seller_id=sale.part_a.seller_id, currency="EUR")["pending"]
    settle()
    entry = JournalEntry.objects.get(idempotency_key=f"refund:{refund.pk}")
    lines = entry.lines.filter(account__seller_id=sale.part_a.seller_id)
    assert sum(line.debit_minor for line in lines) > 0
    pending_after = seller_position(seller_id=sale.part_a.seller_id, currency="EUR")["pending"]
    assert pending_before - pending_after == 1000  # no commission plan here: all of it from the seller
    ledger_balanced()

    deliver_incident_events()
    deliver_incident_events()  # delivered twice: each e-mail once
    seller_mails = smtp_inbox.to(sale.part_a.seller.email)
    customer_mails = smtp_inbox.to(sale.order.email)
    assert len(seller_mails) == 2 and len(customer_mails) == 1  # opened + resolved; answered
    for mail in seller_mails:
        assert sale.order.email not in mail.as_string()
    assert sale.part_a.seller.email not in customer_mails[0].as_string()
    assert "Sorry: half the books back" in customer_mails[0].get_body(preferencelist=("plain",)).get_content()


def test_escalation_comes_only_after_the_deadline_or_the_answer_and_the_job_takes_now(sale):
    incident = incident_open(seller_order_id=sale.part_a.pk, customer=sale.customer, kind="wrong_item",
                             description="A lamp instead of books")  # fmt: skip
    with pytest.raises(IncidentNotAllowed):
        incident_escalate(
            incident_id=incident.pk, customer=sale.customer, now=incident.answer_due_at - timedelta(seconds=1)
        )
    assert incidents_escalate_overdue(now=incident.answer_due_at - timedelta(seconds=1)) == 0
    assert incidents_escalate_overdue(now=incident.answer_due_at) == 1
    assert incidents_escalate_overdue(now=incident.answer_due_at + timedelta(days=3)) == 0
    incident.refresh_from_db()
    assert (incident.status, incident.escalated_by, incident.escalated_at) == (
        Status.ESCALATED, "deadline", incident.answer_due_at
    )  # fmt: skip
    change = StatusChange.objects.get(object_pk=str(incident.pk), to_status="escalated")
    assert change.actor_id is None
    with pytest.raises(InvalidTransition):  # too late for the seller
        incident_answer(incident_id=incident.pk, acting_user=sale.owner_a, proposal="replacement", answer="")
    assert answer_deadline() == 0


def test_each_storefront_sets_its_own_deadline(sale):
    sale.storefront.incident_answer_hours = 2
    sale.storefront.save(update_fields=["incident_answer_hours"])
    incident = incident_open(
        seller_order_id=sale.part_a.pk, customer=sale.customer, kind="damaged", description="x"
    )
    assert incident.answer_due_at == incident.opened_at + timedelta(hours=2)


def test_the_operator_pays_the_refund_and_charges_the_seller(sale, operator, smtp_inbox):
    incident = incident_open(seller_order_id=sale.part_a.pk, customer=sale.customer, kind="damaged",
                             description="Broken", photos=[png()])  # fmt: skip
    incident_answer(
        incident_id=incident.pk, acting_user=sale.owner_a, proposal="rejected", answer="It was fine"
    )
    incident_escalate(incident_id=incident.pk, customer=sale.customer, note="Look at the photo")
    left = sale.part_a.total_minor
    with pytest.raises(IncidentRefundTooLarge):
        incident_decide(incident_id=incident.pk, operator=operator, decision="refund_operator",
                        amount_minor=left + 1, reason="")  # fmt: skip
    assert Incident.objects.get(pk=incident.pk).status == Status.ESCALATED
    assert SellerOrder.objects.get(pk=sale.part_a.pk).refunded_minor == 0
    with pytest.raises(IncidentNotFound):  # not operator staff
        incident_decide(incident_id=incident.pk, operator=sale.owner_a, decision="rejected", reason="no")

    position = seller_position(seller_id=sale.part_a.seller_id, currency="EUR")
    incident = incident_decide(incident_id=incident.pk, operator=operator, decision="refund_operator",
                               amount_minor=left, reason="The photo shows the damage")  # fmt: skip
    assert incident.status == Status.CLOSED and incident.closed_at is not None
    refund = Refund.objects.get(pk=incident.refund_id)
    assert refund.idempotency_key.startswith(f"operator-paid-seller-order-{sale.part_a.uuid.hex}-")
    settle()
    paid = JournalEntry.objects.get(idempotency_key=f"refund:{refund.pk}")
    assert {(line.account.kind, line.debit_minor, line.credit_minor) for line in paid.lines.all()} == {
        (AccountKind.OPERATOR_GOODWILL, left, 0),
        (AccountKind.GATEWAY_RECEIVABLE, 0, left),
    }
    charge = JournalEntry.objects.get(idempotency_key=f"seller-charge:{refund.pk}")
    assert charge.kind == JournalEntry.Kind.SELLER_CHARGE
    goodwill = JournalLine.objects.filter(account__kind=AccountKind.OPERATOR_GOODWILL).aggregate(
        d=Sum("debit_minor"), c=Sum("credit_minor")
    )
    assert goodwill["d"] == goodwill["c"] == left  # recovered in full from the seller's part
    after = seller_position(seller_id=sale.part_a.seller_id, currency="EUR")
    assert after["pending"] == 0 < position["pending"]  # the whole part: nothing left to the seller
    ledger_balanced()
    settle()  # the refund's event again: nothing posted twice
    assert JournalEntry.objects.filter(idempotency_key__endswith=f":{refund.pk}").count() == 2

    deliver_incident_events()
    assert len(smtp_inbox.to("operator@example.test")) == 1  # the escalation
    decided = [
        m
        for m in smtp_inbox.to(sale.order.email)
        if "The photo shows the damage" in m.get_body(preferencelist=("plain",)).get_content()
    ]
    assert len(decided) == 1
