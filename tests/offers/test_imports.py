"""Bulk offer updates (CSV/XLSX): file vetting, row checks with their row and column, all-or-nothing
application, price history and events, seller isolation, check-only, idempotent runs, the CLI."""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from galerie.core.models import OutboxEvent, StatusChange
from galerie.offers import imports
from galerie.offers.errors import OfferImportBusy, OfferImportRefused
from galerie.offers.handlers import offer_import_queued
from galerie.offers.imports import offer_import_create, offer_import_run
from galerie.offers.models import Offer, OfferImport, OfferImportError, PriceHistory
from galerie.sellers.errors import SellerNotActive
from galerie.sellers.models import Seller
from tests.factories import TESTS, make_bulk_variants, make_offer, make_seller, make_variant

pytestmark = pytest.mark.django_db
HEADER = "sku,gtin,price,stock,condition,lead_time_days"


def upload(content: str | bytes, name: str = "offers.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    data = content.encode(encoding) if isinstance(content, str) else content
    return SimpleUploadedFile(name, data)


def run(seller: Seller, content: str | bytes, *, name: str = "offers.csv", check_only: bool = False, **kw):
    offer_import = offer_import_create(
        by=TESTS, seller=seller, upload=upload(content, name, **kw), check_only=check_only
    )
    return offer_import_run(import_id=offer_import.pk)


def problems(offer_import: OfferImport) -> list[tuple[int, str]]:
    return list(offer_import.errors.values_list("row", "column"))


def state(*offers: Offer) -> list[tuple]:
    return [Offer.objects.values_list("price_minor", "stock", "lead_time_days").get(pk=o.pk) for o in offers]


@pytest.fixture
def seller() -> Seller:
    return make_seller()


@pytest.fixture
def book(seller) -> Offer:
    return make_offer(seller=seller, price_minor=1000, stock=3, seller_sku="BOOK-1", lead_time_days=2)


# --- rows and columns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("price", "abc", "is not a price"),
        ("price", "12.999", "more than two decimals"),
        ("price", "0", "more than zero"),
        ("price", "-3", "more than zero"),
        ("price", "1.234,50", "more than one separator"),
        ("price", "12 €", "is not a price"),
        ("stock", "-1", "cannot be negative"),
        ("stock", "2.5", "not a whole number"),
        ("stock", "lots", "not a whole number"),
        ("condition", "mint", "is not a condition"),
        ("lead_time_days", "400", "at most 365"),
        ("gtin", "123", "is not a valid GTIN"),
        ("gtin", "4006381333932", "check digits are wrong"),
        ("gtin", "9,78207E+12", "scientific notation"),
    ],
)
def test_a_bad_cell_is_reported_at_its_row_and_column_and_its_row_is_left_out(
    seller, book, column, value, reason
):
    other = make_offer(seller=seller, price_minor=500, stock=1, seller_sku="OTHER-2")
    cells = {
        "sku": "BOOK-1",
        "gtin": "",
        "price": "11.00",
        "stock": "4",
        "condition": "",
        "lead_time_days": "",
    }
    cells[column] = value
    content = f"{HEADER}\nOTHER-2,,6.00,2,,\n" + ",".join(f'"{v}"' for v in cells.values()) + "\n"
    result = run(seller, content)
    assert result.status == OfferImport.Status.APPLIED
    assert problems(result) == [(3, column)]
    error = result.errors.get()
    assert error.value == value and reason in error.reason
    assert (result.error_rows, result.updated_offers, result.created_offers) == (1, 1, 0)
    assert state(book, other) == [(1000, 3, 2), (600, 2, 2)]  # the bad row changed nothing


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12,90", 1290), ("12.90", 1290), ("12.9", 1290), ("12", 1200), ("1 234,50", 123450), (",5", 50)],
)
def test_prices_with_a_comma_or_a_point_become_exact_cents(seller, book, text, cents):
    result = run(seller, f'sku;price\nBOOK-1;"{text}"\n')
    assert not problems(result)
    book.refresh_from_db()
    assert book.price_minor == cents


