"""The operator API's sellers: the list and its filters, a seller's file, each curation decision
with its reasons, permissions (view / change), bad input, unknown ids, a replayed decision."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from galerie.core.models import StatusChange
from galerie.sellers.models import Seller, SellerAdmission, SellerApplicationMessage
from galerie.sellers.services import seller_document_add
from tests.api.operator_keys import staff_with
from tests.factories import make_seller, make_storefront, pdf_bytes

pytestmark = pytest.mark.django_db
VIEW, CHANGE = "sellers.view_seller", "sellers.change_seller"
PDF = pdf_bytes()


@pytest.fixture
def world(client):
    books, toys = make_storefront(name="Books"), make_storefront(name="Toys")
    applicant = make_seller(storefronts=[books, toys], active=False)
    active = make_seller(storefronts=[toys])
    return {
        "books": books,
        "toys": toys,
        "applicant": applicant,
        "active": active,
        "api": staff_with(client, VIEW, CHANGE),
    }


def changes(seller: Seller) -> int:
    return StatusChange.objects.filter(model="sellers.Seller", object_pk=str(seller.pk)).count()


def test_the_list_filters_by_status_and_storefront_and_pages_by_keyset(world):
    api = world["api"]
    body = api.get("/operator/sellers/", status="applied").json()
    assert [s["id"] for s in body["items"]] == [world["applicant"].pk]
    assert {a["storefront"] for a in body["items"][0]["admissions"]} == {
        world["books"].code,
        world["toys"].code,
    }
    body = api.get("/operator/sellers/", storefront=world["toys"].code).json()
    assert [s["id"] for s in body["items"]] == [world["applicant"].pk, world["active"].pk]
    body = api.get("/operator/sellers/", storefront=world["books"].code, status="active").json()
    assert body["items"] == []
    first = api.get("/operator/sellers/", limit=1).json()
    assert len(first["items"]) == 1 and first["next"]
    second = api.get("/operator/sellers/", limit=1, after=first["next"]).json()
    assert second["items"][0]["id"] > first["items"][0]["id"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "happy"}, "status"), ({"storefront": "nowhere"}, "storefront"), ({"limit": 0}, "limit")],
)
def test_a_bad_filter_is_a_422_naming_it(world, params, field):
    response = world["api"].get("/operator/sellers/", **params)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_a_sellers_file_has_its_admissions_documents_and_history(world):
    seller = world["active"]
    seller_document_add(seller_id=seller.pk, kind="registration", file=SimpleUploadedFile("kbis.pdf", PDF))
    body = world["api"].get(f"/operator/sellers/{seller.pk}").json()
    assert (body["id"], body["status"], body["legal_name"]) == (seller.pk, "active", seller.legal_name)
    assert [(a["storefront"], a["status"]) for a in body["admissions"]] == [(world["toys"].code, "admitted")]
    (document,) = body["documents"]
    assert (document["kind"], document["original_name"], document["size"]) == (
        "registration",
        "kbis.pdf",
        len(PDF),
    )
    assert "file" not in document and "url" not in document  # metadata only: the file stays private
    assert [h["to_status"] for h in body["history"]] == ["approved", "active"]
    assert "iban" not in body


def test_an_unknown_seller_is_a_404_for_reads_and_decisions(world):
    api = world["api"]
    assert api.get("/operator/sellers/999999").json()["error"]["code"] == "seller_not_found"
    response = api.post("/operator/sellers/999999/reject", {"reason": "Fake identity."})
    assert response.status_code == 404 and response.json()["error"]["code"] == "seller_not_found"
    assert api.post("/operator/sellers/999999/reactivate").status_code == 404


def test_approve_then_refuse_a_storefront(world):
    api, seller = world["api"], world["applicant"]
    body = api.post(f"/operator/sellers/{seller.pk}/approve", {"storefront": world["books"].code}).json()
    assert body["status"] == "active"
    admissions = {a["storefront"]: a for a in body["admissions"]}
    assert admissions[world["books"].code]["status"] == "admitted"
    response = api.post(
        f"/operator/sellers/{seller.pk}/refuse",
        {"storefront": world["toys"].code, "reason": "No toys licence."},
    )
    assert response.status_code == 200
    admission = SellerAdmission.objects.get(seller=seller, storefront=world["toys"])
    assert (admission.status, admission.reason) == ("refused", "No toys licence.")


def test_a_storefront_the_seller_did_not_apply_to_is_a_422(world):
    other = make_storefront()
    seller = world["applicant"]
    response = world["api"].post(f"/operator/sellers/{seller.pk}/approve", {"storefront": other.code})
    assert response.status_code == 422 and response.json()["error"]["field"] == "storefront"
    assert not SellerAdmission.objects.filter(seller=seller, status="admitted").exists()


def test_request_info_then_reject_with_reasons(world):
    api, seller = world["api"], world["applicant"]
    body = api.post(f"/operator/sellers/{seller.pk}/request-info", {"message": "Send your Kbis."}).json()
    assert body["status"] == "info_requested"
    assert body["messages"][-1] == {**body["messages"][-1], "from_operator": True, "body": "Send your Kbis."}
    body = api.post(f"/operator/sellers/{seller.pk}/reject", {"reason": "No Kbis after a month."}).json()
    assert body["status"] == "rejected" and body["history"][-1]["reason"] == "No Kbis after a month."
    assert {a["status"] for a in body["admissions"]} == {"refused"}
    # A rejected seller cannot be admitted: a 409 with the domain's code.
    response = api.post(f"/operator/sellers/{seller.pk}/approve", {"storefront": world["books"].code})
    assert response.status_code == 409 and response.json()["error"]["code"] == "seller_application_decided"


def test_suspend_reactivate_close(world):
    api, seller = world["api"], world["active"]
    statement = {"reason": "Counterfeits reported by buyers.", "ground": "Terms §7"}
    body = api.post(f"/operator/sellers/{seller.pk}/suspend", statement).json()
    assert body["status"] == "suspended"
    assert body["history"][-1]["reason"] == "Counterfeits reported by buyers. [Terms §7]"
    assert api.post(f"/operator/sellers/{seller.pk}/reactivate").json()["status"] == "active"
    body = api.post(
        f"/operator/sellers/{seller.pk}/close",
        {"reason": "Asked to leave the marketplace.", "ground": "Terms §9"},
    ).json()
    assert body["status"] == "active"  # notice given: it closes in 30 days (P2B art. 4(1))
    close = {"reason": "Asked to leave the marketplace.", "exception": "seller_request"}
    body = api.post(f"/operator/sellers/{seller.pk}/close", close).json()
    assert body["status"] == "closed"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("reject", {"reason": "   "}, "reason"),
        ("reject", {}, "reason"),
        ("refuse", {"storefront": "x", "reason": ""}, "reason"),
        ("request-info", {"message": " "}, "message"),
        ("suspend", {"reason": "x" * 2001}, "reason"),
        ("suspend", {"reason": "Too short.", "ground": "Terms §7"}, "reason"),
        ("suspend", {"reason": "Counterfeits reported by buyers."}, "ground"),
        ("approve", {}, "storefront"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(world, action, body, field):
    seller = world["applicant"] if action != "suspend" else world["active"]
    before = (seller.status, changes(seller), SellerApplicationMessage.objects.count())
    response = world["api"].post(f"/operator/sellers/{seller.pk}/{action}", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["errors"]
    seller.refresh_from_db()
    assert (seller.status, changes(seller), SellerApplicationMessage.objects.count()) == before


def test_a_staff_user_without_the_permissions_is_refused_and_nothing_changes(client, world):
    seller = world["active"]
    nobody = staff_with(client)
    reader = staff_with(client, VIEW)
    for api in (nobody,):
        assert api.get("/operator/sellers/").status_code == 403
        assert api.get(f"/operator/sellers/{seller.pk}").status_code == 403
    assert reader.get(f"/operator/sellers/{seller.pk}").status_code == 200
    for api in (nobody, reader):
        for action, body in [
            ("suspend", {"reason": "Because."}),
            ("close", {}),
            ("approve", {"storefront": world["toys"].code}),
            ("refuse", {"storefront": world["toys"].code, "reason": "No."}),
            ("reject", {"reason": "No."}),
            ("request-info", {"message": "Why?"}),
            ("reactivate", None),
        ]:
            response = api.post(f"/operator/sellers/{seller.pk}/{action}", body)
            assert response.status_code == 403, action
            assert response.json()["error"]["code"] == "permission_denied"
    seller.refresh_from_db()
    assert seller.status == "active" and changes(seller) == 2


def test_a_decision_replayed_with_its_idempotency_key_is_done_once(world):
    api, seller = world["api"], world["active"]
    path = f"/operator/sellers/{seller.pk}/suspend"
    body = {"reason": "Counterfeits reported by buyers.", "ground": "Terms §7"}
    first = api.post(path, body, headers={"Idempotency-Key": "suspend-1"})
    again = api.post(path, body, headers={"Idempotency-Key": "suspend-1"})
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert changes(seller) == 3  # approved, active, suspended: once
    other = api.post(
        path,
        {"reason": "Another reason, longer.", "ground": "Terms §7"},
        headers={"Idempotency-Key": "suspend-1"},
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"


def test_the_list_costs_the_same_queries_for_one_seller_or_twenty(world, django_assert_max_num_queries):
    for _ in range(20):
        make_seller(storefronts=[world["books"], world["toys"]], active=False)
    # The key, its last use, its user's permissions, the sellers, their admissions: fixed.
    with django_assert_max_num_queries(7):
        body = world["api"].get("/operator/sellers/", status="applied", limit=50).json()
    assert len(body["items"]) == 21
