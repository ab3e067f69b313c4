"""E-mails of the seller portal's staff and catalog work: invitations, proposal decisions.

Each handler loads what it needs from the event's ids and sends through ``email_send_once``
(keyed by the event's uuid), so a retried event does not e-mail twice. The words are in the
templates ``galerie/emails/seller_invitation*`` and ``product_proposal_decided*``; the colours
are those of the seller's first storefront (the first it was admitted to), else a neutral theme.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from galerie.catalog.models import ProductProposal
from galerie.core.models import OutboxEvent
from galerie.notifications.emails import URLCONF, Email, email_render, site_url
from galerie.notifications.services import email_send_once
from galerie.sellers.models import Seller, SellerAdmission, SellerInvitation, SellerMember
from galerie.sellers.services.staff import invitation_token_rebuild
from galerie.storefronts.models import Storefront

logger = logging.getLogger(__name__)

ROLE_NAMES: dict[str, str | Promise] = {
    SellerMember.Role.OWNER: _("owner"),
    SellerMember.Role.MANAGER: _("manager"),
    SellerMember.Role.SHIPPING_CLERK: _("shipping clerk"),
}
ROLE_RIGHTS: dict[str, str | Promise] = {
    SellerMember.Role.OWNER: _("everything, including the staff and the API keys"),
    SellerMember.Role.MANAGER: _(
        "offers, orders, money and the shop page, but not the staff or the API keys"
    ),
    SellerMember.Role.SHIPPING_CLERK: _("the orders: accept, pack and ship them"),
}
DECISION_RECIPIENT_ROLES = (SellerMember.Role.OWNER, SellerMember.Role.MANAGER)


def seller_email_storefront(*, seller: Seller) -> Storefront:
    """Return the storefront whose theme and language the seller's e-mails use; a neutral one if none."""
    admissions = SellerAdmission.objects.filter(seller=seller).select_related("storefront")
    admission = (
        admissions.filter(status=SellerAdmission.Status.ADMITTED).order_by("id").first()
        or admissions.order_by("id").first()
    )
    if admission is not None:
        return admission.storefront
    return Storefront(name="Galerie", code="galerie", default_language=settings.LANGUAGE_CODE)


def seller_invitation_email(*, invitation: SellerInvitation, token: str) -> Email:
    """The invitation to join a seller's staff: the shop, the role, the link, its expiry."""
    storefront = seller_email_storefront(seller=invitation.seller)
    language = storefront.default_language
    path = reverse("seller_area:invitation", kwargs={"token": token}, urlconf=URLCONF)
    inviter = invitation.invited_by
    with override(language):
        context = {
            "shop": invitation.seller.display_name,
            "role": str(ROLE_NAMES.get(invitation.role, invitation.role)),
            "rights": str(ROLE_RIGHTS.get(invitation.role, "")),
            "inviter": (inviter.get_full_name() if inviter else "") or "",
            "invitation_url": site_url(path),
            "expires": date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT"),
        }
    return email_render(
        kind="seller_invitation",
        template="seller_invitation",
        storefront=storefront,
        language=language,
        recipient=invitation.email,
        reference=f"INV{invitation.pk}",
        context=context,
    )


def proposal_decision_recipients(*, seller: Seller) -> list[str]:
    """Return the addresses of the seller's active owners and managers, each once."""
    addresses = (
        SellerMember.objects.filter(seller=seller, role__in=DECISION_RECIPIENT_ROLES, user__is_active=True)
        .order_by("id")
        .values_list("user__email", flat=True)
    )
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.strip().lower(), address.strip())
    return list(seen.values())


def product_proposal_decided_emails(*, proposal: ProductProposal, recipients: list[str]) -> list[Email]:
    """Tell the seller's owners and managers whether their product proposal was accepted, and why not."""
    storefront = seller_email_storefront(seller=proposal.seller)
    language = storefront.default_language
    path = reverse("seller_area:proposal", kwargs={"proposal_id": proposal.pk}, urlconf=URLCONF)
    context = {
        "proposal": proposal,
        "shop": proposal.seller.display_name,
        "accepted": proposal.status == ProductProposal.Status.ACCEPTED,
        "with_offer": proposal.price_minor is not None and proposal.stock is not None,
        "proposal_url": site_url(path),
    }
    return [
        email_render(
            kind="proposal_decided",
            template="product_proposal_decided",
            storefront=storefront,
            language=language,
            recipient=recipient,
            reference=f"PP{proposal.pk}",
            context=context,
        )
        for recipient in recipients
    ]


# --- handlers (listed in notifications/handlers.py) ------------------------------------------


def seller_invitation_created(event: OutboxEvent) -> None:
    """E-mail the invitee the link, unless the invitation was accepted, withdrawn or expired since."""
    invitation = (
        SellerInvitation.objects.select_related("seller", "invited_by")
        .filter(pk=event.payload["invitation_id"])
        .first()
    )
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        logger.info("invitation %s: gone, accepted or withdrawn, no e-mail", event.payload["invitation_id"])
        return
    if invitation.expires_at <= timezone.now():
        logger.info("invitation %s: expired before its e-mail went out, no e-mail", invitation.pk)
        return
    token = invitation_token_rebuild(invitation=invitation, nonce=event.payload["nonce"])
    if token is None:
        # SECRET_KEY changed without keeping the old one in SECRET_KEY_FALLBACKS: the link cannot be
        # rebuilt. Retrying would not help; the shop can withdraw the invitation and send a new one.
        logger.warning("invitation %s: the token cannot be rebuilt with the current keys", invitation.pk)
        return
    email_send_once(event_uuid=event.uuid, email=seller_invitation_email(invitation=invitation, token=token))


def product_proposal_status_changed(event: OutboxEvent) -> None:
    """E-mail the seller's owners and managers the operator's decision on their proposal."""
    proposal = (
        ProductProposal.objects.select_related("seller", "product", "category")
        .filter(pk=event.payload["id"])
        .first()
    )
    if proposal is None or event.payload.get("to_status") not in (
        ProductProposal.Status.ACCEPTED,
        ProductProposal.Status.REJECTED,
    ):
        return
    recipients = proposal_decision_recipients(seller=proposal.seller)
    for message in product_proposal_decided_emails(proposal=proposal, recipients=recipients):
        email_send_once(event_uuid=event.uuid, email=message)
