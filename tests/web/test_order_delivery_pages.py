"""Delivery and refunds through the pages: the seller marks a parcel delivered, the customer
confirms receipt, the customer's order page shows each refund and what was finally paid, and the
back office's money page warns about payout accounts."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import formats, timezone, translation

from galerie.core.models import StatusChange
from galerie.core.money import Money
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_accept, seller_order_refuse, seller_order_ship
from galerie.payments.models import Refund
from galerie.payments.services import payment_refund
from galerie.storefronts.models import Storefront
from tests.checkout.conftest import shop as shop  # the fixture
from tests.factories import make_seller, make_user
from tests.ledger.test_properties import settle
from tests.orders.conftest import placed as placed  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _english(request):
    """The checkout shop's storefront speaks French; these tests read the English words."""
    if "placed" in request.fixturenames:
        placed = request.getfixturevalue("placed")
        Storefront.objects.filter(pk=placed.storefront.pk).update(default_language="en")


def _ship(part, owner, tracking="6A111"):
    seller_order_accept(seller_order_id=part.pk, acting_user=owner)
    seller_order_ship(
        seller_order_id=part.pk, acting_user=owner, carrier="Colissimo", tracking_number=tracking
    )


def _order_url(placed) -> str:
    return f"/s/{placed.storefront.code}/account/orders/{placed.order.number}/"


def test_the_seller_marks_a_shipped_parcel_delivered_from_the_order_page(client, placed):
    _ship(placed.part_a, placed.owner_a)
    client.force_login(placed.clerk_a)  # a shipping clerk fulfils orders
    page = client.get(f"/sell/orders/{placed.part_a.number}/").content.decode()
    assert 'value="deliver"' in page and "deemed delivered 10 days after shipping" in page
    response = client.post(f"/sell/orders/{placed.part_a.number}/action/", {"action": "deliver"}, follow=True)
    part = SellerOrder.objects.get(pk=placed.part_a.pk)
    assert part.status == "delivered" and part.delivered_at is not None
    assert "Marked as delivered" in response.content.decode()
    assert 'value="deliver"' not in response.content.decode()
    assert StatusChange.objects.get(to_status="delivered").actor == placed.clerk_a


def test_another_sellers_owner_cannot_mark_it_delivered(client, placed):
    _ship(placed.part_a, placed.owner_a)
    client.force_login(placed.owner_b)
    response = client.post(f"/sell/orders/{placed.part_a.number}/action/", {"action": "deliver"})
    assert response.status_code == 404
    assert SellerOrder.objects.get(pk=placed.part_a.pk).status == "shipped"


def test_the_customer_confirms_receipt_of_one_parcel_from_the_order_page(client, placed):
    _ship(placed.part_a, placed.owner_a)
    client.force_login(placed.customer)
    page = client.get(_order_url(placed)).content.decode()
    assert page.count('name="part"') == 1  # only the shipped parcel has the button
    assert f"I received the parcel from {placed.seller_a.display_name}" in page
    response = client.post(f"{_order_url(placed)}received/", {"part": placed.part_a.pk}, follow=True)
    page = response.content.decode()
    assert SellerOrder.objects.get(pk=placed.part_a.pk).status == "delivered"
    assert "is marked as received" in page and "Delivered on" in page
    assert 'name="part"' not in page
    # Part B is not shipped: asking for it changes nothing.
    client.post(f"{_order_url(placed)}received/", {"part": placed.part_b.pk})
    assert SellerOrder.objects.get(pk=placed.part_b.pk).status == "new"


def test_another_customer_cannot_confirm_receipt(client, placed):
    _ship(placed.part_a, placed.owner_a)
    client.force_login(make_user())
    response = client.post(f"{_order_url(placed)}received/", {"part": placed.part_a.pk})
    assert response.status_code == 404
    assert SellerOrder.objects.get(pk=placed.part_a.pk).status == "shipped"


def test_after_a_refusal_the_order_page_shows_the_refund_and_what_was_finally_paid(
    client, placed, django_assert_max_num_queries
):
    settle()  # captured
    seller_order_refuse(seller_order_id=placed.part_b.pk, acting_user=placed.owner_b, reason="Broken")
    settle()  # the refund succeeds
    client.force_login(placed.customer)
    page = client.get(_order_url(placed)).content.decode()
    with translation.override("en"):
        today = formats.date_format(timezone.localdate())  # English DATE_FORMAT: 4 Dec 2026
    assert "Total paid" not in page
    assert "Total charged" in page and "€95.18" in page
    assert f"Refund of {placed.seller_b.display_name}'s part, {today}</dt><dd>−€50.90" in page
    assert "−€50.90" in page
    assert "Finally paid</dt><dd>€44.28" in page
    # The VAT row belongs to the total charged, not to the smaller amount finally paid under it.
    assert page.index("Total charged") < page.index("Including VAT") < page.index("Refund of")
    assert page.count("Including VAT") == 1
    with django_assert_max_num_queries(15) as one_refund:
        client.get(_order_url(placed))
    # A goodwill refund on the whole order: one more line, not one more query (no N+1).
    payment_refund(
        payment_id=placed.order.payment_id, amount=Money(500, "EUR"), idempotency_key="goodwill-1",
        reason="goodwill",
    )  # fmt: skip
    settle()
    with django_assert_max_num_queries(len(one_refund.captured_queries)):
        page = client.get(_order_url(placed)).content.decode()
    assert f"Refund on the order, {today}</dt><dd>−€5.00" in page
    assert "Finally paid</dt><dd>€39.28" in page
    # A refund the gateway failed moved no money: it is neither listed nor subtracted.
    assert Refund.objects.filter(idempotency_key="goodwill-1").update(status=Refund.Status.FAILED) == 1
    page = client.get(_order_url(placed)).content.decode()
    assert "Refund on the order" not in page, page[page.index("Total charged") :][:900]
    assert "Finally paid</dt><dd>€44.28" in page


def test_an_order_without_refund_says_total_paid(client, placed):
    client.force_login(placed.customer)
    page = client.get(_order_url(placed)).content.decode()
    assert "Total paid" in page and "Finally paid" not in page


def test_the_money_page_warns_about_the_operators_iban_and_shared_ibans(client):
    with override_settings(GALERIE_OPERATOR_IBAN="FR7630006000011234567890189"):
        own = make_seller(display_name="Chez Opérateur", iban="FR76 3000 6000 0112 3456 7890 189")
        make_seller(display_name="Twin A", iban="DE89370400440532013000")
        make_seller(display_name="Twin B", iban="DE89370400440532013000")
        make_seller(display_name="Alone", iban="GB82WEST12345698765432")
        client.force_login(make_user(is_staff=True))
        page = client.get("/back-office/money/").content.decode()
    assert "Payout accounts to check" in page
    assert f'href="/back-office/sellers/{own.pk}/"' in page
    assert "the operator's own account" in page
    assert "also the IBAN of Twin B" in page and "also the IBAN of Twin A" in page
    assert "Alone" not in page
