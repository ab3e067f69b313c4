"""Offer imports: the listing scope of the pages, XLSX rows past the declared dimension,
workbooks that expand without bound, formula SKUs, GTIN spellings, French columns, the
storefront's currency, all-or-nothing, and the command's exit status. Every test runs on SQLite
(batched apply) and on PostgreSQL (the COPY apply)."""

from __future__ import annotations

import io
import re
import struct
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from galerie.catalog.errors import ProductNotFound
from galerie.catalog.models import Variant
from galerie.offers import imports
from galerie.offers.errors import OfferImportRefused
from galerie.offers.imports import offer_import_create, offer_import_run
from galerie.offers.models import Offer, OfferImport
from galerie.offers.selectors.seller import variant_get_for_listing
from galerie.sellers.models import Seller
from tests.factories import (
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "offers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def run(seller: Seller, data: bytes | str, *, name: str = "offers.csv", **options) -> OfferImport:
    raw = data.encode() if isinstance(data, str) else data
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload(raw, name), **options)
    return offer_import_run(import_id=offer_import.pk)


def reasons(offer_import: OfferImport) -> list[tuple[int, str, str]]:
    return list(offer_import.errors.values_list("row", "column", "reason"))


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def rewrite(xlsx: bytes, member: str, change) -> bytes:
    """Return the workbook with one part's bytes changed."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == member else data)
    return out.getvalue()


def declare_dimension(xlsx: bytes, ref: str) -> bytes:
    def change(data: bytes) -> bytes:
        changed = re.sub(rb'<dimension ref="[^"]+" ?/>', f'<dimension ref="{ref}"/>'.encode(), data)
        assert changed != data
        return changed

    return rewrite(xlsx, "xl/worksheets/sheet1.xml", change)


SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml"'
    b' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
)


def with_shared_strings(xlsx: bytes, megabytes: int) -> bytes:
    """Return the workbook with a sharedStrings.xml of ``megabytes`` MB of one letter, streamed."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":  # where openpyxl finds the shared strings
                data = data.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
            target.writestr(info.filename, data)
        with target.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * 2**20
            for _ in range(megabytes):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def lie_about_size(xlsx: bytes, member: str, declared: int) -> bytes:
    """Return the archive with ``member``'s uncompressed size declared as ``declared`` bytes."""
    data = bytearray(xlsx)
    info = zipfile.ZipFile(io.BytesIO(xlsx)).getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # the local header
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]).decode() == member:
            struct.pack_into("<I", data, position + 24, declared)
            break
        position += 4
    return bytes(data)


@pytest.fixture
def seller() -> Seller:
    return make_seller()


# --- the scope of the pages ----------------------------------------------------------------


@pytest.fixture
def two_catalogs():
    books, games = make_category("Books"), make_category("Games")
    bookshop = make_storefront(scope=[books], name="Books only")
    make_storefront(scope=[games], name="Games only")
    seller = make_seller(storefronts=[bookshop])
    book = make_variant(product=make_product(category=books))
    game = make_variant(product=make_product(category=games))
    return seller, book, game


def test_an_import_creates_no_offer_on_a_product_the_seller_page_refuses(two_catalogs):
    seller, book, game = two_catalogs
    with pytest.raises(ProductNotFound):  # the page that puts a product on sale
        variant_get_for_listing(seller, game.pk)
    result = run(seller, f"gtin,price,stock\n{game.gtin},10,1\n{book.gtin},12,2\n")
    assert reasons(result) == [
        (2, "gtin", "This product is not in the catalog of any storefront you sell on.")
    ]
    assert list(Offer.objects.filter(seller=seller).values_list("variant_id", flat=True)) == [book.pk]
    assert result.created_offers == 1


def test_a_seller_admitted_nowhere_creates_nothing_by_import(two_catalogs):
    _, book, _ = two_catalogs
    stranger = make_seller(storefronts=[make_storefront(scope=[make_category("Music")])])
    result = run(stranger, f"gtin,price,stock\n{book.gtin},10,1\n")
    assert reasons(result) == [
        (2, "gtin", "This product is not in the catalog of any storefront you sell on.")
    ]
    assert not Offer.objects.filter(seller=stranger).exists()


# --- rows past the declared dimension --------------------------------------------------------


def test_xlsx_rows_past_the_declared_dimension_are_all_read(seller):
    variants = [make_variant() for _ in range(10)]
    rows = [["gtin", "price", "stock"], *[[v.gtin, 10 + i, 1] for i, v in enumerate(variants)]]
    xlsx = declare_dimension(workbook(rows), "A1:C3")  # says 2 data rows, holds 10
    result = run(seller, xlsx, name="offers.xlsx")
    assert (result.status, result.total_rows, result.created_offers) == ("applied", 10, 10)
    assert Offer.objects.filter(seller=seller).count() == 10


