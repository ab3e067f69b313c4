"""A deterministic generator of a realistic marketplace (docs/seed.md).

The structure (product types, categories, storefronts) goes through the services, like any
operator's setup. The volume (brands, sellers, products, variants, offers, price history) is
written in bulk by ``BulkWriter``: rows are built valid by construction — check digits
computed with python-stdnum, attributes drawn from each type's schema — and a test runs the
models' own validation over a sample of them.

Same seed, same scale → the same marketplace, row for row (see ``fingerprint``); only the
timestamps move with the day it runs, and they are all relative to that day.
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from stdnum import ean, iban, luhn

from galerie.accounts.models import User
from galerie.catalog import services as catalog
from galerie.catalog.models import Brand, Category, Product, ProductType, Variant
from galerie.catalog.safety import SAFETY_FIELDS
from galerie.ledger.models import CommissionPlan
from galerie.offers.models import Condition, Offer, PriceHistory
from galerie.seeding import vocabulary as words
from galerie.seeding.writer import BulkWriter
from galerie.sellers.models import Seller, SellerAdmission, SellerMember, ShippingProfile
from galerie.storefronts import services as storefronts
from galerie.storefronts.models import Storefront

SELLER_EMAIL_DOMAIN = "sellers.galerie.test"

RETURN_POLICIES = (
    "Retours acceptés sous 14 jours à compter de la réception, frais de retour à la charge du client.",
    "Retours gratuits sous 30 jours. Remboursement sous 5 jours ouvrés après réception du colis.",
    "Droit de rétractation de 14 jours. Les articles doivent être renvoyés dans leur état d’origine.",
)


@dataclass(frozen=True)
class Scale:
    sellers: int
    brands: int
    offers: int
    images: bool
    reduction_share: float = 0.10


SCALES = {
    "demo": Scale(sellers=30, brands=90, offers=900, images=True),
    "large": Scale(sellers=2_000, brands=50_000, offers=1_000_000, images=False),
}


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    rows: int = 0


class Progress:
    """What the generator reports; the command shows it as progress bars."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self, amount: int) -> None: ...


# ---------------------------------------------------------------- identities and numbers


def _siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10_000_000, 99_999_999)}"
    return body + luhn.calc_check_digit(body)


def _french_vat(siren: str) -> str:
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def _french_iban(rng: random.Random) -> str:
    bank, branch = rng.randrange(10_000, 99_999), rng.randrange(10_000, 99_999)
    account = rng.randrange(10**9, 10**11)
    rib_key = 97 - (89 * bank + 15 * branch + 3 * account) % 97
    bban = f"{bank:05d}{branch:05d}{account:011d}{rib_key:02d}"
    return "FR" + iban.calc_check_digits("FR00" + bban) + bban


def _phone(rng: random.Random) -> str:
    # Geographic (01–05) or mobile (06, 07) French numbers, stored in E.164 as the services do.
    # Some blocks are unallocated or belong to overseas departments (0262, 0590, 0690 …): draw again.
    while True:
        number = f"+33{rng.choice('1234567')}{rng.randrange(10, 99)}{rng.randrange(0, 999_999):06d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def _shipping(rng: random.Random, storefront: str, private: bool) -> tuple:
    """(kind, currency, base, per item, free above, transit min, transit max, book reduction in
    basis points) of a seller."""
    if private:
        return ("flat", "EUR", rng.choice((399, 490, 590)), 0, None, 2, 5, 0)
    if storefront == "pageplume":
        # Booksellers: the free-above threshold serves their music, films and games (new books
        # never ship free); most give the 5 % the loi Lang allows, off the delivery charge.
        return (
            "per_item",
            "EUR",
            rng.choice((349, 399)),
            rng.choice((99, 149)),
            rng.choice((2500, 3500)),
            1,
            3,
            rng.choice((0, 500, 500)),
        )
    if storefront == "topcircuit":
        if rng.random() < 0.3:
            return ("flat", "EUR", 0, 0, None, 1, 2, 0)
        return ("flat", "EUR", rng.choice((690, 990, 1490)), 0, rng.choice((20000, 30000)), 1, 3, 0)
    return ("flat", "EUR", rng.choice((450, 490, 590)), 0, rng.choice((5000, 6000, 8000)), 2, 5, 0)


class GtinSequence:
    """Unique, valid GTINs that do not look sequential: a bijection of a counter."""

    def __init__(self, prefix: str, digits: int, seed: int) -> None:
        self.prefix, self.modulus = prefix, 10**digits
        self.step, self.offset, self.n = 7919, seed * 104_729 % self.modulus, 0

    def __next__(self) -> str:
        self.n += 1
        body = (
            f"{self.prefix}{(self.n * self.step + self.offset) % self.modulus:0{len(str(self.modulus)) - 1}d}"
        )
        return body + ean.calc_check_digit(body)


