"""The seller API's bulk update in the offers app (offers/imports/bulk.py), and the reads the API
added: offers by status, SKU, GTIN and last change; one SKU per offer of a seller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.offers.errors import OfferBulkRefused, OfferEditDenied
from galerie.offers.imports.bulk import BulkRow, offers_bulk_update
from galerie.offers.models import Offer
from galerie.offers.selectors.seller import InvalidGtin, offers_query_for_seller
from galerie.offers.services import offer_create
from tests.factories import TESTS, make_offer, make_seller, make_staff_member, make_variant

pytestmark = pytest.mark.django_db


def test_a_status_row_goes_through_the_transition_table_with_history_and_event():
    seller = make_seller()
    owner = make_staff_member(seller)
    offer = make_offer(seller=seller, seller_sku="A1")
    report = offers_bulk_update(seller=seller, by=owner, rows=[BulkRow(sku="A1", status="paused", stock=3)])
    assert (report.updated, report.unchanged, report.error_rows) == (1, 0, 0)
    offer.refresh_from_db()
    assert (offer.status, offer.stock) == ("paused", 3)
    assert StatusChange.objects.filter(
        model="offers.Offer", object_pk=str(offer.pk), to_status="paused"
    ).exists()
    assert set(offer.changes.exclude(field="created").values_list("field", "reason")) == {
        ("status", "api"),
        ("stock", "api"),
    }
    assert OutboxEvent.objects.filter(topic="offer.stock_changed", payload__offer_id=offer.pk).exists()


def test_a_shipping_clerk_may_not_bulk_update_and_nothing_changes():
    seller = make_seller()
    clerk = make_staff_member(seller, role="shipping_clerk")
    offer = make_offer(seller=seller, stock=4)
    with pytest.raises(OfferEditDenied):
        offers_bulk_update(seller=seller, by=clerk, rows=[BulkRow(offer_id=offer.pk, stock=9)])
    offer.refresh_from_db()
    assert offer.stock == 4


def test_all_or_nothing_refuses_and_names_each_bad_row():
    seller = make_seller()
    owner = make_staff_member(seller)
    offer = make_offer(seller=seller, stock=4)
    rows = [BulkRow(offer_id=offer.pk, stock=9), BulkRow(offer_id=offer.pk + 1000, stock=1)]
    with pytest.raises(OfferBulkRefused) as refused:
        offers_bulk_update(seller=seller, by=owner, rows=rows, all_or_nothing=True)
    assert set(refused.value.errors) == {"rows.1.offer_id"}
    offer.refresh_from_db()
    assert offer.stock == 4


def test_an_empty_list_is_refused():
    seller = make_seller()
    with pytest.raises(InvalidInput):
        offers_bulk_update(seller=seller, by=make_staff_member(seller), rows=[])


def test_offers_by_status_sku_gtin_and_last_change():
    seller = make_seller()
    book, lamp = make_offer(seller=seller, seller_sku="B"), make_offer(seller=seller, seller_sku="L")
    make_offer(seller=make_seller(), variant=book.variant, seller_sku="B")  # another seller's
    Offer.objects.filter(pk=lamp.pk).update(status="paused", updated_at=timezone.now() - timedelta(days=2))
    assert list(offers_query_for_seller(seller, sku="B")) == [book]
    assert list(offers_query_for_seller(seller, gtin=book.variant.gtin)) == [book]
    assert list(offers_query_for_seller(seller, status="paused")) == [lamp]
    assert list(offers_query_for_seller(seller, updated_since=timezone.now() - timedelta(days=1))) == [book]
    with pytest.raises(InvalidGtin):
        offers_query_for_seller(seller, gtin="9780000000001")


def test_two_offers_of_one_seller_never_share_a_sku():
    seller = make_seller()
    make_offer(seller=seller, seller_sku="SAME")
    with pytest.raises(InvalidInput) as refused:
        offer_create(seller=seller, variant=make_variant(), price=Money(990, "EUR"), stock=1, by=TESTS,
                     seller_sku="SAME")  # fmt: skip
    assert "seller_sku" in refused.value.errors
    assert Offer.objects.filter(seller=seller).count() == 1
