"""Partial shipments: a seller order ships in one or several parcels (Shipment), each with its
carrier, tracking number and quantities; each delivery door marks one parcel; the seller order
is delivered, at its last parcel's delivery, when every line is in a delivered parcel."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import outbox_deliver_batch
from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.core.models import OutboxEvent, StatusChange
from galerie.notifications.handlers import HANDLERS
from galerie.orders.delivery import (
    seller_order_confirm_receipt,
    seller_order_deliver_from_carrier,
    seller_orders_deem_delivered,
)
from galerie.orders.errors import OrderNotFound
from galerie.orders.models import Order, OrderLine, SellerOrder, Shipment, ShipmentLine
from galerie.orders.services import seller_order_accept, seller_order_deliver, seller_order_ship
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from galerie.storefronts.models import Storefront
from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

T0 = timezone.make_aware(datetime(2026, 3, 2, 10, 0))


def day(n: int, hour: int = 10) -> datetime:
    return T0 + timedelta(days=n, hours=hour - 10)


@pytest.fixture
def part(shop):
    """Seller A's part, accepted: two books (one line) and one record (another line)."""
    cart_add(
        storefront=shop.storefront,
        cart=shop.cart,
        customer=shop.customer,
        offer_id=shop.record.pk,
        quantity=1,
    )
    order = checkout_place_order(
        storefront=shop.storefront, cart=shop.cart, customer=shop.customer, address=ADDRESS,
        payment_method=SUCCESS, idempotency_key=new_key(), return_url="http://testserver/r/",
    ).order  # fmt: skip
    shop.owner_a, shop.owner_b = make_user(), make_user()
    seller_member_add(seller=shop.seller_a, user=shop.owner_a, role=SellerMember.Role.OWNER)
    seller_member_add(seller=shop.seller_b, user=shop.owner_b, role=SellerMember.Role.OWNER)
    part = order.seller_orders.get(seller=shop.seller_a)
    seller_order_accept(seller_order_id=part.pk, acting_user=shop.owner_a)
    shop.order, shop.part = order, part
    shop.book_line = part.lines.get(offer=shop.book)
    shop.record_line = part.lines.get(offer=shop.record)
    Storefront.objects.filter(pk=shop.storefront.pk).update(default_language="en")
    Order.objects.filter(pk=order.pk).update(language="en")  # these tests read the English words
    return shop


def ship(shop, tracking: str, quantities: dict[int, int] | None, when: datetime) -> SellerOrder:
    return seller_order_ship(
        seller_order_id=shop.part.pk, acting_user=shop.owner_a, carrier="Colissimo",
        tracking_number=tracking, quantities=quantities, now=when,
    )  # fmt: skip


def parcels(part: SellerOrder) -> list[tuple[str, dict[int, int], datetime, datetime | None]]:
    return [
        (
            p.tracking_number,
            {r.order_line_id: r.quantity for r in p.lines.all()},
            p.shipped_at,
            p.delivered_at,
        )
        for p in Shipment.objects.filter(seller_order=part).order_by("number")
    ]


def delivered_history(part: SellerOrder) -> list[tuple[int | None, str]]:
    rows = StatusChange.objects.filter(
        model="orders.SellerOrder", object_pk=str(part.pk), to_status="delivered"
    )
    return list(rows.values_list("actor_id", "reason"))


def test_the_default_parcel_takes_every_line_and_ships_the_order(part):
    after = ship(part, "6A-ALL", None, day(0))
    assert (after.status, after.shipped_at, after.carrier, after.tracking_number) == (
        "shipped",
        day(0),
        "Colissimo",
        "6A-ALL",
    )
    assert parcels(part.part) == [("6A-ALL", {part.book_line.pk: 2, part.record_line.pk: 1}, day(0), None)]
    with pytest.raises(InvalidInput, match="shipped already"):
        ship(part, "6A-MORE", None, day(1))
    assert Shipment.objects.filter(seller_order=part.part).count() == 1


