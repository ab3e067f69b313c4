"""The operator API's money reports: the trial balance, commission revenue and each storefront's
P&L as JSON, over a period; one placed and captured order gives the figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from galerie.ledger.models import AccountKind, CommissionPlan, JournalLine
from tests.api.operator_keys import staff_with
from tests.checkout.conftest import shop as shop  # the fixture
from tests.ledger.test_payouts import _place_order

pytestmark = pytest.mark.django_db(transaction=True)
VIEW = "ledger.view_journalentry"


@pytest.fixture
def order(shop):
    CommissionPlan.objects.create(storefront=shop.storefront, rate_bp=1000)
    return _place_order(shop)


def test_the_reports_show_the_ledgers_figures(client, shop, order):
    api = staff_with(client, VIEW)
    balance = api.get("/operator/reports/trial-balance").json()
    assert balance["rows"] and {t["currency"] for t in balance["totals"]} == {"EUR"}
    assert all(t["balance_minor"] == 0 for t in balance["totals"])  # the books balance
    receivable = next(r for r in balance["rows"] if r["kind"] == AccountKind.GATEWAY_RECEIVABLE)
    assert receivable["debit_minor"] == order.total_minor

    pnl = api.get("/operator/reports/pnl").json()
    row = next(s for s in pnl["storefronts"] if s["storefront"] == shop.storefront.code)
    assert (row["total"]["gmv_minor"], row["total"]["orders"]) == (order.total_minor, 1)
    assert row["months"][-1]["month"] == timezone.localdate().strftime("%Y-%m")

    revenue = JournalLine.objects.filter(account__kind=AccountKind.COMMISSION_REVENUE).aggregate(
        c=Sum("credit_minor"), d=Sum("debit_minor")
    )
    rows = api.get("/operator/reports/commissions").json()["rows"]
    assert sum(r["revenue_minor"] for r in rows) == (revenue["c"] or 0) - (revenue["d"] or 0)
    assert {r["storefront"] for r in rows} <= {shop.storefront.code}


def test_a_period_before_the_order_has_none_of_its_figures(client, order):
    api = staff_with(client, VIEW)
    last_year = timezone.localdate() - timedelta(days=400)
    period = {"start": str(last_year), "end": str(last_year + timedelta(days=30))}
    balance = api.get("/operator/reports/trial-balance", **period).json()
    assert balance["rows"] == [] and balance["period"] == period
    assert api.get("/operator/reports/commissions", **period).json()["rows"] == []


@pytest.mark.parametrize("report", ["trial-balance", "commissions", "pnl"])
def test_a_bad_period_is_a_422_and_a_user_without_the_permission_a_403(client, report):
    api = staff_with(client, VIEW)
    response = api.get(f"/operator/reports/{report}", start="2026-05-02", end="2026-05-01")
    assert response.status_code == 422 and response.json()["error"]["field"] == "end"
    response = api.get(f"/operator/reports/{report}", start="May")
    assert response.status_code == 422 and response.json()["error"]["field"] == "start"
    assert staff_with(client).get(f"/operator/reports/{report}").status_code == 403
