"""The e-mails asking a seller or a customer of a merged storefront's bundle to confirm that they
are one of this installation's (docs/merge-confirmations.md).

A seller matched by its SIREN or VAT number is asked at its contact address and its owners' and
managers'; a customer matched by e-mail address, at that address. Each e-mail carries the
confirmation link (``party_token``) and says only what the recipient needs: the incoming shop's
name, the merged storefront's name, and their own identifier or address, never another party's
details. The e-mail and the confirmation page speak the recipient's language and wear the theme of
the storefront here they know (a seller's first storefront, the customer's latest order's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse

from galerie.notifications.emails import URLCONF, Email, email_render, site_url
from galerie.orders.models import Order
from galerie.portability.merge import party_token
from galerie.portability.models import MergeParty, StorefrontMerge
from galerie.sellers.matching import siren_key
from galerie.sellers.models import SellerAdmission, SellerMember
from galerie.storefronts.models import Storefront

TEMPLATES = {MergeParty.Kind.SELLER: "merge_party_seller", MergeParty.Kind.CUSTOMER: "merge_party_customer"}


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str


def _supported(code: str | None) -> str | None:
    """``code`` when the site speaks it (``fr-fr`` → ``fr``), else None."""
    languages = {c for c, _name in settings.LANGUAGES}
    code = (code or "").strip().lower()
    if code in languages:
        return code
    base = code.split("-")[0]
    return base if base in languages else None


def party_for_email(*, party_id: int) -> MergeParty | None:
    """Return the party with its merge, seller and user (None when the merge was deleted)."""
    return (
        MergeParty.objects.select_related("merge", "merge__storefront", "seller", "user")
        .filter(pk=party_id)
        .first()
    )


def party_storefront(*, party: MergeParty) -> Storefront:
    """The storefront here whose name and theme the party's e-mail and page wear: a seller's first
    storefront, a customer's latest order's (not on the merged one); else the first open one, else
    any but the merged one, else the merged one, else an unsaved one named after the operator (an
    installation without storefronts)."""
    storefront_id: int | None = None
    merged = party.merge.storefront_id or 0  # no storefront has id 0
    if party.kind == MergeParty.Kind.SELLER and party.seller_id is not None:
        storefront_id = (
            SellerAdmission.objects.filter(seller_id=party.seller_id)
            .order_by("id")
            .values_list("storefront_id", flat=True)
            .first()
        )
    elif party.user_id is not None:
        storefront_id = (
            Order.objects.filter(customer_id=party.user_id)
            .exclude(storefront_id=merged)
            .order_by("-id")
            .values_list("storefront_id", flat=True)
            .first()
        )
    if storefront_id is not None:
        return Storefront.objects.get(pk=storefront_id)
    # Not the merged storefront: the e-mail and the page speak of it joining another.
    others = Storefront.objects.exclude(pk=merged).order_by("id")
    found = others.filter(status=Storefront.Status.OPEN).first() or others.first()
    return found or party.merge.storefront or Storefront(name=settings.GALERIE_OPERATOR_NAME)


def _owners(party: MergeParty) -> list[tuple[str, str, str]]:
    """(address, language, role) of the matched seller's active owners and managers, owners first."""
    if party.seller_id is None:
        return []
    rows = (
        SellerMember.objects.filter(
            seller_id=party.seller_id,
            role__in=[SellerMember.Role.OWNER, SellerMember.Role.MANAGER],
            user__is_active=True,
        )
        .order_by("role", "id")  # "manager" < "owner": sorted again below
        .values_list("user__email", "user__preferred_language", "role")
    )
    members = list(rows)
    members.sort(key=lambda row: row[2] != SellerMember.Role.OWNER)
    return members


def party_language(*, party: MergeParty, storefront: Storefront | None = None) -> str:
    """The language to ask the party in: a customer's preferred one; for a seller, its first
    owner's (or manager's) that has one; else the storefront's default."""
    if party.kind == MergeParty.Kind.CUSTOMER and party.user is not None:
        if found := _supported(party.user.preferred_language):
            return found
    elif party.kind == MergeParty.Kind.SELLER and party.seller_id is not None:
        for _address, language, _role in _owners(party):
            if found := _supported(language):
                return found
    storefront = storefront or party_storefront(party=party)
    return _supported(storefront.default_language) or settings.LANGUAGE_CODE


def party_recipients(*, party: MergeParty, storefront: Storefront) -> list[Recipient]:
    """Who is asked: the party's address (in ``party_language``) and, for a seller, each active
    owner and manager in their own language; each address once."""
    default = party_language(party=party, storefront=storefront)
    fallback = _supported(storefront.default_language) or default
    found: dict[str, Recipient] = {}
    if party.email:
        found[party.email.strip().lower()] = Recipient(party.email.strip(), default)
    if party.kind == MergeParty.Kind.SELLER and party.seller_id is not None:
        for address, language, _role in _owners(party):
            key = (address or "").strip().lower()
            if key and key not in found:
                found[key] = Recipient(address.strip(), _supported(language) or fallback)
    return list(found.values())


def confirmation_url(*, party: MergeParty) -> str:
    """The absolute confirmation link of the party (signed; no login needed)."""
    return site_url(reverse("merge_confirm", kwargs={"token": party_token(party)}, urlconf=URLCONF))


def party_identifier(*, party: MergeParty) -> tuple[str, str]:
    """What matched a seller, as (label code, value): its own SIREN or VAT number here."""
    seller = party.seller
    if seller is None:
        return ("", "")
    if party.signal == "siren":
        return ("siren", siren_key(seller.trade_register_number) or seller.trade_register_number)
    if party.signal == "vat":
        return ("vat", seller.vat_number)
    return (party.signal, "")


def party_context(*, party: MergeParty, storefront: Storefront) -> dict[str, Any]:
    """What the e-mail and the page say: the names and the party's own identifier or address."""
    merge: StorefrontMerge = party.merge
    kind, value = party_identifier(party=party)
    return {
        "party": party,
        "merge_name": merge.name,
        "incoming": party.name,
        "marketplace": storefront.name,
        "shop_here": party.seller.display_name if party.seller is not None else "",
        "identifier_kind": kind,
        "identifier": value,
        "address": party.email,
        "name": party.user.full_name if party.user is not None else "",
    }


def merge_party_emails(*, party: MergeParty) -> list[Email]:
    """The confirmation e-mails of a party, one per recipient, each in its language."""
    storefront = party_storefront(party=party)
    context = {
        **party_context(party=party, storefront=storefront),
        "confirm_url": confirmation_url(party=party),
    }
    template = TEMPLATES[MergeParty.Kind(party.kind)]
    return [
        email_render(
            kind=template,
            template=template,
            storefront=storefront,
            language=recipient.language,
            recipient=recipient.address,
            reference=party.merge.code[:40],
            context=context,
        )
        for recipient in party_recipients(party=party, storefront=storefront)
    ]
