"""One row of an offer file on its own: its cells parsed into a price, a stock, a condition…

:func:`_parse` returns the row and its problems (row, column, value, reason); it does not look
at the database (``checks`` does).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

from galerie.core.csvsafe import starts_like_formula
from galerie.core.identifiers import clean_gtin
from galerie.offers.imports.files import MAX_CELL_CHARS, _column_name, _text
from galerie.offers.models import Condition

MAX_PRICE_MINOR = 100_000_000  # 1,000,000.00: more is a typing mistake
MAX_STOCK = 1_000_000
MAX_LEAD_TIME = 365

CONDITION_ALIASES = {
    **{c.value: c.value for c in Condition},
    "neuf": Condition.NEW,
    "comme_neuf": Condition.LIKE_NEW,
    "reconditionne": Condition.REFURBISHED,
    "reconditionné": Condition.REFURBISHED,
    "occasion": Condition.USED,
}


# Reasons without a value in them are msgids: the report translates them when it shows them.
SKU_FORMULA_REASON = gettext_noop(
    "A SKU cannot start with =, +, -, @, a tab or a line break: a spreadsheet would run it as a formula."
)
CELL_TOO_LONG_REASON = gettext_noop(
    "This cell holds more than 1,000 characters: no column of an offer file is that long."
)


class _Problem(NamedTuple):
    row: int
    column: str
    value: str
    reason: str


@dataclass(slots=True)
class _Row:
    row: int
    sku: str = ""
    gtin: str = ""
    price: int | None = None
    stock: int | None = None
    condition: str = Condition.NEW.value
    condition_given: bool = False
    lead: int | None = None
    stock_if_new: int | None = None  # a feed that says "in stock" without a quantity (offers/formats)


def _price(text: str) -> int:
    compact = re.sub(r"[\s\u00a0\u202f]", "", text)
    if compact.count(",") + compact.count(".") > 1:
        raise ValueError(
            f"“{text}” has more than one separator: write 1234.50 or 1234,50, no thousands mark."
        )
    if compact.startswith("-"):
        raise ValueError("The price must be more than zero.")
    if not re.fullmatch(r"\d+(?:[.,]\d+)?|[.,]\d+", compact):
        raise ValueError(f"“{text}” is not a price: write a number such as 12.90 or 12,90.")
    cents = Decimal(compact.replace(",", ".")) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"“{text}” has more than two decimals.")
    if cents <= 0:
        raise ValueError("The price must be more than zero.")
    if cents > MAX_PRICE_MINOR:
        raise ValueError(f"“{text}” is more than 1,000,000.00: a typing mistake?")
    return int(cents)


def _whole(text: str, *, maximum: int, what: str) -> int:
    if re.fullmatch(r"-\d+", text):
        raise ValueError(f"The {what} cannot be negative.")
    if not re.fullmatch(r"\+?\d+", text):
        raise ValueError(f"“{text}” is not a whole number.")
    value = int(text)
    if value > maximum:
        raise ValueError(f"The {what} is at most {maximum:,}.")
    return value


def _gtin(text: str) -> str:
    if re.fullmatch(r"\d+(?:[.,]\d+)?[eE]\+?\d+", text):
        raise ValueError(
            f"“{text}” was turned into a number in scientific notation by the spreadsheet: format the gtin"
            " column as text and export again."
        )
    try:
        return clean_gtin(text)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None


def _parse(
    number: int, cells: list[Any], columns: dict[str, int], *, key_required: bool = True
) -> tuple[_Row, list[_Problem]]:
    """Parse one row's cells; ``key_required``: the row must name its offer by sku or gtin (the
    API's bulk update may name it by id instead)."""
    row, problems = _Row(row=number), []

    too_long: set[str] = set()

    def cell(column: str) -> str:
        index = columns.get(column)
        value = _text(cells[index]) if index is not None and index < len(cells) else ""
        if len(value) > MAX_CELL_CHARS:
            if column not in too_long:
                too_long.add(column)
                problems.append(_Problem(number, column, value[:200], CELL_TOO_LONG_REASON))
            return ""
        return value

    def check(column: str, parse: Callable[[str], Any]) -> Any:
        value = cell(column)
        if not value:
            return None
        try:
            return parse(value)
        except (ValueError, InvalidOperation) as error:
            problems.append(_Problem(number, column, value[:200], str(error)))
            return None

    row.sku = cell("sku")
    if len(row.sku) > 64:
        problems.append(_Problem(number, "sku", row.sku[:200], "A SKU has at most 64 characters."))
    elif starts_like_formula(row.sku):
        problems.append(_Problem(number, "sku", row.sku[:200], SKU_FORMULA_REASON))
    row.gtin = check("gtin", _gtin) or ""
    if key_required and not row.sku and not row.gtin and not cell("gtin") and not too_long & {"sku", "gtin"}:
        column = "sku" if "sku" in columns else "gtin"
        problems.append(_Problem(number, column, "", "Give the sku or the gtin of the offer."))
    row.price = check("price", _price)
    row.stock = check("stock", lambda v: _whole(v, maximum=MAX_STOCK, what="stock"))
    row.lead = check("lead_time_days", lambda v: _whole(v, maximum=MAX_LEAD_TIME, what="lead time"))
    condition = cell("condition")
    if condition:
        key = _column_name(condition)
        if key in CONDITION_ALIASES:
            row.condition, row.condition_given = str(CONDITION_ALIASES[key]), True
        else:
            allowed = ", ".join(Condition.values)
            problems.append(
                _Problem(
                    number, "condition", condition[:200], f"“{condition}” is not a condition ({allowed})."
                )
            )
    return row, problems
