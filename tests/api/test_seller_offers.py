"""The seller API's offers: list with filters, one, create, change, and the bulk update."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.offers.models import Offer, OfferChange, PriceHistory
from galerie.sellers.models import SellerMember
from tests.api.conftest import Api, seller_key
from tests.factories import (
    make_bulk_variants,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db
Role = SellerMember.Role


@pytest.fixture
def shop(client):
    books = make_category("Books")
    storefront = make_storefront(scope=[books], name="Page et Plume")
    seller, other = make_seller(storefronts=[storefront]), make_seller(storefronts=[storefront])
    novel = make_variant(product=make_product(category=books, title="Le Tour du monde en 80 jours"))
    atlas = make_variant(product=make_product(category=books, title="Atlas of Remote Islands"))
    fresh = make_variant(product=make_product(category=books, title="Vingt mille lieues"))
    outside = make_variant()  # a category no storefront of the seller sells
    offer = make_offer(seller=seller, variant=novel, price_minor=1990, stock=5, seller_sku="VERNE-80")
    paused = make_offer(seller=seller, variant=atlas, price_minor=3000, stock=0, seller_sku="ATLAS")
    Offer.objects.filter(pk=paused.pk).update(status=Offer.Status.PAUSED)
    theirs = make_offer(seller=other, variant=atlas, price_minor=4500, stock=3, seller_sku="THEIR-SKU")

    class Shop:
        pass

    shop = Shop()
    shop.__dict__.update(
        storefront=storefront, seller=seller, other=other, novel=novel, atlas=atlas, fresh=fresh,
        outside=outside, offer=offer, paused=paused, theirs=theirs,
        owner=Api(client, seller_key(seller)), manager=Api(client, seller_key(seller, Role.MANAGER)),
        clerk=Api(client, seller_key(seller, Role.SHIPPING_CLERK)), other_api=Api(client, seller_key(other)),
    )  # fmt: skip
    return shop


def state(offer: Offer) -> tuple:
    offer.refresh_from_db()
    return (offer.price_minor, offer.stock, offer.status, offer.seller_sku, offer.changes.count())


def eur(amount: int) -> dict:
    return {"amount": amount, "currency": "EUR"}


# --- reads --------------------------------------------------------------------------------------


def test_the_list_holds_the_sellers_offers_only_newest_first(shop):
    body = shop.owner.get("/seller/offers/").json()
    assert [o["id"] for o in body["items"]] == [shop.paused.pk, shop.offer.pk]
    first = body["items"][1]
    assert first["price"] == eur(1990) and first["stock"] == 5 and first["seller_sku"] == "VERNE-80"
    assert first["gtin"] == shop.novel.gtin and first["storefront"] == shop.storefront.code
    assert body["next"] is None


def test_the_list_filters_by_status_sku_gtin_and_last_change(shop):
    def ids(**params) -> list[int]:
        response = shop.manager.get("/seller/offers/", **params)
        assert response.status_code == 200, response.content
        return [o["id"] for o in response.json()["items"]]

    assert ids(status="paused") == [shop.paused.pk]
    assert ids(sku="VERNE-80") == [shop.offer.pk]
    assert ids(sku="THEIR-SKU") == []  # another seller's SKU
    assert ids(gtin=shop.novel.gtin) == [shop.offer.pk]
    assert ids(gtin=shop.atlas.gtin) == [shop.paused.pk]  # not the other seller's offer of it
    Offer.objects.filter(pk=shop.offer.pk).update(updated_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(updated_since=since) == [shop.paused.pk]


def test_the_list_pages_by_keyset(shop):
    first = shop.owner.get("/seller/offers/", limit=1).json()
    assert [o["id"] for o in first["items"]] == [shop.paused.pk] and first["next"]
    second = shop.owner.get("/seller/offers/", limit=1, after=first["next"]).json()
    assert [o["id"] for o in second["items"]] == [shop.offer.pk] and second["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "sold"}, "status"), ({"gtin": "9780000000000"}, "gtin"), ({"limit": 0}, "limit")],
)
def test_a_bad_filter_is_a_422_naming_it(shop, params, field):
    response = shop.owner.get("/seller/offers/", **params)
    assert response.status_code == 422
    assert field in response.json()["error"]["errors"]


def test_one_offer_and_another_sellers_is_a_404(shop):
    assert shop.owner.get(f"/seller/offers/{shop.offer.pk}").json()["id"] == shop.offer.pk
    response = shop.owner.get(f"/seller/offers/{shop.theirs.pk}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "offer_not_found"


def test_a_shipping_clerk_key_may_not_read_offers(shop):
    for path in ("/seller/offers/", f"/seller/offers/{shop.offer.pk}"):
        response = shop.clerk.get(path)
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


# --- create -------------------------------------------------------------------------------------


def new_offer(shop, **changes) -> dict:
    return {"variant_id": shop.fresh.pk, "condition": "new", "price": eur(1450), "stock": 7,
            "lead_time_days": 3, "seller_sku": "VERNE-20000", **changes}  # fmt: skip


def test_creating_an_offer_puts_the_variant_on_sale(shop):
    response = shop.owner.post("/seller/offers/", new_offer(shop))
    assert response.status_code == 201, response.content
    body = response.json()
    created = Offer.objects.get(pk=body["id"])
    assert (created.seller, created.variant, created.price_minor, created.stock) == (
        shop.seller,
        shop.fresh,
        1450,
        7,
    )
    assert (created.lead_time_days, created.seller_sku, created.status) == (3, "VERNE-20000", "active")
    assert body["price"] == eur(1450) and body["storefront"] == shop.storefront.code
    assert PriceHistory.objects.filter(offer=created).count() == 1
    assert created.changes.get().actor_label  # the history names who listed it


def test_an_idempotency_key_creates_the_offer_once(shop):
    headers = {"Idempotency-Key": "create-fresh-1"}
    first = shop.owner.post("/seller/offers/", new_offer(shop), headers=headers)
    again = shop.owner.post("/seller/offers/", new_offer(shop), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Offer.objects.filter(seller=shop.seller, variant=shop.fresh).count() == 1
    # Without the key, the same request is a second listing of the same condition: refused.
    third = shop.owner.post("/seller/offers/", new_offer(shop))
    assert third.status_code == 422 and "condition" in third.json()["error"]["errors"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": eur(0)}, "price"),
        ({"price": {"amount": 100, "currency": "USD"}}, "price"),
        ({"stock": -1}, "stock"),
        ({"condition": "mint"}, "condition"),
        ({"lead_time_days": 400}, "lead_time_days"),
        ({"seller_sku": "=cmd()"}, "seller_sku"),
        ({"seller_sku": "VERNE-80"}, "seller_sku"),  # the SKU of another offer of the seller
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_creates_nothing(shop, changes, field):
    response = shop.owner.post("/seller/offers/", new_offer(shop, **changes))
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["errors"]
    assert not Offer.objects.filter(variant=shop.fresh).exists()


def test_a_variant_outside_the_sellers_storefronts_is_a_404(shop):
    response = shop.owner.post("/seller/offers/", new_offer(shop, variant_id=shop.outside.pk))
    assert response.status_code == 404
    assert not Offer.objects.filter(variant=shop.outside).exists()


def test_an_offer_may_name_its_variant_by_barcode(shop):
    from galerie.catalog.models import Variant

    Variant.objects.filter(pk=shop.fresh.pk).update(gtin="9782070360024")
    body = {k: v for k, v in new_offer(shop).items() if k != "variant_id"}
    made = shop.owner.post("/seller/offers/", {**body, "gtin": "978-2-07-036002-4"})
    assert made.status_code == 201, made.content
    assert Offer.objects.get(pk=made.json()["id"]).variant_id == shop.fresh.pk
    both = shop.owner.post("/seller/offers/", {**new_offer(shop), "gtin": "9782070360024"})
    neither = shop.owner.post("/seller/offers/", body)
    assert both.status_code == neither.status_code == 422
    unknown = shop.owner.post("/seller/offers/", {**body, "gtin": "4006381333931"})
    assert unknown.status_code == 404


def test_a_shipping_clerk_key_may_not_create_an_offer(shop):
    response = shop.clerk.post("/seller/offers/", new_offer(shop))
    assert response.status_code == 403
    assert not Offer.objects.filter(variant=shop.fresh).exists()


# --- change -------------------------------------------------------------------------------------


def test_a_patch_changes_price_stock_and_status_with_history(shop):
    response = shop.manager.patch(
        f"/seller/offers/{shop.offer.pk}", {"price": eur(1790), "stock": 12, "status": "paused"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["price"], body["stock"], body["status"]) == (eur(1790), 12, "paused")
    assert state(shop.offer)[:3] == (1790, 12, "paused")
    fields = set(shop.offer.changes.values_list("field", flat=True))
    assert {"price", "stock", "status"} <= fields
    assert set(shop.offer.changes.exclude(field="created").values_list("reason", flat=True)) == {"api"}


def test_a_patch_of_only_the_stock_keeps_the_rest(shop):
    response = shop.owner.patch(f"/seller/offers/{shop.offer.pk}", {"stock": 0})
    assert response.status_code == 200
    assert state(shop.offer)[:3] == (1990, 0, "active")


def test_a_patch_of_another_sellers_offer_is_a_404_and_changes_nothing(shop):
    before = state(shop.theirs)
    response = shop.owner.patch(f"/seller/offers/{shop.theirs.pk}", {"stock": 99})
    assert response.status_code == 404
    assert state(shop.theirs) == before


def test_a_shipping_clerk_key_may_not_change_an_offer(shop):
    before = state(shop.offer)
    assert shop.clerk.patch(f"/seller/offers/{shop.offer.pk}", {"stock": 99}).status_code == 403
    assert state(shop.offer) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stock": -3}, "stock"),
        ({"price": eur(0)}, "price"),
        ({"price": {"amount": 500, "currency": "GBP"}}, "price"),
        ({"status": "gone"}, "status"),
        ({}, "__all__"),
    ],
)
def test_a_bad_patch_is_a_422_naming_the_field_and_changes_nothing(shop, body, field):
    before = state(shop.offer)
    response = shop.owner.patch(f"/seller/offers/{shop.offer.pk}", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["errors"]
    assert state(shop.offer) == before


def test_a_closed_offer_stays_closed(shop):
    assert shop.owner.patch(f"/seller/offers/{shop.offer.pk}", {"status": "closed"}).status_code == 200
    before = state(shop.offer)
    response = shop.owner.patch(f"/seller/offers/{shop.offer.pk}", {"status": "active", "stock": 3})
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"
    assert state(shop.offer) == before


# --- bulk ---------------------------------------------------------------------------------------


def test_a_bulk_update_applies_the_good_rows_and_reports_the_bad_ones(shop):
    rows = [
        {"offer_id": shop.offer.pk, "price": eur(2190), "stock": 4},  # 0: applied
        {"sku": "ATLAS", "stock": 8, "status": "active"},  # 1: applied
        {"offer_id": shop.theirs.pk, "stock": 0},  # 2: another seller's
        {"sku": "NOPE", "stock": 1},  # 3: unknown SKU
        {"offer_id": shop.offer.pk, "stock": 1},  # 4: the same offer again
        {"sku": "VERNE-80", "stock": -2},  # 5: negative stock
        {"offer_id": shop.offer.pk, "price": eur(0)},  # 6: price not above zero
        {"stock": 3},  # 7: no offer named
        {"sku": "ATLAS", "status": "sold"},  # 8: not a status
    ]
    theirs = state(shop.theirs)
    response = shop.owner.post("/seller/offers/bulk", {"rows": rows})
    assert response.status_code == 200, response.content
    report = response.json()
    assert (report["rows"], report["updated"], report["unchanged"], report["error_rows"]) == (9, 2, 0, 7)
    problems = {(e["row"], e["column"]) for e in report["errors"]}
    assert problems == {(2, "offer_id"), (3, "sku"), (4, "offer_id"), (5, "stock"), (6, "price"),
                        (7, "offer_id"), (8, "status")}  # fmt: skip
    reasons = {e["row"]: e["reason"] for e in report["errors"]}
    assert reasons[4] == "Duplicate: row 0 already sets this offer."
    assert reasons[5] == "The stock cannot be negative."
    assert state(shop.offer)[:3] == (2190, 4, "active")
    assert state(shop.paused)[:3] == (3000, 8, "active")
    assert state(shop.theirs) == theirs


def test_an_all_or_nothing_bulk_update_with_a_bad_row_changes_nothing(shop):
    before, paused = state(shop.offer), state(shop.paused)
    rows = [{"offer_id": shop.offer.pk, "stock": 40}, {"sku": "ATLAS", "stock": -1}]
    response = shop.owner.post("/seller/offers/bulk", {"rows": rows, "all_or_nothing": True})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "offer_bulk_refused" and "rows.1.stock" in error["errors"]
    assert (state(shop.offer), state(shop.paused)) == (before, paused)


def test_a_bulk_update_may_not_reopen_a_closed_offer_nor_mix_currencies(shop):
    Offer.objects.filter(pk=shop.paused.pk).update(status=Offer.Status.CLOSED)
    rows = [
        {"sku": "ATLAS", "status": "active"},
        {"offer_id": shop.offer.pk, "price": {"amount": 1500, "currency": "USD"}},
    ]
    report = shop.owner.post("/seller/offers/bulk", {"rows": rows}).json()
    assert {(e["row"], e["column"]) for e in report["errors"]} == {(0, "status"), (1, "price")}
    assert report["updated"] == 0
    assert state(shop.paused)[2] == "closed" and state(shop.offer)[0] == 1990


def test_a_shipping_clerk_key_may_not_bulk_update(shop):
    before = state(shop.offer)
    response = shop.clerk.post("/seller/offers/bulk", {"rows": [{"offer_id": shop.offer.pk, "stock": 1}]})
    assert response.status_code == 403
    assert state(shop.offer) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rows": []}, "rows"),
        ({"rows": [{"offer_id": 1}] * 10_001}, "rows"),
        ({"rows": [{"offer_id": "one"}]}, "rows.0.offer_id"),
        ({}, "rows"),
    ],
)
def test_a_malformed_bulk_body_is_a_422(shop, body, field):
    before = state(shop.offer)
    response = shop.owner.post("/seller/offers/bulk", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["errors"]
    assert state(shop.offer) == before


def test_a_bulk_update_of_10000_offers_in_one_call(shop):
    variants = make_bulk_variants(10_000)
    offers = Offer.objects.bulk_create(
        Offer(seller=shop.seller, variant=v, seller_sku=f"B{i:05d}", price_minor=1000, stock=1)
        for i, v in enumerate(variants)
    )
    rows = []
    for i, offer in enumerate(offers):
        row: dict = {"offer_id": offer.pk} if i % 2 else {"sku": offer.seller_sku}
        if i % 1000 == 7:
            row["stock"] = -1  # 10 bad rows
        elif i % 3 == 0:
            row["price"] = eur(1000)  # the same price: unchanged
        else:
            row.update(price=eur(1000 + i), stock=i % 50)
        rows.append(row)
    response = shop.owner.post("/seller/offers/bulk", {"rows": rows})
    assert response.status_code == 200, response.content[:500]
    report = response.json()
    bad = {i for i in range(10_000) if i % 1000 == 7}
    same = {i for i in range(10_000) if i % 3 == 0} - bad
    assert report["error_rows"] == 10 and {e["row"] for e in report["errors"]} == bad
    assert (report["updated"], report["unchanged"]) == (10_000 - 10 - len(same), len(same))
    found = dict(Offer.objects.filter(pk__in=[o.pk for o in offers]).values_list("pk", "price_minor"))
    assert all(found[o.pk] == (1000 if i in bad or i in same else 1000 + i) for i, o in enumerate(offers))
    assert OfferChange.objects.filter(offer__seller=shop.seller, field="price").count() == report["updated"]


# Rows drawn over four offers of the seller (one closed), one of another seller's, and nothing.
ROW = st.fixed_dictionaries(
    {"target": st.sampled_from(["a", "b", "c", "closed", "theirs", "none"]), "by_sku": st.booleans()},
    optional={
        "price": st.sampled_from([0, 1, 1990, 2500, 100_000_001]),
        "stock": st.integers(-2, 3),
        "status": st.sampled_from(["active", "paused", "closed", "sold"]),
    },
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=st.lists(ROW, min_size=1, max_size=8))
def test_the_reports_count_of_applied_rows_is_the_number_of_offers_changed(shop, drawn):
    targets = {
        "a": shop.offer, "b": shop.paused, "c": Offer.objects.filter(seller_sku="C").first(),
        "closed": Offer.objects.filter(seller_sku="CLOSED").first(), "theirs": shop.theirs,
    }  # fmt: skip
    if targets["c"] is None:
        targets["c"] = make_offer(seller=shop.seller, variant=shop.fresh, seller_sku="C")
        targets["closed"] = make_offer(seller=shop.seller, variant=make_variant(), seller_sku="CLOSED")
        Offer.objects.filter(pk=targets["closed"].pk).update(status=Offer.Status.CLOSED)
    rows = []
    for d in drawn:
        offer = targets.get(d["target"])
        row: dict = {}
        if offer is not None:
            row = {"sku": offer.seller_sku} if d["by_sku"] else {"offer_id": offer.pk}
        row.update(
            {k: eur(v) if k == "price" else v for k, v in d.items() if k in ("price", "stock", "status")}
        )
        rows.append(row)

    def snapshot() -> dict:
        return {o.pk: (o.price_minor, o.stock, o.status) for o in Offer.objects.all()}

    before = snapshot()
    response = shop.owner.post("/seller/offers/bulk", {"rows": rows})
    assert response.status_code == 200, response.content
    report = response.json()
    after = snapshot()
    changed = {pk for pk in before if before[pk] != after[pk]}
    assert report["updated"] == len(changed)
    assert report["updated"] + report["unchanged"] + report["error_rows"] == len(rows)
    assert targets["theirs"].pk not in changed
