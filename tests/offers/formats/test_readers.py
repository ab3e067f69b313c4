"""Each reader turns its system's export into the same normalised products and variants."""

from __future__ import annotations

import pytest

from galerie.offers.errors import OfferImportRefused
from galerie.offers.formats.detect import detect_format
from galerie.offers.formats.importer import read_merchant_file
from galerie.offers.formats.records import html_to_text, sanitise_html
from tests.offers.formats.conftest import FIXTURES


def read(name: str):
    fmt, products, _images = read_merchant_file((FIXTURES / name).read_bytes(), name)
    return fmt, {p.key: p for p in products}


def test_shopify_groups_a_handles_rows_into_variants_and_images_and_cleans_the_html():
    fmt, products = read("shopify_products.csv")
    assert fmt == "shopify" and list(products) == ["t-shirt-lin", "carnet-cuir"]
    shirt = products["t-shirt-lin"]
    assert (shirt.title, shirt.brand, shirt.category_path) == (
        "T-shirt en lin", "Atelier Nord", ["Apparel & Accessories", "Clothing", "T-shirts"],
    )  # fmt: skip
    assert shirt.images == [
        "https://cdn.shopify.com/s/files/1/0001/t-shirt-front.jpg",
        "https://cdn.shopify.com/s/files/1/0001/t-shirt-back.jpg",
        "https://cdn.shopify.com/s/files/1/0001/t-shirt-detail.jpg",
    ]  # the image-only row adds the third
    assert "script" not in shirt.description and "onclick" not in shirt.description
    assert shirt.description.startswith(
        "<p>Un t-shirt en <strong>lin lavé</strong>.</p>\n"
    )  # a quoted line break
    assert [(v.row, v.sku, v.gtin, v.options, v.price, v.compare_at, v.stock) for v in shirt.variants] == [
        (2, "TS-LIN-S", "3760000001014", {"Size": "S", "Color": "Natural"}, "29.00", "35.00", "12"),
        (3, "TS-LIN-M", "3760000001021", {"Size": "M", "Color": "Natural"}, "29.00", "35.00", "0"),
        (4, "TS-LIN-L", "", {"Size": "L", "Color": "Natural"}, "31.00", "", "4"),
    ]
    assert products["carnet-cuir"].variants[0].options == {}  # "Title: Default Title" is no option
    assert products["carnet-cuir"].variants[0].row == 6  # rows counted as a spreadsheet shows them