def test_two_parcels_on_different_days_deliver_the_order_at_the_later_delivery(part):
    ship(part, "6A-ONE", {part.book_line.pk: 1}, day(0))
    again = ship(part, "6A-ONE", {part.book_line.pk: 1}, day(0))  # a retried request
    assert again.status == "shipped" and Shipment.objects.filter(seller_order=part.part).count() == 1
    ship(part, "6A-TWO", {part.book_line.pk: 1, part.record_line.pk: 1}, day(2))
    part_now = SellerOrder.objects.get(pk=part.part.pk)
    assert part_now.shipped_at == day(0)  # the first parcel's
    # The second parcel arrives first (seller's click on day 3); the first on day 5 (customer).
    second = Shipment.objects.get(tracking_number="6A-TWO")
    seller_order_deliver(
        seller_order_id=part.part.pk, acting_user=part.owner_a, shipment_id=second.pk, now=day(3)
    )
    assert SellerOrder.objects.get(pk=part.part.pk).status == "shipped"
    assert delivered_history(part.part) == []
    seller_order_confirm_receipt(seller_order_id=part.part.pk, customer=part.customer, now=day(5))
    done = SellerOrder.objects.get(pk=part.part.pk)
    assert (done.status, done.delivered_at) == ("delivered", day(5))
    assert [at for *_, at in parcels(done)] == [day(5), day(3)]
    assert delivered_history(done) == [(part.customer.pk, "receipt confirmed by the customer")]
    events = OutboxEvent.objects.filter(topic__in=["shipment.delivered", "seller_order.delivered"]).order_by(
        "id"
    )
    assert [(e.topic, e.payload.get("parcel")) for e in events] == [
        ("shipment.delivered", 2),
        ("shipment.delivered", 1),
        ("seller_order.delivered", None),
    ]


def test_the_order_waits_for_items_not_shipped_yet_even_when_every_parcel_is_delivered(part):
    ship(part, "6A-ONE", {part.book_line.pk: 2}, day(0))
    seller_order_deliver(seller_order_id=part.part.pk, acting_user=part.owner_a, now=day(1))
    assert SellerOrder.objects.get(pk=part.part.pk).status == "shipped"  # the record is still here
    ship(part, "6A-TWO", None, day(4))  # what is left: the record
    assert parcels(part.part)[1][1] == {part.record_line.pk: 1}
    seller_order_deliver(seller_order_id=part.part.pk, acting_user=part.owner_a, now=day(6))
    assert SellerOrder.objects.get(pk=part.part.pk).delivered_at == day(6)


@pytest.mark.parametrize(
    ("quantities", "message"),
    [
        ({"book": 3}, "between 0 and 2"),
        ({"book": -1}, "between 0 and 2"),
        ({"book": 0, "record": 0}, "at least one item"),
        ({"other": 1}, "not in the order"),
    ],
)
def test_a_parcel_cannot_hold_more_than_is_left_and_bad_input_changes_nothing(part, quantities, message):
    lines = {"book": part.book_line.pk, "record": part.record_line.pk, "other": part.book_line.pk + 1000}
    with pytest.raises(InvalidInput, match=message):
        ship(part, "6A-BAD", {lines[k]: n for k, n in quantities.items()}, day(0))
    assert SellerOrder.objects.get(pk=part.part.pk).status == "accepted"
    assert not Shipment.objects.exists() and not ShipmentLine.objects.exists()


def test_a_new_order_cannot_ship_and_another_orders_parcel_cannot_be_marked(part):
    other = part.order.seller_orders.get(seller=part.seller_b)
    with pytest.raises(InvalidTransition):
        seller_order_ship(
            seller_order_id=other.pk, acting_user=part.owner_b, carrier="DPD", tracking_number="X1"
        )
    seller_order_accept(seller_order_id=other.pk, acting_user=part.owner_b)
    seller_order_ship(seller_order_id=other.pk, acting_user=part.owner_b, carrier="DPD", tracking_number="X1")
    ship(part, "6A-ONE", {part.book_line.pk: 1}, day(0))
    foreign = Shipment.objects.get(tracking_number="X1")
    with pytest.raises(OrderNotFound):
        seller_order_deliver(seller_order_id=part.part.pk, acting_user=part.owner_a, shipment_id=foreign.pk)
    with pytest.raises(OrderNotFound):
        seller_order_confirm_receipt(
            seller_order_id=part.part.pk, customer=part.customer, shipment_id=foreign.pk
        )
    assert Shipment.objects.filter(delivered_at__isnull=False).count() == 0


