"""Fixtures of the P2B tests: a marketplace with active sellers (each with an owner), operator
staff with and without the complaint permissions, and a way to run the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission

from galerie.core.delivery import handlers_autodiscover, outbox_deliver_batch
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.factories import make_seller, make_storefront, make_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def deliver() -> None:
    """Run every app's outbox handlers (the worker's loop, once)."""
    outbox_deliver_batch(handlers_autodiscover(), batch=500)


def mails(inbox, address: str, kind: str) -> list:
    """The e-mails of ``kind`` to ``address`` (not the curation ones every new seller gets)."""
    return [m for m in inbox.to(address) if f".{kind}." in m["Message-ID"]]


def text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def staff_with(*codenames: str, **fields):
    user = make_user(is_staff=True, **fields)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="terms", codename__in=codenames)
    )
    return user


@pytest.fixture
def market(db):
    storefront = make_storefront(default_language="en")
    sellers, owners = [], []
    for n in range(3):
        seller = make_seller(storefronts=[storefront], email=f"shop{n}@seller.test", display_name=f"Shop {n}")
        owner = make_user(email=f"owner{n}@seller.test")
        seller_member_add(seller=seller, user=owner, role=SellerMember.Role.OWNER)
        sellers.append(seller)
        owners.append(owner)
    applicant = make_seller(storefronts=[storefront], active=False, email="applicant@seller.test")
    clerk = make_user(email="clerk@seller.test")
    seller_member_add(seller=sellers[0], user=clerk, role=SellerMember.Role.SHIPPING_CLERK)
    operator = staff_with(
        "add_sellertermsversion", "view_sellercomplaint", "change_sellercomplaint", email="legal@galerie.test"
    )
    return SimpleNamespace(
        storefront=storefront,
        sellers=sellers,
        owners=owners,
        applicant=applicant,
        clerk=clerk,
        operator=operator,
    )
