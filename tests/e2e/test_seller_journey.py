"""A seller's journey in Chromium: apply on a storefront, be approved by the operator in the
back office, put an existing product on sale, see the offer on the storefront's product page,
then receive an order, accept it and ship it. The decision e-mail arrives on a real SMTP server."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.db.models import Count

from galerie.accounts.models import User
from galerie.cart.services import cart_add
from galerie.catalog.models import Variant
from galerie.checkout.services import checkout_place_order
from galerie.offers.models import Offer
from galerie.orders.models import SellerOrder
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront
from tests.e2e.steps import fill_seller_application, sign_in
from tests.factories import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHOP = "Librairie des Canuts"
ADDRESS = {
    "name": "Paul Roux",
    "line1": "2 rue Neuve",
    "postal_code": "69002",
    "city": "Lyon",
    "country": "FR",
}
CARD = {
    "type": "card",
    "number": "4242424242424242",
    "exp_month": 12,
    "exp_year": 2031,
    "cvc": "123",
    "holder": "P R",
}
PDF = pdf_bytes()  # a real PDF: documents are parsed (core/uploads.py)


@pytest.fixture
def marketplace(settings, live_server):
    call_command("seed", scale="demo", verbosity=0)
    settings.GALERIE_SITE_URL = live_server.url
    storefront = Storefront.objects.get(code="pageplume")
    # A book already sold by others: the new seller joins the competition on its page.
    variant = (
        Variant.objects.filter(
            product__category__path__startswith="0001",
            gtin__isnull=False,
            product__product_type__is_book=True,
        )
        .annotate(n=Count("offers"))
        .filter(n__gte=2)
        .select_related("product")
        .order_by("pk")
        .first()
    )
    User.objects.create_user(email="olivia@operator.test", password=PASSWORD, is_staff=True)
    return storefront, variant


def test_a_seller_applies_is_approved_sells_a_book_and_ships_an_order(
    marketplace, live_server, browser, screenshot, smtp_inbox, tmp_path
):
    storefront, variant = marketplace
    base = live_server.url
    document = tmp_path / "kbis.pdf"
    document.write_bytes(PDF)

    # 1. The applicant fills in "Sell on Page & Plume".
    applicant = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    fill_seller_application(applicant, f"{base}/s/pageplume/", {
        "display_name": SHOP, "legal_name": "Librairie des Canuts SARL", "email": "contact@canuts.test",
        "phone": "04 78 28 12 34", "address_line1": "5 place Colbert", "postal_code": "69001",
        "city": "Lyon", "id_document_reference": "Passeport 19AB12345",
        "iban": "FR76 3000 6000 0112 3456 7890 189", "trade_register_number": "732 829 320",
        "vat_number": "FR44732829320", "account_email": "anne@canuts.test", "password": PASSWORD,
    }, document)  # fmt: skip
    screenshot(applicant, "seller-01-application-form")
    applicant.locator("form[enctype] button[type=submit]").click()  # the page speaks French
    applicant.wait_for_load_state()
    errors = applicant.locator(".errorlist").all_inner_texts()
    assert applicant.url.endswith("/sell/application/"), errors
    seller = Seller.objects.get(display_name=SHOP)
    assert seller.status == "applied" and seller.documents.count() == 3
    screenshot(applicant, "seller-02-application-sent")

    # 2. The operator approves it for the storefront in the back office.
    operator = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(operator, f"{base}/admin/login/?next=/back-office/", "olivia@operator.test", PASSWORD)
    operator.locator(f"a:has-text('{SHOP}')").first.click()
    operator.wait_for_load_state()
    screenshot(operator, "seller-03-curation")
    operator.locator("form:has(input[name=action][value=approve]) button").first.click()
    operator.wait_for_load_state()
    seller.refresh_from_db()
    assert seller.status == "active"
    assert seller.admissions.get(storefront=storefront).status == "admitted"
    call_command("worker", once=True, verbosity=0)
    assert smtp_inbox.to("contact@canuts.test") or smtp_inbox.to("anne@canuts.test")

    # 3. The new seller finds the book by its GTIN and puts it on sale.
    applicant.goto(f"{base}/sell/")
    screenshot(applicant, "seller-04-dashboard")
    applicant.goto(f"{base}/sell/offers/new/")
    applicant.fill("#id_q", variant.gtin)
    applicant.locator("form[role=search] button[type=submit]").click()
    applicant.wait_for_load_state()
    applicant.locator(f"a[href$='/sell/offers/new/{variant.pk}/']").click()
    applicant.wait_for_load_state()
    publisher_price = variant.product.publisher_price_minor  # a new book sells at it (loi Lang)
    assert publisher_price, "the journey's book has a publisher's price"
    applicant.fill("#id_stock", "3")
    applicant.fill("#id_seller_sku", "CANUTS-001")
    applicant.locator("main form[method=post] button[type=submit]").click()
    applicant.wait_for_load_state()
    offer = Offer.objects.get(seller=seller, variant=variant)
    assert (offer.price_minor, offer.stock, offer.seller_sku) == (publisher_price, 3, "CANUTS-001")
    screenshot(applicant, "seller-05-offers")

    # 4. The offer is on the storefront's product page.
    customer_page = browser.new_page(viewport={"width": 1280, "height": 900})
    customer_page.goto(f"{base}/s/pageplume/p/{variant.product.slug}/?v={variant.uuid.hex}")
    assert SHOP in customer_page.locator("main").inner_text()
    screenshot(customer_page, "seller-06-on-the-product-page")

    # 5. A customer buys it (through the checkout service); the seller accepts and ships.
    customer = User.objects.create_user(email="paul@example.test", password=PASSWORD)
    cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk, quantity=2)
    outcome = checkout_place_order(
        storefront=storefront,
        cart=cart,
        customer=customer,
        address={
            "name": "Paul Roux",
            "line1": "2 rue Neuve",
            "postal_code": "69002",
            "city": "Lyon",
            "country": "FR",
        },
        payment_method={
            "type": "card",
            "number": "4242424242424242",
            "exp_month": 12,
            "exp_year": 2031,
            "cvc": "123",
            "holder": "Paul Roux",
        },
        idempotency_key=uuid.uuid4().hex,
        return_url=f"{base}/",
    )
    assert outcome.status == "completed"
    seller_order = SellerOrder.objects.get(seller=seller)
    applicant.goto(f"{base}/sell/")
    assert "1" in applicant.locator(".card-stat").first.inner_text()
    applicant.goto(f"{base}/sell/orders/")
    applicant.locator(f"a:has-text('{seller_order.number}')").click()
    applicant.wait_for_load_state()
    applicant.locator("button[value=accept]").click()
    applicant.wait_for_load_state()
    applicant.select_option("#carrier", "Colissimo")
    applicant.fill("#tracking", "6A98765432109")
    applicant.locator("button[value=ship]").click()
    applicant.wait_for_load_state()
    seller_order.refresh_from_db()
    assert (seller_order.status, seller_order.tracking_number) == ("shipped", "6A98765432109")
    screenshot(applicant, "seller-07-shipped")
    assert Offer.objects.get(pk=offer.pk).stock == 1

    # 6. The parcel arrives: the seller sees the "mark as delivered" door, and the customer confirms
    # receipt from their order page (in French: the storefront speaks French).
    assert applicant.locator("button[value=deliver]").is_visible()
    buyer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(buyer, f"{base}/s/pageplume/account/login/", "paul@example.test", PASSWORD)
    buyer.goto(f"{base}/s/pageplume/account/orders/{seller_order.order.number}/")
    receipt = buyer.locator("form.receipt button")
    assert SHOP in receipt.inner_text() and "J’ai reçu le colis" in receipt.inner_text()
    receipt.click()
    buyer.wait_for_load_state()
    seller_order.refresh_from_db()
    assert seller_order.status == "delivered" and seller_order.delivered_at is not None
    assert "Livrée le" in buyer.locator("main").inner_text()
    screenshot(buyer, "seller-08-customer-confirmed-receipt")
    applicant.reload()
    assert not applicant.locator("button[value=deliver]").count()
    assert "Delivered on" in applicant.locator("main").inner_text()  # the seller area is English