def test_the_deliveries_command_marks_the_parcel_with_that_tracking_number(part):
    ship(part, "6A-ONE", {part.book_line.pk: 2}, day(0))
    ship(part, "6A-TWO", None, day(1))
    out = io.StringIO()
    call_command("deliveries", "mark", "--tracking", "6A-TWO", "--at", day(2).isoformat(), stdout=out)
    assert [at for *_, at in parcels(part.part)] == [None, day(2)]
    assert SellerOrder.objects.get(pk=part.part.pk).status == "shipped"
    call_command("deliveries", "mark", "--tracking", "6A-ONE", "--at", day(3).isoformat(), stdout=out)
    done = SellerOrder.objects.get(pk=part.part.pk)
    assert (done.status, done.delivered_at) == ("delivered", day(3))
    assert delivered_history(done) == [(None, "delivery scanned by Colissimo")]


def test_each_parcel_is_deemed_delivered_from_its_own_shipping(part):
    ship(part, "6A-ONE", {part.book_line.pk: 2}, day(0))
    ship(part, "6A-TWO", None, day(4))
    assert seller_orders_deem_delivered(now=day(10)) == 1  # the first parcel, at day 10
    assert SellerOrder.objects.get(pk=part.part.pk).status == "shipped"
    assert seller_orders_deem_delivered(now=day(13)) == 0
    assert seller_orders_deem_delivered(now=day(14, hour=11)) == 1
    done = SellerOrder.objects.get(pk=part.part.pk)
    assert (done.status, done.delivered_at) == ("delivered", day(14))
    assert [at for *_, at in parcels(done)] == [day(10), day(14)]


def test_a_carrier_scan_before_the_parcels_shipping_counts_from_its_shipping(part):
    ship(part, "6A-ONE", None, day(2))
    seller_order_deliver_from_carrier(
        carrier="colissimo", tracking_number="6A-ONE", delivered_at=day(1), now=day(3)
    )
    assert SellerOrder.objects.get(pk=part.part.pk).delivered_at == day(2)


# --- the pages ---------------------------------------------------------------------------------


def test_the_seller_ships_two_parcels_and_marks_each_delivered_from_the_order_page(client, part):
    client.force_login(part.owner_a)
    url = f"/sell/orders/{part.part.number}/"
    page = client.get(url).content.decode()
    assert f'name="qty-{part.book_line.pk}"' in page and 'max="2" value="2"' in page
    client.post(
        url + "action/",
        {"action": "ship", "carrier": "Colissimo", "tracking_number": "6A-P1",
         f"qty-{part.book_line.pk}": "1", f"qty-{part.record_line.pk}": "0"},
    )  # fmt: skip
    page = client.get(url).content.decode()
    assert "Parcel 1" in page and "6A-P1" in page and "Ship another parcel" in page
    assert 'max="1" value="1"' in page  # one book left; the record
    response = client.post(
        url + "action/", {"action": "ship", "carrier": "DPD", "tracking_number": "DPD-P2"}, follow=True
    )
    page = response.content.decode()
    assert "Parcel 2" in page and "DPD-P2" in page and "Ship another parcel" not in page
    assert "Mark parcel 1 as delivered" in page and "Mark parcel 2 as delivered" in page
    assert parcels(part.part)[1][1] == {part.book_line.pk: 1, part.record_line.pk: 1}
    second = Shipment.objects.get(tracking_number="DPD-P2")
    response = client.post(url + "action/", {"action": "deliver", "shipment": second.pk}, follow=True)
    page = response.content.decode()
    assert "Parcel marked as delivered." in page and "Mark parcel 2 as delivered" not in page
    assert SellerOrder.objects.get(pk=part.part.pk).status == "shipped"
    first = Shipment.objects.get(tracking_number="6A-P1")
    response = client.post(url + "action/", {"action": "deliver", "shipment": first.pk}, follow=True)
    assert "Marked as delivered" in response.content.decode()
    assert SellerOrder.objects.get(pk=part.part.pk).status == "delivered"


