"""Every write to offers: creation, price, stock, status, SKU, and checkout's stock moves.

Each service takes ``by`` (a user, or :class:`~galerie.core.actors.System` when no person acts),
checks that ``by`` may change the seller's offers, and appends an :class:`OfferChange` row per
changed field in the same transaction (the price also to :class:`PriceHistory`, the Omnibus
prior price). Status moves follow ``Offer.TRANSITIONS`` through ``core.statemachine``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.contrib.auth.models import PermissionsMixin
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.catalog.books import is_book, publisher_price
from galerie.catalog.models import Product, Variant
from galerie.catalog.safety import SAFETY_FIELDS, product_listing_check
from galerie.core.actors import Actor, System, actor_label, actor_user_id
from galerie.core.errors import InvalidInput, full_clean
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.core.outbox import emit, emit_many
from galerie.core.statemachine import transition
from galerie.offers.book_price import book_price_check, product_of_variant
from galerie.offers.errors import OfferEditDenied, OfferNotFound, OfferOutOfStock
from galerie.offers.models import Condition, Offer, OfferChange, PriceHistory
from galerie.sellers.access import ROLE_PERMS, Perm
from galerie.sellers.errors import SellerNotActive
from galerie.sellers.models import Seller, SellerMember

SELLERS_WHO_MAY_LIST = (Seller.Status.APPROVED, Seller.Status.ACTIVE, Seller.Status.SUSPENDED)
Field = OfferChange.Field

SELLER_CLOSE = System("seller_close")  # closes the offers of a seller being closed
FIXED_BOOK_PRICE = System("loi_lang")  # keeps new books at their publisher's price


def _check_quantity(value: int, field: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput({field: [f"Must be a whole number of at least {minimum}, not {value!r}."]})


def offer_editor_check(*, seller_id: int, by: Actor, permission: str = "offers.change_offer") -> None:
    """Raise OfferEditDenied unless ``by`` may change the offers of ``seller_id``.

    Galerie acting (:class:`System`) may; a person may if active and either a member of the
    seller whose role has ``Perm.EDIT_OFFERS`` (not a shipping clerk) or operator staff holding
    the Django ``permission``.
    """
    if isinstance(by, System):
        return
    if not (by.pk is not None and by.is_active):
        raise OfferEditDenied(_("Sign in to change offers."))
    if getattr(by, "is_staff", False) and isinstance(by, PermissionsMixin) and by.has_perm(permission):
        return
    role = (
        SellerMember.objects.filter(seller_id=seller_id, user_id=by.pk).values_list("role", flat=True).first()
    )
    if Perm.EDIT_OFFERS not in ROLE_PERMS.get(role or "", frozenset()):
        raise OfferEditDenied(_("Your role does not allow changing this shop's prices, stock or offers."))


def _change(
    offer_id: int, field: str, before: object, after: object, *, by: Actor, reason: str, at: datetime
) -> OfferChange:
    return OfferChange(
        offer_id=offer_id,
        field=field,
        from_value=str(before)[:64],
        to_value=str(after)[:64],
        actor_id=actor_user_id(by),
        actor_label=actor_label(by)[:150],
        reason=reason[:200],
        at=at,
    )


def _listing_check(variant_id: int) -> None:
    """Raise ProductSafetyIncomplete or ProductRecalled unless the variant's product may be
    listed (GPSR: catalog.safety); one query."""
    values = Product.objects.filter(variants=variant_id).values("pk", "recalled_at", *SAFETY_FIELDS).get()
    product_listing_check(values, product_id=values["pk"])


@transaction.atomic
def offer_create(
    *,
    seller: Seller,
    variant: Variant,
    price: Money,
    stock: int,
    by: Actor,
    condition: str = "new",
    lead_time_days: int = 2,
    seller_sku: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> Offer:
    """Put a variant on sale for a seller; record its first price and a "created" history row.

    A new book sells at its publisher's price (loi Lang): raises BookPriceFixed otherwise.
    Raises ProductSafetyIncomplete (naming what the product lacks) or ProductRecalled when the
    product may not be listed (GPSR), SellerNotActive, InvalidInput; then nothing is saved.
    """
    offer_editor_check(seller_id=seller.pk, by=by, permission="offers.add_offer")
    if seller.status not in SELLERS_WHO_MAY_LIST:
        raise SellerNotActive(f"{seller} cannot list offers while its account is {seller.status}.")
    _listing_check(variant.pk)
    _check_quantity(stock, "stock", minimum=0)
    book_price_check(product=product_of_variant(variant.pk), condition=condition, price=price)
    existing = (
        Offer.objects.filter(seller_id=seller.pk, variant_id=variant.pk, condition=condition)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:  # one offer per variant and condition: a clear word before the constraint
        message = _(
            "You already sell this product in this condition (offer %(id)s): change that offer instead."
        )
        raise InvalidInput({"condition": [message % {"id": existing}]})
    if seller_sku and Offer.objects.filter(seller_id=seller.pk, seller_sku=seller_sku).exists():
        message = _("Another of your offers has the SKU “%(sku)s”: give each offer its own.")
        raise InvalidInput({"seller_sku": [message % {"sku": seller_sku}]})
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
    at = at or timezone.now()
    PriceHistory.objects.create(
        offer=offer, price_minor=offer.price_minor, currency=offer.currency, valid_from=at
    )
    _change(offer.pk, Field.CREATED, "", offer.status, by=by, reason=reason, at=at).save()
    emit("offer.created", offer_id=offer.pk, variant_id=variant.pk, seller_id=seller.pk)
    return offer


def _lock(offer_id: int, by: Actor) -> Offer:
    """Lock the offer and check that ``by`` may change it; raise OfferNotFound, OfferEditDenied."""
    try:
        offer = lock_row(Offer.objects.all(), offer_id)
    except Offer.DoesNotExist:
        raise OfferNotFound(f"There is no offer {offer_id}.") from None
    offer_editor_check(seller_id=offer.seller_id, by=by)
    return offer


def _set_price(offer: Offer, price: Money, *, by: Actor, reason: str, at: datetime) -> list[OfferChange]:
    if price.currency != offer.currency:
        raise InvalidInput({"price": [f"This offer is priced in {offer.currency}, not {price.currency}."]})
    if price.amount_minor <= 0:
        raise InvalidInput({"price": ["The price must be more than zero."]})
    if price.amount_minor == offer.price_minor:
        return []  # nothing changes: no history row either
    book_price_check(product=product_of_variant(offer.variant_id), condition=offer.condition, price=price)
    previous = offer.price_minor
    offer.price_minor = price.amount_minor
    PriceHistory.objects.create(
        offer=offer, price_minor=offer.price_minor, currency=offer.currency, valid_from=at
    )
    emit(
        "offer.price_changed",
        offer_id=offer.pk,
        variant_id=offer.variant_id,
        previous_minor=previous,
        price_minor=offer.price_minor,
        currency=offer.currency,
    )
    return [_change(offer.pk, Field.PRICE, previous, offer.price_minor, by=by, reason=reason, at=at)]


def _set_stock(offer: Offer, stock: int, *, by: Actor, reason: str, at: datetime) -> list[OfferChange]:
    _check_quantity(stock, "stock", minimum=0)
    if offer.stock == stock:
        return []
    previous, offer.stock = offer.stock, stock
    emit("offer.stock_changed", offer_id=offer.pk, variant_id=offer.variant_id, stock=stock)
    return [_change(offer.pk, Field.STOCK, previous, stock, by=by, reason=reason, at=at)]


def _set_sku(offer: Offer, seller_sku: str, *, by: Actor, reason: str, at: datetime) -> list[OfferChange]:
    seller_sku = seller_sku.strip()
    if seller_sku == offer.seller_sku:
        return []
    if offer.seller_sku:
        raise InvalidInput({"seller_sku": [f"This offer already has the SKU “{offer.seller_sku}”."]})
    offer.seller_sku = seller_sku
    full_clean(offer, exclude=["seller", "variant"], validate_unique=False, validate_constraints=False)
    taken = Offer.objects.filter(seller_id=offer.seller_id, seller_sku=seller_sku).exclude(pk=offer.pk)
    if taken.exists():
        raise InvalidInput({"seller_sku": [f"Another of your offers has the SKU “{seller_sku}”."]})
    emit("offer.sku_set", offer_id=offer.pk, variant_id=offer.variant_id, seller_sku=seller_sku)
    return [_change(offer.pk, Field.SELLER_SKU, "", seller_sku, by=by, reason=reason, at=at)]


def _removed_after_notice(offer_id: int) -> bool:
    """Whether the offer's last status change is the marketplace's removal after a DSA notice."""
    last = OfferChange.objects.filter(offer_id=offer_id, field=Field.STATUS).order_by("-id")
    return last.values_list("reason", flat=True).first() == OfferChange.Reason.DSA_REMOVED


def _set_status(offer: Offer, status: str, *, by: Actor, reason: str, at: datetime) -> list[OfferChange]:
    """Move the offer through its transition table (saves the status, writes the StatusChange).

    An offer paused by the marketplace after a notice of illegal content is resumed only by
    Galerie or operator staff (a complaint upheld): its seller may close it, not resume it.
    """
    if status not in Offer.Status.values:
        raise InvalidInput(
            {"status": [f"“{status}” is not an offer status ({', '.join(Offer.Status.values)})."]}
        )
    previous = offer.status
    if previous == status:
        return []
    if (
        previous == Offer.Status.PAUSED
        and status != Offer.Status.CLOSED
        and not (isinstance(by, System) or getattr(by, "is_staff", False))
        and _removed_after_notice(offer.pk)
    ):
        raise OfferEditDenied(
            _(
                "The marketplace removed this offer after a notice of illegal content: contest the "
                "decision from “Content decisions” to have it back."
            )
        )
    if status == Offer.Status.ACTIVE:  # back on sale: the product must still be listable
        _listing_check(offer.variant_id)
    transition(
        offer,
        to=status,
        by=by,
        reason=reason,
        extra_fields=("updated_at",),
        offer_id=offer.pk,
        variant_id=offer.variant_id,
        status=status,
    )
    return [_change(offer.pk, Field.STATUS, previous, status, by=by, reason=reason, at=at)]


def _save(offer: Offer, changes: list[OfferChange], fields: list[str]) -> Offer:
    if fields:
        offer.save(update_fields=[*fields, "updated_at"])
    OfferChange.objects.bulk_create(changes)
    return offer


@transaction.atomic
def offer_price_set(
    *, offer_id: int, price: Money, by: Actor, reason: str = "", at: datetime | None = None
) -> Offer:
    """Change an offer's price; append it to the price history and the offer's history.

    Raises OfferNotFound, OfferEditDenied, InvalidInput (another currency, not above zero),
    BookPriceFixed (a new book at another price than its publisher's).
    """
    offer = _lock(offer_id, by)
    changes = _set_price(offer, price, by=by, reason=reason, at=at or timezone.now())
    return _save(offer, changes, ["price_minor"] if changes else [])


@transaction.atomic
def offer_stock_set(*, offer_id: int, stock: int, by: Actor, reason: str = "") -> Offer:
    """Set the stock a seller counted (absolute quantity); raise OfferEditDenied, InvalidInput."""
    offer = _lock(offer_id, by)
    changes = _set_stock(offer, stock, by=by, reason=reason, at=timezone.now())
    return _save(offer, changes, ["stock"] if changes else [])


@transaction.atomic
def offer_status_set(*, offer_id: int, status: str, by: Actor, reason: str = "") -> Offer:
    """Pause, resume or close an offer; raise InvalidTransition for a move the table forbids."""
    offer = _lock(offer_id, by)
    return _save(offer, _set_status(offer, status, by=by, reason=reason, at=timezone.now()), [])


@transaction.atomic
def offer_sku_set(*, offer_id: int, seller_sku: str, by: Actor, reason: str = "") -> Offer:
    """Give an offer that has none its seller SKU; raise InvalidInput for a SKU it cannot take.

    An offer's SKU is the key imports find it by: once set it stays (a later import or edit
    would lose the offer), and two offers of one seller never share one.
    """
    offer = _lock(offer_id, by)
    changes = _set_sku(offer, seller_sku, by=by, reason=reason, at=timezone.now())
    return _save(offer, changes, ["seller_sku"] if changes else [])


@transaction.atomic
def offer_update(
    *,
    offer_id: int,
    by: Actor,
    price: Money,
    stock: int,
    status: str,
    seller_sku: str | None = None,
    reason: str = "",
) -> Offer:
    """Change an offer's price, stock, status and (while it has none) SKU together, or nothing.

    One history row per field that changed. Raises OfferNotFound, OfferEditDenied,
    InvalidTransition (a closed offer stays closed) or InvalidInput; then nothing is saved.
    """
    offer = _lock(offer_id, by)
    at = timezone.now()
    if status != offer.status and status not in Offer.TRANSITIONS.get(
        Offer.Status(offer.status), frozenset()
    ):
        _set_status(offer, status, by=by, reason=reason, at=at)  # raises before anything is written
    changes = _set_price(offer, price, by=by, reason=reason, at=at)
    fields = ["price_minor"] if changes else []
    if stock_changes := _set_stock(offer, stock, by=by, reason=reason, at=at):
        changes += stock_changes
        fields.append("stock")
    if seller_sku and (sku_changes := _set_sku(offer, seller_sku, by=by, reason=reason, at=at)):
        changes += sku_changes
        fields.append("seller_sku")
    _save(offer, changes, fields)
    OfferChange.objects.bulk_create(_set_status(offer, status, by=by, reason=reason, at=at))
    return offer


def _quantities(lines: Mapping[int, int], by: Actor) -> list[tuple[int, int]]:
    for quantity in lines.values():
        _check_quantity(quantity, "quantity", minimum=1)
    if not isinstance(by, System):  # checkout acts as System("checkout"); a person needs the role
        sellers = Offer.objects.filter(pk__in=list(lines)).values_list("seller_id", flat=True).distinct()
        for seller_id in sellers.order_by("seller_id"):
            offer_editor_check(seller_id=seller_id, by=by)
    return sorted(lines.items())  # primary-key order: two callers never deadlock


def _move(offer_id: int, quantity: int) -> tuple[int, int] | None:
    """Add ``quantity`` (negative: take) to the offer's stock unless it would go below zero, in one
    statement that returns the stock left and the offer's variant (RETURNING: PostgreSQL, SQLite
    3.35+); None if no row moved."""
    table = connection.ops.quote_name(Offer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET stock = stock + %s WHERE id = %s AND stock + %s >= 0"
            " RETURNING stock, variant_id",
            [quantity, offer_id, quantity],
        )
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row is not None else None


def _record_moves(moves: list[tuple[int, int, tuple[int, int]]], *, by: Actor, reason: str) -> None:
    """Append the stock rows of moves made (``(offer_id, signed quantity, (stock left, variant
    id))``) in one statement, then their outbox events (the variant's cached pages go stale)."""
    at = timezone.now()
    OfferChange.objects.bulk_create(
        _change(pk, Field.STOCK, left - q, left, by=by, reason=reason, at=at) for pk, q, (left, _v) in moves
    )
    emit_many(
        (
            "offer.stock_taken" if quantity < 0 else "offer.stock_released",
            {"offer_id": pk, "variant_id": variant_id, "quantity": abs(quantity)},
        )
        for pk, quantity, (_left, variant_id) in moves
    )


@transaction.atomic
def offers_stock_take(*, lines: Mapping[int, int], by: Actor, reason: str = "") -> None:
    """Take ``quantity`` units of each offer (``{offer_id: quantity}``), all or none. Never oversells.

    One conditional UPDATE per offer (``stock >= quantity``), in primary-key order: concurrent
    takers cannot both pass, and the CHECK (stock >= 0) constraint stands behind it. Raises
    OfferOutOfStock (its ``offer_id`` names the first offer short) or OfferNotFound; the
    caller's transaction then rolls back what was taken.
    """
    moves = []
    for offer_id, quantity in _quantities(lines, by):
        moved = _move(offer_id, -quantity)
        if moved is None:
            stock = Offer.objects.filter(pk=offer_id).values_list("stock", flat=True).first()
            if stock is None:
                raise OfferNotFound(f"There is no offer {offer_id}.")
            raise OfferOutOfStock(
                f"Only {stock} left of this offer; {quantity} asked.", field="quantity", offer_id=offer_id
            )
        moves.append((offer_id, -quantity, moved))
    _record_moves(moves, by=by, reason=reason)


@transaction.atomic
def offers_stock_release(*, lines: Mapping[int, int], by: Actor, reason: str = "") -> None:
    """Give back units taken earlier (``{offer_id: quantity}``: a cancelled reservation).

    One UPDATE per offer in primary-key order; raises OfferNotFound for an offer that is gone.
    """
    moves = []
    for offer_id, quantity in _quantities(lines, by):
        moved = _move(offer_id, quantity)
        if moved is None:
            raise OfferNotFound(f"There is no offer {offer_id}.")
        moves.append((offer_id, quantity, moved))
    _record_moves(moves, by=by, reason=reason)


def seller_offers_close(*, seller_id: int, by: Actor | None = None) -> None:
    """Close every offer of the seller not closed yet, lowest id first (an on-close hook of a
    seller's closure, run in its transaction).

    The closure's own actor was checked and recorded by the sellers app; the offers are closed
    by ``System("seller_close")``.
    """
    reason = OfferChange.Reason.SELLER_CLOSED
    open_offers = Offer.objects.filter(seller_id=seller_id).exclude(status=Offer.Status.CLOSED)
    for offer_id in open_offers.order_by("pk").values_list("pk", flat=True):
        offer_status_set(offer_id=offer_id, status=Offer.Status.CLOSED, by=SELLER_CLOSE, reason=reason)


@transaction.atomic
def book_offers_reprice(*, product_id: int) -> int:
    """Put the new offers of a book at its publisher's price after that price changed (the
    ``product.publisher_price_changed`` handler); return how many offers changed.

    A new offer that cannot follow (the book has no publisher's price any more, or it is in
    another currency) is paused: it may not sell at another price. Acts as
    ``System("loi_lang")``, one history row per offer; safe to deliver twice.
    """
    product = Product.objects.select_related("product_type").filter(pk=product_id).first()
    if product is None or not is_book(product.product_type):
        return 0
    price = publisher_price(product)
    reason = "loi Lang: publisher's price changed"
    changed = 0
    offers = Offer.objects.filter(variant__product_id=product_id, condition=Condition.NEW).exclude(
        status=Offer.Status.CLOSED
    )
    for offer_id, offer_price, currency, status in offers.order_by("pk").values_list(
        "pk", "price_minor", "currency", "status"
    ):
        if price is not None and price.currency == currency:
            if offer_price != price.amount_minor:
                offer_price_set(offer_id=offer_id, price=price, by=FIXED_BOOK_PRICE, reason=reason)
                changed += 1
        elif status == Offer.Status.ACTIVE:
            offer_status_set(
                offer_id=offer_id, status=Offer.Status.PAUSED, by=FIXED_BOOK_PRICE, reason=reason
            )
            changed += 1
    return changed


def product_offers_close(*, product_id: int, by: Actor, reason: str = OfferChange.Reason.RECALLED) -> int:
    """Close every offer of the product's variants not closed yet, lowest id first, in the
    caller's transaction (a recall); return how many. Each goes through ``offer_status_set``:
    its history row and its ``offer.status_changed`` event (cached pages, search index)."""
    open_offers = Offer.objects.filter(variant__product_id=product_id).exclude(status=Offer.Status.CLOSED)
    closed = 0
    for offer_id in open_offers.order_by("pk").values_list("pk", flat=True):
        offer_status_set(offer_id=offer_id, status=Offer.Status.CLOSED, by=by, reason=reason)
        closed += 1
    return closed


def product_offers_pause(*, product_id: int, by: Actor, reason: str = "") -> int:
    """Pause every active offer of the product's variants, lowest id first (the operator's
    answer to a listing without safety data); return how many. Each through ``offer_status_set``."""
    active = Offer.objects.filter(variant__product_id=product_id, status=Offer.Status.ACTIVE)
    paused = 0
    for offer_id in active.order_by("pk").values_list("pk", flat=True):
        offer_status_set(offer_id=offer_id, status=Offer.Status.PAUSED, by=by, reason=reason)
        paused += 1
    return paused
