"""A storefront for the storefront API's tests: books in its scope, music outside it, two admitted
sellers, one seller admitted elsewhere only, a closed storefront; the search index built."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from galerie.catalog.models import Category, Product, Variant
from galerie.offers.models import Offer
from galerie.search.services import search_reindex
from galerie.sellers.models import Seller, ShippingProfile
from galerie.storefronts.closure import storefront_closure_announce, storefront_closure_finish
from galerie.storefronts.models import Storefront
from tests.factories import (
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

PASSWORD = "a-long-test-password"


@dataclass
class World:
    shop: Storefront
    other: Storefront  # the outsider seller's storefront
    books: Category
    novels: Category
    music: Category
    alice: Seller  # admitted, cheap
    bob: Seller  # admitted, dearer
    outsider: Seller  # admitted to ``other`` only
    novel: Product
    novel_variant: Variant
    cheap: Offer  # alice's, on the novel
    dear: Offer  # bob's, on the novel
    record: Product  # music: outside the scope
    record_offer: Offer
    hidden: Product  # in the scope, offered by the outsider only
    hidden_offer: Offer


def build_world() -> World:
    books = make_category("Books")
    novels = make_category("Novels", parent=books)
    music = make_category("Music")
    shop = make_storefront(scope=[books])
    other = make_storefront(scope=[books, music])
    alice = make_seller(storefronts=[shop, other])
    bob = make_seller(storefronts=[shop])
    outsider = make_seller(storefronts=[other])
    ShippingProfile.objects.create(seller=bob, kind="flat", base_minor=590, free_above_minor=5000)
    novel = make_product(category=novels, title="Twenty Thousand Leagues Under the Seas")
    variant = make_variant(product=novel)
    cheap = make_offer(seller=alice, variant=variant, price_minor=1290, stock=3)
    dear = make_offer(seller=bob, variant=variant, price_minor=1890, stock=20)
    record = make_product(category=music, title="Kind of Blue Record")
    record_offer = make_offer(seller=alice, variant=make_variant(product=record), price_minor=2500)
    hidden = make_product(category=novels, title="Hidden Novel Elsewhere")
    hidden_offer = make_offer(seller=outsider, variant=make_variant(product=hidden), price_minor=900)
    search_reindex()
    return World(
        shop, other, books, novels, music, alice, bob, outsider, novel, variant, cheap, dear,
        record, record_offer, hidden, hidden_offer,
    )  # fmt: skip


def close(shop: Storefront) -> None:
    """Close ``shop`` for good, as the operator does (announce today, then finish)."""
    storefront_closure_announce(storefront_id=shop.pk, closing_on=timezone.localdate(), reason="Review")
    storefront_closure_finish(storefront_id=shop.pk)
