"""The bench's checkout scenario places real orders: its driver sends what the checkout page
asks for (the idempotency key and the quote it showed), so the figure it reports measures
checkouts, not refusals."""

from __future__ import annotations

import pytest

from bench.checkout_driver import run
from bench.prepare import prepare
from galerie.orders.models import Order
from galerie.seeding.generator import MarketplaceGenerator, Scale
from galerie.seeding.management.commands.seed import marketplace_reset
from galerie.seeding.writer import BulkWriter


@pytest.mark.postgres  # the bench runs on PostgreSQL; a live server shares no SQLite memory database
@pytest.mark.django_db(transaction=True)
def test_the_checkout_driver_places_orders_through_the_served_checkout_page(live_server, tmp_path):
    marketplace_reset()
    MarketplaceGenerator(scale=Scale(sellers=8, brands=10, offers=200, images=False), seed=5).run(
        BulkWriter(batch_size=500)
    )
    plan = prepare(tmp_path / "plan.json")
    port = int(live_server.url.rsplit(":", 1)[1])

    figures = run(port, plan["checkout"], customers=2, seconds=2)

    assert figures["errors"] == 0
    assert figures["checkouts"] >= 1
    assert Order.objects.count() == figures["checkouts"]
    assert all(order.seller_orders.count() == 2 for order in Order.objects.all())
