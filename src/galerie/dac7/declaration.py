"""The DAC7 declaration of a year: built with the ``dac7`` package's models (Back Market's
tooling) and validated against the French tax authority's XSD (DPIXML v1.1-fr1) it ships.

Sellers whose data the schema cannot do without (an individual's name, date and place of
birth) are left out and listed; an entity without TIN is declared with the schema's "NOTIN"."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

import xmlschema
from dac7.constants import Env
from dac7.core import DAC7_SCHEMA, json_to_xml
from dac7.models.enums import LegalAddressType, NamePersonType, Nexus, OtherIdentificationNumberType
from dac7.models.flat import (
    Declaration,
    OtherPlatformOperators,
    PlatformOperator,
    ReportableEntitySeller,
    ReportableIndividualSeller,
)
from django.conf import settings
from django.utils import timezone

from galerie.dac7.errors import Dac7DeclarationInvalid, Dac7SettingMissing
from galerie.dac7.figures import CURRENCY
from galerie.dac7.models import SellerTaxProfile
from galerie.dac7.selectors import EU_COUNTRIES, Dac7Row
from galerie.sellers.models import Seller

OPERATOR_SETTINGS = (
    "GALERIE_OPERATOR_NAME",
    "GALERIE_OPERATOR_COUNTRY",
    "GALERIE_OPERATOR_SIREN",
    "GALERIE_OPERATOR_VAT_NUMBER",
    "GALERIE_OPERATOR_ADDRESS_LINE1",
    "GALERIE_OPERATOR_POSTAL_CODE",
    "GALERIE_OPERATOR_CITY",
)


@cache
def schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(DAC7_SCHEMA)


def _euros(amount_minor: int) -> Decimal:
    return Decimal(amount_minor) / 100


def platform_operator() -> PlatformOperator:
    """The platform operator's identity, from the settings; raise Dac7SettingMissing if incomplete."""
    values = {name: str(getattr(settings, name, "") or "") for name in OPERATOR_SETTINGS}
    if missing := [name for name, value in values.items() if not value]:
        raise Dac7SettingMissing(f"Set {', '.join(missing)}: the declaration names its platform operator.")
    country = values["GALERIE_OPERATOR_COUNTRY"]
    if country not in EU_COUNTRIES:
        raise Dac7SettingMissing(f"GALERIE_OPERATOR_COUNTRY={country!r} is not an EU member state.")
    name = values["GALERIE_OPERATOR_NAME"]
    return PlatformOperator.model_validate(
        {
            "residence_country_code": country,
            "tax_identification_numbers": [{"issued_by": country, "value": values["GALERIE_OPERATOR_SIREN"]}],
            "vat_number": values["GALERIE_OPERATOR_VAT_NUMBER"],
            "legal_names": [name],
            "business_names": [name],
            "addresses": [
                {
                    "legal_type": LegalAddressType.REGISTERED_OFFICE,
                    "country_code": country,
                    "street": values["GALERIE_OPERATOR_ADDRESS_LINE1"],
                    "post_code": values["GALERIE_OPERATOR_POSTAL_CODE"],
                    "city": values["GALERIE_OPERATOR_CITY"],
                }
            ],
            "nexus": Nexus(getattr(settings, "GALERIE_DAC7_NEXUS", Nexus.RESIDENT.value)),
        }
    )


def _address(seller: Seller) -> dict[str, Any]:
    street = ", ".join(part for part in (seller.address_line1, seller.address_line2) if part)
    return {
        "legal_type": LegalAddressType.RESIDENTIAL_OR_BUSINESS,
        "country_code": seller.country,
        "street": street,
        "post_code": seller.postal_code,
        "city": seller.city,
    }


def _activities(row: Dac7Row) -> dict[str, Any]:
    """Sale of goods, per quarter: amounts in euros (the package rounds them to whole units)."""
    f = row.figures
    data: dict[str, Any] = {"currency_code": CURRENCY}
    for q in (1, 2, 3, 4):
        data[f"consideration_amount_q{q}"] = _euros(f.consideration.values[q - 1])
        data[f"fees_amount_q{q}"] = _euros(f.fees.values[q - 1])
        data[f"taxes_amount_q{q}"] = _euros(f.taxes.values[q - 1])
        data[f"activities_number_q{q}"] = f.sales.values[q - 1]
    return data


