"""A storefront's closure, rule by rule (SQLite; the whole story on PostgreSQL is
test_closure_pg.py): the banner and e-mails, no sale from the date (cart, checkout, listings,
sitemaps, cached pages), what blocks the end, the final payouts, the 410 of a closed storefront,
the command."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from galerie.cart.models import CartLine
from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import jobs_autodiscover
from galerie.core.models import OutboxEvent
from galerie.core.money import Money
from galerie.ledger.closure import storefront_held_funds
from galerie.ledger.models import Payout
from galerie.ledger.payouts import payouts_run
from galerie.ledger.selectors import seller_position
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_accept, seller_order_deliver, seller_order_ship
from galerie.payments.services.refunds import payment_refund
from galerie.search.models import SearchEntry
from galerie.storefronts.closure import (
    closure_blockers,
    sells_on,
    storefront_closure_announce,
    storefront_closure_cancel,
    storefront_closure_finish,
    storefronts_sales_stop,
)
from galerie.storefronts.errors import ClosureBlocked, StorefrontNotSelling
from galerie.storefronts.models import Storefront
from tests.factories import make_storefront, make_user
from tests.storefronts.closure_world import ADDRESS, SUCCESS, make_world, noon, part, place, work

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = timezone.localdate


def announce(world, days: int = 0, reason: str = "Revue du portefeuille"):
    return storefront_closure_announce(
        storefront_id=world.closing.pk, closing_on=TODAY() + timedelta(days=days), reason=reason
    )


def deliver(order_part, owner, *, days_ago: int = 0) -> None:
    seller_order_accept(seller_order_id=order_part.pk, acting_user=owner)
    seller_order_ship(
        seller_order_id=order_part.pk, acting_user=owner, carrier="La Poste", tracking_number="T1"
    )
    seller_order_deliver(seller_order_id=order_part.pk, acting_user=owner)
    if days_ago:
        SellerOrder.objects.filter(pk=order_part.pk).update(
            delivered_at=timezone.now() - timedelta(days=days_ago)
        )


def stable(response) -> str:
    """A page's HTML without what differs per response (the CSP nonce, CSRF tokens)."""
    return re.sub(r'(nonce|value)="[^"]{20,}"', "", response.content.decode())


# --- the rule of the date ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "closing_in", "sells"),
    [
        ("open", None, True),
        ("closing", 1, True),
        ("closing", 0, False),
        ("closing", -3, False),
        ("closed", -3, False),
    ],
)
def test_a_storefront_sells_until_the_day_before_its_closing_date(status, closing_in, sells):
    storefront = Storefront(
        status=status, closing_on=None if closing_in is None else TODAY() + timedelta(closing_in)
    )
    assert sells_on(storefront) is sells
    assert sells_on(storefront, TODAY() + timedelta(days=(closing_in or 0) - 1)) is (status != "closed")


def test_a_closing_date_in_the_past_or_no_reason_is_refused_and_changes_nothing():
    world = make_world()
    with pytest.raises(Exception, match="past"):
        announce(world, days=-1)
    with pytest.raises(Exception, match="Say why"):
        announce(world, days=3, reason=" ")
    world.closing.refresh_from_db()
    assert (world.closing.status, world.closing.closing_on) == ("open", None)
    assert not OutboxEvent.objects.filter(topic__startswith="storefront.closure").exists()


# --- the announcement -------------------------------------------------------------------------


