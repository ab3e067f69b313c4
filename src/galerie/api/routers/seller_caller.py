"""The seller API's caller: the key of ``request.auth`` and the role checks the routers share."""

from __future__ import annotations

from django.http import HttpRequest

from galerie.api.auth import SellerCaller
from galerie.core.errors import PermissionDenied
from galerie.orders.services import DECIDERS
from galerie.sellers.access import Perm


def caller(request: HttpRequest) -> SellerCaller:
    auth = request.auth  # type: ignore[attr-defined]
    assert isinstance(auth, SellerCaller)
    return auth


def seller_caller(request: HttpRequest, perm: Perm) -> SellerCaller:
    """The caller, once its key's role is checked for ``perm`` (PermissionDenied: a 403)."""
    who = caller(request)
    who.require(perm)
    return who


def decider(request: HttpRequest) -> SellerCaller:
    """The caller, if its key may decide on orders and returns (accept, refuse, refund).

    The services check the role of the user they act as, the key's creator (an owner); a key made
    for a shipping clerk must not decide more than a shipping clerk does in the pages.
    """
    who = seller_caller(request, Perm.FULFIL_ORDERS)
    if who.token.role not in DECIDERS:
        raise PermissionDenied(f"This key's role ({who.token.role}) may not accept, refuse or refund.")
    return who