def _tins(profile: SellerTaxProfile | None) -> list[dict[str, str]]:
    if profile is None or not profile.tin or not profile.tin_country:
        return []  # the package declares "NOTIN" (unknown)
    return [{"issued_by": profile.tin_country, "value": profile.tin}]


def _financial(row: Dac7Row) -> list[dict[str, Any]]:
    if not row.seller.iban:
        return []
    holder = row.profile.account_holder if row.profile else ""
    return [{"type": "IBAN", "account_number": row.seller.iban, "account_holder_name": holder or None}]


def reportable_seller(row: Dac7Row) -> ReportableEntitySeller | ReportableIndividualSeller | None:
    """The seller as the ``dac7`` models declare it, or None when the schema's required data is
    missing (an individual's name, date or place of birth)."""
    seller, profile = row.seller, row.profile
    common: dict[str, Any] = {
        "seller_id": seller.uuid.hex,
        "residence_country_code": seller.country,
        "vat_number": seller.vat_number or None,
        "addresses": [_address(seller)],
        "financial_identifiers": _financial(row),
        "tax_identification_numbers": _tins(profile),
        "sale_of_goods": _activities(row),
    }
    if row.seller_type == SellerTaxProfile.SellerType.ENTITY:
        brn = OtherIdentificationNumberType.BUSINESS_REGISTRATION_NUMBER
        return ReportableEntitySeller.model_validate(
            {
                **common,
                "legal_names": [seller.legal_name],
                "other_identification_numbers": [
                    {"issued_by": seller.country, "value": seller.trade_register_number, "type": brn}
                ]
                if seller.trade_register_number
                else [],
                "establishment_country_codes": [
                    code for code in (profile.establishment_codes if profile else []) if code in EU_COUNTRIES
                ],
            }
        )
    if profile is None or not (
        profile.first_name and profile.last_name and profile.birth_date and profile.birth_city
    ):
        return None
    return ReportableIndividualSeller.model_validate(
        {
            **common,
            "name_type": NamePersonType.INDIVIDUAL,
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "birth_date": profile.birth_date,
            "birth_city": profile.birth_city,
            "birth_country_code": profile.birth_country or seller.country,
        }
    )


@dataclass
class Dac7Declaration:
    year: int
    xml: str
    declared: list[Dac7Row] = field(default_factory=list)
    left_out: list[Dac7Row] = field(default_factory=list)  # reportable but the schema's data is missing
    excluded: list[Dac7Row] = field(default_factory=list)


def dac7_declaration_build(
    *, year: int, rows: list[Dac7Row], declaration_id: int = 1, timestamp: datetime | None = None
) -> Dac7Declaration:
    """Build the year's declaration of the reportable ``rows`` and validate it against the XSD;
    raise Dac7DeclarationInvalid (naming the schema's complaint) or Dac7SettingMissing."""
    result = Dac7Declaration(year=year, xml="")
    entities, individuals = [], []
    for row in rows:
        if not row.reportable:
            result.excluded.append(row)
            continue
        declared = reportable_seller(row)
        if declared is None:
            result.left_out.append(row)
        elif isinstance(declared, ReportableEntitySeller):
            entities.append(declared)
            result.declared.append(row)
        else:
            individuals.append(declared)
            result.declared.append(row)
    declaration = Declaration(
        fiscal_year=year,
        declaration_id=declaration_id,
        timestamp=timestamp or timezone.now(),
        platform_operator=platform_operator(),
        other_platform_operators=OtherPlatformOperators(),
        reportable_entity_sellers=entities,
        reportable_individual_sellers=individuals,
        env=Env(getattr(settings, "GALERIE_DAC7_ENV", Env.TEST.value)),
    )
    data = declaration.get_dpi().model_dump(by_alias=True, exclude_defaults=True, mode="json")
    xml = json_to_xml(json.dumps(data))
    errors = list(schema().iter_errors(xml))
    if errors:
        raise Dac7DeclarationInvalid(
            f"The DAC7 declaration of {year} does not match the XSD: {errors[0].reason}"
        )
    result.xml = xml
    return result
