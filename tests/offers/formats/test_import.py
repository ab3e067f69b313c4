"""Merchant files (Shopify, WooCommerce, Google Merchant Center, Magento 2) through the offer import:
matched rows become offers, unmatched products proposals, bad rows a report naming row, column,
value and reason; nothing half-applied; the storefront's pages then show the prices and stock."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from galerie.catalog.models import ProductProposal
from galerie.offers.errors import OfferImportRefused
from galerie.offers.formats import images as image_rules
from galerie.offers.imports import offer_import_create
from galerie.offers.models import Offer, OfferImport
from galerie.offers.proposals import product_proposal_accept
from tests.factories import TESTS, make_user
from tests.offers.formats.conftest import FIXTURES, run

pytestmark = pytest.mark.django_db


def offers(seller) -> dict[str, tuple]:
    return {
        o.variant.gtin: (o.price_minor, o.stock, o.condition, o.seller_sku)
        for o in Offer.objects.filter(seller=seller).select_related("variant")
    }


def report(offer_import: OfferImport) -> list[tuple]:
    return list(offer_import.errors.order_by("row", "column").values_list("row", "column", "value", "reason"))


def test_a_shopify_export_makes_offers_of_its_barcoded_variants_and_proposes_the_rest(shop):
    _storefront, seller, _products = shop
    owner = make_user()
    result = run(seller, "shopify_products.csv", by=TESTS)
    assert result.status == OfferImport.Status.APPLIED, result.failure
    assert offers(seller) == {
        "3760000001014": (2900, 12, "new", "TS-LIN-S"),
        "3760000001021": (2900, 0, "new", "TS-LIN-M"),
    }
    # L has no barcode: proposed; the notebook's category "Notebooks" is one of the storefront's.
    proposals = ProductProposal.objects.filter(seller=seller).order_by("title")
    assert [(p.title, p.category.name, p.price_minor, p.stock, p.brand_name) for p in proposals] == [
        ("Carnet en cuir", "Notebooks", 1850, 7, "Atelier Nord"),
        ("T-shirt en lin — L / Natural", "T-shirts", 3100, 4, "Atelier Nord"),
    ]
    carnet = proposals[0]
    assert carnet.description == "Carnet A5 relié main."  # the catalog's descriptions are text
    assert not carnet.image  # its image's host is not allowed: never fetched
    assert report(result) == []
    # The operator accepts the proposal: the seller's offer appears with the file's price and stock.
    product_proposal_accept(proposal_id=carnet.pk, by=owner)
    carnet_offer = Offer.objects.get(seller=seller, variant__product__title="Carnet en cuir")
    assert (carnet_offer.price_minor, carnet_offer.stock) == (1850, 7)


def test_a_woocommerce_file_from_french_excel_reads_with_its_sale_price_and_reports_the_row_without_price(
    shop,
):
    _storefront, seller, _products = shop
    result = run(seller, "woocommerce_products.csv")
    assert result.status == OfferImport.Status.APPLIED, result.failure
    assert offers(seller) == {
        "3760000002011": (7990, 5, "new", "PULL-MER-BLEU"),
        "3760000002028": (7990, 0, "new", "PULL-MER-GRIS"),
        "9782070360024": (650, 3, "new", "LIVRE-ETRANGER"),  # the sale price in force (2020 → 2099)
    }
    assert report(result) == [(6, "Regular price", "", "A new product needs a price and a stock.")]


def test_a_google_feed_rss_and_atom_give_offers_with_conditions_availability_and_sale_price(shop):
    _storefront, seller, _products = shop
    result = run(seller, "gmc_feed.xml")
    assert result.status == OfferImport.Status.APPLIED, result.failure
    assert report(result) == [
        (
            4,
            "g:gtin",
            "3760000003031",
            "“3760000003031” is not a valid GTIN: its check digits are wrong (a typing mistake?).",
        ),
        (4, "g:price", "douze euros", "“douze euros” is not a price: write a number such as 12.90 or 12,90."),
    ]
    atom = run(seller, "gmc_feed_atom.xml")
    assert atom.status == OfferImport.Status.APPLIED, atom.failure
    assert offers(seller) == {
        "3760000003018": (4900, 1, "new", "LAMP-RED"),  # "in stock" without a quantity: one
        "3760000003025": (4900, 0, "new", "LAMP-BLUE"),
        "3760000003032": (900, 1, "refurbished", "BULB-E27"),
        "3760000004015": (1500, 1, "used", "SHADE-01"),
    }


def test_a_second_feed_keeps_the_stock_of_an_offer_in_stock_and_zeroes_one_out_of_stock(shop):
    _storefront, seller, _products = shop
    run(seller, "gmc_feed.xml")
    Offer.objects.filter(seller=seller, seller_sku="LAMP-RED").update(stock=40)
    run(seller, "gmc_feed.xml")
    assert offers(seller)["3760000003018"][1] == 40


def test_a_magento_export_sells_the_configurables_children_and_proposes_the_unmatched(shop):
    _storefront, seller, _products = shop
    result = run(seller, "magento_catalog.csv")
    assert result.status == OfferImport.Status.APPLIED, result.failure
    assert offers(seller) == {"3760000004022": (5400, 8, "new", "MB01-S")}
    assert sorted(
        ProductProposal.objects.filter(seller=seller).values_list("title", "price_minor", "stock")
    ) == [
        ("Sac à dos Joust — Noir / L", 4900, 0),
        ("Trousse Fusion", 1990, 3),
    ]


def test_the_format_is_recognised_or_demanded_and_a_wrong_one_is_refused_storing_nothing(shop):
    _storefront, seller, _products = shop
    with pytest.raises(OfferImportRefused, match="is not a Shopify product CSV"):
        offer_import_create(
            by=TESTS, seller=seller, file_format="shopify",
            upload=SimpleUploadedFile("feed.xml", (FIXTURES / "gmc_feed.xml").read_bytes()),
        )  # fmt: skip
    assert not OfferImport.objects.exists()


def test_a_feed_with_an_entity_declaration_is_refused_unexpanded(shop):
    _storefront, seller, _products = shop
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0"><channel><item><g:id>&b;</g:id>'
        b"<g:price>1.00 EUR</g:price></item></channel></rss>"
    )
    with pytest.raises(OfferImportRefused, match="declares a DTD"):
        offer_import_create(by=TESTS, seller=seller, upload=SimpleUploadedFile("feed.xml", bomb))


def test_check_only_and_all_or_nothing_change_nothing(shop):
    _storefront, seller, _products = shop
    checked = run(seller, "woocommerce_products.csv", check_only=True)
    assert checked.status == OfferImport.Status.CHECKED
    assert (checked.created_offers, checked.error_rows) == (3, 1)
    refused = run(seller, "woocommerce_products.csv", all_or_nothing=True)
    assert refused.status == OfferImport.Status.FAILED
    assert "Nothing was applied" in refused.failure
    assert not Offer.objects.filter(seller=seller).exists()
    assert not ProductProposal.objects.filter(seller=seller).exists()


def test_a_proposal_that_fails_at_the_apply_leaves_no_offer_and_no_proposal(shop, monkeypatch):
    _storefront, seller, _products = shop
    from galerie.catalog import services_proposals
    from galerie.core.errors import InvalidInput

    def refuse(**kwargs):
        raise InvalidInput({"title": ["No."]})

    monkeypatch.setattr(services_proposals, "product_proposal_create", refuse)
    result = run(seller, "shopify_products.csv")
    assert result.status == OfferImport.Status.FAILED
    assert "could not be proposed" in result.failure
    assert not Offer.objects.filter(seller=seller).exists()


def _archive(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_images_come_from_the_archive_and_a_disallowed_url_is_never_requested(shop, monkeypatch, settings):
    _storefront, seller, _products = shop
    requested: list[str] = []

    def spy(url: str) -> bytes:
        requested.append(url)
        return _png()

    monkeypatch.setattr(image_rules, "_open", spy)
    monkeypatch.setattr(
        image_rules.ImageSource, "__init__", _with_fetch(image_rules.ImageSource.__init__, spy)
    )
    settings.GALERIE_IMPORT_IMAGE_HOSTS = ["cdn.shopify.com"]
    data = _archive(
        {"magento_catalog.csv": (FIXTURES / "magento_catalog.csv").read_bytes(), "m/b/mb02.jpg": _png()}
    )
    result = run(seller, "magento.zip", data)
    assert result.status == OfferImport.Status.APPLIED, result.failure
    trousse = ProductProposal.objects.get(seller=seller, title="Trousse Fusion")
    assert trousse.image  # from the archive
    # Shopify's carnet image is on evil.example.net: not allowed, never requested.
    run(seller, "shopify_products.csv")
    assert not any("evil.example.net" in url for url in requested)
    assert not ProductProposal.objects.get(seller=seller, title="Carnet en cuir").image
    # The T-shirt L's image is on the allowed CDN: fetched.
    assert requested == ["https://cdn.shopify.com/s/files/1/0001/t-shirt-front.jpg"]


def _with_fetch(init, fetch):
    def wrapped(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.fetch = fetch

    return wrapped


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://cdn.shopify.com/a.jpg", True),
        ("http://cdn.shopify.com/a.jpg", True),
        ("https://cdn.shopify.com:8443/a.jpg", False),
        ("https://user@cdn.shopify.com/a.jpg", False),
        ("file:///etc/passwd", False),
        ("https://cdn.shopify.com.evil.test/a.jpg", False),
        ("https://127.0.0.1/a.jpg", False),
        ("https://169.254.169.254/latest/meta-data", False),
    ],
)
def test_only_the_operators_hosts_may_be_fetched(settings, url, allowed):
    settings.GALERIE_IMPORT_IMAGE_HOSTS = ["cdn.shopify.com"]
    assert image_rules.host_allowed(url) is allowed


def test_no_host_is_allowed_by_default(settings):
    settings.GALERIE_IMPORT_IMAGE_HOSTS = []
    assert not image_rules.host_allowed("https://cdn.shopify.com/a.jpg")


def test_the_command_takes_the_format_and_reports_rows(shop, capsys):
    _storefront, seller, _products = shop
    with pytest.raises(CommandError, match="1 of 4 rows have errors"):
        call_command("offers_import", str(FIXTURES / "gmc_feed.xml"), seller=seller.slug, format="gmc")
    out = capsys.readouterr().out
    assert "row 4, g:price “douze euros”" in out
    assert Offer.objects.filter(seller=seller).count() == 3
    call_command("offers_import", str(FIXTURES / "shopify_products.csv"), seller=seller.slug)
    assert "2 products not in the catalog were proposed to the operator" in capsys.readouterr().out


def _left(n: int) -> str:
    with translation.override("fr"):
        return translation.gettext("only %(n)s left") % {"n": n}


def _in_stock() -> str:
    with translation.override("fr"):
        return translation.gettext("in stock")


@pytest.mark.parametrize(
    ("fixture", "title", "expected"),
    [
        # price incl. VAT as the buy box shows it, the stock line, the variants' chips
        ("shopify_products.csv", "T-shirt en lin", ["29,00", _in_stock, ">S</a>", ">M</a>"]),
        ("woocommerce_products.csv", "Pull en mérinos", ["79,90", _in_stock, ">Bleu</a>", ">Gris</a>"]),
        ("woocommerce_products.csv", "L'Étranger", ["6,50", lambda: _left(3)]),
        ("gmc_feed.xml", "Ampoule LED E27", ["9,00", lambda: _left(1)]),
        ("gmc_feed.xml", "Lampe Arc", ["49,00", lambda: _left(1), ">Rouge</a>", ">Bleu</a>"]),
        ("gmc_feed_atom.xml", "Abat-jour en lin", ["15,00", lambda: _left(1)]),
        ("magento_catalog.csv", "Sac à dos Joust", ["54,00", _in_stock]),
    ],
)
def test_a_storefront_filled_from_each_format_shows_its_prices_stock_and_variants(
    client, shop, fixture, title, expected
):
    storefront, seller, products = shop
    assert run(seller, fixture).status == OfferImport.Status.APPLIED
    page = client.get(f"/s/{storefront.code}/p/{products[title].slug}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    text = page.content.decode()
    for snippet in expected:
        snippet = snippet() if callable(snippet) else snippet
        assert snippet in text, snippet


def test_a_row_without_gtin_matched_by_brand_and_title_sells_the_catalog_variant_not_a_proposal(shop):
    from galerie.catalog.models import Category
    from galerie.catalog.services import brand_create
    from tests.factories import make_product, make_product_type, make_variant

    _storefront, seller, _products = shop
    notebook = make_product(
        category=Category.objects.get(name="Notebooks"),
        product_type=make_product_type(attributes=[]),
        title="Carnet en cuir",
        brand=brand_create(name="Atelier Nord"),
    )
    make_variant(product=notebook, gtin="3760000004039", attributes={})
    result = run(seller, "shopify_products.csv")
    assert result.status == OfferImport.Status.APPLIED, result.failure
    assert offers(seller)["3760000004039"] == (1850, 7, "new", "CARNET-A5")
    assert list(ProductProposal.objects.filter(seller=seller).values_list("title", flat=True)) == [
        "T-shirt en lin — L / Natural"  # the T-shirt's L: its product has no such variant
    ]
