"""What Galerie writes in merchants' formats: the storefront's Google Merchant feed (RSS 2.0 + g:)
and a seller's offers as the Shopify-like CSV the import reads back unchanged."""

from __future__ import annotations

import csv
import io

import pytest
from defusedxml.ElementTree import fromstring
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from galerie.catalog.models import Product
from galerie.offers.formats.exports import google_feed_write, seller_offers_write
from galerie.offers.imports import offer_import_create, offer_import_run
from galerie.offers.models import Offer, OfferImport
from galerie.search.services import search_reindex
from tests.factories import TESTS, make_offer, make_seller
from tests.offers.formats.conftest import run

pytestmark = pytest.mark.django_db
G = "{http://base.google.com/ns/1.0}"


def test_the_google_feed_lists_each_variants_buy_box_with_its_price_condition_and_gtin(
    shop, django_assert_max_num_queries
):
    storefront, seller, products = shop
    run(seller, "gmc_feed.xml")
    run(seller, "woocommerce_products.csv")
    cheaper = make_seller(storefronts=[storefront])
    pull = products["Pull en mérinos"].variants.get(gtin="3760000002011")
    make_offer(seller=cheaper, variant=pull, price_minor=6990, stock=2, condition="like_new")
    search_reindex()
    out = io.StringIO()
    with django_assert_max_num_queries(8):  # per chunk of products, whatever their number
        count = google_feed_write(storefront=storefront, out=out)
    root = fromstring(out.getvalue().encode())
    items = {
        item.find(f"{G}gtin").text: {child.tag.removeprefix(G): child.text for child in item}
        for item in root.iter("item")
    }
    assert count == len(items) == 4  # the blue lamp and the grey pull have no stock: not listed
    assert items["3760000002011"]["price"] == "69.90 EUR"  # the buy box: the cheaper seller's
    assert items["3760000002011"]["condition"] == "used"  # like new: Google's "used"
    assert items["3760000002011"]["item_group_id"] == products["Pull en mérinos"].slug
    assert items["3760000002011"]["link"].startswith("http")
    assert "?v=" in items["3760000002011"]["link"]
    assert items["3760000003032"]["price"] == "9.00 EUR"
    assert items["3760000003032"]["condition"] == "refurbished"
    assert items["9782070360024"]["availability"] == "in_stock"
    assert items["9782070360024"]["price"] == "6.50 EUR"
    assert {item["identifier_exists"] for item in items.values()} == {"yes"}


def test_the_feed_command_writes_the_file_and_refuses_an_unknown_storefront(shop, tmp_path):
    storefront, seller, _products = shop
    run(seller, "gmc_feed.xml")
    search_reindex()
    target = tmp_path / "google.xml"
    call_command("feeds", "google", storefront.code, str(target))
    assert len(fromstring(target.read_bytes()).findall("channel/item")) == 2
    with pytest.raises(CommandError, match="no storefront"):
        call_command("feeds", "google", "nope", str(tmp_path / "x.xml"))
    assert not (tmp_path / "x.xml").exists()


def test_a_sellers_offers_export_reads_back_unchanged_and_neutralises_formulas(shop):
    _storefront, seller, products = shop
    run(seller, "shopify_products.csv")
    run(seller, "gmc_feed.xml")
    Product.objects.filter(pk=products["T-shirt en lin"].pk).update(title="=HYPERLINK(1)")
    out = io.StringIO()
    assert seller_offers_write(seller=seller, out=out) == Offer.objects.filter(seller=seller).count() == 5
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["Title"] for r in rows if r["Title"].startswith("'=")] == ["'=HYPERLINK(1)"]
    assert {
        r["Variant Barcode"]: (r["Variant Price"], r["Variant Inventory Qty"], r["Variant Condition"])
        for r in rows
    } == {
        "3760000001014": ("29.00", "12", "new"),
        "3760000001021": ("29.00", "0", "new"),
        "3760000003018": ("49.00", "1", "new"),
        "3760000003025": ("49.00", "0", "new"),
        "3760000003032": ("9.00", "1", "refurbished"),
    }
    before = list(
        Offer.objects.filter(seller=seller)
        .order_by("id")
        .values_list("price_minor", "stock", "condition", "seller_sku")
    )
    again = offer_import_create(
        by=TESTS, seller=seller, upload=SimpleUploadedFile("offers.csv", out.getvalue().encode())
    )
    again = offer_import_run(import_id=again.pk)
    assert again.status == OfferImport.Status.APPLIED, again.failure
    assert (again.created_offers, again.updated_offers, again.unchanged_offers, again.error_rows) == (
        0,
        0,
        5,
        0,
    )
    assert (
        list(
            Offer.objects.filter(seller=seller)
            .order_by("id")
            .values_list("price_minor", "stock", "condition", "seller_sku")
        )
        == before
    )
