"""The operator's storefronts in the back office: the portfolio, a new storefront, its settings,
opening it, announcing and cancelling its closure, and the closure report (page and CSV)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from galerie.core.models import OutboxEvent
from galerie.ledger import closure_report as report_module
from galerie.ledger.models import CommissionPlan
from galerie.orders.models import SellerOrder
from galerie.search.services import search_reindex
from galerie.sellers.models import Seller, SellerMember
from galerie.sellers.services import seller_member_add
from galerie.storefronts.closure import ClosureBlockers, storefront_closure_announce
from galerie.storefronts.models import Storefront, StorefrontHost
from galerie.storefronts.selectors import storefront_id_for_host
from galerie.web.forms_staff import StorefrontForm
from tests.checkout.conftest import shop as shop  # the fixture
from tests.factories import make_category, make_offer, make_seller, make_storefront, make_user, make_variant
from tests.ledger.test_payouts import _place_order
from tests.web.test_french_pages import _english
from tests.web.test_french_pages import translated_msgids as translated_msgids  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)
LIST = "/back-office/storefronts/"
NEW = "/back-office/storefronts/new/"


def operator(*codenames: str, **fields):
    user = make_user(is_staff=True, **fields)
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="storefronts")
        )
    return user


def manager():
    return operator("view_storefront", "add_storefront", "change_storefront")


def url(storefront, tail=""):
    return f"/back-office/storefronts/{storefront.pk}/{tail}"


def in_a_week():
    return timezone.localdate() + timedelta(days=7)


def valid(**changes):
    data = {
        "code": "alapage",
        "name": "Alapage",
        "tagline": "Livres, musique, voyages",
        "default_language": "fr",
        "currency": "EUR",
        "colour_primary": "#1f4e79",
        "colour_accent": "#e07a2e",
        "colour_background": "#ffffff",
        "colour_text": "#111111",
        "font": "serif",
        "hosts": "alapage.test\nwww.alapage.test",
        "commission_rate": "12.5",
        "commission_fixed_fee": "0.30",
        "commission_on_shipping": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def snapshot():
    """Everything a storefront page could write."""
    return (
        sorted(Storefront.objects.values_list(
            "pk", "code", "name", "tagline", "status", "currency", "default_language", "colour_primary",
            "font", "closing_on", "closure_reason",
        )),
        sorted(StorefrontHost.objects.values_list("storefront_id", "host", "is_primary")),
        sorted(CommissionPlan.objects.values_list(
            "storefront_id", "rate_bp", "fixed_fee_minor", "on_shipping",
        )),
        sorted(Storefront.catalog_scope.through.objects.values_list("storefront_id", "category_id")),
        OutboxEvent.objects.count(),
    )  # fmt: skip


# -- who may see and do what -------------------------------------------------------------------


def test_every_storefront_route_is_for_operator_staff_with_the_storefront_permissions(client, shop):
    storefront = shop.storefront
    seller_owner = make_user()
    seller_member_add(seller=shop.seller_a, user=seller_owner, role=SellerMember.Role.OWNER)
    reader = operator("view_storefront")
    gets = [
        LIST,
        url(storefront),
        url(storefront, "close/"),
        url(storefront, "closure/"),
        url(storefront, "closure.csv"),
    ]
    posts = [
        (NEW, valid()),
        (url(storefront), valid(code=None, name="Renamed")),
        (url(storefront, "open/"), {}),
        (url(storefront, "close/"), {"closing_on": in_a_week().isoformat(), "reason": "x", "confirm": "on"}),
        (url(storefront, "reopen/"), {}),
        (url(storefront, "closure/finish/"), {}),
    ]  # fmt: skip
    before = snapshot()
    for target in [*gets, NEW]:
        client.logout()
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), target
    for target, data in posts:
        assert client.post(target, data).status_code == 302
    for who in (shop.customer, seller_owner, operator(), operator("view_storefront", is_active=True)):
        client.force_login(who)
        for target, data in posts:
            assert client.post(target, data).status_code == 403, (who.email, target)
        if who is not shop.customer and who.user_permissions.exists():
            continue
        for target in [*gets, NEW]:
            response = client.get(target)
            assert response.status_code == 403, (who.email, target)
            assert storefront.name not in response.content.decode()
    client.force_login(reader)
    for target in gets:
        assert client.get(target).status_code == 200, target
    page = client.get(url(storefront)).content.decode()
    assert "Save the storefront" not in page and "Close this storefront" not in page
    assert "needs the permission to change storefronts" in page
    assert client.get(NEW).status_code == 403  # reading is not creating
    assert snapshot() == before
    # The permissions of the admin, or a superuser: every page.
    client.force_login(make_user(is_staff=True, is_superuser=True))
    for target in [*gets, NEW]:
        assert client.get(target).status_code == 200, target


def test_the_navigation_links_the_storefronts_and_marks_the_current_page(client):
    # Shown to all staff: asking for the permissions on every back-office page would cost queries.
    client.force_login(operator("view_storefront"))
    assert f'<a href="{LIST}" aria-current="page">' in client.get(LIST).content.decode()
    assert f'<a href="{LIST}">' in client.get("/back-office/money/").content.decode()


# -- the portfolio -----------------------------------------------------------------------------


def test_the_portfolio_lists_every_storefront_with_its_figures_in_a_fixed_number_of_queries(
    client, shop, django_assert_max_num_queries
):
    draft = make_storefront(open_=False, name="Clust", hosts=["clust.test"])
    closing = make_storefront(name="Top Achat")
    other = make_seller(storefronts=[closing, shop.storefront])
    make_offer(seller=other, variant=make_variant(), price_minor=990, stock=1)
    storefront_closure_announce(storefront_id=closing.pk, closing_on=in_a_week(), reason="Sold", by=None)
    CommissionPlan.objects.create(storefront=shop.storefront, rate_bp=1250)
    search_reindex()
    client.force_login(manager())
    with django_assert_max_num_queries(12) as few:
        page = client.get(LIST)
    assert page.status_code == 200
    rows = {row.storefront.pk: row for row in page.context["rows"]}
    assert set(rows) == set(Storefront.objects.values_list("pk", flat=True))
    main = rows[shop.storefront.pk]
    assert (main.sellers_admitted, main.sellers_listed, main.products_listed, main.offers_listed) == (
        3,
        3,
        4,
        4,
    )
    assert rows[draft.pk].hosts == ["clust.test"] and rows[draft.pk].products_listed == 0
    assert rows[closing.pk].storefront.closing_on == in_a_week()
    html = page.content.decode()
    assert "12.50 %" in html and "clust.test" in html and "Draft" in html and "Closing" in html
    assert url(closing, "closure/") in html and url(draft) in html
    for _ in range(5):
        make_seller(storefronts=[make_storefront(hosts=[f"h{_}.test"])])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(LIST).context["rows"]) == len(rows) + 5


# -- a new storefront --------------------------------------------------------------------------


def test_a_new_storefront_is_created_as_a_draft_with_everything_and_opened_with_a_confirmation(
    client, settings
):
    settings.ALLOWED_HOSTS = [
        "testserver",
        ".alapage.test",
    ]  # the operator's wildcard: a new host needs no deploy
    books, music = make_category("Books"), make_category("Music")
    make_category("Travel")
    client.force_login(manager())
    form = client.get(NEW)
    assert form.status_code == 200
    assert 'type="color"' in form.content.decode() and "theme-preview" in form.content.decode()
    response = client.post(NEW, {**valid(), "catalog_scope": [books.pk, music.pk]})
    assert response.status_code == 302
    storefront = Storefront.objects.get(code="alapage")
    assert response["Location"] == url(storefront)
    assert storefront.status == Storefront.Status.DRAFT
    assert (storefront.name, storefront.tagline, storefront.default_language, storefront.currency) == (
        "Alapage", "Livres, musique, voyages", "fr", "EUR",
    )  # fmt: skip
    assert (storefront.colour_primary, storefront.colour_background, storefront.font) == (
        "#1f4e79",
        "#ffffff",
        "serif",
    )
    assert list(storefront.hosts.values_list("host", "is_primary")) == [
        ("alapage.test", True),
        ("www.alapage.test", False),
    ]
    assert set(storefront.catalog_scope.all()) == {books, music}
    plan = CommissionPlan.objects.get(storefront=storefront)
    assert (plan.rate_bp, plan.fixed_fee_minor, plan.on_shipping) == (1250, 30, True)
    page = client.get(url(storefront))
    assert "Open to customers" in page.content.decode() and "data-confirm" in page.content.decode()
    # A draft is not routed; opened, its hosts route at once (no deploy, no stale cache).
    assert storefront_id_for_host("alapage.test") is None
    response = client.post(url(storefront, "open/"))
    assert response.status_code == 302
    storefront.refresh_from_db()
    assert storefront.status == Storefront.Status.OPEN
    assert storefront_id_for_host("alapage.test") == storefront.pk
    assert client.get("/", HTTP_HOST="www.alapage.test").status_code == 200
    # Opening twice is a retried request, not an error.
    assert client.post(url(storefront, "open/")).status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": ""}, "code", "This field is required."),
        ({"code": "Not a slug!"}, "code", "letters, numbers, underscores or hyphens"),
        ({"name": ""}, "name", "This field is required."),
        ({"currency": "XXX"}, "currency", "Select a valid choice"),
        ({"colour_primary": "blue"}, "colour_primary", "Enter a valid value"),
        ({"hosts": "https://shop.test/"}, "hosts", "Not a host name: https://shop.test/"),
        ({"commission_rate": "100.5"}, "commission_rate", "from 0 to 100"),
        ({"commission_rate": "12.345"}, "commission_rate", "two decimals at most"),
        ({"commission_rate": "1e400"}, "commission_rate", "two decimals at most"),
        ({"commission_rate": "douze"}, "commission_rate", "two decimals at most"),
        ({"commission_rate": "-1"}, "commission_rate", "from 0 to 100"),
        ({"commission_fixed_fee": "0.301"}, "commission_fixed_fee", "Write the fee like 0.30."),
        ({"commission_fixed_fee": "-1"}, "commission_fixed_fee", "The fixed fee cannot be negative."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_writes_nothing(client, changes, field, message):
    make_storefront(code="taken", hosts=["taken.test"])
    client.force_login(manager())
    before = snapshot()
    response = client.post(NEW, valid(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in " ".join(errors[field]), errors
    html = response.content.decode()
    assert "Nothing was saved" in html and 'class="field has-error"' in html
    assert snapshot() == before


def test_a_code_or_a_host_of_another_storefront_is_refused_on_its_field(client):
    make_storefront(code="taken", hosts=["taken.test"])
    client.force_login(manager())
    before = snapshot()
    response = client.post(NEW, valid(code="taken", hosts="new.test\ntaken.test"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["code"] == ["Another storefront has this code."]
    assert errors["hosts"] == ["Already routed to another storefront: taken.test."]
    assert snapshot() == before


def test_the_preview_button_shows_the_colours_without_saving(client):
    client.force_login(manager())
    before = snapshot()
    response = client.post(NEW, {**valid(colour_primary="#7a1f5c"), "preview": "1"})
    assert response.status_code == 200
    assert response.context["preview"]["colour_primary"] == "#7a1f5c"
    assert ".theme-preview{" in response.content.decode() and "#7a1f5c" in response.content.decode()
    assert snapshot() == before


# -- its settings ------------------------------------------------------------------------------


def test_the_settings_of_an_open_storefront_change_at_once_and_its_currency_stays(client, shop):
    storefront = shop.storefront
    StorefrontHost.objects.create(storefront=storefront, host="old.test", is_primary=True)
    kept = make_category("Kept")
    assert storefront_id_for_host("old.test") == storefront.pk  # cached now
    assert storefront_id_for_host("new.test") is None  # cached as unknown
    client.force_login(manager())
    page = client.get(url(storefront))
    assert page.context["form"]["currency"].field.disabled
    data = valid(code=None, name="Renamed", currency="GBP", hosts="new.test", colour_accent="#2e7d32",
                 commission_rate="8", commission_fixed_fee="", commission_on_shipping=None)  # fmt: skip
    response = client.post(url(storefront), {**data, "catalog_scope": [kept.pk]})
    assert response.status_code == 302, response.context["form"].errors
    storefront.refresh_from_db()
    assert (storefront.name, storefront.currency, storefront.colour_accent) == ("Renamed", "EUR", "#2e7d32")
    assert list(storefront.hosts.values_list("host", "is_primary")) == [("new.test", True)]
    assert list(storefront.catalog_scope.all()) == [kept]
    plan = CommissionPlan.objects.get(storefront=storefront)
    assert (plan.rate_bp, plan.fixed_fee_minor, plan.on_shipping) == (800, 0, False)
    assert storefront_id_for_host("new.test") == storefront.pk  # routed at once
    assert storefront_id_for_host("old.test") is None  # and the old host no more
    # Bad input on an existing storefront: shown, nothing written.
    before = snapshot()
    response = client.post(url(storefront), valid(code=None, name="", hosts="bad host"))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "hosts"}
    assert snapshot() == before


def test_the_currency_of_a_draft_can_change(client):
    draft = make_storefront(open_=False)
    client.force_login(manager())
    response = client.post(url(draft), valid(code=None, currency="CHF", hosts=""))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.currency == "CHF"


# -- its closure -------------------------------------------------------------------------------


@pytest.fixture
def market(shop):
    """The shop with one placed order (two seller orders), and seller A also on another storefront."""
    other = make_storefront(name="Marcopoly")
    shop.seller_a.admissions.create(storefront=other, status="admitted")
    order = _place_order(shop)
    search_reindex()
    return SimpleNamespace(shop=shop, storefront=shop.storefront, other=other, order=order)


def test_the_closure_first_says_what_will_happen_then_is_announced(client, market):
    storefront = market.storefront
    client.force_login(manager())
    page = client.get(url(storefront, "close/"))
    assert page.status_code == 200 and 'name="closing_on"' in page.content.decode()
    before = snapshot()
    data = {"closing_on": in_a_week().isoformat(), "reason": "Portfolio review: the site closes."}
    confirm = client.post(url(storefront, "close/"), data)
    assert confirm.status_code == 200
    preview = confirm.context["preview"]
    assert (preview.open_seller_orders, preview.sellers_told, preview.customers_told) == (2, 2, 1)
    assert (preview.products_listed, preview.offers_listed) == (3, 3)
    assert [(s.name, s.storefronts) for s in preview.sellers_elsewhere] == [
        (market.shop.seller_a.display_name, ["Marcopoly"])
    ]
    assert preview.last_selling_day == in_a_week() - timedelta(days=1)
    html = confirm.content.decode()
    expected = [
        "2 open seller orders go on", "2 sellers are told", "1 customer with an open order",
        "3 offers (3 products) stop being listed", "Marcopoly", 'name="confirm" value="on"',
    ]  # fmt: skip
    for words in expected:
        assert words in html, words
    assert snapshot() == before  # the confirmation writes nothing
    response = client.post(url(storefront, "close/"), {**data, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url(storefront, "closure/")
    storefront.refresh_from_db()
    assert storefront.status == Storefront.Status.CLOSING
    assert (storefront.closing_on, storefront.closure_reason) == (in_a_week(), data["reason"])
    assert OutboxEvent.objects.filter(topic="storefront.closure_announced").count() == 1
    market.other.refresh_from_db()
    assert market.other.status == Storefront.Status.OPEN  # the other storefront is untouched


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"closing_on": "2020-01-01", "reason": "x"},
            "closing_on",
            "The closing date cannot be in the past.",
        ),
        ({"closing_on": "tomorrow", "reason": "x"}, "closing_on", "Enter a valid date."),
        ({"reason": "x"}, "closing_on", "This field is required."),
        ({"closing_on": "IN_A_WEEK", "reason": "   "}, "reason", "This field is required."),
    ],
)
def test_a_bad_closure_is_refused_on_its_field_and_changes_nothing(client, market, data, field, message):
    data = {k: in_a_week().isoformat() if v == "IN_A_WEEK" else v for k, v in data.items()}
    client.force_login(manager())
    before = snapshot()
    for confirmed in ({}, {"confirm": "on"}):
        response = client.post(url(market.storefront, "close/"), {**data, **confirmed})
        assert response.status_code == 400
        assert message in " ".join(response.context["form"].errors[field])
        assert message in response.content.decode().replace("&#x27;", "'")
    assert snapshot() == before


def test_only_an_open_storefront_can_be_announced_for_closure(client, market):
    draft = make_storefront(open_=False)
    client.force_login(manager())
    before = snapshot()
    data = {"closing_on": in_a_week().isoformat(), "reason": "x", "confirm": "on"}
    response = client.post(url(draft, "close/"), data)
    assert response.status_code == 400
    assert "Only an open storefront can be announced for closure." in response.content.decode()
    assert snapshot() == before
    assert "only while it is open" in client.get(url(draft, "close/")).content.decode()


def test_a_closing_storefront_is_reopened_at_once(client, market):
    storefront = market.storefront
    storefront_closure_announce(storefront_id=storefront.pk, closing_on=in_a_week(), reason="Sold", by=None)
    client.force_login(manager())
    page = client.get(url(storefront))
    assert "Cancel the closure and re-open" in page.content.decode()
    assert "already announced" in client.get(url(storefront, "close/")).content.decode()
    response = client.post(url(storefront, "reopen/"), {"reason": "Bought back"})
    assert response.status_code == 302
    storefront.refresh_from_db()
    assert (storefront.status, storefront.closing_on, storefront.closure_reason) == ("open", None, "")
    # Re-opening an open storefront is a retried request; a draft cannot be re-opened.
    draft = make_storefront(open_=False)
    before = snapshot()
    response = client.post(url(draft, "reopen/"), follow=True)
    assert "Only a storefront announced for closure can be re-opened." in response.content.decode()
    assert snapshot() == before


# -- the closure report ------------------------------------------------------------------------


def _blockers(monkeypatch, found: ClosureBlockers) -> None:
    monkeypatch.setattr(report_module, "closure_blockers", lambda *, storefront_id: found)


def test_the_report_lists_what_happened_since_the_decision_and_what_still_blocks(client, market):
    storefront = market.storefront
    parts = market.order.seller_orders.all()
    storefront_closure_announce(storefront_id=storefront.pk, closing_on=in_a_week(), reason="Sold", by=None)
    client.force_login(manager())
    page = client.get(url(storefront, "closure/"))
    assert page.status_code == 200
    report = page.context["report"]
    assert {so.pk for so in report.orders} == {so.pk for so in parts}
    assert report.blockers.open_seller_orders == 2 and not report.can_finish
    html = page.content.decode()
    assert "Still open" in html and "Close for good" not in html
    assert "2 open seller orders" in html
    for part in parts:  # the blocking orders are named
        assert part.number in html
    only_open = client.get(url(storefront, "closure/") + "?open=1")
    assert len(only_open.context["report"].orders) == 2


def test_every_kind_of_blocker_is_said(client, market, monkeypatch):
    storefront = market.storefront
    storefront_closure_announce(storefront_id=storefront.pk, closing_on=in_a_week(), reason="Sold", by=None)
    found = ClosureBlockers(
        open_seller_orders=2, pending_refunds=1, withdrawal_open=3, payments_unsettled=1,
        held_minor={"EUR": 12345}, ledger_balanced=False, debts_minor={"EUR": 500},
        details={"sellers_in_debt": [{"seller_id": market.shop.seller_b.pk, "currency": "EUR", "debt": 500}]},
    )  # fmt: skip
    _blockers(monkeypatch, found)
    client.force_login(manager())
    html = client.get(url(storefront, "closure/")).content.decode()
    for words in ("2 open seller orders", "1 refund not settled", "3 delivered orders still in their",
                  "1 payment not settled", "€123.45 still held", "The ledger does not balance",
                  "not blocking", market.shop.seller_b.display_name):  # fmt: skip
        assert words in html, words


def test_an_empty_storefront_ends_green_and_is_closed_for_good_from_the_report(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "gone.test"]
    storefront = make_storefront(name="Clust", hosts=["gone.test"])
    make_storefront(name="Top Achat")  # the closed page links the operator's other storefronts
    storefront_closure_announce(
        storefront_id=storefront.pk, closing_on=timezone.localdate(), reason="Sold", by=None
    )
    client.force_login(manager())
    html = client.get(url(storefront, "closure/")).content.decode()
    assert "Nothing is left open" in html and "0 open seller orders" in html and "The ledger balances" in html
    assert "Close for good" in html and url(storefront, "closure/finish/") in html
    response = client.post(url(storefront, "closure/finish/"), follow=True)
    assert "Closed for good" in response.content.decode()
    storefront.refresh_from_db()
    assert storefront.status == Storefront.Status.CLOSED and storefront.closed_at is not None
    page = client.get(url(storefront, "closure/")).content.decode()  # still readable
    assert "Nothing is left open" in page and "Close for good</button>" not in page
    client.logout()
    assert client.get("/", HTTP_HOST="gone.test").status_code == 410


def test_closing_for_good_while_something_is_open_is_refused_and_changes_nothing(client, market):
    storefront = market.storefront
    storefront_closure_announce(
        storefront_id=storefront.pk, closing_on=timezone.localdate(), reason="Sold", by=None
    )
    client.force_login(manager())
    before = snapshot()
    response = client.post(url(storefront, "closure/finish/"), follow=True)
    assert "cannot be closed yet" in response.content.decode()
    assert snapshot() == before


def test_the_report_pages_its_lists_by_keyset(client, market, monkeypatch):
    storefront = market.storefront
    storefront_closure_announce(storefront_id=storefront.pk, closing_on=in_a_week(), reason="Sold", by=None)
    _blockers(monkeypatch, ClosureBlockers(open_seller_orders=2))
    monkeypatch.setattr(report_module, "PAGE", 1)
    client.force_login(manager())
    first = client.get(url(storefront, "closure/")).context["report"]
    assert len(first.orders) == 1 and first.more_orders
    second = client.get(url(storefront, "closure/") + f"?orders_after={first.orders_next}").context["report"]
    assert len(second.orders) == 1 and not second.more_orders
    assert {first.orders[0].pk, second.orders[0].pk} == set(
        SellerOrder.objects.filter(order=market.order).values_list("pk", flat=True)
    )
    assert client.get(url(storefront, "closure/") + "?orders_after=junk").status_code == 200


def test_the_report_csv_streams_every_row_since_the_decision(client, market, monkeypatch):
    storefront = market.storefront
    storefront_closure_announce(storefront_id=storefront.pk, closing_on=in_a_week(), reason="Sold", by=None)
    client.force_login(manager())
    response = client.get(url(storefront, "closure.csv"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="closure-{storefront.code}.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    numbers = set(SellerOrder.objects.filter(order=market.order).values_list("number", flat=True))
    assert {r["reference"] for r in rows if r["kind"] == "seller_order"} == numbers
    assert all(r["order"] == market.order.number and r["currency"] == "EUR" for r in rows)


def test_no_report_before_a_closure_is_announced(client, market):
    client.force_login(manager())
    page = client.get(url(market.storefront, "closure/"))
    assert page.status_code == 200 and page.context["report"].blockers is None
    assert "No closure is announced" in page.content.decode()
    text = b"".join(client.get(url(market.storefront, "closure.csv")).streaming_content).decode()
    assert text.strip("\ufeff\r\n") == "kind,reference,order,seller,status,amount,refunded,currency,at"


def test_an_unknown_storefront_is_a_404(client):
    client.force_login(manager())
    for tail in ("", "close/", "closure/", "closure.csv"):
        assert client.get(f"/back-office/storefronts/999999/{tail}").status_code == 404
    assert client.post("/back-office/storefronts/999999/open/").status_code == 404


# -- in French ---------------------------------------------------------------------------------


def test_the_storefront_pages_are_wholly_french(client, market, monkeypatch, translated_msgids):
    storefront = market.storefront
    client.force_login(manager())
    fr = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    data = {"closing_on": in_a_week().isoformat(), "reason": "Revue du portefeuille"}
    pages = {
        "list": client.get(LIST, **fr),
        "new": client.post(NEW, valid(code="", hosts="http://x/", commission_fixed_fee="x"), **fr),
        "detail": client.get(url(storefront), **fr),
        "confirm": client.post(url(storefront, "close/"), data, **fr),
        "refused": client.post(url(storefront, "close/"), {"closing_on": "2020-01-01", "reason": ""}, **fr),
    }
    storefront_closure_announce(storefront_id=storefront.pk, closing_on=in_a_week(), reason="Vendu", by=None)
    pages["closing"] = client.get(url(storefront), **fr)
    _blockers(monkeypatch, ClosureBlockers(open_seller_orders=2, pending_refunds=1, withdrawal_open=1,
                                           held_minor={"EUR": 990}, ledger_balanced=False,
                                           payments_unsettled=1))  # fmt: skip
    pages["blocked"] = client.get(url(storefront, "closure/"), **fr)
    _blockers(monkeypatch, ClosureBlockers())
    pages["green"] = client.get(url(storefront, "closure/"), **fr)
    assert "Plus rien n’est en cours" in pages["green"].content.decode()
    assert "2 commandes vendeur" in pages["blocked"].content.decode()
    english = {
        name: found
        for name, response in pages.items()
        if (found := _english(response.content.decode(), translated_msgids))
    }
    assert not english, english


@settings_hypothesis(max_examples=200, deadline=None)
@given(bp=st.integers(min_value=0, max_value=10000), comma=st.booleans(), fee=st.integers(0, 10**7))
def test_a_rate_and_a_fee_written_either_way_are_read_exactly(bp, comma, fee):
    rate = f"{bp // 100}.{bp % 100:02d}".rstrip("0").rstrip(".") if bp % 100 else str(bp // 100)
    fee_text = f"{fee // 100}.{fee % 100:02d}"
    if comma:
        rate, fee_text = rate.replace(".", ","), fee_text.replace(".", ",")
    form = StorefrontForm(valid(code="x", hosts="", commission_rate=rate, commission_fixed_fee=fee_text))
    form.fields["catalog_scope"].queryset = form.fields["catalog_scope"].queryset.none()
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["commission_rate"], form.cleaned_data["commission_fixed_fee_minor"]) == (
        bp,
        fee,
    )


def test_the_report_and_the_confirmation_ask_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    from tests.storefronts.closure_world import make_world, place, work

    world = make_world()
    place(world.closing, world.book, world.lamp)
    work()
    client.force_login(manager())
    data = {"closing_on": in_a_week().isoformat(), "reason": "Sold"}
    with django_assert_max_num_queries(40) as first_confirm:
        client.post(url(world.closing, "close/"), data)
    storefront_closure_announce(storefront_id=world.closing.pk, closing_on=in_a_week(), reason="Sold")
    with django_assert_max_num_queries(60) as first_report:
        client.get(url(world.closing, "closure/"))
    for _ in range(4):
        place(world.closing, world.book, world.lamp)
    work()
    with django_assert_max_num_queries(len(first_report.captured_queries)):
        page = client.get(url(world.closing, "closure/"))
    assert len(page.context["report"].orders) == 10
    Storefront.objects.filter(pk=world.closing.pk).update(status="open", closure_announced_at=None)
    with django_assert_max_num_queries(len(first_confirm.captured_queries)):
        assert client.post(url(world.closing, "close/"), data).context["preview"].open_seller_orders == 10


def test_the_report_csv_shows_a_formula_like_seller_name_as_text(client, market):
    storefront = market.storefront
    Seller.objects.filter(pk=market.shop.seller_a.pk).update(display_name="@SUM(1+1)*cmd|' /C calc'!A0")
    storefront_closure_announce(storefront_id=storefront.pk, closing_on=in_a_week(), reason="Sold", by=None)
    client.force_login(manager())
    text = b"".join(client.get(url(storefront, "closure.csv")).streaming_content).decode().lstrip("\ufeff")
    sellers = {r["seller"] for r in csv.DictReader(io.StringIO(text)) if r["kind"] == "seller_order"}
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in sellers and "@SUM(1+1)*cmd|' /C calc'!A0" not in sellers
