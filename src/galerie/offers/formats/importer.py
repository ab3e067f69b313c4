"""Running a merchant file through the offer import: read, normalise, match, check, apply.

:func:`merchant_import_run` is what :mod:`galerie.offers.imports.run` calls for a file in a
merchant format. Rows that match a catalog variant become offer rows checked and applied by the
offer import itself (``checks``, ``apply``: the same rules, the same all-or-nothing transaction);
rows the matcher is unsure of wait in the operator's match queue (``reviews``); the others
become product proposals for the operator (their attributes mapped onto the product type's
schema: ``attributes``). Queue and proposals are written in that same transaction. Every
problem is recorded with its row, the file's column, the value and the reason.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_noop

from galerie.accounts.models import User
from galerie.catalog import services_proposals as catalog_proposals
from galerie.catalog.models import (
    AttributeDefinition,
    Category,
    MatchReview,
    Product,
    ProductProposal,
    ProductType,
)
from galerie.core.archives import ArchiveRefused, archive_open
from galerie.core.errors import DomainError, InvalidInput
from galerie.core.identifiers import clean_gtin
from galerie.core.money import Money
from galerie.offers.formats import gmc, magento, shopify, woocommerce
from galerie.offers.formats.attributes import attributes_for_type
from galerie.offers.formats.detect import FORMAT_NAMES, detect_format
from galerie.offers.formats.images import ARCHIVE_REFUSED, ImageSource, unpack
from galerie.offers.formats.matching import RowMatch, _match_product
from galerie.offers.formats.records import MerchantProduct, MerchantVariant, html_to_text
from galerie.offers.formats.reviews import (
    REVIEW_BATCH_PREFIX,
    merchant_review_notes_create,
    merchant_reviews_create,
)
from galerie.offers.imports.checks import OUTSIDE_SCOPE_REASON, _Checker
from galerie.offers.imports.files import _column_name, _refuse
from galerie.offers.imports.rows import CONDITION_ALIASES, MAX_STOCK, _price, _Problem, _Row, _whole
from galerie.offers.models import Condition, Offer, OfferImport, OfferImportError
from galerie.offers.proposals import proposal_categories_for_seller
from galerie.offers.selectors.seller import seller_storefront_scopes, storefront_for_category
from galerie.sellers.models import Seller

if TYPE_CHECKING:
    from galerie.offers.imports.run import Progress

READERS = {"shopify": shopify.read, "woocommerce": woocommerce.read, "gmc": gmc.read, "magento": magento.read}
IN_STOCK = {"in_stock", "instock", "preorder", "backorder", "1", "yes"}
OUT_OF_STOCK = {"out_of_stock", "outofstock", "0", "no"}

# Reasons without a value in them are msgids: the report translates them when it shows them.
NO_VARIANT_REASON = gettext_noop("This product has no variant with a price or a SKU: nothing to sell.")
NO_TITLE_REASON = gettext_noop("This product is not in the catalog and has no title to propose it with.")
ALREADY_PROPOSED_REASON = gettext_noop("You already proposed this product: wait for the operator's decision.")
NO_CATEGORY_REASON = gettext_noop(
    "No category of your storefronts has this name: the product cannot be proposed. Name one of the"
    " storefront's categories."
)
NEEDS_PRICE_REASON = gettext_noop("A new product needs a price and a stock.")
NO_TYPE_REASON = gettext_noop("The catalog has no product type yet: the operator must create one.")
MISSING_ATTRIBUTES_REASON = gettext_noop(
    "The product type of this category requires attributes the file does not give (the value names"
    " them): the product cannot be proposed."
)
ALREADY_IN_REVIEW_REASON = gettext_noop(
    "This product already waits for the operator's review from an earlier import: wait for the decision."
)


def read_merchant_file(
    raw: bytes, name: str, fmt: str | None = None
) -> tuple[str, list[MerchantProduct], ImageSource]:
    """Return the format, the products and the image source of an upload (a file, or a ZIP with its images).

    Raises OfferImportRefused when the file is in no known merchant format, or not in ``fmt``.
    """
    data, data_name, archive = unpack(raw, name)
    found = detect_format(data)
    if found is None or (fmt and found != fmt):
        what = (
            f"a {FORMAT_NAMES[fmt]}"
            if fmt
            else "a Shopify, WooCommerce, Magento 2 or Google Merchant Center file"
        )
        raise _refuse(f"“{data_name}” is not {what}: its first row (or root element) is not that system's.")
    return found, READERS[found](data, data_name), ImageSource(archive=archive)


def is_merchant_upload(raw: bytes, name: str = "upload") -> bool:
    """Whether an upload is a merchant file (or a ZIP with one), not an offer file.

    A ZIP that is not a workbook is vetted here (core.archives): a hostile one (a bomb, ``../``
    names, links, archives inside) is refused with OfferImportRefused, not taken for an offer file.
    """
    if raw.startswith(b"PK\x03\x04"):
        try:
            names = set(archive_open(raw, name).namelist())
        except ArchiveRefused:
            return False  # the offer file's reader names the damage
        if "[Content_Types].xml" in names:
            return False  # an XLSX workbook (or another Office file): vetted as one by the reader
        try:
            data, _name, archive = unpack(raw, name)
        except DomainError as refused:
            if refused.code == ARCHIVE_REFUSED:
                raise
            return False
        return archive is not None and detect_format(data) is not None
    return detect_format(raw) is not None


def _when(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text.replace(" ", "T", 1)) if len(text) > 10 else None
        day = None if moment is not None else parse_date(text[:10])
    except ValueError:  # well-formed but impossible: 2026-02-30
        moment = day = None
    if moment is None and day is None:
        us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", text.split(" ")[0])  # Magento: 1/31/26
        if us:
            month, dom, year = (int(part) for part in us.groups())
            try:
                day = date(year + 2000 if year < 100 else year, month, dom)
            except ValueError:
                day = None
    if moment is None:
        if day is None:
            raise ValueError(f"“{text}” is not a date: write 2026-12-31 or 2026-12-31T23:59+01:00.")
        moment = datetime(day.year, day.month, day.day)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@dataclass
class _Proposal:
    product: MerchantProduct
    variant: MerchantVariant
    row: _Row
    category: Category
    product_type: ProductType
    title: str
    gtin: str
    image: bytes | None
    currency: str
    attributes: dict[str, Any] = dataclasses.field(default_factory=dict)  # mapped onto the type's schema


@dataclass
class _Review:
    """A row whose product may be a catalog one: it waits for the operator's decision."""

    match: RowMatch
    row: _Row
    column: str  # the file's title column, for the report
    title: str
    proposal: _Proposal | _Problem  # what rejecting the match proposes, or why it cannot


