"""Product proposals: the checks of a proposal, the operator's accept (one transaction) and reject."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from galerie.catalog.errors import GtinInCatalog
from galerie.catalog.models import Brand, Product, ProductImage, ProductProposal, Variant
from galerie.catalog.services_proposals import (
    product_proposal_duplicates,
    product_proposal_get_for_seller,
    product_proposal_queue,
    product_proposal_reject,
)
from galerie.core.delivery import outbox_deliver_batch
from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.notifications.handlers import HANDLERS
from galerie.offers.models import Offer
from galerie.offers.proposals import (
    product_proposal_accept,
    product_proposal_create,
    proposal_categories_for_seller,
)
from galerie.sellers.models import SellerMember
from tests.factories import (
    SAFE_PRODUCT,
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
Status = ProductProposal.Status


def image_file(fmt: str = "PNG", name: str = "cover.png", size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 20)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def world():
    books = make_category("Books")
    novels = make_category("Novels", parent=books)
    elsewhere = make_category("Garden")
    storefront = make_storefront(scope=[books])
    seller = make_seller(storefronts=[storefront])
    owner = make_staff_member(seller, SellerMember.Role.OWNER)
    books.refresh_from_db()
    return SimpleNamespace(
        books=books,
        novels=novels,
        elsewhere=elsewhere,
        storefront=storefront,
        seller=seller,
        owner=owner,
        product_type=make_product_type(),
        operator=make_user(is_staff=True),
    )


def propose(world, **overrides):
    fields = {
        "seller": world.seller,
        "by": world.owner,
        "category_id": world.novels.pk,
        "product_type_id": world.product_type.pk,
        "title": "Le Tour du monde en 80 jours",
        "brand_name": "Hetzel",
        "gtin": gtin13("978"),
        "description": "Phileas Fogg bets he can.",
        "attributes": {"author": "Jules Verne", "pages": "320", "format": "paperback"},
        "image": None,
        "condition": "new",
        "price": Money(1290, "EUR"),
        "stock": 4,
        "safety": SAFE_PRODUCT,
        **overrides,
    }
    return product_proposal_create(**fields)


def test_only_leaves_in_the_scope_of_an_admitted_storefront_may_be_chosen(world):
    assert list(proposal_categories_for_seller(seller=world.seller)) == [world.novels]
    with pytest.raises(InvalidInput) as error:
        propose(world, category_id=world.books.pk)  # not a leaf
    assert "category" in error.value.errors
    with pytest.raises(InvalidInput) as error:
        propose(world, category_id=world.elsewhere.pk)  # outside the scope
    assert "category" in error.value.errors
    assert not ProductProposal.objects.exists()


def test_a_storefront_with_an_empty_scope_opens_every_leaf(world):
    whole = make_storefront()
    world.seller.admissions.create(storefront=whole, status="admitted")
    leaves = set(proposal_categories_for_seller(seller=world.seller))
    assert {world.novels, world.elsewhere} <= leaves and world.books not in leaves


def test_every_bad_field_is_named_and_nothing_is_stored(world):
    with pytest.raises(InvalidInput) as error:
        propose(
            world,
            title=" ",
            gtin="9780000000001",
            attributes={"pages": "many", "colour": "red"},
            price=Money(0, "EUR"),
            image=SimpleUploadedFile("x.png", b"not an image"),
        )
    assert {"title", "gtin", "attributes", "price", "image"} <= set(error.value.errors)
    assert "check digit" in " ".join(error.value.errors["gtin"])
    with pytest.raises(InvalidInput) as error:
        propose(world, stock=None)
    assert "stock" in error.value.errors
    assert not ProductProposal.objects.exists()


def test_images_must_be_png_jpeg_or_webp_of_at_most_5_mb(world):
    with pytest.raises(InvalidInput) as error:
        propose(world, image=image_file("GIF", "a.gif"))
    assert "send a PNG, JPEG or WebP file" in error.value.errors["image"][0]
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024))
    with pytest.raises(InvalidInput) as error:
        propose(world, image=big)
    assert "at most 5 MB" in error.value.errors["image"][0]
    proposal = propose(world, image=image_file("WEBP", "c.webp"))
    assert proposal.image.name.endswith(".webp")


def test_a_gtin_already_in_the_catalog_names_the_product_to_offer_on(world):
    variant = make_variant(product=make_product(category=world.novels, title="Already here"))
    with pytest.raises(GtinInCatalog) as error:
        propose(world, gtin=variant.gtin)
    assert error.value.variant_id == variant.pk and "Already here" in error.value.message
    assert error.value.field == "gtin"
    assert not ProductProposal.objects.exists()


def test_accept_creates_brand_product_variant_image_and_the_first_offer_in_one_go(world):
    Brand.objects.create(name="HETZEL", slug="hetzel")  # reused, whatever the case
    proposal = propose(world, image=image_file())

    product_proposal_accept(proposal_id=proposal.pk, by=world.operator)
    product_proposal_accept(proposal_id=proposal.pk, by=world.operator)  # a retry: nothing more

    proposal.refresh_from_db()
    product = Product.objects.get()
    variant = Variant.objects.get(product=product)
    offer = Offer.objects.get(variant=variant)
    assert proposal.status == Status.ACCEPTED and proposal.product == product
    assert proposal.decided_by == world.operator and proposal.decided_at is not None
    assert product.status == Product.Status.PUBLISHED and product.category == world.novels
    assert product.brand.name == "HETZEL" and Brand.objects.count() == 1
    assert product.attributes == {"author": "Jules Verne", "pages": 320}
    assert variant.gtin == proposal.gtin and variant.attributes == {"format": "paperback"}
    assert ProductImage.objects.filter(product=product).count() == 1
    assert (offer.seller, offer.price_minor, offer.stock, offer.condition) == (world.seller, 1290, 4, "new")
    assert StatusChange.objects.filter(model="catalog.ProductProposal", to_status="accepted").count() == 1


def test_accept_without_price_makes_no_offer_and_a_new_brand(world):
    proposal = propose(world, price=None, stock=None, brand_name="Éditions Neuves")
    product_proposal_accept(proposal_id=proposal.pk, by=world.operator, title="Le Tour du monde (édition)")
    assert not Offer.objects.exists()
    assert Product.objects.get().title == "Le Tour du monde (édition)"
    assert Brand.objects.get().name == "Éditions Neuves"


def test_accept_fails_whole_when_the_gtin_entered_the_catalog_meanwhile(world):
    proposal = propose(world)
    make_variant(product=make_product(category=world.novels), gtin=proposal.gtin)
    products = Product.objects.count()
    with pytest.raises(GtinInCatalog):
        product_proposal_accept(proposal_id=proposal.pk, by=world.operator)
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING and Product.objects.count() == products
    assert not Offer.objects.exists()


def test_reject_needs_a_reason_and_is_final(world):
    proposal = propose(world)
    with pytest.raises(InvalidInput) as error:
        product_proposal_reject(proposal_id=proposal.pk, by=world.operator, reason="  ")
    assert error.value.field == "reason"
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING

    product_proposal_reject(proposal_id=proposal.pk, by=world.operator, reason="Blurry picture.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reason) == (Status.REJECTED, "Blurry picture.")
    with pytest.raises(InvalidTransition):
        product_proposal_accept(proposal_id=proposal.pk, by=world.operator)
    assert not Product.objects.exists()


def test_the_decision_is_emailed_to_owners_and_managers(world, smtp_inbox):
    manager = make_staff_member(world.seller, SellerMember.Role.MANAGER)
    clerk = make_staff_member(world.seller, SellerMember.Role.SHIPPING_CLERK)
    proposal = propose(world)
    product_proposal_reject(proposal_id=proposal.pk, by=world.operator, reason="We sell no such thing.")
    topic = "productproposal.status_changed"
    while outbox_deliver_batch({topic: HANDLERS[topic]}, batch=500).claimed:
        pass

    for user in (world.owner, manager):
        [message] = smtp_inbox.to(user.email)
        # The storefront speaks French: the subject is the catalog's translation.
        assert str(message["Subject"]).strip() == f"Proposition de produit refusée\u00a0: {proposal.title}"
        assert "We sell no such thing." in message.get_body(("plain",)).get_content()
        assert f"/sell/products/proposals/{proposal.pk}/" in message.get_body(("plain",)).get_content()
    assert smtp_inbox.to(clerk.email) == []


def test_selectors_scope_to_the_seller_and_put_pending_first(world):
    other = make_seller(storefronts=[world.storefront])
    mine = propose(world)
    decided = propose(world, gtin=gtin13("978"))
    product_proposal_reject(proposal_id=decided.pk, by=world.operator, reason="No.")
    later = propose(world, gtin=gtin13("978"))
    from galerie.core.errors import NotFound

    with pytest.raises(NotFound):
        product_proposal_get_for_seller(seller_id=other.pk, proposal_id=mine.pk)
    assert [p.pk for p in product_proposal_queue()] == [mine.pk, later.pk, decided.pk]
    assert [p.pk for p in product_proposal_queue(status="rejected")] == [decided.pk]


def test_duplicates_are_found_by_gtin_and_by_title_words(world):
    proposal = propose(world, title="Voyage au centre de la Terre")
    same_title = make_product(category=world.novels, title="Jules Verne — Voyage au centre de la Terre")
    unrelated = make_product(category=world.novels, title="Vingt mille lieues")
    found = product_proposal_duplicates(proposal=proposal)
    assert same_title in found and unrelated not in found
    assert OutboxEvent.objects.filter(topic="product_proposal.created").count() == 1


@pytest.mark.parametrize("typed", ["0860013870508", "'0860013870508", "00860013870508"])
def test_a_upc_already_in_the_catalog_is_found_from_any_spelling_of_it(world, typed):
    variant = make_variant(product=make_product(category=world.novels, title="UPC here"), gtin="860013870508")
    with pytest.raises(GtinInCatalog) as error:
        propose(world, gtin=typed)
    assert error.value.variant_id == variant.pk
    assert not ProductProposal.objects.exists()


def test_a_proposal_stores_an_ean8_in_the_catalogs_form(world):
    assert propose(world, gtin="9638-5074").gtin == "0000096385074"
