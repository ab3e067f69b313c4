"""Reads of invoices, scoped to who asks: a customer sees the invoices and credit notes of their
own orders, a seller those it issued or received; anyone else gets InvoiceNotFound (a 404)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.invoices.errors import InvoiceNotFound
from galerie.invoices.models import Invoice
from galerie.orders.models import Order

CUSTOMER_KINDS = (Invoice.Kind.INVOICE, Invoice.Kind.CREDIT_NOTE)


def invoices_of_order(*, order: Order) -> dict[int, list[Invoice]]:
    """The invoices and credit notes of an order (already scoped to its customer), by seller order id."""
    found: dict[int, list[Invoice]] = defaultdict(list)
    rows = Invoice.objects.filter(seller_order__order=order, kind__in=CUSTOMER_KINDS).order_by("id")
    for invoice in rows.only("uuid", "kind", "number", "seller_order_id", "issued_at"):
        found[invoice.seller_order_id or 0].append(invoice)
    return dict(found)


def invoice_get_for_customer(*, customer: User, order: Order, uuid: str) -> Invoice:
    """One invoice or credit note of ``order``, which must be ``customer``'s."""
    found = Invoice.objects.filter(
        uuid=uuid, kind__in=CUSTOMER_KINDS, seller_order__order=order, seller_order__order__customer=customer
    ).first()
    if found is None:
        raise InvoiceNotFound(_("There is no such invoice."))
    return found


def invoices_for_seller(*, seller_id: int) -> QuerySet[Invoice]:
    """The documents a seller issued (invoices, credit notes) or received (commission invoices)."""
    return Invoice.objects.filter(seller_id=seller_id)


def invoice_get_for_seller(*, seller_id: int, uuid: str) -> Invoice:
    found = invoices_for_seller(seller_id=seller_id).filter(uuid=uuid).first()
    if found is None:
        raise InvoiceNotFound(_("There is no such invoice."))
    return found


def invoices_of_seller_order(*, seller_order_id: int) -> list[Invoice]:
    """The invoice and credit notes of one seller order (already scoped to its seller), oldest first."""
    return list(
        Invoice.objects.filter(seller_order_id=seller_order_id, kind__in=CUSTOMER_KINDS).order_by("id")
    )


def commission_invoices_for_seller(*, seller_id: int, limit: int = 24) -> list[Invoice]:
    """The operator's latest commission invoices to a seller, newest month first."""
    rows = invoices_for_seller(seller_id=seller_id).filter(kind=Invoice.Kind.COMMISSION).order_by("-month")
    return list(rows[:limit])
