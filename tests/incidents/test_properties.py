"""Hypothesis: the incident machine never moves outside TRANSITIONS and escalates only after the
seller's answer or its deadline; refunds agreed on one seller order, from the seller's part or
paid by the operator, never pass what was paid, and the ledger stays balanced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.core.errors import DomainError
from galerie.core.models import StatusChange
from galerie.incidents.models import Incident
from galerie.incidents.services import (
    incident_accept,
    incident_answer,
    incident_decide,
    incident_escalate,
    incident_open,
    incidents_escalate_overdue,
)
from galerie.ledger.models import AccountKind, JournalLine
from galerie.ledger.selectors import unbalanced_entry_ids
from galerie.orders.models import SellerOrder
from galerie.payments.models import Refund
from tests.factories import make_user
from tests.incidents.conftest import make_sale, settle

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["answer", "accept", "escalate", "job", "decide"]),
        st.integers(min_value=0, max_value=100),  # hours since the incident was opened
        st.sampled_from(["replacement", "rejected", "return_needed"]),
    ),
    max_size=8,
)


@pytest.mark.django_db(transaction=True)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_machine_keeps_to_its_table_and_its_deadline(steps):
    sale = make_sale()
    operator = make_user(is_staff=True)
    incident = incident_open(
        seller_order_id=sale.part_a.pk, customer=sale.customer, kind="damaged", description="x"
    )
    opened, due = incident.opened_at, incident.answer_due_at
    for action, hours, proposal in steps:
        now = opened + timedelta(hours=hours)
        before = Incident.objects.get(pk=incident.pk)
        try:
            if action == "answer":
                incident_answer(incident_id=incident.pk, acting_user=sale.owner_a, proposal=proposal,
                                answer="because", now=now)  # fmt: skip
            elif action == "accept":
                incident_accept(incident_id=incident.pk, customer=sale.customer, now=now)
            elif action == "escalate":
                incident_escalate(incident_id=incident.pk, customer=sale.customer, now=now)
            elif action == "job":
                incidents_escalate_overdue(now=now)
            else:
                incident_decide(
                    incident_id=incident.pk, operator=operator, decision="rejected", reason="no", now=now
                )
        except DomainError:
            pass
        after = Incident.objects.get(pk=incident.pk)
        if after.status != before.status:
            assert after.status in Incident.TRANSITIONS[before.status] or (
                # a rejection decides and closes in one request
                (before.status, after.status) == ("escalated", "closed")
            )
        if after.status == "escalated" and before.status != "escalated":
            assert before.status == "answered" or now >= due
    history = StatusChange.objects.filter(model="incidents.Incident", object_pk=str(incident.pk)).order_by(
        "id"
    )
    for change in history:
        assert change.to_status in Incident.TRANSITIONS[change.from_status]


@pytest.mark.django_db(transaction=True)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    refunds=st.lists(
        st.tuples(
            st.sampled_from(["seller", "operator", "accepted"]), st.integers(min_value=1, max_value=6000)
        ),
        min_size=1,
        max_size=4,
    )
)
def test_incident_refunds_never_pass_what_was_paid_and_the_books_balance(refunds):
    sale = make_sale()
    operator = make_user(is_staff=True)
    total = sale.part_a.total_minor
    for route, amount in refunds:
        incident = incident_open(seller_order_id=sale.part_a.pk, customer=sale.customer, kind="damaged",
                                 description="again")  # fmt: skip
        try:
            if route == "accepted":
                incident_answer(incident_id=incident.pk, acting_user=sale.owner_a, proposal="refund_partial",
                                amount_minor=amount, answer="part")  # fmt: skip
                incident_accept(incident_id=incident.pk, customer=sale.customer)
            else:
                incident_answer(
                    incident_id=incident.pk, acting_user=sale.owner_a, proposal="rejected", answer="no"
                )
                incident_escalate(incident_id=incident.pk, customer=sale.customer)
                decision = "refund_seller" if route == "seller" else "refund_operator"
                incident_decide(incident_id=incident.pk, operator=operator, decision=decision,
                                amount_minor=amount, reason="")  # fmt: skip
        except DomainError:
            incident = Incident.objects.get(pk=incident.pk)
            if incident.status in Incident.UNSETTLED:  # refused: close it so the next can open
                Incident.objects.filter(pk=incident.pk).update(status="closed")
        settle()
        part = SellerOrder.objects.get(pk=sale.part_a.pk)
        refunded = (
            Refund.objects.filter(payment_id=sale.order.payment_id).aggregate(s=Sum("amount_minor"))["s"] or 0
        )
        assert refunded == part.refunded_minor <= total
        assert unbalanced_entry_ids() == []
        lines = JournalLine.objects.aggregate(d=Sum("debit_minor"), c=Sum("credit_minor"))
        assert lines["d"] == lines["c"]
        goodwill = JournalLine.objects.filter(account__kind=AccountKind.OPERATOR_GOODWILL).aggregate(
            d=Sum("debit_minor"), c=Sum("credit_minor")
        )
        assert (goodwill["d"] or 0) == (goodwill["c"] or 0)  # every operator-paid refund charged in full
    # Seller B's part is never touched by A's incidents.
    b_lines = JournalLine.objects.filter(
        seller_order_id=sale.part_b.pk, account__kind=AccountKind.SELLER_PAYABLE
    )
    assert sum(line.credit_minor - line.debit_minor for line in b_lines) > 0
