"""Seller curation in the back office and on the applicant's page, with the e-mails each decision sends."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from galerie.core.delivery import outbox_deliver_batch
from galerie.core.models import StatusChange
from galerie.notifications.handlers import HANDLERS
from galerie.notifications.models import SentEmail
from galerie.offers.models import Offer
from galerie.sellers.models import Seller, SellerApplicationMessage, SellerDocument
from galerie.sellers.services import seller_apply, seller_document_add, seller_info_request
from tests.factories import VALID_IDENTITY, make_offer, make_seller, make_storefront, make_user, pdf_bytes
from tests.ledger.payout_helpers import fund

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()
SELL = "/sell/application/"


@pytest.fixture
def file(db):
    """An applicant (with an owner account) on two storefronts, and an operator."""
    first = make_storefront(code="atelier", name="Atelier Onze", default_language="en")
    second = make_storefront(code="plume", name="Page et Plume", default_language="en")
    owner = make_user(email="owner@martin.test")
    seller = seller_apply(
        kind="trader",
        identity={**VALID_IDENTITY, "display_name": "Atelier Martin", "email": "shop@martin.test"},
        storefronts=[first, second],
        certifies_compliance=True,
        owner=owner,
        documents=[("identity", SimpleUploadedFile("passport.pdf", PDF))],
    )
    staff = make_user(is_staff=True, email="curator@galerie.test")
    return seller, owner, staff, first, second


def deliver() -> None:
    outbox_deliver_batch(HANDLERS, batch=200)


def mails(inbox, address: str) -> list:
    """The curation e-mails to ``address``: not the "application received" one every applicant gets."""
    return [m for m in inbox.to(address) if ".seller_application_received." not in m["Message-ID"]]


def text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_the_queue_shows_applications_to_decide_with_their_storefronts_and_waiting_days(
    client, file, django_assert_max_num_queries
):
    _seller, _, staff, *_ = file
    active = make_seller(display_name="Already Selling")
    client.force_login(staff)
    with django_assert_max_num_queries(8):
        page = client.get("/back-office/").content.decode()
    assert "Atelier Martin" in page and "Atelier Onze" in page and "Page et Plume" in page
    assert "0 days" in page
    assert active.display_name not in page
    assert active.display_name in client.get("/back-office/?status=active").content.decode()
    assert "Atelier Martin" in client.get("/back-office/?status=all").content.decode()


def test_the_file_shows_identity_documents_admissions_and_history(client, file):
    seller, _, staff, *_ = file
    client.force_login(staff)
    page = client.get(f"/back-office/sellers/{seller.pk}/").content.decode()
    assert "FR7630006000011234567890189" in page and "732829320" in page and "SIREN" in page
    document = seller.documents.get()
    assert f"/back-office/sellers/{seller.pk}/documents/{document.pk}/" in page
    assert "owner@martin.test" in page and "Ask for more information" in page


def test_approving_a_storefront_activates_the_seller_and_e_mails_it_once(client, file, smtp_inbox):
    seller, owner, staff, first, _second = file
    client.force_login(staff)
    response = client.post(
        f"/back-office/sellers/{seller.pk}/decide/", {"action": "approve", "storefront": first.pk}
    )
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.status == "active"
    assert dict(seller.admissions.values_list("storefront__code", "status")) == {
        "atelier": "admitted",
        "plume": "pending",
    }
    deliver()
    deliver()  # a second pass sends nothing again
    for address in ("shop@martin.test", "owner@martin.test"):
        (message,) = mails(smtp_inbox, address)
        assert "Atelier Martin is approved on Atelier Onze" in message["Subject"]
        assert "/sell/" in text(message) and "Atelier Onze" in text(message)
    assert SentEmail.objects.filter(kind="seller_approved").count() == 2
    # The applicant's page now leads to the dashboard.
    client.force_login(owner)
    assert client.get(SELL)["Location"] == "/sell/"


def test_asking_for_information_then_answering_with_a_document(client, file, smtp_inbox):
    seller, owner, staff, *_ = file
    client.force_login(staff)
    response = client.post(
        f"/back-office/sellers/{seller.pk}/decide/",
        {"action": "info", "message": "Please send your Kbis."},
    )
    assert response.status_code == 302
    assert Seller.objects.get(pk=seller.pk).status == "info_requested"
    deliver()
    (message,) = mails(smtp_inbox, "owner@martin.test")
    assert "More information needed for Atelier Martin" in message["Subject"]
    assert "Please send your Kbis." in text(message) and "/sell/application/" in text(message)

    client.force_login(owner)
    page = client.get(SELL).content.decode()
    assert "Please send your Kbis." in page and 'name="body"' in page
    response = client.post(
        SELL,
        {
            "seller": seller.pk,
            "body": "Here it is.",
            "document_kind": "registration",
            "documents": [SimpleUploadedFile("kbis.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    assert Seller.objects.get(pk=seller.pk).status == "applied"
    assert seller.documents.filter(kind="registration").count() == 1
    client.force_login(staff)
    assert "Here it is." in client.get(f"/back-office/sellers/{seller.pk}/").content.decode()


def test_a_bad_answer_is_refused_next_to_its_field(client, file):
    seller, owner, *_ = file
    seller_info_request(seller_id=seller.pk, message="Why?")
    client.force_login(owner)
    fake = SimpleUploadedFile("kbis.pdf", b"MZ this is a program")
    response = client.post(
        SELL, {"seller": seller.pk, "body": "x", "document_kind": "registration", "documents": [fake]}
    )
    assert response.status_code == 400
    assert "not a PDF, JPEG or PNG" in response.content.decode()
    assert Seller.objects.get(pk=seller.pk).status == "info_requested"
    assert not SellerApplicationMessage.objects.filter(from_operator=False).exists()


def test_an_applicant_cannot_answer_for_another_application(client, file):
    seller, *_ = file
    seller_info_request(seller_id=seller.pk, message="Why?")
    other = make_user()
    seller_apply(
        kind="private",
        identity={**VALID_IDENTITY, "display_name": "Other", "trade_register_number": "", "vat_number": ""},
        storefronts=[make_storefront()],
        certifies_compliance=False,
        owner=other,
    )
    client.force_login(other)
    page = client.get(SELL).content.decode()
    assert "Atelier Martin" not in page and "Why?" not in page
    response = client.post(SELL, {"seller": seller.pk, "body": "hijack", "document_kind": "other"})
    assert response.status_code == 404
    assert not SellerApplicationMessage.objects.filter(body="hijack").exists()


def test_rejecting_needs_a_reason_and_tells_the_applicant(client, file, smtp_inbox):
    seller, owner, staff, *_ = file
    client.force_login(staff)
    response = client.post(f"/back-office/sellers/{seller.pk}/decide/", {"action": "reject", "reason": ""})
    assert response.status_code == 400 and "Give the reason" in response.content.decode()
    assert Seller.objects.get(pk=seller.pk).status == "applied"

    client.post(f"/back-office/sellers/{seller.pk}/decide/", {"action": "reject", "reason": "Counterfeits."})
    assert Seller.objects.get(pk=seller.pk).status == "rejected"
    deliver()
    (message,) = mails(smtp_inbox, "shop@martin.test")
    assert "was not accepted" in message["Subject"] and "Counterfeits." in text(message)
    client.force_login(owner)
    page = client.get(SELL).content.decode()
    assert "Counterfeits." in page and "not accepted" in page


def test_refusing_one_storefront_tells_the_seller_why(client, file, smtp_inbox):
    seller, _, staff, _, second = file
    client.force_login(staff)
    client.post(
        f"/back-office/sellers/{seller.pk}/decide/",
        {"action": "refuse", "storefront": second.pk, "reason": "Books only."},
    )
    assert seller.admissions.get(storefront=second).status == "refused"
    assert Seller.objects.get(pk=seller.pk).status == "applied"
    deliver()
    (message,) = mails(smtp_inbox, "owner@martin.test")
    assert "will not sell on Page et Plume" in message["Subject"] and "Books only." in text(message)


def test_a_storefront_the_seller_did_not_apply_to_is_refused(client, file):
    seller, _, staff, *_ = file
    client.force_login(staff)
    other = make_storefront()
    response = client.post(
        f"/back-office/sellers/{seller.pk}/decide/", {"action": "approve", "storefront": other.pk}
    )
    assert response.status_code == 400
    assert Seller.objects.get(pk=seller.pk).status == "applied"


def test_suspension_states_its_reasons_and_reactivation_restores(client, smtp_inbox):
    storefront = make_storefront(default_language="en")
    seller = make_seller(storefronts=[storefront], email="shop@seller.test")
    staff = make_user(is_staff=True)
    client.force_login(staff)
    url = f"/back-office/sellers/{seller.pk}/status/"
    assert client.post(url, {"action": "suspend", "reason": ""}).status_code == 400
    assert Seller.objects.get(pk=seller.pk).status == "active"
    short = {"action": "suspend", "reason": "Reports.", "ground": "Terms §7"}
    assert client.post(url, short).status_code == 400
    assert Seller.objects.get(pk=seller.pk).status == "active"
    statement = {"action": "suspend", "reason": "Three counterfeit reports.", "ground": "Terms §7"}
    assert client.post(url, statement).status_code == 302
    assert Seller.objects.get(pk=seller.pk).status == "suspended"
    change = StatusChange.objects.filter(model="sellers.Seller", to_status="suspended").get()
    assert (change.actor, change.reason) == (staff, "Three counterfeit reports. [Terms §7]")
    deliver()
    (message,) = mails(smtp_inbox, "shop@seller.test")
    body = text(message)
    assert "is suspended" in message["Subject"]
    assert "Statement of reasons" in body and "Three counterfeit reports." in body and "art. 21" in body
    assert "Ground in the seller terms: Terms §7" in body
    assert client.post(url, {"action": "reactivate"}).status_code == 302
    assert Seller.objects.get(pk=seller.pk).status == "active"


def test_closing_is_refused_while_money_is_owed_then_closes_offers_and_tells_the_seller(client, smtp_inbox):
    storefront = make_storefront(default_language="en")
    seller = make_seller(storefronts=[storefront], email="shop@seller.test")
    offer = make_offer(seller=seller)
    fund(seller.pk, 12345)
    client.force_login(make_user(is_staff=True))
    url = f"/back-office/sellers/{seller.pk}/status/"
    at_once = {"reason": "The seller asked to leave.", "exception": "seller_request"}
    response = client.post(url, {"action": "close", **at_once})
    assert response.status_code == 400
    assert "Cannot close: €123.45 still to pay out." in response.content.decode()
    assert Seller.objects.get(pk=seller.pk).status == "active"

    closable = make_seller(storefronts=[storefront], email="bye@seller.test")
    kept = make_offer(seller=closable)
    url = f"/back-office/sellers/{closable.pk}/status/"
    assert client.post(url, {"action": "close", **at_once}).status_code == 302
    assert Seller.objects.get(pk=closable.pk).status == "closed"
    assert Offer.objects.get(pk=kept.pk).status == "closed"
    assert Offer.objects.get(pk=offer.pk).status == "active"
    deliver()
    (message,) = mails(smtp_inbox, "bye@seller.test")
    assert "is closed" in message["Subject"]


def test_a_document_is_served_to_staff_as_an_attachment_and_only_with_its_own_seller(client, file):
    seller, owner, staff, *_ = file
    document = seller.documents.get()
    other = make_seller()
    foreign = seller_document_add(
        seller_id=other.pk, kind="bank", file=SimpleUploadedFile("rib.pdf", pdf_bytes(2))
    )
    url = f"/back-office/sellers/{seller.pk}/documents/{document.pk}/"
    client.force_login(owner)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert (
        response["Content-Disposition"].startswith("attachment")
        and "passport.pdf" in response["Content-Disposition"]
    )
    assert response["Content-Type"] == "application/pdf"
    assert client.get(f"/back-office/sellers/{seller.pk}/documents/{foreign.pk}/").status_code == 404
    assert client.get(f"/back-office/sellers/999999/documents/{document.pk}/").status_code == 404
    assert SellerDocument.objects.count() == 2


def test_the_application_page_for_each_kind_of_visitor(client, file):
    _seller, owner, *_ = file
    assert client.get(SELL)["Location"].startswith("/sell/login/")
    client.force_login(make_user())  # a customer: no shop
    response = client.get(SELL)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'href="/s/atelier/become-a-seller/"' in page and 'href="/s/plume/become-a-seller/"' in page
    client.force_login(owner)
    page = client.get(SELL).content.decode()
    assert "Atelier Martin" in page and "Being checked" in page and "passport.pdf" in page
    assert "Atelier Onze" in page and "Page et Plume" in page


def test_the_back_office_is_closed_to_sellers_and_customers(client, file):
    seller, owner, *_ = file
    client.force_login(owner)
    for url in ("/back-office/", f"/back-office/sellers/{seller.pk}/"):
        assert client.get(url).status_code == 403
    response = client.post(f"/back-office/sellers/{seller.pk}/decide/", {"action": "approve"})
    assert response.status_code == 403
    assert Seller.objects.get(pk=seller.pk).status == "applied"
