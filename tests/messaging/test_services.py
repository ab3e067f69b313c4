"""Posting, reading, unread counts, masking on the way in, attachments, the operator asked in,
the seller's response time, and the e-mails through a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from galerie.core.delivery import handlers_autodiscover, outbox_deliver_batch
from galerie.core.errors import PermissionDenied
from galerie.core.models import OutboxEvent, StatusChange
from galerie.messaging.attachments import MAX_BYTES
from galerie.messaging.errors import AttachmentRefused, MessageInvalid, OperatorAlreadyAsked
from galerie.messaging.masking import MASK
from galerie.messaging.models import Attachment, Message, SellerResponse, Thread
from galerie.messaging.selectors import (
    customer_unread_by_order,
    median,
    seller_inbox,
    seller_orders_with_unread,
    seller_response_by_storefront,
    seller_response_times,
)
from galerie.messaging.services import message_post, thread_operator_ask, thread_operator_done, thread_read
from galerie.orders.models import SellerOrder
from galerie.storefronts.models import StorefrontHost
from tests.messaging.conftest import T0, H, pdf, picture

pytestmark = pytest.mark.django_db


def post(world, party, body="Bonjour", *, by=None, at=T0, files=(), part=None):
    by = by or {"customer": world.customer, "seller": world.owner_a, "operator": world.operator}[party]
    return message_post(
        seller_order_id=(part or world.part_a).pk, party=party, by=by, body=body, files=files, now=at
    )


def thread(world) -> Thread:
    return Thread.objects.get(seller_order=world.part_a)


def test_the_first_message_opens_the_thread_and_counts_unread_for_the_others(world):
    message = post(world, "customer", "Le colis est-il parti ?")
    t = thread(world)
    assert (t.seller_id, t.customer_id, t.storefront_id) == (
        world.seller_a.pk,
        world.customer.pk,
        world.storefront.pk,
    )
    assert (t.customer_unread, t.seller_unread, t.operator_unread) == (0, 1, 1)
    assert t.customer_read_upto == message.pk
    post(world, "customer", "Merci d'avance", at=T0 + H)
    post(world, "seller", "Oui, hier.", at=T0 + 2 * H)
    t.refresh_from_db()
    # The seller read everything above its answer; the customer has one unread.
    assert (t.customer_unread, t.seller_unread, t.operator_unread) == (1, 0, 3)
    assert t.last_message_at == T0 + 2 * H


def test_reading_marks_up_to_the_message_shown_and_keeps_later_ones_unread(world):
    first = post(world, "seller", "Un")
    post(world, "seller", "Deux", at=T0 + H)
    assert (
        thread_read(
            seller_order_id=world.part_a.pk, party="customer", by=world.customer, upto_message_id=first.pk
        )
        == 1
    )
    t = thread(world)
    assert (t.customer_unread, t.customer_read_upto) == (1, first.pk)
    # An older mark (a stale page) never moves the mark back.
    last = Message.objects.latest("id")
    thread_read(seller_order_id=world.part_a.pk, party="customer", by=world.customer, upto_message_id=last.pk)
    thread_read(
        seller_order_id=world.part_a.pk, party="customer", by=world.customer, upto_message_id=first.pk
    )
    t.refresh_from_db()
    assert (t.customer_unread, t.customer_read_upto) == (0, last.pk)


def test_unread_counts_per_order_per_seller_order_and_on_the_dashboard(world):
    post(world, "seller", "Bonjour Alice")
    post(world, "seller", "Votre colis arrive", at=T0 + H)
    post(world, "customer", "Bonjour", by=world.other, part=world.part_other)
    assert customer_unread_by_order(customer=world.customer, storefront=world.storefront) == {
        world.part_a.order_id: 2
    }
    assert customer_unread_by_order(customer=world.other, storefront=world.storefront) == {}
    rows = seller_orders_with_unread(SellerOrder.objects.filter(seller=world.seller_a).order_by("id"))
    assert [(r.pk, r.messages_unread) for r in rows] == [(world.part_a.pk, 0), (world.part_other.pk, 1)]
    inbox = seller_inbox(seller=world.seller_a)
    assert inbox.unread == 1 and [t.seller_order_id for t in inbox.threads] == [world.part_other.pk]
    assert seller_inbox(seller=world.seller_b).unread == 0


def test_contact_details_are_masked_before_the_message_is_stored(world):
    StorefrontHost.objects.create(storefront=world.storefront, host="pageplume.galerie.test", is_primary=True)
    message = post(
        world,
        "customer",
        "Appelez-moi au 06 12 34 56 78 ou alice@example.test, voir https://pageplume.galerie.test/x",
    )
    message.refresh_from_db()
    assert "06 12" not in message.body and "alice@" not in message.body
    assert message.body.count(MASK) == 2 and message.masked
    assert post(world, "customer", "Colis 6A12345678901, 19,90 €", at=T0 + H).masked is False


def test_only_a_party_posts_and_as_itself(world):
    for by, party in [
        (world.other, "customer"),
        (world.owner_b, "seller"),
        (world.customer, "seller"),
        (world.owner_a, "operator"),
    ]:
        with pytest.raises(PermissionDenied):
            post(world, party, by=by)
    assert not Thread.objects.exists() and not Message.objects.exists()


def test_an_empty_or_too_long_message_is_refused_and_nothing_is_saved(world):
    with pytest.raises(MessageInvalid):
        post(world, "customer", "   ")
    with pytest.raises(MessageInvalid):
        post(world, "customer", "x" * 5001)
    assert not Thread.objects.exists()


def test_pictures_are_reencoded_and_pdfs_kept_in_the_private_storage(world, settings):
    message = post(world, "customer", "", files=[picture("IMG_0001.jpg"), picture("plan.png", "PNG"), pdf()])
    files = list(message.attachments.order_by("id"))
    assert [(f.content_type, f.original_name) for f in files] == [
        ("image/jpeg", "IMG_0001.jpg"), ("image/png", "plan.png"), ("application/pdf", "facture.pdf"),
    ]  # fmt: skip
    assert (files[0].width, files[0].height) == (64, 48)
    for f in files:
        # In the private storage, outside the public media folder.
        # (The field resolves its storage when the model is defined: the settings' own one.)
        assert f.file.storage.location.endswith("private") and f.file.path.startswith(f.file.storage.location)
        assert not f.file.path.startswith(str(settings.MEDIA_ROOT))
        assert f.file.size == f.size
    with files[2].file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_a_renamed_program_a_too_big_file_and_a_fourth_file_are_refused(world):
    exe = SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png")
    with pytest.raises(AttachmentRefused, match=r"photo\.png"):
        post(world, "customer", "voici", files=[exe])
    big = SimpleUploadedFile(
        "scan.pdf", b"%PDF-1.4\n" + b"0" * MAX_BYTES + b"\n%%EOF", content_type="application/pdf"
    )
    with pytest.raises(AttachmentRefused, match="MB"):
        post(world, "customer", "voici", files=[big])
    broken = SimpleUploadedFile("x.pdf", b"%PDF-1.4 but cut", content_type="application/pdf")
    with pytest.raises(AttachmentRefused, match="PDF"):
        post(world, "customer", "voici", files=[broken])
    with pytest.raises(AttachmentRefused, match="3"):
        post(world, "customer", "voici", files=[picture(), picture(), picture(), picture()])
    assert not Message.objects.exists() and not Attachment.objects.exists()


def test_a_file_name_keeps_no_contact_details(world):
    message = post(world, "customer", "", files=[pdf("alice@example.test.pdf")])
    assert "alice@" not in message.attachments.get().original_name


def test_the_seller_response_time_is_kept_per_question_and_its_median_per_seller(world):
    post(world, "customer", "Question 1", at=T0)
    post(world, "customer", "Vous êtes là ?", at=T0 + H)  # the same question, still waiting
    post(world, "seller", "Réponse", at=T0 + 3 * H)
    post(world, "seller", "Autre chose", at=T0 + 4 * H)  # answers nothing
    post(world, "customer", "Question 2", at=T0 + 10 * H)
    post(world, "operator", "Le support ici", at=T0 + 11 * H)  # not the seller's answer
    post(world, "seller", "Réponse 2", at=T0 + 11 * H)
    post(world, "customer", "Question 3", by=world.other, part=world.part_other, at=T0)
    post(world, "seller", "Réponse 3", part=world.part_other, at=T0 + 8 * H)
    assert sorted(SellerResponse.objects.values_list("seconds", flat=True)) == [3600, 3 * 3600, 8 * 3600]
    times = seller_response_times(
        storefront=world.storefront, seller_ids=[world.seller_a.pk, world.seller_b.pk], until=T0 + 20 * H
    )
    assert list(times) == [world.seller_a.pk]
    assert (times[world.seller_a.pk].answered, times[world.seller_a.pk].median_seconds) == (3, 3 * 3600)
    # Outside the storefront's window (90 days by default), nothing.
    assert (
        seller_response_times(
            storefront=world.storefront,
            seller_ids=[world.seller_a.pk],
            until=T0 + timedelta(days=world.storefront.quality_window_days + 1),
        )
        == {}
    )
    mine = seller_response_by_storefront(seller=world.seller_a, now=T0 + 20 * H)
    assert mine[world.storefront.pk][0] == "Page & Plume" and mine[world.storefront.pk][1].hours == 3


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two_rounded_up():
    assert median([1]) == 1 and median([1, 2]) == 2 and median([1, 3, 10, 11]) == 7 and median([2, 4]) == 3


def test_either_party_asks_the_operator_in_once_and_the_operator_steps_out(world):
    thread_operator_ask(
        seller_order_id=world.part_a.pk,
        party="customer",
        by=world.customer,
        reason="Colis vide, 06 12 34 56 78",
        now=T0,
    )
    t = thread(world)
    assert (t.status, t.operator_asked_by, t.operator_asked_at) == ("operator_asked", "customer", T0)
    assert MASK in t.operator_reason and "06 12" not in t.operator_reason
    with pytest.raises(OperatorAlreadyAsked):
        thread_operator_ask(
            seller_order_id=world.part_a.pk, party="seller", by=world.owner_a, reason="Moi aussi"
        )
    with pytest.raises(PermissionDenied):
        thread_operator_done(thread_id=t.pk, by=world.owner_a)
    thread_operator_done(thread_id=t.pk, by=world.operator)
    thread_operator_ask(seller_order_id=world.part_a.pk, party="seller", by=world.owner_a, reason="Encore")
    history = StatusChange.objects.filter(model="messaging.Thread", object_pk=str(t.pk)).order_by("id")
    assert list(history.values_list("to_status", flat=True)) == [
        "operator_asked",
        "operator_done",
        "operator_asked",
    ]
    assert OutboxEvent.objects.filter(topic="thread.status_changed").count() == 3


# --- e-mails ------------------------------------------------------------------------------------

LINK = re.compile(r"https://shop\.example\.test(/\S+/messages/\S*)")


def deliver() -> None:
    handlers = handlers_autodiscover()
    while outbox_deliver_batch(handlers, batch=100).claimed:
        pass


@pytest.fixture
def inbox(smtp_inbox, settings, world):
    settings.GALERIE_SITE_URL = "https://shop.example.test"
    deliver()
    smtp_inbox.messages.clear()
    return smtp_inbox


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_seller_is_told_at_its_contact_and_members_who_want_it_in_their_language(world, inbox):
    post(world, "customer", "Bonjour, alice@example.test")
    deliver()
    assert sorted(m["To"] for m in inbox.messages) == ["contact@martin.test", "owner@martin.test"]
    (contact,) = inbox.to("contact@martin.test")
    (owner,) = inbox.to("owner@martin.test")
    assert contact["Content-Language"] == "fr" and owner["Content-Language"] == "en"
    assert owner["Subject"].strip() == f"Your customer wrote to you about order {world.part_a.number}"
    for message in (contact, owner):
        body = text_of(message) + message.get_body(("html",)).get_content()
        assert "alice@example.test" not in body and world.customer.email not in str(message["Reply-To"])
        assert LINK.search(text_of(message)).group(1) == f"/sell/orders/{world.part_a.number}/messages/"
    # A second message before the seller reads: no second e-mail.
    post(world, "customer", "Relance", at=T0 + H)
    deliver()
    assert len(inbox.messages) == 2


def test_the_customer_is_told_in_the_order_language_with_the_link_to_the_thread(world, inbox):
    post(world, "seller", "Bonjour, contact@martin.test ou 01 23 45 67 89")
    deliver()
    (message,) = inbox.messages
    assert message["To"] == "alice@example.test" and message["Content-Language"] == "fr"
    assert (
        message["Subject"].strip()
        == f"Librairie Martin vous a écrit au sujet de la commande {world.part_a.number}"
    )
    body = text_of(message)
    assert "contact@martin.test" not in body and "owner@martin.test" not in body
    assert LINK.search(body).group(1) == f"/s/pageplume/account/messages/{world.part_a.number}/"
    assert "Bonjour Alice Martin" in body


def test_the_operator_writes_to_both_parties(world, inbox):
    post(world, "operator", "Nous regardons.")
    deliver()
    assert sorted(m["To"] for m in inbox.messages) == [
        "alice@example.test",
        "contact@martin.test",
        "owner@martin.test",
    ]
