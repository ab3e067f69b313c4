"""The fixed book price on offers (loi 81-766, « loi Lang », docs/loi-lang.md): a new book sells
at exactly its publisher's price through every door (the service, the import rows, the API bulk,
the seller's page, a proposal); used, like-new and refurbished books at any price."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from galerie.catalog.books import is_book
from galerie.catalog.models import Product, ProductProposal
from galerie.catalog.services import product_publisher_price_set
from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent
from galerie.core.money import Money
from galerie.offers.errors import BookPriceFixed
from galerie.offers.handlers import publisher_price_changed
from galerie.offers.imports import offer_import_create, offer_import_run
from galerie.offers.imports.bulk import BulkRow, offers_bulk_update
from galerie.offers.models import Condition, Offer, OfferChange, OfferImport, PriceHistory
from galerie.offers.proposals import product_proposal_accept, product_proposal_create
from galerie.offers.services import offer_price_set, offer_update
from tests.factories import (
    SAFE_PRODUCT,
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_product_type,
    make_seller,
    make_staff_member,
    make_storefront,
    make_user,
    make_variant,
)
from tests.offers.test_imports import upload

pytestmark = pytest.mark.django_db
RULE = "Loi Lang: a new book sells at its publisher's price"


@pytest.fixture
def books():
    return make_category("Livres")


@pytest.fixture
def seller(books):
    return make_seller(storefronts=[make_storefront(scope=[books])])


@pytest.fixture
def book_type():
    return make_product_type(is_book=True)


@pytest.fixture
def novel(books, book_type):
    """A book whose publisher's price is 19.90 €."""
    product = make_product(category=books, product_type=book_type, publisher_price=Money(1990, "EUR"))
    return make_variant(product=product)


def offers_and_history() -> tuple:
    return (
        list(Offer.objects.order_by("pk").values_list("pk", "price_minor", "stock", "status")),
        PriceHistory.objects.count(),
        OfferChange.objects.count(),
    )


# --- which products are books -----------------------------------------------------------------


def test_a_book_is_a_product_of_a_type_marked_as_books_whatever_its_tax_class(book_type):
    # Given a book type at the standard rate and another type at the reduced rate
    other = make_product_type(tax_class="super_reduced")
    # Then only the marked type is books
    assert is_book(book_type) and not is_book(other)


# --- the service ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("price_minor", "accepted"), [(1990, True), (1989, False), (1991, False)])
def test_a_new_book_sells_at_exactly_its_publishers_price(seller, novel, price_minor, accepted):
    # Given a book at 19.90 € publisher's price; When a seller offers it new at price_minor
    # (a cent below, exactly, a cent above)
    if accepted:
        offer = make_offer(seller=seller, variant=novel, price_minor=price_minor)
        assert offer.price_minor == 1990
        return
    before = offers_and_history()
    with translation.override("en"), pytest.raises(BookPriceFixed) as refused:
        make_offer(seller=seller, variant=novel, price_minor=price_minor)
    # Then it is refused, naming the rule and the publisher's price, and nothing changed
    assert refused.value.code == "book_price_fixed"
    assert refused.value.errors["price"] == [f"{RULE}, €19.90."]
    assert offers_and_history() == before


def test_99_99_percent_of_the_publishers_price_is_refused_and_100_percent_accepted(seller, books, book_type):
    # Given a book whose publisher's price is 100.00 €: 99.99 % of it is 99.99 €
    product = make_product(category=books, product_type=book_type, publisher_price=Money(10_000, "EUR"))
    variant = make_variant(product=product)
    with pytest.raises(BookPriceFixed):
        make_offer(seller=seller, variant=variant, price_minor=9999)
    assert make_offer(seller=seller, variant=variant, price_minor=10_000).price_minor == 10_000


def test_the_message_is_french_on_french_pages(seller, novel):
    with translation.override("fr"), pytest.raises(BookPriceFixed) as refused:
        make_offer(seller=seller, variant=novel, price_minor=1790)
    message = refused.value.errors["price"][0]
    assert message.startswith("Loi Lang : un livre neuf se vend au prix fixé par l’éditeur")
    assert "19,90\xa0€" in message


@pytest.mark.parametrize("condition", [Condition.USED, Condition.LIKE_NEW, Condition.REFURBISHED])
@pytest.mark.parametrize("price_minor", [1, 990, 1990, 5000])
def test_a_second_hand_book_sells_at_any_price(seller, novel, condition, price_minor):
    offer = make_offer(seller=seller, variant=novel, price_minor=price_minor, condition=condition)
    assert offer.price_minor == price_minor
    # and its price may change to any other
    assert offer_price_set(offer_id=offer.pk, price=Money(price_minor + 7, "EUR"), by=TESTS).price_minor == (
        price_minor + 7
    )


