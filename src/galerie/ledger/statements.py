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
from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, Subquery, Sum

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
    return statements_rows(payouts=[payout])[payout.pk]


def statements_rows(*, payouts: Sequence[Payout]) -> dict[int, list[dict[str, Any]]]:
    """Return the statement rows of each payout by payout id, in a fixed number of queries
    (a payout run writes thousands of statements)."""
    if not payouts:
        return {}
    previous_payout = (
        Payout.objects.filter(
            seller_id=OuterRef("seller_id"), currency=OuterRef("currency"), entry_id__lt=OuterRef("entry_id")
        )
        .order_by("-entry_id")
        .values("entry_id")[:1]
    )
    opening_lines = (
        JournalLine.objects.filter(
            account__seller_id=OuterRef("seller_id"),
            account__kind__in=SELLER_FUNDS,
            currency=OuterRef("currency"),
            entry_id__lte=OuterRef("previous"),
        )
        .order_by()
        .values("currency")
        .annotate(net=Sum("credit_minor") - Sum("debit_minor"))
        .values("net")
    )
    bounds = {
        pk: (previous or 0, opening or 0)
        for pk, previous, opening in Payout.objects.filter(pk__in=[p.pk for p in payouts])
        .annotate(previous=Subquery(previous_payout))
        .annotate(opening=Subquery(opening_lines))
        .values_list("pk", "previous", "opening")
    }
    # The lines of each payout's period, fetched for all of them at once, then split by seller.
    by_seller_entry: dict[tuple[int, str], dict[int, list[tuple[Any, ...]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for currency in {p.currency for p in payouts}:
        some = [p for p in payouts if p.currency == currency]
        lines = (
            JournalLine.objects.filter(
                account__seller_id__in={p.seller_id for p in some},
                account__kind__in=SELLER_FUNDS,
                currency=currency,
                entry_id__gt=min(bounds[p.pk][0] for p in some),
                entry_id__lt=max(p.entry_id for p in some),
            )
            .order_by("entry_id", "id")
            .values_list(
                "account__seller_id",
                "entry_id",
                "credit_minor",
                "debit_minor",
                "account__kind",
                "seller_order_id",
                "entry__kind",
                "entry__posted_at",
                "entry__description",
            )
        )
        for line in lines:
            by_seller_entry[(line[0], currency)][line[1]].append(line)
    part_ids = {
        entry_lines[0][5]
        for entries in by_seller_entry.values()
        for entry_lines in entries.values()
        if entry_lines[0][6] == JournalEntry.Kind.AVAILABILITY and entry_lines[0][5] is not None
    }
    parts = _parts(part_ids)
    result = {}
    for payout in payouts:
        previous, opening = bounds[payout.pk]
        rows = [_row("carried_forward", "", None, net=opening)]
        entries = by_seller_entry.get((payout.seller_id, payout.currency), {})
        for entry_id, entry_lines in entries.items():
            if not previous < entry_id < payout.entry_id:
                continue
            _, _, _, _, _, seller_order_id, kind, posted_at, description = entry_lines[0]
            net = sum(line[2] - line[3] for line in entry_lines)
            when = posted_at.date().isoformat()
            if kind == JournalEntry.Kind.AVAILABILITY:
                rows.append(_order_row(parts.get(seller_order_id), when, net))
            elif kind == JournalEntry.Kind.REFUND:
                debt = sum(line[3] for line in entry_lines if line[4] == AccountKind.SELLER_DEBT)
                note = f"{_decimal(debt)} of it became a seller debt" if debt else ""
                rows.append(_row("refund", description, when, refunds=-net, net=net, note=note))
            else:
                rows.append(_row("adjustment", description, when, net=net))
        when = payout.entry.posted_at.date().isoformat()
        rows.append(_row("reserve_held", "", when, net=-payout.reserve_minor))
        if payout.debt_netted_minor or payout.debt_left_minor:
            note = f"debt netted {_decimal(payout.debt_netted_minor)}"
            rows.append(_row("debt_carried", "", when, net=payout.debt_left_minor, note=note))
        rows.append(_row("payout", f"GALERIE-P{payout.pk}", when, net=-payout.amount_minor, note=payout.iban))
        result[payout.pk] = rows
    return result


def _parts(part_ids: set[int]) -> dict[int, tuple[str, int, int, int]]:
    """Return number, total, commission (shipping included) and its VAT of these seller orders."""
    if not part_ids:
        return {}
    sums = {
        row["seller_order_id"]: row
        for row in OrderLine.objects.filter(seller_order_id__in=part_ids)
        .order_by()
        .values("seller_order_id")
        .annotate(
            c=Sum("commission_minor"), s=Sum("commission_shipping_minor"), v=Sum("commission_vat_minor")
        )
    }
    parts = {}
    for pk, number, total in SellerOrder.objects.filter(pk__in=part_ids).values_list(
        "pk", "number", "total_minor"
    ):
        row = sums.get(pk, {})
        commission = (row.get("c") or 0) + (row.get("s") or 0)
        parts[pk] = (number, total, commission, row.get("v") or 0)
    return parts


def _row(kind: str, reference: str, when: str | None, *, net: int, **amounts: Any) -> dict[str, Any]:
    return {
        "type": kind, "reference": reference, "date": when or "", "gross": amounts.get("gross"),
        "commission": amounts.get("commission"), "commission_vat": amounts.get("commission_vat"),
        "refunds": amounts.get("refunds"), "net": net, "note": amounts.get("note", ""),
    }  # fmt: skip


def _order_row(part: tuple[str, int, int, int] | None, when: str, net: int) -> dict[str, Any]:
    if part is None:
        return _row("order", "", when, net=net)
    number, total, commission, vat = part
    refunds = total - commission - vat - net
    return _row(
        "order", number, when, gross=total, commission=commission, commission_vat=vat,
        refunds=refunds, net=net,
    )  # fmt: skip


def statement_write(*, payout: Payout) -> str:
    """Return the payout's statement as CSV, amounts as decimals in the payout's currency."""
    return statement_csv(statement_rows(payout=payout))


def statement_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Return statement rows as CSV, amounts as decimals."""
    buffer = io.StringIO()
    writer = safe_dict_writer(buffer, FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        amounts = {k: _decimal(row[k]) for k in ("gross", "commission", "commission_vat", "refunds", "net")}
        writer.writerow({**row, **amounts})
    return buffer.getvalue()
