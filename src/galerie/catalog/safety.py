"""Product safety data (GPSR, Regulation (EU) 2023/988, art. 19 and 22): what a product needs
before anyone may list it, and what its listing shows.

A listing (an offer) of a product must name its manufacturer (name, postal address, an e-mail
or a website), and when the manufacturer is established outside the EU an economic operator in
the EU responsible for it (art. 16), with the same data; its warnings and safety information
in the storefronts' languages. Its identifiers (title, type, the variants' GTINs) and pictures
are shown where the catalog has them; they are not a condition of listing (a book without an
ISBN, a product whose picture comes later). The offers service asks
:func:`product_safety_missing` before it lists anything (docs/product-safety-and-recalls.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import get_language_info, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from galerie.catalog.errors import ProductRecalled, ProductSafetyIncomplete
from galerie.core.errors import InvalidInput

# The 27 member states (ISO 3166-1 alpha-2; Greece is GR here, not the VAT prefix EL).
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})  # fmt: skip
RECALL_PERIOD_MONTHS = 36  # how far back a recall reaches buyers unless the product sets its own

# What a listing needs, by field, in the words of the refusal ("the product lacks …").
MANUFACTURER_FIELDS = {
    "manufacturer_name": gettext_noop("the manufacturer's name"),
    "manufacturer_address": gettext_noop("the manufacturer's postal address"),
    "manufacturer_country": gettext_noop("the manufacturer's country"),
    "manufacturer_contact": gettext_noop("the manufacturer's e-mail or website"),
}
RESPONSIBLE_FIELDS = {
    "responsible_name": gettext_noop("the name of its responsible person in the EU"),
    "responsible_address": gettext_noop("the postal address of its responsible person in the EU"),
    "responsible_contact": gettext_noop("the e-mail or website of its responsible person in the EU"),
    "responsible_country": gettext_noop("a responsible person established in the EU"),
}
WARNINGS_IN = gettext_noop("its warnings and safety information in %(language)s")
SAFETY_FIELDS = (*MANUFACTURER_FIELDS, *RESPONSIBLE_FIELDS, "safety_information")

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def safety_languages() -> list[str]:
    """The languages warnings must be given in: every language a storefront may speak."""
    return [code for code, _name in settings.LANGUAGES]


def needs_responsible_person(manufacturer_country: str) -> bool:
    """Whether a manufacturer in this country needs an EU responsible person (outside the EU)."""
    return (manufacturer_country or "").strip().upper() not in EU_COUNTRIES


def _blank(value: Any) -> bool:
    return not str(value or "").strip()


def product_safety_missing(values: Mapping[str, Any]) -> list[str]:
    """Return the codes of what the product's safety data lacks, in the order a seller fixes
    them (empty: it may be listed): field names, and ``safety_information:<language>``.
    ``values`` holds the ``SAFETY_FIELDS`` (a dict or a product's ``__dict__``)."""
    missing = [name for name in MANUFACTURER_FIELDS if _blank(values.get(name))]
    country = str(values.get("manufacturer_country") or "").strip()
    if country and needs_responsible_person(country):
        missing += [name for name in RESPONSIBLE_FIELDS if _blank(values.get(name))]
        responsible = str(values.get("responsible_country") or "").strip().upper()
        if responsible and responsible not in EU_COUNTRIES:
            missing.append("responsible_country")
    information = values.get("safety_information") or {}
    for language in safety_languages():
        text = information.get(language) if isinstance(information, dict) else None
        if not isinstance(text, str) or _blank(text):
            missing.append(f"safety_information:{language}")
    return missing


def missing_words(code: str) -> str:
    """Return a missing piece's words in the active language ("the manufacturer's name")."""
    name, _sep, language = code.partition(":")
    if name == "safety_information":
        try:
            language_name = get_language_info(language)["name_translated"].lower()
        except KeyError:
            language_name = language
        return gettext(WARNINGS_IN) % {"language": language_name}
    return gettext(MANUFACTURER_FIELDS.get(name) or RESPONSIBLE_FIELDS.get(name) or name)


def safety_missing_message(missing: list[str]) -> str:
    """Return the refusal in the active language: "GPSR: the product lacks …, …"."""
    return gettext("GPSR: the product lacks %(missing)s.") % {
        "missing": ", ".join(missing_words(code) for code in missing)
    }


def product_listing_check(values: Mapping[str, Any], *, product_id: int | None = None) -> None:
    """Raise ProductRecalled or ProductSafetyIncomplete (listing what is missing) unless a
    product with these values (``SAFETY_FIELDS`` and ``recalled_at``) may be listed."""
    if values.get("recalled_at"):
        raise ProductRecalled(gettext("This product was recalled: it cannot be listed."), field="variant")
    missing = product_safety_missing(values)
    if missing:
        raise ProductSafetyIncomplete(
            safety_missing_message(missing),
            missing=missing,
            words=[missing_words(code) for code in missing],
            product_id=product_id,
        )


def validate_country(value: str) -> None:
    """Refuse a country that is not a two-letter ISO code."""
    if value and not _COUNTRY.match(value):
        raise ValidationError(
            _("Give the country as its two-letter code (FR, DE, CN …), not “%(value)s”."),
            params={"value": value},
        )


def validate_contact(value: str) -> None:
    """Refuse a contact that is neither an e-mail address nor a web address."""
    if not value:
        return
    try:
        (EmailValidator() if "@" in value and "://" not in value else URLValidator())(value)
    except ValidationError:
        raise ValidationError(
            _("Give an e-mail address or a web address (https://…), not “%(value)s”."),
            params={"value": value},
        ) from None


def validate_safety_information(value: Any) -> None:
    """Refuse warnings that are not a {language: text} map of the storefronts' languages."""
    if not value:
        return
    languages = safety_languages()
    if not isinstance(value, dict) or not all(isinstance(t, str) for t in value.values()):
        raise ValidationError(_('Give the warnings as {"language": "text"}, one text per language.'))
    unknown = sorted(set(value) - set(languages))
    if unknown:
        raise ValidationError(
            _("No storefront speaks %(unknown)s: give the warnings in %(languages)s."),
            params={"unknown": ", ".join(unknown), "languages": ", ".join(languages)},
        )


def safety_values_clean(safety: Mapping[str, Any]) -> dict[str, Any]:
    """Return safety data trimmed, countries upper-cased; raise InvalidInput for a field that
    is not one of ``SAFETY_FIELDS`` (the model's validators check the values)."""
    unknown = sorted(set(safety) - set(SAFETY_FIELDS))
    if unknown:
        raise InvalidInput({name: [gettext("Not a product safety field.")] for name in unknown})
    values = {name: value.strip() if isinstance(value, str) else value for name, value in safety.items()}
    for name in ("manufacturer_country", "responsible_country"):
        if name in values:
            values[name] = (values[name] or "").upper()
    if "safety_information" in values and isinstance(values["safety_information"], dict):
        values["safety_information"] = {
            language: text.strip() if isinstance(text, str) else text
            for language, text in values["safety_information"].items()
            if not (isinstance(text, str) and not text.strip())
        }
    return values
