"""The whole life of one order, walked in Chromium through the pages and `galerie` commands only.

A trader applies on Page & Plume and is approved in the back office (the e-mail arrives over
SMTP); it puts a catalog book on sale; a customer buys that book and another seller's in one
cart, paying with the test card; the new seller accepts, ships, and the customer confirms
receipt; the other seller refuses its part and the customer is refunded; after the withdrawal
period `galerie payouts run` pays the new seller; it reads its statement and downloads the CSV,
and the operator finds the books balanced and reconciled. Each step checks the page and the
database. The steps that are not a page are `galerie worker --once` and `galerie payouts run`
(call_command), as an operator's cron would run them.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db.models import Sum

from galerie.accounts.models import User
from galerie.catalog.models import Variant
from galerie.core.money import Money
from galerie.ledger.models import Payout
from galerie.offers.models import Offer
from galerie.orders.models import Order
from galerie.payments.models import Payment, Refund
from galerie.seeding.accounts import demo_accounts_create
from galerie.sellers.models import Seller, SellerMember
from galerie.storefronts.models import Storefront
from tests.e2e.steps import fill_seller_application, sign_in
from tests.factories import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DEMO_SELLER_EMAIL, DEMO_SELLER_PASSWORD = "seller@galerie.test", "galerie-seller"  # the demo seed's
SHOP = "Librairie de la Croix-Rousse"
PDF = pdf_bytes()  # a real PDF: documents are parsed (core/uploads.py)


def _text(locator) -> str:
    """The text a reader sees, with the non-breaking spaces of French money as plain spaces."""
    return " ".join(locator.inner_text().replace("\xa0", " ").replace("\u202f", " ").split())


def _money(amount_minor: int, language: str) -> str:
    return Money(amount_minor, "EUR").format(language).replace("\xa0", " ").replace("\u202f", " ")


def _worker() -> str:
    out = io.StringIO()
    call_command("worker", once=True, verbosity=0, stdout=out)
    return out.getvalue()


@pytest.fixture
def marketplace(settings, live_server):
    call_command("seed", scale="demo", verbosity=0)
    demo_accounts_create()  # what `galerie demo` adds to the seed: seller@galerie.test owns a shop
    settings.GALERIE_SITE_URL = live_server.url
    storefront = Storefront.objects.get(code="pageplume")
    demo_seller = SellerMember.objects.select_related("seller").get(user__email=DEMO_SELLER_EMAIL).seller
    # A book the demo seller sells on Page & Plume (in stock): the new seller sells it too.
    variant = (
        Variant.objects.filter(
            product__category__path__startswith="0001",
            gtin__isnull=False,
            product__product_type__is_book=True,  # a new book: sold at its publisher's price
            offers__seller=demo_seller,
            offers__status=Offer.Status.ACTIVE,
            offers__stock__gte=2,
        )
        .select_related("product")
        .order_by("pk")
        .first()
    )
    assert variant is not None, "the demo seed has no book of seller@galerie.test in stock"
    User.objects.create_user(email="olivia@operator.test", password=PASSWORD, is_staff=True)
    return storefront, variant, demo_seller


def _add_to_cart(page, base: str, variant, seller_name: str) -> None:
    """On the product page, add the offer of `seller_name`: the buy box if it is the seller's,
    else its row among the other offers."""
    page.goto(f"{base}/s/pageplume/p/{variant.product.slug}/?v={variant.uuid.hex}")
    row = page.locator("table.offers tbody tr", has_text=seller_name)
    if row.count():
        row.locator("button").click()
    else:
        assert seller_name in page.locator(".buybox").inner_text()
        page.locator(".buybox button[type=submit]").click()
    page.wait_for_load_state()


def test_the_whole_life_of_an_order(
    marketplace, settings, live_server, browser, screenshot, smtp_inbox, tmp_path
):
    storefront, variant, demo_seller = marketplace
    base = live_server.url
    document = tmp_path / "kbis.pdf"
    document.write_bytes(PDF)

    # 1. A trader applies on "Sell on Page & Plume"; the operator approves it in the back office.
    applicant = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    fill_seller_application(applicant, f"{base}/s/pageplume/", {
        "display_name": SHOP, "legal_name": "Croix-Rousse SARL", "email": "contact@croix.test",
        "phone": "04 78 28 12 34", "address_line1": "5 place de la Croix-Rousse", "postal_code": "69004",
        "city": "Lyon", "id_document_reference": "Passeport 19AB12345",
        "iban": "FR14 2004 1010 0505 0001 3M02 606", "trade_register_number": "732 829 320",
        "vat_number": "FR44732829320", "account_email": "claire@croix.test", "password": PASSWORD,
    }, document)  # fmt: skip
    applicant.locator("form[enctype] button[type=submit]").click()
    applicant.wait_for_load_state()
    assert applicant.url.endswith("/sell/application/"), applicant.locator(".errorlist").all_inner_texts()
    seller = Seller.objects.get(display_name=SHOP)
    assert seller.status == "applied" and seller.documents.count() == 3
    screenshot(applicant, "life-01-application-sent")

    operator = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(operator, f"{base}/admin/login/?next=/back-office/", "olivia@operator.test", PASSWORD)
    operator.locator(f"a:has-text('{SHOP}')").first.click()
    operator.wait_for_load_state()
    operator.locator("form:has(input[name=action][value=approve]) button").first.click()
    operator.wait_for_load_state()
    seller.refresh_from_db()
    assert seller.status == "active"
    assert seller.admissions.get(storefront=storefront).status == "admitted"
    screenshot(operator, "life-02-approved-in-back-office")
    _worker()
    approval = smtp_inbox.to("contact@croix.test") + smtp_inbox.to("claire@croix.test")
    assert any(SHOP in m["Subject"] or SHOP in m.get_body(("plain",)).get_content() for m in approval), [
        m["Subject"] for m in approval
    ]

    # 2. The new seller puts the book on sale from the seller area.
    applicant.goto(f"{base}/sell/offers/new/")
    applicant.fill("#id_q", variant.gtin)
    applicant.locator("form[role=search] button[type=submit]").click()
    applicant.wait_for_load_state()
    applicant.locator(f"a[href$='/sell/offers/new/{variant.pk}/']").click()
    applicant.wait_for_load_state()
    # a new book: the page offers its publisher's price, the only one the loi Lang allows
    publisher_price = variant.product.publisher_price_minor
    assert publisher_price, "the walk's book has a publisher's price"
    applicant.fill("#id_stock", "3")
    applicant.locator("main form[method=post] button[type=submit]").click()
    applicant.wait_for_load_state()
    offer = Offer.objects.get(seller=seller, variant=variant)
    assert (offer.price_minor, offer.stock, offer.status) == (publisher_price, 3, Offer.Status.ACTIVE)
    assert variant.product.title in _text(applicant.locator("main"))
    screenshot(applicant, "life-03-offer-on-sale")

    # 3. A customer puts both sellers' offers in the cart, signs up at checkout and pays by card.
    buyer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _add_to_cart(buyer, base, variant, SHOP)
    _add_to_cart(buyer, base, variant, demo_seller.display_name)
    buyer.goto(f"{base}/s/pageplume/cart/")
    assert buyer.locator(".seller-group").count() == 2
    buyer.locator(".summary a[href$='/checkout/']").click()
    buyer.wait_for_load_state()
    buyer.fill("#signup-full_name", "Chloé Garnier")
    buyer.fill("#signup-email", "chloe@example.test")
    buyer.fill("#signup-password", PASSWORD)
    buyer.locator("form[action$='/account/signup/'] button[type=submit]").click()
    buyer.wait_for_load_state()
    for field, value in {
        "name": "Chloé Garnier", "line1": "12 rue d'Austerlitz", "postal_code": "69004", "city": "Lyon",
        "number": "4242 4242 4242 4242", "expiry": "12/31", "cvc": "123", "holder": "Chloé Garnier",
    }.items():  # fmt: skip
        buyer.fill(f"#id_{field}", value)
    pay_button = _text(buyer.locator("button.button-pay"))  # "Payer 23,30 €"
    screenshot(buyer, "life-04-checkout")
    # Scrolled to the end of the page, the pay button is on screen and nothing covers it (a sticky
    # summary once slid over the legal links and the button).
    buyer.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = buyer.locator("button.button-pay").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= buyer.viewport_size["height"]
    on_top = buyer.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('button')?.className || ''",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert "button-pay" in on_top
    buyer.locator("button.button-pay").click()
    buyer.wait_for_load_state()
    assert buyer.locator(".confirmation h1").is_visible()
    order = Order.objects.get(customer__email="chloe@example.test")
    assert order.number in _text(buyer.locator(".confirmation"))
    screenshot(buyer, "life-05-confirmation")
    payment = Payment.objects.get(pk=order.payment_id)
    assert payment.amount_minor == order.total_minor
    assert order.total_minor == sum(so.total_minor for so in order.seller_orders.all())
    assert pay_button.endswith(_money(order.total_minor, "fr")), (pay_button, order.total_minor)
    parts = {so.seller_id: so for so in order.seller_orders.all()}
    assert set(parts) == {seller.pk, demo_seller.pk}
    ours, theirs = parts[seller.pk], parts[demo_seller.pk]
    # The capture is confirmed by the gateway's webhook, which the worker delivers.
    _worker()
    payment.refresh_from_db()
    assert (payment.status, payment.captured_minor) == ("captured", order.total_minor)
    assert smtp_inbox.to("chloe@example.test"), "no order confirmation e-mail"

    # 4a. The new seller accepts and ships; the customer confirms receipt on its order page.
    applicant.goto(f"{base}/sell/orders/")
    applicant.locator(f"a:has-text('{ours.number}')").click()
    applicant.wait_for_load_state()
    applicant.locator("button[value=accept]").click()
    applicant.wait_for_load_state()
    applicant.select_option("#carrier", "Colissimo")
    applicant.fill("#tracking", "6A12345678901")
    applicant.locator("button[value=ship]").click()
    applicant.wait_for_load_state()
    ours.refresh_from_db()
    assert (ours.status, ours.carrier, ours.tracking_number) == ("shipped", "Colissimo", "6A12345678901")
    assert "6A12345678901" in _text(applicant.locator("main"))
    screenshot(applicant, "life-06-shipped")

    buyer.goto(f"{base}/s/pageplume/account/orders/{order.number}/")
    receipt = buyer.locator("form.receipt button")
    assert _text(receipt) == f"J’ai reçu le colis de {SHOP}"
    receipt.click()
    buyer.wait_for_load_state()
    ours.refresh_from_db()
    assert ours.status == "delivered" and ours.delivered_at is not None

    # 4b. The other seller refuses its part, with a reason; the customer is refunded.
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(other, f"{base}/sell/login/", DEMO_SELLER_EMAIL, DEMO_SELLER_PASSWORD)
    other.goto(f"{base}/sell/orders/{theirs.number}/")
    other.locator("details.refuse summary").click()
    other.fill("#reason", "Le dernier exemplaire est abîmé.")
    screenshot(other, "life-07-refusing")
    other.locator("button[value=refuse]").click()
    other.wait_for_load_state()
    theirs.refresh_from_db()
    assert (theirs.status, theirs.refusal_reason) == ("refused", "Le dernier exemplaire est abîmé.")
    _worker()
    _worker()  # the refund's webhook, then the e-mail of its event
    (refund,) = Refund.objects.filter(payment=payment)
    assert (refund.status, refund.amount_minor) == ("succeeded", theirs.total_minor)
    buyer.reload()
    payment_box = _text(buyer.locator(".summary"))
    refund_line = _text(buyer.locator(".summary .refund"))
    assert f"Remboursement de la part de {demo_seller.display_name}" in refund_line
    assert refund_line.endswith(f"−{_money(theirs.total_minor, 'fr')}"), refund_line
    finally_paid = order.total_minor - theirs.total_minor
    assert f"Payé au final {_money(finally_paid, 'fr')}" in payment_box, payment_box
    # The VAT row sits under the total charged (it is that total's VAT), not under "finally paid".
    assert (
        payment_box.index("Total débité") < payment_box.index("Dont TVA") < payment_box.index("Remboursement")
    )
    assert "Le dernier exemplaire est abîmé." in _text(buyer.locator("main"))
    screenshot(buyer, "life-08-customer-refund-line")
    subjects = [
        " ".join(m["Subject"].replace("\u202f", " ").split()) for m in smtp_inbox.to("chloe@example.test")
    ]
    refund_subject = f"Remboursement de {_money(theirs.total_minor, 'fr')} pour votre commande {order.number}"
    assert any(refund_subject in subject for subject in subjects), subjects  # in the storefront's French

    # 5. The withdrawal period. GALERIE_WITHDRAWAL_DAYS is the operator's configuration (the
    # environment variable of that name, 14 days by default); a run dated after today is refused,
    # so the test shortens the period instead of travelling in time.
    settings.GALERIE_WITHDRAWAL_DAYS = 0
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"
    out = io.StringIO()
    call_command("payouts", "run", stdout=out)
    printed = out.getvalue()
    payout = Payout.objects.get(seller=seller)
    lines = ours.lines.aggregate(
        c=Sum("commission_minor"), s=Sum("commission_shipping_minor"), v=Sum("commission_vat_minor")
    )
    payable = ours.total_minor - lines["c"] - lines["s"] - lines["v"]
    reserve = (payable * django_settings.GALERIE_PAYOUT_RESERVE_BP + 5000) // 10000
    assert (payout.amount_minor, payout.reserve_minor) == (payable - reserve, reserve)
    assert lines["c"] > 0 and lines["v"] > 0 and reserve > 0
    ours_printed = next(line for line in printed.splitlines() if SHOP in line)
    language = django_settings.LANGUAGE_CODE
    assert f"{SHOP}: {_money(payable - reserve, language)} (reserve {_money(reserve, language)})" in (
        ours_printed.replace("\xa0", " ").replace("\u202f", " ")
    ), printed
    assert "WARNING" not in printed, printed  # its IBAN is its own
    assert (tmp_path / "payouts").is_dir()

    # 6. The new seller sees the payout on its money page, opens the statement, downloads the CSV.
    applicant.goto(f"{base}/sell/money/")
    row = applicant.locator("table.money-payouts tbody tr", has_text=f"GALERIE-P{payout.pk}")
    assert _money(payout.amount_minor, "en") in _text(row)
    assert _text(applicant.locator("[data-figure=paid]")) == _money(payout.amount_minor, "en")
    screenshot(applicant, "life-09-seller-money")
    row.locator("a[href$='/statement/']").click()
    applicant.wait_for_load_state()
    statement = _text(applicant.locator("main"))
    assert ours.number in statement and _money(payout.amount_minor, "en") in statement
    screenshot(applicant, "life-10-statement")
    applicant.goto(f"{base}/sell/money/")
    with applicant.expect_download() as download_info:
        applicant.locator(f"a[href$='/money/payouts/{payout.pk}/statement.csv']").click()
    with open(download_info.value.path(), encoding="utf-8") as downloaded:
        rows = list(csv.DictReader(downloaded))
    by_type = {r["type"]: r for r in rows}
    assert by_type["order"]["reference"] == ours.number
    assert by_type["order"]["gross"] == str(Money(ours.total_minor, "EUR").to_decimal())
    assert by_type["payout"]["net"] == str(Money(-payout.amount_minor, "EUR").to_decimal())

    # The operator's money pages: the trial balance is balanced, reconciliation shows no difference.
    operator.goto(f"{base}/back-office/money/")
    assert _text(operator.locator("[data-total=EUR]")) in {_money(0, "en"), _money(0, "fr")}
    assert not operator.locator("tr.is-wrong").count()
    screenshot(operator, "life-11-trial-balance")
    operator.goto(f"{base}/back-office/money/reconciliation/")
    assert operator.locator(".reconciled").is_visible()
    assert not operator.locator("tr.difference").count()
    screenshot(operator, "life-12-reconciliation")

    # The numbers of the walk-through (shown with pytest -s), for the closing note.
    print(
        f"\nwalk-through: order {order.number} total {order.total_minor} (checkout button {pay_button!r},"
        f" payment {payment.amount_minor}); {SHOP} part {ours.number} {ours.total_minor}"
        f" (items {ours.items_minor}, shipping {ours.shipping_minor}); {demo_seller.display_name} part"
        f" {theirs.number} {theirs.total_minor} refused, refund {refund.amount_minor}; finally paid"
        f" {finally_paid}; commission {lines['c']}+{lines['s']}, VAT on commission {lines['v']}, payable"
        f" {payable}, reserve {reserve}, payout {payout.amount_minor}\npayouts run printed:\n{printed}"
    )
