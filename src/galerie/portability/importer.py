"""Check a storefront's bundle, then recreate the storefront from it (docs/storefront-bundle.md).

``bundle_verify`` reads every file once before anything is written: the manifest's format and
version, each file's presence, size and SHA-256, every line's JSON and fields, every reference
between files. ``storefront_import`` then refuses natural keys that exist here already, and
writes everything in one transaction: rows in batches with ``bulk_create`` (the services write
one row at a time, emit one event per row and would take hours for a million offers), the
category tree through treebeard (its paths), media through the default storage.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, models, transaction
from django.db.models import Model

from galerie.accounts.models import User
from galerie.catalog.models import (
    AttributeDefinition,
    Brand,
    Category,
    Product,
    ProductImage,
    ProductType,
    Variant,
)
from galerie.core.outbox import emit
from galerie.ledger.models import CommissionOverride, CommissionPlan
from galerie.offers.models import Offer, PriceHistory
from galerie.orders.models import Order, OrderLine, SellerOrder, Shipment, ShipmentLine
from galerie.payments.models import Payment
from galerie.portability.errors import BundleConflict, BundleInvalid
from galerie.portability.export import (
    OFFER_FIELDS,
    ORDER_ADDRESS,
    ORDER_AMOUNTS,
    ORDER_LINE_FIELDS,
    PAYMENT_FIELDS,
    REVIEW_FIELDS,
    SELLER_IDENTITY,
    SELLER_ORDER_FIELDS,
    STOREFRONT_SETTINGS,
)
from galerie.portability.format import FILES, FORMAT, MANIFEST, MEDIA, VERSIONS, files_of_version
from galerie.reviews.models import Review, ReviewRequest
from galerie.reviews.services import rating_summaries_rebuild
from galerie.sellers.models import Seller, SellerAdmission, ShippingProfile
from galerie.storefronts.models import Storefront, StorefrontHost, StorefrontRedirect

BATCH = 2000
PSEUDONYM_DOMAIN = "pseudonymised.invalid"
Progress = Callable[[str, int, int | None], None]


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _batches(rows: Iterator[Any], size: int = BATCH) -> Iterator[list[Any]]:
    while batch := list(islice(rows, size)):
        yield batch


# --- verification ----------------------------------------------------------------------------


@dataclass
class _Problems:
    first: tuple[str, int | None, str] | None = None
    count: int = 0

    def add(self, file: str, line: int | None, reason: str) -> None:
        if self.first is None:
            self.first = (file, line, reason)
        self.count += 1

    def raise_if_any(self) -> None:
        if self.first is not None:
            raise BundleInvalid(*self.first, others=self.count - 1)


@dataclass
class Verified:
    """What the check learnt: the manifest and the number of rows of each file."""

    path: Path
    manifest: dict[str, Any]
    rows: dict[str, int] = field(default_factory=dict)


class _Digest:
    """The SHA-256 and size of a file, taken from its lines as they are parsed."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def update(self, data: bytes) -> None:
        self.sha256.update(data)
        self.bytes += len(data)


