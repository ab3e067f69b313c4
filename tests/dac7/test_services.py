"""The tax profile and the exclusion flag: bad input is refused naming the field, nothing saved."""

from __future__ import annotations

import pytest

from galerie.core.errors import InvalidInput
from galerie.dac7.models import SellerTaxProfile
from galerie.dac7.selectors import seller_missing_data
from galerie.dac7.services import seller_tax_exclusion_set, seller_tax_profile_update
from tests.factories import make_seller

pytestmark = pytest.mark.django_db


def test_bad_values_name_their_fields_and_save_nothing():
    seller = make_seller()
    with pytest.raises(InvalidInput) as caught:
        seller_tax_profile_update(
            seller_id=seller.pk, by=None,
            values={"seller_type": "entity", "tin": "12 34*", "tin_country": "ZZ",
                    "permanent_establishments": "DE, CH"},
        )  # fmt: skip
    assert set(caught.value.errors) == {"tin", "tin_country", "permanent_establishments"}
    assert "CH" in caught.value.errors["permanent_establishments"][0]
    assert not SellerTaxProfile.objects.exists()


def test_what_is_missing_depends_on_the_seller_type():
    trader, person = make_seller(), make_seller(kind="private")
    assert seller_missing_data(trader, None) == ["tin", "tin_country", "account_holder"]
    assert seller_missing_data(person, None) == [
        "tin", "tin_country", "first_name", "last_name", "birth_date", "birth_city", "birth_country",
        "account_holder",
    ]  # fmt: skip
    profile = seller_tax_profile_update(
        seller_id=trader.pk, by=None,
        values={"seller_type": "entity", "tin": "732 829 320", "tin_country": "fr", "account_holder": "X",
                "permanent_establishments": "de,DE,es"},
    )  # fmt: skip
    assert (profile.tin, profile.tin_country, profile.permanent_establishments) == (
        "732829320",
        "FR",
        "DE,ES",
    )
    assert seller_missing_data(trader, profile) == []


def test_only_an_entity_can_be_flagged_governmental_or_listed():
    person = make_seller(kind="private")
    with pytest.raises(InvalidInput, match="Only an entity"):
        seller_tax_exclusion_set(seller_id=person.pk, exclusion="listed", by=None)
    with pytest.raises(InvalidInput):
        seller_tax_exclusion_set(seller_id=person.pk, exclusion="rich", by=None)
    assert not SellerTaxProfile.objects.exists()
    company = make_seller()
    assert seller_tax_exclusion_set(seller_id=company.pk, exclusion="governmental", by=None).exclusion == (
        "governmental"
    )
