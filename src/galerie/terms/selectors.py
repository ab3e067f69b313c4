"""The reads of the seller terms and of sellers' complaints; each takes the actor's scope."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from galerie.sellers.models import Seller
from galerie.terms.errors import ComplaintNotFound
from galerie.terms.models import SellerComplaint, SellerTermsAcceptance, SellerTermsVersion


def terms_current(*, now: datetime) -> SellerTermsVersion | None:
    """Return the version of the seller terms in effect at ``now`` (the latest started), or None."""
    return (
        SellerTermsVersion.objects.filter(effective_at__lte=now).order_by("-effective_at", "-number").first()
    )


def terms_upcoming(*, now: datetime) -> list[SellerTermsVersion]:
    """Return the versions published but not in effect yet, soonest first."""
    return list(SellerTermsVersion.objects.filter(effective_at__gt=now).order_by("effective_at", "number"))


def terms_version_public(*, number: int) -> SellerTermsVersion | None:
    """Return version ``number`` of the seller terms (every published version is public)."""
    return SellerTermsVersion.objects.filter(number=number).first()


def terms_versions_public(*, now: datetime) -> list[SellerTermsVersion]:
    """Every version that took effect, newest first (the history of the terms)."""
    return list(SellerTermsVersion.objects.filter(effective_at__lte=now).order_by("-number"))


def terms_versions_for_operator() -> QuerySet[SellerTermsVersion]:
    """Every version, newest first, with how many sellers accepted each."""
    return SellerTermsVersion.objects.select_related("published_by").order_by("-number")


def terms_pending_for_seller(*, seller: Seller, now: datetime) -> list[SellerTermsVersion]:
    """Return the versions the seller has yet to accept: the current one and those announced."""
    current = terms_current(now=now)
    versions = ([current] if current else []) + terms_upcoming(now=now)
    accepted = set(
        SellerTermsAcceptance.objects.filter(seller=seller, version__in=versions).values_list(
            "version_id", flat=True
        )
    )
    return [v for v in versions if v.pk not in accepted]


def terms_acceptances_for_seller(*, seller: Seller) -> QuerySet[SellerTermsAcceptance]:
    """The seller's acceptances, newest first."""
    return SellerTermsAcceptance.objects.filter(seller=seller).select_related("version", "accepted_by")


def complaints_for_seller(*, seller: Seller) -> QuerySet[SellerComplaint]:
    """The seller's own complaints, newest first."""
    return SellerComplaint.objects.filter(seller=seller).order_by("-id")


def complaint_get_for_seller(*, seller: Seller, complaint_id: int) -> SellerComplaint:
    """Return one of the seller's complaints; raise ComplaintNotFound for another seller's."""
    complaint = SellerComplaint.objects.filter(seller=seller, pk=complaint_id).first()
    if complaint is None:
        raise ComplaintNotFound("There is no such complaint.")
    return complaint


def complaints_for_operator(*, status: str = "") -> QuerySet[SellerComplaint]:
    """The complaint queue: unanswered first, oldest first within each status (staff only)."""
    queryset = SellerComplaint.objects.select_related("seller")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-status", "created_at", "id")[:500]


def complaint_get_for_operator(*, complaint_id: int) -> SellerComplaint:
    """Return any complaint with its seller (staff only); raise ComplaintNotFound."""
    complaint = (
        SellerComplaint.objects.select_related("seller", "filed_by", "answered_by")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise ComplaintNotFound("There is no such complaint.")
    return complaint


@dataclass
class P2BReport:
    """The figures of the complaint-handling system for one year (P2B art. 11(4))."""

    year: int
    received: int = 0
    answered: int = 0
    open: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    average_days_to_answer: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "received": self.received,
            "answered": self.answered,
            "open": self.open,
            "by_kind": self.by_kind,
            "by_outcome": self.by_outcome,
            "average_days_to_answer": self.average_days_to_answer,
        }


def p2b_report(*, year: int) -> P2BReport:
    """Count the complaints received in ``year`` (in the operator's time zone): how many, of which
    kinds, with which outcomes, and the average time to answer those answered."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
    rows = list(
        SellerComplaint.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
            "kind", "status", "outcome", "created_at", "answered_at"
        )
    )
    report = P2BReport(year=year, received=len(rows))
    kinds: Counter[str] = Counter(kind for kind, *_ in rows)
    outcomes: Counter[str] = Counter(outcome for _k, _s, outcome, *_ in rows if outcome)
    report.by_kind = dict(kinds.most_common())
    report.by_outcome = dict(outcomes.most_common())
    durations = [(answered - created).total_seconds() for *_, created, answered in rows if answered]
    report.answered = len(durations)
    report.open = report.received - report.answered
    if durations:
        report.average_days_to_answer = round(sum(durations) / len(durations) / 86400, 1)
    return report
