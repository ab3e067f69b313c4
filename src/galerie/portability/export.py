"""Write a storefront's bundle (docs/storefront-bundle.md), streamed.

Rows are read with ``iterator(chunk_size=…)`` in the order of their natural key and written as
they come; the children of a chunk (variants, images, price history, seller orders, lines) are
read in one query per chunk. Memory holds one chunk and the sets of the small entities'
database ids (categories, product types, brands, sellers), never the products or offers.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Model, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from galerie.accounts.models import User
from galerie.catalog.models import Brand, Category, Product, ProductImage, ProductType, Variant
from galerie.ledger.models import CommissionOverride, CommissionPlan
from galerie.offers.models import Offer, PriceHistory
from galerie.orders.models import Order, OrderLine, SellerOrder
from galerie.portability.format import FORMAT, MANIFEST, MEDIA, VERSION, VOLATILE, HashingWriter
from galerie.reviews.models import Review, ReviewRequest
from galerie.sellers.models import Seller, SellerAdmission, ShippingProfile
from galerie.storefronts.models import Storefront, StorefrontRedirect
from galerie.storefronts.services import QUALITY_SETTINGS

CHUNK = 2000
Progress = Callable[[str, int, int | None], None]  # (file, rows written, rows expected or None)
M = TypeVar("M", bound=Model)


def _when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def pseudonym(user_uuid: UUID) -> str:
    """A customer's stable pseudonym: the same user gives the same one, in every export."""
    return "customer-" + hashlib.sha256(f"galerie-pseudonym:{user_uuid}".encode()).hexdigest()[:16]


