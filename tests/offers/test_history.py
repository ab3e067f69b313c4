"""Offers' one door: every change checks who acts, follows the status table and writes its history."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from galerie.core.actors import System
from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.core.models import StatusChange
from galerie.core.money import Money
from galerie.offers.errors import OfferEditDenied, OfferOutOfStock
from galerie.offers.imports import offer_import_create, offer_import_run
from galerie.offers.models import Offer, OfferChange, OfferImport, PriceHistory
from galerie.offers.services import (
    offer_price_set,
    offer_sku_set,
    offer_status_set,
    offer_stock_set,
    offer_update,
    offers_stock_release,
    offers_stock_take,
)
from galerie.sellers.models import SellerMember
from tests.factories import TESTS, make_offer, make_seller, make_staff_member, make_user

pytestmark = pytest.mark.django_db
Role = SellerMember.Role
Status = Offer.Status


def rows(offer: Offer, *fields: str) -> list[tuple]:
    """The offer's history, oldest first: (field, from, to, actor id, actor label, reason)."""
    changes = OfferChange.objects.filter(offer=offer).order_by("id")
    if fields:
        changes = changes.filter(field__in=fields)
    return list(changes.values_list("field", "from_value", "to_value", "actor_id", "actor_label", "reason"))


def state(offer: Offer) -> tuple:
    offer.refresh_from_db()
    return offer.price_minor, offer.stock, offer.status, offer.seller_sku


@pytest.fixture
def offer():
    return make_offer(price_minor=2000, stock=5)


@pytest.fixture
def owner(offer):
    return make_staff_member(offer.seller, Role.OWNER, email="owner@example.test")


@pytest.fixture
def clerk(offer):
    return make_staff_member(offer.seller, Role.SHIPPING_CLERK, email="clerk@example.test")


# --- history ----------------------------------------------------------------------------------


def test_creation_writes_a_created_row_naming_who(offer):
    assert rows(offer) == [("created", "", "active", None, "Galerie (tests)", "")]


def test_each_single_field_service_writes_its_row_with_the_acting_user(offer, owner):
    offer_price_set(offer_id=offer.pk, price=Money(1800, "EUR"), by=owner, reason="summer sale")
    offer_price_set(offer_id=offer.pk, price=Money(1800, "EUR"), by=owner)  # unchanged: no row
    offer_stock_set(offer_id=offer.pk, stock=9, by=owner)
    offer_sku_set(offer_id=offer.pk, seller_sku="SKU-9", by=owner)
    offer_status_set(offer_id=offer.pk, status=Status.PAUSED, by=owner)

    label = "owner@example.test"
    assert rows(offer)[1:] == [
        ("price", "2000", "1800", owner.pk, label, "summer sale"),
        ("stock", "5", "9", owner.pk, label, ""),
        ("seller_sku", "", "SKU-9", owner.pk, label, ""),
        ("status", "active", "paused", owner.pk, label, ""),
    ]
    # The price keeps its Omnibus history too, and the status move its StatusChange row.
    assert list(PriceHistory.objects.filter(offer=offer).values_list("price_minor", flat=True)) == [
        2000,
        1800,
    ]
    moves = StatusChange.objects.filter(model="offers.Offer", object_pk=str(offer.pk))
    assert list(moves.values_list("from_status", "to_status", "actor_id")) == [("active", "paused", owner.pk)]


def test_offer_update_writes_one_row_per_changed_field_or_nothing(offer, owner):
    offer_update(offer_id=offer.pk, by=owner, price=Money(2100, "EUR"), stock=5, status=Status.PAUSED)
    assert [r[:3] for r in rows(offer)[1:]] == [("price", "2000", "2100"), ("status", "active", "paused")]
    assert state(offer) == (2100, 5, "paused", "")

    before = rows(offer)
    with pytest.raises(InvalidInput, match="at least 0"):
        offer_update(offer_id=offer.pk, by=owner, price=Money(999, "EUR"), stock=-1, status=Status.ACTIVE)
    assert state(offer) == (2100, 5, "paused", "") and rows(offer) == before


def test_a_deleted_user_stays_named_in_the_history(offer):
    manager = make_staff_member(offer.seller, Role.MANAGER, email="gone@example.test")
    offer_stock_set(offer_id=offer.pk, stock=1, by=manager)
    manager.delete()
    assert rows(offer, "stock") == [("stock", "5", "1", None, "gone@example.test", "")]