def test_the_announcement_shows_a_banner_in_french_on_every_page_and_e_mails_sellers_and_customers(
    smtp_inbox,
):
    world = make_world()
    order = place(world.closing, world.book, world.lamp)
    done_order = place(world.closing, world.book)
    work()
    deliver(part(done_order, world.seller_a), world.owner_a)
    other_order = place(world.other, world.book)  # on the other storefront: not told
    work()
    announce(world, days=10)
    work()

    client = Client()
    for path in ("", "c/" + world.lamp.variant.product.category.slug + "/", "p/lampe/", "cart/"):
        page = client.get(f"/s/alapage/{path}").content.decode()
        assert "Alapage ferme : les ventes s’arrêtent le" in page or "Alapage ferme" in page, path
        assert "closure-banner" in page
    assert "closure-banner" not in Client().get("/s/clust/").content.decode()

    sellers = {
        world.seller_a.email,
        world.seller_b.email,
        world.owner_a.email,
        world.owner_b.email,
        world.manager_b.email,
    }
    for address in sellers:
        [mail] = [m for m in smtp_inbox.to(address) if "ferme" in m["Subject"]]
        assert "Alapage ferme" in mail["Subject"] and "les ventes s’arrêtent" in mail["Subject"]
    assert not [m for m in smtp_inbox.to(world.clerk_b.email) if "ferme" in m["Subject"]]
    [mail] = [m for m in smtp_inbox.to(order.email) if "ferme" in m["Subject"]]  # open order: told
    assert "vos commandes continuent" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "commandes déjà passées sont honorées" in body
    assert not [m for m in smtp_inbox.to(done_order.email) if "ferme" in m["Subject"]]  # nothing open
    assert not [m for m in smtp_inbox.to(other_order.email) if "ferme" in m["Subject"]]

    storefront_closure_cancel(storefront_id=world.closing.pk)
    work()
    [notice] = [m for m in smtp_inbox.to(order.email) if "reste ouverte" in m["Subject"]]
    assert "Alapage" in notice["Subject"]
    assert "closure-banner" not in Client().get("/s/alapage/").content.decode()


# --- no sale from the date --------------------------------------------------------------------


def test_from_the_closing_date_the_cart_and_the_checkout_refuse_in_french_and_change_nothing():
    world = make_world()
    customer = make_user()
    cart = cart_add(
        storefront=world.closing, cart=None, customer=customer, offer_id=world.book.pk, quantity=1
    )
    announce(world, days=0)
    world.closing.refresh_from_db()
    lines = list(CartLine.objects.values_list("offer_id", "quantity"))
    with pytest.raises(StorefrontNotSelling, match="Alapage a cessé de vendre le") as refused:
        cart_add(storefront=world.closing, cart=cart, customer=customer, offer_id=world.lamp.pk, quantity=1)
    assert refused.value.code == "storefront_not_selling"
    with pytest.raises(StorefrontNotSelling):
        checkout_place_order(
            storefront=world.closing, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
            idempotency_key="k" * 20, return_url="http://testserver/r/",
        )  # fmt: skip
    assert list(CartLine.objects.values_list("offer_id", "quantity")) == lines
    assert not SellerOrder.objects.exists()
    # The other storefront sells the same offer as before.
    place(world.other, world.book)

    client = Client()
    client.force_login(customer)
    page = client.get("/s/alapage/cart/").content.decode()
    assert "Alapage a cessé de vendre le" in page and "Passer commande" not in page
    response = client.get("/s/alapage/checkout/", follow=True)
    assert response.redirect_chain[-1][0].endswith("/s/alapage/cart/")
    assert "Alapage a cessé de vendre le" in response.content.decode()


def test_from_the_closing_date_listings_search_and_sitemaps_show_no_offer_the_other_storefront_unchanged():
    world = make_world()
    work()
    client = Client()
    before_other = stable(client.get("/s/clust/"))
    assert "Vingt mille lieues" in client.get("/s/alapage/").content.decode()
    announce(world, days=0)
    category = world.book.variant.product.category.slug
    for path in ("", f"c/{category}/", "search/?q=vingt"):
        page = client.get(f"/s/alapage/{path}").content.decode()
        assert "Alapage a cessé de vendre le" in page, path
        assert "Vingt mille lieues" not in page and "Lampe Tiffany" not in page, path
        assert "Clust" in page  # the other storefront, linked
    assert "Vingt mille" not in client.get("/s/alapage/search/suggest/?q=vingt").content.decode()
    product = client.get("/s/alapage/p/vingt-mille/")
    text = product.content.decode()
    assert product.status_code == 200 and "Vingt mille lieues" in text
    assert 'name="offer"' not in text and "à titre d’information" in text  # no buy box
    assert "<sitemap>" in client.get("/s/alapage/sitemap.xml").content.decode()  # the pages' file only
    assert "sitemap-products" not in client.get("/s/alapage/sitemap.xml").content.decode()
    assert "<url>" not in client.get("/s/alapage/sitemap-pages.xml").content.decode()
    assert "<url>" not in client.get("/s/alapage/sitemap-products-0.xml").content.decode()
    assert stable(client.get("/s/clust/")) == before_other
    assert SearchEntry.objects.filter(storefront=world.closing).exists()  # ignored, not dropped


