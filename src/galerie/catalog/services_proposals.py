"""Product proposals: a seller asks for a product the catalog lacks; the operator decides.

Sellers never write the catalog. Accepting a proposal creates, in one transaction, the brand
(reused by name when it exists), the published product, its variant with the GTIN, the image
and the seller's first offer (when the proposal has a price and a stock). The decision is a
status change through :func:`core.statemachine.transition`, whose ``productproposal.status_changed``
event e-mails the seller's owners and managers.

This module holds the catalog's part: the proposal row, the checks of its catalog fields, the
products accepting makes. What involves the seller's storefronts and its offers (which categories
it may propose in, the offer's condition, the first offer) is :mod:`galerie.offers.proposals`,
which the pages call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.catalog import services as catalog
from galerie.catalog.attributes import attributes_clean
from galerie.catalog.books import is_book, new_book_price_problem, publisher_price_problem
from galerie.catalog.errors import GtinInCatalog, InvalidAttributes, ProposalNotFound
from galerie.catalog.models import (
    AttributeDefinition,
    Brand,
    Category,
    Product,
    ProductProposal,
    ProductType,
    Variant,
)
from galerie.catalog.safety import SAFETY_FIELDS, safety_values_clean
from galerie.core.errors import InvalidInput, InvalidTransition, full_clean
from galerie.core.identifiers import clean_gtin
from galerie.core.images import CleanImage, ImageRefused, image_clean
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.core.outbox import emit
from galerie.core.statemachine import transition

Status = ProductProposal.Status
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")
MAX_IMAGE_PIXELS = catalog.MAX_IMAGE_PIXELS


# --- reads (selectors: they never write) -------------------------------------------------------


def product_proposals_for_seller(*, seller_id: int) -> QuerySet[ProductProposal]:
    """Return the seller's proposals, newest first, with their category and product."""
    return (
        ProductProposal.objects.filter(seller_id=seller_id)
        .select_related("category", "product_type", "product")
        .order_by("-id")
    )


def product_proposal_get_for_seller(*, seller_id: int, proposal_id: int) -> ProductProposal:
    """Return one of the seller's proposals; raise ProposalNotFound for anyone else's."""
    try:
        return product_proposals_for_seller(seller_id=seller_id).get(pk=proposal_id)
    except ProductProposal.DoesNotExist:
        raise ProposalNotFound(_("Your shop has no such product proposal.")) from None


