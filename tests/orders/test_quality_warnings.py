"""The quality warnings: the job records each breached figure once per seller × storefront ×
window and the worker e-mails the owners and managers, each in their language (real SMTP)."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from galerie.core.delivery import jobs_autodiscover, outbox_deliver_batch
from galerie.core.models import OutboxEvent
from galerie.notifications.handlers import HANDLERS
from galerie.notifications.models import SentEmail
from galerie.orders.models import SellerQualityWarning
from galerie.orders.quality import seller_quality_warnings_send, warning_window_start
from galerie.storefronts.closure import storefront_closure_announce
from galerie.storefronts.models import Storefront
from tests.factories import make_seller, make_staff_member, make_storefront, make_user
from tests.orders.quality_data import Status, place

H, D = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def breach(db):
    """Seller "Lents & Cie" on Alapage (French) refuses 2 of its 4 orders and ships one late."""
    storefront = make_storefront(name="Alapage", code="alapage", default_language="fr")
    Storefront.objects.filter(pk=storefront.pk).update(quality_min_orders=4)
    seller = make_seller(storefronts=[storefront], display_name="Lents & Cie", email="contact@lents.test")
    owner = make_staff_member(seller, "owner", email="owner@lents.test", preferred_language="fr")
    manager = make_staff_member(seller, "manager", email="manager@lents.test", preferred_language="en")
    make_staff_member(seller, "shipping_clerk", email="clerk@lents.test")
    good = make_seller(storefronts=[storefront], display_name="Rapides")
    customer = make_user()
    now = timezone.now()
    place(storefront, seller, customer, placed_at=now - 20 * D, status=Status.DELIVERED,
          accepted_after=H, shipped_after=8 * D)  # fmt: skip
    place(storefront, seller, customer, placed_at=now - 10 * D, status=Status.SHIPPED,
          accepted_after=H, shipped_after=D)  # fmt: skip
    place(storefront, seller, customer, placed_at=now - 9 * D, status=Status.REFUSED)
    place(storefront, seller, customer, placed_at=now - 8 * D, status=Status.REFUSED)
    for _ in range(4):
        place(storefront, good, customer, placed_at=now - 5 * D, status=Status.SHIPPED,
              accepted_after=H, shipped_after=D)  # fmt: skip
    outbox_deliver_batch(HANDLERS, batch=500)  # the application e-mails of make_seller
    return storefront, seller, owner, manager


@pytest.mark.django_db(transaction=True)
def test_the_seller_is_warned_once_in_its_members_languages(breach, smtp_inbox):
    storefront, seller, _owner, _manager = breach
    smtp_inbox.messages.clear()

    assert (
        jobs_autodiscover()["orders.quality_warnings"].run() == 3
    )  # acceptance 50 %, late 50 %, refusals 50 %
    assert seller_quality_warnings_send() == 0  # the same window: nothing new
    outbox_deliver_batch(HANDLERS, batch=50)
    outbox_deliver_batch(HANDLERS, batch=50)

    warnings = SellerQualityWarning.objects.filter(seller=seller).order_by("figure")
    assert [(w.figure, w.value_bp, w.threshold_bp, w.orders) for w in warnings] == [
        ("acceptance", 5000, 9000, 4),
        ("late", 5000, 1000, 4),
        ("refusal", 5000, 500, 4),
    ]
    assert {w.window_start for w in warnings} == {warning_window_start(storefront, timezone.localdate())}
    assert sorted(m["To"] for m in smtp_inbox.messages) == ["manager@lents.test", "owner@lents.test"]
    (french,) = smtp_inbox.to("owner@lents.test")
    (english,) = smtp_inbox.to("manager@lents.test")
    assert french["Subject"].strip() == "Lents & Cie sur Alapage\u00a0: qualité sous les seuils du site"
    text = french.get_body(("plain",)).get_content()
    assert "Taux d’acceptation\u00a0: 50,00\u00a0% (au moins 90,00\u00a0% attendus)" in text
    assert "Retards d’expédition\u00a0: 50,00\u00a0% (au plus 10,00\u00a0% admis)" in text
    assert "Refus\u00a0: 50,00\u00a0% (au plus 5,00\u00a0% admis)" in text
    assert "Remboursements" not in text
    text = english.get_body(("plain",)).get_content()
    assert english["Subject"].strip() == "Lents & Cie on Alapage: quality below the storefront's thresholds"
    assert "Acceptance rate: 50.00 % (at least 90.00 % expected)" in text
    assert "Late shipments: 50.00 % (at most 10.00 % allowed)" in text
    assert "Over the last 90 days, Lents & Cie is past these thresholds of Alapage:" in text
    assert SentEmail.objects.filter(kind="seller_quality_warning").count() == 2

    # A figure breached later in the same window is told then, alone.
    Storefront.objects.filter(pk=storefront.pk).update(quality_max_late_bp=6000, quality_max_refund_bp=0)
    place(storefront, seller, make_user(), placed_at=timezone.now() - 7 * D, status=Status.DELIVERED,
          accepted_after=H, shipped_after=D, refunded_minor=100)  # fmt: skip
    assert seller_quality_warnings_send() == 1
    outbox_deliver_batch(HANDLERS, batch=50)
    latest = smtp_inbox.to("manager@lents.test")[-1].get_body(("plain",)).get_content()
    assert "Refunds: 20.00 % (at most 0.00 % allowed)" in latest and "Acceptance rate" not in latest


@pytest.mark.django_db
def test_no_warning_below_the_minimum_orders_nor_on_a_closed_storefront(breach):
    storefront, _seller, *_ = breach
    Storefront.objects.filter(pk=storefront.pk).update(quality_min_orders=5)
    assert seller_quality_warnings_send() == 0
    Storefront.objects.filter(pk=storefront.pk).update(quality_min_orders=4)
    storefront_closure_announce(
        storefront_id=storefront.pk, closing_on=timezone.localdate(), reason="Portfolio review"
    )
    assert seller_quality_warnings_send() == 3  # closing: open orders go on, so do warnings
    Storefront.objects.filter(pk=storefront.pk).update(status="closed")
    SellerQualityWarning.objects.all().delete()
    OutboxEvent.objects.filter(topic="seller.quality_warning").delete()
    assert seller_quality_warnings_send() == 0
    assert not SellerQualityWarning.objects.exists()


def test_the_windows_are_fixed_and_do_not_slide():
    storefront = Storefront(quality_window_days=90)
    start = warning_window_start(storefront, date(2026, 6, 30))
    assert (date(2026, 6, 30) - start).days < 90 and (start - date(2000, 1, 1)).days % 90 == 0
    assert warning_window_start(storefront, start) == start
    assert warning_window_start(storefront, start + timedelta(days=89)) == start
    assert warning_window_start(storefront, start + timedelta(days=90)) == start + timedelta(days=90)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_warn_once(breach):
    _, seller, *_ = breach
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(seller_quality_warnings_send())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(counts) == 3
    assert SellerQualityWarning.objects.filter(seller=seller).count() == 3
    events = OutboxEvent.objects.filter(topic="seller.quality_warning")
    assert sum(len(e.payload["warning_ids"]) for e in events) == 3 and events.count() <= 2


@pytest.mark.django_db
def test_a_second_run_in_the_window_costs_two_queries_per_storefront(breach, django_assert_num_queries):
    assert seller_quality_warnings_send() == 3
    with django_assert_num_queries(3):  # the storefronts, then the warnings sent and the figures
        assert seller_quality_warnings_send() == 0
