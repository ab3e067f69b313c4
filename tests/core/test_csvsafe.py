"""Every CSV Galerie writes opens in a spreadsheet as data, never as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError

from galerie.core.csvsafe import safe_dict_writer, safe_writer, spreadsheet_safe, validate_not_formula
from galerie.ledger import statements

ATTACKS = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_cell_starting_like_a_formula_is_written_as_text(attack):
    assert spreadsheet_safe(attack) == "'" + attack
    out = io.StringIO()
    safe_writer(out).writerow(["a", attack, 3])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["a", "'" + attack, "3"]


@pytest.mark.parametrize("number", ["-5.00", "-12", "-0,50", -5, 3.5])
def test_numbers_stay_numbers_negative_ones_included(number):
    assert spreadsheet_safe(number) == number


@pytest.mark.parametrize("text", ["BOOK-1", "12 - 3", "a=b", "", "café"])
def test_ordinary_text_is_untouched(text):
    assert spreadsheet_safe(text) == text


def test_the_dict_writer_neutralises_every_cell():
    out = io.StringIO()
    writer = safe_dict_writer(out, ["note", "net"])
    writer.writeheader()
    writer.writerow({"note": ATTACKS[2], "net": "-5.00"})
    assert list(csv.DictReader(io.StringIO(out.getvalue()))) == [{"note": "'" + ATTACKS[2], "net": "-5.00"}]


def test_the_sellers_statement_csv_neutralises_its_text_and_keeps_its_negative_amounts(monkeypatch):
    row = {
        "type": "order", "reference": "=HYPERLINK(\"http://evil.example\")", "date": "2026-12-01",
        "gross": 1000, "commission": 100, "commission_vat": 20, "refunds": None, "net": -500,
        "note": "-2+3+cmd|' /C calc'!A0",
    }  # fmt: skip
    monkeypatch.setattr(statements, "statement_rows", lambda payout: [row])
    parsed = list(csv.DictReader(io.StringIO(statements.statement_write(payout=None))))
    assert parsed[0]["reference"] == '\'=HYPERLINK("http://evil.example")'
    assert parsed[0]["note"] == "'-2+3+cmd|' /C calc'!A0"
    assert (parsed[0]["gross"], parsed[0]["net"]) == ("10.00", "-5.00")


@pytest.mark.parametrize("sku", [a for a in ATTACKS])
def test_an_identifier_starting_like_a_formula_is_refused(sku):
    with pytest.raises(ValidationError, match="a spreadsheet would run it as a formula"):
        validate_not_formula(sku)
    validate_not_formula("BOOK-1")


# --- control characters, and no writer around csvsafe ------------------------------------------


@pytest.mark.parametrize("attack", ["\n=1+1", "\x00=1+1", "\x1b[31mred", "\x0b@SUM(A1)", "\x7f=1", "\x1f-1"])
def test_a_cell_starting_with_any_control_character_is_written_as_text(attack):
    assert spreadsheet_safe(attack) == "'" + attack


def test_a_lazy_translation_is_checked_as_the_text_it_becomes():
    from django.utils.functional import lazy

    assert spreadsheet_safe(lazy(lambda: "=1+1", str)()) == "'=1+1"


def test_no_module_writes_csv_but_through_csvsafe():
    """Every CSV Galerie writes goes through core/csvsafe.py: a csv.writer elsewhere is refused."""
    import ast
    from pathlib import Path

    import galerie

    root = Path(galerie.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == root / "core" / "csvsafe.py":
            continue
        source = path.read_text()
        if "csv" not in source:
            continue  # no module named csv, no csv.writer: nothing to parse
        for node in ast.walk(ast.parse(source, filename=str(path))):
            called = isinstance(node, ast.Attribute) and node.attr in {"writer", "DictWriter"}
            if called and isinstance(node.value, ast.Name) and node.value.id == "csv":
                found.append(f"{path.relative_to(root)}:{node.lineno} csv.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "csv":
                names = {alias.name for alias in node.names} & {"writer", "DictWriter"}
                found.extend(f"{path.relative_to(root)}:{node.lineno} from csv import {n}" for n in names)
    assert found == []


def test_the_trial_balance_and_commission_csv_neutralise_text_and_keep_amounts():
    import datetime

    from galerie.ledger.reports import commission_revenue_csv, trial_balance_csv

    rows = [{"storefront_id": 3, "storefront": "@SUM(1+1)*cmd|' /C calc'!A0", "currency": "EUR",
             "month": datetime.date(2026, 11, 1), "revenue_minor": -1250}]  # fmt: skip
    parsed = list(csv.reader(io.StringIO(commission_revenue_csv(rows))))
    assert parsed[1] == ["3", "'@SUM(1+1)*cmd|' /C calc'!A0", "2026-11", "EUR", "-12.50"]
    report = {
        "rows": [{"kind": "\t=1+1", "currency": "EUR", "opening_minor": 0, "debit_minor": 100,
                  "credit_minor": 0, "balance_minor": -100}],
        "totals": {},
    }  # fmt: skip
    parsed = list(csv.reader(io.StringIO(trial_balance_csv(report))))
    assert parsed[1] == ["'\t=1+1", "EUR", "0.00", "1.00", "0.00", "-1.00"]


def test_the_pnl_csv_neutralises_a_storefront_name_and_keeps_negative_margins():
    import datetime

    from galerie.ledger.pnl import Figures, Pnl, StorefrontPnl, storefront_pnl_csv
    from galerie.ledger.reports import Period

    month = datetime.date(2026, 11, 1)
    figures = Figures(currency="EUR", gmv_minor=10000, orders=1)
    shop = StorefrontPnl(
        storefront_id=7, name="=HYPERLINK(\"http://evil.example\")", code="evil", status="open",
        currency="EUR", months=[(month, figures)], total=figures,
    )  # fmt: skip
    period = Period(month, datetime.date(2026, 11, 30))
    report = Pnl(period=period, months=[month], storefronts=[shop], totals={"EUR": figures})
    rows = list(csv.DictReader(io.StringIO(storefront_pnl_csv(report))))
    assert [r["storefront"] for r in rows] == ['\'=HYPERLINK("http://evil.example")'] * 2
    assert rows[0]["gmv"] == "100.00" and rows[0]["orders"] == "1"
