"""Reads of one seller's offers for the seller portal: its list, one offer, what it may list.

Every function takes the seller the portal acts for; an offer or a variant outside what that
seller may see raises a NotFound subclass (a 404 page), never another seller's row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet

from galerie.catalog.errors import ProductNotFound
from galerie.catalog.models import Product, Variant
from galerie.core.identifiers import GTIN_LENGTHS, clean_gtin, gtin_compact, gtin_key
from galerie.offers.errors import OfferNotFound
from galerie.offers.models import Offer, OfferChange
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.models import Storefront

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Listed(TypedDict):
        listed_variants: list[Variant]

    # A product found for the seller, with its variants prefetched as ``listed_variants``.
    _FoundProduct = WithAnnotations[Product, _Listed]

PAGE_SIZE = 50
FIND_LIMIT = 20
# Storefronts a seller may prepare offers for: not the ones that are gone.
LISTING_STOREFRONT_STATUSES = (Storefront.Status.DRAFT, Storefront.Status.OPEN, Storefront.Status.CLOSING)


@dataclass(frozen=True)
class OfferPage:
    offers: list[Offer]
    next_after: int | None  # pass as ``after`` for the next page; None on the last page


@dataclass(frozen=True)
class StorefrontScope:
    """A storefront the seller is admitted to, and the category paths it sells (empty: all)."""

    storefront: Storefront
    paths: tuple[str, ...]

    def covers(self, category_path: str) -> bool:
        return not self.paths or any(category_path.startswith(path) for path in self.paths)


@dataclass(frozen=True)
class FindResult:
    products: list[_FoundProduct]  # ``listed_variants``: variants carrying ``sold_conditions``
    gtin: str = ""  # the GTIN searched for, in its compact form


class InvalidGtin(ValueError):
    """The text looks like a GTIN but its length or check digit is wrong."""


def seller_storefront_scopes(seller: Seller) -> list[StorefrontScope]:
    """Return the storefronts the seller is admitted to (and not closed), with their scope paths.

    Two queries: the admissions with their storefronts, and the scope roots.
    """
    storefronts = [
        admission.storefront
        for admission in SellerAdmission.objects.filter(
            seller=seller,
            status=SellerAdmission.Status.ADMITTED,
            storefront__status__in=LISTING_STOREFRONT_STATUSES,
        )
        .select_related("storefront")
        .prefetch_related("storefront__catalog_scope")
        .order_by("storefront__name", "storefront_id")
    ]
    return [StorefrontScope(s, tuple(c.path for c in s.catalog_scope.all())) for s in storefronts]


def _scope_filter(scopes: list[StorefrontScope], prefix: str = "") -> Q | None:
    """A Q keeping products in any of the scopes; None when no storefront admits the seller."""
    if not scopes:
        return None
    if any(not scope.paths for scope in scopes):
        return Q()
    condition = Q()
    for path in {p for scope in scopes for p in scope.paths}:
        condition |= Q(**{f"{prefix}category__path__startswith": path})
    return condition


def storefront_for_category(scopes: list[StorefrontScope], category_path: str) -> Storefront | None:
    """Return the first admitted storefront whose catalog holds a category, or None.

    The one scope rule of listing: the page that puts a product on sale, the offer list's
    links and offer imports all ask it (docs/offer-imports.md).
    """
    return next((s.storefront for s in scopes if s.covers(category_path)), None)


def offers_link_storefronts(offers: Iterable[Offer], scopes: list[StorefrontScope]) -> None:
    """Set ``offer.storefront`` to the first admitted storefront whose catalog holds the offer's
    product (None when none does); needs ``variant__product__category`` loaded."""
    for offer in offers:
        # Set on the rows for the seller portal's views and templates: not a field of Offer.
        offer.storefront = storefront_for_category(scopes, offer.variant.product.category.path)  # type: ignore[attr-defined]


def _seller_offers(seller: Seller) -> QuerySet[Offer]:
    return Offer.objects.filter(seller_id=seller.pk).select_related("variant__product__category")


def offers_for_seller(
    seller: Seller,
    *,
    q: str = "",
    status: str = "",
    low_stock: bool = False,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> OfferPage:
    """Return one keyset page of the seller's offers, newest first, each with its storefront link.

    ``q`` matches the product title (contains, any case), the seller SKU (contains) or the GTIN
    (exact); ``low_stock`` keeps the active offers at or below the seller's threshold. Three
    queries whatever the number of offers (the page by the (seller, status, -id) index, and
    the admitted storefronts).
    """
    rows = _seller_offers(seller)
    q = q.strip()
    if q:
        condition = Q(variant__product__title__icontains=q) | Q(seller_sku__icontains=q)
        compact = gtin_compact(q)
        if compact.isdigit():
            key = gtin_key(compact) if len(compact) in GTIN_LENGTHS else compact
            condition |= Q(variant__gtin=key)
        rows = rows.filter(condition)
    if status in Offer.Status.values:
        rows = rows.filter(status=status)
    if low_stock:
        rows = rows.filter(status=Offer.Status.ACTIVE, stock__lte=seller.low_stock_threshold)
    if after is not None:
        rows = rows.filter(pk__lt=after)
    page = list(rows.order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    offers_link_storefronts(page, seller_storefront_scopes(seller))
    return OfferPage(offers=page, next_after=page[-1].pk if more and page else None)


def offers_query_for_seller(
    seller: Seller,
    *,
    status: str = "",
    sku: str = "",
    gtin: str = "",
    updated_since: datetime | None = None,
) -> QuerySet[Offer]:
    """Return the seller's offers with their variant and product (the API's list; the caller
    pages it by ``-id``), filtered by exact status, SKU, GTIN (any GTIN form: compared by its
    key) and last change; raise InvalidGtin for a GTIN whose check digit is wrong."""
    rows = _seller_offers(seller)
    if status:
        rows = rows.filter(status=status)
    if sku:
        rows = rows.filter(seller_sku=sku)
    if gtin:
        try:
            rows = rows.filter(variant__gtin=clean_gtin(gtin))
        except ValidationError as error:
            raise InvalidGtin(" ".join(error.messages)) from None
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    return rows


def offer_get_for_seller(seller: Seller, offer_id: int) -> Offer:
    """Return one of the seller's offers with its variant, product and storefront link; raise
    OfferNotFound for an offer that does not exist or is another seller's."""
    offer = _seller_offers(seller).filter(pk=offer_id).first()
    if offer is None:
        raise OfferNotFound("There is no such offer in your shop.")
    offers_link_storefronts([offer], seller_storefront_scopes(seller))
    return offer


