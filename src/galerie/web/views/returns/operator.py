"""The back office's returns: every return, overdue refunds first; one return; overruling."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError, InvalidInput
from galerie.core.money import Money, MoneyError
from galerie.returns.models import Return
from galerie.returns.selectors import returns_for_operator
from galerie.returns.services import return_overrule
from galerie.web.views.back_office.access import operator_view


@operator_view()
def return_queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = list(returns_for_operator(now=now)[:200])
    return render(request, "galerie/returns/operator_list.html", {"returns": rows, "now": now})


@operator_view()
def return_detail(request: HttpRequest, return_id: int) -> HttpResponse:
    ret = get_object_or_404(returns_for_operator().prefetch_related("lines__order_line"), pk=return_id)
    return render(request, "galerie/returns/operator_return.html", {"ret": ret, "now": timezone.now()})


@operator_view(("POST",))
def return_overrule_view(request: HttpRequest, return_id: int) -> HttpResponse:
    ret = get_object_or_404(Return.objects.select_related("seller_order__order"), pk=return_id)
    try:
        try:
            depreciation = Money.parse(
                request.POST.get("depreciation", "") or "0", ret.seller_order.order.currency
            ).amount_minor
        except MoneyError:
            raise InvalidInput(
                {"depreciation": [_("Type the depreciation as an amount, like 4.50.")]}
            ) from None
        done = return_overrule(
            return_id=ret.pk,
            operator=request.user,  # type: ignore[arg-type]
            depreciation_minor=depreciation,
            depreciation_reason=request.POST.get("depreciation_reason", ""),
        )
        messages.success(
            request,
            _("Refund of %(amount)s made to the customer's card.")
            % {"amount": Money(done.refund_minor or 0, ret.seller_order.order.currency)},
        )
    except InvalidInput as error:
        for problems in error.errors.values():
            for problem in problems:
                messages.error(request, problem)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("back_office:return", kwargs={"return_id": ret.pk}))
