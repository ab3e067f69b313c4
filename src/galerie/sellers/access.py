"""Who may do what in the seller area: every permission check of the portal lives here.

A user works for a seller through a :class:`SellerMember` row with a role. The portal acts for
one seller at a time (the *current* seller, kept in the session); every page asks
:func:`seller_access_for` for it and checks one :class:`Perm`. An unknown role has no
permission: an empty list denies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser

from galerie.accounts.models import User
from galerie.core.errors import PermissionDenied
from galerie.sellers.models import Seller, SellerMember

Role = SellerMember.Role


class Perm(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_ORDERS = "view_orders"
    FULFIL_ORDERS = "fulfil_orders"  # accept, refuse, ship, packing slips
    VIEW_OFFERS = "view_offers"
    EDIT_OFFERS = "edit_offers"  # prices, stock, new offers, imports, product proposals
    VIEW_MONEY = "view_money"  # balances, payouts, statements
    EDIT_SHOP = "edit_shop"  # shop page settings
    MANAGE_STAFF = "manage_staff"
    MANAGE_TOKENS = "manage_tokens"


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.MANAGER: frozenset(Perm) - {Perm.MANAGE_STAFF, Perm.MANAGE_TOKENS},
    # A shipping clerk packs and ships: no prices, no money.
    Role.SHIPPING_CLERK: frozenset({Perm.VIEW_DASHBOARD, Perm.VIEW_ORDERS, Perm.FULFIL_ORDERS}),
}

# Statuses in which the portal is open; an applicant sees only its application page.
PORTAL_STATUSES = frozenset({Seller.Status.APPROVED, Seller.Status.ACTIVE, Seller.Status.SUSPENDED})
APPLICANT_STATUSES = frozenset({Seller.Status.APPLIED, Seller.Status.INFO_REQUESTED, Seller.Status.REJECTED})


class NotASellerMember(PermissionDenied):
    code = "not_a_seller_member"


@dataclass(frozen=True)
class SellerAccess:
    """The signed-in member acting for one seller, and what their role lets them do."""

    seller: Seller
    member: SellerMember
    perms: frozenset[Perm]
    memberships: tuple[SellerMember, ...] = ()  # every shop the user works for (the switcher)

    @property
    def role(self) -> str:
        return self.member.role

    def can(self, perm: Perm) -> bool:
        return perm in self.perms

    def require(self, perm: Perm) -> None:
        """Raise PermissionDenied unless the member's role grants ``perm``."""
        if perm not in self.perms:
            raise PermissionDenied(f"Your role ({self.member.get_role_display()}) does not allow this.")


def memberships_for(user: User | AnonymousUser) -> list[SellerMember]:
    """Return the user's memberships of sellers that are not closed, by shop name."""
    if not user.is_authenticated:
        return []
    return list(
        SellerMember.objects.filter(user=user)
        .exclude(seller__status=Seller.Status.CLOSED)
        .select_related("seller")
        .order_by("seller__display_name", "seller_id")
    )


def seller_access_for(user: User | AnonymousUser, *, seller_id: int | None = None) -> SellerAccess:
    """Return the user's access to ``seller_id`` (or to their first seller when None or not theirs).

    Raises NotASellerMember when the user works for no seller at all.
    """
    members = memberships_for(user)
    if not members:
        raise NotASellerMember("This account does not work for any shop.")
    member = next((m for m in members if m.seller_id == seller_id), members[0])
    return SellerAccess(
        seller=member.seller,
        member=member,
        perms=ROLE_PERMS.get(member.role, frozenset()),
        memberships=tuple(members),
    )


def seller_access_switch(user: User | AnonymousUser, *, slug: str) -> SellerAccess:
    """Return the user's access to the seller with ``slug``; raise NotASellerMember if not theirs."""
    members = memberships_for(user)
    for member in members:
        if member.seller.slug == slug:
            return SellerAccess(
                seller=member.seller,
                member=member,
                perms=ROLE_PERMS.get(member.role, frozenset()),
                memberships=tuple(members),
            )
    raise NotASellerMember("You do not work for this shop.")