def test_stock_take_and_release_move_many_offers_and_write_their_rows():
    seller = make_seller()
    a, b = make_offer(seller=seller, stock=3), make_offer(seller=seller, stock=1)
    checkout = System("checkout")
    offers_stock_take(lines={b.pk: 1, a.pk: 2}, by=checkout, reason="cart 7")
    assert (state(a)[1], state(b)[1]) == (1, 0)
    with pytest.raises(OfferOutOfStock) as short:
        offers_stock_take(lines={a.pk: 1, b.pk: 1}, by=checkout)
    assert short.value.offer_id == b.pk
    assert (state(a)[1], state(b)[1]) == (1, 0)  # all or none: a's unit was given back
    offers_stock_release(lines={a.pk: 2}, by=checkout, reason="attempt 3 not paid")
    assert rows(a, "stock") == [
        ("stock", "3", "1", None, "Galerie (checkout)", "cart 7"),
        ("stock", "1", "3", None, "Galerie (checkout)", "attempt 3 not paid"),
    ]
    assert rows(b, "stock") == [("stock", "1", "0", None, "Galerie (checkout)", "cart 7")]


def test_the_history_rows_of_a_take_are_one_statement(django_assert_num_queries):
    seller = make_seller()
    offers = [make_offer(seller=seller, stock=4) for _ in range(5)]
    # The savepoint and its release, 5 conditional UPDATEs returning the stock left, 1 INSERT of
    # the history rows, 1 INSERT of the 5 outbox events.
    with django_assert_num_queries(2 + 5 + 1 + 1):
        offers_stock_take(lines={o.pk: 1 for o in offers}, by=System("checkout"))
    assert OfferChange.objects.filter(field="stock").count() == 5


def test_an_import_writes_rows_naming_the_uploader(offer, owner):
    offer_sku_set(offer_id=offer.pk, seller_sku="BOOK-1", by=owner)
    upload = ContentFile(b"sku,price,stock\nBOOK-1,15,8\n", name="prices.csv")
    offer_import = offer_import_create(seller=offer.seller, by=owner, upload=upload)
    assert offer_import_run(import_id=offer_import.pk).status == OfferImport.Status.APPLIED
    reason = OfferChange.Reason.IMPORT
    assert rows(offer, "price", "stock") == [
        ("price", "2000", "1500", owner.pk, "owner@example.test", reason),
        ("stock", "5", "8", owner.pk, "owner@example.test", reason),
    ]


# --- the status table -------------------------------------------------------------------------


def test_a_closed_offer_cannot_be_reopened(offer, owner):
    offer_status_set(offer_id=offer.pk, status=Status.CLOSED, by=owner)
    for status in (Status.ACTIVE, Status.PAUSED):
        with pytest.raises(InvalidTransition, match="“Closed” is final"):
            offer_status_set(offer_id=offer.pk, status=status, by=owner)
        with pytest.raises(InvalidTransition):
            offer_update(offer_id=offer.pk, by=owner, price=Money(1, "EUR"), stock=99, status=status)
    assert state(offer) == (2000, 5, "closed", "")
    assert StatusChange.objects.filter(model="offers.Offer", object_pk=str(offer.pk)).count() == 1


class OfferStatuses(RuleBasedStateMachine):
    """Random requested statuses: only the table's moves happen, closed stays closed."""

    @initialize()
    def an_offer(self) -> None:
        self.offer = make_offer()
        self.expected = Status.ACTIVE.value
        self.moves = 0

    @rule(to=st.sampled_from(Status.values))
    def request(self, to: str) -> None:
        allowed = to == self.expected or to in Offer.TRANSITIONS[Status(self.expected)]
        try:
            offer_status_set(offer_id=self.offer.pk, status=to, by=TESTS)
        except InvalidTransition:
            assert not allowed
        else:
            assert allowed
            self.moves += to != self.expected
            self.expected = to

    @invariant()
    def status_and_history_agree(self) -> None:
        self.offer.refresh_from_db()
        assert self.offer.status == self.expected
        changes = StatusChange.objects.filter(model="offers.Offer", object_pk=str(self.offer.pk))
        assert (
            changes.count()
            == self.moves
            == OfferChange.objects.filter(offer=self.offer, field="status").count()
        )
        for change in changes:
            assert change.to_status in Offer.TRANSITIONS[Status(change.from_status)]


