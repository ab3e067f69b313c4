"""The demo's sign-in accounts: an operator, a seller's staff (owner, manager, shipping clerk),
an applicant waiting for curation and a customer.

Only ``galerie demo`` creates them; their passwords are printed and in the README, so they
must never exist on a marketplace that serves the public.
"""

from __future__ import annotations

from django.db import transaction

from galerie.accounts.models import User
from galerie.sellers.models import Seller, SellerMember
from galerie.sellers.services import seller_apply
from galerie.storefronts.models import Storefront

DEMO_ACCOUNTS = [
    ("operator", "operator@galerie.test", "galerie-operator"),
    ("seller", "seller@galerie.test", "galerie-seller"),
    ("manager", "manager@galerie.test", "galerie-manager"),
    ("clerk", "clerk@galerie.test", "galerie-clerk"),
    ("applicant", "applicant@galerie.test", "galerie-applicant"),
    ("customer", "customer@galerie.test", "galerie-customer"),
]
STAFF_ROLES = {
    "seller": SellerMember.Role.OWNER,
    "manager": SellerMember.Role.MANAGER,
    "clerk": SellerMember.Role.SHIPPING_CLERK,
}
# A made-up but well-formed French trader (SIREN, VAT number and IBAN pass their checksums).
APPLICANT_IDENTITY = {
    "display_name": "Atelier Céleste",
    "legal_name": "Atelier Céleste SARL",
    "email": "contact@atelier-celeste.test",
    "phone": "+33142685300",
    "address_line1": "8 rue de la Verrerie",
    "postal_code": "69002",
    "city": "Lyon",
    "country": "FR",
    "id_document_reference": "Carte nationale d’identité 19AB12345",
    "iban": "FR7630006000011234567890189",
    "trade_register_number": "732829320",
    "vat_number": "FR44732829320",
    "description": "Handmade ceramics and glassware from our Lyon workshop.",
}


@transaction.atomic
def demo_accounts_create() -> list[tuple[str, str, str]]:
    """Create the demo accounts if missing (idempotent); return (role, e-mail, password)."""
    traders = Seller.objects.filter(status=Seller.Status.ACTIVE, kind=Seller.Kind.TRADER)
    seller = traders.order_by("pk").first()
    for role, email, password in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            if role == "operator":
                user = User.objects.create_superuser(email, password, full_name="Olivia Operator")
            else:
                user = User.objects.create_user(email, password, full_name=f"Demo {role}")
        if role in STAFF_ROLES and seller is not None:
            SellerMember.objects.get_or_create(seller=seller, user=user, defaults={"role": STAFF_ROLES[role]})
        if role == "applicant" and not user.seller_memberships.exists():
            storefront = Storefront.objects.filter(status=Storefront.Status.OPEN).order_by("pk").first()
            if storefront is not None:
                seller_apply(
                    kind=Seller.Kind.TRADER,
                    identity=APPLICANT_IDENTITY,
                    storefronts=[storefront],
                    certifies_compliance=True,
                    owner=user,
                    slug="atelier-celeste",
                )
    return list(DEMO_ACCOUNTS)
