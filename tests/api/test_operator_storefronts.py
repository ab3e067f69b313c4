"""The operator API's storefronts: the portfolio, a storefront's settings and their update (the
page's validations, all or nothing), opening, the closure (announce, blockers, cancel, finish);
permissions (view / change), bad input, unknown codes, a replayed decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.core.models import StatusChange
from galerie.ledger.models import CommissionPlan
from galerie.storefronts.models import Storefront, StorefrontHost
from tests.api.operator_keys import staff_with
from tests.factories import make_category, make_seller, make_storefront

pytestmark = pytest.mark.django_db
VIEW, CHANGE = "storefronts.view_storefront", "storefronts.change_storefront"


@pytest.fixture
def shop():
    storefront = make_storefront(name="Books", hosts=["books.example.test"])
    make_seller(storefronts=[storefront])
    return storefront


@pytest.fixture
def api(client):
    return staff_with(client, VIEW, CHANGE)


def test_the_portfolio_and_a_storefronts_settings(api, shop):
    rows = api.get("/operator/storefronts/").json()["items"]
    row = next(r for r in rows if r["code"] == shop.code)
    assert (row["status"], row["hosts"], row["sellers_admitted"]) == ("open", ["books.example.test"], 1)
    body = api.get(f"/operator/storefronts/{shop.code}").json()
    assert (body["name"], body["theme"]["colour_primary"], body["commission"]) == ("Books", "#1f3a5f", None)
    response = api.get("/operator/storefronts/nowhere")
    assert response.status_code == 404 and response.json()["error"]["code"] == "storefront_not_found"


def test_a_patch_changes_only_what_it_sends(api, shop):
    novels = make_category("Novels")
    response = api.patch(
        f"/operator/storefronts/{shop.code}",
        {
            "tagline": "Read more",
            "theme": {"colour_accent": "#112233", "font": "serif"},
            "hosts": ["www.books.example.test", "books.example.test"],
            "catalog_scope": [novels.pk],
            "commission": {"rate_bp": 1250, "fixed_fee_minor": 30, "on_shipping": True},
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["tagline"]) == ("Books", "Read more")
    assert body["theme"] == {
        **body["theme"],
        "colour_accent": "#112233",
        "font": "serif",
        "colour_primary": "#1f3a5f",
    }
    assert body["hosts"] == ["www.books.example.test", "books.example.test"]
    assert body["catalog_scope"] == [novels.pk]
    assert body["commission"] == {
        "rate_bp": 1250,
        "fixed_fee": {"amount": 30, "currency": "EUR"},
        "on_shipping": True,
    }
    assert StorefrontHost.objects.get(host="www.books.example.test").is_primary


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"theme": {"colour_primary": "red"}}, "theme.colour_primary"),
        ({"theme": {"font": "comic"}}, "theme.font"),
        ({"commission": {"rate_bp": 10001}}, "commission.rate_bp"),
        ({"commission": {"rate_bp": 100, "fixed_fee_minor": -1}}, "commission.fixed_fee_minor"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"default_language": "xx"}, "default_language"),
        ({"currency": "USD"}, "currency"),  # an open storefront keeps its currency
        ({"hosts": ["taken.example.test"]}, "hosts"),
        ({"hosts": ["not a host"]}, "hosts"),
        ({"catalog_scope": [999999]}, "catalog_scope"),
    ],
)
def test_bad_settings_are_a_422_naming_the_field_and_change_nothing(api, shop, body, field):
    make_storefront(hosts=["taken.example.test"])
    before = api.get(f"/operator/storefronts/{shop.code}").json()
    # With a good change beside it: the request is all or nothing.
    response = api.patch(f"/operator/storefronts/{shop.code}", {"tagline": "Changed", **body})
    assert response.status_code == 422, response.json()
    assert field in response.json()["error"]["errors"], response.json()
    assert api.get(f"/operator/storefronts/{shop.code}").json() == before
    assert not CommissionPlan.objects.filter(storefront=shop).exists()


def test_open_a_draft_then_announce_cancel_and_finish_a_closure(api):
    draft = make_storefront(open_=False)
    assert api.post(f"/operator/storefronts/{draft.code}/open").json()["status"] == "open"
    today = timezone.localdate()
    path = f"/operator/storefronts/{draft.code}/closure"
    body = api.post(path, {"closing_on": str(today + timedelta(days=30)), "reason": "Moving."}).json()
    assert (body["status"], body["closing_on"], body["closure_reason"]) == (
        "closing",
        str(today + timedelta(days=30)),
        "Moving.",
    )
    blockers = api.get(f"/operator/storefronts/{draft.code}/closure/blockers").json()
    assert blockers == {"blocked": False, "reasons": []}
    response = api.post(f"/operator/storefronts/{draft.code}/closure/finish")
    assert response.status_code == 409  # it sells until its closing date
    assert api.post(f"{path}/cancel", {"reason": "Staying."}).json()["status"] == "open"
    api.post(path, {"closing_on": str(today), "reason": "Moving now."})
    assert api.post(f"/operator/storefronts/{draft.code}/closure/finish").json()["status"] == "closed"


def test_closure_bad_input_and_wrong_states(api, shop):
    path = f"/operator/storefronts/{shop.code}/closure"
    yesterday = str(timezone.localdate() - timedelta(days=1))
    for body, field in [
        ({"closing_on": yesterday, "reason": "Moving."}, "closing_on"),
        ({"closing_on": "soon", "reason": "Moving."}, "closing_on"),
        ({"closing_on": str(timezone.localdate()), "reason": "  "}, "reason"),
    ]:
        response = api.post(path, body)
        assert response.status_code == 422 and field in response.json()["error"]["errors"]
    assert Storefront.objects.get(pk=shop.pk).status == "open"
    assert api.post(f"{path}/cancel", {}).status_code == 200  # open already: nothing to cancel
    assert api.post(f"/operator/storefronts/{shop.code}/open").status_code == 200  # a retry
    assert api.post("/operator/storefronts/nowhere/open").status_code == 404
    assert api.post("/operator/storefronts/nowhere/closure/finish").status_code == 404
    assert api.patch("/operator/storefronts/nowhere", {"name": "X"}).status_code == 404


def test_permissions_view_and_change(client, shop):
    nobody, reader = staff_with(client), staff_with(client, VIEW)
    assert nobody.get("/operator/storefronts/").status_code == 403
    assert nobody.get(f"/operator/storefronts/{shop.code}").status_code == 403
    assert reader.get(f"/operator/storefronts/{shop.code}/closure/blockers").status_code == 200
    closing = {"closing_on": str(timezone.localdate()), "reason": "Moving."}
    for api in (nobody, reader):
        assert api.patch(f"/operator/storefronts/{shop.code}", {"name": "Mine"}).status_code == 403
        assert api.post(f"/operator/storefronts/{shop.code}/closure", closing).status_code == 403
        assert api.post(f"/operator/storefronts/{shop.code}/closure/cancel", {}).status_code == 403
        assert api.post(f"/operator/storefronts/{shop.code}/closure/finish").status_code == 403
        assert api.post(f"/operator/storefronts/{shop.code}/open").status_code == 403
    shop.refresh_from_db()
    assert (shop.name, shop.status) == ("Books", "open")


def test_a_replayed_closure_announcement_is_done_once(api, shop):
    path = f"/operator/storefronts/{shop.code}/closure"
    body = {"closing_on": str(timezone.localdate() + timedelta(days=10)), "reason": "Moving."}
    first = api.post(path, body, headers={"Idempotency-Key": "close-books"})
    again = api.post(path, body, headers={"Idempotency-Key": "close-books"})
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    changes = StatusChange.objects.filter(
        model="storefronts.Storefront", object_pk=str(shop.pk), to_status="closing"
    )
    assert changes.count() == 1
