"""The doors to "delivered": the seller, the customer, a carrier's event and the
deemed-delivered job; each writes its history row and event once, and the withdrawal period
counts from the effective delivery date."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import jobs_autodiscover
from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.core.models import OutboxEvent, StatusChange
from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.models import JournalEntry
from galerie.offers.models import Offer
from galerie.orders.delivery import (
    seller_order_confirm_receipt,
    seller_order_deliver_from_carrier,
    seller_orders_deem_delivered,
)
from galerie.orders.errors import OrderNotFound
from galerie.orders.models import Order, SellerOrder, Shipment
from galerie.orders.services import seller_order_accept, seller_order_deliver, seller_order_ship
from galerie.storefronts.models import Storefront
from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
from tests.factories import make_user
from tests.ledger.test_properties import settle

pytestmark = pytest.mark.django_db(transaction=True)


def history(part: SellerOrder) -> list[tuple[str, int | None, str]]:
    return list(
        StatusChange.objects.filter(model="orders.SellerOrder", object_pk=str(part.pk), to_status="delivered")
        .order_by("id")
        .values_list("to_status", "actor_id", "reason")
    )


def delivered_events(part: SellerOrder) -> list[dict]:
    return [
        e.payload
        for e in OutboxEvent.objects.filter(topic="seller_order.delivered").order_by("id")
        if e.payload["seller_order_id"] == part.pk
    ]


def backdate_shipping(part_id: int, shipped_at) -> None:
    """Move the shipping of a seller order and its parcels back to ``shipped_at``."""
    SellerOrder.objects.filter(pk=part_id).update(shipped_at=shipped_at)
    Shipment.objects.filter(seller_order_id=part_id).update(shipped_at=shipped_at)


def ship(part: SellerOrder, owner, tracking: str = "6A123", carrier: str = "Colissimo") -> SellerOrder:
    seller_order_accept(seller_order_id=part.pk, acting_user=owner)
    return seller_order_ship(
        seller_order_id=part.pk, acting_user=owner, carrier=carrier, tracking_number=tracking
    )


@pytest.fixture
def shipped(placed):
    settle()  # the capture and the allocation are posted
    ship(placed.part_a, placed.owner_a, tracking="6A111")
    ship(placed.part_b, placed.owner_b, tracking="DPD-222", carrier="DPD")
    return placed


def test_the_seller_marks_delivered_once_with_its_history_row_and_event(shipped):
    before = timezone.now()
    part = seller_order_deliver(seller_order_id=shipped.part_a.pk, acting_user=shipped.clerk_a)
    again = seller_order_deliver(seller_order_id=shipped.part_a.pk, acting_user=shipped.owner_a)
    assert part.status == again.status == SellerOrder.Status.DELIVERED
    assert before <= part.delivered_at <= timezone.now()
    assert again.delivered_at == part.delivered_at
    assert history(part) == [("delivered", shipped.clerk_a.pk, "marked by the seller")]
    assert [e["door"] for e in delivered_events(part)] == ["seller"]
    assert Order.objects.get(pk=shipped.order.pk).status == Order.Status.FULFILLED


def test_another_seller_cannot_mark_it_delivered_and_nothing_changes(shipped):
    with pytest.raises(OrderNotFound):
        seller_order_deliver(seller_order_id=shipped.part_a.pk, acting_user=shipped.owner_b)
    part = SellerOrder.objects.get(pk=shipped.part_a.pk)
    assert (part.status, part.delivered_at) == (SellerOrder.Status.SHIPPED, None)
    assert history(part) == []


def test_the_customer_confirms_receipt_of_their_own_parcel_only(shipped):
    stranger = make_user()
    with pytest.raises(OrderNotFound):
        seller_order_confirm_receipt(seller_order_id=shipped.part_a.pk, customer=stranger)
    with pytest.raises(OrderNotFound):
        seller_order_confirm_receipt(seller_order_id=shipped.part_a.pk, customer=shipped.owner_a)
    assert SellerOrder.objects.get(pk=shipped.part_a.pk).status == SellerOrder.Status.SHIPPED
    part = seller_order_confirm_receipt(seller_order_id=shipped.part_a.pk, customer=shipped.customer)
    seller_order_confirm_receipt(seller_order_id=shipped.part_a.pk, customer=shipped.customer)  # a retry
    assert part.status == SellerOrder.Status.DELIVERED and part.delivered_at is not None
    assert history(part) == [("delivered", shipped.customer.pk, "receipt confirmed by the customer")]
    assert [e["door"] for e in delivered_events(part)] == ["customer"]


def test_the_customer_cannot_confirm_a_parcel_not_shipped_yet(placed):
    with pytest.raises(InvalidTransition):
        seller_order_confirm_receipt(seller_order_id=placed.part_a.pk, customer=placed.customer)
    assert SellerOrder.objects.get(pk=placed.part_a.pk).status == SellerOrder.Status.NEW


def test_a_carrier_event_delivers_at_the_carriers_scan_time(shipped):
    backdate_shipping(shipped.part_a.pk, timezone.now() - timedelta(days=2))
    scan = timezone.now() - timedelta(minutes=30)
    part = seller_order_deliver_from_carrier(
        carrier="colissimo", tracking_number=" 6A111 ", delivered_at=scan
    )
    assert (part.pk, part.status, part.delivered_at) == (shipped.part_a.pk, "delivered", scan)
    again = seller_order_deliver_from_carrier(
        carrier="Colissimo", tracking_number="6A111", delivered_at=scan + timedelta(minutes=10)
    )
    assert again.delivered_at == scan  # the first event counts; the repeat changes nothing
    assert history(part) == [("delivered", None, "delivery scanned by Colissimo")]
    assert [e["door"] for e in delivered_events(part)] == ["carrier"]


def test_a_scan_before_the_recorded_shipping_counts_from_the_shipping(shipped):
    part = seller_order_deliver_from_carrier(
        carrier="DPD", tracking_number="DPD-222", delivered_at=timezone.now() - timedelta(days=3)
    )
    assert part.delivered_at == SellerOrder.objects.get(pk=shipped.part_b.pk).shipped_at


@pytest.mark.parametrize(
    ("carrier", "tracking", "when", "error", "field"),
    [
        ("Colissimo", "NOPE", timedelta(0), OrderNotFound, None),
        ("DPD", "6A111", timedelta(0), OrderNotFound, None),  # the number is another carrier's
        ("Colissimo", "  ", timedelta(0), InvalidInput, "tracking_number"),
        ("Colissimo", "6A111", timedelta(hours=2), InvalidInput, "delivered_at"),  # in the future
    ],
)
def test_a_bad_carrier_event_is_refused_and_changes_nothing(shipped, carrier, tracking, when, error, field):
    with pytest.raises(error) as raised:
        seller_order_deliver_from_carrier(
            carrier=carrier, tracking_number=tracking, delivered_at=timezone.now() + when
        )
    if field:
        assert field in raised.value.errors
    assert set(SellerOrder.objects.values_list("status", flat=True)) == {"shipped"}
    assert not OutboxEvent.objects.filter(topic="seller_order.delivered").exists()


def test_two_orders_with_one_tracking_number_need_the_carrier(shipped):
    Shipment.objects.filter(seller_order_id=shipped.part_b.pk).update(tracking_number="6A111")
    with pytest.raises(InvalidInput):
        seller_order_deliver_from_carrier(carrier="", tracking_number="6A111", delivered_at=timezone.now())
    part = seller_order_deliver_from_carrier(
        carrier="DPD", tracking_number="6A111", delivered_at=timezone.now()
    )
    assert part.pk == shipped.part_b.pk


def test_the_carrier_command_marks_one_and_imports_a_file(shipped, tmp_path):
    out = io.StringIO()
    call_command("deliveries", "mark", "--tracking", "6A111", "--at", "2026-01-01T10:00+00:00", stdout=out)
    assert "delivered" in out.getvalue()
    part_a = SellerOrder.objects.get(pk=shipped.part_a.pk)
    assert part_a.status == "delivered" and part_a.delivered_at >= part_a.shipped_at
    report = tmp_path / "dpd.csv"
    report.write_text(
        "carrier,tracking_number,delivered_at\nDPD,DPD-222,\nDPD,UNKNOWN,\nDPD,DPD-222,yesterday\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 row"):
        call_command("deliveries", "import", str(report), stdout=out, stderr=err)
    assert SellerOrder.objects.get(pk=shipped.part_b.pk).status == "delivered"  # the good row applied
    assert "line 3: No shipped order has the tracking number UNKNOWN" in err.getvalue()
    assert "line 4" in err.getvalue() and "'yesterday' is not a time" in err.getvalue()
    assert "1 delivered, 2 refused, of 3 row(s)." in out.getvalue()


def test_an_unknown_tracking_number_is_named_without_a_placeholder_carrier(shipped):
    # Without --carrier the message said "… with carrier —.": it names only what was given.
    with pytest.raises(CommandError) as no_carrier:
        call_command("deliveries", "mark", "--tracking", "NOPE-1")
    assert str(no_carrier.value) == "No shipped order has the tracking number NOPE-1."
    with pytest.raises(CommandError) as with_carrier:
        call_command("deliveries", "mark", "--tracking", "6A111", "--carrier", "DHL")
    assert str(with_carrier.value) == "No shipped order has the tracking number 6A111 with carrier DHL."
    assert SellerOrder.objects.get(pk=shipped.part_a.pk).status == "shipped"


def test_the_deemed_delivered_job_follows_each_storefronts_days(shipped):
    shipped_at = SellerOrder.objects.get(pk=shipped.part_a.pk).shipped_at
    assert shipped.storefront.deemed_delivered_days == 10  # the default
    assert seller_orders_deem_delivered(now=shipped_at + timedelta(days=9, hours=23)) == 0
    Storefront.objects.filter(pk=shipped.storefront.pk).update(deemed_delivered_days=3)
    later = shipped_at + timedelta(days=3, minutes=1)
    assert seller_orders_deem_delivered(now=later) == 2
    assert seller_orders_deem_delivered(now=later) == 0  # once
    part = SellerOrder.objects.get(pk=shipped.part_a.pk)
    assert part.delivered_at == shipped_at + timedelta(days=3)  # the effective date, not the job's
    assert history(part) == [("delivered", None, "deemed delivered 3 days after shipping")]
    assert [e["door"] for e in delivered_events(part)] == ["deemed"]


def test_the_worker_runs_the_deemed_delivered_job(shipped):
    assert "orders.deemed_delivered" in jobs_autodiscover()
    backdate_shipping(shipped.part_a.pk, timezone.now() - timedelta(days=11))
    call_command("worker", once=True, verbosity=0, stdout=io.StringIO())
    assert SellerOrder.objects.get(pk=shipped.part_a.pk).status == "delivered"
    assert SellerOrder.objects.get(pk=shipped.part_b.pk).status == "shipped"  # shipped just now


def test_the_withdrawal_period_counts_from_the_effective_delivery_date(shipped, settings):
    """Deemed delivered 10 days after a shipping 30 days ago: delivered 20 days ago, so the funds
    are available now (14 days) although the job ran only today."""
    settings.GALERIE_WITHDRAWAL_DAYS = 14
    backdate_shipping(shipped.part_a.pk, timezone.now() - timedelta(days=30))
    assert seller_orders_deem_delivered() == 1
    assert seller_orders_make_available() == 1
    assert JournalEntry.objects.filter(idempotency_key=f"availability:{shipped.part_a.pk}").exists()
    # The carrier scanned B's parcel 13 days ago: one more day to wait, counted from the scan.
    backdate_shipping(shipped.part_b.pk, timezone.now() - timedelta(days=20))
    seller_order_deliver_from_carrier(
        carrier="DPD", tracking_number="DPD-222", delivered_at=timezone.now() - timedelta(days=13)
    )
    assert seller_orders_make_available() == 0
    assert seller_orders_make_available(now=timezone.now() + timedelta(days=1, minutes=1)) == 1


def test_the_admin_edits_a_storefronts_deemed_delivered_days(client, shipped):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = f"/admin/storefronts/storefront/{shipped.storefront.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="deemed_delivered_days"' in page and 'value="10"' in page
    for bad in ("0", "91"):
        data = {**_admin_form(client, url), "deemed_delivered_days": bad}
        assert client.post(url, data).status_code == 200  # the form again, with its error
    assert Storefront.objects.get(pk=shipped.storefront.pk).deemed_delivered_days == 10
    client.post(url, {**_admin_form(client, url), "deemed_delivered_days": "7"})
    assert Storefront.objects.get(pk=shipped.storefront.pk).deemed_delivered_days == 7


def _admin_form(client, url: str) -> dict[str, str]:
    """The admin change form's current values, as a browser would post them back."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name == "logo":
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    data.update({"hosts-TOTAL_FORMS": "0", "hosts-INITIAL_FORMS": "0"})
    return data


