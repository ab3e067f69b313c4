"""Who may manage which webhooks: the one permission check of the app.

A seller's endpoints are managed by its members whose role has ``Perm.MANAGE_TOKENS`` (the
owners: webhooks, like API keys, connect the shop to other programs); the operator's endpoints
(``seller_id`` None) and the dead-letter list across all endpoints by active operator staff.
Galerie acting (:class:`System`, e.g. the API for a key whose role it checked) may.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from galerie.core.actors import Actor, System
from galerie.core.errors import PermissionDenied
from galerie.sellers.access import ROLE_PERMS, Perm
from galerie.sellers.models import SellerMember

WEBHOOKS_PERM = Perm.MANAGE_TOKENS


def is_operator(by: Actor) -> bool:
    """Whether ``by`` acts for the operator (Galerie itself, or active staff)."""
    if isinstance(by, System):
        return True
    return bool(by.pk is not None and by.is_active and getattr(by, "is_staff", False))


def webhooks_manager_check(*, seller_id: int | None, by: Actor) -> None:
    """Raise PermissionDenied unless ``by`` may manage the webhooks of ``seller_id`` (None: the
    operator's)."""
    if isinstance(by, System):
        return
    if seller_id is None:
        if not is_operator(by):
            raise PermissionDenied(_("Only the marketplace's staff manage its webhooks."))
        return
    role = (
        SellerMember.objects.filter(seller_id=seller_id, user_id=by.pk, user__is_active=True)
        .values_list("role", flat=True)
        .first()
    )
    if WEBHOOKS_PERM not in ROLE_PERMS.get(role or "", frozenset()):
        raise PermissionDenied(_("Only the shop's owners manage its webhooks."))
