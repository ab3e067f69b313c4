"""Matching incoming sellers and customers: never a silent merge.

A seller found by its SIREN (the first 9 digits of a SIRET) or its intra-EU VAT number is
proposed with the decision ``confirm``: the seller is asked to confirm that the incoming shop
is theirs before anything is joined. A customer whose e-mail address already has an account is
``confirm`` too: matched only once they confirm the address (the e-mail flow comes later).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stdnum.eu import vat
from stdnum.fr import siren

from galerie.accounts.models import User
from galerie.sellers.models import Seller

PartyDecision = Literal["confirm", "new"]


@dataclass(frozen=True)
class SellerMatch:
    decision: PartyDecision
    seller: Seller | None = None
    signal: str = ""  # "siren" or "vat"


@dataclass(frozen=True)
class CustomerMatch:
    decision: PartyDecision
    user: User | None = None


def siren_key(value: str) -> str | None:
    """Return the SIREN of a SIREN or SIRET (its first 9 digits), or None when it is neither."""
    digits = siren.compact(value or "")
    if not digits.isdigit() or len(digits) not in (9, 14):
        return None
    return digits[:9]


def vat_key(value: str) -> str | None:
    """Return an intra-EU VAT number in compact form ("FR 40 303 265 045" → "FR40303265045")."""
    try:
        compact = vat.compact(value or "").upper()
    except Exception:  # no known country prefix
        return None
    return compact if len(compact) > 4 and compact[:2].isalpha() else None


def seller_match(
    *, registration_number: str | None = None, vat_number: str | None = None, name: str | None = None
) -> SellerMatch:
    """Find the existing seller an incoming one is: same SIREN (a SIRET's first 9 digits), else
    same VAT number; the decision is ``confirm`` (the seller confirms), never a merge. The name
    alone never matches: two shops may share a name."""
    if (key := siren_key(registration_number or "")) is not None:
        for seller in Seller.objects.filter(trade_register_number__startswith=key).order_by("id")[:5]:
            if siren_key(seller.trade_register_number) == key:
                return SellerMatch("confirm", seller, "siren")
    if (key := vat_key(vat_number or "")) is not None:
        seller_found = Seller.objects.filter(vat_number__iexact=key).order_by("id").first()
        if seller_found is not None:
            return SellerMatch("confirm", seller_found, "vat")
        # A French VAT number holds the SIREN: FR + 2-digit key + SIREN.
        if key.startswith("FR") and len(key) == 13 and key[4:].isdigit():
            return seller_match(registration_number=key[4:])
    return SellerMatch("new")


def customer_match(*, email: str) -> CustomerMatch:
    """Say whether an incoming customer's e-mail address already has an account: ``confirm``
    (the customer must confirm the address before the records are joined) or ``new``."""
    user = User.objects.filter(email__iexact=(email or "").strip()).first() if email else None
    return CustomerMatch("confirm", user) if user is not None else CustomerMatch("new")
