"""`galerie report dac7`: the declaration validates against the XSD and its figures are the ledger's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
import xmlschema
from dac7.core import DAC7_SCHEMA
from django.core.management import call_command
from django.core.management.base import CommandError

from galerie.dac7.figures import dac7_figures
from galerie.dac7.services import seller_tax_profile_update
from tests.dac7.conftest import local, sale
from tests.factories import make_seller

pytestmark = pytest.mark.django_db(transaction=True)
NS = {"dpi": "urn:oecd:ties:dpi"}


def complete_entity(seller) -> None:
    seller_tax_profile_update(
        seller_id=seller.pk, by=None,
        values={"seller_type": "entity", "tin": "732829320", "tin_country": "FR",
                "permanent_establishments": "DE", "account_holder": seller.legal_name},
    )  # fmt: skip


def complete_person(seller) -> None:
    seller_tax_profile_update(
        seller_id=seller.pk, by=None,
        values={"seller_type": "individual", "tin": "1234567890123", "tin_country": "FR",
                "first_name": "Jeanne", "last_name": "Martin", "birth_date": date(1980, 5, 17),
                "birth_city": "Lyon", "birth_country": "FR", "account_holder": "Jeanne Martin"},
    )  # fmt: skip


def sellers_in(xml: str) -> dict[str, dict]:
    """The declared sellers by their id (Galerie's seller uuid), with their quarterly figures."""
    from xml.etree import ElementTree

    root = ElementTree.fromstring(xml.encode())
    found = {}
    for seller in root.iterfind(".//dpi:ReportableSeller", NS):
        ref = seller.find(".//dpi:DocRefId", {"dpi": "urn:oecd:ties:dpistf"}).text
        goods = seller.find(".//dpi:SaleOfGoods", NS)
        found[ref.split("_")[-2]] = {
            "cons": [Decimal(goods.find(f".//dpi:ConsQ{q}", NS).text) for q in (1, 2, 3, 4)],
            "fees": [Decimal(goods.find(f".//dpi:FeesQ{q}", NS).text) for q in (1, 2, 3, 4)],
            "numb": [int(goods.find(f".//dpi:NumbQ{q}", NS).text) for q in (1, 2, 3, 4)],
            "tin": seller.find(".//dpi:TIN", NS).text,
            "iban": seller.find(".//dpi:Identifier", NS).text,
        }
    return found


def test_the_declaration_validates_and_carries_the_ledgers_figures(market, tmp_path):
    company, person = market.sellers
    small = make_seller()
    # In the order of time (the outbox and the gateway's webhooks follow the clock).
    for month in range(1, 13):
        if month in (1, 2, 7, 10):
            market.buy(company, local(2030, month, 9), quantity=50)  # 1,000 € a sale
        if month == 4:
            refunded = market.buy(company, local(2030, 4, 20), quantity=60)
        if month == 6:
            market.refund(refunded, 30_000, local(2030, 6, 1))  # a partial refund: 300 € of 1,200 €
        market.buy(person, local(2030, month, 3), quantity=10)  # 200 € a month, 176 € net
    sale(small.pk, 50_000, local(2030, 3, 3))  # one sale of 500 €: excluded
    complete_entity(company)
    complete_person(person)
    output = tmp_path / "dac7.xml"
    out = StringIO()

    with time_machine.travel(local(2031, 1, 20), tick=True):  # the declaration is made in January
        call_command("report", "dac7", "--year", "2030", "--output", str(output), stdout=out)

    xml = output.read_text()
    xmlschema.XMLSchema10(DAC7_SCHEMA).validate(xml)  # raises on any difference with the XSD
    assert "2 seller(s) declared" in out.getvalue() and "1 excluded" in out.getvalue()
    declared = sellers_in(xml)
    assert set(declared) == {company.uuid.hex, person.uuid.hex}
    figures = dac7_figures(year=2030)
    for seller in (company, person):
        f = figures[seller.pk]
        # The XSD takes whole units: the package rounds half up.
        assert declared[seller.uuid.hex]["cons"] == [
            (Decimal(v) / 100).quantize(Decimal(1), rounding="ROUND_HALF_UP") for v in f.consideration.values
        ]
        assert declared[seller.uuid.hex]["fees"] == [
            (Decimal(v) / 100).quantize(Decimal(1), rounding="ROUND_HALF_UP") for v in f.fees.values
        ]
        assert declared[seller.uuid.hex]["numb"] == f.sales.values
    assert figures[company.pk].sales.values == [2, 1, 1, 1]
    assert figures[person.pk].sales.values == [3, 3, 3, 3]
    # The partial refund lowered the Q2 sale: 1,200 € + shipping - 10 % - VAT, minus what it took back.
    assert 0 < figures[company.pk].consideration.values[1] < 120_000 - 14_400
    assert declared[company.uuid.hex]["tin"] == "732829320"
    assert declared[person.uuid.hex]["iban"] == company.iban


def test_missing_data_is_listed_and_an_individual_without_it_left_out(market, tmp_path):
    company, person = market.sellers
    for month in range(1, 13):
        market.buy(company, local(2030, month, 3), quantity=10)
        market.buy(person, local(2030, month, 4), quantity=10)
    out = StringIO()

    with time_machine.travel(local(2031, 1, 20), tick=True):
        call_command("report", "dac7", "--year", "2030", "--output", str(tmp_path / "d.xml"), stdout=out)

    text = out.getvalue()
    assert "1 seller(s) declared" in text and "1 left out for missing data" in text
    assert f"missing: seller {company.pk} " in text and "tin, tin_country" in text
    assert f"missing (NOT DECLARED): seller {person.pk} " in text
    xml = (tmp_path / "d.xml").read_text()
    xmlschema.XMLSchema10(DAC7_SCHEMA).validate(xml)
    assert ">NOTIN<" in xml  # the entity without TIN, as the schema says


def test_bad_years_are_refused(db, tmp_path):
    with pytest.raises(CommandError, match="--year: 2019"):
        call_command("report", "dac7", "--year", "2019")
    with pytest.raises(CommandError, match="--year: 2999"):
        call_command("report", "dac7", "--year", "2999")
    with pytest.raises(CommandError, match="--output: the folder"):
        call_command("report", "dac7", "--year", "2024", "--output", str(tmp_path / "no" / "d.xml"))
