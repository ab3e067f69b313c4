"""A suspended seller's offers leave every storefront at once (the listings as soon as the worker
delivered the event); its open orders stay in its seller area.
A seller with open orders cannot be closed."""

from __future__ import annotations

import pytest
from django.utils import translation

from galerie.cart.errors import OfferNotAvailable
from galerie.cart.services import cart_add
from galerie.checkout.errors import CheckoutNotPossible
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import worker_run
from galerie.orders.models import SellerOrder
from galerie.search import handlers as search_handlers
from galerie.search.services import search_reindex
from galerie.sellers.errors import SellerCloseBlocked
from galerie.sellers.models import Seller
from galerie.sellers.services import seller_activate, seller_close, seller_suspend
from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
from tests.checkout.conftest import shop as shop  # the fixture
from tests.factories import make_storefront, make_user
from tests.ledger.payout_helpers import fund
from tests.web.test_money_pages import member

pytestmark = pytest.mark.django_db(transaction=True)


def place(shop, cart=None):
    return checkout_place_order(
        storefront=shop.storefront,
        cart=cart or shop.cart,
        customer=shop.customer,
        address=ADDRESS,
        payment_method=SUCCESS,
        idempotency_key=new_key(),
        return_url="http://testserver/checkout/return/",
    )


def product_url(shop, offer) -> str:
    return f"/s/{shop.storefront.code}/p/{offer.variant.product.slug}/"


def category_url(shop, offer) -> str:
    return f"/s/{shop.storefront.code}/c/{offer.variant.product.category.slug}/"


def _deliver() -> None:
    """What the worker does: the listings read the search index, which follows the events."""
    worker_run(search_handlers.HANDLERS, once=True, jobs={})


def test_a_suspended_sellers_offer_leaves_the_product_page_at_once_and_the_listing_with_the_worker(
    client, shop
):
    a = shop.seller_a
    search_reindex()
    product_page = client.get(product_url(shop, shop.book)).content.decode()
    listing = client.get(category_url(shop, shop.book)).content.decode()  # warms the facets' cache
    assert a.display_name in product_page
    assert shop.book.variant.product.title in listing and a.display_name in listing

    seller_suspend(
        seller_id=a.pk, reason="Counterfeit reports (statement of reasons)", ground="Seller terms §7"
    )

    product_page = client.get(product_url(shop, shop.book)).content.decode()
    assert a.display_name not in product_page
    _deliver()
    listing = client.get(category_url(shop, shop.book)).content.decode()
    assert shop.book.variant.product.title not in listing
    assert a.display_name not in listing  # not even in the cached seller filter
    assert client.get(f"/s/{shop.storefront.code}/seller/{a.slug}/").status_code == 404
    # Seller B, on the same storefront, is untouched.
    assert shop.seller_b.display_name in client.get(product_url(shop, shop.lamp)).content.decode()

    seller_activate(seller_id=a.pk)
    _deliver()
    assert a.display_name in client.get(category_url(shop, shop.book)).content.decode()


def test_a_suspended_sellers_offer_cannot_be_added_to_a_cart_nor_checked_out(shop):
    seller_suspend(
        seller_id=shop.seller_a.pk,
        reason="Counterfeit reports (statement of reasons)",
        ground="Seller terms §7",
    )
    with pytest.raises(OfferNotAvailable):
        cart_add(storefront=shop.storefront, cart=None, customer=make_user(), offer_id=shop.record.pk)
    stock_before = shop.book.stock
    with pytest.raises(CheckoutNotPossible, match="no longer available"):
        place(shop)  # the cart holds seller A's book
    shop.book.refresh_from_db()
    assert shop.book.stock == stock_before
    assert not SellerOrder.objects.exists()


def test_a_suspended_seller_still_sees_and_handles_its_open_orders(client, shop):
    owner = member(shop.seller_a)
    order = place(shop).order
    part = order.seller_orders.get(seller=shop.seller_a)
    seller_suspend(
        seller_id=shop.seller_a.pk, reason="Late shipments (statement of reasons)", ground="Seller terms §7"
    )

    client.force_login(owner)
    page = client.get("/sell/orders/")
    assert page.status_code == 200 and part.number in page.content.decode()
    assert client.get(f"/sell/orders/{part.number}/").status_code == 200
    response = client.post(f"/sell/orders/{part.number}/action/", {"action": "accept"})
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.status == SellerOrder.Status.ACCEPTED


def test_a_seller_with_open_orders_cannot_be_closed_and_is_told_which(shop):
    order = place(shop).order
    part = order.seller_orders.get(seller=shop.seller_a)
    with translation.override("en"), pytest.raises(SellerCloseBlocked) as caught:
        seller_close(
            seller_id=shop.seller_a.pk,
            reason="Closing at the seller's own request",
            ground="Seller terms §9",
            exception="seller_request",
        )
    assert caught.value.message.startswith(f"Cannot close: 1 open order ({part.number})")
    assert caught.value.open_orders == [part.number]
    assert Seller.objects.get(pk=shop.seller_a.pk).status == "active"
    assert shop.seller_a.offers.filter(status="active").count() == 2


def test_a_closure_blocked_by_orders_and_money_names_both_and_closes_no_offer(shop):
    order = place(shop).order
    part = order.seller_orders.get(seller=shop.seller_a)
    fund(shop.seller_a.pk, 500)
    with translation.override("en"), pytest.raises(SellerCloseBlocked) as caught:
        seller_close(
            seller_id=shop.seller_a.pk,
            reason="Closing at the seller's own request",
            ground="Seller terms §9",
            exception="seller_request",
        )
    # The guards registered by orders and the ledger, in the order the apps are installed.
    assert caught.value.message.startswith(f"Cannot close: 1 open order ({part.number}) and €")
    assert caught.value.message.endswith(" still to pay out.")
    assert caught.value.open_orders == [part.number]
    assert caught.value.balances["EUR"]["available"] >= 500
    assert shop.seller_a.offers.filter(status="active").count() == 2


def test_suspension_hides_the_seller_on_every_storefront_it_is_admitted_to(client, shop):
    other = make_storefront()
    shop.seller_a.admissions.create(storefront=other, status="admitted")
    assert shop.seller_a.display_name in client.get(product_url(shop, shop.book)).content.decode()
    assert (
        shop.seller_a.display_name
        in client.get(f"/s/{other.code}/p/{shop.book.variant.product.slug}/").content.decode()
    )
    seller_suspend(seller_id=shop.seller_a.pk, reason="x (statement of reasons)", ground="Seller terms §7")
    for code in (shop.storefront.code, other.code):
        page = client.get(f"/s/{code}/p/{shop.book.variant.product.slug}/").content.decode()
        assert shop.seller_a.display_name not in page