HISTORY_PAGE = 20


@dataclass(frozen=True)
class ChangePage:
    """A page of an offer's history, newest first; ``next_before`` is the next page's key (or None)."""

    changes: list[OfferChange]
    next_before: int | None


def offer_changes(*, offer: Offer, before: int | None = None, limit: int = HISTORY_PAGE) -> ChangePage:
    """Return a page of an offer's history, newest first, keyed by id (``before``: older than that).

    ``offer`` comes from a scoped selector (:func:`offer_get_for_seller`): one indexed query.
    """
    changes = OfferChange.objects.filter(offer_id=offer.pk).order_by("-id")
    if before is not None:
        changes = changes.filter(id__lt=before)
    rows = list(changes[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return ChangePage(changes=rows, next_before=rows[-1].pk if more else None)


def variant_get_for_listing(seller: Seller, variant_id: int | None = None, *, gtin: str = "") -> Variant:
    """Return a variant the seller may put on sale, named by its id or by its GTIN, with
    ``variant.storefront`` (where it sells).

    The variant must belong to a published product inside the catalog of a storefront the
    seller is admitted to; raise ProductNotFound otherwise.
    """
    scopes = seller_storefront_scopes(seller)
    named: dict[str, object] = (
        {"pk": variant_id} if variant_id is not None else {"gtin": gtin_key(gtin_compact(gtin))}
    )
    variant = (
        Variant.objects.filter(**named, product__status=Product.Status.PUBLISHED)
        .select_related("product__category", "product__brand")
        .first()
    )
    storefront = None if variant is None else storefront_for_category(scopes, variant.product.category.path)
    if variant is None or storefront is None:
        raise ProductNotFound("This product is not in the catalog of any storefront you sell on.")
    # Set on the row for the seller portal's view and template: not a field of Variant.
    variant.storefront = storefront  # type: ignore[attr-defined]
    return variant


def looks_like_gtin(text: str) -> bool:
    """Tell a GTIN typed in a search box (8 to 14 digits, spaces or dashes allowed) from a name."""
    compact = gtin_compact(text)
    return compact.isdigit() and 8 <= len(compact) <= 14


def variants_find_for_seller(seller: Seller, text: str) -> FindResult:
    """Find catalog products the seller may list, by GTIN (exact) or by name (contains).

    A GTIN is checked first (raise InvalidGtin with the reason when its length or check digit
    is wrong). A name matches published products' titles in any case, newest first, at most
    FIND_LIMIT products: the scan walks the primary-key index backwards and stops at the
    limit. Each variant carries ``sold_conditions``, the conditions the seller already sells
    it in. Five queries at most.
    """
    text = text.strip()
    scopes = seller_storefront_scopes(seller)
    scope = _scope_filter(scopes)
    if not text or scope is None:
        return FindResult(products=[])
    gtin = ""
    products = Product.objects.filter(scope, status=Product.Status.PUBLISHED)
    variants = Variant.objects.order_by("position", "id")
    if looks_like_gtin(text):
        try:
            gtin = clean_gtin(text)
        except ValidationError as error:
            raise InvalidGtin(" ".join(error.messages)) from None
        products = products.filter(variants__gtin=gtin)
        variants = variants.filter(gtin=gtin)
    else:
        products = products.filter(title__icontains=text)
    found = list(
        products.select_related("brand")
        .prefetch_related(Prefetch("variants", queryset=variants, to_attr="listed_variants"))
        .order_by("-id")[:FIND_LIMIT]
    )
    variant_ids = [v.pk for p in found for v in p.listed_variants]
    sold: dict[int, set[str]] = {}
    if variant_ids:
        for variant_id, condition in Offer.objects.filter(
            seller_id=seller.pk, variant_id__in=variant_ids
        ).values_list("variant_id", "condition"):
            sold.setdefault(variant_id, set()).add(condition)
    for product in found:
        for variant in product.listed_variants:
            # A display value for the template, set on the row: not a field of Variant.
            variant.sold_conditions = sold.get(variant.pk, set())  # type: ignore[attr-defined]
    return FindResult(products=found, gtin=gtin)


def seller_offers_low_stock_count(seller: Seller) -> int:
    """Return how many active offers of the seller have ``low_stock_threshold`` units or fewer."""
    return Offer.objects.filter(
        seller_id=seller.pk, status=Offer.Status.ACTIVE, stock__lte=seller.low_stock_threshold
    ).count()