def test_woocommerce_from_french_excel_windows_1252_semicolons_and_decimal_commas():
    raw = (FIXTURES / "woocommerce_products.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really Windows-1252
    fmt, products = read("woocommerce_products.csv")
    assert fmt == "woocommerce"
    pull = products["PULL-MER"]
    assert (pull.title, pull.brand, pull.category_path, len(pull.images)) == (
        "Pull en mérinos", "Laine & Co", ["Vêtements", "Pulls"], 2,
    )  # fmt: skip
    assert [(v.sku, v.options, v.price, v.stock, v.availability) for v in pull.variants] == [
        ("PULL-MER-BLEU", {"Couleur": "Bleu"}, "79,90", "5", "in_stock"),
        ("PULL-MER-GRIS", {"Couleur": "Gris"}, "79,90", "0", "out_of_stock"),
    ]
    book = products["LIVRE-ETRANGER"].variants[0]
    assert (book.gtin, book.price, book.sale_price, book.sale_from, book.sale_to) == (
        "9782070360024", "8,20", "6,50", "2020-01-01", "2099-12-31",
    )  # fmt: skip
    assert "onerror" not in products["LIVRE-ETRANGER"].description
    assert products["105"].variants[0].price == ""  # a missing field stays empty: the import reports it


def test_magento_reads_configurables_children_additional_attributes_and_skips_store_views():
    fmt, products = read("magento_catalog.csv")
    assert fmt == "magento" and list(products) == ["MB01", "MB02"]
    bag = products["MB01"]
    assert (bag.title, bag.brand, bag.category_path) == ("Sac à dos Joust", "Joust", ["Gear", "Bags"])
    assert bag.images == ["/m/b/mb01.jpg", "/m/b/mb01-back.jpg", "/m/b/mb01-side.jpg"]
    assert [(v.sku, v.gtin, v.options, v.price, v.sale_price, v.stock) for v in bag.variants] == [
        ("MB01-S", "3760000004022", {"color": "Noir", "size": "S"}, "54.000000", "", "8.0000"),
        ("MB01-L", "", {"color": "Noir", "size": "L"}, "59.000000", "49.000000", "0.0000"),
    ]
    assert products["MB02"].variants[0].mpn == "FUS-2"
    assert bag.variants[1].sale_from == "1/1/20"  # Magento's short US date: read as 2020-01-01


def test_google_feeds_rss_and_atom_group_items_and_read_the_g_namespace():
    fmt, products = read("gmc_feed.xml")
    assert fmt == "gmc" and list(products) == ["ARC", "BULB-E27", "NO-PRICE"]
    arc = products["ARC"]
    assert arc.images == [
        "https://lumiere.example.com/img/arc-red.jpg",
        "https://lumiere.example.com/img/arc-red-2.jpg",
        "https://lumiere.example.com/img/arc-red-3.jpg",
    ]
    assert arc.category_path == ["Maison", "Luminaires", "Lampes"]
    assert arc.attributes["shipping"] == "country=FR service=Colissimo price=4.90 EUR"
    assert [(v.sku, v.gtin, v.mpn, v.options, v.price, v.currency, v.availability) for v in arc.variants] == [
        ("LAMP-RED", "3760000003018", "ARC-01-R", {"color": "Rouge"}, "49.00", "EUR", "in_stock"),
        ("LAMP-BLUE", "3760000003025", "", {"color": "Bleu"}, "49.00", "EUR", "out_of_stock"),
    ]
    bulb = products["BULB-E27"].variants[0]
    assert (bulb.sale_price, bulb.sale_from, bulb.sale_to, bulb.condition, bulb.availability) == (
        "9.00", "2020-02-24T11:07+0100", "2099-02-28T23:07+0100", "refurbished", "in_stock",
    )  # fmt: skip
    fmt, atom = read("gmc_feed_atom.xml")
    shade = atom["SHADE-01"]
    assert (shade.title, shade.link, shade.description) == (
        "Abat-jour en lin", "https://lumiere.example.com/products/shade", "Abat-jour <em>naturel</em>.",
    )  # fmt: skip
    assert shade.variants[0].condition == "used"


def test_an_offer_file_or_an_unknown_file_is_no_merchant_format():
    assert detect_format(b"sku;gtin;price;stock\nA;;1;1\n") is None
    assert detect_format(b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>") is None
    with pytest.raises(OfferImportRefused, match="is not a Shopify, WooCommerce"):
        read_merchant_file(b"a,b\n1,2\n", "x.csv")


def test_html_keeps_structure_drops_scripts_handlers_and_images_and_becomes_text_for_the_catalog():
    dirty = (
        '<h2>Titre</h2><p style="x" onclick="y()">Texte <a href="javascript:z()">lien</a></p>'
        "<img src=x><script>z()</script>"
    )
    assert sanitise_html(dirty) == '<h2>Titre</h2><p>Texte <a rel="nofollow noopener">lien</a></p>'
    assert (
        html_to_text("<p>Un</p><ul><li>deux</li><li>trois &amp; quatre</li></ul>")
        == "Un\n• deux\n• trois & quatre"
    )


@pytest.mark.parametrize(
    ("sale_from", "sale_to", "price", "problem"),
    [
        ("", "", 900, None),  # a sale price without dates is in force
        ("2026-01-01", "2026-12-31", 900, None),
        ("2026-12-01T00:00+0100", "2027-01-31T00:00+0100", 1200, None),  # not yet
        ("2025-01-01", "2026-06-01", 1200, None),  # over
        ("6/1/26", "", 900, None),  # Magento's short US date
        ("2026-02-30", "", 1200, ("Date sale price starts", "2026-02-30")),
        ("demain", "", 1200, ("Date sale price starts", "demain")),
    ],
)
def test_the_sale_price_in_force_at_the_import_is_the_offers_price(sale_from, sale_to, price, problem):
    from datetime import UTC, datetime

    from galerie.offers.formats.importer import _parse_variant
    from galerie.offers.formats.records import MerchantProduct, MerchantVariant
    from galerie.offers.formats.woocommerce import VARIANT_COLUMNS

    variant = MerchantVariant(
        row=7, price="12,00", sale_price="9,00", sale_from=sale_from, sale_to=sale_to, columns=VARIANT_COLUMNS
    )
    row, problems = _parse_variant(
        MerchantProduct(row=7, key="x"), variant, datetime(2026, 7, 1, tzinfo=UTC), {"EUR"}
    )
    assert row.price == price
    assert [(p.row, p.column, p.value) for p in problems] == ([(7, *problem)] if problem else [])


def test_a_magento_quantity_written_as_a_decimal_is_a_whole_stock_and_a_fraction_is_refused():
    from datetime import UTC, datetime

    from galerie.offers.formats.importer import _parse_variant
    from galerie.offers.formats.magento import VARIANT_COLUMNS
    from galerie.offers.formats.records import MerchantProduct, MerchantVariant

    now = datetime(2026, 7, 1, tzinfo=UTC)
    whole, problems = _parse_variant(
        MerchantProduct(row=2, key="x"),
        MerchantVariant(row=2, stock="8.0000", columns=VARIANT_COLUMNS),
        now,
        set(),
    )
    assert (whole.stock, problems) == (8, [])
    _row, problems = _parse_variant(
        MerchantProduct(row=3, key="x"),
        MerchantVariant(row=3, stock="2.5", columns=VARIANT_COLUMNS),
        now,
        set(),
    )
    assert [(p.row, p.column, p.value) for p in problems] == [(3, "qty", "2.5")]
