"""Sellers' complaints (P2B art. 11): filed from the seller area, queued in the back office with
their age, answered (the answer e-mailed), and counted in ``galerie report p2b``."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from galerie.core.errors import InvalidInput
from galerie.terms.errors import ComplaintAnswered
from galerie.terms.models import SellerComplaint
from galerie.terms.selectors import p2b_report
from galerie.terms.services import complaint_answer, complaint_file
from tests.terms.conftest import NOW, deliver, mails, text

pytestmark = pytest.mark.django_db
TEXT = "My shop was suspended although the reported watch is genuine: here is the invoice."


def test_a_complaint_without_text_is_refused_and_nothing_is_saved(market):
    with pytest.raises(InvalidInput) as caught:
        complaint_file(
            seller=market.sellers[0], kind="nonsense", subject=" ", text="short", by=market.owners[0]
        )
    assert set(caught.value.errors) == {"kind", "subject", "text"}
    assert not SellerComplaint.objects.exists()


def test_the_complaint_lifecycle_from_the_seller_area_to_the_answer_e_mailed(market, client, smtp_inbox):
    # given an owner files a complaint from its seller area
    client.force_login(market.owners[0])
    response = client.post(
        "/sell/complaints/new/", {"kind": "decision", "subject": "Suspension", "text": TEXT}
    )
    assert response.status_code == 302
    complaint = SellerComplaint.objects.get()
    assert (complaint.seller, complaint.filed_by, complaint.status) == (
        market.sellers[0],
        market.owners[0],
        "received",
    )
    # then the operator sees it in the queue, unanswered, with its age
    client.force_login(market.operator)
    queue = client.get("/back-office/complaints/").content.decode()
    assert "Suspension" in queue and "Received" in queue
    # when the operator answers
    response = client.post(
        f"/back-office/complaints/{complaint.pk}/",
        {"outcome": "upheld", "answer": "You are right: the suspension is lifted today."},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome, complaint.answered_by) == (
        "answered",
        "upheld",
        market.operator,
    )
    # then the seller is e-mailed the answer, and reads it in its area
    deliver()
    (answer,) = mails(smtp_inbox, "shop0@seller.test", "complaint_answered")
    assert "the suspension is lifted today" in text(answer) and "Upheld" in text(answer)
    client.force_login(market.owners[0])
    assert (
        "the suspension is lifted today" in client.get(f"/sell/complaints/{complaint.pk}/").content.decode()
    )
    # and it cannot be answered twice
    with pytest.raises(ComplaintAnswered):
        complaint_answer(
            complaint_id=complaint.pk,
            answer="Another answer, long enough.",
            outcome="rejected",
            by=market.operator,
        )


def test_the_yearly_report_counts_types_outcomes_and_the_average_time(market):
    seller, owner, staff = market.sellers[0], market.owners[0], market.operator
    filed = [
        complaint_file(
            seller=seller, kind=kind, subject=f"S{n}", text=TEXT, by=owner, now=NOW + timedelta(days=n)
        )
        for n, kind in enumerate(["decision", "decision", "technical"])
    ]
    complaint_answer(
        complaint_id=filed[0].pk,
        answer="Upheld after review.",
        outcome="upheld",
        by=staff,
        now=NOW + timedelta(days=2),
    )
    complaint_answer(
        complaint_id=filed[1].pk,
        answer="Not upheld after review.",
        outcome="rejected",
        by=staff,
        now=NOW + timedelta(days=5),
    )
    complaint_file(
        seller=seller, kind="other", subject="Last year", text=TEXT, by=owner, now=NOW - timedelta(days=365)
    )
    report = p2b_report(year=2026)
    assert report.as_dict() == {
        "year": 2026,
        "received": 3,
        "answered": 2,
        "open": 1,
        "by_kind": {"decision": 2, "technical": 1},
        "by_outcome": {"upheld": 1, "rejected": 1},
        "average_days_to_answer": 3.0,  # (2 + 4) / 2
    }
    out = StringIO()
    call_command("report", "p2b", "--year", "2026", "--json", stdout=out)
    assert json.loads(out.getvalue()) == report.as_dict()
    out = StringIO()
    call_command("report", "p2b", "--year", "2026", stdout=out)
    table = out.getvalue()
    assert "Received" in table and "3.0 days" in table and "A technical problem" in table
