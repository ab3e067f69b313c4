"""The seller area's offers: list, search, inline edit (htmx and plain), find a product, new offer."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galerie.core.actors import System
from galerie.core.models import OutboxEvent
from galerie.core.money import Money
from galerie.offers.models import Offer, OfferChange, PriceHistory
from galerie.offers.services import (
    offer_price_set,
    offer_status_set,
    offer_stock_set,
    offers_stock_release,
    offers_stock_take,
)
from galerie.sellers.models import SellerMember
from tests.factories import (
    TESTS,
    gtin13,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_user,
    make_variant,
)
from tests.web.portal_data import member

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
OFFERS = "/sell/offers/"
Role = SellerMember.Role


@pytest.fixture
def shop():
    books = make_category("Books")
    storefront = make_storefront(scope=[books], name="Page et Plume")
    seller = make_seller(storefronts=[storefront])
    other = make_seller(storefronts=[storefront])
    novel = make_variant(product=make_product(category=books, title="Le Tour du monde en 80 jours"))
    atlas = make_variant(product=make_product(category=books, title="Atlas of Remote Islands"))
    offer = make_offer(seller=seller, variant=novel, price_minor=1990, stock=5, seller_sku="VERNE-80")
    theirs = make_offer(seller=other, variant=atlas, price_minor=4500, stock=3, seller_sku="THEIR-SKU")
    return {
        "storefront": storefront,
        "books": books,
        "seller": seller,
        "other": other,
        "novel": novel,
        "atlas": atlas,
        "offer": offer,
        "theirs": theirs,
        "owner": member(seller),
        "manager": member(seller, Role.MANAGER),
        "clerk": member(seller, Role.SHIPPING_CLERK),
        "other_owner": member(other),
    }


def _state(offer: Offer) -> tuple:
    offer.refresh_from_db()
    return offer.price_minor, offer.stock, offer.status, PriceHistory.objects.filter(offer=offer).count()


def row_url(offer: Offer) -> str:
    return reverse("seller_area:offer_row", kwargs={"offer_id": offer.pk})


def edit_url(offer: Offer) -> str:
    return reverse("seller_area:offer_edit_row", kwargs={"offer_id": offer.pk})


# --- the list -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_the_list_shows_the_sellers_offers_with_their_details_and_storefront_link(client, shop, role):
    client.force_login(shop[role])
    response = client.get(OFFERS)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Le Tour du monde en 80 jours",
        shop["novel"].gtin,
        "VERNE-80",
        "New",
        "19.90",
        ">5<",
        "Active",
    ):
        assert text in html, text
    assert f"/s/{shop['storefront'].code}/p/{shop['novel'].product.slug}/?v={shop['novel'].uuid.hex}" in html
    assert "THEIR-SKU" not in html and "Atlas of Remote Islands" not in html
    assert edit_url(shop["offer"]) in html


def test_a_shipping_clerk_may_not_see_offers(client, shop):
    client.force_login(shop["clerk"])
    for url in (OFFERS, row_url(shop["offer"]), edit_url(shop["offer"]), "/sell/offers/new/"):
        assert client.get(url).status_code == 403, url
    before = _state(shop["offer"])
    response = client.post(
        row_url(shop["offer"]), {"price": "1,00", "stock": "0", "status": "active"}, **HTMX
    )
    assert response.status_code == 403
    assert _state(shop["offer"]) == before


def test_anonymous_visitors_are_sent_to_sign_in(client, shop):
    response = client.get(OFFERS)
    assert response.status_code == 302 and response["Location"].startswith("/sell/login/")


def test_search_and_filters(client, shop):
    seller = shop["seller"]
    low = make_offer(seller=seller, variant=shop["atlas"], stock=1, seller_sku="ATL-LOW")
    client.force_login(shop["owner"])
    html = client.get(OFFERS, {"q": "atlas"}).content.decode()
    assert "ATL-LOW" in html and "VERNE-80" not in html
    html = client.get(OFFERS, {"q": shop["novel"].gtin}).content.decode()
    assert "VERNE-80" in html and "ATL-LOW" not in html
    html = client.get(OFFERS, {"low_stock": "1"}).content.decode()
    assert "ATL-LOW" in html and "VERNE-80" not in html
    Offer.objects.filter(pk=low.pk).update(status="paused")
    html = client.get(OFFERS, {"status": "paused"}).content.decode()
    assert "ATL-LOW" in html and "VERNE-80" not in html
    assert "No offer matches" in client.get(OFFERS, {"q": "zzz"}).content.decode()


def test_the_list_pages_by_keyset_and_its_query_count_is_fixed(client, shop, django_assert_max_num_queries):
    client.force_login(shop["owner"])
    client.get(OFFERS)  # warm up: the first request of a session reads more
    with CaptureQueriesContext(connection) as one:
        client.get(OFFERS)
    for _ in range(60):
        make_offer(seller=shop["seller"], variant=make_variant(product=make_product(category=shop["books"])))
    with CaptureQueriesContext(connection) as many:
        response = client.get(OFFERS)
    assert len(many) == len(one)
    with django_assert_max_num_queries(10):
        client.get(OFFERS)
    html = response.content.decode()
    assert 'rel="next"' in html and "after=" in html
    newest = Offer.objects.filter(seller=shop["seller"]).order_by("-id")
    next_page = client.get(OFFERS, {"after": newest[49].pk}).content.decode()
    assert f'id="offer-{newest[50].pk}"' in next_page and f'id="offer-{newest[49].pk}"' not in next_page
    assert client.get(OFFERS, {"after": "x'; drop"}).status_code == 200


# --- the inline edit ------------------------------------------------------------------------


def test_edit_returns_the_row_as_a_form_and_cancel_the_read_only_row(client, shop):
    client.force_login(shop["manager"])
    response = client.get(edit_url(shop["offer"]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<tr")
    assert 'name="price"' in html and 'value="19.90"' in html and 'name="stock"' in html
    assert f'form="offer-{shop["offer"].pk}-form"' in html and "csrfmiddlewaretoken" in html
    response = client.get(row_url(shop["offer"]), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and 'name="price"' not in html and "19.90" in html


@pytest.mark.parametrize("typed", ["12,90", "12.90", " 12,9 "])
def test_saving_a_row_sets_price_and_stock_and_appends_the_price_history(client, shop, typed):
    offer = shop["offer"]
    client.force_login(shop["owner"])
    response = client.post(row_url(offer), {"price": typed, "stock": "7", "status": "active"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and 'name="price"' not in html
    assert "12.90" in html and ">7<" in html and "Offer saved." in html
    assert _state(offer) == (1290, 7, "active", 2)
    assert list(PriceHistory.objects.filter(offer=offer).values_list("price_minor", flat=True)) == [
        1990,
        1290,
    ]
    topics = list(OutboxEvent.objects.filter(topic__startswith="offer.").values_list("topic", flat=True))
    assert "offer.price_changed" in topics and "offer.stock_changed" in topics


def test_saving_the_same_price_appends_no_history(client, shop):
    client.force_login(shop["owner"])
    client.post(row_url(shop["offer"]), {"price": "19.90", "stock": "2", "status": "paused"}, **HTMX)
    assert _state(shop["offer"]) == (1990, 2, "paused", 1)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"price": "abc", "stock": "3"}, "price", "is not an amount"),
        ({"price": "12.345", "stock": "3"}, "price", "is not an amount"),
        ({"price": "0", "stock": "3"}, "price", "more than zero"),
        ({"price": "-5", "stock": "3"}, "price", "more than zero"),
        ({"price": "1e3", "stock": "3"}, "price", ""),
        ({"price": "", "stock": "3"}, "price", "required"),
        ({"price": "12,90", "stock": "3.5"}, "stock", "is not a whole number"),
        ({"price": "12,90", "stock": "-1"}, "stock", "is not a whole number"),
        ({"price": "12,90", "stock": "lots"}, "stock", "is not a whole number"),
        ({"price": "12,90", "stock": "3", "status": "sold"}, "status", "not one of the available choices"),
    ],
)
def test_bad_input_comes_back_in_the_row_and_changes_nothing(client, shop, data, field, message):
    offer = shop["offer"]
    before = _state(offer)
    client.force_login(shop["owner"])
    response = client.post(row_url(offer), {"status": "active", **data}, **HTMX)
    html = response.content.decode()
    if field == "price" and data["price"] == "1e3":  # Decimal reads it; 1000.00 is a price
        assert _state(offer)[0] == 100000
        return
    assert response.status_code == 200  # htmx swaps 200 responses only
    assert html.lstrip().startswith("<tr") and 'class="errorlist"' in html
    assert message in html
    assert f'name="{field}"' in html and 'aria-invalid="true"' in html
    assert _state(offer) == before


def test_without_htmx_saving_redirects_to_the_list_with_a_message(client, shop):
    client.force_login(shop["owner"])
    response = client.post(row_url(shop["offer"]), {"price": "9,99", "stock": "1", "status": "active"})
    assert response.status_code == 302 and response["Location"] == OFFERS
    assert "Offer saved." in client.get(OFFERS).content.decode()
    assert _state(shop["offer"])[:2] == (999, 1)
    # Without htmx the row pages are whole pages, and an error shows the form again.
    assert "<html" in client.get(edit_url(shop["offer"])).content.decode()
    response = client.post(row_url(shop["offer"]), {"price": "x", "stock": "1", "status": "active"})
    assert response.status_code == 400 and "is not an amount" in response.content.decode()
    assert _state(shop["offer"])[:2] == (999, 1)


def test_pause_and_resume(client, shop):
    client.force_login(shop["owner"])
    response = client.post(row_url(shop["offer"]), {"action": "pause"}, **HTMX)
    assert "Paused" in response.content.decode() and _state(shop["offer"])[2] == "paused"
    client.post(row_url(shop["offer"]), {"action": "resume"}, **HTMX)
    assert _state(shop["offer"])[2] == "active"


def test_another_sellers_offer_is_a_404_and_stays_unchanged(client, shop):
    theirs = shop["theirs"]
    before = _state(theirs)
    client.force_login(shop["owner"])
    assert client.get(row_url(theirs), **HTMX).status_code == 404
    assert client.get(edit_url(theirs), **HTMX).status_code == 404
    for data in ({"price": "1,00", "stock": "0", "status": "closed"}, {"action": "pause"}):
        response = client.post(row_url(theirs), data, **HTMX)
        assert response.status_code == 404
        assert "THEIR-SKU" not in response.content.decode()
    assert _state(theirs) == before


# --- find a product and put it on sale ------------------------------------------------------


def test_find_by_gtin_validates_the_check_digit(client, shop):
    client.force_login(shop["owner"])
    good = shop["atlas"].gtin
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    html = client.get("/sell/offers/new/", {"q": wrong}).content.decode()
    assert "is not a valid GTIN" in html and "check digit" in html and 'class="errorlist"' in html
    html = client.get("/sell/offers/new/", {"q": good}).content.decode()
    assert "Atlas of Remote Islands" in html
    assert reverse("seller_area:offer_new", kwargs={"variant_id": shop["atlas"].pk}) in html
    html = client.get("/sell/offers/new/", {"q": gtin13()}).content.decode()
    assert "has the GTIN" in html and reverse("seller_area:proposal_new") in html


def test_find_by_name_marks_the_variants_the_seller_already_sells(client, shop):
    client.force_login(shop["owner"])
    html = client.get("/sell/offers/new/", {"q": "TOUR DU MONDE"}).content.decode()
    assert "Le Tour du monde en 80 jours" in html and "You sell it" in html
    assert "Atlas" not in html
    html = client.get("/sell/offers/new/", {"q": "atlas"}).content.decode()
    assert "Atlas of Remote Islands" in html and "You sell it" not in html  # seller B's, not ours


def test_a_new_offer_is_created_and_the_seller_sent_to_the_list(client, shop):
    client.force_login(shop["manager"])
    url = reverse("seller_area:offer_new", kwargs={"variant_id": shop["atlas"].pk})
    page = client.get(url)
    assert page.status_code == 200 and "Atlas of Remote Islands" in page.content.decode()
    response = client.post(
        url,
        {
            "condition": "like_new",
            "price": "24,50",
            "stock": "4",
            "lead_time_days": "3",
            "seller_sku": "ATL-2",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{OFFERS}?q={shop['atlas'].gtin}"
    offer = Offer.objects.get(seller=shop["seller"], variant=shop["atlas"])
    assert (offer.condition, offer.price_minor, offer.stock, offer.lead_time_days, offer.seller_sku) == (
        "like_new",
        2450,
        4,
        3,
        "ATL-2",
    )
    assert PriceHistory.objects.filter(offer=offer).count() == 1
    html = client.get(response["Location"]).content.decode()
    assert "Your offer is on sale." in html and f"/s/{shop['storefront'].code}/p/" in html


def test_a_duplicate_offer_is_a_clear_form_error(client, shop):
    client.force_login(shop["owner"])
    url = reverse("seller_area:offer_new", kwargs={"variant_id": shop["novel"].pk})
    before = Offer.objects.count()
    response = client.post(url, {"condition": "new", "price": "10", "stock": "1", "lead_time_days": "2"})
    assert response.status_code == 400
    assert "You already sell this product in this condition" in response.content.decode()
    assert Offer.objects.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"price": "0", "stock": "1", "lead_time_days": "2"}, "more than zero"),
        ({"price": "5", "stock": "1", "lead_time_days": "400"}, "from 0 to 365"),
        ({"price": "5", "stock": "-2", "lead_time_days": "2"}, "is not a whole number"),
    ],
)
def test_bad_new_offers_change_nothing(client, shop, data, message):
    client.force_login(shop["owner"])
    url = reverse("seller_area:offer_new", kwargs={"variant_id": shop["atlas"].pk})
    before = Offer.objects.count()
    response = client.post(url, {"condition": "new", **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert Offer.objects.count() == before


def test_a_variant_outside_the_sellers_storefronts_is_a_404(client, shop):
    client.force_login(shop["owner"])
    outside = make_variant(product=make_product(category=make_category("Garden")))
    url = reverse("seller_area:offer_new", kwargs={"variant_id": outside.pk})
    assert client.get(url).status_code == 404
    before = Offer.objects.count()
    assert (
        client.post(url, {"condition": "new", "price": "5", "stock": "1", "lead_time_days": "1"}).status_code
        == 404
    )
    assert Offer.objects.count() == before


def test_a_member_of_two_shops_lists_offers_for_the_current_one_only(client, shop):
    second_shop = make_seller(storefronts=[shop["storefront"]], display_name="Zeta Books")
    member(second_shop, user=shop["owner"])
    make_offer(seller=second_shop, variant=shop["atlas"], seller_sku="ZETA-SKU")
    client.force_login(shop["owner"])
    assert "ZETA-SKU" not in client.get(OFFERS).content.decode()
    client.post("/sell/switch/", {"slug": second_shop.slug})
    html = client.get(OFFERS).content.decode()
    assert "ZETA-SKU" in html and "VERNE-80" not in html
    # The first shop's offer is now "another seller's" offer.
    assert client.get(edit_url(shop["offer"]), **HTMX).status_code == 404


# --- formula SKUs, a SKU for an offer without one, GTIN spellings -------------------------------------


@pytest.mark.parametrize("sku", ["=HYPERLINK(1)", "-2+3+cmd", "@A1"])
def test_a_new_offer_with_a_formula_sku_is_refused(client, shop, sku):
    client.force_login(shop["owner"])
    url = reverse("seller_area:offer_new", kwargs={"variant_id": shop["atlas"].pk})
    before = Offer.objects.count()
    data = {"condition": "new", "price": "5", "stock": "1", "lead_time_days": "2", "seller_sku": sku}
    response = client.post(url, data)
    assert (
        response.status_code == 400 and "a spreadsheet would run it as a formula" in response.content.decode()
    )
    assert Offer.objects.count() == before


def test_an_offer_without_a_sku_gets_one_from_its_row_and_then_keeps_it(client, shop):
    client.force_login(shop["owner"])
    offer = make_offer(seller=shop["seller"], variant=shop["atlas"], price_minor=900, stock=1)
    assert 'name="seller_sku"' in client.get(edit_url(offer), **HTMX).content.decode()
    assert 'name="seller_sku"' not in client.get(edit_url(shop["offer"]), **HTMX).content.decode()
    data = {"price": "9", "stock": "1", "status": "active"}
    response = client.post(row_url(offer), {**data, "seller_sku": "=cmd"}, **HTMX)
    assert "a spreadsheet would run it as a formula" in response.content.decode()
    response = client.post(row_url(offer), {**data, "seller_sku": "VERNE-80"}, **HTMX)
    assert "Another of your offers has the SKU" in response.content.decode()
    offer.refresh_from_db()
    assert offer.seller_sku == ""
    response = client.post(row_url(offer), {**data, "seller_sku": "ATLAS-1"}, **HTMX)
    assert "ATLAS-1" in response.content.decode()
    offer.refresh_from_db()
    assert offer.seller_sku == "ATLAS-1"
    assert OutboxEvent.objects.filter(topic="offer.sku_set", payload__offer_id=offer.pk).count() == 1


@pytest.mark.parametrize("typed", ["0860013870508", "'0860013870508", "860013870508", "00860013870508"])
def test_a_upc_in_the_catalog_is_found_from_any_spelling(client, shop, typed):
    variant = make_variant(
        product=make_product(category=shop["books"], title="Imported UPC"), gtin="860013870508"
    )
    client.force_login(shop["owner"])
    html = client.get("/sell/offers/new/", {"q": typed}).content.decode()
    assert "Imported UPC" in html
    make_offer(seller=shop["seller"], variant=variant)
    html = client.get(OFFERS, {"q": typed}).content.decode()
    assert "Imported UPC" in html and "Le Tour du monde" not in html


def test_a_product_outside_the_sellers_storefronts_is_refused_by_the_page_as_by_an_import(client, shop):
    games = make_category("Games")
    make_storefront(scope=[games], name="Games only")
    game = make_variant(product=make_product(category=games, title="Foreign game"))
    client.force_login(shop["owner"])
    response = client.get(reverse("seller_area:offer_new", kwargs={"variant_id": game.pk}))
    assert response.status_code == 404


# --- the offer's history, its statuses, who may change it ----------------------------------


def test_the_offer_page_shows_its_history_newest_first_with_who_and_why(client, shop):
    offer = shop["offer"]
    offer_price_set(offer_id=offer.pk, price=Money(1790, "EUR"), by=shop["manager"], reason="spring sale")
    offer_stock_set(offer_id=offer.pk, stock=2, by=shop["owner"])
    client.force_login(shop["owner"])
    html = client.get(row_url(offer)).content.decode()
    history = html[html.index('id="offer-history-title"') :]
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", history, re.S)]
    # When, what, from, to, by, why: the stock change first, then the price, then the creation.
    assert cells[1:6] == ["Stock", "5", "2", shop["owner"].email, "—"]
    assert cells[7:12] == ["Price", "€19.90", "€17.90", shop["manager"].email, "spring sale"]
    assert cells[13:18] == ["Listed", "—", "Active", "Galerie", "—"]


def test_a_refused_status_move_is_told_in_the_seller_s_language_with_the_statuses_labels(client, shop):
    offer = shop["offer"]
    offer_status_set(offer_id=offer.pk, status=Offer.Status.CLOSED, by=TESTS)
    client.force_login(shop["owner"])
    response = client.post(row_url(offer), {"action": "resume"}, HTTP_ACCEPT_LANGUAGE="fr", **HTMX)
    assert "Le statut ne peut pas passer de « Clôturée » à « Active » : « Clôturée » est définitif." in (
        response.content.decode()
    )


def test_galerie_s_own_changes_read_in_the_seller_s_language(client, shop):
    offer = shop["offer"]
    offers_stock_take(lines={offer.pk: 2}, by=System("checkout"), reason=OfferChange.Reason.CHECKOUT)
    offers_stock_release(
        lines={offer.pk: 2}, by=System("checkout"), reason=OfferChange.Reason.CHECKOUT_RELEASED
    )
    client.force_login(shop["owner"])
    html = client.get(row_url(offer), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    history = html[html.index('id="offer-history-title"') :]
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", history, re.S)]
    assert cells[1:6] == ["Stock", "3", "5", "Galerie", "Commande non payée : stock rendu"]
    assert cells[7:12] == ["Stock", "5", "3", "Galerie", "Commande d’un client"]
    assert "checkout" not in history.lower()


def test_the_history_is_paged_by_keyset_and_its_query_count_is_fixed(
    client, shop, django_assert_max_num_queries
):
    offer = shop["offer"]
    client.force_login(shop["owner"])
    client.get(row_url(offer))  # warm up the session and the site caches
    with django_assert_max_num_queries(30) as few:
        client.get(row_url(offer))
    for stock in range(30):
        offer_stock_set(offer_id=offer.pk, stock=stock + 100, by=TESTS)
    with django_assert_max_num_queries(len(few)):
        html = client.get(row_url(offer)).content.decode()
    assert (
        html.count("<td>Stock</td>") == 20 and ">129<" in html and ">108<" not in html
    )  # 20 changes: 109 → 110 the oldest shown
    older = re.search(r'href="\?history_before=(\d+)"', html)
    assert older is not None
    html = client.get(f"{row_url(offer)}?history_before={older.group(1)}").content.decode()
    assert html.count("<td>Stock</td>") == 10 and "<td>Listed</td>" in html and "history_before=" not in html


def test_the_row_form_offers_only_the_statuses_the_offer_can_reach(client, shop):
    offer = shop["offer"]
    client.force_login(shop["owner"])
    html = client.get(edit_url(offer), **HTMX).content.decode()
    assert all(f'value="{s}"' in html for s in ("active", "paused", "closed"))
    offer_status_set(offer_id=offer.pk, status=Offer.Status.CLOSED, by=TESTS)
    html = client.get(edit_url(offer), **HTMX).content.decode()
    select = html[html.index('name="status"') : html.index("</select>")]
    assert 'value="closed"' in select and 'value="active"' not in select and 'value="paused"' not in select


@pytest.mark.parametrize("status", ["active", "paused"])
def test_a_crafted_post_cannot_reopen_a_closed_offer(client, shop, status):
    offer = shop["offer"]
    offer_status_set(offer_id=offer.pk, status=Offer.Status.CLOSED, by=TESTS)
    before = _state(offer)
    client.force_login(shop["owner"])
    response = client.post(row_url(offer), {"price": "19,90", "stock": "5", "status": status}, **HTMX)
    assert response.status_code == 200 and "not one of the available choices" in response.content.decode()
    response = client.post(row_url(offer), {"action": "resume"}, **HTMX)
    assert "cannot go from “Closed” to “Active”" in response.content.decode()
    assert _state(offer) == before
    assert not OfferChange.objects.filter(offer=offer, field="status", to_value=status).exists()


def test_a_shipping_clerk_cannot_change_a_price_from_the_page(client, shop):
    offer = shop["offer"]
    before = (_state(offer), OfferChange.objects.count())
    client.force_login(shop["clerk"])
    for data in ({"price": "1,00", "stock": "5", "status": "active"}, {"action": "pause"}):
        assert client.post(row_url(offer), data).status_code == 403
        assert client.post(row_url(offer), data, **HTMX).status_code == 403
    assert (_state(offer), OfferChange.objects.count()) == before


def test_the_admin_shows_the_history_and_does_not_edit_offers(client, shop):
    offer = shop["offer"]
    offer_price_set(offer_id=offer.pk, price=Money(1500, "EUR"), by=shop["owner"], reason="clearance")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = reverse("admin:offers_offer_change", args=[offer.pk])
    html = client.get(url).content.decode()
    assert "clearance" in html and shop["owner"].email in html and 'name="price_minor"' not in html
    assert 'name="stock"' not in html and 'name="status"' not in html
    client.post(url, {"price_minor": "1", "stock": "0", "status": "closed"})
    assert _state(offer)[:3] == (1500, 5, "active")
    changes = reverse("admin:offers_offerchange_changelist") + f"?offer__id__exact={offer.pk}"
    response = client.get(changes)
    assert response.status_code == 200 and "clearance" in response.content.decode()
