"""A storefront with every kind of row a bundle carries, and a helper that empties the database."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from PIL import Image

from galerie.catalog import services as catalog
from galerie.catalog.models import Product
from galerie.core.money import Money
from galerie.ledger.models import CommissionOverride, CommissionPlan
from galerie.offers.services import offer_price_set
from galerie.orders.models import OrderLine, SellerOrder
from galerie.portability.export import storefront_export
from galerie.reviews.models import Review
from galerie.reviews.services import review_create, review_hide, review_reply, review_requests_send
from galerie.storefronts.models import StorefrontRedirect
from tests.factories import (
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_product_type,
    make_seller,
    make_storefront,
    make_user,
    make_variant,
)
from tests.notifications.orders import make_order


def png(colour: str = "red") -> ContentFile:
    data = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(data, format="PNG")
    return ContentFile(data.getvalue(), name="picture.png")


def build_world() -> dict[str, Any]:
    """A storefront with hosts, theme, scope (a subtree three deep), a commission plan and
    overrides, products with variants, attributes, brands and images, two sellers with offers
    and price history, a consenting and a non-consenting customer, an order with two seller
    orders (the second with two lines), another order, three reviews (published, hidden, with a
    reply), and an old path that redirects."""
    root = make_category("Books")
    child = make_category("Novels", parent=root)
    leaf = make_category("Adventure", parent=child)
    sibling = make_category("Poetry", parent=root)
    make_category("Elsewhere")  # out of scope: not in the bundle
    storefront = make_storefront(
        scope=[root], hosts=["books.example.test", "www.books.example.test"], tagline="Read on"
    )
    CommissionPlan.objects.create(storefront=storefront, rate_bp=1200, fixed_fee_minor=30, on_shipping=True)
    brand = catalog.brand_create(name="Hetzel")
    product_type = make_product_type()
    novel = make_product(category=leaf, product_type=product_type, brand=brand, title="Vingt mille lieues")
    poems = make_product(category=sibling, product_type=product_type, title="Les Fleurs du mal")
    paperback = make_variant(product=novel, name="Paperback")
    hardcover = make_variant(product=novel, name="Hardcover", attributes={"format": "hardcover"})
    poems_variant = make_variant(product=poems)
    catalog.product_image_add(product=novel, upload=png("red"), alt="Cover")
    catalog.product_image_add(product=novel, upload=png("blue"), alt="Back")
    first = make_seller(storefronts=[storefront], display_name="Librairie Martin")
    second = make_seller(storefronts=[storefront], kind="private", display_name="Marie")
    CommissionOverride.objects.create(storefront=storefront, seller=first, rate_bp=900)
    CommissionOverride.objects.create(storefront=storefront, category=child, rate_bp=800)
    offer_a = make_offer(seller=first, variant=paperback, price_minor=2000)
    # A reduction: the prior price (Omnibus) is read from the price history.
    offer_price_set(
        offer_id=offer_a.pk, price=Money(1500, "EUR"), by=TESTS, at=timezone.now() + timedelta(seconds=1)
    )
    offer_b = make_offer(seller=second, variant=hardcover, price_minor=3500, condition="used")
    offer_c = make_offer(seller=second, variant=poems_variant, price_minor=1200)
    offer_a.refresh_from_db()
    consenting = make_user(email="anne@example.test", full_name="Anne Martin", transfer_consent=True)
    paul = make_user(email="paul@example.test", full_name="Paul Durand")
    order = make_order(
        storefront=storefront, lines=[(offer_a, 2), (offer_b, 1), (offer_c, 1)], email="anne@example.test"
    )
    other = make_order(storefront=storefront, lines=[(offer_a, 1)], email="paul@example.test")
    reviews = write_reviews(order, other, consenting, paul, first, offer_b)
    StorefrontRedirect.objects.create(
        storefront=storefront, old_path="p/vingt-mille-lieues-old/", new_path=f"p/{novel.slug}/"
    )
    return {
        "storefront": storefront,
        "novel": novel,
        "order": order,
        "consenting": consenting,
        "sellers": (first, second),
        "reviews": reviews,
    }


def write_reviews(order, other, anne, paul, first, offer_b) -> dict[str, Review]:
    """Both orders delivered ten days ago and asked for a review; Anne's review of her novel with
    the seller's reply, her review of the hardcover hidden with a reason, Paul's of his novel
    (Paul did not consent to the transfer: his name must not travel)."""
    now = timezone.now()
    SellerOrder.objects.filter(order__in=[order, other]).update(
        status=SellerOrder.Status.DELIVERED, delivered_at=now - timedelta(days=10)
    )
    assert review_requests_send(now=now) == 3
    line_a = order.seller_orders.get(seller=first).lines.get()
    line_b = OrderLine.objects.get(seller_order__order=order, offer=offer_b)
    replied = review_create(
        customer=anne,
        order_line_id=line_a.pk,
        product_stars=5,
        seller_stars=4,
        title="Superbe",
        text="Bien\nlu.",
    )
    review_reply(review_id=replied.pk, seller=first, text="Merci Anne !")
    hidden = review_create(
        customer=anne, order_line_id=line_b.pk, product_stars=1, seller_stars=2, text="Nul"
    )
    review_hide(review_id=hidden.pk, by=TESTS, reason="Not about the product")
    published = review_create(
        customer=paul,
        order_line_id=other.seller_orders.get().lines.get().pk,
        product_stars=3,
        seller_stars=5,
        title="Correct",
    )
    return {"replied": replied, "hidden": hidden, "published": published}


def wipe_database() -> None:
    """Empty every table of the project: an empty installation."""
    tables = [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    # One transaction: a transactional test (the browser's) runs in autocommit, where SQLite would
    # check each table's foreign keys at once instead of at the end.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # TRUNCATE refuses while deferred checks are pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=True):
            cursor.execute(sql)


def build_merging(tmp_path: Path) -> dict[str, Any]:
    """The bundle of the world's storefront, and another installation with a catalog that
    overlaps it: the novel under its GTIN, the poems under a longer title of the same brand,
    the same first category, a category with the poems' slug but another name, a seller with
    the first seller's SIREN, an account with the consenting customer's address."""
    world = build_world()
    poems = Product.objects.get(title="Les Fleurs du mal")
    poems.brand = world["novel"].brand
    poems.save(update_fields=["brand"])
    paperback = world["novel"].variants.get(name="Paperback")
    bundle = tmp_path / "bundle"
    storefront_export(storefront=world["storefront"], path=bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    url_map = [json.loads(line) for line in (bundle / "url_map.jsonl").read_text().splitlines()]
    categories = [json.loads(line) for line in (bundle / "categories.jsonl").read_text().splitlines()]
    wipe_database()

    books = catalog.category_create(name="Books", slug=categories[0]["slug"])
    poetry_slug = next(c["slug"] for c in categories if c["name"] == "Poetry")
    catalog.category_create(name="Garden tools", slug=poetry_slug)  # the same slug, another category
    here_type = make_product_type()
    brand = catalog.brand_create(name="Hetzel")
    novel = make_product(category=books, product_type=here_type, brand=brand, title="20 000 lieues (Hetzel)")
    novel_variant = make_variant(product=novel, gtin=paperback.gtin, name="Poche")
    fleurs = make_product(
        category=books,
        product_type=here_type,
        brand=brand,
        title="Les Fleurs du mal illustrées édition collector",
    )
    fleurs_variant = make_variant(product=fleurs)
    shop = make_storefront(code="here", scope=[books])
    seller_here = make_seller(storefronts=[shop], display_name="Martin & fils")  # the same SIREN
    kept_offer = make_offer(seller=seller_here, variant=novel_variant, price_minor=1800)
    anne = make_user(email="anne@example.test", full_name="Anne M.")
    return {
        "bundle": bundle,
        "manifest": manifest,
        "url_map": url_map,
        "novel": novel,
        "novel_variant": novel_variant,
        "fleurs": fleurs,
        "fleurs_variant": fleurs_variant,
        "here": shop,
        "seller": seller_here,
        "kept_offer": kept_offer,
        "anne": anne,
        "code": manifest["storefront"],
        "operator": make_user(email="op@example.test", is_staff=True),
    }