@hypothesis_settings(max_examples=60, deadline=None)
@given(cents=st.integers(min_value=1, max_value=imports.MAX_PRICE_MINOR), comma=st.booleans())
def test_any_price_written_with_two_decimals_reads_back_as_its_cents(cents, comma):
    text = f"{Decimal(cents) / 100:.2f}"
    assert imports.rows._price(text.replace(".", ",") if comma else text) == cents


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_commas_semicolons_tabs_and_the_usual_encodings_all_read(seller, delimiter, encoding):
    variant = make_variant()
    header = delimiter.join(["SKU", "GTIN", "Price", "Stock", "Condition", "Lead Time Days"])
    row = delimiter.join(["CAFÉ-1", variant.gtin, "12,90" if delimiter != "," else "12.90", "7", "Neuf", "3"])
    result = run(seller, f"{header}\r\n{row}\r\n", encoding=encoding)
    assert not problems(result) and result.created_offers == 1
    offer = Offer.objects.get(seller=seller)
    assert (offer.seller_sku, offer.price_minor, offer.stock, offer.condition, offer.lead_time_days) == (
        "CAFÉ-1", 1290, 7, "new", 3,
    )  # fmt: skip


def test_an_xlsx_workbook_works_with_numbers_as_excel_stores_them(seller, book):
    variant = make_variant()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["sku", "gtin", "price", "stock", "condition"])
    sheet.append(["BOOK-1", None, 12.9, 8.0, None])
    sheet.append([])  # an empty row is skipped, the row numbers stay those of the sheet
    sheet.append(["NEW-1", int(variant.gtin), 5, 2, "used"])
    sheet.append(["NEW-2", "not-a-gtin", 5, 2, "used"])
    data = io.BytesIO()
    workbook.save(data)
    result = run(seller, data.getvalue(), name="offers.xlsx")
    assert problems(result) == [(5, "gtin")]
    assert (result.total_rows, result.updated_offers, result.created_offers) == (3, 1, 1)
    assert state(book) == [(1290, 8, 2)]
    created = Offer.objects.get(seller=seller, variant=variant)
    assert (created.seller_sku, created.price_minor, created.condition) == ("NEW-1", 500, "used")


# --- refused files ------------------------------------------------------------------------------


def _zip(names: list[str]) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return data.getvalue()


def test_a_binary_file_named_xlsx_is_called_an_unreadable_workbook_not_a_text_file(seller):
    with pytest.raises(OfferImportRefused, match="is not a readable Excel workbook") as caught:
        offer_import_create(by=TESTS, seller=seller, upload=upload(b"\x00\x01garbage" * 40, "prices.xlsx"))
    assert caught.value.field == "file" and "prices.xlsx" in caught.value.message
    assert not OfferImport.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "is an image (PNG)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "is a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old Excel 97–2003"),
        (_zip(["word/document.xml", "[Content_Types].xml"]), "ZIP archive, not an Excel"),
        (_zip(["mimetype", "content.xml"]), "OpenDocument"),
        (b"sku,price\x00\x01\x02", "is not a text file"),
        (b"", "is empty"),
        (b"  \r\n", "is empty"),
        (f"{HEADER}\n".encode(), "has a header but no rows"),
        ("référence;désignation\nA;livre\n".encode(), "must name the columns"),
        (b"sku,gtin\nA,\n", "must name the columns"),
        (b"sku,price,price\nA,1,2\n", "appears twice"),
        (b"\x81\x8d\x8f\x90\x9d\xff\xfe", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_a_file_that_is_not_a_usable_csv_or_xlsx_is_refused_and_nothing_is_stored(
    seller, settings, content, message
):
    with pytest.raises(OfferImportRefused, match=re.escape(message)) as caught:
        offer_import_create(by=TESTS, seller=seller, upload=upload(content, "offers.csv"))
    assert caught.value.field == "file"
    assert not OfferImport.objects.exists()
    assert not OutboxEvent.objects.filter(topic="offer_import.queued").exists()
    private = settings.STORAGES["private"]["OPTIONS"]["location"]
    assert not private.exists() or not any(path.is_file() for path in private.rglob("*"))


def test_more_than_100000_rows_or_20_mb_is_refused(seller, monkeypatch):
    rows = "".join(f"S{i},1.00,1\n" for i in range(imports.MAX_ROWS + 1))
    with pytest.raises(OfferImportRefused, match="more than 100,000 rows"):
        offer_import_create(by=TESTS, seller=seller, upload=upload("sku,price,stock\n" + rows))
    monkeypatch.setattr(imports.files, "MAX_BYTES", 1000)
    with pytest.raises(OfferImportRefused, match="the limit is 0 MB"):
        offer_import_create(by=TESTS, seller=seller, upload=upload("sku,price\n" + "A,1\n" * 400))
    assert not OfferImport.objects.exists()


def test_a_seller_that_may_not_list_cannot_import(seller):
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.CLOSED)
    seller.refresh_from_db()
    with pytest.raises(SellerNotActive):
        offer_import_create(by=TESTS, seller=seller, upload=upload("sku,price\nA,1\n"))
    assert not OfferImport.objects.exists()


