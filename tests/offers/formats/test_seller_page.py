"""The seller area's import page takes a merchant's file: recognised, or in the format chosen."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from galerie.core.models import OutboxEvent
from galerie.offers.handlers import offer_import_queued
from galerie.offers.models import Offer, OfferImport
from tests.factories import make_staff_member
from tests.offers.formats.conftest import FIXTURES

pytestmark = pytest.mark.django_db
LIST = reverse("seller_area:imports")


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes())


def test_a_shopify_export_uploaded_on_the_page_is_recognised_and_its_report_shows_the_rows(client, shop):
    _storefront, seller, _products = shop
    client.force_login(make_staff_member(seller, role="owner"))
    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'name="file_format"' in page and "Shopify" in page
    response = client.post(LIST, {"file": _file("gmc_feed.xml"), "file_format": ""})
    offer_import = OfferImport.objects.get(seller=seller)
    assert response.status_code == 302
    for event in OutboxEvent.objects.filter(topic="offer_import.queued"):
        offer_import_queued(event)
    offer_import.refresh_from_db()
    assert (offer_import.status, offer_import.created_offers, offer_import.error_rows) == ("applied", 3, 1)
    report = client.get(reverse("seller_area:import", kwargs={"import_id": offer_import.pk})).content.decode()
    assert "g:price" in report and "douze euros" in report
    assert Offer.objects.filter(seller=seller).count() == 3


def test_a_file_not_in_the_chosen_format_is_a_form_error_and_nothing_is_stored(client, shop):
    _storefront, seller, _products = shop
    client.force_login(make_staff_member(seller, role="owner"))
    response = client.post(LIST, {"file": _file("magento_catalog.csv"), "file_format": "woocommerce"})
    assert response.status_code == 400
    assert "is not a WooCommerce product CSV" in response.content.decode()
    assert not OfferImport.objects.exists()
