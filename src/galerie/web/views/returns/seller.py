"""The seller area's returns: the list, one return with its actions, the label."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError, InvalidInput
from galerie.core.money import Money, MoneyError
from galerie.returns.selectors import return_get_for_member, returns_for_member
from galerie.returns.services import return_instruct, return_receive, return_refund, return_refuse
from galerie.sellers.access import Perm
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import seller_view


@seller_view(Perm.VIEW_ORDERS)
def return_list(request: SellerRequest) -> HttpResponse:
    rows = returns_for_member(request.user, seller_id=request.seller_access.seller.pk)
    return render(request, "galerie/returns/seller_list.html", {"returns": rows[:200]})


@seller_view(Perm.VIEW_ORDERS)
def return_detail(request: SellerRequest, return_id: int) -> HttpResponse:
    ret = return_get_for_member(request.user, seller_id=request.seller_access.seller.pk, return_id=return_id)
    return render(request, "galerie/returns/seller_return.html", {"ret": ret, "so": ret.seller_order})


def _minor(value: str, currency: str) -> int:
    """Read a typed amount ("12,50" or "12.50"; empty: 0) as minor units."""
    try:
        return Money.parse((value or "0").replace("\u00a0", ""), currency).amount_minor
    except MoneyError:
        raise InvalidInput({"depreciation": [_("Type the depreciation as an amount, like 4.50.")]}) from None


@seller_view(Perm.FULFIL_ORDERS, methods=("POST",))
def return_action(request: SellerRequest, return_id: int) -> HttpResponse:
    ret = return_get_for_member(request.user, seller_id=request.seller_access.seller.pk, return_id=return_id)
    action = request.POST.get("action")
    try:
        if action == "instruct":
            return_instruct(
                return_id=ret.pk,
                acting_user=request.user,
                instructions=request.POST.get("instructions", ""),
                label=request.FILES.get("label"),
            )
            messages.success(request, _("Return instructions sent to the customer."))
        elif action == "receive":
            return_receive(return_id=ret.pk, acting_user=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("Marked as received: inspect the items, then refund."))
        elif action == "refund":
            currency = ret.seller_order.order.currency
            done = return_refund(
                return_id=ret.pk,
                acting_user=request.user,
                depreciation_minor=_minor(request.POST.get("depreciation", ""), currency),
                depreciation_reason=request.POST.get("depreciation_reason", ""),
            )
            messages.success(
                request,
                _("Refund of %(amount)s made to the customer's card.")
                % {"amount": Money(done.refund_minor or 0, currency)},
            )
        elif action == "refuse":
            return_refuse(return_id=ret.pk, acting_user=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Return refused: the customer is told why."))
        else:
            raise InvalidInput({"action": [_("Choose instruct, receive, refund or refuse.")]})
    except InvalidInput as error:
        for problems in error.errors.values():
            for problem in problems:
                messages.error(request, problem)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("seller_area:return", kwargs={"return_id": ret.pk}))


@seller_view(Perm.VIEW_ORDERS)
def return_label(request: SellerRequest, return_id: int) -> HttpResponseBase:
    ret = return_get_for_member(request.user, seller_id=request.seller_access.seller.pk, return_id=return_id)
    if not ret.label:
        raise Http404
    return FileResponse(ret.label.open("rb"), as_attachment=True, filename="return-label.pdf")