def _price(rng: random.Random, cents: float) -> int:
    """A shop price near ``cents``: whole euros ending in .90 or .99, never below 0.90."""
    euros = max(1, round(cents / 100))
    return euros * 100 - rng.choice((1, 10))


def _name(rng: random.Random) -> str:
    return f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"


# ---------------------------------------------------------------- the generator


@dataclass
class _Leaf:
    category_id: int
    slug: str
    type_code: str
    price_range: tuple[int, int]


@dataclass
class _DomainState:
    domain: words.Domain
    storefront: Storefront
    leaves: list[_Leaf]
    sellers: list[tuple[int, bool]] = field(default_factory=list)  # (seller id, is private)
    brands: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # pool -> [(id, name)]


class MarketplaceGenerator:
    def __init__(self, *, scale: Scale, seed: int, progress: Progress | None = None) -> None:
        self.scale, self.seed = scale, seed
        self.rng = random.Random(seed)
        self.progress = progress or Progress()
        self.now = timezone.now().replace(microsecond=0)
        self.summary = Summary()
        self.types: dict[str, ProductType] = {}
        self.domains: list[_DomainState] = []
        self.isbn = GtinSequence("9782", 8, seed)
        self.ean = GtinSequence("37", 10, seed)
        self.used_slugs: set[str] = set()

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _ago(self, low_days: float, high_days: float) -> datetime:
        return self.now - timedelta(seconds=int(self.rng.uniform(low_days, high_days) * 86_400))

    def run(self, writer: BulkWriter) -> Summary:
        self.writer = writer
        with transaction.atomic():
            self._structure()
            self._declare_tables()
            self._brands()
            self._sellers()
            self._catalog_and_offers()
            writer.finish()
        self.summary.rows = writer.rows_written
        if connection.vendor == "postgresql":
            # Fresh statistics for every table the seed wrote, or the planner guesses badly.
            with connection.cursor() as cursor:
                analysed: list[type[Model]] = [*writer.tables, Category, Storefront]
                for model in analysed:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        if self.scale.images:
            self._images()
        return self.summary

    # -- structure: through the services

    def _structure(self) -> None:
        before = Category.objects.count()
        self.progress.phase("Storefronts, categories and product types", len(words.DOMAINS))
        for spec in words.PRODUCT_TYPES:
            self.types[spec.code] = catalog.product_type_create(
                code=spec.code,
                name=spec.name,
                tax_class=spec.tax_class,
                attributes=spec.attributes,
                is_book=spec.is_book,
            )
        for domain in words.DOMAINS:
            roots, leaves = [], []
            for name, slug, children in domain.tree:
                root = catalog.category_create(name=name, slug=slug)
                roots.append(root)
                for child_name, child_slug, type_code, price_range in children:
                    child = catalog.category_create(name=child_name, slug=child_slug, parent=root)
                    leaves.append(_Leaf(child.pk, child_slug, type_code, price_range))
            storefront = storefronts.storefront_create(
                code=domain.code,
                name=domain.name,
                default_language=domain.language,
                tagline=domain.tagline,
                theme=domain.theme,
                hosts=domain.hosts,
                catalog_scope=roots,
            )
            storefront = storefronts.storefront_open(storefront_id=storefront.pk)
            rate_bp, fee_minor = domain.commission
            CommissionPlan.objects.create(storefront=storefront, rate_bp=rate_bp, fixed_fee_minor=fee_minor)
            self.domains.append(_DomainState(domain, storefront, leaves))
            self.progress.advance(1)
        self.summary.counts["storefronts"] = len(self.domains)
        self.summary.counts["categories"] = Category.objects.count() - before

    def _declare_tables(self) -> None:
        w = self.writer
        w.table(Brand, ["id", "name", "slug"])
        w.table(
            User,
            ["id", "uuid", "email", "password", "full_name", "preferred_language", "is_staff", "is_active",
             "is_superuser", "date_joined"],
        )  # fmt: skip
        w.table(
            Seller,
            ["id", "uuid", "slug", "kind", "status", "display_name", "legal_name", "email", "phone",
             "address_line1", "address_line2", "postal_code", "city", "country", "id_document_reference",
             "iban", "trade_register_number", "vat_number", "compliance_certified_at", "description",
             "logo", "return_policy", "low_stock_threshold", "created_at"],
        )  # fmt: skip
        w.table(
            ShippingProfile,
            ["id", "seller", "kind", "currency", "base_minor", "per_item_minor", "free_above_minor",
             "transit_days_min", "transit_days_max", "book_discount_bp"],
        )  # fmt: skip
        w.table(SellerAdmission, ["id", "seller", "storefront", "status", "reason", "decided_at"])
        w.table(SellerMember, ["id", "seller", "user", "role", "created_at"])
        w.table(
            Product,
            ["id", "uuid", "product_type", "category", "brand", "title", "slug", "description", "attributes",
             "status", "publisher_price_minor", "publisher_price_currency", "created_at", "updated_at",
             *SAFETY_FIELDS],
        )  # fmt: skip
        w.table(Variant, ["id", "uuid", "product", "gtin", "name", "attributes", "position"])
        w.table(
            Offer,
            ["id", "uuid", "seller", "variant", "condition", "seller_sku", "price_minor", "currency", "stock",
             "lead_time_days", "status", "created_at", "updated_at"],
        )  # fmt: skip
        w.table(PriceHistory, ["id", "offer", "price_minor", "currency", "valid_from"])

    # -- brands

    def _brand_words(self) -> Iterator[str]:
        rng = self.rng
        while True:
            word = rng.choice(words.BRAND_HEADS) + rng.choice(words.BRAND_TAILS)
            if rng.random() < 0.5:
                word += rng.choice(words.BRAND_TAILS)
            yield word

    def _brands(self) -> None:
        self.progress.phase("Brands", self.scale.brands)
        names: set[str] = set()
        source = self._brand_words()
        total = 0
        for index, state in enumerate(self.domains):
            share = state.domain.share_of_brands
            wanted = (
                self.scale.brands - total
                if index == len(self.domains) - 1
                else max(4, round(self.scale.brands * share))
            )
            pools = words.BRAND_POOLS[state.domain.code]
            wanted = max(wanted, 2 * len(pools))
            for p, (pool, (pool_share, templates)) in enumerate(pools.items()):
                if p == len(pools) - 1:
                    count = max(2, wanted - sum(len(v) for v in state.brands.values()))
                else:
                    count = max(2, round(wanted * pool_share))
                brands = state.brands.setdefault(pool, [])
                for _ in range(count):
                    name = self.rng.choice(templates).format(next(source))
                    while name in names:
                        name = self.rng.choice(templates).format(next(source))
                    names.add(name)
                    brand_id = self.writer.next_id(Brand)
                    self.writer.add(Brand, (brand_id, name, self._slug(name)))
                    brands.append((brand_id, name))
                self.progress.advance(count)
            total += sum(len(v) for v in state.brands.values())
        self.summary.counts["brands"] = total

    def _slug(self, text: str, *, suffix: Any = None) -> str:
        base = slugify(text)[:120] or "item"
        slug = f"{base}-{suffix}" if suffix is not None else base
        n = 2
        while slug in self.used_slugs:
            slug, n = f"{base}-{n}", n + 1
        self.used_slugs.add(slug)
        return slug

    # -- sellers, their owners and admissions

    def _sellers(self) -> None:
        rng, w = self.rng, self.writer
        self.progress.phase("Sellers", self.scale.sellers)
        certified = self.now - timedelta(days=400)
        made = 0
        for index, state in enumerate(self.domains):
            domain = state.domain
            count = (
                self.scale.sellers - made
                if index == len(self.domains) - 1
                else max(3, round(self.scale.sellers * domain.share_of_sellers))
            )
            for n in range(count):
                # The first sellers of each storefront are professionals: the demo's buy box and
                # seller account are then a trader's, and private sellers come after.
                private = n >= 2 and rng.random() < domain.private_seller_share
                person = _name(rng)
                city, postcode = rng.choice(words.CITIES)
                if private:
                    display = f"{person.split()[0]} {person.split()[1][0]}."
                    legal = person
                else:
                    display = f"{rng.choice(words.SHOP_WORDS[domain.code])} {rng.choice(words.SHOP_TAILS)}"
                    legal = f"{display} {rng.choice(('SARL', 'SAS', 'EURL', 'SA'))}"
                seller_id = w.next_id(Seller)
                slug = self._slug(display)
                siren = _siren(rng)
                created = self._ago(400, 1500)
                w.add(
                    Seller,
                    (
                        seller_id, self._uuid(), slug,
                        Seller.Kind.PRIVATE if private else Seller.Kind.TRADER, Seller.Status.ACTIVE,
                        display, legal, f"contact@{slug}.{SELLER_EMAIL_DOMAIN}", _phone(rng),
                        f"{rng.randrange(1, 120)} {rng.choice(words.STREETS)}", "",
                        f"{postcode}{rng.randrange(1, 20):02d}", city, "FR",
                        f"{'Carte nationale d’identité' if rng.random() < 0.7 else 'Passeport'}"
                        f" {rng.randrange(10, 99)}{rng.choice('ABCDEFGHJK')}{rng.choice('LMNPRSTVW')}"
                        f"{rng.randrange(10_000, 99_999)}",
                        _french_iban(rng),
                        "" if private else siren,
                        "" if private else _french_vat(siren),
                        None if private else certified,
                        "",
                        "", rng.choice(RETURN_POLICIES), 3,
                        created,
                    ),
                )  # fmt: skip
                user_id = w.next_id(User)
                w.add(
                    User,
                    (user_id, self._uuid(), f"{slug}@{SELLER_EMAIL_DOMAIN}", "!" + uuid.uuid4().hex, person,
                     domain.language, False, True, False, created),
                )  # fmt: skip
                w.add(SellerMember, (w.next_id(SellerMember), seller_id, user_id, "owner", created))
                w.add(
                    ShippingProfile,
                    (w.next_id(ShippingProfile), seller_id, *_shipping(rng, domain.code, private)),
                )
                admitted = [state]
                if rng.random() < 0.05:
                    admitted.append(rng.choice(self.domains))
                for other in {s.storefront.pk: s for s in admitted}.values():
                    w.add(
                        SellerAdmission,
                        (w.next_id(SellerAdmission), seller_id, other.storefront.pk,
                         SellerAdmission.Status.ADMITTED, "", created + timedelta(days=2)),
                    )  # fmt: skip
                state.sellers.append((seller_id, private))
                self.progress.advance(1)
            made += count
        self.summary.counts["sellers"] = made

    # -- products, variants, offers and their price history

    def _catalog_and_offers(self) -> None:
        self.progress.phase("Products, variants and offers", self.scale.offers)
        counts = {"products": 0, "variants": 0, "offers": 0, "reductions": 0}
        made = 0
        for index, state in enumerate(self.domains):
            target = (
                self.scale.offers - made
                if index == len(self.domains) - 1
                else round(self.scale.offers * state.domain.share_of_offers)
            )
            done = 0
            while done < target:
                done += self._product(state, target - done, counts)
            made += done
        self.summary.counts.update(counts)

    def _product(self, state: _DomainState, budget: int, counts: dict[str, int]) -> int:
        rng, w = self.rng, self.writer
        leaf = rng.choice(state.leaves)
        product_type = self.types[leaf.type_code]
        pool = state.brands.get(leaf.type_code) or state.brands["*"]
        # A few brands carry most products, as in any real catalog.
        brand_id, brand = pool[int(len(pool) * rng.random() ** 2.5)]
        title, attributes, description = _PRODUCT_MAKERS[leaf.type_code](rng, leaf, brand)
        base = rng.uniform(*leaf.price_range)
        product_id = w.next_id(Product)
        created = self._ago(0, 730)
        # A book (loi Lang): one edition per product (its own ISBN and format), its publisher's
        # price what every new copy sells at.
        variants = _variants(rng, product_type.code)
        book_price = _price(rng, base * variants[0][2]) if product_type.is_book else None
        w.add(
            Product,
            (product_id, self._uuid(), product_type.pk, leaf.category_id, brand_id, title,
             self._slug(title, suffix=product_id), description, attributes, Product.Status.PUBLISHED,
             book_price, "EUR" if book_price is not None else "", created, created,
             *_safety(rng, brand, leaf.type_code)),
        )  # fmt: skip
        counts["products"] += 1
        offers = 0
        for position, (name, variant_attributes, factor) in enumerate(variants):
            variant_id = w.next_id(Variant)
            gtin = None
            if leaf.type_code == "livre":
                gtin = next(self.isbn)
            elif leaf.type_code not in ("craft", "print"):
                gtin = next(self.ean)
            w.add(Variant, (variant_id, self._uuid(), product_id, gtin, name, variant_attributes, position))
            counts["variants"] += 1
            offers += self._offers(
                state, variant_id, base * factor, created, budget - offers, counts, book_price=book_price
            )
            if offers >= budget:
                break
        self.progress.advance(offers)
        return offers

    def _offers(
        self,
        state: _DomainState,
        variant_id: int,
        base: float,
        since: datetime,
        budget: int,
        counts: dict,
        *,
        book_price: int | None = None,
    ) -> int:
        rng, w = self.rng, self.writer
        shapes = state.domain.offer_shapes
        roll, acc = rng.random(), 0.0
        low, high = shapes[-1][1]
        for weight, bounds in shapes:
            acc += weight
            if roll < acc:
                low, high = bounds
                break
        wanted = min(rng.randint(low, high), budget, len(state.sellers))
        for seller_id, private in rng.sample(state.sellers, wanted):
            if private:
                condition = rng.choice((Condition.USED, Condition.USED, Condition.LIKE_NEW))
            elif state.domain.code == "atelier-onze":
                condition = Condition.NEW
            else:
                condition = rng.choices(
                    (Condition.NEW, Condition.REFURBISHED, Condition.USED), weights=(85, 8, 7)
                )[0]
            factor = {"new": 1.0, "like_new": 0.75, "refurbished": 0.82, "used": 0.55}[condition]
            price = _price(rng, base * factor * rng.uniform(0.9, 1.1))
            new_book = book_price is not None and condition == Condition.NEW
            if book_price is not None and new_book:
                price = book_price  # the fixed book price: no seller sets its own, none reduces it
            stock = (
                rng.choice((1, 1, 2)) if private else rng.choices((0, 3, 12, 40), weights=(5, 40, 40, 15))[0]
            )
            if stock > 1:
                stock = rng.randint(1, stock)
            offer_id = w.next_id(Offer)
            created = max(since, self._ago(7, 540))
            lead = rng.randint(1, 4) if private else rng.randint(1, 10)
            w.add(
                Offer,
                (offer_id, self._uuid(), seller_id, variant_id, condition, f"SKU-{offer_id:08d}", price,
                 "EUR", stock, lead, Offer.Status.ACTIVE, created, created),
            )  # fmt: skip
            if not new_book and (self.now - created).days > 45 and rng.random() < self.scale.reduction_share:
                # A genuine reduction: a higher price for weeks, then the current one, a few days ago.
                # At least a euro more: rounding to .90/.99 must not eat the reduction of cheap items.
                earlier = _price(rng, max(price * rng.uniform(1.15, 1.45), price + 100))
                w.add(PriceHistory, (w.next_id(PriceHistory), offer_id, earlier, "EUR", created))
                w.add(PriceHistory, (w.next_id(PriceHistory), offer_id, price, "EUR", self._ago(2, 10)))
                counts["reductions"] += 1
            else:
                w.add(PriceHistory, (w.next_id(PriceHistory), offer_id, price, "EUR", created))
            counts["offers"] += 1
        return wanted

    # -- images, at demo scale: drawn with Pillow, stored through the catalog service

    def _images(self) -> None:
        from django.core.files.base import ContentFile

        from galerie.seeding.images import product_picture

        products = list(
            Product.objects.filter(pk__gte=self._first_product_id())
            .select_related("brand", "category", "product_type")
            .order_by("pk")
        )
        self.progress.phase("Product images", len(products))
        theme = {d.storefront.pk: d.domain.theme for d in self.domains}
        scope = {leaf.category_id: state.storefront.pk for state in self.domains for leaf in state.leaves}
        for product in products:
            picture = product_picture(product, theme[scope[product.category_id]], seed=self.seed)
            catalog.product_image_add(
                product=product, upload=ContentFile(picture, name=f"{product.slug}.jpg")
            )
            self.progress.advance(1)
        self.summary.counts["images"] = len(products)

    def _first_product_id(self) -> int:
        return self.writer.next_ids[Product] - self.summary.counts["products"]


