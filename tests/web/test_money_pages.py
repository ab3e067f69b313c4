"""Money pages: the seller's balances, payouts and statements; the back office's trial balance,
commission revenue and reconciliation."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.models import AccountKind, CommissionPlan, JournalEntry, Payout
from galerie.ledger.payouts import payouts_run
from galerie.ledger.reports import (
    commission_revenue_by_storefront_month,
    reconciliation,
    seller_money_for_member,
)
from galerie.ledger.selectors import seller_position
from galerie.ledger.services import AccountRef, credit, debit, entry_post
from galerie.orders.models import OrderLine
from galerie.payments.models import Payment, Refund, RefundStatus
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.checkout.conftest import shop as shop  # the fixture
from tests.factories import make_seller, make_user
from tests.ledger.payout_helpers import deliver, fund
from tests.ledger.test_payouts import _place_order

pytestmark = pytest.mark.django_db(transaction=True)
MONEY = "/sell/money/"


@pytest.fixture(autouse=True)
def _payout_dir(settings, tmp_path):
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"
    settings.GALERIE_PAYOUT_RESERVE_BP = 1000


def member(seller, role=SellerMember.Role.OWNER):
    user = make_user()
    seller_member_add(seller=seller, user=user, role=role)
    return user


@pytest.fixture
def paid(shop):
    """An order placed and captured; seller A's part delivered, made available and paid out."""
    CommissionPlan.objects.create(storefront=shop.storefront, rate_bp=1000)
    owner_a = member(shop.seller_a)
    order = _place_order(shop)
    part_a = order.seller_orders.get(seller=shop.seller_a)
    deliver(part_a, owner_a)
    seller_orders_make_available(now=timezone.now() + timedelta(days=15))
    payout = payouts_run(run_date=timezone.localdate()).run.payouts.get()
    return SimpleNamespace(shop=shop, owner_a=owner_a, order=order, part_a=part_a, payout=payout)


def test_the_seller_page_shows_the_ledger_figures_and_the_payouts(
    client, paid, django_assert_max_num_queries
):
    shop, owner_a, part_a, payout = paid.shop, paid.owner_a, paid.part_a, paid.payout
    net_a = part_a.total_minor - 398 - 80  # 10 % commission on the books, VAT on it
    assert payout.reserve_minor == round(net_a / 10) and payout.amount_minor == net_a - payout.reserve_minor
    [block] = seller_money_for_member(owner_a)
    assert block.positions["EUR"] == {
        "pending": 0, "available": payout.reserve_minor, "reserve": payout.reserve_minor, "debt": 0,
        "paid": payout.amount_minor,
    }  # fmt: skip
    position = seller_position(seller_id=shop.seller_a.pk, currency="EUR")
    assert block.positions["EUR"]["paid"] == position["paid"]
    client.force_login(owner_a)
    with django_assert_max_num_queries(12):
        page = client.get(MONEY)
    assert page.status_code == 200
    html = page.content.decode()
    assert shop.seller_a.display_name in html and shop.seller_b.display_name not in html
    assert f"GALERIE-P{payout.pk}" in html
    assert f"/sell/money/payouts/{payout.pk}/statement.csv" in html
    csv_response = client.get(f"/sell/money/payouts/{payout.pk}/statement.csv")
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert [r["type"] for r in rows] == ["carried_forward", "order", "reserve_held", "payout"]
    assert rows[1]["reference"] == part_a.number
    printable = client.get(f"/sell/money/payouts/{payout.pk}/statement/")
    assert printable.status_code == 200 and part_a.number in printable.content.decode()


def test_a_member_of_several_sellers_sees_one_block_each_and_the_query_count_is_bounded(
    client, django_assert_max_num_queries
):
    user = make_user()
    sellers = [make_seller() for _ in range(4)]
    for i, seller in enumerate(sellers):
        seller_member_add(seller=seller, user=user, role=SellerMember.Role.MANAGER)
        fund(seller.pk, 1000 * (i + 1))
    payouts_run(run_date=timezone.localdate())
    for seller in sellers:
        fund(seller.pk, 500)
    tomorrow = timezone.now() + timedelta(days=1)
    payouts_run(run_date=timezone.localdate(tomorrow), now=tomorrow)
    client.force_login(user)
    with django_assert_max_num_queries(12):
        page = client.get(MONEY)
    assert page.status_code == 200
    blocks = seller_money_for_member(user)
    assert [b.seller.pk for b in blocks] == [s.pk for s in sellers]
    assert [len(b.payouts) for b in blocks] == [2, 2, 2, 2]
    assert [b.positions["EUR"]["paid"] + b.positions["EUR"]["available"] for b in blocks] == [
        1500, 2500, 3500, 4500,
    ]  # fmt: skip


