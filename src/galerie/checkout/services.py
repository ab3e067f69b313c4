"""Checkout: from a cart to a paid order, in three steps that never hold a lock across the
payment gateway (docs/checkout.md).

1. ``_reserve`` (one short transaction): re-price the cart from the database, sum the quantity
   per offer, take the stock offer by offer in primary-key order with conditional updates,
   record the attempt and its reservations.
2. The gateway is asked to authorize the amount, outside any transaction, with a key that
   belongs to the attempt (the same on every retry).
3. ``checkout_complete`` (one short transaction): create the order and its seller orders, or
   give the stock back if the payment was declined.

An attempt is found again by its idempotency key, so a double click or a retried request
returns the first outcome and charges once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.cart.models import Cart
from galerie.cart.selectors import cart_lines
from galerie.cart.services import cart_acknowledge_prices, cart_clear
from galerie.checkout.errors import CheckoutNotPossible, QuoteChanged
from galerie.checkout.models import CheckoutAttempt, StockReservation
from galerie.core.actors import System
from galerie.core.crashpoints import crash_point
from galerie.core.errors import DomainError, InvalidInput
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.core.statemachine import transition
from galerie.ledger.commissions import commissions_for_quote
from galerie.offers.errors import OfferOutOfStock
from galerie.offers.models import Offer, OfferChange
from galerie.offers.selectors import offers_sellable
from galerie.offers.services import offers_stock_release, offers_stock_take
from galerie.orders.models import Order
from galerie.orders.services import order_create
from galerie.payments.gateway import GatewayResult
from galerie.payments.models import Payment
from galerie.payments.services import (
    payment_abandon,
    payment_authorization_record,
    payment_authorize_send,
    payment_capture,
    payment_prepare,
    payment_refresh,
    payment_refund,
    payment_void,
)
from galerie.pricing.quote import (
    Quote,
    quote_build,
    quote_changes,
    quote_from_json,
    quote_shown_read,
)
from galerie.pricing.quote import quote_fingerprint as fingerprint_of
from galerie.sellers.models import Seller
from galerie.storefronts.closure import storefront_sells_check
from galerie.storefronts.models import Storefront

log = logging.getLogger(__name__)
CHECKOUT = System("checkout")  # who takes and gives back stock in the offers' history

RESERVATION_TTL = timedelta(minutes=20)
ADDRESS_FIELDS = ("name", "line1", "line2", "postal_code", "city", "country", "phone")


@dataclass(frozen=True)
class CheckoutOutcome:
    attempt: CheckoutAttempt
    status: str  # "completed" | "requires_action" | "declined" | "failed" | "expired"
    message: str = ""
    action_url: str = ""

    @property
    def order(self) -> Order | None:
        return self.attempt.order


def _address_clean(address: dict[str, str]) -> dict[str, str]:
    cleaned = {key: str(address.get(key, "")).strip() for key in ADDRESS_FIELDS}
    errors: dict[str, list[str]] = {}
    for key, label in (
        ("name", _("your name")),
        ("line1", _("the street and number")),
        ("postal_code", _("the postal code")),
        ("city", _("the town")),
    ):
        if not cleaned[key]:
            errors[key] = [_("Type %(what)s.") % {"what": label}]
    cleaned["country"] = (cleaned["country"] or "FR").upper()
    if cleaned["country"] != "FR":
        errors["country"] = [_("This storefront delivers to France only.")]
    elif cleaned["postal_code"] and not (
        cleaned["postal_code"].isdigit() and len(cleaned["postal_code"]) == 5
    ):
        errors["postal_code"] = [_("A French postal code has five digits, e.g. 75005.")]
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _reserve(
    *,
    storefront: Storefront,
    cart: Cart,
    customer: User,
    address: dict[str, str],
    idempotency_key: str,
    expected_fingerprint: str | None,
    quote_shown: str,
    payment_method: Mapping[str, object],
    return_url: str,
) -> CheckoutAttempt:
    """Take the stock of the cart for a new attempt and record its pending payment, or raise
    CheckoutNotPossible (or QuoteChanged when ``expected_fingerprint`` is not the quote's now,
    InvalidInput for a card the gateway would not even try) and take nothing."""
    with transaction.atomic():
        lines = cart_lines(cart)  # the offers come with it, read in this transaction
        if not lines:
            raise CheckoutNotPossible(_("Your cart is empty."), field="cart")
        wanted: dict[int, int] = {}
        for line in lines:
            wanted[line.offer_id] = wanted.get(line.offer_id, 0) + line.quantity
        sellable = set(offers_sellable(storefront).filter(pk__in=wanted).values_list("pk", flat=True))
        offers = {line.offer_id: line.offer for line in lines}
        for offer_id in sorted(wanted):
            if offer_id not in sellable:
                title = offers[offer_id].variant.product.title
                raise CheckoutNotPossible(
                    _("“%(title)s” is no longer available: remove it from your cart.") % {"title": title},
                    field="cart",
                )
        # Priced from the offers as this transaction read them: nothing the browser sent counts.
        quote = quote_build(
            currency=storefront.currency, entries=[(offers[offer_id], q) for offer_id, q in wanted.items()]
        )
        if expected_fingerprint is not None:
            if not constant_time_compare(fingerprint_of(quote), expected_fingerprint):
                raise _quote_changed(quote, quote_shown)  # nothing taken, nothing written
            if any(line.price_seen_minor != line.offer.price_minor for line in lines):
                cart_acknowledge_prices(cart=cart)  # the customer saw these prices
        # The order lists its sellers and lines in the order its reservations are read
        # (StockReservation.Meta.ordering: by offer, newest offer first), as it always has: the
        # quote is kept in that order (the page's lines, prices and total, in another order).
        in_reservation_order = sorted(wanted.items(), reverse=True)
        if list(wanted.items()) != in_reservation_order:
            quote = quote_build(
                currency=storefront.currency, entries=[(offers[pk], q) for pk, q in in_reservation_order]
            )
        attempt_uuid = uuid.uuid4()
        # The payment row the gateway call will use, in this transaction: no transaction of its
        # own, and the attempt points at it from the start.
        payment = payment_prepare(
            amount=Money(quote.total_minor, quote.currency),
            payment_method=dict(payment_method),
            idempotency_key=f"checkout-{idempotency_key}",
            return_url=return_url,
            description=_description(attempt_uuid),
            # Its key is the attempt's, which was found missing: the insert below of both
            # fails on a racing duplicate (IntegrityError, the first request's attempt wins).
            new=True,
        )
        attempt = CheckoutAttempt.objects.create(
            uuid=attempt_uuid,
            payment=payment,
            idempotency_key=idempotency_key,
            storefront=storefront,
            customer=customer,
            cart_id_snapshot=cart.pk,
            quote=quote.as_json(),
            address=address,
            currency=quote.currency,
            amount_minor=quote.total_minor,
            expires_at=timezone.now() + RESERVATION_TTL,
        )
        StockReservation.objects.bulk_create(
            StockReservation(attempt=attempt, offer_id=offer_id, quantity=q) for offer_id, q in wanted.items()
        )
        # The stock last: the offers' rows stay locked only from here to the commit, so that
        # checkouts of the same offers wait on each other as little as possible. One conditional
        # UPDATE per offer, in primary-key order: two checkouts never deadlock.
        try:
            offers_stock_take(lines=wanted, by=CHECKOUT, reason=OfferChange.Reason.CHECKOUT)
        except OfferOutOfStock as short:
            line_offer = offers.get(short.offer_id) if short.offer_id is not None else None
            title = line_offer.variant.product.title if line_offer is not None else ""
            raise CheckoutNotPossible(
                _("Not enough stock left of “%(title)s”: your cart shows what is left.") % {"title": title},
                field="cart",
            ) from None
    return attempt


def checkout_place_order(
    *,
    storefront: Storefront,
    cart: Cart | None,
    customer: User,
    address: dict[str, str],
    payment_method: Mapping[str, object],
    idempotency_key: str,
    return_url: str,
    quote_fingerprint: str | None = None,
    quote_shown: str = "",
) -> CheckoutOutcome:
    """Turn the customer's cart into a paid order, charging once per ``idempotency_key``.

    ``quote_fingerprint`` is the fingerprint of the quote the customer was shown (see
    ``checkout_submit``): if the cart's quote is not that one any more, QuoteChanged is raised
    and nothing is taken. None charges the prices of now: for scripts and the demo only.
    Raises InvalidInput (address), CheckoutNotPossible (cart, stock), StorefrontNotSelling (from
    the storefront's closing date on; a retry of an attempt made before goes on) before anything
    is taken.
    Returns the outcome: completed (with the order), requires_action (send the customer to
    ``action_url``), declined (stock given back, no order) or failed.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("checkout_place_order() calls the payment gateway: run it outside transactions")
    key = (idempotency_key or "").strip()
    if not 16 <= len(key) <= 64:
        raise InvalidInput({"idempotency_key": [_("The checkout form has expired: reload the page.")]})
    with connection.cursor() as cursor:  # most submits are new: one narrow probe
        cursor.execute("SELECT id FROM checkout_checkoutattempt WHERE idempotency_key = %s", [key])
        found = cursor.fetchone()
    existing = CheckoutAttempt.objects.filter(pk=found[0]).first() if found is not None else None
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise InvalidInput({"idempotency_key": [_("The checkout form has expired: reload the page.")]})
        return _resume(existing, payment_method=payment_method, return_url=return_url)
    storefront_sells_check(storefront)
    if cart is None:
        raise CheckoutNotPossible(_("Your cart is empty."), field="cart")
    address = _address_clean(address)
    try:
        attempt = _reserve(
            storefront=storefront,
            cart=cart,
            customer=customer,
            address=address,
            idempotency_key=key,
            expected_fingerprint=quote_fingerprint,
            quote_shown=quote_shown,
            payment_method=payment_method,
            return_url=return_url,
        )
    except IntegrityError:
        # The same key raced us (double click): the first request's attempt is the one.
        attempt = CheckoutAttempt.objects.get(idempotency_key=key)
    crash_point("checkout.after_reserve")
    return _resume(attempt, payment_method=payment_method, return_url=return_url)


def checkout_submit(
    *,
    storefront: Storefront,
    cart: Cart | None,
    customer: User,
    address: dict[str, str],
    payment_method: Mapping[str, object],
    idempotency_key: str,
    quote_fingerprint: str,
    quote_shown: str = "",
    return_url: str,
) -> CheckoutOutcome:
    """Place the order the customer confirmed on the checkout page, never for more (or other)
    than the page showed.

    ``quote_fingerprint`` and ``quote_shown`` come from the page's hidden fields. The quote is
    priced again from the database after the stock is taken, and its fingerprint must equal the
    page's: otherwise QuoteChanged is raised (with what changed and the new total), nothing is
    taken or charged, and the customer confirms by submitting the new page. A missing or altered
    fingerprint counts as a change. A retry of a submit already under way (same key) returns
    its outcome at the amount the attempt fixed. Raises InvalidInput and CheckoutNotPossible too.
    """
    return checkout_place_order(
        storefront=storefront,
        cart=cart,
        customer=customer,
        address=address,
        payment_method=payment_method,
        idempotency_key=idempotency_key,
        return_url=return_url,
        quote_fingerprint=(quote_fingerprint or "").strip()[:64],
        quote_shown=quote_shown or "",
    )


def _quote_changed(quote: Quote, quote_shown: str) -> QuoteChanged:
    """Describe how ``quote`` differs from the snapshot the page was shown with."""
    shown = quote_shown_read(quote_shown)
    changes = quote_changes(shown=shown, quote=quote) if shown is not None else []
    titles = {line.offer_id: line.product_title for group in quote.groups for line in group.lines}
    missing = {c.offer_id for c in changes if c.offer_id is not None} - set(titles)
    if missing:
        titles.update(
            Offer.objects.filter(pk__in=missing).values_list("pk", "variant__product__title").order_by()
        )
    sellers = dict(
        Seller.objects.filter(pk__in={c.seller_id for c in changes if c.seller_id is not None})
        .values_list("pk", "display_name")
        .order_by()
    )
    changes = [
        replace(c, subject=titles.get(c.offer_id, "") if c.offer_id else sellers.get(c.seller_id or 0, ""))
        for c in changes
    ]
    previous = shown["total"] if shown is not None and shown.get("currency") == quote.currency else None
    return QuoteChanged(
        _("Your order changed since the page was shown: nothing was charged. Check it and confirm."),
        changes=changes,
        currency=quote.currency,
        total_minor=quote.total_minor,
        previous_total_minor=previous,
        fingerprint=fingerprint_of(quote),
    )


def _resume(
    attempt: CheckoutAttempt, *, payment_method: Mapping[str, object], return_url: str
) -> CheckoutOutcome:
    if attempt.status != CheckoutAttempt.Status.RESERVED:
        return _outcome(attempt)
    if attempt.payment is None or attempt.payment.status == Payment.Status.PENDING:
        if not payment_method:
            return _outcome(attempt)  # a retry without the card: the first request is still paying
        key = f"checkout-{attempt.idempotency_key}"
        try:
            payment, answer = payment_authorize_send(
                amount=Money(attempt.amount_minor, attempt.currency),
                payment_method=dict(payment_method),
                idempotency_key=key,
                return_url=return_url,
                description=_description(attempt.uuid),
                payment=attempt.payment,  # its pending row, read with the attempt: not again
            )
        except InvalidInput:
            # A card the gateway refuses to even try: nothing was charged, give the stock back.
            _attach(attempt, Payment.objects.filter(idempotency_key=key).first())
            _decline(attempt.pk, _("Check your card details."))
            raise
        except DomainError:
            # The gateway could not be reached: the outcome is unknown. The stock stays reserved;
            # a retry with the same key, or the reconciler, finds out what happened.
            _attach(attempt, Payment.objects.filter(idempotency_key=key).first())
            attempt.refresh_from_db()
            return CheckoutOutcome(
                attempt,
                "failed",
                message=_("The payment service did not answer. You have not been charged: try again."),
            )
        crash_point("checkout.after_authorize")
        # The gateway's answer is recorded in the transaction that makes the order (or gives
        # the stock back): one commit fewer, and the answer never stands without its outcome.
        return checkout_complete(
            attempt_id=attempt.pk, payment=payment, answer=answer, known=attempt if answer else None
        )
    return checkout_complete(attempt_id=attempt.pk)


def _description(attempt_uuid: uuid.UUID) -> str:
    return _("Checkout %(reference)s") % {"reference": attempt_uuid.hex[:12]}


def _attach(attempt: CheckoutAttempt, payment: Payment | None) -> None:
    if payment is not None:
        with transaction.atomic():
            CheckoutAttempt.objects.filter(pk=attempt.pk, payment__isnull=True).update(payment=payment)


def _decline(attempt_id: int, message: str) -> None:
    with transaction.atomic():
        attempt = lock_row(CheckoutAttempt.objects.all(), attempt_id)
        if attempt.status == CheckoutAttempt.Status.RESERVED:
            _release(attempt)
            attempt.message = message
            transition(attempt, to=CheckoutAttempt.Status.DECLINED, extra_fields=("message", "updated_at"))


def _outcome(attempt: CheckoutAttempt) -> CheckoutOutcome:
    status = attempt.status
    payment = attempt.payment
    if (
        status == CheckoutAttempt.Status.RESERVED
        and payment is not None
        and payment.status == "requires_action"
    ):
        return CheckoutOutcome(attempt, "requires_action", action_url=payment.action_url)
    return CheckoutOutcome(attempt, status, message=attempt.message)


def _lock_known(known: CheckoutAttempt) -> CheckoutAttempt | None:
    """Lock the attempt's row and return ``known`` (the attempt as this request made or read
    it, with its storefront and customer) if its state is still the one known, else None."""
    sql = "SELECT status, payment_id, order_id FROM checkout_checkoutattempt WHERE id = %s"
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [known.pk])
        row = cursor.fetchone()
    return (
        known if row is not None and tuple(row) == (known.status, known.payment_id, known.order_id) else None
    )


