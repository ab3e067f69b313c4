"""A seller's staff: invitations by e-mail, roles, removal (docs/seller-staff-and-keys.md).

The invitation link carries a token the database never holds: the row keeps its SHA-256, the
outbox event keeps a random nonce, and the token is an HMAC of that nonce under SECRET_KEY, so
the e-mail handler can rebuild the link while neither a copy of the database nor of the outbox
alone can. Every change locks the seller's row first (one staff change at a time per seller,
so the "at least one owner" count cannot race) and emits an outbox event (the audit trail).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.errors import InvalidInput, PermissionDenied, full_clean
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.sellers.access import ROLE_PERMS, Perm
from galerie.sellers.errors import (
    AlreadyMember,
    InvitationAlreadyOpen,
    InvitationNotFound,
    LastOwner,
    MemberNotFound,
    SellerNotFound,
)
from galerie.sellers.models import Seller, SellerInvitation, SellerMember
from galerie.sellers.services.tokens import seller_api_tokens_revoke_beyond

Role = SellerMember.Role
INVITATION_DAYS = 7
INVITATION_SALT = "galerie.sellers.invitation"


# --- the token -------------------------------------------------------------------------------


def invitation_token(nonce: str, *, secret: str | None = None) -> str:
    """Return the link token for ``nonce``: a URL-safe HMAC-SHA256 of it under SECRET_KEY."""
    digest = salted_hmac(INVITATION_SALT, nonce, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """Return the SHA-256 (hex) stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token_rebuild(*, invitation: SellerInvitation, nonce: str) -> str | None:
    """Return the token of ``invitation`` from its event's nonce, or None if no key matches its hash.

    Tries SECRET_KEY then SECRET_KEY_FALLBACKS, so a key rotated between the invitation and its
    e-mail still works while the old key is kept as a fallback.
    """
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        token = invitation_token(nonce, secret=secret)
        if hmac.compare_digest(token_hash(token), invitation.token_hash):
            return token
    return None


# --- reads (selectors: they never write) -------------------------------------------------------


def seller_members_for(*, seller: Seller) -> QuerySet[SellerMember]:
    """Return the seller's members with their users, owners first."""
    order = {Role.OWNER: 0, Role.MANAGER: 1, Role.SHIPPING_CLERK: 2}
    rank = Case(*(When(role=r, then=Value(n)) for r, n in order.items()), output_field=IntegerField())
    return (
        SellerMember.objects.filter(seller=seller)
        .select_related("user")
        .annotate(role_rank=rank)
        .order_by("role_rank", "user__email")
    )


def seller_member_get(*, seller: Seller, member_id: int) -> SellerMember:
    """Return one of the seller's members with its user; raise MemberNotFound for anyone else's."""
    try:
        return SellerMember.objects.select_related("user").get(seller=seller, pk=member_id)
    except SellerMember.DoesNotExist:
        raise MemberNotFound(_("This shop has no such member.")) from None


