"""Product proposals as the seller portal and the operator make them: the part that involves
the seller's storefronts and offers.

A seller may propose a product in the categories of the storefronts it is admitted to, with the
condition, price and stock of its first offer; accepting the proposal makes that offer. The
catalog's part (the proposal row, its checks, the product and variant) is
:mod:`galerie.catalog.services_proposals`, which these functions call.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.catalog import services_proposals as catalog_proposals
from galerie.catalog.models import Category, ProductProposal, Variant
from galerie.catalog.safety import product_safety_missing
from galerie.core.actors import System
from galerie.core.money import Money
from galerie.offers.models import Condition, OfferChange
from galerie.offers.services import offer_create
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.models import Storefront

PROPOSAL_STOREFRONTS = (Storefront.Status.DRAFT, Storefront.Status.OPEN)


def proposal_categories_for_seller(*, seller: Seller) -> QuerySet[Category]:
    """Return the leaf categories inside the scope of a storefront (not closing) the seller is admitted to.

    An admitted storefront with an empty scope sells the whole catalog: every leaf then.
    """
    admitted = set(
        seller.admissions.filter(
            status=SellerAdmission.Status.ADMITTED, storefront__status__in=PROPOSAL_STOREFRONTS
        ).values_list("storefront_id", flat=True)
    )
    leaves: QuerySet[Category] = Category.objects.filter(numchild=0).order_by("path")
    if not admitted:
        return leaves.none()
    scopes = Storefront.catalog_scope.through.objects.filter(storefront_id__in=admitted)
    roots = list(scopes.values_list("storefront_id", "category__path"))
    if admitted - {storefront_id for storefront_id, _path in roots}:
        return leaves
    condition = Q()
    for _storefront_id, path in roots:
        condition |= Q(path__startswith=path)
    return leaves.filter(condition)


@transaction.atomic
def product_proposal_create(
    *,
    seller: Seller,
    by: User,
    category_id: int | None,
    product_type_id: int | None,
    title: str,
    brand_name: str = "",
    gtin: str = "",
    description: str = "",
    attributes: dict[str, Any] | None = None,
    image: UploadedFile | None = None,
    condition: str = Condition.NEW,
    price: Money | None = None,
    stock: int | None = None,
    publisher_price: Money | None = None,
    safety: dict[str, Any] | None = None,
) -> ProductProposal:
    """Record a seller's proposal of a new product in a category of its storefronts; raise
    InvalidInput naming every bad field (GtinInCatalog when the GTIN is in the catalog already).
    Nothing is stored when anything is wrong."""
    errors: dict[str, list[str]] = {}
    if condition not in Condition.values:
        errors["condition"] = [
            _("Choose the condition: %(names)s.") % {"names": ", ".join(map(str, Condition.labels))}
        ]
    return catalog_proposals.product_proposal_create(
        seller_id=seller.pk,
        by=by,
        category=proposal_categories_for_seller(seller=seller).filter(pk=category_id).first(),
        product_type_id=product_type_id,
        title=title,
        brand_name=brand_name,
        gtin=gtin,
        description=description,
        attributes=attributes,
        image=image,
        condition=condition,
        price=price,
        stock=stock,
        publisher_price=publisher_price,
        safety=safety,
        errors=errors,
    )


def _first_offer(proposal: ProductProposal, variant: Variant) -> int | None:
    """Make the seller's first offer on the accepted product, when the proposal has a price and a
    stock and the product may be listed (its safety data complete, GPSR): otherwise the product
    is accepted without an offer, which the seller makes once the operator completed the data."""
    if proposal.price_minor is None or proposal.stock is None:
        return None
    if product_safety_missing(vars(variant.product)):
        return None
    offer = offer_create(
        seller=proposal.seller,
        variant=variant,
        price=Money(proposal.price_minor, proposal.currency),
        stock=proposal.stock,
        condition=proposal.condition,
        by=System("proposal"),
        reason=OfferChange.Reason.PROPOSAL,
    )
    return offer.pk


@transaction.atomic
def product_proposal_accept(
    *, proposal_id: int, by: User, title: str | None = None, description: str | None = None
) -> ProductProposal:
    """Accept a pending proposal: create brand, product, variant, image and the seller's first
    offer, in one transaction (see :func:`galerie.catalog.services_proposals.product_proposal_accept`)."""
    return catalog_proposals.product_proposal_accept(
        proposal_id=proposal_id, by=by, title=title, description=description, first_offer=_first_offer
    )