# ---------------------------------------------------------------- products by type


def _book(rng: random.Random, leaf: _Leaf, brand: str) -> tuple[str, dict, str]:
    english = rng.random() < 0.12
    if english:
        title = f"{rng.choice(words.BOOK_HEADS_EN)} {rng.choice(words.BOOK_TAILS_EN)}"
    else:
        title = f"{rng.choice(words.BOOK_HEADS_FR)} {rng.choice(words.BOOK_TAILS_FR)}"
    if leaf.slug == "cuisine":
        title = (
            rng.choice(("Saveurs", "Cuisine", "Recettes", "Tables"))
            + " "
            + rng.choice(("de saison", "du marché", "de Provence", "d'automne", "végétales", "de bistrot"))
        )
    elif leaf.slug == "bandes-dessinees":
        title = f"{title}, tome {rng.randint(1, 12)}"
    author = _name(rng)
    attributes = {
        "author": author,
        "pages": rng.randint(48, 780),
        "language": "anglais" if english else "français",
        "year": rng.randint(1960, 2026),
    }
    description = (
        f"{title}, par {author}. Publié par {brand} en {attributes['year']}, {attributes['pages']} pages. "
        "Un livre vendu par les libraires et bouquinistes de la galerie, neuf ou d'occasion."
    )
    return title, attributes, description