class _Export:
    def __init__(self, storefront: Storefront, path: Path, on_progress: Progress | None) -> None:
        self.storefront = storefront
        self.path = path
        self.files: dict[str, dict[str, Any]] = {}
        self.on_progress = on_progress or (lambda name, done, total: None)
        self.media_written: set[str] = set()

    # --- helpers ---------------------------------------------------------------------------
    def media(self, file: FieldFile | None) -> str | None:
        """Copy a stored file into media/ under its content hash; return its bundle path."""
        if not file or not file.name:
            return None
        with file.storage.open(file.name, "rb") as source:
            data = source.read()
        digest = hashlib.sha256(data).hexdigest()
        suffix = os.path.splitext(file.name)[1].lower()[:10]
        name = f"{MEDIA}/{digest[:2]}/{digest}{suffix}"
        if name not in self.media_written:
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            self.media_written.add(name)
            self.files[name] = {"bytes": len(data), "sha256": digest}
        return name

    def write(self, name: str, rows: Iterable[dict[str, Any]], total: int | None = None) -> int:
        writer = HashingWriter(self.path / name)
        self.on_progress(name, 0, total)
        for row in rows:
            writer.write_row(row)
            if writer.rows % CHUNK == 0:
                self.on_progress(name, writer.rows, total)
        self.files[name] = writer.close()
        self.on_progress(name, writer.rows, writer.rows)  # done: the bar is full
        return writer.rows

    @staticmethod
    def chunks(queryset: QuerySet[M]) -> Iterator[list[M]]:
        rows = queryset.iterator(chunk_size=CHUNK)
        while chunk := list(islice(rows, CHUNK)):
            yield chunk

    # --- scope -----------------------------------------------------------------------------
    def scope(self) -> None:
        sf = self.storefront
        self.seller_ids = set(
            SellerAdmission.objects.filter(storefront=sf).values_list("seller_id", flat=True)
        ) | set(SellerOrder.objects.filter(order__storefront=sf).values_list("seller_id", flat=True))
        roots = list(sf.catalog_scope.values_list("path", flat=True))
        in_scope = Q()
        for root in roots:
            in_scope |= Q(category__path__startswith=root)
        ordered = set(
            OrderLine.objects.filter(seller_order__order__storefront=sf).values_list(
                "variant__product_id", flat=True
            )
        )
        self.products = (
            Product.objects.filter(in_scope | Q(pk__in=ordered)) if roots else Product.objects.all()
        )
        category_ids = set(self.products.values_list("category_id", flat=True).distinct())
        paths = set(Category.objects.filter(pk__in=category_ids).values_list("path", flat=True))
        paths |= set(
            Category.objects.filter(
                Q(pk__in=sf.catalog_scope.all())
                | Q(pk__in=CommissionOverride.objects.filter(storefront=sf).values("category_id"))
            ).values_list("path", flat=True)
        )
        steplen = Category.steplen
        ancestors = {path[:end] for path in paths for end in range(steplen, len(path) + 1, steplen)}
        self.categories = Category.objects.filter(path__in=ancestors)

    # --- files -----------------------------------------------------------------------------
    def storefront_rows(self) -> Iterator[dict[str, Any]]:
        sf = self.storefront
        plan = CommissionPlan.objects.filter(storefront=sf).first()
        yield {
            "code": sf.code,
            "uuid": str(sf.uuid),
            "name": sf.name,
            "tagline": sf.tagline,
            "status": sf.status,
            "created_at": _when(sf.created_at),
            "theme": {
                "logo": self.media(sf.logo),
                "colour_primary": sf.colour_primary,
                "colour_accent": sf.colour_accent,
                "colour_background": sf.colour_background,
                "colour_text": sf.colour_text,
                "font": sf.font,
            },
            "settings": {
                "default_language": sf.default_language,
                "currency": sf.currency,
                **{name: getattr(sf, name) for name in STOREFRONT_SETTINGS},
                "closing_on": _when(sf.closing_on),
                "closure_announced_at": _when(sf.closure_announced_at),
                "closure_reason": sf.closure_reason,
                "closed_at": _when(sf.closed_at),
                "sales_stopped_at": _when(sf.sales_stopped_at),
            },
            "catalog_scope": sorted(sf.catalog_scope.values_list("slug", flat=True)),
            "commission_plan": None
            if plan is None
            else {
                "rate_bp": plan.rate_bp,
                "fixed_fee_minor": plan.fixed_fee_minor,
                "on_shipping": plan.on_shipping,
            },
        }

    def host_rows(self) -> Iterator[dict[str, Any]]:
        for host in self.storefront.hosts.order_by("host"):
            yield {"host": host.host, "is_primary": host.is_primary}

    def category_rows(self) -> Iterator[dict[str, Any]]:
        # Tree order (parents first, siblings in their order); the import adds them in this order
        # and so gives them paths in the same order.
        by_path = dict(self.categories.values_list("path", "slug"))
        for category in self.categories.order_by("path"):
            yield {
                "slug": category.slug,
                "name": category.name,
                "description": category.description,
                "parent": by_path[category.path[: -Category.steplen]] if category.depth > 1 else None,
                # Its place in the tree, as slugs from the root: "books/novels/adventure".
                "path": "/".join(
                    by_path[category.path[:end]]
                    for end in range(Category.steplen, len(category.path) + 1, Category.steplen)
                ),
            }

    def product_type_rows(self) -> Iterator[dict[str, Any]]:
        types = ProductType.objects.filter(pk__in=self.products.values("product_type_id")).order_by("code")
        for product_type in types.prefetch_related("attributes"):
            yield {
                "code": product_type.code,
                "name": product_type.name,
                "tax_class": product_type.tax_class,
                "attributes": [
                    {
                        "code": a.code,
                        "name": a.name,
                        "kind": a.kind,
                        "level": a.level,
                        "unit": a.unit,
                        "choices": a.choices,
                        "is_required": a.is_required,
                        "position": a.position,
                    }
                    for a in sorted(product_type.attributes.all(), key=lambda a: (a.position, a.code))
                ],
            }

    def brand_rows(self) -> Iterator[dict[str, Any]]:
        brands = Brand.objects.filter(pk__in=self.products.exclude(brand=None).values("brand_id"))
        for brand in brands.order_by("slug").iterator(chunk_size=CHUNK):
            yield {"slug": brand.slug, "name": brand.name}

    def product_rows(self) -> Iterator[dict[str, Any]]:
        types = dict(ProductType.objects.values_list("pk", "code"))
        categories = dict(self.categories.values_list("pk", "slug"))
        queryset = self.products.select_related("brand").order_by("uuid")
        for chunk in self.chunks(queryset):
            ids = [product.pk for product in chunk]
            variants: dict[int, list[Variant]] = defaultdict(list)
            for variant in Variant.objects.filter(product_id__in=ids).order_by("position", "uuid"):
                variants[variant.product_id].append(variant)
            images: dict[int, list[ProductImage]] = defaultdict(list)
            for image in ProductImage.objects.filter(product_id__in=ids).order_by("position", "id"):
                images[image.product_id].append(image)
            for product in chunk:
                yield {
                    "uuid": str(product.uuid),
                    "slug": product.slug,
                    "title": product.title,
                    "description": product.description,
                    "attributes": product.attributes,
                    "status": product.status,
                    "created_at": _when(product.created_at),
                    "product_type": types[product.product_type_id],
                    "category": categories[product.category_id],
                    "brand": product.brand.slug if product.brand else None,
                    "variants": [
                        {
                            "uuid": str(v.uuid),
                            "gtin": v.gtin,
                            "name": v.name,
                            "attributes": v.attributes,
                            "position": v.position,
                        }
                        for v in variants[product.pk]
                    ],
                    "images": sorted(
                        (
                            {
                                "position": image.position,
                                "alt": image.alt,
                                "width": image.width,
                                "height": image.height,
                                "image": self.media(image.image),
                                "thumbnail": self.media(image.thumbnail),
                            }
                            for image in images[product.pk]
                        ),
                        key=lambda row: (row["position"], row["image"] or ""),
                    ),
                }

    def seller_rows(self) -> Iterator[dict[str, Any]]:
        admissions = {a.seller_id: a for a in SellerAdmission.objects.filter(storefront=self.storefront)}
        sellers = Seller.objects.filter(pk__in=self.seller_ids).order_by("uuid")
        for chunk in self.chunks(sellers):
            profiles = {
                p.seller_id: p for p in ShippingProfile.objects.filter(seller_id__in=[s.pk for s in chunk])
            }
            for seller in chunk:
                admission, profile = admissions.get(seller.pk), profiles.get(seller.pk)
                yield {
                    "uuid": str(seller.uuid),
                    "slug": seller.slug,
                    "kind": seller.kind,
                    "status": seller.status,
                    "display_name": seller.display_name,
                    "description": seller.description,
                    "return_policy": seller.return_policy,
                    "low_stock_threshold": seller.low_stock_threshold,
                    "logo": self.media(seller.logo),
                    "created_at": _when(seller.created_at),
                    "trader": {name: getattr(seller, name) for name in SELLER_IDENTITY}
                    | {"compliance_certified_at": _when(seller.compliance_certified_at)},
                    "admission": None
                    if admission is None
                    else {
                        "status": admission.status,
                        "reason": admission.reason,
                        "decided_at": _when(admission.decided_at),
                    },
                    "shipping_profile": None
                    if profile is None
                    else {name: getattr(profile, name) for name in SHIPPING_PROFILE},
                }

    def override_rows(self) -> Iterator[dict[str, Any]]:
        rows = [
            {
                "seller": str(o.seller.uuid) if o.seller else None,
                "category": o.category.slug if o.category else None,
                "rate_bp": o.rate_bp,
            }
            for o in CommissionOverride.objects.filter(storefront=self.storefront).select_related(
                "seller", "category"
            )
        ]
        yield from sorted(rows, key=lambda r: (r["seller"] or "", r["category"] or ""))

    def offers(self) -> QuerySet[Offer]:
        return Offer.objects.filter(seller_id__in=self.seller_ids, variant__product__in=self.products)

    def offer_rows(self) -> Iterator[dict[str, Any]]:
        offers = (
            self.offers()
            .select_related("seller", "variant")
            .only("seller__uuid", "variant__uuid", *OFFER_FIELDS, "uuid", "created_at")
            .order_by("uuid")
        )
        for chunk in self.chunks(offers):
            history: dict[int, list[PriceHistory]] = defaultdict(list)
            for row in PriceHistory.objects.filter(offer_id__in=[o.pk for o in chunk]).order_by(
                "valid_from", "price_minor", "currency"
            ):
                history[row.offer_id].append(row)
            for offer in chunk:
                yield {
                    "uuid": str(offer.uuid),
                    "seller": str(offer.seller.uuid),
                    "variant": str(offer.variant.uuid),
                    **{name: getattr(offer, name) for name in OFFER_FIELDS},
                    "created_at": _when(offer.created_at),
                    "price_history": [
                        {
                            "price_minor": h.price_minor,
                            "currency": h.currency,
                            "valid_from": _when(h.valid_from),
                        }
                        for h in history[offer.pk]
                    ],
                }

    def customer_rows(self) -> Iterator[dict[str, Any]]:
        users = User.objects.filter(
            pk__in=Order.objects.filter(storefront=self.storefront).values("customer_id")
        ).order_by("uuid")
        for user in users.iterator(chunk_size=CHUNK):
            row: dict[str, Any] = {
                "uuid": str(user.uuid),
                "pseudonym": pseudonym(user.uuid),
                "transfer_consent": user.transfer_consent,
            }
            if user.transfer_consent:
                row |= {
                    "email": user.email,
                    "full_name": user.full_name,
                    "preferred_language": user.preferred_language,
                    "is_active": user.is_active,
                    "date_joined": _when(user.date_joined),
                }
            yield row

    def order_rows(self) -> Iterator[dict[str, Any]]:
        orders = (
            Order.objects.filter(storefront=self.storefront)
            .select_related("customer", "payment")
            .order_by("number")
        )
        for chunk in self.chunks(orders):
            seller_orders: dict[int, list[SellerOrder]] = defaultdict(list)
            for so in SellerOrder.objects.filter(order_id__in=[o.pk for o in chunk]).select_related("seller"):
                seller_orders[so.order_id].append(so)
            # The review request already sent (reviews' job): the new installation must not send
            # it a second time.
            requested = dict(
                ReviewRequest.objects.filter(seller_order__order_id__in=[o.pk for o in chunk]).values_list(
                    "seller_order_id", "created_at"
                )
            )
            lines: dict[int, list[OrderLine]] = defaultdict(list)
            for line in (
                OrderLine.objects.filter(seller_order__order_id__in=[o.pk for o in chunk])
                .select_related("offer", "variant")
                .order_by("id")
            ):
                lines[line.seller_order_id].append(line)
            for order in chunk:
                consent = order.customer.transfer_consent
                payment = order.payment
                yield {
                    "uuid": str(order.uuid),
                    "number": order.number,
                    "customer": str(order.customer.uuid),
                    "language": order.language,
                    "status": order.status,
                    # A customer without consent: no e-mail, no name, no address in the bundle.
                    "email": order.email if consent else None,
                    "shipping_address": {name: getattr(order, name) for name in ORDER_ADDRESS}
                    if consent
                    else None,
                    **{name: getattr(order, name) for name in ORDER_AMOUNTS},
                    "placed_at": _when(order.placed_at),
                    "payment": {
                        "uuid": str(payment.uuid),
                        **{name: getattr(payment, name) for name in PAYMENT_FIELDS},
                        "created_at": _when(payment.created_at),
                    },
                    "seller_orders": [
                        {
                            "uuid": str(so.uuid),
                            "number": so.number,
                            "seller": str(so.seller.uuid),
                            **{name: getattr(so, name) for name in SELLER_ORDER_FIELDS},
                            "accepted_at": _when(so.accepted_at),
                            "shipped_at": _when(so.shipped_at),
                            "delivered_at": _when(so.delivered_at),
                            "review_requested_at": _when(requested.get(so.pk)),
                            "lines": [line_row(line) for line in lines_in_order(lines[so.pk])],
                        }
                        for so in sorted(seller_orders[order.pk], key=lambda so: so.number)
                    ],
                }

    def reviews(self) -> QuerySet[Review]:
        return Review.objects.filter(storefront=self.storefront)

    def review_rows(self) -> Iterator[dict[str, Any]]:
        # In the order they were written (uuid for a tie), not by uuid: the import writes them in
        # the file's order, so their ids keep it, and "the latest reviews" (by id) stay the same.
        reviews = (
            self.reviews().select_related("customer", "seller_order__order").order_by("created_at", "uuid")
        )
        for chunk in self.chunks(reviews):
            # A review names its line by the seller order's number and the line's position in the
            # bundle (1, 2…): the lines of those seller orders, in the order orders.jsonl has them.
            lines: dict[int, list[OrderLine]] = defaultdict(list)
            for line in (
                OrderLine.objects.filter(seller_order_id__in={r.seller_order_id for r in chunk})
                .select_related("offer", "variant")
                .order_by("id")
            ):
                lines[line.seller_order_id].append(line)
            position = {
                line.pk: number
                for so_lines in lines.values()
                for number, line in enumerate(lines_in_order(so_lines), start=1)
            }
            for review in chunk:
                consent = review.customer.transfer_consent
                yield {
                    "uuid": str(review.uuid),
                    "order": review.seller_order.order.number,
                    "seller_order": review.seller_order.number,
                    "line": position[review.order_line_id],
                    "customer": str(review.customer.uuid),
                    # Reviews are public text: a customer who did not consent is shown under a
                    # neutral name here and there ("Verified customer"), never their own.
                    "author_name": review.author_name if consent else "",
                    **{name: getattr(review, name) for name in REVIEW_FIELDS},
                    "created_at": _when(review.created_at),
                    "replied_at": _when(review.replied_at),
                }

    def url_rows(self) -> Iterator[dict[str, Any]]:
        # Paths relative to the storefront's root (its hosts, or /s/<code>/); one sorted stream of
        # three sorted kinds would need a merge: the file is sorted by (kind, path) instead.
        for category in self.categories.order_by("slug").only("slug").iterator(chunk_size=CHUNK):
            yield {"path": f"c/{category.slug}/", "kind": "category", "key": category.slug}
        for product in self.products.order_by("slug").only("slug", "uuid").iterator(chunk_size=CHUNK):
            yield {"path": f"p/{product.slug}/", "kind": "product", "key": str(product.uuid)}
        for redirect in StorefrontRedirect.objects.filter(storefront=self.storefront).order_by("old_path"):
            yield {"path": redirect.old_path, "kind": "redirect", "key": redirect.new_path}
        for seller in Seller.objects.filter(pk__in=self.seller_ids).order_by("slug").only("slug", "uuid"):
            yield {"path": f"seller/{seller.slug}/", "kind": "seller", "key": str(seller.uuid)}

    def run(self) -> dict[str, Any]:
        self.path.mkdir(parents=True, exist_ok=True)
        if any(self.path.iterdir()):
            raise FileExistsError(f"{self.path} is not empty: a bundle is written into a new directory.")
        self.scope()
        self.write("storefront.jsonl", self.storefront_rows(), 1)
        self.write("hosts.jsonl", self.host_rows())
        self.write("categories.jsonl", self.category_rows())
        self.write("product_types.jsonl", self.product_type_rows())
        self.write("brands.jsonl", self.brand_rows())
        self.write("products.jsonl", self.product_rows(), self.products.count())
        self.write("sellers.jsonl", self.seller_rows(), len(self.seller_ids))
        self.write("commission_overrides.jsonl", self.override_rows())
        self.write("offers.jsonl", self.offer_rows(), self.offers().count())
        self.write("customers.jsonl", self.customer_rows())
        self.write(
            "orders.jsonl", self.order_rows(), Order.objects.filter(storefront=self.storefront).count()
        )
        self.write("reviews.jsonl", self.review_rows(), self.reviews().count())
        self.write("url_map.jsonl", self.url_rows())
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "volatile": list(VOLATILE),
            "exported_at": _when(timezone.now()),
            "source": {"installation": socket.gethostname(), "storefront": self.storefront.code},
            "storefront": self.storefront.code,
            "files": dict(sorted(self.files.items())),
        }
        (self.path / MANIFEST).write_text(manifest_text(manifest), encoding="utf-8")
        return manifest


