"""Offers on sale of products that lack their safety data (GPSR): the operator's report.

Offers listed before Galerie checked the data stay on sale (nothing is deleted silently); this
report names each such product, what it lacks and how many open offers it has, so that the
operator completes the data in the back office or pauses them (``galerie product_safety
--pause``). New offers and re-activations are refused meanwhile (``offers.services``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q

from galerie.catalog.models import Product
from galerie.catalog.safety import SAFETY_FIELDS, product_safety_missing
from galerie.offers.models import Offer

OPEN = (Offer.Status.ACTIVE, Offer.Status.PAUSED)


@dataclass(frozen=True, slots=True)
class UnsafeListing:
    product_id: int
    slug: str
    title: str
    missing: list[str]
    active_offers: int
    paused_offers: int


def products_listed_without_safety_data(*, chunk: int = 2000) -> Iterator[UnsafeListing]:
    """Yield the products with open offers whose safety data is incomplete, by id; reads the
    products with open offers in chunks (a report, not a page)."""
    products = (
        Product.objects.filter(variants__offers__status__in=OPEN)
        .annotate(
            active=Count("variants__offers", filter=Q(variants__offers__status=Offer.Status.ACTIVE)),
            paused=Count("variants__offers", filter=Q(variants__offers__status=Offer.Status.PAUSED)),
        )
        .order_by("pk")
        .values("pk", "slug", "title", "active", "paused", *SAFETY_FIELDS)
    )
    for values in products.iterator(chunk_size=chunk):
        if missing := product_safety_missing(values):
            yield UnsafeListing(
                values["pk"], values["slug"], values["title"], missing, values["active"], values["paused"]
            )
