"""Seller terms (P2B art. 3): 15 days' notice, e-mailed once to each active seller, acceptance
recorded (by the seller, by the application, or deemed after the date), the public page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from galerie.core.errors import InvalidInput
from galerie.notifications.models import SentEmail
from galerie.sellers.models import Seller
from galerie.terms.jobs import deemed_acceptance
from galerie.terms.models import SellerTermsAcceptance, SellerTermsVersion
from galerie.terms.selectors import terms_current, terms_pending_for_seller
from galerie.terms.services import terms_accept, terms_deemed_accept, terms_version_publish
from tests.terms.conftest import NOW, deliver, mails, text

pytestmark = pytest.mark.django_db
TERMS = {
    "title": "Seller terms",
    "text": "§1 Sellers list offers.\n§7 No counterfeits.",
    "summary": "§7 added.",
}


def test_a_change_at_14_days_is_refused_and_nothing_is_saved(market):
    # given the operator publishes terms taking effect 14 days from now
    with pytest.raises(InvalidInput) as caught:
        terms_version_publish(**TERMS, effective_at=NOW + timedelta(days=14), by=market.operator, now=NOW)
    # then it is refused, naming the date field and the earliest date, and nothing is saved or sent
    assert "effective_at" in caught.value.errors
    assert "2026-03-17 09:00" in caught.value.errors["effective_at"][0]
    assert not SellerTermsVersion.objects.exists()


def test_a_change_at_15_days_is_published_and_e_mailed_once_to_each_active_seller(market, smtp_inbox):
    # given three active sellers and an applicant; when terms are published at 15 days
    version = terms_version_publish(
        **TERMS, effective_at=NOW + timedelta(days=15), by=market.operator, now=NOW
    )
    assert version.number == 1
    deliver()
    deliver()  # a second run of the worker sends nothing more
    # then each active seller's contact and owner got it once, the applicant nothing
    for n in range(3):
        (contact,) = mails(smtp_inbox, f"shop{n}@seller.test", "terms_published")
        (_owner,) = mails(smtp_inbox, f"owner{n}@seller.test", "terms_published")
        assert "New seller terms (version 1)" in contact["Subject"]
        assert "§7 added." in text(contact) and "/sell/terms/" in text(contact)
    assert mails(smtp_inbox, "applicant@seller.test", "terms_published") == []
    assert SentEmail.objects.filter(kind="terms_published").count() == 6


def test_a_legal_change_may_take_effect_sooner_only_with_its_reason(market):
    with pytest.raises(InvalidInput) as caught:
        terms_version_publish(**TERMS, effective_at=NOW, exception="legal_obligation", now=NOW)
    assert list(caught.value.errors) == ["exception_reason"]
    version = terms_version_publish(
        **TERMS,
        effective_at=NOW,
        exception="legal_obligation",
        exception_reason="Required by the new consumer law of 2026.",
        now=NOW,
    )
    assert terms_current(now=NOW) == version


def test_a_seller_accepts_from_its_area_and_the_acceptance_is_recorded(market):
    version = terms_version_publish(**TERMS, effective_at=NOW + timedelta(days=15), now=NOW)
    seller, owner = market.sellers[0], market.owners[0]
    assert terms_pending_for_seller(seller=seller, now=NOW) == [version]
    acceptance = terms_accept(seller=seller, version_id=version.pk, by=owner, now=NOW + timedelta(days=1))
    terms_accept(seller=seller, version_id=version.pk, by=owner, now=NOW + timedelta(days=2))  # a retry
    assert (acceptance.how, acceptance.accepted_by, acceptance.accepted_at) == (
        "seller_area",
        owner,
        NOW + timedelta(days=1),
    )
    assert SellerTermsAcceptance.objects.filter(seller=seller).count() == 1
    assert terms_pending_for_seller(seller=seller, now=NOW) == []


def test_at_the_date_the_job_records_the_sellers_who_went_on_selling_as_accepting(market):
    version = terms_version_publish(**TERMS, effective_at=NOW + timedelta(days=15), now=NOW)
    terms_accept(seller=market.sellers[0], version_id=version.pk, by=market.owners[0], now=NOW)
    assert terms_deemed_accept(now=NOW + timedelta(days=14)) == 0  # not in effect yet
    with time_machine.travel(NOW + timedelta(days=15, minutes=1), tick=False):
        assert deemed_acceptance() == 2  # the periodic job
        assert deemed_acceptance() == 0
    deemed = SellerTermsAcceptance.objects.filter(how="deemed")
    assert {a.seller_id for a in deemed} == {market.sellers[1].pk, market.sellers[2].pk}
    assert {a.accepted_at for a in deemed} == {version.effective_at}
    assert not SellerTermsAcceptance.objects.filter(seller=market.applicant).exists()


def test_a_seller_may_close_rather_than_accept(market, client):
    version = terms_version_publish(**TERMS, effective_at=NOW + timedelta(days=15), now=NOW)
    seller, owner = market.sellers[1], market.owners[1]
    client.force_login(owner)
    response = client.post("/sell/terms/decide/", {"version": version.pk, "action": "refuse"})
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.status == Seller.Status.CLOSED
    termination = seller.terminations.get()
    assert (termination.exception, termination.status) == ("seller_request", "done")


def test_the_application_records_acceptance_of_the_current_terms(market, client):
    from tests.web.test_become_seller import form_data

    version = terms_version_publish(
        **TERMS,
        effective_at=NOW,
        exception="security_threat",
        exception_reason="An imminent fraud wave needs new rules.",
        now=NOW,
    )
    data = form_data(account_email="new@seller.test", storefronts=[market.storefront.pk])
    response = client.post(f"/s/{market.storefront.code}/become-a-seller/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    acceptance = SellerTermsAcceptance.objects.get(how="application")
    assert acceptance.version == version and acceptance.accepted_by.email == "new@seller.test"


def test_the_current_terms_are_public_at_a_stable_url(market, client):
    assert "No seller terms are in force yet." in client.get("/seller-terms/").content.decode()
    first = terms_version_publish(
        title="Terms one",
        text="First text.",
        effective_at=NOW,
        exception="legal_obligation",
        exception_reason="Imposed by a court order of 2026.",
        now=NOW,
    )
    terms_version_publish(
        title="Terms two", text="Second text.", effective_at=NOW + timedelta(days=20), now=NOW
    )
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        page = client.get("/seller-terms/").content.decode()
        assert "First text." in page and "Second text." not in page and "Version 2" in page
        assert "Second text." in client.get("/seller-terms/2/").content.decode()
        assert client.get("/seller-terms/9/").status_code == 404
    assert first.number == 1
