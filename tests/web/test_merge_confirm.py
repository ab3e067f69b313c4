"""The confirmation page a merge's e-mail links to (docs/merge-confirmations.md): a matched seller
or customer confirms or declines without signing in, may change their mind until the commit, and a
customer who confirms after it finds their orders in their account."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from galerie.catalog.matching.reviews import match_review_decide
from galerie.orders.models import Order
from galerie.portability.merge import merge_abandon, merge_commit, merge_plan, party_token
from galerie.portability.models import MergeParty, MergeProduct
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from galerie.storefronts.models import Storefront
from tests.factories import make_user
from tests.portability.world import build_merging

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(tmp_path):
    world = build_merging(tmp_path)
    Storefront.objects.filter(pk=world["here"].pk).update(default_language="en")
    merge = merge_plan(path=world["bundle"], by=world["operator"])
    seller = MergeParty.objects.get(merge=merge, kind="seller")
    customer = MergeParty.objects.get(merge=merge, kind="customer")
    return {**world, "merge": merge, "seller_party": seller, "customer_party": customer}


def _url(party: MergeParty) -> str:
    return reverse("merge_confirm", kwargs={"token": party_token(party)})


def _text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


def _commit(planned) -> None:
    review = MergeProduct.objects.get(merge=planned["merge"], decision="review").review
    match_review_decide(review_id=review.pk, accept=True, by=planned["operator"])
    merge_commit(merge_id=planned["merge"].pk, by=planned["operator"], sellers_unanswered_apart=True)


def test_the_seller_confirms_then_changes_its_mind_without_signing_in(planned):
    client = Client(enforce_csrf_checks=True)
    party, url = planned["seller_party"], _url(planned["seller_party"])

    page = client.get(url)
    assert page.status_code == 200 and page["Content-Language"] == "en"
    text = _text(page)
    assert "Is “Librairie Martin” your shop?" in text
    assert "the same SIREN as your shop Martin & fils here" in text
    assert "You have not answered yet." in text
    html = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'value="confirm"' in html and 'value="decline"' in html
    assert page["Cache-Control"].startswith("max-age=0")

    # Without the form's token, nothing is recorded.
    assert client.post(url, {"answer": "confirm"}).status_code == 403
    party.refresh_from_db()
    assert party.status == MergeParty.Status.PENDING

    token = client.cookies["csrftoken"].value
    done = client.post(url, {"answer": "confirm", "csrfmiddlewaretoken": token})
    assert done.status_code == 200
    text = _text(done)
    assert "Your answer is recorded: you confirmed." in text
    assert "When the merge is done, the shop “Librairie Martin” is joined to your shop Martin & fils" in text
    assert "You can change your answer with the same link until the merge is done." in text
    party.refresh_from_db()
    assert party.status == MergeParty.Status.CONFIRMED and party.decided_at is not None

    html = done.content.decode()
    assert 'value="decline"' in html and 'value="confirm"' not in html  # the other answer is left
    again = client.post(url, {"answer": "decline", "csrfmiddlewaretoken": token})
    assert "Your answer is recorded: you declined." in _text(again)
    assert "The shop “Librairie Martin” stays a shop of its own." in _text(again)
    party.refresh_from_db()
    assert party.status == MergeParty.Status.DECLINED
    assert "You declined on" in _text(client.get(url))


def test_a_french_owner_reads_the_page_in_french(planned, client):
    owner = make_user(email="owner@martin.test", preferred_language="fr")
    seller_member_add(seller=planned["seller"], user=owner, role=SellerMember.Role.OWNER)
    page = client.get(_url(planned["seller_party"]), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "fr"
    text = _text(page)
    assert "« Librairie Martin » est-elle votre boutique ?" in text
    assert "Confirmer : c’est ma boutique" in text and "Refuser : garder à part" in text
    for english in ("Confirm:", "Decline", "You have not answered", "The question", "shop"):
        assert english not in text, english
    done = client.post(_url(planned["seller_party"]), {"answer": "decline"})
    assert "Votre réponse est enregistrée : vous avez refusé." in _text(done)


def test_a_customer_who_confirms_after_the_commit_finds_their_orders_in_their_account(planned, client):
    party, anne = planned["customer_party"], planned["anne"]
    _commit(planned)
    url = _url(party)

    page = client.get(url)
    text = _text(page)
    assert page.status_code == 200
    assert "The merge is done. Your orders from" in text and "stay apart from your account" in text
    html = page.content.decode()
    # Confirming is left, and declining as far as the status table allows it after the commit.
    late_decline = MergeParty.Status.DECLINED in MergeParty.TRANSITIONS[MergeParty.Status.LAPSED]
    assert 'value="confirm"' in html and ('value="decline"' in html) == late_decline

    done = client.post(url, {"answer": "confirm"})
    assert done.status_code == 200
    assert f"Your orders from {planned['merge'].name} are now in your account." in _text(done)
    storefront = planned["merge"].__class__.objects.get(pk=planned["merge"].pk).storefront
    assert f'href="/s/{storefront.code}/account/"' in done.content.decode()
    assert Order.objects.filter(storefront=storefront, customer=anne).count() == 1
    party.refresh_from_db()
    assert party.joined_at is not None

    after = client.get(url)
    assert "are in your account" in _text(after)
    assert "<form" not in after.content.decode().split('id="main"')[1]
    # Declining now is refused with the reason, and changes nothing.
    refused = client.post(url, {"answer": "decline"})
    assert refused.status_code == 409
    assert "Your orders were already joined to your account." in _text(refused)
    assert Order.objects.filter(storefront=storefront, customer=anne).count() == 1


def test_a_seller_cannot_answer_after_the_commit(planned, client):
    _commit(planned)
    url = _url(planned["seller_party"])
    page = client.get(url)
    assert "was kept apart. Write to the operator to join them." in _text(page)
    assert 'name="answer"' not in page.content.decode()
    refused = client.post(url, {"answer": "confirm"})
    assert refused.status_code == 409
    assert "The merge is done: the shops were kept apart." in _text(refused)
    planned["seller_party"].refresh_from_db()
    assert planned["seller_party"].status == MergeParty.Status.LAPSED


def test_an_abandoned_merge_says_so(planned, client):
    merge_abandon(merge_id=planned["merge"].pk, by=planned["operator"])
    url = _url(planned["customer_party"])
    page = client.get(url)
    assert "This merge was abandoned: there is nothing left to confirm." in _text(page)
    assert 'name="answer"' not in page.content.decode()
    assert client.post(url, {"answer": "confirm"}).status_code == 409
    planned["customer_party"].refresh_from_db()
    assert planned["customer_party"].status == MergeParty.Status.LAPSED


def test_a_bad_answer_changes_nothing(planned, client):
    response = client.post(_url(planned["customer_party"]), {"answer": "maybe"})
    assert response.status_code == 400
    assert "Choose to confirm or to decline." in _text(response)
    planned["customer_party"].refresh_from_db()
    assert planned["customer_party"].status == MergeParty.Status.PENDING


@pytest.mark.parametrize("kind", ["garbage", "tampered", "other_merge"])
def test_a_bad_or_old_link_is_a_404_with_a_clear_message(planned, client, kind):
    token = party_token(planned["customer_party"])
    if kind == "garbage":
        token = "not-a-token"
    elif kind == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:  # a link whose party is gone with its merge
        planned["merge"].delete()
    response = client.get(reverse("merge_confirm", kwargs={"token": token}))
    assert response.status_code == 404
    assert "This confirmation link is not valid, or too old." in _text(response)
    post = client.post(reverse("merge_confirm", kwargs={"token": token}), {"answer": "confirm"})
    assert post.status_code == 404


def test_a_customer_who_declines_after_the_commit_may_still_confirm_later(planned, client, monkeypatch):
    # The status table on main lets a lapsed customer decline too: the page follows the table.
    lapsed = MergeParty.Status.LAPSED
    both = frozenset({MergeParty.Status.CONFIRMED, MergeParty.Status.DECLINED})
    monkeypatch.setitem(MergeParty.TRANSITIONS, lapsed, both)
    party = planned["customer_party"]
    _commit(planned)
    url = _url(party)
    declined = client.post(url, {"answer": "decline"})
    assert declined.status_code == 200
    text = _text(declined)
    assert "Your answer is recorded: you declined." in text
    assert "You can still confirm later with the same link." in text
    assert "until the merge is done" not in text
    html = declined.content.decode()
    assert 'value="confirm"' in html and 'value="decline"' not in html
    joined = client.post(url, {"answer": "confirm"})
    assert "are now in your account" in _text(joined)
