"""The e-mails asking a matched seller and a matched customer to confirm a merge
(docs/merge-confirmations.md), delivered by the worker's handler through a real SMTP server."""

from __future__ import annotations

import re

import pytest

from galerie.core.delivery import handlers_autodiscover, outbox_deliver_batch
from galerie.core.models import OutboxEvent
from galerie.notifications.models import SentEmail
from galerie.portability.merge import merge_abandon, merge_plan
from galerie.portability.models import MergeParty
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.factories import make_user
from tests.portability.world import build_merging

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https://shop\.example\.test(/merge/confirm/[^/\s]+/)")
PAYLOAD = "<script>alert(1)</script>"


@pytest.fixture
def merging(tmp_path, settings, smtp_inbox):
    settings.GALERIE_SITE_URL = "https://shop.example.test"
    world = build_merging(tmp_path)
    _deliver()  # the e-mails of the world's making (applications)
    smtp_inbox.messages.clear()
    return world


def _deliver() -> None:
    handlers = handlers_autodiscover()
    assert "merge_party.confirmation_requested" in handlers
    while outbox_deliver_batch(handlers, batch=100).claimed:
        pass


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


def _staff(seller):
    owner = make_user(email="owner@martin.test", preferred_language="fr")
    manager = make_user(email="manager@martin.test", preferred_language="en")
    clerk = make_user(email="clerk@martin.test")
    seller_member_add(seller=seller, user=owner, role=SellerMember.Role.OWNER)
    seller_member_add(seller=seller, user=manager, role=SellerMember.Role.MANAGER)
    seller_member_add(seller=seller, user=clerk, role=SellerMember.Role.SHIPPING_CLERK)


def test_the_seller_is_asked_at_its_address_and_its_owners_and_managers_in_their_language(
    merging, smtp_inbox, client
):
    seller = merging["seller"]
    _staff(seller)
    _deliver()
    smtp_inbox.messages.clear()
    merge = merge_plan(path=merging["bundle"], by=merging["operator"])
    _deliver()

    recipients = sorted(m["To"] for m in smtp_inbox.messages)
    assert recipients == sorted(
        [seller.email, "owner@martin.test", "manager@martin.test", "anne@example.test"]
    )
    (french,) = smtp_inbox.to("owner@martin.test")
    (english,) = smtp_inbox.to("manager@martin.test")
    (contact,) = smtp_inbox.to(seller.email)
    # The contact address speaks the first owner's language.
    assert french["Content-Language"] == contact["Content-Language"] == "fr"
    assert english["Content-Language"] == "en"
    assert french["Subject"].strip() == (
        f"«\u00a0Librairie Martin\u00a0» est-elle votre boutique\u00a0? Elle rejoint {merging['here'].name}"
    )
    text = _text(french)
    siren = seller.trade_register_number.replace(" ", "")[:9]
    assert f"le même SIREN que votre boutique Martin & fils ici ({siren})." in text
    assert f"Le site {merge.name} rejoint {merging['here'].name}" in text
    words = re.sub(r"https?://\S+", "", text)  # the links' host is not a sentence
    for english_word in ("Hello", "Confirm", "Decline", "shop", "merge", "your"):
        assert not re.search(rf"\b{english_word}\b", words), english_word
    assert "Is “Librairie Martin” your shop?" in english["Subject"]
    assert "Confirm to join it to your shop here" in _text(english)
    # Nothing of the other party: not the incoming seller's own address, nor the customer's.
    for message in (french, english, contact):
        assert "anne@example.test" not in _text(message) and "anne@example.test" not in _html(message)
    # The link opens the confirmation page of this party, in the recipient's language.
    path = LINK.search(text).group(1)
    assert LINK.search(_html(french)).group(1) == path
    page = client.get(path)
    assert page.status_code == 200 and page["Content-Language"] == "fr"
    assert "Librairie Martin" in page.content.decode()


def test_the_customer_is_asked_at_their_address_in_their_language(merging, smtp_inbox):
    anne = merging["anne"]
    anne.preferred_language = "fr"
    anne.save(update_fields=["preferred_language"])
    merge = merge_plan(path=merging["bundle"], by=merging["operator"])
    _deliver()

    (mail,) = smtp_inbox.to("anne@example.test")
    assert mail["Content-Language"] == "fr"
    assert mail["Subject"].strip() == f"Votre compte sur {merge.name} rejoint {merging['here'].name}"
    text = _text(mail)
    assert "Bonjour Anne M.," in text
    assert "Un compte existe déjà ici avec votre adresse anne@example.test." in text
    assert f"Confirmez pour voir vos commandes de {merge.name} dans ce compte." in text
    assert "Librairie Martin" not in text and "Martin & fils" not in text
    party = MergeParty.objects.get(merge=merge, kind="customer")
    assert LINK.search(text) and SentEmail.objects.filter(
        recipient="anne@example.test", kind="merge_party_customer"
    )
    assert party.status == MergeParty.Status.PENDING


def test_a_redelivered_event_sends_nothing_twice_and_an_abandoned_merge_sends_nothing(merging, smtp_inbox):
    merge = merge_plan(path=merging["bundle"], by=merging["operator"])
    _deliver()
    sent = len(smtp_inbox.messages)
    assert sent == 2  # the seller's contact (no members) and the customer
    OutboxEvent.objects.filter(topic="merge_party.confirmation_requested").update(
        delivered_at=None, attempts=0
    )
    _deliver()
    assert len(smtp_inbox.messages) == sent

    merge_abandon(merge_id=merge.pk, by=merging["operator"])
    again = merge_plan(path=merging["bundle"], by=merging["operator"])
    merge_abandon(merge_id=again.pk, by=merging["operator"])
    _deliver()
    assert len(smtp_inbox.messages) == sent


def test_what_the_bundle_says_is_escaped_in_the_html(merging, smtp_inbox):
    merge = merge_plan(path=merging["bundle"], by=merging["operator"])
    MergeParty.objects.filter(merge=merge, kind="seller").update(name=PAYLOAD)
    merge.name = PAYLOAD
    merge.save(update_fields=["name"])
    smtp_inbox.messages.clear()
    _deliver()
    for message in smtp_inbox.messages:
        html = _html(message)
        assert "<script" not in html
        assert "&lt;script&gt;" in html
