"""Seller quality per storefront: exact figures on a hand-built set, the selector against a
brute-force recomputation (Hypothesis), the score, accepted_at and its backfill."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.core.models import StatusChange
from galerie.orders.deadlines import seller_orders_expire
from galerie.orders.models import SellerOrder
from galerie.orders.quality import (
    SellerQuality,
    Thresholds,
    rate_bp,
    seller_quality_by_storefront,
    storefront_seller_quality,
    worst_first,
)
from galerie.orders.services import seller_order_accept
from galerie.storefronts.models import Storefront
from tests.factories import make_seller, make_staff_member, make_storefront, make_user
from tests.orders.quality_data import Status, place

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
H, D = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def market():
    storefront = make_storefront(name="Alapage")
    Storefront.objects.filter(pk=storefront.pk).update(quality_min_orders=10)
    storefront.refresh_from_db()
    other = make_storefront(name="Clust")
    seller_a = make_seller(storefronts=[storefront, other], display_name="Bouquins Martin")
    seller_b = make_seller(storefronts=[storefront], display_name="Disques Petit")
    return storefront, other, seller_a, seller_b, make_user()


def test_the_figures_of_a_hand_built_set_are_exact(market, django_assert_num_queries):
    storefront, other, a, b, customer = market

    def at(ago, **kw):
        return place(storefront, a, customer, placed_at=NOW - ago, **kw)

    at(20 * D, status=Status.DELIVERED, accepted_after=2 * H, shipped_after=1 * D)  # on time
    at(20 * D, status=Status.DELIVERED, accepted_after=4 * H, shipped_after=6 * D)  # shipped late
    at(10 * D, status=Status.SHIPPED, accepted_after=6 * H, shipped_after=2 * D)
    at(8 * D, status=Status.ACCEPTED, accepted_after=12 * H)  # unshipped past its ship-by date
    at(2 * D, status=Status.ACCEPTED, accepted_after=1 * H)  # not due yet
    at(15 * D, status=Status.REFUSED, refunded_minor=1000)
    at(30 * D, status=Status.CANCELLED, missed_deadline=True, refunded_minor=1000)
    at(1 * H)  # awaiting the seller: not decided
    at(40 * D, status=Status.DELIVERED, accepted_after=1 * H, shipped_after=1 * D, refunded_minor=300)
    at(5 * D, status=Status.CANCELLED, refunded_minor=1000)  # by the customer: not decided
    at(100 * D, status=Status.REFUSED)  # out of the 90-day window
    place(other, a, customer, placed_at=NOW - 3 * D, status=Status.REFUSED)  # another storefront
    for _ in range(2):
        place(
            storefront, b, customer, placed_at=NOW - 9 * D, status=Status.DELIVERED,
            accepted_after=30 * H, shipped_after=3 * D,
        )  # fmt: skip

    with django_assert_num_queries(1):
        rows = storefront_seller_quality(storefront=storefront, now=NOW)

    assert [r.seller_id for r in rows] == [a.pk, b.pk]
    first = rows[0]
    assert (first.received, first.accepted, first.refused, first.missed_deadline) == (10, 6, 1, 1)
    assert first.decided == 8 and first.acceptance_bp == 7500
    assert first.accept_delay_seconds == 26 * 3600 // 6 and first.accept_delay_hours == Decimal("4.3")
    assert (first.late, first.shipments_due, first.late_bp) == (2, 5, 4000)
    assert first.refusal_bp == 1000
    assert (first.refunds, first.refunded_minor, first.refund_bp) == (1, 300, 1000)
    assert first.judged
    assert first.breached == ["acceptance", "late", "refusal"]  # refunds: 10 % is not past 10 %
    assert first.worst_ratio_bp == 40_000  # late: 40 % against 10 %
    second = rows[1]
    assert (second.received, second.acceptance_bp, second.late_bp, second.refund_bp) == (2, 10_000, 0, 0)
    assert second.accept_delay_hours == Decimal("30.0")
    assert not second.judged and second.breached == []

    # A chosen period: only the orders placed in it.
    period = storefront_seller_quality(storefront=storefront, since=NOW - 25 * D, until=NOW - 9 * D, now=NOW)
    [only_a] = period
    assert (only_a.received, only_a.accepted, only_a.refused) == (4, 3, 1)

    # The seller's own page: per storefront, each on its window.
    with django_assert_num_queries(2):
        mine = seller_quality_by_storefront(seller=a, now=NOW)
    assert [(q.storefront_name, q.received, q.refusal_bp) for q in mine] == [
        ("Alapage", 10, 1000),
        ("Clust", 1, 10_000),
    ]


def test_the_query_count_does_not_grow_with_the_sellers(market, django_assert_num_queries):
    storefront, _, _a, _b, customer = market
    for _ in range(3):
        seller = make_seller(storefronts=[storefront])
        place(storefront, seller, customer, placed_at=NOW - D, status=Status.REFUSED)
    with django_assert_num_queries(1):
        assert len(storefront_seller_quality(storefront=storefront, now=NOW)) == 3


def test_rates_round_half_up_in_basis_points():
    assert rate_bp(1, 3) == 3333 and rate_bp(2, 3) == 6667 and rate_bp(1, 20_000) == 1
    assert rate_bp(1, 0) is None and rate_bp(0, 5) == 0


def test_worst_first_ranks_by_breaches_then_by_the_worst_ratio():
    thresholds = Thresholds(
        window_days=90,
        min_orders=1,
        min_acceptance_bp=9000,
        max_late_bp=1000,
        max_refusal_bp=500,
        max_refund_bp=1000,
    )

    def q(name, **figures):
        return SellerQuality(
            seller_id=len(name), seller_name=name, storefront_id=1, storefront_name="S", currency="EUR",
            thresholds=thresholds, **figures,
        )  # fmt: skip

    clean = q("clean", received=10, accepted=10)
    one_bad = q("one", received=10, accepted=10, shipments_due=10, late=9)  # late 90 %
    two_mild = q("two", received=10, accepted=8, refused=2, shipments_due=10, late=2)  # 3 breached
    assert two_mild.breached == ["acceptance", "late", "refusal"] and one_bad.breached == ["late"]
    assert [r.seller_name for r in worst_first([clean, one_bad, two_mild])] == ["two", "one", "clean"]
    closer = q("closer", received=10, accepted=10, shipments_due=10, late=2)  # 20 % against 10 %
    assert [r.seller_name for r in worst_first([closer, one_bad])] == ["one", "closer"]


# --- the selector equals a recomputation in Python -------------------------------------------

ORDER = st.fixed_dictionaries(
    {
        "seller": st.integers(0, 2),
        "storefront": st.integers(0, 1),
        "age_hours": st.integers(0, 24 * 120),
        "status": st.sampled_from(
            ["new", "accepted", "shipped", "delivered", "refused", "missed", "cancelled", "cancelled_after"]
        ),
        "accept_hours": st.integers(0, 200),
        "ship_hours": st.integers(0, 24 * 12),
        "refunded": st.integers(0, 1000),
        "history": st.booleans(),  # an acceptance recorded before accepted_at existed: none
    }
)


def _expected(specs, storefront_index, storefronts, now):
    """The figures of each seller on one storefront, from the specs, by the documented rules."""
    storefront = storefronts[storefront_index]
    out: dict[int, dict] = {}
    for s in specs:
        placed = now - s["age_hours"] * H
        in_window = now - storefront.quality_window_days * D <= placed < now
        if s["storefront"] != storefront_index or not in_window:
            continue
        f = out.setdefault(
            s["seller"], dict(received=0, accepted=0, refused=0, missed=0, late=0, due=0, refunds=0,
                              refunded=0, delay=timedelta(), delay_n=0)
        )  # fmt: skip
        status, kind = s["_status"], s["status"]
        accepted_at = s["_accepted_at"]
        f["received"] += 1
        accepted = status in ("accepted", "shipped", "delivered") or accepted_at is not None
        f["accepted"] += accepted
        if accepted_at is not None:
            f["delay"] += accepted_at - placed
            f["delay_n"] += 1
        f["refused"] += status == "refused"
        f["missed"] += kind == "missed"
        ship_by = placed + storefront.ship_within_days * D
        shipped_at = s["_shipped_at"]
        overdue = shipped_at is None and status in ("new", "accepted") and ship_by < now
        f["due"] += shipped_at is not None or overdue
        f["late"] += (shipped_at is not None and shipped_at > ship_by) or overdue
        if s["_refunded"] > 0 and accepted:
            f["refunds"] += 1
            f["refunded"] += s["_refunded"]
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(ORDER, max_size=25), ship_days=st.integers(1, 10), window=st.integers(7, 100))
def test_the_selector_equals_a_brute_force_recomputation(market, specs, ship_days, window):
    storefront, other, a, b, customer = market
    sellers = [a, b, make_seller(storefronts=[storefront, other])] if specs else [a, b]
    with transaction.atomic():
        Storefront.objects.filter(pk=storefront.pk).update(
            ship_within_days=ship_days, quality_window_days=window
        )
        storefronts = list(Storefront.objects.filter(pk__in=[storefront.pk, other.pk]).order_by("pk"))
        for s in specs:
            placed = NOW - s["age_hours"] * H
            kind = s["status"]
            status = {"missed": "cancelled", "cancelled_after": "cancelled"}.get(kind, kind)
            accepted = kind in ("accepted", "shipped", "delivered", "cancelled_after") and not s["history"]
            shipped = kind in ("shipped", "delivered")
            refunded = s["refunded"] if kind not in ("new",) else 0
            so = place(
                storefronts[s["storefront"]], sellers[s["seller"]], customer, placed_at=placed,
                status=status, accepted_after=s["accept_hours"] * H if accepted else None,
                shipped_after=s["ship_hours"] * H if shipped else None, refunded_minor=refunded,
                missed_deadline=kind == "missed",
            )  # fmt: skip
            s.update(
                _status=status, _accepted_at=so.accepted_at, _shipped_at=so.shipped_at, _refunded=refunded
            )
        for index, sf in enumerate(storefronts):
            expected = _expected(specs, index, storefronts, NOW)
            got = {
                next(i for i, seller in enumerate(sellers) if seller.pk == row.seller_id): row
                for row in storefront_seller_quality(storefront=sf, now=NOW)
            }
            assert set(got) == set(expected)
            for key, e in expected.items():
                row = got[key]
                assert (row.received, row.accepted, row.refused, row.missed_deadline) == (
                    e["received"], e["accepted"], e["refused"], e["missed"],
                )  # fmt: skip
                assert (row.late, row.shipments_due) == (e["late"], e["due"])
                assert (row.refunds, row.refunded_minor) == (e["refunds"], e["refunded"])
                assert (row.delay_orders, row.delay_total) == (e["delay_n"], e["delay"])
                decided = e["accepted"] + e["refused"] + e["missed"]
                assert row.acceptance_bp == (
                    None if not decided else round_half_up_bp(e["accepted"], decided)
                )
                assert row.late_bp == (None if not e["due"] else round_half_up_bp(e["late"], e["due"]))
        transaction.set_rollback(True)


def round_half_up_bp(part: int, whole: int) -> int:
    """Basis points rounded half up, with Decimal: a second way to the same figure."""
    from decimal import ROUND_HALF_UP

    return int((Decimal(part) * 10_000 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- accepted_at ---------------------------------------------------------------------------


def test_accepting_records_when(market):
    storefront, _, a, _, customer = market
    owner = make_staff_member(a, "owner")
    seller_order = place(storefront, a, customer, placed_at=NOW)
    before = datetime.now(UTC)
    seller_order_accept(seller_order_id=seller_order.pk, acting_user=owner)
    seller_order.refresh_from_db()
    assert seller_order.status == Status.ACCEPTED and seller_order.accepted_at >= before
    first = seller_order.accepted_at
    seller_order_accept(seller_order_id=seller_order.pk, acting_user=owner)  # a retry
    seller_order.refresh_from_db()
    assert seller_order.accepted_at == first


def test_the_migration_backfills_accepted_at_from_the_history(market):
    storefront, _, a, _, customer = market
    seller_order = place(storefront, a, customer, placed_at=NOW, status=Status.SHIPPED)
    untouched = place(storefront, a, customer, placed_at=NOW, status=Status.ACCEPTED, accepted_after=H)
    for pk in (seller_order.pk, untouched.pk):
        StatusChange.objects.create(
            model="orders.SellerOrder", object_pk=str(pk), from_status="new", to_status="accepted"
        )
    migration = importlib.import_module("galerie.orders.migrations.0004_seller_order_accepted_at")
    migration.accepted_at_from_history(apps, None)
    seller_order.refresh_from_db()
    untouched.refresh_from_db()
    history = StatusChange.objects.filter(object_pk=str(seller_order.pk), to_status="accepted").get()
    assert seller_order.accepted_at == history.at
    assert untouched.accepted_at == NOW + H  # already known: kept
    assert SellerOrder.objects.filter(accepted_at__isnull=True).count() == 0


def test_a_cancellation_by_the_acceptance_deadline_job_counts_as_a_missed_deadline(market):
    storefront, _, a, _, customer = market
    now = timezone.now()
    place(storefront, a, customer, placed_at=now - 49 * H)  # past the 48 hours
    place(storefront, a, customer, placed_at=now - 47 * H)  # not yet
    assert seller_orders_expire(now=now) == 1
    [row] = storefront_seller_quality(storefront=storefront, now=now)
    assert (row.received, row.missed_deadline, row.decided, row.acceptance_bp) == (2, 1, 1, 0)
