"""The seller quickstart of docs/api.md, run as a seller would: a separate program (only the
standard library) against a live server, with a real webhook receiver on loopback."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.offers.models import Offer
from galerie.orders.models import SellerOrder, Shipment
from galerie.sellers.models import ShippingProfile
from galerie.webhooks.models import WebhookDelivery
from tests.api.conftest import seller_key
from tests.checkout.conftest import ADDRESS, SUCCESS
from tests.factories import make_seller, make_storefront, make_user, make_variant

# The live server, the worker and the script write at once: PostgreSQL (an in-memory SQLite
# database shared between threads answers "table is locked" instead of waiting).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def quickstart() -> str:
    text = DOCS.read_text()
    found = re.search(r"<!-- seller-quickstart -->\n```python\n(.*?)```", text, re.S)
    assert found, "docs/api.md has lost its seller quickstart block"
    return found.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, *, seconds: float, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the quickstart stopped before {what}:\n{out}\n{err}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_the_seller_quickstart_in_the_docs_runs_end_to_end(live_server, settings, tmp_path):
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront])
    ShippingProfile.objects.create(seller=seller, kind="flat", base_minor=490)
    variant = make_variant(gtin="9782070360024")
    port = free_port()
    script = tmp_path / "quickstart.py"
    script.write_text(quickstart())
    env = {
        **os.environ,
        "GALERIE_URL": live_server.url,
        "GALERIE_KEY": seller_key(seller),
        "GTIN": "978-2-07-036002-4",
        "HOOK_URL": f"http://127.0.0.1:{port}/hooks",
        "HOOK_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        offers = Offer.objects.filter(seller=seller, variant=variant)
        wait_for(offers.exists, seconds=60, what="the offer", process=process)
        offer = offers.get()
        assert (offer.price_minor, offer.stock) == (2490, 5)

        customer = make_user()
        cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk, quantity=2)
        order = checkout_place_order(
            storefront=storefront,
            cart=cart,
            customer=customer,
            address=ADDRESS,
            payment_method=SUCCESS,
            idempotency_key=secrets.token_urlsafe(16),
            return_url=f"{live_server.url}/return/",
        ).order
        part = SellerOrder.objects.get(order=order, seller=seller)
        shipped = SellerOrder.objects.filter(pk=part.pk, status="shipped")

        def worker_delivered() -> bool:  # `galerie worker --once`: the outbox, then the webhooks
            call_command("worker", once=True, verbosity=0)
            return shipped.exists()

        wait_for(worker_delivered, seconds=90, what="the order shipped", process=process)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert f"order {part.number} received: 54.70 EUR" in out  # 2 × 24.90 + 4.90
    assert f"order {part.number} accepted and shipped" in out
    parcel = Shipment.objects.get(seller_order=part)
    assert (parcel.carrier, parcel.tracking_number) == ("Colissimo", f"6A{part.pk:011d}")
    placed = WebhookDelivery.objects.get(event_type="order.placed", endpoint__seller=seller)
    assert (placed.status, placed.attempts) == ("delivered", 1)  # signed, answered 2xx, sent once
