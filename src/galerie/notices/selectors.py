"""Reads of notice and action, each scoped to its reader: the storefront's public objects for a
notifier, the operator's queues, a seller's own decisions, a signed link's one decision."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.catalog.models import Product
from galerie.core.errors import NotFound
from galerie.notices.errors import DecisionNotFound, NoticeNotFound, NoticeTargetNotFound
from galerie.notices.models import Action, Category, Complaint, Decision, Notice, TargetKind
from galerie.notices.rules import buyers_since
from galerie.offers.models import Offer
from galerie.offers.selectors.sellable import offers_sold_on
from galerie.orders.models import OrderLine
from galerie.reviews.models import Review
from galerie.reviews.selectors import review_get_public
from galerie.sellers.models import Seller
from galerie.sellers.selectors import seller_get_public
from galerie.storefronts.models import Storefront

TOKEN_SALT = "galerie.notices.decision"


@dataclass(frozen=True)
class Target:
    """What a notice names, as the storefront shows it."""

    kind: str
    ref: str
    label: str
    product: Product | None = None
    offer: Offer | None = None
    review: Review | None = None
    seller: Seller | None = None


def _uuid(ref: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


def notice_target_get(*, storefront: Storefront, kind: str, ref: str) -> Target:
    """Return the product, offer, review or seller ``ref`` names as this storefront shows it;
    raise NoticeTargetNotFound for anything else."""
    missing = NoticeTargetNotFound(_("What you want to report is not shown on this storefront."), field="ref")
    ref = (ref or "").strip()[:64]
    key = _uuid(ref)
    if kind == TargetKind.SELLER and ref:
        try:
            seller = seller_get_public(storefront=storefront, slug=ref)
        except NotFound:
            raise missing from None
        return Target(kind, ref, seller.display_name, seller=seller)
    if kind == TargetKind.PRODUCT and ref:  # by its slug, as its page's address names it
        product = Product.objects.filter(slug=ref, status=Product.Status.PUBLISHED).first()
        if product is None:
            raise missing
        return Target(kind, ref, product.title, product=product)
    if key is None:
        raise missing
    if kind == TargetKind.OFFER:
        offer = (
            offers_sold_on(storefront).select_related("seller", "variant__product").filter(uuid=key).first()
        )
        if offer is not None:
            label = f"{offer.variant.product.title} — {offer.seller.display_name}"
            return Target(kind, ref, label, offer=offer, seller=offer.seller)
    elif kind == TargetKind.REVIEW:
        try:
            review = review_get_public(storefront=storefront, review_uuid=str(key))
        except NotFound:
            raise missing from None
        label = _("Review by %(author)s") % {"author": review.author_name or _("a customer")}
        return Target(kind, ref, label, review=review, seller=review.seller)
    raise missing


# --- the back office ---------------------------------------------------------------------------


def notices_queue() -> QuerySet[Notice]:
    """The notices awaiting a decision, the earliest deadline first."""
    return (
        Notice.objects.filter(status=Notice.Status.OPEN)
        .select_related("storefront", "product", "offer__variant__product", "review", "seller")
        .order_by("due_at", "id")
    )


def notices_decided() -> QuerySet[Notice]:
    """The decided notices, the latest decided first."""
    return (
        Notice.objects.filter(status=Notice.Status.DECIDED)
        .select_related("storefront")
        .order_by("-decided_at")
    )


def notice_get_for_operator(*, notice_uuid: str) -> Notice:
    """Return a notice for the operator; raise NoticeNotFound."""
    notice = (
        Notice.objects.select_related("storefront", "product", "offer__variant__product", "offer__seller")
        .select_related("review", "seller")
        .filter(uuid=notice_uuid)
        .first()
    )
    if notice is None:
        raise NoticeNotFound(_("There is no such notice."))
    return notice


def notice_decisions(*, notice: Notice) -> QuerySet[Decision]:
    return notice.decisions.select_related("seller", "decided_by").prefetch_related("complaints")


def complaints_queue() -> QuerySet[Complaint]:
    """The complaints awaiting a decision, the oldest first."""
    return Complaint.objects.filter(status=Complaint.Status.OPEN).select_related(
        "decision", "decision__notice", "decision__seller", "decision__decided_by"
    )


def complaint_get_for_operator(*, complaint_uuid: str) -> Complaint:
    complaint = (
        Complaint.objects.select_related("decision", "decision__notice", "decision__seller")
        .filter(uuid=complaint_uuid)
        .first()
    )
    if complaint is None:
        raise NotFound(_("There is no such complaint."))
    return complaint


# --- the parties -------------------------------------------------------------------------------


def decisions_for_seller(*, seller: Seller) -> QuerySet[Decision]:
    """The decisions restricting this seller's content, newest first."""
    return (
        Decision.objects.filter(seller=seller)
        .select_related("notice")
        .prefetch_related("complaints")
        .order_by("-decided_at", "-id")
    )


