"""The customer's withdrawal function: choose items, confirm, done; a defect report; the label."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError, InvalidInput
from galerie.orders.models import Order, SellerOrder
from galerie.orders.selectors import order_get_for_customer
from galerie.returns.errors import ReturnNotFound
from galerie.returns.selectors import order_returns, return_get_for_customer
from galerie.returns.services import defect_declare, exclusion_text, withdrawal_declare, withdrawal_preview
from galerie.web.requests import StorefrontRequest
from galerie.web.routing import sf_reverse
from galerie.web.views.account import _to_sign_in
from galerie.web.views.decorators import storefront_view


def _part(request: StorefrontRequest, number: str, part_id: int) -> tuple[Order, SellerOrder]:
    order = order_get_for_customer(customer=request.user, number=number, storefront=request.storefront)
    part = next((p for p in order.seller_orders.all() if p.pk == part_id), None)
    if part is None:
        raise Http404
    return order, part


def _choices(request: StorefrontRequest) -> tuple[dict[int, int], dict[int, bool]]:
    quantities: dict[int, int] = {}
    seals: dict[int, bool] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("qty-") and key[4:].isdigit():
            try:
                quantities[int(key[4:])] = max(int(value or 0), 0)
            except ValueError:
                raise InvalidInput({key: [_("Type a whole number of items.")]}) from None
        if key.startswith("seal-") and key[5:].isdigit():
            seals[int(key[5:])] = value == "yes"
    return quantities, seals


def _errors(error: DomainError) -> list[str]:
    if isinstance(error, InvalidInput):
        return [str(p) for problems in error.errors.values() for p in problems]
    return [error.message]


@storefront_view(("GET", "HEAD", "POST"), closed_too=True)
def withdraw(request: StorefrontRequest, number: str, part_id: int) -> HttpResponse:
    """Step 1: choose the items and quantities; step 2: read the statement and confirm it."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    order, part = _part(request, number, part_id)
    now = timezone.now()
    state = order_returns(order=order, now=now)[part.pk].state
    context = {"order": order, "so": part, "state": state, "errors": [], "chosen": {}, "seals": {}}
    context["exclusions"] = {
        row.line.pk: exclusion_text(row.exception, row.line.product_title)
        for row in state.lines
        if row.excluded or row.sealed
    }
    if request.method == "POST":
        try:
            quantities, seals = _choices(request)
            context["chosen"], context["seals"] = quantities, seals
            if request.POST.get("step") == "confirm":
                ret = withdrawal_declare(
                    seller_order_id=part.pk, customer=request.user, quantities=quantities, seals=seals
                )
                messages.success(
                    request,
                    _(
                        "Your withdrawal is recorded (%(when)s). The acknowledgement, with the"
                        " withdrawal form, is on its way to %(email)s."
                    )
                    % {
                        "when": formats.date_format(timezone.localtime(ret.declared_at), "DATETIME_FORMAT"),
                        "email": order.email,
                    },
                )
                return redirect(sf_reverse(request, "order", number=order.number) + "#withdrawal")
            lines, items, shipping = withdrawal_preview(
                seller_order_id=part.pk, customer=request.user, quantities=quantities, seals=seals, now=now
            )
            context.update(
                review=lines,
                items=items,
                shipping=shipping,
                total=items + shipping,
            )
            return render(request, "galerie/returns/withdraw_confirm.html", context)
        except DomainError as error:
            context["errors"] = _errors(error)
            return render(request, "galerie/returns/withdraw.html", context, status=400)
    return render(request, "galerie/returns/withdraw.html", context)


@storefront_view(("GET", "HEAD", "POST"), closed_too=True)
def defect(request: StorefrontRequest, number: str, part_id: int) -> HttpResponse:
    """Report a defect under the legal guarantee of conformity (two years from delivery)."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    order, part = _part(request, number, part_id)
    state = order_returns(order=order)[part.pk].state
    context = {"order": order, "so": part, "state": state, "errors": [], "chosen": {}, "description": ""}
    if request.method == "POST":
        try:
            quantities, _seals = _choices(request)
            context["chosen"], context["description"] = quantities, request.POST.get("description", "")
            defect_declare(
                seller_order_id=part.pk,
                customer=request.user,
                quantities=quantities,
                description=request.POST.get("description", ""),
            )
        except DomainError as error:
            context["errors"] = _errors(error)
            return render(request, "galerie/returns/defect.html", context, status=400)
        messages.success(
            request, _("Your defect report is recorded; the seller sends you return instructions.")
        )
        return redirect(sf_reverse(request, "order", number=order.number) + "#withdrawal")
    return render(request, "galerie/returns/defect.html", context)


@storefront_view(closed_too=True)
def label(request: StorefrontRequest, uuid: str) -> HttpResponseBase:
    """The customer's prepaid return label (a private file, never a public URL)."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    try:
        ret = return_get_for_customer(customer=request.user, uuid=uuid)
    except ReturnNotFound:
        raise Http404 from None
    if not ret.label:
        raise Http404
    return FileResponse(ret.label.open("rb"), as_attachment=True, filename="return-label.pdf")