def _music(rng, leaf, brand):
    artist = _name(rng) if rng.random() < 0.6 else f"Les {rng.choice(words.ALBUM_WORDS)}"
    title = f"{rng.choice(words.ALBUM_WORDS)} — {artist}"
    year = rng.randint(1965, 2026)
    return title, {"artist": artist, "year": year}, f"L'album {title}, paru chez {brand} en {year}."


def _film(rng, leaf, brand):
    title = rng.choice(words.FILM_WORDS) + rng.choice(("", "", " (version restaurée)", " — l'intégrale"))
    director = _name(rng)
    year = rng.randint(1950, 2026)
    attributes = {"director": director, "duration": rng.randint(78, 185), "year": year}
    return title, attributes, f"Un film de {director} ({year}), édité par {brand}."


def _game(rng, leaf, brand):
    title = rng.choice(words.GAME_WORDS) + rng.choice(("", "", " : l'extension", " Junior"))
    low = rng.randint(1, 3)
    attributes = {"players": f"{low}–{low + rng.randint(1, 4)}", "age": rng.choice((6, 8, 10, 12, 14)),
                  "duration": rng.choice((20, 30, 45, 60, 90))}  # fmt: skip
    return title, attributes, f"{title}, un jeu {brand} pour {attributes['players']} joueurs."


