"""A merchant file's doubtful rows: held in the operator's match queue, applied when the batch is committed.

A row whose product the catalog's matcher finds only *maybe* in the catalog (decision ``review``,
a score between ``GALERIE_MATCH_LOWER`` and ``GALERIE_MATCH_UPPER``) is neither merged nor
duplicated: the import records a ``catalog.MatchReview`` in the batch ``offers-import:<import
id>`` (:func:`merchant_reviews_create`, inside the import's apply transaction) with the seller
and, in ``payload``, the parsed offer row (price, stock, condition, SKU, lead time; the sale
price in force is already the price) and the proposal that rejecting the match would make. The
import's report says the row waits for the operator's review.

When the operator commits the batch (/back-office/matches/, ``match_batch_apply``), the catalog
calls :func:`merchant_reviews_apply` in the commit's transaction — registered for the prefix in
``OffersConfig.ready()``: the catalog cannot import offers. An accepted match makes or updates
the seller's offer on the proposed variant through the offers services, as the import would
have; a rejected one makes the product proposal the import would have made. Each outcome
replaces the row's line in the import's report and the import's counts of offers; a row that
cannot be applied (the seller may no longer list, the product left the storefronts…) says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_noop

from galerie.accounts.models import User
from galerie.catalog.matching import match_reviews_create
from galerie.catalog.models import MatchReview, Product, Variant
from galerie.core.actors import System
from galerie.core.errors import DomainError
from galerie.core.money import Money
from galerie.core.outbox import emit
from galerie.offers.formats.records import html_to_text
from galerie.offers.imports.apply import DEFAULT_LEAD_TIME
from galerie.offers.imports.checks import OUTSIDE_SCOPE_REASON
from galerie.offers.models import Offer, OfferChange, OfferImport, OfferImportError
from galerie.offers.proposals import product_proposal_create
from galerie.offers.selectors.seller import StorefrontScope, seller_storefront_scopes, storefront_for_category
from galerie.offers.services import offer_create, offer_update
from galerie.sellers.models import Seller

if TYPE_CHECKING:
    from galerie.offers.formats.importer import _Review

REVIEW_BATCH_PREFIX = "offers-import:"
IMPORT = System("import")  # who writes the offers of a committed review: the import, as its run does

# Msgids: the report translates them when it shows them.
REVIEW_WAITING_REASON = gettext_noop(
    "This product may be one the catalog already has: the row waits for the operator's review and"
    " nothing was applied for it yet. Its outcome will replace this line."
)
REVIEW_CHECK_REASON = gettext_noop(
    "This product may be one the catalog already has: applied, this row would wait for the operator's review."
)
ACCEPTED_CREATED_REASON = gettext_noop(
    "The operator confirmed that this is a catalog product: your offer was created on it."
)
ACCEPTED_UPDATED_REASON = gettext_noop(
    "The operator confirmed that this is a catalog product: your offer of it was updated."
)
ACCEPTED_NO_VARIANT_REASON = gettext_noop(
    "The operator confirmed the catalog product, but not which of its variants this row sells: give the"
    " variant's GTIN in your file and import it again."
)
ACCEPTED_NOT_ON_SALE_REASON = gettext_noop(
    "The operator confirmed the catalog product, but it is no longer on sale (withdrawn or draft):"
    " no offer was made."
)
REJECTED_PROPOSED_REASON = gettext_noop(
    "The operator judged this a new product: it was proposed to the catalog, with your offer."
)
NOT_APPLIED_REASON = gettext_noop(
    "The operator decided on this row, but it could not be applied (the value says why): import it again."
)


def _note(offer_import: OfferImport, review: _Review, reason: str) -> OfferImportError:
    return OfferImportError(
        offer_import_id=offer_import.pk,
        row=review.row.row,
        column=review.column[:40],
        value=review.title,
        reason=reason,
    )


def merchant_review_notes_create(
    *, offer_import: OfferImport, reviews: list[_Review], check_only: bool
) -> None:
    """Write the report's line of each row that waits (or, checked only, would wait) for review."""
    reason = REVIEW_CHECK_REASON if check_only else REVIEW_WAITING_REASON
    OfferImportError.objects.bulk_create(_note(offer_import, review, reason) for review in reviews)