def manifest_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


STOREFRONT_SETTINGS = ("deemed_delivered_days", *QUALITY_SETTINGS)
SELLER_IDENTITY = (
    "legal_name", "email", "phone", "address_line1", "address_line2", "postal_code", "city", "country",
    "id_document_reference", "iban", "trade_register_number", "vat_number",
)  # fmt: skip
SHIPPING_PROFILE = (
    "kind", "currency", "base_minor", "per_item_minor", "free_above_minor", "transit_days_min",
    "transit_days_max",
)  # fmt: skip
OFFER_FIELDS = ("condition", "seller_sku", "price_minor", "currency", "stock", "lead_time_days", "status")
ORDER_ADDRESS = (
    "ship_name", "ship_line1", "ship_line2", "ship_postal_code", "ship_city", "ship_country", "ship_phone",
)  # fmt: skip
ORDER_AMOUNTS = ("currency", "items_minor", "shipping_minor", "total_minor", "vat_minor")
PAYMENT_FIELDS = (
    "gateway", "provider_reference", "idempotency_key", "amount_minor", "currency", "status",
    "captured_minor", "refunded_minor", "fee_minor", "card_last4",
)  # fmt: skip
SELLER_ORDER_FIELDS = (
    "status", "items_minor", "shipping_minor", "total_minor", "vat_minor", "refunded_minor",
    "delivery_days_min", "delivery_days_max", "carrier", "tracking_number", "refusal_reason",
)  # fmt: skip
ORDER_LINE_FIELDS = (
    "product_title", "variant_name", "condition", "seller_sku", "quantity", "unit_price_minor", "total_minor",
    "tax_class", "vat_rate_bp", "vat_minor", "commission_rate_bp", "commission_fixed_fee_minor",
    "commission_minor", "commission_shipping_minor", "commission_vat_rate_bp", "commission_vat_minor",
)  # fmt: skip


REVIEW_FIELDS = (
    "product_stars", "seller_stars", "title", "text", "language", "status", "hidden_reason", "reply_text",
)  # fmt: skip


def line_row(line: OrderLine) -> dict[str, Any]:
    """An order line as orders.jsonl has it."""
    return {
        "offer": str(line.offer.uuid),
        "variant": str(line.variant.uuid),
        **{name: getattr(line, name) for name in ORDER_LINE_FIELDS},
    }


def lines_in_order(lines: list[OrderLine]) -> list[OrderLine]:
    """A seller order's lines (read in id order) in the order of orders.jsonl: by offer, variant,
    price and quantity, ties in id order. The import writes them in this order, so ids keep it
    and a line's position (a review's reference) is the same at every export."""
    return sorted(
        lines,
        key=lambda line: (str(line.offer.uuid), str(line.variant.uuid), line.unit_price_minor, line.quantity),
    )


def storefront_export(
    *, storefront: Storefront, path: Path, on_progress: Progress | None = None
) -> dict[str, Any]:
    """Write ``storefront``'s bundle into the new or empty directory ``path``; return its manifest."""
    return _Export(storefront, path, on_progress).run()
