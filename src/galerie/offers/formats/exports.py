"""What Galerie writes in merchants' formats: a storefront's Google Merchant Center feed and a
seller's offers as the Shopify-like CSV the import reads back.

Both are streamed: rows are read by key ranges or a server-side cursor and written as they come,
so memory does not grow with the catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Count, Prefetch

from galerie.catalog.models import Product, ProductImage
from galerie.core.csvsafe import safe_writer
from galerie.offers.models import Condition, Offer
from galerie.offers.selectors.sellable import BUY_BOX_ORDER, CONDITION_ORDER, offers_sellable
from galerie.search.models import SearchEntry
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront, StorefrontHost

FEED_CHUNK = 500  # products per round of queries
GOOGLE_CONDITION = {
    Condition.NEW: "new",
    Condition.LIKE_NEW: "used",  # Google knows new, refurbished and used only
    Condition.REFURBISHED: "refurbished",
    Condition.USED: "used",
}
# The columns of Shopify's product CSV that the import reads, plus the offer's condition.
OFFER_COLUMNS = (
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Option1 Name", "Option1 Value",
    "Variant SKU", "Variant Inventory Qty", "Variant Price", "Variant Barcode", "Variant Condition",
    "Image Src", "Status",
)  # fmt: skip


def storefront_base_url(storefront: Storefront) -> str:
    """The storefront's address: its primary host, or the site's /s/<code>."""
    host = StorefrontHost.objects.filter(storefront=storefront).order_by("-is_primary", "host").first()
    if host is not None:
        return f"https://{host.host}"
    return f"{settings.GALERIE_SITE_URL}/s/{storefront.code}"


def _money(minor: int, currency: str) -> str:
    return f"{minor // 100}.{minor % 100:02d} {currency}"


def _listed_product_chunks(storefront: Storefront) -> Iterator[list[int]]:
    """The storefront's listed products' ids, by keyset ranges of FEED_CHUNK."""
    last = 0
    while True:
        ids = list(
            SearchEntry.objects.filter(storefront_id=storefront.pk, product_id__gt=last)
            .order_by("product_id")
            .values_list("product_id", flat=True)[:FEED_CHUNK]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def google_feed_write(*, storefront: Storefront, out: TextIO) -> int:
    """Write the storefront's Google Merchant Center feed (RSS 2.0, ``g:`` namespace); return the items.

    One item per variant with a buy box: its offer's price (VAT included, as the shop shows it),
    condition and availability; the product's title, description, brand, link and images.
    """
    base = storefront_base_url(storefront)
    media = (
        settings.MEDIA_URL
        if "://" in settings.MEDIA_URL
        else f"{settings.GALERIE_SITE_URL}{settings.MEDIA_URL}"
    )
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0">\n')
    out.write(f"<channel>\n<title>{escape(storefront.name)}</title>\n<link>{escape(base)}/</link>\n")
    out.write(f"<description>{escape(storefront.name)}</description>\n")
    count = 0
    for ids in _listed_product_chunks(storefront):
        products = {
            p.pk: p
            for p in Product.objects.filter(pk__in=ids)
            .annotate(variant_count=Count("variants"))
            .select_related("brand", "category")
            .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
        }
        best: dict[int, Any] = {}
        offers = (
            offers_sellable(storefront)
            .filter(variant__product_id__in=ids)
            .annotate(condition_rank=CONDITION_ORDER)
            .select_related("variant")
            .order_by("variant_id", *BUY_BOX_ORDER)
        )
        for offer in offers:
            best.setdefault(offer.variant_id, offer)
        for offer in sorted(
            best.values(), key=lambda o: (o.variant.product_id, o.variant.position, o.variant_id)
        ):
            product, variant = products[offer.variant.product_id], offer.variant
            several = product.variant_count > 1  # annotated
            link = f"{base}/p/{product.slug}/" + (f"?v={variant.uuid.hex}" if several else "")
            images = [f"{media}{image.image.name}" for image in product.images.all()]
            title = f"{product.title} — {variant.name}" if variant.name else product.title
            fields = [
                ("g:id", variant.uuid.hex),
                ("g:title", title[:150]),
                ("g:description", product.description[:5000]),
                ("g:link", link),
                ("g:image_link", images[0] if images else ""),
                *[("g:additional_image_link", url) for url in images[1:11]],
                ("g:availability", "in_stock"),
                ("g:price", _money(offer.price_minor, offer.currency)),
                ("g:condition", GOOGLE_CONDITION.get(Condition(offer.condition), "new")),
                ("g:brand", product.brand.name if product.brand else ""),
                ("g:gtin", variant.gtin or ""),
                ("g:identifier_exists", "yes" if variant.gtin else "no"),
                ("g:item_group_id", product.slug if several else ""),
                ("g:product_type", product.category.name),
            ]
            out.write("<item>\n")
            for tag, value in fields:
                if value:
                    out.write(f"  <{tag}>{escape(value)}</{tag}>\n")
            out.write("</item>\n")
            count += 1
    out.write("</channel>\n</rss>\n")
    return count


def seller_offers_write(*, seller: Seller, out: TextIO) -> int:
    """Write the seller's offers as the Shopify-like CSV the import reads; return the rows.

    Formula-looking cells are neutralised (core.csvsafe). One row per offer, grouped by product
    (its handle, the product's slug), the product's fields on its first row as Shopify writes them.
    """
    writer = safe_writer(out)
    writer.writerow(OFFER_COLUMNS)
    offers = Offer.objects.filter(seller=seller).exclude(status=Offer.Status.CLOSED)
    fields = (
        "variant__product_id", "variant__product__slug", "variant__product__title",
        "variant__product__description", "variant__product__brand__name", "variant__product__category__name",
        "variant__name", "variant__gtin", "seller_sku", "stock", "price_minor", "condition", "status",
    )  # fmt: skip
    last, count = 0, 0
    while True:  # keyset over the products, FEED_CHUNK at a time: memory stays flat
        ids = list(
            offers.filter(variant__product_id__gt=last)
            .order_by("variant__product_id")
            .values_list("variant__product_id", flat=True)
            .distinct()[:FEED_CHUNK]
        )
        if not ids:
            return count
        last, previous = ids[-1], None
        rows = offers.filter(variant__product_id__in=ids).order_by(
            "variant__product_id", "variant__position", "variant_id", "id"
        )
        for row in rows.values_list(*fields):
            (product_id, slug, title, description, brand, category, name, gtin, sku, stock, price, condition,
             status) = row  # fmt: skip
            first = product_id != previous
            previous = product_id
            writer.writerow(
                [
                    slug,
                    title if first else "",
                    description if first else "",
                    (brand or "") if first else "",
                    category if first else "",
                    ("Variant" if name else "Title") if first else "",
                    name or "Default Title",
                    sku,
                    stock,
                    f"{price // 100}.{price % 100:02d}",
                    gtin or "",
                    condition,
                    "",
                    status,
                ]
            )
            count += 1
