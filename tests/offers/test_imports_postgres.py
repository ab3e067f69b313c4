"""On PostgreSQL: an import of 100,000 rows killed with SIGKILL while it applies leaves none of its
rows applied; the worker then runs it again from the start and applies every row exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from django.db import connection
from django.db.models import Count

from galerie.core.models import OutboxEvent
from galerie.offers.errors import OfferImportBusy
from galerie.offers.imports import ADVISORY_LOCK_CLASS, offer_import_create, offer_import_run
from galerie.offers.models import Offer, OfferImport, PriceHistory
from tests.factories import TESTS, make_bulk_variants, make_offer, make_seller
from tests.offers.test_imports import upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROWS, EXISTING = 100_000, 50_000


def _child_env(tmp_path) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ, "DATABASE_URL": url, "GALERIE_VAR_DIR": str(tmp_path / "var"),
        # The files the child stores are where this process's private storage looks (conftest).
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"), "DJANGO_SETTINGS_MODULE": "galerie.settings",
        "LOG_LEVEL": "ERROR",
    }  # fmt: skip


def _galerie(*args: str) -> list[str]:
    return [sys.executable, "-m", "galerie.cli", *args]


def _psycopg_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _lock_held(import_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
            [ADVISORY_LOCK_CLASS, import_id],
        )
        return cursor.fetchone()[0] > 0


def test_an_import_killed_while_applying_applies_nothing_then_the_worker_applies_it_once(tmp_path):
    seller = make_seller()
    variants = make_bulk_variants(ROWS, prefix="371")
    Offer.objects.bulk_create(
        (
            Offer(seller=seller, variant=v, seller_sku=f"S{i:06d}", price_minor=1000, stock=1)
            for i, v in enumerate(variants[:EXISTING])
        ),
        batch_size=5000,
    )
    lines = ["sku,gtin,price,stock"]
    lines += [f"S{i:06d},,{11 + i % 5}.50,{i % 7}" for i in range(EXISTING)]
    lines += [f"N{i:06d},{variants[i].gtin},4.99,3" for i in range(EXISTING, ROWS)]
    path = tmp_path / "offers.csv"
    path.write_text("\n".join(lines) + "\n")
    env = _child_env(tmp_path)

    child = subprocess.Popen(
        _galerie("offers_import", str(path), "--seller", seller.slug, "-v", "0"), env=env
    )
    deadline, status = time.monotonic() + 180, None
    while time.monotonic() < deadline and child.poll() is None:
        status = OfferImport.objects.filter(seller=seller).values_list("status", flat=True).first()
        if status == OfferImport.Status.APPLYING:
            break
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    offer_import = OfferImport.objects.get(seller=seller)
    killed_while_applying = offer_import.status == OfferImport.Status.APPLYING
    if killed_while_applying:  # none of the valid rows is applied, not one
        assert Offer.objects.filter(seller=seller).count() == EXISTING
        assert not Offer.objects.filter(seller=seller).exclude(price_minor=1000, stock=1).exists()
        assert not PriceHistory.objects.filter(offer__seller=seller).exists()
        assert not OutboxEvent.objects.filter(topic__startswith="offer.").exists()
    else:  # it finished before the kill: all of them
        assert offer_import.status == OfferImport.Status.APPLIED, offer_import.failure
    # The dead process's session goes with its advisory lock; then the worker runs the import again.
    deadline = time.monotonic() + 60
    while _lock_held(offer_import.pk) and time.monotonic() < deadline:
        time.sleep(0.1)
    for _ in range(2):  # delivered twice (at least once): applied once
        subprocess.run(
            _galerie("worker", "--once", "--batch", "5000", "-v", "0"),
            env=env,
            check=True,
            capture_output=True,
        )
    offer_import.refresh_from_db()
    assert offer_import.status == OfferImport.Status.APPLIED, offer_import.failure
    assert (offer_import.total_rows, offer_import.error_rows) == (ROWS, 0)
    assert (offer_import.updated_offers, offer_import.created_offers) == (EXISTING, ROWS - EXISTING)
    assert Offer.objects.filter(seller=seller).count() == ROWS
    sample = Offer.objects.filter(seller=seller, seller_sku__in=["S000003", "N070001"]).order_by("seller_sku")
    assert list(sample.values_list("seller_sku", "price_minor", "stock")) == [
        ("N070001", 499, 3), ("S000003", 1450, 3),
    ]  # fmt: skip
    per_offer = PriceHistory.objects.filter(offer__seller=seller).values("offer").annotate(n=Count("id"))
    assert per_offer.count() == ROWS and not per_offer.exclude(n=1).exists()  # exactly once each
    assert OutboxEvent.objects.filter(topic="offer.price_changed").count() == EXISTING
    assert OutboxEvent.objects.filter(topic="offer.created").count() == ROWS - EXISTING
    assert OutboxEvent.objects.filter(topic="offer_import.applied").count() == 1
    print("killed while applying" if killed_while_applying else "finished before the kill")


def test_an_import_another_session_runs_is_left_to_it():
    seller = make_seller()
    offer = make_offer(seller=seller, seller_sku="A", price_minor=1000)
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload("sku,price\nA,12\n"))
    with psycopg.connect(_psycopg_url(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, offer_import.pk])
        with pytest.raises(OfferImportBusy):
            offer_import_run(import_id=offer_import.pk)
        assert OfferImport.objects.get(pk=offer_import.pk).status == OfferImport.Status.QUEUED
    # Closing a connection does not wait for its server process to end and release its locks:
    # on a loaded machine the next statement can run first. Wait for the release, as a worker would.
    deadline = time.monotonic() + 30
    while _lock_held(offer_import.pk) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert offer_import_run(import_id=offer_import.pk).status == OfferImport.Status.APPLIED
    offer.refresh_from_db()
    assert offer.price_minor == 1200
