"""The crash matrix's scenarios: for each crash point (galerie/core/crashpoints.py), a tiny world
built by the test process (``prepare``), the action a child process runs until it is killed
there (``act``), and how the world must end once restarted (``expected``, compared with
``end_state``). The child is tests/reliability/child.py; the test is test_crash_matrix.py.

A world is a plain dict of ids (JSON, for the child) plus ``stock``: offer id -> stock at the
start, for the invariant on stock.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

World = dict[str, Any]

SUCCESS = {
    "type": "card",
    "number": "4242424242424242",
    "exp_month": 12,
    "exp_year": 2031,
    "cvc": "123",
    "holder": "A B",
}
ADDRESS = {
    "name": "Alice Martin",
    "line1": "3 rue des Lilas",
    "postal_code": "69003",
    "city": "Lyon",
    "country": "FR",
}
RETURN_URL = "http://testserver/checkout/return/"


# --- worlds (the test process) ------------------------------------------------------------------


def _setup_delivered() -> None:
    """The world's own events (offers created, sellers admitted) are history: mark them delivered,
    so that the child's worker meets the scenario's events first."""
    from galerie.core.models import OutboxEvent

    OutboxEvent.objects.filter(delivered_at__isnull=True).update(delivered_at=timezone.now())


def shop() -> World:
    """Two sellers, two offers (5 books at 19.90 from A, 3 lamps at 45.00 from B), a customer whose
    cart holds 2 books and 1 lamp."""
    from galerie.cart.services import cart_add
    from galerie.sellers.models import ShippingProfile
    from tests.factories import (
        make_offer,
        make_seller,
        make_staff_member,
        make_storefront,
        make_user,
        make_variant,
    )

    storefront = make_storefront()
    seller_a = make_seller(storefronts=[storefront])
    seller_b = make_seller(storefronts=[storefront])
    ShippingProfile.objects.create(seller=seller_a, kind="per_item", base_minor=349, per_item_minor=99)
    ShippingProfile.objects.create(seller=seller_b, kind="flat", base_minor=590, free_above_minor=5000)
    book = make_offer(seller=seller_a, variant=make_variant(), price_minor=1990, stock=5)
    lamp = make_offer(seller=seller_b, variant=make_variant(), price_minor=4500, stock=3)
    customer = make_user()
    cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=book.pk, quantity=2)
    cart_add(storefront=storefront, cart=cart, customer=customer, offer_id=lamp.pk, quantity=1)
    staff = make_staff_member(seller_a)
    _setup_delivered()
    return {
        "kind": "checkout",
        "storefront": storefront.pk,
        "customer": customer.pk,
        "cart": cart.pk,
        "seller_a": seller_a.pk,
        "staff_a": staff.pk,
        "key": secrets.token_urlsafe(24),
        "stock": {book.pk: 5, lamp.pk: 3},
    }


def shop_ordered() -> World:
    """The shop, its order placed (authorized, not captured)."""
    world = shop()
    outcome = place(world)
    assert outcome.status == "completed", outcome
    return world


def shop_capturing() -> World:
    """The shop's order placed and its capture asked (the gateway's webhooks not yet delivered)."""
    from galerie.checkout.services import checkout_capture

    world = shop_ordered()
    checkout_capture(order_id=_order(world).pk)
    return world


def shop_captured() -> World:
    """The shop's order placed, captured and confirmed by the gateway's webhooks."""
    from galerie.payments.testgateway.webhooks import deliver_due_webhooks

    world = shop_capturing()
    deliver_due_webhooks()
    assert _order(world).payment.status == "captured"
    return world


def sellers_funded() -> World:
    """Three sellers with 25.00 each available to pay out (a tenth of it kept as reserve)."""
    from galerie.ledger.models import PayoutRun
    from tests.factories import make_seller
    from tests.ledger.payout_helpers import fund

    sellers = [make_seller() for _ in range(3)]
    for seller in sellers:
        fund(seller.pk, 2500)
    _setup_delivered()
    # A day with no run yet (one run per day): today, then the day before at the next trial…
    day = timezone.localdate() - timedelta(days=PayoutRun.objects.count())
    return {
        "kind": "payout",
        "sellers": [s.pk for s in sellers],
        "date": day.isoformat(),
        "stock": {},
    }


def import_queued() -> World:
    """A seller with three offers and an import of a file repricing and restocking all three."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from galerie.offers.imports import offer_import_create
    from tests.factories import TESTS, make_offer, make_seller

    seller = make_seller()
    offers = [make_offer(seller=seller, seller_sku=f"SKU{i}", price_minor=1000, stock=1) for i in range(3)]
    _setup_delivered()
    rows = "\n".join(f"SKU{i},{12 + i}.50,{4 + i}" for i in range(3))
    created = offer_import_create(
        by=TESTS,
        seller=seller,
        upload=SimpleUploadedFile("offers.csv", f"sku,price,stock\n{rows}\n".encode()),
    )
    return {
        "kind": "import",
        "import": created.pk,
        "seller": seller.pk,
        # The child reads the file where this process stored it (the storage of its first test).
        "env": {"PRIVATE_MEDIA_ROOT": str(created.file.storage.location)},
        # What the file sets: nothing is sold meanwhile, so the stock must be this once applied.
        "stock": {offer.pk: 4 + i for i, offer in enumerate(offers)},
    }


# --- actions (the child process, until it is killed) ---------------------------------------------