def test_a_book_without_a_publishers_price_cannot_be_offered_new(seller, books, book_type):
    variant = make_variant(product=make_product(category=books, product_type=book_type))
    with translation.override("en"), pytest.raises(BookPriceFixed) as refused:
        make_offer(seller=seller, variant=variant, price_minor=1990)
    assert "has none yet" in refused.value.errors["price"][0]
    assert not Offer.objects.exists()
    # but a used copy is fine
    assert make_offer(seller=seller, variant=variant, price_minor=450, condition=Condition.USED)


def test_a_product_that_is_not_a_book_keeps_its_free_price(seller, books):
    variant = make_variant(product=make_product(category=books))
    assert make_offer(seller=seller, variant=variant, price_minor=1234).price_minor == 1234


def test_offer_update_refuses_another_price_for_a_new_book_and_changes_nothing(seller, novel):
    offer = make_offer(seller=seller, variant=novel, price_minor=1990, stock=4)
    before = offers_and_history()
    with pytest.raises(BookPriceFixed):
        offer_update(offer_id=offer.pk, by=TESTS, price=Money(1890, "EUR"), stock=9, status="active")
    assert offers_and_history() == before
    # the stock alone may change
    assert (
        offer_update(offer_id=offer.pk, by=TESTS, price=Money(1990, "EUR"), stock=9, status="active").stock
        == 9
    )


# --- when the publisher's price changes -----------------------------------------------------------


def test_the_new_offers_follow_a_changed_publishers_price_and_the_used_ones_do_not(seller, novel):
    other = make_seller(storefronts=[seller.admissions.first().storefront])
    new = make_offer(seller=seller, variant=novel, price_minor=1990)
    new_too = make_offer(seller=other, variant=novel, price_minor=1990)
    used = make_offer(seller=seller, variant=novel, price_minor=800, condition=Condition.USED)
    # When the operator sets the book's publisher's price to 21.50 €
    product_publisher_price_set(product_id=novel.product_id, price=Money(2150, "EUR"))
    event = OutboxEvent.objects.filter(topic="product.publisher_price_changed").latest("id")
    publisher_price_changed(event)
    publisher_price_changed(event)  # delivered twice: the same result
    # Then the new offers are at 21.50 €, with their history; the used one is unchanged
    prices = dict(Offer.objects.values_list("pk", "price_minor"))
    assert (prices[new.pk], prices[new_too.pk], prices[used.pk]) == (2150, 2150, 800)
    assert OfferChange.objects.filter(offer=new, field="price", actor_label__contains="loi_lang").count() == 1


def test_new_offers_pause_when_the_book_loses_its_publishers_price(seller, novel):
    new = make_offer(seller=seller, variant=novel, price_minor=1990)
    product_publisher_price_set(product_id=novel.product_id, price=None)
    publisher_price_changed(OutboxEvent.objects.filter(topic="product.publisher_price_changed").latest("id"))
    new.refresh_from_db()
    assert new.status == Offer.Status.PAUSED


def test_a_publishers_price_is_more_than_zero(novel):
    with pytest.raises(InvalidInput) as refused:
        product_publisher_price_set(product_id=novel.product_id, price=Money(0, "EUR"))
    assert "publisher_price" in refused.value.errors
    assert Product.objects.get(pk=novel.product_id).publisher_price_minor == 1990


# --- the offer file import and the API's bulk update ----------------------------------------------


@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_an_import_row_at_another_price_names_the_row_and_the_rule_and_changes_nothing(
    seller, novel, all_or_nothing
):
    # Given a new offer of the book, and a file whose 2nd data row prices it at 18.90 €
    offer = make_offer(seller=seller, variant=novel, price_minor=1990, seller_sku="NOVEL")
    other = make_variant(product=make_product(category=novel.product.category))
    content = f"sku,gtin,price,stock,condition\nOTHER,{other.gtin},12.00,3,new\nNOVEL,,18.90,5,\n"
    before = offers_and_history()
    # When it is imported (all or nothing, or the valid rows only)
    with translation.override("en"):
        created = offer_import_create(
            by=TESTS, seller=seller, upload=upload(content), all_or_nothing=all_or_nothing
        )
        result = offer_import_run(import_id=created.pk)
    # Then the report names row 3 (the header is row 1), its price column, the rule and the price
    error = result.errors.get()
    assert (error.row, error.column, error.value) == (3, "price", "18.90")
    assert error.reason == f"{RULE}, €19.90."
    # and the book's offer is unchanged (all or nothing: nothing at all changed)
    offer.refresh_from_db()
    assert (offer.price_minor, offer.stock) == (1990, 10)
    if all_or_nothing:
        assert result.status == OfferImport.Status.FAILED
        assert offers_and_history() == before
    else:
        assert list(Offer.objects.exclude(pk=offer.pk).values_list("variant_id", "price_minor")) == [
            (other.pk, 1200)
        ]