def checkout_complete(
    *,
    attempt_id: int,
    payment: Payment | None = None,
    answer: GatewayResult | None = None,
    known: CheckoutAttempt | None = None,
) -> CheckoutOutcome:
    """Finish an attempt from its payment's state: place the order when authorized, give the
    stock back when declined, wait when the customer must still confirm. Idempotent.

    ``payment``: the attempt's payment as the gateway just answered for it, attached to the
    attempt in this transaction if it has none yet. ``answer``: the gateway's answer to its
    authorization (``payment_authorize_send``), recorded here first, in this transaction, under
    the payment's lock (forward only: a webhook recorded before it wins). ``known``: the
    attempt as the caller holds it, used as it is if its row, once locked, is still in the
    same state (one narrow statement instead of reading it again with its relations). Locks
    the attempt, then its payment."""
    with transaction.atomic():
        attempt = _lock_known(known) if known is not None and known.pk == attempt_id else None
        if attempt is None:
            attempt = (
                CheckoutAttempt.objects.select_related("payment", "storefront", "customer")
                .select_for_update(of=("self",))
                .get(pk=attempt_id)
            )
        if payment is not None and attempt.payment_id is None:
            CheckoutAttempt.objects.filter(pk=attempt.pk, payment__isnull=True).update(payment=payment)
            attempt.payment = payment
        if answer is not None and attempt.payment is not None:
            # Recorded whatever the attempt's state: an attempt that expired meanwhile leaves
            # the reconciler an authorized payment to void.
            attempt.payment = payment_authorization_record(payment_id=attempt.payment.pk, result=answer)
        payment = attempt.payment
        if attempt.status != CheckoutAttempt.Status.RESERVED or payment is None:
            return _outcome(attempt)
        if payment.status in (Payment.Status.DECLINED, Payment.Status.FAILED, Payment.Status.VOIDED):
            message = payment.decline_message or _("Your payment did not go through.")
            _release(attempt)
            attempt.message = message
            transition(
                attempt,
                to=CheckoutAttempt.Status.DECLINED,
                reason=payment.decline_code,
                extra_fields=("message", "updated_at"),
            )
            return CheckoutOutcome(attempt, "declined", message=message)
        if payment.status not in ("authorized", "capture_pending", "captured"):
            return _outcome(attempt)
        crash_point("checkout.before_order")
        try:
            with transaction.atomic():
                _order_from_attempt(attempt, payment)
        except Exception:
            # The payment succeeded but the order could not be made: never leave it hanging.
            log.exception("checkout %s: payment %s taken but the order failed", attempt.pk, payment.pk)
            attempt.message = _("We could not complete your order; your payment is being refunded.")
            transition(attempt, to=CheckoutAttempt.Status.FAILED, extra_fields=("message", "updated_at"))
            return CheckoutOutcome(attempt, "failed", message=attempt.message)
    crash_point("checkout.after_order")
    # The capture is the worker's (checkout_capture, on order.placed): not in the customer's request.
    return CheckoutOutcome(attempt, "completed")