def _payload(offer_import: OfferImport, review: _Review) -> dict[str, Any]:
    from galerie.offers.formats.importer import _Proposal

    row = review.row
    data: dict[str, Any] = {
        "import_id": offer_import.pk,
        "row": row.row,
        "column": review.column,
        "title": review.title,
        "offer": {
            "sku": row.sku,
            "price": row.price,
            "stock": row.stock,
            "stock_if_new": row.stock_if_new,
            "condition": row.condition,
            "lead": row.lead,
        },
        "proposal": None,
        "proposal_problem": None,
    }
    proposal = review.proposal
    if isinstance(proposal, _Proposal):
        data["proposal"] = {
            "category_id": proposal.category.pk,
            "product_type_id": proposal.product_type.pk,
            "title": proposal.title,
            "brand": proposal.product.brand[:120],
            "gtin": proposal.gtin,
            "description": html_to_text(proposal.product.description),
            "attributes": proposal.attributes,
            "currency": proposal.currency,
        }
    else:
        data["proposal_problem"] = {
            "column": proposal.column,
            "value": proposal.value,
            "reason": proposal.reason,
        }
    return data


def merchant_reviews_create(*, offer_import: OfferImport, reviews: list[_Review]) -> int:
    """Put the import's doubtful rows in the match queue (batch ``offers-import:<id>``) with what
    applying them needs, and note them in the report; inside the caller's (the apply's) transaction."""
    assert transaction.get_connection().in_atomic_block
    if not reviews:
        return 0
    created = match_reviews_create(
        batch=f"{REVIEW_BATCH_PREFIX}{offer_import.pk}",
        results=[(review.match.candidate, review.match.result) for review in reviews],
        seller_id=offer_import.seller_id,
        payloads=[_payload(offer_import, review) for review in reviews],
    )
    merchant_review_notes_create(offer_import=offer_import, reviews=reviews, check_only=False)
    return len(created)


# --- applying the committed decisions ---------------------------------------------------------


def _variant_of(review: MatchReview) -> Variant | None:
    """The variant the operator accepted: the proposed one, or the product's only variant."""
    if review.variant_id is not None:
        return Variant.objects.select_related("product__category").get(pk=review.variant_id)
    if review.product_id is None:
        return None
    variants = list(
        Variant.objects.filter(product_id=review.product_id).select_related("product__category")[:2]
    )
    return variants[0] if len(variants) == 1 else None


def _offer_apply(seller: Seller, review: MatchReview, scopes: list[StorefrontScope]) -> tuple[str, str, str]:
    """Make or update the seller's offer on the accepted variant; return (outcome, value, counted)."""
    row = (review.payload or {}).get("offer") or {}
    variant = _variant_of(review)
    if variant is None:
        return ACCEPTED_NO_VARIANT_REASON, "", ""
    product = variant.product
    if product.status != Product.Status.PUBLISHED:
        return ACCEPTED_NOT_ON_SALE_REASON, product.title, ""
    storefront = storefront_for_category(scopes, product.category.path)
    if storefront is None:
        return OUTSIDE_SCOPE_REASON, product.title, ""
    condition = str(row.get("condition") or "new")
    sku = str(row.get("sku") or "")
    existing = Offer.objects.filter(seller=seller, variant=variant, condition=condition).first()
    if existing is not None:
        stock = row.get("stock")
        offer_update(
            offer_id=existing.pk,
            by=IMPORT,
            price=Money(int(row["price"]), existing.currency),
            stock=existing.stock if stock is None else int(stock),
            status=existing.status,
            seller_sku=sku or None,
            reason=OfferChange.Reason.IMPORT,
        )
        return ACCEPTED_UPDATED_REASON, product.title, "updated"
    stock = row.get("stock") if row.get("stock") is not None else row.get("stock_if_new")
    lead = row.get("lead")
    offer_create(
        seller=seller,
        variant=variant,
        price=Money(int(row["price"]), storefront.currency),
        stock=int(stock or 0),
        condition=condition,
        seller_sku=sku,
        by=IMPORT,
        reason=OfferChange.Reason.IMPORT,
        lead_time_days=int(lead) if lead is not None else DEFAULT_LEAD_TIME,
    )
    return ACCEPTED_CREATED_REASON, product.title, "created"


