"""The operator's storefronts in the back office: the portfolio, a new storefront, its settings,
opening it, announcing and cancelling its closure, and the closure report (page and CSV)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.utils import timezone

from galerie.core.models import OutboxEvent
from galerie.ledger.models import CommissionPlan
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from galerie.storefronts import closure
from galerie.storefronts.closure import ClosureBlockers, storefront_closure_announce
from galerie.storefronts.models import Storefront, StorefrontHost
from galerie.storefronts.selectors import storefront_id_for_host
from tests.checkout.conftest import shop as shop  # the fixture
from tests.factories import make_category, make_seller, make_storefront, make_user
from tests.ledger.test_payouts import _place_order

pytestmark = pytest.mark.django_db(transaction=True)
LIST = "/back-office/storefronts/"
NEW = "/back-office/storefronts/new/"


def operator(*perms: str, **fields):
    user = make_user(is_staff=True, **fields)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="storefronts"))
    return user


def manager():
    return operator("view_storefront", "add_storefront", "change_storefront")


def valid(**changes):
    data = {
        "code": "alapage",
        "name": "Alapage",
        "tagline": "Livres, musique, voyages",
        "default_language": "fr",
        "currency": "EUR",
        "colour_primary": "#1f4e79",
        "colour_accent": "#e07a2e",
        "colour_background": "#ffffff",
        "colour_text": "#111111",
        "font": "serif",
        "hosts": "alapage.test\nwww.alapage.test",
        "commission_rate": "12.5",
        "commission_fixed_fee": "0.30",
        "commission_on_shipping": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_smoke(client, shop):
    client.force_login(manager())
    assert client.get(LIST).status_code == 200
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, valid())
    assert response.status_code == 302, response.content.decode()[:3000]
    sf = Storefront.objects.get(code="alapage")
    assert client.get(f"/back-office/storefronts/{sf.pk}/").status_code == 200
    page = client.get(f"/back-office/storefronts/{shop.storefront.pk}/close/")
    assert page.status_code == 200
    _place_order(shop)
    day = (timezone.localdate() + timedelta(days=7)).isoformat()
    page = client.post(f"/back-office/storefronts/{shop.storefront.pk}/close/", {"closing_on": day, "reason": "Portfolio review"})
    assert page.status_code == 200, page.content.decode()[:3000]
    open("/tmp/office/confirm.html", "w").write(page.content.decode())
    page = client.post(f"/back-office/storefronts/{shop.storefront.pk}/close/", {"closing_on": day, "reason": "Portfolio review", "confirm": "on"})
    assert page.status_code == 302, page.content.decode()[:3000]
