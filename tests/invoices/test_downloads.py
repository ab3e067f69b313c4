"""Downloads per actor: the customer from their order page, the seller from its order page, the
operator in the back office; another customer, another seller or a shipping clerk get a 404
(or the portal's refusal), and the file served is the stored one."""

from __future__ import annotations

import hashlib

import pytest

from galerie.invoices.models import Invoice
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_customer_downloads_from_the_order_page_and_no_one_else(invoiced, client):
    invoice = Invoice.objects.get(kind=Invoice.Kind.INVOICE, seller_order=invoiced.part_a)
    order_url = f"/s/{invoiced.storefront.code}/account/orders/{invoiced.order.number}/"
    url = f"{order_url}invoices/{invoice.uuid}/"
    client.force_login(invoiced.customer)
    page = client.get(order_url).content.decode()
    assert url in page and f"Facture {invoice.number} (PDF)" in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(_body(response)).hexdigest() == invoice.sha256
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_the_seller_downloads_its_own_and_not_another_sellers(invoiced, client):
    mine = Invoice.objects.get(kind=Invoice.Kind.INVOICE, seller_order=invoiced.part_a)
    theirs = Invoice.objects.get(kind=Invoice.Kind.INVOICE, seller_order=invoiced.part_b)
    client.force_login(invoiced.owner_a)
    page = client.get(f"/sell/orders/{invoiced.part_a.number}/").content.decode()
    assert f"/sell/invoices/{mine.uuid}/" in page
    response = client.get(f"/sell/invoices/{mine.uuid}/")
    assert response.status_code == 200
    assert hashlib.sha256(_body(response)).hexdigest() == mine.sha256
    assert client.get(f"/sell/invoices/{theirs.uuid}/").status_code == 404
    clerk = make_user()
    seller_member_add(seller=invoiced.seller_a, user=clerk, role=SellerMember.Role.SHIPPING_CLERK)
    client.force_login(clerk)  # packs parcels, sees no money
    assert client.get(f"/sell/invoices/{mine.uuid}/").status_code in (403, 404)
    assert (
        f"/sell/invoices/{mine.uuid}/"
        not in client.get(f"/sell/orders/{invoiced.part_a.number}/").content.decode()
    )


def test_the_operator_downloads_in_the_back_office(invoiced, client):
    invoice = Invoice.objects.get(kind=Invoice.Kind.INVOICE, seller_order=invoiced.part_b)
    url = f"/admin/invoices/invoice/{invoice.pk}/pdf/"
    client.force_login(make_user(is_staff=True, is_superuser=True))
    assert url in client.get("/admin/invoices/invoice/").content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert hashlib.sha256(_body(response)).hexdigest() == invoice.sha256
    client.force_login(invoiced.customer)
    assert client.get(url).status_code == 403  # not staff: the admin site refuses
