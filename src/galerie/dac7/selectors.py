"""Reads of the DAC7 app: a seller's missing identification data, the year's report rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from galerie.dac7.figures import SellerFigures, dac7_figures
from galerie.dac7.models import SellerTaxProfile
from galerie.ledger.holds import held_seller_ids
from galerie.sellers.models import Seller

# Directive 2021/514, Annex V, section I.B.4(d): fewer than 30 sales of goods AND at most 2,000 €.
DE_MINIMIS_SALES = 30
DE_MINIMIS_CONSIDERATION_MINOR = 200_000

# The EU member states (DAC7 reports sellers resident in one of them).
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

FIELD_LABELS = {
    "legal_name": _("Legal name"),
    "address": _("Primary address"),
    "tin": _("Tax identification number (TIN)"),
    "tin_country": _("Country that issued the TIN"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "birth_date": _("Date of birth"),
    "birth_city": _("Place of birth (city)"),
    "birth_country": _("Place of birth (country)"),
    "iban": _("IBAN"),
    "account_holder": _("Account holder"),
}

EXCLUSION_LABELS = {
    "governmental": _("Governmental entity"),
    "listed": _("Listed company"),
    "outside_eu": _("Not resident in the EU"),
    "de_minimis": _("Fewer than 30 sales and at most 2,000 € in the year"),
}


def seller_type_of(seller: Seller, profile: SellerTaxProfile | None) -> str:
    """The seller's DAC7 type: the profile's, else entity for a trader, individual otherwise."""
    if profile is not None and profile.seller_type:
        return profile.seller_type
    return SellerTaxProfile.SellerType.ENTITY if seller.is_trader else SellerTaxProfile.SellerType.INDIVIDUAL


def seller_missing_data(seller: Seller, profile: SellerTaxProfile | None) -> list[str]:
    """Return the codes (``FIELD_LABELS``) of the identification data DAC7 needs that is missing."""
    missing = []
    if not seller.legal_name:
        missing.append("legal_name")
    if not (seller.address_line1 and seller.postal_code and seller.city and seller.country):
        missing.append("address")
    fields = ["tin", "tin_country"]
    if seller_type_of(seller, profile) == SellerTaxProfile.SellerType.INDIVIDUAL:
        fields += ["first_name", "last_name", "birth_date", "birth_city", "birth_country"]
    fields.append("account_holder")
    for name in fields:
        if profile is None or not getattr(profile, name):
            missing.append(name)
    if not seller.iban:
        missing.insert(len(missing) - 1, "iban")
    return missing


def seller_tax_profile_get(*, seller: Seller) -> SellerTaxProfile | None:
    """Return the seller's tax profile, or None when it has none yet."""
    return SellerTaxProfile.objects.filter(seller=seller).first()


@dataclass
class Dac7Row:
    """One seller's line of the year's report."""

    seller: Seller
    profile: SellerTaxProfile | None
    figures: SellerFigures
    missing: list[str]
    exclusion: str  # "" when reportable, else an EXCLUSION_LABELS code
    on_hold: bool

    @property
    def reportable(self) -> bool:
        return not self.exclusion

    @property
    def seller_type(self) -> str:
        return seller_type_of(self.seller, self.profile)

    @property
    def exclusion_label(self) -> str:
        return str(EXCLUSION_LABELS.get(self.exclusion, ""))

    @property
    def missing_labels(self) -> list[str]:
        return [str(FIELD_LABELS[code]) for code in self.missing]


def exclusion_of(seller: Seller, profile: SellerTaxProfile | None, figures: SellerFigures) -> str:
    """Why the seller is an Excluded Seller for the year ("" if it is reportable)."""
    if profile is not None and profile.exclusion:
        return profile.exclusion
    if seller.country not in EU_COUNTRIES:
        return "outside_eu"
    if (
        figures.sales.total < DE_MINIMIS_SALES
        and figures.consideration.total <= DE_MINIMIS_CONSIDERATION_MINOR
    ):
        return "de_minimis"
    return ""


def dac7_rows(*, year: int, seller_ids: Iterable[int] | None = None) -> list[Dac7Row]:
    """Return the year's report: every seller with a sale in the year, reportable or excluded
    and why, with its missing data and whether its payouts are held. Five queries."""
    figures = dac7_figures(year=year, seller_ids=seller_ids)
    sellers = Seller.objects.filter(pk__in=list(figures)).select_related("tax_profile").order_by("pk")
    held = held_seller_ids(seller_ids=list(figures))
    rows = []
    for seller in sellers:
        profile = getattr(seller, "tax_profile", None)
        rows.append(
            Dac7Row(
                seller=seller,
                profile=profile,
                figures=figures[seller.pk],
                missing=seller_missing_data(seller, profile),
                exclusion=exclusion_of(seller, profile, figures[seller.pk]),
                on_hold=seller.pk in held,
            )
        )
    return rows
