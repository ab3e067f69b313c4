import pytest

from galerie.offers.selectors import buy_box, offers_for_variant
from galerie.offers.services import offer_stock_set
from galerie.sellers.services import seller_admission_decide, seller_suspend
from tests.factories import TESTS, make_category, make_offer, make_seller, make_storefront, make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_storefront(scope=[make_category()])


def test_buy_box_rule_price_then_condition_then_lead_time_then_age(shop):
    variant = make_variant()
    sellers = [make_seller(storefronts=[shop]) for _ in range(5)]
    used_cheap = make_offer(seller=sellers[0], variant=variant, price_minor=1500, condition="used")
    new_slow = make_offer(seller=sellers[1], variant=variant, price_minor=1500, lead_time_days=5)
    new_fast = make_offer(seller=sellers[2], variant=variant, price_minor=1500, lead_time_days=1)
    new_fast_later = make_offer(seller=sellers[3], variant=variant, price_minor=1500, lead_time_days=1)
    dearer = make_offer(seller=sellers[4], variant=variant, price_minor=1600)
    ranked = offers_for_variant(storefront=shop, variant_id=variant.pk)
    assert ranked == [new_fast, new_fast_later, new_slow, used_cheap, dearer]
    assert buy_box(storefront=shop, variant_id=variant.pk) == new_fast


def test_only_sellable_offers_compete(shop):
    variant = make_variant()
    best = make_offer(seller=make_seller(storefronts=[shop]), variant=variant, price_minor=900)
    out_of_stock = make_offer(seller=make_seller(storefronts=[shop]), variant=variant, price_minor=100)
    offer_stock_set(by=TESTS, offer_id=out_of_stock.pk, stock=0)
    suspended = make_seller(storefronts=[shop])
    make_offer(seller=suspended, variant=variant, price_minor=200)
    seller_suspend(
        seller_id=suspended.pk, reason="Complaints (statement of reasons)", ground="Seller terms §7"
    )
    not_admitted = make_seller(storefronts=[shop], active=True)
    seller_admission_decide(
        seller_id=not_admitted.pk,
        storefront_id=shop.pk,
        admit=False,
        reason="Off-topic for this storefront",
        ground="Seller terms §3",
    )
    make_offer(seller=not_admitted, variant=variant, price_minor=300)
    elsewhere = make_seller(storefronts=[make_storefront()])
    make_offer(seller=elsewhere, variant=variant, price_minor=50)
    make_offer(seller=make_seller(storefronts=[shop]), variant=variant, price_minor=60, currency="USD")
    assert offers_for_variant(storefront=shop, variant_id=variant.pk) == [best]


def test_no_offer_no_buy_box(shop):
    assert buy_box(storefront=shop, variant_id=make_variant().pk) is None