def test_an_xlsx_declaring_two_rows_cannot_pass_the_row_limit(seller, monkeypatch):
    monkeypatch.setattr(imports.files, "MAX_ROWS", 30)
    monkeypatch.setattr(imports.run, "MAX_ROWS", 30)
    monkeypatch.setattr(imports.checks, "CHECK_CHUNK", 10)
    monkeypatch.setattr(imports.run, "CHECK_CHUNK", 10)
    book = make_offer(seller=seller, seller_sku="BOOK-1", price_minor=1000)
    rows = [["sku", "price"], *[["BOOK-1" if i == 0 else f"S{i}", 12] for i in range(45)]]
    result = run(seller, declare_dimension(workbook(rows), "A1:B3"), name="offers.xlsx")
    assert result.status == "failed" and "more than 30 rows" in result.failure
    book.refresh_from_db()
    assert book.price_minor == 1000  # nothing applied


# --- workbooks that expand without bound ------------------------------------------------------


def test_an_xlsx_expanding_to_hundreds_of_megabytes_is_refused_at_once_with_little_memory(seller, settings):
    hostile = with_shared_strings(workbook([["sku", "price"], ["A", 1]]), megabytes=200)
    assert len(hostile) < 400_000  # 200 MB of shared strings in a few hundred KB
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(OfferImportRefused, match=r"expands to 200 MB of xl/sharedStrings.xml") as caught:
        offer_import_create(by=TESTS, seller=seller, upload=upload(hostile, "offers.xlsx"))
    seconds, (_, peak) = time.perf_counter() - started, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < 2 and peak < 20 * 2**20
    assert "more than an offer file can hold" in caught.value.message
    assert not OfferImport.objects.exists()


def test_a_small_part_compressed_beyond_any_spreadsheet_is_refused(seller):
    hostile = with_shared_strings(workbook([["sku", "price"], ["A", 1]]), megabytes=4)
    assert len(hostile) < 20_000
    with pytest.raises(OfferImportRefused, match=r"times its size in the file"):
        offer_import_create(by=TESTS, seller=seller, upload=upload(hostile, "offers.xlsx"))


def test_a_part_lying_about_its_size_is_never_inflated_past_it(seller):
    xlsx = with_shared_strings(workbook([["sku", "price"], ["A", 1]]), megabytes=4)
    liar = lie_about_size(xlsx, "xl/sharedStrings.xml", 1000)
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload(liar, "offers.xlsx"))
    tracemalloc.start()
    result = offer_import_run(import_id=offer_import.pk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.status == "failed" and "could not be read as an Excel workbook" in result.failure
    assert peak < 20 * 2**20


def test_an_xlsx_is_parsed_once_by_the_run_never_by_the_request(seller, monkeypatch):
    variant = make_variant()
    calls = []
    load = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: calls.append(1) or load(*a, **k))
    xlsx = workbook([["gtin", "price", "stock"], [variant.gtin, 10, 1]])
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=upload(xlsx, "offers.xlsx"))
    assert calls == [] and offer_import.total_rows == 0  # counted by the run
    result = offer_import_run(import_id=offer_import.pk)
    assert calls == [1] and (result.total_rows, result.created_offers) == (1, 1)


def test_an_xlsx_without_header_or_rows_fails_its_run_with_the_reason(seller):
    result = run(seller, workbook([["name", "colour"], ["x", "red"]]), name="offers.xlsx")
    assert result.status == "failed" and "must name the columns" in result.failure
    result = run(seller, workbook([["sku", "price"]]), name="offers2.xlsx")
    assert result.status == "failed" and "has a header but no rows" in result.failure


def test_a_cell_longer_than_any_offer_field_is_a_row_problem(seller):
    book = make_offer(seller=seller, seller_sku="BOOK-1", price_minor=1000)
    xlsx = workbook([["sku", "price"], ["X" * 5000, 12], ["BOOK-1", "9" * 2000]])
    result = run(seller, xlsx, name="offers.xlsx")
    assert [(r, c) for r, c, _ in reasons(result)] == [(2, "sku"), (3, "price")]
    assert "more than 1,000 characters" in reasons(result)[0][2]
    book.refresh_from_db()
    assert book.price_minor == 1000


# --- formula SKUs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sku", ['=HYPERLINK("http://x.example","click")', "+1", "-2+3+cmd", "@SUM(A1)"])
def test_a_sku_starting_like_a_formula_is_refused_and_not_stored(seller, sku):
    variant = make_variant()
    text = 'sku;gtin;price;stock\n"{}";{};10;1\n'.format(sku.replace('"', '""'), variant.gtin)
    result = run(seller, text)
    assert [(r, c) for r, c, _ in reasons(result)] == [(2, "sku")]
    assert "a spreadsheet would run it as a formula" in reasons(result)[0][2]
    assert not Offer.objects.filter(seller=seller).exists()


# --- GTIN spellings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("catalog", "typed"),
    [
        ("860013870508", "0860013870508"),  # a UPC-A in the catalog, its EAN-13 in the file
        ("0860013870508", "860013870508"),
        ("860013870508", "'0860013870508"),  # a barcode kept as text, exported with its apostrophe
        ("860013870508", "00860013870508"),  # its GTIN-14
        ("96385074", "96385074"),  # EAN-8
        ("10860013870505", "10860013870505"),  # GTIN-14 of a case
    ],
)
def test_every_spelling_of_a_gtin_finds_its_product(seller, catalog, typed):
    variant = make_variant(gtin=catalog)
    result = run(seller, f"gtin;price;stock\n{typed};10;1\n")
    assert reasons(result) == []
    assert Offer.objects.get(seller=seller).variant_id == variant.pk


