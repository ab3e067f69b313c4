"""The pages: the customer's button, choice and confirmation; the seller's list, return and
dashboard figure; the back office's queue and overrule; in French."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from galerie.core.models import OutboxEvent
from galerie.returns.models import Return
from tests.factories import make_user, pdf_bytes
from tests.returns.conftest import deliver, settle

pytestmark = pytest.mark.django_db(transaction=True)


def order_url(placed) -> str:
    return f"/s/{placed.storefront.code}/account/orders/{placed.order.number}/"


def test_the_customer_withdraws_in_two_steps_and_sees_it_on_the_order_page(placed, client):
    part = deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=2))
    line = part.lines.get()
    client.force_login(placed.customer)
    page = client.get(order_url(placed)).content.decode()
    assert page.count("Se rétracter du contrat ici") == 1  # seller B's part is not delivered
    withdraw = f"{order_url(placed)}withdraw/{part.pk}/"
    assert withdraw in page
    step1 = client.get(withdraw).content.decode()
    assert f'name="qty-{line.pk}"' in step1 and 'max="2"' in step1
    too_many = client.post(withdraw, {"step": "review", f"qty-{line.pk}": "3"})
    assert too_many.status_code == 400 and "Au plus 2" in too_many.content.decode()
    step2 = client.post(withdraw, {"step": "review", f"qty-{line.pk}": "1"}).content.decode()
    assert "Confirmer la rétractation" in step2 and Return.objects.count() == 0
    done = client.post(withdraw, {"step": "confirm", f"qty-{line.pk}": "1"})
    assert done.status_code == 302 and done["Location"].endswith("#withdrawal")
    ret = Return.objects.get()
    assert (ret.items_minor, ret.lines.get().quantity) == (line.unit_price_minor, 1)
    assert OutboxEvent.objects.filter(topic="return.declared").count() == 1
    page = client.get(order_url(placed)).content.decode()
    assert "Votre rétractation" in page and "Se rétracter du contrat ici" in page  # one book left


def test_the_order_page_names_the_configured_period(placed, client, settings):
    # An operator may give customers longer than the legal 14 days: the page says how long.
    settings.GALERIE_WITHDRAWAL_DAYS = 30
    deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=2))
    client.force_login(placed.customer)
    page = client.get(order_url(placed)).content.decode()
    assert "(30 jours après la livraison)" in page and "14 jours" not in page
    assert "vous pourrez vous rétracter de cette partie ici pendant 30 jours" in page  # seller B's part


def test_another_customer_cannot_withdraw_from_the_order(placed, client):
    part = deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=2))
    client.force_login(make_user())
    response = client.post(
        f"{order_url(placed)}withdraw/{part.pk}/", {"step": "confirm", f"qty-{part.lines.get().pk}": "1"}
    )
    assert response.status_code == 404 and Return.objects.count() == 0


def test_a_period_over_says_when_and_why(placed, client):
    deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=30))
    client.force_login(placed.customer)
    page = client.get(order_url(placed)).content.decode()
    assert "Se rétracter du contrat ici" not in page
    assert "Le délai de rétractation a pris fin le" in page


def test_the_seller_instructs_receives_refunds_and_the_customer_sees_the_refund(placed, client):
    part = deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=2))
    client.force_login(placed.customer)
    withdraw = f"{order_url(placed)}withdraw/{part.pk}/"
    client.post(withdraw, {"step": "confirm", f"qty-{part.lines.get().pk}": "1"})
    ret = Return.objects.get()
    client.force_login(placed.owner_a)
    dashboard = client.get("/sell/").content.decode()
    assert re.search(r'data-stat="returns">\s*<strong>1</strong>', dashboard)
    assert f"/sell/returns/{ret.pk}/" in client.get("/sell/returns/").content.decode()
    assert f"/sell/returns/{ret.pk}/" in client.get(f"/sell/orders/{part.number}/").content.decode()
    action = f"/sell/returns/{ret.pk}/action/"
    label = SimpleUploadedFile("l.pdf", pdf_bytes(), content_type="application/pdf")
    client.post(action, {"action": "instruct", "instructions": "1 rue X, Paris", "label": label})
    client.post(action, {"action": "receive", "note": "ok"})
    client.post(action, {"action": "refund", "depreciation": "1,50", "depreciation_reason": "Coin corné"})
    settle()
    ret.refresh_from_db()
    assert (ret.status, ret.refund_minor) == ("refunded", ret.items_minor - 150)
    client.force_login(placed.customer)
    page = client.get(order_url(placed)).content.decode()
    assert "Coin corné" in page and "Remboursement de la part de" in page
    assert client.get(f"/s/{placed.storefront.code}/account/returns/{ret.uuid}/label.pdf").status_code == 200
    client.force_login(placed.owner_b)
    assert client.get(f"/sell/returns/{ret.pk}/").status_code == 404
    assert client.get(f"/sell/returns/{ret.pk}/label.pdf").status_code == 404
    client.force_login(make_user())
    assert client.get(f"/s/{placed.storefront.code}/account/returns/{ret.uuid}/label.pdf").status_code == 404


def test_the_back_office_lists_overdue_refunds_first_and_overrules(placed, client):
    part = deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=2))
    client.force_login(placed.customer)
    client.post(
        f"{order_url(placed)}withdraw/{part.pk}/", {"step": "confirm", f"qty-{part.lines.get().pk}": "1"}
    )
    ret = Return.objects.get()
    Return.objects.filter(pk=ret.pk).update(refund_due_by=timezone.now() - timedelta(days=1))
    client.force_login(make_user(is_staff=True))
    page = client.get("/back-office/returns/").content.decode()
    assert "overdue" in page and part.number in page
    client.post(f"/back-office/returns/{ret.pk}/overrule/", {"depreciation": "0"})
    settle()
    ret.refresh_from_db()
    assert ret.status == "refunded"
    client.force_login(placed.owner_a)
    assert client.get("/back-office/returns/").status_code == 403


def test_a_private_sellers_offer_says_plainly_there_is_no_withdrawal(shop, client):
    from tests.factories import make_offer, make_seller, make_variant

    private = make_seller(storefronts=[shop.storefront], kind="private")
    offer = make_offer(seller=private, variant=make_variant(), price_minor=1500, stock=3)
    page = client.get(f"/s/{shop.storefront.code}/p/{offer.variant.product.slug}/").content.decode()
    assert "Vendeur particulier" in page or "Particulier" in page
    assert "pas de droit de rétractation du consommateur" in page


def test_the_customer_reports_a_defect_from_the_order_page(placed, client):
    part = deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=200))
    client.force_login(placed.customer)
    page = client.get(order_url(placed)).content.decode()
    url = f"{order_url(placed)}defect/{part.pk}/"
    assert url in page and "Se rétracter du contrat ici" not in page
    line = part.lines.get()
    empty = client.post(url, {f"qty-{line.pk}": "1", "description": ""})
    assert empty.status_code == 400 and "Décrivez le défaut" in empty.content.decode()
    assert (
        client.post(url, {f"qty-{line.pk}": "1", "description": "La reliure se décolle"}).status_code == 302
    )
    ret = Return.objects.get()
    assert (ret.reason, ret.defect_description) == ("defect", "La reliure se décolle")
    assert sum(ret.held_minor.values()) == ret.items_minor  # held off the seller's balances, as a withdrawal


def test_a_private_sellers_part_says_there_is_no_withdrawal_on_the_order_page(shop, client):
    from galerie.cart.services import cart_add
    from galerie.checkout.services import checkout_place_order
    from galerie.notifications.emails import order_placed_email
    from galerie.sellers.models import SellerMember
    from galerie.sellers.services import seller_member_add
    from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
    from tests.factories import make_offer, make_seller, make_variant

    private = make_seller(storefronts=[shop.storefront], kind="private")
    offer = make_offer(seller=private, variant=make_variant(), price_minor=1500, stock=3)
    customer, owner = make_user(), make_user()
    seller_member_add(seller=private, user=owner, role=SellerMember.Role.OWNER)
    cart = cart_add(storefront=shop.storefront, cart=None, customer=customer, offer_id=offer.pk, quantity=1)
    order = checkout_place_order(
        storefront=shop.storefront, cart=cart, customer=customer, address=ADDRESS,
        payment_method=SUCCESS, idempotency_key=new_key(), return_url="http://testserver/r/",
    ).order  # fmt: skip
    settle()
    deliver(order.seller_orders.get(), owner, timezone.now() - timedelta(days=1))
    client.force_login(customer)
    page = client.get(f"/s/{shop.storefront.code}/account/orders/{order.number}/").content.decode()
    assert "Se rétracter du contrat ici" not in page
    assert "le droit de rétractation et la garantie légale de conformité ne s'appliquent pas" in page
    # Every order e-mail links to the withdrawal function on the order page.
    email = order_placed_email(order=order)
    assert f"/account/orders/{order.number}/#withdrawal" in email.text
    assert "Se rétracter du contrat ici" in email.text and "#withdrawal" in email.html