def _laptop(rng, leaf, brand):
    screen = rng.choice(("13.3", "14", "15.6", "16", "17.3"))
    title = f"PC portable {brand} {rng.choice(words.TECH_LINES)} {screen.split('.')[0]}"
    attributes = {"screen": screen, "processor": rng.choice(words.PROCESSORS), "ram": rng.choice((8, 16, 32))}
    return title, attributes, f"{title} : écran {screen} pouces, {attributes['ram']} Go de mémoire vive."


def _monitor(rng, leaf, brand):
    screen = rng.choice(("24", "27", "31.5", "34"))
    resolution = rng.choice(("Full HD", "QHD", "4K"))
    title = f'Écran {brand} {rng.choice(words.TECH_LINES)} {screen.split(".")[0]}" {resolution}'
    attributes = {"screen": screen, "resolution": resolution, "refresh": rng.choice((60, 75, 144, 165))}
    return title, attributes, f"{title}, {attributes['refresh']} Hz."


def _phone_product(rng, leaf, brand):
    title = f"Smartphone {brand} {rng.choice(words.TECH_LINES)} {rng.randint(5, 16)}"
    attributes = {"screen": rng.choice(("6.1", "6.4", "6.7")), "camera": rng.choice((48, 50, 64, 108))}
    return (
        title,
        attributes,
        f"{title} : écran {attributes['screen']} pouces, capteur {attributes['camera']} Mpx.",
    )


