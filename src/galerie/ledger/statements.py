"""The statement of a payout: what moved the seller's available balance and debt since its
previous payout, as CSV rows whose ``net`` column sums to zero.

Rows: ``carried_forward`` (reserve and debts left by the previous payout), one ``order`` per
seller order made available (gross, commission, VAT on commission, refunds taken before it
became available, net), ``refund`` (refunds after availability; the part beyond the available
balance is a seller debt, said in ``note``), ``adjustment`` (anything else), then
``reserve_held`` (−reserve), ``debt_carried`` (+debt left open) and ``payout`` (−amount).
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from django.db.models import Sum

from galerie.core.csvsafe import safe_dict_writer
from galerie.ledger.models import AccountKind, JournalEntry, JournalLine, Payout
from galerie.orders.models import OrderLine, SellerOrder

FIELDS = [
    "type", "reference", "date", "gross", "commission", "commission_vat", "refunds", "net", "note",
]  # fmt: skip
SELLER_FUNDS = (AccountKind.SELLER_AVAILABLE, AccountKind.SELLER_DEBT)


def _decimal(minor: int | None) -> str:
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def statement_rows(*, payout: Payout) -> list[dict[str, Any]]:
    """Return the statement rows of a payout, amounts in minor units (``None``: not applicable)."""
    previous = (
        Payout.objects.filter(
            seller_id=payout.seller_id, currency=payout.currency, entry_id__lt=payout.entry_id
        )
        .order_by("-entry_id")
        .values_list("entry_id", flat=True)
        .first()
    ) or 0
    lines = JournalLine.objects.filter(
        account__seller_id=payout.seller_id, account__kind__in=SELLER_FUNDS, currency=payout.currency
    )
    opening = lines.filter(entry_id__lte=previous).aggregate(c=Sum("credit_minor"), d=Sum("debit_minor"))
    rows = [_row("carried_forward", "", None, net=(opening["c"] or 0) - (opening["d"] or 0))]
    period = (
        lines.filter(entry_id__gt=previous, entry_id__lt=payout.entry_id)
        .select_related("entry", "account")
        .order_by("entry_id", "id")
    )
    by_entry: dict[int, list[JournalLine]] = defaultdict(list)
    for line in period:
        by_entry[line.entry_id].append(line)
    for entry_lines in by_entry.values():
        entry = entry_lines[0].entry
        net = sum(line.credit_minor - line.debit_minor for line in entry_lines)
        when = entry.posted_at.date().isoformat()
        if entry.kind == JournalEntry.Kind.AVAILABILITY:
            rows.append(_order_row(entry_lines[0].seller_order_id, when, net))
        elif entry.kind == JournalEntry.Kind.REFUND:
            debt = sum(
                line.debit_minor for line in entry_lines if line.account.kind == AccountKind.SELLER_DEBT
            )
            note = f"{_decimal(debt)} of it became a seller debt" if debt else ""
            rows.append(_row("refund", entry.description, when, refunds=-net, net=net, note=note))
        else:
            rows.append(_row("adjustment", entry.description, when, net=net))
    when = payout.entry.posted_at.date().isoformat()
    rows.append(_row("reserve_held", "", when, net=-payout.reserve_minor))
    if payout.debt_netted_minor or payout.debt_left_minor:
        note = f"debt netted {_decimal(payout.debt_netted_minor)}"
        rows.append(_row("debt_carried", "", when, net=payout.debt_left_minor, note=note))
    rows.append(_row("payout", f"GALERIE-P{payout.pk}", when, net=-payout.amount_minor, note=payout.iban))
    return rows


def _row(kind: str, reference: str, when: str | None, *, net: int, **amounts: Any) -> dict[str, Any]:
    return {
        "type": kind, "reference": reference, "date": when or "", "gross": amounts.get("gross"),
        "commission": amounts.get("commission"), "commission_vat": amounts.get("commission_vat"),
        "refunds": amounts.get("refunds"), "net": net, "note": amounts.get("note", ""),
    }  # fmt: skip


def _order_row(seller_order_id: int | None, when: str, net: int) -> dict[str, Any]:
    part = SellerOrder.objects.filter(pk=seller_order_id).first() if seller_order_id is not None else None
    if part is None:
        return _row("order", "", when, net=net)
    sums = OrderLine.objects.filter(seller_order=part).aggregate(
        c=Sum("commission_minor"), s=Sum("commission_shipping_minor"), v=Sum("commission_vat_minor")
    )
    commission, vat = (sums["c"] or 0) + (sums["s"] or 0), sums["v"] or 0
    refunds = part.total_minor - commission - vat - net
    return _row(
        "order", part.number, when, gross=part.total_minor, commission=commission, commission_vat=vat,
        refunds=refunds, net=net,
    )  # fmt: skip


def statement_write(*, payout: Payout) -> str:
    """Return the payout's statement as CSV, amounts as decimals in the payout's currency."""
    buffer = io.StringIO()
    writer = safe_dict_writer(buffer, FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in statement_rows(payout=payout):
        amounts = {k: _decimal(row[k]) for k in ("gross", "commission", "commission_vat", "refunds", "net")}
        writer.writerow({**row, **amounts})
    return buffer.getvalue()
