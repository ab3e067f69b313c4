"""Creating and running an offer import: the services :func:`offer_import_create` and
:func:`offer_import_run`.

A run checks every row, records each problem with its row and column (progress committed chunk
by chunk), then applies all the valid rows in one transaction: a crash leaves none of them
applied, never half. A PostgreSQL advisory lock (SQLite: the run's age) keeps two processes from
running the same import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.utils import timezone

from galerie.core import surrogates
from galerie.core.actors import Actor, System, actor_label, actor_user, actor_user_id
from galerie.core.crashpoints import crash_point
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.offers.errors import OfferEditDenied, OfferImportBusy, OfferImportNotFound, OfferImportRefused
from galerie.offers.imports.apply import _Applied, _apply_postgres, _apply_sqlite, _By
from galerie.offers.imports.checks import CHECK_CHUNK, _batches, _Checker
from galerie.offers.imports.files import (
    MAX_ROWS,
    _count_rows,
    _open_table,
    _read_upload,
    _refuse,
    _sniff,
    _Table,
)
from galerie.offers.imports.rows import _parse
from galerie.offers.models import OfferChange, OfferImport, OfferImportError
from galerie.offers.selectors.seller import seller_storefront_scopes
from galerie.offers.services import SELLERS_WHO_MAY_LIST, offer_editor_check
from galerie.sellers.errors import SellerNotActive
from galerie.sellers.models import Seller

Status = OfferImport.Status

# A run in `checking`/`applying` is another process's until then (SQLite has no advisory lock).
STALE_AFTER = timedelta(minutes=30)
IMPORT = System("import")
ADVISORY_LOCK_CLASS = 0x6F1  # pg_try_advisory_lock(class, import id)

Progress = Callable[[str, int, int], None]  # (phase "check" | "apply", rows done, rows in all)


# --- creating an import -------------------------------------------------------------------------


def offer_import_create(
    *,
    seller: Seller,
    by: Actor,
    upload: File,
    check_only: bool = False,
    all_or_nothing: bool = False,
    file_format: str | None = None,
) -> OfferImport:
    """Vet and store a seller's file of offers, queue it (event ``offer_import.queued``).

    ``all_or_nothing``: apply the file only if every row is valid (else the run fails, naming
    the rows, and changes nothing).

    Raises OfferImportRefused, and stores nothing, for a file that is not a CSV or an XLSX
    workbook (judged by its content), is empty, larger than 20 MB, longer than 100,000 rows or
    without a header naming the columns. A file in a merchant's format (Shopify, WooCommerce,
    Magento 2 CSV, a Google Merchant Center feed, or a ZIP of one with its images) is recognised
    by its header or root element (``file_format`` demands one: shopify, woocommerce, gmc,
    magento) and read by :mod:`galerie.offers.formats`. SellerNotActive for a seller that may not list;
    OfferEditDenied when ``by`` may not change the seller's offers (a shipping clerk). The run
    applies the rows as the uploading user (checked again then), or as ``System("import")``.
    """
    offer_editor_check(seller_id=seller.pk, by=by)
    if seller.status not in SELLERS_WHO_MAY_LIST:
        raise SellerNotActive(f"{seller} cannot update offers while its account is {seller.status}.")
    raw, name = _read_upload(upload)
    from galerie.offers.formats.importer import is_merchant_upload, read_merchant_file

    merchant = bool(file_format) or is_merchant_upload(raw, name)
    kind = "merchant" if merchant else _sniff(raw, name)  # an XLSX's parts are vetted here
    total = 0  # an XLSX's rows are counted by the run, which parses it once, off the request
    if merchant:
        _format, products, _images = read_merchant_file(raw, name, file_format)
        total = sum(len(product.variants) for product in products) or len(products)
        if total == 0:
            raise _refuse(f"“{name}” holds no product.")
    elif kind == "csv":  # plain text: its header and rows are cheap to check now
        table = _open_table(raw, name, kind)
        try:
            total = _count_rows(table, name)
        finally:
            table.close()
        if total == 0:
            raise _refuse(f"“{name}” has a header but no rows.")
    with transaction.atomic():
        offer_import = OfferImport(
            seller=seller,
            uploaded_by_id=actor_user_id(by),
            original_name=name[:255],
            check_only=check_only,
            all_or_nothing=all_or_nothing,
            total_rows=total,
        )
        offer_import.file.save(name, ContentFile(raw), save=False)
        stored = offer_import.file.name
        try:
            offer_import.save()
            emit("offer_import.queued", import_id=offer_import.pk, seller_id=seller.pk)
        except Exception:
            offer_import.file.storage.delete(stored)
            raise
    return offer_import


# --- running an import --------------------------------------------------------------------------


@contextmanager
def _run_lock(import_id: int) -> Iterator[bool]:
    """Hold a PostgreSQL session lock on the import while it runs; a dead process releases it."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, import_id])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, import_id])