def test_a_seller_closed_after_the_upload_fails_its_import_and_nothing_changes(seller, book):
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload("sku,price\nBOOK-1,99\n"))
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.CLOSED)
    result = offer_import_run(import_id=offer_import.pk)
    assert result.status == OfferImport.Status.FAILED and "closed" in result.failure
    assert state(book) == [(1000, 3, 2)]


# --- what a row does ---------------------------------------------------------------------------


def test_a_gtin_of_the_catalog_without_an_offer_creates_one_with_its_first_price_and_event(seller):
    variant = make_variant()
    result = run(seller, f"{HEADER}\nNEW-1,{variant.gtin},9.99,4,like new,\n")
    offer = Offer.objects.get(seller=seller)
    assert (offer.variant, offer.seller_sku, offer.condition, offer.lead_time_days) == (
        variant, "NEW-1", "like_new", 2,
    )  # fmt: skip
    assert list(offer.price_history.values_list("price_minor", flat=True)) == [999]
    assert OutboxEvent.objects.get(topic="offer.created").payload == {
        "offer_id": offer.pk, "variant_id": variant.pk, "seller_id": seller.pk,
    }  # fmt: skip
    assert (result.created_offers, result.updated_offers) == (1, 0)


def test_an_unknown_gtin_is_refused_and_a_new_offer_needs_a_price_and_a_stock(seller):
    known = make_variant()
    result = run(seller, f"gtin,price,stock\n4006381333931,5,1\n{known.gtin},,1\n{known.gtin},5,\n")
    assert problems(result) == [(2, "gtin"), (3, "price"), (4, "stock")]
    assert "not in the catalog: propose the product first" in result.errors.first().reason
    assert not Offer.objects.filter(seller=seller).exists()


def test_a_gtin_finds_the_offer_in_its_condition_and_gives_it_the_sku_it_lacked(seller):
    variant = make_variant()
    new = make_offer(seller=seller, variant=variant, price_minor=1000, condition="new")
    used = make_offer(seller=seller, variant=variant, price_minor=600, condition="used")
    run(seller, f"{HEADER}\nUSED-9,{variant.gtin},5.50,1,used,\n")
    assert state(new, used) == [(1000, 10, 2), (550, 1, 2)]
    used.refresh_from_db()
    assert used.seller_sku == "USED-9"


def test_price_history_is_appended_only_for_changed_prices_and_events_follow_the_changes(seller, book):
    same = make_offer(seller=seller, price_minor=700, stock=5, seller_sku="SAME")
    stock_only = make_offer(seller=seller, price_minor=800, stock=5, seller_sku="STOCK")
    before = PriceHistory.objects.count()
    result = run(seller, "sku,price,stock\nBOOK-1,12.50,3\nSAME,7.00,5\nSTOCK,8,9\n")
    assert (result.updated_offers, result.unchanged_offers) == (2, 1)
    assert PriceHistory.objects.count() == before + 1
    assert book.price_history.order_by("-id").values_list("price_minor", flat=True)[0] == 1250
    assert same.price_history.count() == stock_only.price_history.count() == 1  # their first price only
    price = OutboxEvent.objects.get(topic="offer.price_changed")
    assert price.payload == {
        "offer_id": book.pk, "variant_id": book.variant_id, "previous_minor": 1000, "price_minor": 1250,
        "currency": "EUR",
    }  # fmt: skip
    stock = OutboxEvent.objects.get(topic="offer.stock_changed")
    assert stock.payload == {"offer_id": stock_only.pk, "variant_id": stock_only.variant_id, "stock": 9}
    assert OutboxEvent.objects.get(topic="offer_import.applied").payload["updated"] == 2


