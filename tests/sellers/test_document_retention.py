"""A seller's documents go six months after the relationship ends (closed or rejected)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from galerie.core.jobs import JOBS
from galerie.core.models import OutboxEvent
from galerie.sellers.models import Seller, SellerDocument
from galerie.sellers.services import seller_document_add, seller_reject
from galerie.sellers.services.retention import months_before, seller_documents_purge
from tests.factories import make_seller, pdf_bytes

PDF = pdf_bytes()
REJECTED_AT = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
SIX_MONTHS_LATER = datetime(2026, 9, 30, 9, 0, tzinfo=UTC)  # 31 September does not exist


def _rejected_applicant() -> tuple[Seller, SellerDocument]:
    seller = make_seller(active=False)
    document = seller_document_add(
        seller_id=seller.pk, kind="identity", file=SimpleUploadedFile("id.pdf", PDF)
    )
    with time_machine.travel(REJECTED_AT, tick=False):
        seller_reject(seller_id=seller.pk, reason="Incomplete file")
    return seller, document


def test_six_months_back_clamps_to_the_months_last_day():
    assert months_before(SIX_MONTHS_LATER, 6) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert months_before(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2026, 2, 28, tzinfo=UTC)


@pytest.mark.django_db
def test_documents_are_kept_until_six_months_after_the_rejection():
    # given an applicant rejected on 31 March with an identity document
    _seller, document = _rejected_applicant()
    storage, name = document.file.storage, document.file.name
    # when the purge runs a day before six months have passed
    kept = seller_documents_purge(now=SIX_MONTHS_LATER - timedelta(days=1))
    # then the document and its file are still there
    assert kept == 0 and SellerDocument.objects.filter(pk=document.pk).exists() and storage.exists(name)


@pytest.mark.django_db(transaction=True)
def test_documents_go_a_day_after_six_months_file_and_row():
    seller, document = _rejected_applicant()
    storage, name = document.file.storage, document.file.name
    # when the purge runs six months and a day after the rejection
    deleted = seller_documents_purge(now=datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    # then the row and the file are gone, the seller stays
    assert deleted == 1
    assert not SellerDocument.objects.filter(pk=document.pk).exists()
    assert not storage.exists(name)
    assert Seller.objects.filter(pk=seller.pk).exists()
    assert (
        OutboxEvent.objects.filter(topic="seller.documents_purged", payload__seller_id=seller.pk).count() == 1
    )
    # and running it again does nothing
    assert seller_documents_purge(now=datetime(2026, 10, 1, 9, 0, tzinfo=UTC)) == 0


@pytest.mark.django_db
def test_an_active_sellers_documents_are_kept():
    seller = make_seller()
    document = seller_document_add(seller_id=seller.pk, kind="bank", file=SimpleUploadedFile("rib.pdf", PDF))
    assert seller_documents_purge(now=datetime(2040, 1, 1, tzinfo=UTC)) == 0
    assert SellerDocument.objects.filter(pk=document.pk).exists()


def test_the_worker_runs_the_purge_daily():
    import galerie.sellers.jobs  # noqa: F401  (the worker imports every app's jobs)

    assert JOBS["sellers.documents_purge"].every_seconds == 24 * 3600
