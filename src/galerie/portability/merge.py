"""Merge a storefront's bundle into an installation that already has a catalog
(docs/storefront-merge.md).

    merge = merge_plan(path=bundle, by=operator)        # match everything; nothing changes yet
    # the operator decides the doubtful products (/back-office/matches/?batch=merge:…),
    # sellers and customers confirm by e-mail (merge_party_decide)
    merge_commit(merge_id=merge.pk, by=operator)         # write it all, in one transaction

The plan reads the checked bundle once: each product is matched (catalog.matching: GTIN/ISBN,
then brand + title + key attributes; a product whose uuid is here already is the same one),
doubtful ones go to the review queue; sellers are matched by SIREN or VAT number and customers
by e-mail address, each asked to confirm (never joined silently). Every decision is a row
(``MergeProduct``, ``MatchReview``, ``MergeParty``) and can change until the commit, which writes
the storefront with the import's writer (portability/importer.py), mapping the bundle's rows
onto the ones decided and renaming the slugs that are taken (their old paths answer 301).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.catalog.matching import ProductCandidate, match_reviews_create, products_match
from galerie.catalog.matching.normalise import attribute_value_key, brand_key, fold, identifier_key
from galerie.catalog.matching.products import brands_missing_keys_fill
from galerie.catalog.matching.reviews import MatchBatchUndecided, match_batch_commit
from galerie.catalog.models import (
    AttributeDefinition,
    Brand,
    Category,
    MatchReview,
    Product,
    ProductType,
    Variant,
)
from galerie.core.errors import DomainError, NotFound
from galerie.core.locking import lock_row
from galerie.core.outbox import emit, emit_many
from galerie.core.statemachine import transition
from galerie.offers.models import Offer
from galerie.orders.models import Order
from galerie.portability.format import MANIFEST
from galerie.portability.importer import (
    BATCH,
    CONFLICT_KEYS,
    PSEUDONYM_DOMAIN,
    Progress,
    Verified,
    _batches,
    _Existing,
    _Import,
    _keep_given_dates,
    _lines,
    _Problems,
    bundle_verify,
)
from galerie.portability.models import MergeParty, MergeProduct, StorefrontMerge
from galerie.reviews.services import reviews_customer_move
from galerie.sellers.matching import customer_match, seller_match
from galerie.sellers.models import Seller, ShippingProfile
from galerie.storefronts.models import Storefront, StorefrontHost

MATCH_BATCH = 1000  # candidates per products_match call: 7 queries each
CONFIRM_SALT = "galerie.portability.merge-party"
CONFIRM_MAX_AGE = 60 * 24 * 3600  # a confirmation link works for 60 days

Decision = MergeProduct.Decision
PartyStatus = MergeParty.Status


class MergeNotFound(NotFound):
    code = "merge_not_found"


class MergePartyNotFound(NotFound):
    code = "merge_party_not_found"


class MergeClosed(DomainError):
    """The merge is committed or abandoned: its plan can no longer change."""

    code = "merge_closed"
    http_status = 409


class MergeUndecided(DomainError):
    """The commit waits for decisions: doubtful products, sellers asked to confirm."""

    code = "merge_undecided"
    http_status = 409


class MergeBundleChanged(DomainError):
    code = "merge_bundle_changed"
    http_status = 409


def manifest_sha256(path: Path) -> str:
    return hashlib.sha256((path / MANIFEST).read_bytes()).hexdigest()


def _first(path: Path, name: str) -> dict[str, Any]:
    return next(row for _, row in _lines(path, name, _Problems()))


def _rows(path: Path, name: str) -> Iterator[dict[str, Any]]:
    return (row for _, row in _lines(path, name, _Problems()))


# --- conflicts a merge cannot resolve -----------------------------------------------------------


def _merge_conflicts(verified: Verified, code: str) -> None:
    """Refuse what a merge cannot map onto rows here: the storefront's code and hosts (the merged
    storefront keeps its own), and the orders' and payments' keys (an order is never merged)."""
    existing = _Existing()
    path = verified.path
    storefront = _first(path, "storefront.jsonl")
    existing.check(Storefront, "code", [code])
    existing.check(Storefront, "uuid", [storefront["uuid"]])
    existing.check(StorefrontHost, "host", [row["host"] for row in _rows(path, "hosts.jsonl")])
    for name in ("orders.jsonl", "reviews.jsonl"):  # a review is never merged either: it is an order's
        if name not in verified.rows:
            continue  # a version 1 bundle has no reviews
        for batch in _batches(_rows(path, name)):
            for model, field_name, get in CONFLICT_KEYS[name]:
                existing.check(model, field_name, [value for row in batch for value in get(row)])
    existing.raise_if_any(code)


# --- plan -------------------------------------------------------------------------------------


def _candidate(row: dict[str, Any], brands: dict[str, str]) -> ProductCandidate:
    variants = row["variants"]
    gtin = next((v["gtin"] for v in variants if v.get("gtin")), "")
    attributes = dict(row["attributes"])
    if len(variants) == 1:
        attributes |= variants[0].get("attributes") or {}
    return ProductCandidate(
        gtin=gtin or "",
        brand=brands.get(row["brand"] or "", ""),
        title=row["title"],
        attributes=attributes,
    )


def _plan_products(
    merge: StorefrontMerge, path: Path, total: int | None, progress: Progress
) -> dict[str, int]:
    brands = {row["slug"]: row["name"] for row in _rows(path, "brands.jsonl")}
    counts: dict[str, int] = defaultdict(int)
    done = 0
    for batch in _batches(_rows(path, "products.jsonl"), MATCH_BATCH):
        here = {
            str(key): pk
            for key, pk in Product.objects.filter(uuid__in=[r["uuid"] for r in batch]).values_list(
                "uuid", "pk"
            )
        }
        todo = [r for r in batch if r["uuid"] not in here]
        candidates = [_candidate(r, brands) for r in todo]
        results = dict(zip((r["uuid"] for r in todo), products_match(candidates), strict=True))
        reviews = match_reviews_create(
            batch=merge.batch,
            results=[(c, results[r["uuid"]]) for c, r in zip(candidates, todo, strict=True)],
        )
        review_of = iter(reviews)
        rows = []
        for r in batch:
            row = MergeProduct(merge=merge, incoming=r["uuid"], title=r["title"][:255])
            if r["uuid"] in here:  # the same product (the bundle came from here, or went and came back)
                row.decision, row.score, row.signal, row.product_id = (
                    Decision.MATCH,
                    1000,
                    "uuid",
                    here[r["uuid"]],
                )
            else:
                result = results[r["uuid"]]
                row.decision, row.score, row.product = result.decision, result.score, result.product
                row.signal = next((why.signal for why in result.reasons if why.agrees and why.points), "")
                row.review = next(review_of) if result.decision == "review" else None
            rows.append(row)
            counts[row.decision] += 1
        MergeProduct.objects.bulk_create(rows, batch_size=BATCH)
        done += len(batch)
        progress("match products", done, total)
    return counts


def _plan_parties(merge: StorefrontMerge, path: Path) -> list[MergeParty]:
    parties = []
    for row in _rows(path, "sellers.jsonl"):
        trader = row["trader"]
        found = Seller.objects.filter(uuid=row["uuid"]).first()
        signal = "uuid"
        if found is None:
            match = seller_match(
                registration_number=trader.get("trade_register_number"), vat_number=trader.get("vat_number")
            )
            found, signal = match.seller, match.signal
        if found is not None:
            parties.append(
                MergeParty(
                    merge=merge,
                    kind=MergeParty.Kind.SELLER,
                    incoming=row["uuid"],
                    name=row["display_name"][:255],
                    signal=signal,
                    email=found.email,
                    seller=found,
                )
            )
    for row in _rows(path, "customers.jsonl"):
        if not row["transfer_consent"] or not row.get("email"):
            continue  # a pseudonym: nothing to match it with, it stays a pseudonym
        if User.objects.filter(uuid=row["uuid"]).exists():
            continue  # the same account (the bundle came from here): its orders go to it
        customer = customer_match(email=row["email"])
        if customer.user is not None:
            parties.append(
                MergeParty(
                    merge=merge,
                    kind=MergeParty.Kind.CUSTOMER,
                    incoming=row["uuid"],
                    name=row["email"][:255],
                    signal="email",
                    email=customer.user.email,
                    user=customer.user,
                )
            )
    return parties


def merge_plan(
    *, path: Path, by: User | None = None, code: str | None = None, on_progress: Progress | None = None
) -> StorefrontMerge:
    """Check the bundle, match its products, sellers and customers against this installation and
    record every decision; ask the matched sellers and customers to confirm. Nothing of the
    catalog changes. Raise BundleInvalid (damaged) or BundleConflict (the storefront's code,
    hosts or orders exist here; give another ``code`` for the first)."""
    progress = on_progress or (lambda name, done, total: None)
    verified = bundle_verify(path, on_progress=on_progress)
    storefront = _first(path, "storefront.jsonl")
    code = code or storefront["code"]
    _merge_conflicts(verified, code)
    with transaction.atomic():
        merge = StorefrontMerge.objects.create(
            code=code,
            bundle_code=storefront["code"],
            name=storefront["name"][:120],
            path=str(path.resolve()),
            manifest_sha256=manifest_sha256(path),
            created_by=by,
        )
        counts = _plan_products(merge, path, verified.rows.get("products.jsonl"), progress)
        parties = MergeParty.objects.bulk_create(_plan_parties(merge, path))
        merge.counts = {
            "products": verified.rows.get("products.jsonl", 0),
            "products_match": counts["match"],
            "products_review": counts["review"],
            "products_new": counts["new"],
            "sellers": verified.rows.get("sellers.jsonl", 0),
            "sellers_to_confirm": sum(1 for p in parties if p.kind == MergeParty.Kind.SELLER),
            "customers": verified.rows.get("customers.jsonl", 0),
            "customers_to_confirm": sum(1 for p in parties if p.kind == MergeParty.Kind.CUSTOMER),
            "offers": verified.rows.get("offers.jsonl", 0),
            "orders": verified.rows.get("orders.jsonl", 0),
            "reviews": verified.rows.get("reviews.jsonl", 0),
        }
        merge.save(update_fields=["counts"])
        emit("storefront_merge.planned", merge_id=merge.pk, code=code, **merge.counts)
        emit_many(("merge_party.confirmation_requested", {"party_id": p.pk}) for p in parties)
    return merge


# --- decisions --------------------------------------------------------------------------------


def party_token(party: MergeParty) -> str:
    """The signed token of a confirmation link (no secret stored: the link carries the party's id)."""
    return signing.dumps([party.pk, party.merge.uuid.hex], salt=CONFIRM_SALT)


def party_from_token(token: str) -> MergeParty:
    """The party a confirmation link names; raise MergePartyNotFound when the link is wrong or old."""
    try:
        pk, merge_hex = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        raise MergePartyNotFound(_("This confirmation link is not valid, or too old.")) from None
    party = MergeParty.objects.select_related("merge", "seller", "user").filter(pk=pk).first()
    if party is None or party.merge.uuid.hex != merge_hex:
        raise MergePartyNotFound(_("This confirmation link is not valid, or too old."))
    return party


@transaction.atomic
def merge_party_decide(*, party_id: int, confirm: bool) -> MergeParty:
    """Record a seller's or customer's answer. Before the commit either answer can change. After
    it, a customer may still confirm (their orders then move to their account, for good); a
    seller's answer can no longer change (the shops were written separately)."""
    try:
        party = lock_row(MergeParty.objects.select_related("merge"), party_id)
    except MergeParty.DoesNotExist:
        raise MergePartyNotFound(_("This confirmation link is not valid, or too old.")) from None
    merge = party.merge
    to = PartyStatus.CONFIRMED if confirm else PartyStatus.DECLINED
    if party.status == to:
        return party  # a second click
    if merge.status == StorefrontMerge.Status.ABANDONED:
        raise MergeClosed(_("This merge was abandoned: there is nothing left to confirm."))
    if merge.status == StorefrontMerge.Status.COMMITTED:
        if party.kind == MergeParty.Kind.SELLER:
            raise MergeClosed(
                _("The merge is done: the shops were kept apart. Write to the operator to join them.")
            )
        if party.joined_at is not None:
            raise MergeClosed(_("Your orders were already joined to your account."))
    party.decided_at = timezone.now()
    transition(party, to=to, extra_fields=("decided_at",), merge_id=merge.pk, kind=party.kind)
    if to == PartyStatus.CONFIRMED and merge.status == StorefrontMerge.Status.COMMITTED:
        _join_customer(party)
    return party


def _join_customer(party: MergeParty) -> None:
    """Move a customer's orders from the account that held them to their own (after the commit)."""
    assert party.user_id is not None
    if party.placeholder_id is not None:
        Order.objects.filter(customer_id=party.placeholder_id).update(customer_id=party.user_id)
        reviews_customer_move(from_user_id=party.placeholder_id, to_user_id=party.user_id)
    party.joined_at = timezone.now()
    party.save(update_fields=["joined_at"])
    emit("merge_party.joined", party_id=party.pk, user_id=party.user_id)


def _open_merge(merge_id: int) -> StorefrontMerge:
    try:
        merge = lock_row(StorefrontMerge.objects.all(), merge_id)
    except StorefrontMerge.DoesNotExist:
        raise MergeNotFound(_("There is no such merge.")) from None
    if merge.status != StorefrontMerge.Status.PLANNED:
        raise MergeClosed(
            _("This merge is %(status)s: it can no longer change.")
            % {"status": merge.get_status_display().lower()}
        )
    return merge


@transaction.atomic
def merge_product_review(*, merge_id: int, incoming: str, by: User | None) -> MatchReview:
    """Send a product the plan decided alone (same product, or new) to the review queue, where
    the operator decides it like a doubtful one (until the commit)."""
    merge = _open_merge(merge_id)
    row = MergeProduct.objects.filter(merge=merge, incoming=incoming).first()
    if row is None:
        raise NotFound(_("This product is not in the merge's bundle."))
    if row.decision == Decision.REVIEW and row.review_id is not None:
        return MatchReview.objects.get(pk=row.review_id)
    bundle = Path(merge.path)
    brands = {r["slug"]: r["name"] for r in _rows(bundle, "brands.jsonl")}
    product_row = next(r for r in _rows(bundle, "products.jsonl") if r["uuid"] == str(row.incoming))
    candidate = _candidate(product_row, brands)
    review = MatchReview.objects.create(
        batch=merge.batch,
        candidate=candidate.as_dict(),
        product_id=row.product_id,
        score=row.score,
        reasons=[{"signal": row.signal or "operator", "agrees": None, "detail": "", "points": 0, "note": ""}],
    )
    if row.product_id is None:
        review.status = MatchReview.Status.REJECTED  # "new" unless the operator names a product
        review.decided_by, review.decided_at = by, timezone.now()
        review.save(update_fields=["status", "decided_by", "decided_at"])
    row.decision, row.review = Decision.REVIEW, review
    row.save(update_fields=["decision", "review"])
    emit("match_review.created", batch=merge.batch, count=1)
    return review


@transaction.atomic
def merge_abandon(*, merge_id: int, by: User | None) -> StorefrontMerge:
    """Give the merge up: nothing was written; its reviews are dropped, confirmations lapse."""
    merge = _open_merge(merge_id)
    MatchReview.objects.filter(batch=merge.batch, committed_at__isnull=True).delete()
    MergeParty.objects.filter(merge=merge, status=PartyStatus.PENDING).update(status=PartyStatus.LAPSED)
    transition(merge, to=StorefrontMerge.Status.ABANDONED, by=by)
    return merge


def merge_progress(*, merge: StorefrontMerge) -> dict[str, int]:
    """What is still undecided: reviews pending, sellers and customers not answered."""
    pending_reviews = MatchReview.objects.filter(
        batch=merge.batch, status=MatchReview.Status.PENDING, committed_at__isnull=True
    ).count()
    parties = MergeParty.objects.filter(merge=merge).values_list("kind", "status")
    waiting: dict[str, int] = defaultdict(int)
    for kind, status in parties:
        waiting[f"{kind}_{status}"] += 1
    return {"reviews_pending": pending_reviews, **waiting}


# --- commit -----------------------------------------------------------------------------------


def _free_slug(model: type[Model], slug: str, taken: set[str], limit: int) -> str:
    """``slug``, or ``slug-2``, ``slug-3``… the first not used here nor by this merge."""
    base, n = slug[: limit - 6], 2
    while True:
        candidate = f"{base}-{n}"
        if candidate not in taken and not model._default_manager.filter(slug=candidate).exists():
            taken.add(candidate)
            return candidate
        n += 1


class _Merge(_Import):
    """The import's writer, finding the bundle's rows among this installation's as planned."""

    def __init__(self, verified: Verified, merge: StorefrontMerge, on_progress: Progress | None) -> None:
        super().__init__(verified, on_progress)
        self.merge = merge
        self.taken: dict[type[Model], set[str]] = defaultdict(set)
        self.counts: dict[str, int] = defaultdict(int)
        self.joined_sellers: set[int] = set()
        self.offer_keys: dict[tuple[int, int, str], int] = {}  # (seller, variant, condition) → offer
        self.mapped_variants: set[int] = set()  # variants here that the bundle's map onto

    def slug(self, model: type[Model], slug: str, limit: int) -> str:
        """The bundle's slug when it is free here, else a new one (counted as renamed)."""
        taken = self.taken[model]
        if slug not in taken and not model._default_manager.filter(slug=slug).exists():
            taken.add(slug)
            return slug
        self.counts[f"{model._meta.model_name}_renamed"] += 1
        return _free_slug(model, slug, taken, limit)

    def write_categories(self, sf: dict[str, Any], storefront: Storefront) -> None:
        """A category whose slug is here with the same name is the same category; any other one is
        added (under its parent, found or added), renamed when its slug is taken."""
        rows = list(self.rows("categories.jsonl"))
        here = {c.slug: c for c in Category.objects.filter(slug__in=[r["slug"] for r in rows])}
        for row in rows:
            same = here.get(row["slug"])
            parent_is_same = row["parent"] is None or self.categories[row["parent"]].slug in here
            if same is not None and fold(same.name) == fold(row["name"]) and parent_is_same:
                self.categories[row["slug"]] = same
                self.counts["category_matched"] += 1
            else:
                slug = self.slug(Category, row["slug"], 140)
                self.categories[row["slug"]] = self.add_category(row, slug)
            self.slug_of[("category", row["slug"])] = self.categories[row["slug"]].slug
        storefront.catalog_scope.set([self.categories[slug] for slug in sf["catalog_scope"]])

    def write_product_types(self) -> None:
        """A product type with the same code is the same one; the bundle's attributes it lacks are
        added to it."""
        for row in self.rows("product_types.jsonl"):
            product_type = ProductType.objects.filter(code=row["code"]).first()
            if product_type is None:
                product_type = ProductType.objects.create(
                    code=row["code"], name=row["name"], tax_class=row["tax_class"]
                )
            known = set(product_type.attributes.values_list("code", flat=True))
            AttributeDefinition.objects.bulk_create(
                AttributeDefinition(product_type=product_type, **attribute)
                for attribute in row["attributes"]
                if attribute["code"] not in known
            )
            self.types[row["code"]] = product_type.pk

    def write_brands(self) -> None:
        """A brand is found by slug when its name means the same, else by its normal form (the
        matcher's key); any other is added (its slug renamed when taken)."""
        brands_missing_keys_fill()  # brands written in bulk here (a seed, an import) have no key yet
        for batch in _batches(self.rows("brands.jsonl")):
            keys = {r["slug"]: brand_key(r["name"]) for r in batch}
            by_slug = {
                slug: (pk, key)
                for slug, pk, key in Brand.objects.filter(slug__in=keys).values_list(
                    "slug", "pk", "match_key"
                )
            }
            by_key: dict[str, int] = {}
            for key, pk in (
                Brand.objects.filter(match_key__in={k for k in keys.values() if k})
                .order_by("pk")
                .values_list("match_key", "pk")
            ):
                by_key.setdefault(key, pk)
            new = []
            for r in batch:
                key = keys[r["slug"]]
                if r["slug"] in by_slug and by_slug[r["slug"]][1] == key:
                    self.brands[r["slug"]] = by_slug[r["slug"]][0]
                elif key and key in by_key:
                    self.brands[r["slug"]] = by_key[key]
                else:
                    new.append(Brand(slug=self.slug(Brand, r["slug"], 140), name=r["name"], match_key=key))
                    continue
                self.counts["brand_matched"] += 1
            by_name = {b.slug: b for b in Brand.objects.bulk_create(new)}
            if new and new[0].pk is None:
                by_name = {b.slug: b for b in Brand.objects.filter(slug__in=[b.slug for b in new])}
            for r, brand in zip((r for r in batch if r["slug"] not in self.brands), new, strict=True):
                self.brands[r["slug"]] = by_name[brand.slug].pk

    def decisions(self, batch: list[dict[str, Any]]) -> dict[str, int | None]:
        """The catalog's product each product of the batch is (None: add it), as decided."""
        rows = MergeProduct.objects.filter(
            merge=self.merge, incoming__in=[r["uuid"] for r in batch]
        ).values_list("incoming", "decision", "product_id", "review__status", "review__product_id")
        decided: dict[str, int | None] = {}
        for incoming, decision, product_id, review_status, review_product in rows:
            if decision == Decision.MATCH:
                decided[str(incoming)] = product_id
            elif decision == Decision.REVIEW and review_status == MatchReview.Status.ACCEPTED:
                decided[str(incoming)] = review_product
            else:
                decided[str(incoming)] = None
        return decided

    def write_products(self, batch: list[dict[str, Any]]) -> None:
        decided = self.decisions(batch)
        matched = [r for r in batch if decided.get(r["uuid"])]
        added = [r for r in batch if not decided.get(r["uuid"])]
        gtins = {v["gtin"] for r in batch for v in r["variants"] if v.get("gtin")}
        taken_gtins = (
            {g for g in Variant.objects.filter(gtin__in=gtins).values_list("gtin", flat=True) if g}
            if gtins
            else set()
        )
        extra: list[Variant] = []  # the bundle's variants a matched product lacks
        if matched:
            self.map_variants(matched, decided, taken_gtins, extra)
        if added:
            products = Product.objects.bulk_create(
                self.new_product(r, self.slug(Product, r["slug"], 200)) for r in added
            )
            ids = self.created_ids(Product, products, {r["uuid"] for r in added})
            for r, product in zip(added, products, strict=True):
                self.slug_of[("product", r["uuid"])] = product.slug
            for r in added:
                for v in r["variants"]:
                    variant = Variant(product_id=ids[r["uuid"]], **v)
                    if variant.gtin in taken_gtins:  # a rejected GTIN match: the code stays the other's
                        variant.gtin = None
                        self.counts["gtin_dropped"] += 1
                    extra.append(variant)
            self.write_images(added, ids)
            self.counts["product_added"] += len(added)
        Variant.objects.bulk_create(extra)

    def map_variants(
        self,
        matched: list[dict[str, Any]],
        decided: dict[str, int | None],
        taken_gtins: set[str],
        extra: list[Variant],
    ) -> None:
        """Each variant of a matched product is the product's variant with the same GTIN, else the
        same attributes, else the same name, else its only one when both have one; a variant it
        lacks is added to it."""
        product_ids = {pk for r in matched if (pk := decided[r["uuid"]]) is not None}
        here: dict[int, list[tuple[int, str | None, str, dict[str, Any]]]] = defaultdict(list)
        for pk, product_id, gtin, name, attributes in Variant.objects.filter(
            product_id__in=product_ids
        ).values_list("pk", "product_id", "gtin", "name", "attributes"):
            here[product_id].append((pk, gtin, name, attributes or {}))
        slugs = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "slug"))
        variants = self.alias.setdefault(Variant, {})
        products = self.alias.setdefault(Product, {})

        def attrs(values: dict[str, Any]) -> dict[str, str]:
            return {fold(str(k)): attribute_value_key(v) for k, v in values.items()}

        for r in matched:
            target = decided[r["uuid"]]
            assert target is not None
            products[r["uuid"]] = target
            self.slug_of[("product", r["uuid"])] = slugs[target]
            own = here[target]
            for v in r["variants"]:
                gtin = identifier_key(v["gtin"]) if v.get("gtin") else None
                found = next((pk for pk, g, _n, _a in own if gtin and g == gtin), None)
                if found is None and v.get("attributes"):
                    found = next(
                        (pk for pk, _g, _n, a in own if a and attrs(a) == attrs(v["attributes"])), None
                    )
                if found is None and v.get("name"):
                    found = next((pk for pk, _g, n, _a in own if n and fold(n) == fold(v["name"])), None)
                if found is None and len(own) == 1 and len(r["variants"]) == 1:
                    found = own[0][0]
                if found is not None:
                    variants[v["uuid"]] = found
                    self.mapped_variants.add(found)
                    continue
                variant = Variant(product_id=target, **v)
                if variant.gtin in taken_gtins:
                    variant.gtin = None
                    self.counts["gtin_dropped"] += 1
                extra.append(variant)
                self.counts["variant_added"] += 1
            self.counts["product_matched"] += 1

    def write_sellers(self, storefront: Storefront, batch: list[dict[str, Any]]) -> None:
        """A seller who confirmed is the seller here (admitted to the merged storefront; its
        shipping profile here stays); any other is added, its slug renamed when taken."""
        parties = {
            str(incoming): (status, seller_id)
            for incoming, status, seller_id in MergeParty.objects.filter(
                merge=self.merge, kind=MergeParty.Kind.SELLER, incoming__in=[r["uuid"] for r in batch]
            ).values_list("incoming", "status", "seller_id")
        }
        joined = {
            r["uuid"]: parties[r["uuid"]][1]
            for r in batch
            if parties.get(r["uuid"], ("", None))[0] == PartyStatus.CONFIRMED and parties[r["uuid"]][1]
        }
        for incoming, seller_id in joined.items():
            assert seller_id is not None
            self.sellers[incoming] = seller_id
            self.joined_sellers.add(seller_id)
        self.alias.setdefault(Seller, {}).update({k: v for k, v in joined.items() if v is not None})
        slugs = dict(Seller.objects.filter(pk__in=self.joined_sellers).values_list("pk", "slug"))
        for incoming, seller_id in joined.items():
            self.slug_of[("seller", incoming)] = slugs[seller_id]
        self.admit(storefront, [r for r in batch if r["uuid"] in joined], joined)
        self.counts["seller_joined"] += len(joined)

        added = [r for r in batch if r["uuid"] not in joined]
        if not added:
            return
        uuids_here = {
            str(u)
            for u in Seller.objects.filter(uuid__in=[r["uuid"] for r in added]).values_list("uuid", flat=True)
        }
        rows = []
        for r in added:
            # A declined match that came from here keeps its shop apart under a new uuid.
            uuid = str(uuid4()) if r["uuid"] in uuids_here else r["uuid"]
            rows.append((r, self.new_seller(r, self.slug(Seller, r["slug"], 80), uuid)))
        created = Seller.objects.bulk_create(seller for _r, seller in rows)
        if created and created[0].pk is None:
            created = list(Seller.objects.filter(uuid__in=[s.uuid for _r, s in rows]))
        by_uuid = {str(s.uuid): s for s in created}
        ids = {}
        for r, seller in rows:
            ids[r["uuid"]] = by_uuid[str(seller.uuid)].pk
            self.slug_of[("seller", r["uuid"])] = seller.slug
        self.sellers |= ids
        self.alias.setdefault(Seller, {}).update(ids)
        self.admit(storefront, added, ids)
        ShippingProfile.objects.bulk_create(
            ShippingProfile(seller_id=ids[r["uuid"]], **r["shipping_profile"])
            for r in added
            if r["shipping_profile"]
        )
        self.counts["seller_added"] += len(added)

    def write_offers(self, batch: list[dict[str, Any]]) -> None:
        """An offer the seller here already has on the same variant and condition stays as it is
        (the bundle's one maps onto it, for the orders' lines); the others are added. Only a
        variant mapped onto one here can meet such an offer: the keys of those alone are kept."""
        variants = self.lookup(Variant, {r["variant"] for r in batch})
        offers = self.alias.setdefault(Offer, {})
        offers.update(
            {
                str(u): pk
                for u, pk in Offer.objects.filter(uuid__in=[r["uuid"] for r in batch]).values_list(
                    "uuid", "pk"
                )
            }
        )
        keyed = [
            r for r in batch if variants[r["variant"]] in self.mapped_variants and r["uuid"] not in offers
        ]
        joined = {self.sellers[r["seller"]] for r in keyed} & self.joined_sellers
        if joined:
            for pk, seller_id, variant_id, condition in Offer.objects.filter(
                seller_id__in=joined, variant_id__in={variants[r["variant"]] for r in keyed}
            ).values_list("pk", "seller_id", "variant_id", "condition"):
                self.offer_keys[(seller_id, variant_id, condition)] = pk
        added: list[dict[str, Any]] = []
        pending: dict[tuple[int, int, str], str] = {}
        collapsed: list[tuple[str, str]] = []
        for r in batch:
            if r["uuid"] in offers:
                self.counts["offer_kept"] += 1
                continue
            key = (self.sellers[r["seller"]], variants[r["variant"]], r["condition"])
            if key[1] in self.mapped_variants:
                if key in self.offer_keys:
                    offers[r["uuid"]] = self.offer_keys[key]
                    self.counts["offer_kept"] += 1
                    continue
                if key in pending:  # two variants of the bundle mapped onto one here
                    collapsed.append((r["uuid"], pending[key]))
                    continue
                pending[key] = r["uuid"]
            added.append(r)
        written = self.write_offer_rows(added, variants) if added else {}
        for key, uuid in pending.items():
            self.offer_keys[key] = written[uuid]
        for uuid, first in collapsed:
            offers[uuid] = written[first]
        self.counts["offer_added"] += len(added)
        self.counts["offer_kept"] += len(collapsed)

    def write_reviews(self, storefront: Storefront, batch: list[dict[str, Any]]) -> None:
        """Every review is added, on its line here: its product is the one the line's variant was
        matched with, so it counts in that product's summary on the merged storefront."""
        super().write_reviews(storefront, batch)
        self.counts["review_added"] += len(batch)

    def write_customers(self, batch: list[dict[str, Any]]) -> None:
        """A customer who confirmed their address is the account here; one who did not (yet) gets
        an account of its own that holds their orders, joined if they confirm later."""
        parties = {
            str(p.incoming): p
            for p in MergeParty.objects.filter(
                merge=self.merge, kind=MergeParty.Kind.CUSTOMER, incoming__in=[r["uuid"] for r in batch]
            )
        }
        here = {
            str(u): pk
            for u, pk in User.objects.filter(uuid__in=[r["uuid"] for r in batch]).values_list("uuid", "pk")
        }
        users = self.alias.setdefault(User, {})
        users.update(here)
        added: list[User] = []
        held: list[tuple[MergeParty, User]] = []
        for r in batch:
            if r["uuid"] in here:
                self.counts["customer_same"] += 1
                continue
            party = parties.get(r["uuid"])
            if party is None:
                added.append(self.new_user(r))
            elif party.status == PartyStatus.CONFIRMED:
                assert party.user_id is not None
                users[r["uuid"]] = party.user_id
                party.joined_at = timezone.now()
                party.save(update_fields=["joined_at"])
                self.counts["customer_joined"] += 1
            else:  # not confirmed: never joined silently
                holder = User(
                    uuid=r["uuid"],
                    email=f"merge-{hashlib.sha256(r['uuid'].encode()).hexdigest()[:16]}@{PSEUDONYM_DOMAIN}",
                    full_name=r.get("full_name", ""),
                    is_active=False,
                )
                holder.set_unusable_password()
                added.append(holder)
                held.append((party, holder))
                self.counts["customer_held"] += 1
        User.objects.bulk_create(added)
        if held:
            ids = self.lookup(User, {str(u.uuid) for _p, u in held})
            for party, holder in held:
                party.placeholder_id = ids[str(holder.uuid)]
                party.save(update_fields=["placeholder"])
        self.counts["customer_added"] += len(added) - len(held)


