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
