"""The world full of payloads, for the page walks and the e-mails (tests/hostile/world.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from galerie.cart.services import cart_add
from galerie.catalog.models import Variant
from galerie.orders.models import SellerOrder
from tests.factories import make_user
from tests.hostile.corpus import payload
from tests.hostile.world import import_with_payloads, poison
from tests.web.test_isolation import _payout_dir as _payout_dir
from tests.web.test_isolation import paid as paid
from tests.web.test_isolation import shop as shop
from tests.web.test_isolation import world as world


@pytest.fixture
def hostile(world):
    """The isolation world, a CSV import of payloads, then a payload in every typed text."""
    variant = Variant.objects.order_by("pk").first()
    offer_import, cells = import_with_payloads(seller=world["a"], by=world["owner_a"], variant=variant)
    part = SellerOrder.objects.select_related("order__storefront").get(number=world["kwargs"]["number"])
    cart_add(  # the customer's cart and checkout show the payloads too
        storefront=part.order.storefront,
        cart=None,
        customer=world["customer"],
        offer_id=world["kwargs"]["offer_id"],
    )
    failed = world["kwargs"]["import_id"]  # poison() fails it: its page shows why
    world["kwargs"]["import_id"] = offer_import.pk
    payloads = poison() + cells
    query = payload(99, "the search query")
    staff = make_user(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["storefronts", "terms"])
    )
    return {
        **world,
        "payloads": [*payloads, query],
        "query": query.text,
        "staff": staff,
        "also": [reverse("seller_area:import", kwargs={"import_id": failed})],
    }
