"""Closing a storefront, walked in Chromium: the operator announces the closure of Alapage from the
back office (after a confirmation that names what will happen), a customer sees the banner and
can still fill a cart, then, the date come, can no longer check out; the seller ships the order
placed before, the customer confirms receipt, the other seller refuses its part (refunded), and
the closure report ends green once the operator closes the storefront for good.

Two steps are not a page: the worker (``work``: outbox events and the test gateway's webhooks,
as ``galerie worker`` runs them) and the coming of the closing date. A storefront cannot be
announced for a date in the past and the browser's clock is the server's, so the test moves the
date instead of travelling in time: it sets ``closing_on`` to today, then runs the job the
operator's cron runs at the date (``storefronts.sales_stop``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from galerie.accounts.models import User
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_refuse
from galerie.storefronts.closure import storefronts_sales_stop
from galerie.storefronts.models import Storefront
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import sign_in
from tests.factories import make_category
from tests.storefronts.closure_world import make_world, part, place, work

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"  # tests.factories.make_user's
# bypass_csp: axe is injected as a script of its own, which the strict CSP would refuse.
WINDOW = {"viewport": {"width": 1280, "height": 900}, "bypass_csp": True}


def _text(locator) -> str:
    return " ".join(locator.inner_text().replace("\xa0", " ").replace("\u202f", " ").split())


def _accessible(page, source: str, name: str) -> None:
    found = describe(axe_violations(page, source))
    assert not found, f"{name}: {found}"


def test_the_operator_closes_a_storefront_and_nothing_is_left_open(
    settings, live_server, browser, screenshot, tmp_path
):
    source = axe_source()
    settings.GALERIE_SITE_URL = live_server.url
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"
    base = live_server.url
    world = make_world()
    customer = User.objects.create_user(email="chloe@example.test", password=PASSWORD, full_name="Chloé")
    order = place(world.closing, world.book, world.lamp, customer=customer)  # before the decision
    work()
    ours, theirs = part(order, world.seller_a), part(order, world.seller_b)
    operator_user = User.objects.create_user(email="olivia@operator.test", password=PASSWORD, is_staff=True)
    operator_user.user_permissions.add(*Permission.objects.filter(content_type__app_label="storefronts"))

    # 1. The operator opens Alapage in the back office and asks to close it in a week.
    operator = browser.new_context(**WINDOW).new_page()
    operator.on("dialog", lambda dialog: dialog.accept())
    sign_in(operator, f"{base}/admin/login/?next=/back-office/storefronts/", operator_user.email, PASSWORD)
    row = operator.locator(f"#storefront-{world.closing.pk}")
    assert "Open" in _text(row) and "Alapage" in _text(row)
    screenshot(operator, "office-closure-01-portfolio")
    _accessible(operator, source, "portfolio")
    row.locator(f"a[href='/back-office/storefronts/{world.closing.pk}/']").click()
    operator.wait_for_load_state()
    operator.locator("a", has_text="Close this storefront").click()
    operator.wait_for_load_state()
    in_a_week = timezone.localdate() + timedelta(days=7)
    operator.fill("#id_closing_on", in_a_week.isoformat())
    operator.fill("#id_reason", "Revue du portefeuille : Alapage ferme, Clust continue.")
    operator.locator("main form button[type=submit]").click()
    operator.wait_for_load_state()

    # 2. The confirmation names what will happen; nothing has changed yet.
    consequences = _text(operator.locator(".closure-consequences"))
    for words in (
        "2 open seller orders go on",
        "2 sellers are told by e-mail today",
        "1 customer with an open order is told",
        world.seller_a.display_name,
        "Clust",
    ):
        assert words in consequences, (words, consequences)
    world.closing.refresh_from_db()
    assert world.closing.status == Storefront.Status.OPEN
    screenshot(operator, "office-closure-02-confirmation")
    _accessible(operator, source, "confirmation")
    operator.locator("main form button[type=submit]").click()
    operator.wait_for_load_state()
    world.closing.refresh_from_db()
    assert (world.closing.status, world.closing.closing_on) == (Storefront.Status.CLOSING, in_a_week)
    assert operator.url.endswith(f"/back-office/storefronts/{world.closing.pk}/closure/")
    assert "Still open" in _text(operator.locator("#proof"))
    assert ours.number in _text(operator.locator("#proof"))
    screenshot(operator, "office-closure-03-report-open")
    _accessible(operator, source, "report while open")
    work()  # the announcement's e-mails

    # 3. The customer sees the banner on every page and can still fill a cart before the date.
    buyer = browser.new_context(**WINDOW).new_page()
    sign_in(buyer, f"{base}/s/alapage/account/login/", customer.email, PASSWORD)
    buyer.goto(f"{base}/s/alapage/")
    banner = buyer.locator(".closure-banner")
    assert banner.is_visible() and "Alapage" in _text(banner)
    screenshot(buyer, "office-closure-04-banner")
    _accessible(buyer, source, "home with the banner")
    variant = world.book.variant
    buyer.goto(f"{base}/s/alapage/p/{variant.product.slug}/?v={variant.uuid.hex}")
    assert buyer.locator(".closure-banner").is_visible()
    buyer.locator(".buybox button[type=submit]").click()
    buyer.wait_for_load_state()
    buyer.goto(f"{base}/s/alapage/cart/")
    assert buyer.locator(".summary a[href$='/checkout/']").count() == 1  # it still sells

    # 4. The date comes (see the module's docstring): the cart says why it cannot check out.
    Storefront.objects.filter(pk=world.closing.pk).update(closing_on=timezone.localdate())
    assert storefronts_sales_stop() == 1
    buyer.goto(f"{base}/s/alapage/cart/")
    refusal = _text(buyer.locator("#cart .notice-error"))
    assert "Alapage" in refusal, refusal
    assert buyer.locator("a[href$='/checkout/']").count() == 0
    screenshot(buyer, "office-closure-05-cart-refused")
    _accessible(buyer, source, "cart after the date")
    buyer.goto(f"{base}/s/alapage/checkout/")
    assert buyer.url.endswith("/s/alapage/cart/")  # sent back, with the reason
    assert buyer.locator(".closure-banner").is_visible()
    assert order.customer.orders.count() == 1  # no new order

    # 5. The seller ships the order placed before; the customer confirms receipt; the other
    # seller refuses its part (the customer is refunded).
    seller = browser.new_context(**WINDOW).new_page()
    sign_in(seller, f"{base}/sell/login/", world.owner_a.email, PASSWORD)
    seller.goto(f"{base}/sell/orders/{ours.number}/")
    seller.locator("button[value=accept]").click()
    seller.wait_for_load_state()
    seller.select_option("#carrier", "Colissimo")
    seller.fill("#tracking", "6A12345678901")
    seller.locator("button[value=ship]").click()
    seller.wait_for_load_state()
    ours.refresh_from_db()
    assert ours.status == SellerOrder.Status.SHIPPED
    screenshot(seller, "office-closure-06-seller-shipped")
    buyer.goto(f"{base}/s/alapage/account/orders/{order.number}/")
    buyer.locator("form.receipt button").click()
    buyer.wait_for_load_state()
    ours.refresh_from_db()
    assert ours.status == SellerOrder.Status.DELIVERED
    seller_order_refuse(seller_order_id=theirs.pk, acting_user=world.owner_b, reason="Plus en stock.")
    work()  # the refund's webhook, the ledger, the e-mails

    # 6. The withdrawal period over (the operator's setting, shortened rather than waited for),
    # only the money held for the sellers is left: closing for good pays it out, and the report
    # ends green.
    settings.GALERIE_WITHDRAWAL_DAYS = 0
    work()
    operator.goto(f"{base}/back-office/storefronts/{world.closing.pk}/closure/")
    proof = _text(operator.locator("#proof"))
    assert "Only the money held for its sellers is left" in proof, proof
    screenshot(operator, "office-closure-07-report-money-held")
    operator.locator("#proof button[type=submit]").click()
    operator.wait_for_load_state()
    world.closing.refresh_from_db()
    assert world.closing.status == Storefront.Status.CLOSED
    proof = operator.locator("#proof.proof-ok")
    assert proof.is_visible(), _text(operator.locator("main"))
    assert "Nothing is left open" in _text(proof) and "The ledger balances" in _text(proof)
    report = _text(operator.locator("main"))
    assert ours.number in report and theirs.number in report and "GALERIE-P" in report
    screenshot(operator, "office-closure-08-report-green")
    _accessible(operator, source, "report green")
    world.other.refresh_from_db()
    assert world.other.status == Storefront.Status.OPEN  # Clust goes on


def test_the_operator_opens_a_new_storefront_without_a_deploy(live_server, browser, screenshot):
    source = axe_source()
    base = live_server.url
    books = make_category("Livres")
    make_category("Voyages")
    operator_user = User.objects.create_user(email="olivia@operator.test", password=PASSWORD, is_staff=True)
    operator_user.user_permissions.add(*Permission.objects.filter(content_type__app_label="storefronts"))
    operator = browser.new_context(**WINDOW).new_page()
    operator.on("dialog", lambda dialog: dialog.accept())
    sign_in(operator, f"{base}/admin/login/?next=/back-office/storefronts/", operator_user.email, PASSWORD)
    operator.locator("a", has_text="New storefront").click()
    operator.wait_for_load_state()
    for field, value in {
        "code": "alapage", "name": "Alapage", "tagline": "Livres, musique, voyages",
        "hosts": "https://alapage.test/", "commission_rate": "12,5", "commission_fixed_fee": "0.30",
    }.items():  # fmt: skip
        operator.fill(f"#id_{field}", value)
    operator.fill("#id_colour_primary", "#7a1f5c")
    operator.check(f"input[name=catalog_scope][value='{books.pk}']")
    operator.locator("button[name=preview]").click()
    operator.wait_for_load_state()
    # The preview shows the colour chosen; nothing is written on a preview nor on bad input.
    bar = operator.locator(".theme-preview .preview-bar")
    assert bar.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(122, 31, 92)"
    assert not Storefront.objects.filter(code="alapage").exists()
    operator.locator("main form button[type=submit]:not([name=preview])").click()
    operator.wait_for_load_state()
    errors = operator.locator(".field.has-error")
    assert errors.count() == 1 and "https://alapage.test/" in _text(errors), _text(errors)
    assert not Storefront.objects.filter(code="alapage").exists()
    screenshot(operator, "office-closure-09-new-storefront-errors")
    _accessible(operator, source, "new storefront with errors")
    operator.fill("#id_hosts", "alapage.test")
    operator.locator("main form button[type=submit]:not([name=preview])").click()
    operator.wait_for_load_state()
    storefront = Storefront.objects.get(code="alapage")
    assert storefront.status == Storefront.Status.DRAFT and storefront.colour_primary == "#7a1f5c"
    assert list(storefront.catalog_scope.all()) == [books]
    assert storefront.commission_plan.rate_bp == 1250
    screenshot(operator, "office-closure-10-new-storefront-draft")
    _accessible(operator, source, "draft storefront")
    operator.locator("button", has_text="Open to customers").click()
    operator.wait_for_load_state()
    storefront.refresh_from_db()
    assert storefront.status == Storefront.Status.OPEN
    customer = browser.new_context(**WINDOW).new_page()
    customer.goto(f"{base}/s/alapage/")
    assert "Alapage" in _text(customer.locator("header"))
