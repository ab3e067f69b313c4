import pytest
from django.db import IntegrityError, transaction

from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.sellers.models import Seller, SellerAdmission
from galerie.sellers.services import (
    seller_activate,
    seller_admission_decide,
    seller_apply,
    seller_approve,
    seller_close,
    seller_reject,
    seller_suspend,
)
from tests.factories import VALID_IDENTITY, make_seller, make_storefront, make_user

pytestmark = pytest.mark.django_db


def apply(**overrides):
    kind = overrides.pop("kind", "trader")
    certifies = overrides.pop("certifies_compliance", True)
    return seller_apply(
        kind=kind,
        identity={**VALID_IDENTITY, "display_name": "Martin", **overrides},
        storefronts=[make_storefront()],
        certifies_compliance=certifies,
        owner=make_user(),
    )


def test_application_stores_canonical_numbers_and_a_pending_admission():
    seller = apply()
    assert seller.status == Seller.Status.APPLIED
    assert seller.iban == "FR7630006000011234567890189"
    assert seller.trade_register_number == "732829320"
    assert seller.phone == "+33142685300"
    assert seller.admissions.get().status == SellerAdmission.Status.PENDING
    assert seller.members.get().role == "owner"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, "iban", "not a valid IBAN"),
        ({"trade_register_number": "732 829 321"}, "trade_register_number", "not a valid SIREN"),
        ({"trade_register_number": "73282932000075"}, "trade_register_number", "not a valid SIRET"),
        ({"trade_register_number": ""}, "trade_register_number", "must give its trade register number"),
        ({"certifies_compliance": False}, "compliance_certified_at", "must certify"),
        ({"vat_number": "FR00732829320"}, "vat_number", "not a valid EU VAT number"),
        ({"phone": "0000"}, "phone", "not a valid phone number"),
        ({"country": "XX"}, "country", "not an ISO 3166-1 country code"),
        ({"email": "not-an-email"}, "email", "valid email"),
    ],
)
def test_bad_identity_is_rejected_naming_field_and_cause(overrides, field, message):
    with pytest.raises(InvalidInput) as caught:
        apply(**overrides)
    assert field in caught.value.errors
    assert message in " ".join(caught.value.errors[field])
    assert not Seller.objects.exists()
    assert not SellerAdmission.objects.exists()


def test_private_seller_needs_no_register_number():
    seller = apply(kind="private", trade_register_number="", vat_number="", certifies_compliance=False)
    assert seller.kind == "private"


def test_database_refuses_a_trader_without_register_number():
    seller = apply()
    with pytest.raises(IntegrityError), transaction.atomic():
        Seller.objects.filter(pk=seller.pk).update(trade_register_number="")


def test_status_machine():
    seller = apply()
    seller_approve(seller_id=seller.pk)
    seller_activate(seller_id=seller.pk)
    seller_suspend(
        seller_id=seller.pk, reason="Counterfeit reports (statement of reasons)", ground="Seller terms §7"
    )
    seller_activate(seller_id=seller.pk)
    seller_close(
        seller_id=seller.pk,
        reason="Closing at the seller's own request",
        ground="Seller terms §9",
        exception="seller_request",
    )
    assert Seller.objects.get(pk=seller.pk).status == "closed"
    with pytest.raises(InvalidTransition, match=r"“Closed” to “Active”: “Closed” is final"):
        seller_activate(seller_id=seller.pk)


@pytest.mark.parametrize("illegal", ["activate", "suspend"])
def test_an_application_cannot_skip_approval(illegal):
    seller = apply()
    with pytest.raises(InvalidTransition, match="can go to: Approved, More information requested, Rejected"):
        if illegal == "activate":
            seller_activate(seller_id=seller.pk)
        else:
            seller_suspend(seller_id=seller.pk, reason="x (statement of reasons)", ground="Seller terms §7")
    assert Seller.objects.get(pk=seller.pk).status == "applied"


def test_rejection_and_suspension_need_a_reason():
    seller = apply()
    with pytest.raises(InvalidInput, match="reason"):
        seller_reject(seller_id=seller.pk, reason="")
    seller_reject(seller_id=seller.pk, reason="Incomplete documents")
    assert Seller.objects.get(pk=seller.pk).status == "rejected"


def test_admission_per_storefront():
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront], active=False)
    with pytest.raises(InvalidInput, match="reason"):
        seller_admission_decide(seller_id=seller.pk, storefront_id=storefront.pk, admit=False)
    admission = seller_admission_decide(seller_id=seller.pk, storefront_id=storefront.pk, admit=True)
    assert admission.status == "admitted" and admission.decided_at is not None
