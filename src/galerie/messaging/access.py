"""Who may read and write a thread: every permission check of messages lives here.

The customer of the order, the members of the seller of the seller order, and operator staff.
An empty list denies: a user who is none of them is not a party.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from galerie.accounts.models import User
from galerie.messaging.models import Party
from galerie.orders.models import SellerOrder
from galerie.sellers.models import SellerMember


def parties_of(user: User | AnonymousUser, seller_order: SellerOrder) -> frozenset[str]:
    """The parties ``user`` may speak for in the thread of ``seller_order`` (with its order loaded)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    found: set[str] = set()
    if seller_order.order.customer_id == user.pk:
        found.add(Party.CUSTOMER)
    if SellerMember.objects.filter(user=user, seller_id=seller_order.seller_id).exists():
        found.add(Party.SELLER)
    if user.is_staff:
        found.add(Party.OPERATOR)
    return frozenset(found)
