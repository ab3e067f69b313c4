"""What a storefront may sell: the sellable offers, the admitted sellers, the buy box of a
variant and the prior (Omnibus) price of a reduced offer.

The lowest module of the package: the listings, the home page and the sitemaps build on
``_offers_live`` and ``_sellers_admitted``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from galerie.offers.models import CONDITION_RANK, Offer, PriceHistory
from galerie.offers.pricing import REFERENCE_PERIOD, prior_price
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.models import Storefront

CONDITION_ORDER = Case(
    *(When(Q(condition=condition), then=Value(rank)) for condition, rank in CONDITION_RANK.items()),
    default=Value(len(CONDITION_RANK)),
    output_field=IntegerField(),
)

# The buy-box rule (docs/buy-box.md): cheapest, then better condition, then faster dispatch,
# then the older offer. Shipping joins the first key once shipping profiles exist.
BUY_BOX_ORDER = ("price_minor", "condition_rank", "lead_time_days", "id")


def offers_sellable(storefront: Storefront) -> QuerySet[Offer]:
    """Return the offers a storefront may sell now: active, in stock, in its currency, from an
    active seller admitted to it."""
    admitted = SellerAdmission.objects.filter(
        seller_id=OuterRef("seller_id"), storefront_id=storefront.pk, status=SellerAdmission.Status.ADMITTED
    )
    return _offers_live(storefront).filter(Exists(admitted), seller__status=Seller.Status.ACTIVE)


def _offers_live(storefront: Storefront) -> QuerySet[Offer]:
    return Offer.objects.filter(status=Offer.Status.ACTIVE, stock__gt=0, currency=storefront.currency)


def _sellers_admitted(storefront: Storefront) -> dict[str, int]:
    """Return {slug: id} of the sellers whose offers ``offers_sellable`` keeps: active, admitted."""
    return dict(
        SellerAdmission.objects.filter(
            storefront_id=storefront.pk,
            status=SellerAdmission.Status.ADMITTED,
            seller__status=Seller.Status.ACTIVE,
        ).values_list("seller__slug", "seller_id")
    )


def offers_for_variant(*, storefront: Storefront, variant_id: int) -> list[Offer]:
    """Return a variant's sellable offers, best first by the buy-box rule, with their sellers."""
    return list(
        offers_sellable(storefront)
        .filter(variant_id=variant_id)
        .annotate(condition_rank=CONDITION_ORDER)
        .select_related("seller__shipping_profile")
        .order_by(*BUY_BOX_ORDER)
    )


def buy_box(*, storefront: Storefront, variant_id: int) -> Offer | None:
    """Return the offer the storefront puts forward for a variant, or None."""
    offers = offers_for_variant(storefront=storefront, variant_id=variant_id)
    return offers[0] if offers else None


def prior_prices(offer_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, int]:
    """Return {offer id: prior price in minor units} for the offers that show a reduction.

    Two queries whatever the number of offers: the history rows of the last 60 days, and
    the price each offer had when those 60 days began.
    """
    return {pk: prior for pk, (prior, _until) in reductions(offer_ids, now=now).items()}


def reductions(offer_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, tuple[int, datetime]]:
    """Return {offer id: (prior price, until)} for the offers that show a reduction now; it
    shows until ``until`` (30 days after the current price was set) unless the price changes.

    Two queries whatever the number of offers (see ``prior_prices``).
    """
    now = now or timezone.now()
    ids = list(offer_ids)
    if not ids:
        return {}
    since = now - 2 * REFERENCE_PERIOD
    history: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for offer_id, valid_from, price in PriceHistory.objects.filter(
        offer_id__in=ids, valid_from__gt=since, valid_from__lte=now
    ).values_list("offer_id", "valid_from", "price_minor"):
        history[offer_id].append((valid_from, price))
    recent = [offer_id for offer_id, rows in history.items() if rows]
    earlier = (
        PriceHistory.objects.filter(offer_id=OuterRef("pk"), valid_from__lte=since)
        .order_by("-valid_from", "-id")
        .values("price_minor")[:1]
    )
    for offer_id, price in (
        Offer.objects.filter(pk__in=recent).annotate(earlier=Subquery(earlier)).values_list("pk", "earlier")
    ):
        if price is not None:
            history[offer_id].append((since, price))
    result = {}
    for offer_id, rows in history.items():
        if (prior := prior_price(rows, now)) is not None:
            current_since = max(valid_from for valid_from, _ in rows)
            result[offer_id] = (prior, current_since + REFERENCE_PERIOD)
    return result
