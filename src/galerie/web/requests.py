"""The request as Galerie's middleware and view decorators leave it, for type checking.

Django hands every view a plain ``HttpRequest``; these classes are never instantiated. They
name the attributes that ``StorefrontMiddleware`` (``storefront_id_from_host``),
:func:`~galerie.web.views.decorators.storefront_view` (``storefront``) and
:func:`~galerie.web.views.seller.access.seller_view` (``seller_access``, a signed-in ``user``)
and :func:`~galerie.web.views.back_office.access.operator_view` (an operator ``user``) set or
guarantee, so that a view annotates ``request`` with what it may read.
"""

from __future__ import annotations

from django.http import HttpRequest

from galerie.accounts.models import User
from galerie.sellers.access import SellerAccess
from galerie.storefronts.middleware import HostRoutedRequest
from galerie.storefronts.models import Storefront


class StorefrontRequest(HostRoutedRequest):
    """A request to a storefront's page: ``storefront`` is the (visible) storefront browsed."""

    storefront: Storefront


class OperatorRequest(HttpRequest):
    """A request to the back office past its gate: an active operator staff member."""

    user: User  # operator_view lets only active staff in


class SellerRequest(HostRoutedRequest):
    """A request to the seller area past its gate: a signed-in member and their access."""

    user: User  # seller_view lets no anonymous visitor in
    seller_access: SellerAccess
