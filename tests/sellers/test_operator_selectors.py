"""sellers_for_operator: the API's seller list, filtered by status and storefront."""

from __future__ import annotations

import pytest

from galerie.core.errors import InvalidInput
from galerie.ledger.storefront_overview import storefront_get_for_operator_by_code
from galerie.sellers.selectors import sellers_for_operator
from galerie.storefronts.errors import StorefrontNotFound
from tests.factories import make_seller, make_storefront

pytestmark = pytest.mark.django_db


def test_filters_by_status_and_storefront_without_duplicates():
    books, toys = make_storefront(), make_storefront()
    applicant = make_seller(storefronts=[books, toys], active=False)
    active = make_seller(storefronts=[books])
    assert sorted(s.pk for s in sellers_for_operator()) == [applicant.pk, active.pk]
    assert [s.pk for s in sellers_for_operator(status="applied")] == [applicant.pk]
    assert sorted(s.pk for s in sellers_for_operator(storefront_code=books.code)) == [applicant.pk, active.pk]
    assert [s.pk for s in sellers_for_operator(storefront_code=toys.code)] == [applicant.pk]
    assert list(sellers_for_operator(status="active", storefront_code=toys.code)) == []


def test_an_unknown_status_or_storefront_names_the_filter():
    with pytest.raises(InvalidInput) as error:
        sellers_for_operator(status="asleep", storefront_code="nowhere")
    assert set(error.value.errors) == {"status", "storefront"}


def test_a_storefront_by_code_whatever_its_status():
    draft = make_storefront(open_=False)
    assert storefront_get_for_operator_by_code(code=draft.code).pk == draft.pk
    with pytest.raises(StorefrontNotFound):
        storefront_get_for_operator_by_code(code="nowhere")
