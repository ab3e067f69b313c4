"""Notice and action end to end on the services: notice (art. 16), decision and statement of
reasons (art. 17), complaint (art. 20), buyers informed (art. 32), transparency figures (art. 15)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from galerie.core.errors import InvalidInput, PermissionDenied
from galerie.notices.errors import (
    ComplaintSameReviewer,
    ComplaintTooLate,
    DecisionNotAllowed,
    NoticeAlreadyDecided,
    NoticeTargetNotFound,
)
from galerie.notices.models import Complaint, Decision, ImmutableError, Notice
from galerie.notices.selectors import notice_target_get
from galerie.notices.services import complaint_decide, complaint_lodge, notice_decide
from galerie.offers.models import Offer
from galerie.reviews.models import Review
from galerie.sellers.models import Seller
from tests.notices.conftest import DECISION, deliver_notice_events, report

pytestmark = pytest.mark.django_db(transaction=True)


# --- art. 16 -------------------------------------------------------------------------------------


def test_a_notice_is_recorded_with_its_deadline_and_the_notifier_gets_a_receipt(placed, smtp_inbox):
    # given an anonymous visitor's notice about seller A's book offer
    with time_machine.travel(datetime(2026, 12, 4, 18, 0, tzinfo=UTC), tick=False):
        notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    # then it is stored with its seller and a 7-day deadline
    assert notice.seller_id == placed.seller_a.pk and notice.offer_id == placed.book.pk
    assert notice.due_at == datetime(2026, 12, 11, 18, 0, tzinfo=UTC)
    # and the worker sends the receipt (art. 16(4)) over SMTP
    deliver_notice_events()
    [receipt] = smtp_inbox.to("nora@example.test")
    assert receipt["Subject"] == "We received your notice"
    assert "counterfeit" not in receipt.get_body(("plain",)).get_content()  # no echo of the text
    assert str(notice.uuid) in receipt.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("explanation", "  "),
        ("url", "not a url"),
        ("url", "javascript:alert(1)"),
        ("notifier_name", ""),
        ("notifier_email", ""),
        ("notifier_email", "nope@"),
        ("good_faith", False),
        ("category", "gossip"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(placed, field, value):
    with pytest.raises(InvalidInput) as error:
        report(placed.storefront, "offer", placed.book.uuid.hex, **{field: value})
    assert field in error.value.errors
    assert not Notice.objects.exists()


def test_csam_may_be_reported_without_name_or_email(placed):
    notice = report(
        placed.storefront, "product", placed.book.variant.product.slug,
        category="child_sexual_abuse", notifier_name="", notifier_email="",
    )  # fmt: skip
    assert notice.notifier_email == "" and (notice.due_at - notice.received_at) == timedelta(hours=24)


@pytest.mark.parametrize(
    ("kind", "ref"),
    [("offer", "0" * 32), ("offer", "garbage"), ("review", "x"), ("seller", "nobody"), ("spam", "")],
)
def test_a_target_not_shown_on_the_storefront_is_refused(placed, kind, ref):
    with pytest.raises(NoticeTargetNotFound):
        notice_target_get(storefront=placed.storefront, kind=kind, ref=ref)


# --- art. 17 -------------------------------------------------------------------------------------


def test_removing_an_offer_pauses_it_through_offers_and_sends_the_statement(placed, staff, smtp_inbox):
    # given a notice about seller A's book
    notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    # when staff decide to remove the offer
    [decision] = notice_decide(notice_id=notice.pk, by=staff, action="offer_removed", **DECISION)
    # then the offer is paused by the offers app (its history says so), the notice decided
    placed.book.refresh_from_db()
    assert placed.book.status == Offer.Status.PAUSED
    assert placed.book.changes.filter(field="status", to_value="paused").count() == 1
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DECIDED
    assert decision.seller_id == placed.seller_a.pk and decision.offer_ids == [placed.book.pk]
    assert decision.automated is False
    # and the statement holds every element of art. 17(3), e-mailed to the seller
    deliver_notice_events()
    [statement] = smtp_inbox.to(placed.seller_a.email)
    text = statement.get_body(("plain",)).get_content()
    # (in the storefront's language, French; the staff's own words as typed)
    for element in (
        "Offre retirée", "Every storefront, worldwide", "Indefinite", "fait suite à un signalement reçu",
        "could not show", "sans détection automatisée", "L. 716-9", "The goods are counterfeit",
        "réclamation interne", "extrajudiciaire", "tribunaux", "/sell/decisions/",
    ):  # fmt: skip
        assert element in text, element
    # and the notifier hears of the decision (art. 16(5)), with a link to contest it
    [outcome] = [m for m in smtp_inbox.to("nora@example.test") if "decision" in m["Subject"]]
    assert "/decisions/" in outcome.get_body(("plain",)).get_content()


def test_the_seller_may_not_resume_a_removed_offer_only_close_it(placed, staff):
    from galerie.offers.errors import OfferEditDenied
    from galerie.offers.services import offer_status_set

    notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    notice_decide(notice_id=notice.pk, by=staff, action="offer_removed", **DECISION)
    with pytest.raises(OfferEditDenied) as error:
        offer_status_set(offer_id=placed.book.pk, status="active", by=placed.owner_a)
    assert "Content decisions" in error.value.message
    placed.book.refresh_from_db()
    assert placed.book.status == Offer.Status.PAUSED
    assert placed.book.changes.filter(field="status").latest("id").reason == "dsa_removed"
    offer_status_set(offer_id=placed.book.pk, status="closed", by=placed.owner_a)


def test_a_statement_is_never_changed(placed, staff):
    notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    [decision] = notice_decide(notice_id=notice.pk, by=staff, action="no_action", **DECISION)
    decision.explanation = "rewritten"
    with pytest.raises(ImmutableError):
        decision.save()
    with pytest.raises(ImmutableError):
        decision.delete()
    assert Decision.objects.get().explanation == DECISION["explanation"]


def test_only_staff_decide_and_a_wrong_restriction_changes_nothing(placed, staff):
    notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    with pytest.raises(PermissionDenied):
        notice_decide(notice_id=notice.pk, by=placed.owner_a, action="offer_removed", **DECISION)
    with pytest.raises(InvalidInput) as error:
        notice_decide(notice_id=notice.pk, by=staff, action="review_hidden", **DECISION)
    assert "action" in error.value.errors
    with pytest.raises(InvalidInput) as error:
        notice_decide(
            notice_id=notice.pk,
            by=staff,
            action="offer_removed",
            **{**DECISION, "legal_ground": "", "terms_ground": ""},
        )
    assert "legal_ground" in error.value.errors
    placed.book.refresh_from_db()
    assert placed.book.status == Offer.Status.ACTIVE and not Decision.objects.exists()
    notice_decide(notice_id=notice.pk, by=staff, action="no_action", **DECISION)
    with pytest.raises(NoticeAlreadyDecided):
        notice_decide(notice_id=notice.pk, by=staff, action="no_action", **DECISION)


def test_a_product_removal_pauses_every_seller_offer_one_statement_each(placed, staff):
    from tests.factories import make_offer

    other = make_offer(seller=placed.seller_b, variant=placed.book.variant, price_minor=2100, stock=1)
    notice = report(placed.storefront, "product", placed.book.variant.product.slug)
    decisions = notice_decide(notice_id=notice.pk, by=staff, action="product_offers_removed", **DECISION)
    assert {(d.seller_id, tuple(d.offer_ids)) for d in decisions} == {
        (placed.seller_a.pk, (placed.book.pk,)),
        (placed.seller_b.pk, (other.pk,)),
    }
    assert set(Offer.objects.filter(variant=placed.book.variant).values_list("status", flat=True)) == {
        "paused"
    }


def test_hiding_a_review_goes_through_reviews_and_tells_its_author(reviewed, staff, smtp_inbox):
    notice = report(reviewed.storefront, "review", str(reviewed.review.uuid), category="illegal_speech")
    [decision] = notice_decide(
        notice_id=notice.pk, by=staff, action="review_hidden", **{**DECISION, "legal_ground": "Defamation"}
    )
    reviewed.review.refresh_from_db()
    assert reviewed.review.status == Review.Status.HIDDEN and decision.author_id == reviewed.customer.pk
    deliver_notice_events()
    assert len(smtp_inbox.to(reviewed.customer.email)) == 1
    assert not smtp_inbox.to(reviewed.seller_a.email)  # the seller is not the one restricted


def test_suspending_a_seller_goes_through_sellers(placed, staff):
    notice = report(placed.storefront, "seller", placed.seller_a.slug)
    notice_decide(notice_id=notice.pk, by=staff, action="seller_suspended", **DECISION)
    placed.seller_a.refresh_from_db()
    assert placed.seller_a.status == Seller.Status.SUSPENDED
    # its offers leave the storefront: a notice about one of them is refused
    with pytest.raises(NoticeTargetNotFound):
        report(placed.storefront, "offer", placed.book.uuid.hex)


def test_a_restriction_that_cannot_apply_is_refused_and_nothing_changes(placed, staff):
    notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    from galerie.offers.services import offer_status_set
    from tests.factories import TESTS

    offer_status_set(offer_id=placed.book.pk, status="closed", by=TESTS)
    with pytest.raises(DecisionNotAllowed):
        notice_decide(notice_id=notice.pk, by=staff, action="offer_removed", **DECISION)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.OPEN and not Decision.objects.exists()


# --- art. 20 -------------------------------------------------------------------------------------


def _decided_removal(placed, staff, at: datetime) -> Decision:
    notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    with time_machine.travel(at, tick=False):
        [decision] = notice_decide(notice_id=notice.pk, by=staff, action="offer_removed", **DECISION)
    return decision


def test_a_complaint_is_received_until_six_months_after_the_decision(placed, staff, settings):
    settings.TIME_ZONE = "Europe/Paris"
    decided = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    decision = _decided_removal(placed, staff, decided)
    # on the last moment (5 June 2027, 10:00 Paris = 08:00 UTC): received
    with time_machine.travel(datetime(2027, 6, 5, 8, 0, tzinfo=UTC), tick=False):
        complaint = complaint_lodge(
            decision_id=decision.pk, role="affected", text="Genuine.", by_user=placed.owner_a
        )
    assert complaint.email == placed.owner_a.email
    # a second later: refused with a clear message, nothing stored
    with (
        time_machine.travel(datetime(2027, 6, 5, 8, 0, 1, tzinfo=UTC), tick=False),
        pytest.raises(ComplaintTooLate) as error,
    ):
        complaint_lodge(decision_id=decision.pk, role="affected", text="Genuine.", by_user=placed.owner_a)
    assert "05/06/2027" in error.value.message and "out-of-court" in error.value.message
    assert Complaint.objects.count() == 1


def test_another_staff_member_reverses_and_the_offer_is_given_back(placed, staff, staff2, smtp_inbox):
    decision = _decided_removal(placed, staff, datetime.now(UTC))
    complaint = complaint_lodge(
        decision_id=decision.pk, role="affected", text="Genuine goods.", by_user=placed.owner_a
    )
    # the staff member who decided may not examine it while another can
    with pytest.raises(ComplaintSameReviewer):
        complaint_decide(complaint_id=complaint.pk, by=staff, reverse=True, reason="ok")
    complaint_decide(
        complaint_id=complaint.pk, by=staff2, reverse=True, reason="The invoices prove it genuine."
    )
    placed.book.refresh_from_db()
    assert placed.book.status == Offer.Status.ACTIVE
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.REVERSED and complaint.decided_by_id == staff2.pk
    deliver_notice_events()
    [outcome] = [m for m in smtp_inbox.to(placed.owner_a.email) if "réclamation" in m["Subject"]]
    assert "annulée" in outcome.get_body(("plain",)).get_content()


def test_reversing_a_review_hiding_and_a_suspension(reviewed, staff, staff2):
    review_notice = report(reviewed.storefront, "review", str(reviewed.review.uuid))
    [hidden] = notice_decide(notice_id=review_notice.pk, by=staff, action="review_hidden", **DECISION)
    seller_notice = report(reviewed.storefront, "seller", reviewed.seller_b.slug)
    [suspended] = notice_decide(notice_id=seller_notice.pk, by=staff, action="seller_suspended", **DECISION)
    for decision in (hidden, suspended):
        complaint = complaint_lodge(
            decision_id=decision.pk, role="affected", text="Wrong.", email="x@example.test"
        )
        complaint_decide(complaint_id=complaint.pk, by=staff2, reverse=True, reason="Right.")
    reviewed.review.refresh_from_db()
    reviewed.seller_b.refresh_from_db()
    assert reviewed.review.status == Review.Status.PUBLISHED
    assert reviewed.seller_b.status == Seller.Status.ACTIVE


def test_reversing_no_action_puts_the_notice_back_in_the_queue(placed, staff, staff2):
    notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    [decision] = notice_decide(notice_id=notice.pk, by=staff, action="no_action", **DECISION)
    complaint = complaint_lodge(decision_id=decision.pk, role="notifier", text="It is fake.")
    assert complaint.email == "nora@example.test"
    complaint_decide(complaint_id=complaint.pk, by=staff2, reverse=True, reason="Looked again.")
    notice.refresh_from_db()
    assert notice.status == Notice.Status.OPEN


# --- art. 32 -------------------------------------------------------------------------------------


def test_buyers_of_the_last_six_months_are_told_once_the_erased_not(placed, staff, smtp_inbox):
    from galerie.cart.services import cart_add
    from galerie.checkout.services import checkout_place_order
    from galerie.orders.models import Order
    from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
    from tests.factories import make_user

    def buy(customer, at: datetime) -> None:
        cart = cart_add(
            storefront=placed.storefront, cart=None, customer=customer, offer_id=placed.book.pk, quantity=1
        )
        order = checkout_place_order(
            storefront=placed.storefront, cart=cart, customer=customer, address=ADDRESS,
            payment_method=SUCCESS, idempotency_key=new_key(), return_url="http://testserver/r/",
        ).order  # fmt: skip
        Order.objects.filter(pk=order.pk).update(placed_at=at)

    decided = datetime.now(UTC)
    notice = report(placed.storefront, "offer", placed.book.uuid.hex)  # before it sells out
    # given: the fixture's customer bought twice (once more now), one buyer long ago, one erased
    buy(placed.customer, decided - timedelta(days=3))
    old, erased = make_user(), make_user()
    buy(old, decided - timedelta(days=200))
    buy(erased, decided - timedelta(days=10))
    type(erased).objects.filter(pk=erased.pk).update(is_active=False)
    # when the offer is removed as illegal
    with time_machine.travel(decided, tick=False):
        notice_decide(notice_id=notice.pk, by=staff, action="offer_removed", **DECISION)
    deliver_notice_events()
    deliver_notice_events()  # the worker again: nothing sent twice
    # then the recent active buyer is told once, with the seller's identity and redress
    [told] = [m for m in smtp_inbox.to(placed.customer.email) if "retiré" in m["Subject"]]
    text = told.get_body(("plain",)).get_content()
    assert placed.seller_a.display_name in text and placed.seller_a.legal_name in text and "médiateur" in text
    assert not smtp_inbox.to(old.email) and not smtp_inbox.to(erased.email)


def test_a_terms_only_removal_is_not_an_illegal_product_buyers_are_not_told(placed, staff, smtp_inbox):
    notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    notice_decide(
        notice_id=notice.pk, by=staff, action="offer_removed",
        **{**DECISION, "legal_ground": "", "terms_ground": "Terms, art. 4: no replicas."},
    )  # fmt: skip
    deliver_notice_events()
    assert not smtp_inbox.to(placed.customer.email)


# --- art. 15 / 24 --------------------------------------------------------------------------------


def test_the_transparency_report_counts_the_year(placed, staff, staff2):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        first = report(placed.storefront, "offer", placed.book.uuid.hex)
        second = report(placed.storefront, "seller", placed.seller_b.slug, category="unsafe_products")
    with time_machine.travel(datetime(2026, 3, 2, 19, 0, tzinfo=UTC), tick=False):
        [removal] = notice_decide(notice_id=first.pk, by=staff, action="offer_removed", **DECISION)
    with time_machine.travel(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        notice_decide(notice_id=second.pk, by=staff, action="seller_suspended", **DECISION)
        complaint = complaint_lodge(
            decision_id=removal.pk, role="affected", text="No.", email="a@example.test"
        )
        complaint_decide(complaint_id=complaint.pk, by=staff2, reverse=True, reason="Yes.")
    with time_machine.travel(datetime(2027, 1, 2, 9, 0, tzinfo=UTC), tick=False):
        report(placed.storefront, "offer", placed.record.uuid.hex)  # another year
    out = StringIO()
    call_command("report", "dsa", "--year", "2026", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["notices_received"] == 2
    assert figures["notices_per_category"]["scams_and_fraud"] == 1
    assert figures["notices_per_category"]["unsafe_products"] == 1
    assert figures["actions_per_kind"]["offer_removed"] == 1
    assert figures["median_hours_to_decision"] == 17.0  # 10 h and 24 h
    assert (figures["complaints_received"], figures["complaints_reversed"]) == (1, 1)
    assert (figures["suspensions"], figures["automated_decisions"]) == (1, 0)
    table = StringIO()
    call_command("report", "dsa", "--year", "2026", stdout=table)
    lines = table.getvalue().splitlines()
    assert lines[0] == "DSA transparency report 2026"
    assert [line.split() for line in lines if line.startswith("Median")] == [
        ["Median", "time", "to", "decision", "(hours)", "17.0"]
    ]


# --- the deadline's job --------------------------------------------------------------------------


def test_the_job_alerts_the_operator_once_per_overdue_notice(placed, staff, smtp_inbox):
    from galerie.notices.jobs import overdue

    with time_machine.travel(datetime(2026, 12, 4, 18, 0, tzinfo=UTC), tick=False):
        csam = report(placed.storefront, "offer", placed.book.uuid.hex, category="child_sexual_abuse")
        later = report(placed.storefront, "offer", placed.record.uuid.hex)
    # a second before the 24 hours: nothing; after: the CSAM notice only, once
    with time_machine.travel(datetime(2026, 12, 5, 17, 59, 59, tzinfo=UTC), tick=False):
        assert overdue() == 0
    with time_machine.travel(datetime(2026, 12, 5, 18, 0, 1, tzinfo=UTC), tick=False):
        assert overdue() == 1
        assert overdue() == 0
    deliver_notice_events()
    [alert] = [m for m in smtp_inbox.to(staff.email)]
    assert f"/back-office/notices/{csam.uuid}/" in alert.get_body(("plain",)).get_content()
    later.refresh_from_db()
    assert later.overdue_alerted_at is None


def test_when_the_decider_is_the_only_staff_member_they_examine_the_complaint(placed, staff):
    decision = _decided_removal(placed, staff, datetime.now(UTC))
    complaint = complaint_lodge(decision_id=decision.pk, role="affected", text="No.", by_user=placed.owner_a)
    complaint_decide(complaint_id=complaint.pk, by=staff, reverse=False, reason="The goods are fake.")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.UPHELD
    placed.book.refresh_from_db()
    assert placed.book.status == Offer.Status.PAUSED  # upheld: the restriction stays
    with pytest.raises(PermissionDenied):
        complaint_decide(complaint_id=complaint.pk, by=placed.owner_a, reverse=True, reason="x")
