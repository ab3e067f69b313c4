"""The transactional e-mails, sent by `galerie worker --once` to a real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from galerie.checkout.models import CheckoutAttempt
from galerie.core.delivery import BACKOFF_FIRST
from galerie.core.models import OutboxEvent
from galerie.notifications.models import SentEmail
from galerie.orders.models import SellerOrder
from galerie.payments.models import Payment, Refund
from galerie.sellers.services import seller_member_add
from galerie.sellers.services.staff import seller_member_notifications_set
from tests.factories import make_offer, make_product, make_seller, make_storefront, make_user, make_variant
from tests.notifications.orders import emit_event, make_order

pytestmark = pytest.mark.django_db


def run_worker() -> str:
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def make_due(event: OutboxEvent) -> None:
    OutboxEvent.objects.filter(pk=event.pk).update(available_at=timezone.now())


@pytest.fixture
def shop():
    return make_storefront(
        name="Librairie du Parc",
        code="parc",
        default_language="fr",
        theme={"colour_primary": "#23395b", "colour_accent": "#c8553d", "colour_background": "#f4f1ea"},
    )


@pytest.fixture
def sellers(shop):
    books = make_seller(storefronts=[shop], display_name="Bouquinerie Martin", email="orders@martin.test")
    prints = make_seller(storefronts=[shop], display_name="Atelier Gravure", email="hello@gravure.test")
    OutboxEvent.objects.all().delete()  # their applications' e-mails: not what these tests read
    return books, prints


@pytest.fixture
def order(shop, sellers):
    books, prints = sellers
    novel = make_offer(
        seller=books,
        variant=make_variant(product=make_product(title="Vingt mille lieues sous les mers")),
        price_minor=1990,
        seller_sku="BK-VERNE-20K",
    )
    engraving = make_offer(
        seller=prints,
        variant=make_variant(product=make_product(title="Gravure du Nautilus")),
        price_minor=4500,
        seller_sku="GR-NAUT-A3",
    )
    return make_order(storefront=shop, lines=[(novel, 2), (engraving, 1)])


def test_order_placed_sends_one_multipart_email_in_the_storefront_language(mailbox, shop, order):
    event = emit_event(
        "order.placed", order_id=order.pk, storefront_id=shop.pk, total_minor=order.total_minor
    )

    out = run_worker()

    [mail] = mailbox.received
    assert mail.rcpt_tos == [order.email]
    assert mail.message.get_content_type() == "multipart/alternative"
    assert mail.subject == f"Merci pour votre commande {order.number}"  # the storefront speaks French
    assert mail.message["Content-Language"] == "fr"
    assert parseaddr(str(mail.message["From"])) == ("Librairie du Parc", "no-reply@galerie.test")
    text, html = mail.part("text/plain"), mail.part("text/html")
    for body in (text, html):
        assert order.number in body
        assert "Bouquinerie Martin" in body and "Atelier Gravure" in body
        assert "39,80\xa0€" in body  # 2 × 19,90 € in French
        assert "94,60\xa0€" in body  # 39,80 + 45,00 + 2 × 4,90 shipping
        assert "3–5" in body and "4–6" in body  # each seller's delivery time
        assert "Lyon" in body and "France" in body
        assert f"https://shop.example.test/s/parc/account/orders/{order.number}/" in body
    assert '<html lang="fr">' in html
    assert "background-color:#23395b" in html  # the storefront's primary colour
    assert "<img" not in html and "<link" not in html
    event.refresh_from_db()
    assert event.delivered_at is not None and event.attempts == 0
    assert SentEmail.objects.get().sent_at is not None
    assert out.startswith("worker stopped:")


def test_the_order_language_wins_over_the_storefront_language(mailbox, shop, order):
    order.language = "en"
    order.save(update_fields=["language"])
    emit_event("order.placed", order_id=order.pk)

    run_worker()

    [mail] = mailbox.received
    assert mail.message["Content-Language"] == "en"
    assert "€94.60" in mail.part("text/plain")
    assert '<html lang="en">' in mail.part("text/html")


def test_a_redelivered_event_does_not_send_the_email_twice(mailbox, order):
    event = emit_event("order.placed", order_id=order.pk)
    run_worker()
    run_worker()
    # A worker that died after sending but before marking the event delivered: it runs again.
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None, available_at=timezone.now())

    run_worker()

    assert len(mailbox.received) == 1
    assert SentEmail.objects.filter(event_uuid=event.uuid).count() == 1
    assert OutboxEvent.objects.get(pk=event.pk).delivered_at is not None


def test_an_email_left_unconfirmed_by_a_killed_worker_is_sent_again_with_its_message_id(mailbox, order):
    event = emit_event("order.placed", order_id=order.pk)
    run_worker()
    [first] = mailbox.received
    # A worker killed after writing the row and before the server's answer leaves it so.
    SentEmail.objects.update(sent_at=None)
    mailbox.received.clear()
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None, available_at=timezone.now())

    run_worker()

    [again] = mailbox.received
    assert again.message["Message-ID"] == first.message["Message-ID"]  # mail stores drop a copy
    assert SentEmail.objects.get(event_uuid=event.uuid).sent_at is not None
    run_worker()
    assert len(mailbox.received) == 1  # confirmed now: not sent a third time


def test_an_smtp_refusal_is_retried_with_backoff_and_the_next_event_still_goes(mailbox, shop, sellers):
    offer = make_offer(seller=sellers[0], price_minor=1500)
    first = make_order(storefront=shop, lines=[(offer, 1)], email="grumpy@example.test")
    second = make_order(storefront=shop, lines=[(offer, 1)], email="happy@example.test")
    mailbox.refuse.add("grumpy@example.test")
    failing = emit_event("order.placed", order_id=first.pk)
    behind = emit_event("order.placed", order_id=second.pk)
    before = timezone.now()

    run_worker()

    failing.refresh_from_db()
    assert failing.delivered_at is None and failing.attempts == 1
    assert "451" in failing.last_error
    assert before + BACKOFF_FIRST <= failing.available_at <= timezone.now() + BACKOFF_FIRST
    assert not SentEmail.objects.filter(event_uuid=failing.uuid).exists()  # the claim was released
    assert [m.rcpt_tos for m in mailbox.received] == [["happy@example.test"]]
    assert OutboxEvent.objects.get(pk=behind.pk).delivered_at is not None

    mailbox.refuse.clear()
    run_worker()  # not due yet: the back-off holds it
    assert len(mailbox.to("grumpy@example.test")) == 0

    make_due(failing)
    run_worker()
    assert len(mailbox.to("grumpy@example.test")) == 1
    failing.refresh_from_db()
    assert failing.delivered_at is not None and failing.attempts == 1


def test_the_seller_gets_the_new_order_email_with_skus_address_and_link(mailbox, order, sellers):
    books, _ = sellers
    owner = seller_member_add(seller=books, user=make_user(email="owner@martin.test"), role="owner")
    seller_member_add(seller=books, user=make_user(email="ORDERS@martin.test"), role="manager")
    seller_member_add(seller=books, user=make_user(email="clerk@martin.test"), role="shipping_clerk")
    quiet = seller_member_add(seller=books, user=make_user(email="quiet@martin.test"), role="manager")
    seller_member_notifications_set(
        member_id=quiet.pk, seller_id=books.pk, notify_new_orders=False, by=owner.user
    )
    seller_order = order.seller_orders.get(seller=books)
    emit_event("seller_order.placed", seller_order_id=seller_order.pk, order_id=order.pk, seller_id=books.pk)

    run_worker()

    # The contact address and every member who wants new orders (all by default, the shipping
    # clerk too): the manager's address is the same as the contact's; the
    # manager who turned them off gets none.
    assert sorted(a for m in mailbox.received for a in m.rcpt_tos) == [
        "clerk@martin.test",
        "orders@martin.test",
        "owner@martin.test",
    ]
    for mail in mailbox.received:
        assert mail.subject == f"Nouvelle commande {seller_order.number} à accepter"
        text, html = mail.part("text/plain"), mail.part("text/html")
        for body in (text, html):
            assert "BK-VERNE-20K" in body
            assert "GR-NAUT-A3" not in body  # another seller's line
            assert "8 rue des Lilas" in body and "69003 Lyon" in body and "+33 6 12 34 56 78" in body
            assert f"https://shop.example.test/sell/orders/{seller_order.number}/" in body


def test_the_shipped_email_names_the_seller_the_carrier_and_the_tracking_number(mailbox, order, sellers):
    books, _ = sellers
    seller_order = order.seller_orders.get(seller=books)
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        status="shipped", carrier="Colissimo", tracking_number="6A12345678901", shipped_at=timezone.now()
    )
    emit_event("seller_order.shipped", seller_order_id=seller_order.pk, order_id=order.pk)

    run_worker()

    [mail] = mailbox.to(order.email)
    assert "Bouquinerie Martin" in mail.subject and order.number in mail.subject
    for body in (mail.part("text/plain"), mail.part("text/html")):
        assert "6A12345678901" in body and "Colissimo" in body
        assert "Vingt mille lieues sous les mers" in body
        assert "Gravure du Nautilus" not in body  # shipped by the other seller, later


def test_the_refused_email_gives_the_reason_and_the_refunded_amount(mailbox, order, sellers):
    _, prints = sellers
    seller_order = order.seller_orders.get(seller=prints)
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        status="refused",
        refusal_reason="Le dernier tirage est abîmé.",
        refunded_minor=seller_order.total_minor,
    )
    emit_event("seller_order.refused", seller_order_id=seller_order.pk, order_id=order.pk)

    run_worker()

    [mail] = mailbox.to(order.email)
    assert "Atelier Gravure" in mail.subject
    for body in (mail.part("text/plain"), mail.part("text/html")):
        assert "Le dernier tirage est abîmé." in body
        assert "49,90\xa0€" in body  # 45,00 + 4,90 shipping
        assert "4242" in body


def test_a_refund_emails_the_customer_of_the_order(mailbox, order):
    refund = Refund.objects.create(
        payment=order.payment, idempotency_key="r-1", amount_minor=4990, currency="EUR", status="succeeded"
    )
    emit_event(
        "refund.succeeded",
        payment_id=order.payment_id,
        refund_id=refund.pk,
        amount_minor=4990,
        currency="EUR",
    )

    run_worker()

    [mail] = mailbox.to(order.email)
    assert mail.subject == f"Remboursement de 49,90\xa0€ pour votre commande {order.number}"
    assert order.number in mail.part("text/html")


def test_a_refund_without_an_order_emails_the_customer_of_the_checkout(mailbox, shop):
    customer = make_user(email="paul@example.test", full_name="Paul Girard", preferred_language="en")
    payment = Payment.objects.create(
        gateway="test",
        idempotency_key="p-2",
        amount_minor=6480,
        currency="EUR",
        status="captured",
        captured_minor=6480,
        card_last4="1881",
    )
    CheckoutAttempt.objects.create(
        idempotency_key="a-2",
        storefront=shop,
        customer=customer,
        quote={},
        address={},
        currency="EUR",
        amount_minor=6480,
        payment=payment,
        status="failed",
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    refund = Refund.objects.create(
        payment=payment, idempotency_key="r-2", amount_minor=6480, currency="EUR", status="succeeded"
    )
    emit_event(
        "refund.succeeded", payment_id=payment.pk, refund_id=refund.pk, amount_minor=6480, currency="EUR"
    )

    run_worker()

    [mail] = mailbox.to("paul@example.test")
    assert mail.subject == "Your payment of €64.80 has been refunded"
    text = mail.part("text/plain")
    assert "Hello Paul Girard," in text and "1881" in text
    assert "https://shop.example.test/s/parc/" in text


def test_the_sender_name_is_the_storefront_name_even_with_special_characters(mailbox, sellers):
    shop = make_storefront(name="Émile & Fils, Lyon", code="emile")
    offer = make_offer(seller=sellers[0], price_minor=1000)
    order = make_order(storefront=shop, lines=[(offer, 1)])
    emit_event("order.placed", order_id=order.pk)

    run_worker()

    [mail] = mailbox.received
    assert parseaddr(str(mail.message["From"])) == ("Émile & Fils, Lyon", "no-reply@galerie.test")
    assert "Émile &amp; Fils, Lyon" in mail.part("text/html")
    assert "Émile & Fils, Lyon" in mail.part("text/plain")