def test_the_seller_page_refuses_a_quantity_that_is_not_a_number(client, part):
    client.force_login(part.owner_a)
    response = client.post(
        f"/sell/orders/{part.part.number}/action/",
        {"action": "ship", "carrier": "DPD", "tracking_number": "X", f"qty-{part.book_line.pk}": "two"},
        follow=True,
    )
    assert "Type a whole number of items for each line." in response.content.decode()
    assert not Shipment.objects.exists()


def test_the_customer_sees_each_parcel_and_confirms_one(client, part):
    ship(part, "6A-P1", {part.book_line.pk: 2}, day(0))
    ship(part, "6A-P2", None, day(1))
    client.force_login(part.customer)
    url = f"/s/{part.storefront.code}/account/orders/{part.order.number}/"
    page = client.get(url).content.decode()
    assert "<strong>6A-P1</strong>" in page and "<strong>6A-P2</strong>" in page
    assert f"I received parcel 1 from {part.seller_a.display_name}" in page
    assert f"I received parcel 2 from {part.seller_a.display_name}" in page
    assert "the 14-day withdrawal period starts when the last one is delivered" in page
    second = Shipment.objects.get(tracking_number="6A-P2")
    client.post(url + "received/", {"part": part.part.pk, "shipment": second.pk})
    assert [at is not None for *_, at in parcels(part.part)] == [False, True]
    page = client.get(url).content.decode()
    assert "I received parcel 2" not in page and "I received parcel 1" in page
    # Another customer cannot mark it: their own orders only.
    client.force_login(make_user())
    first = Shipment.objects.get(tracking_number="6A-P1")
    client.post(url + "received/", {"part": part.part.pk, "shipment": first.pk})
    assert Shipment.objects.get(pk=first.pk).delivered_at is None


def test_one_shipped_email_per_parcel_with_its_items_and_tracking_number(part, smtp_inbox):
    ship(part, "6A-P1", {part.book_line.pk: 1}, day(0))
    ship(part, "6A-P2", None, day(1))
    while outbox_deliver_batch(HANDLERS, batch=100).claimed:
        pass
    mails = [m for m in smtp_inbox.to(part.order.email) if "shipped" in str(m["Subject"])]
    assert len(mails) == 2
    first, second = sorted(mails, key=lambda m: "parcel 2" in str(m["Subject"]))
    assert "parcel 1" in str(first["Subject"]) and "parcel 2" in str(second["Subject"])
    book, record = part.book_line.product_title, part.record_line.product_title
    for mail, tracking, other in ((first, "6A-P1", "6A-P2"), (second, "6A-P2", "6A-P1")):
        for kind in ("plain", "html"):
            body = mail.get_body(preferencelist=(kind,)).get_content()
            assert tracking in body and other not in body and "other parcels" in body
    first_text = first.get_body(preferencelist=("plain",)).get_content()
    second_text = second.get_body(preferencelist=("plain",)).get_content()
    assert f"1 × {book}" in first_text and record not in first_text
    assert f"1 × {book}" in second_text and f"1 × {record}" in second_text


# --- the invariants, for any sequence of parcels and deliveries ----------------------------------


class _Rollback(Exception):
    pass


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("ship"), st.integers(-1, 3), st.integers(-1, 2)),
        st.tuples(
            st.sampled_from(["seller", "customer", "carrier", "deemed"]), st.integers(0, 3), st.just(0)
        ),
    ),
    min_size=1,
    max_size=8,
)


