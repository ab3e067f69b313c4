"""The seller area (minimum for the customer journey): a seller's orders, accept, refuse, ship.

Every read goes through the member-scoped selectors: another seller's order is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from galerie.core.errors import DomainError, InvalidInput, NotFound
from galerie.orders.models import SellerOrder
from galerie.orders.selectors import seller_order_get_for_member, seller_orders_for_member
from galerie.orders.services import CARRIERS, seller_order_accept, seller_order_refuse, seller_order_ship

LOGIN_URL = "seller_area:login"

seller_login = auth_views.LoginView.as_view(
    template_name="galerie/seller/login.html",
    redirect_authenticated_user=True,
    next_page="seller_area:orders",
)


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "HEAD"])
def orders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = seller_orders_for_member(request.user)
    if status in SellerOrder.Status.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "galerie/seller/orders.html",
        {"orders": rows[:100], "status": status, "statuses": SellerOrder.Status.choices},
    )


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "HEAD"])
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        seller_order = seller_order_get_for_member(request.user, number=number)
    except NotFound as error:
        return render(request, "galerie/seller/not_found.html", {"message": error.message}, status=404)
    return render(request, "galerie/seller/order.html", {"so": seller_order, "carriers": CARRIERS})


@login_required(login_url=LOGIN_URL)
@require_POST
def order_action(request: HttpRequest, number: str) -> HttpResponse:
    try:
        seller_order = seller_order_get_for_member(request.user, number=number)
        action = request.POST.get("action")
        if action == "accept":
            seller_order_accept(seller_order_id=seller_order.pk, acting_user=request.user)
            messages.success(request, _("Order accepted: prepare the parcel."))
        elif action == "refuse":
            seller_order_refuse(
                seller_order_id=seller_order.pk,
                acting_user=request.user,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Order refused: the customer is refunded for your part."))
        elif action == "ship":
            seller_order_ship(
                seller_order_id=seller_order.pk,
                acting_user=request.user,
                carrier=request.POST.get("carrier", ""),
                tracking_number=request.POST.get("tracking_number", ""),
            )
            messages.success(request, _("Marked as shipped: the customer gets the tracking number."))
        else:
            raise InvalidInput({"action": [_("Choose accept, refuse or ship.")]})
    except NotFound as error:
        return render(request, "galerie/seller/not_found.html", {"message": error.message}, status=404)
    except InvalidInput as error:
        for problems in error.errors.values():
            for problem in problems:
                messages.error(request, problem)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("seller_area:order", kwargs={"number": number}))