DOORS = st.lists(
    st.tuples(
        st.sampled_from(["seller", "customer", "carrier", "job"]),
        st.integers(min_value=0, max_value=30),  # days: the carrier's scan age, or the job's delay
    ),
    min_size=1,
    max_size=6,
)


def test_any_sequence_of_doors_delivers_once_at_the_first_doors_date(shipped):
    """Whatever doors knock, in any order and at any time: one history row, one event, the date of
    the first door that delivered, and funds available exactly GALERIE_WITHDRAWAL_DAYS after it."""
    Offer.objects.filter(pk=shipped.book.pk).update(stock=1000)
    made: list[SellerOrder] = []

    def a_shipped_part() -> SellerOrder:
        """A new order of seller A's book, paid, allocated and shipped."""
        order = checkout_place_order(
            storefront=shipped.storefront, cart=cart_add(
                storefront=shipped.storefront, cart=None, customer=shipped.customer,
                offer_id=shipped.book.pk,
            ),
            customer=shipped.customer, address=ADDRESS, payment_method=SUCCESS,
            idempotency_key=new_key(), return_url="http://testserver/r/",
        ).order  # fmt: skip
        settle()
        return ship(order.seller_orders.get(), shipped.owner_a, tracking=new_key()[:20])

    @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(doors=DOORS)
    def check(doors) -> None:
        part = a_shipped_part()
        made.append(part)
        backdate_shipping(part.pk, timezone.now() - timedelta(days=31))
        part.refresh_from_db()
        first = None
        for door, days in doors:
            before = timezone.now()
            if door == "seller":
                seller_order_deliver(seller_order_id=part.pk, acting_user=shipped.owner_a)
                expected = (before, timezone.now())
            elif door == "customer":
                seller_order_confirm_receipt(seller_order_id=part.pk, customer=shipped.customer)
                expected = (before, timezone.now())
            elif door == "carrier":
                scan = timezone.now() - timedelta(days=days)
                seller_order_deliver_from_carrier(
                    carrier=part.carrier, tracking_number=part.tracking_number, delivered_at=scan
                )
                expected = (scan, scan)
            else:
                seller_orders_deem_delivered(now=part.shipped_at + timedelta(days=days))
                at = part.shipped_at + timedelta(days=shipped.storefront.deemed_delivered_days)
                expected = (at, at) if days >= shipped.storefront.deemed_delivered_days else None
            if first is None and expected is not None:
                first = expected
        after = SellerOrder.objects.get(pk=part.pk)
        if first is None:
            assert after.status == "shipped" and history(after) == []
            return
        assert after.status == "delivered" and first[0] <= after.delivered_at <= first[1]
        assert len(history(after)) == 1 and len(delivered_events(after)) == 1
        key = f"availability:{part.pk}"
        seller_orders_make_available(now=after.delivered_at + timedelta(days=14) - timedelta(seconds=1))
        assert not JournalEntry.objects.filter(idempotency_key=key).exists()
        seller_orders_make_available(now=after.delivered_at + timedelta(days=14))
        assert JournalEntry.objects.filter(idempotency_key=key).exists()

    check()
    assert len(made) >= 3
