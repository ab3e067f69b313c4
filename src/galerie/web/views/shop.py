"""Cart, checkout and order confirmation pages. Thin: parse, call one service, render."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping

from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.cart.models import Cart
from galerie.cart.selectors import cart_find, cart_item_count, cart_view
from galerie.cart.services import cart_add_counted, cart_line_set_quantity
from galerie.checkout.errors import CheckoutNotPossible, QuoteChanged
from galerie.checkout.selectors import checkout_attempt_for
from galerie.checkout.services import CheckoutOutcome, checkout_return, checkout_submit
from galerie.core.errors import DomainError, InvalidInput
from galerie.core.throttling import checkout_throttle_check, checkout_throttle_count
from galerie.orders.selectors import order_get_for_customer
from galerie.pricing.quote import quote_fingerprint, quote_shown_token
from galerie.storefronts.closure import sells_on, storefront_not_selling
from galerie.storefronts.errors import StorefrontNotSelling
from galerie.web.forms import AddressForm, CardForm, SignupForm
from galerie.web.page_cache import cart_count_key
from galerie.web.requests import StorefrontRequest
from galerie.web.routing import sf_reverse
from galerie.web.throttling import refused
from galerie.web.views.decorators import storefront_view


def session_cart_key(storefront) -> str:
    return f"cart:{storefront.pk}"


def current_cart(request: StorefrontRequest) -> Cart | None:
    """The cart of the signed-in customer, or of this browser's session for a guest."""
    return cart_find(
        storefront=request.storefront,
        customer=request.user,
        cart_uuid=request.session.get(session_cart_key(request.storefront)),
    )


def remember_cart_count(request: StorefrontRequest, count: int) -> None:
    """Keep the number of items in the visitor's cart in the session, where the header reads it
    (a cached page fills it in per visitor: web/page_cache.py); writes only if it changed."""
    key = cart_count_key(request.storefront.pk)
    if request.session.get(key, 0) != count:
        request.session[key] = count


def _offer_uuid(request: StorefrontRequest) -> uuid.UUID:
    """The offer the form names; whether it is sellable here is the cart service's to check."""
    try:
        return uuid.UUID(request.POST.get("offer", ""))
    except ValueError:
        raise InvalidInput({"offer": [_("This offer is not available any more.")]}) from None


def _first_error(error: DomainError) -> str:
    if isinstance(error, InvalidInput):
        return " ".join(message for messages_ in error.errors.values() for message in messages_)
    return error.message


@storefront_view(("GET", "HEAD"))
def cart(request: StorefrontRequest) -> HttpResponse:
    view = cart_view(storefront=request.storefront, cart=current_cart(request))
    remember_cart_count(request, sum(v.line.quantity for group in view.groups for v in group.lines))
    return render(request, "galerie/shop/cart.html", {"view": view, "not_selling": _not_selling(request)})


def _not_selling(request: StorefrontRequest) -> str:
    """Why the storefront takes no order (its closing date came), in its language; "" if it sells."""
    storefront = request.storefront
    return "" if sells_on(storefront) else storefront_not_selling(storefront).message


@storefront_view(("POST",))
def cart_add_view(request: StorefrontRequest) -> HttpResponse:
    back = request.POST.get("next") or ""
    # A path of this site only: "/\\evil.test" starts with one slash but browsers read it as
    # "//evil.test", and "javascript:" is no path at all (Django's own check knows both).
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = sf_reverse(request, "cart")
    try:
        added, count = cart_add_counted(
            storefront=request.storefront,
            cart=current_cart(request),
            customer=request.user,
            offer_uuid=_offer_uuid(request),
            quantity=request.POST.get("quantity", "1"),
        )
    except DomainError as error:
        messages.error(request, _first_error(error))
        return redirect(back)
    if added.customer_id is None:
        request.session[session_cart_key(request.storefront)] = added.uuid.hex
    remember_cart_count(request, count)
    messages.success(request, _("Added to your cart."))
    return redirect(sf_reverse(request, "cart"))


