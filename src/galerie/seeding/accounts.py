"""The demo's sign-in accounts: an operator, a seller's owner and a customer.

Only ``galerie demo`` creates them; their passwords are printed and in the README, so they
must never exist on a marketplace that serves the public.
"""

from __future__ import annotations

from django.db import transaction

from galerie.accounts.models import User
from galerie.sellers.models import Seller, SellerMember

DEMO_ACCOUNTS = [
    ("operator", "operator@galerie.test", "galerie-operator"),
    ("seller", "seller@galerie.test", "galerie-seller"),
    ("customer", "customer@galerie.test", "galerie-customer"),
]


@transaction.atomic
def demo_accounts_create() -> list[tuple[str, str, str]]:
    """Create the demo accounts if missing (idempotent); return (role, e-mail, password)."""
    for role, email, password in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            if role == "operator":
                user = User.objects.create_superuser(email, password, full_name="Olivia Operator")
            else:
                user = User.objects.create_user(email, password, full_name=f"Demo {role}")
        if role == "seller":
            seller = (
                Seller.objects.filter(status=Seller.Status.ACTIVE, kind=Seller.Kind.TRADER)
                .order_by("pk")
                .first()
            )
            if seller is not None:
                SellerMember.objects.get_or_create(
                    seller=seller, user=user, defaults={"role": SellerMember.Role.OWNER}
                )
    return list(DEMO_ACCOUNTS)
