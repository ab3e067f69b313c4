"""Accessibility in Chromium: axe-core finds no serious or critical violation
on the main pages of the storefront, the seller area and the back office; on a 390×844 phone the
product page's add-to-cart button and the cart's checkout button are within the first screen.

The demo marketplace is seeded with its accounts and orders; one of the demo seller's orders is
delivered and paid out so that the money pages and a statement have rows.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from galerie.catalog.models import Variant
from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.models import Payout
from galerie.ledger.payouts import payouts_run
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_deliver
from galerie.seeding.accounts import demo_accounts_create
from galerie.seeding.demo_orders import demo_orders_create
from galerie.sellers.models import Seller, SellerMember
from galerie.storefronts.models import Storefront
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import sign_in
from tests.ledger.test_properties import settle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def axe() -> str:
    return axe_source()


@pytest.fixture
def demo(settings, live_server, tmp_path):
    settings.GALERIE_SITE_URL = live_server.url
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"
    call_command("seed", scale="demo", verbosity=0)
    demo_accounts_create()
    owner = SellerMember.objects.select_related("seller", "user").get(user__email="seller@galerie.test")
    customer = owner.user.__class__.objects.get(email="customer@galerie.test")
    demo_orders_create(seller=owner.seller, customer=customer, owner=owner.user)
    settle()  # the gateway's capture webhooks and the ledger's handlers
    shipped = (
        SellerOrder.objects.filter(seller=owner.seller, status="shipped").select_related("order").first()
    )
    seller_order_deliver(seller_order_id=shipped.pk, acting_user=owner.user)
    seller_orders_make_available(now=timezone.now() + timedelta(days=30))
    payouts_run(run_date=date.today())
    payout = Payout.objects.get(seller=owner.seller)
    storefront = Storefront.objects.get(code="pageplume")
    variant = (
        Variant.objects.filter(product__category__path__startswith="0001")
        .annotate(n=Count("offers__seller", distinct=True))
        .filter(n__gte=3)
        .select_related("product__category")
        .order_by("pk")
        .first()
    )
    applicant = Seller.objects.get(slug="atelier-celeste")
    return {
        "base": live_server.url,
        "storefront": storefront,
        "product": variant.product,
        "order": shipped,
        "payout": payout,
        "applicant": applicant,
    }


def _check(page, url: str, name: str, found: dict[str, list[str]], source: str) -> None:
    if url:
        response = page.goto(url)
        assert response.status == 200, (name, url, response.status)
    found[name] = describe(axe_violations(page, source))


def test_the_main_pages_have_no_serious_accessibility_violation(axe, demo, browser, screenshot):
    base, sf = demo["base"], f"{demo['base']}/s/{demo['storefront'].code}"
    order = demo["order"].order
    found: dict[str, list[str]] = {}

    # bypass_csp: axe is injected as a script of its own, which a strict CSP would refuse.
    customer = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    _check(customer, f"{sf}/", "storefront home", found, axe)
    category = demo["product"].category
    _check(customer, f"{sf}/c/{category.slug}/", "category", found, axe)
    _check(customer, f"{sf}/p/{demo['product'].slug}/", "product", found, axe)
    # Each other offer's button names its seller and price, so a screen reader tells them apart.
    names = [b.text_content().strip() for b in customer.locator("table.offers button").all()]
    assert len(names) >= 2 and len(set(names)) == len(names), names
    sellers = customer.locator("table.offers td a[href*='/seller/']").all_text_contents()
    assert all(seller.strip() in name for seller, name in zip(sellers, names, strict=True)), names
    word = demo["product"].title.split()[0]
    _check(customer, f"{sf}/search/?q={word}", "search", found, axe)
    customer.goto(f"{sf}/p/{demo['product'].slug}/")
    customer.locator(".buybox button[type=submit]").click()
    customer.wait_for_load_state()
    _check(customer, f"{sf}/cart/", "cart", found, axe)
    _check(customer, f"{sf}/checkout/", "checkout (sign in or sign up)", found, axe)
    ids = customer.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for form in ("signup", "login"):
        for field in customer.locator(f"form[action$='/account/{form}/'] input:visible").all():
            assert field.evaluate("e => e.labels.length") == 1, (form, field.get_attribute("name"))
    screenshot(customer, "a11y-checkout-sign-in")
    order_sf = f"{base}/s/{order.storefront.code}"
    sign_in(customer, f"{order_sf}/account/login/", "customer@galerie.test", "galerie-customer")
    customer.goto(f"{sf}/p/{demo['product'].slug}/")
    customer.locator(".buybox button[type=submit]").click()
    customer.wait_for_load_state()
    _check(customer, f"{sf}/checkout/", "checkout", found, axe)
    _check(customer, f"{order_sf}/account/orders/{order.number}/", "account order", found, axe)

    seller = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    sign_in(seller, f"{base}/sell/login/", "seller@galerie.test", "galerie-seller")
    for name, path in [
        ("seller dashboard", "/sell/"),
        ("seller orders", "/sell/orders/"),
        ("seller order", f"/sell/orders/{demo['order'].number}/"),
        ("seller offers", "/sell/offers/"),
        ("seller money", "/sell/money/"),
        ("seller statement", f"/sell/money/payouts/{demo['payout'].pk}/statement/"),
        ("seller API keys", "/sell/tokens/"),
        ("seller webhooks", "/sell/webhooks/"),
    ]:
        _check(seller, f"{base}{path}", name, found, axe)
    seller.goto(f"{base}/sell/money/")
    links = seller.locator(".money-payouts a").all_text_contents()
    assert links and not {"View", "CSV", "Voir"} & {link.strip() for link in links}, links

    operator = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    sign_in(operator, f"{base}/admin/login/?next=/back-office/", "operator@galerie.test", "galerie-operator")
    for name, path in [
        ("back-office queue", "/back-office/"),
        ("back-office seller", f"/back-office/sellers/{demo['applicant'].pk}/"),
        ("back-office trial balance", "/back-office/money/"),
        ("back-office commissions", "/back-office/money/commissions/"),
        ("back-office reconciliation", "/back-office/money/reconciliation/"),
        ("back-office webhooks", "/back-office/webhooks/"),
        ("back-office failed webhooks", "/back-office/webhooks/failed/"),
        ("admin index", "/admin/"),
    ]:
        _check(operator, f"{base}{path}", name, found, axe)

    report = {name: lines for name, lines in found.items() if lines}
    print("\naxe-core serious/critical violations per page:")
    for name, lines in found.items():
        print(f"  {name}: {len(lines)}" + "".join(f"\n    {line}" for line in lines))
    assert len(found) == 24
    assert not report, report


def _top(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"] + box["height"]


def test_on_a_phone_the_add_to_cart_and_checkout_buttons_are_on_the_first_screen(demo, browser, screenshot):
    sf = f"{demo['base']}/s/{demo['storefront'].code}"
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{sf}/p/{demo['product'].slug}/")
    screenshot_path = screenshot(page, "phone-product")
    bottom = _top(page, ".buybox button[type=submit]")
    print(f"\nphone: add to cart ends at {bottom:.0f}px")
    assert bottom <= PHONE["height"], f"add to cart ends at {bottom}px ({screenshot_path})"
    page.locator(".buybox button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{sf}/cart/")
    screenshot(page, "phone-cart")
    bottom = _top(page, "a.button[href$='/checkout/']:visible")
    print(f"phone: the cart's checkout button ends at {bottom:.0f}px")
    assert bottom <= PHONE["height"], f"the checkout button ends at {bottom}px"


def test_the_french_seller_area_and_back_office_fit_the_screen(demo, browser, screenshot):
    """The statement's table stays inside the page (it scrolls in its own box or becomes cards)."""
    base = demo["base"]
    for name, viewport in [("laptop", {"width": 1024, "height": 768}), ("phone", PHONE)]:
        page = browser.new_context(viewport=viewport, locale="fr-FR").new_page()
        sign_in(page, f"{base}/sell/login/", "seller@galerie.test", "galerie-seller")
        for view, path in [
            ("dashboard", "/sell/"),
            ("money", "/sell/money/"),
            ("statement", f"/sell/money/payouts/{demo['payout'].pk}/statement/"),
        ]:
            page.goto(f"{base}{path}")
            assert page.locator("html").get_attribute("lang") == "fr"
            screenshot(page, f"fr-seller-{view}-{name}")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{view} on a {name} is {overflow}px wider than the screen"
        assert page.locator(".statement-table th[scope=row]").first.inner_text() == "Report"
    operator = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fr-FR").new_page()
    sign_in(operator, f"{base}/admin/login/?next=/back-office/", "operator@galerie.test", "galerie-operator")
    for view, path in [
        ("queue", "/back-office/"),
        ("seller", f"/back-office/sellers/{demo['applicant'].pk}/"),
    ]:
        operator.goto(f"{base}{path}")
        assert operator.locator("html").get_attribute("lang") == "fr"
        screenshot(operator, f"fr-back-office-{view}")
        overflow = operator.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the back office's {view} page is {overflow}px wider than the screen"