def test_clerks_get_403_other_sellers_404_and_anonymous_users_the_login(client, paid):
    shop, payout = paid.shop, paid.payout
    urls = [
        MONEY,
        f"/sell/money/payouts/{payout.pk}/statement.csv",
        f"/sell/money/payouts/{payout.pk}/statement/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sell/login/")
    clerk_of_a, owner_of_b = member(shop.seller_a, SellerMember.Role.SHIPPING_CLERK), member(shop.seller_b)
    for user, expected in ((clerk_of_a, [403] * 3), (owner_of_b, [200, 404, 404]), (make_user(), [403] * 3)):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == expected


def test_the_operator_pages_show_a_zero_trial_balance_and_no_difference(client, paid):
    shop, order = paid.shop, paid.order
    client.force_login(make_user(is_staff=True))
    page = client.get("/back-office/money/")
    assert page.status_code == 200
    totals = page.context["totals"]
    assert set(totals) == {"EUR"} and totals["EUR"]["balance_minor"] == 0
    assert totals["EUR"]["debit_minor"] == totals["EUR"]["credit_minor"] > 0
    kinds = {row["kind"] for row in page.context["rows"]}
    assert {
        AccountKind.GATEWAY_RECEIVABLE,
        AccountKind.COMMISSION_REVENUE,
        AccountKind.PAYOUTS_IN_TRANSIT,
    } <= kinds
    revenue = client.get("/back-office/money/commissions/")
    assert revenue.status_code == 200
    [row] = revenue.context["rows"]
    assert (row["storefront_id"], row["currency"]) == (shop.storefront.pk, "EUR")
    lines = OrderLine.objects.filter(seller_order__order=order)
    assert row["revenue_minor"] == sum(
        line.commission_minor + line.commission_shipping_minor for line in lines
    )
    assert row["revenue_minor"] > 0
    report = client.get("/back-office/money/reconciliation/")
    assert report.status_code == 200
    assert report.context["payments_checked"] == 1 and report.context["differences"] == []
    assert "No difference" in report.content.decode()


def test_a_refund_missing_from_the_ledger_is_listed(client, paid):
    order = paid.order
    payment = Payment.objects.get(pk=order.payment_id)
    # The gateway refunded 500 but the ledger never heard of it (built directly, no event).
    Refund.objects.create(
        payment=payment, idempotency_key=secrets.token_urlsafe(8), amount_minor=500, currency="EUR"
    )
    Refund.objects.filter(payment=payment).update(status=RefundStatus.SUCCEEDED)
    Payment.objects.filter(pk=payment.pk).update(refunded_minor=500)
    # And a capture booked twice over by a manual entry tagged with the payment.
    entry_post(
        idempotency_key="test-extra-capture", kind=JournalEntry.Kind.CAPTURE, description="duplicate",
        postings=[
            debit(AccountRef(AccountKind.GATEWAY_RECEIVABLE, "EUR"), 100, payment_id=payment.pk),
            credit(AccountRef(AccountKind.CUSTOMER_CLEARING, "EUR"), 100, payment_id=payment.pk),
        ],
    )  # fmt: skip
    client.force_login(make_user(is_staff=True))
    response = client.get("/back-office/money/reconciliation/")
    found = {(d.payment_id, d.what, d.gateway_minor, d.ledger_minor) for d in response.context["differences"]}
    assert found == {
        (payment.pk, "capture", payment.captured_minor, payment.captured_minor + 100),
        (payment.pk, "refunds", 500, 0),
        (payment.pk, "refund_entry_missing", 500, 0),
    }
    assert str(payment.uuid) in response.content.decode()
    assert client.get("/back-office/money/").context["totals"]["EUR"]["balance_minor"] == 0


def test_the_operator_pages_query_count_does_not_grow_with_the_rows(client, django_assert_max_num_queries):
    for _ in range(6):
        fund(make_seller().pk, 1234)
    payouts_run(run_date=timezone.localdate())
    client.force_login(make_user(is_staff=True))
    for url in (
        "/back-office/money/",
        "/back-office/money/commissions/",
        "/back-office/money/reconciliation/",
    ):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


def test_anonymous_users_are_sent_to_the_login_and_non_staff_users_refused(client, paid):
    urls = ("/back-office/money/", "/back-office/money/commissions/", "/back-office/money/reconciliation/")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    for user in (make_user(), paid.owner_a):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 403 and b"Trial balance" not in response.content


def test_the_reports_are_empty_on_empty_books():
    assert reconciliation() == {"payments_checked": 0, "differences": [], "discrepancies": []}
    assert commission_revenue_by_storefront_month() == []
    assert not Payout.objects.exists()