def test_random_status_requests_follow_the_transition_table():
    run_state_machine_as_test(
        OfferStatuses,
        settings=settings(max_examples=30, stateful_step_count=12, deadline=None, database=None),
    )


# --- who may ----------------------------------------------------------------------------------


def test_a_shipping_clerk_changes_nothing_through_the_services(offer, clerk):
    for change in (
        lambda: offer_price_set(offer_id=offer.pk, price=Money(1, "EUR"), by=clerk),
        lambda: offer_stock_set(offer_id=offer.pk, stock=0, by=clerk),
        lambda: offer_status_set(offer_id=offer.pk, status=Status.CLOSED, by=clerk),
        lambda: offer_sku_set(offer_id=offer.pk, seller_sku="MINE", by=clerk),
        lambda: offer_update(offer_id=offer.pk, by=clerk, price=Money(1, "EUR"), stock=0, status="active"),
        lambda: offers_stock_take(lines={offer.pk: 1}, by=clerk),
    ):
        with pytest.raises(OfferEditDenied, match="does not allow"):
            change()
    assert state(offer) == (2000, 5, "active", "") and len(rows(offer)) == 1


def test_another_shops_owner_and_a_plain_customer_change_nothing(offer):
    stranger = make_staff_member(make_seller(), Role.OWNER)
    for by in (stranger, make_user()):
        with pytest.raises(OfferEditDenied):
            offer_price_set(offer_id=offer.pk, price=Money(1, "EUR"), by=by)
    assert state(offer)[0] == 2000


def test_operator_staff_need_the_django_permission(offer):
    operator = make_user(is_staff=True, email="ops@example.test")
    with pytest.raises(OfferEditDenied):
        offer_price_set(offer_id=offer.pk, price=Money(1500, "EUR"), by=operator)
    operator.user_permissions.add(Permission.objects.get(codename="change_offer"))
    operator = type(operator).objects.get(pk=operator.pk)  # a fresh permission cache
    offer_price_set(offer_id=offer.pk, price=Money(1500, "EUR"), by=operator)
    assert rows(offer, "price") == [("price", "2000", "1500", operator.pk, "ops@example.test", "")]


def test_a_shipping_clerk_cannot_import_prices_from_the_cli(offer, clerk, tmp_path):
    offer_sku_set(offer_id=offer.pk, seller_sku="BOOK-1", by=TESTS)
    path = tmp_path / "prices.csv"
    path.write_text("sku,price\nBOOK-1,1\n")
    with pytest.raises(CommandError, match="does not allow"):
        call_command(
            "offers_import", str(path), seller=offer.seller.slug, user=clerk.email, stdout=io.StringIO()
        )
    assert state(offer)[0] == 2000 and not OfferImport.objects.exists()
    with pytest.raises(CommandError, match="no user"):
        call_command("offers_import", str(path), seller=offer.seller.slug, user="nobody@example.test")


def test_the_cli_imports_as_the_named_member_or_as_the_operator(offer, owner, tmp_path):
    offer_sku_set(offer_id=offer.pk, seller_sku="BOOK-1", by=TESTS)
    path = tmp_path / "prices.csv"
    path.write_text("sku,price\nBOOK-1,17\n")
    call_command("offers_import", str(path), seller=offer.seller.slug, user=owner.email, stdout=io.StringIO())
    path.write_text("sku,price\nBOOK-1,16\n")
    call_command("offers_import", str(path), seller=offer.seller.slug, stdout=io.StringIO())
    assert [r[1:5] for r in rows(offer, "price")] == [
        ("2000", "1700", owner.pk, "owner@example.test"),
        ("1700", "1600", None, "Galerie (import)"),
    ]


def test_an_import_whose_uploader_lost_the_role_fails_and_changes_nothing(offer, owner):
    offer_sku_set(offer_id=offer.pk, seller_sku="BOOK-1", by=owner)
    upload = ContentFile(b"sku,price\nBOOK-1,1\n", name="prices.csv")
    offer_import = offer_import_create(seller=offer.seller, by=owner, upload=upload)
    SellerMember.objects.filter(user=owner).update(role=Role.SHIPPING_CLERK)
    done = offer_import_run(import_id=offer_import.pk)
    assert done.status == OfferImport.Status.FAILED and "does not allow" in done.failure
    assert state(offer)[0] == 2000
