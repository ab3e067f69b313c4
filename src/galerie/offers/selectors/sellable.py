"""What a storefront may sell: the sellable offers, the admitted sellers, the buy box of a
variant and the prior (Omnibus) price of a reduced offer.

The lowest module of the package: the listings, the home page and the sitemaps build on
``_offers_live`` and ``_sellers_admitted``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from galerie.catalog.models import Product
from galerie.offers.models import CONDITION_RANK, Offer, PriceHistory
from galerie.offers.pricing import REFERENCE_PERIOD, prior_price
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_scope_filter

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


def offers_sold_on(storefront: Storefront) -> QuerySet[Offer]:
    """The offers the storefront sells: sellable (``offers_sellable``) and of a published
    product of its catalog scope, as its product pages show them; what a cart may take."""
    return offers_sellable(storefront).filter(
        storefront_scope_filter(storefront, prefix="variant__product__"),
        variant__product__status=Product.Status.PUBLISHED,
    )


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

    One query whatever the number of offers: the history rows of the last 60 days, and for
    each offer the row in effect when those 60 days began (plain SQL: the ORM took longer to
    build this query than PostgreSQL to run it).
    """
    return {pk: prior for pk, (prior, _until) in reductions(offer_ids, now=now).items()}


def reductions(offer_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, tuple[int, datetime]]:
    """Return {offer id: (prior price, until)} for the offers that show a reduction now; it
    shows until ``until`` (30 days after the current price was set) unless the price changes.

    One query whatever the number of offers (see ``prior_prices``).
    """
    ids = list(offer_ids)
    if not ids:
        return {}
    now = now or timezone.now()
    since = now - 2 * REFERENCE_PERIOD
    table = connection.ops.quote_name(PriceHistory._meta.db_table)
    # PostgreSQL: the ids as one array parameter, plain rows (the search indexer asks for
    # thousands at once); elsewhere placeholders, and the ORM converts the dates.
    postgresql = connection.vendor == "postgresql"
    among = "= ANY(%s)" if postgresql else f"IN ({', '.join(['%s'] * len(ids))})"
    sql = f"""
        SELECT h.id, h.offer_id, h.valid_from, h.price_minor FROM {table} h
        WHERE h.offer_id {among} AND h.valid_from <= %s
          AND (h.valid_from > %s
               OR h.id = (SELECT e.id FROM {table} e WHERE e.offer_id = h.offer_id AND e.valid_from <= %s
                          ORDER BY e.valid_from DESC, e.id DESC LIMIT 1))"""
    adapt = connection.ops.adapt_datetimefield_value
    params = [*([ids] if postgresql else ids), adapt(now), adapt(since), adapt(since)]
    history: list[tuple[int, datetime, int]]
    if postgresql:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            history = [(offer_id, valid_from, price) for _, offer_id, valid_from, price in cursor.fetchall()]
    else:
        history = [(r.offer_id, r.valid_from, r.price_minor) for r in PriceHistory.objects.raw(sql, params)]
    recent: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    earlier: dict[int, int] = {}
    for offer_id, valid_from, price_minor in history:
        if valid_from > since:
            recent[offer_id].append((valid_from, price_minor))
        else:
            earlier[offer_id] = price_minor
    result = {}
    for offer_id, rows in recent.items():
        if offer_id in earlier:
            rows.append((since, earlier[offer_id]))
        if (prior := prior_price(rows, now)) is not None:
            current_since = max(valid_from for valid_from, _ in rows)
            result[offer_id] = (prior, current_since + REFERENCE_PERIOD)
    return result