@dataclass
class MerchantRun:
    """What a merchant file's check found: offer rows for the checker, proposals, rows waiting
    for the operator's review, problems."""

    rows: list[_Row]
    proposals: list[_Proposal]
    problems: list[_Problem]
    total: int
    reviews: list[_Review] = dataclasses.field(default_factory=list)


def _parse_variant(
    product: MerchantProduct, variant: MerchantVariant, now: datetime, currencies: set[str]
) -> tuple[_Row, list[_Problem]]:
    problems: list[_Problem] = []
    column = variant.columns

    def problem(field: str, value: str, reason: str) -> None:
        problems.append(_Problem(variant.row, column.get(field, field), value[:200], reason))

    row = _Row(row=variant.row, sku=variant.sku[:64])
    if len(variant.sku) > 64:
        problem("sku", variant.sku, "A SKU has at most 64 characters.")
    if variant.gtin:
        try:
            row.gtin = clean_gtin(variant.gtin)
        except ValidationError as error:
            problem("gtin", variant.gtin, " ".join(error.messages))
    if variant.currency and currencies and variant.currency not in currencies:
        problem(
            "price",
            f"{variant.price} {variant.currency}",
            f"Your storefronts sell in {', '.join(sorted(currencies))}, not {variant.currency}.",
        )
    price: int | None = None
    for field, text in (("price", variant.price), ("sale_price", variant.sale_price)):
        if not text:
            continue
        try:
            parsed = _price(text)
        except ValueError as error:
            problem(field, text, str(error))
            continue
        if field == "price":
            price = parsed
        else:
            try:
                start, end = _when(variant.sale_from), _when(variant.sale_to)
            except ValueError as error:
                problem("sale_from", variant.sale_from or variant.sale_to, str(error))
                continue
            if (start is None or start <= now) and (end is None or now < end):
                price = parsed  # the sale price is the one in force at the import
    if price is None and not variant.price and variant.sale_price and not problems:
        price = row.price
    row.price = price
    if variant.stock:
        # Magento writes quantities as decimals ("8.0000"): a whole number is read as one.
        stock = re.sub(r"^(\d+)[.,]0+$", r"\1", variant.stock)
        try:
            row.stock = _whole(stock, maximum=MAX_STOCK, what="stock")
        except ValueError as error:
            problem("stock", variant.stock, str(error))
    elif variant.availability:
        key = _column_name(variant.availability)
        if key in OUT_OF_STOCK:
            row.stock = 0
        elif key in IN_STOCK:
            row.stock_if_new = 1  # "in stock" without a quantity: one, for a new offer (docs)
        else:
            problem(
                "availability",
                variant.availability,
                "Not an availability: in_stock, out_of_stock, preorder or backorder.",
            )
    if variant.condition:
        key = _column_name(variant.condition)
        if key in CONDITION_ALIASES:
            row.condition, row.condition_given = str(CONDITION_ALIASES[key]), True
        else:
            problem(
                "condition",
                variant.condition,
                f"“{variant.condition}” is not a condition ({', '.join(Condition.values)}).",
            )
    return row, problems


