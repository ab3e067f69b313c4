"""Product, seller and customer matching; the review queue's decisions (docs/product-matching.md)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from stdnum import ean, isbn

from galerie.catalog import services as catalog
from galerie.catalog.matching import (
    MatchBatchCommitted,
    MatchBatchUndecided,
    ProductCandidate,
    brand_key,
    customer_match,
    identifier_key,
    match_batch_commit,
    match_review_decide,
    match_review_undo,
    match_reviews_create,
    product_match,
    products_match,
    seller_match,
    title_key,
)
from galerie.catalog.matching.products import title_similarity
from galerie.catalog.models import Brand, MatchReview
from galerie.core.models import StatusChange
from tests.factories import (
    gtin13,
    make_category,
    make_product,
    make_product_type,
    make_seller,
    make_user,
    make_variant,
)

# --- normalisation -------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=999_999_999), st.sampled_from(["978"]), st.randoms())
def test_every_spelling_of_an_isbn_normalises_to_one_form(body, prefix, rnd):
    isbn13 = prefix + f"{body:09d}" + ean.calc_check_digit(prefix + f"{body:09d}")
    isbn10 = isbn.to_isbn10(isbn13)
    hyphenated = isbn.format(isbn13)
    spaced = " ".join(isbn13[i : i + 4] for i in range(0, 13, 4))
    forms = [
        isbn13,
        isbn10,
        isbn.format(isbn10),
        hyphenated,
        spaced,
        "0" + isbn13,
        f"'{isbn13}",
        isbn10.lower(),
    ]
    keys = {identifier_key(form) for form in forms}
    assert keys == {isbn13}


@given(st.integers(min_value=0, max_value=99_999_999_999))
def test_a_upc_its_ean13_and_its_gtin14_normalise_equal(body):
    upc = f"{body:011d}" + ean.calc_check_digit(f"{body:011d}")
    keys = {
        identifier_key(upc),
        identifier_key("0" + upc),
        identifier_key("00" + upc),
        identifier_key(f"{upc[:6]}-{upc[6:]}"),
    }
    assert keys == {"0" + upc}


def test_invalid_identifiers_have_no_key():
    assert identifier_key("9782070368229") is None  # wrong check digit
    assert identifier_key("not a code") is None
    assert identifier_key("2070368221") is None  # an ISBN-10 with a wrong check character


@given(st.text(max_size=80))
def test_title_normalisation_is_idempotent(text):
    once = title_key(text)
    assert title_key(once) == once


@given(st.text(alphabet=st.sampled_from("abcGgOoTt0123456789 ,.-'\"lx"), max_size=40))
def test_title_normalisation_is_idempotent_on_numbers_and_units(text):
    once = title_key(text)
    assert title_key(once) == once


@given(st.text(max_size=60))
def test_brand_normalisation_is_idempotent(text):
    assert brand_key(brand_key(text)) == brand_key(text)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Smartphone Galaxy S21 128 Go Noir", "smartphone galaxy s21 128GB noir"),
        ("Clé USB 2,0 To", "cle usb 2.0 TB"),
        ('Écran 27" 144 Hz', "ecran 27 pouces 144hz"),
        ("Le Petit Prince", "petit prince"),
    ],
)
def test_title_spellings_normalise_equal(a, b):
    assert title_key(a) == title_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("L'Oréal S.A.", "loreal"),
        ("Samsung Electronics GmbH", "SAMSUNG ELECTRONICS"),
        ("Apple Inc.", "apple"),
    ],
)
def test_brand_spellings_normalise_equal(a, b):
    assert brand_key(a) == brand_key(b)


def test_title_similarity_ignores_word_order():
    assert title_similarity(["noir", "s21", "galaxy"], ["galaxy", "s21", "noir"]) == 1.0
    assert title_similarity(["iphone", "13"], ["iphone", "13", "pro"]) == pytest.approx(0.8)


# --- products --------------------------------------------------------------------------------


@pytest.fixture
def phones(db):
    phone = make_product_type(
        code="phone",
        name="Phone",
        attributes=[
            {"code": "storage", "name": "Storage", "kind": "text", "level": "variant", "is_key": True},
            {"code": "colour", "name": "Colour", "kind": "text", "level": "variant", "is_key": True},
            {"code": "screen", "name": "Screen", "kind": "text"},
        ],
    )
    category = make_category("Phones")
    samsung = catalog.brand_create(name="Samsung")
    galaxy = make_product(
        category=category, product_type=phone, brand=samsung, title="Samsung Galaxy S21 5G", attributes={}
    )
    black = make_variant(product=galaxy, attributes={"storage": "128 Go", "colour": "Noir"})
    white = make_variant(product=galaxy, attributes={"storage": "256 Go", "colour": "Blanc"})
    tab = make_product(
        category=category, product_type=phone, brand=samsung, title="Galaxy Tab A8", attributes={}
    )
    make_variant(product=tab, attributes={})
    return SimpleNamespace(galaxy=galaxy, black=black, white=white, tab=tab, samsung=samsung)


def test_an_exact_gtin_is_a_match_whatever_its_spelling(phones):
    spelled = phones.black.gtin[:4] + "-" + phones.black.gtin[4:]
    result = product_match(ProductCandidate(gtin=spelled, title="Something else entirely"))
    assert (result.decision, result.score, result.variant, result.product) == (
        "match",
        1000,
        phones.black,
        phones.galaxy,
    )
    assert result.reasons[0].signal == "gtin" and result.reasons[0].agrees is True


def test_a_gtin_whose_brand_contradicts_goes_to_review(phones):
    result = product_match(ProductCandidate(gtin=phones.black.gtin, brand="Apple Inc.", title="iPhone 13"))
    assert result.decision == "review" and result.variant == phones.black
    assert any(r.signal == "brand" and r.agrees is False for r in result.reasons)
    # The same brand spelled otherwise does not contradict.
    assert product_match(ProductCandidate(gtin=phones.black.gtin, brand="SAMSUNG GmbH")).decision == "match"


def test_brand_title_and_key_attributes_match(phones):
    result = product_match(
        ProductCandidate(
            brand="Samsung Electronics SA",
            title="Galaxy S21 5G samsung",
            attributes={"Storage": "128GB", "colour": "noir"},
        )
    )
    # "Samsung Electronics" is not "Samsung": no product of that brand.
    assert result.decision == "new"
    result = product_match(
        ProductCandidate(
            brand="SAMSUNG", title="Galaxy S21 5G", attributes={"Storage": "128GB", "colour": "noir"}
        )
    )
    assert (result.decision, result.score, result.variant) == ("match", 1000, phones.black)


def test_attributes_named_in_french_are_compared(phones):
    result = product_match(
        ProductCandidate(
            brand="Samsung", title="Galaxy S21 5G", attributes={"Capacité": "256 Go", "Couleur": "blanc"}
        )
    )
    assert (result.decision, result.score, result.variant) == ("match", 1000, phones.white)


def test_a_doubtful_title_lands_in_review(phones):
    result = product_match(ProductCandidate(brand="Samsung", title="Galaxy S21 smartphone 5G reconditionné"))
    assert result.decision == "review", result
    assert 600 <= result.score < 850 and result.product == phones.galaxy
    assert result.variant is None  # nothing tells its two variants apart
    title = next(r for r in result.reasons if r.signal == "title")
    assert title.points == round(
        600
        * title_similarity(["galaxy", "s21", "smartphone", "5g", "reconditionne"], ["galaxy", "s21", "5g"])
    )


def test_a_key_attribute_that_disagrees_is_not_a_match(phones):
    result = product_match(
        ProductCandidate(
            brand="Samsung", title="Galaxy S21 5G", attributes={"storage": "512 Go", "colour": "Vert"}
        )
    )
    assert result.decision != "match"


def test_a_clear_non_match_is_new(phones):
    result = product_match(ProductCandidate(brand="Samsung", title="Réfrigérateur américain 600 litres"))
    assert (result.decision, result.product) == ("new", None)
    assert (
        product_match(ProductCandidate(title="Galaxy S21 5G")).decision == "new"
    )  # no brand: no title match


def test_the_bounds_are_settings(phones, settings):
    candidate = ProductCandidate(brand="Samsung", title="Galaxy S21 smartphone 5G reconditionné")
    settings.GALERIE_MATCH_LOWER = 900
    assert product_match(candidate).decision == "new"
    settings.GALERIE_MATCH_LOWER, settings.GALERIE_MATCH_UPPER = 100, 200
    assert product_match(candidate).decision == "match"


def test_a_batch_costs_a_fixed_number_of_queries(phones):
    def batch(n):
        return [
            ProductCandidate(
                gtin=phones.black.gtin if i % 3 == 0 else gtin13(),
                brand=f"Brand {i % 7}",
                title=f"Galaxy {i}",
            )
            for i in range(n)
        ] + [ProductCandidate(brand="Samsung", title="Galaxy Tab A8")]

    with CaptureQueriesContext(connection) as small:
        products_match(batch(3))
    with CaptureQueriesContext(connection) as large:
        results = products_match(batch(300))
    assert len(large.captured_queries) == len(small.captured_queries) <= 7
    assert results[-1].product == phones.tab and results[0].variant == phones.black


def test_brands_written_in_bulk_get_their_key(phones):
    Brand.objects.bulk_create([Brand(name="Bulk Brand SARL", slug="bulk-brand")])
    assert Brand.objects.get(slug="bulk-brand").match_key == ""
    product_match(ProductCandidate(brand="bulk brand", title="x"))
    assert Brand.objects.get(slug="bulk-brand").match_key == "bulk brand"


# --- sellers and customers -------------------------------------------------------------------------


def test_sellers_are_matched_by_siren_or_vat_for_confirmation(db):
    seller = make_seller(trade_register_number="443 061 841", vat_number="")
    other = make_seller()  # 732 829 320, FR44732829320
    found = seller_match(registration_number="443 061 841 00047")  # a SIRET of the same company
    assert (found.decision, found.seller, found.signal) == ("confirm", seller, "siren")
    assert seller_match(registration_number="443061841").seller == seller
    found = seller_match(vat_number="fr 44 732 829 320")
    assert (found.decision, found.seller, found.signal) == ("confirm", other, "vat")
    # A French VAT number holds the SIREN.
    assert seller_match(vat_number="FR83443061841").seller == seller
    assert seller_match(name=seller.display_name).decision == "new"  # a name alone never matches
    assert seller_match(registration_number="552100554").decision == "new"
    assert seller_match(registration_number="nonsense", vat_number="XX123").decision == "new"


def test_a_customer_email_in_both_needs_confirmation(db):
    user = make_user(email="ann@example.test")
    assert customer_match(email=" Ann@Example.test ") == customer_match(email="ann@example.test")
    assert customer_match(email="ann@example.test").decision == "confirm"
    assert customer_match(email="ann@example.test").user == user
    assert customer_match(email="bob@example.test").decision == "new"


# --- the review queue ----------------------------------------------------------------------------


def _review(phones, batch="bundle-1"):
    candidate = ProductCandidate(brand="Samsung", title="Galaxy S21 smartphone 5G reconditionné")
    return match_reviews_create(batch=batch, results=[(candidate, product_match(candidate))])[0]


def test_decide_undo_and_commit(phones):
    operator = make_user(is_staff=True)
    review = _review(phones)
    assert (review.status, review.product, review.candidate["title"]) == (
        "pending",
        phones.galaxy,
        "Galaxy S21 smartphone 5G reconditionné",
    )
    with pytest.raises(MatchBatchUndecided):
        match_batch_commit(batch="bundle-1", by=operator)

    match_review_decide(review_id=review.pk, accept=True, by=operator)
    match_review_decide(review_id=review.pk, accept=False, by=operator)  # a change of mind
    match_review_undo(review_id=review.pk, by=operator)
    review.refresh_from_db()
    assert (review.status, review.decided_by) == ("pending", None)
    match_review_decide(review_id=review.pk, accept=True, by=operator)
    assert match_batch_commit(batch="bundle-1", by=operator) == 1
    assert match_batch_commit(batch="bundle-1", by=operator) == 0  # a retry

    history = list(
        StatusChange.objects.filter(model="catalog.MatchReview", object_pk=str(review.pk))
        .order_by("id")
        .values_list("from_status", "to_status")
    )
    assert history == [
        ("pending", "accepted"),
        ("accepted", "rejected"),
        ("rejected", "pending"),
        ("pending", "accepted"),
    ]
    with pytest.raises(MatchBatchCommitted):
        match_review_undo(review_id=review.pk, by=operator)
    with pytest.raises(MatchBatchCommitted):
        match_review_decide(review_id=review.pk, accept=False, by=operator)
    review.refresh_from_db()
    assert review.status == "accepted" and review.committed_by == operator
    assert StatusChange.objects.filter(object_pk=str(review.pk), model="catalog.MatchReview").count() == 4


def test_only_doubtful_results_are_recorded(phones):
    candidates = [
        ProductCandidate(gtin=phones.black.gtin),
        ProductCandidate(brand="Samsung", title="Galaxy S21 smartphone 5G reconditionné"),
        ProductCandidate(brand="Nobody", title="Nothing"),
    ]
    created = match_reviews_create(
        batch="b", results=list(zip(candidates, products_match(candidates), strict=True))
    )
    assert len(created) == 1 and MatchReview.objects.count() == 1


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(["accept", "reject", "undo"]), max_size=8))
def test_any_sequence_of_decisions_ends_where_the_last_one_says_and_each_change_is_recorded(phones, actions):
    operator = make_user(is_staff=True)
    review = _review(phones, batch=f"b-{MatchReview.objects.count()}")
    expected, changes = "pending", 0
    for action in actions:
        if action == "undo":
            match_review_undo(review_id=review.pk, by=operator)
            target = "pending"
        else:
            match_review_decide(review_id=review.pk, accept=action == "accept", by=operator)
            target = "accepted" if action == "accept" else "rejected"
        changes += target != expected
        expected = target
    review.refresh_from_db()
    assert review.status == expected
    assert (
        StatusChange.objects.filter(model="catalog.MatchReview", object_pk=str(review.pk)).count() == changes
    )
    if expected == "pending":
        with pytest.raises(MatchBatchUndecided):
            match_batch_commit(batch=review.batch, by=operator)
    else:
        assert match_batch_commit(batch=review.batch, by=operator) == 1
