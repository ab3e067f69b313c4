"""The seller area's orders: the list, one order, accept / refuse / ship / deliver, the packing slip.

Every read goes through the member-scoped selectors of the current seller: another seller's
order is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError, InvalidInput
from galerie.invoices.errors import InvoiceNotFound
from galerie.invoices.selectors import invoice_get_for_seller, invoices_of_seller_order
from galerie.messaging.selectors import seller_orders_with_unread, thread_of_seller_order
from galerie.orders.models import SellerOrder
from galerie.orders.selectors import (
    lines_to_ship,
    seller_order_get_for_member,
    seller_order_ids_late,
    seller_orders_for_member,
)
from galerie.orders.services import (
    CARRIERS,
    seller_order_accept,
    seller_order_deliver,
    seller_order_refuse,
    seller_order_ship,
)
from galerie.sellers.access import Perm
from galerie.web.requests import SellerRequest
from galerie.web.throttling import ThrottledAuthenticationForm, refused
from galerie.web.views.seller.access import seller_view


class _SellerLogin(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form):
        return refused(super().form_invalid(form), form.throttled)


seller_login = _SellerLogin.as_view(
    template_name="galerie/seller/login.html",
    redirect_authenticated_user=True,
    next_page="seller_area:dashboard",
)


@seller_view(Perm.VIEW_ORDERS)
def orders(request: SellerRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    late = request.GET.get("late") == "1"
    seller = request.seller_access.seller
    rows = seller_orders_for_member(request.user, seller_id=seller.pk)
    if late:
        rows = rows.filter(pk__in=seller_order_ids_late(seller))
    elif status in SellerOrder.Status.values:
        rows = rows.filter(status=status)
    rows = seller_orders_with_unread(rows)
    return render(
        request,
        "galerie/seller/orders.html",
        {"orders": rows[:100], "status": status, "late": late, "statuses": SellerOrder.Status.choices},
    )


@seller_view(Perm.VIEW_ORDERS)
def order_detail(request: SellerRequest, number: str) -> HttpResponse:
    seller_order = seller_order_get_for_member(
        request.user, number=number, seller_id=request.seller_access.seller.pk
    )
    thread = thread_of_seller_order(seller_order_id=seller_order.pk)
    to_ship = lines_to_ship(seller_order)
    return render(
        request,
        "galerie/seller/order.html",
        {
            "so": seller_order,
            "to_ship": to_ship,
            "left_to_ship": any(row.left > 0 for row in to_ship),
            "carriers": CARRIERS,
            "messaging_thread": thread,
            "invoices": invoices_of_seller_order(seller_order_id=seller_order.pk)
            if Perm.VIEW_MONEY in request.seller_access.perms
            else [],
        },
    )


def _parcel_quantities(post) -> dict[int, int] | None:
    """The quantities typed per line (fields ``qty-<line id>``); None when the form has none
    (then the parcel takes all that is left)."""
    quantities = {}
    for key, value in post.items():
        if key.startswith("qty-"):
            try:
                quantities[int(key[4:])] = int(value or 0)
            except ValueError:
                raise InvalidInput(
                    {"quantities": [_("Type a whole number of items for each line.")]}
                ) from None
    return quantities or None


def _shipment_id(post) -> int | None:
    value = post.get("shipment", "")
    return int(value) if value.isdigit() else None


@seller_view(Perm.FULFIL_ORDERS, methods=("POST",))
def order_action(request: SellerRequest, number: str) -> HttpResponse:
    seller_order = seller_order_get_for_member(
        request.user, number=number, seller_id=request.seller_access.seller.pk
    )
    try:
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
                quantities=_parcel_quantities(request.POST),
            )
            messages.success(request, _("Marked as shipped: the customer gets the tracking number."))
        elif action == "deliver":
            after = seller_order_deliver(
                seller_order_id=seller_order.pk,
                acting_user=request.user,
                shipment_id=_shipment_id(request.POST),
            )
            if after.status == SellerOrder.Status.DELIVERED:
                messages.success(
                    request,
                    _("Marked as delivered: your funds become available after the withdrawal period."),
                )
            else:
                messages.success(request, _("Parcel marked as delivered."))
        else:
            raise InvalidInput({"action": [_("Choose accept, refuse, ship or deliver.")]})
    except InvalidInput as error:
        for problems in error.errors.values():
            for problem in problems:
                messages.error(request, problem)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("seller_area:order", kwargs={"number": number}))


@seller_view(Perm.FULFIL_ORDERS)
def packing_slip(request: SellerRequest, number: str) -> HttpResponse:
    """The printable slip that goes in the parcel: who sends, to whom, what; no prices."""
    seller_order = seller_order_get_for_member(
        request.user, number=number, seller_id=request.seller_access.seller.pk
    )
    return render(request, "galerie/seller/packing_slip.html", {"so": seller_order})


@seller_view(Perm.VIEW_MONEY)
def invoice(request: SellerRequest, invoice: str) -> FileResponse:
    """A document of the current seller (an invoice or credit note it issued, a commission invoice
    it received): the stored PDF, as issued. Another seller's is a 404."""
    try:
        found = invoice_get_for_seller(seller_id=request.seller_access.seller.pk, uuid=invoice)
    except InvoiceNotFound:
        raise Http404 from None
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=f"{found.number}.pdf",
                        content_type="application/pdf")  # fmt: skip
