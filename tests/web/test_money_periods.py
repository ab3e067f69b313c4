"""The back office's money reports over a period, as pages and as CSV: the trial balance with
its opening and closing balances, the commission revenue per storefront and month; days in the
operator's time zone; a malformed period refused with the field that is wrong."""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import models
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from galerie.ledger.models import AccountKind, JournalEntry, JournalLine
from galerie.ledger.reports import Period, commission_revenue_by_storefront_month, trial_balance_by_kind
from galerie.ledger.services import AccountRef, credit, debit, entry_post
from galerie.storefronts.models import Storefront
from tests.factories import make_user
from tests.web.test_money_pages import _payout_dir as _payout_dir  # the fixture (autouse)
from tests.web.test_money_pages import paid as paid  # the fixture
from tests.web.test_money_pages import shop as shop  # the fixture `paid` needs

pytestmark = pytest.mark.django_db(transaction=True)
_keys = itertools.count()
KINDS = (AccountKind.GATEWAY_RECEIVABLE, AccountKind.CUSTOMER_CLEARING, AccountKind.COMMISSION_REVENUE)


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def post_at(when: datetime, amount: int, debit_kind: str, credit_kind: str, **line) -> JournalEntry:
    """Post a balanced entry as if the clock read ``when`` (``posted_at`` is set on insert)."""
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(models.fields.timezone, "now", lambda: when)
        return entry_post(
            idempotency_key=f"period-test-{next(_keys)}", kind=JournalEntry.Kind.CAPTURE, description="test",
            postings=[debit(AccountRef(debit_kind, "EUR"), amount, **line),
                      credit(AccountRef(credit_kind, "EUR"), amount, **line)],
        )  # fmt: skip


def brute_force(period: Period) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """Opening, debit, credit, closing per (kind, currency), from every line and its local day."""
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in JournalLine.objects.select_related("entry", "account"):
        day = timezone.localtime(line.entry.posted_at).date()
        if period.last is not None and day > period.last:
            continue
        row = sums[(line.account.kind, line.currency)]
        if period.first is not None and day < period.first:
            row[0] += line.debit_minor - line.credit_minor
        else:
            row[1] += line.debit_minor
            row[2] += line.credit_minor
    return {key: (o, d, c, o + d - c) for key, (o, d, c) in sums.items()}


def reported(period: Period) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    names = ("opening_minor", "debit_minor", "credit_minor", "balance_minor")
    rows = trial_balance_by_kind(period)["rows"]
    return {(r["kind"], r["currency"]): tuple(r[k] for k in names) for r in rows}


def test_a_period_counts_the_days_of_the_operators_time_zone():
    gr, cc = AccountKind.GATEWAY_RECEIVABLE, AccountKind.CUSTOMER_CLEARING
    post_at(local(date(2026, 10, 15)), 1_000, gr, cc)  # before the period
    post_at(local(date(2026, 11, 1), 0, 5), 200, gr, cc)  # first minutes of the period
    post_at(local(date(2026, 11, 30), 23, 55), 30, cc, gr)  # last minutes (22:55 UTC)
    post_at(local(date(2026, 12, 1), 0, 10), 4, gr, cc)  # after it (23:10 UTC on the 30th)
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    report = trial_balance_by_kind(november)
    assert reported(november)[(gr, "EUR")] == (1_000, 200, 30, 1_170)
    assert reported(november)[(cc, "EUR")] == (-1_000, 30, 200, -1_170)
    assert report["totals"]["EUR"] == {
        "opening_minor": 0, "debit_minor": 230, "credit_minor": 230, "balance_minor": 0
    }  # fmt: skip
    assert reported(Period(None, date(2026, 10, 31)))[(gr, "EUR")] == (0, 1_000, 0, 1_000)
    assert reported(Period(date(2026, 12, 1), None))[(gr, "EUR")] == (1_170, 4, 0, 1_174)
    assert reported(Period(date(2026, 9, 1), date(2026, 9, 30))) == {}  # nothing posted up to its end