def product_proposal_queue(*, status: str = "") -> QuerySet[ProductProposal]:
    """Return the proposals for the operator: pending first (oldest first), then the newest decisions."""
    rows = ProductProposal.objects.select_related("seller", "category", "product_type")
    if status in Status.values:
        rows = rows.filter(status=status)
    pending = Case(When(status=Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    oldest_first = Case(When(status=Status.PENDING, then="id"), default=Value(0), output_field=IntegerField())
    return rows.annotate(waiting=pending, oldest=oldest_first).order_by("waiting", "oldest", "-id")


def product_proposal_get(*, proposal_id: int) -> ProductProposal:
    """Return a proposal for the operator; raise ProposalNotFound."""
    try:
        return ProductProposal.objects.select_related(
            "seller", "category", "product_type", "product", "created_by", "decided_by"
        ).get(pk=proposal_id)
    except ProductProposal.DoesNotExist:
        raise ProposalNotFound(_("There is no such product proposal.")) from None


_WORD = re.compile(r"\w{4,}")


def product_proposal_duplicates(*, proposal: ProductProposal, limit: int = 10) -> list[Product]:
    """Return catalog products that may be the proposed one: the same GTIN, or the title's longest words."""
    condition = Q()
    if proposal.gtin:
        condition |= Q(variants__gtin=proposal.gtin)
    words = sorted(set(_WORD.findall(proposal.title.lower())), key=len, reverse=True)[:3]
    if words:
        similar = Q()
        for word in words:
            similar &= Q(title__icontains=word)
        condition |= similar
    if not condition:
        return []
    return list(
        Product.objects.filter(condition)
        .select_related("brand", "category")
        .distinct()
        .order_by("-id")[:limit]
    )


# --- checks ----------------------------------------------------------------------------------


def _split_attributes(
    product_type: ProductType, values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], list[AttributeDefinition]]:
    definitions = list(product_type.attributes.all())
    levels = {d.code: d.level for d in definitions}
    unknown = sorted(set(values) - set(levels))
    if unknown:
        raise InvalidAttributes(
            _("%(codes)s: not attributes of %(type)s.")
            % {"codes": ", ".join(unknown), "type": product_type.name},
            field="attributes",
        )
    product = {k: v for k, v in values.items() if levels[k] == AttributeDefinition.Level.PRODUCT}
    variant = {k: v for k, v in values.items() if levels[k] == AttributeDefinition.Level.VARIANT}
    return product, variant, definitions


def _attributes_clean(product_type: ProductType, values: dict[str, Any]) -> dict[str, Any]:
    product, variant, definitions = _split_attributes(product_type, values)
    cleaned = attributes_clean(definitions, product, level=AttributeDefinition.Level.PRODUCT)
    cleaned.update(attributes_clean(definitions, variant, level=AttributeDefinition.Level.VARIANT))
    return cleaned


def _image_check(image: UploadedFile) -> CleanImage:
    """Return the picture re-encoded without its metadata; raise ImageRefused naming the problem."""
    return image_clean(image, formats=IMAGE_FORMATS, max_bytes=MAX_IMAGE_BYTES, max_pixels=MAX_IMAGE_PIXELS)


def _gtin_in_catalog(gtin: str) -> None:
    variant = Variant.objects.select_related("product").filter(gtin=gtin).first()
    if variant is not None:
        raise GtinInCatalog(
            _("GTIN %(gtin)s is already in the catalog: “%(title)s”. Make an offer on it instead.")
            % {"gtin": gtin, "title": variant.product.title},
            variant_id=variant.pk,
            product_title=variant.product.title,
            product_slug=variant.product.slug,
        )


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def product_proposal_create(
    *,
    seller_id: int,
    by: User,
    category: Category | None,
    product_type_id: int | None,
    title: str,
    brand_name: str = "",
    gtin: str = "",
    description: str = "",
    attributes: dict[str, Any] | None = None,
    image: UploadedFile | None = None,
    condition: str,
    price: Money | None = None,
    stock: int | None = None,
    publisher_price: Money | None = None,
    safety: dict[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> ProductProposal:
    """Record a seller's proposal of a new product; raise InvalidInput naming every bad field.

    ``category`` is the one chosen if it is within the seller's reach (None otherwise), and
    ``errors`` what the caller found wrong with the fields it checks (the condition): they are
    raised together with the catalog's. Raises GtinInCatalog when the GTIN already names a
    catalog variant (the seller should make an offer on it instead). Nothing is stored when
    anything is wrong. ``safety`` is the product's safety data (GPSR: some of
    ``catalog.safety.SAFETY_FIELDS``), copied to the product on acceptance.
    """
    errors = dict(errors or {})
    if category is None:
        errors["category"] = [
            _("Choose a category without sub-categories, in a storefront your shop is admitted to.")
        ]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the product's title as printed on it.")]
    elif len(title) > 255:
        errors["title"] = [_("At most 255 characters.")]
    brand_name = (brand_name or "").strip()
    if len(brand_name) > 120:
        errors["brand_name"] = [_("At most 120 characters.")]
    product_type = ProductType.objects.filter(pk=product_type_id).first() if product_type_id else None
    if product_type is None:
        errors["product_type"] = [_("Choose the product type.")]
    if gtin:
        try:
            gtin = clean_gtin(gtin)
        except ValidationError as error:
            errors["gtin"] = list(error.messages)
        else:
            _gtin_in_catalog(gtin)
            pending = product_proposals_for_seller(seller_id=seller_id).filter(
                gtin=gtin, status=Status.PENDING
            )
            if pending.exists():
                errors["gtin"] = [_("You already proposed this GTIN: wait for the operator's decision.")]
    cleaned_attributes: dict[str, Any] = {}
    if product_type is not None:
        try:
            cleaned_attributes = _attributes_clean(product_type, attributes or {})
        except InvalidAttributes as error:
            errors["attributes"] = [error.message]
    if (price is None) != (stock is None):
        field = "stock" if stock is None else "price"
        errors[field] = [_("Give both a price and a stock for your first offer, or neither.")]
    if price is not None and price.amount_minor <= 0:
        errors["price"] = [_("The price must be more than zero.")]
    if stock is not None and (isinstance(stock, bool) or not isinstance(stock, int) or stock < 0):
        errors["stock"] = [_("The stock is a whole number, 0 or more.")]
    publisher_price = _publisher_price_clean(product_type, condition, price, publisher_price, errors)
    clean_image = None
    if image is not None:
        try:
            clean_image = _image_check(image)
        except ImageRefused as error:
            errors["image"] = [str(error)]
    safety_values = safety_values_clean(safety or {})
    if errors:
        raise InvalidInput(errors)
    proposal = ProductProposal(
        seller_id=seller_id,
        category=category,
        product_type=product_type,
        brand_name=brand_name,
        title=title,
        description=(description or "").strip(),
        gtin=gtin,
        attributes=cleaned_attributes,
        condition=condition,
        price_minor=price.amount_minor if price is not None else None,
        currency=price.currency if price is not None else getattr(publisher_price, "currency", "EUR"),
        stock=stock,
        publisher_price_minor=publisher_price.amount_minor if publisher_price is not None else None,
        created_by=by,
        **safety_values,
    )
    if safety_values:  # the safety fields' own validators (an e-mail or a web address, a country code)
        others = [f.name for f in ProductProposal._meta.fields if f.name not in safety_values]
        full_clean(proposal, exclude=others, validate_unique=False, validate_constraints=False)
    if clean_image is not None:
        suffix = PurePath(clean_image.file.name or "").suffix
        proposal.image.save(f"{proposal.uuid.hex}{suffix}", clean_image.file, save=False)
    proposal.save()
    emit("product_proposal.created", proposal_id=proposal.pk, seller_id=seller_id)
    return proposal


def _publisher_price_clean(
    product_type: ProductType | None,
    condition: str,
    price: Money | None,
    publisher_price: Money | None,
    errors: dict[str, list[str]],
) -> Money | None:
    """Return the publisher's price a proposal records (docs/loi-lang.md), adding to ``errors``
    what is wrong: only books have one; a new copy offered at another price breaks the fixed
    book price; a new book proposed with a price and none takes that price as its publisher's
    (merchant files have no such column; the operator checks it before accepting)."""
    if publisher_price is None:
        if product_type is not None and is_book(product_type) and condition == "new" and price is not None:
            return price
        return None
    if product_type is not None and not is_book(product_type):
        errors["publisher_price"] = [_("Only books have a publisher's price: leave it empty.")]
    elif (problem := publisher_price_problem(publisher_price)) is not None:
        errors["publisher_price"] = [problem]
    elif price is not None and price.currency != publisher_price.currency:
        errors["publisher_price"] = [_("The publisher's price is in the currency of your price.")]
    elif (
        price is not None
        and condition == "new"
        and "price" not in errors
        and (problem := new_book_price_problem(price=price, publisher=publisher_price)) is not None
    ):
        errors["price"] = [problem]
    return publisher_price


def _lock(proposal_id: int) -> ProductProposal:
    try:
        return lock_row(ProductProposal.objects.select_related("seller", "product_type"), proposal_id)
    except ProductProposal.DoesNotExist:
        raise ProposalNotFound(_("There is no such product proposal.")) from None


def _brand_for(name: str) -> Brand | None:
    if not name:
        return None
    found = Brand.objects.filter(name__iexact=name).order_by("id").first()
    if found is None:
        found = Brand.objects.filter(slug=slugify(name)).first()  # "L'Atelier" and "L Atelier"
    return found or catalog.brand_create(name=name)


def _free_slug(title: str, proposal: ProductProposal) -> str:
    slug = slugify(title)[:200] or proposal.uuid.hex
    if Product.objects.filter(slug=slug).exists():
        slug = f"{slug[:190]}-{proposal.uuid.hex[:8]}"
    return slug


@transaction.atomic
def product_proposal_accept(
    *,
    proposal_id: int,
    by: User,
    title: str | None = None,
    description: str | None = None,
    first_offer: Callable[[ProductProposal, Variant], int | None] | None = None,
) -> ProductProposal:
    """Accept a pending proposal: create brand, product, variant and image, then call
    ``first_offer(proposal, variant)``, which returns the id of the offer it made or None.

    The operator may correct the title and description. All in one transaction; accepting an
    accepted proposal again returns it. Raises InvalidTransition for a rejected one, GtinInCatalog
    when the GTIN entered the catalog meanwhile.
    """
    proposal = _lock(proposal_id)
    if proposal.status == Status.ACCEPTED:
        return proposal  # a retried request: already done
    if proposal.status != Status.PENDING:
        raise InvalidTransition(_("This proposal was already rejected."), field="status")
    if title is not None and not title.strip():
        raise InvalidInput({"title": [_("The product needs a title.")]})
    title = (title or proposal.title).strip()
    description = proposal.description if description is None else description.strip()
    if proposal.gtin:
        _gtin_in_catalog(proposal.gtin)
    product_values, variant_values, _definitions = _split_attributes(
        proposal.product_type, proposal.attributes
    )
    product = catalog.product_create(
        product_type=proposal.product_type,
        category=proposal.category,
        title=title,
        brand=_brand_for(proposal.brand_name),
        description=description,
        attributes=product_values,
        slug=_free_slug(title, proposal),
        status=Product.Status.PUBLISHED,
        publisher_price=(
            Money(proposal.publisher_price_minor, proposal.currency)
            if proposal.publisher_price_minor is not None
            else None
        ),
        safety={name: getattr(proposal, name) for name in SAFETY_FIELDS},
    )
    variant = catalog.variant_create(product=product, gtin=proposal.gtin or None, attributes=variant_values)
    if proposal.image:
        with proposal.image.open("rb") as stored:
            upload = ContentFile(stored.read(), name=PurePath(proposal.image.name).name)
        catalog.product_image_add(product=product, upload=upload, alt=title)
    offer_id = first_offer(proposal, variant) if first_offer is not None else None
    proposal.product, proposal.decided_by, proposal.decided_at = product, by, timezone.now()
    transition(
        proposal,
        to=Status.ACCEPTED,
        by=by,
        extra_fields=("product", "decided_by", "decided_at"),
        seller_id=proposal.seller_id,
        product_id=product.pk,
        variant_id=variant.pk,
        offer_id=offer_id,
    )
    return proposal


@transaction.atomic
def product_proposal_reject(*, proposal_id: int, by: User, reason: str) -> ProductProposal:
    """Reject a pending proposal with the reason the seller is told; raise InvalidInput without one."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Give the reason for the rejection: the seller is told.")]})
    proposal = _lock(proposal_id)
    if proposal.status == Status.REJECTED:
        return proposal  # a retried request: already done
    if proposal.status != Status.PENDING:
        raise InvalidTransition(_("This proposal was already accepted."), field="status")
    proposal.reason, proposal.decided_by, proposal.decided_at = reason, by, timezone.now()
    transition(
        proposal,
        to=Status.REJECTED,
        by=by,
        reason=reason,
        extra_fields=("reason", "decided_by", "decided_at"),
        seller_id=proposal.seller_id,
    )
    return proposal
