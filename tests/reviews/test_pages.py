"""The review pages: the customer reviews from the order page; the product page shows the
stars, the escaped text, the notice and each offer's seller rating with one more query; the
seller lists and answers its reviews; the back office hides a reported one; the e-mails go
through a real SMTP server."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galerie.core.models import OutboxEvent
from galerie.reviews.handlers import review_requested, review_status_changed
from galerie.reviews.models import Review
from galerie.reviews.services import review_create, review_report, review_requests_send
from tests.factories import make_user
from tests.reviews.conftest import DELIVERED_AT

pytestmark = pytest.mark.django_db(transaction=True)


def order_url(shop) -> str:
    return f"/s/{shop.storefront.code}/account/orders/{shop.order.number}/"


def product_url(shop) -> str:
    return f"/s/{shop.storefront.code}/p/{shop.line_a.variant.product.slug}/"


def write(shop, **changes) -> Review:
    fields = {"product_stars": 4, "seller_stars": 5, "title": "<script>x</script>", "text": "Très bien"}
    return review_create(customer=shop.customer, order_line_id=shop.line_a.pk, **{**fields, **changes})


def test_the_customer_reviews_from_the_order_page(client, delivered):
    client.force_login(delivered.customer)
    page = client.get(order_url(delivered)).content.decode()
    link = f"{order_url(delivered)}review/{delivered.line_a.pk}/"
    assert f'href="{link}"' in page
    assert f"review/{delivered.line_b.pk}/" not in page  # B's part is not delivered
    assert client.get(f"{order_url(delivered)}review/{delivered.line_b.pk}/").status_code == 302

    bad = client.post(link, {"product_stars": "9", "seller_stars": "5"})
    assert bad.status_code == 400 and not Review.objects.exists()
    response = client.post(link, {"product_stars": "4", "seller_stars": "5", "title": "Nice", "text": "Good"})
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.product_stars, review.seller_stars, review.customer_id) == (4, 5, delivered.customer.pk)
    page = client.get(order_url(delivered)).content.decode()
    assert f'href="{link}"' not in page and 'class="stars" role="img"' in page


def test_another_customer_cannot_open_the_review_form(client, delivered):
    client.force_login(make_user())
    link = f"{order_url(delivered)}review/{delivered.line_a.pk}/"
    assert client.get(link).status_code == 404
    assert client.post(link, {"product_stars": "5", "seller_stars": "5"}).status_code == 404
    assert not Review.objects.exists()


def test_the_product_page_shows_reviews_the_notice_and_seller_ratings_with_one_query(client, delivered):
    client.force_login(make_user())  # signed in: never served from the page cache
    client.get(product_url(delivered))  # warm the per-process caches (storefront, host)
    with CaptureQueriesContext(connection) as before:
        assert client.get(product_url(delivered)).status_code == 200
    write(delivered)
    with CaptureQueriesContext(connection) as after:
        page = client.get(product_url(delivered)).content.decode()
    mine = [q["sql"] for q in after.captured_queries if "reviews_" in q["sql"]]
    assert len(mine) == 1, mine
    assert len(after.captured_queries) == len(before.captured_queries)
    print(f"product page queries: {len(after.captured_queries)}, of which 1 on the rating summaries")
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert 'aria-label="4 stars out of 5"' in page or 'aria-label="4 étoiles sur 5"' in page
    assert f'href="/s/{delivered.storefront.code}/reviews/"' in page  # the notice's page
    buy_box = page.split('class="buybox"')[1].split("</section>")[0]
    assert 'class="rating" role="img"' in buy_box  # the seller's rating on its offer
    about = client.get(f"/s/{delivered.storefront.code}/reviews/")
    assert about.status_code == 200 and "2019/2161" in about.content.decode()


def test_report_then_the_back_office_hides_it_and_the_author_is_emailed(client, delivered, smtp_inbox):
    review = write(delivered)
    reporter = make_user()
    client.force_login(reporter)
    form = client.get(f"/s/{delivered.storefront.code}/reviews/{review.uuid.hex}/report/")
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    response = client.post(
        f"/s/{delivered.storefront.code}/reviews/{review.uuid.hex}/report/", {"reason": "spam"}
    )
    assert response.status_code == 302 and review.reports.count() == 1
    staff = make_user(is_staff=True)
    client.force_login(staff)
    queue = client.get("/back-office/reviews/").content.decode()
    assert f"review-{review.uuid.hex}" in queue
    client.post(
        f"/back-office/reviews/{review.uuid.hex}/decide/", {"decision": "hide", "reason": "Advertising."}
    )
    review.refresh_from_db()
    assert (review.status, review.hidden_reason) == ("hidden", "Advertising.")
    assert f"review-{review.uuid.hex}" not in client.get("/back-office/reviews/").content.decode()

    event = OutboxEvent.objects.filter(topic="review.status_changed").latest("id")
    review_status_changed(event)
    review_status_changed(event)  # a retried event: still one e-mail
    (message,) = smtp_inbox.to(delivered.customer.email)
    assert "Advertising." in message.get_body(("plain",)).get_content()
    client.force_login(delivered.customer)
    assert "Advertising." in client.get(order_url(delivered)).content.decode()


def test_the_request_email_names_no_seller_address(delivered, smtp_inbox):
    from datetime import timedelta

    assert review_requests_send(now=DELIVERED_AT + timedelta(days=7)) == 1
    review_requested(OutboxEvent.objects.get(topic="review.requested"))
    (message,) = smtp_inbox.messages
    assert message["To"] == delivered.order.email
    body = message.get_body(("plain",)).get_content()
    assert f"/account/orders/{delivered.order.number}/#reviews-{delivered.part_a.pk}" in body
    assert delivered.seller_a.email not in body and delivered.seller_a.email not in str(message)
    assert delivered.line_a.product_title in body


def test_the_seller_lists_and_answers_its_reviews(client, delivered):
    review = write(delivered)
    client.force_login(delivered.owner_a)
    dashboard = client.get("/sell/").content.decode()
    assert 'data-stat="reviews-unanswered"><strong>1</strong>' in dashboard
    page = client.get("/sell/reviews/").content.decode()
    assert f"review-{review.uuid.hex}" in page
    client.post(f"/sell/reviews/{review.uuid.hex}/reply/", {"text": "Merci !"})
    client.post(f"/sell/reviews/{review.uuid.hex}/reply/", {"text": "Twice"})
    review.refresh_from_db()
    assert review.reply_text == "Merci !"
    assert 'data-stat="reviews-unanswered"><strong>0</strong>' in client.get("/sell/").content.decode()
    client.force_login(delivered.owner_b)  # another seller: not its review
    assert client.post(f"/sell/reviews/{review.uuid.hex}/reply/", {"text": "x"}).status_code == 404
    assert f"review-{review.uuid.hex}" not in client.get("/sell/reviews/").content.decode()


def test_reporting_needs_a_signed_in_user(client, delivered):
    review = write(delivered)
    response = client.post(
        f"/s/{delivered.storefront.code}/reviews/{review.uuid.hex}/report/", {"reason": "spam"}
    )
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not review.reports.exists()
    review_report(review_id=review.pk, reporter=make_user(), reason="spam")
