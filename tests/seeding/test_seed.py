"""`galerie seed`: deterministic, valid by the models' own rules, and the sizes it promises."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone
from stdnum import iban
from stdnum.fr import siren, tva

from galerie.accounts.models import User
from galerie.catalog.attributes import attributes_clean
from galerie.catalog.models import AttributeDefinition, Brand, Product, ProductImage, Variant
from galerie.catalog.safety import EU_COUNTRIES, SAFETY_FIELDS, product_safety_missing
from galerie.core.errors import full_clean
from galerie.core.identifiers import clean_gtin
from galerie.offers.models import Offer, PriceHistory
from galerie.offers.pricing import prior_price
from galerie.offers.selectors import offers_sellable
from galerie.seeding.accounts import demo_accounts_create
from galerie.seeding.generator import MarketplaceGenerator, Scale, fingerprint
from galerie.seeding.management.commands.seed import marketplace_reset
from galerie.seeding.writer import BulkWriter
from galerie.sellers.models import Seller, SellerAdmission, SellerMember
from galerie.storefronts.models import Storefront

pytestmark = pytest.mark.django_db

SMALL = Scale(sellers=14, brands=40, offers=250, images=False)


def _generate(seed: int, scale: Scale = SMALL) -> str:
    MarketplaceGenerator(scale=scale, seed=seed).run(BulkWriter(batch_size=97))
    return fingerprint()


def test_same_seed_gives_the_same_marketplace_and_another_seed_another():
    first = _generate(7)
    marketplace_reset()
    assert Offer.objects.count() == 0
    assert _generate(7) == first
    marketplace_reset()
    assert _generate(8) != first


def test_the_generated_rows_pass_the_models_own_validation():
    _generate(3)
    for seller in Seller.objects.all():
        full_clean(seller)
        iban.validate(seller.iban)
        if seller.kind == Seller.Kind.TRADER:
            siren.validate(seller.trade_register_number)
            tva.validate(seller.vat_number)
            assert seller.vat_number.endswith(seller.trade_register_number)
        else:
            assert seller.trade_register_number == "" and seller.compliance_certified_at is None
    definitions = {}
    for product in Product.objects.select_related("product_type"):
        schema = definitions.setdefault(product.product_type_id, list(product.product_type.attributes.all()))
        assert attributes_clean(schema, product.attributes, level=AttributeDefinition.Level.PRODUCT) == (
            product.attributes
        )
        full_clean(product)
    for variant in Variant.objects.select_related("product__product_type"):
        schema = definitions[variant.product.product_type_id]
        attributes_clean(schema, variant.attributes, level=AttributeDefinition.Level.VARIANT)
        if variant.gtin:
            assert clean_gtin(variant.gtin) == variant.gtin
        full_clean(variant)
    for offer in Offer.objects.all():
        full_clean(offer)
    # Every offer starts its price history with a row; none is negative or empty.
    assert set(PriceHistory.objects.values_list("offer_id", flat=True)) == set(
        Offer.objects.values_list("pk", flat=True)
    )


def test_private_sellers_sell_second_hand_and_makers_sell_new():
    _generate(5, Scale(sellers=40, brands=40, offers=400, images=False))
    private = Offer.objects.filter(seller__kind=Seller.Kind.PRIVATE)
    assert private.exists()
    assert not private.filter(condition="new").exists()
    makers = Offer.objects.filter(
        variant__product__product_type__code__in=["craft", "jewellery", "print", "stationery"]
    )
    assert makers.exists()
    assert set(makers.values_list("condition", flat=True)) == {"new"}


def test_demo_scale_has_the_promised_marketplace():
    out = io.StringIO()
    call_command("seed", scale="demo", stdout=out)
    summary = out.getvalue().strip().splitlines()[-1]
    assert (
        summary.startswith("Seeded scale demo (seed 1):") and "900 offers" in summary and "rows/s" in summary
    )

    storefronts = Storefront.objects.order_by("code")
    assert [s.code for s in storefronts] == ["atelier-onze", "pageplume", "topcircuit"]
    assert {s.status for s in storefronts} == {Storefront.Status.OPEN}
    assert {s.default_language for s in storefronts} == {"fr", "en"}
    assert all(s.hosts.exists() and s.catalog_scope.exists() for s in storefronts)
    assert Offer.objects.count() == 900
    assert Seller.objects.filter(status=Seller.Status.ACTIVE).count() == 30
    assert Brand.objects.count() == 90
    assert SellerMember.objects.filter(role="owner").count() == 30
    assert not SellerAdmission.objects.exclude(status=SellerAdmission.Status.ADMITTED).exists()
    for storefront in storefronts:
        assert offers_sellable(storefront).count() > 50, storefront.code
    # Several competing offers on the popular variants.
    per_variant = Counter(Offer.objects.values_list("variant_id", flat=True))
    assert max(per_variant.values()) >= 5
    assert sum(1 for n in per_variant.values() if n >= 3) >= 20
    # Genuine reductions exist, measured by the Omnibus rule over the price history.
    now = timezone.now()
    reduced = (
        Offer.objects.annotate(n=Count("price_history")).filter(n=2).prefetch_related("price_history")[:20]
    )
    assert reduced
    for offer in reduced:
        history = [(row.valid_from, row.price_minor) for row in offer.price_history.all()]
        assert prior_price(history, now) > offer.price_minor
    # Every product has its picture and thumbnail, stored through the storage API.
    assert ProductImage.objects.count() == Product.objects.count()
    image = ProductImage.objects.first()
    assert image.width == image.height == 640 and image.thumbnail.name.endswith(".webp")

    accounts = demo_accounts_create()
    roles = ["operator", "seller", "manager", "clerk", "applicant", "customer"]
    assert [role for role, _, _ in accounts] == roles
    shop = SellerMember.objects.get(user__email="seller@galerie.test", seller__kind="trader").seller
    staff = dict(
        SellerMember.objects.filter(seller=shop, user__email__endswith="@galerie.test").values_list(
            "user__email", "role"
        )
    )
    assert staff == {
        "seller@galerie.test": "owner",
        "manager@galerie.test": "manager",
        "clerk@galerie.test": "shipping_clerk",
    }
    applicant = SellerMember.objects.get(user__email="applicant@galerie.test").seller
    assert applicant.status == "applied" and applicant.admissions.get().status == "pending"
    assert demo_accounts_create() == accounts  # idempotent
    assert SellerMember.objects.filter(user__email__endswith="@galerie.test").count() == 4


def test_seed_refuses_to_overwrite_a_marketplace_without_reset():
    _generate(1)
    offers = Offer.objects.count()
    with pytest.raises(CommandError, match="already holds a marketplace"):
        call_command("seed", scale="demo", verbosity=0)
    assert Offer.objects.count() == offers


def test_reset_replaces_the_marketplace():
    _generate(1)
    call_command("seed", scale="demo", reset=True, verbosity=0)
    assert Offer.objects.count() == 900
    assert Storefront.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_demo_seller_gets_orders_through_the_real_checkout():
    from galerie.orders.models import SellerOrder
    from galerie.seeding.demo_orders import demo_orders_create

    _generate(1)
    demo_accounts_create()
    membership = SellerMember.objects.select_related("seller", "user").get(user__email="seller@galerie.test")
    customer = User.objects.get(email="customer@galerie.test")
    placed = demo_orders_create(seller=membership.seller, customer=customer, owner=membership.user)
    statuses = sorted(SellerOrder.objects.filter(seller=membership.seller).values_list("status", flat=True))
    assert placed == 4 and len(statuses) == 4
    assert statuses.count("shipped") == 1 and statuses.count("accepted") == 1
    assert statuses.count("delivered") == 1  # the customer confirmed receipt
    assert SellerOrder.objects.get(seller=membership.seller, status="delivered").delivered_at is not None
    assert demo_orders_create(seller=membership.seller, customer=customer, owner=membership.user) == 0


def test_every_seeded_product_has_complete_safety_data_so_the_demo_keeps_its_offers():
    # Given a seeded marketplace
    _generate(5)
    products = list(Product.objects.values("pk", *SAFETY_FIELDS))
    # Then every product may be listed (GPSR), some made outside the EU with an EU representative
    assert products and all(product_safety_missing(p) == [] for p in products)
    assert any(p["manufacturer_country"] not in EU_COUNTRIES and p["responsible_name"] for p in products)
    for product in Product.objects.all()[:50]:
        full_clean(product)  # the contact is an e-mail or a web address, the countries are codes