def _category(path: list[str], leaves: list[Category]) -> Category | None:
    """The leaf category the file's path names: by the last segment's name or slug, the deepest match."""
    if not path:
        return None
    from django.utils.text import slugify

    wanted = {path[-1].strip().lower(), slugify(path[-1])}
    found = [c for c in leaves if c.name.lower() in wanted or c.slug in wanted]
    return found[0] if len(found) == 1 else None


def _pending_reviews(seller: Seller) -> tuple[set[str], set[str]]:
    """The SKUs and titles of the seller's rows still waiting in the match queue (not committed)."""
    skus: set[str] = set()
    titles: set[str] = set()
    waiting = MatchReview.objects.filter(
        seller=seller, batch__startswith=REVIEW_BATCH_PREFIX, committed_at__isnull=True
    ).values_list("payload", flat=True)
    for payload in waiting:
        if isinstance(payload, dict):
            skus.add(str((payload.get("offer") or {}).get("sku") or ""))
            titles.add(str(payload.get("title") or "").lower())
    return skus - {""}, titles - {""}


@dataclass
class _Catalog:
    """What proposing a row needs from the catalog, read once per file."""

    leaves: list[Category]
    types_by_category: dict[int, int]
    types: dict[int, tuple[ProductType, list[AttributeDefinition]]]
    default_type: int | None

    @classmethod
    def read(cls, seller: Seller) -> _Catalog:
        leaves = list(proposal_categories_for_seller(seller=seller))
        types_by_category = dict(
            Product.objects.filter(category__in=leaves)
            .order_by("category_id", "id")
            .values_list("category_id", "product_type_id")
            .distinct()
        )
        default_type = ProductType.objects.order_by("id").values_list("id", flat=True).first()
        wanted = {*types_by_category.values(), *([default_type] if default_type else [])}
        types = {
            product_type.pk: (product_type, list(product_type.attributes.all()))
            for product_type in ProductType.objects.filter(pk__in=wanted).prefetch_related("attributes")
        }
        return cls(leaves, types_by_category, types, default_type)