def _start(import_id: int) -> OfferImport | None:
    """Move the import to `checking` from scratch; None if it is done or another process runs it."""
    with transaction.atomic():
        try:
            offer_import = lock_row(OfferImport.objects.select_related("seller"), import_id)
        except OfferImport.DoesNotExist:
            raise OfferImportNotFound(f"There is no offer import {import_id}.") from None
        status = offer_import.status
        if status in (Status.APPLIED, Status.CHECKED):
            return None
        if status in (Status.CHECKING, Status.APPLYING):
            # On PostgreSQL we hold the advisory lock: whoever ran it died. Elsewhere, judge by age.
            started = offer_import.started_at
            if connection.vendor != "postgresql" and started and timezone.now() - started < STALE_AFTER:
                raise OfferImportBusy(f"Import {import_id} is being run by another process.")
            transition(offer_import, to=Status.FAILED, reason="interrupted: run again from the start")
        if offer_import.status == Status.FAILED:
            transition(offer_import, to=Status.QUEUED, reason="run again")
        offer_import.errors.all().delete()
        offer_import.processed_rows = offer_import.error_rows = 0
        offer_import.created_offers = offer_import.updated_offers = offer_import.unchanged_offers = 0
        offer_import.failure, offer_import.started_at, offer_import.finished_at = "", timezone.now(), None
        if offer_import.seller.status not in SELLERS_WHO_MAY_LIST:
            offer_import.failure = (
                f"The shop's account is {offer_import.seller.status}: it cannot update offers."
            )
            offer_import.finished_at = offer_import.started_at
            transition(
                offer_import, to=Status.FAILED, extra_fields=_RESET_FIELDS, reason="seller may not list"
            )
            return None
        try:  # the uploader's role may have changed since the upload
            offer_editor_check(seller_id=offer_import.seller_id, by=_actor(offer_import))
        except OfferEditDenied as denied:
            offer_import.failure, offer_import.finished_at = denied.message, offer_import.started_at
            transition(
                offer_import, to=Status.FAILED, extra_fields=_RESET_FIELDS, reason="uploader may not edit"
            )
            return None
        transition(offer_import, to=Status.CHECKING, extra_fields=_RESET_FIELDS)
        return offer_import


def _actor(offer_import: OfferImport) -> Actor:
    """Who applies an import: the user who uploaded it, or Galerie when no user did (or is gone)."""
    user = offer_import.uploaded_by  # None, without a query, when no user uploaded it
    return user if user is not None else IMPORT


_COUNT_FIELDS = ("error_rows", "created_offers", "updated_offers", "unchanged_offers")
_RESET_FIELDS = ("processed_rows", *_COUNT_FIELDS, "failure", "started_at", "finished_at")


def _check_all(offer_import: OfferImport, table: _Table, progress: Progress | None) -> _Checker:
    checker = _Checker(seller_id=offer_import.seller_id, scopes=seller_storefront_scopes(offer_import.seller))
    total, processed, error_rows = offer_import.total_rows, 0, 0
    for chunk in _batches(table.rows, CHECK_CHUNK):
        processed += len(chunk)
        if processed > MAX_ROWS:
            raise _refuse(f"The file has more than {MAX_ROWS:,} rows: split it into several files.")
        problems, rows = [], []
        for number, cells in chunk:
            row, found = _parse(number, cells, table.columns)
            problems.extend(found)
            if not found:
                rows.append(row)
        problems.extend(checker.check(rows))
        error_rows += len({p.row for p in problems})
        total = max(total, processed)
        with transaction.atomic():  # committed now: the page and the CLI see the progress
            OfferImportError.objects.bulk_create(
                OfferImportError(offer_import_id=offer_import.pk, **p._asdict())
                for p in sorted(problems, key=lambda p: p.row)
            )
            OfferImport.objects.filter(pk=offer_import.pk).update(
                processed_rows=processed, error_rows=error_rows, total_rows=total
            )
        if progress:
            progress("check", processed, total)
    if processed == 0:
        raise _refuse(f"“{offer_import.original_name}” has a header but no rows.")
    offer_import.processed_rows = offer_import.total_rows = processed
    offer_import.error_rows = error_rows
    return checker


def _finish(offer_import: OfferImport, to: str, counts: _Applied) -> None:
    offer_import.created_offers = counts.created
    offer_import.updated_offers = counts.updated
    offer_import.unchanged_offers = counts.unchanged
    offer_import.finished_at = timezone.now()
    transition(
        offer_import,
        to=to,
        extra_fields=("processed_rows", "total_rows", *_COUNT_FIELDS, "finished_at"),
    )


