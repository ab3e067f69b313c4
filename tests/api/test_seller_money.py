"""The seller API's money (read only): balances, ledger lines, payouts and their statements."""

from __future__ import annotations

import pytest
from django.utils import timezone

from galerie.ledger.models import JournalLine, Payout
from galerie.ledger.payouts import payouts_run
from galerie.sellers.models import SellerMember
from tests.api.conftest import Api, seller_key
from tests.factories import make_seller
from tests.ledger.payout_helpers import fund

pytestmark = pytest.mark.django_db
Role = SellerMember.Role


@pytest.fixture(autouse=True)
def _payout_dir(settings, tmp_path):
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"
    settings.GALERIE_PAYOUT_RESERVE_BP = 1000


@pytest.fixture
def paid(client):
    """Two sellers funded (10,000 and 5,000 cents available) and paid out, 10 % held back."""
    seller, other = make_seller(), make_seller()
    fund(seller.pk, 10_000)
    fund(other.pk, 5_000)
    payouts_run(run_date=timezone.localdate())

    class Paid:
        pass

    paid = Paid()
    paid.__dict__.update(
        seller=seller, other=other,
        payout=Payout.objects.get(seller=seller), theirs=Payout.objects.get(seller=other),
        owner=Api(client, seller_key(seller)), manager=Api(client, seller_key(seller, Role.MANAGER)),
        clerk=Api(client, seller_key(seller, Role.SHIPPING_CLERK)),
    )  # fmt: skip
    return paid


def eur(amount: int) -> dict:
    return {"amount": amount, "currency": "EUR"}


def test_the_balance_is_the_ledgers(paid):
    body = paid.manager.get("/seller/money/balance").json()
    assert body == {
        "balances": [
            {"currency": "EUR", "pending": eur(0), "available": eur(1000), "reserve": eur(1000),
             "debt": eur(0), "paid": eur(9000)}
        ]
    }  # fmt: skip
    assert paid.payout.amount_minor == 9000


def test_the_ledger_lines_are_the_sellers_own_newest_first_in_pages(paid):
    mine = JournalLine.objects.filter(account__seller=paid.seller).count()
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"after": cursor} if cursor else {})}
        body = paid.owner.get("/seller/money/ledger", **params).json()
        seen += body["items"]
        cursor = body["next"]
        if cursor is None:
            break
    assert len(seen) == mine and [line["id"] for line in seen] == sorted(
        (x["id"] for x in seen), reverse=True
    )
    theirs = set(JournalLine.objects.filter(account__seller=paid.other).values_list("pk", flat=True))
    assert not theirs & {line["id"] for line in seen}
    credits = sum(
        line["credit"]["amount"] - line["debit"]["amount"]
        for line in seen
        if line["account"] == "seller_payable"
    )
    assert credits == 0  # everything payable was made available


def test_the_payouts_and_one_with_its_statement(paid):
    body = paid.owner.get("/seller/money/payouts").json()
    assert [p["id"] for p in body["items"]] == [paid.payout.pk]
    assert body["items"][0]["amount"] == eur(9000) and body["items"][0]["reserve"] == eur(1000)
    one = paid.owner.get(f"/seller/money/payouts/{paid.payout.pk}").json()
    assert one["statement"][-1]["type"] == "payout" and one["statement"][-1]["net"] == eur(-9000)
    assert sum(row["net"]["amount"] for row in one["statement"] if row["net"]) == 0


def test_another_sellers_payout_is_a_404(paid):
    response = paid.owner.get(f"/seller/money/payouts/{paid.theirs.pk}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/balance", "/ledger", "/payouts", "/payouts/{payout}"])
def test_a_shipping_clerk_key_sees_no_money(paid, path):
    response = paid.clerk.get("/seller/money" + path.format(payout=paid.payout.pk))
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_a_forged_cursor_is_a_422(paid):
    response = paid.owner.get("/seller/money/ledger", after="forged")
    assert response.status_code == 422 and "after" in response.json()["error"]["errors"]
