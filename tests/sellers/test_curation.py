"""Curation services: approve per storefront, refuse, reject, ask and answer, documents, closure."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from galerie.accounts.models import User
from galerie.core import surrogates
from galerie.core.errors import InvalidInput, InvalidTransition, NotFound
from galerie.core.models import OutboxEvent, StatusChange
from galerie.offers.models import Offer
from galerie.sellers.errors import SellerApplicationDecided, SellerCloseBlocked, SellerNotFound
from galerie.sellers.models import Seller, SellerAdmission, SellerApplicationMessage, SellerDocument
from galerie.sellers.services import (
    document_content_type,
    seller_activate,
    seller_application_answer,
    seller_application_submit,
    seller_apply,
    seller_close,
    seller_curation_approve,
    seller_curation_refuse,
    seller_document_add,
    seller_info_request,
    seller_reject,
    seller_suspend,
)
from tests.factories import (
    VALID_IDENTITY,
    make_offer,
    make_seller,
    make_storefront,
    make_user,
    pdf_bytes,
    picture_bytes,
)
from tests.ledger.payout_helpers import fund

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()
JPEG = picture_bytes("JPEG")


def topics() -> list[str]:
    return list(OutboxEvent.objects.order_by("id").values_list("topic", flat=True))


def applicant(*storefronts, owner=None):
    storefronts = storefronts or (make_storefront(),)
    return seller_apply(
        kind="trader",
        identity={**VALID_IDENTITY, "display_name": "Martin"},
        storefronts=storefronts,
        certifies_compliance=True,
        owner=owner or make_user(),
    )


def test_approving_a_storefront_admits_the_seller_and_makes_it_active_in_one_step():
    first, second = make_storefront(), make_storefront()
    seller = applicant(first, second)
    staff = make_user(is_staff=True)
    OutboxEvent.objects.all().delete()

    seller_curation_approve(seller_id=seller.pk, storefront_id=first.pk, by=staff)

    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    admissions = dict(seller.admissions.values_list("storefront_id", "status"))
    assert admissions == {first.pk: "admitted", second.pk: "pending"}
    history = list(
        StatusChange.objects.filter(model="sellers.Seller", object_pk=str(seller.pk)).values_list(
            "from_status", "to_status", "actor"
        )
    )
    assert history == [("applied", "approved", staff.pk), ("approved", "active", staff.pk)]
    assert topics().count("seller.curation_approved") == 1
    # A retry changes nothing and e-mails nothing again; the second storefront e-mails once more.
    seller_curation_approve(seller_id=seller.pk, storefront_id=first.pk, by=staff)
    assert topics().count("seller.curation_approved") == 1
    seller_curation_approve(seller_id=seller.pk, storefront_id=second.pk, by=staff)
    assert topics().count("seller.curation_approved") == 2
    assert Seller.objects.get(pk=seller.pk).status == "active"


def test_an_answered_question_goes_back_to_applied_and_approval_from_info_requested_works():
    seller = applicant()
    owner = seller.members.get().user
    question = seller_info_request(seller_id=seller.pk, message="Send your Kbis, please.", by=make_user())
    assert Seller.objects.get(pk=seller.pk).status == "info_requested" and question.from_operator
    assert OutboxEvent.objects.filter(topic="seller.info_requested", payload__message_id=question.pk).exists()

    seller_application_answer(
        seller_id=seller.pk,
        body="Here it is.",
        documents=[("registration", SimpleUploadedFile("kbis.pdf", PDF))],
        by=owner,
    )
    assert Seller.objects.get(pk=seller.pk).status == "applied"
    assert list(seller.application_messages.values_list("from_operator", "body")) == [
        (True, "Send your Kbis, please."),
        (False, "Here it is."),
    ]
    assert seller.documents.get().kind == "registration"
    with pytest.raises(SellerApplicationDecided):
        seller_application_answer(seller_id=seller.pk, body="again", by=owner)

    seller_info_request(seller_id=seller.pk, message="And the RIB?")
    seller_curation_approve(seller_id=seller.pk, storefront_id=seller.admissions.get().storefront_id)
    assert Seller.objects.get(pk=seller.pk).status == "active"


def test_only_a_member_may_answer_and_an_empty_answer_is_refused():
    seller = applicant()
    seller_info_request(seller_id=seller.pk, message="Why?")
    with pytest.raises(SellerNotFound):
        seller_application_answer(seller_id=seller.pk, body="I am not them", by=make_user())
    with pytest.raises(InvalidInput, match="Write your answer"):
        seller_application_answer(seller_id=seller.pk, body="  ", by=seller.members.get().user)
    assert Seller.objects.get(pk=seller.pk).status == "info_requested"
    assert SellerApplicationMessage.objects.filter(from_operator=False).count() == 0


def test_refusing_a_storefront_needs_a_reason_and_is_e_mailed_once():
    seller = applicant()
    storefront_id = seller.admissions.get().storefront_id
    with pytest.raises(InvalidInput, match="reason"):
        seller_curation_refuse(seller_id=seller.pk, storefront_id=storefront_id, reason=" ")
    assert seller.admissions.get().status == "pending"
    seller_curation_refuse(seller_id=seller.pk, storefront_id=storefront_id, reason="Books only here.")
    seller_curation_refuse(seller_id=seller.pk, storefront_id=storefront_id, reason="Books only here.")
    admission = seller.admissions.get()
    assert (admission.status, admission.reason) == ("refused", "Books only here.")
    assert topics().count("seller.storefront_refused") == 1
    with pytest.raises(NotFound):
        seller_curation_refuse(seller_id=seller.pk, storefront_id=make_storefront().pk, reason="x")


def test_rejecting_refuses_every_pending_storefront_and_a_rejected_seller_cannot_be_approved():
    seller = applicant(make_storefront(), make_storefront())
    seller_reject(seller_id=seller.pk, reason="Counterfeit goods.", by=make_user(is_staff=True))
    assert set(seller.admissions.values_list("status", "reason")) == {("refused", "Counterfeit goods.")}
    assert topics().count("seller.rejected") == 1
    with pytest.raises(SellerApplicationDecided, match="rejected"):
        seller_curation_approve(seller_id=seller.pk, storefront_id=seller.admissions.first().storefront_id)
    with pytest.raises(SellerApplicationDecided):
        seller_info_request(seller_id=seller.pk, message="?")
    assert Seller.objects.get(pk=seller.pk).status == "rejected"


@pytest.mark.django_db(transaction=True)  # the listing key is bumped when the commit really happens
def test_suspension_is_e_mailed_once_and_makes_its_storefronts_listings_stale(
    django_capture_on_commit_callbacks,
):
    seller = make_seller(storefronts=[make_storefront()])
    listing = surrogates.key("listing", seller.admissions.get().storefront_id)
    before = surrogates.versions([listing])[listing]
    with django_capture_on_commit_callbacks(execute=True):
        seller_suspend(
            seller_id=seller.pk, reason="Counterfeit reports (statement of reasons)", ground="Seller terms §7"
        )
    after = surrogates.versions([listing])[listing]
    assert after is not None and after != before
    with django_capture_on_commit_callbacks(execute=True):
        seller_suspend(
            seller_id=seller.pk, reason="Counterfeit reports (statement of reasons)", ground="Seller terms §7"
        )
    assert topics().count("seller.suspended") == 1
    with django_capture_on_commit_callbacks(execute=True):
        seller_activate(seller_id=seller.pk)
    assert Seller.objects.get(pk=seller.pk).status == "active"
    assert surrogates.versions([listing])[listing] != after


# --- documents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [("id.pdf", PDF, "application/pdf"), ("id.JPG", JPEG, "image/jpeg"), ("id.jpeg", JPEG, "image/jpeg")],
)
def test_documents_are_recognised_by_their_content(name, content, expected):
    assert document_content_type(SimpleUploadedFile(name, content)) == expected


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("id.pdf", b"<html><script>", "not a PDF, JPEG or PNG"),
        ("id.png", PDF, "does not end in .pdf"),
        ("id.pdf", b"", "is empty"),
        ("id", JPEG, "does not end in .jpg"),
    ],
)
def test_a_document_that_is_not_what_it_says_is_refused_and_nothing_is_kept(name, content, message):
    seller = applicant()
    with pytest.raises(InvalidInput, match=message):
        seller_document_add(seller_id=seller.pk, kind="identity", file=SimpleUploadedFile(name, content))
    assert not SellerDocument.objects.exists()


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=64))
def test_no_random_bytes_pass_as_a_document_even_starting_like_one(blob):
    # A PDF is parsed, not only sniffed (core/uploads.py): a header alone is not a document.
    for content in (blob, b"%PDF-1.7\n" + blob):
        with pytest.raises(InvalidInput):
            document_content_type(SimpleUploadedFile("x.pdf", content))


def test_an_application_with_a_bad_document_saves_nothing():
    storefront = make_storefront()
    with pytest.raises(InvalidInput) as caught:
        seller_apply(
            kind="trader",
            identity={**VALID_IDENTITY, "display_name": "Martin"},
            storefronts=[storefront],
            certifies_compliance=True,
            documents=[("identity", SimpleUploadedFile("id.pdf", b"GIF89a"))],
        )
    assert "document_identity" in caught.value.errors
    assert not Seller.objects.exists() and not SellerAdmission.objects.exists()


# --- closure -----------------------------------------------------------------------------------


def test_closing_closes_every_offer_and_is_e_mailed():
    seller = make_seller()
    offers = [make_offer(seller=seller), make_offer(seller=seller)]
    Offer.objects.filter(pk=offers[1].pk).update(status="paused")
    seller_close(
        seller_id=seller.pk,
        reason="Retiring (statement of reasons)",
        ground="Seller terms §9",
        exception="seller_request",
    )
    assert Seller.objects.get(pk=seller.pk).status == "closed"
    assert set(Offer.objects.filter(seller=seller).values_list("status", flat=True)) == {"closed"}
    assert topics().count("seller.closed") == 1
    seller_close(
        seller_id=seller.pk,
        reason="Closing at the seller's own request",
        ground="Seller terms §9",
        exception="seller_request",
    )  # a retry
    assert topics().count("seller.closed") == 1
    with pytest.raises(InvalidTransition):
        seller_activate(seller_id=seller.pk)


def test_closing_a_seller_with_money_on_its_accounts_says_how_much_and_changes_nothing():
    seller = make_seller()
    offer = make_offer(seller=seller)
    fund(seller.pk, 12345)
    with translation.override("en"), pytest.raises(SellerCloseBlocked) as caught:
        seller_close(
            seller_id=seller.pk,
            reason="Closing at the seller's own request",
            ground="Seller terms §9",
            exception="seller_request",
        )
    assert caught.value.message == "Cannot close: €123.45 still to pay out."
    assert caught.value.code == "seller_close_blocked"
    assert caught.value.balances == {"EUR": {"pending": 0, "available": 12345, "debt": 0}}
    assert Seller.objects.get(pk=seller.pk).status == "active"
    assert Offer.objects.get(pk=offer.pk).status == "active"
    assert "seller.closed" not in topics()


def test_an_unknown_seller_is_not_found():
    with pytest.raises(SellerNotFound):
        seller_suspend(seller_id=999_999, reason="x (statement of reasons)", ground="Seller terms §7")


def test_applying_with_a_new_account_is_one_transaction():
    make_user(email="taken@example.test")
    storefront = make_storefront()
    with pytest.raises(InvalidInput) as caught:
        seller_application_submit(
            kind="trader",
            identity={**VALID_IDENTITY, "display_name": "Martin"},
            storefronts=[storefront],
            certifies_compliance=True,
            email="taken@example.test",
            password="a-long-new-password",
        )
    assert "account_email" in caught.value.errors and "email" not in caught.value.errors
    with pytest.raises(InvalidInput) as caught:  # the account is fine, the IBAN is not
        seller_application_submit(
            kind="trader",
            identity={**VALID_IDENTITY, "display_name": "Martin", "iban": "FR00"},
            storefronts=[storefront],
            certifies_compliance=True,
            email="new@example.test",
            password="a-long-new-password",
        )
    assert "iban" in caught.value.errors
    assert not User.objects.filter(email="new@example.test").exists()
    assert not Seller.objects.exists()