def _propose(seller: Seller, review: MatchReview, by: User | None) -> tuple[str, str, str]:
    """Make the proposal the import would have made of a product the catalog lacks."""
    payload = review.payload or {}
    data = payload.get("proposal")
    if not data:
        problem = payload.get("proposal_problem") or {}
        return str(problem.get("reason") or NOT_APPLIED_REASON), str(problem.get("value") or ""), ""
    row = payload.get("offer") or {}
    stock = row.get("stock") if row.get("stock") is not None else row.get("stock_if_new")
    product_proposal_create(
        seller=seller,
        by=cast(User, by),  # None for the operator's command: no person proposed
        category_id=data["category_id"],
        product_type_id=data["product_type_id"],
        title=data["title"],
        brand_name=data.get("brand", ""),
        gtin=data.get("gtin", ""),
        description=data.get("description", ""),
        attributes=data.get("attributes") or {},
        condition=str(row.get("condition") or "new"),
        price=Money(int(row["price"]), data["currency"]),
        stock=int(stock or 0),
    )
    return REJECTED_PROPOSED_REASON, str(data["title"])[:200], "proposed"


def merchant_reviews_apply(*, reviews: list[MatchReview], by: User) -> None:
    """Apply the committed decisions of an import's batch (the applier of ``offers-import:``).

    Each review in its own savepoint: one that cannot be applied is reported on its row (the
    others are applied; the decisions stay committed). Writes the outcome over the row's line in
    the import's report, adds the offers made to the import's counts and emits
    ``offer_import.reviews_applied`` per import.
    """
    scopes: dict[int, list[StorefrontScope]] = {}
    imports = {
        offer_import.pk: offer_import
        for offer_import in OfferImport.objects.filter(
            pk__in={(r.payload or {}).get("import_id") for r in reviews} - {None}
        ).select_related("uploaded_by")
    }
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for review in reviews:
        payload = review.payload or {}
        offer_import = imports.get(int(payload.get("import_id") or 0))
        seller = review.seller
        row = int(payload.get("row") or 0)
        if offer_import is None or seller is None or review.status == MatchReview.Status.PENDING:
            continue
        try:
            with transaction.atomic():
                if review.status == MatchReview.Status.ACCEPTED:
                    if seller.pk not in scopes:
                        scopes[seller.pk] = seller_storefront_scopes(seller)
                    outcome, value, counted = _offer_apply(seller, review, scopes[seller.pk])
                else:
                    outcome, value, counted = _propose(seller, review, offer_import.uploaded_by)
        except DomainError as error:
            outcome, value, counted = NOT_APPLIED_REASON, error.message, ""
        OfferImportError.objects.filter(
            offer_import_id=offer_import.pk, row=row, reason=REVIEW_WAITING_REASON
        ).update(reason=outcome, value=value[:200])
        tally = counts[offer_import.pk]
        tally[counted or "left_out"] += 1
    _counts_add(imports.values(), counts)


def _counts_add(imports: Iterable[OfferImport], counts: dict[int, dict[str, int]]) -> None:
    for offer_import in imports:
        tally = counts.get(offer_import.pk)
        if not tally:
            continue
        OfferImport.objects.filter(pk=offer_import.pk).update(
            created_offers=F("created_offers") + tally["created"],
            updated_offers=F("updated_offers") + tally["updated"],
        )
        emit(
            "offer_import.reviews_applied",
            import_id=offer_import.pk,
            seller_id=offer_import.seller_id,
            created=tally["created"],
            updated=tally["updated"],
            proposed=tally["proposed"],
            left_out=tally["left_out"],
        )
