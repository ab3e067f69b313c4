"""The operator's portfolio of storefronts at a glance: each with its hosts, its sellers and what
it lists, its commission plan and its closing date.

Here rather than in ``storefronts`` because it reads the apps above it (admissions, the search
read model, the commission plans): the ledger is the lowest layer that sees them all
(docs/architecture.md). A fixed number of queries whatever the number of storefronts, sellers
or offers: the listed counts come from the search read model's counts (``SearchCount``, one row
per storefront and counted value), never from a pass over the offers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from galerie.ledger.models import CommissionPlan
from galerie.search.models import SearchCount, SearchValue
from galerie.sellers.models import SellerAdmission
from galerie.storefronts.errors import StorefrontNotFound
from galerie.storefronts.models import Storefront


@dataclass
class StorefrontFigures:
    """One storefront of the portfolio and its counts."""

    storefront: Storefront
    hosts: list[str] = field(default_factory=list)
    sellers_admitted: int = 0
    sellers_listed: int = 0  # sellers with at least one offer listed there
    products_listed: int = 0
    offers_listed: int = 0  # per product, condition and seller (the search read model's counts)
    plan: CommissionPlan | None = None

    @property
    def rate_percent(self) -> Decimal | None:
        return Decimal(self.plan.rate_bp) / 100 if self.plan else None


def storefronts_for_operator() -> list[StorefrontFigures]:
    """Return every storefront, whatever its status, with its figures; five queries."""
    storefronts = list(Storefront.objects.prefetch_related("hosts").order_by("name"))
    figures = {
        s.pk: StorefrontFigures(storefront=s, hosts=[h.host for h in s.hosts.all()]) for s in storefronts
    }
    admitted = (
        SellerAdmission.objects.filter(status=SellerAdmission.Status.ADMITTED)
        .values_list("storefront_id")
        .annotate(n=Count("id"))
    )
    for storefront_id, n in admitted:
        figures[storefront_id].sellers_admitted = n
    everything = SearchValue.objects.filter(name="all", value="").values_list("pk", flat=True).first()
    if everything is not None:
        counted = (
            # Per storefront: a range of the (storefront, scope, name) index each, not a scan
            # of every storefront's counts (45 ms at the large seed's 347,000 rows).
            SearchCount.objects.filter(
                storefront_id__in=list(figures), scope=everything, name__in=("all", "seller", "cs")
            )
            .values_list("storefront_id", "name")
            .annotate(total=Sum("n"), rows=Count("id"))
        )
        for storefront_id, name, total, rows in counted:
            row = figures.get(storefront_id)
            if row is None:
                continue
            if name == "all":
                row.products_listed = total
            elif name == "seller":
                row.sellers_listed = rows
            else:
                row.offers_listed = total
    for plan in CommissionPlan.objects.filter(storefront_id__in=figures):
        figures[plan.storefront_id].plan = plan
    return list(figures.values())


def storefront_get_for_operator(*, storefront_id: int) -> Storefront:
    """Return any storefront, whatever its status, with its hosts, scope and commission plan
    (one query each); raise StorefrontNotFound."""
    found = (
        Storefront.objects.filter(pk=storefront_id)
        .prefetch_related("hosts", "catalog_scope")
        .select_related("commission_plan")
        .first()
    )
    if found is None:
        raise StorefrontNotFound("There is no such storefront.")
    return found


def storefront_get_for_operator_by_code(*, code: str) -> Storefront:
    """Return any storefront by its code, as :func:`storefront_get_for_operator`; raise
    StorefrontNotFound."""
    found = Storefront.objects.filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        raise StorefrontNotFound(f"There is no storefront with the code {code!r}.")
    return storefront_get_for_operator(storefront_id=found)


def commission_plan_of(storefront: Storefront) -> CommissionPlan | None:
    """The storefront's commission plan, or None (read from storefront_get_for_operator's join)."""
    try:
        return storefront.commission_plan
    except CommissionPlan.DoesNotExist:
        return None