def _tv(rng, leaf, brand):
    size, panel = rng.choice((43, 50, 55, 65, 75)), rng.choice(("LED", "QLED", "OLED"))
    resolution = "4K" if size < 75 or rng.random() < 0.7 else "8K"
    title = f'Téléviseur {panel} {brand} {size}" {resolution}'
    return title, {"screen": size, "resolution": resolution, "panel": panel}, f"{title}, {size} pouces."


def _audio(rng, leaf, brand):
    wireless = rng.random() < 0.8
    kind = rng.choice(("Casque", "Écouteurs"))
    title = f"{kind} {'sans fil ' if wireless else ''}{brand} {rng.choice(words.TECH_LINES)}"
    attributes = {"wireless": wireless, "battery": rng.choice((20, 30, 40, 60)) if wireless else 0}
    return title, attributes, f"{title}."


def _appliance(rng, leaf, brand):
    kind = rng.choice(words.APPLIANCES[leaf.slug])
    title = f"{kind} {brand} {rng.choice('WXKRT')}{rng.randint(100, 999)}"
    if leaf.slug == "lave-linge":
        capacity = rng.choice((7, 8, 9, 10))
    else:
        capacity = rng.choice((250, 300, 350, 450, 600))
    attributes = {"energy_class": rng.choice("ABCDE"), "capacity": capacity, "noise": rng.randint(34, 52)}
    return title, attributes, f"{title}, classe énergétique {attributes['energy_class']}."


def _small_appliance(rng, leaf, brand):
    title = f"{rng.choice(words.APPLIANCES['petit-electromenager'])} {brand} {rng.choice(words.TECH_LINES)}"
    return title, {"power": rng.choice((600, 900, 1200, 1500, 2200))}, f"{title}."


