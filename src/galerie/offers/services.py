"""Every write to offers: creation, price changes (with history), stock moves."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from galerie.catalog.models import Variant
from galerie.core.actors import Actor
from galerie.core.errors import InvalidInput, full_clean
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.core.outbox import emit
from galerie.offers.errors import OfferNotFound, OfferOutOfStock
from galerie.offers.models import Offer, PriceHistory
from galerie.sellers.errors import SellerNotActive
from galerie.sellers.models import Seller

SELLERS_WHO_MAY_LIST = (Seller.Status.APPROVED, Seller.Status.ACTIVE, Seller.Status.SUSPENDED)


def _check_quantity(value: int, field: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput({field: [f"Must be a whole number of at least {minimum}, not {value!r}."]})


@transaction.atomic
def offer_create(
    *,
    seller: Seller,
    variant: Variant,
    price: Money,
    stock: int,
    condition: str = "new",
    lead_time_days: int = 2,
    seller_sku: str = "",
    at: datetime | None = None,
) -> Offer:
    """Put a variant on sale for a seller; record its first price in the price history."""
    if seller.status not in SELLERS_WHO_MAY_LIST:
        raise SellerNotActive(f"{seller} cannot list offers while its account is {seller.status}.")
    _check_quantity(stock, "stock", minimum=0)
    offer = Offer(
        seller=seller,
        variant=variant,
        condition=condition,
        price_minor=price.amount_minor,
        currency=price.currency,
        stock=stock,
        lead_time_days=lead_time_days,
        seller_sku=seller_sku,
    )
    full_clean(offer)
    offer.save()
    PriceHistory.objects.create(
        offer=offer, price_minor=offer.price_minor, currency=offer.currency, valid_from=at or timezone.now()
    )
    emit("offer.created", offer_id=offer.pk, variant_id=variant.pk, seller_id=seller.pk)
    return offer


def _lock(offer_id: int) -> Offer:
    try:
        return lock_row(Offer.objects.all(), offer_id)
    except Offer.DoesNotExist:
        raise OfferNotFound(f"There is no offer {offer_id}.") from None


@transaction.atomic
def offer_price_set(*, offer_id: int, price: Money, at: datetime | None = None) -> Offer:
    """Change an offer's price and append it to the price history in the same transaction."""
    offer = _lock(offer_id)
    if price.currency != offer.currency:
        raise InvalidInput({"price": [f"This offer is priced in {offer.currency}, not {price.currency}."]})
    if price.amount_minor <= 0:
        raise InvalidInput({"price": ["The price must be more than zero."]})
    if price.amount_minor == offer.price_minor:
        return offer  # nothing changes: no history row either
    previous = offer.price_minor
    offer.price_minor = price.amount_minor
    offer.save(update_fields=["price_minor", "updated_at"])
    PriceHistory.objects.create(
        offer=offer, price_minor=offer.price_minor, currency=offer.currency, valid_from=at or timezone.now()
    )
    emit(
        "offer.price_changed",
        offer_id=offer.pk,
        variant_id=offer.variant_id,
        previous_minor=previous,
        price_minor=offer.price_minor,
        currency=offer.currency,
    )
    return offer


@transaction.atomic
def offer_stock_set(*, offer_id: int, stock: int) -> Offer:
    """Set the stock a seller counted (absolute quantity)."""
    _check_quantity(stock, "stock", minimum=0)
    offer = _lock(offer_id)
    if offer.stock == stock:
        return offer
    offer.stock = stock
    offer.save(update_fields=["stock", "updated_at"])
    emit("offer.stock_changed", offer_id=offer.pk, variant_id=offer.variant_id, stock=stock)
    return offer


@transaction.atomic
def offer_stock_take(*, offer_id: int, quantity: int) -> None:
    """Take ``quantity`` units; raise OfferOutOfStock if fewer are left. Never oversells.

    One conditional UPDATE (``stock >= quantity``): concurrent takers cannot both pass, and the
    CHECK (stock >= 0) constraint stands behind it.
    """
    _check_quantity(quantity, "quantity", minimum=1)
    taken = Offer.objects.filter(pk=offer_id, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not taken:
        left = Offer.objects.filter(pk=offer_id).values_list("stock", flat=True).first()
        if left is None:
            raise OfferNotFound(f"There is no offer {offer_id}.")
        raise OfferOutOfStock(f"Only {left} left of this offer; {quantity} asked.", field="quantity")
    emit("offer.stock_taken", offer_id=offer_id, quantity=quantity)


@transaction.atomic
def offer_stock_release(*, offer_id: int, quantity: int) -> None:
    """Give back ``quantity`` units taken earlier (a cancelled reservation)."""
    _check_quantity(quantity, "quantity", minimum=1)
    if not Offer.objects.filter(pk=offer_id).update(stock=F("stock") + quantity):
        raise OfferNotFound(f"There is no offer {offer_id}.")
    emit("offer.stock_released", offer_id=offer_id, quantity=quantity)


@transaction.atomic
def offer_status_set(*, offer_id: int, status: str) -> Offer:
    """Pause, reactivate or close an offer."""
    if status not in Offer.Status.values:
        raise InvalidInput(
            {"status": [f"“{status}” is not an offer status ({', '.join(Offer.Status.values)})."]}
        )
    offer = _lock(offer_id)
    if offer.status == status:
        return offer
    offer.status = status
    offer.save(update_fields=["status", "updated_at"])
    emit("offer.status_changed", offer_id=offer.pk, variant_id=offer.variant_id, status=status)
    return offer


@transaction.atomic
def offer_sku_set(*, offer_id: int, seller_sku: str) -> Offer:
    """Give an offer that has none its seller SKU; raise InvalidInput for a SKU it cannot take.

    An offer's SKU is the key imports find it by: once set it stays (a later import or edit
    would lose the offer), and two offers of one seller never share one.
    """
    offer = _lock(offer_id)
    seller_sku = seller_sku.strip()
    if seller_sku == offer.seller_sku:
        return offer
    if offer.seller_sku:
        raise InvalidInput({"seller_sku": [f"This offer already has the SKU “{offer.seller_sku}”."]})
    offer.seller_sku = seller_sku
    full_clean(offer, exclude=["seller", "variant"], validate_unique=False, validate_constraints=False)
    taken = Offer.objects.filter(seller_id=offer.seller_id, seller_sku=seller_sku).exclude(pk=offer.pk)
    if taken.exists():
        raise InvalidInput({"seller_sku": [f"Another of your offers has the SKU “{seller_sku}”."]})
    offer.save(update_fields=["seller_sku", "updated_at"])
    emit("offer.sku_set", offer_id=offer.pk, variant_id=offer.variant_id, seller_sku=seller_sku)
    return offer


def seller_offers_close(*, seller_id: int, by: Actor | None = None) -> None:
    """Close every offer of the seller not closed yet, lowest id first (an on-close hook of a
    seller's closure, run in its transaction)."""
    open_offers = Offer.objects.filter(seller_id=seller_id).exclude(status=Offer.Status.CLOSED)
    for offer_id in open_offers.order_by("pk").values_list("pk", flat=True):
        offer_status_set(offer_id=offer_id, status=Offer.Status.CLOSED)
