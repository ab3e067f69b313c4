"""The webhooks app's errors, each with a stable code."""

from galerie.core.errors import InvalidInput, NotFound


class WebhookEndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"


class WebhookDeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"


class WebhookUrlRefused(InvalidInput):
    """The URL is not one Galerie may call (scheme, credentials, an internal address)."""

    code = "webhook_url_refused"
