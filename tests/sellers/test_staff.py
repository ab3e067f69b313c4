"""Staff services: invitations (token never stored, expiry, one open per address), roles, last owner."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.core.delivery import outbox_deliver_batch
from galerie.core.errors import InvalidInput, PermissionDenied
from galerie.core.models import OutboxEvent
from galerie.notifications.handlers import HANDLERS
from galerie.sellers.errors import (
    AlreadyMember,
    InvitationAlreadyOpen,
    InvitationNotFound,
    LastOwner,
    MemberNotFound,
)
from galerie.sellers.models import SellerInvitation, SellerMember
from galerie.sellers.services.staff import (
    invitation_token_rebuild,
    seller_invitation_accept,
    seller_invitation_create,
    seller_invitation_get_by_token,
    seller_invitation_revoke,
    seller_member_remove,
    seller_member_role_set,
)
from tests.factories import make_seller, make_staff_member, make_user

pytestmark = pytest.mark.django_db
Role = SellerMember.Role
TOPICS = {"seller.invitation_created": HANDLERS["seller.invitation_created"]}


def deliver() -> None:
    while outbox_deliver_batch(TOPICS, batch=500).claimed:
        pass


@pytest.fixture
def seller():
    return make_seller()


@pytest.fixture
def owner(seller):
    return make_staff_member(seller, Role.OWNER)


def _members(seller) -> list[tuple[int, str]]:
    return sorted(SellerMember.objects.filter(seller=seller).values_list("user_id", "role"))


def test_an_invitation_stores_only_the_hash_of_its_token_and_expires_in_seven_days(seller, owner):
    invitation, token = seller_invitation_create(
        seller_id=seller.pk, email=" New.Clerk@Example.TEST ", role=Role.SHIPPING_CLERK, by=owner
    )
    assert len(token) >= 43
    assert invitation.email == "new.clerk@example.test"
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = SellerInvitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in str(row)
    assert abs(invitation.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(seconds=5)
    # The event carries a nonce, not the token; the handler rebuilds the token from it.
    event = OutboxEvent.objects.get(topic="seller.invitation_created")
    assert token not in str(event.payload)
    assert invitation_token_rebuild(invitation=invitation, nonce=event.payload["nonce"]) == token
    assert invitation_token_rebuild(invitation=invitation, nonce="another nonce") is None


def test_accepting_adds_the_member_with_the_role_and_a_second_accept_is_idempotent(seller, owner):
    _invitation, token = seller_invitation_create(
        seller_id=seller.pk, email="m@example.test", role=Role.MANAGER, by=owner
    )
    user = make_user(email="someone.else@example.test")  # the address need not match

    member = seller_invitation_accept(token=token, user=user)
    again = seller_invitation_accept(token=token, user=user)

    assert member.pk == again.pk and member.role == Role.MANAGER and member.seller_id == seller.pk
    invitation = SellerInvitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert OutboxEvent.objects.filter(topic="seller.invitation_accepted").count() == 1
    # Somebody else with the same link: refused, nothing changes.
    before = _members(seller)
    with pytest.raises(InvitationNotFound, match="already been used"):
        seller_invitation_accept(token=token, user=make_user())
    assert _members(seller) == before


@pytest.mark.parametrize("case", ["expired", "revoked", "garbage", "closed"])
def test_unusable_invitations_are_refused_and_change_nothing(seller, owner, case):
    invitation, token = seller_invitation_create(
        seller_id=seller.pk, email="x@example.test", role=Role.OWNER, by=owner
    )
    if case == "expired":
        SellerInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif case == "revoked":
        seller_invitation_revoke(invitation_id=invitation.pk, seller_id=seller.pk, by=owner)
    elif case == "garbage":
        token = token[:-2] + "xx"
    else:
        type(seller).objects.filter(pk=seller.pk).update(status="closed")
    before = _members(seller)
    user = make_user()
    with pytest.raises(InvitationNotFound):
        seller_invitation_get_by_token(token=token, user=user)
    with pytest.raises(InvitationNotFound):
        seller_invitation_accept(token=token, user=user)
    assert _members(seller) == before
    assert not SellerInvitation.objects.filter(accepted_at__isnull=False).exists()


def test_one_open_invitation_per_address_and_members_cannot_be_invited(seller, owner):
    seller_invitation_create(seller_id=seller.pk, email="a@example.test", role=Role.MANAGER, by=owner)
    with pytest.raises(InvitationAlreadyOpen, match="already has an open invitation") as error:
        seller_invitation_create(seller_id=seller.pk, email="A@example.test", role=Role.OWNER, by=owner)
    assert error.value.field == "email"
    with pytest.raises(AlreadyMember, match="already works for this shop"):
        seller_invitation_create(seller_id=seller.pk, email=owner.email.upper(), role=Role.MANAGER, by=owner)
    assert SellerInvitation.objects.count() == 1


def test_an_expired_open_invitation_is_replaced_by_a_new_one(seller, owner):
    old, _token = seller_invitation_create(
        seller_id=seller.pk, email="a@example.test", role=Role.MANAGER, by=owner
    )
    SellerInvitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    new, _token = seller_invitation_create(
        seller_id=seller.pk, email="a@example.test", role=Role.OWNER, by=owner
    )

    old.refresh_from_db()
    assert old.revoked_at is not None and new.pk != old.pk and new.role == Role.OWNER


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SHIPPING_CLERK])
def test_only_owners_invite_and_bad_input_is_named(seller, role):
    not_owner = make_staff_member(seller, role)
    with pytest.raises(PermissionDenied):
        seller_invitation_create(seller_id=seller.pk, email="a@example.test", role=Role.MANAGER, by=not_owner)
    owner = make_staff_member(seller, Role.OWNER)
    with pytest.raises(InvalidInput) as error:
        seller_invitation_create(seller_id=seller.pk, email="not an address", role=Role.MANAGER, by=owner)
    assert error.value.field == "email"
    with pytest.raises(InvalidInput) as error:
        seller_invitation_create(seller_id=seller.pk, email="a@example.test", role="admin", by=owner)
    assert error.value.field == "role"
    assert not SellerInvitation.objects.exists()


def test_the_last_owner_can_be_neither_demoted_nor_removed_even_by_themselves(seller, owner):
    member = SellerMember.objects.get(user=owner)
    with pytest.raises(LastOwner):
        seller_member_role_set(member_id=member.pk, seller_id=seller.pk, role=Role.MANAGER, by=owner)
    with pytest.raises(LastOwner):
        seller_member_remove(member_id=member.pk, seller_id=seller.pk, by=owner)
    assert _members(seller) == [(owner.pk, Role.OWNER)]
    # With a second owner, the first may step down, then leave.
    second = make_staff_member(seller, Role.OWNER)
    seller_member_role_set(member_id=member.pk, seller_id=seller.pk, role=Role.MANAGER, by=owner)
    seller_member_remove(member_id=member.pk, seller_id=seller.pk, by=second)
    assert _members(seller) == [(second.pk, Role.OWNER)]
    topics = list(OutboxEvent.objects.values_list("topic", flat=True))
    assert "seller.member_role_changed" in topics and "seller.member_removed" in topics


def test_another_sellers_member_or_invitation_is_not_found_and_unchanged(seller, owner):
    other = make_seller()
    other_owner = make_staff_member(other, Role.OWNER)
    clerk = make_staff_member(other, Role.SHIPPING_CLERK)
    invitation, _token = seller_invitation_create(
        seller_id=other.pk, email="z@example.test", role=Role.MANAGER, by=other_owner
    )
    clerk_member = SellerMember.objects.get(user=clerk)
    with pytest.raises(MemberNotFound):
        seller_member_role_set(member_id=clerk_member.pk, seller_id=seller.pk, role=Role.OWNER, by=owner)
    with pytest.raises(MemberNotFound):
        seller_member_remove(member_id=clerk_member.pk, seller_id=seller.pk, by=owner)
    with pytest.raises(InvitationNotFound):
        seller_invitation_revoke(invitation_id=invitation.pk, seller_id=seller.pk, by=owner)
    clerk_member.refresh_from_db()
    invitation.refresh_from_db()
    assert clerk_member.role == Role.SHIPPING_CLERK and invitation.revoked_at is None


def test_the_invitation_email_reaches_the_invitee_with_a_working_link(seller, owner, smtp_inbox):
    _invitation, token = seller_invitation_create(
        seller_id=seller.pk, email="invitee@example.test", role=Role.MANAGER, by=owner
    )
    deliver()
    OutboxEvent.objects.filter(topic="seller.invitation_created").update(delivered_at=None)
    deliver()  # delivered twice: e-mailed once

    [message] = smtp_inbox.to("invitee@example.test")
    text = message.get_body(("plain",)).get_content()
    assert f"/sell/invitation/{token}/" in text
    assert seller.display_name in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert f"/sell/invitation/{token}/" in html


def test_no_email_for_an_invitation_withdrawn_before_the_worker_ran(seller, owner, smtp_inbox):
    invitation, _token = seller_invitation_create(
        seller_id=seller.pk, email="late@example.test", role=Role.MANAGER, by=owner
    )
    seller_invitation_revoke(invitation_id=invitation.pk, seller_id=seller.pk, by=owner)
    deliver()
    assert smtp_inbox.to("late@example.test") == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    import threading

    from django.db import connections

    seller = make_seller()
    first, second = make_staff_member(seller, Role.OWNER), make_staff_member(seller, Role.OWNER)
    members = {u.pk: SellerMember.objects.get(user=u).pk for u in (first, second)}
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor, target) -> None:
        try:
            barrier.wait()
            seller_member_role_set(
                member_id=members[target.pk], seller_id=seller.pk, role=Role.MANAGER, by=actor
            )
            outcomes.append("demoted")
        except (LastOwner, PermissionDenied):
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=demote, args=pair) for pair in ((first, second), (second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["demoted", "refused"]
    assert SellerMember.objects.filter(seller=seller, role=Role.OWNER).count() == 1
