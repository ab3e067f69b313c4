"""Reads of sellers: public shop pages, the operator's curation queue, an applicant's own file."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import CharField, Count, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce

from galerie.accounts.models import User
from galerie.core.errors import InvalidInput, NotFound
from galerie.core.models import StatusChange
from galerie.sellers.errors import SellerDocumentNotFound, SellerNotFound
from galerie.sellers.models import (
    Seller,
    SellerAdmission,
    SellerApplicationMessage,
    SellerDocument,
    SellerMember,
    SellerTermination,
)
from galerie.storefronts.models import Storefront

SELLER_MODEL_LABEL = "sellers.Seller"
QUEUE_PAGE = 50


def seller_get_public(*, storefront: Storefront, slug: str) -> Seller:
    """Return an active seller admitted to the storefront; raise NotFound otherwise."""
    try:
        return Seller.objects.get(
            slug=slug,
            status=Seller.Status.ACTIVE,
            admissions__storefront=storefront,
            admissions__status=SellerAdmission.Status.ADMITTED,
        )
    except Seller.DoesNotExist:
        raise NotFound("There is no such seller on this storefront.") from None


# --- the back office ---------------------------------------------------------------------------


def _status_since() -> Subquery:
    return Subquery(
        StatusChange.objects.filter(
            model=SELLER_MODEL_LABEL, object_pk=Cast(OuterRef("pk"), output_field=CharField())
        )
        .order_by("-id")
        .values("at")[:1]
    )


def seller_queue_counts() -> dict[str, int]:
    """Return {status: number of sellers} for the queue's filter chips; one grouped query."""
    counts = dict.fromkeys(Seller.Status.values, 0)
    for status, n in Seller.objects.order_by().values_list("status").annotate(n=Count("pk")):
        counts[status] = n
    return counts


def sellers_for_queue(
    *, status: str | None, after_id: int | None = None, limit: int = QUEUE_PAGE
) -> list[Seller]:
    """Return sellers in ``status`` (every status when None), oldest first, a keyset page after
    ``after_id``; each with its admissions and storefronts and ``since`` (when it entered its
    status). Two queries."""
    sellers = Seller.objects.all()
    if status:
        sellers = sellers.filter(status=status)
    if after_id:
        sellers = sellers.filter(pk__gt=after_id)
    admissions = SellerAdmission.objects.select_related("storefront").order_by("storefront__name")
    return list(
        sellers.annotate(since=Coalesce(_status_since(), F("created_at")))
        .prefetch_related(Prefetch("admissions", queryset=admissions))
        .order_by("pk")[:limit]
    )


def sellers_for_operator(
    *, status: str | None = None, storefront_code: str | None = None
) -> QuerySet[Seller]:
    """Return every seller, or those in ``status`` and/or applied to the storefront ``code``,
    with their admissions and storefronts (one more query), unordered: the caller pages it by id.
    Raise InvalidInput naming the filter for an unknown status or storefront."""
    errors: dict[str, list[str]] = {}
    if status and status not in Seller.Status.values:
        errors["status"] = [f"One of {', '.join(Seller.Status.values)}."]
    if storefront_code and not Storefront.objects.filter(code=storefront_code).exists():
        errors["storefront"] = [f"No storefront has the code {storefront_code!r}."]
    if errors:
        raise InvalidInput(errors)
    sellers = Seller.objects.all()
    if status:
        sellers = sellers.filter(status=status)
    if storefront_code:
        # One admission per seller and storefront: the join adds no duplicate row.
        sellers = sellers.filter(admissions__storefront__code=storefront_code)
    admissions = SellerAdmission.objects.select_related("storefront").order_by("storefront__name")
    return sellers.prefetch_related(Prefetch("admissions", queryset=admissions))


