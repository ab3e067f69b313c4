"""“Sell on <storefront>”: the public application form (DSA art. 30 trader data, documents, account)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from galerie.accounts.models import User
from galerie.core.models import OutboxEvent
from galerie.sellers.models import Seller, SellerAdmission, SellerDocument, SellerMember
from tests.factories import make_seller, make_storefront, make_user, pdf_bytes, picture_bytes

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()
PNG = picture_bytes("PNG")
URL = "/s/atelier/become-a-seller/"


def pdf(name: str = "doc.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def form_data(**overrides) -> dict:
    data = {
        "kind": "trader",
        "display_name": "Atelier Martin",
        "legal_name": "Atelier Martin SARL",
        "email": "contact@atelier-martin.test",
        "phone": "01 42 68 53 00",
        "address_line1": "12 rue des Écoles",
        "postal_code": "75005",
        "city": "Paris",
        "country": "FR",
        "id_document_reference": "Passport 19AB12345",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "trade_register_number": "732 829 320",
        "vat_number": "FR44732829320",
        "certifies_compliance": "on",
        "description": "Hand-bound notebooks.",
        "account_email": "martin@example.test",
        "password": "a-long-new-password",
        "document_identity": pdf("passport.pdf"),
        "document_registration": pdf("kbis.pdf"),
        "document_bank": SimpleUploadedFile("rib.png", PNG, content_type="image/png"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def storefronts():
    here = make_storefront(code="atelier", name="Atelier Onze", default_language="en")
    other = make_storefront(code="plume", name="Page et Plume", default_language="en")
    make_storefront(code="draft", name="Not Open Yet", open_=False)
    return here, other


def nothing_created(users_before: int) -> None:
    assert not Seller.objects.exists()
    assert not SellerDocument.objects.exists()
    assert User.objects.count() == users_before


def test_the_page_lists_open_storefronts_with_the_current_one_checked(client, storefronts):
    here, other = storefronts
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sell on Atelier Onze" in page
    assert f'value="{here.pk}" id="id_storefronts_0" checked' in page or (
        f'value="{here.pk}"' in page and "checked" in page.split(f'value="{here.pk}"')[1].split(">")[0]
    )
    assert (
        f'value="{other.pk}"' in page and "checked" not in page.split(f'value="{other.pk}"')[1].split(">")[0]
    )
    assert "Not Open Yet" not in page
    assert 'enctype="multipart/form-data"' in page


def test_every_storefront_page_links_to_its_sell_page(client, storefronts):
    assert 'href="/s/atelier/become-a-seller/"' in client.get("/s/atelier/").content.decode()


def test_a_complete_application_creates_the_account_the_seller_and_its_documents(client, storefronts):
    here, other = storefronts
    response = client.post(URL, form_data(storefronts=[here.pk, other.pk]))
    assert response.status_code == 302 and response["Location"] == "/sell/application/"
    seller = Seller.objects.get()
    assert seller.status == Seller.Status.APPLIED and seller.kind == "trader"
    assert seller.iban == "FR7630006000011234567890189" and seller.trade_register_number == "732829320"
    assert seller.compliance_certified_at is not None
    assert sorted(seller.admissions.values_list("storefront__code", "status")) == [
        ("atelier", "pending"),
        ("plume", "pending"),
    ]
    user = User.objects.get(email="martin@example.test")
    assert SellerMember.objects.get(seller=seller).user == user
    docs = {d.kind: d for d in seller.documents.all()}
    assert set(docs) == {"identity", "registration", "bank"}
    assert docs["bank"].content_type == "image/png" and docs["identity"].original_name == "passport.pdf"
    with docs["identity"].file.open("rb") as stored:
        assert stored.read() == PDF
    assert OutboxEvent.objects.filter(topic="seller.applied").count() == 1
    # Signed in: the application page shows the new application.
    page = client.get("/sell/application/").content.decode()
    assert "Atelier Martin" in page and "Being checked" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, "iban", "not a valid IBAN"),
        ({"trade_register_number": "732 829 321"}, "trade_register_number", "not a valid SIREN"),
        ({"trade_register_number": "73282932000075"}, "trade_register_number", "not a valid SIRET"),
        ({"trade_register_number": ""}, "trade_register_number", "must give its trade register number"),
        ({"certifies_compliance": None}, "certifies_compliance", "must certify"),
        ({"vat_number": "FR00732829320"}, "vat_number", "not a valid EU VAT number"),
        ({"phone": "0000"}, "phone", "not a valid phone number"),
        ({"document_identity": pdf("id.pdf", b"MZ\x90\x00 not a pdf")}, "document_identity", "not a PDF"),
        ({"document_identity": pdf("id.exe", PDF)}, "document_identity", "does not end in .pdf"),
        ({"document_registration": None}, "document_registration", "trade register extract"),
        ({"storefronts": []}, "storefronts", "at least one storefront"),
        ({"password": "123"}, "password", "too short"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_created(
    client, storefronts, overrides, field, message
):
    here, _ = storefronts
    users = User.objects.count()
    data = form_data(**{"storefronts": [here.pk], **overrides})
    response = client.post(URL, data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page or f"id_{field}" in page  # rendered next to its field
    nothing_created(users)


def test_a_document_over_10_mb_is_refused(client, storefronts):
    here, _ = storefronts
    big = pdf("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    response = client.post(URL, form_data(storefronts=[here.pk], document_bank=big))
    assert response.status_code == 400
    assert "the limit is 10 MB" in " ".join(response.context["form"].errors["document_bank"])
    assert not Seller.objects.exists()


def test_a_private_seller_needs_no_register_number_nor_extract(client, storefronts):
    here, _ = storefronts
    data = form_data(
        storefronts=[here.pk],
        kind="private",
        trade_register_number="",
        vat_number="",
        certifies_compliance=None,
        document_registration=None,
    )
    assert client.post(URL, data).status_code == 302
    seller = Seller.objects.get()
    assert seller.kind == "private" and seller.documents.count() == 2


def test_an_address_with_an_account_is_asked_to_sign_in_first(client, storefronts):
    here, _ = storefronts
    make_user(email="martin@example.test")
    users = User.objects.count()
    response = client.post(URL, form_data(storefronts=[here.pk]))
    assert response.status_code == 400
    assert "sign in first" in " ".join(response.context["form"].errors["account_email"])
    assert 'href="/s/atelier/account/login/?next=/s/atelier/become-a-seller/"' in response.content.decode()
    nothing_created(users)


def test_a_signed_in_user_applies_with_their_own_account(client, storefronts):
    here, _ = storefronts
    user = make_user(email="already@example.test")
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert 'name="password"' not in page and "already@example.test" in page
    response = client.post(URL, form_data(storefronts=[here.pk], account_email=None, password=None))
    assert response.status_code == 302
    assert SellerMember.objects.get().user == user
    assert User.objects.count() == 1
    # Applying again while the first application is pending shows it instead of the form.
    page = client.get(URL).content.decode()
    assert "is being checked" in page and 'name="legal_name"' not in page


def test_two_shops_with_the_same_name_get_distinct_addresses(client, storefronts):
    here, _ = storefronts
    first = make_seller(storefronts=[here], display_name="Atelier Martin")
    Seller.objects.filter(pk=first.pk).update(slug="atelier-martin")
    assert client.post(URL, form_data(storefronts=[here.pk])).status_code == 302
    assert Seller.objects.filter(display_name="Atelier Martin").exclude(slug="atelier-martin").get().slug == (
        "atelier-martin-2"
    )


def test_a_refused_storefront_id_is_an_error_not_an_admission(client, storefronts):
    here, _ = storefronts
    closed = make_storefront(code="hidden", open_=False)
    response = client.post(URL, form_data(storefronts=[here.pk, closed.pk]))
    assert response.status_code == 400 and "storefronts" in response.context["form"].errors
    assert not SellerAdmission.objects.exists()
