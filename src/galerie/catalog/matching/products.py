"""Product matching: is an incoming product one the catalog already has?

Signals, score and bounds are explained in docs/product-matching.md. In short: a valid GTIN
or ISBN found in the catalog is a match (score 1000) unless the brands plainly contradict each
other (then review); otherwise the candidate is compared with the products of its brand (brand
key equal): title token-set similarity and key attributes make a score from 0 to 1000; at or
above ``GALERIE_MATCH_UPPER`` it is a match, at or above ``GALERIE_MATCH_LOWER`` a review,
below it new.

A batch costs a fixed number of queries, whatever its size: brands missing their key (rows
written in bulk), the GTINs (one ``IN``), the brands (one ``IN`` on their indexed key), the
brands' products (at most ``GALERIE_MATCH_BRAND_CANDIDATES`` per brand, newest first), their
variants, the key attribute definitions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Literal

from django.conf import settings
from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber

from galerie.catalog.matching.normalise import attribute_value_key, brand_key, fold, identifier_key, tokens
from galerie.catalog.models import AttributeDefinition, Brand, Product, Variant

Decision = Literal["match", "review", "new"]

# The parts of the score (docs/product-matching.md): they add up to 1000.
BRAND_POINTS = 200
TITLE_POINTS = 600
ATTRIBUTE_POINTS = 200
GTIN_SCORE = 1000

# Names merchants' files give the usual key attributes, in French and English → the codes the
# seeded product types use; a catalog's own codes and names are matched as they are.
ATTRIBUTE_ALIASES: dict[str, tuple[str, ...]] = {
    "couleur": ("colour",), "color": ("colour",), "coloris": ("colour",),
    "capacite": ("capacity", "storage"), "stockage": ("storage",), "memoire": ("storage", "ram"),
    "taille": ("size",), "pointure": ("size",), "auteur": ("author",), "auteurs": ("author",),
    "artiste": ("artist",), "realisateur": ("director",), "support": ("format",),
}  # fmt: skip


def upper_bound() -> int:
    """Return the score from which a candidate is matched without review (default 850)."""
    return int(getattr(settings, "GALERIE_MATCH_UPPER", 850))


def lower_bound() -> int:
    """Return the score from which a candidate goes to review rather than new (default 600)."""
    return int(getattr(settings, "GALERIE_MATCH_LOWER", 600))


def brand_candidates_limit() -> int:
    """Return how many products of one brand a batch compares at most (the newest)."""
    return int(getattr(settings, "GALERIE_MATCH_BRAND_CANDIDATES", 2000))


@dataclass(frozen=True)
class ProductCandidate:
    """An incoming product: what a bundle or a merchant's file says about it. Every field may be empty."""

    gtin: str = ""
    mpn: str = ""
    brand: str = ""
    title: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    category_path: tuple[str, ...] = ()
    image_url: str = ""  # shown to the reviewer as an address, never fetched by the matcher

    def as_dict(self) -> dict[str, Any]:
        """Return the candidate as JSON-ready data (what a MatchReview stores)."""
        data = asdict(self)
        data["attributes"] = {str(k): v for k, v in dict(self.attributes).items()}
        data["category_path"] = list(self.category_path)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProductCandidate:
        return cls(
            gtin=str(data.get("gtin") or ""),
            mpn=str(data.get("mpn") or ""),
            brand=str(data.get("brand") or ""),
            title=str(data.get("title") or ""),
            attributes=dict(data.get("attributes") or {}),
            category_path=tuple(data.get("category_path") or ()),
            image_url=str(data.get("image_url") or ""),
        )