def seller_get_for_operator(*, seller_id: int) -> Seller:
    """Return a seller with its admissions, documents, conversation and staff; raise SellerNotFound."""
    seller = (
        Seller.objects.filter(pk=seller_id)
        .prefetch_related(
            Prefetch(
                "admissions",
                queryset=SellerAdmission.objects.select_related("storefront", "decided_by").order_by("id"),
            ),
            Prefetch("documents", queryset=SellerDocument.objects.order_by("id")),
            Prefetch(
                "application_messages",
                queryset=SellerApplicationMessage.objects.select_related("author").order_by("id"),
            ),
            Prefetch("members", queryset=SellerMember.objects.select_related("user").order_by("id")),
        )
        .first()
    )
    if seller is None:
        raise SellerNotFound(f"There is no seller {seller_id}.")
    return seller


def seller_status_history(*, seller: Seller) -> list[StatusChange]:
    """Return the seller's status changes, oldest first, with who made them."""
    return list(
        StatusChange.objects.filter(model=SELLER_MODEL_LABEL, object_pk=str(seller.pk))
        .select_related("actor")
        .order_by("id")
    )


def seller_document_get_for_operator(*, seller_id: int, document_id: int) -> SellerDocument:
    """Return a document of this seller; raise SellerDocumentNotFound if it is another's or none."""
    document = SellerDocument.objects.filter(pk=document_id, seller_id=seller_id).first()
    if document is None:
        raise SellerDocumentNotFound("This seller has no such document.")
    return document


# --- the applicant -----------------------------------------------------------------------------

APPLICANT_STATUSES = (Seller.Status.APPLIED, Seller.Status.INFO_REQUESTED, Seller.Status.REJECTED)


def _applications(user: User | AnonymousUser) -> QuerySet[Seller]:
    if not isinstance(user, User):
        return Seller.objects.none()
    return (
        Seller.objects.filter(members__user=user, status__in=APPLICANT_STATUSES)
        .annotate(
            status_reason=Subquery(
                StatusChange.objects.filter(
                    model=SELLER_MODEL_LABEL, object_pk=Cast(OuterRef("pk"), output_field=CharField())
                )
                .order_by("-id")
                .values("reason")[:1]
            )
        )
        .prefetch_related(
            Prefetch(
                "admissions", queryset=SellerAdmission.objects.select_related("storefront").order_by("id")
            ),
            Prefetch("documents", queryset=SellerDocument.objects.order_by("id")),
            Prefetch("application_messages", queryset=SellerApplicationMessage.objects.order_by("id")),
        )
        .order_by("-pk")
        .distinct()
    )


def seller_applications_for_user(*, user: User | AnonymousUser) -> list[Seller]:
    """Return the user's sellers still in curation (applied, info requested, rejected), newest first."""
    return list(_applications(user))


def seller_application_get_for_user(*, user: User | AnonymousUser, seller_id: int) -> Seller:
    """Return one of the user's sellers in curation; raise SellerNotFound if it is not theirs."""
    seller = _applications(user).filter(pk=seller_id).first()
    if seller is None:
        raise SellerNotFound("You have no such application.")
    return seller


# --- e-mails -----------------------------------------------------------------------------------


def seller_termination_scheduled(*, seller: Seller) -> SellerTermination | None:
    """The seller's notice of termination not yet in effect, if any (P2B art. 4)."""
    return SellerTermination.objects.filter(seller=seller, status=SellerTermination.Status.SCHEDULED).first()


def seller_for_email(*, seller_id: int) -> Seller:
    """Return the seller with its admissions (and storefronts) in the order they were made."""
    return Seller.objects.prefetch_related(
        Prefetch("admissions", queryset=SellerAdmission.objects.select_related("storefront").order_by("id"))
    ).get(pk=seller_id)


def seller_application_recipients(*, seller: Seller) -> list[str]:
    """Return the seller's contact address and its owners' addresses, each once."""
    owners = (
        SellerMember.objects.filter(seller=seller, role=SellerMember.Role.OWNER, user__is_active=True)
        .order_by("id")
        .values_list("user__email", flat=True)
    )
    seen: dict[str, str] = {}
    for address in [seller.email, *owners]:
        if address and address.strip().lower() not in seen:
            seen[address.strip().lower()] = address.strip()
    return list(seen.values())
