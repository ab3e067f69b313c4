"""The incidents' e-mails: each step told to the other party (and the operator on escalation),
in the customer's or the storefront's language, with a link to the page where it continues.

No e-mail names the other party's address: the customer reads the seller's shop name, the
seller the order number, and replies go through the pages.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from galerie.accounts.models import User
from galerie.core.money import Money
from galerie.incidents.models import Incident
from galerie.notifications.emails import URLCONF, Email, email_render, site_url
from galerie.notifications.selectors import seller_order_recipients

CUSTOMER, SELLER, OPERATOR = "customer", "seller", "operator"


def incident_for_email(*, incident_id: int) -> Incident:
    """Load an incident with what its e-mails show."""
    return Incident.objects.select_related(
        "seller_order", "seller_order__order", "seller_order__order__storefront", "seller_order__seller"
    ).get(pk=incident_id)


def operator_recipients() -> list[str]:
    """The operator's address for escalations: GALERIE_INCIDENTS_EMAIL, else active staff's."""
    if address := getattr(settings, "GALERIE_INCIDENTS_EMAIL", ""):
        return [address]
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def _url(incident: Incident, role: str) -> str:
    order = incident.seller_order.order
    if role == CUSTOMER:
        kwargs = {"storefront": order.storefront.code, "number": order.number}
        return site_url(
            reverse("sf:order", kwargs=kwargs, urlconf=URLCONF) + f"#incident-{incident.uuid.hex}"
        )
    if role == SELLER:
        number = incident.seller_order.number
        return site_url(reverse("seller_area:order", kwargs={"number": number}, urlconf=URLCONF))
    return site_url(reverse("back_office:incident", kwargs={"incident": incident.uuid}, urlconf=URLCONF))


def incident_emails(*, incident: Incident, step: str, roles: list[str]) -> list[Email]:
    """Render the e-mail of ``step`` (opened, answered, resolved, escalated, decided) for each role."""
    order = incident.seller_order.order
    storefront = order.storefront
    messages = []
    for role in roles:
        if role == CUSTOMER:
            language, recipients = order.language or storefront.default_language, [order.email]
        elif role == SELLER:
            language = storefront.default_language
            recipients = seller_order_recipients(seller=incident.seller_order.seller)
        else:
            language, recipients = settings.LANGUAGE_CODE, operator_recipients()
        with translation.override(language):
            locale = translation.to_locale(language)
            context = {
                "step": step,
                "role": role,
                "incident": incident,
                "kind": str(incident.get_kind_display()),
                "proposal": str(incident.get_proposal_display()),
                "decision": str(incident.get_decision_display()),
                "seller": incident.seller_order.seller.display_name,
                "number": order.number,
                "part_number": incident.seller_order.number,
                "proposal_amount": Money(incident.proposal_amount_minor, order.currency).format(locale),
                "refund": Money(incident.refund_minor, order.currency).format(locale),
                "url": _url(incident, role),
            }
        messages += [
            email_render(
                kind=f"incident_{step}_{role}",
                template="incident_update",
                storefront=storefront,
                language=language,
                recipient=recipient,
                reference=incident.seller_order.number,
                context=context,
            )
            for recipient in recipients
        ]
    return messages
