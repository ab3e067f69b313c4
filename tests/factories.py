"""Test data built through the services, so tests exercise the same rules as production."""

from __future__ import annotations

import itertools
from typing import Any

from stdnum import ean

from galerie.accounts.models import User
from galerie.catalog import services as catalog
from galerie.catalog.models import Category, Product, ProductType, Variant
from galerie.core.actors import System
from galerie.core.money import Money
from galerie.offers.models import Offer
from galerie.offers.services import offer_create
from galerie.sellers import services as sellers
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront
from galerie.storefronts.services import storefront_create, storefront_open

TESTS = System("tests")  # the actor of the writes that set a test's scene
_seq = itertools.count(1)

VALID_IDENTITY = {
    "legal_name": "Librairie Martin SARL",
    "email": "contact@librairie-martin.test",
    "phone": "01 42 68 53 00",
    "address_line1": "12 rue des Écoles",
    "postal_code": "75005",
    "city": "Paris",
    "country": "FR",
    "id_document_reference": "Passport 19AB12345",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "trade_register_number": "732 829 320",
    "vat_number": "FR44732829320",
}


# A product's complete safety data (GPSR): every product the factories make may be listed.
SAFE_PRODUCT = {
    "manufacturer_name": "Éditions Hetzel",
    "manufacturer_address": "18 rue Jacob, 75006 Paris",
    "manufacturer_country": "FR",
    "manufacturer_contact": "securite@hetzel.test",
    "safety_information": {"en": "No particular hazard.", "fr": "Aucun danger particulier."},
}


def gtin13(prefix: str = "340") -> str:
    """Return a new valid EAN-13 (unique within a test run)."""
    body = f"{prefix}{next(_seq):09d}"[:12]
    return body + ean.calc_check_digit(body)


def make_user(**fields: Any) -> User:
    n = next(_seq)
    return User.objects.create_user(
        email=fields.pop("email", f"user{n}@example.test"),
        password=fields.pop("password", "a-long-test-password"),
        **fields,
    )


def make_category(name: str | None = None, parent: Category | None = None) -> Category:
    n = next(_seq)
    return catalog.category_create(name=name or f"Category {n}", parent=parent, slug=f"category-{n}")


def make_storefront(*, scope: list[Category] | None = None, open_: bool = True, **fields: Any) -> Storefront:
    n = next(_seq)
    storefront = storefront_create(
        code=fields.pop("code", f"shop{n}"),
        name=fields.pop("name", f"Shop {n}"),
        catalog_scope=scope or [],
        **fields,
    )
    if open_:
        storefront = storefront_open(storefront_id=storefront.pk)
    return storefront


def make_seller(
    *, storefronts: list[Storefront] = (), active: bool = True, kind: str = "trader", **identity: Any
) -> Seller:
    n = next(_seq)
    data = {**VALID_IDENTITY, "display_name": f"Seller {n}", **identity}
    if kind == "private":
        data.update(trade_register_number="", vat_number="")
    seller = sellers.seller_apply(
        kind=kind,
        identity=data,
        storefronts=storefronts or [make_storefront()],
        certifies_compliance=kind == "trader",
        slug=f"seller-{n}",
    )
    if active:
        sellers.seller_approve(seller_id=seller.pk)
        sellers.seller_activate(seller_id=seller.pk)
        for admission in seller.admissions.all():
            sellers.seller_admission_decide(
                seller_id=seller.pk, storefront_id=admission.storefront_id, admit=True
            )
    seller.refresh_from_db()
    return seller


def make_product_type(**fields: Any) -> ProductType:
    n = next(_seq)
    return catalog.product_type_create(
        code=fields.pop("code", f"type-{n}"),
        name=fields.pop("name", f"Type {n}"),
        attributes=fields.pop(
            "attributes",
            [
                {"code": "author", "name": "Author", "kind": "text", "is_required": True},
                {"code": "pages", "name": "Pages", "kind": "integer"},
                {
                    "code": "format",
                    "name": "Format",
                    "kind": "choice",
                    "level": "variant",
                    "choices": ["paperback", "hardcover"],
                },
            ],
        ),
        **fields,
    )


def make_product(
    *, category: Category | None = None, product_type: ProductType | None = None, **fields: Any
) -> Product:
    n = next(_seq)
    product_type = product_type or make_product_type()
    return catalog.product_create(
        product_type=product_type,
        category=category or make_category(),
        title=fields.pop("title", f"Product {n}"),
        attributes=fields.pop(
            "attributes",
            {"author": "Jules Verne", "pages": 320}
            if product_type.attributes.filter(code="author").exists()
            else {},
        ),
        slug=fields.pop("slug", f"product-{n}"),
        safety=fields.pop("safety", SAFE_PRODUCT),
        **fields,
    )


def make_variant(*, product: Product | None = None, **fields: Any) -> Variant:
    product = product or make_product()
    attributes = fields.pop("attributes", None)
    if attributes is None:
        attributes = (
            {"format": "paperback"} if product.product_type.attributes.filter(code="format").exists() else {}
        )
    return catalog.variant_create(
        product=product, gtin=fields.pop("gtin", gtin13()), attributes=attributes, **fields
    )


def make_offer(
    *,
    seller: Seller | None = None,
    variant: Variant | None = None,
    price_minor: int = 1990,
    stock: int = 10,
    **fields: Any,
) -> Offer:
    return offer_create(
        by=TESTS,
        seller=seller or make_seller(),
        variant=variant or make_variant(),
        price=Money(price_minor, fields.pop("currency", "EUR")),
        stock=stock,
        **fields,
    )


def make_staff_member(seller: Seller, role: str = "owner", **user_fields: Any) -> User:
    """Return a new user working for ``seller`` with ``role`` (through the service)."""
    user = make_user(**user_fields)
    sellers.seller_member_add(seller=seller, user=user, role=role)
    return user


def make_bulk_variants(count: int, *, prefix: str = "377", per_product: int = 1000) -> list[Variant]:
    """Return ``count`` published variants with valid, distinct GTINs, written with bulk_create (fast)."""
    n = next(_seq)
    product_type, category = make_product_type(attributes=[]), make_category()
    products = Product.objects.bulk_create(
        Product(
            product_type=product_type,
            category=category,
            title=f"Bulk {n}-{i}",
            slug=f"bulk-{n}-{i}",
            **SAFE_PRODUCT,
        )
        for i in range(-(-count // per_product))
    )
    bodies = (f"{prefix}{n % 1000:03d}{i:06d}" for i in range(count))
    return Variant.objects.bulk_create(
        (
            Variant(product=products[i // per_product], gtin=body + ean.calc_check_digit(body))
            for i, body in enumerate(bodies)
        ),
        batch_size=5000,
    )


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF of blank A4 pages: what the upload checks (core/uploads.py) accept."""
    import io

    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    body = io.BytesIO()
    writer.write(body)
    return body.getvalue()


def picture_bytes(kind: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A real picture (JPEG, PNG or WebP) of one colour."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (180, 60, 40)).save(out, format=kind)
    return out.getvalue()