@dataclass(frozen=True)
class Reason:
    """One signal: its code, whether it agreed (True), disagreed (False) or was missing (None)."""

    signal: str  # gtin, brand, title, attributes, attribute:<code>
    agrees: bool | None
    detail: str = ""  # values only (a GTIN, "128 Go / 128GB", a similarity): no words to translate
    points: int = 0
    note: str = ""  # why, as a stable code: invalid, not_in_catalog, no_brand, brand_unknown, no_close_title

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MatchResult:
    """The matcher's answer for one candidate."""

    decision: Decision
    score: int
    product: Product | None = None
    variant: Variant | None = None
    reasons: tuple[Reason, ...] = ()

    def reasons_as_dicts(self) -> list[dict[str, Any]]:
        return [reason.as_dict() for reason in self.reasons]


def _decide(score: int) -> Decision:
    if score >= upper_bound():
        return "match"
    return "review" if score >= lower_bound() else "new"


def title_similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Return the token-set similarity of two titles' words: Dice's coefficient, 2|A∩B| / (|A|+|B|).

    Word order does not count; a word missing on one side costs less than with Jaccard's
    |A∩B| / |A∪B| ("iphone 13" against "iphone 13 pro" is 0.8, not 0.67).
    """
    left, right = set(a), set(b)
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


def brands_contradict(a: str, b: str) -> bool:
    """Say whether two brand keys plainly name different brands: both given, no word in common."""
    return bool(a and b) and not set(a.split()) & set(b.split())


@lru_cache(maxsize=65_536)
def _catalog_title_words(title: str, brand: str) -> frozenset[str]:
    """A catalog title's words, remembered: the batches of one import meet a brand's titles
    again and again (tokenising is most of the matcher's time)."""
    return frozenset(_title_words(title, brand))


def _title_words(title: str, brand: str) -> list[str]:
    """A title's words less its brand's: "Samsung Galaxy S21" and "Galaxy S21" are the same title."""
    brand_words = set(brand.split())
    return [word for word in tokens(title) if word not in brand_words]


def _key_attributes(
    definitions: list[AttributeDefinition],
    candidate: Mapping[str, Any],
    product: Product,
    variant: Variant | None,
) -> tuple[int, int, list[Reason]]:
    """Compare the key attributes both sides give; return (agreeing, disagreeing, reasons)."""
    incoming = {fold(str(name)).strip(): value for name, value in candidate.items()}
    aliased = {code: value for name, value in incoming.items() for code in ATTRIBUTE_ALIASES.get(name, ())}
    agree = disagree = 0
    reasons: list[Reason] = []
    for definition in definitions:
        value = incoming.get(definition.code, incoming.get(fold(definition.name).strip()))
        if value is None:
            value = aliased.get(definition.code)
        source = (
            variant.attributes
            if variant is not None and definition.level == "variant"
            else product.attributes
        )
        stored = source.get(definition.code)
        if value in (None, "") or stored in (None, ""):
            continue
        same = attribute_value_key(value) == attribute_value_key(stored)
        agree, disagree = agree + same, disagree + (not same)
        reasons.append(Reason(f"attribute:{definition.code}", same, f"{value} / {stored}"))
    return agree, disagree, reasons


def _attribute_points(agree: int, disagree: int) -> int:
    """Half the attribute points with nothing to compare; all when all agree; a disagreement
    costs three agreements (a 64 GB phone is not the 128 GB one), down to minus the whole part."""
    compared = agree + disagree
    if not compared:
        return ATTRIBUTE_POINTS // 2
    half = ATTRIBUTE_POINTS // 2
    return max(-ATTRIBUTE_POINTS, half + round(half * (agree - 3 * disagree) / compared))


def _score_product(
    candidate: ProductCandidate,
    words: list[str],
    product: Product,
    product_words: list[str],
    definitions: list[AttributeDefinition],
) -> tuple[int, Variant | None, list[Reason]]:
    """Score one catalog product (and its best variant) against the candidate."""
    similarity = title_similarity(words, product_words)
    title_points = round(TITLE_POINTS * similarity)
    variants: list[Variant] = list(product.variants.all())
    best: tuple[int, Variant | None, list[Reason]] | None = None
    choices: list[Variant | None] = [*variants] or [None]
    for variant in choices:
        agree, disagree, attribute_reasons = _key_attributes(
            definitions, candidate.attributes, product, variant
        )
        attribute_points = _attribute_points(agree, disagree)
        score = max(0, min(1000, BRAND_POINTS + title_points + attribute_points))
        if best is None or score > best[0]:
            reasons = [
                Reason("brand", True, product.brand.name if product.brand else "", BRAND_POINTS),
                Reason("title", similarity >= 0.5, f"{similarity:.2f}", title_points),
                *attribute_reasons,
                Reason("attributes", None if not attribute_reasons else not disagree, "", attribute_points),
            ]
            best = (score, variant, reasons)
    assert best is not None
    score, chosen, reasons = best
    telling = {f"attribute:{d.code}" for d in definitions if d.level == AttributeDefinition.Level.VARIANT}
    if len(variants) > 1 and not any(r.signal in telling and r.agrees for r in reasons):
        chosen = None  # nothing tells the variants apart: the product is proposed, not one of them
    return score, chosen, reasons


def brands_missing_keys_fill() -> None:
    """Give their key to brands written in bulk (``bulk_create`` skips ``save``): one query that
    finds none, usually; after a bulk load, a few more the first time only."""
    while missing := list(Brand.objects.filter(match_key="").exclude(name="").only("id", "name")[:5000]):
        for brand in missing:
            brand.match_key = brand_key(brand.name)
        Brand.objects.bulk_update(missing, ["match_key"], batch_size=1000)
        if any(not brand.match_key for brand in missing):
            break  # a name with nothing to keep ("—"): its key stays empty, nothing to retry


def _shortlist(words: list[str], titles: list[tuple[int, frozenset[str]]]) -> list[tuple[float, int]]:
    """Return the products of the brand whose title could bring the score to the lower bound,
    best title first, at most SHORTLIST of them: only those are scored on their attributes."""
    needed = (lower_bound() - BRAND_POINTS - ATTRIBUTE_POINTS) / TITLE_POINTS
    own = frozenset(words)
    size = len(own)
    found = [
        (sim, pk)
        for pk, title in titles
        if (shared := len(own & title)) and (sim := 2 * shared / (size + len(title))) >= needed
    ]
    found.sort(key=lambda pair: (-pair[0], -pair[1]))
    return found[:SHORTLIST]


SHORTLIST = 5  # products per candidate scored in full, the best titles first


def products_match(candidates: list[ProductCandidate]) -> list[MatchResult]:
    """Match a batch of candidates against the catalog, in a fixed number of queries; one result
    per candidate, in their order. Reads only (the brands' keys filled in apart)."""
    if not candidates:
        return []
    brands_missing_keys_fill()
    gtins = [identifier_key(c.gtin) if c.gtin else None for c in candidates]
    by_gtin: dict[str, Variant] = {}
    wanted = sorted({g for g in gtins if g})
    if wanted:
        by_gtin = {
            v.gtin: v
            for v in Variant.objects.filter(gtin__in=wanted).select_related("product__brand")
            if v.gtin is not None
        }
    brand_keys = [brand_key(c.brand) if c.brand else "" for c in candidates]
    # Only the candidates no GTIN settles need their brand's products.
    looked_up = {
        key for key, gtin in zip(brand_keys, gtins, strict=True) if key and not (gtin and gtin in by_gtin)
    }
    titles_by_key: dict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
    if looked_up:
        brand_ids = dict(Brand.objects.filter(match_key__in=sorted(looked_up)).values_list("id", "match_key"))
        if brand_ids:
            ranked = Product.objects.filter(brand_id__in=list(brand_ids)).annotate(
                rank=Window(RowNumber(), partition_by=[F("brand_id")], order_by=F("id").desc())
            )
            for pk, brand_id, title in ranked.filter(rank__lte=brand_candidates_limit()).values_list(
                "id", "brand_id", "title"
            ):
                key = brand_ids[brand_id]
                titles_by_key[key].append((pk, _catalog_title_words(title, key)))
    shortlists: list[list[tuple[float, int]]] = []
    for candidate, gtin, key in zip(candidates, gtins, brand_keys, strict=True):
        settled = (gtin and gtin in by_gtin) or not key
        words = [] if settled else _title_words(candidate.title, key)
        shortlists.append(_shortlist(words, titles_by_key.get(key, [])) if words else [])
    products: dict[int, Product] = {}
    definitions: dict[int, list[AttributeDefinition]] = defaultdict(list)
    if shortlisted := sorted({pk for shortlist in shortlists for _, pk in shortlist}):
        products = {
            product.pk: product
            for product in Product.objects.filter(pk__in=shortlisted)
            .select_related("brand")
            .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("position", "id")))
        }
        type_ids = {p.product_type_id for p in products.values()}
        for definition in AttributeDefinition.objects.filter(product_type_id__in=type_ids, is_key=True):
            definitions[definition.product_type_id].append(definition)
    return [
        _match_one(
            candidate, gtin, key, by_gtin, bool(titles_by_key.get(key)), shortlist, products, definitions
        )
        for candidate, gtin, key, shortlist in zip(candidates, gtins, brand_keys, shortlists, strict=True)
    ]