def offer_import_run(*, import_id: int, progress: Progress | None = None) -> OfferImport:
    """Check every row of an import, then apply all its valid rows in one transaction.

    Idempotent: an import already applied or checked is returned as it is; one left in
    `checking`/`applying` by a process that died is run again from the start (its earlier
    problems are dropped). Raises OfferImportBusy while another process runs it (PostgreSQL:
    a session advisory lock on the import; SQLite: younger than STALE_AFTER). A file that can
    no longer be read ends the import as `failed`; an unexpected error marks it `failed` and is
    raised again (the worker retries it).
    """
    with _run_lock(import_id) as got:
        if not got:
            raise OfferImportBusy(f"Import {import_id} is being run by another process.")
        offer_import = _start(import_id)
        if offer_import is None:
            return OfferImport.objects.get(pk=import_id)
        try:
            _run(offer_import, progress)
        except OfferImportRefused as refused:
            _fail(import_id, refused.message)
        except OfferImportBusy:
            raise  # another process took it over (SQLite): it is theirs now
        except Exception as error:
            _fail(import_id, f"The run stopped on an unexpected error ({type(error).__name__}: {error}).")
            raise
    return OfferImport.objects.get(pk=import_id)


def _run(offer_import: OfferImport, progress: Progress | None) -> None:
    try:
        with offer_import.file.open("rb") as stored:
            raw = stored.read()
    except (OSError, ValueError) as error:  # ValueError: an import without a file
        raise _refuse(f"The uploaded file can no longer be read ({error}): upload it again.") from None
    from galerie.offers.formats.importer import is_merchant_upload, merchant_import_check

    propose: Callable[[], int] | None = None
    # Shopify, WooCommerce, Magento, Google (offers/formats)
    if is_merchant_upload(raw, offer_import.original_name):
        checker, propose = merchant_import_check(offer_import, raw, progress)
    else:
        table = _open_table(raw, offer_import.original_name)
        try:
            checker = _check_all(offer_import, table, progress)
        finally:
            table.close()
    if offer_import.check_only:
        with transaction.atomic():
            lock_row(OfferImport.objects.all(), offer_import.pk)
            _finish(
                offer_import,
                Status.CHECKED,
                _Applied(checker.would_create, checker.would_update, checker.would_keep),
            )
        return
    if offer_import.all_or_nothing and offer_import.error_rows:
        raise _refuse(
            f"Nothing was applied: {offer_import.error_rows:,} of the {offer_import.total_rows:,} rows have"
            " errors and this file was to be applied only if every row is valid. Correct them and upload"
            " it again."
        )
    with transaction.atomic():
        transition(
            offer_import, to=Status.APPLYING, extra_fields=("processed_rows", "total_rows", "error_rows")
        )
    if progress:
        progress("apply", 0, len(checker.valid))
    with transaction.atomic():
        current = lock_row(OfferImport.objects.all(), offer_import.pk)
        if current.status != Status.APPLYING:
            raise OfferImportBusy(f"Import {offer_import.pk} was taken over by another process.")
        apply = _apply_postgres if connection.vendor == "postgresql" else _apply_sqlite
        by = _actor(offer_import)
        user = actor_user(by)
        who = _By(user.pk if user else None, actor_label(by)[:150], OfferChange.Reason.IMPORT)
        counts = apply(offer_import.seller_id, checker.valid, timezone.now(), who)
        crash_point("offers.import_applying")
        proposed = propose() if propose is not None else 0  # new products: proposals, same transaction
        # The per-offer events are written set-based, not through emit(): the cached pages of
        # the variants the rows touch go stale here (core/surrogates.py), once, at the commit.
        surrogates.bump_on_commit(surrogates.key("variant", row.variant_id) for row in checker.valid)
        _finish(offer_import, Status.APPLIED, counts)
        emit(
            "offer_import.applied",
            import_id=offer_import.pk,
            seller_id=offer_import.seller_id,
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            error_rows=offer_import.error_rows,
            proposed=proposed,
        )
    if progress:
        progress("apply", len(checker.valid), len(checker.valid))


def _fail(import_id: int, reason: str) -> None:
    with transaction.atomic():
        offer_import = lock_row(OfferImport.objects.all(), import_id)
        if Status.FAILED not in OfferImport.TRANSITIONS[Status(offer_import.status)]:
            return
        offer_import.failure, offer_import.finished_at = reason, timezone.now()
        transition(
            offer_import, to=Status.FAILED, extra_fields=("failure", "finished_at"), reason=reason[:200]
        )


def offer_imports_resume(*, started_before: datetime) -> int:
    """Run again the imports a killed process left in `checking` or `applying`, started before
    ``started_before``; return how many ran. An import another live process runs is left to it
    (OfferImportBusy: its advisory lock is held; on SQLite, younger than STALE_AFTER)."""
    stuck = OfferImport.objects.filter(
        status__in=[Status.CHECKING, Status.APPLYING], started_at__lt=started_before
    ).order_by("pk")
    ran = 0
    for import_id in stuck.values_list("pk", flat=True)[:20]:
        try:
            offer_import_run(import_id=import_id)
        except OfferImportBusy:
            continue
        ran += 1
    return ran
