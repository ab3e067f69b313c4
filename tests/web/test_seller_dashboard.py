"""The seller area's dashboard (cards, sales chart, per role, fixed query count) and shop switcher."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from galerie.orders.models import SellerOrder
from galerie.sellers.models import Seller, SellerMember
from galerie.web.views.seller.access import SESSION_KEY
from tests.factories import make_offer, make_seller, make_storefront
from tests.web.portal_data import member, seller_order_make

pytestmark = pytest.mark.django_db
S = SellerOrder.Status
Role = SellerMember.Role
DASHBOARD = "/sell/"


def stat(html: str, name: str) -> int:
    match = re.search(rf'data-stat="{name}">\s*<strong>(\d+)</strong>', html)
    assert match, f"no {name} card"
    return int(match.group(1))


@pytest.fixture
def shop():
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront], display_name="Librairie Martin")
    other = make_seller(storefronts=[storefront], display_name="Zeta Books")
    book = make_offer(seller=seller, price_minor=1234, stock=2, lead_time_days=1)
    make_offer(seller=seller, price_minor=800, stock=50)
    theirs = make_offer(seller=other, price_minor=9999, stock=0)
    now = timezone.now()
    long_ago = now - timedelta(days=20)
    seller_order_make(offer=book, placed_at=now, status=S.NEW)
    seller_order_make(offer=book, placed_at=now, status=S.NEW, quantity=2)
    seller_order_make(offer=book, placed_at=long_ago, status=S.ACCEPTED)  # late by any calendar
    seller_order_make(offer=book, placed_at=now, status=S.ACCEPTED)  # not yet due
    seller_order_make(offer=book, placed_at=long_ago, status=S.REFUSED)
    seller_order_make(offer=theirs, placed_at=long_ago, status=S.ACCEPTED)
    seller_order_make(offer=theirs, placed_at=now, status=S.NEW)
    return {
        "seller": seller,
        "other": other,
        "book": book,
        "owner": member(seller),
        "manager": member(seller, Role.MANAGER),
        "clerk": member(seller, Role.SHIPPING_CLERK),
    }


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_the_dashboard_counts_what_needs_doing_and_charts_the_sales(client, shop, role):
    client.force_login(shop[role])
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert stat(html, "to-accept") == 2
    assert stat(html, "late") == 1
    assert stat(html, "low-stock") == 1  # 2 units ≤ 3; 50 units is fine
    assert 'href="/sell/orders/?status=new"' in html and 'href="/sell/offers/?low_stock=1"' in html
    # Sales: 12.34 + 24.68 + 12.34 + 12.34 (today and 20 days ago), the refused one left out.
    assert "€61.70" in html
    assert html.count('<rect class="bar"') == 30
    assert "€49.36" in html  # the best day, today: three orders
    assert "99.99" not in html  # another seller's sale


def test_a_shipping_clerk_sees_the_orders_cards_but_no_money_and_no_stock(client, shop):
    client.force_login(shop["clerk"])
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert stat(html, "to-accept") == 2 and stat(html, "late") == 1
    assert 'data-stat="low-stock"' not in html
    assert "<svg" not in html and "€" not in html and "Sales" not in html


def test_the_query_count_does_not_grow_with_the_data(client, shop, django_assert_max_num_queries):
    client.force_login(shop["owner"])
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    now = timezone.now()
    for days in range(40):
        seller_order_make(offer=shop["book"], placed_at=now - timedelta(days=days), status=S.ACCEPTED)
        make_offer(seller=shop["seller"], stock=days % 5)
    with CaptureQueriesContext(connection) as many:
        html = client.get(DASHBOARD).content.decode()
    assert len(many) == len(few)
    with django_assert_max_num_queries(14):  # 9; messages panel 2; returns, incidents, reviews 1 each
        client.get(DASHBOARD)
    assert stat(html, "late") > 1


def test_a_seller_without_sales_sees_an_empty_chart_message(client):
    seller = make_seller()
    client.force_login(member(seller))
    html = client.get(DASHBOARD).content.decode()
    assert stat(html, "to-accept") == 0 and "No sale in the last 30 days yet." in html


# --- the shop switcher ------------------------------------------------------------------------


def test_a_member_of_two_shops_switches_between_them(client, shop):
    owner = shop["owner"]
    member(shop["other"], Role.SHIPPING_CLERK, user=owner)
    client.force_login(owner)
    html = client.get(DASHBOARD).content.decode()
    assert "<h1>Librairie Martin</h1>" in html and 'name="slug"' in html
    response = client.post("/sell/switch/", {"slug": shop["other"].slug})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert client.session[SESSION_KEY] == shop["other"].pk
    html = client.get(DASHBOARD).content.decode()
    assert "<h1>Zeta Books</h1>" in html
    assert stat(html, "to-accept") == 1 and stat(html, "late") == 1
    assert "<svg" not in html  # a clerk at Zeta Books
    client.post("/sell/switch/", {"slug": shop["seller"].slug})
    assert "<h1>Librairie Martin</h1>" in client.get(DASHBOARD).content.decode()


def test_switching_to_a_shop_the_user_does_not_work_for_is_a_404(client, shop):
    stranger = make_seller(display_name="Not Yours")
    client.force_login(shop["owner"])
    client.get(DASHBOARD)
    session_before = client.session.get(SESSION_KEY)
    for slug in (stranger.slug, "no-such-shop", ""):
        response = client.post("/sell/switch/", {"slug": slug})
        assert response.status_code == 404
        assert "Not Yours" not in response.content.decode()
    assert client.session.get(SESSION_KEY) == session_before
    assert "<h1>Librairie Martin</h1>" in client.get(DASHBOARD).content.decode()


def test_switch_takes_only_posts(client, shop):
    client.force_login(shop["owner"])
    assert client.get("/sell/switch/", {"slug": shop["seller"].slug}).status_code == 405


def test_a_closed_shop_cannot_be_switched_to(client, shop):
    owner = shop["owner"]
    member(shop["other"], user=owner)
    Seller.objects.filter(pk=shop["other"].pk).update(status=Seller.Status.CLOSED)
    client.force_login(owner)
    assert client.post("/sell/switch/", {"slug": shop["other"].slug}).status_code == 404


def test_the_late_card_opens_the_list_of_exactly_the_late_orders(client, shop):
    client.force_login(shop["clerk"])
    assert 'href="/sell/orders/?late=1"' in client.get(DASHBOARD).content.decode()
    response = client.get("/sell/orders/?late=1")
    late = [so.number for so in response.context["orders"]]
    expected = SellerOrder.objects.filter(
        seller=shop["seller"], status=S.ACCEPTED, order__placed_at__lt=timezone.now() - timedelta(days=10)
    ).values_list("number", flat=True)
    assert late == list(expected) and len(late) == 1
