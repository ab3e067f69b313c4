"""A merchant CSV as rows of named cells, read by the offer import's own CSV reader."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from galerie.offers.formats.detect import header_score
from galerie.offers.imports.files import MAX_CELL_CHARS, MAX_ROWS, _csv_cells, _refuse

# A description may be long; other cells are bounded as the offer import bounds them.
LONG_COLUMNS = {
    "body_(html)",
    "description",
    "short_description",
    "additional_attributes",
    "configurable_variations",
}


@dataclass
class Row:
    """One row of the file: its number and its cells by the header's names (as written)."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def read_rows(raw: bytes, name: str) -> tuple[list[str], Iterator[Row]]:
    """Return the header (as written) and the rows of a merchant CSV; raise OfferImportRefused if unusable."""
    cells = _csv_cells(raw, name, header_score)
    try:
        _number, header = next(cells)
    except StopIteration:
        raise _refuse(f"“{name}” is empty.") from None
    header = [h.strip().lstrip("\ufeff") for h in header]

    def rows() -> Iterator[Row]:
        for number, values in cells:
            if number > MAX_ROWS + 1:
                raise _refuse(f"“{name}” has more than {MAX_ROWS:,} rows: split it into several files.")
            if not any(v.strip() for v in values):
                continue
            named = {}
            for column, value in zip(header, values, strict=False):
                limit = (
                    MAX_CELL_CHARS * 40
                    if column.lower().replace(" ", "_") in LONG_COLUMNS
                    else MAX_CELL_CHARS * 4
                )
                named[column] = value[:limit]
            yield Row(number, named)

    return header, rows()
