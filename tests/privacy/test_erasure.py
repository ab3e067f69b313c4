"""customer_erase: what goes, what stays for the accounting law, what blocks it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from galerie.accounts.models import User
from galerie.cart.models import Cart
from galerie.core.models import OutboxEvent
from galerie.incidents.models import IncidentPhoto
from galerie.messaging.models import Message
from galerie.orders.models import Order, OrderLine, SellerOrder
from galerie.payments.models import Payment
from galerie.privacy.errors import ErasureBlocked
from galerie.privacy.models import Erasure
from galerie.privacy.services import customer_erase
from galerie.reviews.models import Review
from tests.factories import make_user
from tests.privacy.conftest import EMAIL

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)


def _snapshot(user_id: int) -> dict:
    user = User.objects.get(pk=user_id)
    return {
        "user": (user.email, user.full_name, user.is_active, user.password),
        "orders": list(Order.objects.filter(customer_id=user_id).values()),
        "carts": Cart.objects.filter(customer_id=user_id).count(),
        "messages": list(Message.objects.values_list("body", flat=True)),
        "erasures": Erasure.objects.count(),
        "events": OutboxEvent.objects.filter(topic="customer.erased").count(),
    }


def test_erasure_keeps_the_accounting_records_and_pseudonymises_the_account(world):
    # given a customer with delivered orders, a review, messages, a photo, a cart
    order_before = Order.objects.get(pk=world.order.pk)
    lines_before = list(OrderLine.objects.filter(seller_order__order=world.order).values())
    payment_before = Payment.objects.filter(pk=order_before.payment_id).values().get()
    photo = IncidentPhoto.objects.get(incident__customer=world.customer)
    assert default_storage.exists(photo.file.name) or photo.file.storage.exists(photo.file.name)
    # when they erase their account
    erasure = customer_erase(user_id=world.customer.pk, now=NOW, by=world.customer)
    # then the account cannot sign in and carries a pseudonym
    user = User.objects.get(pk=world.customer.pk)
    assert user.is_active is False and not user.has_usable_password()
    assert user.email.startswith("erased-") and user.email.endswith("@erased.invalid")
    assert user.full_name == "" and user.last_login is None
    # the order, its lines and payment stay (10 years), its contact details do not
    order = Order.objects.get(pk=world.order.pk)
    assert (order.number, order.total_minor, order.vat_minor) == (
        order_before.number, order_before.total_minor, order_before.vat_minor,
    )  # fmt: skip
    assert order.email == user.email
    assert (
        order.ship_name.startswith("erased-")
        and order.ship_line1 == order.ship_phone == order.ship_city == ""
    )
    assert (order.ship_postal_code, order.ship_country) == ("69100", "FR")  # VAT evidence
    assert list(OrderLine.objects.filter(seller_order__order=world.order).values()) == lines_before
    assert Payment.objects.filter(pk=order.payment_id).values().get() == payment_before
    assert SellerOrder.objects.filter(order=world.order).count() == 2
    # the rest is gone or emptied
    assert Cart.objects.filter(customer=user).count() == 0
    assert not IncidentPhoto.objects.filter(pk=photo.pk).exists()
    assert not photo.file.storage.exists(photo.file.name)  # deleted after commit
    assert set(Message.objects.filter(thread__customer=user).values_list("body", flat=True)) == {""}
    review = Review.objects.get(customer=user)
    assert review.author_name == "" and review.text == "Livré vite."
    # and the audit says when and by whom, not what
    assert (erasure.user_id, erasure.by_id, erasure.source, erasure.at) == (user.pk, user.pk, "customer", NOW)
    assert OutboxEvent.objects.filter(topic="customer.erased", payload__user_id=user.pk).count() == 1


def test_erasure_twice_is_the_same_erasure(world):
    first = customer_erase(user_id=world.customer.pk, now=NOW, by=world.customer)
    again = customer_erase(user_id=world.customer.pk, now=NOW, by=world.customer)
    assert again.pk == first.pk and Erasure.objects.count() == 1


def test_other_customers_are_untouched(world):
    other = User.objects.get(pk=world.other.pk)
    customer_erase(user_id=world.customer.pk, now=NOW, by=world.customer)
    assert User.objects.get(pk=other.pk).email == other.email
    assert User.objects.get(pk=other.pk).is_active


def test_an_open_order_blocks_the_erasure_and_nothing_changes(world):
    # given a customer whose order is still on its way
    SellerOrder.objects.filter(order=world.order).update(status=SellerOrder.Status.SHIPPED)
    before = _snapshot(world.customer.pk)
    # when they ask for erasure
    with pytest.raises(ErasureBlocked) as caught:
        customer_erase(user_id=world.customer.pk, now=NOW, by=world.customer)
    # then they are told which orders and nothing changed
    assert caught.value.code == "erasure_blocked"
    assert world.order.seller_orders.first().number in caught.value.message
    assert _snapshot(world.customer.pk) == before


def test_a_staff_account_is_not_erased_by_this_door():
    staff = make_user(is_staff=True)
    with pytest.raises(ErasureBlocked):
        customer_erase(user_id=staff.pk, now=NOW, by=staff)
    assert User.objects.get(pk=staff.pk).is_active


def test_the_operator_command_erases_and_refuses(world, capsys):
    operator = make_user(is_staff=True, email="ops@example.test")
    with pytest.raises(CommandError, match="not a staff account"):
        call_command("privacy", "erase", "--email", EMAIL, "--by", world.other.email)
    assert User.objects.get(pk=world.customer.pk).is_active
    call_command("privacy", "erase", "--email", EMAIL, "--by", operator.email)
    erasure = Erasure.objects.get(user=world.customer)
    assert (erasure.by_id, erasure.source) == (operator.pk, "operator")
    assert not User.objects.get(pk=world.customer.pk).is_active


def test_no_email_goes_to_an_erased_accounts_pseudonym(world, smtp_inbox):
    from galerie.notifications.emails import Email
    from galerie.notifications.models import SentEmail
    from galerie.notifications.services import email_send_once

    # given an erased customer, and a late e-mail about their order (a refund made afterwards)
    customer_erase(user_id=world.customer.pk, now=NOW, by=world.customer)
    pseudonym = User.objects.get(pk=world.customer.pk).email
    sent_before = SentEmail.objects.count()
    late = Email(kind="refund", recipient=pseudonym, subject="Refund", text="-", html="-",
                 from_email="shop@example.test", language="en")  # fmt: skip
    # when the worker sends it, then nothing goes and nothing is recorded
    assert email_send_once(event_uuid=uuid.uuid4(), email=late) is False
    assert SentEmail.objects.count() == sent_before and smtp_inbox.to(pseudonym) == []


def test_the_erased_accounts_other_sessions_are_signed_out(world, client):
    from django.test import Client

    # given the customer signed in on a second browser
    other_browser = Client()
    other_browser.force_login(world.customer)
    account = f"/s/{world.storefront.code}/account/"
    assert other_browser.get(account).status_code == 200
    # when they erase their account from the first one
    customer_erase(user_id=world.customer.pk, now=NOW, by=world.customer)
    # then the second browser is signed out (the session's auth hash no longer matches)
    assert other_browser.get(account).status_code == 302


def test_another_customer_cannot_erase_an_account(world):
    from galerie.core.errors import PermissionDenied

    before = _snapshot(world.customer.pk)
    with pytest.raises(PermissionDenied):
        customer_erase(user_id=world.customer.pk, now=NOW, by=world.other)
    assert _snapshot(world.customer.pk) == before


def test_a_payment_under_way_blocks_the_erasure(world):
    from galerie.checkout.models import CheckoutAttempt

    CheckoutAttempt.objects.filter(order=world.order).update(status=CheckoutAttempt.Status.RESERVED)
    before = _snapshot(world.customer.pk)
    with pytest.raises(ErasureBlocked, match="payment is under way"):
        customer_erase(user_id=world.customer.pk, now=NOW, by=world.customer)
    assert _snapshot(world.customer.pk) == before
