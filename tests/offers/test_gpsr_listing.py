"""GPSR (Regulation (EU) 2023/988 art. 19): a product without complete safety data cannot be
listed, by any door (service, seller page, file import, API, bulk re-activation), and nothing
changes; a complete one shows its manufacturer, responsible person, identifiers and warnings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from galerie.catalog.errors import ProductSafetyIncomplete
from galerie.catalog.models import Product
from galerie.catalog.safety import product_safety_missing
from galerie.catalog.services import product_safety_set
from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent
from galerie.core.money import Money
from galerie.offers.imports import offer_import_create, offer_import_run
from galerie.offers.models import Offer, OfferChange
from galerie.offers.services import offer_create, offer_status_set
from galerie.sellers.models import SellerMember
from tests.api.conftest import Api, seller_key
from tests.factories import (
    SAFE_PRODUCT,
    TESTS,
    gtin13,
    make_category,
    make_product,
    make_seller,
    make_staff_member,
    make_storefront,
    make_variant,
)
from tests.offers.test_imports import upload

pytestmark = pytest.mark.django_db

NO_ADDRESS = {**SAFE_PRODUCT, "manufacturer_address": ""}
CHINA = {
    **SAFE_PRODUCT,
    "manufacturer_name": "Shenzhen Kettle Co.",
    "manufacturer_address": "88 Keji Road, Nanshan, Shenzhen",
    "manufacturer_country": "CN",
    "manufacturer_contact": "https://kettle.example.cn",
}
EU_REP = {
    "responsible_name": "Repräsentant GmbH",
    "responsible_address": "Unter den Linden 1, 10117 Berlin",
    "responsible_country": "DE",
    "responsible_contact": "gpsr@repraesentant.test",
}


@pytest.fixture
def shop():
    books = make_category("Kitchen")
    storefront = make_storefront(scope=[books])
    seller = make_seller(storefronts=[storefront])
    lacking = make_variant(
        product=make_product(category=books, title="Kettle", safety=NO_ADDRESS), gtin=gtin13()
    )
    return storefront, seller, lacking


def nothing_listed(variant) -> bool:
    return (
        not Offer.objects.filter(variant=variant).exists()
        and not OfferChange.objects.filter(offer__variant=variant).exists()
        and not OutboxEvent.objects.filter(topic="offer.created", payload__variant_id=variant.pk).exists()
    )


def test_the_missing_pieces_are_named_in_the_order_a_seller_fixes_them():
    assert product_safety_missing(SAFE_PRODUCT) == []
    assert product_safety_missing(NO_ADDRESS) == ["manufacturer_address"]
    assert product_safety_missing({**SAFE_PRODUCT, "safety_information": {"en": "Hot."}}) == [
        "safety_information:fr"
    ]
    assert product_safety_missing(CHINA) == [
        "responsible_name",
        "responsible_address",
        "responsible_contact",
        "responsible_country",
    ]
    assert product_safety_missing({**CHINA, **EU_REP}) == []
    assert product_safety_missing({**CHINA, **EU_REP, "responsible_country": "GB"}) == ["responsible_country"]


def test_a_product_missing_its_manufacturer_address_cannot_be_listed_and_nothing_changed(shop):
    _storefront, seller, lacking = shop
    with pytest.raises(ProductSafetyIncomplete) as refused:
        offer_create(seller=seller, variant=lacking, price=Money(1990, "EUR"), stock=3, by=TESTS)
    assert refused.value.code == "product_safety_incomplete"
    assert refused.value.missing == ["manufacturer_address"]
    assert refused.value.message == "GPSR: the product lacks the manufacturer's postal address."
    assert nothing_listed(lacking)


def test_a_maker_outside_the_eu_needs_an_eu_responsible_person(shop):
    _storefront, seller, lacking = shop
    product_safety_set(product_id=lacking.product_id, safety=CHINA)
    with pytest.raises(ProductSafetyIncomplete) as refused:
        offer_create(seller=seller, variant=lacking, price=Money(1990, "EUR"), stock=3, by=TESTS)
    assert "the name of its responsible person in the EU" in refused.value.message
    product_safety_set(product_id=lacking.product_id, safety=EU_REP)
    offer = offer_create(seller=seller, variant=lacking, price=Money(1990, "EUR"), stock=3, by=TESTS)
    assert offer.status == "active"


def test_bad_safety_data_is_refused_naming_the_field_and_changes_nothing(shop):
    _storefront, _seller, lacking = shop
    with pytest.raises(InvalidInput) as error:
        product_safety_set(
            product_id=lacking.product_id,
            safety={"manufacturer_address": "1 rue X", "manufacturer_contact": "nope"},
        )
    assert set(error.value.errors) == {"manufacturer_contact"}
    lacking.product.refresh_from_db()
    assert lacking.product.manufacturer_address == ""


def test_a_paused_offer_of_a_product_that_lost_its_data_cannot_be_put_back_on_sale(shop):
    _storefront, seller, lacking = shop
    product_safety_set(product_id=lacking.product_id, safety={"manufacturer_address": "1 quai Y, Lyon"})
    offer = offer_create(seller=seller, variant=lacking, price=Money(1990, "EUR"), stock=3, by=TESTS)
    offer_status_set(offer_id=offer.pk, status="paused", by=TESTS)
    product_safety_set(product_id=lacking.product_id, safety={"manufacturer_address": ""})
    with pytest.raises(ProductSafetyIncomplete):
        offer_status_set(offer_id=offer.pk, status="active", by=TESTS)
    offer.refresh_from_db()
    assert offer.status == "paused"


def test_the_offer_form_shows_the_refusal_in_french_and_lists_nothing(client, shop):
    _storefront, seller, lacking = shop
    client.force_login(make_staff_member(seller, SellerMember.Role.OWNER))
    url = reverse("seller_area:offer_new", kwargs={"variant_id": lacking.pk})
    data = {"condition": "new", "price": "19,90", "stock": "3", "lead_time_days": "2", "seller_sku": ""}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert response.status_code == 400
    assert "RSGP : il manque au produit l&#x27;adresse postale du fabricant." in html
    assert nothing_listed(lacking)


def test_an_import_row_naming_the_product_is_refused_with_its_row_and_column(shop):
    _storefront, seller, lacking = shop
    content = f"sku,gtin,price,stock\nK-1,{lacking.gtin},19.90,3\n"
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload(content), check_only=False)
    result = offer_import_run(import_id=offer_import.pk)
    errors = list(result.errors.values_list("row", "column", "reason"))
    assert errors == [(2, "gtin", "GPSR: the product lacks the manufacturer's postal address.")]
    assert nothing_listed(lacking)


def test_the_api_refuses_with_a_422_naming_what_is_missing(client, shop):
    _storefront, seller, lacking = shop
    api = Api(client, seller_key(seller))
    body = {
        "variant_id": lacking.pk,
        "condition": "new",
        "price": {"amount": 1990, "currency": "EUR"},
        "stock": 3,
    }
    response = api.post("/seller/offers/", body)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "product_safety_incomplete"
    assert error["errors"] == {"manufacturer_address": ["the manufacturer's postal address"]}
    assert nothing_listed(lacking)


def test_the_api_bulk_refuses_to_put_back_on_sale_an_offer_of_a_product_lacking_data(client, shop):
    _storefront, seller, lacking = shop
    product_safety_set(product_id=lacking.product_id, safety={"manufacturer_address": "1 quai Y, Lyon"})
    offer = offer_create(seller=seller, variant=lacking, price=Money(1990, "EUR"), stock=3, by=TESTS)
    offer_status_set(offer_id=offer.pk, status="paused", by=TESTS)
    product_safety_set(product_id=lacking.product_id, safety={"manufacturer_address": ""})
    response = Api(client, seller_key(seller)).post(
        "/seller/offers/bulk", {"rows": [{"offer_id": offer.pk, "status": "active"}]}
    )
    assert response.status_code == 200, response.content
    [problem] = response.json()["errors"]
    assert (problem["column"], problem["reason"]) == (
        "status",
        "GPSR: the product lacks the manufacturer's postal address.",
    )
    offer.refresh_from_db()
    assert offer.status == "paused"


def test_the_product_page_and_the_api_show_the_safety_data_in_the_storefronts_language(client, shop):
    storefront, seller, lacking = shop
    safety = {
        **CHINA,
        **EU_REP,
        "safety_information": {"en": "Do not fill above MAX.", "fr": "Ne pas remplir au-delà de MAX."},
    }
    product_safety_set(product_id=lacking.product_id, safety=safety)
    offer_create(seller=seller, variant=lacking, price=Money(1990, "EUR"), stock=3, by=TESTS)
    page = client.get(f"/s/{storefront.code}/p/{lacking.product.slug}/", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert "Sécurité du produit" in html and "Shenzhen Kettle Co." in html and "Chine" in html
    assert "Personne responsable dans l'UE" in html and "Repräsentant GmbH" in html
    assert 'href="mailto:gpsr@repraesentant.test"' in html and lacking.gtin in html
    assert "Ne pas remplir au-delà de MAX." in html and "Do not fill above MAX." not in html
    read = client.get(f"/api/v1/storefronts/{storefront.code}/products/{lacking.product.slug}")
    assert read.status_code == 200, read.content
    shown = read.json()["safety"]
    assert shown["manufacturer"]["country"] == "CN"
    assert shown["responsible_person"]["name"] == "Repräsentant GmbH"
    assert shown["warnings"] == safety["safety_information"][storefront.default_language]


def test_offers_listed_before_the_check_stay_and_the_operator_report_names_them(shop):
    # Given an offer listed while the product was complete, the data then lost (an older listing)
    from io import StringIO

    from django.core.management import call_command

    _storefront, seller, lacking = shop
    product_safety_set(product_id=lacking.product_id, safety={"manufacturer_address": "1 quai Y, Lyon"})
    offer = offer_create(seller=seller, variant=lacking, price=Money(1990, "EUR"), stock=3, by=TESTS)
    product_safety_set(product_id=lacking.product_id, safety={"manufacturer_address": ""})
    # When the operator runs the report, the offer is still on sale and named
    out = StringIO()
    call_command("product_safety", stdout=out)
    offer.refresh_from_db()
    assert offer.status == "active"
    lines = out.getvalue().strip().splitlines()
    assert lines[1].endswith(",1,0,manufacturer_address") and lacking.product.slug in lines[1]
    # When they pause them, the offer is paused with a history row, and kept
    call_command("product_safety", "--pause", stdout=StringIO(), stderr=StringIO())
    offer.refresh_from_db()
    assert offer.status == "paused"
    assert offer.changes.filter(field="status", to_value="paused").exists()


def test_the_safety_report_shows_a_formula_like_title_as_text(shop):
    import csv
    from io import StringIO

    from django.core.management import call_command

    _storefront, seller, lacking = shop
    product_safety_set(product_id=lacking.product_id, safety={"manufacturer_address": "1 quai Y, Lyon"})
    offer_create(seller=seller, variant=lacking, price=Money(1990, "EUR"), stock=3, by=TESTS)
    product_safety_set(product_id=lacking.product_id, safety={"manufacturer_address": ""})
    Product.objects.filter(pk=lacking.product_id).update(title='=HYPERLINK("http://evil.example")')
    out = StringIO()
    call_command("product_safety", stdout=out)
    row = next(csv.DictReader(StringIO(out.getvalue())))
    assert row["title"] == '\'=HYPERLINK("http://evil.example")' and row["active_offers"] == "1"
