"""The back office's profit and loss page: who may see it, what it shows (charts with their
tables), its CSV, and the operator's cost form (money parsed exactly; bad input changes nothing)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.utils import timezone
from django.utils.translation import override

from galerie.core.money import Money
from galerie.core.outbox import OutboxEvent
from galerie.ledger.models import StorefrontCost
from tests.factories import make_seller, make_storefront, make_user
from tests.web.test_money_pages import _payout_dir as _payout_dir  # the fixture (autouse)
from tests.web.test_money_pages import member
from tests.web.test_money_pages import paid as paid  # the fixture
from tests.web.test_money_pages import shop as shop  # the fixture `paid` needs

pytestmark = pytest.mark.django_db(transaction=True)
PAGE = "/back-office/money/storefronts/"
CSV = "/back-office/money/storefronts.csv"
RECORD = "/back-office/money/storefronts/costs/"
DELETE = "/back-office/money/storefronts/costs/delete/"


@pytest.mark.parametrize("actor", ["anonymous", "customer", "seller_owner", "inactive_staff", "staff"])
def test_only_operator_staff_see_the_page_the_csv_and_record_costs(client, actor):
    storefront = make_storefront()
    user = {
        "anonymous": lambda: None,
        "customer": make_user,
        "seller_owner": lambda: member(make_seller(storefronts=[storefront])),
        "inactive_staff": lambda: make_user(is_staff=True, is_active=False),
        "staff": lambda: make_user(is_staff=True),
    }[actor]()
    if user is not None:
        client.force_login(user)
    month = timezone.localdate().replace(day=1).strftime("%Y-%m")
    data = {"storefront": storefront.pk, "month": month, "kind": "hosting", "amount": "1 250,00"}
    responses = [client.get(PAGE), client.get(CSV), client.post(RECORD, data)]
    if actor == "staff":
        assert [r.status_code for r in responses] == [200, 200, 302]
        cost = StorefrontCost.objects.get()
        assert (cost.amount_minor, cost.currency, cost.created_by, cost.month.day) == (125000, "EUR", user, 1)
        assert OutboxEvent.objects.filter(topic="storefront_cost.recorded", payload__user_id=user.pk).exists()
        assert client.post(DELETE, {"cost_id": cost.pk}).status_code == 302
        assert not StorefrontCost.objects.exists()
        assert OutboxEvent.objects.filter(topic="storefront_cost.deleted").exists()
        return
    # An inactive account is no session at all (Django's backend refuses it): the sign-in page.
    expected = 302 if actor in ("anonymous", "inactive_staff") else 403
    assert [r.status_code for r in responses] == [expected] * 3
    assert not StorefrontCost.objects.exists()  # nothing changed
    # A customer cannot delete a cost either.
    cost = StorefrontCost.objects.create(
        storefront=storefront, month=date(2026, 1, 1), kind="other", amount_minor=1, currency="EUR",
        created_by=make_user(is_staff=True),
    )  # fmt: skip
    assert client.post(DELETE, {"cost_id": cost.pk}).status_code == expected
    assert StorefrontCost.objects.filter(pk=cost.pk).exists()


@pytest.mark.parametrize(
    ("amount", "minor"),
    [("1 250,00", 125000), ("1250.00", 125000), ("1250", 125000), ("0,05", 5), ("1\u202f250,5", 125050)],
)
def test_the_amount_is_read_as_money(client, amount, minor):
    storefront = make_storefront()
    client.force_login(make_user(is_staff=True))
    data = {"storefront": storefront.pk, "month": "2026-03", "kind": "marketing", "amount": amount}
    assert client.post(RECORD, data).status_code == 302
    cost = StorefrontCost.objects.get()
    assert (cost.amount_minor, cost.month, cost.kind) == (minor, date(2026, 3, 1), "marketing")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "12,345", "is not an amount in EUR"),
        ("amount", "1.250,00", "is not an amount in EUR"),
        ("amount", "abc", "is not an amount in EUR"),
        ("amount", "0", "more than zero"),
        ("amount", "-5", "more than zero"),
        ("amount", "", "This field is required"),
        ("month", "2026-13", "YYYY-MM"),
        ("kind", "rent", "Select a valid choice"),
    ],
)
def test_bad_cost_input_is_refused_with_its_field_and_changes_nothing(client, field, value, message):
    storefront = make_storefront()
    client.force_login(make_user(is_staff=True))
    data = {"storefront": storefront.pk, "month": "2026-03", "kind": "staff", "amount": "10", field: value}
    with override("en"):
        response = client.post(RECORD, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.context["cost_form"].errors
    assert list(errors) == [field] and message in " ".join(errors[field])
    assert not StorefrontCost.objects.exists()
    assert not OutboxEvent.objects.filter(topic__startswith="storefront_cost.").exists()


def test_the_page_shows_every_storefront_with_charts_and_tables_and_the_csv_the_same_figures(
    client, paid, django_assert_max_num_queries
):
    other = make_storefront(name="Clust")
    staff = make_user(is_staff=True)
    client.force_login(staff)
    month = timezone.localdate().replace(day=1)
    client.post(RECORD, {"storefront": paid.shop.storefront.pk, "month": f"{month:%Y-%m}", "kind": "hosting",
                         "amount": "100000,00"})  # fmt: skip
    query = {"start": month.isoformat(), "end": timezone.localdate().isoformat()}
    with django_assert_max_num_queries(20):
        page = client.get(PAGE, query)
    assert page.status_code == 200
    html = page.content.decode()
    # The comparison and the paid storefront's months; Clust, with no figure, gets a sentence.
    assert html.count('role="img"') == 2 and html.count("<title id=") == 2
    assert "nothing to draw" in html and html.count("<table") == 4
    report = page.context["report"]
    [mine] = [s for s in report.storefronts if s.storefront_id == paid.shop.storefront.pk]
    assert mine.total.gmv_minor == paid.order.total_minor and mine.total.orders == 1
    assert mine.total.costs["hosting"] == 10_000_000 and mine.total.margin_minor < 0
    assert "is-loss" in html and other.name in html
    sheet = client.get(CSV, query)
    assert sheet["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode())))
    [row] = [r for r in rows if r["storefront_id"] == str(paid.shop.storefront.pk) and r["month"] != "TOTAL"]
    assert row["month"] == f"{month:%Y-%m}" and row["cost_hosting"] == "100000.00"
    assert row["gmv"] == str(Money(paid.order.total_minor, "EUR").to_decimal())
    assert int(row["orders"]) == 1
    assert 'href="/back-office/money/storefronts.csv?start=' in html


def test_a_malformed_period_is_refused_on_the_page_and_the_csv(client):
    client.force_login(make_user(is_staff=True))
    for url in (PAGE, CSV):
        response = client.get(url, {"start": "2026-05-01", "end": "2026-04-01"})
        assert response.status_code == 400


def test_the_page_is_in_french(client, paid):
    client.force_login(make_user(is_staff=True))
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for french in ("Compte de résultat par boutique", "Marge sur coûts variables", "Coûts de paiement"):
        assert french in html
    # SVG numbers are never localised: "12,5" is no coordinate.
    assert re.search(r'<rect [^>]*x="\d+\.\d"', html)
    assert not re.search(r'(x|y|width|height|x1|x2|y1|y2)="-?\d+,\d', html)


def test_a_cost_is_corrected_by_whoever_corrects_it_and_keeps_its_storefront(client):
    storefront, other = make_storefront(), make_storefront()
    first, second = make_user(is_staff=True), make_user(is_staff=True)
    client.force_login(first)
    data = {"storefront": storefront.pk, "month": "2026-03", "kind": "staff", "amount": "300,00", "note": "a"}
    client.post(RECORD, data)
    cost = StorefrontCost.objects.get()
    client.force_login(second)
    form = client.get(PAGE, {"correct": cost.pk}).context["cost_form"]
    assert (form.initial["amount"], form.initial["cost_id"]) == ("300.00", cost.pk)
    refused = client.post(RECORD, {**data, "storefront": other.pk, "cost_id": cost.pk})
    assert refused.status_code == 400 and list(refused.context["cost_form"].errors) == ["storefront"]
    cost.refresh_from_db()
    assert (cost.amount_minor, cost.updated_by) == (30000, None)  # nothing changed
    assert (
        client.post(RECORD, {**data, "amount": "350.5", "month": "2026-04", "cost_id": cost.pk}).status_code
        == 302
    )
    cost.refresh_from_db()
    assert (cost.amount_minor, cost.month, cost.created_by, cost.updated_by) == (
        35050,
        date(2026, 4, 1),
        first,
        second,
    )
    event = OutboxEvent.objects.get(topic="storefront_cost.corrected")
    assert (event.payload["before"]["amount_minor"], event.payload["amount_minor"]) == (30000, 35050)
    assert event.payload["user_id"] == second.pk
    assert StorefrontCost.objects.count() == 1
