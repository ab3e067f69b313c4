"""The webhook pages (docs/webhooks.md): a seller's owners in the seller area, operator staff in
the back office. Each side lists its endpoints, creates one (the signing secret is shown on the
endpoint's page), pauses, resumes and deletes it, and reads its delivery log with each try and a
redeliver button; the back office also lists the failed deliveries of every endpoint.

The views parse, call galerie.webhooks and render; reads go through its selectors, scoped to the
seller (another seller's endpoint is a 404) or to the operator.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from galerie.accounts.models import User
from galerie.core.errors import DomainError
from galerie.sellers.access import Perm
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_webhooks import WebhookEndpointForm
from galerie.web.requests import OperatorRequest, SellerRequest
from galerie.web.views.back_office.access import operator_view
from galerie.web.views.seller.access import seller_view
from galerie.webhooks.access import WEBHOOKS_PERM
from galerie.webhooks.models import WebhookDelivery
from galerie.webhooks.selectors import (
    PAGE_SIZE,
    webhook_dead_letters,
    webhook_deliveries_for,
    webhook_endpoint_get,
    webhook_endpoints_for,
)
from galerie.webhooks.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_set_active,
)

SELLER = {"ns": "seller_area", "base": "galerie/seller/base.html"}
OPERATOR = {"ns": "back_office", "base": "galerie/operator/base.html"}
assert WEBHOOKS_PERM == Perm.MANAGE_TOKENS  # the seller area's gate below uses the same permission


def _before(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


def _list(request: HttpRequest, *, seller_id: int | None, user: User, side: dict[str, str]) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None, seller=seller_id is not None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_endpoint_create(
                seller_id=seller_id,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
                by=user,
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(
                request,
                _("The endpoint is subscribed. Copy its signing secret below to check the signatures."),
            )
            return redirect(f"{side['ns']}:webhook", endpoint.pk)
    context = {
        "endpoints": webhook_endpoints_for(seller_id=seller_id, by=user),
        "form": form,
        "side": side,
        "operator": seller_id is None,
    }
    return render(request, "galerie/webhooks/endpoints.html", context, status=400 if form.is_bound else 200)


def _detail(
    request: HttpRequest, endpoint_id: int, *, seller_id: int | None, user: User, side: dict[str, str]
) -> HttpResponse:
    endpoint = webhook_endpoint_get(endpoint_id=endpoint_id, seller_id=seller_id, by=user)
    status = request.GET.get("status", "")
    status = status if status in WebhookDelivery.Status.values else ""
    deliveries = webhook_deliveries_for(
        endpoint_id=endpoint.pk,
        seller_id=seller_id,
        by=user,
        status=status or None,
        before_id=_before(request),
    )
    context = {
        "endpoint": endpoint,
        "deliveries": deliveries,
        "status": status,
        "statuses": WebhookDelivery.Status.choices,
        "more": deliveries[-1].pk if len(deliveries) == PAGE_SIZE else None,
        "side": side,
    }
    return render(request, "galerie/webhooks/endpoint.html", context)


def _active(
    request: HttpRequest, endpoint_id: int, *, seller_id: int | None, user: User, ns: str
) -> HttpResponse:
    active = request.POST.get("active") == "1"
    webhook_endpoint_set_active(endpoint_id=endpoint_id, seller_id=seller_id, active=active, by=user)
    messages.success(
        request,
        _("The endpoint is active again.") if active else _("The endpoint is paused: nothing is sent to it."),
    )
    return redirect(f"{ns}:webhook", endpoint_id)


def _delete(
    request: HttpRequest, endpoint_id: int, *, seller_id: int | None, user: User, ns: str
) -> HttpResponse:
    webhook_endpoint_delete(endpoint_id=endpoint_id, seller_id=seller_id, by=user)
    messages.success(request, _("The endpoint is deleted, with its delivery log."))
    return redirect(f"{ns}:webhooks")


def _redelivered(request: HttpRequest, delivery: WebhookDelivery) -> None:
    messages.success(
        request,
        _("The event %(type)s is queued to be sent again within a minute.") % {"type": delivery.event_type},
    )


# --- seller area ---------------------------------------------------------------------------


@seller_view(Perm.MANAGE_TOKENS, methods=("GET", "HEAD", "POST"))
@never_cache
def seller_webhooks(request: SellerRequest) -> HttpResponse:
    return _list(request, seller_id=request.seller_access.seller.pk, user=request.user, side=SELLER)


@seller_view(Perm.MANAGE_TOKENS)
@never_cache
def seller_webhook(request: SellerRequest, endpoint_id: int) -> HttpResponse:
    seller_id = request.seller_access.seller.pk
    return _detail(request, endpoint_id, seller_id=seller_id, user=request.user, side=SELLER)


@seller_view(Perm.MANAGE_TOKENS, methods=("POST",))
def seller_webhook_active(request: SellerRequest, endpoint_id: int) -> HttpResponse:
    seller_id = request.seller_access.seller.pk
    return _active(request, endpoint_id, seller_id=seller_id, user=request.user, ns=SELLER["ns"])


@seller_view(Perm.MANAGE_TOKENS, methods=("POST",))
def seller_webhook_delete(request: SellerRequest, endpoint_id: int) -> HttpResponse:
    seller_id = request.seller_access.seller.pk
    return _delete(request, endpoint_id, seller_id=seller_id, user=request.user, ns=SELLER["ns"])


@seller_view(Perm.MANAGE_TOKENS, methods=("POST",))
def seller_webhook_redeliver(request: SellerRequest, delivery_id: int) -> HttpResponse:
    delivery = webhook_delivery_redeliver(
        delivery_id=delivery_id, seller_id=request.seller_access.seller.pk, by=request.user
    )
    _redelivered(request, delivery)
    return redirect("seller_area:webhook", endpoint_id=delivery.endpoint_id)


# --- back office ---------------------------------------------------------------------------
# The URLs name ``operator_endpoint_id``: only the operator's endpoints have a page here.


@operator_view(methods=("GET", "HEAD", "POST"))
@never_cache
def operator_webhooks(request: OperatorRequest) -> HttpResponse:
    return _list(request, seller_id=None, user=request.user, side=OPERATOR)


@operator_view()
@never_cache
def operator_webhook(request: OperatorRequest, operator_endpoint_id: int) -> HttpResponse:
    return _detail(request, operator_endpoint_id, seller_id=None, user=request.user, side=OPERATOR)


@operator_view(methods=("POST",))
def operator_webhook_active(request: OperatorRequest, operator_endpoint_id: int) -> HttpResponse:
    return _active(request, operator_endpoint_id, seller_id=None, user=request.user, ns=OPERATOR["ns"])


@operator_view(methods=("POST",))
def operator_webhook_delete(request: OperatorRequest, operator_endpoint_id: int) -> HttpResponse:
    return _delete(request, operator_endpoint_id, seller_id=None, user=request.user, ns=OPERATOR["ns"])


@operator_view()
def operator_dead_letters(request: OperatorRequest) -> HttpResponse:
    dead = webhook_dead_letters(by=request.user, before_id=_before(request))
    context = {"deliveries": dead, "more": dead[-1].pk if len(dead) == PAGE_SIZE else None, "side": OPERATOR}
    return render(request, "galerie/webhooks/dead_letters.html", context)


@operator_view(methods=("POST",))
def operator_webhook_redeliver(request: OperatorRequest, delivery_id: int) -> HttpResponse:
    """Redeliver any endpoint's delivery (the failed list); back to the page that asked."""
    delivery = webhook_delivery_redeliver(
        delivery_id=delivery_id, seller_id=None, by=request.user, any_owner=True
    )
    _redelivered(request, delivery)
    if request.POST.get("next") == "dead":
        return redirect("back_office:webhook_dead_letters")
    return redirect("back_office:webhook", delivery.endpoint_id)