def checkout_capture(*, order_id: int) -> Payment | None:
    """Capture the payment a placed order was authorized with (the worker runs this on
    ``order.placed``, checkout/handlers.py). The order exists before any money is captured.

    Idempotent: a payment already being captured, captured or refunded is returned as it is
    (and the gateway's capture key is the payment's, so a retry captures once). Raises what
    ``payment_capture`` raises (the gateway could not be reached, or refused): the worker then
    retries the event later, with its back-off.
    """
    payment_id = Order.objects.filter(pk=order_id).values_list("payment_id", flat=True).first()
    if payment_id is None:
        return None
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != Payment.Status.AUTHORIZED:
        return payment
    return payment_capture(payment_id=payment_id)


def _order_from_attempt(attempt: CheckoutAttempt, payment: Payment) -> Order:
    """Create the order from the reserved stock at the prices of the reservation: the quote the
    attempt recorded, which the customer accepted and was charged."""
    quote = quote_from_json(attempt.quote)
    if quote is None or quote.total_minor != attempt.amount_minor:
        quote = _quote_again(attempt)  # an attempt recorded before its quote kept every figure
    order = order_create(
        storefront=attempt.storefront,
        customer=attempt.customer,
        email=attempt.customer.email,
        language=attempt.storefront.default_language,
        address=attempt.address,
        quote=quote,
        commissions=commissions_for_quote(storefront=attempt.storefront, quote=quote),
        payment=payment,
    )
    attempt.order = order
    transition(attempt, to=CheckoutAttempt.Status.COMPLETED, extra_fields=("order", "updated_at"))
    if attempt.cart_id_snapshot:
        cart_clear(cart_id=attempt.cart_id_snapshot)
    return order


