"""The message pages of the customer, the seller and the operator; the partials on others' pages;
isolation by URL and by id (another customer's or seller's thread or file is a 404)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from galerie.messaging.models import Attachment, Message, Thread
from galerie.messaging.services import message_post
from tests.messaging.conftest import T0, H, pdf, picture
from tests.orders.quality_data import place

pytestmark = pytest.mark.django_db


def customer_url(world, part=None, suffix=""):
    number = (part or world.part_a).number
    return f"/s/{world.storefront.code}/account/messages/{number}/{suffix}"


def seller_url(part, suffix=""):
    return f"/sell/orders/{part.number}/messages/{suffix}"


def test_a_page_never_writes_and_the_customer_posts_a_photo(client, world):
    client.force_login(world.customer)
    response = client.get(customer_url(world))
    assert response.status_code == 200 and not Thread.objects.exists()
    body = response.content.decode()
    assert "Messages au sujet de la commande" in body and "Écrire un message" in body
    response = client.post(
        customer_url(world), {"body": "Le livre est abîmé, appelez le 06 12 34 56 78", "files": [picture()]}
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.party == "customer" and message.attachments.count() == 1
    body = client.get(customer_url(world)).content.decode()
    assert "[coordonnées masquées]" in body and "06 12" not in body
    assert Attachment.objects.get().uuid.hex[:8] in body.replace("-", "")


def test_a_refused_file_changes_nothing_and_says_why(client, world):
    client.force_login(world.customer)
    exe = SimpleUploadedFile("virus.png", b"MZ\x90\x00" * 100, content_type="image/png")
    response = client.post(customer_url(world), {"body": "voici", "files": [exe]})
    assert response.status_code == 400
    assert "virus.png" in response.content.decode() and "voici" in response.content.decode()
    assert not Message.objects.exists()


def test_files_are_served_to_the_parties_with_safe_headers_and_to_nobody_else(client, world):
    message = message_post(
        seller_order_id=world.part_a.pk,
        party="customer",
        by=world.customer,
        body="",
        files=[picture(), pdf()],
        now=T0,
    )
    image, document = message.attachments.order_by("id")
    client.force_login(world.customer)
    response = client.get(customer_url(world, suffix=f"files/{image.uuid}/"))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("inline")
    response = client.get(customer_url(world, suffix=f"files/{document.uuid}/"))
    assert response["Content-Disposition"].startswith('attachment; filename="facture.pdf"')
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.force_login(world.owner_a)
    assert client.get(seller_url(world.part_a, f"files/{image.uuid}/")).status_code == 200
    # Another customer, by URL or by swapping the file into their own thread's URL: 404.
    client.force_login(world.other)
    assert client.get(customer_url(world, suffix=f"files/{image.uuid}/")).status_code == 404
    assert client.get(customer_url(world, world.part_other, f"files/{image.uuid}/")).status_code == 404
    assert client.get(customer_url(world)).status_code == 404
    # Another seller, the same.
    client.force_login(world.owner_b)
    assert client.get(seller_url(world.part_a, f"files/{image.uuid}/")).status_code == 404
    assert client.get(seller_url(world.part_b, f"files/{image.uuid}/")).status_code == 404
    assert client.get(seller_url(world.part_a)).status_code == 404
    # Anonymous: the sign-in page.
    client.logout()
    assert client.get(customer_url(world, suffix=f"files/{image.uuid}/")).status_code == 302


def test_another_customer_cannot_post_read_or_ask_in_a_thread_not_theirs(client, world):
    message_post(seller_order_id=world.part_a.pk, party="seller", by=world.owner_a, body="Bonjour", now=T0)
    client.force_login(world.other)
    for suffix, data in [("", {"body": "x"}), ("read/", {"upto": "999"}), ("operator/", {"reason": "x"})]:
        assert client.post(customer_url(world, suffix=suffix), data).status_code == 404
    thread = Thread.objects.get()
    assert (thread.status, thread.customer_unread, Message.objects.count()) == ("open", 1, 1)


def test_unread_counts_show_on_the_order_and_account_pages_and_clear_when_read(client, world):
    message = message_post(
        seller_order_id=world.part_a.pk, party="seller", by=world.owner_a, body="Parti !", now=T0
    )
    client.force_login(world.customer)
    order_page = f"/s/{world.storefront.code}/account/orders/{world.part_a.order.number}/"
    assert 'data-unread="1"' in client.get(order_page).content.decode()
    assert 'data-unread="1"' in client.get(f"/s/{world.storefront.code}/account/").content.decode()
    page = client.get(customer_url(world)).content.decode()
    assert 'hx-trigger="load delay:1s"' in page and f'name="upto" value="{message.pk}"' in page
    response = client.post(customer_url(world, suffix="read/"), {"upto": message.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert "data-unread" not in client.get(order_page).content.decode()


def test_the_seller_sees_unread_counts_on_its_orders_dashboard_and_order_and_answers(client, world):
    message_post(
        seller_order_id=world.part_a.pk, party="customer", by=world.customer, body="Question", now=T0
    )
    client.force_login(world.owner_a)
    assert 'data-unread="1"' in client.get("/sell/orders/").content.decode()
    assert 'data-unread="1"' in client.get(f"/sell/orders/{world.part_a.number}/").content.decode()
    dashboard = client.get("/sell/").content.decode()
    assert 'data-stat="unread-messages">1<' in dashboard and world.part_a.number in dashboard
    response = client.post(
        seller_url(world.part_a, "post/"), {"body": "Réponse", "files": [picture("r.png", "PNG")]}
    )
    assert response.status_code == 302
    thread = Thread.objects.get()
    assert (thread.seller_unread, thread.customer_unread) == (0, 1)
    assert 'data-stat="unread-messages">0<' in client.get("/sell/").content.decode()
    # Owner B sees nothing of it.
    client.force_login(world.owner_b)
    assert world.part_a.number not in client.get("/sell/orders/").content.decode()


def test_either_party_asks_the_operator_in_who_reads_answers_and_steps_out(client, world):
    client.force_login(world.owner_a)
    response = client.post(seller_url(world.part_a, "operator/"), {"reason": "Le client ne répond plus"})
    assert response.status_code == 302
    thread = Thread.objects.get()
    client.force_login(world.operator)
    listing = client.get(reverse("back_office:message_threads")).content.decode()
    assert world.part_a.number in listing and "Le client ne répond plus" in listing
    page = client.get(reverse("back_office:message_thread", kwargs={"thread": thread.uuid}))
    assert page.status_code == 200
    client.post(reverse("back_office:message_post", kwargs={"thread": thread.uuid}), {"body": "Je regarde."})
    thread.refresh_from_db()
    assert (thread.customer_unread, thread.seller_unread) == (1, 1)
    client.post(reverse("back_office:message_done", kwargs={"thread": thread.uuid}))
    thread.refresh_from_db()
    assert thread.status == "operator_done"
    assert world.part_a.number not in client.get(reverse("back_office:message_threads")).content.decode()
    # Customers and sellers never reach the back office's pages.
    client.force_login(world.customer)
    assert (
        client.get(reverse("back_office:message_thread", kwargs={"thread": thread.uuid})).status_code == 403
    )


def test_the_quality_page_shows_the_median_response_time(client, world):
    # The page lists the sellers with orders in the window up to now: one placed today.
    now = timezone.now()
    part = place(world.storefront, world.seller_a, world.customer, placed_at=now - 6 * H)
    message_post(seller_order_id=part.pk, party="customer", by=world.customer, body="?", now=now - 5 * H)
    message_post(seller_order_id=part.pk, party="seller", by=world.owner_a, body="!", now=now - 3 * H)
    client.force_login(world.operator)
    page = client.get(
        reverse("back_office:quality") + f"?storefront={world.storefront.code}"
    ).content.decode()
    assert "Median response time" in page and "2.0 h" in page and "1 answer" in page
