"""The seller's tax information page, the hold on the money page, the back office's DAC7 page."""

from __future__ import annotations

from datetime import UTC

import pytest
import time_machine
import xmlschema
from dac7.core import DAC7_SCHEMA
from django.utils import timezone

from galerie.dac7.models import SellerTaxProfile
from galerie.ledger.holds import payout_hold_place
from galerie.ledger.models import PayoutHold
from galerie.sellers.models import SellerMember
from tests.dac7.conftest import local, sale
from tests.factories import make_seller, make_staff_member, make_user

pytestmark = pytest.mark.django_db(transaction=True)
TAX = "/sell/tax-information/"
VALID = {
    "seller_type": "individual", "tin": "1234567890123", "tin_country": "fr", "first_name": "Jeanne",
    "last_name": "Martin", "birth_date": "1980-05-17", "birth_city": "Lyon", "birth_country": "FR",
    "account_holder": "Jeanne Martin", "permanent_establishments": "",
}  # fmt: skip


def test_the_seller_fills_in_its_tax_information_and_the_hold_is_lifted(client):
    seller = make_seller(kind="private")
    owner = make_staff_member(seller)
    payout_hold_place(seller_id=seller.pk, reason=PayoutHold.Reason.DAC7_MISSING_DATA)
    client.force_login(owner)

    page = client.get(TAX).content.decode()
    assert "Still missing:" in page and "Date of birth" in page and "Payouts withheld since" in page
    money = client.get("/sell/money/").content.decode()
    assert "Payouts withheld since" in money and TAX in money

    response = client.post(TAX, {**VALID, "birth_date": "2999-01-01", "tin_country": "XX"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The date of birth must be a past date" in body and "is not an ISO 3166-1 country code" in body
    assert not SellerTaxProfile.objects.filter(seller=seller).exists()  # nothing saved

    assert client.post(TAX, VALID)["Location"] == TAX
    profile = SellerTaxProfile.objects.get(seller=seller)
    assert (profile.tin_country, profile.updated_by) == ("FR", owner)
    assert not PayoutHold.objects.filter(seller=seller, lifted_at__isnull=True).exists()
    assert "Your tax information is complete." in client.get(TAX).content.decode()
    assert "Payouts withheld" not in client.get("/sell/money/").content.decode()


def test_a_shipping_clerk_cannot_see_the_tax_information(client):
    seller = make_seller()
    client.force_login(make_staff_member(seller, role=SellerMember.Role.SHIPPING_CLERK))
    assert client.get(TAX).status_code == 403
    assert client.post(TAX, VALID).status_code == 403
    assert not SellerTaxProfile.objects.exists()


def test_the_french_page_is_french(client):
    seller = make_seller(kind="private")
    client.force_login(make_staff_member(seller))
    page = client.get(TAX, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Informations fiscales" in page and "Date de naissance" in page
    assert "Tax information" not in page and "Date of birth" not in page


def test_the_back_office_page_and_the_xml(client):
    staff = make_user(is_staff=True)
    big, small = make_seller(display_name="Big Books"), make_seller(display_name="Small Shop")
    for month in range(1, 13):
        for day in (2, 3, 4):
            sale(big.pk, 10_000, local(2030, month, day))
    sale(small.pk, 10_000, local(2030, 3, 3))
    with time_machine.travel(local(2031, 1, 20).astimezone(UTC), tick=True):
        client.force_login(staff)  # a session of 2031
        page = client.get("/back-office/dac7/?year=2030")
        assert page.status_code == 200
        body = page.content.decode()
        assert "Big Books" in body and "Small Shop" in body and "1 reportable" in body
        assert "Fewer than 30 sales and at most 2,000" in body
        assert "Tax identification number (TIN)" in body  # what Big Books still has to give
        response = client.get("/back-office/dac7/2030/declaration.xml")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
        xmlschema.XMLSchema10(DAC7_SCHEMA).validate(response.content.decode())
        assert big.uuid.hex in response.content.decode() and small.uuid.hex not in response.content.decode()
        assert client.get("/back-office/dac7/?year=2032").status_code == 400
        assert client.get("/back-office/dac7/2032/declaration.xml").status_code == 404

        client.post(f"/back-office/dac7/sellers/{big.pk}/exclusion/", {"exclusion": "listed", "year": "2030"})
        assert SellerTaxProfile.objects.get(seller=big).exclusion == "listed"
        assert "0 reportable" in client.get("/back-office/dac7/?year=2030").content.decode()
    assert timezone.now().year < 2031


def test_the_back_office_lists_the_holds_and_refuses_non_staff(client):
    seller = make_seller(display_name="Held Shop")
    payout_hold_place(seller_id=seller.pk, reason=PayoutHold.Reason.DAC7_MISSING_DATA, note="no answer")
    client.force_login(make_user(is_staff=True))
    body = client.get("/back-office/dac7/").content.decode()
    assert "Held Shop" in body and "no answer" in body
    client.force_login(make_staff_member(seller))
    assert client.get("/back-office/dac7/").status_code == 403
    assert (
        client.post(f"/back-office/dac7/sellers/{seller.pk}/exclusion/", {"exclusion": "listed"}).status_code
        == 403
    )
    assert not SellerTaxProfile.objects.exists()