def test_the_date_passes_without_a_write_and_the_daily_job_makes_the_cached_pages_stale():
    world = make_world()
    work()
    announce(world, days=1)
    client = Client()
    time.sleep(0.2)  # a page rendered within 0.1 s of a bump is not stored (web/page_cache.py)
    first = client.get("/s/alapage/")
    assert first["X-Galerie-Cache"] == "miss" and "Vingt mille lieues" in first.content.decode()
    assert client.get("/s/alapage/")["X-Galerie-Cache"] == "hit"
    tomorrow = noon(TODAY() + timedelta(days=1))
    assert storefronts_sales_stop(now=tomorrow - timedelta(days=1)) == 0  # not yet
    # The date comes: the cached page is still the one of before (nothing was written).
    Storefront.objects.filter(pk=world.closing.pk).update(closing_on=TODAY())
    assert client.get("/s/alapage/")["X-Galerie-Cache"] == "hit"
    assert storefronts_sales_stop() == 1
    assert storefronts_sales_stop() == 0  # once
    page = client.get("/s/alapage/")
    assert page["X-Galerie-Cache"] == "miss" and "Vingt mille lieues" not in page.content.decode()
    assert OutboxEvent.objects.filter(topic="storefront.sales_stopped").count() == 1
    assert {"storefronts.sales_stop", "storefronts.closure_finish"} <= set(jobs_autodiscover())


# --- what blocks the end, and the end --------------------------------------------------------


def test_each_open_thing_blocks_the_end_and_finish_refuses_naming_it(settings):
    world = make_world()
    open_order = place(world.closing, world.lamp)
    delivered = place(world.closing, world.book)
    work()
    deliver(part(delivered, world.seller_a), world.owner_a)
    announce(world, days=0)
    blockers = closure_blockers(storefront_id=world.closing.pk)
    assert blockers.open_seller_orders == 1 and blockers.withdrawal_open == 1
    assert blockers.details["open_seller_orders"] == [part(open_order, world.seller_b).number]
    assert blockers.held_minor == {"EUR": blockers.held_minor["EUR"]} and blockers.held_minor["EUR"] > 0
    assert blockers.ledger_balanced and bool(blockers)
    with pytest.raises(ClosureBlocked, match="1 open seller order") as refused:
        storefront_closure_finish(storefront_id=world.closing.pk)
    assert refused.value.blockers.open_seller_orders == 1
    world.closing.refresh_from_db()
    assert world.closing.status == "closing" and world.closing.closed_at is None
    assert not Payout.objects.exists()


def test_finish_before_the_date_is_refused():
    world = make_world()
    announce(world, days=5)
    with pytest.raises(ClosureBlocked, match="sells until its closing date"):
        storefront_closure_finish(storefront_id=world.closing.pk)