def place(world: World) -> Any:
    from galerie.accounts.models import User
    from galerie.cart.models import Cart
    from galerie.checkout.services import checkout_place_order
    from galerie.storefronts.models import Storefront

    return checkout_place_order(
        storefront=Storefront.objects.get(pk=world["storefront"]),
        cart=Cart.objects.filter(pk=world["cart"]).first(),
        customer=User.objects.get(pk=world["customer"]),
        address=ADDRESS,
        payment_method=SUCCESS,
        idempotency_key=world["key"],
        return_url=RETURN_URL,
    )


def work(world: World) -> None:
    """What ``galerie worker --once`` does."""
    from galerie.core.delivery import handlers_autodiscover, worker_run

    worker_run(handlers_autodiscover(), once=True)


def webhooks(world: World) -> None:
    """The test gateway delivers its due webhooks to our handler (in-process, as configured)."""
    from galerie.payments.testgateway.webhooks import deliver_due_webhooks

    deliver_due_webhooks()


def refuse(world: World) -> None:
    """Seller A refuses its part of the order: its part is refunded."""
    from galerie.accounts.models import User
    from galerie.orders.services import seller_order_refuse

    part = _order(world).seller_orders.get(seller_id=world["seller_a"])
    seller_order_refuse(
        seller_order_id=part.pk,
        acting_user=User.objects.get(pk=world["staff_a"]),
        reason="The books are damaged.",
    )


def pay_out(world: World) -> None:
    from datetime import date

    from galerie.ledger.payouts import payouts_run

    payouts_run(run_date=date.fromisoformat(world["date"]), batch_size=1)


def run_import(world: World) -> None:
    from galerie.offers.imports import offer_import_run

    offer_import_run(import_id=world["import"])


# --- how a world ended ------------------------------------------------------------------------


def _order(world: World) -> Any:
    from galerie.orders.models import Order

    return Order.objects.select_related("payment").get(customer_id=world["customer"])


def end_state(world: World) -> str:
    """Describe how the world ended, in the words of the matrix's table."""
    return {"checkout": _checkout_end, "payout": _payout_end, "import": _import_end}[world["kind"]](world)


def _checkout_end(world: World) -> str:
    from galerie.checkout.models import CheckoutAttempt
    from galerie.orders.models import Order
    from galerie.payments.models import Refund

    attempt = CheckoutAttempt.objects.select_related("payment").get(idempotency_key=world["key"])
    payment = attempt.payment
    orders = Order.objects.filter(customer_id=world["customer"]).count()
    if orders == 0:
        released = not attempt.reservations.filter(released=False).exists()
        said = f"payment {payment.status}" + (f" ({payment.decline_code})" if payment.decline_code else "")
        return f"no order, stock {'released' if released else 'HELD'}, {said}, attempt {attempt.status}"
    parts = [f"{orders} order, payment {payment.status}"]
    refunds = Refund.objects.filter(payment=payment)
    if refunds.exists():
        refused = _order(world).seller_orders.filter(status="refused").count()
        parts.append(
            f"{refused} seller order refused, {refunds.filter(status='succeeded').count()} refund recorded"
            f" ({payment.refunded_minor} of {payment.captured_minor})"
        )
    return ", ".join(parts)


def _payout_end(world: World) -> str:
    from galerie.ledger.models import Payout, PayoutRun

    run = PayoutRun.objects.get(run_date=world["date"])
    paid = Payout.objects.filter(run=run, seller_id__in=world["sellers"]).count()
    return (
        f"payout run {'completed' if run.completed_at else 'INCOMPLETE'}, {paid} of"
        f" {len(world['sellers'])} sellers paid once, bank file {'written' if run.file_name else 'MISSING'}"
    )


def _import_end(world: World) -> str:
    from django.db.models import Count

    from galerie.offers.models import OfferImport, PriceHistory

    done = OfferImport.objects.get(pk=world["import"])
    history = (
        PriceHistory.objects.filter(offer__seller_id=world["seller"]).values("offer").annotate(n=Count("id"))
    )
    once = sum(1 for row in history if row["n"] == 2)  # the offer's first price, then the file's
    return f"import {done.status}, {done.updated_offers} offers updated, {once} repriced once"


# --- the matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    prepare: Callable[[], World]
    act: Callable[[World], Any]
    expected: str
    story: str  # what the child was doing, for the table


PLACED = "1 order, payment captured"
SCENARIOS: dict[str, Scenario] = {
    "checkout.after_reserve": Scenario(
        shop, place, "no order, stock released, payment failed (not_sent), attempt expired", "a checkout"
    ),
    "checkout.after_authorize": Scenario(shop, place, PLACED, "a checkout"),
    "checkout.before_order": Scenario(shop, place, PLACED, "a checkout"),
    "checkout.after_order": Scenario(shop, place, PLACED, "a checkout"),
    "payments.after_capture": Scenario(shop_ordered, work, PLACED, "the worker capturing a new order"),
    "payments.webhook_received": Scenario(
        shop_capturing, webhooks, PLACED, "the gateway's webhooks arriving"
    ),
    "payments.webhook_applied": Scenario(shop_capturing, webhooks, PLACED, "the gateway's webhooks arriving"),
    "payments.after_refund": Scenario(
        shop_captured,
        refuse,
        "1 order, payment captured, 1 seller order refused, 1 refund recorded (4428 of 9518)",
        "a seller refusing its part of a paid order",
    ),
    "ledger.payout_batch_paid": Scenario(
        sellers_funded,
        pay_out,
        "payout run completed, 3 of 3 sellers paid once, bank file written",
        "a payout run, one seller a batch",
    ),
    "offers.import_applying": Scenario(
        import_queued, run_import, "import applied, 3 offers updated, 3 repriced once", "an offer import"
    ),
    "core.outbox_handled": Scenario(shop_ordered, work, PLACED, "the worker after a new order"),
}