def seller_invitations_open_for(*, seller: Seller) -> QuerySet[SellerInvitation]:
    """Return the seller's invitations neither accepted nor revoked (expired ones included), newest first."""
    return (
        SellerInvitation.objects.filter(seller=seller, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-id")
    )


def seller_invitation_get_by_token(*, token: str, user: User | None = None) -> SellerInvitation:
    """Return the invitation a link's token names, if it can still be accepted (or ``user`` took it).

    Raises InvitationNotFound, whose message says why (unknown, withdrawn, expired, used).
    """
    try:
        invitation = SellerInvitation.objects.select_related("seller").get(token_hash=token_hash(token))
    except SellerInvitation.DoesNotExist:
        raise InvitationNotFound(
            _("This invitation link is not valid: check that it was copied whole, or ask for a new one.")
        ) from None
    _check_open(invitation, user)
    return invitation


def _check_open(invitation: SellerInvitation, user: User | None) -> None:
    if invitation.accepted_at is not None:
        if user is not None and user.pk == invitation.accepted_by_id:
            return  # the same user again: nothing more to do
        raise InvitationNotFound(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise InvitationNotFound(_("This invitation was withdrawn by the shop."))
    if invitation.expires_at <= timezone.now():
        raise InvitationNotFound(
            _("This invitation expired on %(date)s: ask the shop to invite you again.")
            % {"date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")}
        )
    if invitation.seller.status == Seller.Status.CLOSED:
        raise InvitationNotFound(_("This shop is closed."))


# --- writes ----------------------------------------------------------------------------------


def _lock_seller(seller_id: int) -> Seller:
    try:
        return lock_row(Seller.objects.all(), seller_id)
    except Seller.DoesNotExist:
        raise SellerNotFound(f"There is no seller {seller_id}.") from None


def _require_staff_manager(seller_id: int, by: User) -> None:
    """Raise PermissionDenied unless ``by`` is a member of the seller whose role manages staff."""
    role = SellerMember.objects.filter(seller_id=seller_id, user_id=by.pk).values_list("role", flat=True)
    if Perm.MANAGE_STAFF not in ROLE_PERMS.get(next(iter(role), ""), frozenset()):
        raise PermissionDenied(_("Only the shop's owners manage its staff."))


def _clean_role(role: str) -> str:
    if role not in Role.values:
        names = ", ".join(str(label) for _value, label in Role.choices)
        raise InvalidInput({"role": [_("Choose one of the roles: %(names)s.") % {"names": names}]})
    return role


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput({"email": [_("Type a valid e-mail address, e.g. name@example.com.")]}) from None
    return email


@transaction.atomic
def seller_member_add(*, seller: Seller, user: User, role: str) -> SellerMember:
    """Give a user a role at a seller."""
    member = SellerMember(seller=seller, user=user, role=role)
    full_clean(member)
    member.save()
    emit("seller.member_added", seller_id=seller.pk, user_id=user.pk, role=role)
    return member


@transaction.atomic
def seller_invitation_create(
    *, seller_id: int, email: str, role: str, by: User
) -> tuple[SellerInvitation, str]:
    """Invite ``email`` to the seller's staff with ``role``; return the invitation and its raw token.

    Only the token's hash is stored; the e-mail goes out from the ``seller.invitation_created``
    event. An open, unexpired invitation to the same address or an existing member raises; an
    expired open one is withdrawn and replaced. Locks the seller's row.
    """
    email, role = _clean_email(email), _clean_role(role)
    seller = _lock_seller(seller_id)
    _require_staff_manager(seller.pk, by)
    member = SellerMember.objects.filter(seller=seller, user__email__iexact=email).first()
    if member is not None:
        raise AlreadyMember(
            _("%(email)s already works for this shop (%(role)s): change their role instead.")
            % {"email": email, "role": member.get_role_display()},
            field="email",
        )
    now = timezone.now()
    current = seller_invitations_open_for(seller=seller).filter(email=email).first()
    if current is not None and current.expires_at > now:
        raise InvitationAlreadyOpen(
            _("%(email)s already has an open invitation (until %(date)s): withdraw it to send a new one.")
            % {"email": email, "date": timezone.localtime(current.expires_at).strftime("%Y-%m-%d")},
            field="email",
        )
    if current is not None:  # expired: withdraw it so the new one can be the open one
        current.revoked_at = now
        current.save(update_fields=["revoked_at"])
        emit("seller.invitation_revoked", invitation_id=current.pk, seller_id=seller.pk, expired=True)
    nonce = secrets.token_urlsafe(32)
    token = invitation_token(nonce)
    invitation = SellerInvitation(
        seller=seller,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=by,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise InvitationAlreadyOpen(
            _("%(email)s already has an open invitation to this shop.") % {"email": email}, field="email"
        ) from None
    emit(
        "seller.invitation_created",
        invitation_id=invitation.pk,
        seller_id=seller.pk,
        role=role,
        by_user_id=by.pk,
        nonce=nonce,  # not the token: the token is an HMAC of it under SECRET_KEY
    )
    return invitation, token


@transaction.atomic
def seller_invitation_accept(*, token: str, user: User) -> SellerMember:
    """Make ``user`` a member with the invited role; accepting again as the same user returns the member.

    Raises InvitationNotFound (unknown, expired, withdrawn, used by someone else) or AlreadyMember.
    The signed-in user's address need not be the invited one: whoever holds the link may accept.
    """
    try:
        found = SellerInvitation.objects.get(token_hash=token_hash(token))
    except SellerInvitation.DoesNotExist:
        raise InvitationNotFound(_("This invitation link is not valid.")) from None
    _lock_seller(found.seller_id)
    invitation = lock_row(SellerInvitation.objects.select_related("seller"), found.pk)
    _check_open(invitation, user)
    if invitation.accepted_at is not None:  # the same user, a second time
        member = SellerMember.objects.filter(seller_id=invitation.seller_id, user=user).first()
        if member is not None:
            return member
        raise InvitationNotFound(_("This invitation has already been used."))
    existing = SellerMember.objects.filter(seller_id=invitation.seller_id, user=user).first()
    if existing is not None:
        raise AlreadyMember(
            _("You already work for %(shop)s as %(role)s.")
            % {"shop": invitation.seller.display_name, "role": existing.get_role_display()}
        )
    member = seller_member_add(seller=invitation.seller, user=user, role=invitation.role)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    emit(
        "seller.invitation_accepted",
        invitation_id=invitation.pk,
        seller_id=invitation.seller_id,
        user_id=user.pk,
        member_id=member.pk,
        role=member.role,
    )
    return member


@transaction.atomic
def seller_invitation_revoke(*, invitation_id: int, seller_id: int, by: User) -> SellerInvitation:
    """Withdraw an open invitation of the seller; raise InvitationNotFound if it is not the seller's."""
    _lock_seller(seller_id)
    _require_staff_manager(seller_id, by)
    try:
        invitation = lock_row(SellerInvitation.objects.filter(seller_id=seller_id), invitation_id)
    except SellerInvitation.DoesNotExist:
        raise InvitationNotFound(_("This shop has no such invitation.")) from None
    if invitation.revoked_at is not None:
        return invitation  # a retried request: already done
    if invitation.accepted_at is not None:
        raise InvalidInput(
            {"__all__": [_("This invitation was already accepted: remove the member instead.")]}
        )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    emit(
        "seller.invitation_revoked",
        invitation_id=invitation.pk,
        seller_id=seller_id,
        by_user_id=by.pk,
    )
    return invitation


def _lock_member(member_id: int, seller_id: int) -> SellerMember:
    try:
        return lock_row(SellerMember.objects.filter(seller_id=seller_id).select_related("user"), member_id)
    except SellerMember.DoesNotExist:
        raise MemberNotFound(_("This shop has no such member.")) from None


def _other_owners(member: SellerMember) -> int:
    return (
        SellerMember.objects.filter(seller_id=member.seller_id, role=Role.OWNER).exclude(pk=member.pk).count()
    )


@transaction.atomic
def seller_member_role_set(*, member_id: int, seller_id: int, role: str, by: User) -> SellerMember:
    """Change a member's role; raise LastOwner rather than leave the seller without an owner."""
    role = _clean_role(role)
    _lock_seller(seller_id)
    _require_staff_manager(seller_id, by)
    member = _lock_member(member_id, seller_id)
    if member.role == role:
        return member
    if member.role == Role.OWNER and not _other_owners(member):
        raise LastOwner(
            _("%(email)s is the shop's only owner: make someone else owner first.")
            % {"email": member.user.email},
            field="role",
        )
    previous, member.role = member.role, role
    member.save(update_fields=["role"])
    # A key never does more than the person who made it may do now.
    seller_api_tokens_revoke_beyond(seller_id=seller_id, user_id=member.user_id, role=role)
    emit(
        "seller.member_role_changed",
        seller_id=seller_id,
        member_id=member.pk,
        user_id=member.user_id,
        from_role=previous,
        to_role=role,
        by_user_id=by.pk,
    )
    return member


@transaction.atomic
def seller_member_remove(*, member_id: int, seller_id: int, by: User) -> None:
    """Remove a member from the seller's staff; raise LastOwner for its only owner (even oneself)."""
    _lock_seller(seller_id)
    _require_staff_manager(seller_id, by)
    member = _lock_member(member_id, seller_id)
    if member.role == Role.OWNER and not _other_owners(member):
        raise LastOwner(
            _("%(email)s is the shop's only owner and cannot be removed: make someone else owner first.")
            % {"email": member.user.email}
        )
    payload = {"seller_id": seller_id, "member_id": member.pk, "user_id": member.user_id, "role": member.role}
    member.delete()
    seller_api_tokens_revoke_beyond(seller_id=seller_id, user_id=member.user_id, role=None)
    emit("seller.member_removed", **payload, by_user_id=by.pk)


@transaction.atomic
def seller_member_notifications_set(
    *, member_id: int, seller_id: int, notify_new_orders: bool, by: User
) -> SellerMember:
    """Turn a member's new-order e-mails on or off; the member may do it for themself, staff managers
    for anyone of the shop. Raise PermissionDenied for anyone else, MemberNotFound for another shop's."""
    _lock_seller(seller_id)
    member = _lock_member(member_id, seller_id)
    if member.user_id != by.pk:
        _require_staff_manager(seller_id, by)
    if member.notify_new_orders == notify_new_orders:
        return member  # a retried request: already done
    member.notify_new_orders = notify_new_orders
    member.save(update_fields=["notify_new_orders"])
    emit(
        "seller.member_notifications_changed",
        seller_id=seller_id,
        member_id=member.pk,
        user_id=member.user_id,
        notify_new_orders=notify_new_orders,
        by_user_id=by.pk,
    )
    return member