def test_finish_pays_what_each_seller_holds_from_the_storefront_only_and_closes_it():
    world = make_world()
    here = place(world.closing, world.book, world.lamp)
    there = place(world.other, world.book)  # seller A's money from the other storefront
    work()
    for order in (here, there):
        for p in order.seller_orders.all():
            deliver(p, world.owner_a if p.seller_id == world.seller_a.pk else world.owner_b, days_ago=20)
    announce(world, days=0)
    now = timezone.now()
    blockers = closure_blockers(storefront_id=world.closing.pk, now=now)
    assert blockers.withdrawal_open == 0 and blockers.open_seller_orders == 0
    held = storefront_held_funds(storefront_id=world.closing.pk)
    expected = {seller: funds.held for (seller, _), funds in held.items()}
    assert set(expected) == {world.seller_a.pk, world.seller_b.pk}
    a_before = seller_position(seller_id=world.seller_a.pk, currency="EUR")

    closed = storefront_closure_finish(storefront_id=world.closing.pk, now=now)

    assert closed.status == "closed" and closed.closed_at == now
    payouts = {p.seller_id: p for p in Payout.objects.all()}
    assert {s: p.amount_minor for s, p in payouts.items()} == expected
    assert all(p.reserve_minor == 0 for p in payouts.values())
    a_after = seller_position(seller_id=world.seller_a.pk, currency="EUR")
    # Seller A keeps what it earned on the other storefront, pending or available: only Alapage's part left.
    assert a_before["pending"] + a_before["available"] - expected[world.seller_a.pk] == (
        a_after["pending"] + a_after["available"]
    )
    assert a_after["pending"] + a_after["available"] > 0
    after = closure_blockers(storefront_id=world.closing.pk, now=now)
    assert not after and after.held_minor == {}
    assert OutboxEvent.objects.filter(topic="storefront.closed").count() == 1
    assert storefront_closure_finish(storefront_id=world.closing.pk, now=now).status == "closed"  # retry
    assert Payout.objects.count() == 2
    # The day's regular run, later, pays seller A nothing twice (it has its payout in the run).
    result = payouts_run(run_date=TODAY(), now=now + timedelta(minutes=1))
    assert result.paid_now == 0


def test_payouts_already_made_count_first_in_first_out():
    world = make_world()
    old = place(world.closing, world.book)
    work()
    deliver(part(old, world.seller_a), world.owner_a, days_ago=40)
    payouts_run(run_date=TODAY() - timedelta(days=1), now=noon(TODAY() - timedelta(days=1)))
    held = storefront_held_funds(storefront_id=world.closing.pk)
    position = seller_position(seller_id=world.seller_a.pk, currency="EUR")
    # The regular run paid the old Alapage sale (less the reserve kept on the newest money).
    attributed = held[(world.seller_a.pk, "EUR")].available if held else 0
    assert attributed == position["available"]
    newer = place(world.other, world.book)
    work()
    deliver(part(newer, world.seller_a), world.owner_a, days_ago=20)
    payouts_run(run_date=TODAY(), now=timezone.now())  # makes Clust's sale available: newer money
    held = storefront_held_funds(storefront_id=world.closing.pk)
    assert (
        held.get((world.seller_a.pk, "EUR")) is None
        or held[(world.seller_a.pk, "EUR")].available <= attributed
    )


# --- closed -----------------------------------------------------------------------------------


def test_a_closed_storefront_answers_410_in_french_with_its_other_storefronts_and_keeps_the_orders(
    settings,
):
    settings.ALLOWED_HOSTS = ["*"]
    world = make_world()
    customer = make_user()
    order = place(world.closing, world.book, customer=customer)
    work()
    deliver(part(order, world.seller_a), world.owner_a, days_ago=20)
    announce(world, days=0)
    storefront_closure_finish(storefront_id=world.closing.pk)
    world.other.hosts.create(host="clust.example.test", is_primary=True)
    world.closing.hosts.create(host="alapage.example.test", is_primary=True)

    client = Client()
    for path in ("/s/alapage/", "/s/alapage/p/vingt-mille/", "/s/alapage/cart/", "/s/alapage/search/?q=x"):
        response = client.get(path)
        assert response.status_code == 410, path
        text = response.content.decode()
        assert "Alapage a fermé ses portes" in text and "http://clust.example.test/" in text
        assert response["Content-Language"] == "fr"
    host = Client(HTTP_HOST="alapage.example.test")
    assert host.get("/").status_code == 410
    assert host.get("/c/whatever/").status_code == 410
    client.force_login(customer)
    account = client.get("/s/alapage/account/")
    assert account.status_code == 200 and order.number in account.content.decode()
    assert client.get(f"/s/alapage/account/orders/{order.number}/").status_code == 200
    assert Client(HTTP_HOST="clust.example.test").get("/").status_code == 200
    # Its search entries go with the status change; the other storefront's stay.
    clust_entries = SearchEntry.objects.filter(storefront=world.other).count()
    work()
    assert not SearchEntry.objects.filter(storefront=world.closing).exists()
    assert SearchEntry.objects.filter(storefront=world.other).count() == clust_entries > 0


