"""A merchant file's doubtful rows wait in the operator's match queue: nothing applied for them
until the operator decides and commits the batch on /back-office/matches/; then an accepted
match is the seller's offer on the catalog variant, a rejected one a product proposal. The
file's options map onto the product type's attributes (docs/merchant-formats.md)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from galerie.catalog.matching import MatchBatchCommitted, match_review_decide
from galerie.catalog.matching.reviews import match_batch_applier, match_batches_to_commit
from galerie.catalog.models import Category, MatchReview, ProductProposal
from galerie.catalog.services import brand_create
from galerie.core.models import OutboxEvent
from galerie.offers.formats import reviews as review_rules
from galerie.offers.formats.attributes import attributes_for_type
from galerie.offers.formats.importer import ALREADY_IN_REVIEW_REASON, MISSING_ATTRIBUTES_REASON
from galerie.offers.models import Offer, OfferImport
from tests.factories import make_product, make_product_type, make_staff_member, make_user, make_variant
from tests.offers.formats.conftest import run

pytestmark = pytest.mark.django_db
PAGE = "/back-office/matches/"
COMMIT = reverse("back_office:match_commit")
HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Option1 Name,Option1 Value,"
    "Variant SKU,Variant Inventory Qty,Variant Price,Variant Barcode\n"
)
# One exact GTIN match (the T-shirt's S), one doubtful title match (the lamp: same brand, one
# word more than the catalog's title), one new product (the notebook: its brand is unknown).
FILE = HEADER + (
    "t-shirt-lin,T-shirt en lin,,Atelier Nord,Apparel > T-shirts,,Size,S,TS-S,12,29.00,3760000001014\n"
    "lampe-arc,Lampe de bureau Arc laiton articulée,<p>Bras articulé.</p>,Maison Lumière,Maison > Lampes,,"
    "Title,Default Title,LAMPE-ARC,3,89.00,\n"
    "carnet,Carnet en cuir,<p>Carnet A5.</p>,Atelier Nord,Office > Notebooks,,Color,noir,CARNET,7,18.50,\n"
)


@pytest.fixture
def lamp(shop):
    """The catalog's lamp, whose title the file's row comes close to (score between 600 and 850)."""
    product = make_product(
        category=Category.objects.get(name="Lampes"),
        product_type=make_product_type(attributes=[]),
        title="Lampe de bureau Arc laiton",
        brand=brand_create(name="Maison Lumière"),
    )
    return make_variant(product=product, gtin="3760000009010", attributes={})


def _import(seller, text: str = FILE, **kwargs) -> OfferImport:
    result = run(seller, "products_export.csv", data=text.encode(), **kwargs)
    assert result.status in (OfferImport.Status.APPLIED, OfferImport.Status.CHECKED), result.failure
    return result


def _report(offer_import: OfferImport) -> list[tuple]:
    return list(offer_import.errors.order_by("row", "id").values_list("row", "column", "reason"))


def _operator(client):
    operator = make_user(is_staff=True)
    client.force_login(operator)
    return operator


def test_the_doubtful_row_waits_then_accepted_and_committed_is_the_offer_on_the_proposed_variant(
    client, shop, lamp
):
    _storefront, seller, _products = shop
    offer_import = _import(seller)
    batch = f"offers-import:{offer_import.pk}"

    # The exact match is an offer, the new product a proposal, the doubtful row neither.
    assert sorted(
        Offer.objects.filter(seller=seller).values_list("variant__gtin", "price_minor", "stock")
    ) == [("3760000001014", 2900, 12)]
    assert list(ProductProposal.objects.filter(seller=seller).values_list("title", flat=True)) == [
        "Carnet en cuir — noir"
    ]
    review = MatchReview.objects.get()
    assert (review.batch, review.status, review.seller, review.product, review.variant) == (
        batch,
        "pending",
        seller,
        lamp.product,
        lamp,
    )
    assert 600 <= review.score < 850
    assert review.payload["offer"] == {
        "sku": "LAMPE-ARC",
        "price": 8900,
        "stock": 3,
        "stock_if_new": None,
        "condition": "new",
        "lead": None,
    }
    assert review.payload["proposal"]["title"] == "Lampe de bureau Arc laiton articulée"
    # The report says it plainly, and does not count it as a row with a problem.
    assert _report(offer_import) == [(3, "Title", review_rules.REVIEW_WAITING_REASON)]
    assert (offer_import.error_rows, offer_import.created_offers) == (0, 1)
    owner = make_staff_member(seller, role="owner")
    seller_page = reverse("seller_area:import", kwargs={"import_id": offer_import.pk})
    client.force_login(owner)
    page = client.get(seller_page).content.decode()
    assert "rows waiting for the operator's review" in page
    assert "the row waits for the operator&#x27;s review" in page

    # The operator sees it; no commit button while it is pending.
    _operator(client)
    body = client.get(PAGE).content.decode()
    assert "Lampe de bureau Arc laiton articulée" in body and batch in body
    assert f"from the seller {seller.display_name}" in body
    assert "Commit decisions" not in body
    decide = reverse("back_office:match_decide", kwargs={"review_id": review.pk})
    assert client.post(decide, {"action": "accept"}).status_code == 302
    body = client.get(PAGE).content.decode()
    assert "Commit decisions" in body and f'name="batch" value="{batch}"' in body
    assert not Offer.objects.filter(variant=lamp).exists()  # decided, not committed: nothing yet
    with translation.override("fr"):
        french = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Lots prêts à valider" in french and "Valider les décisions" in french
    assert f"du vendeur {seller.display_name}" not in french  # decided: off the pending list

    response = client.post(COMMIT, {"batch": batch})
    assert response.status_code == 302
    offer = Offer.objects.get(variant=lamp)
    assert (offer.seller, offer.price_minor, offer.stock, offer.seller_sku, offer.currency) == (
        seller,
        8900,
        3,
        "LAMPE-ARC",
        "EUR",
    )
    review.refresh_from_db()
    assert review.committed_at is not None
    offer_import.refresh_from_db()
    assert offer_import.created_offers == 2
    assert _report(offer_import) == [(3, "Title", review_rules.ACCEPTED_CREATED_REASON)]
    assert OutboxEvent.objects.filter(topic="offer_import.reviews_applied").count() == 1
    assert ProductProposal.objects.filter(seller=seller).count() == 1  # no duplicate of the lamp
    assert batch not in dict(match_batches_to_commit())

    # After the commit: a decision is refused, a second commit applies nothing again.
    client.post(decide, {"action": "reject"})
    review.refresh_from_db()
    assert review.status == "accepted"
    with pytest.raises(MatchBatchCommitted):
        match_review_decide(review_id=review.pk, accept=False, by=make_user(is_staff=True))
    client.post(COMMIT, {"batch": batch})
    assert Offer.objects.filter(variant=lamp).count() == 1
    assert OutboxEvent.objects.filter(topic="offer_import.reviews_applied").count() == 1

    client.force_login(owner)
    with translation.override("fr"):
        page = client.get(seller_page, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "votre offre a été créée" in page
    assert "rows waiting" not in page


def test_undone_then_rejected_the_doubtful_row_becomes_a_proposal_with_its_offer(client, shop, lamp):
    _storefront, seller, _products = shop
    checked = _import(seller, check_only=True)
    assert _report(checked) == [(3, "Title", review_rules.REVIEW_CHECK_REASON)]
    assert not MatchReview.objects.exists()  # a check changes nothing

    offer_import = _import(seller)
    batch = f"offers-import:{offer_import.pk}"
    review = MatchReview.objects.get()
    operator = _operator(client)
    decide = reverse("back_office:match_decide", kwargs={"review_id": review.pk})
    client.post(decide, {"action": "accept"})
    client.post(decide, {"action": "undo"})  # reversible until the commit
    review.refresh_from_db()
    assert review.status == "pending"
    client.post(COMMIT, {"batch": batch})  # refused: a review is pending
    review.refresh_from_db()
    assert review.committed_at is None
    assert not Offer.objects.filter(variant=lamp).exists()

    client.post(decide, {"action": "reject"})
    client.post(COMMIT, {"batch": batch})
    review.refresh_from_db()
    assert (review.status, review.committed_by) == ("rejected", operator)
    assert not Offer.objects.filter(variant=lamp).exists()
    proposal = ProductProposal.objects.get(seller=seller, title="Lampe de bureau Arc laiton articulée")
    assert (proposal.category.name, proposal.price_minor, proposal.stock, proposal.brand_name) == (
        "Lampes",
        8900,
        3,
        "Maison Lumière",
    )
    assert proposal.description == "Bras articulé."
    assert _report(offer_import)[0] == (3, "Title", review_rules.REJECTED_PROPOSED_REASON)

    # The same file again while nothing waits: the lamp waits for review again, not proposed twice.
    again = _import(seller)
    assert MatchReview.objects.filter(batch=f"offers-import:{again.pk}").count() == 1


def test_a_row_already_waiting_for_review_is_not_queued_twice(shop, lamp):
    _storefront, seller, _products = shop
    _import(seller)
    second = _import(seller)
    assert MatchReview.objects.count() == 1
    assert (3, "Title", ALREADY_IN_REVIEW_REASON) in _report(second)
    assert second.error_rows == 2  # the lamp waits for review, the notebook for its proposal


def test_the_applier_is_registered_by_the_offers_app_for_its_prefix():
    assert match_batch_applier("offers-import:12") is review_rules.merchant_reviews_apply
    assert match_batch_applier("bundle:topachat") is None


def test_options_map_onto_the_product_types_attributes_by_code_name_or_alias():
    product_type = make_product_type(
        attributes=[
            {
                "code": "colour",
                "name": "Colour",
                "kind": "choice",
                "level": "variant",
                "choices": ["Noir", "Blanc"],
            },
            {"code": "matiere", "name": "Matière", "kind": "text"},
            {"code": "pages", "name": "Pages", "kind": "integer"},
            {"code": "waterproof", "name": "Waterproof", "kind": "boolean"},
            {"code": "author", "name": "Auteur", "kind": "text", "is_required": True},
        ]
    )
    mapped = attributes_for_type(
        list(product_type.attributes.all()),
        {"Couleur": "noir", "MATIERE": "Lin", "Pages": "cent", "Tags": "été", "waterproof": "oui"},
    )
    assert mapped.values == {"colour": "Noir", "matiere": "Lin", "waterproof": True}
    assert mapped.refused == {"Pages": "cent"}  # not a whole number: left out
    assert mapped.unmapped == {"Tags": "été"}  # no such attribute: left out, as before
    assert mapped.missing == ["Auteur"]
    assert attributes_for_type(list(product_type.attributes.all()), {"Color": "Vert"}).refused == {
        "Color": "Vert"  # not one of the choices
    }


def test_a_proposal_carries_the_files_options_mapped_and_a_missing_required_one_is_a_row_problem(shop):
    _storefront, seller, _products = shop
    notebooks = Category.objects.get(name="Notebooks")
    carnets = make_product_type(
        attributes=[
            {
                "code": "colour",
                "name": "Colour",
                "kind": "choice",
                "level": "variant",
                "choices": ["Noir", "Fauve"],
            },
            {"code": "matiere", "name": "Matière", "kind": "text"},
        ]
    )
    make_product(category=notebooks, product_type=carnets, title="Agenda 2027", attributes={})
    _import(seller)
    proposal = ProductProposal.objects.get(seller=seller, title__startswith="Carnet")
    assert proposal.attributes == {"colour": "Noir"}  # "Color" = "noir", by the alias and the choice

    ProductProposal.objects.all().delete()
    carnets.attributes.create(code="format", name="Format", kind="text", is_required=True)
    offer_import = _import(seller)
    assert not ProductProposal.objects.filter(title__startswith="Carnet").exists()
    assert (4, "Title", MISSING_ATTRIBUTES_REASON) in _report(offer_import)


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("anonymous", 302),
        ("customer", 403),
        ("seller_owner", 403),
        ("inactive_staff", 302),
        ("operator", 302),
    ],
)
def test_only_the_operator_commits_a_batch(client, shop, lamp, actor, status):
    _storefront, seller, _products = shop
    offer_import = _import(seller)
    review = MatchReview.objects.get()
    match_review_decide(review_id=review.pk, accept=True, by=make_user(is_staff=True))
    user = {
        "anonymous": None,
        "customer": make_user(),
        "seller_owner": make_staff_member(seller, role="owner"),
        "inactive_staff": make_user(is_staff=True, is_active=False),
        "operator": make_user(is_staff=True),
    }[actor]
    if user is not None:
        client.force_login(user)
    assert client.post(COMMIT, {"batch": f"offers-import:{offer_import.pk}"}).status_code == status
    review.refresh_from_db()
    assert (review.committed_at is not None) == (actor == "operator")
    assert Offer.objects.filter(variant=lamp).exists() == (actor == "operator")


def test_an_accepted_match_updates_the_sellers_offer_of_that_variant_and_a_batch_without_applier_is_404(
    client, shop, lamp
):
    from tests.factories import make_offer

    _storefront, seller, _products = shop
    existing = make_offer(seller=seller, variant=lamp, price_minor=9900, stock=1)
    offer_import = _import(seller)
    review = MatchReview.objects.get()
    _operator(client)
    client.post(reverse("back_office:match_decide", kwargs={"review_id": review.pk}), {"action": "accept"})
    client.post(COMMIT, {"batch": f"offers-import:{offer_import.pk}"})
    existing.refresh_from_db()
    assert (existing.price_minor, existing.stock, existing.seller_sku) == (8900, 3, "LAMPE-ARC")
    assert Offer.objects.filter(variant=lamp).count() == 1
    offer_import.refresh_from_db()
    assert offer_import.updated_offers == 1
    assert _report(offer_import) == [(3, "Title", review_rules.ACCEPTED_UPDATED_REASON)]
    assert client.post(COMMIT, {"batch": "bundle:elsewhere"}).status_code == 404
