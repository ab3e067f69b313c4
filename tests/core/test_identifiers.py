import pytest
from django.core.exceptions import ValidationError

from galerie.core.identifiers import (
    clean_french_trade_register,
    clean_gtin,
    clean_iban,
    clean_phone,
    clean_vat_number,
)


def test_valid_numbers_come_back_compact():
    assert clean_iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert clean_french_trade_register("732 829 320") == "732829320"
    assert clean_french_trade_register("732 829 320 00074") == "73282932000074"
    assert clean_vat_number("FR 44 732829320") == "FR44732829320"
    assert clean_gtin("978-2-07-036822-8") == "9782070368228"
    assert clean_gtin("4006381333931") == "4006381333931"
    assert clean_gtin("036000291452") == "036000291452"  # UPC-A
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
        (clean_gtin, "12345", "has 13 digits and a UPC-A 12, this has 5"),
        (clean_gtin, "9782070368229", "not a valid GTIN"),
        (clean_phone, "12", "not a valid phone number"),
    ],
)
def test_invalid_numbers_are_rejected_with_a_reason(cleaner, value, message):
    with pytest.raises(ValidationError) as caught:
        cleaner(value)
    assert message in caught.value.messages[0]
    assert value in caught.value.messages[0]
