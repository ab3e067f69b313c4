"""Merging a storefront's bundle into an installation that has a catalog (docs/storefront-merge.md):
overlapping GTINs, a doubtful title in the review queue, a seller present in both, a customer in
both who has not confirmed, every decision reversible until the commit, 301s for every old URL."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.accounts.models import User
from galerie.catalog.matching.reviews import MatchBatchCommitted, match_review_decide, match_review_undo
from galerie.catalog.models import Brand, Category, MatchReview, Product, Variant
from galerie.offers.models import Offer, PriceHistory
from galerie.orders.models import Order
from galerie.portability.errors import BundleConflict
from galerie.portability.merge import (
    MergeBundleChanged,
    MergeClosed,
    MergeUndecided,
    merge_abandon,
    merge_commit,
    merge_party_decide,
    merge_plan,
    party_from_token,
    party_token,
)
from galerie.portability.models import MergeParty, MergeProduct, StorefrontMerge
from galerie.reviews.models import RatingSummary, Review
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.models import Storefront, StorefrontRedirect
from tests.factories import (
    make_storefront,
)
from tests.portability.world import build_merging

pytestmark = pytest.mark.django_db


@pytest.fixture
def merging(tmp_path):
    return build_merging(tmp_path)


def test_the_plan_decides_without_writing_anything(merging):
    products_before = Product.objects.count()
    merge = merge_plan(path=merging["bundle"], by=merging["operator"])

    assert merge.status == StorefrontMerge.Status.PLANNED
    assert merge.counts["products_match"] == 1 and merge.counts["products_review"] == 1
    assert merge.counts["sellers_to_confirm"] == 1 and merge.counts["customers_to_confirm"] == 1
    decided = {p.title: p for p in MergeProduct.objects.filter(merge=merge)}
    assert decided["Vingt mille lieues"].product == merging["novel"]
    assert decided["Vingt mille lieues"].signal == "gtin"
    review = decided["Les Fleurs du mal"].review
    assert review.status == MatchReview.Status.PENDING and review.product == merging["fleurs"]
    assert 600 <= review.score < 850
    seller_party = MergeParty.objects.get(merge=merge, kind="seller")
    assert seller_party.seller == merging["seller"] and seller_party.signal == "siren"
    customer_party = MergeParty.objects.get(merge=merge, kind="customer")
    assert customer_party.user == merging["anne"] and customer_party.status == MergeParty.Status.PENDING
    # Nothing of the catalog moved.
    assert Product.objects.count() == products_before
    assert not Storefront.objects.filter(code=merging["code"]).exists()


def test_commit_waits_for_the_review_and_the_seller(merging):
    merge = merge_plan(path=merging["bundle"], by=merging["operator"])
    with pytest.raises(MergeUndecided, match="pending"):
        merge_commit(merge_id=merge.pk, by=merging["operator"])
    review = MergeProduct.objects.get(merge=merge, decision="review").review
    match_review_decide(review_id=review.pk, accept=True, by=merging["operator"])
    with pytest.raises(MergeUndecided, match="sellers"):
        merge_commit(merge_id=merge.pk, by=merging["operator"])
    assert not Storefront.objects.filter(code=merging["code"]).exists()
    # The operator may go on without the seller: its shop is then kept apart.
    merge_commit(merge_id=merge.pk, by=merging["operator"], sellers_unanswered_apart=True)
    party = MergeParty.objects.get(merge=merge, kind="seller")
    assert party.status == MergeParty.Status.LAPSED
    assert Seller.objects.filter(display_name="Librairie Martin").exists()


def test_the_whole_merge(merging, client, settings):
    operator, anne = merging["operator"], merging["anne"]
    merge = merge_plan(path=merging["bundle"], by=operator)
    review = MergeProduct.objects.get(merge=merge, decision="review").review

    # Every decision can change until the commit.
    match_review_decide(review_id=review.pk, accept=False, by=operator)
    match_review_undo(review_id=review.pk, by=operator)
    match_review_decide(review_id=review.pk, accept=True, by=operator)
    seller_party = MergeParty.objects.get(merge=merge, kind="seller")
    assert party_from_token(party_token(seller_party)) == seller_party
    merge_party_decide(party_id=seller_party.pk, confirm=False)
    merge_party_decide(party_id=seller_party.pk, confirm=True)

    products_before = Product.objects.count()
    storefront = merge_commit(merge_id=merge.pk, by=operator)

    # The storefront keeps its own hosts, theme, plan and language.
    assert storefront.code == merging["code"]
    assert set(storefront.hosts.values_list("host", flat=True)) == {
        "books.example.test",
        "www.books.example.test",
    }
    assert storefront.commission_plan.rate_bp == 1200
    # Both products were matched: no product added; the novel's two variants map onto the
    # one with the same GTIN and a new one (the hardcover) added to it.
    assert Product.objects.count() == products_before
    novel = merging["novel"]
    assert novel.variants.count() == 2
    hardcover = novel.variants.exclude(pk=merging["novel_variant"].pk).get()
    # The seller who confirmed is the seller here: its offer on the same variant stays, the
    # others are added to it, admitted to the merged storefront.
    seller = merging["seller"]
    assert SellerAdmission.objects.get(seller=seller, storefront=storefront).status == "admitted"
    kept = Offer.objects.get(pk=merging["kept_offer"].pk)
    assert kept.price_minor == 1800 and kept.seller == seller
    assert not Seller.objects.filter(display_name="Librairie Martin").exists()
    # The private seller is added; its offers sit on the matched products.
    marie = Seller.objects.get(display_name="Marie")
    assert set(Offer.objects.filter(seller=marie).values_list("variant", flat=True)) == {
        hardcover.pk,
        merging["fleurs_variant"].pk,
    }
    assert PriceHistory.objects.filter(offer__seller=marie).exists()
    # Anne did not confirm: her orders are on an account of their own, not hers.
    orders = Order.objects.filter(storefront=storefront)
    assert orders.count() == 2
    assert not orders.filter(customer=anne).exists()
    # Decisions are frozen now.
    with pytest.raises(MatchBatchCommitted):
        match_review_undo(review_id=review.pk, by=operator)
    with pytest.raises(MergeClosed):
        merge_party_decide(party_id=seller_party.pk, confirm=False)
    # She confirms later: her orders move to her account.
    customer_party = MergeParty.objects.get(merge=merge, kind="customer")
    assert customer_party.status == MergeParty.Status.LAPSED
    merge_party_decide(party_id=customer_party.pk, confirm=True)
    assert orders.filter(customer=anne).count() == 1
    with pytest.raises(MergeClosed):
        merge_party_decide(party_id=customer_party.pk, confirm=False)

    # Every old URL of the bundle answers 301 to the page here.
    settings.ALLOWED_HOSTS = ["*"]
    renamed = Category.objects.get(name="Poetry").slug
    assert renamed != next(
        e["key"] for e in merging["url_map"] if e["path"] == f"c/{renamed.removesuffix('-2')}/"
    )
    for entry in merging["url_map"]:
        response = client.get(f"/{entry['path']}", HTTP_HOST="books.example.test")
        if response.status_code == 200:
            continue  # a path the merge kept (a category reused under its own slug)
        assert response.status_code == 301, entry
        target = client.get(response["Location"], HTTP_HOST="books.example.test")
        assert target.status_code == 200, (entry, response["Location"])
    assert StorefrontRedirect.objects.filter(storefront=storefront, new_path=f"p/{novel.slug}/").exists()
    assert StorefrontRedirect.objects.filter(storefront=storefront, new_path=f"c/{renamed}/").exists()


def test_a_refused_review_adds_the_product_and_a_second_commit_is_refused(merging):
    operator = merging["operator"]
    merge = merge_plan(path=merging["bundle"], by=operator)
    review = MergeProduct.objects.get(merge=merge, decision="review").review
    match_review_decide(review_id=review.pk, accept=False, by=operator)
    before = Product.objects.count()
    merge_commit(merge_id=merge.pk, by=operator, sellers_unanswered_apart=True)
    assert Product.objects.count() == before + 1
    added = Product.objects.get(title="Les Fleurs du mal")
    assert added.variants.count() == 1
    with pytest.raises(MergeClosed):
        merge_commit(merge_id=merge.pk, by=operator)


def test_a_host_taken_here_is_refused_before_the_plan(merging):
    make_storefront(code="other", hosts=["books.example.test"])
    with pytest.raises(BundleConflict, match=r"books\.example\.test"):
        merge_plan(path=merging["bundle"])
    assert not StorefrontMerge.objects.exists()


def test_abandon_drops_the_reviews(merging):
    merge = merge_plan(path=merging["bundle"], by=merging["operator"])
    merge_abandon(merge_id=merge.pk, by=merging["operator"])
    assert not MatchReview.objects.filter(batch=merge.batch).exists()
    with pytest.raises(MergeClosed):
        merge_commit(merge_id=merge.pk, by=merging["operator"])
    assert not Variant.objects.filter(product__title="Les Fleurs du mal").exists()
    assert User.objects.filter(email="anne@example.test").count() == 1


def test_a_bundle_changed_since_the_plan_is_refused(merging):
    merge = merge_plan(path=merging["bundle"], by=merging["operator"])
    manifest = merging["bundle"] / "manifest.json"
    data = json.loads(manifest.read_text())
    data["exported_at"] = "2030-01-01T00:00:00.000000Z"  # a volatile field: the bundle still checks
    manifest.write_text(json.dumps(data))
    with pytest.raises(MergeBundleChanged):
        merge_commit(merge_id=merge.pk, by=merging["operator"], sellers_unanswered_apart=True)
    assert not Storefront.objects.filter(code=merging["code"]).exists()


def test_the_commands_plan_show_commit_and_say_what_waits(merging):
    out = io.StringIO()
    call_command("storefront", "merge", "plan", str(merging["bundle"]), stdout=out)
    assert "1 same as here, 1 to review, 0 new" in out.getvalue()
    assert "1 of 2 sellers and 1 of 2 customers asked to confirm" in out.getvalue()
    merge = StorefrontMerge.objects.get()
    out = io.StringIO()
    call_command("storefront", "merge", "status", str(merge.pk), stdout=out)
    assert "reviews pending: 1" in out.getvalue() and "seller pending: 1" in out.getvalue()
    with pytest.raises(CommandError, match="still pending"):
        call_command("storefront", "merge", "commit", str(merge.pk), stdout=io.StringIO())
    review = MergeProduct.objects.get(merge=merge, decision="review").review
    match_review_decide(review_id=review.pk, accept=True, by=merging["operator"])
    out = io.StringIO()
    call_command("storefront", "merge", "commit", str(merge.pk), "--sellers-apart", stdout=out)
    assert f"Merged {merging['code']} as {merging['code']}" in out.getvalue()
    assert "2 product matched" in out.getvalue()
    with pytest.raises(CommandError, match="No merge 999"):
        call_command("storefront", "merge", "abandon", "999")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.lists(st.booleans(), max_size=4),
    after=st.lists(st.booleans(), max_size=4),
)
def test_a_customer_is_joined_only_by_their_own_confirmation(merging, before, after):
    """Any sequence of answers before and after the commit: the customer's orders are in their
    account exactly when they confirmed — by their last answer before the commit, or by a
    confirmation after it — and once joined they stay joined."""
    anne, operator = merging["anne"], merging["operator"]
    with transaction.atomic():
        merge = merge_plan(path=merging["bundle"], by=operator)
        party = MergeParty.objects.get(merge=merge, kind="customer")
        review = MergeProduct.objects.get(merge=merge, decision="review").review
        match_review_decide(review_id=review.pk, accept=True, by=operator)
        for confirm in before:
            merge_party_decide(party_id=party.pk, confirm=confirm)
        storefront = merge_commit(merge_id=merge.pk, by=operator, sellers_unanswered_apart=True)
        joined = bool(before) and before[-1]
        for confirm in after:
            try:
                merge_party_decide(party_id=party.pk, confirm=confirm)
            except MergeClosed:
                assert joined  # only a joined customer's answer is final
                continue
            joined = joined or confirm
        party.refresh_from_db()
        mine = Order.objects.filter(storefront=storefront, customer=anne).count()
        assert mine == (1 if joined else 0)
        assert (party.joined_at is not None) == joined
        assert Order.objects.filter(storefront=storefront).count() == 2  # never an order lost
        transaction.set_rollback(True)


def test_a_brand_written_in_bulk_here_is_found_all_the_same(merging):
    """Brands loaded by a seed or an import have no match key yet: the merge gives them theirs
    and finds the brand, rather than adding a second one under a renamed slug."""
    merge = merge_plan(path=merging["bundle"], by=merging["operator"])
    Brand.objects.update(match_key="")  # as if loaded in bulk after the plan's matcher filled them
    review = MergeProduct.objects.get(merge=merge, decision="review").review
    match_review_decide(review_id=review.pk, accept=False, by=merging["operator"])
    merge_commit(merge_id=merge.pk, by=merging["operator"], sellers_unanswered_apart=True)
    assert list(Brand.objects.values_list("name", flat=True)) == ["Hetzel"]
    assert Product.objects.get(title="Les Fleurs du mal").brand.name == "Hetzel"


def test_the_merge_carries_the_reviews_onto_the_matched_product(merging):
    operator, anne, novel, seller = merging["operator"], merging["anne"], merging["novel"], merging["seller"]
    merge = merge_plan(path=merging["bundle"], by=operator)
    assert merge.counts["reviews"] == 3
    review = MergeProduct.objects.get(merge=merge, decision="review").review
    match_review_decide(review_id=review.pk, accept=True, by=operator)
    merge_party_decide(party_id=MergeParty.objects.get(merge=merge, kind="seller").pk, confirm=True)
    storefront = merge_commit(merge_id=merge.pk, by=operator)

    reviews = Review.objects.filter(storefront=storefront)
    assert reviews.count() == 3
    merge.refresh_from_db()
    assert merge.counts["written_review_added"] == 3
    # Every review sits on its line here; the reviewed variants (paperback, hardcover) are the
    # novel's, matched with the novel here: the reviews are the novel's here.
    assert set(reviews.values_list("product_id", flat=True)) == {novel.pk}
    for r in reviews.select_related("order_line__variant", "seller_order__order"):
        assert r.product_id == r.order_line.variant.product_id
        assert r.seller_id == r.seller_order.seller_id and r.customer_id == r.seller_order.order.customer_id
    # The summaries of the merged storefront: the hidden review left out, the seller who
    # confirmed is the seller here.
    product = RatingSummary.objects.get(storefront=storefront, kind="product", subject_id=novel.pk)
    assert (product.count, product.stars_sum, product.average_centi) == (2, 8, 400)
    assert len(product.recent) == 2 and {r["author"] for r in product.recent} == {"Anne M.", ""}
    mine = RatingSummary.objects.get(storefront=storefront, kind="seller", subject_id=seller.pk)
    assert (mine.count, mine.stars_sum) == (2, 9)
    assert not RatingSummary.objects.filter(storefront=merging["here"]).exists()
    # Anne confirms after the commit: her reviews follow her orders to her account.
    assert not reviews.filter(customer=anne).exists()
    merge_party_decide(party_id=MergeParty.objects.get(merge=merge, kind="customer").pk, confirm=True)
    assert reviews.filter(customer=anne).count() == 2
