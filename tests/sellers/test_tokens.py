"""API keys: shown once and stored as a hash, scoped to a seller and a role, revocable."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from galerie.core.errors import InvalidInput, PermissionDenied
from galerie.core.models import OutboxEvent
from galerie.sellers.errors import ApiTokenNotFound, RoleTooHigh
from galerie.sellers.models import SellerApiToken, SellerMember
from galerie.sellers.services.tokens import (
    seller_api_token_authenticate,
    seller_api_token_create,
    seller_api_token_revoke,
    seller_api_token_use,
)
from tests.factories import make_seller, make_staff_member

pytestmark = pytest.mark.django_db
Role = SellerMember.Role


@pytest.fixture
def seller():
    return make_seller()


@pytest.fixture
def owner(seller):
    return make_staff_member(seller, Role.OWNER)


def _every_stored_value() -> str:
    """Every column of every API key row, as the database returns it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SellerApiToken._meta.db_table}")
        return repr(cursor.fetchall())


def test_the_raw_key_is_never_stored_only_its_hash_and_prefix(seller, owner):
    token, raw_key = seller_api_token_create(seller_id=seller.pk, name="ERP", role=Role.MANAGER, by=owner)

    assert raw_key.startswith("glr_") and len(raw_key) == 4 + 43
    assert token.prefix == raw_key[4:12]
    assert token.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    stored = _every_stored_value()
    assert raw_key not in stored and raw_key[4:] not in stored
    assert token.key_hash in stored
    event = OutboxEvent.objects.get(topic="seller.api_token_created")
    assert raw_key not in str(event.payload)


def test_authenticate_gives_the_seller_and_role_until_the_key_is_revoked(seller, owner):
    token, raw_key = seller_api_token_create(
        seller_id=seller.pk, name="ERP", role=Role.SHIPPING_CLERK, by=owner
    )

    assert seller_api_token_authenticate(raw_key=raw_key) == (seller, Role.SHIPPING_CLERK)
    seller_api_token_revoke(token_id=token.pk, seller_id=seller.pk, by=owner)
    seller_api_token_revoke(token_id=token.pk, seller_id=seller.pk, by=owner)  # idempotent

    assert seller_api_token_authenticate(raw_key=raw_key) is None
    assert seller_api_token_use(raw_key=raw_key) is None
    assert OutboxEvent.objects.filter(topic="seller.api_token_revoked").count() == 1


def test_a_closed_sellers_keys_stop_working(seller, owner):
    _token, raw_key = seller_api_token_create(seller_id=seller.pk, name="ERP", role=Role.MANAGER, by=owner)
    type(seller).objects.filter(pk=seller.pk).update(status="closed")
    assert seller_api_token_authenticate(raw_key=raw_key) is None


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=80))
def test_anything_that_is_not_a_live_key_is_refused(text):
    assert seller_api_token_authenticate(raw_key=text) is None
    assert seller_api_token_authenticate(raw_key="glr_" + text) is None


def test_use_notes_the_time_at_most_once_a_minute(seller, owner):
    token, raw_key = seller_api_token_create(seller_id=seller.pk, name="ERP", role=Role.MANAGER, by=owner)
    first = timezone.now()

    used = seller_api_token_use(raw_key=raw_key, now=first)
    assert (used.seller, used.role, used.created_by) == (seller, Role.MANAGER, owner)
    seller_api_token_use(raw_key=raw_key, now=first + timedelta(seconds=30))
    token.refresh_from_db()
    assert token.last_used_at == first
    later = first + timedelta(seconds=61)
    seller_api_token_use(raw_key=raw_key, now=later)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_authenticate_does_not_write(seller, owner, django_assert_num_queries):
    token, raw_key = seller_api_token_create(seller_id=seller.pk, name="ERP", role=Role.MANAGER, by=owner)
    with django_assert_num_queries(1):
        seller_api_token_authenticate(raw_key=raw_key)
    token.refresh_from_db()
    assert token.last_used_at is None


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SHIPPING_CLERK])
def test_only_owners_create_or_revoke_keys(seller, owner, role):
    token, _raw = seller_api_token_create(seller_id=seller.pk, name="ERP", role=Role.MANAGER, by=owner)
    other = make_staff_member(seller, role)
    with pytest.raises(PermissionDenied):
        seller_api_token_create(seller_id=seller.pk, name="Mine", role=Role.SHIPPING_CLERK, by=other)
    with pytest.raises(PermissionDenied):
        seller_api_token_revoke(token_id=token.pk, seller_id=seller.pk, by=other)
    assert SellerApiToken.objects.count() == 1 and SellerApiToken.objects.get().revoked_at is None