def _proposal_for(
    product: MerchantProduct,
    variant: MerchantVariant,
    row: _Row,
    catalog: _Catalog,
    scopes: list[Any],
) -> _Proposal | _Problem:
    """The proposal a row makes of a product the catalog lacks, or the problem that prevents it
    (its image is read later, only for rows proposed now)."""
    title = product.title
    if variant.options:
        title = f"{title} — {' / '.join(variant.options.values())}"
    column = product.columns.get("title", "title")
    if not product.title:
        return _Problem(variant.row, column, "", NO_TITLE_REASON)
    category = _category(product.category_path, catalog.leaves)
    if category is None:
        shown = " > ".join(product.category_path)
        return _Problem(
            variant.row, product.columns.get("category", "category"), shown[:200], NO_CATEGORY_REASON
        )
    if row.price is None or (row.stock is None and row.stock_if_new is None):
        field = "price" if row.price is None else "stock"
        return _Problem(variant.row, variant.columns.get(field, field), "", NEEDS_PRICE_REASON)
    product_type_id = catalog.types_by_category.get(category.pk) or catalog.default_type
    if product_type_id is None:
        return _Problem(variant.row, column, title[:200], NO_TYPE_REASON)
    product_type, definitions = catalog.types[product_type_id]
    attributes = attributes_for_type(definitions, {**product.attributes, **variant.options})
    if attributes.missing:
        shown = ", ".join(attributes.missing)
        return _Problem(variant.row, column, shown[:200], MISSING_ATTRIBUTES_REASON)
    storefront = storefront_for_category(scopes, category.path)
    if storefront is None:
        return _Problem(
            variant.row, product.columns.get("category", "category"), category.name, OUTSIDE_SCOPE_REASON
        )
    return _Proposal(
        product,
        variant,
        row,
        category,
        product_type,
        title[:255],
        row.gtin,
        None,
        storefront.currency,
        attributes.values,
    )


def merchant_check(
    *, seller: Seller, checker: _Checker, raw: bytes, name: str, now: datetime | None = None
) -> MerchantRun:
    """Read a merchant file and check every row; write nothing.

    Raises OfferImportRefused for a file that cannot be read.
    """
    now = now or timezone.now()
    _fmt, products, images = read_merchant_file(raw, name)
    currencies = {scope.storefront.currency for scope in checker.scopes} if checker.scopes else set()
    pairs = [(product, variant) for product in products for variant in product.variants]
    problems: list[_Problem] = []
    for product in products:
        if not product.variants:
            problems.append(
                _Problem(
                    product.row,
                    product.columns.get("title", "title"),
                    product.title[:200],
                    NO_VARIANT_REASON,
                )
            )
    matches = _match_product(pairs)
    # A row without a sure catalog match that names one of the seller's own offers by SKU updates it.
    skus = {
        variant.sku
        for (_p, variant), match in zip(pairs, matches, strict=True)
        if match.variant is None and variant.sku
    }
    own_skus = (
        set(
            Offer.objects.filter(seller=seller, seller_sku__in=sorted(skus)).values_list(
                "seller_sku", flat=True
            )
        )
        if skus
        else set()
    )
    offer_rows: list[_Row] = []
    proposals: list[_Proposal] = []
    reviews: list[_Review] = []
    catalog = _Catalog.read(seller)
    pending = ProductProposal.objects.filter(seller=seller, status=ProductProposal.Status.PENDING)
    pending_gtins = set(pending.values_list("gtin", flat=True))
    pending_titles = {t.lower() for t in pending.values_list("title", flat=True)}
    reviewed_skus, reviewed_titles = _pending_reviews(seller)
    for (product, variant), match in zip(pairs, matches, strict=True):
        row, found = _parse_variant(product, variant, now, currencies)
        if found:
            problems.extend(found)
            continue
        if match.variant is not None:
            row.gtin = match.variant.gtin or row.gtin
            offer_rows.append(row)
            continue
        if variant.sku in own_skus:
            offer_rows.append(row)
            continue
        column = product.columns.get("title", "title")
        if match.review:
            title = product.title  # with the variant's options, as a proposal's: one review per variant
            if variant.options:
                title = f"{title} — {' / '.join(variant.options.values())}"
            if (variant.sku and variant.sku in reviewed_skus) or title.lower() in reviewed_titles:
                problems.append(_Problem(variant.row, column, title[:200], ALREADY_IN_REVIEW_REASON))
                continue
            if row.price is None or (row.stock is None and row.stock_if_new is None):
                field = "price" if row.price is None else "stock"
                problems.append(
                    _Problem(variant.row, variant.columns.get(field, field), "", NEEDS_PRICE_REASON)
                )
                continue
            proposal = _proposal_for(product, variant, row, catalog, checker.scopes)
            reviews.append(_Review(match, row, column, title[:200], proposal))
            reviewed_titles.add(title.lower())
            if variant.sku:
                reviewed_skus.add(variant.sku)
            continue
        proposal = _proposal_for(product, variant, row, catalog, checker.scopes)
        if isinstance(proposal, _Problem):
            problems.append(proposal)
            continue
        if (row.gtin in pending_gtins and row.gtin) or proposal.title.lower() in pending_titles:
            problems.append(_Problem(variant.row, column, proposal.title[:200], ALREADY_PROPOSED_REASON))
            continue
        proposal.image = images.get(variant.image or (product.images[0] if product.images else ""))
        proposals.append(proposal)
        pending_titles.add(proposal.title.lower())
        if row.gtin:
            pending_gtins.add(row.gtin)
    problems.extend(checker.check(offer_rows))
    return MerchantRun(offer_rows, proposals, problems, len(pairs) or len(products), reviews)


