"""The seller API's money (read only, ``Perm.VIEW_MONEY``): balances, ledger lines, payouts and
their statements, from ``ledger.reports`` and ``ledger.statements`` scoped to the key's seller."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from galerie.api.auth import seller_key
from galerie.api.pagination import Page, paginate
from galerie.api.routers.seller_caller import seller_caller
from galerie.api.schemas import Money, money, replies
from galerie.ledger.models import JournalLine, Payout
from galerie.ledger.reports import (
    journal_lines_for_member,
    payout_get_for_member,
    payouts_for_member,
    seller_money_for_member,
)
from galerie.ledger.statements import statement_rows
from galerie.sellers.access import Perm

router = Router(auth=seller_key, tags=["seller: money"])


class Balance(Schema):
    currency: str
    pending: Money = Field(description="Sold, not yet available (delivery and withdrawal period).")
    available: Money = Field(description="Paid out at the next payout run (less the reserve).")
    reserve: Money = Field(description="Held back by the latest payout, part of available.")
    debt: Money = Field(description="What the seller owes the operator.")
    paid: Money = Field(description="Every payout so far.")


class Balances(Schema):
    balances: list[Balance]


@router.get("/balance", response=replies(Balances), summary="Balances per currency")
def balance(request: HttpRequest) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_MONEY)
    found = seller_money_for_member(who.user, seller_id=who.seller.pk, payouts_limit=0)
    positions = found[0].positions if found else {}
    return {
        "balances": [
            {"currency": currency, **{name: money(amount, currency) for name, amount in position.items()}}
            for currency, position in sorted(positions.items())
        ]
    }


class LedgerLine(Schema):
    id: int
    posted_at: datetime
    entry_id: int
    entry_kind: str
    description: str
    account: str
    debit: Money
    credit: Money
    seller_order_id: int | None
    order_number: str | None


def line_out(line: JournalLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "posted_at": line.entry.posted_at,
        "entry_id": line.entry_id,
        "entry_kind": line.entry.kind,
        "description": line.entry.description,
        "account": line.account.kind,
        "debit": money(line.debit_minor, line.currency),
        "credit": money(line.credit_minor, line.currency),
        "seller_order_id": line.seller_order_id,
        "order_number": line.seller_order.number if line.seller_order is not None else None,
    }


@router.get(
    "/ledger",
    response=replies(Page[LedgerLine]),
    summary="The lines of the seller's ledger accounts, newest first",
)
def ledger(request: HttpRequest, limit: int = 50, after: str | None = None) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_MONEY)
    items, cursor = paginate(
        journal_lines_for_member(who.user, seller_id=who.seller.pk), after=after, limit=limit
    )
    return {"items": [line_out(line) for line in items], "next": cursor}


class PayoutOut(Schema):
    id: int
    run_date: date
    amount: Money
    reserve: Money
    debt_netted: Money
    debt_left: Money
    iban: str
    created_at: datetime


class StatementRow(Schema):
    type: str
    reference: str
    date: str
    gross: Money | None
    commission: Money | None
    commission_vat: Money | None
    refunds: Money | None
    net: Money | None
    note: str


class PayoutDetail(PayoutOut):
    statement: list[StatementRow]


def payout_out(payout: Payout) -> dict[str, Any]:
    currency = payout.currency
    return {
        "id": payout.pk,
        "run_date": payout.run.run_date,
        "amount": money(payout.amount_minor, currency),
        "reserve": money(payout.reserve_minor, currency),
        "debt_netted": money(payout.debt_netted_minor, currency),
        "debt_left": money(payout.debt_left_minor, currency),
        "iban": payout.iban,
        "created_at": payout.created_at,
    }


@router.get("/payouts", response=replies(Page[PayoutOut]), summary="The seller's payouts, newest first")
def payouts(request: HttpRequest, limit: int = 50, after: str | None = None) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_MONEY)
    items, cursor = paginate(payouts_for_member(who.user, seller_id=who.seller.pk), after=after, limit=limit)
    return {"items": [payout_out(p) for p in items], "next": cursor}


AMOUNTS = ("gross", "commission", "commission_vat", "refunds", "net")


@router.get(
    "/payouts/{payout_id}", response=replies(PayoutDetail), summary="One payout and its statement's rows"
)
def payout(request: HttpRequest, payout_id: int) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_MONEY)
    found = payout_get_for_member(who.user, payout_id=payout_id, seller_id=who.seller.pk)
    currency = found.currency
    rows = [
        {
            "type": row["type"],
            "reference": str(row["reference"] or ""),
            "date": str(row["date"] or ""),
            **{k: None if row[k] is None else money(row[k], currency) for k in AMOUNTS},
            "note": str(row["note"] or ""),
        }
        for row in statement_rows(payout=found)
    ]
    return {**payout_out(found), "statement": rows}
