"""CSV files that a spreadsheet opens as data, never as formulas (docs/csv-formula-injection.md).

A cell starting with ``= + - @`` is run as a formula by Excel, LibreOffice and Google Sheets
(``-2+3+cmd|' /C calc'!A0``), and a leading tab, carriage return, line feed or other control
character (C0, and DEL) hides such a start or splits the row in some importers. Every CSV Galerie
writes goes through :func:`safe_writer` or :func:`safe_dict_writer` (a test refuses ``csv.writer``
anywhere else in ``src``), which prefix such text with an apostrophe, the spreadsheets' own "this
is text" mark. Numbers stay numbers: an ``int``,
``Decimal`` or ``float`` cell, and a text cell that is only a plain number such as ``-12.50``,
are written as they are, so a statement's negative amounts still add up in the spreadsheet.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FORMULA_STARTS = ("=", "+", "-", "@", *(chr(code) for code in range(0x20)), "\x7f")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """Return ``value`` so that no spreadsheet runs it: text starting like a formula gets a ``'``."""
    if isinstance(value, Promise):  # a lazy translation is text once written
        value = str(value)
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def starts_like_formula(value: str) -> bool:
    """Tell whether a spreadsheet would read ``value`` as a formula (an identifier must not)."""
    return value.startswith(FORMULA_STARTS)


def validate_not_formula(value: str) -> None:
    """Refuse an identifier (a SKU) that a spreadsheet would run as a formula."""
    if value and starts_like_formula(value):
        raise ValidationError(
            _(
                "“%(value)s” cannot start with =, +, -, @, a tab or a line break:"
                " a spreadsheet would run it as a formula."
            ),
            code="starts_like_formula",
            params={"value": value[:64]},
        )


class _SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _SafeDictWriter:
    def __init__(self, writer: csv.DictWriter[str]) -> None:
        self._writer = writer

    def writeheader(self) -> Any:
        return self._writer.writeheader()

    def writerow(self, row: dict[str, Any]) -> Any:
        return self._writer.writerow({key: spreadsheet_safe(cell) for key, cell in row.items()})

    def writerows(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(file: Any, **options: Any) -> _SafeWriter:
    """Return a ``csv.writer`` on ``file`` whose every cell goes through :func:`spreadsheet_safe`."""
    return _SafeWriter(csv.writer(file, **options))


def safe_dict_writer(file: Any, fieldnames: Sequence[str], **options: Any) -> _SafeDictWriter:
    """Return a ``csv.DictWriter`` whose every cell goes through :func:`spreadsheet_safe`."""
    return _SafeDictWriter(csv.DictWriter(file, fieldnames=fieldnames, **options))