def _craft(rng, leaf, brand):
    thing = rng.choice(words.CRAFT_OBJECTS[leaf.slug])
    title = f"{rng.choice(words.CRAFT_ADJECTIVES)} {thing}"
    material = rng.choice(words.MATERIALS[leaf.slug].split("|"))
    attributes = {"material": material, "dimensions": f"{rng.randint(6, 40)} × {rng.randint(6, 40)} cm"}
    return title, attributes, f"{title} in {material}, made in small batches by {brand}."


def _jewellery(rng, leaf, brand):
    metal = rng.choice(("sterling silver", "gold-plated", "brass"))
    title = f"{metal.capitalize()} {rng.choice(words.CRAFT_OBJECTS[leaf.slug])}"
    return title, {"metal": metal, "handmade": True}, f"{title}, designed and finished by hand at {brand}."


def _print(rng, leaf, brand):
    title = f"{rng.choice(words.CRAFT_OBJECTS[leaf.slug]).capitalize()} No. {rng.randint(1, 40)}"
    attributes = {
        "paper": rng.choice(words.MATERIALS[leaf.slug].split("|")),
        "edition": rng.choice((30, 50, 100)),
    }
    return title, attributes, f"{title}, an edition of {attributes['edition']} by {brand}."


def _stationery(rng, leaf, brand):
    title = f"A5 {rng.choice(words.CRAFT_OBJECTS[leaf.slug])}"
    attributes = {"pages": rng.choice((96, 128, 192, 240)), "paper_weight": rng.choice((90, 100, 120))}
    return (
        title,
        attributes,
        f"{title}, {attributes['pages']} pages of {attributes['paper_weight']} g/m² paper.",
    )


# Product safety data (GPSR): the brand as manufacturer, in the EU or (one in six) outside it
# with an EU responsible person; warnings by product type in both languages.
_MAKER_PLACES = [
    ("FR", "12 rue de la Manufacture, 69007 Lyon"),
    ("FR", "4 avenue de l'Industrie, 59650 Villeneuve-d'Ascq"),
    ("DE", "Industriestraße 21, 70565 Stuttgart"),
    ("IT", "Via dell'Artigianato 8, 20151 Milano"),
    ("ES", "Calle de la Fábrica 17, 08018 Barcelona"),
    ("NL", "Fabrieksweg 3, 5652 AB Eindhoven"),
]
_FAR_PLACES = [
    ("CN", "88 Keji Road, Nanshan District, Shenzhen 518057"),
    ("US", "500 Market Street, San Francisco, CA 94105"),
    ("JP", "2-1-1 Nihonbashi, Chuo-ku, Tokyo 103-0027"),
]
_EU_REPRESENTATIVE = {
    "responsible_name": "Galerie Conformité SAS",
    "responsible_address": "25 rue du Commerce, 75015 Paris",
    "responsible_country": "FR",
    "responsible_contact": "gpsr@conformite.example",
}
_WARNINGS = {
    "electric": (
        "Read the instructions before use. Connect only to a 230 V earthed socket; keep away from water.",
        "Lire la notice avant utilisation. Brancher uniquement sur une prise 230 V reliée à la terre ;"
        " tenir éloigné de l'eau.",
    ),
    "small": (
        "Contains small parts: not suitable for children under 3 years.",
        "Contient de petits éléments : ne convient pas aux enfants de moins de 3 ans.",
    ),
    "none": (
        "No particular hazard in normal use.",
        "Aucun danger particulier dans des conditions normales d'utilisation.",
    ),
}
_WARNING_OF_TYPE = {
    "portable": "electric", "ecran": "electric", "smartphone": "electric", "televiseur": "electric",
    "audio": "electric", "gros-electro": "electric", "petit-electro": "electric",
    "jewellery": "small", "craft": "small", "jeu": "small",
}  # fmt: skip


def _safety(rng: random.Random, brand: str, type_code: str) -> tuple:
    """The safety fields of a product (in SAFETY_FIELDS order), plausible and complete."""
    slug = re.sub(r"[^a-z0-9]+", "", brand.lower()) or "maker"
    far = rng.random() < 1 / 6
    country, address = rng.choice(_FAR_PLACES if far else _MAKER_PLACES)
    en, fr = _WARNINGS[_WARNING_OF_TYPE.get(type_code, "none")]
    values = {
        "manufacturer_name": brand,
        "manufacturer_address": address,
        "manufacturer_country": country,
        "manufacturer_contact": f"https://{slug}.example/contact",
        **(_EU_REPRESENTATIVE if far else {}),
        "safety_information": {"en": en, "fr": fr},
    }
    return tuple(values.get(name, "") for name in SAFETY_FIELDS)


