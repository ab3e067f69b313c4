"""The back office's seller quality page and its settings form; the seller dashboard's own figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.core.models import OutboxEvent
from galerie.storefronts.models import Storefront
from tests.factories import make_seller, make_staff_member, make_storefront, make_user
from tests.orders.quality_data import Status, place

pytestmark = pytest.mark.django_db

PAGE = "/back-office/quality/"
SETTINGS = "/back-office/quality/settings/"
H, D = timedelta(hours=1), timedelta(days=1)
SAVED = {
    "accept_within_hours": "24",
    "ship_within_days": "3",
    "incident_answer_hours": "72",
    "quality_window_days": "30",
    "quality_min_orders": "2",
    "quality_min_acceptance_bp": "95.5",
    "quality_max_late_bp": "5",
    "quality_max_refusal_bp": "2.25",
    "quality_max_refund_bp": "8",
}
QUALITY_FIELDS = [
    "accept_within_hours", "ship_within_days", "quality_window_days", "quality_min_orders",
    "quality_min_acceptance_bp", "quality_max_late_bp", "quality_max_refusal_bp", "quality_max_refund_bp",
]  # fmt: skip


@pytest.fixture
def market():
    storefront = make_storefront(name="Alapage", code="alapage")
    Storefront.objects.filter(pk=storefront.pk).update(quality_min_orders=3)
    other = make_storefront(name="Top Achat", code="topachat")
    bad = make_seller(storefronts=[storefront, other], display_name="Lents & Cie")
    good = make_seller(storefronts=[storefront], display_name="Rapides SARL")
    customer = make_user()
    now = timezone.now()
    for _ in range(3):  # refuses one in three, ships late
        place(storefront, bad, customer, placed_at=now - 20 * D, status=Status.DELIVERED,
              accepted_after=30 * H, shipped_after=9 * D)  # fmt: skip
    place(storefront, bad, customer, placed_at=now - 10 * D, status=Status.REFUSED)
    place(storefront, bad, customer, placed_at=now - 12 * D, status=Status.DELIVERED,
          accepted_after=2 * H, shipped_after=2 * D, refunded_minor=250)  # fmt: skip
    for _ in range(4):
        place(storefront, good, customer, placed_at=now - 5 * D, status=Status.SHIPPED,
              accepted_after=1 * H, shipped_after=1 * D)  # fmt: skip
    place(
        other, bad, customer, placed_at=now - 2 * D, status=Status.SHIPPED, accepted_after=H, shipped_after=D
    )
    return storefront, other, bad, good


def _actors(bad):
    return {
        "anonymous": None,
        "customer": make_user(),
        "seller_owner": make_staff_member(bad, "owner"),
        "inactive_staff": make_user(is_staff=True, is_active=False),
        "operator": make_user(is_staff=True),
    }


@pytest.mark.parametrize(
    ("actor", "get_status", "post_status"),
    [
        ("anonymous", 302, 302),
        ("customer", 403, 403),
        ("seller_owner", 403, 403),
        ("inactive_staff", 302, 302),  # an inactive user is signed out by Django
        ("operator", 200, 302),
    ],
)
def test_every_kind_of_actor(client, market, actor, get_status, post_status):
    storefront, *_ = market
    user = _actors(market[2])[actor]
    if user is not None:
        client.force_login(user)
    page = client.get(PAGE, {"storefront": storefront.code})
    assert page.status_code == get_status
    before = Storefront.objects.values(*QUALITY_FIELDS).get(pk=storefront.pk)
    answer = client.post(SETTINGS, {"storefront": storefront.code, **SAVED})
    assert answer.status_code == post_status
    after = Storefront.objects.values(*QUALITY_FIELDS).get(pk=storefront.pk)
    if actor == "operator":
        assert after["quality_min_acceptance_bp"] == 9550 and after["quality_max_refusal_bp"] == 225
    else:
        assert after == before  # nothing changed
        assert not OutboxEvent.objects.filter(topic="storefront.quality_settings_updated").exists()
    if get_status == 302:
        assert "/login/" in page["Location"]


def test_the_page_lists_the_worst_first_with_the_breaches_worded(
    client, market, django_assert_max_num_queries
):
    storefront, other, bad, good = market
    client.force_login(make_user(is_staff=True))
    with django_assert_max_num_queries(8):
        page = client.get(PAGE, {"storefront": storefront.code})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Lents &amp; Cie") < html.index("Rapides SARL")
    assert f'href="/back-office/sellers/{bad.pk}/"' in html
    assert f'href="/back-office/sellers/{good.pk}/"' in html
    # bad: 5 orders, 4 accepted of 5 decided = 80 %; 3 late of 4 shipped = 75 %; refusals 1 of 5
    # = 20 %; refunds 1 of 5 = 20 % (250 cents): all four thresholds breached.
    assert "4 thresholds breached" in html
    assert "80.00 %" in html and "75.00 %" in html and "20.00 %" in html
    assert html.count("Threshold breached") == 4
    assert "€2.50" in html or "2.50" in html
    assert "Within the thresholds" in html  # the good seller
    assert 'value="alapage" selected' in html
    # The other storefront: only its own orders.
    page = client.get(PAGE, {"storefront": other.code})
    html = page.content.decode()
    assert "Lents &amp; Cie" in html and "Rapides SARL" not in html and "Not judged" in html


def test_a_chosen_period_and_a_bad_one(client, market):
    storefront, *_ = market
    client.force_login(make_user(is_staff=True))
    today = timezone.localdate()
    page = client.get(PAGE, {"storefront": storefront.code, "start": str(today - 7 * D), "end": str(today)})
    html = page.content.decode()
    assert page.status_code == 200 and "Rapides SARL" in html and "Lents" not in html
    bad = client.get(PAGE, {"storefront": storefront.code, "start": str(today), "end": str(today - D)})
    assert bad.status_code == 400 and "The end of the period is before its start." in bad.content.decode()


def test_an_unknown_storefront_is_a_404(client, market):
    client.force_login(make_user(is_staff=True))
    assert client.get(PAGE, {"storefront": "nope"}).status_code == 404
    assert client.post(SETTINGS, {"storefront": "nope", **SAVED}).status_code == 404


def test_saving_the_settings_is_audited(client, market):
    storefront, *_ = market
    operator = make_user(is_staff=True)
    client.force_login(operator)
    answer = client.post(SETTINGS, {"storefront": storefront.code, **SAVED})
    assert answer.status_code == 302 and answer["Location"] == f"{PAGE}?storefront=alapage"
    saved = Storefront.objects.values_list(*QUALITY_FIELDS).get(pk=storefront.pk)
    assert saved == (24, 3, 30, 2, 9550, 500, 225, 800)
    event = OutboxEvent.objects.get(topic="storefront.quality_settings_updated")
    assert event.payload["by_user_id"] == operator.pk
    assert event.payload["before"]["accept_within_hours"] == 48
    assert event.payload["after"]["quality_min_acceptance_bp"] == 9550
    # The same values again: nothing to record.
    client.post(SETTINGS, {"storefront": storefront.code, **SAVED})
    assert OutboxEvent.objects.filter(topic="storefront.quality_settings_updated").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("accept_within_hours", "0", "greater than or equal to 1"),
        ("ship_within_days", "61", "less than or equal to 60"),
        ("quality_window_days", "3", "greater than or equal to 7"),
        ("quality_max_late_bp", "100.01", "less than or equal to 100"),
        ("quality_max_refund_bp", "1.234", "2 decimal places"),
        ("quality_min_orders", "", "This field is required"),
    ],
)
def test_bad_settings_change_nothing(client, market, field, value, message):
    storefront, *_ = market
    client.force_login(make_user(is_staff=True))
    before = Storefront.objects.values(*QUALITY_FIELDS).get(pk=storefront.pk)
    answer = client.post(SETTINGS, {"storefront": storefront.code, **SAVED, field: value})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert Storefront.objects.values(*QUALITY_FIELDS).get(pk=storefront.pk) == before
    assert not OutboxEvent.objects.filter(topic="storefront.quality_settings_updated").exists()


def test_the_page_in_french(client, market):
    storefront, *_ = market
    client.force_login(make_user(is_staff=True))
    html = client.get(PAGE, {"storefront": storefront.code}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Qualité des vendeurs" in html and "Seuil dépassé" in html and "80,00\u00a0%" in html


def test_the_seller_dashboard_shows_its_own_figures(client, market):
    _storefront, _other, bad, _good = market
    client.force_login(make_staff_member(bad, "owner"))
    html = client.get("/sell/").content.decode()
    assert "Alapage" in html and "Top Achat" in html
    assert "80.00 %" in html and "Threshold breached" in html
    assert "Rapides" not in html


def test_the_sellers_come_a_page_at_a_time(client, market, monkeypatch):
    storefront, *_ = market
    monkeypatch.setattr("galerie.web.views.back_office.quality.PAGE_SIZE", 1)
    client.force_login(make_user(is_staff=True))
    first = client.get(PAGE, {"storefront": storefront.code}).content.decode()
    assert "Lents &amp; Cie" in first and "Rapides SARL" not in first
    assert "1 seller past a threshold" in first and "out of 2 sellers with orders" in first
    assert 'href="?storefront=alapage&amp;page=2" rel="next"' in first
    second = client.get(PAGE, {"storefront": storefront.code, "page": "2"}).content.decode()
    assert "Rapides SARL" in second and "Lents &amp; Cie" not in second and 'rel="prev"' in second
    assert client.get(PAGE, {"storefront": storefront.code, "page": "x"}).status_code == 200