def test_a_key_cannot_exceed_its_creators_role(seller, owner, monkeypatch):
    # Owners hold every role; should managers ever manage keys, they could not mint an owner key.
    from galerie.sellers import access

    monkeypatch.setitem(access.ROLE_PERMS, Role.MANAGER, access.ROLE_PERMS[Role.OWNER])
    manager = make_staff_member(seller, Role.MANAGER)
    with pytest.raises(RoleTooHigh):
        seller_api_token_create(seller_id=seller.pk, name="Too much", role=Role.OWNER, by=manager)
    _token, _raw = seller_api_token_create(seller_id=seller.pk, name="Fine", role=Role.MANAGER, by=manager)
    assert list(SellerApiToken.objects.values_list("name", flat=True)) == ["Fine"]


def test_bad_input_names_the_field_and_creates_nothing(seller, owner):
    with pytest.raises(InvalidInput) as error:
        seller_api_token_create(seller_id=seller.pk, name="  ", role=Role.MANAGER, by=owner)
    assert error.value.field == "name"
    with pytest.raises(InvalidInput) as error:
        seller_api_token_create(seller_id=seller.pk, name="ERP", role="root", by=owner)
    assert error.value.field == "role"
    assert not SellerApiToken.objects.exists()


def test_another_sellers_key_is_not_found_and_stays_live(seller, owner):
    other = make_seller()
    other_owner = make_staff_member(other, Role.OWNER)
    token, raw_key = seller_api_token_create(
        seller_id=other.pk, name="B's", role=Role.MANAGER, by=other_owner
    )
    with pytest.raises(ApiTokenNotFound):
        seller_api_token_revoke(token_id=token.pk, seller_id=seller.pk, by=owner)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert seller_api_token_authenticate(raw_key=raw_key) == (other, Role.MANAGER)


def test_a_removed_or_demoted_members_keys_stop_working(seller, owner):
    from galerie.sellers.services.staff import seller_member_remove, seller_member_role_set

    second = make_staff_member(seller, Role.OWNER)
    _, owner_key = seller_api_token_create(seller_id=seller.pk, name="ERP", role=Role.OWNER, by=second)
    _, clerk_key = seller_api_token_create(
        seller_id=seller.pk, name="Labels", role=Role.SHIPPING_CLERK, by=second
    )
    _, other_key = seller_api_token_create(seller_id=seller.pk, name="Mine", role=Role.OWNER, by=owner)
    member = SellerMember.objects.get(seller=seller, user=second)

    seller_member_role_set(member_id=member.pk, seller_id=seller.pk, role=Role.MANAGER, by=owner)
    assert seller_api_token_authenticate(raw_key=owner_key) is None  # above a manager now
    assert seller_api_token_authenticate(raw_key=clerk_key) == (seller, Role.SHIPPING_CLERK)

    seller_member_remove(member_id=member.pk, seller_id=seller.pk, by=owner)
    assert seller_api_token_authenticate(raw_key=clerk_key) is None
    assert seller_api_token_authenticate(raw_key=other_key) == (seller, Role.OWNER)  # not theirs
    revoked = OutboxEvent.objects.filter(topic="seller.api_tokens_revoked").order_by("pk")
    assert [len(e.payload["token_ids"]) for e in revoked] == [1, 1]
