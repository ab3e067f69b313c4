"""The merchant-format tests' storefront: a catalog holding the GTINs the fixture files name."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from galerie.offers.imports import offer_import_create, offer_import_run
from tests.factories import (
    TESTS,
    make_category,
    make_product,
    make_product_type,
    make_seller,
    make_storefront,
    make_variant,
)

FIXTURES = Path(__file__).parent / "fixtures"

# The catalog the fixtures' GTINs name: (category, product title, [(variant name, GTIN)]).
CATALOG = {
    "shopify": [("T-shirts", "T-shirt en lin", [("S", "3760000001014"), ("M", "3760000001021")])],
    "woocommerce": [
        ("Pulls", "Pull en mérinos", [("Bleu", "3760000002011"), ("Gris", "3760000002028")]),
        ("Romans", "L'Étranger", [("Poche", "9782070360024")]),
    ],
    "gmc": [
        ("Lampes", "Lampe Arc", [("Rouge", "3760000003018"), ("Bleu", "3760000003025")]),
        ("Lampes", "Ampoule LED E27", [("", "3760000003032")]),
        ("Lampes", "Abat-jour en lin", [("", "3760000004015")]),
    ],
    "magento": [("Bags", "Sac à dos Joust", [("Petit", "3760000004022")])],
}


@pytest.fixture
def shop():
    root = make_category("Tout")
    leaves = {
        name: make_category(name, parent=root)
        for name in ("T-shirts", "Notebooks", "Pulls", "Romans", "Lampes", "Bags")
    }
    storefront = make_storefront(scope=[root], code="atelier")
    product_type = make_product_type(attributes=[])
    products = {}
    for entries in CATALOG.values():
        for category, title, variants in entries:
            product = make_product(category=leaves[category], product_type=product_type, title=title)
            for name, gtin in variants:
                make_variant(product=product, gtin=gtin, name=name, attributes={})
            products[title] = product
    seller = make_seller(storefronts=[storefront])
    return storefront, seller, products


def run(seller, path: Path | str, data: bytes | None = None, **kwargs):
    data = data if data is not None else (FIXTURES / path).read_bytes()
    upload = SimpleUploadedFile(Path(path).name, data)
    offer_import = offer_import_create(by=kwargs.pop("by", TESTS), seller=seller, upload=upload, **kwargs)
    return offer_import_run(import_id=offer_import.pk)
