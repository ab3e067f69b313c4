"""Every write of invoices: issue a seller order's invoice, a refund's credit note, the operator's
monthly commission invoice. Nothing updates an issued document (models.Invoice refuses it).

Numbering: one ``InvoiceCounter`` row per (issuer, series, year), locked ``FOR UPDATE`` in the
transaction that inserts the document, so numbers run 1, 2, 3 … with no gap and no duplicate
(docs/invoices.md). The existence check runs after the lock: two deliveries of one event make
one document. The PDF is rendered inside that transaction: the lock is held ~0.1–0.3 s per
document of the same issuer, a serialisation we accept for a gapless series.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core.outbox import emit
from galerie.invoices.documents import (
    commission_invoice_data,
    credit_note_data,
    document_pdf,
    sale_invoice_data,
)
from galerie.invoices.errors import InvoiceNotIssuable
from galerie.invoices.models import CommissionInvoiceRun, Invoice, InvoiceCounter, issuer_key
from galerie.ledger.models import AccountKind, JournalLine
from galerie.orders.models import OrderLine, SellerOrder
from galerie.payments.models import Refund
from galerie.sellers.models import Seller

# The keys of the refunds made for one seller order (orders, returns, incidents, and the
# operator-paid ones of the ledger): what follows the uuid says why.
_SELLER_ORDER_REFUND = re.compile(r"^(?:operator-paid-)?seller-order-([0-9a-f]{32})-(.+)$")
REASONS = [
    (re.compile(r"^refused$"), "Commande refusée par le vendeur"),
    (re.compile(r"^cancelled$"), "Commande annulée"),
    (re.compile(r"^return-\d+$"), "Rétractation ou retour"),
    (re.compile(r"incident-\d+$"), "Remboursement à la suite d'un incident"),
]


def _lock_counter(*, issuer: str, series: str, year: int) -> InvoiceCounter:
    """Create the series' counter if missing and lock it (in the caller's transaction)."""
    InvoiceCounter.objects.bulk_create(
        [InvoiceCounter(issuer=issuer, series=series, year=year)], ignore_conflicts=True
    )
    return InvoiceCounter.objects.select_for_update().get(issuer=issuer, series=series, year=year)


def _issue(
    *, counter: InvoiceCounter, kind: str, seller: Seller, issued_at: datetime,
    build: Callable[[str], dict[str, Any]], **fields: Any,
) -> Invoice:  # fmt: skip
    """Take the next number of the locked counter, render the document and insert it."""
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    number = f"{counter.series}{counter.year}-{counter.last_number:06d}"
    data = build(number)
    pdf = document_pdf(data)
    totals = data["totals"]
    invoice = Invoice(
        kind=kind,
        issuer=counter.issuer,
        number=number,
        sequence=counter.last_number,
        seller=seller,
        issued_at=issued_at,
        currency=data["currency"],
        total_excl_vat_minor=totals["excl_vat_minor"],
        vat_minor=totals["vat_minor"],
        total_incl_vat_minor=totals["incl_vat_minor"],
        data=data,
        sha256=hashlib.sha256(pdf).hexdigest(),
        **fields,
    )
    invoice.file.save(f"{number}.pdf", ContentFile(pdf), save=False)
    invoice.save()
    emit(
        "invoice.issued",
        invoice_id=invoice.pk,
        kind=kind,
        number=number,
        seller_id=seller.pk,
        seller_order_id=invoice.seller_order_id,
    )
    return invoice


def invoice_issue(*, seller_order_id: int, now: datetime | None = None) -> Invoice | None:
    """Issue the invoice of a seller order in its seller's name; return it (the existing one when
    issued already), or None for a private seller, who issues no invoice (docs/invoices.md).

    Locks the seller's counter of series F for the year; raises InvoiceInvalid (nothing issued)
    if the Factur-X XML does not validate.
    """
    now = now or timezone.now()
    seller_order = SellerOrder.objects.select_related("seller", "order__storefront").get(pk=seller_order_id)
    if seller_order.seller.kind != Seller.Kind.TRADER:
        return None
    with transaction.atomic():
        counter = _lock_counter(
            issuer=issuer_key(seller_order.seller_id),
            series=Invoice.SERIES[Invoice.Kind.INVOICE],
            year=timezone.localtime(now).year,
        )
        if done := Invoice.objects.filter(kind=Invoice.Kind.INVOICE, seller_order=seller_order).first():
            return done
        return _issue(
            counter=counter,
            kind=Invoice.Kind.INVOICE,
            seller=seller_order.seller,
            issued_at=now,
            build=lambda number: sale_invoice_data(seller_order=seller_order, number=number, issued_at=now),
            seller_order=seller_order,
        )


def refund_reason(key_suffix: str) -> str:
    """Why a seller order's refund was made, from what follows the uuid in its key (French)."""
    return next((text for pattern, text in REASONS if pattern.search(key_suffix)), "Remboursement")