@settings(max_examples=25, deadline=None)
@given(
    postings=st.lists(
        st.tuples(
            st.integers(0, 120), st.integers(0, 23), st.integers(1, 10**7),
            st.sampled_from(KINDS), st.sampled_from(KINDS),
        ).filter(lambda p: p[3] != p[4]),
        max_size=6,
    ),
    first=st.none() | st.integers(0, 120),
    length=st.none() | st.integers(0, 60),
)  # fmt: skip
def test_the_trial_balance_of_any_period_equals_the_sum_of_its_lines(postings, first, length):
    origin = date(2026, 8, 1)
    for offset, hour, amount, to_debit, to_credit in postings:
        post_at(local(origin + timedelta(days=offset), hour), amount, to_debit, to_credit)
    start = None if first is None else origin + timedelta(days=first)
    end = None if length is None else (start or origin) + timedelta(days=length)
    period = Period(start, end)
    assert reported(period) == brute_force(period)
    for total in trial_balance_by_kind(period)["totals"].values():
        assert total["opening_minor"] == 0 and total["balance_minor"] == 0
        assert total["debit_minor"] == total["credit_minor"]


def test_the_pages_and_their_csv_show_the_same_figures(client, paid):
    part = paid.part_a
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    post_at(
        local(last_month), 500, AccountKind.CUSTOMER_CLEARING, AccountKind.COMMISSION_REVENUE,
        seller_order_id=part.pk,
    )  # fmt: skip
    Storefront.objects.filter(pk=paid.shop.storefront.pk).update(name="=HYPERLINK(1)")
    client.force_login(make_user(is_staff=True))
    query = {"start": last_month.replace(day=1).isoformat(), "end": last_month.isoformat()}

    page = client.get("/back-office/money/commissions/", query)
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert (row["storefront_id"], row["revenue_minor"]) == (part.order.storefront_id, 500)
    assert 'href="/back-office/money/commissions.csv?start=' in page.content.decode()
    sheet = client.get("/back-office/money/commissions.csv", query)
    assert sheet["Content-Type"].startswith("text/csv")
    assert f"commission-revenue-{query['start']}-{query['end']}.csv" in sheet["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode())))
    assert rows == [{
        "storefront_id": str(part.order.storefront_id), "storefront": "'=HYPERLINK(1)",
        "month": last_month.strftime("%Y-%m"), "currency": "EUR", "revenue": "5.00",
    }]  # fmt: skip
    # This month's commission (the paid order's) is outside the period, and in the whole history.
    everything = commission_revenue_by_storefront_month()
    assert sum(r["revenue_minor"] for r in everything) > 500

    balance = client.get("/back-office/money/", query)
    sheet_file = client.get("/back-office/money/trial-balance.csv", query)
    sheet = list(csv.DictReader(io.StringIO(sheet_file.content.decode())))
    assert len(sheet) == len(balance.context["rows"]) + 1 and sheet[-1]["account"] == "TOTAL"
    for line, row in zip(sheet, balance.context["rows"], strict=False):
        assert line["account"] == row["kind"]
        assert Decimal(line["closing_balance"]) * 100 == row["balance_minor"]
        assert Decimal(line["debit"]) * 100 == row["debit_minor"]
    assert sheet[-1]["opening_balance"] == sheet[-1]["closing_balance"] == "0.00"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2026-12-01", "end": "2026-11-01"}, "end", "The end of the period is before its start."),
        ({"start": "2026-13-01"}, "start", "Enter a valid date."),
        ({"end": "yesterday"}, "end", "Enter a valid date."),
    ],
)
def test_a_malformed_period_is_refused_with_the_field_that_is_wrong(client, query, field, message):
    client.force_login(make_user(is_staff=True))
    for url in ("/back-office/money/", "/back-office/money/commissions/"):
        response = client.get(url, query)
        assert response.status_code == 400
        assert response.context["form"].errors == {field: [message]}
        assert message in response.content.decode() and "Download as CSV" not in response.content.decode()
    for url in ("/back-office/money/trial-balance.csv", "/back-office/money/commissions.csv"):
        response = client.get(url, query)
        assert response.status_code == 400 and not response["Content-Type"].startswith("text/csv")


def test_the_csv_files_are_for_operator_staff_only(client, paid):
    urls = ("/back-office/money/trial-balance.csv", "/back-office/money/commissions.csv")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(paid.owner_a)
    assert [client.get(url).status_code for url in urls] == [403, 403]