def test_the_migration_stores_the_catalogs_old_upc_as_its_ean13():
    from importlib import import_module

    from django.apps import apps

    variant = make_variant(gtin="860013870508")
    Variant.objects.filter(pk=variant.pk).update(gtin="860013870508")  # as stored before
    import_module("galerie.catalog.migrations.0003_variant_gtin_normalised").normalise(apps, None)
    variant.refresh_from_db()
    assert variant.gtin == "0860013870508"


# --- French columns, currency, all-or-nothing, the command --------------------------------


def test_french_column_names_are_read_like_the_english_ones(seller):
    book = make_offer(seller=seller, seller_sku="LIVRE-1", price_minor=1000, stock=1)
    variant = make_variant()
    text = "RÉFÉRENCE;ean;Prix;Quantité;État;Délai\nLIVRE-1;;12,50;4;;\n"
    text += f"NEUF-1;{variant.gtin};7,00;2;occasion;5\n"
    result = run(seller, text)
    assert reasons(result) == []
    book.refresh_from_db()
    assert (book.price_minor, book.stock) == (1250, 4)
    created = Offer.objects.get(seller=seller, variant=variant)
    assert (created.seller_sku, created.condition, created.lead_time_days) == ("NEUF-1", "used", 5)
    result = run(seller, "reference;prix;stock\nLIVRE-1;13;5\n")
    book.refresh_from_db()
    assert (book.price_minor, book.stock) == (1300, 5)


def test_a_new_offer_takes_its_storefronts_currency():
    watches = make_category("Watches")
    swiss = make_storefront(scope=[watches], currency="CHF", name="Uhren")
    seller = make_seller(storefronts=[swiss])
    variant = make_variant(product=make_product(category=watches))
    result = run(seller, f"gtin;price;stock\n{variant.gtin};250;1\n")
    assert result.created_offers == 1
    offer = Offer.objects.get(seller=seller)
    assert (offer.currency, offer.price_minor) == ("CHF", 25000)
    assert offer.price_history.get().currency == "CHF"


def test_all_or_nothing_applies_nothing_when_one_row_fails(seller):
    book = make_offer(seller=seller, seller_sku="BOOK-1", price_minor=1000)
    result = run(seller, "sku,price\nBOOK-1,15\nNOPE,1\n", all_or_nothing=True)
    assert result.status == "failed" and "1 of the 2 rows have errors" in result.failure
    assert reasons(result)[0][:2] == (3, "sku")  # the report stays
    book.refresh_from_db()
    assert book.price_minor == 1000
    result = run(seller, "sku,price\nBOOK-1,15\n", all_or_nothing=True)
    book.refresh_from_db()
    assert result.status == "applied" and book.price_minor == 1500


def test_the_command_exits_non_zero_when_every_row_failed(seller, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("sku;price\nNOPE-1;1\nNOPE-2;abc\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"2 of 2 rows have errors") as caught:
        call_command("offers_import", str(path), seller=seller.slug, stdout=out)
    assert caught.value.returncode == 1
    summary = [line for line in out.getvalue().splitlines() if line.startswith("Import ")]
    assert len(summary) == 1 and "2 rows, 2 with errors" in summary[0]
    # Not "Import N applied": nothing was, as the import's page says ("Nothing applied").
    assert summary[0].startswith(f"Import {OfferImport.objects.get().pk} applied nothing: 2 rows")


def test_the_command_gives_the_error_reports_full_address(seller, tmp_path, settings):
    # It printed "/sell/imports/N/errors.csv": a path a shell user cannot open without the host.
    settings.GALERIE_SITE_URL = "https://galerie.example"
    path = tmp_path / "bad.csv"
    path.write_text("sku;price\nNOPE-1;1\n")
    with pytest.raises(CommandError) as caught:
        call_command("offers_import", str(path), seller=seller.slug, stdout=io.StringIO())
    number = OfferImport.objects.get().pk
    assert str(caught.value).endswith(f"the report: https://galerie.example/sell/imports/{number}/errors.csv")


def test_the_command_applies_only_a_fully_valid_file_with_all_or_nothing(seller, tmp_path):
    book = make_offer(seller=seller, seller_sku="BOOK-1", price_minor=1000)
    path = tmp_path / "mixed.csv"
    path.write_text("sku;price\nBOOK-1;20\nNOPE;1\n")
    with pytest.raises(CommandError, match="Nothing was applied"):
        call_command(
            "offers_import", str(path), seller=seller.slug, all_or_nothing=True, stdout=io.StringIO()
        )
    book.refresh_from_db()
    assert book.price_minor == 1000
    path.write_text("sku;price\nBOOK-1;20\n")
    call_command("offers_import", str(path), seller=seller.slug, all_or_nothing=True, stdout=io.StringIO())
    book.refresh_from_db()
    assert book.price_minor == 2000