def test_an_import_row_creating_a_new_book_offer_at_its_publishers_price_applies(seller, novel):
    content = f"sku,gtin,price,stock,condition\nN1,{novel.gtin},19.90,5,new\nU1,{novel.gtin},4.00,1,used\n"
    result = offer_import_run(
        import_id=offer_import_create(by=TESTS, seller=seller, upload=upload(content)).pk
    )
    assert result.status == OfferImport.Status.APPLIED, list(result.errors.values_list("reason", flat=True))
    assert sorted(Offer.objects.values_list("condition", "price_minor")) == [("new", 1990), ("used", 400)]


def test_an_import_row_for_a_new_book_without_a_publishers_price_is_refused(seller, books, book_type):
    variant = make_variant(product=make_product(category=books, product_type=book_type))
    content = f"sku,gtin,price,stock,condition\nN1,{variant.gtin},19.90,5,new\n"
    with translation.override("en"):
        result = offer_import_run(
            import_id=offer_import_create(by=TESTS, seller=seller, upload=upload(content)).pk
        )
    error = result.errors.get()
    assert (error.row, error.column) == (2, "price") and "has none yet" in error.reason
    assert not Offer.objects.exists()


def test_the_api_bulk_update_refuses_another_price_for_a_new_book_by_sku_and_by_id(seller, novel):
    owner = make_staff_member(seller)
    offer = make_offer(seller=seller, variant=novel, price_minor=1990, seller_sku="NOVEL", stock=2)
    before = offers_and_history()
    with translation.override("en"):
        report = offers_bulk_update(
            seller=seller,
            by=owner,
            rows=[
                BulkRow(sku="NOVEL", price_minor=1790, currency="EUR"),
                BulkRow(offer_id=offer.pk, price_minor=2090, currency="EUR"),
            ],
        )
    reasons = [(p.row, p.column, p.reason) for p in report.problems]
    assert reasons == [(0, "price", f"{RULE}, €19.90."), (1, "price", f"{RULE}, €19.90.")]
    assert offers_and_history() == before


# --- the seller's pages and proposals -------------------------------------------------------------


def test_the_sellers_new_offer_page_offers_the_publishers_price_and_refuses_another(client, seller, novel):
    owner = make_staff_member(seller)
    client.force_login(owner)
    url = reverse("seller_area:offer_new", kwargs={"variant_id": novel.pk})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'value="19.90"' in page.content.decode()
    refused = client.post(url, {"condition": "new", "price": "17.90", "stock": "3", "lead_time_days": "2"})
    assert refused.status_code == 400
    assert "Loi Lang" in refused.content.decode() and not Offer.objects.exists()


def test_a_book_proposal_records_its_publishers_price_and_the_product_gets_it(seller, books, book_type):
    # Given a seller proposing a book with its publisher's price and a new first offer at it
    proposal = product_proposal_create(
        seller=seller,
        by=make_staff_member(seller),
        category_id=books.pk,
        product_type_id=book_type.pk,
        title="Le Comte de Monte-Cristo",
        attributes={"author": "Alexandre Dumas"},
        condition="new",
        price=Money(2490, "EUR"),
        stock=3,
        publisher_price=Money(2490, "EUR"),
        safety=SAFE_PRODUCT,  # GPSR: without it the product would get no first offer
    )
    assert proposal.publisher_price_minor == 2490
    # When the operator accepts it
    accepted = product_proposal_accept(proposal_id=proposal.pk, by=make_user(is_staff=True))
    # Then the product has the publisher's price and the first offer sells at it
    assert (accepted.product.publisher_price_minor, accepted.product.publisher_price_currency) == (
        2490,
        "EUR",
    )
    assert Offer.objects.get().price_minor == 2490


def test_a_book_proposal_at_another_price_than_its_publishers_is_refused(seller, books, book_type):
    with pytest.raises(InvalidInput) as refused:
        product_proposal_create(
            seller=seller,
            by=make_staff_member(seller),
            category_id=books.pk,
            product_type_id=book_type.pk,
            title="Les Misérables",
            attributes={"author": "Victor Hugo"},
            condition="new",
            price=Money(2290, "EUR"),
            stock=3,
            publisher_price=Money(2490, "EUR"),
        )
    assert "Loi Lang" in refused.value.errors["price"][0]
    assert not ProductProposal.objects.exists()


def test_a_new_book_proposed_without_a_publishers_price_takes_its_price(seller, books, book_type):
    # What merchant files give: a price, no publisher's price column (the operator checks it)
    proposal = product_proposal_create(
        seller=seller,
        by=make_staff_member(seller),
        category_id=books.pk,
        product_type_id=book_type.pk,
        title="Germinal",
        attributes={"author": "Émile Zola"},
        condition="new",
        price=Money(990, "EUR"),
        stock=1,
    )
    assert proposal.publisher_price_minor == 990


def test_only_books_have_a_publishers_price(seller, books):
    with pytest.raises(InvalidInput) as refused:
        product_proposal_create(
            seller=seller,
            by=make_staff_member(seller),
            category_id=books.pk,
            product_type_id=make_product_type().pk,
            title="A pen",
            attributes={"author": "n/a"},
            condition="new",
            publisher_price=Money(990, "EUR"),
        )
    assert "publisher_price" in refused.value.errors