def _lines(
    path: Path, name: str, problems: _Problems, digest: _Digest | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The parsed lines of one file, with their numbers; bad lines are reported, not yielded."""
    required = FILES[name]
    with (path / name).open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if digest is not None:
                digest.update(raw)
            if not raw.endswith(b"\n"):
                problems.add(name, number, "the line is cut short (no end of line): the file is truncated")
                continue
            try:
                row = json.loads(raw)
            except ValueError as error:
                problems.add(name, number, f"not JSON ({error})")
                continue
            if not isinstance(row, dict):
                problems.add(name, number, "not a JSON object")
                continue
            if missing := required - row.keys():
                problems.add(name, number, f"missing field(s) {', '.join(sorted(missing))}")
                continue
            yield number, row


def bundle_verify(path: Path, *, on_progress: Progress | None = None) -> Verified:
    """Check the whole bundle at ``path``; raise :class:`BundleInvalid` at the first problem."""
    progress = on_progress or (lambda name, done, total: None)
    problems = _Problems()
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleInvalid(MANIFEST, None, "missing: this is not a storefront bundle") from None
    except ValueError as error:
        raise BundleInvalid(MANIFEST, None, f"not JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleInvalid(MANIFEST, None, f"not a {FORMAT} (format: {manifest.get('format')!r})")
    if manifest.get("version") not in VERSIONS:
        known = ", ".join(str(v) for v in sorted(VERSIONS))
        raise BundleInvalid(
            MANIFEST, None, f"version {manifest.get('version')!r} is unknown here (known: {known})"
        )
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise BundleInvalid(MANIFEST, None, "no list of files")
    expected = files_of_version(manifest["version"])  # a version 1 bundle has no reviews.jsonl
    for name in expected:
        if name not in files:
            problems.add(MANIFEST, None, f"{name} is not listed")
    # Presence, size and checksum of every listed file (media included).
    for name, facts in files.items():
        target = path / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            problems.add(MANIFEST, None, f"{name}: a file outside the bundle")
            continue
        if not target.is_file():
            problems.add(name, None, "missing")
            continue
        if name in expected:
            continue  # hashed while its lines are read, below: a bad line is named before the sum
        digest, size = hashlib.sha256(), 0
        with target.open("rb") as stream:
            while block := stream.read(1 << 20):
                digest.update(block)
                size += len(block)
        if size != facts.get("bytes"):
            problems.add(name, None, f"{size} bytes where the manifest says {facts.get('bytes')}")
        elif digest.hexdigest() != facts.get("sha256"):
            problems.add(name, None, "its SHA-256 is not the manifest's: the file was changed or damaged")
    if problems.first and any(not (path / n).is_file() for n in expected if n in files):
        problems.raise_if_any()

    verified = Verified(path, manifest)
    keys: dict[str, set[str]] = {
        k: set()
        for k in ("category", "product_type", "brand", "product", "variant", "seller", "offer", "customer")
    }
    media = {name for name in files if name.startswith(f"{MEDIA}/")}
    # A seller order's number → its order's number, its customer and its number of lines: what a
    # review refers to. And the lines reviewed already (one review per line).
    seller_orders: dict[str, tuple[str, str, int]] = {}
    reviewed: set[tuple[str, int]] = set()

    def ref(kind: str, value: Any, name: str, number: int, what: str) -> None:
        if value is not None and value not in keys[kind]:
            problems.add(name, number, f"{what} {value!r} is not in the bundle")

    def media_ref(value: Any, name: str, number: int) -> None:
        if value is not None and value not in media:
            problems.add(name, number, f"media file {value!r} is not in the manifest")

    for name in expected:
        if not (path / name).is_file():
            continue
        count, read = 0, _Digest()
        for number, row in _lines(path, name, problems, read):
            count += 1
            if name == "storefront.jsonl":
                if number > 1:
                    problems.add(name, number, "one storefront per bundle")
                media_ref(row["theme"].get("logo"), name, number)
            elif name == "categories.jsonl":
                ref("category", row["parent"], name, number, "parent category")
                keys["category"].add(row["slug"])
            elif name == "product_types.jsonl":
                keys["product_type"].add(row["code"])
            elif name == "brands.jsonl":
                keys["brand"].add(row["slug"])
            elif name == "products.jsonl":
                ref("product_type", row["product_type"], name, number, "product type")
                ref("category", row["category"], name, number, "category")
                ref("brand", row["brand"], name, number, "brand")
                keys["product"].add(row["uuid"])
                for variant in row["variants"]:
                    keys["variant"].add(variant["uuid"])
                for image in row["images"]:
                    media_ref(image["image"], name, number)
                    media_ref(image.get("thumbnail"), name, number)
            elif name == "sellers.jsonl":
                keys["seller"].add(row["uuid"])
                media_ref(row.get("logo"), name, number)
            elif name == "commission_overrides.jsonl":
                ref("seller", row["seller"], name, number, "seller")
                ref("category", row["category"], name, number, "category")
            elif name == "offers.jsonl":
                ref("seller", row["seller"], name, number, "seller")
                ref("variant", row["variant"], name, number, "variant")
                keys["offer"].add(row["uuid"])
            elif name == "customers.jsonl":
                keys["customer"].add(row["uuid"])
            elif name == "orders.jsonl":
                ref("customer", row["customer"], name, number, "customer")
                for seller_order in row["seller_orders"]:
                    ref("seller", seller_order["seller"], name, number, "seller")
                    seller_orders[seller_order["number"]] = (
                        row["number"],
                        row["customer"],
                        len(seller_order["lines"]),
                    )
                    for line in seller_order["lines"]:
                        ref("offer", line["offer"], name, number, "offer")
                        ref("variant", line["variant"], name, number, "variant")
            elif name == "reviews.jsonl":
                if reason := _check_review(row, seller_orders, reviewed):
                    problems.add(name, number, reason)
            elif name == "url_map.jsonl":
                if row["kind"] in ("category", "product", "seller"):
                    ref(row["kind"], row["key"], name, number, row["kind"])
                elif row["kind"] != "redirect":
                    problems.add(name, number, f"unknown kind {row['kind']!r}")
            if count % BATCH == 0:
                progress(f"check {name}", count, files.get(name, {}).get("rows"))
        verified.rows[name] = count
        facts = files[name] if isinstance(files[name], dict) else {}
        if read.bytes != facts.get("bytes"):
            problems.add(name, None, f"{read.bytes} bytes where the manifest says {facts.get('bytes')}")
        elif read.sha256.hexdigest() != facts.get("sha256"):
            problems.add(name, None, "its SHA-256 is not the manifest's: the file was changed or damaged")
        elif count != facts.get("rows"):
            problems.add(name, None, f"{count} rows where the manifest says {facts.get('rows')}")
        progress(f"check {name}", count, count)
    scope_row = next(_lines(path, "storefront.jsonl", _Problems()), None)
    if scope_row is None:
        problems.add("storefront.jsonl", 1, "no storefront")
    else:
        for slug in scope_row[1]["catalog_scope"]:
            ref("category", slug, "storefront.jsonl", 1, "scope category")
    problems.raise_if_any()
    return verified


def _check_review(
    row: dict[str, Any], seller_orders: dict[str, tuple[str, str, int]], reviewed: set[tuple[str, int]]
) -> str | None:
    """What is wrong with a review's references, or None: it refers to a line of a seller order
    of its order in the bundle, bought by its author, and is the only review of that line; its
    status is one Galerie knows."""
    found = seller_orders.get(row["seller_order"])
    if found is None:
        return f"seller order {row['seller_order']!r} is not in the bundle"
    order, customer, lines = found
    key = (row["seller_order"], row["line"])
    if order != row["order"]:
        return f"seller order {row['seller_order']!r} is not part of order {row['order']!r}"
    if not isinstance(row["line"], int) or not 1 <= row["line"] <= lines:
        return f"line {row['line']!r} of seller order {row['seller_order']!r} is not in the bundle"
    if key in reviewed:
        return f"line {row['line']} of seller order {row['seller_order']!r} has another review already"
    reviewed.add(key)
    if customer != row["customer"]:
        return f"customer {row['customer']!r} is not the customer of order {row['order']!r}"
    if row["status"] not in Review.Status.values:
        return f"unknown status {row['status']!r}"
    return None


# --- conflicts -------------------------------------------------------------------------------


class _Existing:
    """The bundle's natural keys that this installation has already: how many, and the first 20."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.total = 0

    def check(self, model: type[Model], field_name: str, values: list[Any]) -> None:
        values = [v for v in values if v not in (None, "")]
        if not values:
            return
        existing = list(
            model._default_manager.filter(**{f"{field_name}__in": values}).values_list(field_name, flat=True)
        )
        self.total += len(existing)
        for value in existing[: max(0, 20 - len(self.found))]:
            self.found.append(f"{model._meta.label}.{field_name}={value}")

    def raise_if_any(self, code: str) -> None:
        if self.total:
            exists = code if Storefront.objects.filter(code=code).exists() else ""
            raise BundleConflict(self.found, total=self.total, storefront_exists=exists)


def _conflicts(verified: Verified) -> None:
    """Refuse the natural keys of the bundle that this installation already has."""
    existing = _Existing()
    path = verified.path
    rows = dict(_lines(path, "storefront.jsonl", _Problems()))
    storefront = rows[1]
    existing.check(Storefront, "code", [storefront["code"]])
    existing.check(Storefront, "uuid", [storefront["uuid"]])
    ignore = _Problems()
    for name, specs in CONFLICT_KEYS.items():
        if name not in verified.rows:
            continue  # a file an older version of the bundle does not have
        for batch in _batches(row for _, row in _lines(path, name, ignore)):
            for model, field_name, get in specs:
                existing.check(model, field_name, [value for row in batch for value in get(row)])
    existing.raise_if_any(storefront["code"])


def _one(key: str) -> Callable[[dict[str, Any]], list[Any]]:
    return lambda row: [row[key]]


CONFLICT_KEYS: dict[str, list[tuple[type[Model], str, Callable[[dict[str, Any]], list[Any]]]]] = {
    "hosts.jsonl": [(StorefrontHost, "host", _one("host"))],
    "categories.jsonl": [(Category, "slug", _one("slug"))],
    "product_types.jsonl": [(ProductType, "code", _one("code"))],
    "brands.jsonl": [(Brand, "slug", _one("slug"))],
    "products.jsonl": [
        (Product, "uuid", _one("uuid")),
        (Product, "slug", _one("slug")),
        (Variant, "uuid", lambda row: [v["uuid"] for v in row["variants"]]),
        (Variant, "gtin", lambda row: [v["gtin"] for v in row["variants"]]),
    ],
    "sellers.jsonl": [(Seller, "uuid", _one("uuid")), (Seller, "slug", _one("slug"))],
    "offers.jsonl": [(Offer, "uuid", _one("uuid"))],
    "customers.jsonl": [
        (User, "uuid", _one("uuid")),
        (User, "email", lambda row: [row.get("email") or f"{row['pseudonym']}@{PSEUDONYM_DOMAIN}"]),
    ],
    "orders.jsonl": [
        (Order, "uuid", _one("uuid")),
        (Order, "number", _one("number")),
        (Payment, "uuid", lambda row: [row["payment"]["uuid"]]),
        (Payment, "idempotency_key", lambda row: [row["payment"]["idempotency_key"]]),
        (SellerOrder, "uuid", lambda row: [so["uuid"] for so in row["seller_orders"]]),
        (SellerOrder, "number", lambda row: [so["number"] for so in row["seller_orders"]]),
    ],
    "reviews.jsonl": [(Review, "uuid", _one("uuid"))],
}


# --- writing ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _keep_given_dates() -> Iterator[None]:
    """Let ``created_at``-like fields keep the bundle's value: ``auto_now_add`` would set now."""
    fields = [
        Storefront._meta.get_field("created_at"),
        Product._meta.get_field("created_at"),
        Seller._meta.get_field("created_at"),
        Offer._meta.get_field("created_at"),
        Payment._meta.get_field("created_at"),
        Order._meta.get_field("placed_at"),
    ]
    for f in fields:
        assert isinstance(f, models.DateTimeField)
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            assert isinstance(f, models.DateTimeField)
            f.auto_now_add = True


class _Import:
    """Writes a checked bundle's rows. Each step is a method, so that the merge
    (galerie/portability/merge.py) can change how rows are found or renamed: it maps a bundle's
    key onto a row that exists here through ``alias`` (model → bundle key → pk) and
    ``slug_of`` ((kind, bundle key) → the path's slug here)."""

    def __init__(self, verified: Verified, on_progress: Progress | None) -> None:
        self.path = verified.path
        self.verified = verified
        self.progress = on_progress or (lambda name, done, total: None)
        self.saved_media: dict[tuple[str, str], str] = {}
        self.at: tuple[str, int] = (MANIFEST, 0)  # the last line read, for a refusal's message
        self.alias: dict[type[Model], dict[str, int]] = {}
        self.slug_of: dict[tuple[str, str], str] = {}
        self.categories: dict[str, Category] = {}  # bundle slug → the category here
        self.types: dict[str, int] = {}
        self.brands: dict[str, int] = {}
        self.sellers: dict[str, int] = {}

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        if name not in self.verified.rows:
            return  # a file an older version of the bundle does not have: no rows
        total = self.verified.rows.get(name)
        problems = _Problems()
        done = 0
        for number, row in _lines(self.path, name, problems):
            self.at = (name, number)
            yield row
            done += 1
            if done % BATCH == 0:
                self.progress(name, done, total)
        self.progress(name, done, total)
        problems.raise_if_any()  # the file changed since it was checked: the transaction rolls back

    def media(self, bundle_name: str | None, folder: str) -> str:
        """Store a media file of the bundle under ``folder``; return its storage name."""
        if not bundle_name:
            return ""
        key = (bundle_name, folder)
        if key not in self.saved_media:
            data = (self.path / bundle_name).read_bytes()
            self.saved_media[key] = default_storage.save(
                f"{folder}/{Path(bundle_name).stem[:16]}{Path(bundle_name).suffix}", ContentFile(data)
            )
        return self.saved_media[key]

    def lookup(self, model: type[Model], values: set[str], field_name: str = "uuid") -> dict[str, int]:
        """The pks here of the bundle's keys: an alias first (a merged row), else the row by key."""
        aliases = self.alias.get(model, {})
        found = {key: aliases[key] for key in values if key in aliases}
        rest = values - found.keys()
        if rest:
            found |= {
                str(key): pk
                for key, pk in model._default_manager.filter(**{f"{field_name}__in": rest}).values_list(
                    field_name, "pk"
                )
            }
        return found

    def created_ids(self, model: type[Model], created: list[Any], keys: set[str]) -> dict[str, int]:
        """The pks of rows just written by ``bulk_create`` (read back where the database does not
        return them)."""
        if created and created[0].pk is None:
            return self.lookup(model, keys)
        return {str(row.uuid): row.pk for row in created}

    def run(self, code: str | None = None) -> Storefront:
        sf = next(self.rows("storefront.jsonl"))
        storefront = self.write_storefront(sf, code or sf["code"])
        self.write_categories(sf, storefront)
        self.write_product_types()
        self.write_brands()
        for batch in _batches(self.rows("products.jsonl")):
            self.write_products(batch)
        for batch in _batches(self.rows("sellers.jsonl")):
            self.write_sellers(storefront, batch)
        CommissionOverride.objects.bulk_create(
            CommissionOverride(
                storefront=storefront,
                seller_id=self.sellers[r["seller"]] if r["seller"] else None,
                category_id=self.categories[r["category"]].pk if r["category"] else None,
                rate_bp=r["rate_bp"],
            )
            for r in self.rows("commission_overrides.jsonl")
        )
        for batch in _batches(self.rows("offers.jsonl")):
            self.write_offers(batch)
        for batch in _batches(self.rows("customers.jsonl")):
            self.write_customers(batch)
        for batch in _batches(self.rows("orders.jsonl")):
            self.orders(storefront, batch)
        for batch in _batches(self.rows("reviews.jsonl")):
            self.write_reviews(storefront, batch)
        if self.verified.rows.get("reviews.jsonl"):
            rating_summaries_rebuild(storefront_id=storefront.pk)
        # Two passes: the entities' paths that moved first, so that a carried redirect whose
        # target moved leads straight to the new page (no chain of 301s).
        moved: dict[str, str] = {}
        for batch in _batches(self.rows("url_map.jsonl")):
            entities = [r for r in batch if r["kind"] != "redirect"]
            for r, new in zip(entities, self.new_paths(entities), strict=True):
                if new != r["path"]:
                    moved[r["path"]] = new
        for batch in _batches(self.rows("url_map.jsonl")):
            StorefrontRedirect.objects.bulk_create(
                StorefrontRedirect(storefront=storefront, old_path=r["path"], new_path=moved.get(new, new))
                for r, new in zip(batch, self.new_paths(batch), strict=True)
                if moved.get(new, new) != r["path"]
            )
        return storefront

    def write_storefront(self, sf: dict[str, Any], code: str) -> Storefront:
        storefront = Storefront.objects.create(
            uuid=sf["uuid"],
            code=code,
            name=sf["name"],
            tagline=sf.get("tagline", ""),
            status=sf["status"],
            created_at=_at(sf["created_at"]),
            logo=self.media(sf["theme"].get("logo"), "storefronts/logos"),
            **{k: v for k, v in sf["theme"].items() if k != "logo"},
            default_language=sf["settings"]["default_language"],
            currency=sf["settings"]["currency"],
            **{name: sf["settings"][name] for name in STOREFRONT_SETTINGS},
            closing_on=_date(sf["settings"]["closing_on"]),
            closure_announced_at=_dt(sf["settings"]["closure_announced_at"]),
            closure_reason=sf["settings"]["closure_reason"],
            closed_at=_dt(sf["settings"]["closed_at"]),
            sales_stopped_at=_dt(sf["settings"]["sales_stopped_at"]),
        )
        StorefrontHost.objects.bulk_create(
            StorefrontHost(storefront=storefront, host=row["host"], is_primary=row["is_primary"])
            for row in self.rows("hosts.jsonl")
        )
        if plan := sf["commission_plan"]:
            CommissionPlan.objects.create(storefront=storefront, **plan)
        return storefront

    def add_category(self, row: dict[str, Any], slug: str) -> Category:
        """Add a category of the bundle under its parent (already added), with ``slug``."""
        fields = {"slug": slug, "name": row["name"], "description": row["description"]}
        parent = self.categories[row["parent"]] if row["parent"] else None
        if parent is None:
            return Category.objects.add_root(fields)
        category = Category.objects.add_child(parent, fields)
        parent.refresh_from_db()  # treebeard counts the children on the parent row
        return category

    def write_categories(self, sf: dict[str, Any], storefront: Storefront) -> None:
        for row in self.rows("categories.jsonl"):
            self.categories[row["slug"]] = self.add_category(row, row["slug"])
        storefront.catalog_scope.set([self.categories[slug] for slug in sf["catalog_scope"]])

    def write_product_types(self) -> None:
        for row in self.rows("product_types.jsonl"):
            product_type = ProductType.objects.create(
                code=row["code"], name=row["name"], tax_class=row["tax_class"]
            )
            AttributeDefinition.objects.bulk_create(
                AttributeDefinition(product_type=product_type, **attribute) for attribute in row["attributes"]
            )
            self.types[row["code"]] = product_type.pk

    def write_brands(self) -> None:
        for batch in _batches(self.rows("brands.jsonl")):
            for brand in Brand.objects.bulk_create(Brand(slug=r["slug"], name=r["name"]) for r in batch):
                self.brands[brand.slug] = brand.pk

    def new_product(self, r: dict[str, Any], slug: str) -> Product:
        return Product(
            uuid=r["uuid"],
            slug=slug,
            title=r["title"],
            description=r["description"],
            attributes=r["attributes"],
            status=r["status"],
            created_at=_at(r["created_at"]),
            product_type_id=self.types[r["product_type"]],
            category_id=self.categories[r["category"]].pk,
            brand_id=self.brands[r["brand"]] if r["brand"] else None,
        )

    def write_products(self, batch: list[dict[str, Any]]) -> None:
        products = Product.objects.bulk_create(self.new_product(r, r["slug"]) for r in batch)
        ids = self.created_ids(Product, products, {r["uuid"] for r in batch})
        Variant.objects.bulk_create(
            Variant(product_id=ids[r["uuid"]], **v) for r in batch for v in r["variants"]
        )
        self.write_images(batch, ids)

    def write_images(self, batch: list[dict[str, Any]], ids: dict[str, int]) -> None:
        images = []
        for r in batch:
            folder = f"products/{r['uuid'].replace('-', '')[:2]}/{r['uuid'].replace('-', '')}"
            for image in r["images"]:
                images.append(
                    ProductImage(
                        product_id=ids[r["uuid"]],
                        image=self.media(image["image"], folder),
                        thumbnail=self.media(image.get("thumbnail"), folder),
                        width=image["width"],
                        height=image["height"],
                        alt=image["alt"],
                        position=image["position"],
                    )
                )
        ProductImage.objects.bulk_create(images)

    def new_seller(self, r: dict[str, Any], slug: str, uuid: str) -> Seller:
        return Seller(
            uuid=uuid,
            slug=slug,
            kind=r["kind"],
            status=r["status"],
            display_name=r["display_name"],
            description=r["description"],
            return_policy=r["return_policy"],
            low_stock_threshold=r["low_stock_threshold"],
            logo=self.media(r.get("logo"), "sellers/logos"),
            created_at=_at(r["created_at"]),
            **{name: r["trader"][name] for name in SELLER_IDENTITY},
            compliance_certified_at=_dt(r["trader"]["compliance_certified_at"]),
        )

    def admit(self, storefront: Storefront, batch: list[dict[str, Any]], ids: dict[str, int]) -> None:
        """This storefront's admissions of the batch's sellers (``ids``: bundle uuid → pk)."""
        SellerAdmission.objects.bulk_create(
            SellerAdmission(
                seller_id=ids[r["uuid"]],
                storefront=storefront,
                status=r["admission"]["status"],
                reason=r["admission"]["reason"],
                decided_at=_dt(r["admission"]["decided_at"]),
            )
            for r in batch
            if r["admission"] and r["uuid"] in ids
        )

    def write_sellers(self, storefront: Storefront, batch: list[dict[str, Any]]) -> None:
        created = Seller.objects.bulk_create(self.new_seller(r, r["slug"], r["uuid"]) for r in batch)
        ids = self.created_ids(Seller, created, {r["uuid"] for r in batch})
        self.sellers |= ids
        self.admit(storefront, batch, ids)
        ShippingProfile.objects.bulk_create(
            ShippingProfile(seller_id=ids[r["uuid"]], **r["shipping_profile"])
            for r in batch
            if r["shipping_profile"]
        )

    def new_offer(self, r: dict[str, Any], variant_id: int) -> Offer:
        return Offer(
            uuid=r["uuid"],
            seller_id=self.sellers[r["seller"]],
            variant_id=variant_id,
            created_at=_at(r["created_at"]),
            **{name: r[name] for name in OFFER_FIELDS},
        )

    def write_offers(self, batch: list[dict[str, Any]]) -> None:
        variants = self.lookup(Variant, {r["variant"] for r in batch})
        self.write_offer_rows(batch, variants)

    def write_offer_rows(self, batch: list[dict[str, Any]], variants: dict[str, int]) -> dict[str, int]:
        """Write the offers and their price history; return their pks by bundle uuid."""
        offers = Offer.objects.bulk_create(self.new_offer(r, variants[r["variant"]]) for r in batch)
        ids = self.created_ids(Offer, offers, {r["uuid"] for r in batch})
        PriceHistory.objects.bulk_create(
            PriceHistory(
                offer_id=ids[r["uuid"]],
                price_minor=h["price_minor"],
                currency=h["currency"],
                valid_from=_at(h["valid_from"]),
            )
            for r in batch
            for h in r["price_history"]
        )
        return ids

    def new_user(self, r: dict[str, Any]) -> User:
        if r["transfer_consent"]:
            user = User(
                uuid=r["uuid"],
                email=r["email"],
                full_name=r["full_name"],
                preferred_language=r["preferred_language"],
                is_active=r["is_active"],
                date_joined=_at(r["date_joined"]),
                transfer_consent=True,
            )
        else:  # a pseudonym: no e-mail, no name; the account cannot sign in
            user = User(uuid=r["uuid"], email=f"{r['pseudonym']}@{PSEUDONYM_DOMAIN}", is_active=False)
        user.set_unusable_password()  # passwords never travel: the customer sets a new one
        return user

    def write_customers(self, batch: list[dict[str, Any]]) -> None:
        User.objects.bulk_create(self.new_user(r) for r in batch)

    def new_paths(self, batch: list[dict[str, Any]]) -> list[str]:
        """Where each old path of the URL map leads here: its entity's path, found by its natural
        key (slugs travel unchanged into an empty installation; a merge that renamed one or mapped
        it onto a row here says so in ``slug_of``), or a redirect's own target."""
        slugs: dict[tuple[str, str], str] = {}
        for kind, model, field_name in (
            ("category", Category, "slug"),
            ("product", Product, "uuid"),
            ("seller", Seller, "uuid"),
        ):
            keys = {r["key"] for r in batch if r["kind"] == kind and (kind, r["key"]) not in self.slug_of}
            if keys:
                found = model._default_manager.filter(**{f"{field_name}__in": keys}).values_list(
                    field_name, "slug"
                )
                slugs |= {(kind, str(key)): slug for key, slug in found}
        slugs |= self.slug_of
        prefix = {"category": "c", "product": "p", "seller": "seller"}
        return [
            r["key"] if r["kind"] == "redirect" else f"{prefix[r['kind']]}/{slugs[(r['kind'], r['key'])]}/"
            for r in batch
        ]

    def orders(self, storefront: Storefront, batch: list[dict[str, Any]]) -> None:
        user_ids = self.lookup(User, {r["customer"] for r in batch})
        emails = dict(User.objects.filter(pk__in=user_ids.values()).values_list("pk", "email"))
        customers = {key: (pk, emails[pk]) for key, pk in user_ids.items()}
        sellers = self.sellers
        payments = Payment.objects.bulk_create(
            Payment(
                uuid=r["payment"]["uuid"],
                created_at=_at(r["payment"]["created_at"]),
                **{name: r["payment"][name] for name in PAYMENT_FIELDS},
            )
            for r in batch
        )
        payment_ids = self.created_ids(Payment, payments, {r["payment"]["uuid"] for r in batch})
        orders = Order.objects.bulk_create(
            Order(
                uuid=r["uuid"],
                number=r["number"],
                storefront=storefront,
                customer_id=customers[r["customer"]][0],
                email=r["email"] or customers[r["customer"]][1],
                language=r["language"],
                status=r["status"],
                placed_at=_at(r["placed_at"]),
                payment_id=payment_ids[r["payment"]["uuid"]],
                **(r["shipping_address"] or {name: "" for name in ORDER_ADDRESS}),
                **{name: r[name] for name in ORDER_AMOUNTS},
            )
            for r in batch
        )
        order_ids = self.created_ids(Order, orders, {r["uuid"] for r in batch})
        seller_orders = SellerOrder.objects.bulk_create(
            SellerOrder(
                uuid=so["uuid"],
                number=so["number"],
                order_id=order_ids[r["uuid"]],
                seller_id=sellers[so["seller"]],
                accepted_at=_dt(so["accepted_at"]),
                shipped_at=_dt(so["shipped_at"]),
                delivered_at=_dt(so["delivered_at"]),
                **{name: so[name] for name in SELLER_ORDER_FIELDS},
            )
            for r in batch
            for so in r["seller_orders"]
        )
        so_ids = self.created_ids(
            SellerOrder, seller_orders, {so["uuid"] for r in batch for so in r["seller_orders"]}
        )
        ReviewRequest.objects.bulk_create(
            ReviewRequest(seller_order_id=so_ids[so["uuid"]], created_at=_at(so["review_requested_at"]))
            for r in batch
            for so in r["seller_orders"]
            if so.get("review_requested_at")  # absent from a version 1 bundle
        )
        lines = [(so["uuid"], line) for r in batch for so in r["seller_orders"] for line in so["lines"]]
        offers = self.lookup(Offer, {line["offer"] for _, line in lines})
        variants = self.lookup(Variant, {line["variant"] for _, line in lines})
        OrderLine.objects.bulk_create(
            OrderLine(
                seller_order_id=so_ids[so_uuid],
                offer_id=offers[line["offer"]],
                variant_id=variants[line["variant"]],
                **{name: line[name] for name in ORDER_LINE_FIELDS},
            )
            for so_uuid, line in lines
        )
        self.parcels(list(so_ids.values()))

    def parcels(self, seller_order_ids: list[int]) -> None:
        """A bundle carries no parcels: each shipped seller order comes back as one parcel with
        every line (as the orders migration made them), so its delivery doors work here."""
        shipped = SellerOrder.objects.filter(
            pk__in=seller_order_ids, status__in=[SellerOrder.Status.SHIPPED, SellerOrder.Status.DELIVERED]
        ).order_by("pk")
        made = []
        for so in shipped:
            shipped_at = so.shipped_at or so.delivered_at or so.updated_at
            delivered_at = max(so.delivered_at, shipped_at) if so.delivered_at else None
            if so.status == SellerOrder.Status.DELIVERED and delivered_at is None:
                delivered_at = shipped_at
            made.append(
                Shipment(
                    seller_order_id=so.pk,
                    number=1,
                    carrier=so.carrier or "-",
                    tracking_number=so.tracking_number or "-",
                    shipped_at=shipped_at,
                    delivered_at=delivered_at,
                )
            )
        Shipment.objects.bulk_create(made)
        parcel_of = dict(
            Shipment.objects.filter(seller_order_id__in=[p.seller_order_id for p in made]).values_list(
                "seller_order_id", "pk"
            )
        )
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment_id=parcel_of[so_id], order_line_id=pk, quantity=quantity)
            for pk, so_id, quantity in OrderLine.objects.filter(seller_order_id__in=parcel_of).values_list(
                "pk", "seller_order_id", "quantity"
            )
        )

    def write_reviews(self, storefront: Storefront, batch: list[dict[str, Any]]) -> None:
        """The reviews, on the lines written here (the n-th line of a seller order in the bundle is
        its n-th by id here: the lines were written in the bundle's order). The product is the
        line's variant's product here (in a merge: the product it was matched with), the seller
        and the customer those of the seller order and the order here."""
        so_ids = dict(
            SellerOrder.objects.filter(number__in={r["seller_order"] for r in batch}).values_list(
                "number", "pk"
            )
        )
        at: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        position: dict[int, int] = defaultdict(int)
        for pk, so_id, product_id, seller_id, customer_id in (
            OrderLine.objects.filter(seller_order_id__in=so_ids.values())
            .order_by("seller_order_id", "id")
            .values_list(
                "pk", "seller_order_id", "variant__product_id", "seller_order__seller_id",
                "seller_order__order__customer_id",
            )
        ):  # fmt: skip
            position[so_id] += 1
            at[(so_id, position[so_id])] = (pk, product_id, seller_id, customer_id)
        reviews = []
        for r in batch:
            so_id = so_ids[r["seller_order"]]
            line_id, product_id, seller_id, customer_id = at[(so_id, r["line"])]
            reviews.append(
                Review(
                    uuid=r["uuid"],
                    storefront=storefront,
                    order_line_id=line_id,
                    seller_order_id=so_id,
                    product_id=product_id,
                    seller_id=seller_id,
                    customer_id=customer_id,
                    author_name=r["author_name"],
                    created_at=_at(r["created_at"]),
                    replied_at=_dt(r["replied_at"]),
                    **{name: r[name] for name in REVIEW_FIELDS},
                )
            )
        Review.objects.bulk_create(reviews)


def storefront_import(*, path: Path, on_progress: Progress | None = None) -> Storefront:
    """Check the bundle at ``path``, then recreate its storefront here in one transaction.

    Raises :class:`BundleInvalid` (damaged bundle) or :class:`BundleConflict` (natural keys that
    exist here already) before anything is written.
    """
    verified = bundle_verify(path, on_progress=on_progress)
    _conflicts(verified)
    writer = _Import(verified, on_progress)
    try:
        with transaction.atomic(), _keep_given_dates():
            storefront = writer.run()
            emit("storefront.imported", storefront_id=storefront.pk, code=storefront.code)
            return storefront
    except BaseException as error:
        # The transaction was rolled back; the media files it stored go too.
        for name in writer.saved_media.values():
            default_storage.delete(name)
        if isinstance(error, KeyError | TypeError | ValueError | DatabaseError):
            # A field inside a line that the check does not look at (rows are written in batches:
            # the line is the last one read).
            file, number = writer.at
            raise BundleInvalid(
                file, number, f"cannot be written ({type(error).__name__}: {error})"
            ) from error
        raise