@storefront_view(("POST",))
def cart_update(request: StorefrontRequest) -> HttpResponse:
    mine = current_cart(request)
    if mine is None:
        return redirect(sf_reverse(request, "cart"))
    try:
        offer_id = mine.lines.filter(offer__uuid=request.POST.get("offer", "")).values_list(
            "offer_id", flat=True
        )
        if not offer_id:
            raise InvalidInput({"offer": [_("This item is not in your cart any more.")]})
        quantity = "0" if "remove" in request.POST else request.POST.get("quantity", "")
        cart_line_set_quantity(cart=mine, offer_id=offer_id[0], quantity=quantity)
    except DomainError as error:
        messages.error(request, _first_error(error))
    remember_cart_count(request, cart_item_count(mine))
    return redirect(sf_reverse(request, "cart"))


def _checkout_context(request: StorefrontRequest, mine: Cart, **more) -> dict:
    view = cart_view(storefront=request.storefront, cart=mine)
    return {
        "view": view,
        "idempotency_key": secrets.token_urlsafe(24),
        # What the customer is shown: the submit carries it back, and is refused if it changed.
        "quote_fingerprint": quote_fingerprint(view.quote),
        "quote_shown": quote_shown_token(view.quote),
        **more,
    }


def _submit(
    request: StorefrontRequest,
    mine: Cart | None,
    *,
    address: dict[str, str],
    payment_method: Mapping[str, object],
) -> CheckoutOutcome:
    customer = request.user
    if not isinstance(customer, User):  # the checkout view asks a visitor to sign in first
        raise PermissionDenied
    return checkout_submit(
        storefront=request.storefront,
        cart=mine,
        customer=customer,
        address=address,
        payment_method=payment_method,
        idempotency_key=request.POST.get("idempotency_key", ""),
        quote_fingerprint=request.POST.get("quote_fingerprint", ""),
        quote_shown=request.POST.get("quote_shown", ""),
        return_url=request.build_absolute_uri(sf_reverse(request, "checkout_return")),
    )


@storefront_view(("GET", "HEAD", "POST"))
def checkout(request: StorefrontRequest) -> HttpResponse:
    mine = current_cart(request)
    if not request.user.is_authenticated:
        return render(
            request,
            "galerie/shop/checkout_sign_in.html",
            {
                "view": cart_view(storefront=request.storefront, cart=mine),
                # Two forms on one page: ids of their own, so each password has its own label.
                "signup_form": SignupForm(auto_id="signup-%s"),
                "login_form": AuthenticationForm(request, auto_id="signin-%s"),
                "next": sf_reverse(request, "checkout"),
            },
        )
    if request.method != "POST" and (not_selling := _not_selling(request)):
        messages.error(request, not_selling)  # a POST goes on: the service refuses, or resumes a retry
        return redirect(sf_reverse(request, "cart"))
    if request.method != "POST":
        initial = {"name": request.user.full_name, "country": "FR"}
        context = (
            _checkout_context(request, mine, address_form=AddressForm(initial=initial), card_form=CardForm())
            if mine is not None
            else None
        )
        if context is None or context["view"].is_empty:  # no line: the view read them all
            messages.info(request, _("Your cart is empty."))
            return redirect(sf_reverse(request, "cart"))
        return render(request, "galerie/shop/checkout.html", context)
    address_form, card_form = AddressForm(request.POST), CardForm(request.POST)
    valid = address_form.is_valid() and card_form.is_valid()
    if mine is None or not valid:
        # Perhaps a double click or a network retry of a checkout already under way, whose
        # order emptied the cart: its first outcome. (With a valid form and a cart, the
        # checkout service finds the attempt by its key itself: no query here for it.)
        retried = checkout_attempt_for(
            customer=request.user, idempotency_key=request.POST.get("idempotency_key", "")
        )
        if retried:
            outcome = _submit(
                request,
                mine,
                address=retried.address,
                payment_method=card_form.payment_method() if card_form.is_valid() else {},
            )
            return _after_outcome(request, outcome, mine, None)
    if mine is None or (not valid and not mine.lines.exists()):
        messages.info(request, _("Your cart is empty."))
        return redirect(sf_reverse(request, "cart"))
    if not valid:
        return render(
            request,
            "galerie/shop/checkout.html",
            _checkout_context(request, mine, address_form=address_form, card_form=card_form),
            status=400,
        )
    # Card testing: a payment that would reach the gateway is counted per customer and per IP,
    # a declined one tighter; past a limit nothing reaches the gateway (docs/throttling.md).
    throttled = checkout_throttle_check(request, user_id=request.user.pk)
    if throttled:
        context = _checkout_context(
            request, mine, address_form=address_form, card_form=card_form, throttled=throttled.message
        )
        return refused(render(request, "galerie/shop/checkout.html", context), throttled)
    checkout_throttle_count(request, user_id=request.user.pk)
    try:
        outcome = _submit(
            request, mine, address=address_form.cleaned_data, payment_method=card_form.payment_method()
        )
    except QuoteChanged as change:
        # Nothing was charged: the page shows the new order with what changed; paying from it
        # (its new fingerprint) is the customer's explicit confirmation.
        return render(
            request,
            "galerie/shop/checkout.html",
            _checkout_context(
                request, mine, address_form=address_form, card_form=card_form, quote_changed=change
            ),
            status=409,
        )
    except (CheckoutNotPossible, StorefrontNotSelling) as error:
        messages.error(request, error.message)
        return redirect(sf_reverse(request, "cart"))
    except InvalidInput as error:
        for field, problems in error.errors.items():
            target = address_form if field in address_form.fields else card_form
            for problem in problems:
                target.add_error(field if field in target.fields else None, problem)
        return render(
            request,
            "galerie/shop/checkout.html",
            _checkout_context(request, mine, address_form=address_form, card_form=card_form),
            status=400,
        )
    if outcome.status == "declined":
        checkout_throttle_count(request, user_id=request.user.pk, declined=True)
    return _after_outcome(request, outcome, mine, address_form)


