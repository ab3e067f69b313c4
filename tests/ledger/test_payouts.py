"""Availability, payout runs, the pain.001 file, statements, reserve and seller debts."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date, timedelta
from decimal import Decimal

import pytest
import xmlschema
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from galerie.core.money import Money
from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.errors import PayoutRunInFuture
from galerie.ledger.models import AccountKind, CommissionPlan, JournalEntry, JournalLine, Payout, PayoutRun
from galerie.ledger.payouts import payout_run_start, payouts_run, seller_payout_post
from galerie.ledger.selectors import balances_by_kind, seller_position, unbalanced_entry_ids
from galerie.ledger.sepa import SCHEMA_FILE
from galerie.ledger.services import AccountRef, credit, debit, entry_post
from galerie.ledger.statements import statement_rows, statement_write
from galerie.payments.services import payment_refund
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.checkout.conftest import ADDRESS, SUCCESS
from tests.factories import make_seller, make_user
from tests.ledger.payout_helpers import deliver, fund, noon
from tests.ledger.test_properties import settle

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
DAY = date(2030, 1, 15)
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _payout_dir(settings, tmp_path):
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"
    settings.GALERIE_PAYOUT_RESERVE_BP = 0


def transit_paid(run: PayoutRun) -> int:
    return (
        JournalLine.objects.filter(
            entry__payout__run=run, account__kind=AccountKind.PAYOUTS_IN_TRANSIT
        ).aggregate(s=Sum("credit_minor"))["s"]
        or 0
    )


def test_the_pain001_file_validates_and_its_control_sum_is_the_ledgers_payouts():
    sellers = [make_seller(legal_name=name) for name in ("Atelier Élodie", "B & Fils", "Café")]
    for seller, amount in zip(sellers, (12345, 1, 999999), strict=True):
        fund(seller.pk, amount)
    result = payouts_run(run_date=DAY, now=noon(DAY))
    document = result.bank_file.read_bytes()
    xmlschema.XMLSchema(str(SCHEMA_FILE)).validate(document.decode())  # raises if invalid
    tree = xmlschema.XMLResource(document.decode()).root
    assert tree.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", NS).text == "3"
    control_sum = Decimal(tree.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", NS).text)
    assert control_sum == Decimal(transit_paid(result.run)) / 100 == Decimal("10123.45")
    amounts = sorted(Decimal(e.text) for e in tree.iterfind(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS))
    assert amounts == [Decimal("0.01"), Decimal("123.45"), Decimal("9999.99")]
    assert {e.text for e in tree.iterfind(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", NS)} == {
        f"GALERIE-P{p.pk}" for p in Payout.objects.all()
    }
    assert all(seller_position(seller_id=s.pk, currency="EUR")["available"] == 0 for s in sellers)


def test_running_the_command_twice_pays_each_seller_once(settings):
    sellers = [make_seller() for _ in range(3)]
    for seller in sellers:
        fund(seller.pk, 5000)
    out = io.StringIO()
    day = timezone.localdate() - timedelta(days=2)
    call_command("payouts", "run", "--date", day.isoformat(), stdout=out)
    fund(sellers[0].pk, 700)  # arrives after the run of the day was completed
    call_command("payouts", "run", "--date", day.isoformat(), stdout=out)
    assert "already completed" in out.getvalue()
    assert Payout.objects.count() == 3
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.PAYOUT).count() == 3
    assert transit_paid(PayoutRun.objects.get()) == 15000
    # The next day's run pays what arrived since.
    call_command("payouts", "run", "--date", (day + timedelta(days=1)).isoformat(), stdout=out)
    assert list(
        Payout.objects.filter(run__run_date=day + timedelta(days=1)).values_list("amount_minor", flat=True)
    ) == [700]


def test_an_interrupted_run_resumes_and_skips_the_sellers_already_paid():
    sellers = [make_seller() for _ in range(3)]
    for seller in sellers:
        fund(seller.pk, 1000)
    run = payout_run_start(run_date=DAY, now=noon(DAY))
    first = seller_payout_post(run_id=run.pk, seller_id=sellers[1].pk)  # then the process died
    assert seller_payout_post(run_id=run.pk, seller_id=sellers[1].pk) == first  # a retry: same payout
    result = payouts_run(run_date=DAY, now=noon(DAY))
    assert (result.paid_now, result.payouts, result.total_minor) == (2, 3, 3000)
    assert Payout.objects.filter(seller=sellers[1]).count() == 1
    assert result.run.completed_at is not None


def test_the_rolling_reserve_is_held_back_then_released(settings):
    settings.GALERIE_PAYOUT_RESERVE_BP, settings.GALERIE_PAYOUT_RESERVE_DAYS = 1000, 30
    seller = make_seller()
    fund(seller.pk, 10001)
    today = timezone.localdate()
    payout = payouts_run(run_date=today).run.payouts.get()
    assert (payout.amount_minor, payout.reserve_minor) == (9001, 1000)  # 10 % of 100.01, half up
    assert seller_position(seller_id=seller.pk, currency="EUR")["available"] == 1000
    rows = statement_rows(payout=payout)
    assert [r["type"] for r in rows] == ["carried_forward", "order", "reserve_held", "payout"]
    assert sum(r["net"] for r in rows) == 0
    settings.GALERIE_PAYOUT_RESERVE_DAYS = 0  # the sales are older than the window: released
    later = timezone.now() + timedelta(days=31)
    payout = payouts_run(run_date=timezone.localdate(later), now=later).run.payouts.get()
    assert (payout.amount_minor, payout.reserve_minor) == (1000, 0)
    assert [(r["type"], r["net"]) for r in statement_rows(payout=payout)] == [
        ("carried_forward", 1000), ("reserve_held", 0), ("payout", -1000),
    ]  # fmt: skip


def _place_order(shop, owner_b=None):
    from galerie.checkout.services import checkout_place_order

    order = checkout_place_order(
        storefront=shop.storefront, cart=shop.cart, customer=shop.customer, address=ADDRESS,
        payment_method=SUCCESS, idempotency_key=secrets.token_urlsafe(16), return_url="http://t/r/",
    ).order  # fmt: skip
    settle()
    return order


def test_funds_become_available_after_delivery_and_the_withdrawal_period(shop, settings):
    CommissionPlan.objects.create(storefront=shop.storefront, rate_bp=1000)
    owner = make_user()
    seller_member_add(seller=shop.seller_a, user=owner, role=SellerMember.Role.OWNER)
    order = _place_order(shop)
    part_a = order.seller_orders.get(seller=shop.seller_a)
    assert seller_orders_make_available(now=timezone.now() + timedelta(days=30)) == 0  # not delivered
    deliver(part_a, owner)
    assert seller_orders_make_available(now=timezone.now() + timedelta(days=13)) == 0
    assert seller_orders_make_available(now=timezone.now() + timedelta(days=14, minutes=1)) == 1
    assert seller_orders_make_available(now=timezone.now() + timedelta(days=15)) == 0  # once
    position = seller_position(seller_id=shop.seller_a.pk, currency="EUR")
    assert position == {"pending": 0, "available": part_a.total_minor - 398 - 80, "debt": 0, "paid": 0}
    settings.GALERIE_WITHDRAWAL_DAYS = 0
    assert seller_orders_make_available() == 0
    assert unbalanced_entry_ids() == []


def test_a_refund_after_the_payout_becomes_a_seller_debt_netted_on_the_next_run(shop, settings):
    CommissionPlan.objects.create(storefront=shop.storefront, rate_bp=1000)
    owner = make_user()
    seller_member_add(seller=shop.seller_a, user=owner, role=SellerMember.Role.OWNER)
    order = _place_order(shop)
    part_a = order.seller_orders.get(seller=shop.seller_a)
    deliver(part_a, owner)
    seller_orders_make_available(now=timezone.now() + timedelta(days=15))
    net_a = part_a.total_minor - 398 - 80
    first = payouts_run(run_date=DAY, now=noon(DAY)).run.payouts.get()
    assert (first.seller_id, first.amount_minor) == (shop.seller_a.pk, net_a)
    # The customer returns the books: the whole of part A is refunded after A was paid.
    payment_refund(
        payment_id=order.payment_id, amount=Money(part_a.total_minor, "EUR"),
        idempotency_key=secrets.token_urlsafe(16), reason="returned",
    )  # fmt: skip
    settle()
    position = seller_position(seller_id=shop.seller_a.pk, currency="EUR")
    assert position["available"] == 0  # never negative
    assert position["debt"] > 0
    debt = position["debt"]
    assert unbalanced_entry_ids() == []
    # Next sales of A: the debt is netted on the next payout and shown on its statement.
    fund(shop.seller_a.pk, debt + 500)
    second = payouts_run(
        run_date=DAY + timedelta(days=1), now=noon(DAY + timedelta(days=1))
    ).run.payouts.get()
    assert (second.amount_minor, second.debt_netted_minor, second.debt_left_minor) == (500, debt, 0)
    assert seller_position(seller_id=shop.seller_a.pk, currency="EUR")["debt"] == 0
    rows = statement_rows(payout=second)
    assert [r["type"] for r in rows] == [
        "carried_forward", "refund", "order", "reserve_held", "debt_carried", "payout",
    ]  # fmt: skip
    assert sum(r["net"] for r in rows) == 0
    assert "seller debt" in rows[1]["note"]
    parsed = list(csv.DictReader(io.StringIO(statement_write(payout=second))))
    assert parsed[-1]["net"] == "-5.00"


def test_a_debt_larger_than_the_next_sales_stays_open_and_no_transfer_is_made():
    seller = make_seller()
    fund(seller.pk, 1000)
    payouts_run(run_date=DAY, now=noon(DAY))
    # A chargeback the operator books on the seller after its payout.
    entry_post(
        idempotency_key="test-debt", kind=JournalEntry.Kind.ADJUSTMENT, description="chargeback",
        postings=[
            debit(AccountRef(AccountKind.SELLER_DEBT, "EUR", seller.pk), 800),
            credit(AccountRef(AccountKind.GATEWAY_RECEIVABLE, "EUR"), 800),
        ],
    )  # fmt: skip
    fund(seller.pk, 300)
    result = payouts_run(run_date=DAY + timedelta(days=1), now=noon(DAY + timedelta(days=1)))
    payout = result.run.payouts.get()
    assert (payout.amount_minor, payout.debt_netted_minor, payout.debt_left_minor) == (0, 300, 500)
    assert result.bank_file is None  # nothing to transfer
    assert seller_position(seller_id=seller.pk, currency="EUR") == {
        "pending": 0, "available": 0, "debt": 500, "paid": 1000,
    }  # fmt: skip
    assert sum(r["net"] for r in statement_rows(payout=payout)) == 0


def test_when_everything_is_settled_payouts_commissions_and_refunds_add_up_to_the_captures(shop):
    CommissionPlan.objects.create(
        storefront=shop.storefront, rate_bp=1234, fixed_fee_minor=7, on_shipping=True
    )
    owners = {}
    for seller in (shop.seller_a, shop.seller_b):
        owners[seller.pk] = make_user()
        seller_member_add(seller=seller, user=owners[seller.pk], role=SellerMember.Role.OWNER)
    order = _place_order(shop)
    payment_refund(
        payment_id=order.payment_id, amount=Money(777, "EUR"), idempotency_key=secrets.token_urlsafe(16),
        reason="goodwill",
    )  # fmt: skip
    settle()
    for part in order.seller_orders.all():
        deliver(part, owners[part.seller_id])
    seller_orders_make_available(now=timezone.now() + timedelta(days=15))
    payouts_run(run_date=DAY, now=noon(DAY))
    b = balances_by_kind(currency="EUR")
    paid = -b[AccountKind.PAYOUTS_IN_TRANSIT]
    commissions = -(b[AccountKind.COMMISSION_REVENUE] + b[AccountKind.COMMISSION_VAT])
    refunds = 777
    assert paid + commissions + refunds == order.total_minor
    assert paid == Payout.objects.aggregate(s=Sum("amount_minor"))["s"]


# --- one as-of time; a day after today is refused --------------------------------------------


def test_a_run_of_a_day_after_today_is_refused_and_does_not_block_that_days_run():
    seller = make_seller()
    fund(seller.pk, 4200)
    with pytest.raises(PayoutRunInFuture) as raised:
        payouts_run(run_date=DAY + timedelta(days=1), now=noon(DAY))
    assert "2030-01-16" in raised.value.message and "today is 2030-01-15" in raised.value.message
    assert not PayoutRun.objects.exists() and not Payout.objects.exists()
    result = payouts_run(run_date=DAY + timedelta(days=1), now=noon(DAY + timedelta(days=1)))
    assert (result.already_completed, result.total_minor) == (False, 4200)


def test_the_command_refuses_tomorrow_with_a_clear_message_then_today_pays():
    seller = make_seller()
    fund(seller.pk, 4200)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(
        CommandError, match=f"--date: The payout run of {tomorrow} cannot run before that day"
    ):
        call_command("payouts", "run", "--date", tomorrow.isoformat(), stdout=io.StringIO())
    assert not PayoutRun.objects.exists()
    out = io.StringIO()
    call_command("payouts", "run", stdout=out)
    assert Payout.objects.get().amount_minor == 4200
    assert "already completed" not in out.getvalue()


def test_the_run_makes_funds_available_at_its_own_as_of_time(shop):
    """Delivered today: a run 20 days from now makes the part available and pays it in the same
    run, while a run of a day 10 days from now (run later) sees it still in its withdrawal period."""
    CommissionPlan.objects.create(storefront=shop.storefront, rate_bp=1000)
    owner = make_user()
    seller_member_add(seller=shop.seller_a, user=owner, role=SellerMember.Role.OWNER)
    order = _place_order(shop)
    part_a = order.seller_orders.get(seller=shop.seller_a)
    deliver(part_a, owner)
    later = timezone.now() + timedelta(days=20)
    early = payouts_run(run_date=timezone.localdate(later - timedelta(days=10)), now=later)
    assert early.run.as_of < later - timedelta(days=9)  # the end of its day, not the real time
    assert (early.made_available, early.payouts) == (0, 0)
    result = payouts_run(run_date=timezone.localdate(later), now=later)
    assert result.run.as_of == later
    assert result.made_available == 1
    assert Payout.objects.get().amount_minor == part_a.total_minor - 398 - 80


def test_a_resumed_run_keeps_the_as_of_time_it_started_with():
    seller = make_seller()
    fund(seller.pk, 1000)
    run = payout_run_start(run_date=DAY, now=noon(DAY))
    resumed = payouts_run(run_date=DAY, now=noon(DAY) + timedelta(hours=5))
    assert resumed.run.pk == run.pk and resumed.run.as_of == noon(DAY)


# --- money printed as money; IBAN warnings ---------------------------------------------------


def test_the_command_prints_money_as_money_and_warns_about_shared_or_operator_ibans(settings):
    settings.GALERIE_OPERATOR_IBAN = "FR76 3000 6000 0112 3456 7890 189"
    own = make_seller(display_name="Chez Opérateur", iban="FR7630006000011234567890189")
    twin_a = make_seller(display_name="Twin A", iban="DE89370400440532013000")
    twin_b = make_seller(display_name="Twin B", iban="DE89 3704 0044 0532 0130 00")
    alone = make_seller(display_name="Alone", iban="GB82WEST12345698765432")
    for seller, amount in ((own, 123456), (twin_a, 1999), (twin_b, 1), (alone, 500)):
        fund(seller.pk, amount)
    out = io.StringIO()
    call_command("payouts", "run", stdout=out)
    text = out.getvalue()
    assert "minor units" not in text
    assert "€1,234.56" in text and "€19.99" in text and "€0.01" in text
    assert "total €1,259.56" in text
    warnings = [line for line in text.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 3
    assert f"seller {own.pk} Chez Opérateur" in warnings[0]
    assert "is the operator's own account (GALERIE_OPERATOR_IBAN)" in warnings[0]
    assert f"seller {twin_a.pk} Twin A" in warnings[1] and "is also the IBAN of Twin B" in warnings[1]
    assert "is also the IBAN of Twin A" in warnings[2]
    assert "Alone" not in "".join(warnings)
