"""Incoming webhooks from payment gateways."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from galerie.core.errors import DomainError
from galerie.payments.services import webhook_handle


@csrf_exempt  # the gateway signs its requests; it has no session and no CSRF token
@require_POST
def webhook_receive(request: HttpRequest, gateway: str) -> JsonResponse:
    """Record a gateway's webhook: 200 once it is recorded (or was already), 400 if it is not genuine."""
    try:
        event = webhook_handle(gateway=gateway, body=request.body, headers=request.headers)
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=error.http_status)
    return JsonResponse({"received": True, "duplicate": event is None})