_PRODUCT_MAKERS: dict[str, Callable[[random.Random, _Leaf, str], tuple[str, dict, str]]] = {
    "livre": _book,
    "musique": _music,
    "film": _film,
    "jeu": _game,
    "portable": _laptop,
    "ecran": _monitor,
    "smartphone": _phone_product,
    "televiseur": _tv,
    "audio": _audio,
    "gros-electro": _appliance,
    "petit-electro": _small_appliance,
    "craft": _craft,
    "jewellery": _jewellery,
    "print": _print,
    "stationery": _stationery,
}

# Variant axes per product type: (attribute code, [(value, price factor)]).
_AXES: dict[str, list[tuple[str, list[tuple[str, float]]]]] = {
    "livre": [("format", [("broché", 1.0), ("poche", 0.45), ("relié", 1.5)])],
    "musique": [("format", [("CD", 1.0), ("vinyle", 1.8)])],
    "film": [("format", [("DVD", 1.0), ("Blu-ray", 1.3), ("4K Ultra HD", 1.7)])],
    "portable": [("storage", [("256 Go", 1.0), ("512 Go", 1.12), ("1 To", 1.28)])],
    "smartphone": [
        ("storage", [("128 Go", 1.0), ("256 Go", 1.15), ("512 Go", 1.35)]),
        ("colour", [("noir", 1.0), ("blanc", 1.0), ("bleu", 1.0), ("vert", 1.0)]),
    ],
    "audio": [("colour", [("noir", 1.0), ("blanc", 1.0), ("sable", 1.0)])],
    "petit-electro": [("colour", [("noir", 1.0), ("inox", 1.1), ("rouge", 1.0)])],
    "craft": [("colour", [("natural", 1.0), ("sage", 1.0), ("ochre", 1.0), ("ink", 1.0)])],
    "print": [("size", [("A4", 1.0), ("A3", 1.5), ("50 × 70 cm", 2.4)])],
    "stationery": [("colour", [("terracotta", 1.0), ("navy", 1.0), ("olive", 1.0)])],
}


# One variant per product of these types: a book's format is its own edition (ISBN, publisher's price).
_ONE_VARIANT = {"livre"}


def _variants(rng: random.Random, type_code: str) -> list[tuple[str, dict[str, Any], float]]:
    """Return (name, attributes, price factor) of each variant of a new product."""
    combos: list[tuple[str, dict[str, Any], float]] = [("", {}, 1.0)]
    for code, values in _AXES.get(type_code, []):
        most = 1 if type_code in _ONE_VARIANT else min(len(values), 3 if len(combos) == 1 else 2)
        picked = rng.sample(values, rng.randint(1, most))
        picked.sort(key=values.index)
        combos = [
            (f"{name} · {value}" if name else value, {**attrs, code: value}, factor * value_factor)
            for name, attrs, factor in combos
            for value, value_factor in picked
        ]
    return combos


# ---------------------------------------------------------------- fingerprint


def fingerprint() -> str:
    """A digest of the marketplace's content by natural keys, timestamps and ids left out:
    two seeds of the same scale and seed give the same digest."""
    digest = hashlib.sha256()

    def feed(rows: Iterable[tuple[Any, ...]]) -> None:
        for row in rows:
            digest.update(repr(row).encode())

    feed(
        Storefront.objects.order_by("code").values_list("code", "name", "default_language", "colour_primary")
    )
    feed(Category.objects.order_by("path").values_list("path", "slug", "name"))
    feed(Brand.objects.order_by("slug").values_list("slug", "name"))
    feed(
        Seller.objects.order_by("slug").values_list(
            "slug", "kind", "legal_name", "phone", "iban", "trade_register_number", "vat_number", "city"
        )
    )
    feed(
        Product.objects.order_by("slug").values_list(
            "slug", "title", "brand__slug", "category__slug", "attributes", "description"
        )
    )
    feed(
        Variant.objects.order_by("product__slug", "position").values_list(
            "product__slug", "gtin", "attributes"
        )
    )
    feed(
        Offer.objects.order_by("seller_sku").values_list(
            "seller_sku", "seller__slug", "variant__gtin", "variant__product__slug", "condition",
            "price_minor", "stock", "lead_time_days",
        )
    )  # fmt: skip
    feed(
        PriceHistory.objects.order_by("offer__seller_sku", "valid_from").values_list(
            "offer__seller_sku", "price_minor"
        )
    )
    return digest.hexdigest()