def test_quantities_never_exceed_the_order_and_it_is_delivered_exactly_when_every_line_is(part):
    ordered = {line.pk: line.quantity for line in OrderLine.objects.filter(seller_order=part.part)}
    lines = [part.book_line.pk, part.record_line.pk]
    deemed_days = part.storefront.deemed_delivered_days
    seen: set[str] = set()

    def check_invariants() -> None:
        so = SellerOrder.objects.get(pk=part.part.pk)
        seen.add(so.status)
        shipped = {pk: 0 for pk in ordered}
        for row in ShipmentLine.objects.filter(shipment__seller_order=so):
            shipped[row.order_line_id] += row.quantity
        assert all(0 <= shipped[pk] <= ordered[pk] for pk in ordered)
        dates = list(Shipment.objects.filter(seller_order=so).values_list("delivered_at", flat=True))
        everything = shipped == ordered and dates and all(at is not None for at in dates)
        assert (so.status == "delivered") == bool(everything)
        assert so.delivered_at == (max(dates) if everything else None)
        assert so.status == ("accepted" if not dates else so.status)

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(ops=OPS)
    # Sequences that surely reach each state, whatever the random ones do.
    @example(ops=[("ship", -1, 0), ("seller", 0, 0)])
    @example(ops=[("ship", 1, 0), ("carrier", 0, 0), ("ship", -1, 0), ("deemed", 0, 0), ("customer", 1, 0)])
    def run(ops) -> None:
        try:
            with transaction.atomic():
                check_invariants()  # accepted, nothing shipped
                for step, (op, a, b) in enumerate(ops):
                    when = day(step * 3)
                    parcels_now = list(Shipment.objects.filter(seller_order=part.part).order_by("number"))
                    try:
                        if op == "ship":
                            quantities = {lines[0]: a, lines[1]: b} if a >= 0 else None
                            ship(part, f"T{step}", quantities, when)
                        elif op == "deemed":
                            seller_orders_deem_delivered(now=when + timedelta(days=deemed_days))
                        elif not parcels_now:
                            continue
                        else:
                            parcel = parcels_now[a % len(parcels_now)]
                            at = max(when, parcel.shipped_at)
                            if op == "seller":
                                seller_order_deliver(
                                    seller_order_id=part.part.pk,
                                    acting_user=part.owner_a,
                                    shipment_id=parcel.pk,
                                    now=at,
                                )
                            elif op == "customer":
                                seller_order_confirm_receipt(
                                    seller_order_id=part.part.pk,
                                    customer=part.customer,
                                    shipment_id=parcel.pk,
                                    now=at,
                                )
                            else:
                                seller_order_deliver_from_carrier(
                                    carrier="",
                                    tracking_number=parcel.tracking_number,
                                    delivered_at=at,
                                    now=at,
                                )
                    except (InvalidInput, InvalidTransition):
                        pass  # refused: the invariants must hold all the same
                    check_invariants()
                raise _Rollback
        except _Rollback:
            pass

    run()
    assert seen == {"accepted", "shipped", "delivered"}  # the sequences reached every state


def test_the_customer_page_speaks_french_about_parcels(client, part):
    Storefront.objects.filter(pk=part.storefront.pk).update(default_language="fr")
    ship(part, "6A-P1", {part.book_line.pk: 1}, day(0))
    ship(part, "6A-P2", None, day(1))
    client.force_login(part.customer)
    page = client.get(f"/s/{part.storefront.code}/account/orders/{part.order.number}/").content.decode()
    assert f"J’ai reçu le colis 2 de {part.seller_a.display_name}" in page
    assert "le délai de rétractation de 14 jours commence à la livraison du dernier" in page


