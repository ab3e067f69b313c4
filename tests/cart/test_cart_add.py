"""Adding to a cart: the line never holds more than the offer's stock nor MAX_QUANTITY, a refused
addition changes nothing, and the count the page shows is the cart's."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.cart.errors import NotEnoughStock
from galerie.cart.models import MAX_QUANTITY, Cart, CartLine
from galerie.cart.selectors import cart_find, cart_item_count, cart_lines
from galerie.cart.services import cart_add_counted
from galerie.core.errors import InvalidInput
from galerie.sellers.models import ShippingProfile
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter():
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront])
    offers = [
        make_offer(seller=seller, variant=make_variant(), price_minor=990, stock=5),
        make_offer(seller=seller, variant=make_variant(), price_minor=1590, stock=150),
    ]
    return storefront, offers


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(additions=st.lists(st.tuples(st.integers(0, 1), st.integers(-1, 120)), min_size=1, max_size=8))
def test_additions_never_pass_the_limit_and_a_refused_one_changes_nothing(counter, additions):
    storefront, offers = counter
    customer = make_user()
    expected: dict[int, int] = {}
    for which, quantity in additions:
        offer = offers[which]
        limit = min(offer.stock, MAX_QUANTITY)
        before = expected.get(offer.pk, 0)
        cart = cart_find(storefront=storefront, customer=customer)
        try:
            added, count = cart_add_counted(
                storefront=storefront, cart=cart, customer=customer, offer_id=offer.pk, quantity=quantity
            )
        except (NotEnoughStock, InvalidInput):
            assert quantity < 1 or before + quantity > limit  # refused only past the limit
        else:
            assert quantity >= 1 and before + quantity <= limit
            expected[offer.pk] = before + quantity
            assert count == sum(expected.values()) == cart_item_count(added)
        mine = cart_find(storefront=storefront, customer=customer)
        held = {line.offer_id: line.quantity for line in cart_lines(mine)} if mine else {}
        assert held == expected  # a refused addition left every line as it was
    assert Cart.objects.filter(customer=customer).count() <= 1


def test_an_addition_records_the_price_the_customer_saw_now(counter):
    storefront, (offer, _other) = counter
    customer = make_user()
    cart, _count = cart_add_counted(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk)
    type(offer).objects.filter(pk=offer.pk).update(price_minor=1190)
    cart, count = cart_add_counted(storefront=storefront, cart=cart, customer=customer, offer_id=offer.pk)
    line = CartLine.objects.get(cart=cart)
    assert (line.quantity, line.price_seen_minor, count) == (2, 1190, 2)


def test_the_cart_read_for_a_customer_is_theirs_with_its_identity(counter):
    storefront, (offer, _other) = counter
    customer, someone = make_user(), make_user()
    cart, _count = cart_add_counted(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk)
    found = cart_find(storefront=storefront, customer=customer)
    assert found is not None and (found.pk, found.uuid, found.customer_id) == (
        cart.pk,
        cart.uuid,
        customer.pk,
    )
    assert found.storefront_id == storefront.pk and found.updated_at is not None
    assert cart_find(storefront=storefront, customer=someone) is None
    assert cart_find(storefront=make_storefront(), customer=customer) is None


def test_the_lines_read_in_one_statement_are_the_models_the_orm_reads(counter, django_assert_num_queries):
    storefront, (offer, other) = counter
    ShippingProfile.objects.create(seller=offer.seller, kind="flat", base_minor=590, free_above_minor=5000)
    lonely = make_offer(seller=make_seller(storefronts=[storefront]), variant=make_variant(), stock=3)
    customer = make_user()
    cart, _count = cart_add_counted(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk)
    for added in (other, lonely):
        cart_add_counted(storefront=storefront, cart=cart, customer=customer, offer_id=added.pk)
    orm = list(
        cart.lines.select_related(
            "offer__variant__product__product_type",
            "offer__variant__product__brand",
            "offer__seller__shipping_profile",
        ).order_by("id")
    )
    with django_assert_num_queries(1):
        seen = [_snapshot(line) for line in cart_lines(cart)]
    assert seen == [_snapshot(line) for line in orm]
    assert seen[2][7] is None and seen[0][7] is not None  # a seller without a shipping profile


def _snapshot(line: CartLine) -> tuple:
    offer = line.offer
    product = offer.variant.product
    return (
        model_to_dict(line), model_to_dict(offer), model_to_dict(offer.variant), model_to_dict(product),
        model_to_dict(product.product_type), product.brand, model_to_dict(offer.seller),
        getattr(offer.seller, "shipping_profile", None), offer.created_at, line.added_at, offer.uuid,
    )  # fmt: skip


def test_an_offer_outside_the_storefronts_catalog_cannot_be_added_by_its_id():
    """The product pages show only the storefront's catalog scope; an offer id typed into a
    request for a product outside it (or not published) is refused like an unavailable one."""
    from galerie.cart.errors import OfferNotAvailable
    from galerie.catalog.models import Product
    from tests.factories import make_category, make_product

    books, lamps = make_category(), make_category()
    storefront = make_storefront(scope=[books])
    seller = make_seller(storefronts=[storefront])
    inside = make_offer(seller=seller, variant=make_variant(product=make_product(category=books)), stock=3)
    outside = make_offer(seller=seller, variant=make_variant(product=make_product(category=lamps)), stock=3)
    draft = make_offer(seller=seller, variant=make_variant(product=make_product(category=books)), stock=3)
    Product.objects.filter(pk=draft.variant.product_id).update(status=Product.Status.DRAFT)
    customer = make_user()
    cart, _count = cart_add_counted(storefront=storefront, cart=None, customer=customer, offer_id=inside.pk)
    for offer in (outside, draft):
        with pytest.raises(OfferNotAvailable):
            cart_add_counted(storefront=storefront, cart=cart, customer=customer, offer_uuid=offer.uuid)
    assert list(CartLine.objects.filter(cart=cart).values_list("offer_id", flat=True)) == [inside.pk]
