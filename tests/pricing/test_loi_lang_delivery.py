"""Delivery of new books (loi 2014-779 and the arrêté of 4 April 2023, docs/loi-lang.md): never
free, at least 3.00 € when a seller's new books total under 35.00 €, and the seller's reduction
of at most 5 % taken only off the delivery charge; in one place, the quote, so that cart,
checkout and order agree."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from galerie.cart.selectors import cart_view
from galerie.cart.services import cart_add
from galerie.catalog.models import Product, ProductType, Variant
from galerie.checkout.services import checkout_place_order
from galerie.core.errors import InvalidInput
from galerie.core.money import Money
from galerie.offers.models import Condition, Offer
from galerie.orders.models import SellerOrder
from galerie.pricing.quote import quote_build
from galerie.pricing.shipping import ShippingRule, book_delivery_floor, loi_lang_applies
from galerie.sellers.models import Seller, ShippingProfile
from galerie.sellers.services.shop import ShippingSettings, seller_shop_update
from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
from tests.factories import (
    make_offer,
    make_product,
    make_product_type,
    make_seller,
    make_staff_member,
    make_storefront,
    make_user,
    make_variant,
)

# --- the rule, pure -------------------------------------------------------------------------------


@pytest.mark.parametrize(("new_books", "floor"), [(1, 300), (3499, 300), (3500, 1), (10_000, 1), (0, 0)])
def test_the_floor_is_3_euros_under_35_euros_of_new_books_and_a_cent_from_35(new_books, floor):
    assert book_delivery_floor(new_books) == floor


def test_the_rules_apply_to_euro_quotes_for_france():
    assert loi_lang_applies(currency="EUR", country="FR")
    assert not loi_lang_applies(currency="CHF", country="FR")
    assert not loi_lang_applies(currency="EUR", country="BE")


@pytest.mark.parametrize(
    ("base", "free_above", "discount_bp", "new_books", "expected"),
    [
        (0, None, 0, 3499, 300),  # a free-shipping seller: 34.99 € of new books pay 3.00 €
        (0, None, 0, 3500, 1),  # 35.00 €: never free, one cent
        (490, 2500, 0, 3500, 490),  # free above 25 € does not apply to new books
        (490, None, 500, 3000, 340),  # 5 % of 30.00 € = 1.50 € off: 4.90 → 3.40 €
        (490, None, 500, 2000, 390),  # 5 % of 20.00 € = 1.00 € off: 3.90 €
        (390, None, 500, 3000, 300),  # 3.90 − 1.50 = 2.40 €, raised to the 3.00 € floor
        (490, None, 500, 20_000, 1),  # 5 % of 200 € = 10 € off 4.90 €: never free, one cent
        (490, None, 500, 3333, 324),  # 5 % of 33.33 € is 1.6665 €: 1.66 € off (rounded down)
    ],
)
def test_the_delivery_of_new_books(base, free_above, discount_bp, new_books, expected):
    rule = ShippingRule(base_minor=base, free_above_minor=free_above, book_discount_bp=discount_bp)
    assert rule.cost(items_minor=new_books, quantity=1, new_books_minor=new_books) == expected


def test_without_new_books_the_profile_applies_as_before():
    rule = ShippingRule(base_minor=490, free_above_minor=2500, book_discount_bp=500)
    assert rule.cost(items_minor=2500, quantity=1) == 0
    assert rule.cost(items_minor=2499, quantity=1) == 490


@given(
    st.sampled_from(["flat", "per_item"]),
    st.integers(0, 5000),
    st.integers(0, 500),
    st.one_of(st.none(), st.integers(1, 20_000)),
    st.integers(0, 500),
    st.integers(1, 200_000),
    st.integers(0, 200_000),
    st.integers(1, 50),
)
def test_new_books_never_ship_free_and_under_35_euros_pay_at_least_3(
    kind, base, per_item, free_above, discount_bp, new_books, others, quantity
):
    rule = ShippingRule(
        kind=kind, base_minor=base, per_item_minor=per_item, free_above_minor=free_above,
        book_discount_bp=discount_bp,
    )  # fmt: skip
    cost = rule.cost(items_minor=new_books + others, quantity=quantity, new_books_minor=new_books)
    assert cost >= 1
    if new_books < 3500:
        assert cost >= 300
    # the reduction is at most 5 % of the new books, and only off the profile's charge
    without = ShippingRule(kind=kind, base_minor=base, per_item_minor=per_item).cost(
        items_minor=new_books + others, quantity=quantity
    )
    assert cost >= min(without, without - new_books * discount_bp // 10_000) or cost in (1, 300)
    assert cost <= max(without, book_delivery_floor(new_books))


# --- the quote: a Hypothesis property over seller groups, built in memory -------------------------

BOOKS = ProductType(pk=1, code="livre", name="Livre", tax_class="super_reduced", is_book=True)
PENS = ProductType(pk=2, code="pen", name="Pen", tax_class="standard", is_book=False)


def _offer(pk: int, seller: Seller, *, book: bool, condition: str, price: int) -> Offer:
    product = Product(pk=pk, product_type=BOOKS if book else PENS, title=f"P{pk}", slug=f"p{pk}")
    variant = Variant(pk=pk, product=product)
    return Offer(
        pk=pk, seller=seller, variant=variant, condition=condition, price_minor=price, currency="EUR"
    )


def _seller(pk: int, profile: ShippingProfile | None) -> Seller:
    seller = Seller(pk=pk, display_name=f"S{pk}")
    Seller.shipping_profile.related.set_cached_value(seller, profile)
    return seller


lines = st.lists(
    st.tuples(
        st.booleans(),
        st.sampled_from(list(Condition.values)),
        st.integers(1, 6000),
        st.integers(1, 5),
        st.integers(1, 3),  # the seller
    ),
    min_size=1,
    max_size=8,
)
profiles = st.one_of(
    st.none(),
    st.builds(
        lambda kind, base, per_item, free_above, bp: ShippingProfile(
            kind=kind,
            base_minor=base,
            per_item_minor=per_item,
            free_above_minor=free_above,
            book_discount_bp=bp,
        ),
        st.sampled_from(["flat", "per_item"]),
        st.integers(0, 2000),
        st.integers(0, 300),
        st.one_of(st.none(), st.integers(1, 10_000)),
        st.integers(0, 500),
    ),
)


@given(lines, st.lists(profiles, min_size=3, max_size=3))
def test_every_quote_group_with_new_books_pays_at_least_a_cent_and_3_euros_under_35(rows, seller_profiles):
    sellers = {pk: _seller(pk, seller_profiles[pk - 1]) for pk in (1, 2, 3)}
    entries = [
        (_offer(i, sellers[s], book=book, condition=condition, price=price), quantity)
        for i, (book, condition, price, quantity, s) in enumerate(rows, start=1)
    ]
    quote = quote_build(currency="EUR", entries=entries)
    for group in quote.groups:
        new_books = sum(
            line.total_minor
            for line, (offer, _q) in zip(
                group.lines, [e for e in entries if e[0].seller_id == group.seller_id], strict=True
            )
            if offer.variant.product.product_type.is_book and line.condition == Condition.NEW
        )
        if new_books:
            assert group.shipping_minor >= 1
            assert group.free_shipping_above_minor is None
            if new_books < 3500:
                assert group.shipping_minor >= 300
        # the quote's total is what its groups say
    assert quote.total_minor == quote.items_minor + sum(g.shipping_minor for g in quote.groups)


def test_a_quote_in_another_currency_keeps_the_profile():
    seller = _seller(1, ShippingProfile(kind="flat", base_minor=0))
    offer = _offer(1, seller, book=True, condition=Condition.NEW, price=1000)
    offer.currency = "CHF"
    (group,) = quote_build(currency="CHF", entries=[(offer, 1)]).groups
    assert group.shipping_minor == 0


# --- cart and checkout agree ----------------------------------------------------------------------


@pytest.fixture
def bookshop(db):
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront])
    # A free-shipping seller: only the law makes new books pay delivery
    ShippingProfile.objects.create(seller=seller, kind="flat", base_minor=0)
    books = make_product_type(is_book=True)
    return storefront, seller, books


def _book_offer(seller, books, publisher_minor: int, **fields) -> Offer:
    product = make_product(product_type=books, publisher_price=Money(publisher_minor, "EUR"))
    return make_offer(
        seller=seller, variant=make_variant(product=product), price_minor=publisher_minor, **fields
    )


@pytest.mark.django_db(transaction=True)  # the checkout calls the gateway outside transactions
@pytest.mark.parametrize(("price", "shipping"), [(3499, 300), (3500, 1)])
def test_a_new_books_order_at_34_99_pays_3_euros_delivery_and_at_35_never_free(bookshop, price, shipping):
    # Given a seller with free shipping and one new book at ``price``
    storefront, seller, books = bookshop
    offer = _book_offer(seller, books, price)
    customer = make_user()
    cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk, quantity=1)
    # When the customer looks at the cart and places the order
    shown = cart_view(storefront=storefront, cart=cart)
    outcome = checkout_place_order(
        storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
        idempotency_key=new_key(), return_url="http://testserver/checkout/return/",
    )  # fmt: skip
    # Then the cart, the order and the payment carry the same delivery charge
    assert shown.quote.shipping_minor == shipping
    assert shown.quote.groups[0].free_shipping_above_minor is None
    assert outcome.status == "completed"
    seller_order = SellerOrder.objects.get(seller=seller)
    assert (seller_order.items_minor, seller_order.shipping_minor) == (price, shipping)
    assert outcome.order.payment.amount_minor == price + shipping


@pytest.mark.django_db
def test_a_used_book_ships_as_the_profile_says(bookshop):
    storefront, seller, books = bookshop
    offer = _book_offer(seller, books, 1990, condition=Condition.USED)
    customer = make_user()
    cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk, quantity=1)
    assert cart_view(storefront=storefront, cart=cart).quote.shipping_minor == 0


# --- the seller's setting: at most 5 % ------------------------------------------------------------


def _settings(bp: int) -> ShippingSettings:
    return ShippingSettings(kind="flat", base_minor=490, book_discount_bp=bp)


@pytest.mark.django_db
def test_a_seller_may_take_5_percent_off_delivery_and_not_5_01(bookshop):
    _storefront, seller, _books = bookshop
    owner = make_staff_member(seller)
    # 5 %: accepted
    seller_shop_update(seller_id=seller.pk, by=owner, display_name="Librairie", shipping=_settings(500))
    assert ShippingProfile.objects.get(seller=seller).book_discount_bp == 500
    # 5.01 %: refused, naming the rule, and nothing changes
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        seller_shop_update(seller_id=seller.pk, by=owner, display_name="Other name", shipping=_settings(501))
    assert refused.value.errors["book_discount_bp"][0].startswith(
        "Loi Lang: the reduction on new books is at most 5 % of their price"
    )
    seller.refresh_from_db()
    assert seller.display_name == "Librairie"
    assert ShippingProfile.objects.get(seller=seller).book_discount_bp == 500


@pytest.mark.django_db
def test_the_shop_settings_page_refuses_5_01_percent_in_french(client, bookshop):
    _storefront, seller, _books = bookshop
    client.force_login(make_staff_member(seller, preferred_language="fr"))
    form = {
        "display_name": "Librairie", "low_stock_threshold": "3", "shipping_kind": "flat",
        "shipping_base": "4,90", "transit_days_min": "2", "transit_days_max": "4", "book_discount_bp": "501",
    }  # fmt: skip
    response = client.post(reverse("seller_area:shop"), form, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "Loi Lang : la remise sur les livres neufs est d’au plus 5" in response.content.decode()
    assert ShippingProfile.objects.get(seller=seller).book_discount_bp == 0
