"""Recalling a product (GPSR art. 35-37): off every storefront at once, its buyers of the last
three years told once each, a report of who was reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from galerie.cart.services import cart_add
from galerie.catalog.errors import ProductRecalled
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import handlers_autodiscover, outbox_deliver_batch
from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent
from galerie.offers.models import Offer
from galerie.offers.services import offer_status_set
from galerie.recalls.errors import AlreadyRecalled
from galerie.recalls.handlers import product_recalled
from galerie.recalls.models import Recall, RecallNotice
from galerie.recalls.services import months_before, product_recall
from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
from tests.factories import (
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_user,
    make_variant,
)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
NOTICE = {"en": "Stop using the kettle: its base may overheat.", "fr": "Cessez d'utiliser la bouilloire."}


def deliver() -> None:
    outbox_deliver_batch(handlers_autodiscover(), batch=500)


def buy(world, customer, *, at: datetime):
    with time_machine.travel(at, tick=False):
        cart = cart_add(
            storefront=world.storefront, cart=None, customer=customer, offer_id=world.offer.pk, quantity=1
        )
        return checkout_place_order(
            storefront=world.storefront, cart=cart, customer=customer, address=ADDRESS,
            payment_method=SUCCESS, idempotency_key=new_key(), return_url="http://testserver/r/",
        ).order  # fmt: skip


@pytest.fixture
def world():
    with time_machine.travel(NOW - timedelta(days=4 * 365), tick=False):
        category = make_category(name="Kettles")
        storefront = make_storefront(scope=[category])
        seller, other = make_seller(storefronts=[storefront]), make_seller(storefronts=[storefront])
        product = make_product(category=category, title="Bouilloire Vapeur")
        variant = make_variant(product=product)
        offer = make_offer(seller=seller, variant=variant, stock=50)
        other_offer = make_offer(seller=other, variant=variant, stock=5, price_minor=2100)

    class World:
        pass

    w = World()
    w.category, w.storefront, w.product, w.variant = category, storefront, product, variant
    w.offer, w.other_offer = offer, other_offer
    return w


def test_months_before_counts_calendar_months():
    assert months_before(datetime(2026, 12, 5, tzinfo=UTC), 36) == datetime(2023, 12, 5, tzinfo=UTC)
    assert months_before(datetime(2028, 2, 29, tzinfo=UTC), 12) == datetime(2027, 2, 28, tzinfo=UTC)


def test_a_recall_takes_the_offers_off_at_once_and_tells_each_buyer_of_three_years_once(
    world, smtp_inbox, client
):
    # Given a buyer at three years less a day, one at three years and a day, an erased customer
    three_years = NOW - months_before(NOW, 36)
    recent = make_user(email="recent@example.test")
    old = make_user(email="old@example.test")
    erased = make_user(email="erased@example.test")
    recent_order = buy(world, recent, at=NOW - three_years + timedelta(days=1))
    twice = make_user(email="twice@example.test")
    buy(world, twice, at=NOW - timedelta(days=400))
    twice_latest = buy(world, twice, at=NOW - timedelta(days=40))
    buy(world, old, at=NOW - three_years - timedelta(days=1))
    buy(world, erased, at=NOW - timedelta(days=30))
    erased.is_active = False
    erased.save(update_fields=["is_active"])
    with time_machine.travel(NOW, tick=False):
        deliver()
        page = f"/s/{world.storefront.code}/p/{world.product.slug}/"
        listing = f"/s/{world.storefront.code}/c/{world.category.slug}/"
        search = f"/s/{world.storefront.code}/search/?q=Bouilloire"
        assert world.offer.seller.display_name in client.get(page).content.decode()
        assert "Bouilloire Vapeur" in client.get(listing).content.decode()
        assert "Bouilloire Vapeur" in client.get(search).content.decode()
        smtp_inbox.messages.clear()

        # When the operator recalls the product
        recall = product_recall(product_id=world.product.pk, notice=NOTICE, by=TESTS)
        deliver()

        # Then every offer is closed, and the product leaves page, listing and search at once
        assert set(Offer.objects.filter(variant=world.variant).values_list("status", flat=True)) == {"closed"}
        assert recall.offers_closed == 2
        body = client.get(page).content.decode()
        assert world.offer.seller.display_name not in body
        assert "Bouilloire Vapeur" not in client.get(listing).content.decode()
        assert "Bouilloire Vapeur" not in client.get(search).content.decode()

    # and each buyer is e-mailed once, in the order's language (the storefront's: French)
    notices = {n.customer_id: n for n in RecallNotice.objects.filter(recall=recall)}
    assert set(notices) == {recent.pk, twice.pk, erased.pk}  # not the buyer of three years and a day
    assert notices[recent.pk].order_id == recent_order.pk
    assert notices[twice.pk].order_id == twice_latest.pk  # once, by the latest order
    assert (notices[recent.pk].status, notices[recent.pk].sent_at is not None) == ("sent", True)
    assert (notices[erased.pk].status, notices[erased.pk].skip_reason) == ("skipped", "inactive")
    mails = [m for m in smtp_inbox.messages if m["Subject"].startswith("Rappel de sécurité")]
    assert sorted(m["To"] for m in mails) == ["recent@example.test", "twice@example.test"]
    for mail in mails:
        text = mail.get_body(("plain",)).get_content()
        assert NOTICE["fr"] in text and "Rappel de sécurité" in mail["Subject"]

    # When the worker delivers the event again, nothing is sent twice
    event = OutboxEvent.objects.get(topic="product.recalled")
    product_recalled(event)
    RecallNotice.objects.filter(pk=notices[recent.pk].pk).update(status="pending", sent_at=None)
    product_recalled(event)  # even a notice whose mark was lost: the e-mail itself is keyed once
    assert len([m for m in smtp_inbox.messages if m["Subject"].startswith("Rappel de sécurité")]) == 2


def test_a_recalled_product_cannot_be_listed_again_nor_recalled_twice(world):
    offer_status_set(offer_id=world.offer.pk, status="paused", by=TESTS)
    product_recall(product_id=world.product.pk, notice=NOTICE, by=TESTS)
    with pytest.raises(ProductRecalled):
        make_offer(variant=world.variant)
    with pytest.raises(AlreadyRecalled):
        product_recall(product_id=world.product.pk, notice=NOTICE, by=TESTS)
    assert Recall.objects.count() == 1


def test_a_recall_without_its_notice_in_every_language_changes_nothing(world):
    with pytest.raises(InvalidInput) as error:
        product_recall(product_id=world.product.pk, notice={"en": "Stop."}, by=TESTS)
    assert set(error.value.errors) == {"notice_fr"}
    world.product.refresh_from_db()
    assert world.product.recalled_at is None and not Recall.objects.exists()
    assert set(Offer.objects.filter(variant=world.variant).values_list("status", flat=True)) == {"active"}


def test_the_product_period_replaces_three_years(world):
    world.product.recall_period_months = 6
    world.product.save(update_fields=["recall_period_months"])
    buyer = make_user()
    buy(world, buyer, at=NOW - timedelta(days=200))
    with time_machine.travel(NOW, tick=False):
        recall = product_recall(product_id=world.product.pk, notice=NOTICE, by=TESTS)
    assert recall.buyers_since == months_before(NOW, 6)
    assert not recall.notices.exists()


def test_the_command_recalls_and_reports_and_the_back_office_shows_the_report(world, client, smtp_inbox):
    buyer = make_user(email="buyer@example.test")
    buy(world, buyer, at=NOW - timedelta(days=10))
    # An address a spreadsheet would run as a formula: both CSV files show it as text (core/csvsafe.py).
    buy(world, make_user(email="-2+3+cmd@evil.test"), at=NOW - timedelta(days=9))
    with time_machine.travel(NOW, tick=False):
        call_command("recall", world.product.slug, "--notice-en", NOTICE["en"], "--notice-fr", NOTICE["fr"])
        deliver()
    recall = Recall.objects.get()
    from io import StringIO

    out = StringIO()
    call_command("recall", world.product.slug, "--report", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "customer,email,order,storefront,status,sent_at,reason"
    assert "buyer@example.test" in lines[1] and ",sent," in lines[1]
    assert ",'-2+3+cmd@evil.test," in lines[2] and ",-2+3+cmd@evil.test," not in out.getvalue()
    operator = make_user(is_staff=True)
    client.force_login(operator)
    report = client.get(reverse("back_office:recall", kwargs={"recall_id": recall.pk}))
    assert report.status_code == 200 and "buyer@example.test" in report.content.decode()
    csv = client.get(reverse("back_office:recall_csv", kwargs={"recall_id": recall.pk}))
    assert csv["Content-Type"].startswith("text/csv") and "buyer@example.test" in csv.content.decode()
    assert ",'-2+3+cmd@evil.test," in csv.content.decode()
