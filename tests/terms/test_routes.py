"""Every P2B route × every kind of actor: a seller sees only its own complaints; the back-office
pages need operator staff with the terms permissions; the seller terms are public."""

from __future__ import annotations

import pytest

from galerie.terms.models import SellerComplaint
from galerie.terms.services import complaint_file
from tests.factories import make_user
from tests.terms.conftest import staff_with

pytestmark = pytest.mark.django_db
TEXT = "The offer import fails every night since the upgrade."


@pytest.fixture
def world(market):
    mine = complaint_file(
        seller=market.sellers[0], kind="technical", subject="Mine", text=TEXT, by=market.owners[0]
    )
    theirs = complaint_file(
        seller=market.sellers[1], kind="technical", subject="Theirs", text=TEXT, by=market.owners[1]
    )
    market.actors = {
        "anonymous": None,
        "customer": make_user(email="buyer@example.test"),
        "owner": market.owners[0],
        "clerk": market.clerk,
        "other_owner": market.owners[1],
        "staff_without_permission": staff_with(email="intern@galerie.test"),
        "staff_reader": staff_with("view_sellercomplaint", email="reader@galerie.test"),
        "operator": market.operator,
    }
    market.mine, market.theirs = mine, theirs
    return market


def _get(client, world, actor, path):
    user = world.actors[actor]
    if user is not None:
        client.force_login(user)
    return client.get(path)


SELLER_PAGES = ["/sell/terms/", "/sell/complaints/", "/sell/complaints/{mine}/"]
BACK_OFFICE_PAGES = ["/back-office/terms/", "/back-office/complaints/", "/back-office/complaints/{mine}/"]
# (actor, status of the seller pages, status of the back-office pages)
EXPECTED = [
    ("anonymous", 302, 302),
    ("customer", 403, 403),
    ("owner", 200, 403),
    ("clerk", 200, 403),
    ("other_owner", {"/sell/complaints/{mine}/": 404}, 403),
    ("staff_without_permission", 403, 403),
    ("staff_reader", 403, {"/back-office/terms/": 403}),
    ("operator", 403, 200),
]


@pytest.mark.parametrize(("actor", "seller_status", "office_status"), EXPECTED)
def test_every_page_for_every_actor(client, world, actor, seller_status, office_status):
    for pages, expected in ((SELLER_PAGES, seller_status), (BACK_OFFICE_PAGES, office_status)):
        for page in pages:
            want = expected.get(page, 200) if isinstance(expected, dict) else expected
            response = _get(client, world, actor, page.format(mine=world.mine.pk))
            assert response.status_code == want, (actor, page, response.status_code)
    public = _get(client, world, actor, "/seller-terms/")
    assert public.status_code == 200


def test_a_seller_lists_only_its_own_complaints(client, world):
    client.force_login(world.owners[0])
    page = client.get("/sell/complaints/").content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert client.get(f"/sell/complaints/{world.theirs.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("actor", "path", "data"),
    [
        ("clerk", "/sell/complaints/new/", {"kind": "other", "subject": "Clerk", "text": TEXT}),
        ("clerk", "/sell/terms/decide/", {"version": 1, "action": "accept"}),
        ("staff_reader", "/back-office/complaints/{mine}/", {"outcome": "upheld", "answer": TEXT}),
        ("staff_without_permission", "/back-office/terms/", {"title": "T", "text": "x"}),
        ("owner", "/back-office/complaints/{mine}/", {"outcome": "upheld", "answer": TEXT}),
    ],
)
def test_a_write_by_an_actor_without_the_right_is_refused_and_changes_nothing(
    client, world, actor, path, data
):
    client.force_login(world.actors[actor])
    before = list(SellerComplaint.objects.values_list("pk", "status").order_by("pk"))
    response = client.post(path.format(mine=world.mine.pk), data)
    assert response.status_code == 403
    assert list(SellerComplaint.objects.values_list("pk", "status").order_by("pk")) == before


def test_the_operator_publishes_terms_from_the_back_office_and_a_short_notice_is_refused(client, world):
    client.force_login(world.operator)
    data = {"title": "Seller terms", "text": "§1 …", "effective_at": "2020-01-01T10:00"}
    response = client.post("/back-office/terms/", data)
    assert response.status_code == 400
    assert "at the earliest" in response.content.decode()
    data["effective_at"] = "2099-01-01T10:00"
    assert client.post("/back-office/terms/", data).status_code == 302
