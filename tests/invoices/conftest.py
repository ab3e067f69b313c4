"""A paid order of two professional sellers (tests/returns' world) with the invoices' handlers run
by ``settle`` besides the checkout's and the ledger's."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from galerie.core.delivery import outbox_deliver_batch
from galerie.core.models import OutboxEvent
from galerie.invoices.handlers import HANDLERS as INVOICE_HANDLERS
from galerie.invoices.handlers import seller_order_placed
from galerie.invoices.models import Invoice
from galerie.payments.testgateway.webhooks import deliver_due_webhooks
from tests.returns.conftest import HANDLERS as WORLD_HANDLERS
from tests.returns.conftest import placed as placed  # the fixture
from tests.returns.conftest import shop as shop  # the fixture

HANDLERS = {
    **WORLD_HANDLERS,
    "seller_order.placed": INVOICE_HANDLERS["seller_order.placed"],
    "refund.succeeded": [*WORLD_HANDLERS["refund.succeeded"], *INVOICE_HANDLERS["refund.succeeded"]],
}


def settle_invoices() -> None:
    """Deliver the gateway's webhooks and run the checkout's, ledger's and invoices' handlers."""
    for _ in range(4):
        deliver_due_webhooks(now=timezone.now() + timedelta(days=1))
        while outbox_deliver_batch(HANDLERS, batch=500).claimed:
            pass


def pdf_text(invoice: Invoice) -> str:
    with invoice.file.open("rb") as file:
        reader = PdfReader(io.BytesIO(file.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_bytes(invoice: Invoice) -> bytes:
    with invoice.file.open("rb") as file:
        return file.read()


@pytest.fixture
def invoiced(placed):
    """The world of tests/returns, whose fixture already delivered the events without the
    invoices' handlers: run this app's handler on its seller_order.placed events now."""
    for event in OutboxEvent.objects.filter(topic="seller_order.placed").order_by("id"):
        seller_order_placed(event)
    settle_invoices()
    return placed
