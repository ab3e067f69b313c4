"""Product proposals through the pages: the seller proposes, the operator decides, the product and
the seller's offer appear on the storefront."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from galerie.catalog.models import Product, ProductProposal, Variant
from galerie.core.money import Money
from galerie.offers.models import Offer
from galerie.offers.proposals import product_proposal_create
from galerie.sellers.models import SellerMember
from tests.factories import (
    gtin13,
    make_category,
    make_product,
    make_product_type,
    make_seller,
    make_staff_member,
    make_storefront,
    make_user,
    make_variant,
)

pytestmark = pytest.mark.django_db
Role = SellerMember.Role
NEW = "/sell/products/propose/"


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 90, 160)).save(out, format="PNG")
    return SimpleUploadedFile("cover.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def world():
    books = make_category("Books")
    novels = make_category("Novels", parent=books)
    storefront = make_storefront(scope=[books])
    seller = make_seller(storefronts=[storefront])
    return SimpleNamespace(
        novels=novels,
        storefront=storefront,
        seller=seller,
        owner=make_staff_member(seller, Role.OWNER),
        product_type=make_product_type(name="Book"),
        operator=make_user(is_staff=True),
    )


def form_data(world, **overrides):
    return {
        "product_type": world.product_type.pk,
        "category": world.novels.pk,
        "title": "Michel Strogoff",
        "brand_name": "Hetzel",
        "gtin": gtin13("978"),
        "description": "The Tsar's courier.",
        "attr_author": "Jules Verne",
        "attr_pages": "410",
        "attr_format": "hardcover",
        "condition": "new",
        "price": "14,50",
        "stock": "3",
        "manufacturer_name": "Éditions Hetzel",
        "manufacturer_address": "18 rue Jacob\n75006 Paris",
        "manufacturer_country": "fr",
        "manufacturer_contact": "https://hetzel.test/contact",
        "safety_en": "No particular hazard.",
        "safety_fr": "Aucun danger particulier.",
        **overrides,
    }


def test_propose_accept_and_the_offer_is_on_the_storefront_product_page(client, world):
    client.force_login(world.owner)
    page = client.get(NEW)
    assert page.status_code == 200 and "Book" in page.content.decode()
    page = client.get(NEW, {"product_type": world.product_type.pk})
    body = page.content.decode()
    assert 'name="attr_author"' in body and "Novels" in body

    response = client.post(NEW, {**form_data(world), "image": png()})
    proposal = ProductProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("seller_area:proposal", kwargs={"proposal_id": proposal.pk})
    assert proposal.price_minor == 1450 and proposal.image
    assert "Michel Strogoff" in client.get(reverse("seller_area:proposals")).content.decode()
    assert "Michel Strogoff" in client.get(response["Location"]).content.decode()

    client.force_login(world.operator)
    queue = client.get(reverse("back_office:proposals")).content.decode()
    assert "Michel Strogoff" in queue and world.seller.display_name in queue
    detail = reverse("back_office:proposal", kwargs={"proposal_id": proposal.pk})
    assert client.get(detail).status_code == 200
    response = client.post(
        detail, {"action": "accept", "title": "Michel Strogoff", "description": "The courier."}
    )
    assert response.status_code == 302

    product = Product.objects.get()
    variant = Variant.objects.get(product=product)
    offer = Offer.objects.get(variant=variant)
    assert variant.gtin == proposal.gtin and offer.seller == world.seller and offer.price_minor == 1450
    page = client.get(f"/s/{world.storefront.code}/p/{product.slug}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Michel Strogoff" in body and world.seller.display_name in body
    # the proposal's safety data was copied to the product and the page names the manufacturer
    assert "Éditions Hetzel" in body and "18 rue Jacob" in body and "https://hetzel.test/contact" in body


def propose(world, **fields):
    return product_proposal_create(
        seller=world.seller,
        by=world.owner,
        category_id=world.novels.pk,
        product_type_id=world.product_type.pk,
        attributes={"author": "X"},
        **fields,
    )


def test_reject_needs_a_reason_on_the_page(client, world):
    proposal = propose(world, title="Something")
    client.force_login(world.operator)
    detail = reverse("back_office:proposal", kwargs={"proposal_id": proposal.pk})
    response = client.post(detail, {"action": "reject", "reason": ""})
    assert response.status_code == 400 and "Give the reason" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    client.post(detail, {"action": "reject", "reason": "Not a book."})
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reason) == ("rejected", "Not a book.")
    client.force_login(world.owner)
    page = client.get(reverse("seller_area:proposal", kwargs={"proposal_id": proposal.pk}))
    assert "Not a book." in page.content.decode()


def test_a_gtin_already_in_the_catalog_links_to_making_an_offer(client, world):
    variant = make_variant(product=make_product(category=world.novels, title="Vingt mille lieues"))
    client.force_login(world.owner)
    response = client.post(NEW, form_data(world, gtin=variant.gtin))
    body = response.content.decode()
    assert response.status_code == 400 and "Vingt mille lieues" in body
    assert reverse("seller_area:offer_new", kwargs={"variant_id": variant.pk}) in body
    assert not ProductProposal.objects.exists()


def test_bad_input_is_shown_next_to_the_fields_and_nothing_is_stored(client, world):
    client.force_login(world.owner)
    bad = form_data(world, gtin="9780000000001", price="12.345", attr_author="", stock="")
    bad_image = SimpleUploadedFile("x.png", b"GIF89a not really", content_type="image/png")
    response = client.post(NEW, {**bad, "image": bad_image})
    body = response.content.decode()
    assert response.status_code == 400
    assert "its check digits are wrong" in body
    assert "Write the price like 12.90." in body
    assert body.count('class="field has-error"') >= 3  # gtin, price, author
    assert not ProductProposal.objects.exists()


def test_a_shipping_clerk_gets_403_on_proposals(client, world):
    clerk = make_staff_member(world.seller, Role.SHIPPING_CLERK)
    client.force_login(clerk)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(world)).status_code == 403
    assert client.get(reverse("seller_area:proposals")).status_code == 403
    assert not ProductProposal.objects.exists()


def test_another_sellers_proposal_is_404_and_the_back_office_is_staff_only(client, world):
    proposal = propose(world, title="Secret title", price=Money(900, "EUR"), stock=1)
    other = make_seller(storefronts=[world.storefront])
    other_owner = make_staff_member(other, Role.OWNER)
    client.force_login(other_owner)
    assert client.get(reverse("seller_area:proposal", kwargs={"proposal_id": proposal.pk})).status_code == 404
    assert "Secret title" not in client.get(reverse("seller_area:proposals")).content.decode()
    detail = reverse("back_office:proposal", kwargs={"proposal_id": proposal.pk})
    assert client.post(detail, {"action": "accept"}).status_code == 403
    assert client.get(reverse("back_office:proposals")).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending" and not Product.objects.exists()