def merge_commit(
    *,
    merge_id: int,
    by: User | None,
    sellers_unanswered_apart: bool = False,
    on_progress: Progress | None = None,
) -> Storefront:
    """Write the merge as decided, in one transaction. Refuse while a doubtful product is
    undecided or (unless ``sellers_unanswered_apart``: their shops are then kept apart) a seller
    has not answered; customers who have not answered keep their orders on an account of their
    own until they confirm. Raise MergeBundleChanged when the bundle is not the planned one."""
    merge = StorefrontMerge.objects.filter(pk=merge_id).first()
    if merge is None:
        raise MergeNotFound(_("There is no such merge."))
    if merge.status != StorefrontMerge.Status.PLANNED:
        with transaction.atomic():
            _open_merge(merge_id)  # says why, before reading the bundle again
    path = Path(merge.path)
    verified = bundle_verify(path, on_progress=on_progress)
    if manifest_sha256(path) != merge.manifest_sha256:
        raise MergeBundleChanged(_("The bundle changed since the merge was planned: plan it again."))
    writer = _Merge(verified, merge, on_progress)
    try:
        with transaction.atomic(), _keep_given_dates():
            merge = _open_merge(merge_id)
            try:
                match_batch_commit(batch=merge.batch, by=by)  # type: ignore[arg-type]
            except MatchBatchUndecided as error:
                raise MergeUndecided(error.message) from None
            sellers_waiting = MergeParty.objects.filter(
                merge=merge, kind=MergeParty.Kind.SELLER, status=PartyStatus.PENDING
            )
            if sellers_waiting.exists() and not sellers_unanswered_apart:
                raise MergeUndecided(
                    _(
                        "%(count)s sellers have not answered yet: wait for them, or commit with their"
                        " shops kept apart."
                    )
                    % {"count": sellers_waiting.count()}
                )
            for party in MergeParty.objects.filter(merge=merge, status=PartyStatus.PENDING):
                transition(party, to=PartyStatus.LAPSED, by=by, merge_id=merge.pk, kind=party.kind)
            _merge_conflicts(verified, merge.code)
            storefront = writer.run(code=merge.code)
            merge.storefront = storefront
            merge.counts = {**merge.counts, **{f"written_{k}": v for k, v in sorted(writer.counts.items())}}
            merge.committed_at, merge.committed_by = timezone.now(), by
            transition(
                merge,
                to=StorefrontMerge.Status.COMMITTED,
                by=by,
                extra_fields=("storefront", "counts", "committed_at", "committed_by"),
                storefront_id=storefront.pk,
            )
            emit("storefront.imported", storefront_id=storefront.pk, code=storefront.code, merge_id=merge.pk)
            return storefront
    except BaseException:
        for name in writer.saved_media.values():
            default_storage.delete(name)
        raise


__all__ = [
    "MergeBundleChanged",
    "MergeClosed",
    "MergeNotFound",
    "MergePartyNotFound",
    "MergeUndecided",
    "merge_abandon",
    "merge_commit",
    "merge_party_decide",
    "merge_plan",
    "merge_product_review",
    "merge_progress",
    "party_from_token",
    "party_token",
]