def _quote_again(attempt: CheckoutAttempt) -> Quote:
    """Price the reservation from the offers, at the prices the attempt recorded if they changed."""
    reservations = {r.offer_id: r.quantity for r in attempt.reservations.all()}
    offers = {
        o.pk: o
        for o in Offer.objects.filter(pk__in=reservations).select_related(
            "variant__product__product_type", "seller__shipping_profile"
        )
    }
    quote = quote_build(
        currency=attempt.currency, entries=[(offers[pk], q) for pk, q in reservations.items()]
    )
    if quote.total_minor != attempt.amount_minor:
        # A price or a shipping charge changed between the reservation and now: the order
        # records what the customer accepted and was charged.
        quote = _quote_at_reserved_prices(attempt, offers, reservations)
    return quote


def _quote_at_reserved_prices(
    attempt: CheckoutAttempt, offers: dict[int, Offer], reservations: dict[int, int]
) -> Quote:
    """Price the reservation at the unit prices and shipping the attempt recorded (and charged)."""
    return quote_build(
        currency=attempt.currency,
        entries=[(offers[pk], q) for pk, q in reservations.items()],
        shipping_by_seller={group["seller_id"]: group["shipping_minor"] for group in attempt.quote["groups"]},
        unit_prices={
            line["offer_id"]: line["unit_price_minor"]
            for group in attempt.quote["groups"]
            for line in group["lines"]
        },
    )