def _after_outcome(request: StorefrontRequest, outcome, mine, address_form) -> HttpResponse:
    if outcome.status == "completed":
        remember_cart_count(request, 0)  # the order took the cart's lines
        return redirect(sf_reverse(request, "order_confirmation", number=outcome.order.number))
    if outcome.status == "requires_action":
        request.session["checkout_attempt"] = outcome.attempt.uuid.hex
        return redirect(outcome.action_url)
    if outcome.status == "reserved":
        messages.info(request, _("Your payment is being confirmed: your order appears here in a moment."))
        return redirect(sf_reverse(request, "account"))
    # The gateway's decline messages are English msgids (gettext_noop): translate them on display.
    message = _(outcome.message) if outcome.message else _("Your payment did not go through.")
    if mine is None:
        messages.error(request, message)
        return redirect(sf_reverse(request, "cart"))
    return render(
        request,
        "galerie/shop/checkout.html",
        _checkout_context(
            request,
            mine,
            address_form=address_form or AddressForm(initial=outcome.attempt.address),
            card_form=CardForm(),
            payment_error=message,
        ),
        status=402,
    )


@storefront_view(("GET", "HEAD"))
def checkout_return_view(request: StorefrontRequest) -> HttpResponse:
    """Where the payment page sends the customer back. It finishes the checkout, so this GET
    writes: the gateway's redirect is a GET by nature; the service is idempotent."""
    if not request.user.is_authenticated:
        raise Http404()
    attempt = checkout_attempt_for(customer=request.user, uuid=request.session.get("checkout_attempt", ""))
    if attempt is None:
        raise Http404(_("There is no payment waiting for you."))
    outcome = checkout_return(attempt=attempt)
    if outcome.status == "declined":  # declined after the confirmation step: card testing too
        checkout_throttle_count(request, user_id=request.user.pk, declined=True)
    if outcome.status == "requires_action":
        return redirect(outcome.action_url)
    request.session.pop("checkout_attempt", None)
    return _after_outcome(request, outcome, current_cart(request), None)


@storefront_view(("GET", "HEAD"))
def order_confirmation(request: StorefrontRequest, number: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{sf_reverse(request, 'login')}?next={request.path}")
    order = order_get_for_customer(customer=request.user, number=number, storefront=request.storefront)
    return render(request, "galerie/account/order.html", {"order": order, "just_placed": True})
