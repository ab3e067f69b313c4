"""Reading a seller's offer file: the upload's size, CSV or XLSX judged by content, the header row.

A file that is not a CSV or an XLSX workbook, is empty, too big, too long or without a header
naming the columns is refused with :class:`OfferImportRefused` on ``file``; :func:`_open_table`
gives the rows of the others, numbered as in the file, as raw cells.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.base import File
from django.utils.formats import number_format
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from galerie.core.archives import ArchiveLimits, ArchiveRefused, archive_open, archive_vet
from galerie.offers.errors import OfferImportRefused

MAX_ROWS = 100_000
MAX_BYTES = 20 * 2**20

COLUMNS = ("sku", "gtin", "price", "stock", "condition", "lead_time_days")
# Other names a seller's spreadsheet gives the columns (French first), compared without case,
# accents, spaces or hyphens: "Référence", "Quantité", "EAN"…
COLUMN_ALIASES = {
    "reference": "sku",
    "ref": "sku",
    "ean": "gtin",
    "ean13": "gtin",
    "upc": "gtin",
    "code_barre": "gtin",
    "code_barres": "gtin",
    "prix": "price",
    "quantite": "stock",
    "quantity": "stock",
    "etat": "condition",
    "delai": "lead_time_days",
    "delai_jours": "lead_time_days",
}

# An XLSX file is a ZIP of XML: it is vetted from the archive's directory before any parsing
# (docs/offer-imports.md). Excel's own 100,000-row sheet of offers is about 15 MB of XML.
MAX_XLSX_MEMBER_BYTES = 64 * 2**20  # one part once uncompressed (the sheet, its shared strings)
MAX_XLSX_TOTAL_BYTES = 128 * 2**20  # all the parts
MAX_XLSX_RATIO = 200  # uncompressed / compressed size of a part past 1 MB; Excel's are under 30
MAX_XLSX_MEMBERS = 1_000
MAX_CELL_CHARS = 1_000  # no column of an offer file holds more
# Embedded objects (xl/embeddings/) may be workbooks themselves: counted, never opened.
XLSX_LIMITS = ArchiveLimits(
    max_members=MAX_XLSX_MEMBERS,
    max_total_bytes=MAX_XLSX_TOTAL_BYTES,
    max_member_bytes=MAX_XLSX_MEMBER_BYTES,
    max_ratio=MAX_XLSX_RATIO,
    nested_under="xl/embeddings/",
)


@dataclass
class _Table:
    kind: str  # "csv" or "xlsx"
    columns: dict[str, int]  # column name -> index in a row
    rows: Iterator[tuple[int, list[Any]]]  # (row number in the file, the header being 1; cells)
    close: Callable[[], None] = lambda: None


_SIGNATURES = (
    (b"\x89PNG", "an image (PNG)"),
    (b"\xff\xd8\xff", "an image (JPEG)"),
    (b"GIF8", "an image (GIF)"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Excel 97–2003 workbook (.xls): save it as .xlsx or CSV"),
    (b"{\\rtf", "a Word (RTF) document"),
)


def _refuse(message: str) -> OfferImportRefused:
    return OfferImportRefused(message, field="file")


def _sniff(raw: bytes, name: str) -> str:
    """Return "xlsx" or "csv" from the content (never the file name); raise if it is neither."""
    if not raw.strip():
        raise _refuse(f"“{name}” is empty.")
    for signature, what in _SIGNATURES:
        if raw.startswith(signature):
            raise _refuse(f"“{name}” is {what}, not a CSV or Excel (.xlsx) file.")
    if raw.startswith(b"RIFF") and raw[8:12] == b"WEBP":
        raise _refuse(f"“{name}” is an image (WebP), not a CSV or Excel (.xlsx) file.")
    if raw.startswith(b"PK\x03\x04"):
        try:
            names = set(archive_open(raw, name).namelist())
        except ArchiveRefused:
            raise _refuse(f"“{name}” is a damaged ZIP archive, not a CSV or Excel (.xlsx) file.") from None
        if {"[Content_Types].xml", "xl/workbook.xml"} <= names:
            _vet_xlsx_archive(raw, name)
            return "xlsx"
        if "mimetype" in names and "content.xml" in names:
            raise _refuse(f"“{name}” is an OpenDocument file (.ods): save it as .xlsx or CSV.")
        raise _refuse(f"“{name}” is a ZIP archive, not an Excel (.xlsx) workbook.")
    if b"\x00" in raw[:65536]:
        if name.lower().endswith((".xlsx", ".xlsm", ".xls")):
            raise _refuse(
                f"“{name}” is not a readable Excel workbook: save it again as .xlsx or CSV (UTF-8)."
            )
        raise _refuse(f"“{name}” is not a text file: save it as CSV (UTF-8) or as an Excel .xlsx workbook.")
    return "csv"


def _grouped(number: float) -> str:
    """A whole number as the reader writes it (1,400 in English, 1 400 in French)."""
    return number_format(round(number), force_grouping=True)


def _vet_xlsx_archive(raw: bytes, name: str) -> None:
    """Refuse a workbook whose parts would expand past the limits, from the ZIP directory alone.

    ``zipfile`` never inflates a part past the size its directory declares (a part that lies
    ends short and fails its CRC check), so these declared sizes bound what parsing can use.
    """
    archive = archive_open(raw, name)
    members = archive.infolist()
    if len(members) > MAX_XLSX_MEMBERS:
        raise _refuse(
            _("“%(name)s” holds %(count)s parts: it is not an ordinary Excel workbook.")
            % {"name": name, "count": _grouped(len(members))}
        )
    total = 0
    for member in members:
        size, packed = member.file_size, max(member.compress_size, 1)
        total += size
        too_big = size > MAX_XLSX_MEMBER_BYTES or total > MAX_XLSX_TOTAL_BYTES
        if too_big or (size > 2**20 and size / packed > MAX_XLSX_RATIO):
            raise _refuse(
                _(
                    "“%(name)s” expands to %(mb)s MB of %(part)s once uncompressed (%(ratio)s times its"
                    " size in the file): more than an offer file can hold. Save only the offers' columns,"
                    " as CSV or a new workbook."
                )
                % {
                    "name": name,
                    "mb": _grouped(size / 2**20),
                    "part": member.filename,
                    "ratio": _grouped(size / packed),
                }
            )
    try:  # then what any archive must pass: no ../ or absolute names, no links, no password
        archive_vet(archive, name, XLSX_LIMITS)
    except ArchiveRefused as refused:
        raise _refuse(str(refused)) from None


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")  # what Excel for Windows writes as "CSV"
    except UnicodeDecodeError:
        raise _refuse(f"“{name}” is neither UTF-8 nor Windows-1252 text: save it as CSV (UTF-8).") from None


def _column_name(value: Any) -> str:
    """A header cell or a condition word as a key: lower case, no accents, ``_`` for spaces."""
    text = unicodedata.normalize("NFKD", _text(value).strip("\"'").lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", text)


def _column(value: Any) -> str:
    """The column a header cell names (``sku``, ``price``…), its French names included."""
    key = _column_name(value)
    return COLUMN_ALIASES.get(key, key)


def _header(cells: list[Any], name: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _column(cell)
        if column in COLUMNS:
            if column in columns:
                raise _refuse(
                    f"The column “{column}” appears twice in the first row of “{name}”"
                    f" (“{_text(cells[columns[column]])}” and “{_text(cell)}”)."
                )
            columns[column] = index
    if not ({"sku", "gtin"} & columns.keys() and {"price", "stock"} & columns.keys()):
        found = ", ".join(f"“{_text(c)}”" for c in cells if _text(c)) or "nothing"
        raise _refuse(
            f"The first row of “{name}” must name the columns: sku and/or gtin, and price and/or stock"
            f" (found {found}). Start from the template."
        )
    return columns


def _delimiter(first_line: str) -> str:
    """Return the delimiter that makes the most known column names of the header (French Excel: ;)."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(_column(c) in COLUMNS for c in cells), first_line.count(delimiter)

    return max((";", ",", "\t"), key=score)