def test_an_empty_cell_keeps_the_current_value(seller, book):
    run(seller, "sku,price,stock,lead_time_days\nBOOK-1,,7,\n")
    assert state(book) == [(1000, 7, 2)]


def test_a_duplicate_key_is_an_error_on_the_later_row_naming_the_earlier(seller, book):
    result = run(seller, f"sku,gtin,price\nBOOK-1,,11\nX,,1\nBOOK-1,,12\n,{book.variant.gtin},13\n")
    assert problems(result) == [(3, "sku"), (4, "sku"), (5, "gtin")]
    reasons = list(result.errors.values_list("reason", flat=True))
    assert "row 2" in reasons[1] and "row 2" in reasons[2]
    assert state(book) == [(1100, 3, 2)]  # the first row won


def test_a_sku_cannot_move_an_offer_to_another_product_or_condition(seller, book):
    other = make_variant()
    result = run(seller, f"{HEADER}\nBOOK-1,{other.gtin},5,1,,\nBOOK-1,,5,1,used,\n")
    assert problems(result) == [(2, "gtin"), (3, "condition")]
    assert state(book) == [(1000, 3, 2)]


def test_another_sellers_offer_is_never_touched(seller, book):
    rival = make_seller()
    theirs = make_offer(seller=rival, variant=book.variant, price_minor=2000, stock=9, seller_sku="BOOK-1")
    only_theirs = make_offer(seller=rival, price_minor=3000, stock=9, seller_sku="RIVAL-ONLY")
    content = (
        f"sku,gtin,price,stock\nBOOK-1,,1.00,1\nRIVAL-ONLY,,1.00,1\nMINE,{only_theirs.variant.gtin},4,4\n"
    )
    result = run(seller, content)
    assert problems(result) == [(3, "sku")]  # "you have no offer with this SKU"
    assert state(theirs, only_theirs) == [(2000, 9, 2), (3000, 9, 2)]
    assert state(book) == [(100, 1, 2)]
    mine = Offer.objects.get(seller=seller, variant=only_theirs.variant)  # a new offer of its own
    assert (mine.seller_sku, mine.price_minor) == ("MINE", 400)
    assert not PriceHistory.objects.filter(offer__seller=rival).exclude(price_minor__in=[2000, 3000]).exists()


def test_check_only_reports_what_would_change_and_changes_nothing(seller, book):
    variant = make_variant()
    history, events = (
        PriceHistory.objects.count(),
        OutboxEvent.objects.filter(topic__startswith="offer.").count(),
    )
    result = run(
        seller, f"sku,gtin,price,stock\nBOOK-1,,12,3\nNEW,{variant.gtin},5,5\nBAD,,x,1\n", check_only=True
    )
    assert result.status == OfferImport.Status.CHECKED
    assert (result.created_offers, result.updated_offers, result.error_rows) == (1, 1, 1)
    assert problems(result) == [(4, "price")]
    assert state(book) == [(1000, 3, 2)]
    assert not Offer.objects.filter(variant=variant).exists()
    assert PriceHistory.objects.count() == history
    assert OutboxEvent.objects.filter(topic__startswith="offer.").count() == events


# --- running -------------------------------------------------------------------------------------


def test_a_run_twice_applies_once(seller, book):
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload("sku,price\nBOOK-1,15\n"))
    first = offer_import_run(import_id=offer_import.pk)
    history = PriceHistory.objects.count()
    second = offer_import_run(import_id=offer_import.pk)
    assert first.status == second.status == OfferImport.Status.APPLIED
    assert PriceHistory.objects.count() == history
    assert second.finished_at == first.finished_at