def merchant_proposals_create(*, seller: Seller, by: User | None, proposals: list[_Proposal]) -> int:
    """Create the file's product proposals inside the caller's transaction.

    Raises OfferImportRefused, naming the row, on the first the catalog refuses (the caller's
    transaction then rolls back the offers too). A picture that is not an image is left out.
    """
    assert transaction.get_connection().in_atomic_block

    def create(proposal: _Proposal, image: Any) -> None:
        row = proposal.row
        catalog_proposals.product_proposal_create(
            seller_id=seller.pk,
            by=cast(User, by),  # None for the operator's command: no person proposes
            category=proposal.category,
            product_type_id=proposal.product_type.pk,
            title=proposal.title,
            brand_name=proposal.product.brand[:120],
            gtin=proposal.gtin,
            description=html_to_text(proposal.product.description),
            image=image,
            condition=row.condition,
            price=Money(cast(int, row.price), proposal.currency),
            stock=row.stock if row.stock is not None else row.stock_if_new,
            attributes=proposal.attributes,
            safety=proposal.product.safety,
        )

    for proposal in proposals:
        row = proposal.row
        image: Any = None
        if proposal.image is not None:
            image = SimpleUploadedFile(f"row-{row.row}.jpg", proposal.image)
        try:
            create(proposal, image)
        except InvalidInput as error:
            if image is None or set(error.errors) != {"image"}:
                raise _refuse(
                    f"Row {row.row}: the product could not be proposed ({error.message})."
                ) from None
            # a picture that is not an image: proposed without it
            create(proposal, None)
        except DomainError as error:
            raise _refuse(f"Row {row.row}: the product could not be proposed ({error.message}).") from None
    return len(proposals)


def merchant_import_check(
    offer_import: OfferImport, raw: bytes, progress: Progress | None
) -> tuple[_Checker, Callable[[], int]]:
    """Check a stored merchant file as ``run._check_all`` checks an offer file: record every problem.

    Returns the checker (its valid offer rows) and what to call inside the apply transaction to
    create the file's product proposals and put its doubtful rows in the operator's match queue.
    The rows waiting for review are noted in the report (not counted as rows with a problem): at
    once for a check-only run, in the apply transaction otherwise.
    """
    checker = _Checker(seller_id=offer_import.seller_id, scopes=seller_storefront_scopes(offer_import.seller))
    result = merchant_check(
        seller=offer_import.seller, checker=checker, raw=raw, name=offer_import.original_name
    )
    problems = sorted(result.problems, key=lambda p: (p.row, p.column))
    error_rows = len({p.row for p in problems})
    with transaction.atomic():  # committed now, as the offer file's check commits its chunks
        OfferImportError.objects.bulk_create(
            OfferImportError(offer_import_id=offer_import.pk, **p._asdict()) for p in problems
        )
        if offer_import.check_only:
            merchant_review_notes_create(offer_import=offer_import, reviews=result.reviews, check_only=True)
        OfferImport.objects.filter(pk=offer_import.pk).update(
            processed_rows=result.total, error_rows=error_rows, total_rows=result.total
        )
    offer_import.processed_rows = offer_import.total_rows = result.total
    offer_import.error_rows = error_rows
    checker.would_create += len(result.proposals)  # shown as "would be created" by a check-only run
    if progress:
        progress("check", result.total, result.total)
    by = offer_import.uploaded_by

    def propose() -> int:
        merchant_reviews_create(offer_import=offer_import, reviews=result.reviews)
        return merchant_proposals_create(seller=offer_import.seller, by=by, proposals=result.proposals)

    return checker, propose
