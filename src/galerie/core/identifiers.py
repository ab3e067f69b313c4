"""Validators for the standard numbers a marketplace handles, built on python-stdnum.

Each validator raises Django's ``ValidationError`` with a message that names the
number and what is wrong with it; each ``clean_*`` returns the compact form to store.
"""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import ean, iban, isbn
from stdnum.eu import vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.fr import siren, siret

# Lazy: the messages are put into words in the language of the page that shows them, not in
# the language active when this module was imported (python-stdnum's own messages are English).
_REASONS = {
    InvalidChecksum: _("its check digits are wrong (a typing mistake?)"),
    InvalidLength: _("it has the wrong number of characters"),
    InvalidFormat: _("it contains characters that do not belong in it"),
    InvalidComponent: _("one of its parts is not valid"),
}
_KINDS = {
    "IBAN": _("IBAN"),
    "SIREN": _("SIREN number"),
    "SIRET": _("SIRET number"),
    "EU VAT number": _("EU VAT number"),
    "GTIN": _("GTIN"),
    "ISBN-13": _("ISBN-13"),
}


def _reject(kind: str, value: str, error: Exception) -> ValidationError:
    reason = next((text for cls, text in _REASONS.items() if isinstance(error, cls)), _("it is not valid"))
    return ValidationError(
        _("“%(value)s” is not a valid %(kind)s: %(reason)s."),
        code=f"invalid_{kind.lower().replace(' ', '_').replace('/', '_')}",
        params={"value": value, "kind": _KINDS.get(kind, kind), "reason": reason},
    )


def clean_iban(value: str) -> str:
    """Return the IBAN in compact form; raise if its format or checksum is wrong."""
    try:
        return iban.validate(value)
    except Exception as error:  # stdnum raises its own ValidationError subclasses
        raise _reject("IBAN", value, error) from None


def clean_french_trade_register(value: str) -> str:
    """Return a SIREN (9 digits) or SIRET (14 digits) in compact form; check its Luhn key."""
    digits = siren.compact(value)
    module, kind = (siret, "SIRET") if len(digits) > 9 else (siren, "SIREN")
    try:
        return str(module.validate(digits))
    except Exception as error:
        raise _reject(kind, value, error) from None


def clean_vat_number(value: str) -> str:
    """Return an EU VAT number (with its country prefix) in compact form."""
    try:
        return vat.validate(value)
    except Exception as error:
        raise _reject("EU VAT number", value, error) from None


GTIN_LENGTHS = (8, 12, 13, 14)  # EAN-8, UPC-A, EAN-13 / ISBN-13, GTIN-14
_GTIN_NOISE = str.maketrans("", "", " -\u00a0\u202f")


def gtin_compact(value: str) -> str:
    """Return the digits of a typed or exported GTIN: no spaces, hyphens or leading apostrophe.

    Spreadsheets export a barcode kept as text with a leading ``'``; it is not part of it.
    """
    return value.strip().lstrip("'\u2019").translate(_GTIN_NOISE)


def gtin_key(value: str) -> str:
    """Return the stored form of a GTIN of any length: its GTIN-14, less the leading zero if any.

    A UPC-A, its EAN-13 with a leading 0 and its GTIN-14 with two are the same number: they all
    store as the same 13 digits (the EAN-13), a GTIN-14 whose packaging digit is not 0 keeps its
    14 (docs/gtin.md). The digits are not checked here: see :func:`clean_gtin`.
    """
    padded = value.zfill(14)
    return padded[1:] if padded[0] == "0" else padded


def clean_gtin(value: str) -> str:
    """Return a GTIN (EAN-8, UPC-A, EAN-13/ISBN-13 or GTIN-14) in its stored form; check its key.

    Spaces, hyphens and a leading apostrophe are dropped; the result is :func:`gtin_key`'s form,
    so that every spelling of one number matches the catalog's.
    """
    compact = gtin_compact(value)
    if not compact.isdigit() or len(compact) not in GTIN_LENGTHS:
        raise ValidationError(
            "“%(value)s” is not a valid GTIN: an EAN-8 has 8 digits, a UPC-A 12, an EAN-13/ISBN-13 13"
            " and a GTIN-14 14; this has %(count)s.",
            code="invalid_gtin",
            params={"value": value, "count": len(compact) if compact.isdigit() else _count_chars(compact)},
        )
    try:
        ean.validate(compact)
    except Exception as error:
        raise _reject("GTIN", value, error) from None
    key = gtin_key(compact)
    if key.startswith(("978", "979")) and len(key) == 13:
        try:
            isbn.validate(key)
        except Exception as error:
            raise _reject("ISBN-13", value, error) from None
    return key


def _count_chars(compact: str) -> str:
    return f"{len(compact)} characters, not only digits"


def clean_phone(value: str, default_region: str = "FR") -> str:
    """Return the phone number in E.164 form (+33…); raise if it cannot be dialled."""
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."), code="invalid_phone", params={"value": value}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_iban(value: str) -> None:
    clean_iban(value)


def validate_gtin(value: str) -> None:
    clean_gtin(value)


def validate_vat_number(value: str) -> None:
    clean_vat_number(value)


def validate_phone(value: str) -> None:
    clean_phone(value)