def test_announcing_does_not_rebuild_the_index():
    world = make_world()
    work()
    entries = list(SearchEntry.objects.filter(storefront=world.closing).values_list("pk", "indexed_at"))
    announce(world, days=3)
    work()
    assert (
        list(SearchEntry.objects.filter(storefront=world.closing).values_list("pk", "indexed_at")) == entries
    )


# --- the command ------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("storefront", *args, stdout=out)
    return out.getvalue()


def test_the_command_closes_reopens_reports_and_finishes_with_clear_errors():
    world = make_world()
    order = place(world.closing, world.lamp)
    work()
    for bad, message in [
        (("close", "nope", "--on", "2099-01-01", "--reason", "x"), "No storefront with code 'nope'"),
        (("close", "alapage", "--on", "31/12/2099", "--reason", "x"), "--on: '31/12/2099' is not a date"),
        (
            ("close", "alapage", "--on", "2000-01-01", "--reason", "x"),
            "--closing-on: The closing date cannot be in the past",
        ),
        (("close", "alapage", "--on", TODAY().isoformat(), "--reason", " "), "--reason: Say why"),
        (("finish", "alapage"), "cannot go from"),
    ]:
        with pytest.raises(CommandError, match=message):
            run(*bad)
    assert Storefront.objects.get(pk=world.closing.pk).status == "open"

    assert "is closing: no sale from" in run(
        "close", "alapage", "--on", TODAY().isoformat(), "--reason", "Fin"
    )
    status = run("status", "alapage")
    assert "open seller orders: 1" in status and part(order, world.seller_b).number in status
    assert "Blocked:" in status
    with pytest.raises(CommandError):
        run("status", "alapage", "--check")
    with pytest.raises(CommandError, match="cannot be closed yet: 1 open seller order"):
        run("finish", "alapage")
    assert "it sells again" in run("reopen", "alapage")
    assert Storefront.objects.get(pk=world.closing.pk).status == "open"

    empty = make_storefront(code="vide", name="Vide")
    run("close", "vide", "--on", TODAY().isoformat(), "--reason", "Fin")
    assert "Nothing blocks the closure." in run("status", "vide", "--check")
    assert "is closed" in run("finish", "vide")
    assert Storefront.objects.get(pk=empty.pk).status == "closed"


def test_a_seller_debt_is_netted_from_its_final_payout_and_what_is_left_is_listed():
    world = make_world()
    first, second = place(world.closing, world.lamp), place(world.closing, world.lamp)
    work()
    deliver(part(first, world.seller_b), world.owner_b, days_ago=40)
    deliver(part(second, world.seller_b), world.owner_b, days_ago=5)
    t0 = timezone.now()
    payouts_run(run_date=TODAY(), now=t0)  # pays the first order's money (less the reserve)
    paid = Payout.objects.get(seller=world.seller_b)
    assert paid.amount_minor > 0
    # The first order is refunded in full after its money was paid: the seller owes the rest.
    payment_refund(
        payment_id=first.payment_id,
        amount=Money(first.total_minor, "EUR"),
        idempotency_key="return-all-first",
    )
    work()
    debt = seller_position(seller_id=world.seller_b.pk, currency="EUR")["debt"]
    assert debt > 0
    announce(world, days=0)
    later = t0 + timedelta(days=10)  # the second order's withdrawal period is over
    held = storefront_held_funds(storefront_id=world.closing.pk)[(world.seller_b.pk, "EUR")]
    assert held.pending > 0 and held.debt == debt

    closed = storefront_closure_finish(storefront_id=world.closing.pk, now=later)

    assert closed.status == "closed"
    final = Payout.objects.filter(
        seller=world.seller_b, entry__idempotency_key__startswith="closure-payout:"
    ).get()
    assert final.reserve_minor == 0
    assert final.debt_netted_minor == min(debt, held.pending)
    assert final.amount_minor + final.debt_netted_minor == held.pending
    assert final.debt_left_minor == debt - final.debt_netted_minor
    after = closure_blockers(storefront_id=world.closing.pk, now=later)
    assert not after
    left = debt - final.debt_netted_minor
    assert after.debts_minor == ({"EUR": left} if left else {})
    event = OutboxEvent.objects.get(topic="storefront.closed")
    assert event.payload["debts_minor"] == after.debts_minor
