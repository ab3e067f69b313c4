"""The notice pages, every route by every kind of actor: anyone reports (no sign-in), only staff
see the queue and decide, a seller sees only its own decisions, a signed link opens one decision."""

from __future__ import annotations

import pytest
from django.urls import reverse

from galerie.notices.models import Complaint, Decision, Notice
from galerie.notices.selectors import decision_token
from galerie.notices.services import notice_decide
from tests.factories import make_user
from tests.notices.conftest import DECISION, NOTICE, report

pytestmark = pytest.mark.django_db(transaction=True)


def report_url(placed) -> str:
    return reverse("sf:notice_report", kwargs={"storefront": placed.storefront.code})


def form(placed, **fields) -> dict:
    return {"kind": "offer", "ref": placed.book.uuid.hex, **NOTICE, "good_faith": "on", **fields}


def test_the_product_page_links_every_report(client, placed, reviewed):
    product = placed.book.variant.product
    url = reverse("sf:product", kwargs={"storefront": placed.storefront.code, "slug": product.slug})
    page = client.get(url).content.decode()
    assert f"kind=offer&amp;ref={placed.book.uuid.hex}" in page
    assert f"kind=product&amp;ref={product.slug}" in page
    assert f"kind=review&amp;ref={reviewed.review.uuid.hex}" in page
    shop = reverse("sf:seller", kwargs={"storefront": placed.storefront.code, "slug": placed.seller_a.slug})
    assert f"kind=seller&amp;ref={placed.seller_a.slug}" in client.get(shop).content.decode()


def test_anyone_reports_without_signing_in_in_the_storefront_language(client, placed):
    # given an anonymous visitor following the offer's link
    page = client.get(
        report_url(placed), {"kind": "offer", "ref": placed.book.uuid.hex, "url": NOTICE["url"]}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="fr"' in html and "Signaler un contenu illicite" in html
    assert f'value="{NOTICE["url"]}"' in html  # pre-filled, editable
    # when they send it
    response = client.post(report_url(placed), form(placed))
    # then it is recorded and they see the thanks page
    assert response.status_code == 302 and response["Location"].endswith("/report-illegal-content/sent/")
    notice = Notice.objects.get()
    assert (notice.offer_id, notice.language) == (placed.book.pk, "fr")


@pytest.mark.parametrize("who", ["anonymous", "customer", "seller", "staff"])
def test_everyone_may_report(client, placed, staff, who):
    user = {"anonymous": None, "customer": placed.customer, "seller": placed.owner_b, "staff": staff}[who]
    if user:
        client.force_login(user)
    assert client.post(report_url(placed), form(placed)).status_code == 302
    assert Notice.objects.count() == 1


def test_bad_input_shows_the_errors_and_saves_nothing(client, placed):
    response = client.post(
        report_url(placed), form(placed, explanation="", good_faith="", notifier_email="x")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="field has-error"') == 3
    assert not Notice.objects.exists()
    assert client.get(report_url(placed), {"kind": "offer", "ref": "nope"}).status_code == 404


def test_the_form_is_throttled(client, placed, settings):
    settings.GALERIE_THROTTLE_RATES = {"dsa_notice": {"ip": "2/h", "account": "2/h"}}
    for _ in range(2):
        assert client.post(report_url(placed), form(placed)).status_code == 302
    response = client.post(report_url(placed), form(placed))
    assert response.status_code == 429
    assert Notice.objects.count() == 2


@pytest.fixture
def decided(placed, staff):
    notice = report(placed.storefront, "offer", placed.book.uuid.hex)
    [decision] = notice_decide(notice_id=notice.pk, by=staff, action="offer_removed", **DECISION)
    return notice, decision


@pytest.mark.parametrize("who", ["anonymous", "customer", "seller", "staff"])
def test_the_back_office_pages_are_for_staff_only(client, placed, staff, decided, who):
    notice, decision = decided
    complaint = Complaint.objects.create(
        decision=decision, role="affected", text="No", received_at=decision.decided_at, email="a@example.test"
    )
    user = {"anonymous": None, "customer": placed.customer, "seller": placed.owner_a, "staff": staff}[who]
    if user:
        client.force_login(user)
    urls = [
        reverse("back_office:notices"),
        reverse("back_office:notice", kwargs={"notice": notice.uuid}),
        reverse("back_office:notice_complaint", kwargs={"complaint": complaint.uuid}),
    ]
    expected = {"anonymous": 302, "customer": 403, "seller": 403, "staff": 200}[who]
    assert [client.get(url).status_code for url in urls] == [expected] * 3


def test_staff_decide_from_the_back_office_and_the_queue_flags_the_overdue(client, placed, staff):
    overdue = report(placed.storefront, "offer", placed.book.uuid.hex)
    Notice.objects.filter(pk=overdue.pk).update(due_at=overdue.received_at.replace(year=2020))
    fresh = report(placed.storefront, "seller", placed.seller_b.slug)
    client.force_login(staff)
    queue = client.get(reverse("back_office:notices")).content.decode()
    assert queue.count("badge") == 1 and queue.index(str(overdue.uuid)) < queue.index(str(fresh.uuid))
    url = reverse("back_office:notice", kwargs={"notice": fresh.uuid})
    bad = client.post(url, {**DECISION, "action": "review_hidden"})
    assert bad.status_code == 400 and not Decision.objects.exists()
    assert client.post(url, {**DECISION, "action": "seller_suspended"}).status_code == 302
    assert Decision.objects.get().action == "seller_suspended"


def test_a_seller_sees_only_its_own_decisions_and_contests_them(client, placed, decided):
    _notice, decision = decided
    url = reverse("seller_area:notice_decision", kwargs={"decision": decision.uuid})
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(placed.owner_b)
    assert str(decision.uuid) not in client.get(reverse("seller_area:notice_decisions")).content.decode()
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "not mine"}).status_code == 404
    client.force_login(placed.owner_a)
    assert str(decision.uuid) in client.get(reverse("seller_area:notice_decisions")).content.decode()
    assert client.post(url, {"text": "The goods are genuine."}).status_code == 302
    assert Complaint.objects.get().by_user_id == placed.owner_a.pk
    client.force_login(placed.clerk_a)  # a shipping clerk does not handle listings
    assert client.get(url).status_code == 403


def test_the_notifier_contests_by_the_signed_link_only(client, placed, decided):
    _notice, decision = decided
    token = decision_token(decision=decision, role="notifier")
    url = reverse("sf:notice_complaint", kwargs={"storefront": placed.storefront.code, "token": token})
    assert client.get(url).status_code == 200
    forged = reverse(
        "sf:notice_complaint", kwargs={"storefront": placed.storefront.code, "token": token[:-2] + "xx"}
    )
    assert client.get(forged).status_code == 404
    assert client.post(url, {"text": "Still there elsewhere."}).status_code == 200
    complaint = Complaint.objects.get()
    assert (complaint.role, complaint.email) == ("notifier", "nora@example.test")
    stranger = make_user()
    client.force_login(stranger)  # signing in changes nothing: the link is the key
    assert client.post(url, {"text": "again"}).status_code == 400  # one open complaint at a time