def credit_note_issue(*, refund_id: int, now: datetime | None = None) -> Invoice | None:
    """Issue the credit note of a succeeded refund of a seller order, referencing its invoice
    (issued first if it was not yet); return it, or None when there is nothing to credit (a
    refund not attributed to a seller order, a private seller's order, a refund not succeeded).

    Never credits more than what is left of the invoice. Locks the seller's series A counter.
    """
    now = now or timezone.now()
    refund = Refund.objects.get(pk=refund_id)
    match = _SELLER_ORDER_REFUND.match(refund.idempotency_key)
    if refund.status != Refund.Status.SUCCEEDED or match is None:
        return None
    seller_order = SellerOrder.objects.filter(uuid=match.group(1)).select_related("seller").first()
    if seller_order is None:
        return None
    invoice = invoice_issue(seller_order_id=seller_order.pk, now=now)
    if invoice is None:
        return None
    with transaction.atomic():
        counter = _lock_counter(
            issuer=invoice.issuer,
            series=Invoice.SERIES[Invoice.Kind.CREDIT_NOTE],
            year=timezone.localtime(now).year,
        )
        if done := Invoice.objects.filter(refund=refund).first():
            return done
        credited = (
            Invoice.objects.filter(credits=invoice).aggregate(total=Sum("total_incl_vat_minor"))["total"] or 0
        )
        amount = min(refund.amount_minor, invoice.total_incl_vat_minor - credited)
        if amount <= 0:
            return None
        reason = refund_reason(match.group(2))
        return _issue(
            counter=counter,
            kind=Invoice.Kind.CREDIT_NOTE,
            seller=seller_order.seller,
            issued_at=now,
            build=lambda number: credit_note_data(
                invoice_data=invoice.data,
                credits_number=invoice.number,
                number=number,
                issued_at=now,
                amount_minor=amount,
                reason=reason,
            ),
            seller_order=seller_order,
            credits=invoice,
            refund=refund,
        )


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of ``month`` and of the next one, in the site's time zone."""
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    following = timezone.make_aware(datetime(month.year + month.month // 12, month.month % 12 + 1, 1))
    return start, following


def _commission_lines(seller_id: int | None, month: date) -> Any:
    start, end = month_bounds(month)
    lines = JournalLine.objects.filter(
        account__kind__in=[AccountKind.COMMISSION_REVENUE, AccountKind.COMMISSION_VAT],
        entry__posted_at__gte=start,
        entry__posted_at__lt=end,
        currency="EUR",
    )
    return lines if seller_id is None else lines.filter(seller_order__seller_id=seller_id)


def commission_invoice_issue(*, seller_id: int, month: date, now: datetime | None = None) -> Invoice | None:
    """Issue the operator's invoice of ``month``'s commissions to one seller, from the ledger's
    commission postings of the month (commission revenue and its VAT, net of reversals and
    refunds); return it (the existing one when issued already), or None when the net
    commission is nothing. Raises InvoiceNotIssuable for a month not over yet.

    Euro postings only. Locks the operator's series C counter of the year of issue.
    """
    now = now or timezone.now()
    month = month.replace(day=1)
    if month_bounds(month)[1] > now:
        raise InvoiceNotIssuable(
            _("The month %(month)s is not over: its commissions are invoiced from the 1st of the next.")
            % {"month": f"{month:%Y-%m}"},
            field="month",
        )
    seller = Seller.objects.get(pk=seller_id)
    with transaction.atomic():
        counter = _lock_counter(
            issuer=issuer_key(None),
            series=Invoice.SERIES[Invoice.Kind.COMMISSION],
            year=timezone.localtime(now).year,
        )
        found = Invoice.objects.filter(kind=Invoice.Kind.COMMISSION, seller=seller, month=month).first()
        if found:
            return found
        lines = _commission_lines(seller.pk, month)
        sums = lines.aggregate(
            revenue=Sum("credit_minor", filter=Q(account__kind=AccountKind.COMMISSION_REVENUE), default=0)
            - Sum("debit_minor", filter=Q(account__kind=AccountKind.COMMISSION_REVENUE), default=0),
            vat=Sum("credit_minor", filter=Q(account__kind=AccountKind.COMMISSION_VAT), default=0)
            - Sum("debit_minor", filter=Q(account__kind=AccountKind.COMMISSION_VAT), default=0),
            orders=Count("seller_order", distinct=True),
        )
        if sums["revenue"] <= 0:
            return None
        rate = (
            OrderLine.objects.filter(seller_order__in=lines.values("seller_order")).aggregate(
                rate=Max("commission_vat_rate_bp")
            )["rate"]
            or 0
        )
        return _issue(
            counter=counter,
            kind=Invoice.Kind.COMMISSION,
            seller=seller,
            issued_at=now,
            build=lambda number: commission_invoice_data(
                seller=seller,
                month=month,
                number=number,
                issued_at=now,
                excl_vat_minor=sums["revenue"],
                vat_minor=sums["vat"],
                rate_bp=rate,
                currency="EUR",
                orders=sums["orders"],
            ),
            month=month,
        )


def commission_invoices_issue(*, month: date, now: datetime | None = None) -> list[Invoice]:
    """Issue the month's commission invoice of every seller with commission postings in it and
    none yet; return the documents issued now. Safe to run again (one per seller and month).
    Records the month as done (CommissionInvoiceRun) once every seller's is issued. Raises
    InvoiceNotIssuable for a month not over yet (it would be recorded done too early)."""
    now = now or timezone.now()
    month = month.replace(day=1)
    if month_bounds(month)[1] > now:
        raise InvoiceNotIssuable(
            _("The month %(month)s is not over: its commissions are invoiced from the 1st of the next.")
            % {"month": f"{month:%Y-%m}"},
            field="month",
        )
    invoiced = Invoice.objects.filter(kind=Invoice.Kind.COMMISSION, month=month).values("seller_id")
    seller_ids = (
        _commission_lines(None, month)
        .exclude(seller_order__seller_id__in=invoiced)
        .values_list("seller_order__seller_id", flat=True)
        .distinct()
    )
    issued = []
    for seller_id in sorted(set(seller_ids)):
        invoice = commission_invoice_issue(seller_id=seller_id, month=month, now=now)
        if invoice is not None:
            issued.append(invoice)
    CommissionInvoiceRun.objects.get_or_create(
        month=month, defaults={"invoices": len(issued), "completed_at": now}
    )
    return issued


def commission_invoices_due(*, now: datetime | None = None) -> list[Invoice]:
    """Issue last month's commission invoices unless that month is recorded done (the job)."""
    now = now or timezone.now()
    month = previous_month(now)
    if CommissionInvoiceRun.objects.filter(month=month).exists():
        return []
    return commission_invoices_issue(month=month, now=now)


def previous_month(now: datetime) -> date:
    """The first day of the month before ``now``'s (site time zone)."""
    first = timezone.localtime(now).date().replace(day=1)
    return date.fromordinal(first.toordinal() - 1).replace(day=1)
