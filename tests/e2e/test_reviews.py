"""A verified review in Chromium: after delivery the customer opens the order page, writes a
review of the item (stars for the product and the seller, a title and a text), and the review
shows on the product page with its stars, the seller's rating on its offer and the notice on
how reviews are checked, which links to its page. axe-core finds nothing serious on the order
page, the form, the product page and the notice; screenshots at desktop and phone widths."""

from __future__ import annotations

import pytest

from galerie.reviews.models import RatingSummary, Review
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import sign_in
from tests.reviews.conftest import delivered as delivered  # the fixture
from tests.reviews.conftest import placed as placed  # the fixture
from tests.reviews.conftest import shop as shop  # the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def test_the_customer_reviews_a_delivered_item_and_it_shows_on_the_product_page(
    delivered, live_server, browser, screenshot
):
    source = axe_source()
    customer = delivered.customer
    customer.full_name = "Marie Dupont"
    customer.set_password(PASSWORD)
    customer.save(update_fields=["full_name", "password"])
    base, code = live_server.url, delivered.storefront.code
    product = delivered.line_a.variant.product
    problems: dict[str, list[str]] = {}

    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    sign_in(page, f"{base}/s/{code}/account/login/", customer.email, PASSWORD)
    page.goto(f"{base}/s/{code}/account/orders/{delivered.order.number}/")
    problems["order"] = describe(axe_violations(page, source))
    write = page.locator(f"a[href$='/review/{delivered.line_a.pk}/']")
    assert write.count() == 1
    assert page.locator(f"a[href$='/review/{delivered.line_b.pk}/']").count() == 0  # not delivered
    write.click()
    page.wait_for_load_state()
    problems["form"] = describe(axe_violations(page, source))
    page.check("#id_product_stars_1")  # the choices run 5, 4, 3…: the second is 4 stars
    page.check("#id_seller_stars_0")  # 5 stars
    page.fill("#id_title", "Un très bon livre <b>!</b>")
    page.fill("#id_text", "Reçu en parfait état.\nJe recommande.")
    screenshot(page, "reviews-form-desktop")
    page.locator("form.review-form [type=submit]").click()
    page.wait_for_load_state()
    review = Review.objects.get()
    assert (review.product_stars, review.seller_stars, review.author_name) == (4, 5, "Marie D.")
    assert page.locator(".order-reviews .stars[role=img]").count() == 1
    screenshot(page, "reviews-order-desktop")

    anonymous = browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()
    anonymous.goto(f"{base}/s/{code}/p/{product.slug}/")
    section = anonymous.locator("section#reviews")
    assert section.locator(".review").count() == 1
    stars = section.locator(".review .stars[role=img]")
    assert stars.get_attribute("aria-label") in {"4 stars out of 5", "4 étoiles sur 5"}
    assert "Un très bon livre <b>!</b>" in section.locator(".review strong").inner_text()  # escaped text
    assert "Marie D." in section.inner_text()
    assert section.locator(".reviews-average .rating[role=img]").count() == 1
    assert anonymous.locator(".buybox .rating[role=img]").count() == 1  # the seller's rating
    notice = section.locator(".review-notice a")
    assert notice.get_attribute("href").endswith(f"/s/{code}/reviews/")
    problems["product"] = describe(axe_violations(anonymous, source))
    screenshot(anonymous, "reviews-product-desktop")
    notice.click()
    anonymous.wait_for_load_state()
    assert "2019/2161" in anonymous.inner_text("main")
    problems["notice"] = describe(axe_violations(anonymous, source))

    phone = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    phone.goto(f"{base}/s/{code}/p/{product.slug}/#reviews")
    problems["product-phone"] = describe(axe_violations(phone, source))
    screenshot(phone, "reviews-product-phone")
    sign_in(phone, f"{base}/s/{code}/account/login/", customer.email, PASSWORD)
    phone.goto(f"{base}/s/{code}/account/orders/{delivered.order.number}/")
    screenshot(phone, "reviews-order-phone")

    assert RatingSummary.objects.get(kind="product", subject_id=product.pk).count == 1
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_seller_replies_and_the_operator_hides_a_reported_review(
    delivered, live_server, browser, screenshot
):
    from galerie.accounts.models import User
    from galerie.reviews.services import review_create, review_report

    source = axe_source()
    review = review_create(
        customer=delivered.customer, order_line_id=delivered.line_a.pk, product_stars=2, seller_stars=3,
        title="Bof", text="Achetez ailleurs : www.example.test",
    )  # fmt: skip
    review_report(review_id=review.pk, reporter=delivered.owner_b, reason="spam", details="Une publicité")
    owner = delivered.owner_a
    owner.set_password(PASSWORD)
    owner.save(update_fields=["password"])
    staff = User.objects.create_user(email="staff@galerie.test", password=PASSWORD, is_staff=True)
    base, problems = live_server.url, {}

    seller = browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()
    sign_in(seller, f"{base}/sell/login/", owner.email, PASSWORD)
    seller.goto(f"{base}/sell/")
    card = seller.locator("[data-stat=reviews-unanswered]")
    assert card.locator("strong").inner_text() == "1"
    problems["dashboard"] = describe(axe_violations(seller, source))
    card.click()
    seller.wait_for_load_state()
    problems["seller-reviews"] = describe(axe_violations(seller, source))
    seller.fill(f"#reply-{review.uuid.hex}", "Désolés : nous vous remboursons volontiers.")
    screenshot(seller, "reviews-seller-list")
    seller.locator(f"#review-{review.uuid.hex} form [type=submit]").click()
    seller.wait_for_load_state()
    review.refresh_from_db()
    assert review.reply_text == "Désolés : nous vous remboursons volontiers."
    assert seller.locator(f"#reply-{review.uuid.hex}").count() == 0  # one reply only

    operator = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    sign_in(operator, f"{base}/admin/login/?next=/back-office/reviews/", staff.email, PASSWORD)
    operator.goto(f"{base}/back-office/reviews/")
    assert operator.locator(f"#review-{review.uuid.hex}").count() == 1
    problems["queue"] = describe(axe_violations(operator, source))
    operator.fill(f"#reason-{review.uuid.hex}", "Publicité pour un autre site.")
    screenshot(operator, "reviews-queue-phone")
    operator.locator(f"#review-{review.uuid.hex} button[value=hide]").click()
    operator.wait_for_load_state()
    review.refresh_from_db()
    assert (review.status, review.hidden_reason) == ("hidden", "Publicité pour un autre site.")
    assert RatingSummary.objects.get(kind="product", subject_id=review.product_id).count == 0
    assert {name: found for name, found in problems.items() if found} == {}