def test_the_migration_gives_each_shipped_or_delivered_order_one_parcel_with_every_line(part):
    """Seller orders shipped before parcels existed (the suite builds its tables without
    migrations: the migration's function runs on the tables as they are, parcels removed)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("galerie.orders.migrations.0005_shipment")
    ship(part, "6A-OLD", None, day(0))
    seller_order_deliver(seller_order_id=part.part.pk, acting_user=part.owner_a, now=day(2))
    other = part.order.seller_orders.get(seller=part.seller_b)  # still new: no parcel
    Shipment.objects.all().delete()  # the lines go with them (CASCADE)
    migration.one_shipment_per_shipped_order(apps, None)
    [parcel] = Shipment.objects.all()
    assert (parcel.seller_order_id, parcel.number, parcel.carrier, parcel.tracking_number) == (
        part.part.pk,
        1,
        "Colissimo",
        "6A-OLD",
    )
    assert (parcel.shipped_at, parcel.delivered_at) == (day(0), day(2))
    assert {r.order_line_id: r.quantity for r in parcel.lines.all()} == {
        part.book_line.pk: 2,
        part.record_line.pk: 1,
    }
    assert not Shipment.objects.filter(seller_order=other).exists()


def test_the_admin_shows_the_parcels_of_a_seller_order_read_only(client, part):
    ship(part, "6A-ADMIN", {part.book_line.pk: 1}, day(0))
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/orders/sellerorder/{part.part.pk}/change/").content.decode()
    assert "6A-ADMIN" in page and 'name="shipments-0-tracking_number"' not in page


def test_the_order_pages_query_count_does_not_grow_with_the_parcels(client, part):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seller_url = f"/sell/orders/{part.part.number}/"
    customer_url = f"/s/{part.storefront.code}/account/orders/{part.order.number}/"

    def queries(user, url: str) -> int:
        client.force_login(user)
        client.get(url)  # sessions and caches warmed
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    ship(part, "6A-Q1", {part.book_line.pk: 1}, day(0))
    one = (queries(part.owner_a, seller_url), queries(part.customer, customer_url))
    ship(part, "6A-Q2", {part.book_line.pk: 1}, day(1))
    ship(part, "6A-Q3", None, day(2))
    assert (queries(part.owner_a, seller_url), queries(part.customer, customer_url)) == one


def test_an_imported_shipped_seller_order_comes_back_as_one_parcel(tmp_path):
    """A storefront bundle carries no parcels: the importer gives each shipped or delivered
    seller order one parcel with every line, so the delivery doors find it by tracking number."""
    from galerie.portability.export import storefront_export
    from galerie.portability.importer import storefront_import
    from tests.portability.world import build_world, wipe_database

    world = build_world()
    shipped, delivered = world["order"].seller_orders.order_by("pk")
    SellerOrder.objects.filter(pk=shipped.pk).update(
        status="shipped", carrier="DPD", tracking_number="DPD-IMPORT", shipped_at=day(0), delivered_at=None
    )
    SellerOrder.objects.filter(pk=delivered.pk).update(
        status="delivered",
        carrier="Colissimo",
        tracking_number="6A-IMPORT",
        shipped_at=day(0),
        delivered_at=day(3),
    )
    storefront_export(storefront=world["storefront"], path=tmp_path / "bundle")
    wipe_database()
    storefront_import(path=tmp_path / "bundle")
    # (The world's other orders were delivered for its reviews: their parcels are there too.)
    rows = [
        (p.tracking_number, p.number, p.shipped_at, p.delivered_at)
        for p in Shipment.objects.filter(tracking_number__endswith="-IMPORT").order_by("tracking_number")
    ]
    assert rows == [("6A-IMPORT", 1, day(0), day(3)), ("DPD-IMPORT", 1, day(0), None)]
    assert Shipment.objects.count() == SellerOrder.objects.filter(status__in=["shipped", "delivered"]).count()
    for parcel in Shipment.objects.all():
        lines = OrderLine.objects.filter(seller_order=parcel.seller_order)
        assert {r.order_line_id: r.quantity for r in parcel.lines.all()} == {
            line.pk: line.quantity for line in lines
        }
    part = seller_order_deliver_from_carrier(
        carrier="", tracking_number="DPD-IMPORT", delivered_at=day(2), now=day(2)
    )
    assert (part.status, part.delivered_at) == ("delivered", day(2))