def test_an_import_left_half_way_by_a_dead_process_is_run_again_from_the_start(seller, book):
    offer_import = offer_import_create(
        by=TESTS, seller=seller, upload=upload("sku,price\nBOOK-1,15\nNOPE,1\n")
    )
    # A process checked a row, recorded a problem, then died while applying.
    OfferImport.objects.filter(pk=offer_import.pk).update(
        status=OfferImport.Status.APPLYING, processed_rows=2, started_at=timezone.now() - timedelta(hours=1)
    )
    OfferImportError.objects.create(
        offer_import=offer_import, row=3, column="sku", value="NOPE", reason="old"
    )
    result = offer_import_run(import_id=offer_import.pk)
    assert result.status == OfferImport.Status.APPLIED
    assert problems(result) == [(3, "sku")] and result.errors.get().reason != "old"
    assert state(book) == [(1500, 3, 2)]
    moves = StatusChange.objects.filter(object_pk=str(offer_import.pk), model="offers.OfferImport")
    assert list(moves.values_list("to_status", flat=True)) == [
        "failed",
        "queued",
        "checking",
        "applying",
        "applied",
    ]


def test_an_import_another_process_is_running_is_left_to_it(seller, book):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL knows through its advisory lock: tests/offers/test_imports_postgres.py")
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload("sku,price\nBOOK-1,15\n"))
    OfferImport.objects.filter(pk=offer_import.pk).update(
        status=OfferImport.Status.CHECKING, started_at=timezone.now()
    )
    with pytest.raises(OfferImportBusy):
        offer_import_run(import_id=offer_import.pk)
    assert state(book) == [(1000, 3, 2)]
    assert OfferImport.objects.get(pk=offer_import.pk).status == OfferImport.Status.CHECKING


def test_the_worker_runs_a_queued_import(seller, book):
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload("sku,stock\nBOOK-1,42\n"))
    event = OutboxEvent.objects.get(topic="offer_import.queued")
    assert event.payload == {"import_id": offer_import.pk, "seller_id": seller.pk}
    offer_import_queued(event)
    offer_import_queued(event)  # delivered twice: nothing more happens
    assert state(book) == [(1000, 42, 2)]
    assert OutboxEvent.objects.filter(topic="offer.stock_changed").count() == 1


def test_an_unexpected_error_fails_the_import_applies_nothing_and_is_raised_for_a_retry(
    seller, book, monkeypatch
):
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload("sku,price\nBOOK-1,15\n"))

    def boom(*args, **kwargs):
        Offer.objects.filter(pk=book.pk).update(price_minor=1)  # half-way through …
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.run, "_apply_sqlite", boom)
    monkeypatch.setattr(imports.run, "_apply_postgres", boom)
    with pytest.raises(RuntimeError):
        offer_import_run(import_id=offer_import.pk)
    result = OfferImport.objects.get(pk=offer_import.pk)
    assert result.status == OfferImport.Status.FAILED and "disk full" in result.failure
    assert state(book) == [(1000, 3, 2)]  # … rolled back: none of it applied
    monkeypatch.undo()
    assert offer_import_run(import_id=offer_import.pk).status == OfferImport.Status.APPLIED
    assert state(book) == [(1500, 3, 2)]


# --- 100,000 rows ---------------------------------------------------------------------------------


def _price_cents(index: int) -> int:
    """The price the big file gives to the offer of row index + 2: every third keeps 10.00."""
    return 1000 if index % 3 == 0 else 1000 + 100 * (index % 7) + index % 100


def big_file(variants, bad_rows: set[int]) -> str:
    """60,000 updates by SKU, then 40,000 new offers by GTIN; the rows in ``bad_rows`` are broken."""
    lines = ["sku;gtin;price;stock"]
    for index in range(100_000):
        number, price = index + 2, _price_cents(index)
        sku, gtin = (f"SKU{index:06d}", "") if index < 60_000 else (f"NEW{index:06d}", variants[index].gtin)
        stock = index % 50 if index < 60_000 else index % 9
        if number in bad_rows:  # a bad price, a negative stock or a GTIN the catalog does not know
            kind = number % 3
            price_text = "x" if kind == 0 else "1"
            stock, gtin = (-1 if kind == 1 else stock), ("4006381333931" if kind == 2 else gtin)
            sku = "" if kind == 2 else sku
        else:
            price_text = f"{price // 100},{price % 100:02d}"
        lines.append(f"{sku};{gtin};{price_text};{stock}")
    return "\n".join(lines) + "\n"


