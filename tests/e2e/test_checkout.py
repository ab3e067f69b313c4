"""The customer journey in Chromium: browse, filter, two sellers in one cart, sign up at checkout,
pay once; each seller sees its order; the customer's e-mail arrives on a real SMTP server.
And the same with a declined card: no order, stock unchanged, a clear message."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count

from galerie.accounts.models import User
from galerie.catalog.models import Variant
from galerie.offers.models import Offer
from galerie.offers.selectors import offers_for_variant
from galerie.orders.models import Order
from galerie.sellers.models import SellerMember
from galerie.storefronts.models import Storefront

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def marketplace(settings, live_server):
    call_command("seed", scale="demo", verbosity=0)
    settings.GALERIE_SITE_URL = live_server.url
    storefront = Storefront.objects.get(code="pageplume")
    # A book with offers of three sellers or more: the customer buys from two of them.
    variant = (
        Variant.objects.filter(product__category__path__startswith="0001", product__brand__isnull=False)
        .annotate(n=Count("offers__seller", distinct=True))
        .filter(n__gte=3)
        .select_related("product__brand", "product__category")
        .order_by("pk")
        .first()
    )
    offers = offers_for_variant(storefront=storefront, variant_id=variant.pk)
    assert len({o.seller_id for o in offers}) >= 2
    return storefront, variant, offers


def _to_product(page, base, variant):
    """Storefront home → category → filter by the product's brand → the product."""
    product = variant.product
    page.goto(f"{base}/s/pageplume/")
    page.locator(f".category-card a[href$='/c/{product.category.slug}/']").click()
    page.wait_for_load_state()
    assert product.category.name in page.locator("h1").inner_text()
    toggle = page.locator("summary.filters-toggle")  # the filters fold away on a phone only
    if toggle.is_visible() and not page.locator("details.filters").evaluate("d => d.open"):
        toggle.click()
    page.locator(f"label:has(.facet-label:text-is('{product.brand.name}')) input").check()
    page.locator(".filters-actions button[type=submit]").click()
    page.wait_for_load_state()
    assert "brand=" in page.url
    page.locator(f"a[href*='/p/{product.slug}/']").first.click()
    page.wait_for_load_state()
    if variant.product.variants.count() > 1:
        page.goto(f"{page.url.split('?')[0]}?v={variant.uuid.hex}")


def _fill_checkout(page, name: str, street: str, postal_code: str, city: str, *, card: str) -> None:
    for field, value in {
        "name": name, "line1": street, "postal_code": postal_code, "city": city,
        "number": card, "expiry": "12/31", "cvc": "123", "holder": name,
    }.items():  # fmt: skip
        page.fill(f"#id_{field}", value)


def test_a_new_customer_buys_from_two_sellers_and_pays_once(
    marketplace, live_server, browser, screenshot, smtp_inbox
):
    _, variant, offers = marketplace
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _to_product(page, base, variant)
    screenshot(page, "checkout-01-product")

    page.locator(".buybox button[type=submit]").click()
    page.wait_for_load_state()
    page.go_back()
    other = next(o for o in offers[1:] if o.seller_id != offers[0].seller_id)
    page.locator("table.offers tbody tr", has_text=other.seller.display_name).locator("button").click()
    page.wait_for_load_state()
    assert page.locator(".seller-group").count() == 2
    screenshot(page, "checkout-02-cart-two-sellers")

    page.locator(".summary a[href$='/checkout/']").click()
    page.wait_for_load_state()
    screenshot(page, "checkout-03-sign-up")
    page.fill("#signup-full_name", "Alice Martin")
    page.fill("#signup-email", "alice@example.test")
    page.fill("#signup-password", PASSWORD)
    page.locator("form[action$='/account/signup/'] button[type=submit]").click()
    page.wait_for_load_state()

    _fill_checkout(page, "Alice Martin", "3 rue des Lilas", "69003", "Lyon", card="4242 4242 4242 4242")
    screenshot(page, "checkout-04-address-and-card")
    page.locator("button.button-pay").click()
    page.wait_for_load_state()
    assert page.locator(".confirmation h1").is_visible()
    screenshot(page, "checkout-05-confirmation")

    order = Order.objects.get(customer__email="alice@example.test")
    assert order.number in page.content()
    assert {so.seller_id for so in order.seller_orders.all()} == {offers[0].seller_id, other.seller_id}
    assert order.total_minor == sum(so.total_minor for so in order.seller_orders.all())

    call_command("worker", once=True, verbosity=0)
    (mail,) = smtp_inbox.to("alice@example.test")
    assert order.number in mail["Subject"] + mail.get_body(("plain",)).get_content()
    assert mail.get_body(("html",)) is not None

    # Each seller signs in to its seller area and finds its part of the order.
    for seller_order in order.seller_orders.select_related("seller"):
        member = (
            SellerMember.objects.filter(seller=seller_order.seller, role="owner")
            .select_related("user")
            .first()
        )
        member.user.set_password(PASSWORD)
        member.user.save(update_fields=["password"])
        assert smtp_inbox.to(seller_order.seller.email) or smtp_inbox.to(member.user.email)
        seller_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        seller_page.goto(f"{base}/sell/orders/")
        seller_page.fill("#id_username", member.user.email)
        seller_page.fill("#id_password", PASSWORD)
        seller_page.locator("form button[type=submit]").click()
        seller_page.wait_for_load_state()
        assert seller_order.number in seller_page.content()
        screenshot(seller_page, f"checkout-06-seller-{seller_order.number}")
        seller_page.context.close()


def test_a_declined_card_places_no_order_and_keeps_the_stock(marketplace, live_server, browser, screenshot):
    _, variant, offers = marketplace
    base = live_server.url
    User.objects.create_user(email="bob@example.test", password=PASSWORD)
    stock_before = Offer.objects.get(pk=offers[0].pk).stock
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{base}/s/pageplume/p/{variant.product.slug}/?v={variant.uuid.hex}")
    page.locator(".buybox button[type=submit]").click()
    page.wait_for_load_state()
    page.locator(".summary a[href$='/checkout/']").click()
    page.wait_for_load_state()
    page.locator("form[action$='/account/login/'] #signin-username").fill("bob@example.test")
    page.locator("form[action$='/account/login/'] #signin-password").fill(PASSWORD)
    page.locator("form[action$='/account/login/'] button[type=submit]").click()
    page.wait_for_load_state()
    _fill_checkout(page, "Bob Leroy", "8 quai des Brumes", "33000", "Bordeaux", card="4000 0000 0000 0002")
    page.locator("button.button-pay").click()
    page.wait_for_load_state()
    alert = page.locator(".notice-error")
    assert "declined" in alert.inner_text().lower() or "refusée" in alert.inner_text().lower(), (
        alert.inner_text()
    )
    screenshot(page, "checkout-07-declined-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not Order.objects.exists()
    assert Offer.objects.get(pk=offers[0].pk).stock == stock_before
