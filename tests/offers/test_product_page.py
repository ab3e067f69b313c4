"""The product page's plain-SQL selectors give the ORM selectors' answers (sellable.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from galerie.catalog.errors import ProductNotFound
from galerie.catalog.models import Product, Variant
from galerie.catalog.services import brand_create
from galerie.core.money import Money
from galerie.offers.selectors import offers_for_variant, prior_prices, storefront_product_get
from galerie.offers.selectors.product_page import product_page_offers, storefront_product_page_get
from galerie.offers.services import offer_price_set, offer_stock_set
from galerie.pricing.shipping import ShippingRule
from galerie.sellers.models import ShippingProfile
from galerie.sellers.services import seller_admission_decide, seller_suspend
from tests.factories import (
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_offers_are_the_sellable_ones_in_buy_box_order_with_shipping_and_prior_price():
    shop = make_storefront(scope=[make_category()])
    variant = make_variant()
    sellers = [make_seller(storefronts=[shop]) for _ in range(6)]
    ShippingProfile.objects.create(seller=sellers[0], kind="per_item", base_minor=349, per_item_minor=99)
    ShippingProfile.objects.create(
        seller=sellers[1], kind="flat", base_minor=590, free_above_minor=1500, transit_days_max=6
    )
    make_offer(seller=sellers[0], variant=variant, price_minor=1500, condition="used")
    make_offer(seller=sellers[1], variant=variant, price_minor=1500, lead_time_days=5)
    make_offer(seller=sellers[2], variant=variant, price_minor=1500, lead_time_days=1, condition="like_new")
    make_offer(
        seller=sellers[3], variant=variant, price_minor=1500, lead_time_days=1, condition="refurbished"
    )
    reduced = make_offer(seller=sellers[4], variant=variant, price_minor=3000)
    now = datetime.now(UTC)
    reduced.price_history.update(valid_from=now - 100 * DAY)
    offer_price_set(by=TESTS, offer_id=reduced.pk, price=Money(2600, "EUR"), at=now - 45 * DAY)
    offer_price_set(by=TESTS, offer_id=reduced.pk, price=Money(2000, "EUR"), at=now - 3 * DAY)
    out_of_stock = make_offer(seller=sellers[5], variant=variant, price_minor=100)
    offer_stock_set(by=TESTS, offer_id=out_of_stock.pk, stock=0)
    suspended = make_seller(storefronts=[shop])
    make_offer(seller=suspended, variant=variant, price_minor=200)
    seller_suspend(
        seller_id=suspended.pk, reason="Complaints (statement of reasons)", ground="Seller terms §7"
    )
    refused = make_seller(storefronts=[shop], active=True)
    seller_admission_decide(
        seller_id=refused.pk,
        storefront_id=shop.pk,
        admit=False,
        reason="Off-topic for this storefront",
        ground="Seller terms §3",
    )
    make_offer(seller=refused, variant=variant, price_minor=300)
    make_offer(seller=make_seller(storefronts=[make_storefront()]), variant=variant, price_minor=50)
    make_offer(seller=make_seller(storefronts=[shop]), variant=variant, price_minor=60, currency="USD")

    expected = offers_for_variant(storefront=shop, variant_id=variant.pk)
    priors = prior_prices([o.pk for o in expected])
    rows = product_page_offers(storefront=shop, variant_id=variant.pk)

    assert [r.pk for r in rows] == [o.pk for o in expected]
    assert len(rows) == 5
    assert sum(row.shipping_profile is not None for row in rows) == 2
    assert priors == {reduced.pk: 2600}
    for row, offer in zip(rows, expected, strict=True):
        rule = ShippingRule.of(getattr(offer.seller, "shipping_profile", None))
        assert (row.uuid, row.price_minor, row.currency, row.condition, row.stock) == (
            offer.uuid,
            offer.price_minor,
            offer.currency,
            offer.condition,
            offer.stock,
        )
        assert row.get_condition_display() == offer.get_condition_display()
        assert (row.seller.slug, row.seller.display_name, row.seller.kind, row.seller.return_policy) == (
            offer.seller.slug,
            offer.seller.display_name,
            offer.seller.kind,
            offer.seller.return_policy,
        )
        assert ShippingRule.of(row.shipping_profile) == rule
        assert row.prior_minor == priors.get(offer.pk)


def test_no_offer_no_row():
    assert product_page_offers(storefront=make_storefront(), variant_id=make_variant().pk) == []


def test_product_is_the_published_one_of_the_scope():
    inside, outside = make_category(), make_category()
    child = make_category(parent=inside)
    shop, everything = make_storefront(scope=[inside]), make_storefront()
    product = make_product(category=child, brand=brand_create(name="Hetzel"))
    variants = [make_variant(product=product, name=name) for name in ("B", "A")]
    Variant.objects.filter(pk=variants[1].pk).update(position=0)
    Variant.objects.filter(pk=variants[0].pk).update(position=1)
    other = make_product(category=outside)

    page = storefront_product_page_get(shop, slug=product.slug)
    orm = storefront_product_get(shop, slug=product.slug)
    assert (page.product.pk, page.product.title, page.product.description) == (
        orm.pk,
        orm.title,
        orm.description,
    )
    assert page.product.attributes == orm.attributes == {"author": "Jules Verne", "pages": 320}
    assert (page.product.category.slug, page.product.category.name) == (child.slug, child.name)
    assert (page.product.brand.slug, page.product.brand.name) == (orm.brand.slug, "Hetzel")
    assert [(v.pk, v.uuid, v.name, v.gtin, v.attributes) for v in page.variants] == [
        (v.pk, v.uuid, v.name, v.gtin, v.attributes) for v in orm.variants.all()
    ]
    assert [v.name for v in page.variants] == ["A", "B"] == [v.name for v in reversed(variants)]
    assert [(d.code, d.name, d.kind, d.unit, d.position) for d in page.definitions] == [
        (d.code, d.name, d.kind, d.unit, d.position) for d in orm.product_type.attributes.all()
    ]
    assert storefront_product_page_get(everything, slug=other.slug).product.pk == other.pk  # no scope: all
    with pytest.raises(ProductNotFound):
        storefront_product_page_get(shop, slug=other.slug)
    with pytest.raises(ProductNotFound):
        storefront_product_page_get(shop, slug="no-such-product")
    Product.objects.filter(pk=product.pk).update(status=Product.Status.WITHDRAWN)
    with pytest.raises(ProductNotFound):
        storefront_product_page_get(shop, slug=product.slug)


def test_offers_of_several_variants_are_each_variants_offers_in_two_queries(django_assert_num_queries):
    from galerie.offers.selectors.product_page import product_page_offers_of_variants

    shop = make_storefront()
    sellers = [make_seller(storefronts=[shop]) for _ in range(2)]
    product = make_variant().product
    first, second, bare = (make_variant(product=product) for _ in range(3))
    make_offer(seller=sellers[0], variant=first, price_minor=900)
    make_offer(seller=sellers[1], variant=first, price_minor=700)
    make_offer(seller=sellers[1], variant=second, price_minor=1500)
    with django_assert_num_queries(2):
        found = product_page_offers_of_variants(storefront=shop, variant_ids=[first.pk, second.pk, bare.pk])
    assert {v: [o.price_minor for o in rows] for v, rows in found.items()} == {
        first.pk: [700, 900],
        second.pk: [1500],
    }
    for variant in (first, second, bare):  # the same answer as one variant at a time
        single = product_page_offers(storefront=shop, variant_id=variant.pk)
        assert [o.pk for o in single] == [o.pk for o in found.get(variant.pk, [])]
