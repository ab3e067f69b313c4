"""Shop settings (page, logo, shipping), their public display, and the packing slip."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from galerie.core.models import OutboxEvent
from galerie.orders.models import SellerOrder
from galerie.sellers.models import Seller, SellerMember, ShippingProfile
from tests.factories import make_offer, make_seller, make_storefront
from tests.web.portal_data import member, seller_order_make

pytestmark = pytest.mark.django_db
Role = SellerMember.Role
SHOP = "/sell/shop/"
VALID = {
    "display_name": "Librairie Martin",
    "description": "Old and new books, packed with care.",
    "return_policy": "Returns accepted within 30 days.\nRefund within 5 days of receipt.",
    "low_stock_threshold": "5",
    "shipping_kind": "per_item",
    "shipping_base": "3,49",
    "shipping_per_item": "0.99",
    "shipping_free_above": "50",
    "transit_days_min": "2",
    "transit_days_max": "5",
}


def image_file(name: str = "logo.png", size=(1200, 600), fmt: str = "PNG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def shop():
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront], display_name="Martin")
    return {
        "storefront": storefront,
        "seller": seller,
        "owner": member(seller),
        "manager": member(seller, Role.MANAGER),
        "clerk": member(seller, Role.SHIPPING_CLERK),
    }


def snapshot(seller: Seller) -> tuple:
    seller.refresh_from_db()
    profile = ShippingProfile.objects.filter(seller=seller).values_list(
        "kind", "base_minor", "per_item_minor", "free_above_minor", "transit_days_min", "transit_days_max"
    )
    return (
        seller.display_name,
        seller.description,
        seller.return_policy,
        seller.low_stock_threshold,
        seller.logo.name,
        list(profile),
        OutboxEvent.objects.filter(topic="seller.shop_updated").count(),
    )


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_the_settings_page_shows_the_current_values(client, shop, role):
    client.force_login(shop[role])
    response = client.get(SHOP)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Martin"' in html and 'value="4.90"' in html  # the default flat rate
    assert f"/s/{shop['storefront'].code}/seller/{shop['seller'].slug}/" in html
    assert 'enctype="multipart/form-data"' in html


def test_a_shipping_clerk_may_not_change_the_shop(client, shop):
    before = snapshot(shop["seller"])
    client.force_login(shop["clerk"])
    assert client.get(SHOP).status_code == 403
    assert client.post(SHOP, VALID).status_code == 403
    assert snapshot(shop["seller"]) == before


def test_saving_updates_the_page_the_shipping_profile_and_emits_one_event(client, shop):
    client.force_login(shop["owner"])
    response = client.post(SHOP, {**VALID, "logo": image_file()})
    assert response.status_code == 302 and response["Location"] == SHOP
    seller = shop["seller"]
    name, description, policy, threshold, _logo, profile, events = snapshot(seller)
    assert (name, description, threshold) == ("Librairie Martin", VALID["description"], 5)
    assert policy == VALID["return_policy"]
    assert profile == [("per_item", 349, 99, 5000, 2, 5)]
    assert events == 1
    event = OutboxEvent.objects.get(topic="seller.shop_updated")
    assert event.payload["seller_id"] == seller.pk
    assert set(event.payload["fields"]) >= {"display_name", "return_policy", "logo", "shipping_profile"}
    with Image.open(seller.logo.path) as stored:
        assert stored.format == "PNG" and stored.size == (512, 256)
    assert "Shop settings saved." in client.get(SHOP).content.decode()
    # The same values again change nothing: no new event.
    client.post(SHOP, VALID)
    assert snapshot(seller)[-1] == 1


def test_a_new_logo_replaces_the_old_one_and_can_be_removed(client, shop, django_capture_on_commit_callbacks):
    client.force_login(shop["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SHOP, {**VALID, "logo": image_file("a.jpg", (300, 300), "JPEG")})
    seller = shop["seller"]
    seller.refresh_from_db()
    first = seller.logo.name
    assert first.endswith(".jpg") and seller.logo.storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SHOP, {**VALID, "logo": image_file("b.webp", (100, 80), "WEBP")})
    seller.refresh_from_db()
    assert seller.logo.name.endswith(".webp") and not seller.logo.storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SHOP, {**VALID, "logo_remove": "on"})
    seller.refresh_from_db()
    assert not seller.logo


@pytest.mark.parametrize(
    ("change", "field_error"),
    [
        (
            {"logo": SimpleUploadedFile("logo.png", b"not an image at all", content_type="image/png")},
            "not an image",
        ),
        ({"logo": image_file("anim.gif", (10, 10), "GIF")}, "send a PNG, JPEG or WebP"),
        ({"display_name": "   "}, "This field is required"),
        ({"low_stock_threshold": "-1"}, "is not a whole number"),
        ({"shipping_base": "4,999"}, "is not an amount"),
        ({"shipping_base": "-1"}, "cannot be negative"),
        ({"shipping_free_above": "0"}, "more than zero"),
        ({"transit_days_min": "6", "transit_days_max": "3"}, "cannot be shorter"),
        ({"shipping_kind": "by-weight"}, "not one of the available choices"),
    ],
)
def test_bad_input_says_what_and_where_and_changes_nothing(client, shop, change, field_error):
    client.force_login(shop["owner"])
    before = snapshot(shop["seller"])
    response = client.post(SHOP, {**VALID, **change})
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error in html and "Nothing was saved" in html
    assert snapshot(shop["seller"]) == before


def test_a_logo_over_2_mb_is_refused(client, shop):
    client.force_login(shop["owner"])
    before = snapshot(shop["seller"])
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 1), content_type="image/png")
    response = client.post(SHOP, {**VALID, "logo": big})
    assert response.status_code == 400 and "2 MB at most" in response.content.decode()
    assert snapshot(shop["seller"]) == before


# --- the public pages ----------------------------------------------------------------------


def test_the_public_seller_and_product_pages_show_the_logo_and_return_policy(client, shop):
    client.force_login(shop["owner"])
    client.post(SHOP, {**VALID, "logo": image_file()})
    client.logout()
    seller = shop["seller"]
    seller.refresh_from_db()
    code = shop["storefront"].code
    html = client.get(f"/s/{code}/seller/{seller.slug}/").content.decode()
    assert seller.logo.url in html and "Returns accepted within 30 days.<br>Refund" in html
    offer = make_offer(seller=seller)
    other = make_offer(
        seller=make_seller(storefronts=[shop["storefront"]]), variant=offer.variant, price_minor=1
    )
    url = f"/s/{code}/p/{offer.variant.product.slug}/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert html.count("Returns accepted within 30 days.") == 1  # our offer only; the other seller has none
    assert other.seller.display_name in html
    assert len(queries) <= 12  # the product page's bound (tests/bench/test_scenario_queries.py)


# --- the packing slip --------------------------------------------------------------------


@pytest.fixture
def order(shop):
    offer = make_offer(seller=shop["seller"], price_minor=4321, seller_sku="SKU-SLIP-1")
    return seller_order_make(
        offer=offer, placed_at=timezone.now(), status=SellerOrder.Status.ACCEPTED, quantity=3
    )


@pytest.mark.parametrize("role", ["owner", "manager", "clerk"])
def test_the_packing_slip_lists_what_to_pack_without_prices(client, shop, order, role):
    client.force_login(shop[role])
    url = f"/sell/orders/{order.number}/packing-slip/"
    assert url in client.get(f"/sell/orders/{order.number}/").content.decode()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        order.number,
        "SKU-SLIP-1",
        ">3<",
        "Alice Martin",
        "3 rue des Lilas",
        "69003 Lyon",
        "Martin",
    ):
        assert text in html, text
    assert "12 rue des Écoles" in html  # the shop's own address
    assert "43.21" not in html and "129.63" not in html and "€" not in html
    assert "+33472000000" not in html  # the parcel needs no phone number of the customer
    assert "data-print" in html


def test_another_sellers_packing_slip_is_a_404(client, shop, order):
    stranger = member(make_seller(storefronts=[shop["storefront"]]))
    client.force_login(stranger)
    response = client.get(f"/sell/orders/{order.number}/packing-slip/")
    assert response.status_code == 404 and "Alice Martin" not in response.content.decode()
