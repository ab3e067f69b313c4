"""Curation e-mails: each kind renders, fits its SentEmail record, speaks the first storefront's language."""

from __future__ import annotations

import pytest

from galerie.notifications.models import SentEmail
from galerie.notifications.seller_emails import seller_emails
from galerie.sellers.selectors import seller_application_recipients, seller_for_email
from galerie.sellers.services import seller_apply
from tests.factories import VALID_IDENTITY, make_storefront, make_user

pytestmark = pytest.mark.django_db

KINDS = {
    "seller_application_received": {"storefronts": ["Atelier Onze", "Plume"]},
    "seller_approved": {"storefront_name": "Atelier Onze", "storefronts": ["Atelier Onze"]},
    "seller_admission_refused": {"storefront_name": "Plume", "reason": "Books only.", "storefronts": []},
    "seller_rejected": {"reason": "Counterfeits."},
    "seller_info_requested": {"question": "Your Kbis?"},
    "seller_suspended": {"reason": "Reports.", "decided_at": None},
    "seller_closed": {"reason": ""},
}


@pytest.fixture
def seller():
    first = make_storefront(name="Atelier Onze", default_language="en", theme={"colour_primary": "#204060"})
    owner = make_user(email="owner@martin.test")
    return seller_apply(
        kind="trader",
        identity={**VALID_IDENTITY, "display_name": "A" * 90, "email": "Owner@Martin.test"},
        storefronts=[first, make_storefront(default_language="fr")],
        certifies_compliance=True,
        owner=owner,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_every_curation_email_renders_in_the_first_storefronts_language_and_fits_its_record(seller, kind):
    loaded = seller_for_email(seller_id=seller.pk)
    recipients = seller_application_recipients(seller=loaded)
    assert recipients == ["Owner@Martin.test"]  # the contact and the owner: the same address, once
    (email,) = seller_emails(kind=kind, seller=loaded, recipients=recipients, context=KINDS[kind])
    assert email.language == "en" and "Atelier Onze" in email.from_email
    assert len(email.kind) <= SentEmail._meta.get_field("kind").max_length
    assert len(email.reference) <= SentEmail._meta.get_field("reference").max_length
    assert email.subject and "{" not in email.subject and "{{" not in email.text and "#204060" in email.html
    for value in KINDS[kind].values():
        if isinstance(value, str) and value:
            assert value in email.text
