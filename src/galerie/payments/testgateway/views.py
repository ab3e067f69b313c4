"""The test provider's hosted confirmation page (the 3-D Secure step of a real provider)."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from galerie.core.money import Money
from galerie.payments.errors import GatewayObjectNotFound
from galerie.payments.testgateway.models import ProviderCharge
from galerie.payments.testgateway.services import charge_confirm, charge_get


def _back_to_shop(charge: ProviderCharge) -> str:
    """Return the charge's return URL with ``?payment=<reference>`` (any earlier value replaced)."""
    parts = urlsplit(charge.return_url or "/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "payment"]
    query.append(("payment", charge.reference))
    return urlunsplit(parts._replace(query=urlencode(query)))


@require_http_methods(["GET", "POST"])
def confirm_payment(request: HttpRequest, reference: str) -> HttpResponse:
    """Show the confirmation step; on POST confirm (or cancel) it and send the customer back."""
    try:
        charge = charge_get(reference=reference)
    except GatewayObjectNotFound:
        raise Http404("There is no such test payment.") from None
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("confirm", "cancel"):
            return HttpResponseBadRequest(_("Choose “Confirm payment” or “Cancel”."))
        charge = charge_confirm(reference=reference, approve=action == "confirm")
        return HttpResponseRedirect(_back_to_shop(charge))
    context = {
        "charge": charge,
        "amount": Money(charge.amount_minor, charge.currency).format(get_language() or "en"),
        "waiting": charge.status == ProviderCharge.Status.REQUIRES_ACTION,
        "back_url": _back_to_shop(charge),
    }
    return render(request, "payments/test_confirm.html", context)
