"""The back office's merge pages (docs/merge-confirmations.md): the list and a merge's detail for
operator staff only, what the commit waits for, commit and abandon after a confirmation page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from galerie.catalog.matching.reviews import match_review_decide
from galerie.catalog.models import MatchReview
from galerie.portability.merge import merge_party_decide, merge_plan
from galerie.portability.models import MergeParty, MergeProduct, StorefrontMerge
from galerie.storefronts.models import Storefront
from tests.factories import make_user
from tests.portability.world import build_merging

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(tmp_path):
    world = build_merging(tmp_path)
    merge = merge_plan(path=world["bundle"], by=world["operator"])
    return {**world, "merge": merge}


@pytest.fixture
def operator(client):
    # A superuser holds the storefronts' permissions (the world's making empties the permission table).
    user = make_user(email="olivia@operator.test", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


def _urls(merge: StorefrontMerge) -> list[str]:
    return [
        reverse("back_office:merges"),
        reverse("back_office:merge", kwargs={"merge_id": merge.pk}),
        reverse("back_office:merge_commit", kwargs={"merge_id": merge.pk}),
        reverse("back_office:merge_abandon", kwargs={"merge_id": merge.pk}),
    ]


def test_the_pages_are_for_operator_staff_only_and_refusals_change_nothing(planned, client):
    merge = planned["merge"]
    for url in _urls(merge):
        client.logout()
        assert client.get(url)["Location"].startswith("/admin/login/"), url
        client.force_login(planned["anne"])
        assert client.get(url).status_code == 403, url
    for url in _urls(merge)[2:]:
        assert client.post(url, {"confirm": "on", "apart": "on"}).status_code == 403, url
    # Staff without the storefronts' permission read, but neither commit nor abandon.
    client.force_login(make_user(is_staff=True))
    assert client.get(_urls(merge)[1]).status_code == 200
    assert "needs the permission to add storefronts" in _text(client.get(_urls(merge)[1]))
    for url in _urls(merge)[2:]:
        assert client.post(url, {"confirm": "on", "apart": "on"}).status_code == 403
    merge.refresh_from_db()
    assert merge.status == StorefrontMerge.Status.PLANNED


def test_the_list_and_the_detail_say_what_the_commit_waits_for(planned, client, operator):
    merge = planned["merge"]
    listing = client.get(reverse("back_office:merges"))
    assert listing.status_code == 200
    row = _text(listing)
    assert merge.name in row and "Planned" in row
    assert f'href="/back-office/merges/{merge.pk}/"' in listing.content.decode()
    assert 'href="/back-office/merges/" aria-current="page"' in listing.content.decode()

    detail = client.get(reverse("back_office:merge", kwargs={"merge_id": merge.pk}))
    text = _text(detail)
    assert "1 doubtful product to review." in text
    assert "1 seller has not answered." in text
    assert "1 customer has not answered" in text
    assert f'href="/back-office/matches/?batch={merge.batch.replace(":", "%3A")}&amp;status=pending"' in (
        detail.content.decode()
    )
    assert "Librairie Martin" in text and "Martin & fils" in text and "anne@example.test" in text
    assert "galerie storefront merge commit" in text
    assert "Same as a catalog product 1" in text and "Doubtful, sent to review 1" in text


def test_commit_asks_first_then_writes_the_merge(planned, client, operator):
    merge = planned["merge"]
    review = MergeProduct.objects.get(merge=merge, decision="review").review
    match_review_decide(review_id=review.pk, accept=True, by=operator)
    url = reverse("back_office:merge_commit", kwargs={"merge_id": merge.pk})

    confirm = client.get(url)  # without "keep apart": the page warns the commit will be refused
    assert confirm.status_code == 200
    assert "1 seller has not answered: the commit will be refused." in _text(confirm)
    assert "Commit the merge now" not in _text(confirm)  # no button that can only fail
    refused = client.post(url, {"confirm": "on"}, follow=True)
    assert "1 sellers have not answered yet" in _text(refused)
    merge.refresh_from_db()
    assert merge.status == StorefrontMerge.Status.PLANNED

    confirm = client.get(url, {"apart": "on"})
    assert "its shop is added as a new one, apart from its shop here" in _text(confirm)
    assert "Commit the merge now" in _text(confirm)
    assert not Storefront.objects.filter(code=merge.code).exists()  # asking wrote nothing
    done = client.post(url, {"confirm": "on", "apart": "on"}, follow=True)
    assert done.status_code == 200
    merge.refresh_from_db()
    assert merge.status == StorefrontMerge.Status.COMMITTED and merge.committed_by == operator
    text = _text(done)
    assert "Merge committed" in text and "What the commit wrote" in text
    assert "Sellers added 2" in text and "Customers kept apart until they confirm 1" in text
    assert MergeParty.objects.get(merge=merge, kind="seller").status == MergeParty.Status.LAPSED
    # A second commit is refused, and says why.
    again = client.get(url, follow=True)
    assert "it can no longer change" in _text(again)


def test_a_confirmed_seller_is_joined_by_the_commit(planned, client, operator):
    merge = planned["merge"]
    review = MergeProduct.objects.get(merge=merge, decision="review").review
    match_review_decide(review_id=review.pk, accept=True, by=operator)
    party = MergeParty.objects.get(merge=merge, kind="seller")
    merge_party_decide(party_id=party.pk, confirm=True)
    url = reverse("back_office:merge_commit", kwargs={"merge_id": merge.pk})
    done = client.post(url, {"confirm": "on"}, follow=True)
    assert "Sellers joined to a shop here 1" in _text(done)


def test_abandon_asks_first_then_drops_the_reviews(planned, client, operator):
    merge = planned["merge"]
    url = reverse("back_office:merge_abandon", kwargs={"merge_id": merge.pk})
    confirm = client.get(url)
    assert "The merge's product reviews are dropped, decided or not." in _text(confirm)
    assert MatchReview.objects.filter(batch=merge.batch).exists()
    done = client.post(url, {"confirm": "on"}, follow=True)
    merge.refresh_from_db()
    assert merge.status == StorefrontMerge.Status.ABANDONED
    assert not MatchReview.objects.filter(batch=merge.batch).exists()
    assert "Merge abandoned" in _text(done) and "This merge was abandoned" in _text(done)


def test_the_detail_page_reads_a_fixed_number_of_queries(
    planned, client, operator, django_assert_max_num_queries
):
    url = reverse("back_office:merge", kwargs={"merge_id": planned["merge"].pk})
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