def _csv_cells(raw: bytes, name: str, score: Callable[[list[str]], int]) -> Iterator[tuple[int, list[str]]]:
    """Yield a CSV file's rows as (row number in the file, cells), the header as row 1.

    The text is decoded as an offer file is (UTF-8 with or without BOM, else Windows-1252) and
    split on the delimiter whose header cells ``score`` best (merchants' formats:
    :mod:`galerie.offers.formats`). Quoted line breaks stay in their cell: rows are numbered as a
    spreadsheet shows them, not by line.
    """
    text = _decode(raw, name)
    first_line = text.split("\n", 1)[0].rstrip("\r")

    def ranked(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return score(cells), first_line.count(delimiter)

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=max((",", ";", "\t"), key=ranked))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise _refuse(f"“{name}” is not a well-formed CSV file (row {reader.line_num}: {error}).") from None


def _csv_table(text: str, name: str) -> _Table:
    first_line = text.split("\n", 1)[0].rstrip("\r")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise _refuse(f"“{name}” has no header row.") from None
    columns = _header(header, name)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(reader, start=2):
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except csv.Error as error:
            raise _refuse(
                f"“{name}” is not a well-formed CSV file (row {reader.line_num}: {error})."
            ) from None

    return _Table("csv", columns, rows())


def _xlsx_table(raw: bytes, name: str) -> _Table:
    import openpyxl  # imported here: only imports need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The sheet's <dimension> is what the writer claimed, not what it holds: read every row.
        sheet.reset_dimensions()
        found = sheet.iter_rows(values_only=True)
        header = list(next(found, ()))
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise _refuse(f"“{name}” could not be read as an Excel workbook ({error}).") from None
    columns = _header(header, name)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # Read-only mode yields empty rows for gaps, so the position is the row number.
        try:
            for number, cells in enumerate(found, start=2):
                if any(_text(cell) for cell in cells):
                    yield number, list(cells)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise _refuse(f"“{name}” could not be read as an Excel workbook ({error}).") from None

    return _Table("xlsx", columns, rows(), close=workbook.close)


def _open_table(raw: bytes, name: str, kind: str | None = None) -> _Table:
    kind = kind or _sniff(raw, name)
    if kind == "xlsx":
        return _xlsx_table(raw, name)
    return _csv_table(_decode(raw, name), name)


def _text(value: Any) -> str:
    """A cell as text: Excel numbers without a spurious ".0", other values as written."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def _read_upload(upload: File) -> tuple[bytes, str]:
    name = get_valid_filename(os.path.basename(upload.name or "offers.csv")) or "offers.csv"
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _refuse(f"“{name}” is {size / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB: split it.")
    upload.seek(0)
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise _refuse(f"“{name}” is more than {MAX_BYTES // 2**20} MB: split it.")
    return raw, name


def _count_rows(table: _Table, name: str) -> int:
    count = 0
    for _row in table.rows:
        count += 1
        if count > MAX_ROWS:
            raise _refuse(f"“{name}” has more than {MAX_ROWS:,} rows: split it into several files.")
    return count