def test_100000_rows_with_50_bad_ones_report_exactly_those_and_apply_the_rest(seller):
    variants = make_bulk_variants(100_000)
    existing = Offer.objects.bulk_create(
        (
            Offer(seller=seller, variant=v, seller_sku=f"SKU{i:06d}", price_minor=1000, stock=1)
            for i, v in enumerate(variants[:60_000])
        ),
        batch_size=5000,
    )
    bad_rows = set(range(7, 100_002, 2000))  # 50 rows, numbered as in the file (the header is row 1)
    assert len(bad_rows) == 50
    started = time.perf_counter()
    result = run(seller, big_file(variants, bad_rows))
    seconds = time.perf_counter() - started
    assert result.status == OfferImport.Status.APPLIED
    assert sorted(set(result.errors.values_list("row", flat=True))) == sorted(bad_rows)
    assert (result.error_rows, result.total_rows, result.processed_rows) == (50, 100_000, 100_000)
    good = [i for i in range(100_000) if i + 2 not in bad_rows]
    updates = [i for i in good if i < 60_000]
    unchanged = [i for i in updates if _price_cents(i) == 1000 and i % 50 == 1]
    assert result.created_offers == len(good) - len(updates)
    assert (result.updated_offers, result.unchanged_offers) == (len(updates) - len(unchanged), len(unchanged))
    assert Offer.objects.filter(seller=seller).count() == 60_000 + result.created_offers
    # Spot checks: an update, an unchanged price with a new stock, a creation, a bad row untouched.
    assert state(existing[4]) == [(1404, 4, 2)]
    assert state(existing[3]) == [(1000, 3, 2)]
    created = Offer.objects.get(seller=seller, variant=variants[70_001])
    assert (created.seller_sku, created.price_minor, created.stock) == ("NEW070001", _price_cents(70_001), 8)
    assert state(existing[5]) == [(1000, 1, 2)]  # row 7 was bad: untouched
    assert not Offer.objects.filter(seller=seller, variant=variants[60_005]).exists()  # row 60,007: bad
    changed_prices = sum(1 for i in updates if _price_cents(i) != 1000)
    assert PriceHistory.objects.filter(offer__seller=seller).count() == changed_prices + result.created_offers
    events = OutboxEvent.objects.filter(topic="offer.price_changed")
    assert events.count() == changed_prices
    assert OutboxEvent.objects.filter(topic="offer.created").count() == result.created_offers
    print(f"100,000 rows in {seconds:.1f} s ({100_000 / seconds:,.0f} rows/s)")


# --- the command line -----------------------------------------------------------------------------


def test_the_command_imports_a_file_and_prints_a_one_line_summary(seller, book, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("sku;price;stock\nBOOK-1;13,00;2\nNOPE;1;1\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 rows have errors"):  # exit status 1: a row failed
        call_command("offers_import", str(path), seller=seller.slug, stdout=out)
    text = out.getvalue()
    assert "applied: 2 rows, 1 with errors, 0 offers created, 1 updated, 0 unchanged" in text
    assert "rows/s" in text and "row 3, sku “NOPE”" in text
    assert state(book) == [(1300, 2, 2)]


def test_the_command_checks_only_and_refuses_a_bad_file_clearly(seller, book, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("sku,price\nBOOK-1,13\n")
    out = io.StringIO()
    call_command("offers_import", str(path), seller=seller.slug, check_only=True, stdout=out)
    assert "checked: 1 rows, 0 with errors, 0 offers would be created, 1 would be updated" in out.getvalue()
    assert state(book) == [(1000, 3, 2)]
    picture = tmp_path / "prices2.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CommandError, match="is an image"):
        call_command("offers_import", str(picture), seller=seller.slug)
    with pytest.raises(CommandError, match="no seller"):
        call_command("offers_import", str(path), seller="nobody")
    assert OfferImport.objects.count() == 1


def test_a_stored_file_that_is_gone_fails_the_import_for_good_and_changes_nothing(seller, book):
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload("sku,price\nBOOK-1,15\n"))
    offer_import.file.storage.delete(offer_import.file.name)
    result = offer_import_run(import_id=offer_import.pk)  # not raised: retrying would not help
    assert result.status == OfferImport.Status.FAILED and "can no longer be read" in result.failure
    assert state(book) == [(1000, 3, 2)]
