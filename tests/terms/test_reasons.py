"""Statement of reasons and notice (P2B art. 4): a suspension or termination without its facts
and ground is refused and changes nothing; a termination takes effect 30 days after the notice
(the periodic job applies it) unless an art. 4(4) exception."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent, StatusChange
from galerie.offers.models import Offer
from galerie.sellers.jobs import terminations_due
from galerie.sellers.models import Seller, SellerTermination
from galerie.sellers.services import seller_close, seller_suspend, seller_terminations_apply
from tests.factories import make_offer
from tests.ledger.payout_helpers import fund
from tests.terms.conftest import NOW, deliver, mails, text

pytestmark = pytest.mark.django_db
FACTS = "Three buyers reported counterfeit watches on orders 1041, 1042 and 1050."


@pytest.mark.parametrize(
    ("reason", "ground", "fields"),
    [
        ("", "Terms §7", ["reason"]),
        ("Complaints", "Terms §7", ["reason"]),
        (FACTS, " ", ["ground"]),
        ("", "", ["reason", "ground"]),
    ],
)
def test_a_suspension_without_a_full_statement_is_refused_and_nothing_changes(market, reason, ground, fields):
    seller = market.sellers[0]
    events = OutboxEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        seller_suspend(seller_id=seller.pk, reason=reason, ground=ground, by=market.operator)
    assert list(caught.value.errors) == fields
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    assert not StatusChange.objects.filter(to_status="suspended").exists()
    assert OutboxEvent.objects.count() == events


def test_a_termination_without_a_statement_is_refused_and_nothing_changes(market):
    seller = market.sellers[0]
    with pytest.raises(InvalidInput) as caught:
        seller_close(seller_id=seller.pk, reason="Bye.", by=market.operator, now=NOW)
    assert set(caught.value.errors) == {"reason", "ground"}
    assert not SellerTermination.objects.exists()


def test_a_termination_takes_effect_30_days_after_the_notice(market, smtp_inbox):
    seller = market.sellers[0]
    offer = make_offer(seller=seller)
    # when the operator terminates with a statement of reasons
    seller_close(seller_id=seller.pk, reason=FACTS, ground="Terms §7.2", by=market.operator, now=NOW)
    seller_close(seller_id=seller.pk, reason=FACTS, ground="Terms §7.2", by=market.operator, now=NOW)  # retry
    # then the seller is told the facts, the ground and the date, and still sells
    termination = SellerTermination.objects.get(seller=seller)
    assert termination.effective_at == NOW + timedelta(days=30)
    deliver()
    (notice,) = mails(smtp_inbox, "shop0@seller.test", "seller_termination_notified")
    assert FACTS in text(notice) and "Terms §7.2" in text(notice) and "30 days" in text(notice)
    assert "/sell/complaints/" in text(notice)
    assert seller_terminations_apply(now=NOW + timedelta(days=29, hours=23)) == 0
    assert Seller.objects.get(pk=seller.pk).status == Seller.Status.ACTIVE
    # when the 30 days have run, the periodic job closes it, once
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        assert terminations_due() == 1
        assert terminations_due() == 0
    assert Seller.objects.get(pk=seller.pk).status == Seller.Status.CLOSED
    assert Offer.objects.get(pk=offer.pk).status == "closed"
    termination.refresh_from_db()
    assert termination.status == "done" and termination.closed_at == NOW + timedelta(days=30)


def test_a_due_termination_waits_while_money_is_owed(market):
    seller = market.sellers[1]
    seller_close(seller_id=seller.pk, reason=FACTS, ground="Terms §7.2", now=NOW)
    fund(seller.pk, 500)
    assert seller_terminations_apply(now=NOW + timedelta(days=31)) == 0
    assert SellerTermination.objects.get(seller=seller).status == "scheduled"
    assert Seller.objects.get(pk=seller.pk).status == Seller.Status.ACTIVE


def test_repeated_infringement_closes_at_once_only_with_its_reason(market):
    seller = market.sellers[2]
    with pytest.raises(InvalidInput) as caught:
        seller_close(
            seller_id=seller.pk, reason=FACTS, ground="Terms §7.2", exception="repeated_infringement", now=NOW
        )
    assert list(caught.value.errors) == ["exception_reason"]
    assert Seller.objects.get(pk=seller.pk).status == Seller.Status.ACTIVE
    seller_close(
        seller_id=seller.pk,
        reason=FACTS,
        ground="Terms §7.2",
        exception="repeated_infringement",
        exception_reason="Fourth counterfeit report in two months after three warnings.",
        by=market.operator,
        now=NOW,
    )
    assert Seller.objects.get(pk=seller.pk).status == Seller.Status.CLOSED
    termination = SellerTermination.objects.get(seller=seller)
    assert (termination.effective_at, termination.status) == (NOW, "done")


def test_the_back_office_gives_notice_and_shows_it(market, client):
    seller = market.sellers[0]
    client.force_login(market.operator)
    url = f"/back-office/sellers/{seller.pk}/status/"
    response = client.post(url, {"action": "close", "reason": "Too short"})
    assert response.status_code == 400
    assert not SellerTermination.objects.exists()
    response = client.post(url, {"action": "close", "reason": FACTS, "ground": "Terms §7.2"})
    assert response.status_code == 302
    page = client.get(f"/back-office/sellers/{seller.pk}/").content.decode()
    assert "Notice of termination given" in page
    assert Seller.objects.get(pk=seller.pk).status == Seller.Status.ACTIVE


def test_withdrawing_an_admitted_seller_from_a_storefront_needs_a_statement(market):
    from galerie.sellers.models import SellerAdmission
    from galerie.sellers.services import seller_curation_refuse

    seller = market.sellers[0]
    with pytest.raises(InvalidInput) as caught:
        seller_curation_refuse(seller_id=seller.pk, storefront_id=market.storefront.pk, reason="Off-topic")
    assert set(caught.value.errors) == {"reason", "ground"}
    assert SellerAdmission.objects.get(seller=seller).status == "admitted"
    seller_curation_refuse(
        seller_id=seller.pk,
        storefront_id=market.storefront.pk,
        reason=FACTS,
        ground="Terms §3",
        by=market.operator,
    )
    admission = SellerAdmission.objects.get(seller=seller)
    assert (admission.status, admission.reason) == ("refused", f"{FACTS} [Terms §3]")


def test_the_seller_reads_the_notice_in_its_area_with_the_way_to_answer(market, client):
    seller_close(seller_id=market.sellers[0].pk, reason=FACTS, ground="Terms §7.2", now=NOW)
    client.force_login(market.owners[0])
    page = client.get("/sell/terms/").content.decode()
    assert "your shop closes on" in page and FACTS in page and "/sell/complaints/?kind=decision" in page
