"""Every write to sellers: application, status changes, admission, staff."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from galerie.core.errors import InvalidInput, NotFound, full_clean
from galerie.core.identifiers import clean_iban, clean_phone, clean_vat_number
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.sellers.models import Seller, SellerAdmission, SellerMember
from galerie.storefronts.models import Storefront

IDENTITY_FIELDS = (
    "display_name",
    "legal_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "id_document_reference",
    "iban",
    "trade_register_number",
    "vat_number",
    "description",
)


@transaction.atomic
def seller_apply(
    *,
    kind: str,
    identity: dict[str, str],
    storefronts: Iterable[Storefront],
    certifies_compliance: bool,
    owner: Any = None,
    slug: str = "",
) -> Seller:
    """Record a seller's application with its legal identity; one pending admission per storefront."""
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise InvalidInput({"identity": [f"Unknown fields: {', '.join(sorted(unknown))}."]})
    storefronts = list(storefronts)
    if not storefronts:
        raise InvalidInput({"storefronts": ["Choose at least one storefront to sell on."]})
    seller = Seller(
        kind=kind,
        slug=slug or slugify(identity.get("display_name", ""))[:80],
        compliance_certified_at=timezone.now() if certifies_compliance else None,
        **identity,
    )
    full_clean(seller)
    # Store the standard numbers in one canonical form, whatever spacing was typed.
    seller.iban = clean_iban(seller.iban)
    seller.phone = clean_phone(seller.phone)
    if seller.vat_number:
        seller.vat_number = clean_vat_number(seller.vat_number)
    seller.save()
    SellerAdmission.objects.bulk_create(SellerAdmission(seller=seller, storefront=s) for s in storefronts)
    if owner is not None:
        SellerMember.objects.create(seller=seller, user=owner, role=SellerMember.Role.OWNER)
    emit("seller.applied", seller_id=seller.pk, storefront_ids=[s.pk for s in storefronts])
    return seller


def _move(seller_id: int, to: str, by: Any, reason: str = "") -> Seller:
    seller = lock_row(Seller.objects.all(), seller_id)
    if seller.status == to:
        return seller  # a retried request: already done
    transition(seller, to=to, by=by, reason=reason, seller_id=seller.pk)
    return seller


@transaction.atomic
def seller_approve(*, seller_id: int, by: Any = None) -> Seller:
    """Approve an application (the seller may then be activated)."""
    return _move(seller_id, Seller.Status.APPROVED, by)


@transaction.atomic
def seller_reject(*, seller_id: int, reason: str, by: Any = None) -> Seller:
    """Reject an application, with the reason the applicant is told."""
    if not reason.strip():
        raise InvalidInput({"reason": ["Give the reason for the rejection: the applicant is told."]})
    return _move(seller_id, Seller.Status.REJECTED, by, reason)


@transaction.atomic
def seller_activate(*, seller_id: int, by: Any = None) -> Seller:
    """Let an approved or suspended seller sell again."""
    return _move(seller_id, Seller.Status.ACTIVE, by)


@transaction.atomic
def seller_suspend(*, seller_id: int, reason: str, by: Any = None) -> Seller:
    """Suspend an active seller: its offers leave every storefront at once."""
    if not reason.strip():
        raise InvalidInput({"reason": ["Give the reason for the suspension (a DSA statement of reasons)."]})
    return _move(seller_id, Seller.Status.SUSPENDED, by, reason)


@transaction.atomic
def seller_close(*, seller_id: int, reason: str = "", by: Any = None) -> Seller:
    """Close a seller for good."""
    return _move(seller_id, Seller.Status.CLOSED, by, reason)


@transaction.atomic
def seller_admission_decide(
    *, seller_id: int, storefront_id: int, admit: bool, reason: str = "", by: Any = None
) -> SellerAdmission:
    """Admit a seller to a storefront or refuse it (with a reason)."""
    try:
        admission = SellerAdmission.objects.select_for_update().get(
            seller_id=seller_id, storefront_id=storefront_id
        )
    except SellerAdmission.DoesNotExist:
        raise NotFound("This seller has not applied to this storefront.") from None
    status = SellerAdmission.Status.ADMITTED if admit else SellerAdmission.Status.REFUSED
    if not admit and not reason.strip():
        raise InvalidInput({"reason": ["Give the reason for the refusal: the seller is told."]})
    if admission.status == status:
        return admission
    admission.status, admission.reason = status, reason
    admission.decided_at, admission.decided_by = timezone.now(), by
    admission.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    emit("seller.admission_decided", seller_id=seller_id, storefront_id=storefront_id, status=status)
    return admission


@transaction.atomic
def seller_member_add(*, seller: Seller, user: Any, role: str) -> SellerMember:
    """Give a user a role at a seller."""
    member = SellerMember(seller=seller, user=user, role=role)
    full_clean(member)
    member.save()
    emit("seller.member_added", seller_id=seller.pk, user_id=user.pk, role=role)
    return member