def product_match(candidate: ProductCandidate) -> MatchResult:
    """Match one candidate against the catalog (see :func:`products_match`)."""
    return products_match([candidate])[0]


def _match_one(
    candidate: ProductCandidate,
    gtin: str | None,
    key: str,
    by_gtin: dict[str, Variant],
    brand_known: bool,
    shortlist: list[tuple[float, int]],
    products: dict[int, Product],
    definitions: dict[int, list[AttributeDefinition]],
) -> MatchResult:
    reasons: list[Reason] = []
    if candidate.gtin and gtin is None:
        reasons.append(Reason("gtin", False, candidate.gtin, note="invalid"))
    if gtin and (variant := by_gtin.get(gtin)) is not None:
        product = variant.product
        stored_brand = brand_key(product.brand.name) if product.brand else ""
        if brands_contradict(key, stored_brand):
            reasons += [
                Reason("gtin", True, gtin, GTIN_SCORE),
                Reason("brand", False, f"{candidate.brand} / {product.brand.name if product.brand else ''}"),
            ]
            return MatchResult("review", GTIN_SCORE, product, variant, tuple(reasons))
        reasons.append(Reason("gtin", True, gtin, GTIN_SCORE))
        if key and stored_brand:
            reasons.append(Reason("brand", True, product.brand.name if product.brand else ""))
        return MatchResult("match", GTIN_SCORE, product, variant, tuple(reasons))
    if gtin:
        reasons.append(Reason("gtin", None, gtin, note="not_in_catalog"))
    if not key:
        reasons.append(Reason("brand", None, note="no_brand"))
        return MatchResult("new", 0, None, None, tuple(reasons))
    if not brand_known:
        reasons.append(Reason("brand", None, candidate.brand, note="brand_unknown"))
        return MatchResult("new", 0, None, None, tuple(reasons))
    if not shortlist:
        reasons.append(Reason("title", False, note="no_close_title"))
        return MatchResult("new", 0, None, None, tuple(reasons))
    words = _title_words(candidate.title, key)
    best: tuple[int, Product, Variant | None, list[Reason]] | None = None
    for _similarity, pk in shortlist:
        product = products[pk]
        score, variant, product_reasons = _score_product(
            candidate,
            words,
            product,
            _title_words(product.title, key),
            definitions.get(product.product_type_id, []),
        )
        if best is None or score > best[0]:
            best = (score, product, variant, product_reasons)
    assert best is not None
    score, product, variant, product_reasons = best
    decision = _decide(score)
    if decision == "new":
        return MatchResult("new", score, None, None, tuple(reasons + product_reasons))
    return MatchResult(decision, score, product, variant, tuple(reasons + product_reasons))
