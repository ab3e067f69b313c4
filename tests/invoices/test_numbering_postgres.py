"""Gapless numbering per seller under concurrency, on PostgreSQL with real connections and threads:
20 orders of one seller invoiced at once (and 5 of them twice, as a redelivered event would)
get the numbers 1 … 20 exactly, each once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from galerie.invoices.models import Invoice
from galerie.invoices.services import invoice_issue
from tests.factories import make_offer, make_seller, make_storefront
from tests.notifications.orders import make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_orders_are_numbered_1_to_20_without_gap():
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront])
    other = make_seller(storefronts=[storefront])
    offer = make_offer(seller=seller, price_minor=1290, stock=100)
    other_offer = make_offer(seller=other, price_minor=990, stock=100)
    parts = [make_order(storefront=storefront, lines=[(offer, 1), (other_offer, 1)]).seller_orders.get(
        seller=seller) for _ in range(20)]  # fmt: skip
    targets = [part.pk for part in parts] + [part.pk for part in parts[:5]]
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def issue(seller_order_id: int) -> None:
        try:
            barrier.wait()
            invoice_issue(seller_order_id=seller_order_id)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(pk,)) for pk in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert connection.vendor == "postgresql"
    assert errors == []
    invoices = Invoice.objects.filter(seller=seller, kind=Invoice.Kind.INVOICE)
    year = timezone.localtime().year
    assert sorted(invoices.values_list("sequence", flat=True)) == list(range(1, 21))
    assert sorted(invoices.values_list("number", flat=True)) == [f"F{year}-{n:06d}" for n in range(1, 21)]
    assert sorted(invoices.values_list("seller_order_id", flat=True)) == sorted(p.pk for p in parts)
    assert not Invoice.objects.filter(seller=other).exists()