def decision_get_for_seller(*, seller: Seller, decision_uuid: str) -> Decision:
    """One of this seller's decisions; DecisionNotFound for another's."""
    decision = decisions_for_seller(seller=seller).filter(uuid=decision_uuid).first()
    if decision is None:
        raise DecisionNotFound(_("There is no such decision about your shop."))
    return decision


def decision_token(*, decision: Decision, role: str) -> str:
    """The signed token of a decision's link for ``role`` (``affected`` or ``notifier``)."""
    return signing.dumps([decision.uuid.hex, role], salt=TOKEN_SALT, compress=True)


def decision_get_by_token(*, token: str) -> tuple[Decision, str]:
    """The decision and the role a signed link names; DecisionNotFound for a forged one."""
    try:
        decision_hex, role = signing.loads(token, salt=TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise DecisionNotFound(_("This link is not valid.")) from None
    decision = Decision.objects.select_related("notice", "notice__storefront", "seller").filter(
        uuid=decision_hex
    )
    found = decision.first()
    if found is None:
        raise DecisionNotFound(_("This link is not valid."))
    return found, role


# --- art. 32 -----------------------------------------------------------------------------------


def buyers_to_inform(*, decision: Decision) -> list[User]:
    """The active customers who bought a removed offer in the six months before the decision, each
    once. An erased (GDPR) customer is inactive and left out."""
    if not decision.offer_ids:
        return []
    since = buyers_since(decided_at=decision.decided_at)
    user_ids = (
        OrderLine.objects.filter(
            offer_id__in=decision.offer_ids,
            seller_order__order__placed_at__gte=since,
            seller_order__order__placed_at__lte=decision.decided_at,
        )
        .values_list("seller_order__order__customer_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=list(user_ids), is_active=True).exclude(email="").order_by("pk"))


# --- art. 15 and 24 ----------------------------------------------------------------------------


def transparency_report(*, year: int) -> dict[str, Any]:
    """The figures of the transparency report for ``year`` (art. 15 and 24 DSA)."""
    tz = timezone.get_current_timezone()
    start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    notices = Notice.objects.filter(received_at__gte=start, received_at__lt=end)
    per_category = dict(notices.values_list("category").annotate(n=Count("id")).order_by())
    decisions = Decision.objects.filter(decided_at__gte=start, decided_at__lt=end)
    per_action = dict(decisions.values_list("action").annotate(n=Count("id")).order_by())
    # Time to decision: from the notice's receipt to its first decision.
    hours = []
    decided = Notice.objects.filter(decided_at__gte=start, decided_at__lt=end)
    for received_at, decided_at in decided.values_list("received_at", "decided_at"):
        if decided_at is not None:
            hours.append((decided_at - received_at).total_seconds() / 3600)
    complaints = Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
    return {
        "year": year,
        "notices_received": notices.count(),
        "notices_per_category": {c: per_category.get(c, 0) for c in Category.values},
        "actions_per_kind": {a: per_action.get(a, 0) for a in Action.values},
        "median_hours_to_decision": round(statistics.median(hours), 1) if hours else None,
        "complaints_received": complaints.count(),
        "complaints_reversed": complaints.filter(status=Complaint.Status.REVERSED).count(),
        "suspensions": per_action.get(Action.SELLER_SUSPENDED, 0),
        "automated_decisions": decisions.filter(automated=True).count(),
    }
