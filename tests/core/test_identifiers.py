import pytest
from django.core.exceptions import ValidationError

from galerie.core.identifiers import (
    clean_french_trade_register,
    clean_gtin,
    clean_iban,
    clean_phone,
    clean_vat_number,
    gtin_compact,
    gtin_key,
)


def test_valid_numbers_come_back_compact():
    assert clean_iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert clean_french_trade_register("732 829 320") == "732829320"
    assert clean_french_trade_register("732 829 320 00074") == "73282932000074"
    assert clean_vat_number("FR 44 732829320") == "FR44732829320"
    assert clean_gtin("978-2-07-036822-8") == "9782070368228"
    assert clean_gtin("4006381333931") == "4006381333931"
    assert clean_gtin("036000291452") == "0036000291452"  # UPC-A, stored as its EAN-13
    assert clean_phone("01 42 68 53 00") == "+33142685300"


@pytest.mark.parametrize(
    ("cleaner", "value", "message"),
    [
        (clean_iban, "FR76 3000 6000 0112 3456 7890 188", "not a valid IBAN: its check digits are wrong"),
        (clean_iban, "FR76 3000", "not a valid IBAN"),
        (clean_french_trade_register, "732 829 321", "not a valid SIREN number: its check digits are wrong"),
        (
            clean_french_trade_register,
            "732 829 320 00075",
            "not a valid SIRET number: its check digits are wrong",
        ),
        (clean_vat_number, "FR45732829320", "not a valid EU VAT number"),
        (clean_gtin, "4006381333932", "not a valid GTIN: its check digits are wrong"),
        (
            clean_gtin,
            "12345",
            "an EAN-8 has 8 digits, a UPC-A 12, an EAN-13/ISBN-13 13 and a GTIN-14 14; this has 5",
        ),
        (clean_gtin, "9782070368229", "not a valid GTIN"),
        (clean_phone, "12", "not a valid phone number"),
    ],
)
def test_invalid_numbers_are_rejected_with_a_reason(cleaner, value, message):
    with pytest.raises(ValidationError) as caught:
        cleaner(value)
    assert message in caught.value.messages[0]
    assert value in caught.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("860013870508", "0860013870508"),  # UPC-A
        ("0860013870508", "0860013870508"),  # its EAN-13
        ("00860013870508", "0860013870508"),  # its GTIN-14
        ("'0860013870508", "0860013870508"),  # as a spreadsheet exports a barcode kept as text
        ("’860013870508", "0860013870508"),
        (" 0-86001-38705-08 ", "0860013870508"),
        ("96385074", "0000096385074"),  # EAN-8
        ("10860013870505", "10860013870505"),  # GTIN-14 of a case: its packaging digit stays
        ("978-2-07-036822-8", "9782070368228"),
    ],
)
def test_every_spelling_of_a_gtin_comes_back_in_one_stored_form(typed, stored):
    assert clean_gtin(typed) == stored
    assert gtin_key(gtin_compact(typed)) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("96385075", "check digits are wrong"),  # EAN-8 with a wrong key
        ("10860013870506", "check digits are wrong"),  # GTIN-14 with a wrong key
        ("'08600138705", "this has 11"),
        ("0860013870508x", "not only digits"),
    ],
)
def test_a_gtin_of_a_wrong_length_or_key_is_refused_with_the_reason(value, message):
    with pytest.raises(ValidationError) as caught:
        clean_gtin(value)
    assert message in caught.value.messages[0]