def _release(attempt: CheckoutAttempt) -> None:
    """Give back the stock of an attempt's reservations not yet released (caller's transaction)."""
    held = dict(attempt.reservations.filter(released=False).values_list("offer_id", "quantity"))
    if held:
        offers_stock_release(lines=held, by=CHECKOUT, reason=OfferChange.Reason.CHECKOUT_RELEASED)
    attempt.reservations.filter(released=False).update(released=True)


def checkout_return(*, attempt: CheckoutAttempt) -> CheckoutOutcome:
    """The customer is back from the gateway's confirmation page: ask the gateway and finish."""
    if attempt.payment_id and attempt.status == CheckoutAttempt.Status.RESERVED:
        payment_refresh(payment_id=attempt.payment_id)
    return checkout_complete(attempt_id=attempt.pk)


def checkout_reconcile(*, now: datetime | None = None) -> int:
    """Settle attempts left behind: complete or release expired ones, refund the payment of any
    attempt that took money without making an order. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    done = 0
    stale = CheckoutAttempt.objects.filter(status=CheckoutAttempt.Status.RESERVED, expires_at__lt=now)
    for attempt_id, payment_id in stale.values_list("pk", "payment_id")[:200]:
        if payment_id:
            payment_refresh(payment_id=payment_id)
            outcome = checkout_complete(attempt_id=attempt_id)
            if outcome.attempt.status != CheckoutAttempt.Status.RESERVED:
                done += 1
                continue
        # Still reserved: the customer never confirmed, or the gateway never received the payment
        # (the process died before asking it). Either way the stock goes back.
        with transaction.atomic():
            attempt = lock_row(CheckoutAttempt.objects.all(), attempt_id)
            if attempt.status == CheckoutAttempt.Status.RESERVED:
                if attempt.payment_id:
                    payment_abandon(payment_id=attempt.payment_id)  # only if never sent
                _release(attempt)
                attempt.message = _("Your checkout expired before the payment was confirmed.")
                transition(attempt, to=CheckoutAttempt.Status.EXPIRED, extra_fields=("message", "updated_at"))
                done += 1
    # Money taken without an order: a failed completion, or a confirmation after expiry.
    owing = CheckoutAttempt.objects.filter(
        status__in=[CheckoutAttempt.Status.FAILED, CheckoutAttempt.Status.EXPIRED], payment__isnull=False
    ).exclude(payment__status__in=["declined", "failed", "voided", "refunded"])
    for attempt_id, payment_id in owing.values_list("pk", "payment_id")[:200]:
        payment = payment_refresh(payment_id=payment_id)
        if payment.status in ("requires_action", "pending"):
            continue
        if payment.status == "authorized":
            payment_void(payment_id=payment_id)
        elif payment.status == "captured":
            remaining = payment.captured_minor - payment.refunded_minor
            if remaining > 0:
                payment_refund(
                    payment_id=payment_id,
                    amount=Money(remaining, payment.currency),
                    idempotency_key=f"attempt-{attempt_id}-refund",
                    reason="checkout could not be completed",
                )
        else:
            continue
        with transaction.atomic():
            attempt = lock_row(CheckoutAttempt.objects.all(), attempt_id)
            if attempt.status in (CheckoutAttempt.Status.FAILED, CheckoutAttempt.Status.EXPIRED):
                _release(attempt)
                transition(attempt, to=CheckoutAttempt.Status.REFUNDED, extra_fields=("updated_at",))
                done += 1
    return done


CHECKOUT_ADDRESS_KEPT_DAYS = 30
_SETTLED = (
    CheckoutAttempt.Status.COMPLETED,
    CheckoutAttempt.Status.DECLINED,
    CheckoutAttempt.Status.REFUNDED,
)


def checkout_attempts_forget_addresses(*, before: datetime, batch: int = 5000) -> int:
    """Empty the address typed at checkout on the attempts settled (completed, declined,
    refunded) and untouched since ``before``; return how many. The order keeps its own copy,
    and a settled attempt never makes an order again (docs/privacy.md, retention)."""
    stale = list(
        CheckoutAttempt.objects.filter(status__in=_SETTLED, updated_at__lt=before)
        .exclude(address={})
        .values_list("pk", flat=True)[:batch]
    )
    return CheckoutAttempt.objects.filter(pk__in=stale).update(address={}) if stale else 0
