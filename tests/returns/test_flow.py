"""A withdrawal from declaration to refund: the hold, the seller's steps, the refund through
the ledger, the availability of what is not withdrawn, the acknowledgement e-mail."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent
from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.models import AccountKind, JournalEntry
from galerie.ledger.selectors import owed_by_kind, seller_position, trial_balance, unbalanced_entry_ids
from galerie.orders.selectors import order_refunds
from galerie.payments.models import Refund
from galerie.returns.errors import RefundTooLarge, ReturnNotFound
from galerie.returns.handlers import return_declared
from galerie.returns.models import Return
from galerie.returns.services import (
    refund_key,
    return_instruct,
    return_overrule,
    return_receive,
    return_refund,
    return_refuse,
    withdrawal_declare,
)
from tests.factories import make_user, pdf_bytes
from tests.returns.conftest import at, deliver, settle

pytestmark = pytest.mark.django_db(transaction=True)
PAYABLE, AVAILABLE = AccountKind.SELLER_PAYABLE, AccountKind.SELLER_AVAILABLE
COMMISSION, VAT, CC = (
    AccountKind.COMMISSION_REVENUE,
    AccountKind.COMMISSION_VAT,
    AccountKind.CUSTOMER_CLEARING,
)


def books_balance() -> None:
    assert unbalanced_entry_ids() == []
    totals: dict[str, int] = defaultdict(int)
    for row in trial_balance():
        totals[row["currency"]] += row["balance_minor"]
    assert all(total == 0 for total in totals.values())


def owed(part) -> dict[str, int]:
    return owed_by_kind(payment_id=part.order.payment_id, seller_order_id=part.pk)


def test_a_partial_withdrawal_is_held_refunded_with_a_depreciation_and_reversed_pro_rata(placed):
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    line = part.lines.get()  # 2 books at 19.90
    before = owed(part)
    assert before[PAYABLE] + before[COMMISSION] + before[VAT] == part.total_minor

    ret = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer, quantities={line.pk: 1}, now=at("2026-03-10 09:30")
    )
    assert (ret.items_minor, ret.shipping_minor) == (1990, 0)  # not the whole parcel: no delivery
    assert ret.refund_due_by == at("2026-03-24 09:30")
    held = owed(part)
    assert held[CC] == 1990 == sum(ret.held_minor.values())
    assert before[PAYABLE] - held[PAYABLE] == ret.held_minor["payable"]
    books_balance()

    # The period ends: only what is not withdrawn becomes available.
    seller_orders_make_available(now=at("2026-03-17 00:00"))
    position = seller_position(seller_id=part.seller_id, currency="EUR")
    assert (position["pending"], position["available"]) == (0, before[PAYABLE] - ret.held_minor["payable"])

    with pytest.raises(InvalidInput):
        return_instruct(return_id=ret.pk, acting_user=placed.owner_a, instructions="", label=None)
    with pytest.raises(InvalidInput, match="PDF"):
        return_instruct(
            return_id=ret.pk, acting_user=placed.owner_a, instructions="",
            label=SimpleUploadedFile("label.pdf", b"GIF89a not a pdf", content_type="application/pdf"),
        )  # fmt: skip
    with pytest.raises(ReturnNotFound):  # another seller's owner
        return_instruct(return_id=ret.pk, acting_user=placed.owner_b, instructions="x")
    return_instruct(
        return_id=ret.pk, acting_user=placed.owner_a, instructions="Retour: 1 rue X, 75001 Paris",
        label=SimpleUploadedFile("l.pdf", pdf_bytes(), content_type="application/pdf"),
    )  # fmt: skip
    return_receive(return_id=ret.pk, acting_user=placed.owner_a, note="Cover scratched")
    with pytest.raises(InvalidInput, match="between 0"):
        return_refund(
            return_id=ret.pk, acting_user=placed.owner_a, depreciation_minor=1991, depreciation_reason="x"
        )
    with pytest.raises(InvalidInput, match="Justify"):
        return_refund(return_id=ret.pk, acting_user=placed.owner_a, depreciation_minor=300)
    ret = return_refund(
        return_id=ret.pk,
        acting_user=placed.owner_a,
        depreciation_minor=300,
        depreciation_reason="Cover scratched",
    )
    settle()
    ret.refresh_from_db()
    part.refresh_from_db()
    assert (ret.status, ret.refund_minor, part.refunded_minor) == ("refunded", 1690, 1690)
    refund = Refund.objects.get(idempotency_key=refund_key(ret))
    assert (refund.status, refund.amount_minor) == ("succeeded", 1690)
    entry = JournalEntry.objects.get(idempotency_key=f"refund:{refund.pk}")
    assert {line.seller_order_id for line in entry.lines.exclude(account__kind="gateway_receivable")} == {
        part.pk
    }
    books_balance()

    after = owed(part)
    assert after.get(CC, 0) == 0
    # Commission and its VAT are reversed in proportion to what was refunded of the part.
    reversed_commission = before[COMMISSION] - after[COMMISSION]
    assert abs(reversed_commission - before[COMMISSION] * 1690 / part.total_minor) <= 1
    reversed_vat = before[VAT] - after[VAT]
    assert abs(reversed_vat - before[VAT] * 1690 / part.total_minor) <= 1
    # The seller keeps the depreciation: its balance is what it had less its share of the refund.
    position = seller_position(seller_id=part.seller_id, currency="EUR")
    assert position["available"] + position["pending"] == after[PAYABLE] + after.get(AVAILABLE, 0)
    assert (
        after[PAYABLE] + after.get(AVAILABLE, 0) + after[COMMISSION] + after[VAT] == part.total_minor - 1690
    )
    # The customer's order page lists the refund of this seller's part.
    refunds = order_refunds(order=part.order)
    assert [(r.amount_minor, r.seller_order.pk) for r in refunds.lines] == [(1690, part.pk)]


def test_withdrawing_everything_refunds_the_delivery_and_two_refunds_never_pass_the_total(placed):
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    line = part.lines.get()
    first = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer, quantities={line.pk: 1}, now=at("2026-03-03 10:00")
    )
    second = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer, quantities={line.pk: 1}, now=at("2026-03-04 10:00")
    )
    assert (first.shipping_minor, second.shipping_minor) == (0, part.shipping_minor)
    return_refund(return_id=first.pk, acting_user=placed.owner_a)
    return_refund(return_id=second.pk, acting_user=placed.owner_a)
    settle()
    part.refresh_from_db()
    assert part.refunded_minor == part.total_minor
    after = owed(part)
    assert all(after.get(kind, 0) == 0 for kind in (PAYABLE, AVAILABLE, COMMISSION, VAT, CC))
    books_balance()


def test_a_refusal_gives_the_withdrawn_part_back_to_the_seller_as_available_after_the_period(placed):
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    before = owed(part)
    ret = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer,
        quantities={part.lines.get().pk: 2}, now=at("2026-03-05 10:00"),
    )  # fmt: skip
    seller_orders_make_available(now=at("2026-03-17 00:00"))
    assert seller_position(seller_id=part.seller_id, currency="EUR")["available"] == 0  # all withdrawn
    with pytest.raises(ReturnNotFound):
        return_refuse(return_id=ret.pk, acting_user=placed.owner_b, reason="no")
    return_refuse(return_id=ret.pk, acting_user=placed.owner_a, reason="Never sent back")
    seller_orders_make_available(now=at("2026-03-18 00:00"))
    assert seller_position(seller_id=part.seller_id, currency="EUR")["available"] == before[PAYABLE]
    books_balance()
    # The operator overrules: refunds over the seller's head, taken from the seller's balance.
    with pytest.raises(ReturnNotFound):
        return_overrule(return_id=ret.pk, operator=placed.owner_a)
    operator = make_user(is_staff=True)
    return_overrule(return_id=ret.pk, operator=operator)
    settle()
    ret.refresh_from_db()
    assert (ret.status, ret.refund_minor, ret.overruled_by_id) == ("refunded", part.total_minor, operator.pk)
    assert seller_position(seller_id=part.seller_id, currency="EUR")["available"] == 0
    books_balance()
    with pytest.raises(RefundTooLarge):
        other = Return.objects.create(
            seller_order=part, customer=placed.customer, reason="withdrawal",
            declared_at=at("2026-03-05 10:00"), refund_due_by=at("2026-03-19 10:00"), items_minor=100,
        )  # fmt: skip
        return_overrule(return_id=other.pk, operator=operator)


def test_the_acknowledgement_is_mailed_with_the_filled_in_form(placed, smtp_inbox):
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    ret = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer,
        quantities={part.lines.get().pk: 1}, now=at("2026-03-10 09:30"),
    )  # fmt: skip
    event = OutboxEvent.objects.get(topic="return.declared")
    return_declared(event)
    return_declared(event)  # a redelivery sends nothing twice
    [mail] = smtp_inbox.to(placed.order.email)
    text = mail.get_body(("plain",)).get_content()
    assert "10 mars 2026 09:30" in text or "March 10, 2026, 9:30" in text or "10/03/2026" in text, text
    assert "1 × " + part.lines.get().product_title in text
    assert "Withdraw from contract here" in text or "Se rétracter du contrat ici" in text
    [pdf] = [p for p in mail.iter_attachments()]
    assert pdf.get_content_type() == "application/pdf"
    content = pdf.get_content()
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert pdf.get_filename().endswith(f"{part.number}.pdf")
    seller_mails = smtp_inbox.to(placed.seller_a.email)
    assert (
        len(seller_mails) == 1
        and placed.order.email not in seller_mails[0].get_body(("plain",)).get_content()
    )
    assert ret.pk


def test_a_depreciation_of_the_whole_price_refunds_nothing_and_gives_the_hold_back(placed):
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    before = owed(part)
    ret = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer,
        quantities={part.lines.get().pk: 1}, now=at("2026-03-05 10:00"),
    )  # fmt: skip
    ret = return_refund(
        return_id=ret.pk, acting_user=placed.owner_a, depreciation_minor=1990, depreciation_reason="Destroyed"
    )
    assert (ret.status, ret.refund_minor, ret.refund_id) == ("refunded", 0, None)
    assert owed(part) == {**before, CC: 0} or owed(part) == before
    assert not Refund.objects.filter(idempotency_key=refund_key(ret)).exists()
    books_balance()


def test_the_sellers_statement_shows_the_part_net_of_the_refunded_item(placed, settings, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from galerie.ledger.models import Payout
    from galerie.ledger.payouts import payouts_run
    from galerie.ledger.statements import statement_rows

    part = deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=20))
    before = owed(part)
    ret = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer, quantities={part.lines.get().pk: 1},
        now=timezone.now() - timedelta(days=19),
    )  # fmt: skip
    return_refund(return_id=ret.pk, acting_user=placed.owner_a)
    settle()
    after = owed(part)
    seller_orders_make_available(now=timezone.now())
    settings.GALERIE_PAYOUT_DIR = tmp_path
    settings.GALERIE_PAYOUT_RESERVE_BP = 0
    payouts_run(run_date=timezone.localdate(), now=timezone.now())
    payout = Payout.objects.get(seller=part.seller)
    [row] = [r for r in statement_rows(payout=payout) if r["type"] == "order"]
    assert row["reference"] == part.number and row["gross"] == part.total_minor
    # Net: what the seller keeps once the refunded book's share (payable) is taken off.
    assert row["net"] == after[PAYABLE] == before[PAYABLE] - (before[PAYABLE] - after[PAYABLE])
    assert row["refunds"] == part.total_minor - row["commission"] - row["commission_vat"] - row["net"] > 0
    assert payout.amount_minor == after[PAYABLE]


def test_the_customer_gets_the_instructions_and_a_refusal_by_e_mail(placed, smtp_inbox):
    from galerie.returns.handlers import return_status_changed

    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    ret = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer,
        quantities={part.lines.get().pk: 1}, now=at("2026-03-05 10:00"),
    )  # fmt: skip
    return_instruct(return_id=ret.pk, acting_user=placed.owner_a, instructions="5 place Bellecour, Lyon")
    return_refuse(return_id=ret.pk, acting_user=placed.owner_a, reason="Never arrived")
    for event in OutboxEvent.objects.filter(topic="return.status_changed").order_by("id"):
        return_status_changed(event)
    mails = smtp_inbox.to(placed.order.email)
    bodies = [m.get_body(("plain",)).get_content() for m in mails]
    assert len(mails) == 2
    assert "5 place Bellecour, Lyon" in bodies[0] and "Never arrived" in bodies[1]
    assert placed.seller_a.email not in bodies[0] + bodies[1]


def test_overruling_a_refusal_holds_again_and_never_takes_another_withdrawals_hold(placed):
    # Found by the Hypothesis machine: the overruled refund must not consume what a second,
    # still open withdrawal of the same part holds.
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    line = part.lines.get()
    first = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer, quantities={line.pk: 1}, now=at("2026-03-03 10:00")
    )
    return_refuse(return_id=first.pk, acting_user=placed.owner_a, reason="Not received")
    second = withdrawal_declare(
        seller_order_id=part.pk, customer=placed.customer, quantities={line.pk: 1}, now=at("2026-03-04 10:00")
    )
    return_overrule(return_id=first.pk, operator=make_user(is_staff=True))
    settle()
    second.refresh_from_db()
    assert owed(part)[CC] == sum(second.held_minor.values()) == second.items_minor + second.shipping_minor
    books_balance()
